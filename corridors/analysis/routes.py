"""Graph analyses of the network with NetworkX's own algorithms: the k cheapest routes from
each supplier to each demand region, the smallest set of disruptable elements that cuts a
region off, and how central each chokepoint is.

Routes follow the commodity. They run on the *commodity graph*: one node per (node, commodity)
a link touches, one edge per arc of the model (reverse arcs of bidirectional links included)
from ``(from, commodity)`` to ``(to, output_commodity)``. A crude oil route uses crude oil
links only; an LNG route continues as pipeline gas after a regasification (conversion) link, so
an LNG supplier reaches a region's pipeline-gas demand through a terminal. A route ends at a
region with demand for the commodity it arrives as. Links and nodes with capacity 0 are left
out; disruptions in the scenario are not applied (the ``used`` column shows what the solution
uses). Between two commodity-graph nodes only the cheapest of parallel arcs is a route step.

Cost of an arc: its transport cost plus the carbon price times its emissions, USD per unit
carried (as in the objective). Routes are ranked by cost per PJ (``cost / pj_per_unit`` of each
arc's commodity, added up along the route: :func:`networkx.shortest_simple_paths`, Yen's
algorithm), which orders them exactly by cost per unit supplied when conversions are lossless,
as in the reference data. The ``cost`` column is exact: each arc's cost times the units that
enter it per unit supplied (the product of the conversion factors before it).

Cuts: for each demand region and commodity, :func:`networkx.minimum_cut` on a flow network in
which every disruptable element can be cut at cost 1 and nothing else can: nodes of kind
chokepoint, port, terminal, border or storage are split into in -> out with capacity 1,
pipeline arcs get capacity 1, everything else (sea lanes, rail, conversions, junctions,
suppliers, the region itself) has no capacity (infinite). A super-source feeds every supplier of
the scenario. The cut is the fewest elements whose loss leaves no route from any supplier;
``cut_size`` is empty when no finite cut exists (a route avoids every disruptable element) and 0
when no supplier reaches the region at all. An element that carries two commodity forms towards
the region would count once per form in the minimum (it is listed once); the reference network
has none.

Betweenness: :func:`networkx.betweenness_centrality_subset` on the commodity graph, from the
suppliers to the demand regions, weighted by cost per PJ: for each chokepoint, the share of
connected (supplier, region) pairs whose cheapest route passes it (ties shared).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

import networkx as nx
import pandas as pd

from corridors.core.availability import DISRUPTABLE_CLASSES, LINK_MODES, NODE_KINDS
from corridors.core.data import model_data
from corridors.core.results import Result
from corridors.errors import CorridorsError, Problem
from corridors.io.network import Network
from corridors.io.schema import Scenario
from corridors.units import period_years

#: Node kinds and link modes that a minimum cut may remove: those of the disruptable element
#: classes (the suppliers are where routes start, not part of a cut).
DISRUPTABLE_KINDS = tuple(c for c in DISRUPTABLE_CLASSES if c in NODE_KINDS)
DISRUPTABLE_MODES = tuple(c for c in DISRUPTABLE_CLASSES if c in LINK_MODES)

ROUTE_COLUMNS = [
    "supplier", "region", "commodity", "rank", "nodes", "chokepoints", "corridors",
    "length_km", "cost", "used", "links",
]  # fmt: skip
STRUCTURE_COLUMNS = ["region", "commodity", "cut_size", "cut_elements"]
BETWEENNESS_COLUMNS = ["chokepoint", "name", "betweenness"]

#: Flow over the horizon (commodity units) above which an arc counts as used.
USED_TOL = 1e-6

State = tuple[str, str]


@dataclass
class CommodityGraph:
    """The commodity graph of a network (see the module docstring) and what it was made of."""

    graph: nx.DiGraph
    """Nodes ``(node, commodity)``; edge attributes ``weight`` (USD/PJ), ``arcs`` (arc ids,
    cheapest first), ``link`` (the cheapest), ``cost`` (USD/unit), ``factor`` (output units
    per input unit), ``length_km``, ``corridor``."""
    suppliers: list[State]
    """Supply entries (node, commodity) of the scenario, in order, without repeats."""
    demands: list[State]
    """Demand entries (region, commodity), in order, without repeats."""
    kinds: dict[str, str]
    modes: dict[str, str]
    base_ids: dict[str, str]


def commodity_graph(scenario: Scenario, network: Network) -> CommodityGraph:
    """Build the commodity graph of ``network`` under ``scenario``'s costs."""
    data = model_data(scenario, network)
    links = network.links
    unit_cost = data.link_cost + data.carbon_price * data.link_emis
    node_cap = dict(zip(data.node_ids, data.node_cap, strict=True))
    closed = {n for n, c in node_cap.items() if c == 0}
    g = nx.DiGraph()
    for i, lid in enumerate(data.link_ids):
        a, b = data.link_from[i], data.link_to[i]
        if data.link_cap[i] == 0 or a in closed or b in closed:
            continue
        cost = float(unit_cost[i])
        if cost < 0:
            raise CorridorsError(
                Problem(
                    "",
                    f"link {links.at[lid, 'base_id']}",
                    f"route analysis needs non-negative link costs (cost {cost:g} per unit)",
                )
            )
        u, v = (a, data.link_com[i]), (b, data.link_out[i])
        edge = {
            "weight": cost / data.pj[data.link_com[i]],
            "link": lid,
            "arcs": [lid],
            "cost": cost,
            "factor": float(data.link_factor[i]),
            "length_km": float(links.at[lid, "length_km"]),
            "corridor": links.at[lid, "corridor"],
        }
        if g.has_edge(u, v):  # a parallel arc: the cheapest is the route step
            old = g.edges[u, v]
            if edge["weight"] < old["weight"]:
                old.update({**edge, "arcs": [lid, *old["arcs"]]})
            else:
                old["arcs"].append(lid)
        else:
            g.add_edge(u, v, **edge)
    suppliers = list(dict.fromkeys((s.node, s.commodity) for s in scenario.supply))
    demands = list(dict.fromkeys((d.node, d.commodity) for d in scenario.demand))
    return CommodityGraph(
        graph=g,
        suppliers=suppliers,
        demands=demands,
        kinds=network.nodes["kind"].to_dict(),
        modes=links["mode"].to_dict(),
        base_ids=links["base_id"].to_dict(),
    )


