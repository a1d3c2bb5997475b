"""Solvers: HiGHS by default, or any LP solver Pyomo drives (``solver: {name: glpk}``).

``name: highs`` (the default) is :class:`corridors.core.solve.Runner`: the LP handed to HiGHS
directly, or through Pyomo when the Pyomo model carries more (a policy, a user's ``extra``).
Any other name solves the readable Pyomo model (:mod:`corridors.core.pyomo_model`) with that
solver through ``pyomo.environ.SolverFactory``; :class:`PyomoSolverRunner` reads the primal
values, the balance and throughput duals and the flows' reduced costs back into the same
:class:`~corridors.core.solve.Solution` as HiGHS gives, so results, prices and outputs are
identical in form. Re-solves (sweeps) set bounds on the Pyomo model and solve it again.

A solver that Pyomo does not know, or that is not installed, is a one-line
:class:`~corridors.errors.CorridorsError` naming ``solver.name`` and how to install it.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from corridors.core.availability import Availability
from corridors.core.lp import MONEY_SCALE, TIMELESS
from corridors.core.model import BuiltModel, set_bounds
from corridors.core.pyomo_model import column_keys, in_order, row_keys
from corridors.core.solve import Runner, Solution
from corridors.core.status import Status
from corridors.errors import CorridorsError, Problem, suggest
from corridors.io.schema import Scenario, SolverOptions

if TYPE_CHECKING:
    import pyomo.environ as pyo

DEFAULT_SOLVER = "highs"

#: How to install the solvers people ask for most (shown when one is missing).
INSTALL_HINTS = {
    "glpk": "apt-get install glpk-utils (Debian/Ubuntu), brew install glpk or conda install glpk",
    "cbc": "apt-get install coinor-cbc (Debian/Ubuntu) or conda install coin-or-cbc",
    "scip": "conda install scip, or see scipopt.org",
    "gurobi": "pip install gurobipy (with a Gurobi licence) and use name: gurobi_direct",
    "gurobi_direct": "pip install gurobipy (with a Gurobi licence)",
    "cplex": "pip install cplex (with a CPLEX licence) and use name: cplex_direct",
    "cplex_direct": "pip install cplex (with a CPLEX licence)",
    "xpress": "pip install xpress (with a FICO Xpress licence)",
    "mosek": "pip install mosek (with a MOSEK licence)",
}


def _where(scenario: Scenario | None) -> str:
    return str(scenario.source or "") if scenario is not None else ""


def check_solver(options: SolverOptions, scenario: Scenario | None = None) -> None:
    """Raise a one-line error when ``solver.name`` is unknown to Pyomo, not installed, or
    combined with options only HiGHS has."""
    name = options.name
    if name == DEFAULT_SOLVER:
        return
    where = _where(scenario)
    if options.interface == "direct":
        raise CorridorsError(
            Problem(
                where,
                "solver.interface",
                f"'direct' hands the LP to HiGHS; solver '{name}' is driven through Pyomo: "
                "use interface: auto",
            )
        )
    if scenario is not None and not scenario.policy.empty:
        raise CorridorsError(
            Problem(
                where,
                "solver.name",
                f"a policy: section is reported from HiGHS's duals and MIP gap; use name: highs "
                f"(or remove the policy to solve with '{name}')",
            )
        )
    import pyomo.environ as pyo

    known = sorted(n for n in pyo.SolverFactory if not n.startswith("_"))
    if name not in pyo.SolverFactory:
        raise CorridorsError(
            Problem(
                where,
                "solver.name",
                f"unknown solver '{name}'{suggest(name, [DEFAULT_SOLVER, *known])}; "
                "use highs (built in) or a solver Pyomo drives, e.g. glpk, cbc, gurobi_direct",
            )
        )
    if not _solver(name).available(exception_flag=False):
        hint = INSTALL_HINTS.get(name, "install it so that Pyomo finds it on the PATH")
        raise CorridorsError(
            Problem(where, "solver.name", f"solver '{name}' is not installed: {hint}")
        )


def _solver(name: str) -> Any:
    """``SolverFactory(name)`` without Pyomo's logged traceback for a missing executable."""
    import pyomo.environ as pyo

    log = logging.getLogger("pyomo.opt")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        return pyo.SolverFactory(name)
    finally:
        log.setLevel(level)


def make_runner(
    built: BuiltModel, options: SolverOptions, scenario: Scenario | None = None
) -> Runner | PyomoSolverRunner:
    """The runner for ``options.name``: HiGHS's :class:`Runner`, or a Pyomo-driven solver."""
    if options.name == DEFAULT_SOLVER:
        return Runner(built, options)
    check_solver(options, scenario)
    return PyomoSolverRunner(built, options)


