"""Disruption events -> availability factors on links, nodes and supplies.

An event keeps ``capacity_factor`` of its targets' capacity during its window. A node target
(a chokepoint, port, border, ...) limits the node's throughput and every arc into or out of it,
so closing a strait cuts every lane through it; a supply node's exports are cut too. A link
target cuts the link (both directions of a bidirectional link); a corridor target cuts every
link tagged with it; a country target (ISO 3166-1 alpha-3) cuts the supplies of that country.
Overlapping events multiply, and they multiply the scenario's ``bypass_share`` on the arcs
of links marked ``bypass: true`` (see :func:`availability`). An event with a ``probability`` is a possible event: it is not
applied to a plain run, only sampled by Monte Carlo (see :func:`sample_events`). A window given as dates covers a period partly: the period keeps
``1 - (1 - factor) * overlap``, with ``overlap`` the covered fraction of the period.

A seasonal element (``season_months`` in the geodata, or a scenario ``seasons:`` entry, which
replaces the geodata's months of the elements it names) is open only in its months: in each
period it keeps the share of the period's days that fall in them (see :func:`season_factor`).
An arc is open when the link and both its end nodes are, and a supply when its node is (and
its country, for a season on a country), so a seasonal strait closes every lane through it
off-season; disruptions multiply on top.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from corridors.errors import Problem, ScenarioError, suggest
from corridors.io.network import REVERSE_SUFFIX, Network
from corridors.io.schema import Disruption, Horizon, Scenario

TARGET_KINDS = ("node", "link", "corridor", "country")


@dataclass(frozen=True)
class Targets:
    """The model elements one target name resolves to (row indices)."""

    nodes: tuple[int, ...] = ()
    links: tuple[int, ...] = ()
    supplies: tuple[int, ...] = ()


@dataclass
class Availability:
    """Capacity factors in [0, 1]: ``link[l, t]``, ``node[n, t]``, ``supply[s, t]``."""

    link: np.ndarray
    node: np.ndarray
    supply: np.ndarray
    release_from: int = 0
    """First period (0-based) in which strategic stocks may be drawn: the start of the run's
    first unforeseen event (no foresight; 0 without one, see :func:`availability`)."""
    held_back: bool = False
    """Whether ``release_from`` is the start of an unforeseen event (False: no event holds
    stocks back, and ``release_from`` is 0)."""

    @classmethod
    def full(cls, n_links: int, n_nodes: int, n_supplies: int, periods: int) -> Availability:
        return cls(
            link=np.ones((n_links, periods)),
            node=np.ones((n_nodes, periods)),
            supply=np.ones((n_supplies, periods)),
        )

    def copy(self) -> Availability:
        return Availability(
            self.link.copy(), self.node.copy(), self.supply.copy(), self.release_from,
            self.held_back,
        )  # fmt: skip


class TargetResolver:
    """Resolves target names (``malacca``, ``corridor:west``, ``RUS``, ...) to elements."""

    def __init__(self, scenario: Scenario, network: Network):
        self.link_ids = list(network.links.index)
        self.node_ids = list(network.nodes.index)
        self.importer = scenario.importer
        link_pos = {lid: i for i, lid in enumerate(self.link_ids)}
        node_pos = {nid: i for i, nid in enumerate(self.node_ids)}
        links = network.links
        supply_nodes = [s.node for s in scenario.supply]
        countries = network.nodes["country"].to_dict()
        self.names: dict[str, dict[str, Targets]] = {k: {} for k in TARGET_KINDS}
        incident: dict[str, list[int]] = defaultdict(list)
        for i, (a, b) in enumerate(zip(links["from"], links["to"], strict=True)):
            incident[a].append(i)
            if b != a:
                incident[b].append(i)
        supplies_at: dict[str, list[int]] = defaultdict(list)
        for i, n in enumerate(supply_nodes):
            supplies_at[n].append(i)
        for nid in self.node_ids:
            self.names["node"][nid] = Targets(
                (node_pos[nid],), tuple(incident.get(nid, ())), tuple(supplies_at.get(nid, ()))
            )
        for base in links["base_id"].unique():
            idx = [link_pos[base]] if base in link_pos else []
            if base + REVERSE_SUFFIX in link_pos:
                idx.append(link_pos[base + REVERSE_SUFFIX])
            self.names["link"][base] = Targets(links=tuple(idx))
        by_corridor: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(links["corridor"]):
            if isinstance(c, str):
                by_corridor[c].append(i)
        for corridor, idx in by_corridor.items():
            self.names["corridor"][corridor] = Targets(links=tuple(idx))
        by_country: dict[str, list[int]] = defaultdict(list)
        for i, node in enumerate(supply_nodes):
            c = countries.get(node)
            if c is not None:
                by_country[c].append(i)
        for c, idx in by_country.items():
            self.names["country"][c] = Targets(supplies=tuple(idx))

    def all_names(self) -> list[str]:
        return sorted({n for table in self.names.values() for n in table})

    def label(self, name: str) -> str:
        """How to show target ``name``: a corridor as ``corridor:id (whole corridor)``."""
        if ":" not in name and [k for k in TARGET_KINDS if name in self.names[k]] == ["corridor"]:
            name = f"corridor:{name}"
        return element_label(name)

    def resolve(self, name: str) -> Targets:
        """The elements ``name`` stands for; raises ``KeyError`` with a helpful message."""
        if ":" in name:
            kind, _, ident = name.partition(":")
            if kind not in self.names:
                raise KeyError(f"unknown target kind '{kind}'{suggest(kind, TARGET_KINDS)}")
            if ident not in self.names[kind]:
                raise KeyError(f"unknown {kind} '{ident}'{suggest(ident, self.names[kind])}")
            return self.names[kind][ident]
        hits = [k for k in TARGET_KINDS if name in self.names[k]]
        if not hits:
            raise KeyError(
                f"unknown target '{name}'{suggest(name, self.all_names())}: "
                "name a node, link, corridor or supplier country"
            )
        if len(hits) > 1:
            options = ", ".join(f"'{k}:{name}'" for k in hits)
            raise KeyError(f"target '{name}' is ambiguous: write {options}")
        return self.names[hits[0]][name]


def _window(event: Disruption, scenario: Scenario) -> np.ndarray:
    """Fraction of each period covered by the event's window."""
    h = scenario.horizon
    cover = np.zeros(h.periods)
    if isinstance(event.start, dt.date) or isinstance(event.end, dt.date):
        assert h.start is not None
        t0 = np.arange(h.periods) * h.period_days
        t1 = t0 + h.period_days
        s = _offset_days(event.start, h.start, h.period_days, 0.0)
        e = _offset_days(event.end, h.start, h.period_days, h.periods * h.period_days, end=True)
        cover = np.clip(np.minimum(t1, e) - np.maximum(t0, s), 0, None) / h.period_days
        return cover
    first = (event.start or 1) - 1
    last = event.end or h.periods
    cover[first:last] = 1.0
    return cover


