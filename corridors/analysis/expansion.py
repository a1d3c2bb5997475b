"""Corridor investment planning under disruption: which planned/candidate links to build.

Candidates are the network's inactive links (status ``planned``/``candidate``; by default all
of them, or ``expansion.candidates``). They are switched on in a copy of the scenario
(``network.include_links``) and the built LP of that copy (:mod:`corridors.analysis.lpform`,
the arrays HiGHS is handed) is written once per disruption scenario s with its own bounds:

    r_lo ≤ A x_s ≤ r_hi,s,   x_lo,s ≤ x_s ≤ x_hi,s,   x_s,j ≤ x_hi,s,j · build_g(j)
    for every flow column j of a link of build group g (both directions, every period).

Build groups: each candidate link with capex > 0 is its own decision. A candidate with capex 0
is built together with the candidate links that end at its start node (geodata/SOURCES.md:
"capex counted in <cross-border link>"; e.g. ``dom_wuqia_nw`` with ``cagp_line_d``); a capex-0
candidate that no candidate leads to is free and is always available.

Annualised capital cost of group g (million USD over the horizon):

    K_g = capex_g · CRF(r, n) · Σ_t δ_t·d_t,   CRF(r, n) = r(1+r)^n / ((1+r)^n − 1)  (1/n if r = 0)

with r = ``expansion.discount_rate`` (default 0.08) and n = ``expansion.lifetime_years``
(default 30): assumptions, typical of pipeline project finance. Objectives (op_s = c'x_s, the
operating + shortage cost of scenario s, as in ``corridors run``):

    expected (two-stage stochastic):  min Σ_g K_g·build_g + Σ_s w_s·op_s       (w normalised)
    robust (worst case):              min Σ_g K_g·build_g + η,   η ≥ op_s  ∀s

Resilience frontier: for each capital budget B (million USD, total capex),

    min  Σ_s w_s·u_s  (expected)  or  max_s u_s  (worst)   s.t.  Σ_g capex_g·build_g ≤ B

with u_s = unmet energy (PJ) of scenario s, plus a tie-break of 1e-5 PJ per total shortage
cost on op_s and on the annualised capex (among plans with the same shortfall the cheapest).

Disruption scenarios come from ``expansion.scenarios`` in the YAML (name, weight, disruption
events) or from ``n1:CLASSES`` (every single loss of an element of those classes, equally
weighted, plus the case without loss; ``n1`` alone: the disruptable elements,
:data:`~corridors.core.availability.DISRUPTABLE_CLASSES`). A scenario with a ``policy:`` section is refused (the
LP has no diversification rows).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from corridors.analysis.expansion_result import ExpansionResult, write_expansion
from corridors.analysis.lpform import LPForm, form_bounds, lp_form, require_no_policy, tie_break
from corridors.analysis.milp import MilpOutcome, solve_milp
from corridors.core.availability import (
    Availability,
    apply_factor,
    availability,
    elements,
    parse_classes,
)
from corridors.core.lp import MONEY_SCALE
from corridors.core.session import Prepared, prepare
from corridors.core.status import Status
from corridors.errors import CorridorsError, Problem, suggest
from corridors.io.files import atomic_write
from corridors.io.network import REVERSE_SUFFIX
from corridors.io.schema import Scenario

MODES = ("expected", "robust", "both")
MEASURES = ("expected", "worst")


def crf(rate: float, years: int) -> float:
    """Capital recovery factor: the annuity per unit of capital over ``years`` at ``rate``."""
    if rate == 0:
        return 1.0 / years
    g = (1.0 + rate) ** years
    return rate * g / (g - 1.0)


@dataclass(frozen=True)
class Group:
    """Links built together by one decision."""

    name: str
    links: tuple[str, ...]
    capex: float  # million USD, total
    free: bool = False


@dataclass(frozen=True)
class ExpansionCase:
    """One disruption scenario s of the plan: its name, weight w_s and availability."""

    name: str
    weight: float
    avail: Availability


# --------------------------------------------------------------------------- inputs


def candidate_groups(scenario: Scenario, inactive: pd.DataFrame) -> list[Group]:
    """Validate the candidates and group them (see module doc)."""
    file = str(scenario.source or "")
    wanted = scenario.expansion.candidates
    ids = list(inactive.index)
    problems = []
    if wanted is not None:
        for lid in wanted:
            if lid not in ids:
                problems.append(
                    Problem(
                        file,
                        "expansion.candidates",
                        f"'{lid}' is not a planned or candidate link of this network"
                        f"{suggest(lid, ids)}",
                    )
                )
        ids = [i for i in ids if i in set(wanted)]
    cand = inactive.loc[ids]
    for lid, row in cand.iterrows():
        if row["capex"] is None or pd.isna(row["capex"]):
            problems.append(
                Problem(
                    file,
                    "expansion.candidates",
                    f"link '{lid}' ({row['status']}) has no capex: give capex (USD million) in "
                    "the links file or leave it out of expansion.candidates",
                )
            )
        if pd.isna(row["capacity"]):
            problems.append(
                Problem(
                    file,
                    "expansion.candidates",
                    f"link '{lid}' has no capacity: a candidate needs a finite capacity",
                )
            )
    if problems:
        raise CorridorsError(problems)
    if not len(cand):
        raise CorridorsError(
            Problem(file, "network", "no planned or candidate links to choose among")
        )
    paid = cand[cand["capex"] > 0]
    groups: dict[str, list[str]] = {lid: [lid] for lid in paid.index}
    free: list[str] = []
    for lid, row in cand[cand["capex"] == 0].iterrows():
        feeders = [p for p in paid.index if paid.at[p, "to"] == row["from"]]
        if feeders:
            for p in feeders:
                groups[p].append(lid)
        else:
            free.append(lid)
    out = [Group(g, tuple(links), float(paid.at[g, "capex"])) for g, links in groups.items()]
    out += [Group(lid, (lid,), 0.0, free=True) for lid in free]
    return out


def parse_cases(spec: str | None, prep: Prepared) -> list[ExpansionCase]:
    """Disruption scenarios: ``n1:CLASSES`` (``n1``: the default, disruptable classes) or the
    YAML's ``expansion.scenarios`` (or none)."""
    s = prep.scenario
    file = str(s.source or "")
    if spec:
        kind, _, classes = spec.partition(":")
        if kind != "n1":
            raise CorridorsError(
                Problem(
                    "",
                    "--scenarios",
                    "expected n1:CLASSES (e.g. n1:chokepoint,supplier; n1 alone: the "
                    f"disruptable elements), got '{spec}'",
                )
            )
        elems = elements(prep.network, prep.resolver, parse_classes(classes))
        cases = [ExpansionCase("no loss", 1.0, prep.availability)]
        for e in elems:
            avail = prep.availability.copy()
            apply_factor(avail, e.targets, 0.0)
            cases.append(ExpansionCase(f"loss of {e.label}", 1.0, avail))
        return cases
    if not s.expansion.scenarios:
        return [ExpansionCase("as given", 1.0, prep.availability)]
    cases = []
    for i, sc in enumerate(s.expansion.scenarios):
        try:
            variant = s.with_updates(disruptions=(*s.disruptions, *sc.disruptions))
            avail = availability(variant, prep.network, prep.resolver)
        except CorridorsError as exc:
            raise CorridorsError(
                [
                    Problem(file, f"expansion.scenarios[{i}].{p.location}", p.message)
                    for p in exc.problems
                ]
            ) from None
        cases.append(ExpansionCase(sc.name, sc.weight, avail))
    if sum(c.weight for c in cases) <= 0:
        raise CorridorsError(
            Problem(file, "expansion.scenarios", "the weights add up to 0; give positive weights")
        )
    return cases


