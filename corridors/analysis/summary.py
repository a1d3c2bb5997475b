"""The figures of a run: summary.json (status, costs, unmet, balance, metrics, diversity) and
manifest.json (what is needed to reproduce it)."""

from __future__ import annotations

import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from corridors.analysis.diversity import headline
from corridors.analysis.metrics import balance_summary, summary_metrics, supply_balance
from corridors.analysis.response import resolution_warnings, response_summary
from corridors.core.check import idle_link_warnings
from corridors.core.results import Result

#: summary.json ``definitions``: what its figures mean, in a line each (docs/definitions.md
#: gives them in full, with the formulas).
DEFINITIONS: dict[str, str] = {
    "quantities": "every figure is a total over the horizon (horizon.days days) in the unit "
    "beside it, unless its key says otherwise; the tables (flows.csv, ...) hold each "
    "period's quantity, in the row's unit, over the row's period_days",
    "objective": "total cost over the horizon, discounted to its start, USD",
    "events": "per disruption event: the capacity it removed and the flow it actually removed "
    "(flow on its target in the same run without events minus flow with them; an element "
    "running below capacity loses less than its capacity), per commodity and in PJ",
    "unmet": "demand not met over the horizon, consumption and stock building (balance "
    "splits them), per demanded commodity in its unit; LNG is not demanded (it is "
    "regasified into pipeline_gas), so gas left short is pipeline_gas",
    "non_served_energy": "unmet_pj: unmet demand over the horizon in PJ, all commodities "
    "(response.regions: non_served_pj per region)",
    "supply_balance": "per supply commodity: its own supply available in the scenario data "
    "(max x years), what disruptions at the suppliers left, what was supplied, and "
    "not_supplied = available - supplied (LNG a disruption took away shows here)",
    "days_of_cover": "stock at the start / (net import requirement per year / 365): days of "
    "net imports the initial stocks replace (IEA convention)",
    "days_of_consumption": "stock at the start / (consumption per year / 365)",
    "first_shortfall_day": "first day of the first period with unmet consumption, day 0 = "
    "start of the horizon (as fine as the periods); null: none",
    "survival_days": "first_shortfall_day - disruption_start_day: days supply held out after "
    "the disruption the shortfall follows; null: no shortfall",
    "disruption_start_day": "start of the latest disruption that can cut the commodity and had "
    "started by the end of the period of the first shortfall; null: none (survival is then "
    "counted from day 0)",
    "min_reserve_level": "lowest end-of-period stock, commodity units",
    "hhi": "Herfindahl-Hirschman index, sum of squared shares s_i of the group's members, on "
    "[0, 1] (1: one member carries everything); chokepoints: shares of imports through each "
    "strait, so 0 for a commodity that passes no strait (can exceed 1 when routes pass two "
    "straits in a row)",
    "shannon": "Shannon index -sum q_i ln q_i, q_i = s_i / sum s_j (0: one member; ln n: n "
    "equal members)",
    "effective_number": "(sum s_i)^2 / sum s_i^2 (1 / HHI when the shares sum to 1)",
    "share_any_strait": "share of the energy entering the importer (entry links) that passed "
    "at least one chokepoint",
    "risk_hhi": "sum r_i s_i^2 with risk scores r_i from the scenario's risk: section",
    "risk_exposure": "sum r_i s_i",
    "see": "docs/definitions.md",
}


def horizon(result: Result) -> dict[str, Any]:
    """The horizon of the run: periods, their length and the whole, in days."""
    h = result.scenario.horizon
    return {
        "periods": h.periods,
        "period_days": {"value": h.period_days, "unit": "days"},
        "days": {"value": h.periods * h.period_days, "unit": "days"},
        "start": h.start.isoformat() if h.start is not None else None,
    }


def demanded(result: Result) -> list[str]:
    """The commodities some demand entry asks for, in the scenario's order (LNG, regasified
    into pipeline gas, is usually not one: its unmet demand is always 0)."""
    return result.scenario.demanded()


def summary(result: Result) -> dict[str, Any]:
    """The content of summary.json (the folder writer stamps its ``format_version``)."""
    com = result.scenario.commodities
    unmet = result.unmet_by_commodity()

    return {
        "scenario": result.scenario.name,
        "status": result.status.value,
        "horizon": horizon(result),
        "objective": result.objective,
        "objective_unit": "USD",
        "cost_breakdown": result.cost_breakdown,
        # per demanded commodity: a commodity nothing asks for can never be short
        "unmet": {c: {"volume": unmet[c], "unit": com[c].unit} for c in demanded(result)},
        "unmet_pj": result.unmet_pj(),
        # by supply commodity: what was available, supplied and not supplied (LNG lost)
        "supply_balance": supply_balance(result) if result.has_solution else None,
        # production, imports, consumption, unmet and the two shares, per commodity and "all"
        "balance": balance_summary(result) if result.has_solution else None,
        # figures from flows only where the solver returned a solution
        "metrics": summary_metrics(result) if result.has_solution else None,
        "diversity": headline(result) if result.has_solution else None,
        # who filled the gap: replacement bought, restraint and shortage by region, prices
        "response": response_summary(result) if result.has_solution else None,
        "warnings": [
            *resolution_warnings(result.scenario),
            *idle_link_warnings(result.scenario, result.network),
        ],
        # what each event removed against the same run without events (``corridors run``)
        "events": result.events,
        "timings": {k: round(v, 4) for k, v in result.timings.items()},
        "solver": {k: v for k, v in result.solver.items() if k != "policy"},
        "policy": [
            {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in result.solver.get("policy", [])
        ],
        "definitions": DEFINITIONS,
    }


def manifest(result: Result) -> dict[str, Any]:
    """What is needed to reproduce a result: scenario hash, inputs, package versions."""
    versions: dict[str, str | None] = {}
    for pkg in ("corridors", "pyomo", "highspy", "networkx", "pandas", "geopandas", "pydantic"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "scenario": result.scenario.name,
        "scenario_file": str(Path(result.scenario.source).resolve())
        if result.scenario.source
        else None,
        "scenario_sha256": result.scenario.fingerprint(),
        "network_files": [str(p) for p in result.network.files],
        "status": result.status.value,
        "python": platform.python_version(),
        "versions": versions,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
