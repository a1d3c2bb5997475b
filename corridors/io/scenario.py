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

The work is shared with three modules, whose names are all importable from here too:
:mod:`corridors.io.chain` (strict YAML, the ``extends`` chain, merging),
:mod:`corridors.io.problems` (pydantic errors as problems, "did you mean") and
:mod:`corridors.io.salvage` (setting the bad parts of a file aside).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from corridors.errors import (
    CorridorsError,
    NetworkError,
    Problem,
    ScenarioError,
    suggest,
)
from corridors.errors import pydantic_message as pydantic_message
from corridors.io.chain import _APPENDED_LISTS as _APPENDED_LISTS
from corridors.io.chain import _KEYED_LISTS, _merge, _origins, _read_chain, _resolve_paths
from corridors.io.chain import _construct_mapping as _construct_mapping
from corridors.io.chain import _read_yaml as _read_yaml
from corridors.io.chain import _StrictLoader as _StrictLoader
from corridors.io.network import Network, load_network
from corridors.io.problems import _UNION_NAMES as _UNION_NAMES
from corridors.io.problems import _UNION_TAGS as _UNION_TAGS
from corridors.io.problems import _USER_KEYS as _USER_KEYS
from corridors.io.problems import _allowed_keys as _allowed_keys
from corridors.io.problems import _is_tag as _is_tag
from corridors.io.problems import _loc_str as _loc_str
from corridors.io.problems import _problem as _problem
from corridors.io.problems import _pydantic_problems
from corridors.io.problems import _split_union as _split_union
from corridors.io.problems import _strip_tags as _strip_tags
from corridors.io.problems import _unwrap as _unwrap
from corridors.io.salvage import _ENTRY_MODELS as _ENTRY_MODELS
from corridors.io.salvage import _NETWORK_OPTIONAL as _NETWORK_OPTIONAL
from corridors.io.salvage import _PLACEHOLDER_COMMODITY, _Salvage, _salvaged
from corridors.io.salvage import _PLACEHOLDER_NETWORK as _PLACEHOLDER_NETWORK
from corridors.io.salvage import _PLACEHOLDERS as _PLACEHOLDERS
from corridors.io.salvage import _SALVAGE_ROUNDS as _SALVAGE_ROUNDS
from corridors.io.salvage import _fix as _fix
from corridors.io.salvage import _fix_entry as _fix_entry
from corridors.io.salvage import _required as _required
from corridors.io.schema import Commodity, Scenario
from corridors.io.schema import Demand as Demand
from corridors.io.schema import Disruption as Disruption
from corridors.io.schema import Season as Season
from corridors.io.schema import Storage as Storage
from corridors.io.schema import Supply as Supply

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