# --------------------------------------------------------------------------- model


@dataclass
class Planner:
    """The stochastic/robust MILP over all scenarios, built once."""

    prep: Prepared
    groups: list[Group]
    cases: list[ExpansionCase]
    model: pyo.ConcreteModel
    form: LPForm
    annual: np.ndarray  # K_g, million USD over the horizon
    crf: float = 1.0  # capital recovery factor, per year
    opt: Any = None


def build_planner(
    prep: Prepared, groups: list[Group], cases: list[ExpansionCase], crf_value: float
) -> Planner:
    """Build the deterministic equivalent (see module doc) in Pyomo: for each scenario s, the
    columns of the built LP with the bounds of s and its rows, row by row from the LP arrays
    (:mod:`corridors.analysis.lpform`)."""
    from pyomo.core.expr.numeric_expr import LinearExpression

    form = lp_form(prep)
    data = prep.data
    years = float(np.sum(data.d * data.discount))
    annual = np.array([g.capex * crf_value * years for g in groups])
    link_pos = {lid: i for i, lid in enumerate(data.link_ids)}
    group_cols: list[np.ndarray] = []
    for group in groups:
        idx = []
        for lid in group.links:
            for arc in (lid, lid + REVERSE_SUFFIX):
                if arc in link_pos:
                    idx.extend(form.col["flow"][link_pos[arc]].tolist())
        group_cols.append(np.array(idx, dtype=np.int64))
    rows = form.row_entries()
    bounds = [form_bounds(data, form.lp, case.avail) for case in cases]

    def bound(x: Any) -> float | None:  # x: a float or a numpy scalar
        return None if np.isinf(x) else float(x)

    def linear(coefs: np.ndarray, xs: list[Any]) -> LinearExpression:
        return LinearExpression(constant=0.0, linear_coefs=coefs.tolist(), linear_vars=xs)

    m = pyo.ConcreteModel(name="expansion")
    S = range(len(cases))
    m.G = pyo.Set(initialize=range(len(groups)))
    m.build = pyo.Var(m.G, domain=pyo.Binary)
    for g, grp in enumerate(groups):
        if grp.free:
            m.build[g].fix(1)
    m.x = pyo.Var(  # x_s: one copy of the LP's columns per scenario, with its bounds
        S,
        range(form.n_cols),
        domain=pyo.Reals,
        bounds=lambda m, s, j: (bound(bounds[s].col_lo[j]), bound(bounds[s].col_hi[j])),
    )
    m.rows = pyo.ConstraintList()
    m.couple = pyo.ConstraintList()
    op: list[Any] = []
    unmet: list[Any] = []
    paid, short = np.flatnonzero(form.cost), np.flatnonzero(form.unmet_pj)
    for s in S:
        x = [m.x[s, j] for j in range(form.n_cols)]
        hi, rhi = bounds[s].col_hi, form.row_hi_for(bounds[s])
        for r, (cols, vals) in enumerate(rows):  # r_lo ≤ A x_s ≤ r_hi,s
            expr = linear(vals, [x[j] for j in cols.tolist()])
            lo_r, hi_r = form.row_lo[r], rhi[r]
            if lo_r == hi_r:
                m.rows.add(expr == float(lo_r))
            else:
                m.rows.add(pyo.inequality(bound(lo_r), expr, bound(hi_r)))
        for g, cols in enumerate(group_cols):
            if groups[g].free:
                continue
            for j in cols:
                if hi[j] > 0:  # x_s,j ≤ x_hi,s,j · build_g
                    m.couple.add(x[j] <= float(hi[j]) * m.build[g])
        op.append(linear(form.cost[paid], [x[j] for j in paid.tolist()]))
        unmet.append(linear(form.unmet_pj[short], [x[j] for j in short.tolist()]))
    m.op = pyo.Expression(S, rule=lambda m, s: op[s])
    m.unmet = pyo.Expression(S, rule=lambda m, s: unmet[s])
    m.capex = pyo.Expression(expr=sum(float(annual[g]) * m.build[g] for g in m.G))
    m.capex_total = pyo.Expression(expr=sum(groups[g].capex * m.build[g] for g in m.G))
    # every objective is built once and only one is active (the persistent solver keeps up)
    w = _weights(cases)
    eps = tie_break(data)
    m.eta = pyo.Var(domain=pyo.Reals)
    m.eta_u = pyo.Var(domain=pyo.Reals)
    m.worst = pyo.Constraint(S, rule=lambda m, s: m.eta >= m.op[s])  # η ≥ op_s
    m.worst_u = pyo.Constraint(S, rule=lambda m, s: m.eta_u >= m.unmet[s] + eps * m.op[s])
    m.budget_limit = pyo.Param(mutable=True, initialize=float(sum(g.capex for g in groups)) + 1)
    m.budget = pyo.Constraint(expr=m.capex_total <= m.budget_limit)  # Σ_g capex_g·build_g ≤ B
    m.obj_expected = pyo.Objective(expr=m.capex + sum(float(w[s]) * m.op[s] for s in S))
    m.obj_robust = pyo.Objective(expr=m.capex + m.eta)
    m.obj_eval = pyo.Objective(expr=sum(m.op[s] for s in S))
    m.obj_front_expected = pyo.Objective(
        expr=sum(float(w[s]) * (m.unmet[s] + eps * m.op[s]) for s in S) + eps * m.capex
    )
    m.obj_front_worst = pyo.Objective(expr=m.eta_u + eps * m.capex)
    return Planner(prep, groups, cases, m, form, annual, crf_value)


