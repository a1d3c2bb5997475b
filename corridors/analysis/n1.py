"""The EU N-1 infrastructure standard, from the network, next to a flow-based N-1.

Regulation (EU) 2017/1938, Annex II, for a gas importing area (all in mcm/d):

    N-1 [%] = (EPm + Pm + Sm + LNGm − Im) / (Dmax − Deff) × 100        (required ≥ 100 %)

EPm: technical capacity of the pipeline entry points into the area; Pm: production in the
area; Sm: storage withdrawal capacity; LNGm: LNG send-out (regasification) capacity; Im: the
single largest of these infrastructures; Dmax: peak-day demand; Deff: demand met by
market-based demand-side measures. Here the area is every node of one country (ISO3); Dmax is
the area's annual gas demand from the scenario ÷ 365 × ``peak_factor`` (the scenario has
annual demand, not a 1-in-20 peak: choose the factor); Pm counts supply entries of the gas
commodity at nodes inside the area.

The flow-based N-1 re-solves the model once per single element lost (every element that can
be disrupted: chokepoint, pipeline, port, LNG terminal, border crossing, storage site and
supplier country, :data:`~corridors.core.availability.DISRUPTABLE_CLASSES`) and reports the
largest gas shortfall and the share of gas demand still met.
"""

from __future__ import annotations

from typing import Any

from corridors.analysis.sweep import Case, case_availability
from corridors.core.availability import DISRUPTABLE_CLASSES, elements
from corridors.core.session import Source, prepare
from corridors.errors import CorridorsError, Problem, suggest
from corridors.units import DAYS_PER_YEAR, MCM_PER_BCM, PJ_PER_BCM_GAS


def _per_day(bcm_per_year: float) -> float:
    return bcm_per_year * MCM_PER_BCM / DAYS_PER_YEAR


def eu_n1(
    source: Source,
    area: str,
    gas: str = "pipeline_gas",
    lng: str = "lng",
    peak_factor: float = 1.0,
    deff_mcm_d: float = 0.0,
) -> dict[str, Any]:
    """The infrastructure N-1 formula for the nodes of country ``area``; see module docs."""
    prep = prepare(source)
    s, net = prep.scenario, prep.network
    countries = set(net.nodes["country"])
    if area not in countries:
        raise CorridorsError(
            Problem("", "--area", f"unknown area '{area}'{suggest(area, countries)}")
        )
    if gas not in s.commodities:
        raise CorridorsError(
            Problem(
                str(s.source or ""),
                "commodities",
                f"no commodity '{gas}'{suggest(gas, s.commodities)}: the N-1 formula needs the "
                "scenario's pipeline gas commodity under that name",
            )
        )
    inside = set(net.nodes.index[net.nodes["country"] == area])
    links = net.links
    pj = {c: v.pj_per_unit for c, v in s.commodities.items()}
    unit_to_bcm = pj[gas] / PJ_PER_BCM_GAS  # gas units -> bcm

    entry = links[
        (links["commodity"] == gas)
        & (links["mode"] != "conversion")
        & links["to"].isin(inside)
        & ~links["from"].isin(inside)
    ]
    ep = {lid: _per_day(float(c) * unit_to_bcm) for lid, c in entry["capacity"].fillna(0).items()}
    regas = links[
        (links["mode"] == "conversion")
        & (links["output_commodity"] == gas)
        & links["from"].isin(inside)
    ]
    lngm = {}
    for lid, row in regas.iterrows():
        factor = row["efficiency"] * pj[row["commodity"]] / pj[gas]
        lngm[lid] = _per_day(float(row["capacity"] or 0.0) * factor * unit_to_bcm)
    prod = {
        f"{x.node}": _per_day(x.max * unit_to_bcm)
        for x in s.supply
        if x.commodity == gas and x.node in inside
    }
    stor = {
        f"{x.node}": _per_day(x.max_withdrawal * unit_to_bcm)
        for x in s.storage
        if x.commodity == gas and x.node in inside
    }
    demand_bcm = sum(d.amount for d in s.demand if d.node in inside and d.commodity == gas)
    demand_bcm *= unit_to_bcm
    dmax = _per_day(demand_bcm) * peak_factor
    candidates = {**ep, **lngm, **prod, **stor}
    im_id = max(candidates, key=lambda name: candidates[name]) if candidates else None
    im = candidates[im_id] if im_id else 0.0
    terms = {
        "EPm": sum(ep.values()),
        "Pm": sum(prod.values()),
        "Sm": sum(stor.values()),
        "LNGm": sum(lngm.values()),
        "Im": im,
        "Dmax": dmax,
        "Deff": deff_mcm_d,
    }
    denom = dmax - deff_mcm_d
    value = (
        (terms["EPm"] + terms["Pm"] + terms["Sm"] + terms["LNGm"] - im) / denom * 100.0
        if denom > 0
        else float("inf")
    )
    return {
        "area": area,
        "n1_percent": value,
        "meets_standard": bool(value >= 100.0),
        "largest_infrastructure": im_id,
        "terms_mcm_per_day": terms,
        "peak_factor": peak_factor,
        "entry_points": ep,
        "lng_terminals": lngm,
    }


def flow_n1(
    source: Source, area: str, gas_commodities: tuple[str, ...] = ("pipeline_gas", "lng")
) -> dict[str, Any]:
    """Largest single loss, re-solved: the disruptable element (a chokepoint, pipeline, port,
    terminal, border crossing, storage site or supplier country) whose loss leaves most gas
    demand unmet in ``area`` (PJ), and the share of the area's gas demand still met."""
    prep = prepare(source)
    s, net = prep.scenario, prep.network
    inside = set(net.nodes.index[net.nodes["country"] == area])
    gas = [c for c in gas_commodities if c in s.commodities]
    pj = {c: s.commodities[c].pj_per_unit for c in gas}
    dem = prep.data.demand
    idx = [i for i, k in enumerate(dem) if k.node in inside and k.commodity in gas]
    demand_pj = sum(dem[i].amount * pj[dem[i].commodity] for i in idx)
    demand_pj *= float(prep.data.d.sum())
    # infrastructure and suppliers only: not the consumers, open sea or whole corridors
    elems = elements(net, prep.resolver, DISRUPTABLE_CLASSES)
    zero = tuple([0.0] * s.horizon.periods)

    def area_unmet(case: Case) -> float:
        sol = prep.runner.resolve(case_availability(prep, case))
        return float(sum(sol.unmet[i].sum() * pj[dem[i].commodity] for i in idx))

    base_unmet = area_unmet(Case(0, (), ()))
    worst: tuple[float, str] = (-1.0, "")
    for i, e in enumerate(elems, start=1):
        unmet = area_unmet(Case(i, (e.name,), (((e.name,), zero),)))
        if unmet > worst[0]:
            worst = (unmet, e.name)
    met = 1.0 - worst[0] / demand_pj if demand_pj > 0 else 1.0
    return {
        "area": area,
        "gas_demand_pj": demand_pj,
        "base_unmet_pj": base_unmet,
        "worst_element": worst[1],
        "worst_unmet_pj": worst[0],
        "share_met_percent": 100.0 * met,
        "elements_tested": len(elems),
    }
