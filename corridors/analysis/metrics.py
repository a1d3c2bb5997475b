"""Figures computed from a result's optimal flows: the balance (production, imports,
consumption, unmet), volumes, chokepoint exposure, emissions and reserves.

With a scenario ``importer`` (ISO3), a supply at a node whose ``country`` is the importer is
domestic **production**; every other supply is an **import**. Without one, every supply is an
import and production is 0. All "imports" figures here (``imports``, chokepoint shares,
``volumes.imports_<c>``) count imports only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from corridors.core.availability import TargetResolver
from corridors.core.data import OWN_TRANCHES
from corridors.core.groups import domestic_supplies
from corridors.core.results import Result
from corridors.io.schema import Disruption, Scenario
from corridors.units import DAYS_PER_YEAR

NET_IMPORT_FLOOR = 1.0e-6
"""Net import requirement floor, as a fraction of consumption (see :func:`reserve_figures`)."""


def domestic_rows(result: Result) -> pd.Series:
    """Boolean Series over ``result.supply``: rows of domestic production (the supply node's
    country is the scenario's ``importer``); all False without an importer."""
    sup = result.supply
    importer = result.scenario.importer
    if importer is None or sup.empty:
        return pd.Series(False, index=sup.index, dtype=bool)
    country = sup["node"].map(result.network.nodes["country"])
    return (country == importer).fillna(False).astype(bool)


def import_supply(result: Result) -> pd.DataFrame:
    """The rows of ``result.supply`` that are imports (domestic production left out)."""
    return result.supply[~domestic_rows(result)]


def imports(result: Result) -> pd.DataFrame:
    """Imports by commodity over the horizon: supplied volume (units) and energy (PJ);
    domestic production (see the module docstring) is not an import."""
    com = result.scenario.commodities
    vol = import_supply(result).groupby("commodity")["supplied"].sum()
    rows = [
        {
            "commodity": c,
            "unit": com[c].unit,
            "volume": float(vol.get(c, 0.0)),
            "pj": float(vol.get(c, 0.0)) * com[c].pj_per_unit,
        }
        for c in com
    ]
    return pd.DataFrame(rows)


def chokepoint_exposure(result: Result) -> pd.DataFrame:
    """Throughput of each chokepoint by commodity and its share of that commodity's imports.

        share(n, c) = Σ_t Σ_{l into n, c_l = c} flow[l,t] / Σ_t Σ_{s of c} supply[s,t]

    plus ``share_energy``: all commodities in PJ over all imports in PJ.
    """
    net = result.network
    com = result.scenario.commodities
    chokes = net.chokepoints
    f = result.flows[result.flows["to"].isin(chokes)]
    through = f.groupby(["to", "commodity"])["flow"].sum()
    imp = imports(result).set_index("commodity")
    total_pj = float(imp["pj"].sum())
    rows = []
    for n in chokes:
        energy = 0.0
        for c in com:
            v = float(through.get((n, c), 0.0))
            energy += v * com[c].pj_per_unit
            denom = float(imp.at[c, "volume"]) if c in imp.index else 0.0
            rows.append(
                {
                    "chokepoint": n,
                    "commodity": c,
                    "throughput": v,
                    "share": v / denom if denom > 0 else 0.0,
                }
            )
        rows.append(
            {
                "chokepoint": n,
                "commodity": "all_pj",
                "throughput": energy,
                "share": energy / total_pj if total_pj > 0 else 0.0,
            }
        )
    return pd.DataFrame(rows, columns=["chokepoint", "commodity", "throughput", "share"])


def emissions(result: Result) -> dict[str, float]:
    """Transport emissions over the horizon, t CO2e, in total and by mode."""
    by_mode = result.flows.groupby("mode")["emissions_t"].sum()
    out = {f"by_mode_{k}": float(v) for k, v in by_mode.items()}
    out["total"] = float(by_mode.sum())
    return out


def volumes_by_mode(result: Result) -> dict[str, float]:
    """Imports by commodity (units; domestic production left out) and volumes converted (input
    units, e.g. LNG regasified)."""
    fl = result.flows
    sup = import_supply(result)
    out: dict[str, float] = {}
    for c in result.scenario.commodities:
        out[f"imports_{c}"] = float(sup.loc[sup["commodity"] == c, "supplied"].sum())
    conv = fl[fl["mode"] == "conversion"]
    for c, v in conv.groupby("commodity")["flow"].sum().items():
        out[f"converted_{c}"] = float(v)
    return out


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 1e-12 else None


def stock_building_rows(result: Result) -> pd.Series:
    """Which rows of ``result.unmet`` belong to demand entries of purpose ``stock_building``."""
    keys = {(d.node, d.commodity) for d in result.scenario.demand if d.purpose == "stock_building"}
    un = result.unmet
    return pd.Series(
        [(n, c) in keys for n, c in zip(un["node"], un["commodity"], strict=True)],
        index=un.index,
        dtype=bool,
    )


def balance(result: Result) -> dict[str, dict[str, float | None]]:
    """The balance of each commodity over the horizon, in its units, plus ``all`` in PJ:

    - ``consumption`` = Σ_k Σ_t demand_k · d_t over the demand entries of purpose
      ``consumption`` (the demand of the horizon);
    - ``stock_building`` = the same over the entries of purpose ``stock_building``, and
      ``stock_building_unmet`` what of it was given up;
    - ``production`` = Σ_t supplied over the domestic supplies (0 without ``importer``);
    - ``imports`` = Σ_t supplied over the other supplies;
    - ``conversion`` = Σ_t delivered into the commodity by links converting another one
      (regasified LNG, as pipeline gas) − Σ_t flow of it into such links (LNG regasified);
    - ``stock_draw`` = Σ_t (withdrawal − injection) over the storages;
    - ``unmet`` = Σ_k Σ_t unmet[k,t] over the consumption entries, = ``restraint`` (demand
      curtailed in its restraint steps, at their moderate cost) + ``shortage`` (the rest);
    - ``import_requirement`` = imports + conversion + unmet + stock_building_unmet: what had
      to come from outside for no shortfall, production and stock draws as they were (for
      gas, LNG delivered as gas counts, and LNG itself, all converted, has a requirement of 0);
    - ``unmet_share_of_consumption`` = unmet / consumption;
    - ``unmet_share_of_imports`` = unmet / import_requirement;

    shares are None where their base is ≤ 0. Production + imports + conversion + stock_draw
    + unmet = consumption + stock_building − stock_building_unmet, up to transport losses (links with ``efficiency`` < 1). ``all``
    sums every figure in PJ (conversion is then minus the conversion losses).
    """
    s = result.scenario
    pj = {c: v.pj_per_unit for c, v in s.commodities.items()}
    dom = domestic_rows(result)
    sup = result.supply
    produced = sup[dom].groupby("commodity")["supplied"].sum()
    imported = sup[~dom].groupby("commodity")["supplied"].sum()
    un = result.unmet
    building = stock_building_rows(result)
    consumed = un[~building].groupby("commodity")["demand"].sum()
    short = un[~building].groupby("commodity")["unmet"].sum()
    restrained = (
        un[~building].groupby("commodity")["restraint"].sum()
        if "restraint" in un.columns
        else pd.Series(dtype=float)
    )
    built = un[building].groupby("commodity")["demand"].sum()
    given_up = un[building].groupby("commodity")["unmet"].sum()
    st = result.storage
    draw = (st["withdrawal"] - st["injection"]).groupby(st["commodity"]).sum()
    fl = result.flows
    conv = fl[fl["commodity"] != fl["output_commodity"]]
    conv_in = conv.groupby("output_commodity")["delivered"].sum()
    conv_out = conv.groupby("commodity")["flow"].sum()
    keys = (
        "consumption",
        "stock_building",
        "production",
        "imports",
        "conversion",
        "stock_draw",
        "unmet",
        "restraint",
        "shortage",
        "stock_building_unmet",
    )
    total = dict.fromkeys(keys, 0.0)
    out: dict[str, dict[str, float | None]] = {}
    for c in s.commodities:
        row = {
            "consumption": float(consumed.get(c, 0.0)),
            "stock_building": float(built.get(c, 0.0)),
            "production": float(produced.get(c, 0.0)),
            "imports": float(imported.get(c, 0.0)),
            "conversion": float(conv_in.get(c, 0.0)) - float(conv_out.get(c, 0.0)),
            "stock_draw": float(draw.get(c, 0.0)),
            "unmet": float(short.get(c, 0.0)),
            "restraint": float(restrained.get(c, 0.0)),
            "shortage": float(short.get(c, 0.0)) - float(restrained.get(c, 0.0)),
            "stock_building_unmet": float(given_up.get(c, 0.0)),
        }
        for k, v in row.items():
            total[k] += v * pj[c]
        out[c] = _with_shares(row)
    out["all"] = _with_shares(total)
    return out


def _with_shares(row: dict[str, float]) -> dict[str, float | None]:
    need = row["imports"] + row["conversion"] + row["unmet"] + row["stock_building_unmet"]
    if abs(need) < 1e-9:  # LNG: imported and converted in full
        need = 0.0
    return {
        **row,
        "import_requirement": need,
        "unmet_share_of_consumption": _share(row["unmet"], row["consumption"]),
        "unmet_share_of_imports": _share(row["unmet"], need),
    }


def balance_summary(result: Result) -> dict[str, dict[str, dict[str, Any]]]:
    """:func:`balance` in the style of summary.json: every figure as ``{volume, unit}`` (the
    commodity's unit, PJ for ``all``), every share as ``{value, unit: "fraction"}``
    (``+ 0.0`` turns a rounded −0.0 into 0.0)."""
    com = result.scenario.commodities
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for c, row in balance(result).items():
        unit = com[c].unit if c in com else "PJ"
        out[c] = {
            k: (
                {"value": None if v is None else round(v, 9) + 0.0, "unit": "fraction"}
                if k.startswith("unmet_share")
                else {"volume": None if v is None else round(v, 6) + 0.0, "unit": unit}
            )
            for k, v in row.items()
        }
    return out


def first_shortfall_day(unmet_by_period: pd.Series, period_days: float) -> float | None:
    """The first day of the first period (index: periods 1..T) with unmet demand above the
    noise level, None if there is none (day 0 is the start of the horizon; the figure is as
    fine as the periods: the start of the period in which demand first goes short)."""
    short = unmet_by_period[unmet_by_period > 1e-6]
    return float((int(short.index.min()) - 1) * period_days) if len(short) else None


@dataclass(frozen=True)
class Event:
    """A disruption applied to the run: the day it starts (day 0 = horizon start), the
    commodities it can cut and how to name it."""

    start_day: float
    commodities: frozenset[str]
    label: str


def event_start_day(event: Disruption, scenario: Scenario) -> float:
    """The day a disruption starts, counted from the start of the horizon (day 0): a period
    number ``start`` starts on day (start − 1) · period_days, a date on its offset from
    ``horizon.start``; no ``start`` is day 0."""
    h = scenario.horizon
    if isinstance(event.start, int):
        return float((event.start - 1) * h.period_days)
    if isinstance(event.start, dt.date) and h.start is not None:
        return float((event.start - h.start).days)
    return 0.0


def applied_events(result: Result) -> list[Event]:
    """The disruptions applied to the run (not the Monte Carlo ones with a ``probability``,
    not those that leave their targets whole), each with the commodities it can cut: those
    carried or delivered by its links (a node's links included), those of its supplies, and
    what they are converted into (LNG lost is pipeline gas lost). A target the network does
    not know counts for every commodity."""
    s, net = result.scenario, result.network
    every = frozenset(s.commodities)
    links = net.links
    link_com = links["commodity"].astype(str).to_numpy()
    link_out = links["output_commodity"].fillna(links["commodity"]).astype(str).to_numpy()
    converts: dict[str, set[str]] = {}
    for a, b in zip(link_com, link_out, strict=True):
        if a != b:
            converts.setdefault(a, set()).add(b)
    resolver = TargetResolver(s, net)
    out: list[Event] = []
    for i, ev in enumerate(s.disruptions):
        if ev.probability is not None or ev.capacity_factor >= 1.0:
            continue
        touched: set[str] = set()
        try:
            for name in ev.targets:
                tg = resolver.resolve(name)
                for li in tg.links:
                    touched.update((link_com[li], link_out[li]))
                touched.update(s.supply[j].commodity for j in tg.supplies)
        except KeyError:
            touched = set(every)
        todo = list(touched)
        while todo:  # what the touched commodities are converted into
            for b in converts.get(todo.pop(), ()):
                if b not in touched:
                    touched.add(b)
                    todo.append(b)
        out.append(
            Event(
                event_start_day(ev, s),
                frozenset(touched),
                f"disruptions[{i}] ({', '.join(ev.targets)})",
            )
        )
    return out


def survival_start(
    events: list[Event], commodity: str, first: float, period_days: float
) -> Event | None:
    """The disruption a shortfall of ``commodity`` that starts in the period beginning on
    day ``first`` is measured from: the latest-starting event that can cut the commodity and
    had started by the end of that period; None when there is none (the shortfall owes nothing
    to a disruption: survival is then counted from the start of the horizon)."""
    before = [e for e in events if commodity in e.commodities and e.start_day < first + period_days]
    return max(before, key=lambda e: e.start_day, default=None)


def reserve_figures(result: Result) -> dict[str, dict[str, float | None]]:
    """Per commodity: days of cover and survival time (docs/definitions.md).

    Stocks and rates from the scenario's entries (a year is 365 days): ``stock`` = Σ
    ``initial`` over every ``storage:`` entry of the commodity, wherever its node is (demand
    regions and ``storage`` sites alike); ``consumption`` = Σ demand ``amount`` (per year);
    ``domestic`` = Σ ``max`` of the domestic supplies (per year; 0 without ``importer``).

    - ``days_of_cover`` = stock / (net imports / 365), the IEA convention (days of net
      imports), with the scenario's undisrupted net import requirement
      ``net imports = max(consumption + stock building − domestic, NET_IMPORT_FLOOR ·
      consumption)`` (stock building: Σ ``amount`` of the ``stock_building`` entries)
      (floored so that a commodity produced at home gets a large, finite figure); without an
      importer this is stock / (consumption / 365). None when consumption is 0;
    - ``days_of_consumption`` = stock / (consumption / 365); None when consumption is 0.

    From the run's flows:

    - ``first_shortfall_day``: the first day of the first period with unmet consumption
      (day 0 = start of the horizon; stock building given up is not a shortfall; None when
      consumption is met throughout);
    - ``survival_days`` = first_shortfall_day − ``disruption_start_day``, at least 0: how long
      supply held out after the disruption the shortfall follows; None without a shortfall;
    - ``disruption_start_day``: the start of that disruption, the latest-starting applied
      event that can cut the commodity (:func:`applied_events`) and had started by the end of
      the period of the first shortfall (so an earlier event elsewhere, a year-long one
      included, does not lengthen it); None without a shortfall, or when no such event had
      started (survival is then counted from the start of the horizon, day 0);
    - ``min_reserve_level``: the lowest end-of-period stock (commodity units, a stock).
    """
    s = result.scenario
    h = s.horizon
    events = applied_events(result)
    out: dict[str, dict[str, float | None]] = {}
    domestic = domestic_supplies(s, result.network)
    building = stock_building_rows(result)
    for c in s.commodities:
        uses = [d for d in s.demand if d.commodity == c]
        demand = sum(d.amount for d in uses if d.purpose == "consumption")
        stocking = sum(d.amount for d in uses if d.purpose == "stock_building")
        home = sum(x.max for x, d in zip(s.supply, domestic, strict=True) if d and x.commodity == c)
        net = max(demand + stocking - home, NET_IMPORT_FLOOR * demand)
        stock = sum(j.initial for j in s.storage if j.commodity == c)
        mine = (result.unmet["commodity"] == c) & ~building
        first = first_shortfall_day(
            result.unmet[mine].groupby("period")["unmet"].sum(), h.period_days
        )
        lv = result.storage[result.storage["commodity"] == c].groupby("period")["level"].sum()
        cause = survival_start(events, c, first, h.period_days) if first is not None else None
        start_day = cause.start_day if cause is not None else 0.0
        out[c] = {
            "days_of_cover": stock / (net / DAYS_PER_YEAR) if demand > 0 else None,
            "days_of_consumption": stock / (demand / DAYS_PER_YEAR) if demand > 0 else None,
            "first_shortfall_day": first,
            "survival_days": max(0.0, first - start_day) if first is not None else None,
            "disruption_start_day": cause.start_day if cause is not None else None,
            "min_reserve_level": float(lv.min()) if len(lv) else None,
        }
    return out


def available_supply(scenario: Scenario, commodity: str) -> float:
    """Σ ``max`` × years of the horizon over the commodity's ``supply:`` entries: what the
    scenario data offer at their own price over the horizon, undisrupted, in its unit."""
    h = scenario.horizon
    years = h.periods * h.period_days / DAYS_PER_YEAR
    return sum(x.max for x in scenario.supply if x.commodity == commodity) * years


def supply_balance(result: Result) -> dict[str, dict[str, Any]]:
    """What each supply commodity's own supply became, over the horizon, in its units (every
    figure ``{volume, unit}``), for the commodities of the scenario's ``supply:`` entries:

    - ``available`` = Σ ``max`` · years of the horizon over the commodity's entries: what the
      scenario data offer at their own price (``base`` and ``contract`` steps), undisrupted;
    - ``available_after_disruptions`` = Σ_t ``available`` over those steps in supply.csv
      (after disruptions and seasons at the suppliers);
    - ``lost_at_source`` = available − available_after_disruptions;
    - ``supplied`` = Σ_t supplied over every step, replacement ``tranches`` included, and
      ``supplied_beyond_own`` the part of it from those tranches;
    - ``not_supplied`` = max(available − supplied, 0): the supply the scenario offers that
      did not come — lost to a disruption (at the supplier, on its routes, at a terminal) or
      not needed; compare with the baseline's figure. For LNG, which no demand asks for (it
      is regasified into pipeline gas), this is the LNG a disruption takes away, while the
      gas left short shows in pipeline_gas's unmet demand;
    - ``not_supplied_pj``: the same in PJ;
    - ``converted`` = Σ_t flow into conversion links (e.g. LNG regasified), and
      ``converted_to``: per output commodity, what they delivered (e.g. bcm of pipeline gas).
    """
    s = result.scenario
    com = s.commodities
    sup = result.supply
    own = sup["tranche"].isin(OWN_TRANCHES)
    fl = result.flows
    conv = fl[fl["commodity"] != fl["output_commodity"]]
    out: dict[str, dict[str, Any]] = {}
    for c in dict.fromkeys(x.commodity for x in s.supply):
        unit = com[c].unit
        mine = sup["commodity"] == c
        available = available_supply(s, c)
        after = float(sup.loc[mine & own, "available"].sum())
        supplied = float(sup.loc[mine, "supplied"].sum())
        missing = max(available - supplied, 0.0)
        part = conv[conv["commodity"] == c]

        def q(v: float, u: str = unit) -> dict[str, Any]:
            return {"volume": round(v, 6) + 0.0, "unit": u}

        out[c] = {
            "available": q(available),
            "available_after_disruptions": q(after),
            "lost_at_source": q(max(available - after, 0.0)),
            "supplied": q(supplied),
            "supplied_beyond_own": q(float(sup.loc[mine & ~own, "supplied"].sum())),
            "not_supplied": q(missing),
            "not_supplied_pj": q(missing * com[c].pj_per_unit, "PJ"),
            "converted": q(float(part["flow"].sum())),
            "converted_to": {
                str(o): q(float(g["delivered"].sum()), com[str(o)].unit)
                for o, g in part.groupby("output_commodity")
            },
        }
    return out


def summary_metrics(result: Result) -> dict[str, Any]:
    """The headline figures written into summary.json."""
    exp = chokepoint_exposure(result)
    shares: dict[str, dict[str, float]] = {}
    for row in exp.itertuples(index=False):
        shares.setdefault(str(row.commodity), {})[str(row.chokepoint)] = round(float(row.share), 6)
    imp = imports(result)
    return {
        "imports": {
            r.commodity: {"volume": round(r.volume, 6), "unit": r.unit, "pj": round(r.pj, 3)}
            for r in imp.itertuples(index=False)
        },
        "chokepoint_share": shares,
        "volumes": {k: round(v, 6) for k, v in volumes_by_mode(result).items()},
        "emissions_t": {k: round(v, 1) for k, v in emissions(result).items()},
        "reserves": reserve_figures(result),
        **voyage_figures(result),
    }


def voyage_figures(result: Result) -> dict[str, dict[str, float]]:
    """Voyage time at sea per commodity (commodities shipped by sea only):

    - ``voyage_days`` = Σ_l Σ_t flow[l,t]·transit_days_l / Σ_l Σ_t η_l·flow[l,t] over the sea
      lanes l into a node that no sea lane of the commodity leaves (the end of the sea leg: a
      port or terminal), i.e. ship-days per unit delivered by sea (a cargo's whole route,
      every lane it passes, over the volume landed);
    - ``at_sea`` = Σ_l flow[l,T]·transit_days_l / period_days over the sea lanes, the cargo in
      transit at the end of the horizon (units; the last period's loadings still under way).
    """
    fl = result.flows
    if "transit_days" not in fl.columns:
        return {"voyage_days": {}, "at_sea": {}}
    sea = fl[(fl["mode"] == "sea") & (fl["transit_days"] > 0)]
    days, at_sea = {}, {}
    period_days = result.scenario.horizon.period_days
    last = int(fl["period"].max()) if len(fl) else 0
    for c, g in sea.groupby("commodity"):
        leaves = set(g["from"])
        landed = g[~g["to"].isin(leaves)]
        volume = float(landed["delivered"].sum())
        ship_days = float((g["flow"] * g["transit_days"]).sum())
        if volume > 0:
            days[str(c)] = round(ship_days / volume, 4)
        end = g[g["period"] == last]
        at_sea[str(c)] = round(float((end["flow"] * end["transit_days"]).sum()) / period_days, 6)
    return {"voyage_days": days, "at_sea": at_sea}
