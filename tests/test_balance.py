"""The balance (production, imports, consumption, unmet), days of cover, bypass share and
storage at reserve sites, on small networks with hand-computed figures."""

from __future__ import annotations

import json

import pytest
from factory import link, link_table, node, node_table, regas_link, write_case

import corridors
from corridors import Status
from corridors.analysis.diversity import shares
from corridors.analysis.metrics import balance, imports, reserve_figures, volumes_by_mode
from corridors.analysis.summary import summary
from corridors.core.availability import apply_factor, availability
from corridors.core.check import check_invariants
from corridors.core.groups import supplier_countries
from corridors.core.policy import group_terms
from corridors.core.resultdir import load_result_dir
from corridors.core.session import prepare, solve_model
from corridors.errors import ScenarioError
from corridors.io.network import load_network
from corridors.outputs.report import build_report

NO_FILES = {"map": False, "gpkg": False}


def flows_of(result):
    return result.flows.set_index("link")["flow"].to_dict()


# --------------------------------------------------------------------------- production/imports


def home_and_abroad(tmp_path, **overrides):
    """A domestic field (CHN, max 4) and an importer's supplier (SAU, max 10, but its link
    carries 3) feed region d (CHN), demand 10 a year; one period of a year.

    Optimum: field 4, imports 3, unmet 3.
    """
    nodes = node_table("""
        field supply  0 1  CHN
        saudi supply  0 -1 SAU
        d     demand  1 0  CHN
        site  storage 2 0  CHN
    """)
    links = link_table("""
        field_d field d capacity=100 cost=1
        saudi_d saudi d capacity=3 cost=1 mode=sea
        site_d  site  d capacity=50 cost=1 bidirectional=True
    """)
    sc = {
        "supply": [
            {"node": "field", "commodity": "crude_oil", "max": 4, "price": 1},
            {"node": "saudi", "commodity": "crude_oil", "max": 10, "price": 2},
        ],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 10}],
        "outputs": NO_FILES,
        **overrides,
    }
    return write_case(tmp_path, nodes, links, sc)


def test_importer_splits_production_and_imports(tmp_path):
    r = corridors.solve(home_and_abroad(tmp_path, importer="CHN"))
    assert r.status is Status.OPTIMAL
    assert flows_of(r)["field_d"] == pytest.approx(4.0)
    assert flows_of(r)["saudi_d"] == pytest.approx(3.0)
    b = balance(r)["crude_oil"]
    assert b["consumption"] == pytest.approx(10.0)
    assert b["production"] == pytest.approx(4.0)
    assert b["imports"] == pytest.approx(3.0)
    assert b["unmet"] == pytest.approx(3.0)
    assert b["stock_draw"] == pytest.approx(0.0)
    assert b["conversion"] == 0.0
    # 4 + 3 + 0 + 3 = 10: the balance closes
    assert b["production"] + b["imports"] + b["stock_draw"] + b["unmet"] == pytest.approx(10.0)
    assert b["import_requirement"] == pytest.approx(6.0)  # imports 3 + unmet 3
    assert b["unmet_share_of_consumption"] == pytest.approx(3 / 10)
    assert b["unmet_share_of_imports"] == pytest.approx(3 / 6)
    # the "imports" figures leave the field out
    imp = imports(r).set_index("commodity")
    assert imp.at["crude_oil", "volume"] == pytest.approx(3.0)
    assert imp.at["crude_oil", "pj"] == pytest.approx(3 * 42.3)
    assert volumes_by_mode(r)["imports_crude_oil"] == pytest.approx(3.0)
    sup = shares(r, "supplier").set_index(["commodity", "id"])["share"]
    assert sup[("crude_oil", "SAU")] == pytest.approx(1.0)
    assert ("crude_oil", "CHN") not in sup.index
    # "all" in PJ: the same figures times 42.3
    a = balance(r)["all"]
    assert a["production"] == pytest.approx(4 * 42.3)
    assert a["unmet_share_of_imports"] == pytest.approx(0.5)


def test_without_importer_everything_is_imported(tmp_path):
    r = corridors.solve(home_and_abroad(tmp_path))
    b = balance(r)["crude_oil"]
    assert b["production"] == 0.0
    assert b["imports"] == pytest.approx(7.0)
    assert b["unmet_share_of_consumption"] == pytest.approx(0.3)
    assert b["unmet_share_of_imports"] == pytest.approx(3 / 10)  # unmet / (7 + 3)
    assert imports(r).set_index("commodity").at["crude_oil", "volume"] == pytest.approx(7.0)
    # no demand of LNG: no base for the shares
    assert balance(r)["lng"]["unmet_share_of_consumption"] is None
    assert balance(r)["lng"]["unmet_share_of_imports"] is None


