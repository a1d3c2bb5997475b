"""Expansion planning on a hand-built network where the right investment is known."""

from __future__ import annotations

import json

import pytest
from conftest import one_error_line, run_cli
from factory import COMMODITIES, link, node, write_case

import corridors
from corridors.analysis.expansion import (
    ExpansionCase,
    crf,
    expand,
    resilience_frontier,
    write_expansion,
)
from corridors.core.session import prepare
from corridors.core.status import Status
from corridors.io.scenario import load_scenario
from corridors.outputs.charts import plot_resilience_frontier

SHORTAGE = 1.0e6  # USD per Mt
CRF = crf(0.08, 30)


def case(tmp, capex: float = 50.0, extra_links: list | None = None, **overrides):
    """s -> c (chokepoint) -> d, 10 Mt at cost 1+1; candidate bypass s -> p (capex ``capex``,
    cost 2) with its domestic link p -> d (capex 0: built with the bypass). Demand 10 Mt,
    supply price 10, shortage 1e6 USD/Mt. Closure of c (weight 0.1) leaves all 10 Mt unmet
    unless the bypass is built.

    Expected cost without the bypass: 0.9·120 + 0.1·1e7 = 1,000,108 USD; with it: 120 +
    capex·CRF·1e6. Worst case without: 1e7; with: 120 + capex·CRF·1e6. So the bypass pays
    in expectation if capex < 11.26 M USD and in the worst case if capex < 112.6 M USD.
    """
    com = {k: dict(v) for k, v in COMMODITIES.items()}
    com["crude_oil"]["shortage_cost"] = SHORTAGE
    nodes = [
        node("s", "supply", 0, 0),
        node("c", "chokepoint", 1, -1),
        node("p", "border", 1, 1),
        node("d", "demand", 2, 0, country="BBB"),
    ]
    links = [
        link("sc", "s", "c", capacity=10, cost=1, mode="sea"),
        link("cd", "c", "d", capacity=10, cost=1, mode="sea"),
        link("bypass", "s", "p", capacity=10, cost=2, status="candidate", capex=capex),
        link("dom_p_d", "p", "d", capacity=10, cost=0, status="candidate", capex=0),
        *(extra_links or []),
    ]
    scenario = {
        "commodities": com,
        "supply": [{"node": "s", "commodity": "crude_oil", "max": 20, "price": 10}],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 10}],
        "expansion": {
            "scenarios": [
                {"name": "normal", "weight": 0.9},
                {
                    "name": "closure",
                    "weight": 0.1,
                    "disruptions": [{"target": "c", "capacity_factor": 0}],
                },
            ]
        },
        **overrides,
    }
    return write_case(tmp, nodes, links, scenario)


def test_expected_and_robust_choose_as_computed_by_hand(tmp_path):
    res = expand(case(tmp_path, capex=50.0), mode="both")
    exp, rob = res.primary, res.other
    assert exp["status"] is Status.OPTIMAL and rob["status"] is Status.OPTIMAL
    assert exp["build"] == []  # 50 M USD does not pay at 10 % closure probability
    assert exp["objective"] == pytest.approx(0.9 * 120 + 0.1 * 10 * SHORTAGE)
    assert rob["build"] == ["bypass", "dom_p_d"]
    annual = 50.0 * CRF * 1e6
    assert rob["objective"] == pytest.approx(120 + annual)
    closure = next(c for c in rob["scenarios"] if c["name"] == "closure")
    assert closure["unmet_no_build_pj"] == pytest.approx(10 * 42.3)
    assert closure["shortfall_avoided_pj"] == pytest.approx(10 * 42.3)
    assert closure["cost"] == pytest.approx(120.0)
    (value,) = rob["value_of_builds"]
    assert value["value"] == pytest.approx(10 * SHORTAGE - (120 + annual))
    # the comparison: each plan's expected and worst-case costs
    assert exp["worst_cost"] == pytest.approx(10 * SHORTAGE)
    assert rob["expected_cost"] == pytest.approx(120 + annual)


@pytest.mark.parametrize(("capex", "built"), [(5.0, True), (11.0, True), (11.5, False)])
def test_expected_threshold(tmp_path, capex, built):
    res = expand(case(tmp_path, capex=capex))
    assert (res.primary["build"] == ["bypass", "dom_p_d"]) is built


