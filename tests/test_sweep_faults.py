"""Sweeps under faults, with real signals and real processes: Ctrl-C and --resume, a Dask
worker killed mid-batch, a second writer and a stale lock, a folder that cannot be written."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import local_cluster, one_error_line, sweep_command
from faulty import KILL_ONCE_ENV, dying_batch
from sweepnets import rich_network
from test_prune import assert_same_rows

from corridors.analysis import sweep
from corridors.analysis.checkpoint import LOCK, VECTORS, VectorFile


@pytest.fixture(scope="module")
def long_sweep(tmp_path_factory):
    """A network whose k = 2 sweep (3,656 cases, 24 periods) takes about a second pruned and
    11 s solving every case (measured 2026-12-03), and its rows from one uninterrupted
    in-process run."""
    tmp = tmp_path_factory.mktemp("long")
    path = rich_network(tmp / "net", 5, n=30, extra=60, periods=24, event_start=None)
    sweep.run_sweep(path, tmp / "whole", k=2)
    return path, pd.read_csv(tmp / "whole" / "sweep.csv")


def lines_of(folder: Path) -> list[dict]:
    return [json.loads(x) for x in (folder / sweep.CHECKPOINT).read_text().splitlines()]


def wait_for_rows(folder: Path, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    ckpt = folder / sweep.CHECKPOINT
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if ckpt.exists() and ckpt.read_bytes().count(b"\n") >= n:
            return
        time.sleep(0.01)
    raise AssertionError(f"the sweep did not reach {n} rows (exit code {proc.poll()})")


def session_processes(sid: int) -> list[int]:
    """Live (not zombie) processes of session ``sid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            out.append(int(entry.name))
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_stops_within_a_second_and_resume_completes_exactly(tmp_path, long_sweep, workers):
    """SIGINT to the whole process group (a terminal's Ctrl-C): exit 130 within a second,
    one line with the cases kept and the resume command, no worker left behind; --resume
    then gives the rows of an uninterrupted run and solves no case twice."""
    path, whole = long_sweep
    out = tmp_path / "o"
    cmd = sweep_command(path, out, "--workers", str(workers))
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    wait_for_rows(out, 400, proc)
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 130, stderr
    assert elapsed < 1.0, f"took {elapsed:.2f} s to stop"
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    m = re.fullmatch(r"interrupted: (\d+) of (\d+) cases kept in (.+); resume with: (.+)", lines[0])
    assert m, lines[0]
    kept, total = int(m[1]), int(m[2])
    assert 0 < kept < total == len(whole)
    assert m[4].endswith("--resume") and str(out) in m[4]
    time.sleep(0.5)
    assert session_processes(proc.pid) == [], "worker processes survived the interrupt"
    assert not (out / LOCK).exists()
    before = lines_of(out)
    assert len({r["scenario"] for r in before if r["scenario"] >= 0}) == kept
    solved_before = sum(1 for r in before if "rule" not in r)

    done = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # the cases solved after the restart start from other bases: HiGHS's optima then agree
    # within its tolerances (1e-7 on feasibility; measured up to 1.5e-7 on objectives here)
    assert_same_rows(pd.read_csv(out / "sweep.csv"), whole, rtol=1e-6)
    after = lines_of(out)
    ids = [r["scenario"] for r in after if r["scenario"] >= 0]
    assert sorted(ids) == list(range(total))  # every case once, none lost
    now = int(re.search(r"\((\d+) solved now", done.stdout)[1])
    meta = json.loads((out / sweep.META).read_text())
    assert solved_before + now == meta["solved"] + meta["helper_solves"]  # none solved twice


