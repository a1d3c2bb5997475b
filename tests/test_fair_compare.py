"""Fair comparisons (issue 15): runs of different horizons are compared on a stated common
basis (the common window, per year), and a comparison that cannot be made fair says why
instead of printing a number. Hand-checked on the diamond network, then a planner's scenario:
a 26-week Hormuz crisis against the annual baseline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SCENARIOS, run_cli
from factory import diamond

import corridors
from corridors.analysis.compare import compare, markdown, mean_discount, text
from corridors.core.resultdir import load_result_dir
from corridors.outputs import maps
from corridors.outputs.comparison import write_comparison
from corridors.outputs.report import build_report

WEEKS_26 = {"periods": 26, "period_days": 7, "start": "2023-01-01"}
CLOSED = [{"target": "b", "capacity_factor": 0.0}]


def _run(tmp: Path, name: str, **overrides: object) -> Path:
    path = diamond(tmp / f"case_{name}", name=name, **overrides)
    folder = tmp / name
    corridors.run(path, folder)
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The diamond (demand 10/yr: 6 via a at 12, 4 via b at 14; supply price 10) annual and
    open, and over 26 weeks with b closed (4/yr short at 1000), open, and over 52 weeks."""
    tmp = tmp_path_factory.mktemp("fair")
    return {
        "annual": _run(tmp, "annual"),
        "crisis": _run(tmp, "crisis", horizon=WEEKS_26, disruptions=CLOSED),
        "open26": _run(tmp, "open26", horizon=WEEKS_26),
        "year52": _run(tmp, "year52", horizon={**WEEKS_26, "periods": 52}),
    }


def _cell(table, metric: str, col: str, group: str | None = None, commodity: str = "all"):  # type: ignore[no-untyped-def]
    t = table[(table["metric"] == metric) & (table["commodity"] == commodity)]
    if group is not None:
        t = t[t["group"] == group]
    assert len(t) == 1, (metric, group, commodity)
    return t.iloc[0][col]


def test_crisis_against_an_annual_baseline_on_the_common_window(small: dict[str, Path]) -> None:
    table = compare([small["annual"], small["crisis"]])
    a, c, d = "annual", "crisis", "delta_crisis"
    assert _cell(table, "horizon_days", a) == 365 and _cell(table, "horizon_days", c) == 182
    assert _cell(table, "window_days", a) == 182
    # the same consumption on the common window: the annual run counted pro rata
    assert _cell(table, "consumption", a, "window") == pytest.approx(10 * 42.3 * 182 / 365)
    assert _cell(table, "consumption", d, "window") == pytest.approx(0.0, abs=1e-6)
    # b closed: 4 of 10 per year short, over 182 days
    assert _cell(table, "shortfall", c, "window", "crude_oil") == pytest.approx(4 * 182 / 365)
    assert _cell(table, "shortfall", c, "per_year", "crude_oil") == pytest.approx(4.0)
    assert _cell(table, "shortfall_share", c, "window", "crude_oil") == pytest.approx(0.4)
    # costs over the window: the annual one pro rata (128/yr, not discounted), the crisis's
    # its whole discounted objective: (6 x 12 + 4 x 1000)/yr over weekly periods at 3 %/yr
    base = 128 * 182 / 365
    weekly = (6 * 12 + 4 * 1000) * 7 / 365
    crisis = weekly * sum(1.03 ** (-k * 7 / 365) for k in range(26))
    assert _cell(table, "objective_usd_window", a) == pytest.approx(base)
    assert _cell(table, "objective_usd_window", c) == pytest.approx(crisis, rel=1e-6)
    assert _cell(table, "objective_usd_window", d) == pytest.approx(crisis - base, rel=1e-6)
    assert _cell(table, "objective_usd_per_year", d) == pytest.approx(
        (crisis - base) * 365 / 182, rel=1e-6
    )
    # over each run's own horizon the totals are not set side by side
    assert np.isnan(_cell(table, "objective_usd", d, "cost"))
    assert "different horizons" in _cell(table, "objective_usd", "note", "cost")
    md = markdown(table)
    assert "common window 2023-01-01 to 2023-07-01 (182 days)" in md
    assert "annual: one period, counted pro rata" in md
    assert "discounted at 3%/yr to 2023-01-01" in md
    assert "differ in time resolution" in md  # a caveat, stated
    discounting = 1 - mean_discount(_span(small["crisis"]))
    assert f"lowers crisis's by about {discounting:.1%}" in md
    lines = text(table)
    assert "total cost: USD" in lines and "(pro rata)" in lines and "(discounted)" in lines


