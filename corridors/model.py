"""The Pyomo formulation: a multi-commodity, multi-period min-cost flow with priced shortfall.

Sets: links l (one commodity c_l each, output commodity o_l), nodes n, commodities c,
periods t of length d_t years, supplies s, demands k, storages j.

Each constraint family is built by one function whose docstring gives its equation. The model
is built once; a disruption only changes variable bounds (:func:`set_bounds`).

Money is carried in the model in million USD (``MONEY_SCALE``) to keep coefficients near 1;
results are converted back to USD.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from corridors.disruption import Availability
from corridors.network import Network
from corridors.scenario import Scenario
from corridors.units import conversion_factor, period_years

MONEY_SCALE = 1.0e-6  # USD -> million USD inside the model


@dataclass
class ModelData:
    """Arrays the model is built from (one row per link, node, supply, demand, storage)."""

    periods: int
    d: np.ndarray  # period lengths, years
    discount: np.ndarray  # discount factor of each period
    link_ids: list[str]
    link_from: list[str]
    link_to: list[str]
    link_com: list[str]
    link_out: list[str]
    link_factor: np.ndarray  # output units per input unit
    link_cap: np.ndarray  # units/yr, nan = unlimited
    link_cost: np.ndarray  # USD per unit (transport)
    link_emis: np.ndarray  # t CO2e per unit carried
    node_ids: list[str]
    node_cap: np.ndarray  # PJ/yr, nan = unlimited
    pj: dict[str, float]
    shortage: dict[str, float]
    carbon_price: float
    supply: list[tuple[str, str, float, float, float]]  # node, commodity, min, max, price
    demand: list[tuple[str, str, float]]  # node, commodity, amount
    storage: list[tuple[str, str, float, float, float, float, float]]
    # node, commodity, capacity, initial, max_withdrawal, max_injection, final_min
    balance_keys: list[tuple[str, str]] = field(default_factory=list)
    capped_nodes: list[int] = field(default_factory=list)
    """Nodes with a throughput limit and at least one link in (rows of ``throughput``)."""
    static: dict[str, np.ndarray] = field(default_factory=dict)
    """Cache of :func:`_static`."""


def model_data(scenario: Scenario, network: Network) -> ModelData:
    """Collect the arrays the formulation needs from a scenario and its network."""
    links = network.links
    com = scenario.commodities
    pj = {c: v.pj_per_unit for c, v in com.items()}
    factor = np.array(
        [
            conversion_factor(e, pj[ci], pj[co])
            for e, ci, co in zip(
                links["efficiency"], links["commodity"], links["output_commodity"], strict=True
            )
        ]
    )
    ef = scenario.emission_factors
    # t CO2e per unit = tonnes/unit * km * g/(t km) * 1e-6 t/g
    emis = np.array(
        [
            com[c].tonnes_per_unit * km * ef.get(mode, {}).get(c, 0.0) * 1e-6
            for c, km, mode in zip(
                links["commodity"], links["length_km"], links["mode"], strict=True
            )
        ]
    )
    cap = links["capacity"].astype(float).to_numpy()
    node_cap = network.nodes["capacity"].astype(float).to_numpy()
    d = np.full(scenario.horizon.periods, period_years(scenario.horizon.period_days))
    starts = np.concatenate([[0.0], np.cumsum(d)[:-1]])
    data = ModelData(
        periods=scenario.horizon.periods,
        d=d,
        discount=(1.0 + scenario.discount_rate) ** (-starts),
        link_ids=list(links.index),
        link_from=list(links["from"]),
        link_to=list(links["to"]),
        link_com=list(links["commodity"]),
        link_out=list(links["output_commodity"]),
        link_factor=factor,
        link_cap=cap,
        link_cost=links["cost"].astype(float).to_numpy(),
        link_emis=emis,
        node_ids=list(network.nodes.index),
        node_cap=node_cap,
        pj=pj,
        shortage={c: v.shortage_cost for c, v in com.items()},
        carbon_price=scenario.carbon_price,
        supply=[(s.node, s.commodity, s.min, s.max, s.price) for s in scenario.supply],
        demand=[(k.node, k.commodity, k.amount) for k in scenario.demand],
        storage=[
            (
                j.node,
                j.commodity,
                j.capacity,
                j.initial,
                j.max_withdrawal,
                j.max_injection,
                j.initial if j.final_min is None else j.final_min,
            )
            for j in scenario.storage
        ],
    )
    keys: set[tuple[str, str]] = set()
    for i in range(len(data.link_ids)):
        keys.add((data.link_from[i], data.link_com[i]))
        keys.add((data.link_to[i], data.link_out[i]))
    for n, c, *_ in data.supply + data.demand + data.storage:  # type: ignore[operator]
        keys.add((n, c))
    data.balance_keys = sorted(keys)
    has_inflow = set(data.link_to)
    data.capped_nodes = [
        i for i, c in enumerate(node_cap) if np.isfinite(c) and data.node_ids[i] in has_inflow
    ]
    return data


@dataclass
class BuiltModel:
    """A Pyomo model and the data it was built from."""

    model: pyo.ConcreteModel
    data: ModelData
    bounds: dict[str, np.ndarray] = field(default_factory=dict)
    """The bounds last set on the Pyomo model (see :func:`set_bounds`)."""


def _add_variables(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Decision variables, all non-negative.

    flow[l,t] (units of c_l), supply[s,t], unmet[k,t], level[j,t], withdraw[j,t], inject[j,t].
    Bounds are set by :func:`set_bounds`.
    """
    m.T = pyo.RangeSet(0, data.periods - 1)
    m.L = pyo.RangeSet(0, len(data.link_ids) - 1) if data.link_ids else pyo.Set(initialize=[])
    m.S = pyo.Set(initialize=range(len(data.supply)))
    m.K = pyo.Set(initialize=range(len(data.demand)))
    m.J = pyo.Set(initialize=range(len(data.storage)))
    m.flow = pyo.Var(m.L, m.T, domain=pyo.NonNegativeReals)
    m.supply = pyo.Var(m.S, m.T, domain=pyo.NonNegativeReals)
    m.unmet = pyo.Var(m.K, m.T, domain=pyo.NonNegativeReals)
    m.level = pyo.Var(m.J, m.T, domain=pyo.NonNegativeReals)
    m.withdraw = pyo.Var(m.J, m.T, domain=pyo.NonNegativeReals)
    m.inject = pyo.Var(m.J, m.T, domain=pyo.NonNegativeReals)


