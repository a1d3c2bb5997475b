"""corridors export: LP and MPS files with readable names that solve to the run's optimum."""

from __future__ import annotations

from pathlib import Path

import highspy
import pytest
from conftest import run_cli

import corridors
from corridors.core.lp import MONEY_SCALE
from corridors.outputs.export import export_model

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _optimum(path: Path) -> float:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value


@pytest.mark.parametrize("name", ["baseline", "hormuz_closure"])
def test_mps_and_lp_files_solve_to_the_runs_optimum(tmp_path, name):
    scenario = SCENARIOS / f"{name}.yaml"
    paths = export_model(scenario, tmp_path, "lp,mps")
    assert [p.name for p in paths] == [f"{name}.lp", f"{name}.mps"]
    run = corridors.solve(scenario)
    for path in paths:
        assert _optimum(path) == pytest.approx(run.objective * MONEY_SCALE, rel=1e-9)
    lp = paths[0].read_text()
    assert lp.startswith("\\* corridors model of scenario")
    assert "million USD" in lp.splitlines()[0]
    # Pyomo's symbolic labels: the family, then the link id and the period
    assert "flow(power_of_siberia_1_1)" in lp
    assert "balance(" in lp


def test_export_command_and_its_errors(tmp_path):
    ok = run_cli("export", SCENARIOS / "baseline.yaml", "--format", "mps", "--out", tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "baseline.mps").is_file()
    assert not (tmp_path / "baseline.lp").exists()
    bad = run_cli("export", SCENARIOS / "baseline.yaml", "--format", "lp,mpz", "--out", tmp_path)
    assert bad.returncode == 2
    assert "unknown format 'mpz'" in bad.stderr and "did you mean 'mps'" in bad.stderr
    assert "Traceback" not in bad.stderr
