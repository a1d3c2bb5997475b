"""What a planner reads: every figure with its unit, per period or over the horizon, gas
reported as gas, days counted from the disruption they measure.

A planner's weekly case: crude from AAA by sea through strait k (cheap) and by pipeline from
CCC (dear, 26 Mt/yr), a crude reserve at the demand region; LNG from QQQ through k,
regasified at terminal t; pipeline gas from GGG over a border (no strait).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import ROOT
from factory import COMMODITIES, link, node_table, regas_link, write_case
from typer.testing import CliRunner

from corridors.analysis.interdiction import InterdictionResult, interdict, write_interdiction
from corridors.analysis.metrics import reserve_figures
from corridors.analysis.summary import DEFINITIONS
from corridors.api import run, solve
from corridors.cli import app
from corridors.core.check import CHECK_ENV
from corridors.core.status import Status
from corridors.io.resultdir import FORMAT_VERSION, read_folder

UNITS = {c: v["unit"] for c, v in COMMODITIES.items()}
WEEK = 7.0
PERIODS = 16


def weekly(tmp: Path, disruptions: list[dict[str, Any]] | None = None, **extra: Any) -> Path:
    """The planner's case (module docstring), 16 weekly periods. Crude demand 52 Mt/yr
    (about 1 Mt a week), of which the pipeline carries half; the reserve holds 3 Mt (six weeks
    of the half the sea route brings), drawn only against a shortfall (its release price is
    above the price of crude, below the shortage cost) and not refilled (no injection, so no
    stock is built up ahead of the closure either). Gas demand 20 bcm/yr: 13.5 bcm of regasified LNG (10 Mt)
    and the rest by pipeline."""
    nodes = node_table("""
        s  supply     0 0  AAA
        s2 supply     0 -3 CCC
        q  supply     0 3  QQQ
        g  supply     0 6  GGG
        k  chokepoint 1 1  XXX capacity=1.0e6
        p  port       2 0  BBB
        t  terminal   2 3  BBB
        b  border     2 6  BBB
        x  junction   4 0  BBB
        d  demand     3 2  BBB
    """)
    links = [
        link("sk", "s", "k", mode="sea", cost=1, corridor="sea"),
        link("kp", "k", "p", mode="sea", cost=1, corridor="sea"),
        link("pd", "p", "d", cost=1, capacity=100, corridor="domestic"),
        link("pipe", "s2", "d", cost=1, capacity=26, corridor="land"),
        link("dx", "d", "x", cost=1, capacity=10, corridor="domestic"),  # never used
        link("qk", "q", "k", commodity="lng", mode="sea", cost=1, corridor="sea"),
        link("kt", "k", "t", commodity="lng", mode="sea", cost=1, corridor="sea"),
        regas_link("regas", "t", "d", efficiency=1.0),
        link("gb", "g", "b", commodity="pipeline_gas", cost=1, capacity=30, corridor="land"),
        link("bd", "b", "d", commodity="pipeline_gas", cost=1, capacity=30, corridor="land"),
    ]
    sc: dict[str, Any] = {
        "importer": "BBB",
        "supply": [
            {"node": "s", "commodity": "crude_oil", "max": 100, "price": 10},
            {"node": "s2", "commodity": "crude_oil", "max": 100, "price": 50},
            {"node": "q", "commodity": "lng", "max": 10, "price": 5},
            {"node": "g", "commodity": "pipeline_gas", "max": 30, "price": 20},
        ],
        "demand": [
            {"node": "d", "commodity": "crude_oil", "amount": 52},
            {"node": "d", "commodity": "pipeline_gas", "amount": 20},
        ],
        "storage": [
            {
                "node": "d",
                "commodity": "crude_oil",
                "capacity": 10,
                "initial": 3,
                "max_withdrawal": 1000,
                "max_injection": 0,
                "final_min": 0,
                "release_price": 100,
            },
        ],
        "horizon": {"periods": PERIODS, "period_days": WEEK},
        "disruptions": disruptions or [],
        "outputs": {"map": False, "gpkg": False},
        **extra,
    }
    return write_case(tmp, nodes, links, sc)


#: Strait k closed from week 5 to week 12 (day 28 on).
CLOSURE = {"target": "k", "start": 5, "end": 12}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("units")
    with pytest.MonkeyPatch.context() as mp:  # the invariant checker, as in every test solve
        mp.setenv(CHECK_ENV, "1")
        run(weekly(tmp / "case", [CLOSURE]), tmp / "out")
    return tmp / "out"


def table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, keep_default_na=False, na_values=[""])


# --------------------------------------------------------------------------- tables


def test_weekly_tables_say_their_unit_and_period_length(folder: Path) -> None:
    for name in ("flows.csv", "unmet.csv", "supply.csv", "storage.csv", "prices.csv"):
        df = table(folder, name)
        assert len(df), name
        assert list(df["unit"]) == [UNITS[c] for c in df["commodity"]], name
        assert (df["period_days"] == WEEK).all(), name
    flows = table(folder, "flows.csv").set_index(["link", "period"])
    # a capacity is the bound in the week; the same as a rate per year is the data's figure
    assert flows.at[("pipe", 1), "capacity"] == pytest.approx(26 * WEEK / 365)
    assert flows.at[("pipe", 1), "capacity_per_year"] == pytest.approx(26)
    assert flows.at[("pipe", 1), "capacity"] * 365 / flows.at[("pipe", 1), "period_days"] == (
        pytest.approx(26)
    )
    # what a regasification link delivers is gas, in bcm
    regas = flows.loc["regas"]
    assert set(regas["unit"]) == {"Mt"} and set(regas["output_unit"]) == {"bcm"}
    assert pd.isna(regas["capacity_per_year"]).all()  # unlimited
    # binding limits: quantities in their unit, the shadow price per that unit
    binding = table(folder, "binding.csv")
    assert len(binding) and (binding["period_days"] == WEEK).all()
    limits = binding[binding["kind"].isin(["link", "supply"])]
    assert len(limits)
    for q, u in zip(limits["quantity_unit"], limits["unit"], strict=True):
        assert q in ("Mt", "bcm") and u == f"USD per {q}"


def test_tables_read_back_with_their_units(folder: Path) -> None:
    summary, _manifest, tables = read_folder(folder)
    assert summary["format_version"] == FORMAT_VERSION == 3
    flows = tables["flows.csv"]
    assert {"unit", "period_days", "output_unit", "capacity_per_year"} <= set(flows.columns)
    assert flows["unit"].map(type).eq(str).all()
    assert summary["horizon"] == {
        "periods": PERIODS,
        "period_days": {"value": WEEK, "unit": "days"},
        "days": {"value": PERIODS * WEEK, "unit": "days"},
        "start": None,
    }


# --------------------------------------------------------------------------- gas as gas


def test_lng_lost_shows_as_lng_and_the_gas_short_as_pipeline_gas(folder: Path) -> None:
    s = json.loads((folder / "summary.json").read_text())
    # nothing demands LNG: no unmet entry that could never be other than 0
    assert set(s["unmet"]) == {"crude_oil", "pipeline_gas"}
    assert s["unmet"]["pipeline_gas"]["unit"] == "bcm"
    lng = s["supply_balance"]["lng"]
    assert {v["unit"] for k, v in lng.items() if k != "converted_to"} <= {"Mt", "PJ"}
    years = PERIODS * WEEK / 365
    assert lng["available"]["volume"] == pytest.approx(10 * years, abs=1e-6)
    # k closed for 8 of 16 weeks: half the LNG did not come, and what came is gas
    assert lng["not_supplied"]["volume"] == pytest.approx(10 * 8 * WEEK / 365, abs=1e-5)
    assert lng["not_supplied_pj"] == {
        "volume": pytest.approx(lng["not_supplied"]["volume"] * 48.7, abs=1e-4),
        "unit": "PJ",
    }
    assert lng["lost_at_source"]["volume"] == 0  # the supplier itself was not disrupted
    gas = lng["converted_to"]["pipeline_gas"]
    assert gas["unit"] == "bcm"
    assert gas["volume"] == pytest.approx(lng["supplied"]["volume"] * 48.7 / 36, rel=1e-6)
    for c in ("crude_oil", "pipeline_gas"):
        assert s["supply_balance"][c]["available"]["unit"] == UNITS[c]


# --------------------------------------------------------------------------- chokepoints


def test_pipeline_gas_that_passes_no_strait_has_chokepoint_hhi_0(folder: Path) -> None:
    s = json.loads((folder / "summary.json").read_text())
    gas = s["diversity"]["pipeline_gas"]
    assert gas["share_any_strait"] == 0.0
    assert gas["hhi_chokepoint"] == 0.0  # no exposure: not the maximum concentration
    assert s["diversity"]["lng"]["hhi_chokepoint"] == pytest.approx(1.0)  # all through k
    div = table(folder, "diversity.csv")
    row = div[
        (div["commodity"] == "pipeline_gas")
        & (div["group"] == "chokepoint")
        & (div["metric"] == "hhi")
    ]
    assert list(row["value"]) == [0.0]


# --------------------------------------------------------------------------- survival


def reserves(tmp: Path, events: list[dict[str, Any]]) -> dict[str, Any]:
    r = solve(weekly(tmp, events))
    assert r.is_ok
    return reserve_figures(r)["crude_oil"]


def test_survival_counts_from_the_disruption_it_measures(tmp_path: Path) -> None:
    """Closing k from day 28 halves crude supply; the 3 Mt reserve covers the gap for six
    weeks, so crude goes short from week 11 (day 70): 42 days after the closure. A year-long
    event elsewhere (an unused crude link, from day 0), a closure that lasts to the end of the
    horizon and a gas event during the closure change none of that."""
    short = reserves(tmp_path / "a", [CLOSURE])
    assert short["first_shortfall_day"] == 70.0
    assert short["disruption_start_day"] == 28.0
    assert short["survival_days"] == 42.0
    # a year-long outage known in advance (foreseen: it releases no stocks early, so the flows
    # stay as they are) of a crude link nothing uses
    year_long = {"target": "dx", "start": 1, "end": PERIODS, "foreseen": True}
    both = reserves(tmp_path / "b", [year_long, CLOSURE])
    assert both == short  # it read 70, counted from the year-long event
    longer = reserves(tmp_path / "c", [{**CLOSURE, "end": PERIODS}])
    assert longer["survival_days"] == short["survival_days"]
    gas = {"target": "gb", "capacity_factor": 0.5, "start": 9, "end": 10}
    assert reserves(tmp_path / "d", [CLOSURE, gas])["survival_days"] == 42.0


def test_survival_without_disruption_counts_from_the_horizon_start(tmp_path: Path) -> None:
    """Without a disruption, a reserve too small for the demand: the shortfall owes nothing to
    an event, survival is counted from day 0 and no disruption is named."""
    big = [{"node": "d", "commodity": "crude_oil", "amount": 500}]
    r = solve(weekly(tmp_path, [], demand=big))
    assert r.is_ok
    crude = reserve_figures(r)["crude_oil"]
    assert crude["first_shortfall_day"] is not None
    assert crude["survival_days"] == crude["first_shortfall_day"]
    assert crude["disruption_start_day"] is None


def test_date_events_count_from_their_day(tmp_path: Path) -> None:
    """A closure from 2023-01-29 (day 28 of a horizon starting 2023-01-01) reads as CLOSURE."""
    dated = {"target": "k", "start": "2023-01-29", "end": "2023-03-25"}
    horizon = {"periods": PERIODS, "period_days": WEEK, "start": "2023-01-01"}
    path = weekly(tmp_path, [dated], horizon=horizon)
    r = solve(path)
    crude = reserve_figures(r)["crude_oil"]
    assert crude["disruption_start_day"] == 28.0 and crude["survival_days"] == 42.0


# --------------------------------------------------------------------------- definitions


def test_every_definition_is_in_the_docs(folder: Path) -> None:
    s = json.loads((folder / "summary.json").read_text())
    assert s["definitions"] == DEFINITIONS
    text = (ROOT / "docs" / "definitions.md").read_text()
    for key in DEFINITIONS:
        if key != "see":
            assert f"`{key}`" in text, key
    for name in ("days of cover", "survival time", "first shortfall day", "non-served energy",
                 "HHI", "Shannon", "effective number"):  # fmt: skip
        assert name.lower() in text.lower(), name
    assert "definitions.md" in (ROOT / "docs" / "outputs.md").read_text()


# --------------------------------------------------------------------------- JSON and CLI


def units_everywhere(doc: Any, path: str = "") -> list[str]:
    """Numbers in a JSON document that stand without a unit: neither in a dict with a
    ``unit`` (a ``{value|volume, unit}`` pair, or figures all in that unit) nor beside a
    ``<key>_unit``."""
    bare: list[str] = []
    if isinstance(doc, dict):
        if isinstance(doc.get("unit"), str):
            return bare
        for k, v in doc.items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                if f"{k}_unit" not in doc:
                    bare.append(f"{path}.{k}")
            else:
                bare.extend(units_everywhere(v, f"{path}.{k}"))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            bare.extend(units_everywhere(v, f"{path}[{i}]"))
    return bare


def test_interdiction_json_gives_every_figure_its_unit(tmp_path: Path) -> None:
    path = weekly(tmp_path / "case")
    res = interdict(path, 1, element_classes="chokepoint,pipeline", runners_up=1)
    doc = json.loads(write_interdiction(res, tmp_path / "out").read_text())
    assert doc["unmet"]["unit"] == "PJ" and doc["cost"]["unit"] == "USD"
    assert doc["cost_increase"]["unit"] == "USD"
    assert doc["horizon_days"] == {"value": PERIODS * WEEK, "unit": "days"}
    by = doc["unmet_by_commodity"]
    assert set(by) == {"crude_oil", "pipeline_gas"}  # LNG has no demand
    assert {c: v["unit"] for c, v in by.items()} == {"crude_oil": "Mt", "pipeline_gas": "bcm"}
    pj = sum(v["volume"] * COMMODITIES[c]["pj_per_unit"] for c, v in by.items())
    assert pj == pytest.approx(doc["unmet"]["value"], rel=1e-9)
    counts = {"k", "budget", "gap", "elements_considered", "rank"}
    bare = [p for p in units_everywhere(doc) if p.rsplit(".", 1)[-1] not in counts]
    assert not bare, bare


def test_run_prints_its_units_and_what_they_are_totals_over(tmp_path: Path) -> None:
    path = weekly(tmp_path / "case", [CLOSURE])
    res = CliRunner().invoke(
        app, ["--quiet", "run", str(path), "--out", str(tmp_path / "out")], terminal_width=200
    )
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "16 periods of 7 days (112 days); figures below are totals over it" in text
    assert "billion USD (discounted to the start)" in text  # several periods
    assert re.search(r"unmet crude_oil [\d.]+ Mt \([\d.]+% of consumption\)", text)
    lost = 10 * 8 * WEEK / 365
    assert f"lng not supplied {lost:,.2f} of" in text and "Mt available (delivered as " in text
    assert "pipeline_gas" in text.split("lng not supplied", 1)[1]


def hand_made_interdiction() -> InterdictionResult:
    """An interdiction result made by hand: k lost, 1 Mt of crude short, a runner-up."""
    runner = {"rank": 2, "elements": ["pipe"], "unmet": 12.0, "cost": 5.0e9,
              "cost_increase": 1.0e9, "milp_objective": 12.0, "resolved_objective": 12.0,
              "status": Status.OPTIMAL, "gap": 0.0, "lp_status": "optimal"}  # fmt: skip
    return InterdictionResult(
        elements=["k"], unmet=42.3, unmet_by_commodity={"crude_oil": 1.0, "pipeline_gas": 0.0},
        cost=6.0e9, cost_increase=2.0e9, status=Status.OPTIMAL, gap=0.0, bound=42.3,
        milp_objective=42.3, objective="unmet", k=1, budget=None, n_elements=3, seconds=0.5,
        milp_seconds=0.2, check={"milp_objective": 42.3, "resolved_objective": 42.3,
                                 "agrees": True, "big_m_per_pj": 1.0},
        runners_up=[runner], units=UNITS, horizon_days=112.0,
    )  # fmt: skip


def test_interdiction_json_layout_without_a_solve() -> None:
    """The same layout from a result made by hand (runners-up included)."""
    res = hand_made_interdiction()
    doc = res.to_json()
    assert doc["unmet"] == {"value": 42.3, "unit": "PJ"}
    assert doc["unmet_by_commodity"] == {
        "crude_oil": {"volume": 1.0, "unit": "Mt"},
        "pipeline_gas": {"volume": 0.0, "unit": "bcm"},
    }
    assert doc["bound"] == {"value": 42.3, "unit": "PJ"} and doc["check"]["unit"] == "PJ"
    assert doc["runners_up"][0]["unmet"] == {"value": 12.0, "unit": "PJ"}
    assert doc["runners_up"][0]["cost"] == {"value": 5.0e9, "unit": "USD"}
    counts = {"k", "budget", "gap", "elements_considered", "rank"}
    assert [p for p in units_everywhere(doc) if p.rsplit(".", 1)[-1] not in counts] == []


#: One period of a year: its costs are not discounted (the first period's factor is 1).
ONE_YEAR = {"horizon": {"periods": 1, "period_days": 365.0}}


@pytest.mark.parametrize("one_period", [False, True])
def test_expand_prints_what_its_costs_are_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_period: bool
) -> None:
    """The value of a build is a cost saved over the horizon, net of its capital cost, in
    billion USD; discounted to the start over several periods, not over one (the plan is made
    by hand: the printing is under test)."""
    from corridors.analysis import expansion

    plan = {
        "build": ["new_pipe"], "status": Status.OPTIMAL, "gap": 0.0, "objective": 5.0e9,
        "expected_cost": 5.0e9, "worst_cost": 7.0e9,
        "value_of_builds": [{"group": "new_pipe", "value": 3.02e9}],
    }  # fmt: skip
    fake = expansion.ExpansionResult(primary=plan, mode="expected")
    monkeypatch.setattr(expansion, "expand", lambda *a, **k: fake)
    monkeypatch.setattr(expansion, "write_expansion", lambda res, out: [Path(out) / "x.json"])
    path = weekly(tmp_path / "case", **(ONE_YEAR if one_period else {}))
    res = CliRunner().invoke(app, ["--quiet", "expand", str(path)], terminal_width=200)
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    over = "over the horizon (365 days)" if one_period else "over the horizon (112 days)"
    assert f"value of new_pipe: 3.02 billion USD {over}" in text
    assert "expected cost saved by building it, net of its annualised capital cost" in text
    assert f"worst 7.00 billion USD {over}" in text
    if one_period:
        assert "discounted" not in text
        assert f"costs in billion USD {over}: operating" in text
    else:
        assert f"costs in billion USD {over} (discounted to the start): operating" in text


@pytest.mark.parametrize("one_period", [False, True])
def test_interdict_prints_units_and_what_they_are_totals_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_period: bool
) -> None:
    from corridors.analysis import interdiction

    monkeypatch.setattr(interdiction, "interdict", lambda *a, **k: hand_made_interdiction())
    path = weekly(tmp_path / "case", **(ONE_YEAR if one_period else {}))
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["--quiet", "interdict", str(path), "--k", "1", "--out", str(out)], terminal_width=200
    )
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    over = "over the horizon (365 days)" if one_period else "over the horizon (112 days)"
    assert f"unmet demand 42.3 PJ {over} (crude_oil 1.00 Mt)" in text
    if one_period:  # one period is not discounted
        assert f"total cost 6.00 billion USD {over} cost increase" in text
        assert "discounted" not in text
    else:
        assert f"total cost 6.00 billion USD {over} (discounted to the start)" in text
    assert "cost increase 2.00 billion USD" in text
    doc = json.loads((out / "interdiction.json").read_text())
    assert doc["unmet_by_commodity"]["crude_oil"] == {"volume": 1.0, "unit": "Mt"}