def _source(network_source: Result | tuple[Scenario, Network]) -> tuple[Scenario, Network]:
    if isinstance(network_source, Result):
        return network_source.scenario, network_source.network
    return network_source


def routes(result: Result, k: int = 3, cg: CommodityGraph | None = None) -> pd.DataFrame:
    """The ``k`` cheapest simple routes for each supplier, demand region and supplied
    commodity (:data:`ROUTE_COLUMNS`; ``nodes`` joined by ``>``, ``chokepoints``,
    ``corridors`` and ``links`` by ``;``). ``used``: every step of the route carries flow in
    ``result`` (summed over the horizon). A supplier that reaches no region has no rows."""
    if k < 1:
        raise CorridorsError(Problem("", "k", f"must be at least 1 (got {k})"))
    sc, net = result.scenario, result.network
    cg = cg or commodity_graph(sc, net)
    g = cg.graph.copy()
    regions: dict[str, list[str]] = {}
    for region, com in cg.demands:
        regions.setdefault(region, []).append(com)
    sinks = {}
    for region, coms in regions.items():
        sink = ("#sink", region, "")  # a 3-tuple: never a (node, commodity) of the graph
        sinks[region] = sink
        for com in coms:
            if (region, com) in g:
                g.add_edge((region, com), sink, weight=0.0)
    flow = _flow_by_arc(result)
    rows: list[dict[str, Any]] = []
    for src in cg.suppliers:
        if src not in g:
            continue
        for region, sink in sinks.items():
            if sink not in g or src[0] == region:  # production at the region: no route
                continue
            try:
                paths = list(islice(nx.shortest_simple_paths(g, src, sink, weight="weight"), k))
            except nx.NetworkXNoPath:
                continue
            for rank, path in enumerate(paths, start=1):
                rows.append(_route_row(cg, g, path[:-1], src, region, rank, flow))
    return pd.DataFrame(rows, columns=ROUTE_COLUMNS)


def _flow_by_arc(result: Result) -> dict[str, float]:
    if not result.has_solution or result.flows.empty:
        return {}
    return result.flows.groupby("link")["flow"].sum().to_dict()


def _route_row(
    cg: CommodityGraph,
    g: nx.DiGraph,
    states: list[Any],
    src: State,
    region: str,
    rank: int,
    flow: dict[str, float],
) -> dict[str, Any]:
    steps = [g.edges[a, b] for a, b in zip(states[:-1], states[1:], strict=True)]
    nodes = [n for n, _ in states]
    cost, units = 0.0, 1.0
    for e in steps:
        cost += e["cost"] * units
        units *= e["factor"]
    corridors = [e["corridor"] for e in steps if isinstance(e["corridor"], str)]
    return {
        "supplier": src[0],
        "region": region,
        "commodity": src[1],
        "rank": rank,
        "nodes": ">".join(nodes),
        "chokepoints": ";".join(n for n in nodes if cg.kinds.get(n) == "chokepoint"),
        "corridors": ";".join(dict.fromkeys(corridors)),
        "length_km": float(sum(e["length_km"] for e in steps)),
        "cost": cost,
        "used": all(sum(flow.get(a, 0.0) for a in e["arcs"]) > USED_TOL for e in steps),
        "links": ";".join(e["link"] for e in steps),
    }


def _cut_network(cg: CommodityGraph) -> nx.DiGraph:
    """Flow network whose finite cuts are sets of disruptable elements (module docstring)."""
    f = nx.DiGraph()
    for n, c in cg.graph.nodes:
        cap = {"capacity": 1} if cg.kinds.get(n) in DISRUPTABLE_KINDS else {}
        f.add_edge(("in", n, c), ("out", n, c), **cap)
    for a, b, e in cg.graph.edges(data=True):
        for arc in e["arcs"]:
            cap = {"capacity": 1} if cg.modes[arc] in DISRUPTABLE_MODES else {}
            f.add_edge(("out", *a), ("arc", arc, ""), **cap)
            f.add_edge(("arc", arc, ""), ("in", *b))
    for n, c in cg.suppliers:
        if (n, c) in cg.graph:
            f.add_edge("#source", ("out", n, c))
    return f


