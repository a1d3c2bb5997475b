"""The model data: what the formulation is built from, collected once from a scenario and its
network. Links and nodes are arrays in network order; supplies, demands and storages are lists
of named rows in scenario order (their position is the index of their variables).

Units: quantities per year in each commodity's unit (Mt for crude oil and LNG, bcm for pipeline
gas), node capacities in PJ per year, money in USD, emissions in t CO2e.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from corridors.io.network import Network
from corridors.io.schema import Scenario
from corridors.units import conversion_factor, period_years

#: The tranche label of a supply entry's own step (its ``max`` at its ``price``).
BASE_TRANCHE = "base"
#: The tranche label of the part of an entry's own step under a take-or-pay contract.
CONTRACT_TRANCHE = "contract"
#: An entry's own steps (the 2023 volume): not replacement supply.
OWN_TRANCHES = (CONTRACT_TRANCHE, BASE_TRANCHE)

#: Ship speed by commodity, knots, for the voyage time of sea lanes (scenario ``speeds:``
#: overrides). Assumption (typical service speeds): a laden VLCC ~13 knots, an LNG carrier
#: ~18 knots, common industry figures; any other commodity by sea: ``DEFAULT_SPEED_KNOTS``.
SPEEDS_KNOTS = {"crude_oil": 13.0, "lng": 18.0}
DEFAULT_SPEED_KNOTS = 13.0
KM_PER_NAUTICAL_MILE = 1.852


def transit_days(length_km: float, knots: float) -> float:
    """Voyage time of a sea lane, days: length_km / (knots · 1.852 · 24)."""
    return length_km / (knots * KM_PER_NAUTICAL_MILE * 24.0)


def reference_prices(scenario: Scenario) -> dict[str, float]:
    """Each commodity's reference value, USD per unit, for the capital of cargoes at sea: the
    mean ``price`` of its supply entries' base steps weighted by their ``max`` (unweighted
    when every ``max`` is 0; 0 for a commodity without supply)."""
    out: dict[str, float] = {}
    for c in scenario.commodities:
        rows = [(s.max, s.price) for s in scenario.supply if s.commodity == c]
        weight = sum(m for m, _ in rows)
        if weight > 0:
            out[c] = sum(m * p for m, p in rows) / weight
        else:
            out[c] = sum(p for _, p in rows) / len(rows) if rows else 0.0
    return out


@dataclass(frozen=True, slots=True)
class SupplyRow:
    """One price step of a supply entry: min·d_t ≤ supply[s,t] ≤ max·a_e,t·d_t at ``price`` USD
    per unit, where ``entry`` is the index e of its entry in ``scenario.supply`` (whose
    availability it shares) and ``tranche`` its label (``base`` for the entry's own step,
    ``contract`` for its take-or-pay part). A ``contract`` step is paid for in full whether taken
    or not (:meth:`ModelData.contract_payment`), so its marginal price in the LP is 0."""

    node: str
    commodity: str
    min: float
    max: float
    price: float
    tranche: str = BASE_TRANCHE
    entry: int = 0

    @property
    def marginal_price(self) -> float:
        """USD per unit taken: 0 for a take-or-pay step (already paid), else ``price``."""
        return 0.0 if self.tranche == CONTRACT_TRANCHE else self.price


def supply_rows(scenario: Scenario) -> list[SupplyRow]:
    """The supply steps of a scenario, entry by entry: the take-or-pay part of the entry's own
    ``max`` (tranche ``contract``, ``take_or_pay``·max, when the entry has one), the rest of its
    ``max`` at its ``price`` (tranche ``base``; ``min`` is on the two together, the contract step
    first), then each of its ``tranches``."""
    rows: list[SupplyRow] = []
    for e, s in enumerate(scenario.supply):
        contract = s.take_or_pay * s.max
        if contract > 0:
            rows.append(
                SupplyRow(
                    s.node,
                    s.commodity,
                    min(s.min, contract),
                    contract,
                    s.price,
                    CONTRACT_TRANCHE,
                    e,
                )
            )
        rows.append(
            SupplyRow(
                s.node,
                s.commodity,
                max(s.min - contract, 0.0),
                s.max - contract,
                s.price,
                BASE_TRANCHE,
                e,
            )
        )
        rows.extend(
            SupplyRow(s.node, s.commodity, 0.0, t.max, t.price, t.label, e) for t in s.tranches
        )
    return rows


@dataclass(frozen=True, slots=True)
class DemandRow:
    """A demand entry: ``amount`` units per year at ``node``, ``shortage_cost`` USD per unit
    left unmet (the entry's own, else the commodity's)."""

    node: str
    commodity: str
    amount: float
    shortage_cost: float


@dataclass(frozen=True, slots=True)
class UnmetStep:
    """One step of a demand's shortfall: up to ``share`` of demand ``demand`` (its index in
    ``ModelData.demand``) left unmet at ``cost`` USD per unit; ``kind`` is ``restraint``
    (curtailment at a moderate cost) or ``shortage`` (a rationing block)."""

    node: str
    commodity: str
    step: str
    kind: str
    share: float
    cost: float
    demand: int


def unmet_steps(scenario: Scenario, demand: list[DemandRow]) -> list[UnmetStep]:
    """The shortfall steps of every demand, demand by demand: its ``restraint`` steps
    (``restraint_1``, ...), then the rest cut in ``rationing.blocks`` equal shortage blocks
    (``shortage_1``, ...), block i costing shortage_cost · (1 + rationing.step · (i − 1)).
    With more than one block, each restraint step is cut the same way (``restraint_1.1``,
    ``restraint_1.2``, ...: the step's cost times the same rising factors), so restraint too
    is shared between demands in proportion to their size."""
    by_key = {(d.node, d.commodity): d for d in scenario.demand}
    blocks, step = scenario.rationing.blocks, scenario.rationing.step
    out: list[UnmetStep] = []
    for k, row in enumerate(demand):
        entry = by_key[(row.node, row.commodity)]
        for i, r in enumerate(entry.restraint, start=1):
            for b in range(blocks):  # restraint is rationed too: spread over the demands
                label = f"restraint_{i}" if blocks == 1 else f"restraint_{i}.{b + 1}"
                share, cost = r.share / blocks, r.cost * (1.0 + step * b)
                out.append(UnmetStep(row.node, row.commodity, label, "restraint", share, cost, k))
        rest = max(0.0, 1.0 - sum(r.share for r in entry.restraint))
        for i in range(blocks):
            cost = row.shortage_cost * (1.0 + step * i)
            out.append(
                UnmetStep(
                    row.node, row.commodity, f"shortage_{i + 1}", "shortage", rest / blocks, cost, k
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class StorageRow:
    """A strategic storage: capacity, initial level, withdrawal and injection rates (per year)
    and the level required at the end of the horizon."""

    node: str
    commodity: str
    capacity: float
    initial: float
    max_withdrawal: float
    max_injection: float
    final_min: float
    release_price: float = 0.0


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
    supply: list[SupplyRow]
    demand: list[DemandRow]
    unmet: list[UnmetStep]
    storage: list[StorageRow]
    link_days: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Voyage time of each link, days (sea lanes; 0 for other modes)."""
    link_interest: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """USD per unit: capital of the cargo in transit, part of ``link_cost`` (one-period runs)."""
    period_days: float = 365.0
    arrival: str = "nearest"
    """``Horizon.arrival``: how :attr:`lag` counts a voyage that is not a whole number of
    periods."""
    at_sea_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Units per year loaded on each link in the steady state before the horizon (the
    one-period optimum of the scenario without its disruptions; 0 in a one-period run): the
    cargoes at sea at the start of a multi-period run (see :attr:`at_sea_cap`)."""
    plan: dict[str, np.ndarray] = field(default_factory=dict)
    """No foresight: the solution (supply, unmet, withdraw, inject, level; each × periods) of
    the scenario without its unforeseen disruptions, which the periods before the first of them
    follow (``bound_arrays``); empty when there is no such event."""
    at_sea_value: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """USD per unit delivered of a cargo at sea at the start: the steady state's marginal cost
    at the link's start node plus the link's cost, so that the horizon pays for what it
    receives as the one-period run does (0 where unknown)."""

    @property
    def at_sea_price(self) -> np.ndarray:
        """Cost per unit of ``at_sea[l]`` (links,): lag_l · at_sea_value_l, as one unit loaded in
        a period before the horizon delivers lag_l units over the first periods."""
        L = len(self.link_ids)
        if len(self.at_sea_value) != L:
            return np.zeros(L)
        return self.lag * self.at_sea_value

    balance_keys: list[tuple[str, str]] = field(default_factory=list)
    capped_nodes: list[int] = field(default_factory=list)
    """Nodes with a throughput limit and at least one link in (rows of ``throughput``)."""
    static: dict[str, np.ndarray] = field(default_factory=dict)
    """Cache of :func:`_static`."""

    @property
    def lag(self) -> np.ndarray:
        """Voyage time of each link in periods as the model counts it (0 in a one-period run:
        no lag): transit_days / period_days, rounded to the nearest whole number of periods
        (half up) unless ``arrival`` is ``spread`` (``Horizon.arrival``)."""
        if self.periods == 1 or not len(self.link_days):
            return np.zeros(len(self.link_ids))
        # rounded, so that a voyage of exactly k periods is k (not k − 1 + 0.999...)
        lag = np.round(self.link_days / self.period_days, 9)
        return lag if self.arrival == "spread" else np.floor(lag + 0.5)

    @property
    def lag_parts(self) -> tuple[np.ndarray, np.ndarray]:
        """Each link's lag split as lag = k + f (k whole periods, 0 ≤ f < 1): a cargo loaded in
        period t arrives (1 − f) of it in t + k and f of it in t + k + 1."""
        lag = self.lag
        k = np.floor(lag).astype(np.int64)
        return k, lag - k

    @property
    def at_sea_cap(self) -> np.ndarray:
        """Upper bound of ``at_sea[l]`` (links × 1), units per period: the steady-state loading
        of a period, at_sea_rate_l · d_1, on links with a voyage time (0 elsewhere)."""
        L = len(self.link_ids)
        if self.periods == 1 or len(self.at_sea_rate) != L:
            return np.zeros((L, 1))
        return np.where(self.lag > 0, self.at_sea_rate * float(self.d[0]), 0.0)[:, None]

    def arrival_shifts(self) -> list[list[tuple[int, float]]]:
        """For every link, how flow[l, ·] arrives at its end: (shift, weight) pairs, the
        arrival in period t being Σ weight · flow[l, max(t − shift, 1)] (see
        :func:`corridors.core.lp.arrivals`)."""
        k, f = self.lag_parts
        return [
            [(int(ki), 1.0 - fi), (int(ki) + 1, fi)] if fi > 0 else [(int(ki), 1.0)]
            for ki, fi in zip(k.tolist(), f.tolist(), strict=True)
        ]

    @property
    def unmet_demand(self) -> np.ndarray:
        """For each shortfall step (an ``unmet`` column row), the index of its demand."""
        return np.array([u.demand for u in self.unmet], dtype=int)

    def per_demand(self, steps: np.ndarray) -> np.ndarray:
        """Values per shortfall step (steps × periods) summed per demand (demands × periods)."""
        out = np.zeros((len(self.demand), steps.shape[1] if steps.ndim == 2 else self.periods))
        if len(self.unmet):
            np.add.at(out, self.unmet_demand, steps)
        return out

    @property
    def supply_price(self) -> np.ndarray:
        """USD per unit taken of each supply row (:attr:`SupplyRow.marginal_price`)."""
        return np.array([s.marginal_price for s in self.supply], dtype=float)

    def contract_payment(self, supply_avail: np.ndarray | None = None) -> float:
        """USD paid for take-or-pay steps whether taken or not, discounted like the objective:

            P = Σ_(s contract) price_s · max_s · Σ_t d_t · δ_t · a_e(s),t

        with a_e,t the availability of the step's supply entry (``Availability.supply``; 1 when
        not given): a supplier that fails to deliver is not paid. A closed route does not excuse
        the payment (force majeure is not modelled): with a contract behind a closed strait the
        cost of the closure includes the payment for gas that cannot arrive."""
        rows = [s for s in self.supply if s.tranche == CONTRACT_TRANCHE]
        if not rows:
            return 0.0
        w = self.d * self.discount
        paid = np.array([s.price * s.max for s in rows])
        if supply_avail is None:
            return float(paid.sum() * w.sum())
        entries = np.array([s.entry for s in rows], dtype=int)
        return float(paid @ (supply_avail[entries] @ w))

    @property
    def supply_entry(self) -> np.ndarray:
        """For each supply row (step), the index of its entry in ``scenario.supply``."""
        return np.array([s.entry for s in self.supply], dtype=int)


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
    # t CO2e per unit = tonnes/unit * km * g/(t km) * 1e-6 t/g + the link's fixed co2_per_unit
    emis = (
        np.array(
            [
                com[c].tonnes_per_unit * km * ef.get(mode, {}).get(c, 0.0) * 1e-6
                for c, km, mode in zip(
                    links["commodity"], links["length_km"], links["mode"], strict=True
                )
            ]
        )
        + links["co2_per_unit"].astype(float).to_numpy()
    )
    speeds = {**SPEEDS_KNOTS, **scenario.speeds}
    days = np.array(
        [
            transit_days(float(km), speeds.get(c, DEFAULT_SPEED_KNOTS)) if mode == "sea" else 0.0
            for c, km, mode in zip(
                links["commodity"], links["length_km"], links["mode"], strict=True
            )
        ],
        dtype=float,
    ).reshape(-1)
    days = np.nan_to_num(days)  # a lane without a length: no voyage time
    interest = np.zeros(len(days))
    if scenario.horizon.periods == 1 and days.any():
        value = reference_prices(scenario)
        price = np.array([value.get(c, 0.0) for c in links["commodity"]], dtype=float)
        interest = price * scenario.cargo_interest * days / 365.0
    cap = links["capacity"].astype(float).to_numpy()
    node_cap = network.nodes["capacity"].astype(float).to_numpy()
    d = np.full(scenario.horizon.periods, period_years(scenario.horizon.period_days))
    starts = np.concatenate([[0.0], np.cumsum(d)[:-1]])
    demand = [
        DemandRow(
            k.node,
            k.commodity,
            k.amount,
            com[k.commodity].shortage_cost if k.shortage_cost is None else k.shortage_cost,
        )
        for k in scenario.demand
    ]
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
        link_cost=links["cost"].astype(float).to_numpy() + interest,
        link_emis=emis,
        node_ids=list(network.nodes.index),
        node_cap=node_cap,
        pj=pj,
        shortage={c: v.shortage_cost for c, v in com.items()},
        carbon_price=scenario.carbon_price,
        supply=supply_rows(scenario),
        demand=demand,
        unmet=unmet_steps(scenario, demand),
        storage=[
            StorageRow(
                j.node,
                j.commodity,
                j.capacity,
                j.initial,
                j.max_withdrawal,
                j.max_injection,
                j.initial if j.final_min is None else j.final_min,
                j.release_price,
            )
            for j in scenario.storage
        ],
        link_days=days,
        link_interest=interest,
        period_days=scenario.horizon.period_days,
        arrival=scenario.horizon.arrival,
    )
    keys: set[tuple[str, str]] = set()
    for i in range(len(data.link_ids)):
        keys.add((data.link_from[i], data.link_com[i]))
        keys.add((data.link_to[i], data.link_out[i]))
    rows: list[SupplyRow | DemandRow | StorageRow] = [*data.supply, *data.demand, *data.storage]
    for row in rows:
        keys.add((row.node, row.commodity))
    data.balance_keys = sorted(keys)
    has_inflow = set(data.link_to)
    data.capped_nodes = [
        i for i, c in enumerate(node_cap) if np.isfinite(c) and data.node_ids[i] in has_inflow
    ]
    return data
