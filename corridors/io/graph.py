"""A network as a NetworkX graph and back: :func:`network_from_graph` validates a graph a user
built or edited (with the messages :func:`~corridors.io.network.load_network` gives for the
files), :func:`to_geodata` writes a graph as nodes.geojson and links.geojson.

The graph is :attr:`~corridors.io.network.Network.graph`: a ``networkx.MultiDiGraph`` with one
node per node id and one edge per link (``from -> to``, key = link id), the properties of
docs/data-format.md as attributes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from shapely.geometry import Point, mapping, shape

from corridors.errors import NetworkError, Problem
from corridors.io.files import write_text
from corridors.io.network import (
    GRAPH_EDGES,
    GRAPH_NODES,
    LINK_ATTRS,
    NODE_ATTRS,
    LinkProps,
    Network,
    NodeProps,
    _assemble,
    _check_link,
    _geometry,
    _validate,
)
from corridors.io.schema import Scenario


def _clean(value: Any) -> Any:
    """A graph attribute as a plain Python value (NumPy scalars unwrapped); NaN is None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def network_from_graph(graph: nx.MultiDiGraph | Network, scenario: Scenario) -> Network:
    """The network of a graph a user built or edited (nodes and edges added or removed,
    attributes changed), validated against ``scenario`` like the files of
    :func:`load_network`, with the same messages; problems name ``graph.nodes`` or
    ``graph.edges`` in place of a file.

    The graph is read as :attr:`Network.graph` is written: a ``networkx.MultiDiGraph`` whose
    nodes are node ids with the node properties of docs/data-format.md and ``lon``/``lat``, and
    whose edges ``from -> to`` have the link id as key and the link properties as attributes
    (``geometry``, a shapely LineString or GeoJSON mapping, may be absent: a straight line).
    An attribute set to None (or NaN) is absent. Links whose ``status`` the scenario does not
    switch on become :attr:`Network.inactive_links`, as in the files. The graph is not
    modified; the returned network holds a validated copy. A :class:`Network` stands for its
    graph.
    """
    if isinstance(graph, Network):
        graph = graph.graph
    if not isinstance(graph, nx.MultiDiGraph):
        raise NetworkError(
            Problem(
                "graph",
                "",
                f"expected a networkx.MultiDiGraph (got {type(graph).__name__}); start from "
                "corridors.load_network(scenario).graph, or nx.MultiDiGraph(your_graph)",
            )
        )
    problems: list[Problem] = []
    commodities = set(scenario.commodities)

    node_rows: list[dict[str, Any]] = []
    known: set[str] = set()  # nodes with attributes: an edge to any other node is an error
    for nid, raw_data in graph.nodes(data=True):
        data = {k: _clean(v) for k, v in raw_data.items()}
        data = {k: v for k, v in data.items() if v is not None}
        if not isinstance(nid, str) or not nid:
            problems.append(Problem(GRAPH_NODES, repr(nid), "a node id must be a non-empty string"))
            continue
        if not data and (graph.in_degree(nid) or graph.out_degree(nid)):
            continue  # made by add_edge for an unknown node: reported on its edges
        known.add(nid)
        if "id" in data and data.pop("id") != nid:
            problems.append(
                Problem(
                    GRAPH_NODES, f"{nid}.id", "differs from the node's id (its key in the graph)"
                )
            )
        lon, lat = data.pop("lon", None), data.pop("lat", None)
        p = _validate({"id": nid, **data}, nid, NodeProps, GRAPH_NODES, problems)
        if lon is None or lat is None:
            problems.append(
                Problem(GRAPH_NODES, f"{nid}.lon", "a node needs lon and lat (WGS84 degrees)")
            )
            continue
        try:
            point = Point(float(lon), float(lat))
        except (TypeError, ValueError):
            problems.append(
                Problem(
                    GRAPH_NODES, f"{nid}.lon", f"lon and lat must be numbers (got {lon!r}, {lat!r})"
                )
            )
            continue
        g = _geometry(point, "Point", nid, GRAPH_NODES, problems)
        if p is None or g is None:
            continue
        node_rows.append({**p.model_dump(), "lon": g.x, "lat": g.y})

    link_rows: list[dict[str, Any]] = []
    link_ends: dict[str, tuple[Any, Any]] = {}
    for u, v, key, raw_data in graph.edges(keys=True, data=True):
        data = {k: _clean(val) for k, val in raw_data.items()}
        data = {k: val for k, val in data.items() if val is not None}
        if not isinstance(key, str) or not key:
            problems.append(
                Problem(
                    GRAPH_EDGES,
                    f"{u}->{v}",
                    f"edge key {key!r} is not a link id; add links with "
                    "graph.add_edge(from_node, to_node, key=LINK_ID, ...)",
                )
            )
            continue
        if key in link_ends:
            a, b = link_ends[key]
            problems.append(
                Problem(
                    GRAPH_EDGES,
                    f"{key}.id",
                    f"duplicate link id '{key}' (also {a}->{b}); give each link a unique id",
                )
            )
            continue
        link_ends[key] = (u, v)
        if key in known:
            problems.append(
                Problem(
                    GRAPH_EDGES,
                    f"{key}.id",
                    f"link id '{key}' is also a node id; ids must be unique",
                )
            )
            continue
        for attr, value in (("id", key), ("from", u), ("to", v)):
            if attr in data and data.pop(attr) != value:
                what = "id (its key in the graph)" if attr == "id" else f"'{attr}' end of the edge"
                problems.append(
                    Problem(GRAPH_EDGES, f"{key}.{attr}", f"differs from the edge's {what}")
                )
        geom = data.pop("geometry", None)
        props = {"id": key, "from": u, "to": v, **data}
        lp = _validate(props, key, LinkProps, GRAPH_EDGES, problems)
        _check_link(props, lp, key, GRAPH_EDGES, known, commodities, problems)
        if lp is None:
            continue
        g = _geometry(geom, "LineString", key, GRAPH_EDGES, problems)
        link_rows.append({**lp.model_dump(by_alias=True), "geometry": g})

    return _assemble(scenario, node_rows, link_rows, problems, GRAPH_NODES, ())


