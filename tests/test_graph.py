"""The graph is the network: load_network's graph carries every documented attribute, a graph a
user edited is solved and validated like the files, and to_geodata writes it back."""

from __future__ import annotations

import json
import re

import networkx as nx
import pandas as pd
import pytest
import yaml
from conftest import ROOT, SCENARIOS
from factory import diamond, link, node, write_case

import corridors
from corridors import Status
from corridors.io.graph import network_from_graph
from corridors.io.network import LINK_ATTRS, NODE_ATTRS


@pytest.fixture(scope="module")
def baseline():
    sc = corridors.load_scenario(SCENARIOS / "baseline.yaml")
    return sc, corridors.load_network(sc)


def documented_properties(heading: str) -> set[str]:
    """Property names in the table under ``heading`` of docs/data-format.md."""
    text = (ROOT / "docs" / "data-format.md").read_text()
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return names


def sorted_tables(net: corridors.Network) -> tuple[pd.DataFrame, pd.DataFrame]:
    return net.nodes.sort_index(), net.links.sort_index()


# --------------------------------------------------------------------------- the graph


def test_graph_carries_every_documented_attribute(baseline):
    sc, net = baseline
    g = net.graph
    assert isinstance(g, nx.MultiDiGraph)
    node_props = documented_properties("## nodes.geojson")
    link_props = documented_properties("## links.geojson")
    assert {"kind", "country", "capacity"} <= node_props
    assert {"mode", "commodity", "capacity", "bidirectional"} <= link_props
    # id, from and to are the node, the edge key and the edge's ends
    assert node_props - {"id"} <= set(NODE_ATTRS)
    assert link_props - {"id", "from", "to"} <= set(LINK_ATTRS)
    for _, data in g.nodes(data=True):
        assert set(data) == set(NODE_ATTRS)
    for _, _, data in g.edges(data=True):
        assert set(data) == set(LINK_ATTRS)
    # one edge per active link, keyed by its id, with the file's values
    feats = json.loads(sc.network.links.read_text())["features"]
    active = [f["properties"] for f in feats if f["properties"].get("status") == "existing"]
    assert g.number_of_edges() == len(active)
    for p in active:
        data = g.edges[p["from"], p["to"], p["id"]]
        for key in ("mode", "commodity", "capacity", "cost", "corridor", "length_km"):
            assert data[key] == p.get(key), (p["id"], key)
        assert data["bidirectional"] == p.get("bidirectional", False)
    assert g.nodes["hormuz"]["kind"] == "chokepoint"
    assert g.nodes["hormuz"]["capacity"] == net.nodes.at["hormuz", "capacity"]
    # the model's arcs: the graph's edges plus the reverse arc of each bidirectional link
    bidir = sum(1 for *_, b in g.edges(data="bidirectional") if b)
    assert len(net.links) == g.number_of_edges() + bidir


