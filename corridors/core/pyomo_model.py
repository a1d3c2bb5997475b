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
from typing import TYPE_CHECKING, Any

import numpy as np

from corridors.core.data import ModelData
from corridors.core.lp import FAMILIES, MONEY_SCALE, TIMELESS

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

    lag_l = ``ModelData.lag`` = k_l + f_l (k_l whole periods, 0 ≤ f_l < 1; f_l = 0 unless
    ``horizon.arrival`` is ``spread``: by default the voyage is rounded to whole periods), and
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
