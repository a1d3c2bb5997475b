"""Back-tests of 60-day closures at weekly resolution, with stocks, voyage times and no foresight.

Sources (geodata/SOURCES.md and ../shared/reference/facts.md): EIA, World Oil Transit
Chokepoints (Hormuz bypass capacity, about 2.6 mb/d of it unused; Malacca's alternatives Lombok
and Sunda add days of sailing); IEA emergency response (stock release and demand restraint of up
to 10 % as the first responses, members hold 90 days of net imports); China's stocks of about 80
days of net imports (NEA; measured 81.6 days in the reference data by geodata/check.py). What
a planner expects of a two-month closure of either strait, and what these tests check: cargoes
already past the strait still arrive, the closure is met by bypasses, re-routed and replacement
cargoes and stocks, and consumption is not cut by more than a small restraint; nothing is bought
or drawn ahead of an event nobody foresaw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

import corridors
from corridors.core.check import check_invariants

GULF = {"SAU", "IRQ", "KWT", "ARE", "IRN", "QAT"}
CLOSED = range(9, 18)  # weeks 9-17 hold 1 March to 29 April 2023 (start 1 January)
SHUT = range(10, 18)  # closed for the whole week (week 9 is open until 28 February)


@pytest.fixture(scope="module")
def hormuz() -> corridors.Result:
    return corridors.solve(SCENARIOS / "hormuz_60d_reserves.yaml")


@pytest.fixture(scope="module")
def malacca() -> corridors.Result:
    return corridors.solve(SCENARIOS / "malacca_60d_weekly.yaml")


def by_week(table: pd.DataFrame, column: str) -> pd.Series:
    return table.groupby("period")[column].sum()


def crude_runs(r: corridors.Result) -> float:
    return sum(
        d.amount
        for d in r.scenario.demand
        if d.commodity == "crude_oil" and d.purpose == "consumption"
    )


def consumption_unmet(r: corridors.Result, commodity: str = "crude_oil") -> float:
    kinds = r.network.nodes["kind"]
    u = r.unmet[(r.unmet["node"].map(kinds) == "demand") & (r.unmet["commodity"] == commodity)]
    return float(u["unmet"].sum())


def test_hormuz_60_days_stocks_cover_what_bypasses_and_replacement_cannot(hormuz):
    r = hormuz
    assert r.is_ok and not check_invariants(r)
    stock = r.storage[r.storage["commodity"] == "crude_oil"]
    drawn = by_week(stock, "withdrawal")
    # no foresight: nothing is drawn before the closure ...
    assert drawn.loc[: min(CLOSED) - 1].sum() == pytest.approx(0.0, abs=1e-9)
    # ... and stocks are drawn once the cargoes at sea at the closure have landed
    assert drawn.loc[min(CLOSED) :].sum() > 5.0
    # the bypasses carry at most China's share of their capacity (EIA: ~2.6 mb/d unused)
    share = r.scenario.bypass_share
    fl = r.flows.set_index(["link", "period"])
    for link, cap in (("east_west", 249.0), ("adcop", 74.7), ("goreh_jask", 14.9)):
        weekly = fl.loc[link, "flow"]
        assert (weekly <= cap * share * 7 / 365 * (1 + 1e-6)).all()
        assert weekly.loc[list(CLOSED)].min() > 0  # and are used while Hormuz is shut
    # replacement cargoes from outside the Gulf during the closure
    sup = r.supply[(r.supply["commodity"] == "crude_oil") & ~r.supply["country"].isin(GULF)]
    extra = sup[sup["tranche"] == "diversion"]
    assert by_week(extra, "supplied").loc[list(CLOSED)].sum() > 1.0
    # consumption: restraint at most, a small share of the year's refinery runs
    lost = consumption_unmet(r)
    share_of_runs = lost / crude_runs(r)
    print(f"Hormuz 60 days: {lost:.2f} Mt of refinery runs unmet ({share_of_runs:.2%}), "
          f"{drawn.sum():.1f} Mt of crude stocks drawn")  # fmt: skip
    assert share_of_runs < 0.005


def test_hormuz_60_days_nothing_is_bought_ahead_of_an_unforeseen_closure():
    """Before the closure the run follows the plan made without it (``ModelData.plan``): no
    more is bought in weeks 1-8 than planned, and no less than a cargo's worth (before, the
    model bought extra Gulf crude in the eight weeks before the strait shut)."""
    prep = corridors.prepare(SCENARIOS / "hormuz_60d_reserves.yaml")
    assert prep.data.plan, "a dated unforeseen event makes a plan"
    r = corridors.solve_prepared(prep)
    t0 = min(CLOSED) - 1  # periods before the closure, 0-based
    bought = np.stack(
        [g["supplied"].to_numpy() for _, g in r.supply.groupby("period", sort=True)], axis=1
    )[:, :t0]
    planned = prep.data.plan["supply"][:, :t0]
    assert (bought <= planned + 1e-6).all()
    assert bought.sum() == pytest.approx(planned.sum(), rel=0.02)


def test_malacca_60_days_cargoes_past_the_strait_arrive_and_the_rest_goes_round(malacca):
    r = malacca
    assert r.is_ok and not check_invariants(r)
    fl = r.flows[r.flows["commodity"] == "crude_oil"]
    out_of_malacca = fl[fl["from"] == "malacca"]
    shut = out_of_malacca[out_of_malacca["period"] == min(SHUT)]
    # nothing passes the closed strait ...
    assert shut["flow"].sum() == pytest.approx(0.0, abs=1e-9)
    # ... but what passed it before the closure lands during it
    assert shut["arrived"].sum() > 1.0
    # the rest is re-routed through Lombok and Sunda, longer voyages
    detour = fl[fl["to"].isin(["lombok", "sunda"])]
    assert by_week(detour, "flow").loc[list(CLOSED)].sum() > 20.0
    days = fl.drop_duplicates("link").set_index("link")["transit_days"]
    into_lombok = days[[lk for lk in days.index if lk.endswith("_lombok_crude_oil")]]
    into_malacca = days[[lk for lk in days.index if lk.endswith("_malacca_crude_oil")]]
    assert into_lombok.max() > into_malacca.min()
    # no shortfall while stocks and restraint last: consumption loses at most a restraint
    lost = consumption_unmet(r)
    assert lost / crude_runs(r) < 0.005
    kinds = r.network.nodes["kind"]
    consumption = r.unmet[r.unmet["node"].map(kinds) == "demand"]
    assert consumption["shortage"].sum() == pytest.approx(0.0, abs=1e-6)
