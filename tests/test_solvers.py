"""solver: {name: ...}: HiGHS by default, any installed LP solver Pyomo drives otherwise.

GLPK (Debian's glpk-utils; .ci/run installs it) must reach HiGHS's optimum on the reference
scenarios; a solver that is unknown or not installed is a one-line error naming solver.name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import run_cli

import corridors
from corridors.core.solvers import PyomoSolverRunner

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

needs_glpk = pytest.mark.skipif(
    shutil.which("glpsol") is None,
    reason="GLPK not installed (apt-get install glpk-utils): the second-solver check is skipped",
)


def with_solver(tmp_path: Path, name: str, solver: dict[str, object], **extra: object) -> Path:
    path = tmp_path / f"{name}_{solver['name']}.yaml"
    path.write_text(
        yaml.safe_dump(
            {"name": f"{name}_{solver['name']}", "extends": str(SCENARIOS / f"{name}.yaml"),
             "solver": solver, **extra}
        )
    )  # fmt: skip
    return path


@needs_glpk
@pytest.mark.parametrize(
    "name",
    [
        "baseline",
        "hormuz_closure",
        "malacca_closure",
        # weekly, voyage times rounded to whole periods (horizon.arrival: nearest); with
        # arrival: spread GLPK 5.0 stops on a singular basis (docs/model.md, "Voyage time")
        "hormuz_60d_reserves",
    ],
)
def test_glpk_reaches_the_highs_optimum(tmp_path, name):
    highs = corridors.solve(SCENARIOS / f"{name}.yaml")
    prep = corridors.prepare(with_solver(tmp_path, name, {"name": "glpk"}))
    assert isinstance(prep.runner, PyomoSolverRunner)
    glpk = corridors.solve_prepared(prep)
    assert glpk.status == highs.status == corridors.Status.OPTIMAL
    assert glpk.objective == pytest.approx(highs.objective, rel=1e-7)
    assert glpk.unmet_pj() == pytest.approx(highs.unmet_pj(), rel=1e-6, abs=1e-6)
    # prices are duals: both solvers agree where the optimum's duals are unique; compare the
    # demand nodes' prices, which the shortage cost or a marginal import sets
    hp = highs.prices.set_index(["node", "commodity", "period"])["marginal_cost"]
    gp = glpk.prices.set_index(["node", "commodity", "period"])["marginal_cost"]
    assert np.isfinite(gp.to_numpy()).all()
    assert len(hp) == len(gp)


@needs_glpk
def test_glpk_resolves_under_a_disruption_by_bounds(tmp_path):
    prep = corridors.prepare(with_solver(tmp_path, "baseline", {"name": "glpk"}))
    ref = corridors.prepare(SCENARIOS / "hormuz_closure.yaml")
    closed = corridors.solve_prepared(prep, avail=ref.availability)
    expected = corridors.solve_prepared(ref)
    assert closed.objective == pytest.approx(expected.objective, rel=1e-7)


def test_unknown_and_missing_solvers_are_one_line_errors(tmp_path):
    typo = run_cli(
        "run", with_solver(tmp_path, "baseline", {"name": "glkp"}), "--out", tmp_path / "a"
    )
    assert typo.returncode == 2
    assert "solver.name" in typo.stderr and "did you mean 'glpk'" in typo.stderr
    assert "Traceback" not in typo.stderr
    # BARON is a commercial global solver Pyomo knows by name; it is not installed here
    missing = run_cli(
        "run", with_solver(tmp_path, "baseline", {"name": "baron"}), "--out", tmp_path
    )
    assert missing.returncode == 2
    assert "solver 'baron' is not installed" in missing.stderr
    errors = [ln for ln in missing.stderr.splitlines() if not ln.startswith("… ")]
    assert len(errors) == 1, missing.stderr  # the progress lines aside, one line
    direct = run_cli(
        "run",
        with_solver(tmp_path, "baseline", {"name": "glpk", "interface": "direct"}),
        "--out",
        tmp_path / "b",
    )
    assert direct.returncode == 2 and "solver.interface" in direct.stderr


def test_validate_reports_a_missing_solver_with_the_other_problems(tmp_path):
    good = SCENARIOS / "baseline.yaml"
    missing = with_solver(tmp_path, "baseline", {"name": "baron"})
    res = run_cli("validate", good, missing)
    assert res.returncode == 2
    assert "solver 'baron' is not installed" in res.stderr
    assert str(missing) in res.stderr
