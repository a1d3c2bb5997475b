"""Geodata -> network: nodes and links from GeoJSON, validated, as a ``networkx.MultiDiGraph``.

Links carry one commodity each; a conversion link (e.g. LNG regasification) turns its input
commodity into ``output_commodity`` with an energy ``efficiency``. A bidirectional link becomes
two arcs, the reverse one named ``<id>~rev``. Lengths come from the data or, failing that,
from the geodesic length of the geometry (pyproj.Geod on WGS84).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import networkx as nx
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyproj import Geod
from shapely.geometry import LineString, shape

from corridors.errors import NetworkError, Problem, pydantic_message, suggest
from corridors.io.schema import Scenario

NodeKind = Literal[
    "supply", "demand", "chokepoint", "port", "junction", "border", "storage", "terminal"
]
LinkMode = Literal["pipeline", "sea", "rail", "conversion"]
REVERSE_SUFFIX = "~rev"
_GEOD = Geod(ellps="WGS84")


PropsT = TypeVar("PropsT", bound=BaseModel)


class NodeProps(BaseModel):
    """Properties of a node feature in nodes.geojson."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    id: Annotated[str, Field(min_length=1)]
    name: str = ""
    kind: NodeKind
    country: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    capacity: Annotated[float, Field(ge=0)] | None = None
    """Throughput limit, PJ per year (chokepoints)."""
    corridor: str | None = None
    source: str | None = None
    note: str | None = None