def _weights(cases: Sequence[ExpansionCase]) -> np.ndarray:
    w = np.array([c.weight for c in cases], dtype=float)
    return w / w.sum()


OBJECTIVE_NAMES = ("expected", "robust", "eval", "front_expected", "front_worst")


def _set_objective(pl: Planner, kind: str) -> None:
    """Activate one objective: expected | robust | eval (Σ_s op_s: every scenario optimal
    for fixed builds) | front_expected | front_worst."""
    for name in OBJECTIVE_NAMES:
        obj = getattr(pl.model, f"obj_{name}")
        if name == kind:
            obj.activate()
        else:
            obj.deactivate()


def _solve(pl: Planner, time_limit: float | None) -> MilpOutcome:
    outcome, pl.opt = solve_milp(pl.model, time_limit, 1e-6, pl.opt)
    return outcome


def _plan(pl: Planner) -> tuple[int, ...]:
    return tuple(g for g in pl.model.G if pyo.value(pl.model.build[g]) > 0.5)


def evaluate(pl: Planner, plan: Sequence[int], time_limit: float | None = None) -> dict[str, Any]:
    """Per-scenario optimal cost (USD) and unmet (PJ) with exactly ``plan`` built."""
    m = pl.model
    fixed = {g: m.build[g].fixed for g in m.G}
    for g in m.G:
        if not pl.groups[g].free:
            m.build[g].fix(1 if g in plan else 0)
    _set_objective(pl, "eval")
    out = _solve(pl, time_limit)
    ok = out.status is Status.OPTIMAL
    res = {
        "status": out.status,
        "op": [pyo.value(m.op[s]) / MONEY_SCALE if ok else None for s in range(len(pl.cases))],
        "unmet": [pyo.value(m.unmet[s]) if ok else None for s in range(len(pl.cases))],
        "capex_charged": float(sum(pl.annual[g] for g in plan)) / MONEY_SCALE,
    }
    for g in m.G:
        if not fixed[g]:
            m.build[g].unfix()
    return res


