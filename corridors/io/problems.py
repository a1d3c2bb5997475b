"""Pydantic validation errors as :class:`~corridors.errors.Problem` s that name the file, the
key and the fix: key paths (``supply[2].node``), "did you mean" for unknown keys, and one
problem for a value that fits no member of a union (``must be a name or a list of names``).

Part of :mod:`corridors.io.scenario` (which re-exports every name here).
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from corridors.errors import Problem, pydantic_message, suggest
from corridors.io.schema import Scenario


def _loc_str(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes an annotation may hold (through Optional, tuple, dict, Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, tuple, list, dict):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis:
                out.extend(_unwrap(arg))
        return out
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model at ``loc`` (for 'did you mean' on unknown keys)."""
    models: list[Any] = [Scenario]
    for part in loc:
        if isinstance(part, int):
            continue
        nxt: list[Any] = []
        for model in models:
            field = model.model_fields.get(part)
            if field is not None:
                nxt.extend(_unwrap(field.annotation))
            elif model is Scenario or not model.model_fields:
                pass
        if not nxt:
            # dict values (commodities.<name>) keep the value type of the dict
            for model in models:
                for f in model.model_fields.values():
                    if typing.get_origin(f.annotation) is dict:
                        nxt.extend(_unwrap(f.annotation))
        models = nxt or models
    keys: list[str] = []
    for model in models:
        keys.extend(k for k in model.model_fields if k != "source")
    return keys


def _pydantic_problems(exc: ValidationError, file: str, skip_missing: bool) -> list[Problem]:
    problems = []
    # A value that fits no member of a union (``target: str | list``) gets one error per
    # member, at locations tagged with the member type; collect them to report it once.
    unions: dict[tuple[Any, ...], list[tuple[tuple[Any, ...], dict[str, Any]]]] = {}
    for err in exc.errors():
        loc = tuple(err["loc"])
        split = _split_union(loc)
        if split is not None:
            prefix, rest = split
            unions.setdefault(prefix, []).append((rest, dict(err)))
            continue
        problem = _problem(file, loc, dict(err), skip_missing)
        if problem is not None:
            problems.append(problem)
    for prefix, members in unions.items():
        deeper = [(r, e) for r, e in members if r]
        if deeper:  # the value had the shape of one member (a list): report its items
            for rest, detail in deeper:
                problem = _problem(file, _strip_tags(prefix + rest), detail, skip_missing)
                if problem is not None:
                    problems.append(problem)
            continue
        errs = [e for _, e in members]
        specific = [e for e in errs if not e["type"].endswith(("_type", "_parsing"))]
        if specific:
            problem = _problem(file, prefix, specific[0], skip_missing)
            if problem is not None:
                problems.append(problem)
            continue
        names = []
        for e in errs:
            name = _UNION_NAMES.get(e["type"].split("_", 1)[0], "a valid value")
            if name not in names:
                names.append(name)
        msg = "must be " + " or ".join(names)
        value = errs[0].get("input")
        if not isinstance(value, dict | list | tuple):
            msg += f" (got {value!r})"
        problems.append(Problem(file, _loc_str(prefix), msg))
    # de-duplicate while keeping order
    seen: set[str] = set()
    unique = []
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            unique.append(p)
    return unique


def _problem(
    file: str, loc: tuple[Any, ...], err: dict[str, Any], skip_missing: bool
) -> Problem | None:
    kind = err["type"]
    if kind == "missing" and skip_missing:
        return None
    key = _loc_str(loc)
    if kind == "extra_forbidden":
        bad = str(loc[-1])
        hint = suggest(bad, _allowed_keys(loc[:-1]))
        msg = f"unknown key '{bad}'{hint}"
    elif kind == "missing":
        msg = "required key is missing"
    else:
        msg = pydantic_message(err)
    return Problem(file, key, msg)


# Where pydantic puts union member tags in a location; user keys (commodity names) can
# look like them, so they are never taken for tags.
_UNION_TAGS = {"str", "tuple[str, ...]", "int", "date", "float", "none"}
_USER_KEYS = {"commodities": 1, "emission_factors": 2}
# error type prefix -> what the member accepts, for "must be a name or a list of names"
_UNION_NAMES = {
    "string": "a name",
    "tuple": "a list of names",
    "int": "a period number",
    "date": "a date (YYYY-MM-DD)",
    "float": "a number",
}


def _is_tag(loc: tuple[Any, ...], i: int) -> bool:
    part = loc[i]
    if not isinstance(part, str):
        return False
    if i > 0 and isinstance(loc[0], str) and 1 <= i <= _USER_KEYS.get(loc[0], 0):
        return False
    return part in _UNION_TAGS or part.startswith(("function-", "tagged-union["))


def _split_union(loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    """``(where, rest)`` around the first union member tag in ``loc``, or None."""
    for i in range(len(loc)):
        if _is_tag(loc, i):
            return loc[:i], loc[i + 1 :]
    return None


def _strip_tags(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(p for i, p in enumerate(loc) if not _is_tag(loc, i))