def test_lng_delivered_as_gas_counts_in_the_gas_balance(tmp_path):
    """LNG from QAT (10 Mt through a lane of 10 Mt) is regasified at ``term`` at 100 %:
    10 Mt x 48.7/36 = 13.528 bcm; a domestic gas field gives 5 bcm; gas demand 20 bcm.

    Gas: production 5, imports 0, conversion 13.528, unmet 1.472; import requirement 15.
    LNG: imports 10, conversion -10, requirement 0 (no share). All (PJ): unmet 53 of 540.
    """
    nodes = node_table("""
        qat      supply   0 0 QAT
        term     terminal 1 0 CHN
        gasfield supply   2 1 CHN
        d        demand   2 0 CHN
    """)
    links = [
        link("lane", "qat", "term", commodity="lng", mode="sea", capacity=10, cost=1),
        regas_link("regas", "term", "d", efficiency=1.0, cost=1),
        link("field_d", "gasfield", "d", commodity="pipeline_gas", capacity=50, cost=1),
    ]
    sc = {
        "importer": "CHN",
        "supply": [
            {"node": "qat", "commodity": "lng", "max": 30, "price": 1},
            {"node": "gasfield", "commodity": "pipeline_gas", "max": 5, "price": 1},
        ],
        "demand": [{"node": "d", "commodity": "pipeline_gas", "amount": 20}],
        "outputs": NO_FILES,
    }
    r = corridors.solve(write_case(tmp_path, nodes, links, sc))
    regas = 10 * 48.7 / 36
    gas = balance(r)["pipeline_gas"]
    assert gas["production"] == pytest.approx(5.0)
    assert gas["imports"] == pytest.approx(0.0)
    assert gas["conversion"] == pytest.approx(regas)
    assert gas["unmet"] == pytest.approx(15 - regas)
    assert gas["import_requirement"] == pytest.approx(15.0)
    assert gas["unmet_share_of_imports"] == pytest.approx((15 - regas) / 15)
    assert gas["unmet_share_of_consumption"] == pytest.approx((15 - regas) / 20)
    lng = balance(r)["lng"]
    assert lng["imports"] == pytest.approx(10.0) and lng["conversion"] == pytest.approx(-10.0)
    assert lng["import_requirement"] == 0.0 and lng["unmet_share_of_imports"] is None
    a = balance(r)["all"]
    assert a["conversion"] == pytest.approx(0.0, abs=1e-9)  # lossless
    assert a["import_requirement"] == pytest.approx(15 * 36)
    assert a["unmet_share_of_imports"] == pytest.approx((15 - regas) / 15)
    # days of cover of gas: no stock
    assert reserve_figures(r)["pipeline_gas"]["days_of_cover"] == 0.0


def test_policy_shares_are_shares_of_imports(tmp_path):
    sc = corridors.load_scenario(home_and_abroad(tmp_path, importer="CHN"))
    net = load_network(sc)
    members, total = group_terms(sc, net, "supplier")
    assert set(members) == {"SAU"} and [t[1] for t in total] == [1]  # the field is left out
    assert supplier_countries(sc, net) == ["SAU"]
    plain = sc.with_updates(importer=None)
    assert supplier_countries(plain, net) == ["CHN", "SAU"]


def test_summary_json_and_report_show_the_balance(tmp_path):
    out = tmp_path / "out"
    corridors.run(home_and_abroad(tmp_path / "case", importer="CHN"), out)
    s = json.loads((out / "summary.json").read_text())
    crude = s["balance"]["crude_oil"]
    assert crude["consumption"] == {"volume": pytest.approx(10.0), "unit": "Mt"}
    assert crude["production"] == {"volume": pytest.approx(4.0), "unit": "Mt"}
    assert crude["imports"] == {"volume": pytest.approx(3.0), "unit": "Mt"}
    assert crude["unmet"] == {"volume": pytest.approx(3.0), "unit": "Mt"}
    assert crude["unmet_share_of_consumption"] == {"value": pytest.approx(0.3), "unit": "fraction"}
    assert crude["unmet_share_of_imports"] == {"value": pytest.approx(0.5), "unit": "fraction"}
    assert s["balance"]["all"]["consumption"]["unit"] == "PJ"
    assert s["metrics"]["imports"]["crude_oil"]["volume"] == pytest.approx(3.0)
    text = build_report(load_result_dir(out))
    assert "<h3>Balance</h3>" in text
    assert "30.0%" in text and "50.0%" in text  # unmet / consumption, unmet / imports
    assert "domestic production" in text  # the imports card says what it leaves out


# --------------------------------------------------------------------------- days of cover


