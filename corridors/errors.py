"""User-facing errors: every problem names the file, the key and the fix."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


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

    def __init__(self, problems: Iterable[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("", "", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
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


_TYPE_MESSAGES = {
    "model_type": "must be a mapping of keys (key: value)",
    "model_attributes_type": "must be a mapping of keys (key: value)",
    "dict_type": "must be a mapping of keys (key: value)",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
}


def pydantic_message(err: Mapping[str, Any]) -> str:
    """A short planner-readable message for one pydantic error (no location)."""
    kind = err.get("type", "")
    value = err.get("input")
    if kind in _TYPE_MESSAGES:
        msg = _TYPE_MESSAGES[kind]
    else:
        msg = str(err.get("msg", "invalid value"))
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix) :]
        if msg.startswith("Input should be "):
            msg = "must be " + msg[len("Input should be ") :]
        if kind.endswith("_parsing"):  # "..., unable to parse string as a number"
            msg = msg.split(",")[0]
        msg = msg.replace("greater than or equal to", "at least")
        msg = msg.replace("less than or equal to", "at most")
    if not isinstance(value, dict | list | tuple):
        msg += f" (got {value!r})"
    if kind == "literal_error" and isinstance(value, str):
        expected = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
        msg += suggest(value, expected)
    return msg
