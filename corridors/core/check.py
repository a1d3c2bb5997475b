"""Checks before a solve (every problem of a scenario, links that can carry nothing) and
invariant checks on a solved result (conservation, capacity, non-negativity, conversion).

Before a solve, :func:`check_scenario` reports every problem of every stage of a scenario
file in one error (``corridors validate``); :func:`idle_link_warnings` names the links that
are switched on but can carry nothing. Importing this module adds the event-target, policy and
solver checks to :data:`corridors.io.scenario.LATER_CHECKS`, so that
:func:`~corridors.io.scenario.load_scenario` reports them with a file's other problems.

After a solve, for users who want to verify a result:

    >>> problems = check_invariants(result)   # [] when every invariant holds

With the environment variable ``CORRIDORS_CHECK_INVARIANTS=1`` every solve of a prepared model
(:func:`corridors.core.session.solve_model`, so every ``corridors run``, frontier point, ...)
is checked and a violation raises :class:`InvariantError`; the test suite sets it for every test.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import networkx as nx
import numpy as np

from corridors.core.availability import availability
from corridors.core.policy import check_policy
from corridors.core.results import Result
from corridors.core.solvers import check_solver
from corridors.errors import CorridorsError, Problem, ScenarioError
from corridors.io.network import Network
from corridors.io.scenario import LATER_CHECKS, read_scenario, scenario_problems
from corridors.io.schema import Scenario
from corridors.units import conversion_factor, period_years

#: Environment variable that makes every solve check its invariants.
CHECK_ENV = "CORRIDORS_CHECK_INVARIANTS"


class InvariantError(AssertionError):
    """A solved result breaks an invariant of the model (a bug, never a user error)."""


# --------------------------------------------------------------------------- before a solve


def later_problems(scenario: Scenario, network: Network) -> list[Problem]:
    """The problems of the stages after the network: event and season targets and windows
    (:func:`~corridors.core.availability.availability`), policy ids
    (:func:`~corridors.core.policy.check_policy`) and the solver
    (:func:`~corridors.core.solvers.check_solver`), all of them."""
    problems: list[Problem] = []
    for check in (
        lambda: availability(scenario, network),
        lambda: check_policy(scenario, network),
        lambda: check_solver(scenario.solver, scenario),
    ):
        try:
            check()
        except CorridorsError as exc:
            problems.extend(exc.problems)
    return problems


if later_problems not in LATER_CHECKS:
    LATER_CHECKS.append(later_problems)


def check_scenario(path: str | Path) -> tuple[Scenario, Network]:
    """Check a scenario file and its network without solving: the scenario and its network,
    or a :class:`~corridors.errors.ScenarioError` with every problem of every stage (the
    files of the ``extends`` chain, the geodata and the nodes the scenario names, event and
    season targets, policy ids, the solver) in one error, each naming its file and key."""
    draft = read_scenario(path)
    problems, network = scenario_problems(draft)
    if problems:
        raise ScenarioError(problems)
    assert draft.scenario is not None and network is not None
    return draft.scenario, network


_SOURCE, _SINK = ("", "supply or stock"), ("", "demand or stock")


def idle_link_warnings(scenario: Scenario, network: Network) -> list[str]:
    """Links switched on that can carry nothing: no active path (links and conversions) leads
    from any supply or stock to the link's start, or from its end to any demand or storage of
    what it delivers. One message per link, naming it and the end that is cut off.

    The test is on the graph of (node, commodity) states: an arc of link ``l`` goes from
    ``(from, commodity)`` to ``(to, output_commodity)`` (both ways for a bidirectional link).
    Sources are the supply entries with a positive ``max`` (or tranche) and the storage
    entries with an initial stock; sinks are the demand entries with a positive ``amount`` and
    the storage entries that can inject. An arc can carry flow when its start is reachable
    from a source and a sink is reachable from its end (NetworkX ``descendants`` and
    ``ancestors``). Capacities, seasons and events are not considered: a link warned about
    carries nothing whatever the scenario's events.
    """
    states = nx.DiGraph()
    arcs: dict[str, list[tuple[tuple[str, str], tuple[str, str]]]] = defaultdict(list)
    ends: dict[str, tuple[str, str, str, str, str]] = {}
    for u, v, key, data in network.graph.edges(keys=True, data=True):
        com = data["commodity"]
        out = data.get("output_commodity") or com
        ends[key] = (u, v, com, out, str(data.get("mode", "")))
        arcs[key].append(((u, com), (v, out)))
        if data.get("bidirectional"):
            arcs[key].append(((v, com), (u, out)))
    for pairs in arcs.values():
        states.add_edges_from(pairs)
    states.add_node(_SOURCE)
    states.add_node(_SINK)
    for x in scenario.supply:
        if x.max > 0 or any(t.max > 0 for t in x.tranches):
            states.add_edge(_SOURCE, (x.node, x.commodity))
    for j in scenario.storage:
        if j.initial > 0:
            states.add_edge(_SOURCE, (j.node, j.commodity))
        if j.max_injection > 0 and j.capacity > 0:
            states.add_edge((j.node, j.commodity), _SINK)
    for d in scenario.demand:
        if d.amount > 0:
            states.add_edge((d.node, d.commodity), _SINK)
    fed = nx.descendants(states, _SOURCE)
    useful = nx.ancestors(states, _SINK)
    out_msgs: list[str] = []
    for key in sorted(arcs):
        pairs = arcs[key]
        if any(a in fed and b in useful for a, b in pairs):
            continue
        u, v, com, out, mode = ends[key]
        both = len(pairs) > 1
        if not any(a in fed for a, _ in pairs):
            at = f"{u} or {v}" if both else u
            why = f"no supply or stock of {com} reaches {at} over active links"
        elif not any(b in useful for _, b in pairs):
            at = f"{v} or {u}" if both else v
            why = f"no active link leads on from {at} to a demand or storage of {out}"
        else:
            why = "no path runs from a supply or stock through it to a demand or storage"
        what = com if out == com else f"{com} -> {out}"
        out_msgs.append(
            f"link '{key}' ({mode}, {u} -> {v}, {what}) is switched on but can carry nothing: {why}"
        )
    return out_msgs


# --------------------------------------------------------------------------- after a solve


def checking_enabled() -> bool:
    """True when :data:`CHECK_ENV` asks for every solve to be checked."""
    return os.environ.get(CHECK_ENV, "") not in ("", "0")


def assert_invariants(result: Result) -> None:
    """Raise :class:`InvariantError` listing every violated invariant of ``result``."""
    problems = check_invariants(result)
    if problems:
        raise InvariantError("invariants violated: " + "; ".join(problems))


def check_invariants(result: Result, tol: float = 1e-6) -> list[str]:
    """Return a list of violated invariants (empty when the result is consistent).

    - non-negativity of flows, supplies, unmet demand and storage variables;
    - capacity: flow ≤ available capacity; supply ≤ available; unmet ≤ demand;
    - conversion: delivered = η·flow with η = efficiency·PJ(in)/PJ(out);
    - conservation at every node, commodity and period (the balance equation of the model);
    - storage: level[t] = level[t−1] + injection − withdrawal, 0 ≤ level ≤ capacity.
    """
    out: list[str] = []
    if not result.status.is_ok:
        return out
    s = result.scenario
    fl = result.flows
    scale = max(1.0, float(fl["flow"].abs().max() if len(fl) else 0.0))
    eps = tol * scale

    for name, df, col in (
        ("flow", fl, "flow"),
        ("supply", result.supply, "supplied"),
        ("unmet", result.unmet, "unmet"),
        ("storage level", result.storage, "level"),
        ("withdrawal", result.storage, "withdrawal"),
        ("injection", result.storage, "injection"),
    ):
        bad = df[df[col] < -eps]
        if len(bad):
            out.append(f"{name} negative in {len(bad)} rows, e.g. {bad.iloc[0].to_dict()}")

    over = fl[fl["capacity"].notna() & (fl["flow"] > fl["capacity"] + eps)]
    if len(over):
        out.append(f"flow above capacity on {len(over)} arcs, e.g. {over.iloc[0].to_dict()}")
    sup = result.supply
    if len(sup[sup["supplied"] > sup["available"] + eps]):
        out.append("supply above its available maximum")
    un = result.unmet
    if len(un[un["unmet"] > un["demand"] + eps]):
        out.append("unmet demand larger than demand")

    links = result.network.links
    com = s.commodities
    eta = {
        lid: conversion_factor(e, com[ci].pj_per_unit, com[co].pj_per_unit)
        for lid, e, ci, co in zip(
            links.index,
            links["efficiency"],
            links["commodity"],
            links["output_commodity"],
            strict=True,
        )
    }
    expected = fl["link"].map(eta) * fl["flow"]
    if not np.allclose(expected, fl["delivered"], atol=eps):
        out.append("delivered flow differs from efficiency × flow on a conversion link")

    bal: dict[tuple[str, str, int], float] = defaultdict(float)
    # what reaches a link's end in a period: a sea cargo after its voyage time (``arrived``)
    arrive = "arrived" if "arrived" in fl.columns else "delivered"
    cols = ("from", "to", "commodity", "output_commodity", "period", "flow", arrive)
    for a, b, ci, co, t, f, dlv in zip(*(fl[c] for c in cols), strict=True):
        bal[(b, co, t)] += dlv
        bal[(a, ci, t)] -= f
    for r in sup.itertuples(index=False):
        bal[(r.node, r.commodity, r.period)] += r.supplied
    for r in result.storage.itertuples(index=False):
        bal[(r.node, r.commodity, r.period)] += r.withdrawal - r.injection
    for r in un.itertuples(index=False):
        bal[(r.node, r.commodity, r.period)] += r.unmet - r.demand
    worst = max(bal.items(), key=lambda kv: abs(kv[1]), default=None)
    if worst is not None and abs(worst[1]) > eps:
        n, c, t = worst[0]
        out.append(f"conservation violated at {n}/{c} period {t}: imbalance {worst[1]:.6g}")

    d = period_years(s.horizon.period_days)
    for j in s.storage:
        rows = result.storage[
            (result.storage["node"] == j.node) & (result.storage["commodity"] == j.commodity)
        ].sort_values("period")
        prev = j.initial
        for r in rows.itertuples(index=False):
            if abs(r.level - (prev + r.injection - r.withdrawal)) > eps:
                out.append(f"storage {j.node}/{j.commodity} level jumps in period {r.period}")
            if r.level > j.capacity + eps:
                out.append(f"storage {j.node}/{j.commodity} above capacity")
            if r.withdrawal > j.max_withdrawal * d + eps:
                out.append(f"storage {j.node}/{j.commodity} withdraws faster than its rate")
            prev = r.level
    return out
