"""Invariant checks on a solved result: conservation, capacity, non-negativity, conversion.

Available to users who want to verify a result:

    >>> problems = check_invariants(result)   # [] when every invariant holds

With the environment variable ``CORRIDORS_CHECK_INVARIANTS=1`` every solve of a prepared model
(:func:`corridors.core.session.solve_model`, so every ``corridors run``, frontier point, ...)
is checked and a violation raises :class:`InvariantError`; the test suite sets it for every test.
"""

from __future__ import annotations

import os
from collections import defaultdict

import numpy as np

from corridors.core.results import Result
from corridors.units import conversion_factor, period_years

#: Environment variable that makes every solve check its invariants.
CHECK_ENV = "CORRIDORS_CHECK_INVARIANTS"


class InvariantError(AssertionError):
    """A solved result breaks an invariant of the model (a bug, never a user error)."""


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
