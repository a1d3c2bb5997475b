"""Graph analyses (NetworkX): the k cheapest routes, minimum cuts, chokepoint betweenness, and
``corridors routes``."""

from __future__ import annotations

import subprocess
import time

import pandas as pd
import pytest
from conftest import SCENARIOS, run_cli
from factory import diamond, link, node_table, regas_link, write_case

import corridors
from corridors.analysis.routes import (
    BETWEENNESS_COLUMNS,
    ROUTE_COLUMNS,
    STRUCTURE_COLUMNS,
    betweenness,
    commodity_graph,
    route_flows,
    routes,
    structure,
)
from corridors.core.resultdir import load_result_dir
from corridors.outputs.report import build_report


@pytest.fixture(scope="module")
def baseline():
    return corridors.solve(SCENARIOS / "baseline.yaml")


def cli(*args) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, columns=200, timeout=300)


# --------------------------------------------------------------------------- reference network


def test_routes_from_ras_tanura_to_east_china_pass_hormuz_and_malacca_or_lombok(baseline):
    rt = routes(baseline, k=3)
    assert list(rt.columns) == ROUTE_COLUMNS
    east = rt[(rt["supplier"] == "ras_tanura") & (rt["region"] == "cn_east")]
    assert list(east["rank"]) == [1, 2, 3]
    assert set(east["commodity"]) == {"crude_oil"}
    for r in east.itertuples():
        chokes = r.chokepoints.split(";")
        assert "hormuz" in chokes
        assert "malacca" in chokes or "lombok" in chokes
        nodes = r.nodes.split(">")
        assert nodes[0] == "ras_tanura" and nodes[-1] == "cn_east"
    assert list(east["cost"]) == sorted(east["cost"])
    assert east["used"].iloc[0]  # the cheapest route carries Saudi crude


def test_routes_follow_the_commodity(baseline):
    rt = routes(baseline, k=3)
    net = baseline.network
    for r in rt.itertuples():
        arcs = r.links.split(";")
        assert r.nodes.split(">") == [net.links.at[arcs[0], "from"]] + [
            net.links.at[a, "to"] for a in arcs
        ]
        com = r.commodity
        for a in arcs:  # each link carries what the previous one delivered
            assert net.links.at[a, "commodity"] == com
            com = net.links.at[a, "output_commodity"]
        assert (r.region, com) in {(d.node, d.commodity) for d in baseline.scenario.demand}
    lng = rt[rt["commodity"] == "lng"]
    assert len(lng) and all("regas_" in links for links in lng["links"])
    assert set(rt["used"]) == {True, False}


def test_used_means_every_link_carries_flow(baseline):
    rt = routes(baseline, k=2)
    flow = baseline.flows.groupby("link")["flow"].sum()
    for r in rt.itertuples():
        carried = [flow.get(a, 0.0) > 1e-6 for a in r.links.split(";")]
        assert r.used == all(carried)


def test_structure_and_betweenness_of_the_reference_network(baseline):
    st = structure(baseline)
    assert list(st.columns) == STRUCTURE_COLUMNS
    regions = {(d.node, d.commodity) for d in baseline.scenario.demand}
    assert set(zip(st["region"], st["commodity"], strict=True)) == regions
    assert (st["cut_size"] >= 1).all()
    links, nodes = baseline.network.links, baseline.network.nodes
    for r in st.itertuples():
        elements = r.cut_elements.split(";")
        assert len(elements) == r.cut_size
        for e in elements:
            if e in nodes.index:
                assert nodes.at[e, "kind"] in (
                    "chokepoint",
                    "port",
                    "terminal",
                    "border",
                    "storage",
                )
            else:
                assert links.at[e, "mode"] == "pipeline"
    bt = betweenness(baseline).set_index("chokepoint")
    assert list(bt.reset_index().columns) == BETWEENNESS_COLUMNS
    assert set(bt.index) == set(baseline.network.chokepoints)
    assert bt["betweenness"].between(0, 1).all()
    assert bt["betweenness"].idxmax() == "malacca"


