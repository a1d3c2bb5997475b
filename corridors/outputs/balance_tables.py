"""The balance and disruption-response tables of the briefing report: production, imports,
consumption, stock building, restraint and shortage (:func:`balance_table`), and who filled the
gap, region by region (:func:`response_tables`)."""

from __future__ import annotations

import pandas as pd

from corridors.analysis.compare import qty
from corridors.analysis.metrics import balance, stock_building_rows
from corridors.analysis.response import regions, replacement
from corridors.core.results import Result
from corridors.outputs import style
from corridors.outputs.html import num as _num
from corridors.outputs.html import pct as _pct
from corridors.outputs.html import table as _table

NICE = style.NICE_NAMES


def balance_table(result: Result) -> str:
    """Production, imports, conversion, stock draw, consumption, unmet and the two shortfall
    shares of each commodity over the horizon (:func:`corridors.analysis.metrics.balance`)."""
    if not result.has_solution:
        return "<p>No solution: no balance.</p>"
    com = result.scenario.commodities
    rows = []
    for c, b in balance(result).items():
        unit = com[c].unit if c in com else "PJ"
        name = "all (PJ)" if c not in com else NICE.get(c, c)
        rows.append(
            {
                "commodity": name,
                "production": f"{_num(b['production'])} {unit}",
                "imports": f"{_num(b['imports'])} {unit}",
                "converted": f"{_num(b['conversion'])} {unit}",
                "stock draw": f"{_num(b['stock_draw'])} {unit}",
                "consumption": f"{_num(b['consumption'])} {unit}",
                "stock building (given up)": (
                    f"{_num(b['stock_building'])} ({_num(b['stock_building_unmet'])}) {unit}"
                ),
                "restrained": f"{_num(b['restraint'])} {unit}",
                "short": f"{_num(b['shortage'])} {unit}",
                "unmet": f"{_num(b['unmet'])} {unit}",
                "unmet / consumption": _pct(b["unmet_share_of_consumption"], 1),
                "unmet / import requirement": _pct(b["unmet_share_of_imports"], 1),
            }
        )
    t = pd.DataFrame(rows)
    who = result.scenario.importer
    caption = (
        "Over the horizon. "
        + (
            f"Production: supplies at nodes of the importer {who}; imports: all other supplies. "
            if who
            else "No importer set: every supply counts as an import, production is 0. "
        )
        + "Converted: delivered into the commodity by conversion links (regasified LNG, as "
        "gas) less what they took of it. Unmet consumption = restrained (demand curtailed at its "
        "restraint cost) + short. Import requirement = imports + converted + unmet + stock "
        "building given up. Production + imports + converted + stock draw + unmet = "
        "consumption + stock building − stock building given up."
    )
    return _table(t, numeric=list(t.columns[1:]), caption=caption)


