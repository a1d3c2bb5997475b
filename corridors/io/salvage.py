"""Salvaging a scenario file with problems: its bad parts are set aside so that the later
stages can still check the rest (:func:`_salvaged`).

Part of :mod:`corridors.io.scenario` (which re-exports every name here).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from corridors.io.problems import _loc_str, _strip_tags
from corridors.io.schema import Demand, Disruption, Scenario, Season, Storage, Supply

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
        return _set_aside_section(data, top, out)
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
    return _set_aside_section(data, top, out, name=False)


def _set_aside_section(data: dict[str, Any], top: str, out: _Salvage, name: bool = True) -> bool:
    """Replace the whole top-level section ``top`` by a placeholder (``network``,
    ``commodities``, and ``name`` when ``name``) or leave it out, and record it as neither kept
    nor checked."""
    if top == "name" and name:
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
