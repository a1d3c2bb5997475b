"""Figures computed from a result's optimal flows: volumes, chokepoint exposure, emissions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from corridors.core.results import Result
from corridors.units import DAYS_PER_YEAR


def imports(result: Result) -> pd.DataFrame:
    """Imports by commodity over the horizon: supplied volume (units) and energy (PJ)."""
    com = result.scenario.commodities
    vol = result.supply.groupby("commodity")["supplied"].sum()
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
    """Pipeline gas imported (units), LNG regasified (LNG units), crude by pipeline and by sea."""
    fl = result.flows
    sup = result.supply
    out: dict[str, float] = {}
    for c in result.scenario.commodities:
        out[f"imports_{c}"] = float(sup.loc[sup["commodity"] == c, "supplied"].sum())
    conv = fl[fl["mode"] == "conversion"]
    for c, v in conv.groupby("commodity")["flow"].sum().items():
        out[f"converted_{c}"] = float(v)
    return out


def reserve_figures(result: Result) -> dict[str, dict[str, float | None]]:
    """Per commodity: days of cover and survival time.

    - ``days_of_cover`` = initial reserve stock / average daily demand
      (stock / (Σ demand per year / 365));
    - ``first_shortfall_day``: the first day of the first period with unmet demand
      (None when demand is met throughout the horizon);
    - ``survival_days``: days from the start of the first disruption (horizon start if none)
      until that first shortfall — how long supply held out;
    - ``min_reserve_level``: the lowest end-of-period stock.
    """
    s = result.scenario
    h = s.horizon
    starts: list[float] = []
    for ev in s.disruptions:
        if ev.probability is not None:
            continue
        if isinstance(ev.start, int):
            day = (ev.start - 1) * h.period_days
        elif isinstance(ev.start, dt.date) and h.start is not None:
            day = float((ev.start - h.start).days)
        else:
            day = 0.0
        starts.append(day)
    start_day = min(starts, default=0.0)
    out: dict[str, dict[str, float | None]] = {}
    for c in s.commodities:
        demand = sum(d.amount for d in s.demand if d.commodity == c)
        stock = sum(j.initial for j in s.storage if j.commodity == c)
        un = result.unmet[result.unmet["commodity"] == c].groupby("period")["unmet"].sum()
        short = un[un > 1e-6]
        first = float((int(short.index.min()) - 1) * h.period_days) if len(short) else None
        lv = result.storage[result.storage["commodity"] == c].groupby("period")["level"].sum()
        out[c] = {
            "days_of_cover": stock / (demand / DAYS_PER_YEAR) if demand > 0 else None,
            "first_shortfall_day": first,
            "survival_days": max(0.0, first - start_day) if first is not None else None,
            "min_reserve_level": float(lv.min()) if len(lv) else None,
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
    }
