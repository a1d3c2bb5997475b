"""Solve the built model with HiGHS, directly or through Pyomo's persistent interface.

:class:`Runner` holds one HiGHS instance for one built model: loaded from the assembled LP
arrays (``direct``) or by Pyomo's persistent HiGHS interface (``pyomo``). For loops over many
disruptions, :meth:`Runner.resolve` changes column bounds in bulk on that HiGHS instance and
re-runs warm (dual simplex), reading the solution as arrays through the variable -> column
map; the tests check it against Pyomo solves, and the two interfaces against each other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np
from pyomo.common.tee import capture_output

from corridors.core.availability import Availability
from corridors.core.lp import FAMILIES, MONEY_SCALE, bound_arrays
from corridors.core.model import BuiltModel, set_bounds
from corridors.core.status import Status
from corridors.io.schema import SolverOptions

if TYPE_CHECKING:
    from pyomo.contrib.solver.solvers.highs import Highs

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
    Pyomo's persistent HiGHS interface loads the Pyomo model (needed when Pyomo constraints were
    added, e.g. a ``policy:``). Both hold the same LP (the tests compare them); after loading,
    bounds are changed and solutions read the same way, on the HiGHS columns.
    """

    def __init__(
        self, built: BuiltModel, options: SolverOptions | None = None, interface: str | None = None
    ):
        self.built = built
        self.options = options or SolverOptions()
        iface = interface or self.options.interface
        if iface == "auto":
            iface = "pyomo" if built.has_pyomo else "direct"
        self.interface = iface
        t0 = time.perf_counter()
        if iface == "pyomo":
            from pyomo.contrib.solver.solvers.highs import Highs  # only on this path

            self.opt: Highs | None = Highs()
            self.opt.config.load_solutions = False
            self.opt.config.raise_exception_on_nonoptimal_result = False
            self.opt.set_instance(built.model)
            self.highs: highspy.Highs = self.opt._solver_model
            self._index_pyomo()
        elif iface == "direct":
            self.opt = None
            self.highs = quiet_highs()
            self._index_direct()
        else:
            raise ValueError(f"unknown solver interface {iface!r}")
        self.setup_seconds = time.perf_counter() - t0
        self._configure()
        self._direct = False

    # -- column maps ---------------------------------------------------------------------
    def _cols(self, var: Any) -> np.ndarray:
        assert self.opt is not None
        vmap = self.opt._pyomo_var_to_solver_var_map
        data = self.built.data
        keys = sorted(var.keys())
        if not keys:
            return np.zeros((0, data.periods), dtype=np.int64)
        n = max(k[0] for k in keys) + 1
        out = np.full((n, data.periods), -1, dtype=np.int64)
        for k in keys:
            out[k] = vmap.get(id(var[k]), -1)
        return out

    def _index_pyomo(self) -> None:
        """Column and row maps from Pyomo's persistent interface; bounds as HiGHS holds them."""
        assert self.opt is not None
        m = self.built.model
        self.col = {name: self._cols(getattr(m, name)) for name in FAMILIES}
        cmap = self.opt._pyomo_con_to_solver_con_map
        B = len(self.built.data.balance_keys)
        T = self.built.data.periods
        self.row_balance = np.array(
            [[cmap[m.balance[b, t]] for t in range(T)] for b in range(B)], dtype=np.int64
        ).reshape(B, T)
        caps = self.built.data.capped_nodes
        self.row_throughput = np.array(
            [[cmap[m.throughput[n, t]] for t in range(T)] for n in caps], dtype=np.int64
        ).reshape(len(caps), T)
        self._index_layout()
        lp = self.highs.getLp()
        self._col_lb = np.asarray(lp.col_lower_)[self._col_index].astype(float)
        self._col_ub = np.asarray(lp.col_upper_)[self._col_index].astype(float)
        self._row_ub = (
            np.asarray(lp.row_upper_)[self.row_throughput.ravel()].astype(float)
            if self.row_throughput.size
            else np.zeros(0)
        )

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

    def _index_layout(self) -> None:
        """The order in which :meth:`_layout` lays column bounds out, and their columns."""
        self.capped_nodes = self.built.data.capped_nodes
        self._col_names = [n for n in FAMILIES if self.col[n].size]
        self._supply_slice = None
        start = 0
        for n in self._col_names:
            if n == "supply":
                self._supply_slice = slice(start, start + self.col[n].size)
            start += self.col[n].size
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
        # set on the HiGHS instance itself, so that resolve() (which runs it directly) uses
        # the same method and limits as solve() (where Pyomo applies its config again)
        h.setOptionValue("solver", method)
        if self.options.threads is not None:
            h.setOptionValue("threads", self.options.threads)
        if self.options.time_limit is not None:
            h.setOptionValue("time_limit", float(self.options.time_limit))
        if self.opt is not None:
            if self.options.threads is not None:
                self.opt.config.threads = self.options.threads
            if self.options.time_limit is not None:
                self.opt.config.time_limit = self.options.time_limit
            self.opt.config.solver_options = {"solver": method, "output_flag": False}

    # -- solving -------------------------------------------------------------------------
    def solve(self, avail: Availability | None = None) -> Solution:
        """Solve with the bounds of ``avail`` (else the bounds last set on the model).

        Through Pyomo with the ``pyomo`` interface; directly on HiGHS with ``direct``."""
        if self.opt is None:
            b = set_bounds(self.built, avail) if avail is not None else self.built.bounds
            self._apply(b)
            t0 = time.perf_counter()
            self.highs.run()
            return self._read(time.perf_counter() - t0)
        if self._direct:
            # resolve() changed HiGHS directly: put back what Pyomo believes is there
            self._apply(self.built.bounds)
            self._direct = False
        if avail is not None:
            set_bounds(self.built, avail)
        t0 = time.perf_counter()
        self.opt.solve(self.built.model)
        seconds = time.perf_counter() - t0
        # Pyomo has now pushed the model's bounds to HiGHS: remember them as current
        self._col_lb, self._col_ub, self._row_ub = self._layout(self.built.bounds)
        return self._read(seconds)

    def resolve(self, avail: Availability, duals: bool = True) -> Solution:
        """Warm re-solve after changing only bounds, directly on the HiGHS columns.

        Equivalent to ``set_bounds`` + ``solve`` (the tests check it), without Pyomo's
        per-variable update pass: only the columns and rows whose bounds differ from the
        previous solve are changed. The Pyomo model's own bounds are not touched.
        """
        self._apply(bound_arrays(self.built.data, avail))
        self._direct = True
        t0 = time.perf_counter()
        self.highs.run()
        return self._read(time.perf_counter() - t0, duals=duals)

    def _layout(self, b: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Column lower/upper bounds and throughput row limits in HiGHS order."""
        ub = np.concatenate([np.zeros(0), *(b[name].ravel() for name in self._col_names)])
        if highspy.kHighsInf != np.inf:
            ub[np.isinf(ub)] = highspy.kHighsInf
        lb = np.zeros_like(ub)  # only supplies have lower bounds
        if self._supply_slice is not None:
            lb[self._supply_slice] = b["supply_lb"].ravel()
        rows = (
            b["node_limit"][self.capped_nodes].ravel() if self.row_throughput.size else np.zeros(0)
        )
        return lb, ub, rows

    def _apply(self, b: dict[str, np.ndarray]) -> None:
        """Set HiGHS column/row bounds to ``b`` (arrays from ``bound_arrays``), changes only."""
        h = self.highs
        inf = highspy.kHighsInf
        lb, ub, limits = self._layout(b)
        changed = np.flatnonzero((lb != self._col_lb) | (ub != self._col_ub))
        if changed.size:
            h.changeColsBounds(changed.size, self._col_index[changed], lb[changed], ub[changed])
            self._col_lb[changed] = lb[changed]
            self._col_ub[changed] = ub[changed]
        if self.row_throughput.size:
            changed = np.flatnonzero(limits != self._row_ub)
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
            balance_dual=y[self.row_balance] * scale if y is not None else None,
            throughput_dual=y[self.row_throughput] * scale if y is not None else None,
            flow_reduced_cost=rc[self.col["flow"]] * scale if rc is not None else None,
            seconds=seconds,
            iterations=int(info.simplex_iteration_count) + max(int(info.ipm_iteration_count), 0),
            method=self.method,
            has_solution=has_primal,
        )