def structure(
    network_source: Result | tuple[Scenario, Network], cg: CommodityGraph | None = None
) -> pd.DataFrame:
    """For each demand region and commodity, the smallest set of disruptable elements whose
    loss cuts it off from every supplier (:data:`STRUCTURE_COLUMNS`; ``cut_elements`` are
    node and link ids joined by ``;``). Takes a Result or a (scenario, network) pair."""
    sc, net = _source(network_source)
    cg = cg or commodity_graph(sc, net)
    f = _cut_network(cg)
    rows = []
    for region, com in cg.demands:
        target = ("in", region, com)
        size: int | None = 0
        elements: list[str] = []
        if "#source" in f and target in f and nx.has_path(f, "#source", target):
            try:
                _, (reach, _rest) = nx.minimum_cut(f, "#source", target)
            except nx.NetworkXUnbounded:
                size = None
            else:
                elements = sorted(_cut_elements(cg, f, reach))
                size = len(elements)
        rows.append(
            {
                "region": region,
                "commodity": com,
                "cut_size": size,
                "cut_elements": ";".join(elements),
            }
        )
    out = pd.DataFrame(rows, columns=STRUCTURE_COLUMNS)
    out["cut_size"] = out["cut_size"].astype("Int64")
    return out


def _cut_elements(cg: CommodityGraph, f: nx.DiGraph, reach: Iterable[Any]) -> set[str]:
    side = set(reach)
    out: set[str] = set()
    for u in side:
        if u == "#source":
            continue
        for v in f.successors(u):
            if v in side:
                continue
            if u[0] == "in":
                out.add(u[1])
            elif v[0] == "arc":
                out.add(cg.base_ids[v[1]])
    return out


def betweenness(
    network_source: Result | tuple[Scenario, Network], cg: CommodityGraph | None = None
) -> pd.DataFrame:
    """Each chokepoint's betweenness between suppliers and demand regions
    (:data:`BETWEENNESS_COLUMNS`): the share of connected (supplier, region) pairs whose
    cheapest route passes it. Takes a Result or a (scenario, network) pair."""
    sc, net = _source(network_source)
    cg = cg or commodity_graph(sc, net)
    g = cg.graph
    sources = [s for s in cg.suppliers if s in g]
    targets = [t for t in cg.demands if t in g]
    bc = nx.betweenness_centrality_subset(g, sources, targets, normalized=False, weight="weight")
    target_set = set(targets)
    pairs = sum(len((nx.descendants(g, s) | {s}) & target_set - {s}) for s in sources)
    by_node: dict[str, float] = {}
    for (n, _c), v in bc.items():
        by_node[n] = by_node.get(n, 0.0) + float(v)
    names = net.nodes["name"]
    rows = [
        {
            "chokepoint": n,
            "name": names.get(n) or n,
            "betweenness": by_node.get(n, 0.0) / pairs if pairs else 0.0,
        }
        for n in net.chokepoints
    ]
    return pd.DataFrame(rows, columns=BETWEENNESS_COLUMNS)


def route_flows(result: Result, table: pd.DataFrame) -> pd.Series:
    """The optimal flows decomposed onto the used routes of ``table`` (a table of
    :func:`routes`), in PJ per year of the supplied commodity.

    Widest route first: the used route whose links have the most flow left takes that flow (in
    each link's units: the route's flow times the conversion factors before the link), which is
    taken off its links; then the next. A decomposition of the link flows, not the only one:
    it shows which routes carry the largest flows, and never more than the links carry.
    """
    left = _flow_by_arc(result)
    data = model_data(result.scenario, result.network)
    factor = dict(zip(data.link_ids, data.link_factor, strict=True))
    pj = {c: v.pj_per_unit for c, v in result.scenario.commodities.items()}
    h = result.scenario.horizon
    years = h.periods * period_years(h.period_days)
    todo: dict[Any, list[tuple[str, float]]] = {}
    for idx, ids, used in zip(table.index, table["links"], table["used"], strict=True):
        arcs = [a for a in str(ids).split(";") if a]
        if not (used and arcs):
            continue
        units, steps = 1.0, []
        for a in arcs:
            steps.append((a, units))
            units *= float(factor[a])
        todo[idx] = steps
    out = pd.Series(0.0, index=table.index, dtype=float)

    def width(steps: list[tuple[str, float]]) -> float:
        return min(left.get(a, 0.0) / u for a, u in steps)

    while todo:
        idx, w = max(((i, width(st)) for i, st in todo.items()), key=lambda t: t[1])
        if w <= USED_TOL:
            break
        for a, u in todo.pop(idx):
            left[a] -= w * u
        out[idx] = w * pj[table.at[idx, "commodity"]] / years
    return out
