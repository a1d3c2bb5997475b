"""Who filled the gap: the replacement supply bought, demand restrained and left unmet by
region, nodal prices, and the events a horizon is too coarse to see.

- :func:`replacement`: every supply step above an entry's own (``tranche`` ≠ ``base``) that
  was bought, with its volume and its premium ``(price_step − price_base) · volume`` (USD):
  what replacing lost supply cost over the 2023 price.
- :func:`regions`: per demand region (demand entries of purpose ``consumption``) and commodity,
  over the horizon: demand, ``restraint``, ``shortage``, ``unmet`` (= restraint + shortage),
  non-served energy (``unmet`` in PJ, as the JRC's GEMFLOW reports), the first day of a
  shortfall and the demand-weighted mean nodal price (the balance dual, USD per unit).
- :func:`prices`: per commodity, the demand-weighted mean nodal price over the demand regions.
- :func:`resolution_warnings`: dated or period-numbered events shorter than one period, which
  the horizon averages over a whole period; the message says the period length that resolves
  them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from corridors.analysis.metrics import first_shortfall_day, stock_building_rows
from corridors.core.data import BASE_TRANCHE, OWN_TRANCHES
from corridors.core.results import Result
from corridors.io.schema import Scenario


def replacement(result: Result) -> pd.DataFrame:
    """Supply bought above each entry's own step: ``country, node, commodity, tranche, volume,
    unit, price, base_price, premium_usd`` (volume over the horizon; premium discounted like
    the objective is not applied: a plain sum over periods, USD)."""
    cols = ["country", "node", "commodity", "tranche", "volume", "unit", "price", "base_price",
            "premium_usd"]  # fmt: skip
    sup = result.supply
    if sup.empty or "tranche" not in sup.columns:
        return pd.DataFrame(columns=cols)
    base = sup[sup["tranche"] == BASE_TRANCHE].groupby(["node", "commodity"])["price"].first()
    steps = sup[~sup["tranche"].isin(OWN_TRANCHES)]
    g = steps.groupby(["country", "node", "commodity", "tranche"], as_index=False).agg(
        volume=("supplied", "sum"), price=("price", "first")
    )
    g = g[g["volume"] > 1e-9]
    if g.empty:
        return pd.DataFrame(columns=cols)
    com = result.scenario.commodities
    g["unit"] = g["commodity"].map(lambda c: com[c].unit)
    g["base_price"] = [
        base.get((n, c), np.nan) for n, c in zip(g["node"], g["commodity"], strict=True)
    ]
    g["premium_usd"] = (g["price"] - g["base_price"]) * g["volume"]
    return g[cols].sort_values(["commodity", "volume"], ascending=[True, False], ignore_index=True)


def regions(result: Result) -> pd.DataFrame:
    """Per consumption region and commodity: demand, restraint, shortage, unmet, non-served
    energy (PJ), first shortfall day (None without one) and mean nodal price."""
    un = result.unmet.copy()
    if "restraint" not in un.columns:
        un["restraint"] = 0.0
    un = un[~stock_building_rows(result)]
    com = result.scenario.commodities
    days = result.scenario.horizon.period_days
    pr = result.prices.set_index(["node", "commodity", "period"])["marginal_cost"]
    rows: list[dict[str, Any]] = []
    for (node, c), g in un.groupby(["node", "commodity"], sort=False):
        first = first_shortfall_day(g.groupby("period")["unmet"].sum(), days)
        p = np.array([pr.get((node, c, t), np.nan) for t in g["period"]], dtype=float)
        w = g["demand"].to_numpy(dtype=float)
        ok = np.isfinite(p) & (w > 0)
        price = float(np.average(p[ok], weights=w[ok])) if ok.any() else None
        unmet = float(g["unmet"].sum())
        restraint = float(g["restraint"].sum())
        rows.append(
            {
                "region": node,
                "commodity": c,
                "unit": com[c].unit,
                "demand": float(g["demand"].sum()),
                "restraint": restraint,
                "shortage": unmet - restraint,
                "unmet": unmet,
                "non_served_pj": unmet * com[c].pj_per_unit,
                "first_shortfall_day": first,
                "price_usd_per_unit": price,
            }
        )
    cols = ["region", "commodity", "unit", "demand", "restraint", "shortage", "unmet",
            "non_served_pj", "first_shortfall_day", "price_usd_per_unit"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def prices(result: Result) -> dict[str, float | None]:
    """Demand-weighted mean nodal price (USD per unit) of each commodity over its regions."""
    reg = regions(result)
    out: dict[str, float | None] = {}
    for c in result.scenario.commodities:
        part = reg[(reg["commodity"] == c) & reg["price_usd_per_unit"].notna()]
        out[c] = (
            float(np.average(part["price_usd_per_unit"], weights=part["demand"]))
            if len(part) and part["demand"].sum() > 0
            else None
        )
    return out


def resolution_warnings(scenario: Scenario) -> list[str]:
    """Events shorter than one period: a closure of 30 days vanishes into an annual period.
    Each message names the event and the period length that resolves it."""
    h = scenario.horizon
    out: list[str] = []
    for i, ev in enumerate(scenario.disruptions):
        length: float | None = None
        if ev.duration_days is not None:
            length = float(ev.duration_days)
        elif isinstance(ev.start, dt.date) and isinstance(ev.end, dt.date):
            length = float((ev.end - ev.start).days + 1)  # the end day is inside the window
        elif isinstance(ev.start, int) and isinstance(ev.end, int):
            length = float(ev.end - ev.start + 1) * h.period_days
        if length is not None and 0 < length < h.period_days:
            target = ev.target if isinstance(ev.target, str) else ", ".join(ev.target)
            out.append(
                f"disruptions[{i}] ({target}) lasts {length:g} days, shorter than a period of "
                f"{h.period_days:g} days: it is averaged over the period; use period_days of "
                f"{max(1.0, np.floor(length / 2)):g} or less (horizon) to resolve it"
            )
    return out


def response_summary(result: Result) -> dict[str, Any]:
    """The ``response`` block of summary.json: replacement, regions and prices."""
    rep = replacement(result)
    reg = regions(result)

    def records(df: pd.DataFrame) -> list[dict[str, Any]]:
        return [
            {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
            for r in df.to_dict("records")
        ]

    return {
        "replacement": records(rep),
        "replacement_premium_usd": float(rep["premium_usd"].sum()) if len(rep) else 0.0,
        "regions": records(reg),
        "prices_usd_per_unit": prices(result),
    }


__all__ = ["prices", "regions", "replacement", "resolution_warnings", "response_summary"]
