"""Exact worst-case k-element interdiction: a bilevel max-min turned into one MILP.

The attacker picks at most ``K`` elements (or elements within an attack budget) to lose;
the defender (the operator) then solves the usual min-cost flow with the lost elements' bounds
set to zero. The defender's problem is the built LP (:mod:`corridors.analysis.lpform`, exactly
what ``corridors sweep`` re-solves); its dual with one binary per element is the MILP of
:mod:`corridors.analysis.interdiction_dual`, where the big-M argument is given. The result is
checked: the chosen set is re-solved with the ordinary LP, and the MILP value must equal it
(``check`` in the output; a mismatch is reported as ``status: inexact``). A scenario with a
``policy:`` section is refused (the LP duality does not hold over its constraints).

Objectives: ``cost`` maximises the defender's optimal total cost. ``unmet`` sets the inner
objective to the unmet energy Σ_k pj_k·unmet_k (PJ over the horizon) plus a tie-break of
1e-5 PJ per total shortage cost, so it maximises the *minimum achievable* unmet demand after
the loss. That is what a sweep reports whenever shortage costs dominate delivery costs (the
operator then meets all it can); the reported ``unmet`` and ``cost`` are those of the re-solve,
i.e. exactly the numbers ``corridors sweep`` gives for that set.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyomo.environ as pyo

from corridors.analysis.interdiction_dual import (
    build_dual,
    element_cuts,
    inner_value,
    payment_weight,
)
from corridors.analysis.lpform import TIE_BREAK_PJ, lp_form, objective_vector, require_no_policy
from corridors.analysis.milp import MilpOutcome, solve_milp
from corridors.core.availability import Element, element_label, elements, parse_classes
from corridors.core.lp import MONEY_SCALE
from corridors.core.session import Prepared, prepare
from corridors.core.status import Status
from corridors.errors import CorridorsError, Problem, suggest
from corridors.io.files import write_json
from corridors.io.schema import Scenario

OBJECTIVES = ("unmet", "cost")
CHECK_TOL = 1.0e-6


# --------------------------------------------------------------------------- driver


@dataclass
class InterdictionResult:
    """The worst set found, its re-solved consequences and the MILP's status."""

    elements: list[str]
    unmet: float | None
    unmet_by_commodity: dict[str, float]
    cost: float | None
    cost_increase: float | None
    status: Status
    gap: float | None
    bound: float | None
    milp_objective: float | None
    objective: str
    k: int | None
    budget: float | None
    n_elements: int
    seconds: float
    milp_seconds: float
    check: dict[str, Any]
    runners_up: list[dict[str, Any]] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    """Commodity -> its unit (the units of ``unmet_by_commodity``)."""
    horizon_days: float | None = None
    """Length of the horizon the figures are totals over, days."""

    @property
    def objective_unit(self) -> str:
        """Unit of the MILP's objective, bound and check: PJ (unmet) or USD (cost)."""
        return "PJ" if self.objective == "unmet" else "USD"

    def to_json(self) -> dict[str, Any]:
        """interdiction.json: every figure as ``{value, unit}`` (a commodity quantity as
        ``{volume, unit}``), totals over the horizon (``horizon_days``)."""
        obj = self.objective_unit

        def v(x: float | None, unit: str) -> dict[str, Any]:
            return {"value": x, "unit": unit}

        return {
            "elements": self.elements,
            "labels": [element_label(n) for n in self.elements],
            "horizon_days": v(self.horizon_days, "days"),
            "unmet": v(self.unmet, "PJ"),
            "unmet_by_commodity": {
                c: {"volume": x, "unit": self.units.get(c, "")}
                for c, x in self.unmet_by_commodity.items()
            },
            "cost": v(self.cost, "USD"),
            "cost_increase": v(self.cost_increase, "USD"),
            "status": self.status,
            "gap": self.gap,
            "bound": v(self.bound, obj),
            "milp_objective": v(self.milp_objective, obj),
            "objective": self.objective,
            "objective_unit": obj,
            "k": self.k,
            "budget": self.budget,
            "elements_considered": self.n_elements,
            "seconds": v(round(self.seconds, 4), "s"),
            "milp_seconds": v(round(self.milp_seconds, 4), "s"),
            "check": {**self.check, "unit": obj} if self.check else self.check,
            "runners_up": [
                {
                    **r,
                    "labels": [element_label(n) for n in r["elements"]],
                    "unmet": v(r["unmet"], "PJ"),
                    "cost": v(r["cost"], "USD"),
                    "cost_increase": v(r["cost_increase"], "USD"),
                    "milp_objective": v(r["milp_objective"], obj),
                    "resolved_objective": v(r["resolved_objective"], obj),
                }
                for r in self.runners_up
            ],
        }


