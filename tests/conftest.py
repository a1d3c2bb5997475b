"""Every solve in the tests goes through the invariant checker.

The checker is switched on explicitly through its documented environment variable
(:data:`corridors.core.check.CHECK_ENV`), so it also reaches solves in worker processes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corridors.core.check import CHECK_ENV

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(autouse=True)
def _invariants_on_every_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHECK_ENV, "1")
