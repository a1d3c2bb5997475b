"""Faults the tests inject into sweeps: a batch runner that kills its worker process once.

Importable by spawned worker processes (tests/ is on the path through pytest's
``pythonpath``, which spawned children inherit).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from corridors.analysis.sweep import Case, run_batch
from corridors.io.schema import Scenario

#: A file path: the first worker that finds it missing creates it and dies mid-batch.
KILL_ONCE_ENV = "CORRIDORS_TEST_KILL_ONCE"


def dying_batch(scenario: Scenario, cases: list[Case]) -> list[dict[str, Any]]:
    """:func:`run_batch`, except that the first call anywhere kills its process halfway."""
    marker = os.environ.get(KILL_ONCE_ENV)
    half = len(cases) // 2
    rows = run_batch(scenario, cases[:half])
    if marker and not os.path.exists(marker):
        Path(marker).write_text("killed once\n")
        os._exit(17)
    return rows + run_batch(scenario, cases[half:])
