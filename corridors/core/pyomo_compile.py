"""The Pyomo model compiled to one LP or MIP in standard form (:func:`compile_model`): what the
``pyomo`` interface hands HiGHS when a policy or a user's ``extra=`` function has added to the
model of :mod:`corridors.core.pyomo_model`. The model's own variables keep the LP's column
order (:func:`~corridors.core.pyomo_model.column_keys`), so bounds are set and solutions read
the same way as on the assembled LP of :mod:`corridors.core.lp`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from corridors.core.data import ModelData
from corridors.core.lp import FAMILIES, TIMELESS, by_column
from corridors.core.pyomo_model import column_keys, in_order
from corridors.errors import CorridorsError

if TYPE_CHECKING:
    import pyomo.environ as pyo


@dataclass
class StandardForm:
    """The Pyomo model (with anything a policy or a user added) compiled to one LP or MIP:

        min/max  cost·x + offset   s.t.   row_lo ≤ A·x ≤ row_hi

    ``A`` by column (``start``, ``index``, ``value``). ``columns[j]`` is the Pyomo variable of
    column j: the model's own variables first, in the LP's column order (:func:`column_keys`),
    then any other in the order met. ``rows[i]`` is the constraint of row i, in the model's
    order (the model's own rows first, in the LP's row order). Fixed variables other than the
    model's own are replaced by their value; a constraint without variables is checked and
    left out.
    """

    columns: list[Any]
    rows: list[Any]
    col: dict[str, np.ndarray]
    """Column of each of the model's own variables: ``col[name][i, t]``, as ``lp.col``."""
    cost: np.ndarray
    offset: float
    maximize: bool
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray


class _Linear:
    """Collects the linear terms of Pyomo expressions as (column, coefficient) lists.

    The model's rows are ``LinearExpression`` objects of variables and monomials with numeric
    coefficients: those are read directly. Anything else (a policy row with a mutable share,
    a user's expression) goes through Pyomo's ``generate_standard_repn``, mutable parameters
    at their current values."""

    def __init__(self, columns: list[Any]):
        from pyomo.common.numeric_types import native_numeric_types
        from pyomo.core.expr.numeric_expr import (
            LinearExpression,
            MonomialTermExpression,
            SumExpression,
        )

        self.columns = columns
        self.n_own = len(columns)
        self.col_of = {id(v): j for j, v in enumerate(columns)}
        self.numbers = native_numeric_types
        self.sums = (LinearExpression, SumExpression)
        self.monomial = MonomialTermExpression
        self.var_classes: set[type] = set()

    def column(self, v: Any) -> int:
        j = self.col_of.get(id(v))
        if j is None:
            j = self.col_of[id(v)] = len(self.columns)
            self.columns.append(v)
        return j

    def terms(self, expr: Any) -> tuple[list[int], list[float], float]:
        """Columns, coefficients (duplicates not summed) and constant of a linear ``expr``."""
        cols: list[int] = []
        vals: list[float] = []
        const = self._add(expr, 1.0, cols, vals)
        return cols, vals, const

    def _add(self, e: Any, k: float, cols: list[int], vals: list[float]) -> float:
        cls = e.__class__
        if cls in self.sums:
            # the model's own rows: the model's own variables (never fixed, see compile_model)
            # alone or in monomials with a numeric coefficient, read inline
            const = 0.0
            col_get, n_own, numbers = self.col_of.get, self.n_own, self.numbers
            for a in e.args:
                if a.__class__ is self.monomial:
                    c, v = a.args
                    j = col_get(id(v))
                    if j is not None and j < n_own and c.__class__ in numbers:
                        cols.append(j)
                        vals.append(k * c)
                        continue
                else:
                    j = col_get(id(a))
                    if j is not None and j < n_own:
                        cols.append(j)
                        vals.append(k)
                        continue
                const += self._add(a, k, cols, vals)
            return const
        if cls in self.numbers:
            return k * e
        if cls is self.monomial:
            c, v = e.args
            if c.__class__ in self.numbers:
                return self._add(v, k * c, cols, vals)
        if cls in self.var_classes or (e.is_potentially_variable() and e.is_variable_type()):
            self.var_classes.add(cls)
            if e.fixed:
                return k * e.value
            cols.append(self.column(e))
            vals.append(k)
            return 0.0
        if not e.is_potentially_variable():
            from pyomo.environ import value

            return k * value(e)
        from pyomo.repn import generate_standard_repn

        repn = generate_standard_repn(e, compute_values=True, quadratic=False)
        if not repn.is_linear():
            raise CorridorsError(f"the Pyomo model is not linear: {e} has a nonlinear term")
        for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            cols.append(self.column(v))
            vals.append(k * float(c))
        return k * float(repn.constant)


