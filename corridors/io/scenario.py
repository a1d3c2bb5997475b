"""Scenario YAML: loading, ``extends:`` overrides, and errors that name the file, the key
and the fix.

``extends: base.yaml`` makes a file a named override of another: mappings merge key by key,
``supply``/``demand``/``storage`` entries merge by ``(node, commodity)``, ``disruptions`` are
appended, anything else is replaced. Every problem in every file of the chain is collected and
raised together as one :class:`~corridors.errors.ScenarioError`. The models themselves are in
:mod:`corridors.io.schema`.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ValidationError

from corridors.errors import Problem, ScenarioError, pydantic_message, suggest
from corridors.io.schema import (
    Scenario,
)

_KEYED_LISTS = ("supply", "demand", "storage")
_APPENDED_LISTS = ("disruptions",)


# --------------------------------------------------------------------------- loading


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader (no object-constructing tags) that also refuses duplicate keys,
    which plain YAML loading resolves silently by keeping the last one."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:  # unhashable key: let the safe loader report it
            break
        if duplicate:
            first = seen[key].start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key '{key}' (first given on line {first}); merge the two",
                key_node.start_mark,
            )
        seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(str(path), "", "scenario file not found; check the path"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), "", f"cannot read file: {exc}"))
        return None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = f"YAML error: {exc.problem or exc}"
        if exc.problem and "constructor for the tag" in exc.problem:
            tag = exc.problem.rpartition("tag ")[2].replace("tag:yaml.org,2002:", "!!")
            what = f"YAML tag {tag} is not allowed; a scenario holds plain values only"
        problems.append(Problem(str(path), where, what))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(str(path), "", f"YAML error: {exc}"))
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(
            Problem(str(path), "", "a scenario must be a mapping of keys (name:, network:, ...)")
        )
        return None
    return data


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


def _resolve_paths(raw: dict[str, Any], base: Path) -> None:
    net = raw.get("network")
    if isinstance(net, dict):
        for key in ("nodes", "links", "basemap"):
            value = net.get(key)
            if isinstance(value, str) and value:
                net[key] = str((base / value).resolve())


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = dict(parent)
    for key, value in child.items():
        if key in _KEYED_LISTS and isinstance(value, list) and isinstance(out.get(key), list):
            merged: dict[Any, Any] = {}
            for entry in list(out[key]) + list(value):
                if isinstance(entry, dict):
                    merged[(entry.get("node"), entry.get("commodity"))] = entry
                else:
                    merged[id(entry)] = entry
            out[key] = list(merged.values())
        elif key in _APPENDED_LISTS and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = list(out[key]) + list(value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario YAML file, following its ``extends:`` chain.

    Raises :class:`ScenarioError` listing every problem found in every file of the chain.
    """
    path = Path(path)
    problems: list[Problem] = []
    chain: list[tuple[Path, dict[str, Any]]] = []
    seen: list[Path] = []
    current: Path | None = path
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            cycle = " -> ".join(p.name for p in [*seen, resolved])
            problems.append(
                Problem(
                    str(current), "extends", f"scenario extends itself ({cycle}); remove the loop"
                )
            )
            break
        seen.append(resolved)
        raw = _read_yaml(current, problems)
        if raw is None:
            break
        chain.append((current, raw))
        ext = raw.get("extends")
        if ext is None:
            current = None
        elif not isinstance(ext, str) or not ext.strip():
            problems.append(Problem(str(current), "extends", "must be a path to a scenario file"))
            current = None
        else:
            parent = current.parent / ext
            if not parent.exists():
                problems.append(
                    Problem(
                        str(current),
                        "extends",
                        f"file not found: {ext} (paths are relative to {current.name})",
                    )
                )
                current = None
            else:
                current = parent

    for file, raw in chain:
        _resolve_paths(raw, file.parent)
        try:
            Scenario.model_validate(raw)
        except ValidationError as exc:
            # A file that extends another may leave out anything its parent gives.
            partial = raw.get("extends") is not None
            problems.extend(_pydantic_problems(exc, str(file), skip_missing=partial))
    if problems:
        raise ScenarioError(problems)

    merged: dict[str, Any] = {}
    for _file, raw in reversed(chain):
        merged = _merge(merged, raw)
    merged.pop("extends", None)
    origins = [
        (str(file), j)
        for file, raw in reversed(chain)
        if isinstance(raw.get("disruptions"), list)
        for j in range(len(raw["disruptions"]))
    ]
    try:
        scenario = Scenario.model_validate(
            {**merged, "source": path, "disruption_origins": origins}
        )
    except ValidationError as exc:
        raise ScenarioError(_pydantic_problems(exc, str(path), skip_missing=False)) from None
    _check_internal(scenario, str(path))
    return scenario


def _check_internal(s: Scenario, file: str) -> None:
    """Checks that need only the scenario (network checks live in network.py)."""
    problems: list[Problem] = []
    known = set(s.commodities)
    for key in ("supply", "demand", "storage"):
        for i, entry in enumerate(getattr(s, key)):
            if entry.commodity not in known:
                problems.append(
                    Problem(
                        file,
                        f"{key}[{i}].commodity",
                        f"unknown commodity '{entry.commodity}'{suggest(entry.commodity, known)}",
                    )
                )
    for key in ("supply", "demand", "storage"):
        seen: dict[tuple[str, str], int] = {}
        for i, entry in enumerate(getattr(s, key)):
            k = (entry.node, entry.commodity)
            if k in seen:
                problems.append(
                    Problem(
                        file,
                        f"{key}[{i}]",
                        f"duplicate entry for {k[0]}/{k[1]} (also {key}[{seen[k]}])",
                    )
                )
            seen[k] = i
    for mode, table in s.emission_factors.items():
        for com in table:
            if com not in known:
                problems.append(
                    Problem(
                        file,
                        f"emission_factors.{mode}.{com}",
                        f"unknown commodity '{com}'{suggest(com, known)}",
                    )
                )
    for com in s.speeds:
        if com not in known:
            problems.append(
                Problem(file, f"speeds.{com}", f"unknown commodity '{com}'{suggest(com, known)}")
            )
    for key in ("max_share", "min_suppliers", "max_hhi"):
        for i, entry in enumerate(getattr(s.policy, key)):
            if entry.commodity != "all" and entry.commodity not in known:
                problems.append(
                    Problem(
                        file,
                        f"policy.{key}[{i}].commodity",
                        f"unknown commodity '{entry.commodity}'"
                        f"{suggest(entry.commodity, [*known, 'all'])}; use a commodity or 'all'",
                    )
                )
    for i, d in enumerate(s.disruptions):
        efile, ekey = s.event_location(i)
        for key in ("start", "end"):
            value = getattr(d, key)
            if isinstance(value, int) and not 1 <= value <= s.horizon.periods:
                problems.append(
                    Problem(
                        efile,
                        f"{ekey}.{key}",
                        f"period {value} is outside the horizon (1..{s.horizon.periods})",
                    )
                )
            if isinstance(value, dt.date) and s.horizon.start is None:
                problems.append(Problem(efile, f"{ekey}.{key}", "a date needs horizon.start"))
    if problems:
        raise ScenarioError(problems)