def _summary(pl: Planner, ev: dict[str, Any]) -> dict[str, float | None]:
    if ev["status"] is not Status.OPTIMAL:
        return {"expected_cost": None, "worst_cost": None}
    w = _weights(pl.cases)
    ops = np.array(ev["op"], dtype=float)
    return {
        "expected_cost": float(ev["capex_charged"] + w @ ops),
        "worst_cost": float(ev["capex_charged"] + ops.max()),
        "expected_unmet": float(w @ np.array(ev["unmet"], dtype=float)),
        "worst_unmet": float(np.max(ev["unmet"])),
    }


def _links(pl: Planner, plan: Sequence[int]) -> list[str]:
    out: list[str] = []
    for g, grp in enumerate(pl.groups):
        if g in plan or grp.free:
            out.extend(grp.links)
    return out


def solve_mode(pl: Planner, kind: str, time_limit: float | None) -> dict[str, Any]:
    """Solve one objective; evaluate the plan, no build and each build's value."""
    _set_objective(pl, kind)
    out = _solve(pl, time_limit)
    if out.objective is None:
        return {
            "build": [],
            "objective": None,
            "status": out.status,
            "gap": out.gap,
            "bound": out.bound,
        }
    plan = _plan(pl)
    ev = evaluate(pl, plan, time_limit)
    none = evaluate(pl, (), time_limit)
    cases = []
    for s, case in enumerate(pl.cases):
        cases.append(
            {
                "name": case.name,
                "weight": float(_weights(pl.cases)[s]),
                "cost": ev["op"][s],
                "cost_no_build": none["op"][s],
                "unmet_pj": ev["unmet"][s],
                "unmet_no_build_pj": none["unmet"][s],
                "shortfall_avoided_pj": None
                if ev["unmet"][s] is None or none["unmet"][s] is None
                else none["unmet"][s] - ev["unmet"][s],
            }
        )
    summ = _summary(pl, ev)
    key = "expected_cost" if kind == "expected" else "worst_cost"
    values = []
    for g in plan:
        ev_without = evaluate(pl, tuple(x for x in plan if x != g), time_limit)
        sw = _summary(pl, ev_without)
        with_, without = summ[key], sw[key]
        values.append(
            {
                "group": pl.groups[g].name,
                "links": list(pl.groups[g].links),
                "capex_musd": pl.groups[g].capex,
                "capex_per_year": pl.groups[g].capex / MONEY_SCALE * pl.crf,
                "capex_charged": float(pl.annual[g]) / MONEY_SCALE,
                "cost_with": with_,
                "cost_without": without,
                "value": None if without is None or with_ is None else without - with_,
            }
        )
    return {
        "build": _links(pl, plan),
        "groups_built": [pl.groups[g].name for g in plan],
        "objective": out.objective / MONEY_SCALE,
        "objective_unit": "USD",
        "status": out.status,
        "gap": out.gap,
        "bound": None if out.bound is None else out.bound / MONEY_SCALE,
        "capex_musd": float(sum(pl.groups[g].capex for g in plan)),
        "capex_per_year": float(sum(pl.groups[g].capex for g in plan)) / MONEY_SCALE * pl.crf,
        "capex_charged": ev["capex_charged"],
        **summ,
        "no_build": _summary(pl, none),
        "scenarios": cases,
        "value_of_builds": values,
        "seconds": out.seconds,
    }


