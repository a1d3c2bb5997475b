"""The scenario schema: frozen pydantic models (``extra="forbid"``), one per YAML section.

Loading, ``extends:`` and error reporting are in :mod:`corridors.io.scenario`. A scenario file names the network (geodata paths), the commodity table, supplies, demands,
the time horizon, storage, carbon price and disruptions. ``extends: base.yaml`` makes a file a
named override of another: mappings merge key by key, ``supply``/``demand``/``storage`` entries
merge by ``(node, commodity)``, ``disruptions`` are appended, anything else is replaced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

NonNeg = Annotated[float, Field(ge=0)]
Factor = Annotated[float, Field(ge=0, le=1)]
LinkStatus = Literal["existing", "planned", "candidate"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Commodity(_Frozen):
    """One commodity: its unit, energy content and the price of leaving demand unmet."""

    unit: str
    """Quantity unit, e.g. ``Mt`` or ``bcm`` (all quantities are per year)."""
    pj_per_unit: Annotated[float, Field(gt=0)]
    """Energy content, PJ per unit (crude 42.3 PJ/Mt, LNG 48.7 PJ/Mt, gas 36 PJ/bcm)."""
    tonnes_per_unit: Annotated[float, Field(gt=0)] = 1.0e6
    """Mass per unit in tonnes, for emissions per t·km (1 bcm gas = 0.735e6 t)."""
    shortage_cost: NonNeg
    """USD per unit of demand left unmet (value of lost supply)."""


class Tranche(_Frozen):
    """A price step of a supply above its base volume: up to ``max`` more units per year at
    ``price`` USD per unit (e.g. cargoes diverted from other buyers, spare capacity)."""

    max: NonNeg
    price: float
    label: Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9_]+$")]


class Supply(_Frozen):
    """An export point's availability of one commodity (per year).

    ``max`` at ``price`` is the first step (tranche ``base``; ``min`` is a hard floor on it);
    ``tranches`` add steps above it, each bought up to its own ``max`` at its own price.
    ``take_or_pay`` is the share of ``max`` under long-term contracts paid whether taken or not:
    that part (tranche ``contract``) is paid up front, so taking it costs nothing more and a
    cheaper new supply does not displace it.
    """

    node: str
    commodity: str
    max: NonNeg
    price: float = 0.0
    """USD per unit, free on board at the export point."""
    min: NonNeg = 0.0
    take_or_pay: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    """Share of ``max`` paid whether taken or not (long-term contract minimum), 0 to 1."""
    tranches: list[Tranche] = []

    @model_validator(mode="after")
    def _min_below_max(self) -> Supply:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is larger than max ({self.max})")
        labels = [t.label for t in self.tranches]
        if {"base", "contract"} & set(labels) or len(set(labels)) != len(labels):
            raise ValueError(
                "tranche labels must be unique and not 'base' or 'contract' (the entry's own steps)"
            )
        return self


class Restraint(_Frozen):
    """A share of a demand that can be curtailed at ``cost`` USD per unit (demand restraint,
    fuel switching), before any shortage."""

    share: Annotated[float, Field(gt=0, le=1)]
    cost: NonNeg


class Rationing(_Frozen):
    """How a shortage beyond restraint is shared between demands: it is cut in ``blocks``
    equal blocks, block i (0-based) costing the shortage cost × (1 + ``step`` · i), so that
    rising cost steps spread a shortfall over regions in proportion to their demand instead
    of leaving it at one arbitrary region. ``blocks: 1`` (the default) is one shortage step."""

    blocks: Annotated[int, Field(ge=1, le=100)] = 1
    step: Annotated[float, Field(ge=0, le=0.1)] = 0.001


class Demand(_Frozen):
    """Demand for one commodity at a node (per year)."""

    node: str
    commodity: str
    amount: NonNeg
    shortage_cost: NonNeg | None = None
    """USD per unit left unmet; defaults to the commodity's ``shortage_cost``. A lower value
    marks demand that gives way first (e.g. discretionary stock building)."""
    restraint: list[Restraint] = []
    """Steps of demand that can be curtailed at a moderate cost before shortage (shares of
    ``amount``, summing to at most 1)."""
    purpose: Literal["consumption", "stock_building"] = "consumption"
    """``consumption`` (refinery runs, gas use) or ``stock_building`` (filling stocks): the
    balance, shortfall shares and survival time count consumption; stock building is
    reported beside it (its shortfall is stock building given up, not a shortage)."""

    @model_validator(mode="after")
    def _restraint_fits(self) -> Demand:
        total = sum(r.share for r in self.restraint)
        if total > 1 + 1e-9:
            raise ValueError(f"restraint shares sum to {total:g}, more than 1 (all of the demand)")
        return self


class Storage(_Frozen):
    """A strategic reserve of one commodity at a node; rates per year, stocks in units."""

    node: str
    commodity: str
    capacity: NonNeg
    initial: NonNeg = 0.0
    max_withdrawal: NonNeg
    max_injection: NonNeg = 0.0
    final_min: NonNeg | None = None
    """Stock required at the end of the horizon; defaults to ``initial`` (reserves refilled)."""
    release_price: NonNeg = 0.0
    """USD per unit withdrawn, added to the objective: stocks are drawn only when a shortfall
    would cost more (a release decision's cost; 0 by default)."""

    @model_validator(mode="after")
    def _initial_fits(self) -> Storage:
        if self.initial > self.capacity:
            raise ValueError(f"initial ({self.initial}) exceeds capacity ({self.capacity})")
        if self.final_min is not None and self.final_min > self.capacity:
            raise ValueError(f"final_min ({self.final_min}) exceeds capacity ({self.capacity})")
        return self


class Horizon(_Frozen):
    """Time horizon: ``periods`` periods of ``period_days`` days each."""

    periods: Annotated[int, Field(ge=1)] = 1
    period_days: Annotated[float, Field(gt=0)] = 365.0
    start: dt.date | None = None
    """Calendar date of the first period, needed only for disruptions given as dates."""
    arrival: Literal["nearest", "spread"] = "nearest"
    """When a sea cargo arrives in a multi-period run, its voyage being lag = transit days /
    ``period_days`` periods: ``nearest`` (the default) in the period nearest its voyage's end,
    ⌊lag + ½⌋ periods after loading (a time-expanded network: off by at most half a period;
    shorter periods time it finer); ``spread`` over the two periods its arrival falls in,
    (1 − f) in t + k and f in t + k + 1 (lag = k + f), as if loaded evenly over the period.
    ``spread`` is exact for even loading but chains every period of a lane to the next with
    fixed weights: on the weekly reference year HiGHS took 8x longer and GLPK stopped on a
    singular basis (docs/model.md, "Voyage time")."""


DURATION_WITHOUT_PROBABILITY = (
    "only used with probability: a possible event, sampled by corridors sweep --monte-carlo, "
    "lasts duration_days from a random day; without probability the event would apply to the "
    "whole horizon. Add probability, or for an event in a known window give start and end "
    "(periods or dates) instead"
)
"""The message for ``duration_days`` given without ``probability``."""


class Disruption(_Frozen):
    """A loss of capacity: ``target`` keeps ``capacity_factor`` of its capacity in a window.

    ``target`` names a node (a chokepoint cuts every lane through it), a link, a corridor, a
    supplier country (ISO3) or a list of them; ``kind:id`` (``node:``, ``link:``,
    ``corridor:``, ``country:``) removes ambiguity. ``start``/``end`` are 1-based period numbers
    (inclusive) or dates; omitted means the whole horizon.
    """

    target: str | tuple[str, ...]
    capacity_factor: Factor = 0.0
    start: int | dt.date | None = None
    end: int | dt.date | None = None
    probability: Factor | None = None
    """Per-run probability, used by Monte Carlo sampling."""
    duration_days: Annotated[float, Field(gt=0)] | None = None
    """Duration, used by Monte Carlo sampling: only with ``probability`` (a plain run would
    otherwise apply the event to the whole horizon, so it is an error without one)."""
    foreseen: bool = False
    """Whether the event is known before it starts. By default it is not: strategic stocks
    cannot be drawn before the first unforeseen event of a run starts (no foresight)."""

    @field_validator("duration_days")
    @classmethod
    def _duration_needs_probability(cls, value: float | None, info: ValidationInfo) -> float | None:
        # ``probability`` is absent from info.data when it was given but invalid: that error
        # is reported on its own, not this one
        if value is not None and "probability" in info.data and info.data["probability"] is None:
            raise ValueError(DURATION_WITHOUT_PROBABILITY)
        return value

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.target,) if isinstance(self.target, str) else tuple(self.target)