def _offset_days(
    value: int | dt.date | None,
    start: dt.date,
    period_days: float,
    default: float,
    end: bool = False,
) -> float:
    if value is None:
        return default
    if isinstance(value, dt.date):
        return (value - start).days + (1.0 if end else 0.0)
    return (value - (0 if end else 1)) * period_days


def window_problems(scenario: Scenario) -> list[Problem]:
    """Date windows that fall outside the horizon."""
    out = []
    h = scenario.horizon
    for i, ev in enumerate(scenario.disruptions):
        file, ekey = scenario.event_location(i)
        for key in ("start", "end"):
            v = getattr(ev, key)
            if isinstance(v, dt.date) and h.start is not None:
                last = h.start + dt.timedelta(days=h.periods * h.period_days - 1)
                if not h.start <= v <= last:
                    out.append(
                        Problem(
                            file,
                            f"{ekey}.{key}",
                            f"date {v} is outside the horizon ({h.start} to {last})",
                        )
                    )
        s, e = ev.start, ev.end
        if s is not None and e is not None and type(s) is type(e) and s > e:  # type: ignore[operator]
            out.append(Problem(file, ekey, f"start ({s}) is after end ({e})"))
    return out


#: Days of each month in a common (non-leap) year, January first.
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def season_factor(months: Iterable[int], horizon: Horizon) -> np.ndarray:
    """Share of each period's days that fall in ``months`` (1 = January), per period.

    With ``horizon.start`` the periods are placed on the calendar: period ``t`` covers days
    ``[t, t + 1) · period_days`` from the start, so a week from 28 June to 4 July keeps 4/7 of
    its capacity for a season starting in July. Without a start date the periods cannot be
    placed, and every period keeps the share of a common year's days in the months (July to
    November: 153/365): an annual run sees the season as a reduced capacity.
    """
    allowed = set(months)
    periods, length = horizon.periods, horizon.period_days
    if horizon.start is None:
        return np.full(periods, sum(MONTH_DAYS[m - 1] for m in allowed) / 365.0)
    t0 = np.arange(periods) * length
    t1 = t0 + length
    total = periods * length
    cover = np.zeros(periods)
    first = dt.date(horizon.start.year, horizon.start.month, 1)
    while (first - horizon.start).days < total:
        nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        if first.month in allowed:
            s, e = (first - horizon.start).days, (nxt - horizon.start).days
            cover += np.clip(np.minimum(t1, e) - np.maximum(t0, s), 0, None)
        first = nxt
    return cover / length


