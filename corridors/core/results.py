"""Results as tidy pandas tables.

Quantities are per period in commodity units (each table's ``unit`` column; ``period_days``
gives the period's length); money is USD. A :class:`Result` is made only
from a solver outcome; when the status is not optimal the tables hold whatever solution HiGHS
had (possibly none) and ``status`` says so — a non-optimal result is never labelled optimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corridors.core.availability import Availability
from corridors.core.data import CONTRACT_TRANCHE, ModelData
from corridors.core.lp import bound_arrays
from corridors.core.solve import Solution
from corridors.core.status import Status
from corridors.io.network import Network
from corridors.io.schema import Scenario
from corridors.units import DAYS_PER_YEAR

TOL = 1e-7


@dataclass
class Result:
    """The outcome of one solve: status, objective and tidy tables."""

    scenario: Scenario
    network: Network
    status: Status
    objective: float
    flows: pd.DataFrame
    unmet: pd.DataFrame
    supply: pd.DataFrame
    storage: pd.DataFrame
    prices: pd.DataFrame
    binding: pd.DataFrame
    cost_breakdown: dict[str, float]
    timings: dict[str, float] = field(default_factory=dict)
    solver: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    """What each disruption event removed (``corridors.analysis.event_effect``), when measured."""

    @property
    def is_ok(self) -> bool:
        return self.status.is_ok

    @property
    def has_solution(self) -> bool:
        """Whether the solver returned a primal solution (optimal or not)."""
        return bool(np.isfinite(self.objective))

    def unmet_by_commodity(self) -> dict[str, float]:
        """Total unmet demand over the horizon, commodity units (NaN without a solution)."""
        if not self.has_solution:
            return {c: float("nan") for c in self.scenario.commodities}
        totals = self.unmet.groupby("commodity")["unmet"].sum()
        return {c: float(totals.get(c, 0.0)) for c in self.scenario.commodities}

    def unmet_pj(self) -> float:
        """Total unmet demand over the horizon, PJ."""
        com = self.scenario.commodities
        return float(sum(v * com[c].pj_per_unit for c, v in self.unmet_by_commodity().items()))


def make_result(
    scenario: Scenario,
    network: Network,
    data: ModelData,
    avail: Availability,
    sol: Solution,
) -> Result:
    """Turn solver arrays into tidy tables."""
    T = data.periods
    L = len(data.link_ids)
    b = bound_arrays(data, avail)
    periods = np.arange(1, T + 1)
    links = network.links

    cap = b["flow"]
    units = {c: v.unit for c, v in scenario.commodities.items()}
    days = np.asarray(data.d, dtype=float) * DAYS_PER_YEAR  # each period's length, days
    flows = pd.DataFrame(
        {
            "link": np.repeat(data.link_ids, T),
            "from": np.repeat(data.link_from, T),
            "to": np.repeat(data.link_to, T),
            "commodity": np.repeat(data.link_com, T),
            "period": np.tile(periods, L),
            "flow": _clean(sol.flow).ravel(),
            "capacity": np.where(np.isinf(cap), np.nan, cap).ravel(),
            "unit": np.repeat([units[c] for c in data.link_com], T),
            "period_days": np.tile(days, L),
            # the bound as a rate per 365-day year, as capacities are given in the data
            "capacity_per_year": np.where(np.isinf(cap), np.nan, cap / data.d[None, :]).ravel(),
            "output_commodity": np.repeat(data.link_out, T),
            "output_unit": np.repeat([units[c] for c in data.link_out], T),
            "delivered": (_clean(sol.flow) * data.link_factor[:, None]).ravel(),
            "mode": np.repeat(links["mode"].to_numpy(), T),
            "corridor": np.repeat(links["corridor"].to_numpy(), T),
            "length_km": np.repeat(links["length_km"].to_numpy(), T),
            "cost_usd": (_clean(sol.flow) * data.link_cost[:, None]).ravel(),
            "emissions_t": (_clean(sol.flow) * data.link_emis[:, None]).ravel(),
            "transit_days": np.repeat(data.link_days, T) if len(data.link_days) else 0.0,
            "arrived": (
                arrived(data, _clean(sol.flow), sol.at_sea) * data.link_factor[:, None]
            ).ravel(),
        }
    )
    if sol.flow_reduced_cost is not None:
        # Shadow price of capacity: what one more unit of capacity in the period would save.
        at_cap = np.isfinite(cap) & (sol.flow >= cap - 1e-6) & (cap > 0)
        flows["shadow_price"] = np.where(
            at_cap, np.maximum(-sol.flow_reduced_cost, 0.0), 0.0
        ).ravel()
    else:
        flows["shadow_price"] = np.nan
    flows["degenerate"] = _degenerate(sol, "flow", (L, T))

    dem = data.demand
    steps = _clean(sol.unmet)  # one row per shortfall step (restraint, rationing blocks)
    is_restraint = np.array([u.kind == "restraint" for u in data.unmet], dtype=bool)
    by_demand = data.per_demand(steps) if len(data.unmet) else np.zeros((len(dem), T))
    restrained = (
        data.per_demand(np.where(is_restraint[:, None], steps, 0.0))
        if len(data.unmet)
        else np.zeros((len(dem), T))
    )
    unmet = pd.DataFrame(
        {
            "node": np.repeat([k.node for k in dem], T),
            "commodity": np.repeat([k.commodity for k in dem], T),
            "period": np.tile(periods, len(dem)),
            "demand": (np.array([k.amount for k in dem]).reshape(-1, 1) * data.d[None, :]).ravel(),
            "unmet": by_demand.ravel(),
            "restraint": restrained.ravel(),
            "shortage": (by_demand - restrained).ravel(),
            "unit": np.repeat([units[k.commodity] for k in dem], T),
            "period_days": np.tile(days, len(dem)),
        }
    )
    countries = network.nodes["country"]
    sup = data.supply
    supply = pd.DataFrame(
        {
            "node": np.repeat([s.node for s in sup], T),
            "country": np.repeat([countries.get(s.node, "") for s in sup], T),
            "commodity": np.repeat([s.commodity for s in sup], T),
            "tranche": np.repeat([s.tranche for s in sup], T),
            "period": np.tile(periods, len(sup)),
            "supplied": _clean(sol.supply).ravel(),
            "available": b["supply"].ravel(),
            "unit": np.repeat([units[s.commodity] for s in sup], T),
            "period_days": np.tile(days, len(sup)),
            "price": np.repeat([s.price for s in sup], T),
        }
    )
    if sol.supply_reduced_cost is not None:
        # Shadow price of the supply limit: what one more unit of this step would save.
        at_max = (sol.supply >= b["supply"] - 1e-6) & (b["supply"] > 0)
        supply["shadow_price"] = np.where(
            at_max, np.maximum(-sol.supply_reduced_cost, 0.0), 0.0
        ).ravel()
    else:
        supply["shadow_price"] = np.nan
    supply["degenerate"] = _degenerate(sol, "supply", (len(sup), T))
    st = data.storage
    storage = pd.DataFrame(
        {
            "node": np.repeat([j.node for j in st], T),
            "commodity": np.repeat([j.commodity for j in st], T),
            "period": np.tile(periods, len(st)),
            "level": _clean(sol.level).ravel(),
            "withdrawal": _clean(sol.withdraw).ravel(),
            "injection": _clean(sol.inject).ravel(),
            "unit": np.repeat([units[j.commodity] for j in st], T),
            "period_days": np.tile(days, len(st)),
        }
    )
    keys = data.balance_keys
    prices = pd.DataFrame(
        {
            "node": np.repeat([k[0] for k in keys], T),
            "commodity": np.repeat([k[1] for k in keys], T),
            "period": np.tile(periods, len(keys)),
            "marginal_cost": (sol.balance_dual.ravel() if sol.balance_dual is not None else np.nan),
            "unit": np.repeat([units[k[1]] for k in keys], T),  # marginal_cost: USD per unit
            "period_days": np.tile(days, len(keys)),
        }
    )
    # flow and capacity in quantity_unit per period of period_days; unit: the shadow price's
    cols = ["period", "period_days", "flow", "capacity", "quantity_unit", "shadow_price",
            "degenerate"]  # fmt: skip
    binding = flows.loc[flows["shadow_price"] > TOL].rename(
        columns={"link": "element", "unit": "quantity_unit"}
    )[["element", *cols]]
    binding = binding.assign(kind="link", unit="USD per " + binding["quantity_unit"])
    limits = supply.loc[supply["shadow_price"] > TOL]
    if len(limits):
        limits = limits.assign(
            element=limits["node"] + ":" + limits["tranche"],
            flow=limits["supplied"],
            capacity=limits["available"],
            quantity_unit=limits["unit"],
            kind="supply",
            unit="USD per " + limits["unit"],
        )[["element", *cols, "kind", "unit"]]
        binding = pd.concat([binding, limits], ignore_index=True)
    if sol.throughput_dual is not None and len(data.capped_nodes):
        node_rows = [
            {
                "element": data.node_ids[i],
                "period": t + 1,
                "period_days": float(days[t]),
                "flow": np.nan,
                "capacity": float(b["node_limit"][i, t]),
                "quantity_unit": "PJ",
                "shadow_price": -float(sol.throughput_dual[r, t]),
                "degenerate": False,  # not ranged (a row limit)
                "kind": "node",
                "unit": "USD per PJ",
            }
            for r, i in enumerate(data.capped_nodes)
            for t in range(T)
            if -float(sol.throughput_dual[r, t]) > TOL
        ]
        if node_rows:
            binding = pd.concat([binding, pd.DataFrame(node_rows)], ignore_index=True)
    binding = binding.reset_index(drop=True)

    dis = data.discount[None, :]
    prices_s = data.supply_price.reshape(-1, 1)
    cost_u = np.array([u.cost for u in data.unmet]).reshape(-1, 1)
    paid = np.nan_to_num(steps) * cost_u * dis
    cost = {  # USD, discounted like the objective
        "supply": float(np.nansum(_clean(sol.supply) * prices_s * dis)),
        "transport": float(np.nansum(_clean(sol.flow) * data.link_cost[:, None] * dis)),
        "carbon": float(np.nansum(_clean(sol.flow) * data.link_emis[:, None] * dis))
        * data.carbon_price,
        "restraint": float(paid[is_restraint].sum()),
        "shortage": float(paid[~is_restraint].sum()),
    }
    if sol.at_sea is not None and data.at_sea_price.any():  # multi-period runs with voyages
        # the cargoes at sea at the start, paid as the steady state paid them (δ_1)
        cost["at_sea"] = float(np.nansum(sol.at_sea[:, 0] * data.at_sea_price) * data.discount[0])
    if any(s.tranche == CONTRACT_TRANCHE for s in sup):  # only then, so others keep their keys
        cost["take_or_pay"] = data.contract_payment(avail.supply)
    release = np.array([j.release_price for j in st], dtype=float).reshape(-1, 1)
    if release.any():  # only with a release price, so other runs keep their keys
        cost["release"] = float(np.nansum(_clean(sol.withdraw) * release * dis))
    return Result(
        scenario=scenario,
        network=network,
        status=sol.status,
        objective=sol.objective,
        flows=flows,
        unmet=unmet,
        supply=supply,
        storage=storage,
        prices=prices,
        binding=binding,
        cost_breakdown=cost,
        solver={"method": sol.method, "iterations": sol.iterations, "seconds": sol.seconds},
    )


def arrived(data: ModelData, flow: np.ndarray, at_sea: np.ndarray | None = None) -> np.ndarray:
    """What reaches each link's end in each period (links × periods, units of c_l): the
    arrival of :func:`corridors.core.lp.arrivals`, (1 − f)·flow[l, t−k] + f·flow[l, t−k−1]
    with ``at_sea[l]`` (the loading of a period before the horizon; 0 if not given) for a
    period before the first; the flow itself without a lag."""
    if not data.lag.any() or flow.ndim != 2:
        return flow
    T = flow.shape[1]
    k_all, f_all = data.lag_parts
    k, f = k_all[:, None], f_all[:, None]
    t = np.arange(T)[None, :]
    pre = np.zeros((flow.shape[0], 1)) if at_sea is None else np.nan_to_num(at_sea)

    def loaded(shift: np.ndarray) -> np.ndarray:
        src = t - shift
        return np.where(src < 0, pre, np.take_along_axis(flow, np.clip(src, 0, None), axis=1))

    return (1.0 - f) * loaded(k) + f * loaded(k + 1)


def _degenerate(sol: Solution, family: str, shape: tuple[int, int]) -> np.ndarray:
    """The ``degenerate`` column: True where the shadow price does not hold for one extra
    unit (see ``Solution.degenerate``); False without ranging information."""
    d = sol.degenerate.get(family)
    return (d if d is not None else np.zeros(shape, dtype=bool)).ravel()


def _clean(a: np.ndarray) -> np.ndarray:
    """Solver noise below 1e-9 is zero (flows are non-negative by construction)."""
    out = np.where(np.abs(a) < 1e-9, 0.0, a)
    return out
