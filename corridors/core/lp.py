"""The formulation: a multi-commodity, multi-period min-cost flow with priced shortfall.

Sets: links l (one commodity c_l each, output commodity o_l), nodes n, commodities c,
periods t of length d_t years, supplies s, demands k, storages j.

The model is stated twice, held equal by the tests: readably, by id, as a Pyomo model
(:mod:`corridors.core.pyomo_model`), and here as a sparse LP assembled with numpy
(:func:`assemble`), each constraint family built by one function whose docstring gives its
equation, vectorised over links and periods. HiGHS is handed this LP directly for plain runs,
sweeps and analyses; the Pyomo model is built when something needs it (policy constraints, a
user's ``extra=`` function). ``tests/test_interfaces.py`` reads the LP back from HiGHS under
both and compares it entry by entry on every reference scenario; why the fast matrix is not
compiled from the Pyomo model is measured in ``docs/model.md``.
The model is built once; a disruption only changes variable bounds (:func:`bound_arrays`,
applied by :func:`corridors.core.model.set_bounds`).

Money is carried in the model in million USD (``MONEY_SCALE``) to keep coefficients near 1;
results are converted back to USD.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from corridors.core.availability import Availability
from corridors.core.data import ModelData

MONEY_SCALE = 1.0e-6  # USD -> million USD inside the model


#: Column families, in the order their columns are laid out in the LP (each row-major over
#: (index, period)).
FAMILIES = ("flow", "supply", "unmet", "withdraw", "inject", "level", "at_sea")
#: Families with one column per index, not one per period: ``at_sea[l]``.
TIMELESS = ("at_sea",)


@dataclass
class Rows:
    """One constraint family in coordinate form: ``lo_r ≤ Σ vals·x[cols] ≤ hi_r`` for each of
    its rows r (``rows`` numbers them from 0 within the family, in the row-major order of
    ``shape``: (index, period), or (index,) for a family with one row per index)."""

    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    shape: tuple[int, ...]


@dataclass
class LinearProgram:
    """The model as one sparse LP:

        min c·x + offset   s.t.   row_lo ≤ A·x ≤ row_hi,   lb ≤ x ≤ ub

    (``offset``: the take-or-pay payment, :meth:`ModelData.contract_payment`, million USD, at
    full availability; a disruption sets it with the bounds, ``bound_arrays``' ``offset``).
    Columns are laid out family by family in :data:`FAMILIES` order: ``col[name][i, t]`` is the
    column of variable ``name[i, t]``. Rows: ``row["balance"]`` (B, T), ``row["throughput"]``
    (capped nodes, T), ``row["storage_balance"]`` (J, T), ``row["storage_final"]`` (J,).
    Column bounds and the throughput rows' upper limits are what a disruption changes: they come
    from :func:`bound_arrays`, not from here (``row_hi`` of a throughput row is +inf).
    ``A`` is stored compressed by column (``start``, ``index``, ``value``), the form HiGHS takes.

    The direct HiGHS path is passed these arrays; the Pyomo model
    (:func:`corridors.core.pyomo_model.build_pyomo`) states the same LP by id, and compiles to
    the same arrays (same columns, rows and entries; the tests check it).
    """

    num_col: int
    num_row: int
    cost: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    col: dict[str, np.ndarray]
    row: dict[str, np.ndarray]
    offset: float = 0.0

    def by_row(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A compressed by row: (row start, column index, value)."""
        counts = np.diff(self.start)
        cols = np.repeat(np.arange(self.num_col, dtype=np.int64), counts)
        order = np.argsort(self.index, kind="stable")
        rstart = np.zeros(self.num_row + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.index, minlength=self.num_row), out=rstart[1:])
        return rstart, cols[order], self.value[order]


def _columns(data: ModelData) -> dict[str, np.ndarray]:
    """Column index of every variable: flow[l,t] (units of c_l), supply[s,t] (s a supply step),
    unmet[u,t] (u a shortfall step of a demand: restraint, then rationing blocks),
    withdraw[j,t], inject[j,t], level[j,t], and at_sea[l] (one column per link: the loading of
    a period before the horizon, whose cargoes arrive in its first periods), all non-negative."""
    T = data.periods
    sizes = {
        "flow": len(data.link_ids),
        "supply": len(data.supply),
        "unmet": len(data.unmet),
        "withdraw": len(data.storage),
        "inject": len(data.storage),
        "level": len(data.storage),
        "at_sea": len(data.link_ids),
    }
    col: dict[str, np.ndarray] = {}
    offset = 0
    for name in FAMILIES:
        n, width = sizes[name], 1 if name in TIMELESS else T
        col[name] = offset + np.arange(n * width, dtype=np.int64).reshape(n, width)
        offset += n * width
    return col


