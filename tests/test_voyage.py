"""Voyage time of sea lanes (lags in multi-period runs, cargo interest in one-period runs) and
no foresight of disruptions for strategic stocks (withdrawal bound, release price), checked
against hand-computed optima."""

from __future__ import annotations

import numpy as np
import pytest
from factory import diamond, link, node, voyage_case, write_case

import corridors
from corridors.analysis.metrics import summary_metrics
from corridors.core.check import check_invariants
from corridors.core.data import transit_days

D = 10.0  # demand per period of voyage_case: 365 Mt/yr · 10/365 yr


def unmet_by_period(r) -> list[float]:
    return r.unmet.sort_values("period")["unmet"].round(9).tolist()


def test_transit_days_formula():
    assert transit_days(1.852 * 24 * 13, 13) == pytest.approx(1.0)
    assert transit_days(10000.0, 18) == pytest.approx(10000.0 / (18 * 1.852 * 24))


def test_closure_of_a_chokepoint_with_whole_period_lags(tmp_path):
    """s -(1 period)-> k -(1 period)-> d, k closed in period 3. The balance at d in t takes
    kd's flow of t − 1 (of period 1 for t = 1), at k sk's. Closing k in 3 blocks sk and kd in
    3, and what sk loaded in 2 would reach k in 3: nothing leaves k in 3 and 4, so d lacks
    its whole demand in 4 and 5; the cargo loaded on kd in 2, already past k, lands in 3."""
    path = voyage_case(tmp_path, disruptions=[{"target": "k", "start": 3, "end": 3}])
    r = corridors.solve(path)
    assert r.is_ok and not check_invariants(r)
    assert unmet_by_period(r) == pytest.approx([0, 0, 0, D, D, 0], abs=1e-7)
    fl = r.flows.set_index(["link", "period"])
    assert fl.loc[("kd", 2), "flow"] == pytest.approx(D)
    assert fl.loc[("kd", 3), "arrived"] == pytest.approx(D)  # loaded in 2, lands in 3
    assert fl.loc[("kd", 4), "arrived"] == pytest.approx(0.0, abs=1e-9)
    assert fl.loc[("sk", 1), "transit_days"] == pytest.approx(10.0)


def test_fractional_lag_spreads_a_cargo_over_two_periods(tmp_path):
    """sk takes half a period (k = 0, f = 0.5): arrival[t] = 0.5·sk[t] + 0.5·sk[t − 1]; kd
    has no voyage time. sk cut in period 3, not foreseen: periods 1-2 follow the plan made
    without the cut (``ModelData.plan``), whose loadings at s are 2D, 0, 2D, ... (a cargo of 2D
    lands half in its period and half in the next, D a period). So period 3 receives
    0.5·sk[2] = 0 and lacks D; from period 4 on 0.5·sk[4] + 0.5·sk[3] carries D with sk[4] = 2D,
    so nothing else is short. Foreseen, period 2 loads D (no more: half of it lands in period 2,
    which needs only D), so period 3 gets 0.5·D and lacks D/2."""
    path = voyage_case(
        tmp_path, lag1=0.5, lag2=0.0, disruptions=[{"target": "sk", "start": 3, "end": 3}]
    )
    r = corridors.solve(path)
    assert r.is_ok and not check_invariants(r)
    assert unmet_by_period(r) == pytest.approx([0, 0, D, 0, 0, 0], abs=1e-7)
    sk = r.flows[r.flows["link"] == "sk"].sort_values("period")["flow"].to_numpy()
    assert sk[:2] == pytest.approx([2 * D, 0.0])  # the plan
    assert sk[3] == pytest.approx(2 * D)
    foreseen = corridors.solve(
        voyage_case(
            tmp_path / "f",
            lag1=0.5,
            lag2=0.0,
            disruptions=[{"target": "sk", "start": 3, "end": 3, "foreseen": True}],
        )
    )
    assert unmet_by_period(foreseen) == pytest.approx([0, 0, D / 2, 0, 0, 0], abs=1e-7)


def test_one_period_run_charges_the_capital_of_cargo_at_sea(tmp_path):
    """diamond: 4 units over the sea lanes sb and bd (100 km each) at supply price 10: each
    costs 10 · 0.08 · days / 365 per unit more, days = 100 / (13 · 1.852 · 24)."""
    days = 100.0 / (13 * 1.852 * 24)
    interest = 10.0 * 0.08 * days / 365.0
    voyage = {"cargo_interest": 0.08, "speeds": {"crude_oil": 13}}  # the defaults
    r = corridors.solve(diamond(tmp_path / "a", **voyage))
    assert r.objective == pytest.approx(128.0 + 4 * 2 * interest, rel=1e-9)
    fl = r.flows.set_index("link")
    assert fl.loc["sb", "transit_days"] == pytest.approx(days)
    assert fl.loc["sa", "transit_days"] == 0.0
    free = corridors.solve(diamond(tmp_path / "b", speeds=voyage["speeds"], cargo_interest=0))
    assert free.objective == pytest.approx(128.0)
    m = summary_metrics(r)
    assert m["voyage_days"]["crude_oil"] == pytest.approx(2 * days, abs=1e-4)  # sb then bd
    assert m["at_sea"]["crude_oil"] == pytest.approx(4 * 2 * days / 365.0, abs=1e-6)


