"""Faults: kills during writing, solver limits, manifests, output containment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest
import yaml
from conftest import run_cli
from factory import diamond, random_network
from synthetic import generate

import corridors
from corridors.core.check import check_invariants

WRITER = textwrap.dedent(
    """
    import sys, numpy as np, pandas as pd
    from pathlib import Path
    from corridors.io.files import write_csv
    path = Path(sys.argv[1])
    i = 0
    while True:
        n = 20000 + (i % 7) * 3000
        df = pd.DataFrame({"i": np.full(n, i), "x": np.arange(n), "y": np.random.random(n)})
        write_csv(path, df)
        i += 1
    """
)


def test_kill_during_writing_never_leaves_a_half_file(tmp_path):
    target = tmp_path / "table.csv"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    for attempt in range(6):
        proc = subprocess.Popen([sys.executable, str(script), str(target)])
        time.sleep(1.5 + 0.13 * attempt)  # lands at different points of a write
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if target.exists():
            df = pd.read_csv(target)
            n = len(df)
            assert n in {20000 + k * 3000 for k in range(7)}, f"torn file with {n} rows"
            assert df["i"].nunique() == 1 and df["x"].iloc[-1] == n - 1
    # stray temporaries from killed writers are hidden dot-files, never the target itself
    assert all(
        p.name.startswith(".") for p in tmp_path.iterdir() if p.suffix == ".csv" and p != target
    )


def test_solver_time_limit_is_reported_never_optimal(tmp_path):
    path = generate(tmp_path / "syn", links=3000, seed=3)
    doc = yaml.safe_load(path.read_text())
    doc["solver"] = {"time_limit": 1e-6}
    path.write_text(yaml.safe_dump(doc))
    r = corridors.solve(path)
    assert r.status is corridors.Status.TIME_LIMIT
    assert not r.is_ok
    # the fast re-solve path of sweeps keeps the same limit
    prep = corridors.prepare(path)
    assert prep.runner.resolve(prep.availability).status is corridors.Status.TIME_LIMIT
    out = tmp_path / "out"
    proc = run_cli("-q", "run", path, "--out", out, timeout=120)
    assert proc.returncode == 1
    assert "time_limit" in proc.stdout and "optimal" not in proc.stdout.replace(
        "NOT proven optimal", ""
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "time_limit"
    assert summary["objective"] is None and summary["metrics"] is None


def test_manifest_records_what_reproduces_a_run(tmp_path):
    path = diamond(tmp_path)
    out = tmp_path / "out"
    corridors.run(path, out)
    man = json.loads((out / "manifest.json").read_text())
    assert man["scenario_sha256"] == corridors.load_scenario(path).fingerprint()
    assert man["status"] == "optimal"
    assert {"pyomo", "highspy", "corridors"} <= set(man["versions"])
    # a changed scenario gets another hash
    doc = yaml.safe_load(path.read_text())
    doc["demand"][0]["amount"] = 9
    path.write_text(yaml.safe_dump(doc))
    assert corridors.load_scenario(path).fingerprint() != man["scenario_sha256"]


def test_outputs_stay_in_the_chosen_folder_and_replace_links(tmp_path):
    path = diamond(tmp_path / "case", name="../../escape")
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    (out / "flows.csv").symlink_to(outside)
    before = set(tmp_path.rglob("*"))
    corridors.run(path, out)
    after = set(tmp_path.rglob("*"))
    new = {p for p in after - before if not p.is_relative_to(out)}
    assert not new, f"files written outside the output folder: {new}"
    assert outside.read_text() == "keep me"  # the link was replaced, not written through
    assert not (out / "flows.csv").is_symlink()


def test_random_networks_pass_invariants_under_random_disruptions(tmp_path):
    for seed in range(4):
        events = [{"target": f"n{seed + 3}", "capacity_factor": 0.3}]
        r = corridors.solve(random_network(tmp_path / f"r{seed}", seed=seed, disruptions=events))
        assert r.is_ok and check_invariants(r) == []


@pytest.mark.parametrize(
    "text", ["!!python/object/apply:os.system ['touch PWNED']\n", "a: !!python/name:os.system\n"]
)
def test_object_constructing_yaml_tags_are_rejected(tmp_path, text):
    path = tmp_path / "evil.yaml"
    path.write_text(text)
    with pytest.raises(corridors.CorridorsError, match="not allowed"):
        corridors.load_scenario(path)
    assert not (tmp_path / "PWNED").exists()


def test_written_files_follow_the_umask_and_keep_a_replaced_files_mode(tmp_path):
    from corridors.io.files import write_text

    script = (
        "import os, sys; from pathlib import Path; os.umask(int(sys.argv[2], 8));"
        "from corridors.io.files import write_text; write_text(Path(sys.argv[1]), 'x')"
    )
    for mask, mode in (("022", 0o644), ("002", 0o664), ("077", 0o600)):
        path = tmp_path / f"m{mask}.txt"
        subprocess.run([sys.executable, "-c", script, str(path), mask], check=True)
        assert path.stat().st_mode & 0o777 == mode, (mask, oct(path.stat().st_mode))
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    write_text(kept, "new")
    assert kept.read_text() == "new" and kept.stat().st_mode & 0o777 == 0o640