def _direct(targets: Targets) -> Targets:
    """The elements a season on ``targets`` belongs to: a node target is the node itself (its
    links and supplies follow it), any other target its links or supplies."""
    return Targets(nodes=targets.nodes) if targets.nodes else targets


def season_months(
    scenario: Scenario, network: Network, resolver: TargetResolver, problems: list[Problem]
) -> tuple[dict[int, frozenset[int]], dict[int, frozenset[int]], dict[int, frozenset[int]]]:
    """Open months of each seasonal node, arc and supply (row index -> months), their own.

    The geodata's ``season_months`` first; a scenario ``seasons:`` entry replaces them for the
    elements it names (several entries naming one element: the months common to all). Unknown
    targets are added to ``problems``.
    """
    own: tuple[dict[int, frozenset[int]], ...] = ({}, {}, {})
    for table, out in ((network.nodes, own[0]), (network.links, own[1])):
        if "season_months" not in table.columns:
            continue
        for i, months in enumerate(table["season_months"]):
            if isinstance(months, tuple | list) and months:
                out[i] = frozenset(int(m) for m in months)
    given: tuple[dict[int, frozenset[int]], ...] = ({}, {}, {})
    file = str(scenario.source or "")
    for i, season in enumerate(scenario.seasons):
        months = frozenset(season.months)
        for name in season.targets:
            try:
                tg = _direct(resolver.resolve(name))
            except KeyError as exc:
                problems.append(Problem(file, f"seasons[{i}].target", str(exc.args[0])))
                continue
            for idx, out in zip((tg.nodes, tg.links, tg.supplies), given, strict=True):
                for j in idx:
                    out[j] = out[j] & months if j in out else months
    for mine, theirs in zip(own, given, strict=True):
        mine.update(theirs)
    return own[0], own[1], own[2]