def _span(folder: Path):  # type: ignore[no-untyped-def]
    from corridors.analysis.compare import read_run

    run = read_run(folder)
    assert run.data is not None and run.data.span is not None
    return run.data.span


def test_same_horizon_compares_costs_directly(small: dict[str, Path]) -> None:
    table = compare([small["open26"], small["crisis"]])
    d = "delta_crisis"
    delta = _cell(table, "objective_usd", d, "cost")
    assert delta > 0 and delta == pytest.approx(_cell(table, "objective_usd_window", d))
    assert _cell(table, "objective_usd", "note", "cost") == ""
    md = markdown(table)
    assert "Same horizon" in md and "differ in time resolution" not in md


def test_a_cost_that_cannot_be_cut_to_the_window_is_not_compared(small: dict[str, Path]) -> None:
    table = compare([small["year52"], small["crisis"]])
    d = "delta_crisis"
    assert _cell(table, "window_days", "year52") == 182
    assert np.isnan(_cell(table, "objective_usd_window", d))
    assert np.isnan(_cell(table, "objective_usd_per_year", d))
    note = _cell(table, "objective_usd_window", "note")
    assert "year52's cost covers 52 periods of 7 days" in note and "cannot be cut" in note
    # volumes over the first 26 weeks are still compared, period by period
    assert _cell(table, "shortfall", d, "window", "crude_oil") == pytest.approx(4 * 182 / 365)
    assert "total cost" in text(table) and "not compared: year52's cost covers" in text(table)


def test_not_optimal_or_unknown_horizon_says_why(small: dict[str, Path], tmp_path: Path) -> None:
    stopped = tmp_path / "stopped"
    shutil.copytree(small["crisis"], stopped)
    s = json.loads((stopped / "summary.json").read_text())
    s["status"] = "time_limit"
    (stopped / "summary.json").write_text(json.dumps(s))
    table = compare([small["annual"], stopped])
    assert np.isnan(_cell(table, "objective_usd_window", "delta_crisis"))
    assert "no optimal solution (solver status time_limit)" in markdown(table)

    lost = tmp_path / "lost"
    shutil.copytree(small["crisis"], lost)
    m = json.loads((lost / "manifest.json").read_text())
    m["scenario_file"] = str(tmp_path / "gone.yaml")
    (lost / "manifest.json").write_text(json.dumps(m))
    table = compare([small["annual"], lost])
    assert np.isnan(_cell(table, "shortfall", "delta_crisis", "window", "crude_oil"))
    assert "gone.yaml is not found" in _cell(table, "shortfall", "note", "window", "crude_oil")
    assert "not compared" in text(table)


def test_comparison_folder_has_the_text(small: dict[str, Path], tmp_path: Path) -> None:
    written = write_comparison([small["annual"], small["crisis"]], tmp_path / "cmp")
    assert tmp_path / "cmp" / "comparison.txt" in written
    txt = (tmp_path / "cmp" / "comparison.txt").read_text()
    assert txt.startswith("annual: one 365-day period")
    csv = (tmp_path / "cmp" / "comparison.csv").read_text().splitlines()[0]
    assert csv.endswith("delta_crisis,unit,basis,note")


def test_before_after_map_states_its_basis(small: dict[str, Path]) -> None:
    before = load_result_dir(small["annual"]).result
    after = load_result_dir(small["crisis"]).result
    fig = maps.figure_compare(before, after, dpi=60)
    texts = [t.get_text() for t in fig.texts]
    change = next(t for t in texts if t.startswith("Change:"))
    assert "shortfall of consumption, crude oil +1.99 Mt (+4.00 Mt/yr)" in change  # 4 x 182/365
    assert "cost +USD 1,9" in change and "per year" in change
    basis = next(t for t in texts if t.startswith("Basis:"))
    assert "common window 2023-01-01 to 2023-07-01 (182 days)" in basis
    assert "pro rata" in basis and "discounted at 3%/yr" in basis


# --------------------------------------------------------------------------- stocks