def resilience_frontier(
    pl: Planner, budgets: Sequence[float], measure: str, time_limit: float | None
) -> pd.DataFrame:
    """Best achievable expected or worst-case shortfall (PJ) for each capital budget."""
    m = pl.model
    rows = []
    unlimited = float(pyo.value(m.budget_limit))
    for b in budgets:
        m.budget_limit.set_value(float(b))
        _set_objective(pl, f"front_{measure}")
        out = _solve(pl, time_limit)
        plan = _plan(pl) if out.objective is not None else ()
        ev = evaluate(pl, plan, time_limit) if out.objective is not None else None
        summ = _summary(pl, ev) if ev else {}
        rows.append(
            {
                "budget_musd": float(b),
                "shortfall_pj": summ.get(f"{measure}_unmet"),
                "measure": measure,
                "capex_musd": float(sum(pl.groups[g].capex for g in plan)),
                "build": ";".join(_links(pl, plan)),
                "status": out.status,
                "gap": out.gap,
            }
        )
    m.budget_limit.set_value(unlimited)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- driver


def expand(
    scenario: Prepared | Scenario | str | Path,
    *,
    mode: str = "expected",
    scenarios: str | None = None,
    frontier_budgets: Sequence[float] | None = None,
    measure: str = "worst",
    discount_rate: float | None = None,
    lifetime_years: int | None = None,
    time_limit: float | None = None,
) -> ExpansionResult:
    """Choose links to build (see module doc). ``mode``: expected, robust or both.

    ``scenario`` is a path, a :class:`Scenario` or a :class:`Prepared` model (then the
    candidates are switched on in a copy of its scenario, prepared afresh). A scenario with a
    ``policy:`` section is refused (:func:`corridors.analysis.lpform.require_no_policy`).
    """
    t0 = time.perf_counter()
    if mode not in MODES:
        raise CorridorsError(Problem("", "--mode", f"unknown mode '{mode}'{suggest(mode, MODES)}"))
    if measure not in MEASURES:
        raise CorridorsError(
            Problem("", "--measure", f"unknown measure '{measure}'{suggest(measure, MEASURES)}")
        )
    for b in frontier_budgets or ():
        if not b >= 0:
            raise CorridorsError(
                Problem("", "--frontier", f"infeasible budget {b}: budgets must be ≥ 0")
            )
    given = require_no_policy(scenario, "expand")
    base = prepare(given)
    s = base.scenario
    groups = candidate_groups(s, base.network.inactive_links)
    links = tuple(lid for g in groups for lid in g.links)
    net = s.network.model_dump()
    net["include_links"] = tuple(dict.fromkeys((*s.network.include_links, *links)))
    s2 = s.with_updates(network=net)
    prep = prepare(s2)
    cases = parse_cases(scenarios, prep)
    ex = s.expansion
    r = ex.discount_rate if discount_rate is None else discount_rate
    n = ex.lifetime_years if lifetime_years is None else lifetime_years
    if not 0 <= r <= 1 or n < 1:
        raise CorridorsError(
            Problem("", "--discount-rate", "discount rate in [0, 1] and lifetime ≥ 1 year")
        )
    pl = build_planner(prep, groups, cases, crf(r, n))
    primary = solve_mode(pl, "robust" if mode == "robust" else "expected", time_limit)
    other = solve_mode(pl, "robust", time_limit) if mode == "both" else None
    fr = (
        resilience_frontier(pl, frontier_budgets, measure, time_limit) if frontier_budgets else None
    )
    cand = base.network.inactive_links
    unit = {c: v.unit for c, v in s.commodities.items()}
    h = s.horizon
    info = {
        "candidates": [
            {
                "group": g.name,
                "links": list(g.links),
                "capex_musd": g.capex,
                "free": g.free,
                "capacity_per_year": {
                    lid: {
                        "volume": float(cand.at[lid, "capacity"]),
                        "unit": unit[str(cand.at[lid, "commodity"])],
                    }
                    for lid in g.links
                },
            }
            for g in groups
        ],
        "horizon_days": h.periods * h.period_days,
        "costs": "USD over the horizon, "
        + ("discounted to its start" if s.discounted else "not discounted (one period)"),
        "discount_rate": r,
        "lifetime_years": n,
        "crf": crf(r, n),
        "scenarios_count": len(cases),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    return ExpansionResult(primary, mode, other, fr, info)


__all__ = [
    "ExpansionCase",
    "ExpansionResult",
    "crf",
    "candidate_groups",
    "expand",
    "resilience_frontier",
    "write_expansion",
    "atomic_write",
]
