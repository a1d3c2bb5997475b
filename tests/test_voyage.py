"""Voyage time of sea lanes (lags in multi-period runs, cargo interest in one-period runs) and
no foresight of disruptions for strategic stocks (withdrawal bound, release price), checked
against hand-computed optima."""

from __future__ import annotations

import numpy as np
import pytest
from factory import diamond, single_link, voyage_case

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


SPREAD = {"periods": 6, "period_days": 10.0, "arrival": "spread"}


def test_fractional_lag_spreads_a_cargo_over_two_periods(tmp_path):
    """With ``arrival: spread``, sk takes half a period (k = 0, f = 0.5): arrival[t] =
    0.5·sk[t] + 0.5·sk[t − 1]; kd
    has no voyage time. sk cut in period 3, not foreseen: periods 1-2 follow the plan made
    without the cut (``ModelData.plan``), whose loadings at s are 2D, 0, 2D, ... (a cargo of 2D
    lands half in its period and half in the next, D a period). So period 3 receives
    0.5·sk[2] = 0 and lacks D; from period 4 on 0.5·sk[4] + 0.5·sk[3] carries D with sk[4] = 2D,
    so nothing else is short. Foreseen, period 2 loads D (no more: half of it lands in period 2,
    which needs only D), so period 3 gets 0.5·D and lacks D/2."""
    path = voyage_case(
        tmp_path,
        lag1=0.5,
        lag2=0.0,
        horizon=SPREAD,
        disruptions=[{"target": "sk", "start": 3, "end": 3}],
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
            horizon=SPREAD,
            disruptions=[{"target": "sk", "start": 3, "end": 3, "foreseen": True}],
        )
    )
    assert unmet_by_period(foreseen) == pytest.approx([0, 0, D / 2, 0, 0, 0], abs=1e-7)


@pytest.mark.parametrize(
    ("lag1", "periods_late"), [(0.4, 0), (0.5, 1), (1.49, 1), (1.6, 2), (2.0, 2)]
)
def test_nearest_arrival_lands_a_cargo_in_the_period_nearest_its_voyages_end(
    tmp_path, lag1, periods_late
):
    """By default (``arrival: nearest``) a voyage of lag periods lands ⌊lag + ½⌋ periods after
    loading, whole. sk cut in period 3 (foreseen, so the plan does not matter): what sk
    loaded before 3 still lands; d lacks its whole demand D in period 3 + ⌊lag + ½⌋ only, as
    nothing else reaches k."""
    r = corridors.solve(
        voyage_case(
            tmp_path,
            lag1=lag1,
            lag2=0.0,
            disruptions=[{"target": "sk", "start": 3, "end": 3, "foreseen": True}],
        )
    )
    assert r.is_ok and not check_invariants(r)
    short = [0.0] * 6
    short[2 + periods_late] = D
    assert unmet_by_period(r) == pytest.approx(short, abs=1e-7)
    sk = r.flows[r.flows["link"] == "sk"].set_index("period")
    assert sk["transit_days"].iloc[0] == pytest.approx(lag1 * 10.0)  # reported exactly


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
    event = {"target": "sd", "start": 4, "end": 5, "foreseen": storage.pop("foreseen", False)}
    return single_link(
        tmp,
        sd={"capacity": 10000, "cost": 1},
        supply={"max": 10000, "price": 10},
        demand={"amount": 365},
        storage={"capacity": 100, "initial": 20, "max_withdrawal": 365, "final_min": 0, **storage},
        country="BBB",
        horizon={"periods": 6, "period_days": 7.0},
        disruptions=[event],
    )


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
    discounting within the year and the annual run's cargo interest (measured 601.1, 603.1
    with ``arrival: spread``, vs
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


def test_interdiction_releases_stocks_when_its_losses_start(tmp_path):
    """The scenario's own event starts in week 4 (stocks locked, and before it the plan made
    without it followed), but an element the attacker takes is lost from week 1, and the
    sweep's case for it releases stocks from week 1 (``case_release``). The interdiction MILP
    must price that LP, not one whose weeks 1-3 are locked to the plan (infeasible once sd is
    lost: the MILP's dual was then unbounded but for its big M). Losing sd, the 20 of stock
    cover weeks 1-3 (7, 7, 6) and weeks 4-6 go short: the sweep row's cost. (Prices scaled up
    from ``stock_case`` so that the MILP's dual tolerances are small beside the objective.)"""
    from corridors.analysis.interdiction import interdict
    from corridors.analysis.sweep import run_sweep

    path = single_link(
        tmp_path / "a",
        sd={"capacity": 10000, "cost": 1},
        supply={"max": 10000, "price": 5.0e5},
        demand={"amount": 365, "shortage_cost": 1.0e7},
        storage={
            "capacity": 100,
            "initial": 20,
            "max_withdrawal": 365,
            "final_min": 0,
            "release_price": 1.0e6,
        },
        country="BBB",
        horizon={"periods": 6, "period_days": 7.0},
        disruptions=[{"target": "sd", "start": 4, "end": 5}],
    )
    sw = run_sweep(path, tmp_path / "sweep", k=1, element_classes="pipeline")
    row = sw.table[sw.table["elements"] == "sd"].iloc[0]
    res = interdict(path, 1, element_classes="pipeline", objective="cost", fallback=False)
    assert res.elements == ["sd"] and res.check["agrees"], res.check
    cost_col = next(c for c in sw.table.columns if c.startswith("objective"))
    assert res.cost == pytest.approx(float(row[cost_col]), rel=1e-9)
    assert res.milp_objective == pytest.approx(res.cost, rel=1e-6)
    r = corridors.solve(path)  # the scenario itself draws nothing before week 4
    assert draws(r)[:3] == pytest.approx([0, 0, 0], abs=1e-9)