Coords = tuple[np.ndarray, np.ndarray, np.ndarray]


def _per_period(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float, T: int) -> Coords:
    """Coordinates (row, column, value) of one term repeated over the periods: the term of
    row r, column cols[r, t] and value vals (one per r, or one for all) goes to row r·T + t."""
    r = rows.astype(np.int64)[:, None] * T + np.arange(T)
    v = np.asarray(vals, dtype=float)
    v = np.broadcast_to(v.reshape(-1, 1) if v.ndim else v, r.shape)
    return r.ravel(), cols.ravel(), v.ravel()


def _stack(parts: list[Coords], lo: np.ndarray, hi: np.ndarray, shape: tuple[int, ...]) -> Rows:
    """One family's terms stacked into :class:`Rows`."""
    if not parts:
        z = np.zeros(0, dtype=np.int64)
        return Rows(z, z, np.zeros(0), lo, hi, shape)
    r, c, v = (np.concatenate([p[i] for p in parts]) for i in range(3))
    return Rows(r, c, v, lo, hi, shape)


def arrivals(
    data: ModelData, links: np.ndarray, rows: np.ndarray, col: dict[str, np.ndarray], vals: Any
) -> Coords:
    """Coordinates of what arrives at the end of link ``links[i]`` in period t, in row
    ``rows[i]·T + t`` with weight ``vals[i]`` (or one ``vals`` for all):

        arrival[l,t] = (1 − f_l)·flow[l, t − k_l] + f_l·flow[l, t − k_l − 1]

    with lag_l = ``ModelData.lag``, k_l = ⌊lag_l⌋, f_l = lag_l − k_l. By default
    (``horizon.arrival: nearest``) lag_l is transit_days_l / period_days rounded to whole
    periods, f_l = 0: the cargo lands whole k_l periods after loading. With ``spread`` lag_l is
    not rounded and a cargo arrives lag_l periods after it is loaded, spread over the periods
    its arrival falls in (docs/model.md, "Voyage time", says why that is not the default),
    and flow[l, t'] = at_sea[l] for any t' before the horizon: the cargoes at sea at the start,
    a period's loading of the steady state before the horizon at most
    (``ModelData.at_sea_cap``), already paid for. No lag in a one-period run or off the sea
    (``ModelData.lag``): arrival[l,t] = flow[l,t].
    """
    T = data.periods
    k_all, f_all = data.lag_parts
    k, f = k_all[links], f_all[links]
    cols = col["flow"][links]
    t = np.arange(T)
    r = (rows.astype(np.int64)[:, None] * T + t).ravel()
    v = np.broadcast_to(np.asarray(vals, dtype=float).reshape(-1, 1), (len(links), 1))
    pre = col["at_sea"][links]  # (links, 1): the loading before the horizon
    shifted = t[None, :] - k[:, None]
    take = np.where(shifted < 0, pre, np.take_along_axis(cols, np.clip(shifted, 0, None), axis=1))
    parts = [(r, take.ravel(), np.broadcast_to(v * (1.0 - f)[:, None], take.shape).ravel())]
    late = np.flatnonzero(f > 0)
    if late.size:
        shifted1 = t[None, :] - k[late, None] - 1
        take1 = np.where(
            shifted1 < 0,
            pre[late],
            np.take_along_axis(cols[late], np.clip(shifted1, 0, None), axis=1),
        )
        r1 = (rows.astype(np.int64)[late, None] * T + t).ravel()
        w1 = np.broadcast_to(v[late] * f[late, None], take1.shape).ravel()
        parts.append((r1, take1.ravel(), w1))
    rr, cc, vv = (np.concatenate([p[i] for p in parts]) for i in range(3))
    return rr, cc, vv