def apply_seasons(
    avail: Availability,
    scenario: Scenario,
    network: Network,
    resolver: TargetResolver,
    problems: list[Problem],
) -> None:
    """Multiply ``avail`` by the seasonal factors (in place): each node by its months' share,
    each arc by the share of the months common to it and its two end nodes, each supply by
    that of its node (and its own, for a season on its country)."""
    nodes, links, supplies = season_months(scenario, network, resolver, problems)
    if problems or not (nodes or links or supplies):
        return
    node_pos = {nid: i for i, nid in enumerate(network.nodes.index)}
    arc_ends = zip(network.links["from"], network.links["to"], strict=True)
    supply_nodes = [node_pos.get(s.node) for s in scenario.supply]
    cache: dict[frozenset[int], np.ndarray] = {}

    def factor(parts: list[frozenset[int] | None]) -> np.ndarray | None:
        sets = [p for p in parts if p is not None]
        if not sets:
            return None
        months = frozenset.intersection(*sets)
        if months not in cache:
            cache[months] = season_factor(months, scenario.horizon)
        return cache[months]

    for n, months in nodes.items():
        avail.node[n] *= season_factor(months, scenario.horizon)
    for i, (a, b) in enumerate(arc_ends):
        f = factor([links.get(i), nodes.get(node_pos[a]), nodes.get(node_pos[b])])
        if f is not None:
            avail.link[i] *= f
    for i, at in enumerate(supply_nodes):
        f = factor([supplies.get(i), nodes.get(at) if at is not None else None])
        if f is not None:
            avail.supply[i] *= f


def bypass_links(network: Network) -> np.ndarray:
    """Row indices of the arcs of links marked ``bypass: true`` (reverse arcs included)."""
    if "bypass" not in network.links.columns:
        return np.zeros(0, dtype=int)
    flag = network.links["bypass"].fillna(False).astype(bool).to_numpy()
    return np.flatnonzero(flag)


def availability(
    scenario: Scenario,
    network: Network,
    resolver: TargetResolver | None = None,
    bypass: bool = True,
    seasons: bool = True,
) -> Availability:
    """Availability factors for the scenario: the ``bypass_share`` of bypass links and the
    seasons of seasonal elements, then the disruption events multiplied on top.

    Every arc of a link with ``bypass: true`` starts at ``a_l,t = bypass_share`` in every
    period (the share of the bypass's capacity open to this importer), so its usable capacity
    is ``cap_l · bypass_share · (event factors) · d_t``; a sweep that starts from this
    availability multiplies its losses on top. ``bypass=False`` leaves the share out (events
    only, e.g. to draw what is disrupted); ``seasons=False`` leaves the seasons out (see the
    module docstring and :func:`season_factor`): a seasonal element's factor is the share of
    each period's days in its months.

    Raises :class:`ScenarioError` naming every event or season with an unknown target (with a
    suggestion) or a window outside the horizon.
    """
    resolver = resolver or TargetResolver(scenario, network)
    problems = window_problems(scenario)
    avail = Availability.full(
        len(network.links), len(network.nodes), len(scenario.supply), scenario.horizon.periods
    )
    if bypass and scenario.bypass_share != 1.0:
        avail.link[bypass_links(network)] *= scenario.bypass_share
    if seasons:
        apply_seasons(avail, scenario, network, resolver, problems)
    elif scenario.seasons:
        season_months(scenario, network, resolver, problems)  # unknown targets still reported
    starts: list[int] = []  # first period of each unforeseen event (no foresight)
    for i, ev in enumerate(scenario.disruptions):
        resolved = []
        for name in ev.targets:
            try:
                resolved.append(resolver.resolve(name))
            except KeyError as exc:
                file, ekey = scenario.event_location(i)
                problems.append(Problem(file, f"{ekey}.target", str(exc.args[0])))
        if problems:
            continue
        if ev.probability is not None:
            continue  # a possible event: sampled by Monte Carlo, not applied to every run
        cover = _window(ev, scenario)
        factor = 1.0 - (1.0 - ev.capacity_factor) * cover
        for tg in resolved:
            apply_factor(avail, tg, factor)
        if not ev.foreseen and ev.capacity_factor < 1.0 and cover.any():
            starts.append(int(np.flatnonzero(cover > 0)[0]))
    avail.release_from = min(starts) if starts else 0
    avail.held_back = bool(starts)
    if problems:
        raise ScenarioError(problems)
    return avail