def test_n1_scenarios_from_cli_spec(tmp_path):
    # every single chokepoint loss (one) plus no loss, equal weights: 0.5·1e7 > 50·CRF·1e6
    res = expand(case(tmp_path, capex=50.0), scenarios="n1:chokepoint")
    assert res.info["scenarios_count"] == 2
    assert res.primary["build"] == ["bypass", "dom_p_d"]


def test_frontier_and_files(tmp_path):
    res = expand(case(tmp_path / "n", capex=50.0), frontier_budgets=[0, 49, 50, 80])
    fr = res.frontier
    assert list(fr["shortfall_pj"]) == pytest.approx([423.0, 423.0, 0.0, 0.0])
    assert list(fr["status"]) == [Status.OPTIMAL] * 4
    paths = write_expansion(res, tmp_path / "out")
    assert [p.name for p in paths] == ["expansion.json", "frontier.csv"]
    png = plot_resilience_frontier(res.frontier, tmp_path / "out" / "frontier.png")
    assert png == tmp_path / "out" / "frontier.png"
    doc = json.loads((tmp_path / "out" / "expansion.json").read_text())
    for key in ("build", "objective", "status", "gap"):
        assert key in doc
    assert doc["status"] == "optimal" and doc["frontier"][0]["status"] == "optimal"
    assert (tmp_path / "out" / "frontier.csv").read_text().count(",optimal,") == 4
    assert (tmp_path / "out" / "frontier.png").stat().st_size > 1000


def test_expansion_json_gives_every_figure_its_unit(tmp_path):
    """Money in USD over the horizon (one period: not discounted), capex in million USD as
    the links file gives it, its annuity per year and the part charged over the horizon,
    shortfalls in PJ, candidate capacities per year in their commodity's unit."""
    from test_units import units_everywhere

    res = expand(case(tmp_path / "n", capex=50.0), mode="both", frontier_budgets=[0, 50])
    doc = json.loads(write_expansion(res, tmp_path / "out")[0].read_text())
    counts = {"gap", "scenarios_count"}
    assert [p for p in units_everywhere(doc) if p.rsplit(".", 1)[-1] not in counts] == []
    rob = doc["robust"]
    assert rob["objective"] == {"value": pytest.approx(120 + 50.0 * CRF * 1e6), "unit": "USD"}
    assert rob["capex_musd"] == {"value": 50.0, "unit": "million USD"}
    assert rob["capex_per_year"] == {"value": pytest.approx(50.0 * CRF * 1e6),
                                     "unit": "USD per year"}  # fmt: skip
    # one year of one period: the annuity is what the horizon is charged
    assert rob["capex_charged"] == {"value": pytest.approx(50.0 * CRF * 1e6), "unit": "USD"}
    assert rob["worst_unmet"] == {"value": pytest.approx(0.0, abs=1e-9), "unit": "PJ"}
    assert doc["expected"]["no_build"]["worst_unmet"] == {"value": pytest.approx(423.0),
                                                          "unit": "PJ"}  # fmt: skip
    closure = next(c for c in rob["scenarios"] if c["name"] == "closure")
    assert closure["unmet_no_build_pj"] == {"value": pytest.approx(423.0), "unit": "PJ"}
    assert closure["weight"] == {"value": pytest.approx(0.1), "unit": "fraction"}
    (value,) = rob["value_of_builds"]
    assert value["value"]["unit"] == "USD" and value["capex_charged"]["unit"] == "USD"
    (bypass,) = [c for c in doc["candidates"] if c["group"] == "bypass"]
    assert bypass["capacity_per_year"] == {
        "bypass": {"volume": 10.0, "unit": "Mt"},
        "dom_p_d": {"volume": 10.0, "unit": "Mt"},
    }
    assert doc["horizon_days"] == {"value": 365.0, "unit": "days"}
    assert doc["costs"] == "USD over the horizon, not discounted (one period)"
    assert doc["lifetime_years"] == {"value": 30, "unit": "years"}
    assert doc["frontier"][1]["budget_musd"] == {"value": 50.0, "unit": "million USD"}
    assert doc["frontier"][1]["shortfall_pj"] == {"value": pytest.approx(0.0, abs=1e-9),
                                                  "unit": "PJ"}  # fmt: skip
    # over four weeks the horizon is charged its share of the annuity, discounted (3 %/yr)
    weeks = case(tmp_path / "w", capex=50.0, horizon={"periods": 4, "period_days": 7})
    doc = expand(weeks, mode="robust").to_json()
    assert doc["costs"] == "USD over the horizon, discounted to its start"
    plan = doc["robust"]
    assert plan["build"] == ["bypass", "dom_p_d"]
    assert plan["capex_per_year"]["value"] == pytest.approx(50.0 * CRF * 1e6)
    years = sum(7 / 365 * 1.03 ** -(t * 7 / 365) for t in range(4))
    assert plan["capex_charged"]["value"] == pytest.approx(50.0 * CRF * 1e6 * years)


