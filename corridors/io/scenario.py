"""Scenario YAML: loading, ``extends:`` overrides, and errors that name the file, the key
and the fix.

``extends: base.yaml`` makes a file a named override of another: mappings merge key by key,
``supply``/``demand``/``storage`` entries merge by ``(node, commodity)``, ``disruptions`` are
appended, anything else is replaced. Every problem in every file of the chain is collected and
raised together as one :class:`~corridors.errors.ScenarioError`. The models themselves are in
:mod:`corridors.io.schema`.

Problems of every stage are reported at once: a file with problems is not given up at the
first stage. :func:`read_scenario` sets its bad parts aside and builds the scenario from the
rest, and :func:`scenario_problems` checks that against the network and the later stages
(event targets, policy, solver: :data:`LATER_CHECKS`), so that an unknown storage node is
reported together with an unknown commodity, a typo'd key and an unknown event target.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ValidationError

from corridors.errors import (
    CorridorsError,
    NetworkError,
    Problem,
    ScenarioError,
    pydantic_message,
    suggest,
)
from corridors.io.network import Network, load_network
from corridors.io.schema import (
    Commodity,
    Demand,
    Disruption,
    Scenario,
    Season,
    Storage,
    Supply,
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


# --------------------------------------------------------------------------- salvage
#
# A file with problems is not given up at the first stage: its bad parts are set aside (an
# unknown key dropped, a bad optional value left at its default, a bad required value replaced
# by a placeholder) so that the later stages (the network, event targets, policy, solver) can
# still check everything else, and every problem of every stage is reported in one error.
# Problems that the later stages find about a part set aside are not reported: they would be
# echoes of the problem already reported there.

_ENTRY_MODELS: dict[str, type[BaseModel]] = {
    "supply": Supply,
    "demand": Demand,
    "storage": Storage,
    "disruptions": Disruption,
    "seasons": Season,
}
#: Values that stand in for a bad required value while the rest is checked (never reported).
_PLACEHOLDERS: dict[str, Any] = {
    "node": "",
    "commodity": "",
    "target": "",
    "max": 0.0,
    "amount": 0.0,
    "capacity": 0.0,
    "max_withdrawal": 0.0,
    "months": [1],
}
_PLACEHOLDER_COMMODITY = {"unit": "?", "pj_per_unit": 1.0, "shortage_cost": 0.0}
_PLACEHOLDER_NETWORK = {"nodes": "", "links": ""}
_NETWORK_OPTIONAL = ("basemap",)
#: Salvage rounds: each fixes every error pydantic reports; a fix can only reveal errors of
#: the same entry one level up (a removed key that was required), so a few rounds suffice.
_SALVAGE_ROUNDS = 6


def _required(model: type[BaseModel]) -> set[str]:
    return {name for name, f in model.model_fields.items() if f.is_required()}


@dataclass
class _Salvage:
    """What one file's salvage set aside: ``left_out`` top-level sections not as written,
    ``unchecked`` key paths (``supply[2].node``) holding a placeholder or left out."""

    left_out: set[str] = field(default_factory=set)
    unchecked: set[str] = field(default_factory=set)


def _fix(data: dict[str, Any], loc: tuple[Any, ...], kind: str, out: _Salvage) -> bool:
    """Set aside the part of ``data`` that error ``(loc, kind)`` is about; False if it cannot."""
    if not loc or not isinstance(loc[0], str):
        return False
    top = loc[0]
    if len(loc) == 1:
        if top == "name":
            data[top] = "?"
        elif top == "network":
            data[top] = dict(_PLACEHOLDER_NETWORK)
        elif top == "commodities":
            data[top] = {}
        else:
            data.pop(top, None)
        out.left_out.add(top)
        out.unchecked.add(top)
        return True
    section = data.get(top)
    if top in _ENTRY_MODELS and isinstance(section, list) and isinstance(loc[1], int):
        i = loc[1]
        if not 0 <= i < len(section):
            return False
        return _fix_entry(section, i, loc[2:], kind, _ENTRY_MODELS[top], f"{top}[{i}]", out)
    if top == "commodities" and isinstance(section, dict) and loc[1] in section:
        section[loc[1]] = dict(_PLACEHOLDER_COMMODITY)  # the name stays known
        return True
    if (
        top == "network"
        and isinstance(section, dict)
        and (kind == "extra_forbidden" or loc[1] in _NETWORK_OPTIONAL)
    ):
        section.pop(loc[1], None)  # a typo'd or bad key that no later check needs
        out.unchecked.add(_loc_str(loc[:2]))
        return True
    if kind == "extra_forbidden":
        parent: Any = data
        for part in loc[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                parent = None
                break
        if isinstance(parent, dict):
            parent.pop(loc[-1], None)
            out.left_out.add(top)  # what the user meant for it is lost: not as written
            return True
    if top == "network":
        data[top] = dict(_PLACEHOLDER_NETWORK)
    elif top == "commodities":
        data[top] = {}
    else:
        data.pop(top, None)
    out.left_out.add(top)
    out.unchecked.add(top)
    return True


def _fix_entry(
    section: list[Any],
    i: int,
    rest: tuple[Any, ...],
    kind: str,
    model: type[BaseModel],
    where: str,
    out: _Salvage,
) -> bool:
    """Set aside the bad part of list entry ``section[i]`` (kept in place: indices hold)."""
    entry = section[i]
    required = _required(model)
    if not isinstance(entry, dict):
        section[i] = {k: _PLACEHOLDERS[k] for k in required}
        out.unchecked.add(where)
        return True
    if not rest or not isinstance(rest[0], str):
        # the entry as a whole (e.g. min above max): its optional keys go, then the entry
        optional = [k for k in entry if k not in required]
        if optional:
            for k in optional:
                entry.pop(k)
        else:
            section[i] = {k: _PLACEHOLDERS[k] for k in required}
            out.unchecked.add(where)
        return True
    key = rest[0]
    if kind == "extra_forbidden" and len(rest) == 1:
        entry.pop(key, None)  # a typo'd key: the entry is checked without it
        return True
    if key in required:
        entry[key] = _PLACEHOLDERS.get(key, "")
    else:
        entry.pop(key, None)
    out.unchecked.add(f"{where}.{key}")
    return True


def _salvaged(raw: dict[str, Any], partial: bool, out: _Salvage) -> dict[str, Any] | None:
    """``raw`` with every part pydantic rejects set aside, or None if it cannot be."""
    data = copy.deepcopy(raw)
    for _ in range(_SALVAGE_ROUNDS):
        try:
            Scenario.model_validate(data)
            return data
        except ValidationError as exc:
            errors = [e for e in exc.errors() if not (partial and e["type"] == "missing")]
        if not errors:
            return data
        # deepest first, so that removing an entry's key does not move another fix
        fixes = sorted(
            {(_strip_tags(tuple(e["loc"])), e["type"]) for e in errors},
            key=lambda f: len(f[0]),
            reverse=True,
        )
        for loc, kind in fixes:
            if not _fix(data, loc, kind, out):
                return None
    return None


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ScenarioDraft:
    """A scenario file read as far as it goes: every problem of the scenario stage, and the
    scenario built from what is valid, for the later stages to check.

    ``scenario`` is None when nothing can be built (a file unreadable, a broken ``extends``
    chain). Otherwise bad parts are set aside: ``left_out`` names the top-level sections not
    as written (dropped for their defaults, or a placeholder), ``unchecked`` the
    ``(file, key)`` paths holding a placeholder, whose later problems would only echo the one
    reported. ``entries`` gives, for ``supply``, ``demand``, ``storage`` and ``seasons``, the
    ``(file, index)`` each merged entry was written at.
    """

    path: Path
    scenario: Scenario | None
    problems: tuple[Problem, ...]
    left_out: frozenset[str] = frozenset()
    unchecked: frozenset[tuple[str, str]] = frozenset()
    entries: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)

    def locate(self, problem: Problem) -> Problem:
        """``problem`` with a merged entry index (``supply[3].node`` of the scenario) turned
        into the file and index where the entry was written."""
        m = _ENTRY_KEY.match(problem.location)
        if m is None or problem.file != str(self.path):
            return problem
        origins = self.entries.get(m["key"], ())
        i = int(m["index"])
        if i >= len(origins):
            return problem
        file, j = origins[i]
        return Problem(file, f"{m['key']}[{j}]{m['rest']}", problem.message)

    def later(self, problems: Iterable[Problem]) -> list[Problem]:
        """Problems of a later stage, located, without those about parts set aside and those
        already reported."""
        seen = {str(p) for p in self.problems}
        out: list[Problem] = []
        for p in problems:
            p = self.locate(p)
            if self._set_aside(p) or str(p) in seen:
                continue
            seen.add(str(p))
            out.append(p)
        return out

    def _set_aside(self, p: Problem) -> bool:
        for file, key in self.unchecked:
            if p.file == file and (
                p.location == key or p.location.startswith((f"{key}.", f"{key}["))
            ):
                return True
        # without the commodity table every commodity name would look unknown
        if "commodities" in self.left_out and p.message.startswith("unknown commodity"):
            return True
        # without the supply entries no supplier country is known (targets, policy ids)
        return "supply" in self.left_out and (
            p.location.startswith("policy.")
            or p.message.startswith(("unknown target", "unknown country"))
        )


_ENTRY_KEY = re.compile(r"^(?P<key>supply|demand|storage|seasons)\[(?P<index>\d+)\](?P<rest>.*)$")


def _read_chain(path: Path, problems: list[Problem]) -> tuple[list[tuple[Path, dict]], bool]:
    """The files of the ``extends`` chain, child first, and whether the chain is whole."""
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
            return chain, False
        seen.append(resolved)
        raw = _read_yaml(current, problems)
        if raw is None:
            return chain, False
        chain.append((current, raw))
        ext = raw.get("extends")
        if ext is None:
            current = None
        elif not isinstance(ext, str) or not ext.strip():
            problems.append(Problem(str(current), "extends", "must be a path to a scenario file"))
            return chain, False
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
                return chain, False
            current = parent
    return chain, True


def _origins(chain: list[tuple[Path, dict[str, Any]]]) -> dict[str, tuple[tuple[str, int], ...]]:
    """Where each entry of the merged ``supply``, ``demand``, ``storage`` and ``seasons`` was
    written, in the merged order (``supply``/``demand``/``storage`` entries merge by
    ``(node, commodity)`` as :func:`_merge` merges them; ``seasons`` is replaced as a whole)."""
    out: dict[str, tuple[tuple[str, int], ...]] = {}
    for key in (*_KEYED_LISTS, "seasons"):
        merged: dict[Any, tuple[str, int]] = {}
        merging = False  # whether the value so far is a list the next one merges into
        for file, raw in reversed(chain):  # parent first, as merged
            if key not in raw:
                continue
            entries = raw[key]
            if not isinstance(entries, list):
                merged, merging = {}, False
                continue
            if key == "seasons" or not merging:
                merged = {}
            merging = True
            for j, entry in enumerate(entries):
                k = (
                    (entry.get("node"), entry.get("commodity"))
                    if key in _KEYED_LISTS and isinstance(entry, dict)
                    else (str(file), j)
                )
                merged[k] = (str(file), j)
        out[key] = tuple(merged.values())
    return out


def read_scenario(path: str | Path) -> ScenarioDraft:
    """Read and validate a scenario YAML file and its ``extends`` chain without raising: the
    problems of the scenario stage (YAML, keys, values, unknown commodities, windows) and the
    scenario built from the parts that are valid (see :class:`ScenarioDraft`)."""
    path = Path(path)
    problems: list[Problem] = []
    chain, whole = _read_chain(path, problems)
    salvage: dict[str, _Salvage] = {}
    fixed: list[tuple[Path, dict[str, Any] | None]] = []
    for file, raw in chain:
        _resolve_paths(raw, file.parent)
        # A file that extends another may leave out anything its parent gives.
        partial = raw.get("extends") is not None
        try:
            Scenario.model_validate(raw)
            fixed.append((file, raw))
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, str(file), skip_missing=partial))
            salvage[str(file)] = out = _Salvage()
            fixed.append((file, _salvaged(raw, partial, out)))
    left_out = {k for s in salvage.values() for k in s.left_out}
    unchecked = {(f, k) for f, s in salvage.items() for k in s.unchecked}
    if not whole or any(raw is None for _, raw in fixed) or not chain:
        return ScenarioDraft(path, None, tuple(problems), frozenset(left_out))
    valid = [(file, raw) for file, raw in fixed if raw is not None]
    if "horizon" in left_out:
        # periods and dates cannot be checked against a horizon that is not as written
        for _file, raw in valid:
            for ev in raw.get("disruptions") or ():
                if isinstance(ev, dict):
                    ev.pop("start", None)
                    ev.pop("end", None)
    merged: dict[str, Any] = {}
    for _file, raw in reversed(valid):
        merged = _merge(merged, raw)
    merged.pop("extends", None)
    disruption_origins = [
        (str(file), j)
        for file, raw in reversed(valid)
        if isinstance(raw.get("disruptions"), list)
        for j in range(len(raw["disruptions"]))
    ]
    entries = _origins(valid)
    full = {**merged, "source": path, "disruption_origins": disruption_origins}
    try:
        scenario = Scenario.model_validate(full)
    except ValidationError as exc:
        # problems only the merged chain has (an override without a required key)
        for p in _pydantic_problems(exc, str(path), skip_missing=False):
            if str(p) not in {str(q) for q in problems}:
                problems.append(p)
        out = salvage.setdefault(str(path), _Salvage())
        rescued = _salvaged(full, False, out)
        left_out |= out.left_out
        unchecked |= {(str(path), k) for k in out.unchecked}
        if rescued is None:
            return ScenarioDraft(path, None, tuple(problems), frozenset(left_out))
        scenario = Scenario.model_validate(rescued)
    draft = ScenarioDraft(
        path, scenario, tuple(problems), frozenset(left_out), frozenset(unchecked), entries
    )
    internal = _internal_problems(scenario, str(path))
    return dataclasses.replace(draft, problems=(*draft.problems, *draft.later(internal)))


#: Checks of the stages after the network (event targets, policy, solver) that
#: :func:`scenario_problems` runs. :mod:`corridors.core.check` adds them when it is imported
#: (every solve imports it): the io layer does not import the core.
LATER_CHECKS: list[Callable[[Scenario, Network], list[Problem]]] = []


def scenario_problems(draft: ScenarioDraft) -> tuple[list[Problem], Network | None]:
    """Every problem of every stage: those of ``draft`` (the scenario files), then, on the
    parts of the scenario that are valid, those of the network (its files, and the nodes the
    scenario names) and of :data:`LATER_CHECKS`; and the network when it could be built.

    A stage is skipped only where it depends on what could not be read: without a valid
    ``network:`` section no network is loaded, and without a network no event target is
    checked. Entries naming unknown nodes (and unknown commodities of links) are set aside
    from the network the later checks run on, so that event targets are still checked.
    """
    problems = list(draft.problems)
    s = draft.scenario
    if s is None or "network" in draft.left_out:
        return problems, None
    checked, network, found = _network_stage(s)
    problems.extend(draft.later(found))
    if network is None:
        return problems, None
    for check in LATER_CHECKS:
        try:
            found = check(checked, network)
        except CorridorsError as exc:
            found = exc.problems
        except Exception:
            # a check of a scenario with parts set aside may trip over them: the problems
            # already found stand (a clean scenario never gets here with an exception)
            if not problems:
                raise
            found = []
        problems.extend(draft.later(found))
    unique: dict[str, Problem] = {}
    for p in problems:
        unique.setdefault(str(p), p)
    return list(unique.values()), network


_UNKNOWN_LINK = re.compile(r"^unknown link '(?P<id>.*?)'")
_UNKNOWN_COMMODITY = re.compile(r"^unknown commodity '(?P<id>.*?)'")


def _network_stage(s: Scenario) -> tuple[Scenario, Network | None, list[Problem]]:
    """The network of ``s``, the problems found loading it, and the scenario the network
    was built for. When the problems are only names that do not match (supply, demand or
    storage nodes, the importer, links to switch on, link commodities), the network is loaded
    again without them, so that the later stages can check the rest."""
    try:
        return s, load_network(s), []
    except NetworkError as exc:
        problems = exc.problems
    file = str(s.source or "")
    drop: dict[str, set[int]] = {k: set() for k in _KEYED_LISTS}
    links = set(s.network.include_links)
    importer = s.importer
    commodities = dict(s.commodities)
    for p in problems:
        m = _ENTRY_KEY.match(p.location)
        c = _UNKNOWN_COMMODITY.match(p.message)
        u = _UNKNOWN_LINK.match(p.message)
        if p.file != file and c is not None and p.location.endswith("commodity"):
            commodities[c["id"]] = Commodity.model_validate(_PLACEHOLDER_COMMODITY)
        elif p.file != file:
            return s, None, problems  # the geodata themselves: no network to check against
        elif m is not None and m["key"] in drop and m["rest"] == ".node":
            drop[m["key"]].add(int(m["index"]))
        elif p.location == "importer":
            importer = None
        elif p.location == "network.include_links" and u is not None:
            links.discard(u["id"])
        else:
            return s, None, problems
    kept = {k: tuple(e for i, e in enumerate(getattr(s, k)) if i not in drop[k]) for k in drop}
    files = s.network.model_copy(update={"include_links": tuple(sorted(links))})
    checked = s.model_copy(
        update={**kept, "importer": importer, "network": files, "commodities": commodities}
    )
    try:
        return checked, load_network(checked), problems
    except CorridorsError:
        return s, None, problems


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario YAML file, following its ``extends:`` chain.

    Raises :class:`ScenarioError` listing every problem found in every file of the chain;
    when there is one, the parts of the scenario that are valid are also checked against the
    network and the later stages (:func:`scenario_problems`), so that one error lists them all.
    """
    draft = read_scenario(path)
    if draft.problems:
        problems, _network = scenario_problems(draft)
        raise ScenarioError(problems)
    assert draft.scenario is not None
    return draft.scenario


def _internal_problems(s: Scenario, file: str) -> list[Problem]:
    """Checks that need only the scenario (network checks live in network.py); entries are
    named by their index in the merged scenario (:meth:`ScenarioDraft.later` locates them)."""
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
    return problems
