"""Every solve in the tests goes through the invariant checker.

The checker is switched on explicitly through its documented environment variable
(:data:`corridors.core.check.CHECK_ENV`), so it also reaches solves in worker processes.

Also the helpers the test modules share to run the command line and a Dask cluster.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from corridors.core.check import CHECK_ENV

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

#: The command line in a new process: ``python -m corridors``.
CORRIDORS = [sys.executable, "-m", "corridors"]


@pytest.fixture(autouse=True)
def _invariants_on_every_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHECK_ENV, "1")


def run_cli(
    *args: object, columns: int | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """``python -m corridors *args`` in a new process, its output captured as text.

    ``columns``: the terminal width, without colour (else the environment as it is);
    ``kwargs`` go to :func:`subprocess.run` (``cwd``, ``timeout``, ...).
    """
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"} if columns else None
    return subprocess.run(
        [*CORRIDORS, *map(str, args)], capture_output=True, text=True, env=env, **kwargs
    )


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The one line of a command refused as bad input: exit code 2, one line on stderr and
    no traceback."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def sweep_command(path: Path, out: Path, *extra: str) -> list[str]:
    """``corridors -q sweep`` of every pair of elements (k = 2) of ``path`` into ``out``."""
    return [*CORRIDORS, "-q", "sweep", str(path), "--k", "2", "--out", str(out), *extra]


def local_cluster(distributed: Any) -> Any:
    """A Dask cluster of two single-threaded worker processes on this machine, no dashboard
    (``distributed``: the module, imported by the test or skipped)."""
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