def _json_value(value: Any) -> Any:
    value = _clean(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _feature(props: Iterable[tuple[str, Any]], geometry: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {k: _json_value(v) for k, v in props if _clean(v) is not None},
        "geometry": None if geometry is None else mapping(shape(geometry)),
    }


def to_geodata(graph: nx.MultiDiGraph | Network, folder: str | Path) -> tuple[Path, Path]:
    """Write a network graph as ``folder/nodes.geojson`` and ``folder/links.geojson``.

    The inverse of reading: a scenario whose ``network`` names the two files loads the same
    graph (edited networks become scenarios). Nodes are written with their ``lon``/``lat`` as a
    Point, edges as links with ``id`` (the key), ``from``, ``to`` and their attributes in the
    order of docs/data-format.md (unknown attributes too, so that loading names them); None and
    NaN are left out, and so is an ``output_commodity`` equal to the ``commodity`` of a link
    that is not a conversion, and an empty ``name``. A :class:`Network` stands for its graph.
    Files are written atomically; returns their paths.
    """
    if isinstance(graph, Network):
        graph = graph.graph
    folder = Path(folder)
    node_order = [k for k in NODE_ATTRS if k not in ("lon", "lat")]
    nodes = []
    for nid, data in graph.nodes(data=True):
        lon, lat = _clean(data.get("lon")), _clean(data.get("lat"))
        extra = [(k, v) for k, v in data.items() if k not in NODE_ATTRS and k != "id"]
        props = [("id", nid), *((k, data.get(k)) for k in node_order), *extra]
        props = [(k, v) for k, v in props if not (k == "name" and v == "")]
        point = None if lon is None or lat is None else Point(lon, lat)
        nodes.append(_feature(props, point))
    link_order = [k for k in LINK_ATTRS if k != "geometry"]
    links = []
    for u, v, key, data in graph.edges(keys=True, data=True):
        values = dict(data)
        if values.get("mode") != "conversion" and values.get("output_commodity") == values.get(
            "commodity"
        ):
            values.pop("output_commodity", None)
        if values.get("name") == "":
            values.pop("name")
        extra = [
            (k, val)
            for k, val in values.items()
            if k not in LINK_ATTRS and k not in ("id", "from", "to")
        ]
        props = [
            ("id", key),
            ("name", values.get("name")),
            ("from", u),
            ("to", v),
            *((k, values.get(k)) for k in link_order if k != "name"),
            *extra,
        ]
        links.append(_feature(props, data.get("geometry")))
    paths = (folder / "nodes.geojson", folder / "links.geojson")
    for path, feats in zip(paths, (nodes, links), strict=True):
        # one feature per line, as geodata/build.py writes them: diffs stay readable
        lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in feats]
        head = '{"type":"FeatureCollection","features":[\n'
        write_text(path, head + ",\n".join(lines) + "\n]}\n")
    return paths