def test_unknown_commodity_in_speeds_is_reported(tmp_path):
    with pytest.raises(corridors.ScenarioError, match="crude_oil"):
        corridors.solve(diamond(tmp_path, speeds={"crude_oi": 12}))


def stock_case(tmp, **storage):
    """Weekly, 6 periods: s -> d (pipeline), demand 7 a week, cut in weeks 4-5; a reserve of
    20 at d, drawn at up to 7 a week, none required at the end."""
    nodes = [node("s", "supply", 0, 0), node("d", "demand", 1, 0, country="BBB")]
    links = [link("sd", "s", "d", capacity=10000, cost=1)]
    event = {"target": "sd", "start": 4, "end": 5, "foreseen": storage.pop("foreseen", False)}
    sc = {
        "horizon": {"periods": 6, "period_days": 7.0},
        "supply": [{"node": "s", "commodity": "crude_oil", "max": 10000, "price": 10}],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 365}],
        "storage": [
            {"node": "d", "commodity": "crude_oil", "capacity": 100, "initial": 20,
             "max_withdrawal": 365, "final_min": 0, **storage}
        ],
        "disruptions": [event],
    }  # fmt: skip
    return write_case(tmp, nodes, links, sc)


def draws(r) -> list[float]:
    return r.storage.sort_values("period")["withdrawal"].round(7).tolist()


def test_no_withdrawal_before_an_unforeseen_event(tmp_path):
    """Unforeseen (default): nothing drawn before week 4; 7 in weeks 4 and 5, the last 6
    in week 6 (it saves supply at price 10). Foreseen: the 6 not needed in the cut are
    drawn in week 1 (discounting makes the earliest saving worth most)."""
    r = corridors.solve(stock_case(tmp_path / "a"))
    assert r.is_ok and not check_invariants(r)
    assert draws(r) == pytest.approx([0, 0, 0, 7, 7, 6], abs=1e-6)
    assert sum(unmet_by_period(r)) == pytest.approx(0.0, abs=1e-7)
    seen = corridors.solve(stock_case(tmp_path / "b", foreseen=True))
    assert draws(seen) == pytest.approx([6, 0, 0, 7, 7, 0], abs=1e-6)


def test_release_price_limits_draws(tmp_path):
    """release_price 50: drawn only when a shortfall (1000) would cost more, not to save
    supply (10): 7 in weeks 4 and 5, 6 left. release_price 2000 > shortage cost: never drawn,
    7 short in weeks 4 and 5."""
    r = corridors.solve(stock_case(tmp_path / "a", release_price=50))
    assert draws(r) == pytest.approx([0, 0, 0, 7, 7, 0], abs=1e-6)
    disc = 1.03 ** (-np.arange(6) * 7 / 365)
    assert r.cost_breakdown["release"] == pytest.approx(50 * 7 * (disc[3] + disc[4]))
    assert r.objective == pytest.approx(sum(r.cost_breakdown.values()), rel=1e-9)
    never = corridors.solve(stock_case(tmp_path / "b", release_price=2000))
    assert draws(never) == pytest.approx([0] * 6, abs=1e-6)
    assert unmet_by_period(never) == pytest.approx([0, 0, 0, 7, 7, 0], abs=1e-6)


def test_cargoes_at_sea_at_the_start_are_the_steady_state_not_free_copies(tmp_path):
    """s -(1)-> k -(1)-> d, demand D per period, 6 periods. The cargoes at sea at the start
    are one period's steady-state loading on each lane (at_sea = D): they land at k and d in
    period 1; loadings at s in periods 1-4 serve d in 3-6 and nothing is loaded at s in 5-6
    (it would land after the horizon). A purchase is delivered once: never more than D a
    period is bought (before, the first period's loading also stood for the cargoes at sea,
    so buying ahead in period 1 delivered the same cargo twice)."""
    r = corridors.solve(voyage_case(tmp_path, cargo_interest=0))
    assert r.is_ok and not check_invariants(r)
    assert unmet_by_period(r) == pytest.approx([0] * 6, abs=1e-7)
    bought = r.supply.sort_values("period")["supplied"].to_numpy()
    assert bought == pytest.approx([D, D, D, D, 0, 0], abs=1e-7)
    fl = r.flows.set_index(["link", "period"])
    assert fl.loc[("kd", 1), "arrived"] == pytest.approx(D)  # at sea at the start
    assert fl.loc[("sk", 1), "arrived"] == pytest.approx(D)


def test_a_weekly_year_costs_about_what_the_annual_run_costs(tmp_path):
    """The reference baseline over 52 weeks against one annual period: the cargoes at sea at
    the start are paid for as the annual run pays them, so the two differ only by
    discounting within the year and the annual run's cargo interest (measured 603.1 vs
    610.3 bn USD), not by weeks of free cargo (556.6 before)."""
    from conftest import SCENARIOS

    from corridors.io.scenario import load_scenario
    from corridors.io.schema import Horizon

    annual = load_scenario(SCENARIOS / "baseline.yaml")
    weekly = annual.with_updates(
        horizon=Horizon(periods=52, period_days=7.0, start=annual.horizon.start)
    )
    a, w = corridors.solve(annual), corridors.solve(weekly)
    assert w.is_ok and a.is_ok
    assert w.objective == pytest.approx(a.objective, rel=0.03)
