"""User-facing errors: every problem names the file, the key and the fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's input."""

    file: str
    location: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        loc = f"{self.location}: " if self.location else ""
        return f"{where}{loc}{self.message}"


class CorridorsError(Exception):
    """An error caused by the user's input (bad file, unknown id, bad option).

    The CLI prints it without a traceback and exits with code 2. It carries every problem
    found, so that a user fixes a file in one pass.
    """

    def __init__(self, problems: Iterable[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("", "", problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ScenarioError(CorridorsError):
    """A scenario YAML file is invalid."""


class NetworkError(CorridorsError):
    """The geodata (nodes/links) are invalid."""


def suggest(word: str, choices: Iterable[str], n: int = 1) -> str:
    """Return ' (did you mean 'x'?)' for the closest choice, or '' when nothing is close."""
    matches = difflib.get_close_matches(str(word), sorted(set(map(str, choices))), n=n, cutoff=0.6)
    if not matches:
        return ""
    return " (did you mean " + " or ".join(f"'{m}'" for m in matches) + "?)"