def test_dask_worker_killed_mid_batch_is_retried_elsewhere(tmp_path, monkeypatch):
    """A Dask worker process dies halfway through a batch (os._exit): the scheduler runs the
    batch on another worker, and every case is in the checkpoint exactly once."""
    distributed = pytest.importorskip("distributed")
    path = rich_network(tmp_path / "net", 2, periods=4, event_start=3)
    local = sweep.run_sweep(path, tmp_path / "local", k=2)
    marker = tmp_path / "killed"
    monkeypatch.setenv(KILL_ONCE_ENV, str(marker))  # before the workers start: they inherit it
    with local_cluster(distributed) as cluster:
        res = sweep.run_sweep(
            path,
            tmp_path / "dask",
            k=2,
            scheduler=cluster.scheduler_address,
            batch_size=10,
            batch_runner=dying_batch,
        )
    assert marker.exists(), "the injected fault should have killed one worker"
    assert_same_rows(res.table, local.table, rtol=1e-6)  # other processes, other warm starts
    ids = [r["scenario"] for r in lines_of(tmp_path / "dask") if r["scenario"] >= 0]
    assert sorted(ids) == list(range(len(local.table)))


def test_a_second_sweep_into_the_same_folder_refuses_at_once(tmp_path, long_sweep):
    path, whole = long_sweep
    out = tmp_path / "o"
    # the first sweep solves every case (--no-prune, the same rows): pruned, this network's
    # sweep is over in about a second, before a second process has even started
    first = subprocess.Popen(
        sweep_command(path, out, "--no-prune"), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for_rows(out, 50, first)
        lock = (out / LOCK).read_text().split()
        assert int(lock[0]) == first.pid
        t0 = time.monotonic()
        second = subprocess.run(
            sweep_command(path, out), capture_output=True, text=True, timeout=60
        )
        one_error_line(second)
        assert f"pid {first.pid}" in second.stderr and str(out) in second.stderr
        assert "another sweep is writing to this folder" in second.stderr
        assert first.poll() is None, "the first sweep should still be running"
        assert time.monotonic() - t0 < 30
    finally:
        first.wait(timeout=300)
    assert first.returncode == 0
    ids = [r["scenario"] for r in lines_of(out) if r["scenario"] >= 0]
    assert sorted(ids) == list(range(len(whole)))  # no row of the second one
    assert_same_rows(pd.read_csv(out / "sweep.csv"), whole)
    assert not (out / LOCK).exists()


def test_a_stale_lock_is_taken_over(tmp_path):
    path = rich_network(tmp_path / "net", 3, periods=1, event_start=None)
    out = tmp_path / "o"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / LOCK).write_text(f"{dead.pid} {os.uname().nodename} 2026-01-01T00:00:00\n")
    notes: list[str] = []
    res = sweep.run_sweep(path, out, k=1, notice=notes.append)
    assert len(res.table) > 1
    assert notes and "stale lock" in notes[0] and str(dead.pid) in notes[0]
    assert not (out / LOCK).exists()
    # and a sweep killed with SIGKILL leaves its lock behind, which --resume takes over
    cmd = sweep_command(path, tmp_path / "k")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not (tmp_path / "k" / LOCK).exists() and time.time() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (tmp_path / "k" / LOCK).exists()
    done = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "k" / LOCK).exists()


def namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        [
            "unshare",
            "-rm",
            "sh",
            "-c",
            "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || "
            "mount -t tmpfs -o size=64k tmpfs /tmp",
        ],
        capture_output=True,
    )
    return probe.returncode == 0


