"""Policy constraints: binding shares hold in the flows, the HHI bound is sound, the MILP,
infeasible targets named, the frontier raises cost monotonically, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli
from test_diversity import two_suppliers

from corridors.analysis import diversity as dv
from corridors.analysis.frontier import frontier, parse_metric, parse_range
from corridors.analysis.policy import period_energies
from corridors.api import solve, solve_prepared
from corridors.cli import app
from corridors.core.session import prepare
from corridors.core.status import Status
from corridors.errors import CorridorsError, ScenarioError
from corridors.io.scenario import load_scenario
from corridors.outputs.charts import plot_frontier


def _crude_share(result, country: str) -> float:  # type: ignore[no-untyped-def]
    sup = result.supply[result.supply["commodity"] == "crude_oil"]
    return float(sup.loc[sup["country"] == country, "supplied"].sum() / sup["supplied"].sum())


def test_max_share_binds_in_the_flows(tmp_path: Path) -> None:
    free = solve(two_suppliers(tmp_path / "a"))
    pol = {
        "max_share": [{"group": "supplier", "id": "AAA", "commodity": "crude_oil", "share": 0.3}]
    }
    r = solve(two_suppliers(tmp_path / "b", policy=pol))
    assert r.is_ok
    assert _crude_share(free, "AAA") == pytest.approx(0.6)
    assert _crude_share(r, "AAA") == pytest.approx(0.3)  # binding: AAA 3 Mt, CCC 7 Mt
    assert r.objective > free.objective
    rep = r.solver["policy"]
    assert len(rep) == 1 and rep[0]["binding"] and rep[0]["status"] == "binding"
    assert rep[0]["achieved"] == pytest.approx(0.3)
    # LP dual: one more percentage point = 0.1 Mt of AAA (10 + 3 links) instead of CCC (50 + 2)
    assert rep[0]["usd_per_point"] == pytest.approx(0.1 * (52 - 13), rel=1e-6)


@pytest.mark.parametrize(
    ("group", "ident", "expect"),
    [("corridor", "sea_route", 0.5), ("chokepoint", "k", 0.5), ("mode", "sea", 0.5),
     ("entry_point", "p", 0.5)],
)  # fmt: skip
def test_max_share_groups(tmp_path: Path, group: str, ident: str, expect: float) -> None:
    pol = {"max_share": [{"group": group, "id": ident, "commodity": "crude_oil", "share": 0.5}]}
    r = solve(two_suppliers(tmp_path, policy=pol))
    sh = dv.shares(r, group)
    got = sh[(sh["commodity"] == "crude_oil") & (sh["id"] == ident)]["share"].iloc[0]
    assert got == pytest.approx(expect)


def test_target_that_imports_cannot_meet_is_named(tmp_path: Path) -> None:
    """CCC can give only 3 Mt: AAA ≤ 50 % caps imports at 6 Mt, leaving 4 Mt unmet."""
    pol = {
        "max_share": [{"group": "supplier", "id": "AAA", "commodity": "crude_oil", "share": 0.5}]
    }
    path = two_suppliers(tmp_path, policy=pol)
    text = path.read_text().replace("max: 10", "max: 3")
    path.write_text(text)
    r = solve(path)
    assert r.is_ok
    assert r.unmet_by_commodity()["crude_oil"] == pytest.approx(4)
    assert r.solver["policy"][0]["status"] == "forces_unmet"


def test_infeasible_target_named_by_elastic_solve(tmp_path: Path) -> None:
    """AAA must deliver at least 6 Mt, yet at most 30 % of crude with CCC ≤ 10 Mt: infeasible;
    the other (satisfiable) target is not named."""
    pol = {
        "max_share": [
            {"group": "supplier", "id": "AAA", "commodity": "crude_oil", "share": 0.3, "name": "cap_aaa"},
            {"group": "corridor", "id": "land", "share": 0.99, "name": "land_ok"},
        ]
    }  # fmt: skip
    path = two_suppliers(tmp_path, policy=pol)
    path.write_text(path.read_text().replace("max: 6\n", "max: 6\n  min: 6\n"))
    assert load_scenario(path).supply[0].min == 6
    prep = prepare(path)
    r = solve_prepared(prep)
    assert r.status is Status.INFEASIBLE
    rep = {row["name"]: row for row in r.solver["policy"]}
    assert rep["cap_aaa"]["status"] == "violated"
    # 6 ≤ 0.3·10 + σ (imports cannot exceed the 10 Mt demand)  ->  σ = 3 Mt · 42.3 PJ/Mt
    assert rep["cap_aaa"]["violation"] == pytest.approx(3 * 42.3, rel=1e-6)
    assert rep["land_ok"]["status"] != "violated"
    # the model is restored: the same prep still solves to the same (infeasible) status
    assert solve_prepared(prep, report_policy=False).status is Status.INFEASIBLE


def test_max_hhi_is_conservative_and_tight(tmp_path: Path) -> None:
    """Unconstrained crude HHI is 0.52; a bound of 0.505 must hold exactly in the flows and the
    over-estimate may not cost more than 1/K of HHI."""
    K = 20
    pol = {
        "max_hhi": [{"group": "supplier", "commodity": "crude_oil", "hhi": 0.505, "breakpoints": K}]
    }
    r = solve(two_suppliers(tmp_path, policy=pol))
    s = _crude_share(r, "AAA")
    h = s**2 + (1 - s) ** 2
    assert h <= 0.505 + 1e-9
    assert h >= 0.505 - 1.0 / K
    e = period_energies(r, "supplier", "crude_oil")
    assert e["pj"].sum() == pytest.approx(10 * 42.3)
    # at a breakpoint the over-estimate is exact: shares 0.55/0.45 give HHI 0.505 on K = 20
    assert s == pytest.approx(0.55, abs=1e-6)


@pytest.mark.parametrize("group", ["supplier", "corridor"])
def test_binding_max_hhi_reads_its_limit(tmp_path: Path, group: str) -> None:
    """A binding max_hhi target's achieved value (policy.csv, summary.json ``policy``) is its
    limit: achieved() takes the shares of the same total as the constraint (Σ_i E_i,t, the
    group's total). Crude 6/4 (HHI 0.52) bound to 0.505 on K = 20 goes 0.55/0.45, on
    breakpoints of the over-estimate, where it is exact."""
    pol = {"max_hhi": [{"group": group, "commodity": "crude_oil", "hhi": 0.505,
                        "breakpoints": 20}]}  # fmt: skip
    r = solve(two_suppliers(tmp_path, policy=pol))
    (rep,) = r.solver["policy"]
    assert rep["status"] == "binding" and rep["binding"]
    assert rep["achieved"] == pytest.approx(0.505, abs=1e-6)
    assert _crude_share(r, "AAA") == pytest.approx(0.55, abs=1e-6)
    e = period_energies(r, group, "crude_oil")
    assert e["pj"].sum() == pytest.approx(e["total"].iloc[0])  # one denominator


def test_min_suppliers_milp(tmp_path: Path) -> None:
    """Two suppliers with at least 45 % each: AAA's cheap crude limited to 5.5 Mt."""
    pol = {"min_suppliers": [{"count": 2, "share": 0.45, "commodity": "crude_oil"}]}
    r = solve(two_suppliers(tmp_path, policy=pol))
    assert r.status is Status.OPTIMAL
    assert r.solver["mip"] is True and r.solver["mip_gap"] <= 1e-4
    assert _crude_share(r, "CCC") == pytest.approx(0.45)
    assert r.solver["policy"][0]["achieved"] == 2


def test_mip_stopped_early_is_not_optimal(tmp_path: Path) -> None:
    """A MIP stopped by a limit (no time at all, presolve off) is never reported optimal."""
    pol = {"min_suppliers": [{"count": 2, "share": 0.45, "commodity": "crude_oil"}]}
    prep = prepare(two_suppliers(tmp_path, policy=pol))
    prep.runner.highs.setOptionValue("presolve", "off")
    prep.runner.highs.setOptionValue("time_limit", 0.0)
    r = solve_prepared(prep)
    assert r.status is not Status.OPTIMAL and not r.is_ok
    assert r.solver["mip"] is True and r.solver["mip_gap"] is None  # no incumbent, no gap


def test_frontier_cost_monotone_and_binding(tmp_path: Path) -> None:
    path = two_suppliers(tmp_path)
    values = parse_range("0.6:0.2:5")
    table = frontier(path, "share:supplier:AAA:crude_oil", values)
    assert table["target"].isna().iloc[0] and len(table) == 6
    assert (table["status"] == "optimal").all()
    cost = table["objective_usd"].to_numpy()
    assert np.all(np.diff(cost) >= -1e-9)
    assert cost[-1] > cost[0]
    pts = table.iloc[1:]
    assert np.allclose(pts["achieved"], np.minimum(pts["target"], 0.6), atol=1e-9)
    png = plot_frontier(table, tmp_path / "frontier.png")
    assert Path(png).read_bytes()[:4] == b"\x89PNG"
    hhi = frontier(path, "hhi:supplier:crude_oil", [0.52, 0.51, 0.5])
    assert np.all(np.diff(hhi["objective_usd"]) >= -1e-9)
    assert (hhi["achieved"].iloc[1:] <= hhi["target"].iloc[1:] + 1e-9).all()


def test_bad_policy_input(tmp_path: Path) -> None:
    pol = {"max_share": [{"group": "corridor", "id": "lnd", "share": 0.5}]}
    with pytest.raises(
        ScenarioError,
        match=r"policy.max_share\[0\].id: unknown corridor 'lnd' \(did you mean 'land'\?\)",
    ):
        prepare(two_suppliers(tmp_path / "a", policy=pol))
    pol = {"max_share": [{"group": "supplier", "id": "AAB", "share": 0.5}]}
    with pytest.raises(ScenarioError, match="unknown supplier 'AAB'"):
        prepare(two_suppliers(tmp_path / "b", policy=pol))
    pol = {"max_share": [{"group": "supplier", "id": "AAA", "share": 1.5}]}
    with pytest.raises(ScenarioError, match=r"policy.max_share\[0\].share"):
        load_scenario(two_suppliers(tmp_path / "c", policy=pol))
    pol = {"min_suppliers": [{"count": 3, "share": 0.2}]}
    with pytest.raises(ScenarioError, match="only 2 countries"):
        prepare(two_suppliers(tmp_path / "d", policy=pol))
    with pytest.raises(ScenarioError, match="unknown chokepoint 'kk'"):
        prepare(two_suppliers(tmp_path / "e", risk={"chokepoint": {"kk": 0.5}}))
    with pytest.raises(CorridorsError, match="unknown group"):
        parse_metric("share:corrdor:south")
    with pytest.raises(CorridorsError, match=r"\[0, 1\]"):
        parse_range("1.2:0.5:3")


def test_cli_frontier_and_bad_input_exit_2(tmp_path: Path) -> None:
    path = two_suppliers(tmp_path)
    cmd = ["-q", "frontier", path]
    ok = run_cli(
        *cmd, "--metric", "share:supplier:AAA", "--range", "0.5:0.4:2", "--out", tmp_path / "f"
    )
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "f" / "frontier.csv").exists() and (tmp_path / "f" / "frontier.png").exists()
    bad = run_cli(*cmd, "--metric", "share:corridor:lnd")
    assert bad.returncode == 2
    assert "unknown corridor 'lnd'" in bad.stderr and "Traceback" not in bad.stderr
    assert app is not None
