"""Solve the built model with HiGHS: the assembled LP arrays directly, or the Pyomo model.

:class:`Runner` holds one HiGHS instance for one built model, loaded from the assembled LP
arrays (``direct``) or from the Pyomo model compiled to standard form (``pyomo``: the model
with whatever a policy or a user's ``extra=`` function added). For loops over many
disruptions, :meth:`Runner.resolve` changes column bounds in bulk on that HiGHS instance and
re-runs warm (dual simplex), reading the solution as arrays through the variable -> column
map; the tests check it against full solves, and the two interfaces against each other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
from pyomo.common.tee import capture_output

from corridors.core.availability import Availability
from corridors.core.lp import FAMILIES, MONEY_SCALE, bound_arrays
from corridors.core.model import BuiltModel, set_bounds
from corridors.core.pyomo_compile import compile_model
from corridors.core.pyomo_model import in_order, row_keys
from corridors.core.status import Status
from corridors.io.schema import SolverOptions

#: ``method: auto`` uses dual simplex: on this model's network LPs it was faster than interior
#: point at every size measured (1.4x at 10^4, 1.9x at 10^5, 3.6x at 10^6 link-periods;
#: ``benchmarks/bench_scale.py --methods``; 2.3x and 2.6x on 52-period networks with reserves,
#: ``--shape weekly``), and it warm-starts after bound changes.
#: ``method: ipm`` stays available for LPs of other shapes.
AUTO_METHOD = "simplex"


@dataclass
class Solution:
    """Primal and dual values as arrays (quantities per period, money in USD)."""

    status: Status
    objective: float  # USD
    flow: np.ndarray
    supply: np.ndarray
    unmet: np.ndarray
    level: np.ndarray
    withdraw: np.ndarray
    inject: np.ndarray
    balance_dual: np.ndarray | None  # USD per unit, (B, T)
    throughput_dual: np.ndarray | None  # USD per PJ, (capped nodes, T)
    flow_reduced_cost: np.ndarray | None  # USD per unit, (L, T)
    seconds: float
    iterations: int
    method: str
    has_solution: bool = True
    extra: dict[str, float] = field(default_factory=dict)
    supply_reduced_cost: np.ndarray | None = None  # USD per unit, (supply steps, T)
    at_sea: np.ndarray | None = None  # units loaded per period before the horizon, (L, 1)
    degenerate: dict[str, np.ndarray] = field(default_factory=dict)
    """Per family (``flow``, ``supply``): True where a column sits at its upper bound with a
    shadow price that does not hold for a single extra unit (HiGHS bound ranging: the
    objective stays the same when the bound rises), i.e. a degenerate dual."""


#: Answers that end a solve; anything else is a numerical failure worth another attempt.
SETTLED = ("kOptimal", "kInfeasible", "kUnbounded", "kUnboundedOrInfeasible",
           "kTimeLimit", "kIterationLimit", "kInterrupt")  # fmt: skip


def run_robustly(h: highspy.Highs, method: str = "simplex") -> list[str]:
    """Run HiGHS; if dual simplex stops on numerical trouble (status not set, e.g. "excessive
    primal values" after its cost perturbation on the lagged weekly LPs), run again without cost
    perturbation, then with the interior point method (with crossover, so a basis remains for
    warm starts). Returns what it took beyond the first run (empty if nothing)."""
    retries: list[str] = []
    h.run()
    if method != "simplex" or h.getModelStatus().name in SETTLED:
        return retries
    retries.append("no cost perturbation")
    h.setOptionValue("dual_simplex_cost_perturbation_multiplier", 0.0)
    h.run()
    h.setOptionValue("dual_simplex_cost_perturbation_multiplier", 1.0)
    if h.getModelStatus().name in SETTLED:
        return retries
    retries.append("interior point")
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "on")
    h.run()
    h.setOptionValue("solver", method)
    return retries


def quiet_highs() -> highspy.Highs:
    """A new HiGHS instance with its output off (HiGHS prints a banner to the C-level stdout
    when it is created, before any option can be set: that write is captured and dropped)."""
    with capture_output(capture_fd=True):
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


class Runner:
    """One built model bound to one HiGHS instance, through one of two interfaces.

    ``direct`` (what ``interface: auto`` uses unless the Pyomo model has been built): the LP
    arrays of :func:`corridors.core.lp.assemble` are passed to HiGHS in one call. ``pyomo``:
    the Pyomo model, with anything added to it (a ``policy:``, a user's ``extra=`` function),
    is compiled to standard form (:func:`corridors.core.pyomo_compile.compile_model`) and passed
    to HiGHS the same way. Both hold the same LP for the same scenario (the tests compare them
    entry by entry); after loading, bounds are changed and solutions read the same way, on
    the HiGHS columns, through column maps by the model's keys.

    With ``pyomo``, :meth:`solve` compiles the model again when it has changed since it was
    loaded (constraints or objectives added, removed, (de)activated or replaced, a mutable
    parameter of a policy or a user changed, bounds or domain of a variable other than the
    model's own): the model's own variable bounds and node limits come from the availability
    (:func:`corridors.core.lp.bound_arrays`) and are changed on HiGHS directly.
    """

    def __init__(
        self, built: BuiltModel, options: SolverOptions | None = None, interface: str | None = None
    ):
        self.built = built
        self.options = options or SolverOptions()
        iface = interface or self.options.interface
        if iface == "auto":
            iface = "pyomo" if built.has_pyomo else "direct"
        if iface not in ("pyomo", "direct"):
            raise ValueError(f"unknown solver interface {iface!r}")
        self.interface = iface
        t0 = time.perf_counter()
        self.highs = quiet_highs()
        self._columns: list[Any] = []
        self._rows: list[Any] = []
        self._col_of: dict[int, int] | None = None
        self._row_of: dict[int, int] | None = None
        self._loaded: tuple[Any, ...] | None = None
        self._alive: list[Any] = []
        if iface == "pyomo":
            self._load_pyomo()
        else:
            self._index_direct()
        self.setup_seconds = time.perf_counter() - t0
        self._configure()

    # -- the Pyomo model -----------------------------------------------------------------
    def _fingerprint(self) -> tuple[tuple[Any, ...], list[Any]]:
        """What the compiled model depends on besides the bounds of the model's own variables
        and the node limits (which :meth:`_apply` sets): active constraints and objectives
        with their expressions, mutable parameter values, other variables' bounds/domains.
        Returned as ids and values, with the objects themselves (held while the compiled
        model is loaded, so that no id is reused meanwhile)."""
        import pyomo.environ as pyo
        from pyomo.common.gc_manager import PauseGC

        with PauseGC():
            return self._fingerprint_of(pyo, self.built.model)

    @staticmethod
    def _fingerprint_of(pyo: Any, m: Any) -> tuple[tuple[Any, ...], list[Any]]:
        alive: list[Any] = []
        cons: list[tuple[int, int]] = []
        for c in m.component_data_objects(pyo.Constraint, active=True, descend_into=True):
            e = c.expr
            alive += (c, e)
            cons.append((id(c), id(e)))
        objs: list[tuple[int, int, int]] = []
        for o in m.component_data_objects(pyo.Objective, active=True, descend_into=True):
            e = o.expr
            alive += (o, e)
            objs.append((id(o), id(e), int(o.sense)))
        params: list[tuple[int, Any]] = []
        for comp in m.component_objects(pyo.Param, descend_into=True):
            if comp.mutable and comp is not m.node_limit:  # node limits: set by _apply
                alive.append(comp)
                params.extend((id(p), p.value) for p in comp.values())
        own = {id(getattr(m, name)) for name in FAMILIES}
        others: list[tuple[Any, ...]] = []
        for comp in m.component_objects(pyo.Var, descend_into=True):
            if id(comp) not in own:
                alive.append(comp)
                others.extend(
                    (id(v), v.lb, v.ub, v.fixed, v.value if v.fixed else None, v.is_integer())
                    for v in comp.values()
                )
        return (tuple(cons), tuple(objs), tuple(params), tuple(others)), alive

    def _load_pyomo(self) -> None:
        """Compile the Pyomo model (:func:`corridors.core.pyomo_compile.compile_model`) and pass
        it to HiGHS with the current bounds; column and row maps by the model's keys
        (:func:`~corridors.core.pyomo_model.column_keys`: the model's own variables take the
        LP's columns). A model of the same shape starts from the previous basis."""
        from pyomo.common.gc_manager import PauseGC

        with PauseGC():  # millions of small objects, none of them garbage
            self._load(self.built.model)

    def _load(self, m: Any) -> None:
        data = self.built.data
        T = data.periods
        fingerprint, alive = self._fingerprint()
        sf = compile_model(m, data)
        columns = sf.columns
        self.col = sf.col
        row_of = {id(con): i for i, con in enumerate(sf.rows)}
        rk = row_keys(data)

        def rows(name: str) -> np.ndarray:
            cons = in_order(getattr(m, name), rk[name])
            r = np.fromiter((row_of.get(id(c), -1) for c in cons), dtype=np.int64, count=len(cons))
            return r.reshape(-1, T)  # -1: deactivated (its dual is NaN)

        self.row_balance = rows("balance")
        self.row_throughput = rows("throughput")
        self._index_layout()
        n_col, n_row = len(columns), len(sf.rows)
        inf = highspy.kHighsInf
        lb, ub = np.zeros(n_col), np.full(n_col, inf)
        integer = np.zeros(n_col, dtype=bool)
        own = np.zeros(n_col, dtype=bool)
        own[self._col_index] = True
        for j in np.flatnonzero(~own).tolist():  # variables a policy or a user added
            v = columns[j]
            lo, hi = v.bounds
            lb[j] = -inf if lo is None else lo
            ub[j] = inf if hi is None else hi
            integer[j] = v.is_integer()
        col_lb, col_ub, limits = self._layout(self.built.bounds)
        lb[self._col_index], ub[self._col_index] = col_lb, col_ub
        row_lo = np.where(np.isinf(sf.row_lo), -inf, sf.row_lo)
        row_hi = np.where(np.isinf(sf.row_hi), inf, sf.row_hi)
        thr = self.row_throughput.ravel()
        on = thr >= 0
        row_hi[thr[on]] = limits[on]
        h = highspy.HighsLp()
        h.num_col_, h.num_row_ = n_col, n_row
        h.col_cost_ = sf.cost
        h.offset_ = sf.offset
        h.sense_ = highspy.ObjSense.kMaximize if sf.maximize else highspy.ObjSense.kMinimize
        h.col_lower_, h.col_upper_ = lb, ub
        h.row_lower_, h.row_upper_ = row_lo, row_hi
        h.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        h.a_matrix_.start_ = sf.start
        h.a_matrix_.index_ = sf.index
        h.a_matrix_.value_ = sf.value
        if integer.any():
            h.integrality_ = [
                highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                for i in integer.tolist()
            ]
        same_shape = self._loaded is not None and (n_col, n_row) == (
            self.highs.getNumCol(),
            self.highs.getNumRow(),
        )
        basis = self.highs.getBasis() if same_shape and not integer.any() else None
        if self.highs.passModel(h) == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS refused the compiled Pyomo model")
        if basis is not None and basis.valid:
            self.highs.setBasis(basis)  # e.g. a policy target changed: start warm, as before
        self._columns, self._rows = columns, sf.rows
        self._col_of, self._row_of = None, None
        self._col_lb, self._col_ub, self._row_ub = col_lb, col_ub, limits
        self._loaded, self._alive = fingerprint, alive
        # the compiled constant: the take-or-pay payment as last set, plus any user term
        paid = getattr(m, "contract_payment", None)
        self._offset = float(sf.offset)
        self._offset_rest = self._offset - (float(paid.value) if paid is not None else 0.0)

    def column(self, var: Any) -> int:
        """The HiGHS column of a Pyomo variable (``pyomo`` interface), -1 if it has none (a
        variable in no active constraint or objective, or a fixed one, replaced by its
        value)."""
        if self._col_of is None:
            self._col_of = {id(v): j for j, v in enumerate(self._columns)}
        return self._col_of.get(id(var), -1)

    def row(self, con: Any) -> int:
        """The HiGHS row of a Pyomo constraint (``pyomo`` interface), -1 if it has none (an
        inactive constraint, or one without variables)."""
        if self._row_of is None:
            self._row_of = {id(c): i for i, c in enumerate(self._rows)}
        return self._row_of.get(id(con), -1)

    def _index_direct(self) -> None:
        """Pass the assembled LP with the current bounds to HiGHS (columns and rows keep the
        layout of :class:`corridors.core.lp.LinearProgram`)."""
        lp = self.built.lp
        self.col = lp.col
        self.row_balance = lp.row["balance"]
        self.row_throughput = lp.row["throughput"]
        self._index_layout()
        lb, ub, limits = self._layout(self.built.bounds)
        row_hi = lp.row_hi.copy()
        row_hi[self.row_throughput.ravel()] = limits
        inf = highspy.kHighsInf
        h = highspy.HighsLp()
        h.num_col_, h.num_row_ = lp.num_col, lp.num_row
        h.col_cost_ = lp.cost
        h.offset_ = float(self.built.bounds["offset"])
        # families are laid out in FAMILIES order, so column j's bounds are lb[j], ub[j]
        assert np.array_equal(self._col_index, np.arange(lp.num_col))
        h.col_lower_, h.col_upper_ = lb, ub
        h.row_lower_ = np.where(np.isinf(lp.row_lo), -inf, lp.row_lo)
        h.row_upper_ = np.where(np.isinf(row_hi), inf, row_hi)
        h.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        h.a_matrix_.start_ = lp.start
        h.a_matrix_.index_ = lp.index
        h.a_matrix_.value_ = lp.value
        status = self.highs.passModel(h)
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS refused the assembled LP")
        self._col_lb, self._col_ub, self._row_ub = lb, ub, limits
        self._offset = float(self.built.bounds["offset"])
        self._offset_rest = 0.0

    def _index_layout(self) -> None:
        """The order in which :meth:`_layout` lays column bounds out, and their columns."""
        self.capped_nodes = self.built.data.capped_nodes
        self._col_names = [n for n in FAMILIES if self.col[n].size]
        self._col_index = (
            np.concatenate([self.col[n].ravel() for n in self._col_names]).astype(np.int32)
            if self._col_names
            else np.zeros(0, dtype=np.int32)
        )

    def _configure(self) -> None:
        h = self.highs
        h.setOptionValue("output_flag", False)
        method: str = self.options.method
        if method == "auto":
            method = AUTO_METHOD
        self.method = method
        # set on the HiGHS instance itself: kept when a changed Pyomo model is passed again
        h.setOptionValue("solver", method)
        if self.options.threads is not None:
            h.setOptionValue("threads", self.options.threads)
        if self.options.time_limit is not None:
            h.setOptionValue("time_limit", float(self.options.time_limit))

    # -- solving -------------------------------------------------------------------------
    def solve(self, avail: Availability | None = None) -> Solution:
        """Solve with the bounds of ``avail`` (else the bounds last set on the model).

        With the ``pyomo`` interface, the Pyomo model is compiled again first if it has
        changed since it was loaded (see the class docstring)."""
        b = set_bounds(self.built, avail) if avail is not None else self.built.bounds
        if self.interface == "pyomo" and self._fingerprint()[0] != self._loaded:
            self._load_pyomo()
        self._apply(b)
        t0 = time.perf_counter()
        self._run()
        return self._read(time.perf_counter() - t0)

    def resolve(self, avail: Availability, duals: bool = True) -> Solution:
        """Warm re-solve after changing only bounds, directly on the HiGHS columns.

        Equivalent to ``set_bounds`` + ``solve`` (the tests check it), without setting the
        bounds on the model: only the columns and rows whose bounds differ from the previous
        solve are changed (the Pyomo model, if any, is neither updated nor checked).
        """
        self._apply(bound_arrays(self.built.data, avail))
        t0 = time.perf_counter()
        self._run()
        return self._read(time.perf_counter() - t0, duals=duals)

    def _run(self) -> None:
        """Run HiGHS, retrying on numerical trouble (:func:`run_robustly`)."""
        self.retries = run_robustly(self.highs, self.method)

    def _layout(self, b: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Column lower/upper bounds and throughput row limits in HiGHS order."""
        ub = np.concatenate([np.zeros(0), *(b[name].ravel() for name in self._col_names)])
        if highspy.kHighsInf != np.inf:
            ub[np.isinf(ub)] = highspy.kHighsInf
        lb = np.concatenate([np.zeros(0), *(b[f"{n}_lb"].ravel() for n in self._col_names)])
        rows = (
            b["node_limit"][self.capped_nodes].ravel() if self.row_throughput.size else np.zeros(0)
        )
        return lb, ub, rows

    def load_bounds(self, b: dict[str, np.ndarray]) -> None:
        """Set these bounds (from ``bound_arrays``) on HiGHS without solving."""
        self._apply(b)

    def _apply(self, b: dict[str, np.ndarray]) -> None:
        """Set HiGHS column/row bounds to ``b`` (arrays from ``bound_arrays``), changes only."""
        h = self.highs
        inf = highspy.kHighsInf
        lb, ub, limits = self._layout(b)
        offset = float(b["offset"]) + self._offset_rest
        if offset != self._offset:  # the take-or-pay payment of the suppliers still delivering
            h.changeObjectiveOffset(offset)
            self._offset = offset
        changed = np.flatnonzero((lb != self._col_lb) | (ub != self._col_ub))
        if changed.size:
            h.changeColsBounds(changed.size, self._col_index[changed], lb[changed], ub[changed])
            self._col_lb[changed] = lb[changed]
            self._col_ub[changed] = ub[changed]
        if self.row_throughput.size:
            changed = np.flatnonzero(limits != self._row_ub)
            changed = changed[self.row_throughput.ravel()[changed] >= 0]  # not deactivated
            if changed.size:
                rows = self.row_throughput.ravel()[changed]
                # in highspy's binding, absent from its type stubs
                h.changeRowsBounds(  # type: ignore[attr-defined]
                    changed.size, rows, np.full(changed.size, -inf), limits[changed]
                )
                self._row_ub[changed] = limits[changed]

    def _read(self, seconds: float, duals: bool = True) -> Solution:
        h = self.highs
        status = Status.from_highs(h.getModelStatus())
        info = h.getInfo()
        sol = h.getSolution()
        has_primal = info.primal_solution_status == 2 and sol.value_valid
        x = np.asarray(sol.col_value) if has_primal else None
        rc = np.asarray(sol.col_dual) if duals and sol.dual_valid else None
        y = np.asarray(sol.row_dual) if duals and sol.dual_valid else None

        def take(name: str, arr: np.ndarray | None) -> np.ndarray:
            c = self.col[name]
            if arr is None:
                return np.full(c.shape, np.nan)
            return arr[c] if c.size else np.zeros(c.shape)

        degenerate: dict[str, np.ndarray] = {}
        if rc is not None and x is not None and info.basis_validity == 1:
            status_rg, rg = h.getRanging()
            if status_rg == highspy.HighsStatus.kOk:
                # a bound with a shadow price whose rate holds for no increase at all
                up = np.asarray(rg.col_bound_up.value_)
                ub = np.asarray(h.getLp().col_upper_)
                flat = (rc < -1e-9) & (np.abs(x - ub) <= 1e-7) & (up <= ub + 1e-9)
                degenerate = {n: take(n, flat).astype(bool) for n in ("flow", "supply")}

        scale = 1.0 / MONEY_SCALE
        obj = info.objective_function_value * scale if has_primal else float("nan")
        return Solution(
            status=status,
            objective=obj,
            flow=take("flow", x),
            supply=take("supply", x),
            unmet=take("unmet", x),
            level=take("level", x),
            withdraw=take("withdraw", x),
            inject=take("inject", x),
            balance_dual=_at(y, self.row_balance) * scale if y is not None else None,
            throughput_dual=_at(y, self.row_throughput) * scale if y is not None else None,
            flow_reduced_cost=rc[self.col["flow"]] * scale if rc is not None else None,
            supply_reduced_cost=take("supply", rc) * scale if rc is not None else None,
            at_sea=take("at_sea", x),
            degenerate=degenerate,
            seconds=seconds,
            iterations=int(info.simplex_iteration_count) + max(int(info.ipm_iteration_count), 0),
            method=self.method
            + (f" (retried: {', '.join(self.retries)})" if getattr(self, "retries", None) else ""),
            has_solution=has_primal,
        )


def _at(y: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Row values at ``rows``; NaN where a row is absent (-1: a deactivated constraint)."""
    if rows.size and rows.min() < 0:
        return np.where(rows >= 0, y[np.maximum(rows, 0)], np.nan)
    return y[rows]
