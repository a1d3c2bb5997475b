"""The EU N-1 infrastructure standard, from the network, next to a flow-based N-1.

Regulation (EU) 2017/1938, Annex II, for a gas importing area (all in mcm/d):

    N-1 [%] = (EPm + Pm + Sm + LNGm − Im) / (Dmax − Deff) × 100        (required ≥ 100 %)

Here the area is every node of one country (ISO3), and each term is taken from the
scenario and the network where they have it (:data:`TERMS`); :func:`eu_n1` names every item
it counted in each term, and what it left out and why:

- EPm, entry-point capacity: the capacity of the gas pipelines (not conversions) that enter
  the area from a node outside it;
- Pm, maximal production: the gas supply entries at the area's nodes (for the scenario's
  ``importer``, its domestic production), ``max`` plus every tranche above it;
- Sm, maximal storage withdrawal: ``max_withdrawal`` of the gas storage entries at the area's
  nodes (LNG tanks are not counted: what they send out passes the regasification counted in
  LNGm);
- LNGm, maximal LNG send-out: the capacity of the conversion links at the area's nodes that
  deliver gas, as gas (× efficiency × PJ per unit of LNG / PJ per unit of gas);
- Im: the single largest of the items above (a production or storage entry is one item);
- Dmax, peak-day demand: the area's annual gas consumption (demand entries of purpose
  ``consumption``) ÷ 365 × ``peak_factor`` (the scenario has annual demand, not a 1-in-20
  peak: choose the factor);
- Deff: demand met by market-based demand-side measures, given.

Gas quantities are converted to mcm/d with the gas commodity's energy content and
:data:`~corridors.units.PJ_PER_BCM_GAS`. A link without a capacity (unlimited in the model)
is not counted: it is listed under ``not_counted``.

The flow-based N-1 re-solves the model once per single element lost (every element that can
be disrupted: chokepoint, pipeline, port, LNG terminal, border crossing, storage site and
supplier country, :data:`~corridors.core.availability.DISRUPTABLE_CLASSES`) and reports the
largest gas shortfall and the share of gas demand still met.
"""

from __future__ import annotations

import math
from typing import Any

from corridors.analysis.sweep import Case, case_availability
from corridors.core.availability import DISRUPTABLE_CLASSES, elements
from corridors.core.session import Source, prepare
from corridors.errors import CorridorsError, Problem, suggest
from corridors.units import DAYS_PER_YEAR, MCM_PER_BCM, PJ_PER_BCM_GAS

#: Unit of every term of the formula.
N1_UNIT = "mcm/d"

#: The terms of the formula and what each counts (see the module docstring).
TERMS: dict[str, str] = {
    "EPm": "entry-point capacity: gas pipelines into the area",
    "Pm": "maximal production: gas supply at the area's nodes (max and tranches)",
    "Sm": "maximal storage withdrawal: gas storage at the area's nodes",
    "LNGm": "maximal LNG send-out: regasification at the area's nodes, as gas",
    "Im": "largest single infrastructure of the above",
    "Dmax": "peak-day demand: gas consumption at the area's nodes / 365 x peak factor",
    "Deff": "demand met by market-based demand-side measures (given)",
}


def _per_day(bcm_per_year: float) -> float:
    return bcm_per_year * MCM_PER_BCM / DAYS_PER_YEAR


def _term(name: str, items: dict[str, float], not_counted: dict[str, str]) -> dict[str, Any]:
    return {
        "value": float(sum(items.values())),
        "unit": N1_UNIT,
        "meaning": TERMS[name],
        "items": items,
        "not_counted": not_counted,
    }


