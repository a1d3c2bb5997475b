"""Figures computed from a result's optimal flows: volumes, chokepoint exposure, emissions."""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridors.results import Result


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
    }