def _unique_months(months: tuple[int, ...]) -> tuple[int, ...]:
    repeated = sorted({m for m in months if months.count(m) > 1})
    if repeated:
        raise ValueError(f"months must be unique; {', '.join(map(str, repeated))} repeated")
    return months


Months = Annotated[
    tuple[Annotated[int, Field(ge=1, le=12)], ...],
    Field(min_length=1),
    AfterValidator(_unique_months),
]
"""Calendar months 1-12 (January = 1), at least one, each once: a seasonal element's months."""


class Season(_Frozen):
    """An element available only in some calendar months (e.g. an Arctic route in summer).

    ``target`` names what a disruption can name (a node, link, corridor, supplier country or a
    list; ``kind:id`` removes ambiguity); ``months`` are the months it is open. In each period
    its capacity is multiplied by the share of the period's days that fall in those months (see
    :func:`corridors.core.availability.season_factor`). It replaces the ``season_months`` the
    geodata give the same element.
    """

    target: str | tuple[str, ...]
    months: Months

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.target,) if isinstance(self.target, str) else tuple(self.target)


class NetworkFiles(_Frozen):
    """Where the network's geodata live and which link statuses are active."""

    nodes: Path
    links: Path
    basemap: Path | None = None
    include_status: tuple[LinkStatus, ...] = ("existing",)
    include_links: tuple[str, ...] = ()
    """Planned or candidate links to activate by id, on top of ``include_status``."""