def eu_n1(
    source: Source,
    area: str,
    gas: str = "pipeline_gas",
    lng: str = "lng",
    peak_factor: float = 1.0,
    deff_mcm_d: float = 0.0,
) -> dict[str, Any]:
    """The infrastructure N-1 formula for the nodes of country ``area`` (see the module
    docstring): ``n1_percent``, ``meets_standard``, ``largest_infrastructure`` (and the
    term it belongs to), ``terms_mcm_per_day`` (each term's value) and ``terms`` (each
    term's value, unit, meaning, the ``items`` counted in mcm/d and the ids
    ``not_counted``, each with the reason), ``formula`` (the sum written out). ``lng`` names the LNG commodity, whose
    storage is left out of Sm."""
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
    unit = s.commodities[gas].unit

    unlimited = "no capacity in the geodata (unlimited in the model)"

    entry = links[
        (links["commodity"] == gas)
        & (links["mode"] != "conversion")
        & links["to"].isin(inside)
        & ~links["from"].isin(inside)
    ]
    ep: dict[str, float] = {}
    ep_out: dict[str, str] = {}
    for lid, cap in entry["capacity"].items():
        if cap is None or math.isnan(cap):
            ep_out[lid] = unlimited
        else:
            ep[lid] = _per_day(float(cap) * unit_to_bcm)
    regas = links[
        (links["mode"] == "conversion")
        & (links["output_commodity"] == gas)
        & links["from"].isin(inside)
    ]
    lngm: dict[str, float] = {}
    lng_out: dict[str, str] = {}
    for lid, row in regas.iterrows():
        cap = row["capacity"]
        if cap is None or math.isnan(cap):
            lng_out[lid] = unlimited
            continue
        factor = row["efficiency"] * pj[row["commodity"]] / pj[gas]
        lngm[lid] = _per_day(float(cap) * factor * unit_to_bcm)
    prod = {
        x.node: _per_day((x.max + sum(t.max for t in x.tranches)) * unit_to_bcm)
        for x in s.supply
        if x.commodity == gas and x.node in inside
    }
    stor = {
        x.node: _per_day(x.max_withdrawal * unit_to_bcm)
        for x in s.storage
        if x.commodity == gas and x.node in inside
    }
    stor_out = {
        x.node: f"{x.commodity} storage: sent out through the regasification in LNGm"
        for x in s.storage
        if x.commodity == lng and x.node in inside
    }
    consumption = {
        d.node: _per_day(d.amount * unit_to_bcm) * peak_factor
        for d in s.demand
        if d.node in inside and d.commodity == gas and d.purpose == "consumption"
    }
    groups = {"EPm": ep, "Pm": prod, "Sm": stor, "LNGm": lngm}
    candidates = [(v, k, name) for name, items in groups.items() for k, v in items.items()]
    im, im_id, im_term = max(candidates) if candidates else (0.0, None, None)
    terms = {
        "EPm": _term("EPm", ep, ep_out),
        "Pm": _term("Pm", prod, {}),
        "Sm": _term("Sm", stor, stor_out),
        "LNGm": _term("LNGm", lngm, lng_out),
        "Im": {**_term("Im", {im_id: im} if im_id else {}, {}), "term": im_term},
        "Dmax": {**_term("Dmax", consumption, {}), "peak_factor": peak_factor},
        "Deff": _term("Deff", {"given": deff_mcm_d} if deff_mcm_d else {}, {}),
    }
    values = {name: t["value"] for name, t in terms.items()}
    supply = values["EPm"] + values["Pm"] + values["Sm"] + values["LNGm"] - values["Im"]
    denom = values["Dmax"] - values["Deff"]
    value = supply / denom * 100.0 if denom > 0 else float("inf")
    return {
        "area": area,
        "n1_percent": value,
        "meets_standard": bool(value >= 100.0),
        "largest_infrastructure": im_id,
        "largest_infrastructure_term": im_term,
        "terms_mcm_per_day": values,
        "terms": terms,
        "unit": N1_UNIT,
        "gas_unit": unit,
        "formula": (
            f"({values['EPm']:,.1f} + {values['Pm']:,.1f} + {values['Sm']:,.1f} + "
            f"{values['LNGm']:,.1f} - {values['Im']:,.1f}) / ({values['Dmax']:,.1f} - "
            f"{values['Deff']:,.1f}) x 100 = {value:,.1f} %"
        ),
        "peak_factor": peak_factor,
        "entry_points": ep,
        "lng_terminals": lngm,
        "production": prod,
        "storage": stor,
    }


def n1_lines(formula: dict[str, Any]) -> list[str]:
    """The result of :func:`eu_n1` as lines to print: the verdict, the formula with its
    numbers, then one line per term with its value, unit, meaning and the items counted
    (largest first)."""
    verdict = "meets" if formula["meets_standard"] else "fails"
    lines = [
        f"EU N-1 for {formula['area']}: {formula['n1_percent']:.1f} % ({verdict} the 100 % "
        "standard)",
        f"  N-1 = (EPm + Pm + Sm + LNGm - Im) / (Dmax - Deff) x 100 = {formula['formula']}",
    ]
    for name, t in formula["terms"].items():
        items = sorted(t["items"].items(), key=lambda kv: -kv[1])
        shown = ", ".join(f"{k} {v:,.0f}" for k, v in items[:6])
        more = f", and {len(items) - 6} more" if len(items) > 6 else ""
        counted = f": {shown}{more}" if items else ": none"
        lines.append(f"  {name:<5} {t['value']:>9,.1f} {t['unit']}  {t['meaning']}{counted}")
        reasons: dict[str, list[str]] = {}
        for k, reason in t["not_counted"].items():
            reasons.setdefault(reason, []).append(k)
        for reason, ids in reasons.items():
            lines.append(f"        not counted: {', '.join(ids)} ({reason})")
    return lines


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
