"""Reading scenario files: strict YAML (no object tags, no duplicate keys), the ``extends:``
chain of a file, and how the files of a chain merge (mappings key by key, ``supply``/
``demand``/``storage`` entries by ``(node, commodity)``, ``disruptions`` appended, anything
else replaced), with where each merged entry was written.

Part of :mod:`corridors.io.scenario` (which re-exports every name here).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from corridors.errors import Problem

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
