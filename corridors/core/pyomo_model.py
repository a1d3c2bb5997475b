"""The LP as a Pyomo model, built from the same arrays as the LP handed to HiGHS.

Pyomo is imported only here, and only when the Pyomo model is needed (policy constraints, the
elastic diagnosis, ``solver: {interface: pyomo}``, the cross-checks in the tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from corridors.core.data import ModelData
from corridors.core.lp import FAMILIES, LinearProgram

if TYPE_CHECKING:
    import pyomo.environ as pyo


def _add_variables(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Variable families of :func:`_columns` as indexed Pyomo variables, all non-negative."""
    import pyomo.environ as pyo

    m.T = pyo.RangeSet(0, data.periods - 1)
    m.L = pyo.RangeSet(0, len(data.link_ids) - 1) if data.link_ids else pyo.Set(initialize=[])
    m.S = pyo.Set(initialize=range(len(data.supply)))
    m.K = pyo.Set(initialize=range(len(data.demand)))
    m.J = pyo.Set(initialize=range(len(data.storage)))
    m.flow = pyo.Var(m.L, m.T, domain=pyo.NonNegativeReals)
    m.supply = pyo.Var(m.S, m.T, domain=pyo.NonNegativeReals)
    m.unmet = pyo.Var(m.K, m.T, domain=pyo.NonNegativeReals)
    m.withdraw = pyo.Var(m.J, m.T, domain=pyo.NonNegativeReals)
    m.inject = pyo.Var(m.J, m.T, domain=pyo.NonNegativeReals)
    m.level = pyo.Var(m.J, m.T, domain=pyo.NonNegativeReals)


def build_pyomo(lp: LinearProgram, data: ModelData) -> pyo.ConcreteModel:
    """The LP as a Pyomo model, row by row from ``lp`` (the same equations, see the row
    family functions): ``balance[b,t]``, ``throughput[n,t] ≤ node_limit[n,t]`` (a mutable
    parameter; n indexes ``data.node_ids``), ``storage_balance[j,t]``, ``storage_final[j]``
    and ``objective``. Variables ``flow[l,t]``, ``supply[s,t]``, ... as in :func:`_columns`.
    Bounds are set by :func:`set_bounds`.

    Each row is one ``LinearExpression`` built directly from its coefficient and variable
    lists (no operator overloading: the fastest way to build large linear models in Pyomo)."""
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    def linear(coefs: list[float], variables: list[Any]) -> LinearExpression:
        return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables)

    m = pyo.ConcreteModel(name="corridors")
    _add_variables(m, data)
    xs = [v for name in FAMILIES for v in getattr(m, name).values()]
    assert len(xs) == lp.num_col
    rstart, rcol, rval = lp.by_row()
    starts, cols, vals = rstart.tolist(), rcol.tolist(), rval.tolist()
    lo = lp.row_lo.tolist()

    def expr(r: Any) -> LinearExpression:  # r: a row number (numpy integer)
        s, e = starts[r], starts[r + 1]
        return linear(vals[s:e], [xs[j] for j in cols[s:e]])

    bal = lp.row["balance"]
    m.B = pyo.Set(initialize=range(len(data.balance_keys)))
    m.balance = pyo.Constraint(m.B, m.T, rule=lambda m, b, t: expr(bal[b, t]) == lo[bal[b, t]])
    thr = lp.row["throughput"]
    pos = {n: k for k, n in enumerate(data.capped_nodes)}
    m.N_cap = pyo.Set(initialize=data.capped_nodes)
    m.node_limit = pyo.Param(m.N_cap, m.T, mutable=True, initialize=0.0)
    m.throughput = pyo.Constraint(
        m.N_cap, m.T, rule=lambda m, n, t: expr(thr[pos[n], t]) <= m.node_limit[n, t]
    )
    sb = lp.row["storage_balance"]
    m.storage_balance = pyo.Constraint(
        m.J, m.T, rule=lambda m, j, t: expr(sb[j, t]) == lo[sb[j, t]]
    )
    sf = lp.row["storage_final"]
    m.storage_final = pyo.Constraint(m.J, rule=lambda m, j: expr(sf[j]) >= lo[sf[j]])
    paid = np.flatnonzero(lp.cost)
    m.objective = pyo.Objective(
        expr=linear(lp.cost[paid].tolist(), [xs[j] for j in paid.tolist()]), sense=pyo.minimize
    )
    return m


def set_pyomo_bounds(m: pyo.ConcreteModel, b: dict[str, np.ndarray]) -> None:
    for name in FAMILIES:
        ubs = b[name].ravel().tolist()  # row-major (index, period): the Var's own order
        for var, ub in zip(getattr(m, name).values(), ubs, strict=True):
            var.setub(None if ub == np.inf else ub)
    for var, lb in zip(m.supply.values(), b["supply_lb"].ravel().tolist(), strict=True):
        var.setlb(lb)
    for (n, t), p in m.node_limit.items():
        p.set_value(float(b["node_limit"][n, t]))
