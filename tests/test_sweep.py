"""Sweeps agree with independent solves; resume, worker death and Dask give the same files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import local_cluster, one_error_line, run_cli, sweep_command
from factory import diamond, random_network
from faulty import KILL_ONCE_ENV, dying_batch

import corridors
from corridors.analysis.sweep import CHECKPOINT, cvar, run_sweep


def independent(path, tmp_path, names: list[str]) -> corridors.Result:
    """Solve from scratch with the lost elements written as disruptions in a new YAML."""
    doc = yaml.safe_load(path.read_text())
    doc["disruptions"] = [{"target": n, "capacity_factor": 0.0} for n in names]
    p = path.parent / f"indep_{abs(hash(tuple(names)))}.yaml"
    p.write_text(yaml.safe_dump(doc))
    return corridors.solve(p)


def test_nk_sweep_matches_independent_solves(tmp_path):
    path = random_network(tmp_path / "net", seed=3)
    res = run_sweep(path, tmp_path / "out", k=2, element_classes="pipeline,chokepoint,supplier")
    table = res.table
    base = corridors.solve(path)
    assert table.loc[0, "elements"] == "" and table.loc[0, "objective_usd"] == pytest.approx(
        base.objective
    )
    rng = np.random.default_rng(0)
    picks = [1, 2, *rng.choice(np.arange(3, len(table)), 12, replace=False)]
    for i in picks:
        row = table.loc[int(i)]
        names = row["elements"].split(";")
        r = independent(path, tmp_path, names)
        assert row["unmet_pj"] == pytest.approx(r.unmet_pj(), abs=1e-6), names
        assert row["cost_increase_usd"] == pytest.approx(
            r.objective - base.objective, rel=1e-9, abs=1e-6
        )
        assert row["status"] == "optimal"
    # the files: columns as documented, every figure named with its unit (crude only is
    # demanded here; tests/test_sweep_units.py has gas and LNG)
    csv = pd.read_csv(tmp_path / "out" / "sweep.csv")
    assert list(csv.columns) == [
        "scenario",
        "elements",
        "unmet_pj",
        "unmet_crude_oil_mt",
        "cost_increase_usd",
        "status",
        "objective_usd",
    ]
    n_elem = len(res.ranking)
    assert len(csv) == 1 + n_elem + n_elem * (n_elem - 1) // 2
    rk = pd.read_csv(tmp_path / "out" / "ranking.csv")
    assert rk["unmet_alone_pj"].is_monotonic_decreasing


def test_k_larger_than_elements_is_a_user_error(tmp_path):
    path = diamond(tmp_path)
    with pytest.raises(corridors.CorridorsError, match="larger than"):
        run_sweep(path, tmp_path / "o", k=5, element_classes="chokepoint")
    with pytest.raises(corridors.CorridorsError, match="at least 1"):
        run_sweep(path, tmp_path / "o", k=0)
    with pytest.raises(corridors.CorridorsError, match="did you mean 'chokepoint'"):
        run_sweep(path, tmp_path / "o", k=1, element_classes="chokepont")


def test_local_workers_and_worker_death_give_identical_files(tmp_path, monkeypatch):
    path = random_network(tmp_path / "net", seed=5)
    run_sweep(path, tmp_path / "one", k=2, batch_size=40)
    marker = tmp_path / "killed"
    monkeypatch.setenv(KILL_ONCE_ENV, str(marker))
    run_sweep(path, tmp_path / "two", k=2, workers=2, batch_size=40, batch_runner=dying_batch)
    assert marker.exists(), "the injected fault should have killed one worker"
    a = pd.read_csv(tmp_path / "one" / "sweep.csv")
    b = pd.read_csv(tmp_path / "two" / "sweep.csv")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-7)
    ids = [
        int(line.split(",")[0].split(":")[1])
        for line in (tmp_path / "two" / CHECKPOINT).read_text().splitlines()
    ]
    assert len(ids) == len(set(ids)) == len(a)


def test_dask_cluster_gives_identical_files(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = random_network(tmp_path / "net", seed=7)
    run_sweep(path, tmp_path / "local", k=2, batch_size=50)
    with local_cluster(distributed) as cluster:
        run_sweep(path, tmp_path / "dask", k=2, scheduler=cluster.scheduler_address, batch_size=50)
    a = pd.read_csv(tmp_path / "local" / "sweep.csv")
    b = pd.read_csv(tmp_path / "dask" / "sweep.csv")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-7)


def test_killed_sweep_resumes_without_loss_or_repeat(tmp_path):
    path = random_network(tmp_path / "net", seed=11, n=16, extra_edges=45)
    full = tmp_path / "full"
    run_sweep(path, full, k=2)
    out = tmp_path / "killed"
    cmd = sweep_command(path, out)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ckpt = out / CHECKPOINT
    deadline = time.time() + 60
    while time.time() < deadline:
        if ckpt.exists() and ckpt.stat().st_size > 2000:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    n_before = len(ckpt.read_text().splitlines())
    expected = pd.read_csv(full / "sweep.csv")
    assert 0 < n_before < len(expected), "the kill should land mid-sweep"
    assert not (out / "sweep.csv").exists()
    done = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(out / "sweep.csv")
    pd.testing.assert_frame_equal(expected, got, check_exact=False, rtol=1e-9, atol=1e-7)
    lines = ckpt.read_text().splitlines()
    assert len(lines) == len(expected)  # nothing solved twice, nothing lost


def test_monte_carlo_is_reproducible_and_reports_cvar(tmp_path):
    events = [
        {"target": "n6", "capacity_factor": 0.0, "probability": 0.3, "duration_days": 120},
        {"target": "BBB", "capacity_factor": 0.0, "probability": 0.2},
    ]
    path = random_network(tmp_path / "net", seed=2, disruptions=events)
    a = run_sweep(path, tmp_path / "a", monte_carlo=60, seed=4)
    b = run_sweep(path, tmp_path / "b", monte_carlo=60, seed=4, workers=2, batch_size=10)
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=False, rtol=1e-9, atol=1e-7)
    runs = a.table[a.table["scenario"] > 0]
    assert a.stats["expected_unmet_pj"] == pytest.approx(runs["unmet_pj"].mean())
    assert a.stats["cvar_unmet_pj"] >= a.stats["quantiles_pj"]["0.95"] - 1e-9
    # each drawn run agrees with an independent solve of the same events
    row = runs[runs["elements"] != ""].iloc[0]
    assert row["status"] == "optimal"
    # the possible events do not touch a plain run
    assert corridors.solve(path).unmet_pj() == pytest.approx(a.table.loc[0, "unmet_pj"])


def test_cvar_on_hand_values():
    x = np.array([0, 0, 0, 0, 0, 0, 0, 0, 10, 30], dtype=float)
    assert cvar(x, 0.9) == pytest.approx(30.0)  # worst 10 %: one run
    assert cvar(x, 0.8) == pytest.approx(20.0)  # worst 20 %: two runs
    assert cvar(x, 0.75) == pytest.approx((30 + 10 + 0.5 * 0) / 2.5)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--k", "1", "--cvar", "1.5"], "--cvar must be between 0 and 1"),
        (["--k", "1", "--workers", "0"], "--workers must be at least 1"),
        (["--monte-carlo", "10"], "Monte Carlo needs events with a probability"),
        (["--k", "1", "--monte-carlo", "5"], "give either --k K"),
        (["--k", "1", "--elements", "chokepont"], "did you mean 'chokepoint'"),
        (["--k", "1", "--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
    ],
)
def test_sweep_option_errors_and_unreachable_scheduler_are_one_line_exit_2(tmp_path, args, message):
    path = diamond(tmp_path)
    proc = run_cli("-q", "sweep", path, *args, "--out", tmp_path / "o", timeout=120)
    one_error_line(proc)
    assert message in proc.stderr


def test_cli_prunes_by_default_and_no_prune_solves_every_case(tmp_path):
    """The same sweep.csv either way; sweep_meta.json counts cases, solved and reused, and
    the summary line says how many cases were solved and how many reused."""
    path = random_network(tmp_path / "net", seed=4)
    runs = {}
    for flag in ([], ["--no-prune"]):
        out = tmp_path / ("full" if flag else "pruned")
        proc = subprocess.run(
            sweep_command(path, out, *flag), capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, proc.stderr
        meta = json.loads((out / "sweep_meta.json").read_text())
        assert meta["cases"] == meta["solved"] + meta["reused"]
        assert f"({meta['solved']} solved now, {meta['reused']} reused)" in proc.stdout
        runs[bool(flag)] = (pd.read_csv(out / "sweep.csv"), meta)
    (pruned, pm), (full, fm) = runs[False], runs[True]
    assert fm["reused"] == 0 and fm["prune"] is False
    assert pm["reused"] > 0 and pm["solved"] < fm["solved"]
    pd.testing.assert_frame_equal(
        pruned, full, check_exact=False, check_dtype=False, rtol=1e-9, atol=1e-6
    )
    # a resume with the other setting is refused (the counts would not add up)
    proc = subprocess.run(
        sweep_command(path, tmp_path / "pruned", "--no-prune", "--resume"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2 and "other settings" in proc.stderr