class SolverOptions(_Frozen):
    """Which solver, and its options (method, threads and interface apply to HiGHS)."""

    name: str = "highs"
    """``highs`` (built in), or any LP solver Pyomo drives that is installed (``glpk``,
    ``cbc``, ``gurobi_direct``, ...): the readable Pyomo model is then solved through Pyomo."""
    method: Literal["auto", "simplex", "ipm"] = "auto"
    time_limit: Annotated[float, Field(gt=0)] | None = None
    threads: Annotated[int, Field(ge=1)] | None = None
    interface: Literal["auto", "direct", "pyomo"] = "auto"
    """How the model reaches HiGHS: ``direct`` passes the assembled LP arrays in one call,
    ``pyomo`` builds the Pyomo model and compiles it to the same arrays (same LP, slower to
    build on large networks); ``auto`` is ``direct`` unless the scenario has a ``policy:`` or
    the run an ``extra=`` function, which add to the Pyomo model."""


class Outputs(_Frozen):
    """Which files ``corridors run`` writes besides the tables."""

    map: bool = True
    gpkg: bool = True


ShareGroup = Literal["supplier", "corridor", "chokepoint", "entry_point", "mode"]
HhiGroup = Literal["supplier", "corridor", "entry_point", "mode"]


class MaxShare(_Frozen):
    """Imports of ``commodity`` (``all``: every commodity in PJ) through one group member
    (a supplier country, corridor, chokepoint, entry point or mode) are at most ``share`` of
    the total, in every period (see :mod:`corridors.analysis.policy` for the equation)."""

    group: ShareGroup
    id: str
    commodity: str = "all"
    share: Factor
    name: str | None = None


class MinSuppliers(_Frozen):
    """At least ``count`` supplier countries each provide at least ``share`` of the imports
    of ``commodity`` (a MILP: one binary per supplier country and period)."""

    count: Annotated[int, Field(ge=1)]
    share: Annotated[float, Field(gt=0, le=1)]
    commodity: str = "all"
    name: str | None = None


class MaxHhi(_Frozen):
    """Herfindahl–Hirschman index of ``group`` shares (on [0, 1], not x10,000) at most
    ``hhi``, enforced by a conservative piecewise-linear over-estimate with ``breakpoints``
    segments per share (see :mod:`corridors.analysis.policy`)."""

    group: HhiGroup = "supplier"
    commodity: str = "all"
    hhi: Annotated[float, Field(gt=0, le=1)]
    breakpoints: Annotated[int, Field(ge=2, le=200)] = 40
    name: str | None = None


class Policy(_Frozen):
    """Diversification targets added to the model as constraints."""

    max_share: tuple[MaxShare, ...] = ()
    min_suppliers: tuple[MinSuppliers, ...] = ()
    max_hhi: tuple[MaxHhi, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.max_share or self.min_suppliers or self.max_hhi)


class Risk(_Frozen):
    """Risk scores in [0, 1] for the risk-weighted diversity metrics; others get ``default``."""

    default: Factor = 0.0
    supplier: dict[str, Factor] = Field(default_factory=dict)
    """By supplier country (ISO3)."""
    chokepoint: dict[str, Factor] = Field(default_factory=dict)
    """By chokepoint node id."""


class ExpansionCase(_Frozen):
    """One disruption scenario of expansion planning: its weight and the events in it."""

    name: str
    weight: NonNeg = 1.0
    """Relative weight (probability after normalisation) in the expected-cost objective."""
    disruptions: tuple[Disruption, ...] = ()


class Expansion(_Frozen):
    """Corridor investment planning (:mod:`corridors.analysis.expansion`)."""

    scenarios: tuple[ExpansionCase, ...] = ()
    """Disruption scenarios; none given: only the scenario as it is (no extra loss)."""
    discount_rate: Annotated[float, Field(ge=0, le=1)] = 0.08
    """Per year, for annualising capital cost (capital recovery factor)."""
    lifetime_years: Annotated[int, Field(ge=1)] = 30
    candidates: tuple[str, ...] | None = None
    """Planned/candidate link ids to choose among; default: every inactive link."""


