"""The formulation as a Pyomo model, by id: the readable statement of the model.

Sets (all ordered as in the scenario and network):

- ``m.L``: link ids; ``m.N``: node ids; ``m.C``: commodities; ``m.T``: periods 1..T, numbered
  as in flows.csv;
- ``m.B``: the (node, commodity) pairs with a balance (``data.balance_keys``);
- ``m.S``: the (node, commodity, tranche) of each supply step (``base`` for an entry's own
  ``max`` at its ``price``, then the labels of its ``tranches``);
- ``m.K``, ``m.J``: the (node, commodity) of each demand and storage (each is unique in a
  scenario, so the pair is its id);
- ``m.U``: the (node, commodity, step) of each shortfall step of a demand: its ``restraint``
  steps ``restraint_1``, ... then the rationing blocks ``shortage_1``, ...;
- ``m.N_cap``: the ids of nodes with a throughput limit and at least one link in.

Variables (all ≥ 0; bounds are set by :func:`set_pyomo_bounds` from
:func:`corridors.core.lp.bound_arrays`): ``flow[l, t]``, ``supply[n, c, tranche, t]``,
``unmet[n, c, step, t]``, ``withdraw[n, c, t]``, ``inject[n, c, t]``, ``level[n, c, t]``.

Constraints: ``balance[n, c, t]``, ``throughput[n, t]`` (≤ the mutable parameter
``node_limit[n, t]``, which a disruption changes without a rebuild), ``storage_balance[n, c, t]``,
``storage_final[n, c]``; and ``objective``. Each family is built by one function below whose
docstring gives its equation.

The same model is assembled as arrays in :mod:`corridors.core.lp` (what the direct HiGHS path
loads); ``tests/test_interfaces.py`` holds the two equal entry by entry on every reference
scenario (why two statements: ``docs/model.md``). :func:`column_keys` maps the LP's columns to
this model's variables.

Rows are built from precomputed incidence as ``LinearExpression`` objects (coefficient and
variable lists, no operator overloading: Pyomo's fastest way to build a large linear model).
Pyomo is imported only inside these functions, when the Pyomo model is needed.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from corridors.core.data import ModelData
from corridors.core.lp import FAMILIES, MONEY_SCALE, TIMELESS, by_column
from corridors.errors import CorridorsError

if TYPE_CHECKING:
    import pyomo.environ as pyo

Key = tuple[Any, ...]
Term = tuple[list[Any], int, float, int, Any]
"""(variables, base, coefficient, shift, pre-horizon variable or None)."""
"""(a family's variables in LP order, position i·T, coefficient, shift k): the term of period
t is ``coefficient · variables[i·T + max(t − k, 0)]`` (k > 0: a cargo loaded k periods
earlier, the first period's flow before the horizon)."""


# --------------------------------------------------------------------------- keys


def index_keys(data: ModelData) -> dict[str, list[Key]]:
    """For each variable family, the Pyomo index (without the period) of its position i in the
    LP (``lp.col[name][i, t]``): ``(link id,)`` for flows, ``(node, commodity, tranche)`` for
    supply steps, ``(node, commodity)`` otherwise."""
    storage = [(j.node, j.commodity) for j in data.storage]
    return {
        "flow": [(lid,) for lid in data.link_ids],
        "supply": [(s.node, s.commodity, s.tranche) for s in data.supply],
        "unmet": [(u.node, u.commodity, u.step) for u in data.unmet],
        "withdraw": storage,
        "inject": storage,
        "level": storage,
        "at_sea": [(lid,) for lid in data.link_ids],
    }


def column_keys(data: ModelData) -> dict[str, list[Key]]:
    """For each family, in :data:`~corridors.core.lp.FAMILIES` order, the Pyomo keys of its
    variables in the LP's column order: ``lp.col[name].ravel()[i·T + t]`` is the variable
    ``getattr(m, name)[(*index_keys(data)[name][i], t + 1)]``."""
    periods = range(1, data.periods + 1)
    keys = index_keys(data)
    out = {
        name: [(*k, t) for k in keys[name] for t in periods]
        for name in FAMILIES[1:]
        if name not in TIMELESS
    }
    timeless = {name: [k[0] if len(k) == 1 else k for k in keys[name]] for name in TIMELESS}
    return {"flow": list(itertools.product(data.link_ids, periods)), **out, **timeless}


def variable(m: pyo.ConcreteModel, data: ModelData, family: str, i: int, t: int) -> Any:
    """The Pyomo variable of family ``family`` at LP position ``i`` and period index ``t``
    (0-based, as in the LP arrays; the Pyomo model numbers periods from 1; ``t`` is ignored for
    a family without periods, ``at_sea``)."""
    key = index_keys(data)[family][i]
    if family in TIMELESS:
        return getattr(m, family)[key[0] if len(key) == 1 else key]
    return getattr(m, family)[(*key, t + 1)]


# --------------------------------------------------------------------------- building


def _variables(m: pyo.ConcreteModel, data: ModelData) -> dict[str, list[Any]]:
    """Sets and variables (see the module docstring); returns each family's variables in LP
    column order (position i·T + t), for building rows quickly."""
    import pyomo.environ as pyo

    m.T = pyo.RangeSet(1, data.periods)
    m.L = pyo.Set(initialize=data.link_ids, ordered=True)
    m.N = pyo.Set(initialize=data.node_ids, ordered=True)
    m.C = pyo.Set(initialize=list(data.pj), ordered=True)
    keys = index_keys(data)
    m.B = pyo.Set(initialize=data.balance_keys, dimen=2, ordered=True)
    m.S = pyo.Set(initialize=keys["supply"], dimen=3, ordered=True)
    m.K = pyo.Set(initialize=[(k.node, k.commodity) for k in data.demand], dimen=2, ordered=True)
    m.U = pyo.Set(initialize=keys["unmet"], dimen=3, ordered=True)
    m.J = pyo.Set(initialize=keys["level"], dimen=2, ordered=True)
    m.N_cap = pyo.Set(initialize=[data.node_ids[n] for n in data.capped_nodes], ordered=True)
    nonneg = pyo.NonNegativeReals
    m.flow = pyo.Var(m.L, m.T, domain=nonneg, doc="units of c_l per period")
    m.supply = pyo.Var(m.S, m.T, domain=nonneg, doc="units per period")
    m.unmet = pyo.Var(m.U, m.T, domain=nonneg, doc="units per period")
    m.withdraw = pyo.Var(m.J, m.T, domain=nonneg, doc="units per period")
    m.inject = pyo.Var(m.J, m.T, domain=nonneg, doc="units per period")
    m.level = pyo.Var(m.J, m.T, domain=nonneg, doc="units at the end of the period")
    m.at_sea = pyo.Var(m.L, domain=nonneg, doc="units loaded in a period before the horizon")
    xs = {name: list(getattr(m, name).values()) for name in FAMILIES}
    for name in FAMILIES:
        assert len(xs[name]) == len(keys[name]) * (1 if name in TIMELESS else data.periods)
    return xs


def _rows(index: list[Key], terms: dict[Key, list[Term]], T: int) -> dict[Key, Any]:
    """One ``LinearExpression`` per (key, period) from each key's terms (duplicates summed,
    zero coefficients dropped, as in the LP). A term with coefficient 1 is the variable itself,
    others are monomials: a monomial costs a Python object per term, so this halves the
    objects of a balance row."""
    from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

    out: dict[Key, Any] = {}
    for key in index:
        acc: dict[tuple[int, int, int], list[Any]] = {}
        for xs, base, coef, shift, pre in terms.get(key, ()):
            slot = acc.setdefault((id(xs), base, shift), [xs, base, 0.0, shift, pre])
            slot[2] += coef
        ones = [(xs, base, k, p) for xs, base, c, k, p in acc.values() if c == 1.0]
        other = [(xs, base, c, k, p) for xs, base, c, k, p in acc.values() if c not in (0.0, 1.0)]

        def at(xs: list[Any], base: int, k: int, pre: Any, t: int) -> Any:
            # before the horizon: the term's own pre-horizon variable (at_sea[l]), if any
            return pre if t - k < 0 and pre is not None else xs[base + max(t - k, 0)]

        for t in range(T):
            args = [at(xs, base, k, p, t) for xs, base, k, p in ones]
            args.extend(
                MonomialTermExpression((c, at(xs, base, k, p, t))) for xs, base, c, k, p in other
            )
            out[(*key, t + 1)] = LinearExpression(args)
    return out


def add_balance(m: pyo.ConcreteModel, data: ModelData, xs: dict[str, list[Any]]) -> None:
    """Commodity balance at every node n, commodity c and period t, ``balance[n, c, t]``:

        Σ_tr supply[n,c,tr,t] + Σ_{l into n, o_l = c} η_l·arrival[l,t] − Σ_{l out of n, c_l = c} flow[l,t]
          + withdraw[n,c,t] − inject[n,c,t] + Σ_u unmet[n,c,u,t] = demand[n,c] · d_t

    (a term is present when the supply, demand or storage (n, c) exists). η_l converts units:
    η_l = efficiency_l · PJ(c_l) / PJ(o_l). The dual is the nodal marginal cost. A sea lane's
    cargo arrives after its voyage time in a multi-period run (``ModelData.arrival_shifts``):

        arrival[l,t] = (1 − f_l)·flow[l, t − k_l] + f_l·flow[l, t − k_l − 1]

    lag_l = transit_days_l / period_days = k_l + f_l (k_l whole periods, 0 ≤ f_l < 1), and
    flow[l, t'] = flow[l, 1] for t' < 1 (cargoes at sea at the start: the first period's
    steady state); arrival[l,t] = flow[l,t] for other links and in a one-period run.
    """
    import pyomo.environ as pyo

    T = data.periods
    terms: dict[Key, list[Term]] = defaultdict(list)
    flow, pre = xs["flow"], xs["at_sea"]
    shifts = data.arrival_shifts()
    for i, factor in enumerate(data.link_factor.tolist()):
        for shift, w in shifts[i]:
            terms[(data.link_to[i], data.link_out[i])].append(
                (flow, i * T, factor * w, shift, pre[i])
            )
        terms[(data.link_from[i], data.link_com[i])].append((flow, i * T, -1.0, 0, None))
    for i, s in enumerate(data.supply):
        terms[(s.node, s.commodity)].append((xs["supply"], i * T, 1.0, 0, None))
    for i, u in enumerate(data.unmet):
        terms[(u.node, u.commodity)].append((xs["unmet"], i * T, 1.0, 0, None))
    for i, j in enumerate(data.storage):
        terms[(j.node, j.commodity)].append((xs["withdraw"], i * T, 1.0, 0, None))
        terms[(j.node, j.commodity)].append((xs["inject"], i * T, -1.0, 0, None))
    demand: dict[Key, float] = defaultdict(float)
    for k in data.demand:
        demand[(k.node, k.commodity)] += k.amount
    d = data.d.tolist()
    body = _rows(data.balance_keys, terms, T)
    m.balance = pyo.Constraint(
        m.B, m.T, rule=lambda m, n, c, t: body[n, c, t] == demand.get((n, c), 0.0) * d[t - 1]
    )


def add_throughput(m: pyo.ConcreteModel, data: ModelData, xs: dict[str, list[Any]]) -> None:
    """Node throughput limit (chokepoints) in energy terms, ``throughput[n, t]``, for nodes n
    with a capacity and at least one link in:

        Σ_{l into n} PJ(c_l)·arrival[l,t] ≤ node_limit[n,t]   (= cap_n · a_n,t · d_t, PJ)

    (arrival[l,t]: the cargoes reaching n in t, as in :func:`add_balance`).

    ``node_limit`` is a mutable parameter set by :func:`set_pyomo_bounds`, so a disruption
    changes it without a rebuild.
    """
    import pyomo.environ as pyo

    T = data.periods
    capped = set(m.N_cap)
    terms: dict[Key, list[Term]] = defaultdict(list)
    shifts = data.arrival_shifts()
    for i, (to, c) in enumerate(zip(data.link_to, data.link_com, strict=True)):
        if to in capped:
            for shift, w in shifts[i]:
                terms[(to,)].append((xs["flow"], i * T, data.pj[c] * w, shift, xs["at_sea"][i]))
    body = _rows([(n,) for n in m.N_cap], terms, T)
    m.node_limit = pyo.Param(m.N_cap, m.T, mutable=True, initialize=0.0, doc="PJ per period")
    m.throughput = pyo.Constraint(
        m.N_cap, m.T, rule=lambda m, n, t: body[n, t] <= m.node_limit[n, t]
    )


def add_storage(m: pyo.ConcreteModel, data: ModelData, xs: dict[str, list[Any]]) -> None:
    """Strategic storage (n, c), level at the end of each period, ``storage_balance[n, c, t]``:

        level[n,c,t] − level[n,c,t−1] − inject[n,c,t] + withdraw[n,c,t] = 0    (t > 1)
        level[n,c,1] − inject[n,c,1] + withdraw[n,c,1] = initial[n,c]

    and the reserve left at the end of the horizon, ``storage_final[n, c]``:

        level[n,c,T] ≥ final_min[n,c]

    with 0 ≤ level ≤ capacity, withdraw ≤ rate_out·a_n,t·d_t, inject ≤ rate_in·d_t (bounds).
    """
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    T = data.periods
    initial = {(j.node, j.commodity): j.initial for j in data.storage}
    final = {(j.node, j.commodity): j.final_min for j in data.storage}
    pos = {key: i * T for i, key in enumerate(initial)}
    level, inject, withdraw = xs["level"], xs["inject"], xs["withdraw"]

    def balance(m: Any, n: str, c: str, t: int) -> Any:
        p = pos[n, c] + t - 1
        coefs, xv = [1.0, -1.0, 1.0], [level[p], inject[p], withdraw[p]]
        if t > 1:
            coefs.append(-1.0)
            xv.append(level[p - 1])
        body = LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=xv)
        return body == (initial[n, c] if t == 1 else 0.0)

    m.storage_balance = pyo.Constraint(m.J, m.T, rule=balance)
    m.storage_final = pyo.Constraint(
        m.J, rule=lambda m, n, c: level[pos[n, c] + T - 1] >= final[n, c]
    )


def add_objective(m: pyo.ConcreteModel, data: ModelData, xs: dict[str, list[Any]]) -> None:
    """The cost, in million USD (``MONEY_SCALE`` times USD, as in the LP, to keep coefficients
    near 1), discounted to the start of the horizon, ``objective``:

        min Σ_t δ_t [ Σ_(n,c,tr) price[n,c,tr]·supply[n,c,tr,t] + Σ_l (cost_l + p_CO2·e_l)·flow[l,t]
                      + Σ_(n,c,u) cost_(n,c,u)·unmet[n,c,u,t] + Σ_(n,c) release[n,c]·withdraw[n,c,t] ]
          + δ_1 Σ_l lag_l·value_l·at_sea[l] + P     (u: restraint, rationing blocks)

    with value_l what a unit delivered by link l cost in the steady state before the horizon
    (``ModelData.at_sea_value``: the cargoes at sea at the start are paid for as a one-period
    run pays them);

    with price 0 on a take-or-pay step (tranche ``contract``): its payment is the constant
    P (``ModelData.contract_payment``), paid whether the gas is taken or not;

    with e_l = tonnes per unit · length_l · emission factor(mode_l, c_l) (t CO2e per unit)
    and δ_t = (1 + r)^(−start of period t in years); release[n,c] is the storage's
    ``release_price`` and cost_l includes, in a one-period run, the capital of the cargo at sea
    (``ModelData.link_interest``). A term added by a user (``extra=``) must
    be in million USD too; results are converted back to USD.
    """
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    dis = MONEY_SCALE * data.discount[None, :]
    unit = {
        "flow": data.link_cost + data.carbon_price * data.link_emis,
        "supply": data.supply_price,
        "unmet": np.array([u.cost for u in data.unmet], dtype=float),
        "withdraw": np.array([j.release_price for j in data.storage], dtype=float),
    }
    coefs: list[float] = []
    xv: list[Any] = []
    for name, per_unit in unit.items():
        c = (per_unit.reshape(-1, 1) * dis).ravel()
        paid = np.flatnonzero(c)
        coefs.extend(c[paid].tolist())
        x = xs[name]
        xv.extend(x[j] for j in paid.tolist())
    c = data.at_sea_price * float(dis[0, 0])
    for j in np.flatnonzero(c).tolist():
        coefs.append(float(c[j]))
        xv.append(xs["at_sea"][j])
    # P, million USD: set with the bounds (set_pyomo_bounds), as it depends on the suppliers
    m.contract_payment = pyo.Param(initialize=MONEY_SCALE * data.contract_payment(), mutable=True)
    m.objective = pyo.Objective(
        expr=m.contract_payment
        + LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=xv),
        sense=pyo.minimize,
    )