def with_stocks(tmp_path, **overrides):
    """Stocks 12 Mt at region d and 3 Mt at reserve site ``site`` (kept: final_min = initial)."""
    storage = [
        {"node": "d", "commodity": "crude_oil", "capacity": 20, "initial": 12,
         "max_withdrawal": 50},
        {"node": "site", "commodity": "crude_oil", "capacity": 5, "initial": 3,
         "max_withdrawal": 50},
    ]  # fmt: skip
    return home_and_abroad(tmp_path, storage=storage, **overrides)


def test_days_of_cover_and_of_consumption(tmp_path):
    r = corridors.solve(with_stocks(tmp_path, importer="CHN"))
    fig = reserve_figures(r)["crude_oil"]
    # stock 12 + 3 = 15 Mt; consumption 10 Mt/yr; net imports 10 - 4 (field max) = 6 Mt/yr
    assert fig["days_of_cover"] == pytest.approx(15 / (6 / 365))  # 912.5 days
    assert fig["days_of_consumption"] == pytest.approx(15 / (10 / 365))  # 547.5 days
    assert reserve_figures(r)["lng"]["days_of_cover"] is None  # no LNG demand

    plain = reserve_figures(corridors.solve(with_stocks(tmp_path / "plain")))["crude_oil"]
    assert plain["days_of_cover"] == pytest.approx(547.5)  # no importer: net imports = 10
    assert plain["days_of_consumption"] == pytest.approx(547.5)


def test_days_of_cover_of_a_commodity_produced_at_home(tmp_path):
    supply = [{"node": "field", "commodity": "crude_oil", "max": 12, "price": 1}]
    r = corridors.solve(with_stocks(tmp_path, importer="CHN", supply=supply))
    fig = reserve_figures(r)["crude_oil"]
    # net imports floored at 1e-6 of consumption: 1e-5 Mt/yr
    assert fig["days_of_cover"] == pytest.approx(15 / (1e-5 / 365))
    assert fig["days_of_consumption"] == pytest.approx(547.5)


# --------------------------------------------------------------------------- storage sites


def test_storage_at_a_reserve_site_feeds_its_region(tmp_path):
    """Supply s -> d carries 6; reserve site ``site`` (kind storage, stock 10, released to
    0) reaches d only over the pipeline site <-> d of capacity 3; demand 10.

    Optimum: withdraw 3 at the site, carried to d (cost 1 each); 6 from s (price 1 +
    transport 1); 1 unmet (1000): 3 + 12 + 1000 = 1015. The site ends at 7.
    """
    nodes = [
        node("s", "supply", 0, 0, country="SAU"),
        node("d", "demand", 1, 0, country="CHN"),
        node("site", "storage", 1, 1, country="CHN"),
    ]
    links = [
        link("sd", "s", "d", capacity=6, cost=1),
        link("site_d", "site", "d", capacity=3, cost=1, bidirectional=True),
    ]
    sc = {
        "importer": "CHN",
        "supply": [{"node": "s", "commodity": "crude_oil", "max": 20, "price": 1}],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 10}],
        "storage": [
            {
                "node": "site",
                "commodity": "crude_oil",
                "capacity": 10,
                "initial": 10,
                "max_withdrawal": 10,
                "final_min": 0,
            },
        ],  # fmt: skip
        "outputs": NO_FILES,
    }
    r = corridors.solve(write_case(tmp_path, nodes, links, sc))
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(3 + 12 + 1000)
    f = flows_of(r)
    assert f["site_d"] == pytest.approx(3.0)
    assert f["site_d~rev"] == pytest.approx(0.0)
    assert f["sd"] == pytest.approx(6.0)
    st = r.storage.set_index("node").loc["site"]
    assert st["withdrawal"] == pytest.approx(3.0)
    assert st["level"] == pytest.approx(7.0)
    assert r.unmet_by_commodity()["crude_oil"] == pytest.approx(1.0)
    b = balance(r)["crude_oil"]
    assert b["stock_draw"] == pytest.approx(3.0)
    assert b["imports"] + b["stock_draw"] + b["unmet"] == pytest.approx(b["consumption"])
    assert check_invariants(r) == []
    # stock counted at the site: 10 Mt over 10 Mt/yr of net imports
    assert reserve_figures(r)["crude_oil"]["days_of_cover"] == pytest.approx(365.0)


# --------------------------------------------------------------------------- bypass share