def compile_model(m: pyo.ConcreteModel, data: ModelData) -> StandardForm:
    """Compile the active constraints and the one active objective of ``m`` into a
    :class:`StandardForm` (mutable parameters at their current values; coefficients of the
    same row and column summed, zeros dropped). A model that is not one linear program with
    one objective (e.g. after a user's ``extra=`` function) raises
    :class:`~corridors.errors.CorridorsError`.

    Pyomo's own ``LinearStandardFormCompiler`` gives the same matrix (a test checks it), but
    took 4.7 s, against 1 s here, on a model of a million nonzeros (``docs/model.md``)."""
    from pyomo.common.gc_manager import PauseGC

    with PauseGC():  # millions of small objects, none of them garbage (see build_pyomo)
        return _compile(m, data)


def _compile(m: pyo.ConcreteModel, data: ModelData) -> StandardForm:
    import pyomo.environ as pyo

    keys = column_keys(data)
    own: list[Any] = []
    col: dict[str, np.ndarray] = {}
    for name in FAMILIES:
        xs = in_order(getattr(m, name), keys[name])
        width = 1 if name in TIMELESS else data.periods
        col[name] = len(own) + np.arange(len(xs), dtype=np.int64).reshape(-1, width)
        own.extend(xs)
    fixed = next((v for v in own if v.fixed), None)
    if fixed is not None:
        raise CorridorsError(
            f"{fixed.name} is fixed: the bounds of the model's own variables come from the "
            "scenario and its disruptions; limit it with a constraint"
        )
    lin = _Linear(own)
    for v in own[:1]:
        lin.var_classes.add(v.__class__)
    objectives = list(m.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(objectives) != 1:
        raise CorridorsError(
            f"the Pyomo model needs exactly one active objective (it has {len(objectives)})"
        )
    sizes: list[int] = []
    cc: list[int] = []
    vv: list[float] = []
    rows: list[Any] = []
    lo: list[float] = []
    hi: list[float] = []
    obj_cols, obj_vals, offset = lin.terms(objectives[0].expr)
    for con in m.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        try:
            lb, body, ub = con.to_bounded_expression(evaluate_bounds=True)
        except ValueError as exc:
            raise CorridorsError(f"constraint {con.name}: {exc}") from exc
        cols, vals, const = lin.terms(body)
        low = -np.inf if lb is None else float(lb) - const
        high = np.inf if ub is None else float(ub) - const
        if not cols:  # no variable: nothing to solve, but it must hold
            if low > 1e-9 or high < -1e-9:
                raise CorridorsError(f"constraint {con.name} can never hold (no variable)")
            continue
        sizes.append(len(cols))
        cc += cols
        vv += vals
        rows.append(con)
        lo.append(low)
        hi.append(high)
    n_col = len(lin.columns)
    cost = np.zeros(n_col)
    np.add.at(cost, np.asarray(obj_cols, dtype=np.int64), np.asarray(obj_vals, dtype=float))
    r = np.repeat(np.arange(len(rows), dtype=np.int64), sizes)
    c = np.asarray(cc, dtype=np.int64)
    v = np.asarray(vv, dtype=float)
    start, index, value = _by_column(r, c, v, n_col)
    return StandardForm(
        columns=lin.columns,
        rows=rows,
        col=col,
        cost=cost,
        offset=float(offset),
        maximize=objectives[0].sense == pyo.maximize,
        start=start,
        index=index,
        value=value,
        row_lo=np.asarray(lo, dtype=float),
        row_hi=np.asarray(hi, dtype=float),
    )


def _by_column(
    r: np.ndarray, c: np.ndarray, v: np.ndarray, n_col: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates to a matrix compressed by column, as the LP is (:func:`lp.by_column`)."""
    return by_column(r, c, v, n_col)