def apply_factor(avail: Availability, targets: Targets, factor: np.ndarray | float) -> None:
    """Multiply the availability of ``targets`` by ``factor`` (scalar or per period), in place."""
    if targets.links:
        avail.link[list(targets.links)] *= factor
    if targets.nodes:
        avail.node[list(targets.nodes)] *= factor
    if targets.supplies:
        avail.supply[list(targets.supplies)] *= factor


# --------------------------------------------------------------------------- element catalog

LINK_MODES = ("pipeline", "sea", "rail", "conversion")
NODE_KINDS = ("chokepoint", "port", "border", "terminal", "junction", "supply", "demand", "storage")
GROUP_CLASSES = ("supplier", "corridor")
ELEMENT_CLASSES = LINK_MODES + NODE_KINDS + GROUP_CLASSES
DISRUPTABLE_CLASSES = (
    "chokepoint",
    "pipeline",
    "port",
    "terminal",
    "border",
    "storage",
    "supplier",
)
"""The default element set of sweeps, interdiction, ``expand --scenarios n1:`` and the flow
N-1: what can actually be disrupted. A terminal includes its regasification (``conversion``)
links; supplier countries exclude the scenario's ``importer``. Open-sea waypoints (``junction``), demand regions, plain sea lanes (``sea``), rail,
supply nodes and whole corridors are left out; ask for them by name (``--elements
default,junction,corridor``)."""
CLASS_ALIASES = {"default": DISRUPTABLE_CLASSES, "all": ELEMENT_CLASSES}
WHOLE_CORRIDOR = "(whole corridor)"


@dataclass(frozen=True)
class Element:
    """Something that can be lost: a link, a node, a supplier country or a corridor."""

    name: str
    """Target name as a user writes it (``kind:id`` where a plain id would be ambiguous;
    always ``corridor:id`` for a corridor)."""
    cls: str
    """Element class: a link mode, a node kind, ``supplier`` or ``corridor``."""
    targets: Targets

    @property
    def label(self) -> str:
        """How rankings show it: a corridor is marked as the loss of a whole corridor."""
        return element_label(self.name)


def element_label(name: str) -> str:
    """``corridor:north`` -> ``corridor:north (whole corridor)``; other names unchanged."""
    return f"{name} {WHOLE_CORRIDOR}" if name.startswith("corridor:") else name


def parse_classes(spec: str | None) -> tuple[str, ...]:
    """``"chokepoint,pipeline"`` -> classes. ``None`` or ``""`` -> :data:`DISRUPTABLE_CLASSES`;
    the words ``default`` and ``all`` stand for that set and for every class
    (``"default,corridor"`` adds whole corridors to the default set)."""
    if spec is None or not spec.strip():
        return DISRUPTABLE_CLASSES
    out: list[str] = []
    for part in spec.split(","):
        part = part.strip()
        if part in CLASS_ALIASES:
            out.extend(CLASS_ALIASES[part])
            continue
        if part not in ELEMENT_CLASSES:
            choices = (*ELEMENT_CLASSES, *CLASS_ALIASES)
            raise ScenarioError(
                [
                    Problem(
                        "",
                        "--elements",
                        f"unknown element class '{part}'{suggest(part, choices)}; "
                        f"choose from {', '.join(choices)}",
                    )
                ]
            )
        out.append(part)
    return tuple(dict.fromkeys(out))