def strait_and_bypass(tmp_path, **overrides):
    """s -> d by sea through the strait (capacity 4, cost 1) or by the bypass pipeline
    (capacity 8, cost 2, bypass: true); supply 20 free, demand 10, shortage 1000 a unit.

    bypass_share 1: sea 4 + bypass 6 -> 4 + 12 = 16.
    bypass_share 0.5: the bypass carries 8 * 0.5 = 4 -> sea 4 + bypass 4 + unmet 2
    -> 4 + 8 + 2000 = 2012.
    """
    nodes = [
        node("s", "supply", 0, 0, country="SAU"),
        node("d", "demand", 2, 0, country="CHN"),
    ]
    links = [
        link("sea", "s", "d", capacity=4, cost=1, mode="sea"),
        link("bp", "s", "d", capacity=8, cost=2, bypass=True, bidirectional=True),
    ]
    sc = {
        "supply": [{"node": "s", "commodity": "crude_oil", "max": 20, "price": 0}],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 10}],
        "outputs": NO_FILES,
        **overrides,
    }
    return write_case(tmp_path, nodes, links, sc)


def test_network_carries_the_bypass_property(tmp_path):
    net = load_network(corridors.load_scenario(strait_and_bypass(tmp_path)))
    assert net.graph.edges["s", "d", "bp"]["bypass"] is True
    assert net.graph.edges["s", "d", "sea"]["bypass"] is False
    assert net.links["bypass"].to_dict() == {"sea": False, "bp": True, "bp~rev": True}


def test_bypass_share_halves_the_bypass_capacity(tmp_path):
    full = corridors.solve(strait_and_bypass(tmp_path / "full"))
    assert full.objective == pytest.approx(4 + 12)
    assert flows_of(full)["bp"] == pytest.approx(6.0)

    half = corridors.solve(strait_and_bypass(tmp_path / "half", bypass_share=0.5))
    assert half.status is Status.OPTIMAL
    assert half.objective == pytest.approx(4 + 8 + 2000)
    assert flows_of(half) == pytest.approx({"sea": 4.0, "bp": 4.0, "bp~rev": 0.0})
    cap = half.flows.set_index("link")["capacity"]
    assert cap["bp"] == pytest.approx(4.0) and cap["bp~rev"] == pytest.approx(4.0)
    assert cap["sea"] == pytest.approx(4.0)  # not a bypass: untouched
    assert half.unmet_by_commodity()["crude_oil"] == pytest.approx(2.0)


def test_disruptions_and_sweeps_multiply_on_the_bypass_share(tmp_path):
    event = [{"target": "bp", "capacity_factor": 0.5}]
    path = strait_and_bypass(tmp_path, bypass_share=0.5, disruptions=event)
    r = corridors.solve(path)
    # 8 * 0.5 * 0.5 = 2 on the bypass: sea 4 + bypass 2, unmet 4 -> 4 + 4 + 4000
    assert r.objective == pytest.approx(4 + 4 + 4000)
    prep = prepare(corridors.load_scenario(strait_and_bypass(tmp_path / "b", bypass_share=0.5)))
    av = availability(prep.scenario, prep.network)
    assert av.link[list(prep.network.links.index).index("bp"), 0] == pytest.approx(0.5)
    assert availability(prep.scenario, prep.network, bypass=False).link.min() == 1.0
    # a sweep case starts from the scenario's availability: losing half the sea lane on top
    avail = prep.availability.copy()
    apply_factor(avail, prep.resolver.resolve("sea"), 0.5)
    case = solve_model(prep, avail)
    # sea 2 + bypass 4, unmet 4 -> 2 + 8 + 4000
    assert case.objective == pytest.approx(2 + 8 + 4000)


# --------------------------------------------------------------------------- errors


def test_importer_typo_and_bad_codes(tmp_path):
    with pytest.raises(ScenarioError, match="did you mean 'importer'"):
        corridors.load_scenario(home_and_abroad(tmp_path / "typo", importr="CHN"))
    with pytest.raises(ScenarioError, match="importer: must be an ISO 3166-1 alpha-3"):
        corridors.load_scenario(home_and_abroad(tmp_path / "lower", importer="chn"))
    with pytest.raises(ScenarioError, match="bypass_share"):
        corridors.load_scenario(home_and_abroad(tmp_path / "share", bypass_share=1.5))
    # a code that is no node's country: named with its key, with a suggestion (reported with
    # every other problem of the scenario, as a scenario error)
    with pytest.raises(
        ScenarioError, match="importer: no node has country 'CHM' \\(did you mean 'CHN'"
    ):
        corridors.solve(home_and_abroad(tmp_path / "unknown", importer="CHM"))


def test_summary_balance_covers_every_commodity(tmp_path):
    r = corridors.solve(home_and_abroad(tmp_path, importer="CHN"))
    s = summary(r)
    assert set(s["balance"]) == {"crude_oil", "lng", "pipeline_gas", "all"}