def _add_balance(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Commodity balance at every node n, commodity c and period t:

        Σ_s supply[s,t] + Σ_{l into n, o_l = c} η_l·flow[l,t] − Σ_{l out of n, c_l = c} flow[l,t]
          + withdraw[j,t] − inject[j,t] + unmet[k,t] = demand_k · d_t

    η_l converts units: η_l = efficiency_l · PJ(c_l) / PJ(o_l).
    """
    terms: dict[tuple[str, str], list[tuple[float, str, int]]] = defaultdict(list)
    rhs: dict[tuple[str, str], float] = defaultdict(float)
    for i in range(len(data.link_ids)):
        terms[(data.link_to[i], data.link_out[i])].append((float(data.link_factor[i]), "flow", i))
        terms[(data.link_from[i], data.link_com[i])].append((-1.0, "flow", i))
    for s, (n, c, *_rest) in enumerate(data.supply):
        terms[(n, c)].append((1.0, "supply", s))
    for k, (n, c, amount) in enumerate(data.demand):
        terms[(n, c)].append((1.0, "unmet", k))
        rhs[(n, c)] += amount
    for j, (n, c, *_rest) in enumerate(data.storage):
        terms[(n, c)].append((1.0, "withdraw", j))
        terms[(n, c)].append((-1.0, "inject", j))
    keys = data.balance_keys
    m.B = pyo.Set(initialize=range(len(keys)))

    families = {
        name: getattr(m, name) for name in ("flow", "supply", "unmet", "withdraw", "inject")
    }

    def rule(m: pyo.ConcreteModel, b: int, t: int) -> pyo.Expression:
        key = keys[b]
        tk = terms[key]
        expr = _linear([c for c, _v, _i in tk], [families[v][i, t] for _c, v, i in tk])
        return expr == rhs[key] * float(data.d[t])

    m.balance = pyo.Constraint(m.B, m.T, rule=rule)


def _linear(coefs: list[float], variables: list) -> LinearExpression:  # type: ignore[type-arg]
    """Σ coefs·variables as one Pyomo LinearExpression (built directly, no operator overloading:
    the fastest way to build large linear models in Pyomo)."""
    return LinearExpression(
        constant=0.0, linear_coefs=[float(c) for c in coefs], linear_vars=list(variables)
    )


def _add_throughput(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Node throughput limit (chokepoints) in energy terms, for nodes with a capacity:

        Σ_{l into n} PJ(c_l)·flow[l,t] ≤ cap_n · a_n,t · d_t      (cap_n in PJ per year)

    The right-hand side is a mutable parameter so that disruptions change it without a rebuild.
    """
    into: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(data.link_to):
        into[n].append(i)
    m.N_cap = pyo.Set(initialize=data.capped_nodes)
    m.node_limit = pyo.Param(m.N_cap, m.T, mutable=True, initialize=0.0)

    def rule(m: pyo.ConcreteModel, n: int, t: int) -> pyo.Expression:
        links = into[data.node_ids[n]]
        expr = _linear([data.pj[data.link_com[i]] for i in links], [m.flow[i, t] for i in links])
        return expr <= m.node_limit[n, t]

    m.throughput = pyo.Constraint(m.N_cap, m.T, rule=rule)


def _add_storage(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Strategic storage j, level at the end of each period:

        level[j,t] = level[j,t−1] + inject[j,t] − withdraw[j,t]     (level[j,−1] = initial_j)
        level[j,T−1] ≥ final_min_j
    with 0 ≤ level ≤ capacity_j, withdraw ≤ rate_out_j·d_t, inject ≤ rate_in_j·d_t.
    """

    def rule(m: pyo.ConcreteModel, j: int, t: int) -> pyo.Expression:
        prev = m.level[j, t - 1] if t > 0 else data.storage[j][3]
        return m.level[j, t] == prev + m.inject[j, t] - m.withdraw[j, t]

    m.storage_balance = pyo.Constraint(m.J, m.T, rule=rule)
    last = data.periods - 1
    m.storage_final = pyo.Constraint(m.J, rule=lambda m, j: m.level[j, last] >= data.storage[j][6])


def _add_objective(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Total cost, million USD, discounted to the start of the horizon:

        min Σ_t δ_t [ Σ_s price_s·supply[s,t] + Σ_l (cost_l + p_CO2·e_l)·flow[l,t]
                      + Σ_k shortage_c(k)·unmet[k,t] ]

    with e_l = tonnes per unit · length_l · emission factor(mode_l, c_l) (t CO2e per unit)
    and δ_t = (1 + r)^(−start of period t in years). With one period δ = 1. Discounting also
    makes the model draw reserves as early as needed (a later shortfall costs less), so that
    survival times are well defined. The expressions ``emissions`` (t CO2e) and the cost
    parts are kept for reporting.
    """
    sc = MONEY_SCALE
    dis = data.discount
    L, T = range(len(data.link_ids)), range(data.periods)
    emis = [i for i in L if data.link_emis[i]]
    m.emissions = pyo.Expression(
        expr=_linear(
            [data.link_emis[i] for t in T for i in emis], [m.flow[i, t] for t in T for i in emis]
        )
    )
    S = range(len(data.supply))
    m.cost_supply = pyo.Expression(
        expr=_linear(
            [sc * dis[t] * data.supply[s][4] for t in T for s in S],
            [m.supply[s, t] for t in T for s in S],
        )
    )
    unit = data.link_cost + data.carbon_price * data.link_emis
    paid = [i for i in L if unit[i]]
    m.cost_transport = pyo.Expression(
        expr=_linear(
            [sc * dis[t] * unit[i] for t in T for i in paid],
            [m.flow[i, t] for t in T for i in paid],
        )
    )
    K = range(len(data.demand))
    m.cost_shortage = pyo.Expression(
        expr=_linear(
            [sc * dis[t] * data.shortage[data.demand[k][1]] for t in T for k in K],
            [m.unmet[k, t] for t in T for k in K],
        )
    )
    m.objective = pyo.Objective(
        expr=m.cost_supply + m.cost_transport + m.cost_shortage,
        sense=pyo.minimize,
    )


def build_model(data: ModelData, avail: Availability) -> BuiltModel:
    """Build the Pyomo model once; bounds come from ``avail`` (see :func:`set_bounds`)."""
    m = pyo.ConcreteModel(name="corridors")
    _add_variables(m, data)
    _add_balance(m, data)
    _add_throughput(m, data)
    _add_storage(m, data)
    _add_objective(m, data)
    built = BuiltModel(m, data)
    set_bounds(built, avail)
    return built


def _static(data: ModelData) -> dict[str, np.ndarray]:
    """Column vectors of the data that bounds are made from (computed once per model)."""
    if not data.static:
        node_pos = {n: i for i, n in enumerate(data.node_ids)}

        def col(rows: list, i: int) -> np.ndarray:
            return np.array([r[i] for r in rows], dtype=float).reshape(-1, 1)

        data.static = {
            "cap": np.where(np.isfinite(data.link_cap), data.link_cap, np.inf)[:, None],
            "node_cap": np.where(np.isfinite(data.node_cap), data.node_cap, np.inf)[:, None],
            "sup": col(data.supply, 3),
            "smin": col(data.supply, 2),
            "dem": col(data.demand, 2),
            "wd": col(data.storage, 4),
            "inj": col(data.storage, 5),
            "lvl": np.repeat(col(data.storage, 2), data.periods, axis=1),
            "st_node": np.array([node_pos[j[0]] for j in data.storage], dtype=int),
        }
    return data.static


def bound_arrays(data: ModelData, avail: Availability) -> dict[str, np.ndarray]:
    """Upper bounds per variable family for an availability (inf = unbounded).

    flow[l,t]     ≤ cap_l · a_l,t · d_t      (unlimited links: 0 when a_l,t = 0)
    supply[s,t]   ∈ [min_s·d_t, max_s · a_s,t · d_t]
    unmet[k,t]    ≤ demand_k · d_t
    withdraw[j,t] ≤ rate_out_j · a_n(j),t · d_t ; inject[j,t] ≤ rate_in_j · d_t
    level[j,t]    ≤ capacity_j
    node limit    = cap_n · a_n,t · d_t
    """
    st = _static(data)
    d = data.d[None, :]
    with np.errstate(invalid="ignore"):  # inf * 0 where a link is cut: replaced by 0
        flow_ub = np.where(avail.link > 0, st["cap"] * avail.link * d, 0.0)
        node_limit = np.where(avail.node > 0, st["node_cap"] * avail.node * d, 0.0)
    supply_ub = st["sup"] * avail.supply * d
    supply_lb = np.minimum(st["smin"] * d, supply_ub)
    unmet_ub = st["dem"] * d
    wd = st["wd"] * d
    if data.storage:
        wd = wd * avail.node[st["st_node"]]
    inj = st["inj"] * d
    lvl = st["lvl"]
    return {
        "flow": flow_ub,
        "supply": supply_ub,
        "supply_lb": supply_lb,
        "unmet": unmet_ub,
        "withdraw": wd,
        "inject": inj,
        "level": lvl,
        "node_limit": node_limit,
    }


def set_bounds(built: BuiltModel, avail: Availability) -> dict[str, np.ndarray]:
    """Set every variable bound and node limit of the Pyomo model from ``avail``."""
    m, data = built.model, built.data
    b = bound_arrays(data, avail)
    for name, key in (
        ("flow", "flow"),
        ("supply", "supply"),
        ("unmet", "unmet"),
        ("withdraw", "withdraw"),
        ("inject", "inject"),
        ("level", "level"),
    ):
        ubs = b[key].ravel().tolist()  # row-major (index, period): the Var's own order
        for var, ub in zip(getattr(m, name).values(), ubs, strict=True):
            var.setub(None if ub == np.inf else ub)
    for var, lb in zip(m.supply.values(), b["supply_lb"].ravel().tolist(), strict=True):
        var.setlb(lb)
    for (n, t), p in m.node_limit.items():
        p.set_value(float(b["node_limit"][n, t]))
    built.bounds = b
    return b