def test_tables_are_the_graphs_content(baseline):
    sc, net = baseline
    again = network_from_graph(net.graph, sc)
    for a, b in zip(sorted_tables(net), sorted_tables(again), strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert nx.utils.graphs_equal(net.graph, again.graph)
    assert set(again.geometry) == set(net.geometry)
    for k, geom in net.geometry.items():
        assert geom.equals_exact(again.geometry[k], 0), k


def test_solving_the_unchanged_graph_gives_the_file_result(baseline):
    sc, net = baseline
    r0 = corridors.solve(sc)
    r1 = corridors.solve(sc, network=net.graph)
    assert r1.status is Status.OPTIMAL
    assert r1.objective == pytest.approx(r0.objective, rel=1e-12)


def test_removing_hormuz_edges_equals_the_closure_scenario(baseline):
    sc, net = baseline
    g = net.graph.copy()
    g.remove_edges_from([*g.in_edges("hormuz", keys=True), *g.out_edges("hormuz", keys=True)])
    edited = corridors.solve(sc, network=g)
    closed = corridors.solve(SCENARIOS / "hormuz_closure.yaml")
    assert edited.status is Status.OPTIMAL and closed.status is Status.OPTIMAL
    assert edited.objective == pytest.approx(closed.objective, rel=1e-9)
    assert edited.unmet_pj() == pytest.approx(closed.unmet_pj(), rel=1e-9)
    assert edited.unmet_pj() > 1000  # the closure does bite
    fe = edited.flows.groupby("link")["flow"].sum()
    fc = closed.flows.groupby("link")["flow"].sum()
    both = pd.concat([fe, fc], axis=1, keys=["edited", "closed"]).fillna(0.0)
    assert (both["edited"] - both["closed"]).abs().max() < 1e-6
    # the lanes through Hormuz are gone from the edited model, closed in the scenario
    gone = set(fc.index) - set(fe.index)
    assert gone and all("hormuz" in lid for lid in gone)
    assert fc[sorted(gone)].abs().max() < 1e-9
    assert net.graph.out_degree("hormuz") > 0  # the loaded network is not changed


def test_add_edge_pipeline_changes_flows_as_hand_checked(tmp_path):
    """Diamond (tests/factory.py): 6 via a at 2/unit, 4 via b at 4/unit, objective 128.

    A direct pipeline s->d of capacity 3 at 1/unit takes 3; then 6 via a, 1 via b:
    3*1 + 6*2 + 1*4 + 10*10 (supply) = 119.
    """
    path = diamond(tmp_path)
    sc = corridors.load_scenario(path)
    g = corridors.load_network(sc).graph
    base = corridors.solve(sc, network=g)
    assert base.objective == pytest.approx(128.0)

    g.add_edge("s", "d", key="sd_new", mode="pipeline", commodity="crude_oil", capacity=3, cost=1)
    prep = corridors.prepare(sc, network=g)
    assert "sd_new" in prep.data.link_ids  # the model is built from the edited graph
    r = corridors.solve(sc, network=g)
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(119.0)
    flow = r.flows.set_index("link")["flow"]
    assert flow["sd_new"] == pytest.approx(3.0)
    assert flow["sa"] == pytest.approx(6.0)
    assert flow["sb"] == pytest.approx(1.0)
    # the length of a link without one is the geodesic length of its straight line
    assert prep.network.links.at["sd_new", "length_km"] == pytest.approx(222.64, rel=1e-3)

    # a capacity changed in the graph: everything via a, 10 * 2 + 100
    g.remove_edge("s", "d", key="sd_new")
    g.edges["s", "a", "sa"]["capacity"] = 10
    assert corridors.solve(sc, network=g).objective == pytest.approx(120.0)
    # a link removed: everything via b, 10 * 4 + 100
    g.remove_edge("s", "a", key="sa")
    assert corridors.solve(sc, network=g).objective == pytest.approx(140.0)


def test_added_node_and_bidirectional_link(tmp_path):
    sc = corridors.load_scenario(diamond(tmp_path))
    g = corridors.load_network(sc).graph
    g.add_node("hub", kind="junction", country="CCC", lon=1.5, lat=0.0)
    g.add_edge("a", "hub", key="a_hub", mode="pipeline", commodity="crude_oil", bidirectional=True)
    net = network_from_graph(g, sc)
    assert {"a_hub", "a_hub~rev"} <= set(net.links.index)
    assert tuple(net.links.loc["a_hub~rev", ["from", "to"]]) == ("hub", "a")
    assert net.graph.number_of_edges() == 5  # one edge per link, not per arc
    assert net.nodes.at["hub", "kind"] == "junction"


def test_the_prepared_network_is_a_copy(tmp_path):
    sc = corridors.load_scenario(diamond(tmp_path))
    g = corridors.load_network(sc).graph
    prep = corridors.prepare(sc, network=g)
    g.remove_node("a")
    assert "a" in prep.network.graph
    assert prep.network.files == ()


# --------------------------------------------------------------------------- validation


def graph_problems(g, sc) -> list[corridors.Problem]:
    with pytest.raises(corridors.CorridorsError) as info:
        corridors.prepare(sc, network=g)
    return info.value.problems


def file_problems(tmp_path, links) -> list[corridors.Problem]:
    nodes = [node("s", "supply", 0, 0), node("d", "demand", 2, 0, country="BBB")]
    path = write_case(tmp_path, nodes, links, {})
    with pytest.raises(corridors.CorridorsError) as info:
        corridors.load_network(corridors.load_scenario(path))
    return info.value.problems


@pytest.mark.parametrize(
    "bad",
    [
        {"to": "dd"},  # a link to an unknown node
        {"capacity": -5},  # a negative capacity
        {"capcity": 5},  # an unknown attribute
        {"mode": "sae", "commodity": "crude_oli"},
        {"efficiency": 0},
    ],
    ids=["unknown-node", "negative-capacity", "unknown-attribute", "literals", "efficiency"],
)
def test_a_bad_graph_gets_the_messages_of_the_files(tmp_path, bad):
    props = {"capacity": 10.0, **bad}
    to = props.pop("to", "d")
    expected = file_problems(tmp_path / "files", [link("sd", "s", to, **props)])

    nodes = [node("s", "supply", 0, 0), node("d", "demand", 2, 0, country="BBB")]
    sc = corridors.load_scenario(write_case(tmp_path / "graph", nodes, [], {}))
    g = corridors.load_network(sc).graph
    attrs = {"mode": "pipeline", "commodity": "crude_oil", "length_km": 100.0, **props}
    g.add_edge("s", to, key="sd", **attrs)
    got = graph_problems(g, sc)
    assert [(p.location, p.message) for p in got] == [(p.location, p.message) for p in expected]
    assert {p.file for p in got} == {"graph.edges"}


def test_every_problem_of_a_graph_at_once(tmp_path):
    sc = corridors.load_scenario(diamond(tmp_path))
    g = corridors.load_network(sc).graph
    g.add_edge("s", "dd", key="x1", mode="pipeline", commodity="crude_oil")
    g.edges["s", "a", "sa"]["capacity"] = -1
    g.edges["a", "d", "ad"]["capasity"] = 3
    g.nodes["b"]["capacity"] = -2.0
    g.add_edge("a", "b", mode="pipeline", commodity="crude_oil")  # no key: key 0
    g.add_edge("b", "d", key="sa", mode="pipeline", commodity="crude_oil")  # duplicate id
    g.add_node("lost", kind="port", country="CHN")  # no lon/lat
    lines = [str(p) for p in graph_problems(g, sc)]
    assert "graph.edges: x1.to: unknown node 'dd' (did you mean 'd'?)" in lines
    assert "graph.edges: sa.capacity: must be at least 0 (got -1)" in lines
    unknown = "graph.edges: ad.capasity: unknown property 'capasity' (did you mean 'capacity'?)"
    assert unknown in lines
    assert "graph.nodes: b.capacity: must be at least 0 (got -2.0)" in lines
    assert any(line.startswith("graph.edges: a->b: edge key 0 is not a link id") for line in lines)
    assert any("duplicate link id 'sa'" in line for line in lines)
    assert "graph.nodes: lost.lon: a node needs lon and lat (WGS84 degrees)" in lines
    assert len(lines) == 7


def test_scenario_references_are_checked_against_the_graph(tmp_path):
    sc = corridors.load_scenario(diamond(tmp_path))
    g = corridors.load_network(sc).graph
    g.remove_node("d")
    lines = [str(p) for p in graph_problems(g, sc)]
    assert lines == [f"{sc.source}: demand[0].node: unknown node 'd'"]


def test_not_a_multidigraph(tmp_path):
    sc = corridors.load_scenario(diamond(tmp_path))
    with pytest.raises(corridors.NetworkError, match="expected a networkx.MultiDiGraph"):
        corridors.prepare(sc, network=nx.DiGraph())


def test_prepared_model_with_network_is_refused(tmp_path):
    sc = corridors.load_scenario(diamond(tmp_path))
    prep = corridors.prepare(sc)
    with pytest.raises(corridors.CorridorsError, match="network= needs a scenario"):
        corridors.prepare(prep, network=prep.network.graph)


# --------------------------------------------------------------------------- to_geodata


def extend(tmp_path, base, name="edited.yaml"):
    path = tmp_path / name
    doc = {
        "name": "edited",
        "extends": str(base),
        "network": {"nodes": "nodes.geojson", "links": "links.geojson"},
    }
    path.write_text(yaml.safe_dump(doc))
    return path


def test_to_geodata_round_trips(tmp_path, baseline):
    sc, net = baseline
    paths = corridors.to_geodata(net.graph, tmp_path)
    assert paths == (tmp_path / "nodes.geojson", tmp_path / "links.geojson")
    again = corridors.load_network(corridors.load_scenario(extend(tmp_path, sc.source)))
    assert nx.utils.graphs_equal(net.graph, again.graph)
    for a, b in zip(sorted_tables(net), sorted_tables(again), strict=True):
        pd.testing.assert_frame_equal(a, b)
    for k, geom in net.geometry.items():
        assert geom.equals_exact(again.geometry[k], 0), k
    # written twice: the same bytes
    first = [p.read_bytes() for p in paths]
    corridors.to_geodata(again.graph, tmp_path / "again")
    assert [(tmp_path / "again" / p.name).read_bytes() for p in paths] == first


def test_an_edited_network_becomes_a_scenario(tmp_path):
    base = diamond(tmp_path / "base")
    sc = corridors.load_scenario(base)
    g = corridors.load_network(sc).graph
    g.add_edge("s", "d", key="sd_new", mode="pipeline", commodity="crude_oil", capacity=3, cost=1)
    corridors.to_geodata(g, tmp_path / "edited")
    text = (tmp_path / "edited" / "links.geojson").read_text()
    assert '"id":"sd_new"' in text and "NaN" not in text
    from_files = corridors.solve(extend(tmp_path / "edited", base))
    assert from_files.objective == pytest.approx(119.0)
    assert from_files.objective == pytest.approx(corridors.solve(sc, network=g).objective)


def test_to_geodata_writes_unknown_attributes_so_loading_names_them(tmp_path):
    base = diamond(tmp_path / "base")
    g = corridors.load_network(corridors.load_scenario(base)).graph
    g.edges["s", "a", "sa"]["capasity"] = 3
    corridors.to_geodata(g, tmp_path / "edited")
    with pytest.raises(corridors.NetworkError) as info:
        corridors.load_network(corridors.load_scenario(extend(tmp_path / "edited", base)))
    assert [p.message for p in info.value.problems] == [
        "unknown property 'capasity' (did you mean 'capacity'?)"
    ]