class Scenario(_Frozen):
    """A validated scenario (the merged ``extends`` chain)."""

    name: str
    description: str = ""
    extends: str | None = None
    network: NetworkFiles
    commodities: dict[str, Commodity]
    supply: tuple[Supply, ...] = ()
    demand: tuple[Demand, ...] = ()
    horizon: Horizon = Horizon()
    storage: tuple[Storage, ...] = ()
    importer: str | None = None
    """The importing country (ISO 3166-1 alpha-3, e.g. ``CHN``) whose balance this is: a
    supply at a node of that ``country`` is domestic production, any other supply an import.
    None: every supply is an import."""
    bypass_share: Factor = 1.0
    """Share of the capacity of every link marked ``bypass: true`` (e.g. pipelines around a
    strait) available to this importer's cargoes, in every period; disruptions multiply on
    top."""
    rationing: Rationing = Rationing()
    """How shortages are shared between demands (rising cost blocks, see :class:`Rationing`)."""
    carbon_price: NonNeg = 0.0
    """USD per t CO2e."""
    discount_rate: Annotated[float, Field(ge=0, le=1)] = 0.03
    """Per year; costs of later periods are discounted to the start of the horizon."""
    speeds: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    """Ship speed by commodity, knots, for the voyage time of sea lanes (defaults:
    :data:`corridors.core.data.SPEEDS_KNOTS`)."""
    cargo_interest: Annotated[float, Field(ge=0, le=1)] = 0.08
    """Per year: the cost of the capital tied up in a cargo at sea, charged per unit carried on
    a sea lane in a one-period run (assumption: a trade-finance rate)."""
    emission_factors: dict[str, dict[str, NonNeg]] = Field(default_factory=dict)
    """g CO2e per t·km, by link mode then commodity."""
    disruptions: tuple[Disruption, ...] = ()
    seasons: tuple[Season, ...] = ()
    """Elements open only in some months (in addition to the geodata's ``season_months``)."""
    solver: SolverOptions = SolverOptions()
    outputs: Outputs = Outputs()
    policy: Policy = Policy()
    """Diversification constraints (:mod:`corridors.analysis.policy`)."""
    risk: Risk = Risk()
    """Risk scores for risk-weighted metrics (:mod:`corridors.analysis.diversity`)."""
    attack_costs: dict[str, NonNeg] = Field(default_factory=dict)
    """Cost of losing each element for budgeted interdiction (others cost 1)."""
    expansion: Expansion = Expansion()
    """Candidate corridors and disruption scenarios for ``corridors expand``."""
    source: Path | None = Field(default=None, exclude=True)
    """The YAML file this scenario was loaded from (set by the loader)."""
    disruption_origins: tuple[tuple[str, int], ...] = Field(default=(), exclude=True)
    """(file, index in that file) of each disruption after ``extends`` merging (loader-set)."""

    @field_validator("importer")
    @classmethod
    def _iso3(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(
                "must be an ISO 3166-1 alpha-3 country code, three upper-case letters (e.g. CHN)"
            )
        return value

    def event_location(self, i: int) -> tuple[str, str]:
        """The file and key where disruption ``i`` of the merged scenario was written."""
        if i < len(self.disruption_origins):
            file, j = self.disruption_origins[i]
            return file, f"disruptions[{j}]"
        return str(self.source or ""), f"disruptions[{i}]"

    def demanded(self) -> list[str]:
        """The commodities some demand entry asks for, in the order of ``commodities``. LNG,
        regasified into pipeline gas, is usually not one: it can never be short, and the gas
        a lost cargo leaves short is unmet ``pipeline_gas``."""
        asked = {d.commodity for d in self.demand}
        return [c for c in self.commodities if c in asked]

    def undemanded_supply(self) -> list[str]:
        """The commodities supplied that no demand asks for (LNG): what of them did not come
        shows as supply not supplied, not as unmet demand."""
        asked = set(self.demanded())
        return [c for c in dict.fromkeys(x.commodity for x in self.supply) if c not in asked]

    @property
    def discounted(self) -> bool:
        """Whether costs are discounted: the first period's discount factor is 1, so one
        period (or a rate of 0) is not; several periods are, to the start of the horizon."""
        return self.horizon.periods > 1 and self.discount_rate > 0

    def fingerprint(self) -> str:
        """SHA-256 of the merged scenario content, for manifests and resume checks."""
        payload = self.model_dump(mode="json", exclude={"source"})
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def with_updates(self, **changes: Any) -> Scenario:
        """A copy with fields replaced (validated again)."""
        data = self.model_dump(exclude={"source"})
        data.update(changes)
        return Scenario.model_validate(
            {**data, "source": self.source, "disruption_origins": self.disruption_origins}
        )