def in_namespace(script: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``script`` with sh in a new user and mount namespace (root inside: it may mount
    file systems that vanish with it)."""
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=timeout
    )


def assert_whole_records(folder: Path) -> None:
    """Only whole records: every checkpoint line parses, the optima file holds whole
    records, no temporary or final file, no lock."""
    names = {p.name for p in folder.iterdir()}
    assert not names & {"sweep.csv", "ranking.csv", LOCK}, names
    assert not [n for n in names if ".tmp" in n], names
    text = (folder / sweep.CHECKPOINT).read_bytes()
    assert text == b"" or text.endswith(b"\n")
    for line in text.splitlines():
        json.loads(line)
    if (folder / VECTORS).exists():
        raw = (folder / VECTORS).read_bytes()
        magic = VectorFile.MAGIC
        assert raw.startswith(magic)
        ncol, nrow = np.frombuffer(raw[len(magic) : len(magic) + 16], dtype=np.int64)
        body = len(raw) - len(magic) - 16
        assert body % (8 * (1 + int(ncol) + int(nrow))) == 0, "a torn optimum record"


def test_a_read_only_folder_is_a_one_line_error_naming_it(tmp_path):
    path = rich_network(tmp_path / "net", 3, periods=1, event_start=None)
    ro = tmp_path / "ro"
    ro.mkdir()
    targets = [ro, ro / "inside"]
    if os.geteuid() != 0:
        ro.chmod(0o555)
        try:
            procs = [
                subprocess.run(sweep_command(path, t), capture_output=True, text=True)
                for t in targets
            ]
        finally:
            ro.chmod(0o755)
    else:  # root writes anywhere: a read-only mount in a private namespace
        if not namespaces_work():
            pytest.skip("needs a read-only folder: not root, or unshare with mount rights")
        procs = []
        for t in targets:
            script = (
                f"mount -t tmpfs -o ro,size=64k tmpfs {ro} && "
                f"{' '.join(sweep_command(path, t))}; echo rc=$? >&2; ls -A {ro} >&2"
            )
            procs.append(in_namespace(script))
    for t, proc in zip(targets, procs, strict=True):
        err = proc.stderr
        if os.geteuid() == 0:
            assert "rc=2" in err, err
            err_lines = [x for x in err.splitlines() if x.startswith("error:")]
            listing = err.split("rc=2", 1)[1].strip()
            assert listing == "", f"files were left: {listing}"
        else:
            assert proc.returncode == 2, err
            err_lines = err.strip().splitlines()
        assert len(err_lines) == 1 and "Traceback" not in err, err
        assert str(t) in err_lines[0] and "cannot write" in err_lines[0], err_lines[0]


def test_a_disk_that_fills_part_way_is_a_clean_error(tmp_path, long_sweep):
    """A 96 kB file system fills while the sweep writes: exit 2 naming the folder, only
    whole records left, no final file, no lock (the folder is copied out before the private
    mount vanishes)."""
    if not namespaces_work():
        pytest.skip("needs unshare with mount rights for a small file system")
    path, _ = long_sweep
    out, snap = tmp_path / "small", tmp_path / "snapshot"
    out.mkdir()
    snap.mkdir()
    script = (
        f"mount -t tmpfs -o size=96k tmpfs {out} && {' '.join(sweep_command(path, out))}; "
        f"echo rc=$? >&2; cp -a {out}/. {snap}/"
    )
    proc = in_namespace(script)
    assert "rc=2" in proc.stderr, proc.stderr
    errs = [x for x in proc.stderr.splitlines() if x.startswith("error:")]
    assert len(errs) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert str(out) in errs[0] and "No space left on device" in errs[0]
    assert_whole_records(snap)
    assert lines_of(snap), "the sweep should have written some cases before the disk filled"


def test_a_write_that_fails_part_way_leaves_whole_records(tmp_path, long_sweep):
    """The same with a file size limit (RLIMIT_FSIZE, no namespace needed): the kernel
    refuses the write that would pass 64 kB (File too large)."""
    path, _ = long_sweep
    out = tmp_path / "o"

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error instead of a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    proc = subprocess.run(
        sweep_command(path, out), capture_output=True, text=True, preexec_fn=limit
    )
    line = one_error_line(proc)
    assert str(out) in line and "File too large" in line
    assert_whole_records(out)
    assert lines_of(out)
    rest = subprocess.run([*sweep_command(path, out), "--resume"], capture_output=True, text=True)
    assert rest.returncode == 0, rest.stderr  # and the sweep finishes from what was kept