#: Pyomo termination condition (by name) -> Status.
_TERMINATION = {
    "optimal": Status.OPTIMAL,
    "locallyOptimal": Status.OPTIMAL,
    "globallyOptimal": Status.OPTIMAL,
    "maxTimeLimit": Status.TIME_LIMIT,
    "maxIterations": Status.ITERATION_LIMIT,
    "infeasible": Status.INFEASIBLE,
    "infeasibleOrUnbounded": Status.INFEASIBLE,
    "unbounded": Status.UNBOUNDED,
    "solverFailure": Status.ERROR,
    "error": Status.ERROR,
    "internalSolverError": Status.ERROR,
}


class PyomoSolverRunner:
    """Solves the built model's Pyomo form with a solver Pyomo drives (not HiGHS).

    Same contract as :class:`corridors.core.solve.Runner` for :meth:`solve` and
    :meth:`resolve`: a disruption only changes bounds (on the Pyomo model), the model is not
    rebuilt. Duals come from Pyomo's ``dual`` and ``rc`` suffixes, scaled to USD.
    """

    interface = "pyomo"

    def __init__(self, built: BuiltModel, options: SolverOptions) -> None:
        import pyomo.environ as pyo

        self.built = built
        self.options = options
        self.method = options.name
        self.opt = _solver(options.name)
        if options.time_limit is not None:
            self._limit = {"tmlim": options.time_limit} if options.name == "glpk" else {}
        else:
            self._limit = {}
        m = built.model
        for suffix in ("dual", "rc"):
            if not hasattr(m, suffix):
                m.add_component(suffix, pyo.Suffix(direction=pyo.Suffix.IMPORT))
        data = built.data
        self._cols = column_keys(data)
        self._rows = row_keys(data)
        self.setup_seconds = 0.0

    def _family(self, name: str) -> list[Any]:
        return in_order(getattr(self.built.model, name), self._cols[name])

    def solve(self, avail: Availability | None = None) -> Solution:
        """Solve with the bounds of ``avail`` (else the bounds last set on the model)."""
        return self.resolve(avail, duals=True)

    def resolve(self, avail: Availability | None = None, duals: bool = True) -> Solution:
        """Set the bounds of ``avail`` on the Pyomo model and solve it again."""
        from pyomo.opt import SolutionStatus

        if avail is not None:
            set_bounds(self.built, avail)
        m = self.built.model
        t0 = time.perf_counter()
        res = self.opt.solve(m, load_solutions=False, options=self._limit)
        seconds = time.perf_counter() - t0
        term = str(res.solver.termination_condition)
        status = _TERMINATION.get(term, Status.UNKNOWN)
        has = len(res.solution) > 0 and res.solution(0).status in (
            SolutionStatus.optimal,
            SolutionStatus.feasible,
            SolutionStatus.locallyOptimal,
            SolutionStatus.globallyOptimal,
            SolutionStatus.bestSoFar,
        )
        if has:
            m.solutions.load_from(res)
        return self._read(status, has, seconds, duals)

    def _read(self, status: Status, has: bool, seconds: float, duals: bool) -> Solution:
        data = self.built.data
        T = data.periods
        scale = 1.0 / MONEY_SCALE

        def values(name: str) -> np.ndarray:
            width = 1 if name in TIMELESS else T
            n = len(self._cols[name]) // width if width else 0
            if not has:
                return np.full((n, width), np.nan)
            vals = [v.value for v in self._family(name)]
            arr = np.array([np.nan if v is None else v for v in vals], dtype=float)
            return arr.reshape(n, width)

        m = self.built.model
        dual, rc = m.dual, m.rc
        with_duals = duals and has and len(dual) > 0

        def row_duals(name: str) -> np.ndarray | None:
            if not with_duals:
                return None
            cons = in_order(getattr(m, name), self._rows[name])
            y = np.array([dual.get(c, np.nan) for c in cons], dtype=float)
            return y.reshape(-1, T) * scale

        flow_rc = None
        if with_duals and len(rc) > 0:
            r = np.array([rc.get(v, np.nan) for v in self._family("flow")], dtype=float)
            flow_rc = r.reshape(-1, T) * scale
        obj = float(_objective_value(m)) * scale if has else float("nan")
        return Solution(
            status=status if has or status is not Status.OPTIMAL else Status.UNKNOWN,
            objective=obj,
            flow=values("flow"),
            supply=values("supply"),
            unmet=values("unmet"),
            level=values("level"),
            withdraw=values("withdraw"),
            inject=values("inject"),
            balance_dual=row_duals("balance"),
            throughput_dual=row_duals("throughput"),
            flow_reduced_cost=flow_rc,
            at_sea=values("at_sea"),
            seconds=seconds,
            iterations=0,
            method=self.method,
            has_solution=has,
        )


def _objective_value(m: pyo.ConcreteModel) -> float:
    import pyomo.environ as pyo

    objs = list(m.component_data_objects(pyo.Objective, active=True))
    return float(pyo.value(objs[0])) if objs else 0.0


__all__ = ["DEFAULT_SOLVER", "PyomoSolverRunner", "check_solver", "make_runner"]