def test_removing_every_cut_element_cuts_the_region_off(baseline):
    """The cut is a cut: the network without its elements has no route to the region."""
    sc, net = baseline.scenario, baseline.network
    st = structure(baseline).set_index(["region", "commodity"])
    elements = st.loc[("cn_east", "crude_oil"), "cut_elements"].split(";")
    g = net.graph.copy()
    for e in elements:
        if e in g:
            g.remove_edges_from([*g.in_edges(e, keys=True), *g.out_edges(e, keys=True)])
        else:
            g.remove_edges_from([(u, v, k) for u, v, k in g.edges(keys=True) if k == e])
    cut = corridors.network_from_graph(g, sc)
    after = structure((sc, cut)).set_index(["region", "commodity"])
    assert after.loc[("cn_east", "crude_oil"), "cut_size"] == 0  # no supplier reaches it
    assert after.loc[("cn_east", "pipeline_gas"), "cut_size"] >= 1  # gas is untouched


def test_route_analyses_are_fast(baseline):
    t0 = time.perf_counter()
    cg = commodity_graph(baseline.scenario, baseline.network)
    rt = routes(baseline, 3, cg)
    structure(baseline, cg)
    betweenness(baseline, cg)
    route_flows(baseline, rt)
    assert time.perf_counter() - t0 < 10.0  # about 1 s


# --------------------------------------------------------------------------- hand-checked


def test_diamond_routes_cut_and_betweenness(tmp_path):
    """s -> a -> d (pipelines, 1+1 per unit) and s -> b -> d (sea via chokepoint b, 2+2):
    6 units via a, 4 via b (tests/factory.py)."""
    r = corridors.solve(diamond(tmp_path))
    rt = routes(r, k=3)
    assert rt[["nodes", "rank", "cost", "length_km", "chokepoints", "used"]].to_dict("records") == [
        {"nodes": "s>a>d", "rank": 1, "cost": 2.0, "length_km": 200.0, "chokepoints": "", "used": True},
        {"nodes": "s>b>d", "rank": 2, "cost": 4.0, "length_km": 200.0, "chokepoints": "b", "used": True},
    ]  # fmt: skip
    assert list(route_flows(r, rt)) == pytest.approx([6 * 42.3, 4 * 42.3])  # PJ/yr
    # the fewest disruptable elements: chokepoint b and one of the two pipelines
    st = structure(r)
    assert st.loc[0, "cut_size"] == 2
    elements = st.loc[0, "cut_elements"].split(";")
    assert "b" in elements and len({"sa", "ad"} & set(elements)) == 1
    # the cheapest (only) pair goes via a: b is on no cheapest route
    assert betweenness(r).to_dict("records") == [
        {"chokepoint": "b", "name": "b", "betweenness": 0.0}
    ]


def lng_case(tmp_path, **scenario):
    """LNG from x by sea to terminal t, regasified into region r, piped on to region r2.

    Costs per unit: sea 2 (per Mt LNG), regas 1 (per Mt LNG), pipeline r->r2 3 (per bcm gas);
    1 Mt LNG = 48.7/36 bcm, so x -> r2 costs 2 + 1 + 3 * 48.7/36 per Mt.
    """
    nodes = node_table("""
        x  supply   0 0
        j  junction 1 0
        t  terminal 2 0
        r  demand   3 0 BBB
        r2 demand   4 0 BBB
        q  demand   5 0 BBB
    """)
    links = [
        link("xj", "x", "j", commodity="lng", mode="sea", cost=1),
        link("jt", "j", "t", commodity="lng", mode="sea", cost=1),
        regas_link("regas", "t", "r", cost=1),
        link("rr2", "r", "r2", commodity="pipeline_gas", cost=3),
        link("xq", "x", "q", commodity="crude_oil", mode="sea", cost=1),
    ]
    doc = {
        "supply": [
            {"node": "x", "commodity": "lng", "max": 10, "price": 1},
            {"node": "x", "commodity": "crude_oil", "max": 10, "price": 1},
        ],
        "demand": [
            {"node": "r", "commodity": "pipeline_gas", "amount": 1},
            {"node": "r2", "commodity": "pipeline_gas", "amount": 1},
            {"node": "q", "commodity": "crude_oil", "amount": 1},
            {"node": "q", "commodity": "lng", "amount": 1},
        ],
        **scenario,
    }
    return write_case(tmp_path, nodes, links, doc)


