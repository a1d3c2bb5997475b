"""Sections of the briefing (:mod:`corridors.outputs.report`) drawn from more than the result's
tables: the routes of the largest flows, the smallest cuts and chokepoint betweenness
(:mod:`corridors.analysis.routes`), the comparison against a baseline on a stated common basis
(:func:`corridors.analysis.compare.compare_results`) and, in a multi-period run, the stocks
over time (:func:`stock_charts`). Each returns HTML; every name taken from the data is
escaped.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from corridors.analysis.compare import compare_results, percent
from corridors.analysis.routes import betweenness, commodity_graph, route_flows, routes, structure
from corridors.core.resultdir import ResultDir
from corridors.core.results import Result
from corridors.io.schema import Scenario
from corridors.outputs import style
from corridors.outputs.html import escape as _e
from corridors.outputs.html import line_chart
from corridors.outputs.html import num as _num
from corridors.outputs.html import pct as _pct
from corridors.outputs.html import table as _table

NICE = style.NICE_NAMES


def _names(result: Result) -> pd.Series:
    n = result.network.nodes["name"].fillna("").astype(str)
    return n.where(n != "", result.network.nodes.index.to_series())


def _routes_section(r: Result) -> str:
    """Routes of the largest flows, the minimum cuts and chokepoint betweenness
    (:mod:`corridors.analysis.routes`; what ``corridors routes`` writes as CSV)."""
    cg = commodity_graph(r.scenario, r.network)
    names = _names(r).to_dict()
    link_names = r.network.links["name"].fillna("").to_dict()

    def element(e: str) -> str:
        return names.get(e) or link_names.get(e) or e

    parts = ["<h2>Routes and structure</h2>", "<h3>Routes of the largest flows</h3>"]
    if r.has_solution:
        rt = routes(r, 3, cg)
        rt["pj"] = route_flows(r, rt)
        top = rt[rt["pj"] > 1e-6].sort_values("pj", ascending=False, kind="stable").head(15)
        tt = pd.DataFrame(
            {
                "supplier": top["supplier"].map(element),
                "region": top["region"].map(element),
                "commodity": top["commodity"].map(lambda c: NICE.get(c, c)),
                "route": [" → ".join(element(n) for n in p.split(">")) for p in top["nodes"]],
                "chokepoints": [
                    ", ".join(element(n) for n in c.split(";") if n) or "none"
                    for c in top["chokepoints"]
                ],
                "PJ/yr": [_num(v) for v in top["pj"]],
            }
        )
        parts.append(
            _table(
                tt,
                numeric=["PJ/yr"],
                caption="The optimal flows decomposed onto the used routes among the 3 cheapest "
                "of each supplier, region and commodity, widest first (one decomposition of "
                "the link flows; corridors routes writes every route).",
                empty="No route carries flow.",
            )
        )
    else:
        parts.append("<p>No solution: no flows to follow.</p>")
    parts.append("<h3>Smallest cuts</h3>")
    cuts = structure(r, cg)
    ct = pd.DataFrame(
        {
            "demand region": cuts["region"].map(element),
            "commodity": cuts["commodity"].map(lambda c: NICE.get(c, c)),
            "elements": ["–" if pd.isna(v) else str(int(v)) for v in cuts["cut_size"]],
            "cut off by losing": [
                ", ".join(element(e) for e in c.split(";") if e) for c in cuts["cut_elements"]
            ],
        }
    )
    parts.append(
        _table(
            ct,
            numeric=["elements"],
            caption="The fewest disruptable elements (chokepoints, pipelines, ports, terminals, "
            "borders, storage) whose loss cuts the region off from every supplier: a minimum "
            "cut of the network, disruptions not applied.",
        )
    )
    bt = betweenness(r, cg).sort_values("betweenness", ascending=False, kind="stable")
    parts.append("<h3>Chokepoint betweenness</h3>")
    parts.append(
        _table(
            pd.DataFrame(
                {
                    "chokepoint": bt["name"],
                    "share of supplier–region cheapest routes": [
                        _pct(v, 1) for v in bt["betweenness"]
                    ],
                }
            ),
            numeric=["share of supplier–region cheapest routes"],
        )
    )
    return "".join(parts)


def _comparison_section(base: ResultDir, rd: ResultDir) -> str:
    """The run against a baseline on a stated common basis
    (:func:`corridors.analysis.compare.compare_results`): each headline figure with its
    basis, or why it cannot be compared."""
    pair = compare_results(base.result, rd.result, (base.summary, rd.summary))
    t = pd.DataFrame(
        {
            "figure": [ln.figure for ln in pair.lines],
            pair.before.name: [ln.before for ln in pair.lines],
            pair.after.name: [ln.after for ln in pair.lines],
            "change": [ln.change for ln in pair.lines],
            "basis": [ln.basis for ln in pair.lines],
        }
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in pair.notes)
    return f'<h3>Against {_e(pair.before.name)}</h3><ul class="meta">{notes}</ul>' + _table(
        t, numeric=[pair.before.name, pair.after.name]
    )


def _event_days(sc: Scenario) -> list[tuple[float, float, str]]:
    """(first day, day after the last, label) of each disruption applied (not the Monte Carlo
    ones), day 0 = the start of the horizon."""
    h = sc.horizon
    end_all = h.periods * h.period_days
    out = []
    for ev in sc.disruptions:
        if ev.probability is not None or ev.capacity_factor >= 1.0:
            continue
        a: float = 0.0
        b: float = end_all
        if isinstance(ev.start, int):
            a = (ev.start - 1) * h.period_days
        elif isinstance(ev.start, dt.date) and h.start is not None:
            a = float((ev.start - h.start).days)
        if isinstance(ev.end, int):
            b = ev.end * h.period_days
        elif isinstance(ev.end, dt.date) and h.start is not None:
            b = float((ev.end - h.start).days + 1)
        target = ev.target if isinstance(ev.target, str) else ", ".join(ev.target)
        state = "closed" if ev.capacity_factor <= 0 else f"at {ev.capacity_factor:.0%}"
        out.append((a, b, f"{target} {state}"))
    return out


def _day_labels(sc: Scenario) -> list[tuple[float, str]]:
    """x-axis labels of a chart over the horizon: month starts when dated, else days."""
    h = sc.horizon
    days = h.periods * h.period_days
    if h.start is not None:
        out = []
        d = dt.date(h.start.year, h.start.month, 1)
        step = 1 if days <= 200 else 2 if days <= 400 else 6
        while (d - h.start).days <= days:
            if d >= h.start:
                out.append(
                    (float((d - h.start).days), d.strftime("%b %Y" if d.month == 1 else "%b"))
                )
            m = d.month - 1 + step
            d = dt.date(d.year + m // 12, m % 12 + 1, 1)
        return out
    every = max(1.0, float(np.ceil(days / 6 / 10) * 10))
    return [(float(v), f"day {v:g}") for v in np.arange(0, days + 1e-9, every)]


def stock_charts(r: Result) -> str:
    """Stocks over time in a multi-period run: the end-of-period level (storage.csv
    ``level``) summed over every storage site of each commodity, one chart per commodity in
    its unit, from the stock at the start (day 0); red bands: the disruptions."""
    sc = r.scenario
    h = sc.horizon
    st = r.storage
    if st.empty or not r.has_solution:
        return "<p>No stocks in this scenario.</p>"
    levels = st.groupby(["commodity", "period"])["level"].sum()
    xs = [0.0] + [t * h.period_days for t in range(1, h.periods + 1)]
    shade = _event_days(sc)
    labels = _day_labels(sc)
    charts = []
    for i, c in enumerate(dict.fromkeys(st["commodity"])):
        unit = sc.commodities[c].unit if c in sc.commodities else ""
        start = sum(j.initial for j in sc.storage if j.commodity == c)
        lv = levels.loc[c].reindex(range(1, h.periods + 1)).to_numpy(dtype=float)
        ys = [start, *lv]
        colour = style.COMMODITY_COLOURS.get(c, style.PALETTE[i % len(style.PALETTE)])
        low = float(np.nanmin(lv)) if len(lv) else start
        charts.append(
            f"<div><h3>{_e(NICE.get(c, c))}: stock, {_e(unit)}</h3>"
            + line_chart(
                xs,
                [(f"{NICE.get(c, c)} stock", colour, ys)],
                unit,
                labels,
                shade,
                [(start, "stock at the start")],
            )  # fmt: skip
            + f'<p class="meta">Lowest {_num(low)} {_e(unit)} '
            f"({percent(low / start) if start > 0 else '–'} of the start).</p></div>"
        )
    caption = (
        "End-of-period stock summed over every storage site of the commodity (storage.csv "
        f"level), per period of {h.period_days:g} days, from the stock at the start (day 0, "
        "dashed); red bands: disruptions. Stocks must be back at their final level "
        "(final_min, by default the start) at the end of the horizon."
    )
    return f'<div class="grid2">{"".join(charts)}</div><p class="meta">{_e(caption)}</p>'


__all__ = ["stock_charts"]
