"""Solving the analyses' MILPs (interdiction, expansion) with HiGHS through Pyomo.

The outcome is reported honestly: the status is HiGHS's model status mapped once, by
:meth:`corridors.core.solve.Status.from_highs` (the same map as for the LP: ``optimal``,
``time_limit``, ``infeasible``, ...), with the incumbent, the bound and the relative gap between
them, so that a MILP stopped by its time limit is never presented as an optimum.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo

from corridors.core.status import Status


@dataclass
class MilpOutcome:
    """What a MILP solve gives: status, incumbent and bound (objective units), their gap."""

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float


def solve_milp(
    model: pyo.ConcreteModel,
    time_limit: float | None,
    rel_gap: float,
    opt: Any = None,
    offset: float = 0.0,
) -> tuple[MilpOutcome, Any]:
    """Solve ``model`` (its active objective) with HiGHS; load the incumbent if there is one.

    ``opt`` is the persistent solver of a previous call (reused: it keeps up with changes to
    the model), or None for a new one; it is returned with the outcome. ``offset`` is added to
    the incumbent and the bound.
    """
    from pyomo.contrib.solver.solvers.highs import Highs

    if opt is None:
        opt = Highs()
        opt.config.load_solutions = False
        opt.config.raise_exception_on_nonoptimal_result = False
        opt.config.rel_gap = rel_gap
        opt.config.solver_options = {"output_flag": False, "mip_abs_gap": 1e-9}
    opt.config.time_limit = time_limit
    t0 = time.perf_counter()
    res = opt.solve(model)
    seconds = time.perf_counter() - t0
    status = Status.from_highs(opt._solver_model.getModelStatus())
    inc = res.incumbent_objective
    bound = res.objective_bound
    obj = None if inc is None else float(inc) + offset
    bnd = None if bound is None or not math.isfinite(bound) else float(bound) + offset
    gap = None
    if obj is not None and bnd is not None:
        gap = abs(bnd - obj) / max(abs(obj), 1e-9) if abs(bnd - obj) > 1e-9 else 0.0
    if inc is not None:
        res.solution_loader.load_vars()
    return MilpOutcome(status, obj, bnd, gap, seconds), opt


__all__ = ["MilpOutcome", "solve_milp"]
