"""What a sweep writes says its units: shortfall columns for the demanded commodities only,
named with their unit, LNG that was not delivered as LNG, money in USD, montecarlo.json with
a unit beside every figure; and a folder of the rows before the units is not resumed.

The planner's weekly case of tests/test_units.py: crude by sea through strait k and by
pipeline; LNG through k, regasified at terminal t; pipeline gas over a border.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_units import PERIODS, WEEK, units_everywhere, weekly

import corridors
from corridors.analysis.metrics import supply_balance
from corridors.analysis.sweep import META, ROWS_FORMAT, run_sweep
from corridors.api import solve

#: 10 Mt of LNG a year over the 16 weeks of the horizon.
LNG = 10 * PERIODS * WEEK / 365

COLUMNS = [
    "scenario",
    "elements",
    "unmet_pj",
    "unmet_crude_oil_mt",
    "unmet_pipeline_gas_bcm",
    "not_supplied_lng_mt",
    "cost_increase_usd",
    "status",
    "objective_usd",
]


@pytest.fixture(scope="module")
def nk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("nk")
    run_sweep(weekly(tmp / "case"), tmp / "out", k=1, element_classes="chokepoint,terminal")
    return tmp


def test_sweep_csv_names_every_figure_with_its_unit(nk: Path) -> None:
    csv = pd.read_csv(nk / "out" / "sweep.csv")
    assert list(csv.columns) == COLUMNS  # no unmet_lng: nothing demands LNG
    rk = pd.read_csv(nk / "out" / "ranking.csv")
    assert list(rk.columns) == ["rank", "element", "label", "class", "unmet_alone_pj",
                                "cost_increase_alone_usd", "worst_unmet_pj", "mean_unmet_pj",
                                "status_alone"]  # fmt: skip
    # PJ are the commodities' units at their energy content
    pj = csv["unmet_crude_oil_mt"] * 42.3 + csv["unmet_pipeline_gas_bcm"] * 36.0
    assert list(csv["unmet_pj"]) == pytest.approx(list(pj), abs=1e-6)


def test_lng_not_delivered_shows_as_lng(nk: Path) -> None:
    """Losing terminal t leaves no gas short (the pipeline makes up for it) but all the LNG
    undelivered; losing strait k takes the LNG and crude; nothing lost, all LNG comes."""
    csv = pd.read_csv(nk / "out" / "sweep.csv", keep_default_na=False).set_index("elements")
    assert csv.at["", "not_supplied_lng_mt"] == pytest.approx(0.0, abs=1e-9)
    assert csv.at["t", "not_supplied_lng_mt"] == pytest.approx(LNG, rel=1e-9)
    assert csv.at["t", "unmet_pj"] == pytest.approx(0.0, abs=1e-9)
    assert csv.at["k", "not_supplied_lng_mt"] == pytest.approx(LNG, rel=1e-9)
    assert csv.at["k", "unmet_crude_oil_mt"] > 1.0
    # the figure of summary.json's supply_balance for the same loss
    case = weekly(nk / "lost_t", [{"target": "t", "capacity_factor": 0.0}])
    lng = supply_balance(solve(case))["lng"]["not_supplied"]
    assert lng == {"volume": pytest.approx(csv.at["t", "not_supplied_lng_mt"]), "unit": "Mt"}


def test_montecarlo_json_gives_every_figure_its_unit(tmp_path: Path) -> None:
    ev = {"target": "t", "capacity_factor": 0.0, "probability": 0.5, "duration_days": 28}
    res = run_sweep(weekly(tmp_path / "case", [ev]), tmp_path / "mc", monte_carlo=20, seed=1)
    assert list(res.table.columns) == COLUMNS
    doc = json.loads((tmp_path / "mc" / "montecarlo.json").read_text())
    by = doc["expected_unmet_by_commodity"]
    assert set(by) == {"crude_oil", "pipeline_gas"}  # LNG is never short
    assert {c: v["unit"] for c, v in by.items()} == {"crude_oil": "Mt", "pipeline_gas": "bcm"}
    lost = doc["expected_not_supplied_by_commodity"]
    runs = res.table[res.table["scenario"] > 0]
    assert lost == {"lng": {"volume": pytest.approx(runs["not_supplied_lng_mt"].mean()),
                            "unit": "Mt"}}  # fmt: skip
    assert lost["lng"]["volume"] > 0
    assert doc["expected_unmet_pj"] == {"value": pytest.approx(runs["unmet_pj"].mean()),
                                        "unit": "PJ"}  # fmt: skip
    assert doc["expected_cost_increase_usd"]["unit"] == "USD"
    assert doc["horizon_days"] == {"value": PERIODS * WEEK, "unit": "days"}
    assert {q["unit"] for q in doc["quantiles_pj"].values()} == {"PJ"}
    assert [p for p in units_everywhere(doc) if p not in (".runs", ".not_optimal")] == []
    # the Python API keeps plain numbers
    assert res.stats["expected_unmet_by_commodity"]["crude_oil"] == by["crude_oil"]["volume"]
    ranking = pd.read_csv(tmp_path / "mc" / "ranking.csv")
    assert list(ranking.columns) == ["rank", "element", "label", "runs",
                                     "mean_unmet_when_drawn_pj", "mean_unmet_otherwise_pj",
                                     "excess_unmet_pj"]  # fmt: skip


def test_rows_without_units_are_not_resumed(nk: Path) -> None:
    """A folder whose rows were written before the units (no rows_format) is refused with a
    message saying so; the folder's own rows resume."""
    out = nk / "out"
    meta = json.loads((out / META).read_text())
    assert meta["rows_format"] == ROWS_FORMAT
    args = {"k": 1, "element_classes": "chokepoint,terminal", "resume": True}
    again = run_sweep(weekly(nk / "case"), out, **args)
    assert again.solved == 0 and list(again.table.columns) == COLUMNS
    (out / META).write_text(json.dumps({k: v for k, v in meta.items() if k != "rows_format"}))
    with pytest.raises(corridors.CorridorsError, match="another version of corridors"):
        run_sweep(weekly(nk / "case"), out, **args)