def _balance(data: ModelData, col: dict[str, np.ndarray]) -> Rows:
    """Commodity balance at every node n, commodity c and period t (row b·T + t, b = (n, c)):

        Σ_s supply[s,t] + Σ_{l into n, o_l = c} η_l·arrival[l,t] − Σ_{l out of n, c_l = c} flow[l,t]
          + withdraw[j,t] − inject[j,t] + Σ_{u of n, c} unmet[u,t] = Σ_{k at n, c} demand_k · d_t

    η_l converts units: η_l = efficiency_l · PJ(c_l) / PJ(o_l). arrival[l,t] is the flow
    loaded on l that reaches its end in t (:func:`arrivals`: a sea lane's voyage time in a
    multi-period run; flow[l,t] otherwise).
    """
    T = data.periods
    pos = {k: i for i, k in enumerate(data.balance_keys)}

    def rows_of(pairs: list[tuple[str, str]]) -> np.ndarray:
        return np.array([pos[p] for p in pairs], dtype=np.int64)

    r_in = rows_of(list(zip(data.link_to, data.link_out, strict=True)))
    r_out = rows_of(list(zip(data.link_from, data.link_com, strict=True)))
    r_sup = rows_of([(s.node, s.commodity) for s in data.supply])
    r_dem = rows_of([(k.node, k.commodity) for k in data.demand])
    r_un = rows_of([(u.node, u.commodity) for u in data.unmet])
    r_st = rows_of([(j.node, j.commodity) for j in data.storage])
    parts = [
        arrivals(data, np.arange(len(data.link_ids)), r_in, col, data.link_factor),
        _per_period(r_out, col["flow"], -1.0, T),
        _per_period(r_sup, col["supply"], 1.0, T),
        _per_period(r_un, col["unmet"], 1.0, T),
        _per_period(r_st, col["withdraw"], 1.0, T),
        _per_period(r_st, col["inject"], -1.0, T),
    ]
    rhs = np.zeros(len(pos) * T)
    amount = np.array([k.amount for k in data.demand], dtype=float)
    np.add.at(rhs, (r_dem[:, None] * T + np.arange(T)).ravel(), (amount[:, None] * data.d).ravel())
    return _stack(parts, rhs, rhs.copy(), (len(pos), T))


def _throughput(data: ModelData, col: dict[str, np.ndarray]) -> Rows:
    """Node throughput limit (chokepoints) in energy terms, for nodes n with a capacity and at
    least one link in (row k·T + t, k = position of n in ``capped_nodes``):

        Σ_{l into n} PJ(c_l)·arrival[l,t] ≤ cap_n · a_n,t · d_t      (cap_n in PJ per year)

    (arrival[l,t]: the cargoes reaching n in t, :func:`arrivals`).

    The right-hand side is a bound set by :func:`bound_arrays` (``node_limit``), so that
    disruptions change it without a rebuild.
    """
    T = data.periods
    pos = {data.node_ids[n]: k for k, n in enumerate(data.capped_nodes)}
    into = np.array([pos.get(n, -1) for n in data.link_to], dtype=np.int64)
    sel = np.flatnonzero(into >= 0)
    pj = np.array([data.pj[data.link_com[i]] for i in sel], dtype=float)
    n_rows = len(data.capped_nodes) * T
    parts = [arrivals(data, sel, into[sel], col, pj)] if sel.size else []
    shape = (len(data.capped_nodes), T)
    return _stack(parts, np.full(n_rows, -np.inf), np.full(n_rows, np.inf), shape)


def _storage_balance(data: ModelData, col: dict[str, np.ndarray]) -> Rows:
    """Strategic storage j, level at the end of each period (row j·T + t):

        level[j,t] − level[j,t−1] − inject[j,t] + withdraw[j,t] = 0    (t > 0)
        level[j,0] − inject[j,0] + withdraw[j,0] = initial_j
    with 0 ≤ level ≤ capacity_j, withdraw ≤ rate_out_j·d_t, inject ≤ rate_in_j·d_t (bounds).
    """
    T = data.periods
    J = np.arange(len(data.storage), dtype=np.int64)
    parts = [
        _per_period(J, col["level"], 1.0, T),
        _per_period(J, col["inject"], -1.0, T),
        _per_period(J, col["withdraw"], 1.0, T),
    ]
    if T > 1:
        prev = (J[:, None] * T + np.arange(1, T)).ravel()
        parts.append((prev, col["level"][:, :-1].ravel(), np.full(prev.size, -1.0)))
    rhs = np.zeros(len(J) * T)
    rhs[J * T] = [j.initial for j in data.storage]
    return _stack(parts, rhs, rhs.copy(), (len(J), T))


def _storage_final(data: ModelData, col: dict[str, np.ndarray]) -> Rows:
    """Reserves left at the end of the horizon (row j):  level[j,T−1] ≥ final_min_j."""
    J = np.arange(len(data.storage), dtype=np.int64)
    final = np.array([j.final_min for j in data.storage], dtype=float)
    parts = [(J, col["level"][:, -1].ravel(), np.ones(len(J)))] if len(J) else []
    return _stack(parts, final, np.full(len(J), np.inf), (len(J),))