def elements(network: Network, resolver: TargetResolver, classes: tuple[str, ...]) -> list[Element]:
    """Every element of the given classes, in a stable order (class, then id), each once.

    Class ``terminal`` is the terminal nodes (losing one cuts its regasification links too)
    and any conversion link that touches no terminal node. Class ``pipeline`` leaves out the
    links of ports and storage sites (a port's link to its refineries, a site's link to its
    region): they belong to the port or site, whose loss cuts them; name one to lose it alone.
    Class ``supplier`` leaves out the
    scenario's ``importer``: its own production is not an import supplier (its supply nodes
    stay available as class ``supply``, and ``country:ISO3`` as an event target).
    """

    def name(kind: str, ident: str) -> str:
        hits = [k for k in TARGET_KINDS if ident in resolver.names[k]]
        return ident if hits == [kind] and kind != "corridor" else f"{kind}:{ident}"

    out: list[Element] = []
    seen: set[str] = set()

    def add(kind: str, ident: str, cls: str) -> None:
        n = name(kind, ident)
        if n not in seen:
            seen.add(n)
            out.append(Element(n, cls, resolver.names[kind][ident]))

    links = network.links[~network.links.index.str.endswith(REVERSE_SUFFIX)]
    nodes = network.nodes
    # a port's link to its refineries and a storage site's link to its region belong to the
    # port or site (losing the node loses them): not listed again as pipelines
    owned = nodes.index[nodes["kind"].isin(["port", "storage"])]
    own_link = links["from"].isin(owned) | links["to"].isin(owned)
    for cls in classes:
        if cls in LINK_MODES:
            keep = links["mode"] == cls
            if cls == "pipeline":
                keep &= ~own_link
            for lid in sorted(links.index[keep]):
                add("link", lid, cls)
        elif cls in NODE_KINDS:
            for nid in sorted(nodes.index[nodes["kind"] == cls]):
                add("node", nid, cls)
            if cls == "terminal":
                at = set(nodes.index[nodes["kind"] == "terminal"])
                alone = (
                    (links["mode"] == "conversion")
                    & ~links["from"].isin(at)
                    & ~links["to"].isin(at)
                )
                for lid in sorted(links.index[alone]):
                    add("link", lid, cls)
        elif cls == "supplier":
            for c in sorted(resolver.names["country"]):
                if c != resolver.importer:
                    add("country", c, cls)
        elif cls == "corridor":
            for c in sorted(resolver.names["corridor"]):
                add("corridor", c, cls)
    return out


@dataclass(frozen=True)
class SampledEvent:
    """One event drawn in one Monte Carlo run: target names, per-period factors, and whether
    it is ``foreseen`` (then, as in a plain run, it does not hold stocks back until it starts)."""

    names: tuple[str, ...]
    factor: tuple[float, ...]
    foreseen: bool = False


def possible_events(scenario: Scenario) -> list[tuple[int, Disruption]]:
    """The scenario's events that carry a probability (Monte Carlo candidates)."""
    return [(i, d) for i, d in enumerate(scenario.disruptions) if d.probability is not None]


def sample_events(scenario: Scenario, n: int, seed: int) -> list[list[SampledEvent]]:
    """Draw ``n`` runs. In each, event i happens with its ``probability``; it starts at a
    uniformly drawn day of the horizon and lasts ``duration_days`` (default: the whole
    horizon), keeping ``capacity_factor`` meanwhile. Runs are drawn up front from one seeded
    generator, so results do not depend on how runs are spread over workers.
    """
    rng = np.random.default_rng(seed)
    h = scenario.horizon
    total = h.periods * h.period_days
    t0 = np.arange(h.periods) * h.period_days
    t1 = t0 + h.period_days
    events = possible_events(scenario)
    runs: list[list[SampledEvent]] = []
    for _ in range(n):
        happened = rng.random(len(events))
        starts = rng.random(len(events)) * total
        run: list[SampledEvent] = []
        for (_i, ev), u, s in zip(events, happened, starts, strict=True):
            if u >= (ev.probability or 0.0):
                continue
            if ev.duration_days is None:
                s, e = 0.0, total
            else:
                e = min(total, s + ev.duration_days)
            cover = np.clip(np.minimum(t1, e) - np.maximum(t0, s), 0, None) / h.period_days
            factor = 1.0 - (1.0 - ev.capacity_factor) * cover
            run.append(SampledEvent(ev.targets, tuple(float(x) for x in factor), ev.foreseen))
        runs.append(run)
    return runs