def test_lng_routes_turn_into_pipeline_gas(tmp_path):
    r = corridors.solve(lng_case(tmp_path))
    rt = routes(r).set_index(["supplier", "commodity", "region"])
    to_r2 = rt.loc[("x", "lng", "r2")]
    assert to_r2["nodes"] == "x>j>t>r>r2"
    assert to_r2["cost"] == pytest.approx(2 + 1 + 3 * 48.7 / 36)
    assert to_r2["used"]
    assert rt.loc[("x", "crude_oil", "q"), "nodes"] == "x>q"
    # crude reaches no gas region, LNG reaches q only as gas (none demanded there)
    assert ("x", "crude_oil", "r") not in rt.index and ("x", "lng", "q") not in rt.index

    st = structure(r).set_index(["region", "commodity"])["cut_size"]
    assert st[("r", "pipeline_gas")] == 1  # the terminal
    assert st[("r2", "pipeline_gas")] == 1  # the terminal or the pipeline
    assert pd.isna(st[("q", "crude_oil")])  # an open sea lane: no finite cut
    assert st[("q", "lng")] == 0  # nothing reaches it


def test_carbon_price_is_part_of_the_route_cost(tmp_path):
    r = corridors.solve(
        lng_case(
            tmp_path,
            carbon_price=10.0,
            emission_factors={"sea": {"lng": 1.0}},  # g per t km; links are 100 km
        )
    )
    rt = routes(r).set_index(["supplier", "commodity", "region"])
    carbon = 2 * 100 * 1.0 * 1e6 * 1e-6 * 10.0  # two sea links, t CO2e per Mt times USD/t
    assert rt.loc[("x", "lng", "r"), "cost"] == pytest.approx(2 + 1 + carbon)


# --------------------------------------------------------------------------- report and CLI


def test_report_shows_routes_and_cuts(tmp_path):
    corridors.run(diamond(tmp_path / "case"), tmp_path / "out")
    text = build_report(load_result_dir(tmp_path / "out"))
    assert "Routes of the largest flows" in text and "Smallest cuts" in text
    assert "s → a → d" in text and "Chokepoint betweenness" in text


def test_cli_routes_writes_the_tables(tmp_path):
    proc = cli("routes", diamond(tmp_path / "case"), "--out", tmp_path / "out", "--k", "1")
    assert proc.returncode == 0, proc.stderr
    rt = pd.read_csv(tmp_path / "out" / "routes.csv", keep_default_na=False)
    assert list(rt.columns) == ROUTE_COLUMNS
    assert rt[["supplier", "region", "commodity", "rank", "nodes"]].values.tolist() == [
        ["s", "d", "crude_oil", 1, "s>a>d"]
    ]
    st = pd.read_csv(tmp_path / "out" / "structure.csv")
    assert list(st.columns) == STRUCTURE_COLUMNS and st["cut_size"].tolist() == [2]
    bt = pd.read_csv(tmp_path / "out" / "betweenness.csv")
    assert list(bt.columns) == BETWEENNESS_COLUMNS


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["routes", "missing.yaml", "--out", "OUT"], "missing.yaml"),
        (["routes", "CASE", "--out", "OUT", "--k", "0"], "--k"),
        (["routes", "CASE"], "--out"),
        (["routes", "CASE", "--out", "FILE"], "not a folder"),
    ],
    ids=["missing-scenario", "k-zero", "no-out", "out-is-a-file"],
)
def test_cli_routes_user_errors_exit_2(tmp_path, args, fragment):
    case = diamond(tmp_path / "case")
    (tmp_path / "file").write_text("x")
    subst = {"CASE": case, "OUT": tmp_path / "out", "FILE": tmp_path / "file"}
    proc = cli(*[subst.get(a, a) for a in args])
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert fragment in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) <= 1