def test_monte_carlo_draws_keep_no_foresight_unless_foreseen(tmp_path):
    """A drawn event holds stocks back until it starts, as the same event in a plain run does
    (before, a draw in a scenario without events of its own released them from week 1); a
    draw of a ``foreseen: true`` event does not. The sd cut is drawn for one week
    (probability 1). Unforeseen, stocks are first drawn in the cut week; foreseen, the stock
    not needed in the cut is drawn in week 1 to save supply (discounting makes the earliest
    saving worth most), so the foreseen draw costs less."""
    from corridors.analysis.sweep import run_sweep
    from corridors.analysis.sweep_case import Case, case_release, draw_key
    from corridors.core.availability import sample_events
    from corridors.core.session import prepare

    def case(tmp, foreseen):
        ev = {"target": "sd", "probability": 1.0, "duration_days": 7, "foreseen": foreseen}
        return single_link(
            tmp,
            sd={"capacity": 10000, "cost": 1},
            supply={"max": 10000, "price": 10},
            demand={"amount": 365},
            storage={"capacity": 100, "initial": 20, "max_withdrawal": 365, "final_min": 0},
            country="BBB",
            horizon={"periods": 6, "period_days": 7.0},
            disruptions=[ev],
        )

    blind, seen = case(tmp_path / "b", False), case(tmp_path / "s", True)
    prep = prepare(blind)
    (draw,) = sample_events(prep.scenario, 1, seed=3)[0]
    assert draw.foreseen is False
    start = int(np.flatnonzero(np.asarray(draw.factor) < 1.0)[0])
    events = ((draw.names, draw.factor),)
    assert start > 0 and case_release(prep, Case(1, ("sd",), events)) == start
    assert case_release(prep, Case(1, ("sd",), events, foreseen=(True,))) == 0
    assert draw_key(Case(1, ("sd",), events)) != draw_key(
        Case(2, ("sd",), events, foreseen=(True,))
    )
    costs = {}
    for name, path in (("blind", blind), ("seen", seen)):
        sw = run_sweep(path, tmp_path / f"mc_{name}", monte_carlo=1, seed=3)
        costs[name] = float(sw.table.loc[sw.table["scenario"] == 1, "objective_usd"].iloc[0])
    assert costs["seen"] < costs["blind"]


@pytest.mark.parametrize("arrival", ["nearest", "spread"])
@pytest.mark.parametrize("k", [1, 2])
def test_interdiction_is_exact_with_voyage_times(tmp_path, arrival, k):
    """Brute force: the interdiction MILP against the exhaustive N-k sweep on the voyage
    network (voyages of 1.4 and 2.6 periods, a chokepoint between, stocks at d), both ways of
    timing arrivals. Prices in the hundreds of thousands of USD per unit, as real cargoes
    cost, so that the MILP's dual tolerances stay small beside the objective."""
    from corridors.analysis.interdiction import interdict
    from corridors.analysis.sweep import run_sweep

    path = voyage_case(
        tmp_path,
        lag1=1.4,
        lag2=2.6,
        horizon={"periods": 6, "period_days": 10.0, "arrival": arrival},
        supply=[{"node": "s", "commodity": "crude_oil", "max": 10000, "price": 5.0e5}],
        demand=[{"node": "d", "commodity": "crude_oil", "amount": 365, "shortage_cost": 1.0e7}],
        storage=[
            {"node": "d", "commodity": "crude_oil", "capacity": 100, "initial": 25,
             "max_withdrawal": 365, "final_min": 0, "release_price": 1.0e6}
        ],
    )  # fmt: skip
    classes = "sea,chokepoint"
    sw = run_sweep(path, tmp_path / "sweep", k=k, element_classes=classes)
    for objective, col in (("unmet", "unmet_pj"), ("cost", "objective_usd")):
        res = interdict(path, k, element_classes=classes, objective=objective, fallback=False)
        assert res.check["agrees"], (objective, res.check)
        ours = res.unmet if objective == "unmet" else res.cost
        assert ours == pytest.approx(sw.table[col].max(), rel=1e-7, abs=1e-6)