def _objective(data: ModelData, col: dict[str, np.ndarray], num_col: int) -> np.ndarray:
    """Cost vector c of the objective, million USD, discounted to the start of the horizon:

        min Σ_t δ_t [ Σ_s price_s·supply[s,t] + Σ_l (cost_l + p_CO2·e_l)·flow[l,t]
                      + Σ_u cost_u·unmet[u,t] + Σ_j release_j·withdraw[j,t] ]
            + δ_1 Σ_l lag_l·value_l·at_sea[l] + P
                      (u: restraint steps and rationing blocks)

    with value_l the steady state's cost of a unit delivered by link l (``ModelData.
    at_sea_value``: what the cargoes at sea at the start cost, as a one-period run pays them),

    with price_s = 0 on a take-or-pay step (``contract``), whose payment is the constant
    P = :meth:`ModelData.contract_payment` (the objective's constant; it depends on the
    availability of the suppliers, so it is set with the bounds: ``bound_arrays``' ``offset``),

    with release_j the storage's ``release_price``, cost_l the link's cost plus, in a
    one-period run, the capital of its cargo at sea (``ModelData.link_interest``), e_l = tonnes per unit · length_l · emission factor(mode_l, c_l) (t CO2e per unit)
    and δ_t = (1 + r)^(−start of period t in years). With one period δ = 1. Discounting also
    makes the model draw reserves as early as needed (a later shortfall costs less), so that
    survival times are well defined.
    """
    dis = MONEY_SCALE * data.discount[None, :]
    c = np.zeros(num_col)
    unit = data.link_cost + data.carbon_price * data.link_emis
    c[col["flow"]] = dis * unit[:, None]
    c[col["supply"]] = dis * data.supply_price[:, None]
    short = np.array([u.cost for u in data.unmet], dtype=float)
    c[col["unmet"]] = dis * short[:, None]
    release = np.array([j.release_price for j in data.storage], dtype=float)
    c[col["withdraw"]] = dis * release[:, None]
    c[col["at_sea"]] = dis[:, :1] * data.at_sea_price[:, None]
    return c


#: Row families, in the order their rows are laid out in the LP.
ROW_FAMILIES = (
    ("balance", _balance),
    ("throughput", _throughput),
    ("storage_balance", _storage_balance),
    ("storage_final", _storage_final),
)


def assemble(data: ModelData) -> LinearProgram:
    """Assemble the LP of :class:`LinearProgram` from the model data, vectorised (no Python
    loop over variables or rows). Coefficients of the same (row, column) are summed."""
    col = _columns(data)
    num_col = sum(c.size for c in col.values())
    fam_rows, rr, cc, vv, lo, hi = {}, [], [], [], [], []
    offset = 0
    for name, family in ROW_FAMILIES:
        part = family(data, col)
        n = len(part.lo)
        fam_rows[name] = offset + np.arange(n, dtype=np.int64).reshape(part.shape)
        rr.append(part.rows + offset)
        cc.append(part.cols)
        vv.append(part.vals)
        lo.append(part.lo)
        hi.append(part.hi)
        offset += n
    r, c, v = np.concatenate(rr), np.concatenate(cc), np.concatenate(vv)
    start, index, value = by_column(r, c, v, num_col)
    return LinearProgram(
        num_col=num_col,
        num_row=offset,
        cost=_objective(data, col, num_col),
        row_lo=np.concatenate(lo),
        row_hi=np.concatenate(hi),
        start=start,
        index=index,
        value=value,
        col=col,
        row=fam_rows,
        offset=MONEY_SCALE * data.contract_payment(),
    )


