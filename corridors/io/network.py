"""Geodata -> network: nodes and links from GeoJSON (or from a NetworkX graph), validated.

The network *is* a ``networkx.MultiDiGraph`` (:attr:`Network.graph`): one node per node
feature, one edge per link feature (``from`` -> ``to``, the edge key is the link id), each
carrying the documented properties of docs/data-format.md as attributes (nodes also ``lon`` and
``lat``, links their ``geometry``). The tables the model is built from (:attr:`Network.nodes`,
:attr:`Network.links`) are exactly the graph's content: :func:`load_network` reads the files,
:func:`corridors.io.graph.network_from_graph` takes a graph a user built or edited, and both
validate with the same messages (:func:`corridors.io.graph.to_geodata` writes a graph back).

Links carry one commodity each; a conversion link (e.g. LNG regasification) turns its input
commodity into ``output_commodity`` with an energy ``efficiency``. A bidirectional link is one
edge of the graph and two arcs of the model, the reverse one named ``<id>~rev``. Lengths come
from the data or, failing that, from the geodesic length of the geometry (pyproj.Geod on WGS84).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import networkx as nx
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyproj import Geod
from shapely.geometry import LineString, Point, shape

from corridors.errors import NetworkError, Problem, pydantic_message, suggest
from corridors.io.schema import Months, Scenario

NodeKind = Literal[
    "supply", "demand", "chokepoint", "port", "junction", "border", "storage", "terminal"
]
LinkMode = Literal["pipeline", "sea", "rail", "conversion"]
REVERSE_SUFFIX = "~rev"
_GEOD = Geod(ellps="WGS84")

#: Where problems of a graph passed by the user are reported (in place of a file name).
GRAPH_NODES = "graph.nodes"
GRAPH_EDGES = "graph.edges"


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
    season_months: Months | None = None
    """Months (1-12) the node is open, e.g. an Arctic strait; None: all year. Closed months
    close every link into or out of it too (see :mod:`corridors.core.availability`)."""
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
    bypass: bool = False
    """A route around a chokepoint (e.g. a pipeline bypassing a strait): its capacity is
    multiplied by the scenario's ``bypass_share``."""
    co2_per_unit: Annotated[float, Field(ge=0)] = 0.0
    """Emissions that do not depend on distance, t CO2e per commodity unit carried (the energy
    of liquefaction on an LNG loading lane, of regasification at a terminal)."""
    season_months: Months | None = None
    """Months (1-12) the link is open; None: all year (see :mod:`corridors.core.availability`)."""
    source: str | None = None
    note: str | None = None


#: Attributes of a node of :attr:`Network.graph` (its id is the node itself).
NODE_ATTRS: tuple[str, ...] = (*(k for k in NodeProps.model_fields if k != "id"), "lon", "lat")
#: Attributes of an edge of :attr:`Network.graph` (id, from and to are its key and its ends).
LINK_ATTRS: tuple[str, ...] = (
    *(k for k in LinkProps.model_fields if k not in ("id", "from_", "to")),
    "geometry",
)