def test_bad_input(tmp_path):
    planned = link("later", "s", "p", capacity=5, cost=1, status="planned")  # no capex
    path = case(tmp_path / "a", extra_links=[planned])
    with pytest.raises(corridors.CorridorsError, match="'later' \\(planned\\) has no capex"):
        expand(path)
    path = case(tmp_path / "b")
    with pytest.raises(corridors.CorridorsError, match="infeasible budget"):
        expand(path, frontier_budgets=[-1])
    with pytest.raises(corridors.CorridorsError, match="n1:CLASSES"):
        expand(path, scenarios="all")
    with pytest.raises(corridors.CorridorsError, match="did you mean 'robust'"):
        expand(path, mode="robst")
    with pytest.raises(corridors.CorridorsError, match="not a planned or candidate link"):
        expand(case(tmp_path / "c", expansion={"candidates": ["sc"]}))


def test_capex_zero_link_without_feeder_is_free(tmp_path):
    free = link("spur", "s", "d", capacity=1, cost=1, status="candidate", capex=0)
    res = expand(case(tmp_path, capex=50.0, extra_links=[free]))
    groups = {c["group"]: c for c in res.info["candidates"]}
    assert groups["spur"]["free"] and groups["bypass"]["links"] == ["bypass", "dom_p_d"]
    assert "spur" in res.primary["build"]


def test_reference_network_runs(tmp_path):
    from conftest import SCENARIOS

    res = expand(SCENARIOS / "baseline.yaml", mode="robust", scenarios="n1:chokepoint")
    assert res.primary["status"] == "optimal"
    groups = {c["group"]: c["links"] for c in res.info["candidates"]}
    assert groups["cagp_line_d"] == ["cagp_line_d", "dom_wuqia_nw"]
    assert groups["power_of_siberia_2"] == ["power_of_siberia_2", "dom_erenhot_north"]


def test_accepts_a_path_a_scenario_or_a_prepared_model(tmp_path):
    path = case(tmp_path, capex=50.0)
    results = [expand(x, mode="robust") for x in (path, load_scenario(path), prepare(path))]
    for res in results:
        assert res.primary["build"] == ["bypass", "dom_p_d"]
        assert res.primary["objective"] == results[0].primary["objective"]


def test_names_and_imports():
    """No clash with sweep's Case or the diversification frontier; expansion takes the shared
    pieces from public modules (lpform, milp), not from interdiction's private helpers."""
    import ast
    import inspect

    from corridors.analysis import expansion, frontier, sweep

    assert ExpansionCase is not sweep.Case and resilience_frontier is not frontier.frontier
    tree = ast.parse(inspect.getsource(expansion))
    imported = [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]
    assert not [i for i in imported if i[1].startswith("_")]
    assert not [i for i in imported if i[0] == "corridors.analysis.interdiction"]


POLICY = {"max_share": [{"group": "chokepoint", "id": "c", "commodity": "crude_oil", "share": 0.5}]}


def test_scenario_with_a_policy_is_refused(tmp_path):
    path = case(tmp_path, policy=POLICY)
    for given in (path, load_scenario(path), prepare(path)):
        with pytest.raises(corridors.CorridorsError) as err:
            expand(given)
        (problem,) = err.value.problems
        assert problem.location == "policy" and problem.file == str(path)
        assert "corridors expand" in problem.message and "\n" not in problem.message


def test_cli_refuses_a_policy_in_one_line(tmp_path):
    path = case(tmp_path, policy=POLICY)
    out = tmp_path / "o"
    proc = run_cli("expand", path, "--out", out, columns=80, timeout=120)
    assert one_error_line(proc).startswith(f"error: {path}: policy: "), proc.stderr
    assert not out.exists()
