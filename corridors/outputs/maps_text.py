"""Texts of a result's maps, shared by the static maps (:mod:`corridors.outputs.maps`) and the
interactive map (:mod:`corridors.outputs.webmap`), so that both say the same: the shortfall of
consumption and the stock building given up per node (:func:`unmet_by_node`), the label of each
region short of consumption (:func:`shortfall_labels`), the cost and the shortfall with their
basis (:func:`cost_text`, :func:`shortfall_text`) and the two lines under a map's title
(:func:`headline_lines`). No drawing here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from corridors.analysis.compare import percent, qty
from corridors.analysis.metrics import balance, import_supply, stock_building_rows
from corridors.core.results import Result
from corridors.outputs.layers import pj_factors, years
from corridors.outputs.style import NICE_NAMES
from corridors.units import DAYS_PER_YEAR


def unmet_by_node(result: Result) -> pd.DataFrame:
    """Per node over the horizon, PJ: ``consumption`` demanded and its ``shortfall`` (demand
    entries of purpose ``consumption``), ``stock_building`` demanded and what of it was
    ``given_up`` (purpose ``stock_building``: not a shortage)."""
    cols = ["consumption", "shortfall", "stock_building", "given_up"]
    un = result.unmet
    if not result.has_solution or un.empty:
        return pd.DataFrame(columns=cols, dtype=float)
    pj = un["commodity"].map(pj_factors(result)).astype(float)
    building = stock_building_rows(result)
    df = pd.DataFrame(
        {
            "node": un["node"],
            "consumption": np.where(building, 0.0, un["demand"] * pj),
            "shortfall": np.where(building, 0.0, un["unmet"] * pj),
            "stock_building": np.where(building, un["demand"] * pj, 0.0),
            "given_up": np.where(building, un["unmet"] * pj, 0.0),
        }
    )
    return df.groupby("node")[cols].sum()


def _share(v: float) -> str:
    return f"{v:.0%}" if v >= 0.005 else "<1%"


def shortfall_labels(result: Result) -> dict[str, str]:
    """Per node short of consumption, its label: "60.3 Mt short (18%)" (share of the node's
    consumption of the commodity; the commodity named when more than one is short on the map)
    when one commodity is short at the node, else the energy: "2,550 PJ short (14% of its
    energy use)"."""
    un = result.unmet
    if not result.has_solution or un.empty:
        return {}
    com = result.scenario.commodities
    cons = un[~stock_building_rows(result)]
    g = cons.groupby(["node", "commodity"], sort=False)[["unmet", "demand"]].sum()
    out: dict[str, str] = {}
    short_of = {c for (_, c), v in g["unmet"].items() if v > 1e-6}
    named = len(short_of) > 1  # one commodity short everywhere: the title names it
    for node, part in g.groupby(level=0, sort=False):
        part = part[part["unmet"] > 1e-6]
        if part.empty:
            continue
        if len(part) == 1:
            (_, c), row = next(iter(part.iterrows()))
            name = " " + NICE_NAMES.get(c, c.replace("_", " ")) if named else ""
            share = row["unmet"] / row["demand"] if row["demand"] > 0 else float("nan")
            out[str(node)] = (
                f"{qty(float(row['unmet']), com[c].unit)}{name} short ({_share(share)})"
            )
        else:
            every = g.loc[node]
            pj = every.index.map(lambda c: com[c].pj_per_unit).to_numpy(dtype=float)
            short = float((every["unmet"].to_numpy() * pj).sum())
            use = float((every["demand"].to_numpy() * pj).sum())
            out[str(node)] = f"{short:,.0f} PJ short ({_share(short / use)} of its energy use)"
    return out


def cost_text(result: Result) -> str:
    """The total cost with its basis: "cost USD 766.4 bn" for a one-year run; for another
    horizon the days it covers, the discounting and the rate per year."""
    if result.objective != result.objective:
        return ""
    h = result.scenario.horizon
    days = h.periods * h.period_days
    text = f"cost USD {result.objective / 1e9:,.1f} bn"
    if h.periods == 1 and days == DAYS_PER_YEAR:
        return text
    text += f" over {days:g} days"
    rate = result.scenario.discount_rate
    if h.periods > 1 and rate > 0:
        text += f", discounted at {rate:.0%}/yr"
    return text + f" (USD {result.objective * DAYS_PER_YEAR / days / 1e9:,.1f} bn per year)"


def shortfall_text(result: Result) -> str:
    """The shortfall of consumption per commodity with its share of that commodity's
    consumption, and the stock building given up, stated apart: "shortfall 111 Mt crude oil =
    15.1 % of consumption · stock building given up 38.1 Mt crude oil"."""
    if not result.has_solution:
        return "no solution"
    com = result.scenario.commodities
    short, given = [], []
    for c, b in balance(result).items():
        if c not in com:
            continue
        unit = com[c].unit
        name = NICE_NAMES.get(c, c.replace("_", " "))
        unmet = float(b["unmet"] or 0.0)
        if unmet > 1e-6:
            share = b["unmet_share_of_consumption"]
            of = f" = {percent(float(share))} of consumption" if share is not None else ""
            short.append(f"{qty(unmet, unit)} {name}{of}")
        up = float(b["stock_building_unmet"] or 0.0)
        if up > 1e-6:
            given.append(f"{qty(up, unit)} {name}")
    parts = ["shortfall " + ", ".join(short) if short else "all consumption met"]
    if given:
        parts.append("stock building given up " + ", ".join(given) + " (not a shortage)")
    return " · ".join(parts)


def headline_lines(result: Result, compact: bool = False) -> tuple[str, str]:
    """Two lines under a map's title: imports and cost; shortfall and stock building."""
    pj = pj_factors(result)
    sup = import_supply(result)  # domestic production is not an import
    total = float((sup["supplied"] * sup["commodity"].map(pj)).sum())
    first = [f"imports {total / years(result):,.0f} PJ/yr"]
    cost = cost_text(result)
    if cost:
        first.append(cost)
    if not result.is_ok:
        first.append(f"solver status: {result.status.value}")
    second = shortfall_text(result)
    if compact:
        second = second.replace(" (not a shortage)", "")
    return " · ".join(first), second


__all__ = ["cost_text", "headline_lines", "shortfall_labels", "shortfall_text", "unmet_by_node"]