def by_column(
    r: np.ndarray, c: np.ndarray, v: np.ndarray, n_col: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates (row, column, value) to a matrix compressed by column (start, row index,
    value): entries of the same (row, column) summed (a link whose two ends share one balance
    row), zeros dropped, rows sorted within a column."""
    order = np.lexsort((r, c))
    r, c, v = r[order], c[order], v[order]
    if len(c):
        first = np.ones(len(c), dtype=bool)
        first[1:] = (c[1:] != c[:-1]) | (r[1:] != r[:-1])
        at = np.flatnonzero(first)
        v, r, c = np.add.reduceat(v, at), r[at], c[at]
        keep = v != 0.0
        r, c, v = r[keep], c[keep], v[keep]
    start = np.zeros(n_col + 1, dtype=np.int64)
    np.cumsum(np.bincount(c, minlength=n_col), out=start[1:])
    return start, r.astype(np.int32), v


def _static(data: ModelData) -> dict[str, np.ndarray]:
    """Column vectors of the data that bounds are made from (computed once per model)."""
    if not data.static:
        node_pos = {n: i for i, n in enumerate(data.node_ids)}

        def col(values: list[float]) -> np.ndarray:
            return np.array(values, dtype=float).reshape(-1, 1)

        data.static = {
            "cap": np.where(np.isfinite(data.link_cap), data.link_cap, np.inf)[:, None],
            "node_cap": np.where(np.isfinite(data.node_cap), data.node_cap, np.inf)[:, None],
            "sup": col([s.max for s in data.supply]),
            "smin": col([s.min for s in data.supply]),
            "entry": np.array([s.entry for s in data.supply], dtype=int),
            "dem": col([data.demand[u.demand].amount * u.share for u in data.unmet]),
            "wd": col([j.max_withdrawal for j in data.storage]),
            "inj": col([j.max_injection for j in data.storage]),
            "lvl": np.repeat(col([j.capacity for j in data.storage]), data.periods, axis=1),
            "st_node": np.array([node_pos[j.node] for j in data.storage], dtype=int),
        }
    return data.static


def bound_arrays(data: ModelData, avail: Availability) -> dict[str, np.ndarray]:
    """Bounds per variable family for an availability: ``b[name]`` upper (inf = unbounded),
    ``b[name + "_lb"]`` lower.

    flow[l,t]     ≤ cap_l · a_l,t · d_t      (unlimited links: 0 when a_l,t = 0)
    supply[s,t]   ∈ [min_s·d_t, max_s · a_e(s),t · d_t]   (a step s of supply entry e(s))
    unmet[u,t]    ≤ share_u · demand_k(u) · d_t
    withdraw[j,t] ≤ rate_out_j · a_n(j),t · d_t   (0 for t < release_from: no foresight)
    inject[j,t]   ≤ rate_in_j · d_t
    level[j,t]    ≤ capacity_j
    at_sea[l]     ≤ at_sea_rate_l · d_1   (cargoes at sea at the start, ``ModelData.at_sea_cap``)
    node limit    = cap_n · a_n,t · d_t
    offset        = P(a)   the take-or-pay payment (:meth:`ModelData.contract_payment`)

    ``avail.release_from`` is the start of the run's first unforeseen event (:func:`corridors.
    core.availability.availability`). No foresight: before it, stocks cannot be drawn, and when
    the model holds the plan made without the unforeseen events (``ModelData.plan``, set by
    :func:`corridors.core.session.prepare`), supply, unmet demand and storage follow that plan:

        x[t] = plan_x[t]   for t < release_from,  x in unmet, withdraw, inject, level
        supply[s,t] ≤ plan_supply[s,t]

    (nothing is bought ahead; a purchase may fall short of the plan, as a cargo that could only
    sail into the closed strait is not loaded; flows stay free: a ship can still be routed round
    an event it could not foresee, an approximation of a diversion at sea).
    """
    st = _static(data)
    d = data.d[None, :]
    with np.errstate(invalid="ignore"):  # inf * 0 where a link is cut: replaced by 0
        flow_ub = np.where(avail.link > 0, st["cap"] * avail.link * d, 0.0)
        node_limit = np.where(avail.node > 0, st["node_cap"] * avail.node * d, 0.0)
    supply_ub = st["sup"] * avail.supply[st["entry"]] * d  # a step shares its entry's a_e,t
    supply_lb = np.minimum(st["smin"] * d, supply_ub)
    unmet_ub = st["dem"] * d
    wd = st["wd"] * d
    if data.storage:
        wd = wd * avail.node[st["st_node"]]
        wd[:, : avail.release_from] = 0.0
    inj = st["inj"] * d
    lvl = st["lvl"]
    upper = {"supply": supply_ub, "unmet": unmet_ub, "withdraw": wd, "inject": inj, "level": lvl}
    lower = {name: np.zeros_like(v) for name, v in upper.items()}
    lower["supply"] = supply_lb
    t0 = avail.release_from
    if data.plan and t0 > 0:
        for name, planned in data.plan.items():
            fixed = np.minimum(np.maximum(planned[:, :t0], 0.0), upper[name][:, :t0])
            upper[name] = upper[name].copy()
            upper[name][:, :t0] = fixed
            lower[name] = lower[name].copy()
            # a purchase may fall short of the plan (a cargo that could only head into the
            # closed strait is not loaded), never exceed it; the rest follows the plan exactly
            lower[name][:, :t0] = (
                np.minimum(lower[name][:, :t0], fixed) if name == "supply" else fixed
            )
    return {
        "flow": flow_ub,
        **upper,
        **{f"{name}_lb": v for name, v in lower.items()},
        "flow_lb": np.zeros_like(flow_ub),
        "at_sea": data.at_sea_cap,
        "at_sea_lb": np.zeros_like(data.at_sea_cap),
        "node_limit": node_limit,
        "offset": np.array(MONEY_SCALE * data.contract_payment(avail.supply)),
    }
