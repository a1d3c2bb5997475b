"""corridors compare on the reference scenarios (baseline vs Hormuz closure) and bad folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SCENARIOS, run_cli

from corridors.analysis.compare import compare, markdown, read_run
from corridors.api import solve
from corridors.errors import CorridorsError
from corridors.io.resultdir import FORMAT_VERSION
from corridors.io.scenario import load_scenario
from corridors.outputs.comparison import write_comparison
from corridors.outputs.folder import write_outputs


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("runs")
    out = []
    for name in ("baseline", "hormuz_closure"):
        sc = load_scenario(SCENARIOS / f"{name}.yaml")
        sc = sc.with_updates(outputs={"map": False, "gpkg": False})
        write_outputs(solve(sc), root / name)
        out.append(root / name)
    return out


def _row(table, group: str, ident: str, metric: str, commodity: str = "all"):  # type: ignore[no-untyped-def]
    t = table
    hit = t[
        (t["commodity"] == commodity)
        & (t["group"] == group)
        & (t["id"] == ident)
        & (t["metric"] == metric)
    ]
    assert len(hit) == 1, (group, ident, metric)
    return hit.iloc[0]


def test_baseline_vs_hormuz(runs: list[Path], tmp_path: Path) -> None:
    table = compare(runs)
    b, h = "baseline", "hormuz_closure"
    hz = _row(table, "chokepoint", "hormuz", "share")
    assert hz[b] > 0.3 and hz[h] == 0.0
    assert hz[f"delta_{h}"] == pytest.approx(-hz[b])
    cost = _row(table, "cost", "", "objective_usd")
    assert cost[h] > cost[b]
    assert _row(table, "unmet", "", "unmet_pj")[b] == pytest.approx(0.0, abs=1e-6)
    assert _row(table, "unmet", "", "unmet_pj")[h] > 1000
    # closing Hormuz removes the Gulf suppliers: supply is more concentrated on the rest
    assert _row(table, "supplier", "", "hhi")[h] > _row(table, "supplier", "", "hhi")[b]
    # Iraq has no open bypass (Kirkuk-Ceyhan is shut): none of its crude arrives
    assert _row(table, "supplier", "IRQ", "share")[h] == 0.0
    # summary.json carries the same headline figures as diversity.csv
    summary = json.loads((runs[0] / "summary.json").read_text())
    assert summary["format_version"] == FORMAT_VERSION
    assert summary["diversity"]["all"]["hhi_supplier"] == pytest.approx(
        _row(table, "supplier", "", "hhi")[b], abs=1e-6
    )
    written = write_comparison(runs, tmp_path / "cmp")
    names = {p.name for p in written}
    assert {"comparison.csv", "comparison.md", "shares_supplier.png", "shares_corridor.png",
            "chokepoint_exposure.png", "cost_unmet.png"} <= names  # fmt: skip
    for p in written:
        if p.suffix == ".png":
            assert p.read_bytes()[:4] == b"\x89PNG" and p.stat().st_size > 5000
    md = (tmp_path / "cmp" / "comparison.md").read_text()
    assert "| all | chokepoint | hormuz | share |" in md and "hormuz_closure" in md


def test_same_horizon_is_compared_directly(runs: list[Path]) -> None:
    """Two annual runs: one horizon, so costs and volumes are compared as they are; the
    shortfall is of consumption, stock building given up apart."""
    table = compare(runs)
    h = "hormuz_closure"
    cost = _row(table, "cost", "", "objective_usd")
    assert cost[f"delta_{h}"] == pytest.approx(cost[h] - cost["baseline"])
    assert cost["note"] == "" and cost["basis"] == "horizon"
    window = _row(table, "cost", "", "objective_usd_window")
    assert window[h] == pytest.approx(cost[h])  # the window is the whole year
    short = _row(table, "window", "", "shortfall", "crude_oil")
    share = _row(table, "window", "", "shortfall_share", "crude_oil")
    given = _row(table, "window", "", "stock_building_given_up", "crude_oil")
    summary = json.loads((runs[1] / "summary.json").read_text())["balance"]["crude_oil"]
    assert short[h] == pytest.approx(summary["unmet"]["volume"], rel=1e-6)
    assert share[h] == pytest.approx(summary["unmet_share_of_consumption"]["value"], rel=1e-5)
    assert given[h] == pytest.approx(summary["stock_building_unmet"]["volume"], rel=1e-6)
    md = markdown(table)
    assert "Same horizon: costs and volumes over the whole horizon (a year)." in md
    assert "| total cost | USD " in md and "over the horizon; not discounted" in md


def test_bad_folders(runs: list[Path], tmp_path: Path) -> None:
    with pytest.raises(CorridorsError, match="result folder not found"):
        read_run(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorridorsError, match="no summary.json"):
        read_run(tmp_path / "empty")
    old = tmp_path / "old"
    old.mkdir()
    s = json.loads((runs[0] / "summary.json").read_text())
    s.pop("format_version")
    (old / "summary.json").write_text(json.dumps(s))
    with pytest.raises(CorridorsError, match="incompatible version"):
        read_run(old)
    r = run_cli("compare", runs[0], old, "--out", tmp_path / "o")
    assert r.returncode == 2
    assert "incompatible version" in r.stderr and "Traceback" not in r.stderr