def _validate(
    elems: list[Element],
    k: int | None,
    budget: float | None,
    attack_costs: dict[str, float] | None,
    objective: str,
    file: str,
) -> np.ndarray:
    if objective not in OBJECTIVES:
        raise CorridorsError(
            Problem(
                "",
                "--objective",
                f"unknown objective '{objective}'{suggest(objective, OBJECTIVES)}; "
                "choose unmet or cost",
            )
        )
    if not elems:
        raise CorridorsError(Problem("", "--elements", "no elements of these classes"))
    if k is None and budget is None:
        raise CorridorsError(Problem("", "--k", "give --k K or a --budget"))
    if k is not None:
        if k < 1:
            raise CorridorsError(Problem("", "--k", f"K must be at least 1 (got {k})"))
        if k > len(elems):
            raise CorridorsError(
                Problem("", "--k", f"K={k} is larger than the {len(elems)} elements to choose from")
            )
    names = [e.name for e in elems]
    costs = np.ones(len(elems))
    problems = []
    for name, value in (attack_costs or {}).items():
        if name not in names:
            problems.append(
                Problem(
                    file,
                    f"attack_costs.{name}",
                    f"'{name}' is not among the elements considered{suggest(name, names)}",
                )
            )
        elif not (value >= 0 and math.isfinite(value)):
            problems.append(
                Problem(file, f"attack_costs.{name}", f"must be a number ≥ 0 (got {value})")
            )
        else:
            costs[names.index(name)] = value
    if problems:
        raise CorridorsError(problems)
    if budget is not None:
        if not (budget >= 0 and math.isfinite(budget)):
            raise CorridorsError(Problem("", "--budget", f"must be ≥ 0 (got {budget})"))
        if costs.min() > budget:
            raise CorridorsError(
                Problem(
                    "",
                    "--budget",
                    f"infeasible budget: {budget:g} buys no element "
                    f"(the cheapest, {names[int(costs.argmin())]}, costs {costs.min():g})",
                )
            )
    return costs