def build_pyomo(data: ModelData) -> pyo.ConcreteModel:
    """The model as a Pyomo model (see the module docstring for its sets, variables and
    constraints; each family's function gives its equation). Bounds and node limits are set
    by :func:`set_pyomo_bounds`."""
    import pyomo.environ as pyo
    from pyomo.common.gc_manager import PauseGC

    # the build makes millions of small objects, none of them garbage: Python's cyclic
    # collector, triggered again and again by the allocations, would take most of the time
    # (Pyomo's own writers pause it the same way)
    with PauseGC():
        m = pyo.ConcreteModel(name="corridors")
        xs = _variables(m, data)
        add_balance(m, data, xs)
        add_throughput(m, data, xs)
        add_storage(m, data, xs)
        add_objective(m, data, xs)
    return m


def set_pyomo_bounds(
    m: pyo.ConcreteModel,
    data: ModelData,
    b: dict[str, np.ndarray],
    previous: dict[str, np.ndarray] | None = None,
) -> None:
    """Variable bounds and node limits from :func:`corridors.core.lp.bound_arrays` (arrays in
    the LP's (index, period) order, which is also each variable's own order). With
    ``previous`` (the bounds set last), only the entries that differ are set."""

    caps = data.capped_nodes

    def changed(name: str) -> tuple[list[int], list[float]]:
        v, old = b[name], previous[name] if previous is not None else None
        if name == "node_limit":
            v, old = v[caps], old[caps] if old is not None else None
        v = v.ravel()
        if old is None:
            return list(range(v.size)), v.tolist()
        at = np.flatnonzero(v != old.ravel())
        return at.tolist(), v[at].tolist()

    for name in FAMILIES:
        at, ubs = changed(name)
        if at:
            xs = list(getattr(m, name).values())
            for i, ub in zip(at, ubs, strict=True):
                xs[i].setub(None if ub == np.inf else ub)
    for name in FAMILIES:
        at, lbs = changed(f"{name}_lb")
        if at:
            xs = list(getattr(m, name).values())
            for i, lb in zip(at, lbs, strict=True):
                xs[i].setlb(lb)
    at, limits = changed("node_limit")
    if at:
        ps = list(m.node_limit.values())
        for i, limit in zip(at, limits, strict=True):
            ps[i].set_value(limit)
    if hasattr(m, "contract_payment"):
        m.contract_payment.set_value(float(b["offset"]))


# --------------------------------------------------------------------------- compiling


def row_keys(data: ModelData) -> dict[str, list[Key]]:
    """The Pyomo keys of the ``balance`` and ``throughput`` constraints in the LP's row order
    (``lp.row[name].ravel()``)."""
    periods = range(1, data.periods + 1)
    capped = [data.node_ids[n] for n in data.capped_nodes]
    return {
        "balance": [(n, c, t) for n, c in data.balance_keys for t in periods],
        "throughput": [(n, t) for n in capped for t in periods],
    }


def in_order(component: Any, keys: list[Key]) -> list[Any]:
    """The data objects of an indexed component (a Var or Constraint) at ``keys``, in that
    order; read in one pass when the component's own order is that order (as built here)."""
    if list(component.keys()) == keys:
        return list(component.values())
    return [component[k] for k in keys]


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