class LinkProps(BaseModel):
    """Properties of a link feature in links.geojson."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )
    id: Annotated[str, Field(min_length=1)]
    name: str = ""
    from_: Annotated[str, Field(min_length=1)] = Field(alias="from")
    to: Annotated[str, Field(min_length=1)]
    mode: LinkMode
    commodity: str
    capacity: Annotated[float, Field(ge=0)] | None = None
    """Commodity units per year; None means unlimited (open sea lanes)."""
    cost: float = 0.0
    """USD per commodity unit carried."""
    length_km: Annotated[float, Field(ge=0)] | None = None
    corridor: str | None = None
    status: Literal["existing", "planned", "candidate"] = "existing"
    capex: Annotated[float, Field(ge=0)] | None = None
    """Total capital cost, USD million (planned and candidate links)."""
    output_commodity: str | None = None
    efficiency: Annotated[float, Field(gt=0)] = 1.0
    """Energy efficiency, PJ out per PJ in."""
    bidirectional: bool = False
    source: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Network:
    """The active network of a scenario.

    ``nodes`` is indexed by node id; ``links`` by arc id (reverse arcs of bidirectional links
    included) with columns ``from, to, mode, commodity, output_commodity, efficiency,
    capacity, cost, length_km, corridor, status, capex, base_id``; ``geometry`` maps ids to
    shapely geometries; ``inactive_links`` holds planned/candidate links not switched on.
    """

    nodes: pd.DataFrame
    links: pd.DataFrame
    geometry: dict[str, Any]
    graph: nx.MultiDiGraph
    inactive_links: pd.DataFrame
    basemap: Path | None = None
    files: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def corridors(self) -> list[str]:
        return sorted(c for c in self.links["corridor"].dropna().unique())

    @property
    def chokepoints(self) -> list[str]:
        return list(self.nodes.index[self.nodes["kind"] == "chokepoint"])


def _read_features(
    path: Path, what: str, problems: list[Problem], scenario_file: str = ""
) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(
            Problem(
                scenario_file or str(path),
                f"network.{what}",
                f"file not found: {path} (paths are relative to the scenario file)",
            )
        )
        return []
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(str(path), f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}")
        )
        return []
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), "", f"cannot read {what} file: {exc}"))
        return []
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        problems.append(Problem(str(path), "", "expected a GeoJSON FeatureCollection"))
        return []
    feats = data.get("features")
    if not isinstance(feats, list):
        problems.append(Problem(str(path), "features", "expected a list of features"))
        return []
    return feats


def _props(
    feat: Any, i: int, model: type[PropsT], path: Path, problems: list[Problem]
) -> PropsT | None:
    if not isinstance(feat, dict) or not isinstance(feat.get("properties"), dict):
        problems.append(Problem(str(path), f"features[{i}]", "feature without properties"))
        return None
    props = feat["properties"]
    try:
        return model.model_validate(props)
    except ValidationError as exc:
        label = props.get("id")
        label = label if isinstance(label, str) and label else f"features[{i}]"
        allowed = [f.alias or n for n, f in model.model_fields.items()]
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                msg = f"unknown property '{key}'{suggest(key, allowed)}"
            elif err["type"] == "missing":
                msg = "required property is missing"
            else:
                msg = pydantic_message(err)
            problems.append(Problem(str(path), f"{label}.{key}", msg))
        return None


def _raw_str(feat: Any, key: str) -> str | None:
    """A feature property as given, if it is a non-empty string."""
    props = feat.get("properties") if isinstance(feat, dict) else None
    value = props.get(key) if isinstance(props, dict) else None
    return value if isinstance(value, str) and value else None


def _geometry(feat: dict[str, Any], kind: str, label: str, path: Path, problems: list[Problem]):
    geom = feat.get("geometry")
    if geom is None:
        return None
    try:
        g = shape(geom)
    except Exception as exc:  # shapely raises several types for bad GeoJSON
        problems.append(Problem(str(path), f"{label}.geometry", f"invalid GeoJSON geometry: {exc}"))
        return None
    if g.geom_type != kind:
        allowed = "a Point" if kind == "Point" else f"a {kind} or null (a straight line)"
        problems.append(
            Problem(str(path), f"{label}.geometry", f"must be {allowed} (got {g.geom_type})")
        )
        return None
    coords = np.asarray(g.coords, dtype=float) if not g.is_empty else np.zeros((0, 2))
    if g.is_empty or coords.ndim != 2 or coords.shape[1] < 2:
        problems.append(Problem(str(path), f"{label}.geometry", "geometry has no coordinates"))
        return None
    lon, lat = coords[:, 0], coords[:, 1]
    if not (np.isfinite(coords).all() and (np.abs(lon) <= 180).all() and (np.abs(lat) <= 90).all()):
        problems.append(
            Problem(
                str(path),
                f"{label}.geometry",
                "coordinates must be finite longitude/latitude (WGS84): |lon| ≤ 180, |lat| ≤ 90",
            )
        )
        return None
    if kind == "LineString" and len(coords) < 2:
        problems.append(Problem(str(path), f"{label}.geometry", "a line needs two points"))
        return None
    return g


def geodesic_km(geom: LineString) -> float:
    """Geodesic length of a lon/lat line on the WGS84 ellipsoid, in km."""
    return float(_GEOD.geometry_length(geom)) / 1000.0


def load_network(scenario: Scenario) -> Network:
    """Read the scenario's geodata, validate it against the scenario, and build the graph.

    Raises :class:`NetworkError` listing every problem (duplicate ids, links naming unknown
    nodes, unknown commodities, negative capacities, bad geometry, ...).
    """
    problems: list[Problem] = []
    files = scenario.network
    commodities = set(scenario.commodities)

    node_rows: list[dict[str, Any]] = []
    geometry: dict[str, Any] = {}
    node_seen: dict[str, int] = {}
    for i, feat in enumerate(
        _read_features(files.nodes, "nodes", problems, str(scenario.source or ""))
    ):
        p = _props(feat, i, NodeProps, files.nodes, problems)
        # Ids are checked even when other properties are bad, to report everything at once.
        nid = p.id if p is not None else _raw_str(feat, "id")
        if nid is not None:
            if nid in node_seen:
                problems.append(
                    Problem(
                        str(files.nodes),
                        f"features[{i}].id",
                        f"duplicate node id '{nid}' (also features[{node_seen[nid]}]); "
                        "give each node a unique id",
                    )
                )
                continue
            node_seen[nid] = i
        if p is None:
            continue
        g = _geometry(feat, "Point", p.id, files.nodes, problems)
        if g is None:
            if feat.get("geometry") is None:
                problems.append(
                    Problem(str(files.nodes), f"{p.id}.geometry", "a node needs a Point geometry")
                )
            continue
        geometry[p.id] = g
        node_rows.append({**p.model_dump(), "lon": g.x, "lat": g.y})
    node_ids = set(node_seen)

    link_rows: list[dict[str, Any]] = []
    link_ids: dict[str, int] = {}
    for i, feat in enumerate(
        _read_features(files.links, "links", problems, str(scenario.source or ""))
    ):
        lp = _props(feat, i, LinkProps, files.links, problems)
        # References are checked even when other properties are bad (report all at once).
        lid = lp.id if lp is not None else _raw_str(feat, "id")
        where = lid or f"features[{i}]"
        if lid is not None:
            if lid in link_ids:
                problems.append(
                    Problem(
                        str(files.links),
                        f"features[{i}].id",
                        f"duplicate link id '{lid}' (also features[{link_ids[lid]}]); "
                        "give each link a unique id",
                    )
                )
                continue
            if lid in node_ids:
                problems.append(
                    Problem(
                        str(files.links),
                        f"{where}.id",
                        f"link id '{lid}' is also a node id; ids must be unique",
                    )
                )
                continue
            link_ids[lid] = i
        for end in ("from", "to"):
            nid = _raw_str(feat, end)
            if nid is not None and nid not in node_ids and node_ids:
                problems.append(
                    Problem(
                        str(files.links),
                        f"{where}.{end}",
                        f"unknown node '{nid}'{suggest(nid, node_ids)}",
                    )
                )
        for key in ("commodity", "output_commodity"):
            com = _raw_str(feat, key)
            if com is not None and com not in commodities:
                problems.append(
                    Problem(
                        str(files.links),
                        f"{where}.{key}",
                        f"unknown commodity '{com}'"
                        + (
                            suggest(com, commodities)
                            or f"; the scenario defines {', '.join(sorted(commodities))}"
                        ),
                    )
                )
        if lp is None:
            continue
        if lp.mode == "conversion" and lp.output_commodity is None:
            problems.append(
                Problem(
                    str(files.links),
                    f"{where}.output_commodity",
                    "a conversion link needs output_commodity",
                )
            )
        if lp.status != "existing" and lp.capex is None and lp.status == "candidate":
            problems.append(
                Problem(str(files.links), f"{where}.capex", "a candidate link needs capex")
            )
        g = _geometry(feat, "LineString", where, files.links, problems)
        link_rows.append({**lp.model_dump(by_alias=True), "geometry": g})

    if not node_rows and not problems:
        problems.append(Problem(str(files.nodes), "features", "the network has no nodes"))
    if problems:
        raise NetworkError(problems)

    nodes = pd.DataFrame(node_rows).set_index("id")
    for row in link_rows:
        if row["geometry"] is None:
            a, b = geometry[row["from"]], geometry[row["to"]]
            row["geometry"] = LineString([(a.x, a.y), (b.x, b.y)])
        if row["length_km"] is None:
            row["length_km"] = geodesic_km(row["geometry"])
        if row["output_commodity"] is None:
            row["output_commodity"] = row["commodity"]
    all_links = pd.DataFrame(link_rows).set_index("id") if link_rows else _empty_links()
    all_links["base_id"] = all_links.index

    include = set(files.include_links)
    unknown = include - set(all_links.index)
    for lid in sorted(unknown):
        problems.append(
            Problem(
                str(scenario.source or ""),
                "network.include_links",
                f"unknown link '{lid}'{suggest(lid, all_links.index)}",
            )
        )
    active_mask = all_links["status"].isin(files.include_status) | all_links.index.isin(include)
    active = all_links[active_mask]
    inactive = all_links[~active_mask].drop(columns=["geometry"])

    rev = active[active["bidirectional"]].copy()
    if len(rev):
        rev[["from", "to"]] = rev[["to", "from"]].to_numpy()
        rev.index = rev.index + REVERSE_SUFFIX
        rev["geometry"] = [LineString(list(g.coords)[::-1]) for g in rev["geometry"]]
        active = pd.concat([active, rev])
    for lid, g in active["geometry"].items():
        geometry[lid] = g
    links = active.drop(columns=["geometry"])
    links.index.name = "id"

    _check_scenario_refs(scenario, nodes, problems)
    if problems:
        raise NetworkError(problems)

    graph = nx.MultiDiGraph()
    graph.add_nodes_from(zip(nodes.index, nodes.to_dict("records"), strict=True))
    graph.add_edges_from(
        (r["from"], r["to"], lid, r)
        for lid, r in zip(links.index, links.to_dict("records"), strict=True)
    )

    return Network(
        nodes=nodes,
        links=links,
        geometry=geometry,
        graph=graph,
        inactive_links=inactive,
        basemap=files.basemap,
        files=(files.nodes, files.links),
    )


def _empty_links() -> pd.DataFrame:
    cols = list(LinkProps.model_fields)
    cols[cols.index("from_")] = "from"
    return pd.DataFrame(columns=[*cols, "geometry"]).set_index("id")


def _check_scenario_refs(scenario: Scenario, nodes: pd.DataFrame, problems: list[Problem]) -> None:
    file = str(scenario.source or "")
    ids = set(nodes.index)
    for key in ("supply", "demand", "storage"):
        for i, entry in enumerate(getattr(scenario, key)):
            if entry.node not in ids:
                problems.append(
                    Problem(
                        file,
                        f"{key}[{i}].node",
                        f"unknown node '{entry.node}'{suggest(entry.node, ids)}",
                    )
                )