def response_tables(result: Result) -> str:
    """Who filled the gap (:mod:`corridors.analysis.response`): replacement supply bought above
    the 2023 steps, and restraint, shortage and price by region."""
    if not result.has_solution:
        return ""
    parts = ["<h3>Who fills the gap</h3>"]
    rep = replacement(result)
    if rep.empty:
        parts.append("<p>No supply was bought above the suppliers' own steps.</p>")
    else:
        t = pd.DataFrame(
            {
                "supplier": rep["country"],
                "node": rep["node"],
                "commodity": [NICE.get(c, c) for c in rep["commodity"]],
                "tranche": rep["tranche"],
                "volume": [
                    f"{_num(v)} {u}" for v, u in zip(rep["volume"], rep["unit"], strict=True)
                ],
                "premium, million USD": [_num(p / 1e6) for p in rep["premium_usd"]],
            }
        )
        parts.append(
            _table(
                t,
                numeric=["volume", "premium, million USD"],
                caption="Supply bought in tranches above each supplier's own step, over the "
                "horizon; premium = (tranche price − base price) × volume.",
            )
        )
    reg = regions(result)
    reg = reg[reg["unmet"] > 1e-6]
    if reg.empty:
        parts.append("<p>No region restrained or short of any commodity.</p>")
    else:
        names = _names(result)
        t = pd.DataFrame(
            {
                "region": [names.get(n, n) for n in reg["region"]],
                "commodity": [NICE.get(c, c) for c in reg["commodity"]],
                "consumption": [qty(v, u) for v, u in zip(reg["demand"], reg["unit"], strict=True)],
                "shortfall": [qty(v, u) for v, u in zip(reg["unmet"], reg["unit"], strict=True)],
                "of which restrained": [qty(v, u) for v, u in zip(reg["restraint"], reg["unit"], strict=True)],
                "short": [qty(v, u) for v, u in zip(reg["shortage"], reg["unit"], strict=True)],
                "shortfall / consumption": [
                    _pct(u / d if d else None, 1)
                    for u, d in zip(reg["unmet"], reg["demand"], strict=True)
                ],
                "non-served, PJ": [_num(v) for v in reg["non_served_pj"]],
                "first shortfall, day": [_num(v, 0) for v in reg["first_shortfall_day"]],
                "price, USD million per unit": [
                    "–" if v is None or v != v else f"{v / 1e6:,.0f} per {u}"
                    for v, u in zip(reg["price_usd_per_unit"], reg["unit"], strict=True)
                ],
            }
        )  # fmt: skip
        parts.append(
            _table(
                t,
                numeric=[c for c in t.columns if c not in ("region", "commodity")],
                caption="Shortfall of consumption per region over the horizon: consumption = "
                "the region's consumption demand (demand entries of purpose consumption; stock "
                "building is not counted, see below); shortfall = restrained (curtailed at the "
                "restraint cost) + short; shortfall / consumption: the share of the region's own "
                "consumption of the commodity, in its unit. First shortfall: day 0 = the start of the horizon, as fine "
                "as the periods. Price = the region's nodal marginal cost (balance dual), "
                "demand-weighted over the periods.",
            )
        )
    return "".join(parts)


def _names(result: Result) -> dict[str, str]:
    n = result.network.nodes["name"].fillna("").astype(str)
    return {str(k): (v or str(k)) for k, v in n.items()}


def stock_building_table(result: Result) -> str:
    """Stock building given up per site over the horizon: what the demand entries of purpose
    ``stock_building`` did not receive (reserves not filled as planned; not a shortage)."""
    if not result.has_solution:
        return ""
    un = result.unmet[stock_building_rows(result)]
    if un.empty:
        return ""
    g = un.groupby(["node", "commodity"], sort=False)[["unmet", "demand"]].sum().reset_index()
    g = g[g["unmet"] > 1e-6]
    parts = ["<h3>Stock building given up</h3>"]
    if g.empty:
        parts.append("<p>All stock building planned was done.</p>")
        return "".join(parts)
    com = result.scenario.commodities
    names = _names(result)
    unit = [com[c].unit if c in com else "" for c in g["commodity"]]
    t = pd.DataFrame(
        {
            "site": [names.get(n, n) for n in g["node"]],
            "commodity": [NICE.get(c, c) for c in g["commodity"]],
            "planned": [f"{_num(v)} {u}" for v, u in zip(g["demand"], unit, strict=True)],
            "given up": [f"{_num(v)} {u}" for v, u in zip(g["unmet"], unit, strict=True)],
            "share of the site's stock building": [
                _pct(u / d if d else None, 1) for u, d in zip(g["unmet"], g["demand"], strict=True)
            ],
            "PJ": [
                _num(v * com[c].pj_per_unit if c in com else v)
                for v, c in zip(g["unmet"], g["commodity"], strict=True)
            ],
        }
    )
    parts.append(
        _table(
            t,
            numeric=["planned", "given up", "share of the site's stock building", "PJ"],
            caption="Over the horizon: stock building (demand entries of purpose "
            "stock_building) the run gave up. Not a shortage: consumption is served first; "
            "the shortfall tables and shares count consumption only.",
        )
    )
    return "".join(parts)


__all__ = ["balance_table", "response_tables", "stock_building_table"]