@pytest.fixture(scope="module")
def stocked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The diamond over 26 weeks with a stock at d, drawn while b is closed (weeks 5-10)."""
    tmp = tmp_path_factory.mktemp("stocks")
    return _run(
        tmp,
        "stocked",
        horizon=WEEKS_26,
        disruptions=[{"target": "b", "capacity_factor": 0.0, "start": 5, "end": 10}],
        storage=[{"node": "d", "commodity": "crude_oil", "capacity": 3, "initial": 3,
                  "max_withdrawal": 100, "max_injection": 100}],
    )  # fmt: skip


def test_report_of_a_weekly_run_shows_stocks_over_time(stocked: Path) -> None:
    rd = load_result_dir(stocked)
    html = build_report(rd)
    assert "<h2>Stocks over time</h2>" in html
    section = html.split("<h2>Stocks over time</h2>")[1]
    points = section.split('<polyline points="')[1].split('"')[0].split()
    assert len(points) == 26 + 1  # the start, then each week's end
    assert "crude oil: stock, Mt" in section
    assert "closed" in section  # the disruption's band is titled
    lv = rd.result.storage.groupby("period")["level"].sum()
    assert lv.min() < 3 - 1e-6  # the stock was drawn: the chart is not flat
    assert "Lowest" in section


def test_report_of_an_annual_run_has_no_stock_chart(small: dict[str, Path]) -> None:
    assert "Stocks over time" not in build_report(load_result_dir(small["annual"]))


# --------------------------------------------------------------------------- the planner's case


@pytest.fixture(scope="module")
def planner(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The annual baseline and a 26-week crisis extending it with Hormuz closed for 60 days."""
    tmp = tmp_path_factory.mktemp("planner")
    crisis = {
        "name": "crisis_26w",
        "extends": str(SCENARIOS / "baseline.yaml"),
        "horizon": WEEKS_26,
        "disruptions": [
            {"target": "hormuz", "capacity_factor": 0.0, "start": "2023-03-01", "end": "2023-04-29"}
        ],
        "outputs": {"map": False, "gpkg": False},
    }
    (tmp / "crisis.yaml").write_text(yaml.safe_dump(crisis))
    base = tmp / "baseline.yaml"
    doc = yaml.safe_load((SCENARIOS / "baseline.yaml").read_text())
    doc["outputs"] = {"map": False, "gpkg": False}
    for key in ("nodes", "links", "basemap"):
        doc["network"][key] = str((SCENARIOS / doc["network"][key]).resolve())
    base.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = {}
    for name, path in (("baseline", base), ("crisis", tmp / "crisis.yaml")):
        corridors.run(path, tmp / name)
        out[name] = tmp / name
    return out


def test_planner_26_week_crisis_against_the_annual_baseline(planner: dict[str, Path]) -> None:
    table = compare([planner["baseline"], planner["crisis"]])
    d = "delta_crisis_26w"
    delta = _cell(table, "objective_usd_window", d)
    note = _cell(table, "objective_usd_window", "note")
    # on the stated common basis the crisis costs more, or the comparison says why not
    assert (np.isfinite(delta) and delta > 0) or (np.isnan(delta) and "not compared" in note)
    if np.isfinite(delta):
        assert _cell(table, "objective_usd_per_year", d) == pytest.approx(delta * 365 / 182)
    # never the raw totals of a 182-day and a 365-day horizon side by side
    assert np.isnan(_cell(table, "objective_usd", d, "cost"))
    # the same consumption on the window; the crisis gives up stock building, buys replacement
    assert _cell(table, "consumption", d, "window") == pytest.approx(0.0, abs=1e-6)
    assert _cell(table, "stock_building_given_up", d, "window") > 0
    assert _cell(table, "replacement", d, "window") > 0
    txt = text(table)
    assert "common window 2023-01-01 to 2023-07-01 (182 days)" in txt
    assert "days of cover, crude oil" in txt and "lowest stock, crude oil" in txt
    assert "voyage days, crude oil" in txt and "replacement supply, crude oil" in txt
    cost = txt.split("total cost:")[1]
    assert "not compared" in cost or ("+USD" in cost and "per year" in cost)


def test_planner_weekly_report_has_the_stock_chart(planner: dict[str, Path]) -> None:
    html = build_report(load_result_dir(planner["crisis"]), load_result_dir(planner["baseline"]))
    section = html.split("<h2>Stocks over time</h2>")[1]
    for name in ("crude oil: stock, Mt", "pipeline gas: stock, bcm"):
        assert name in section
    assert "<h3>Against baseline</h3>" in html
    assert "shortfall, share of" not in html  # the old unlabelled share is gone
    assert "shortfall / consumption" in html or "No region restrained" in html


def test_cli_map_compare_prints_the_change_and_its_basis(
    small: dict[str, Path], tmp_path: Path
) -> None:
    r = run_cli(
        "map", small["crisis"], "--compare", small["annual"], "--out", tmp_path, "--dpi", "60",
        columns=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "change: shortfall of consumption, crude oil +1.99 Mt (+4.00 Mt/yr)" in r.stdout
    assert "Basis: common window 2023-01-01 to 2023-07-01 (182 days)" in r.stdout
    assert (tmp_path / "compare.png").exists()