def interdict(
    scenario: Scenario | str | Path | Prepared,
    k: int | None = None,
    *,
    element_classes: str | None = None,
    objective: str = "unmet",
    budget: float | None = None,
    attack_costs: dict[str, float] | None = None,
    runners_up: int = 0,
    time_limit: float | None = None,
    rel_gap: float = 1e-7,
    fallback: bool = True,
) -> InterdictionResult:
    """Find the set of at most ``k`` elements (and/or within ``budget`` of ``attack_costs``;
    elements not listed cost 1) whose loss maximises unmet demand (PJ) or total cost.
    ``element_classes`` as for ``corridors sweep``; by default the disruptable elements
    (:data:`~corridors.core.availability.DISRUPTABLE_CLASSES`).

    ``runners_up`` > 0 re-solves with each found set excluded (a no-good cut) to list the
    next-worst sets. When no allowed loss leaves demand unmet (``objective="unmet"``), the
    costliest loss is reported instead (``check.note`` says so; ``fallback=False`` keeps the
    unmet result). Raises :class:`CorridorsError` for bad input.
    """
    t_start = time.perf_counter()
    prep = prepare(require_no_policy(scenario, "interdict"))
    s = prep.scenario
    elems = elements(prep.network, prep.resolver, parse_classes(element_classes))
    if attack_costs is None and s.attack_costs:
        attack_costs = dict(s.attack_costs)
    costs = _validate(elems, k, budget, attack_costs, objective, str(s.source or ""))
    if runners_up < 0:
        raise CorridorsError(Problem("", "--runners-up", "must be ≥ 0"))

    from corridors.analysis.sweep import Case, solve_case
    from corridors.analysis.sweep_case import OBJECTIVE, UNMET_PJ, unmet_columns

    base_row = solve_case(prep, Case(0, (), ()))
    if Status(base_row["status"]) is not Status.OPTIMAL:
        raise CorridorsError(
            Problem(str(s.source or ""), "", f"the scenario itself is {base_row['status']}")
        )
    # a lost element is lost from period 1, so stocks are released from period 1 whatever
    # set is chosen (as sweep cases release them: sweep_case.case_release)
    start = prep.availability.copy()
    start.release_from = 0
    form = lp_form(prep, start)
    cuts = element_cuts(prep, form, elems, start)
    c = objective_vector(prep.data, form, objective)
    milp = build_dual(prep, form, cuts, c, objective)
    m = milp.model
    if k is not None:
        m.attack.add(sum(m.z[e] for e in m.E) <= k)  # Σ_e z_e ≤ K
    if budget is not None:
        m.attack.add(sum(float(costs[e]) * m.z[e] for e in m.E) <= budget)  # Σ w_e z_e ≤ B
    scale = 1.0 / MONEY_SCALE if objective == "cost" else 1.0

    found: list[dict[str, Any]] = []
    opt = None
    first: MilpOutcome | None = None
    for rank in range(runners_up + 1):
        outcome, opt = solve_milp(m, time_limit, rel_gap, opt)
        first = first or outcome
        if outcome.objective is None:
            break
        chosen = [e for e in m.E if pyo.value(m.z[e]) > 0.5]
        names = tuple(elems[e].name for e in chosen)
        row = solve_case(prep, _case(prep, names))
        true = inner_value(form, cuts, chosen, c, payment_weight(prep, objective))
        entry = {
            "rank": rank + 1,
            "elements": list(names),
            "unmet": row[UNMET_PJ],
            "cost": row[OBJECTIVE],
            "cost_increase": None
            if row[OBJECTIVE] is None
            else row[OBJECTIVE] - base_row[OBJECTIVE],
            "milp_objective": outcome.objective * scale,
            "resolved_objective": None if true is None else true * scale,
            "status": outcome.status,
            "gap": outcome.gap,
            "lp_status": row["status"],
            "row": row,
        }
        found.append(entry)
        if rank < runners_up:  # exclude exactly this set: Σ_{e∈S}(1 − z_e) + Σ_{e∉S} z_e ≥ 1
            m.nogood.add(
                sum(1 - m.z[e] for e in chosen) + sum(m.z[e] for e in m.E if e not in chosen) >= 1
            )
    assert first is not None
    if (
        objective == "unmet"
        and found
        and first.status is Status.OPTIMAL
        and (found[0]["unmet"] or 0.0) <= CHECK_TOL
        and fallback
    ):
        # No loss within the limits leaves any demand unmet: report the costliest loss
        # instead (the unmet tie-break is too small to separate sets by cost reliably).
        res = interdict(
            prep,
            k,
            element_classes=element_classes,
            objective="cost",
            budget=budget,
            attack_costs=attack_costs,
            runners_up=runners_up,
            time_limit=time_limit,
            rel_gap=rel_gap,
        )
        res.check["note"] = (
            "no loss of these elements within the limits leaves demand unmet; "
            "the set shown maximises total cost"
        )
        return res
    best = found[0] if found else None
    check: dict[str, Any] = {}
    status = first.status
    if best is not None:
        true = best["resolved_objective"]
        milp_value = best["milp_objective"]
        tol = CHECK_TOL * max(1.0, abs(milp_value)) + (
            TIE_BREAK_PJ * 2 if objective == "unmet" else 0.0
        )
        agrees = true is not None and abs(true - milp_value) <= max(tol, 1e-6 * abs(true or 0))
        check = {
            "milp_objective": milp_value,
            "resolved_objective": true,
            "agrees": bool(agrees),
            "big_m_per_pj": milp.big_m_row * scale,
        }
        if not agrees and status is Status.OPTIMAL:
            status = Status.INEXACT
    best_row: dict[str, Any] | None = best["row"] if best else None
    com = s.commodities
    by_commodity = unmet_columns(s)  # the demanded commodities only: LNG is never short
    result = InterdictionResult(
        elements=list(best["elements"]) if best else [],
        unmet=best_row[UNMET_PJ] if best_row else None,
        unmet_by_commodity={c_: best_row[col] for c_, col in by_commodity.items()}
        if best_row
        else {},
        cost=best_row[OBJECTIVE] if best_row else None,
        cost_increase=best["cost_increase"] if best else None,
        status=status,
        gap=first.gap,
        bound=None if first.bound is None else first.bound * scale,
        milp_objective=best["milp_objective"] if best else None,
        objective=objective,
        k=k,
        budget=budget,
        n_elements=len(elems),
        seconds=time.perf_counter() - t_start,
        milp_seconds=first.seconds,
        check=check,
        runners_up=[{kk: vv for kk, vv in f.items() if kk != "row"} for f in found[1:]],
        units={c_: com[c_].unit for c_ in com},
        horizon_days=s.horizon.periods * s.horizon.period_days,
    )
    return result


def _case(prep: Prepared, names: tuple[str, ...]) -> Any:
    from corridors.analysis.sweep import Case

    zero = tuple([0.0] * prep.scenario.horizon.periods)
    return Case(-1, names, tuple(((n,), zero) for n in names))


def write_interdiction(result: InterdictionResult, out: str | Path) -> Path:
    """Write ``out/interdiction.json`` (atomically) and return its path."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CorridorsError(f"{out}: output path exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    path = out / "interdiction.json"
    write_json(path, result.to_json())
    return path


__all__ = ["InterdictionResult", "interdict", "write_interdiction"]
