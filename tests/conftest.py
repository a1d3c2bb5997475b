"""Every solve in the tests goes through the invariant checker."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import corridors.api  # noqa: E402
from corridors.check import check_invariants  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(autouse=True)
def _invariants_on_every_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    original = corridors.api.make_result

    def checked(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = original(*args, **kwargs)
        problems = check_invariants(result)
        assert not problems, f"invariants violated: {problems}"
        return result

    monkeypatch.setattr(corridors.api, "make_result", checked)