@dataclass(frozen=True)
class Network:
    """The active network of a scenario.

    ``graph`` is the network (see the module docstring): nodes and the active links, one edge
    per link. ``nodes`` is indexed by node id; ``links`` by arc id (reverse arcs of
    bidirectional links included) with columns ``from, to, mode, commodity, output_commodity,
    efficiency, capacity, cost, length_km, corridor, status, capex, bypass, season_months,
    base_id``: the model is built from these two tables, which hold exactly the graph's content.
    ``geometry`` maps ids to shapely geometries; ``inactive_links`` holds planned/candidate links
    not switched on.
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


def _validate(
    props: dict[str, Any], fallback: str, model: type[PropsT], file: str, problems: list[Problem]
) -> PropsT | None:
    """The properties of one node or link, or None and a problem per bad property."""
    try:
        return model.model_validate(props)
    except ValidationError as exc:
        label = props.get("id")
        label = label if isinstance(label, str) and label else fallback
        allowed = [f.alias or n for n, f in model.model_fields.items()]
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                msg = f"unknown property '{key}'{suggest(key, allowed)}"
            elif err["type"] == "missing":
                msg = "required property is missing"
            else:
                msg = pydantic_message(err)
            problems.append(Problem(file, f"{label}.{key}", msg))
        return None


def _props(
    feat: Any, i: int, model: type[PropsT], path: Path, problems: list[Problem]
) -> PropsT | None:
    if not isinstance(feat, dict) or not isinstance(feat.get("properties"), dict):
        problems.append(Problem(str(path), f"features[{i}]", "feature without properties"))
        return None
    return _validate(feat["properties"], f"features[{i}]", model, str(path), problems)


def _raw_str(props: Any, key: str) -> str | None:
    """A property as given, if it is a non-empty string."""
    value = props.get(key) if isinstance(props, dict) else None
    return value if isinstance(value, str) and value else None


def _feature_props(feat: Any) -> dict[str, Any] | None:
    props = feat.get("properties") if isinstance(feat, dict) else None
    return props if isinstance(props, dict) else None


def _geometry(geom: Any, kind: str, label: str, file: str, problems: list[Problem]):
    """A shapely geometry of ``kind`` from GeoJSON (or shapely), checked; None if absent or bad."""
    if geom is None:
        return None
    try:
        g = shape(geom)
    except Exception as exc:  # shapely raises several types for bad GeoJSON
        problems.append(Problem(file, f"{label}.geometry", f"invalid GeoJSON geometry: {exc}"))
        return None
    if g.geom_type != kind:
        allowed = "a Point" if kind == "Point" else f"a {kind} or null (a straight line)"
        problems.append(
            Problem(file, f"{label}.geometry", f"must be {allowed} (got {g.geom_type})")
        )
        return None
    coords = np.asarray(g.coords, dtype=float) if not g.is_empty else np.zeros((0, 2))
    if g.is_empty or coords.ndim != 2 or coords.shape[1] < 2:
        problems.append(Problem(file, f"{label}.geometry", "geometry has no coordinates"))
        return None
    lon, lat = coords[:, 0], coords[:, 1]
    if not (np.isfinite(coords).all() and (np.abs(lon) <= 180).all() and (np.abs(lat) <= 90).all()):
        problems.append(
            Problem(
                file,
                f"{label}.geometry",
                "coordinates must be finite longitude/latitude (WGS84): |lon| ≤ 180, |lat| ≤ 90",
            )
        )
        return None
    if kind == "LineString" and len(coords) < 2:
        problems.append(Problem(file, f"{label}.geometry", "a line needs two points"))
        return None
    return g


def geodesic_km(geom: LineString) -> float:
    """Geodesic length of a lon/lat line on the WGS84 ellipsoid, in km."""
    return float(_GEOD.geometry_length(geom)) / 1000.0


def _check_link(
    props: Mapping[str, Any],
    lp: LinkProps | None,
    where: str,
    file: str,
    node_ids: set[str],
    commodities: set[str],
    problems: list[Problem],
) -> None:
    """The checks of one link beyond its own properties: its ends, commodities, conversion
    output and candidate capex (references are checked even when other properties are bad)."""
    for end in ("from", "to"):
        nid = _raw_str(props, end)
        if nid is not None and nid not in node_ids and node_ids:
            problems.append(
                Problem(file, f"{where}.{end}", f"unknown node '{nid}'{suggest(nid, node_ids)}")
            )
    for key in ("commodity", "output_commodity"):
        com = _raw_str(props, key)
        if com is not None and com not in commodities:
            problems.append(
                Problem(
                    file,
                    f"{where}.{key}",
                    f"unknown commodity '{com}'"
                    + (
                        suggest(com, commodities)
                        or f"; the scenario defines {', '.join(sorted(commodities))}"
                    ),
                )
            )
    if lp is None:
        return
    if lp.mode == "conversion" and lp.output_commodity is None:
        problems.append(
            Problem(file, f"{where}.output_commodity", "a conversion link needs output_commodity")
        )
    if lp.status == "candidate" and lp.capex is None:
        problems.append(Problem(file, f"{where}.capex", "a candidate link needs capex"))


def load_network(scenario: Scenario) -> Network:
    """Read the scenario's geodata, validate it against the scenario, and build the graph.

    Raises :class:`NetworkError` listing every problem (duplicate ids, links naming unknown
    nodes, unknown commodities, negative capacities, bad geometry, ...).
    """
    problems: list[Problem] = []
    files = scenario.network
    commodities = set(scenario.commodities)
    nodes_file, links_file = str(files.nodes), str(files.links)

    node_rows: list[dict[str, Any]] = []
    node_seen: dict[str, int] = {}
    for i, feat in enumerate(
        _read_features(files.nodes, "nodes", problems, str(scenario.source or ""))
    ):
        p = _props(feat, i, NodeProps, files.nodes, problems)
        # Ids are checked even when other properties are bad, to report everything at once.
        nid = p.id if p is not None else _raw_str(_feature_props(feat), "id")
        if nid is not None:
            if nid in node_seen:
                problems.append(
                    Problem(
                        nodes_file,
                        f"features[{i}].id",
                        f"duplicate node id '{nid}' (also features[{node_seen[nid]}]); "
                        "give each node a unique id",
                    )
                )
                continue
            node_seen[nid] = i
        if p is None:
            continue
        g = _geometry(feat.get("geometry"), "Point", p.id, nodes_file, problems)
        if g is None:
            if feat.get("geometry") is None:
                problems.append(
                    Problem(nodes_file, f"{p.id}.geometry", "a node needs a Point geometry")
                )
            continue
        node_rows.append({**p.model_dump(), "lon": g.x, "lat": g.y})
    node_ids = set(node_seen)

    link_rows: list[dict[str, Any]] = []
    link_ids: dict[str, int] = {}
    for i, feat in enumerate(
        _read_features(files.links, "links", problems, str(scenario.source or ""))
    ):
        lp = _props(feat, i, LinkProps, files.links, problems)
        raw = _feature_props(feat) or {}
        lid = lp.id if lp is not None else _raw_str(raw, "id")
        where = lid or f"features[{i}]"
        if lid is not None:
            if lid in link_ids:
                problems.append(
                    Problem(
                        links_file,
                        f"features[{i}].id",
                        f"duplicate link id '{lid}' (also features[{link_ids[lid]}]); "
                        "give each link a unique id",
                    )
                )
                continue
            if lid in node_ids:
                problems.append(
                    Problem(
                        links_file,
                        f"{where}.id",
                        f"link id '{lid}' is also a node id; ids must be unique",
                    )
                )
                continue
            link_ids[lid] = i
        _check_link(raw, lp, where, links_file, node_ids, commodities, problems)
        if lp is None:
            continue
        g = _geometry(feat.get("geometry"), "LineString", where, links_file, problems)
        link_rows.append({**lp.model_dump(by_alias=True), "geometry": g})

    return _assemble(
        scenario, node_rows, link_rows, problems, nodes_file, (files.nodes, files.links)
    )


def _assemble(
    scenario: Scenario,
    node_rows: list[dict[str, Any]],
    link_rows: list[dict[str, Any]],
    problems: list[Problem],
    nodes_where: str,
    files: tuple[Path, ...],
) -> Network:
    """Tables, geometry and graph from validated rows (raises the problems found so far)."""
    if not node_rows and not problems:
        problems.append(Problem(nodes_where, "features", "the network has no nodes"))
    if problems:
        raise NetworkError(problems)

    nodes = pd.DataFrame(node_rows).set_index("id")
    nodes["capacity"] = nodes["capacity"].astype(float)  # all absent: NaN, not None
    geometry: dict[str, Any] = {r["id"]: Point(r["lon"], r["lat"]) for r in node_rows}
    for row in link_rows:
        if row["geometry"] is None:
            a, b = geometry[row["from"]], geometry[row["to"]]
            row["geometry"] = LineString([(a.x, a.y), (b.x, b.y)])
        if row["length_km"] is None:
            row["length_km"] = geodesic_km(row["geometry"])
        if row["output_commodity"] is None:
            row["output_commodity"] = row["commodity"]
    all_links = pd.DataFrame(link_rows).set_index("id") if link_rows else _empty_links()
    for col in ("capacity", "cost", "length_km", "capex", "efficiency", "co2_per_unit"):
        all_links[col] = all_links[col].astype(float)
    all_links["base_id"] = all_links.index

    include = set(scenario.network.include_links)
    unknown = include - set(all_links.index)
    for lid in sorted(unknown):
        problems.append(
            Problem(
                str(scenario.source or ""),
                "network.include_links",
                f"unknown link '{lid}'{suggest(lid, all_links.index)}",
            )
        )
    active_mask = all_links["status"].isin(scenario.network.include_status) | all_links.index.isin(
        include
    )
    active = all_links[active_mask]
    inactive = all_links[~active_mask].drop(columns=["geometry"])

    graph = nx.MultiDiGraph()
    graph.add_nodes_from((r["id"], {k: r[k] for k in NODE_ATTRS}) for r in node_rows)
    graph.add_edges_from(
        (r["from"], r["to"], r["id"], {k: r[k] for k in LINK_ATTRS})
        for r, on in zip(link_rows, active_mask, strict=True)
        if on
    )

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

    return Network(
        nodes=nodes,
        links=links,
        geometry=geometry,
        graph=graph,
        inactive_links=inactive,
        basemap=scenario.network.basemap,
        files=files,
    )


def _empty_links() -> pd.DataFrame:
    cols = list(LinkProps.model_fields)
    cols[cols.index("from_")] = "from"
    return pd.DataFrame(columns=[*cols, "geometry"]).set_index("id")


def _check_scenario_refs(scenario: Scenario, nodes: pd.DataFrame, problems: list[Problem]) -> None:
    file = str(scenario.source or "")
    ids = set(nodes.index)
    countries = set(nodes["country"])
    if scenario.importer is not None and scenario.importer not in countries:
        problems.append(
            Problem(
                file,
                "importer",
                f"no node has country '{scenario.importer}'"
                f"{suggest(scenario.importer, countries)}; the importer is the country of the "
                "nodes whose supplies are domestic production",
            )
        )
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


# --------------------------------------------------------------------------- writing
