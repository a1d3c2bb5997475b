"""One self-contained HTML briefing of a result folder: ``DIR/report.html``.

Key figures (cost with its basis, shortfall of consumption and, apart, stock building given
up, days of cover, chokepoint exposure, supplier concentration, diversification metrics when
summary.json has them), the balance (production, imports, consumption, unmet), the briefing
map (PNG as a data URI), with ``--compare`` the before/after figure and the comparison on a
stated common basis (:func:`corridors.analysis.compare.compare_results`), the interactive map
(inline SVG and JavaScript), stocks over time in a multi-period run (:func:`stock_charts`),
charts (inline SVG) and tables. The sections on routes, the comparison and stocks over time are
built in :mod:`corridors.outputs.report_sections`. Nothing is
fetched: no external URL appears in the file, and a Content-Security-Policy forbids any
request, so it works offline and from a USB stick. Every name taken from the data is
HTML-escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridors.analysis.compare import percent, qty
from corridors.analysis.metrics import balance, domestic_rows, import_supply
from corridors.core.resultdir import ResultDir, load_result_dir
from corridors.core.results import Result
from corridors.io.files import atomic_write
from corridors.io.schema import Scenario
from corridors.outputs import layers, maps, style, webmap
from corridors.outputs.balance_tables import balance_table, response_tables, stock_building_table
from corridors.outputs.html import CSS, bar_chart
from corridors.outputs.html import card as _card
from corridors.outputs.html import escape as _e
from corridors.outputs.html import img as _img
from corridors.outputs.html import num as _num
from corridors.outputs.html import pct as _pct
from corridors.outputs.html import table as _table
from corridors.outputs.report_sections import _comparison_section, _routes_section, stock_charts
from corridors.units import DAYS_PER_YEAR

NICE = style.NICE_NAMES


def _pj_map(result: Result) -> dict[str, float]:
    return {c: v.pj_per_unit for c, v in result.scenario.commodities.items()}


def _supplier_table(result: Result) -> pd.DataFrame:
    pj = _pj_map(result)
    years = layers.years(result)
    sup = import_supply(result).copy()  # domestic production is not an import
    sup["pj"] = sup["supplied"] * sup["commodity"].map(pj) / years
    piv = sup.pivot_table(
        index="country", columns="commodity", values="pj", aggfunc="sum", fill_value=0.0
    )
    piv = piv.reindex(columns=[c for c in result.scenario.commodities if c in piv.columns])
    piv["total"] = piv.sum(axis=1)
    return piv.sort_values("total", ascending=False)


def _diversity(summary: dict[str, Any]) -> dict[str, Any] | None:
    div = summary.get("diversity")
    if div is None:
        div = (summary.get("metrics") or {}).get("diversity")
    return div if isinstance(div, dict) and div else None


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _cost_basis(r: Result) -> str:
    """What the total cost covers: the horizon, the discounting, the rate per year."""
    h = r.scenario.horizon
    days = h.periods * h.period_days
    if h.periods == 1:
        text = "over one year" if days == DAYS_PER_YEAR else f"over {days:g} days"
        text += ", not discounted (one period)"
    else:
        start = f" from {h.start.isoformat()}" if h.start else ""
        text = f"over {days:g} days{start} ({h.periods} periods of {h.period_days:g} days)"
        if r.scenario.discount_rate > 0:
            text += f", discounted at {r.scenario.discount_rate:.0%}/yr to its start"
    if days != DAYS_PER_YEAR:
        text += f"; USD {r.objective * DAYS_PER_YEAR / days / 1e9:,.1f} bn per year"
    return text


def _shortfall_cards(r: Result) -> list[str]:
    """The shortfall of consumption (share: of consumption) and, apart, the stock building
    given up (not a shortage)."""
    if not r.has_solution:
        return [_card("Shortfall of consumption", "–", "no solution", True)]
    com = r.scenario.commodities
    b = balance(r)
    total = b["all"]
    short = float(total["unmet"] or 0.0)
    out = []
    if short > 1e-6:
        by = ", ".join(
            f"{NICE.get(c, c)} {qty(float(v['unmet'] or 0.0), com[c].unit)} "
            f"({percent(float(v['unmet_share_of_consumption'] or 0.0))})"
            for c, v in b.items()
            if c in com and float(v["unmet"] or 0.0) > 1e-6
        )
        share = total["unmet_share_of_consumption"]
        out.append(
            _card(
                "Shortfall of consumption",
                f"{short:,.0f} PJ",
                f"{percent(float(share or 0.0))} of consumption (all energy); by commodity, "
                f"share of its consumption: {by}",
                True,
            )
        )
    else:
        out.append(_card("Shortfall of consumption", "none", "all consumption met"))
    given = [
        (c, float(v["stock_building_unmet"] or 0.0), float(v["stock_building"] or 0.0))
        for c, v in b.items()
        if c in com and float(v["stock_building_unmet"] or 0.0) > 1e-6
    ]
    if given:
        out.append(
            _card(
                "Stock building given up",
                ", ".join(f"{qty(g, com[c].unit)} {NICE.get(c, c)}" for c, g, _ in given),
                "stocks not filled as planned (not a shortage): "
                + ", ".join(
                    f"{percent(g / p if p else 0.0)} of the {NICE.get(c, c)} stock building"
                    for c, g, p in given
                ),  # fmt: skip
            )
        )
    return out


def _key_figures(rd: ResultDir) -> str:
    r = rd.result
    s = rd.summary
    pj = _pj_map(r)
    years = layers.years(r)
    cards = []
    if r.objective == r.objective:
        cb = r.cost_breakdown
        parts = ", ".join(
            f"{k.replace('_', ' ')} {v / 1e9:,.1f}"
            for k, v in cb.items()
            if isinstance(v, int | float) and v
        )
        cards.append(_card("Total cost", f"USD {r.objective / 1e9:,.1f} bn",
                           f"{_cost_basis(r)}; of which {parts} (bn)"))  # fmt: skip
    imp = import_supply(r)
    total = float((imp["supplied"] * imp["commodity"].map(pj)).sum()) / years
    detail = "all commodities, supplied"
    if r.scenario.importer is not None:
        dom = r.supply[domestic_rows(r)]
        home = float((dom["supplied"] * dom["commodity"].map(pj)).sum()) / years
        detail += f"; domestic production {home:,.0f} PJ/yr not counted"
    cards.append(_card("Energy imports", f"{total:,.0f} PJ/yr", detail))
    cards += _shortfall_cards(r)
    reserves = (s.get("metrics") or {}).get("reserves") or {}
    cover = [
        f"{NICE.get(c, c)} {v['days_of_cover']:,.0f} d"
        for c, v in reserves.items()
        if isinstance(v, dict) and v.get("days_of_cover") is not None
    ]
    surv = [
        f"{NICE.get(c, c)} shortfall from day {v['first_shortfall_day']:,.0f}"
        for c, v in reserves.items()
        if isinstance(v, dict) and v.get("first_shortfall_day") is not None
    ]
    days = [
        float(v["days_of_cover"])
        for v in reserves.values()
        if isinstance(v, dict) and v.get("days_of_cover") is not None
    ]
    if days:
        cards.append(
            _card(
                "Days of cover",
                f"{min(days):,.0f} d",
                "stock / daily net imports; "
                + ("lowest; " if len(days) > 1 else "")
                + "; ".join(cover + surv),
                bad=min(days) < 30,
            )
        )
    ch = layers.chokepoint_table(r).sort_values("share_energy", ascending=False)
    if len(ch):
        top = ch.iloc[0]
        name = top["name"] or top["id"]
        cards.append(
            _card(
                "Largest chokepoint exposure",
                f"{top['share_energy']:.0%}",
                f"of energy imports pass {name}",
                bad=bool(top["share_energy"] > 0.5),
            )
        )
    sup = _supplier_table(r)
    if len(sup) and sup["total"].sum() > 0:
        shares = sup["total"] / sup["total"].sum()
        hhi = float((shares**2).sum())
        cards.append(
            _card(
                "Largest supplier",
                f"{shares.iloc[0]:.0%}",
                f"{sup.index[0]} of energy imports; {len(sup)} supplier countries, "
                f"effective number {1 / hhi:.1f}",
            )
        )
    div = _diversity(s)
    if div and "all" in div and isinstance(div["all"], dict):
        a = div["all"]
        hhi_all = a.get("hhi_supplier")
        if isinstance(hhi_all, int | float):
            cards.append(
                _card(
                    "Supplier HHI (all energy)",
                    f"{hhi_all:.3f}",
                    "from summary.json diversity; 1 = one supplier",
                )
            )
    return f'<div class="cards">{"".join(cards)}</div>'


def build_report(
    rd: ResultDir,
    compare: ResultDir | None = None,
    colour_by: str = "commodity",
    dpi: int = 150,
) -> str:
    """The HTML text of the briefing."""
    r = rd.result
    sc = r.scenario
    years = layers.years(r)
    parts: list[str] = []
    status = r.status.value
    parts.append(
        f"<h1>Energy import briefing: {_e(sc.name)} "
        f'<span class="badge{"" if r.is_ok else " bad"}">{_e(status)}</span></h1>'
    )
    if sc.description:
        parts.append(f'<p class="lead">{_e(sc.description)}</p>')
    created = rd.manifest.get("created", "")
    parts.append(
        f'<p class="meta">Run {_e(created)} · scenario file {_e(Path(str(sc.source)).name)} · '
        f"fingerprint {_e(str(rd.manifest.get('scenario_sha256', ''))[:12])} · "
        f"{len(r.network.nodes)} nodes, {len(r.network.links)} links · "
        f"{_e(style.period_text(r))}</p>"
    )
    for w in rd.warnings:
        parts.append(f'<div class="note">{_e(w)}</div>')
    if not r.is_ok:
        parts.append(
            f'<div class="note">The solver did not prove optimality ({_e(status)}); '
            "figures below are not an optimum.</div>"
        )
    parts.append("<h2>Key figures</h2>")
    parts.append(_key_figures(rd))

    parts.append("<h2>Map</h2>")
    png = maps.png_bytes(maps.figure_map(r, colour_by=colour_by, dpi=dpi))
    parts.append(
        f"<figure>{_img(png, f'Map of flows, scenario {sc.name}')}"
        "<figcaption>Line width ∝ energy carried (PJ/yr); chokepoints labelled with their share "
        "of energy imports; dashed red: disrupted. Red circles: shortfall of consumption, "
        "labelled with its share of the region's consumption; grey dashed circles: stock "
        "building given up at reserve sites (not a shortage).</figcaption></figure>"
    )
    if compare is not None:
        png = maps.png_bytes(maps.figure_compare(compare.result, r, colour_by=colour_by, dpi=dpi))
        parts.append(
            f"<h3>Before and after</h3><figure>"
            f"{_img(png, f'{compare.result.scenario.name} against {sc.name}')}</figure>"
        )
        parts.append(_comparison_section(compare, rd))
    parts.append("<h3>Explore the flows</h3>")
    parts.append(webmap.interactive_map(r, colour_by, dom_id="cmap"))
    if sc.horizon.periods > 1:
        parts.append("<h2>Stocks over time</h2>")
        parts.append(stock_charts(r))

    # charts
    ch = layers.chokepoint_table(r).sort_values("share_energy", ascending=False)
    sup = _supplier_table(r)
    commodities = [c for c in sc.commodities if c in sup.columns]
    colours = [style.COMMODITY_COLOURS.get(c, style.PALETTE[i]) for i, c in enumerate(commodities)]
    series = [(NICE.get(c, c), col) for c, col in zip(commodities, colours, strict=True)]
    parts.append('<h2>Exposure and sources</h2><div class="grid2"><div>')
    parts.append("<h3>Share of energy imports through each chokepoint</h3>")
    parts.append(
        bar_chart(
            [
                ((row["name"] or row["id"]), [float(row["share_energy"])])
                for _, row in ch.iterrows()
            ],
            [("share", style.CHOKE)],
            "",
            percent=True,
        )
    )
    parts.append("</div><div><h3>Energy imports by supplier country (PJ/yr)</h3>")
    parts.append(
        bar_chart(
            [(str(c), [float(sup.at[c, k]) for k in commodities]) for c in sup.index[:15]],
            series,
            "PJ/yr",
        )
    )
    parts.append("</div></div>")

    # tables
    parts.append("<h2>Tables</h2><h3>Chokepoints</h3>")
    rows = []
    for _, row in ch.iterrows():
        rec = {"chokepoint": row["name"] or row["id"]}
        rec["throughput PJ/yr"] = _num(row["throughput_pj"] / years)
        rec["share of energy"] = _pct(row["share_energy"], 1)
        for c in sc.commodities:
            rec[f"share {NICE.get(c, c)}"] = _pct(
                row.get(f"share_{layers.field_name(c)}", np.nan), 1
            )
        rec["capacity PJ/yr"] = _num(row["capacity_pj_per_year"])
        rec["state"] = (
            f"disrupted ({row['availability_min']:.0%} available)" if row["disrupted"] else "open"
        )
        rows.append(rec)
    t = pd.DataFrame(rows)
    parts.append(_table(t, numeric=[c for c in t.columns if c not in ("chokepoint", "state")]))

    parts.append("<h3>Balance</h3>")
    parts.append(balance_table(r))
    parts.append(response_tables(r))

    parts.append("<h3>Imports by supplier country</h3>")
    st = pd.DataFrame(
        {
            "country": sup.index,
            **{f"{NICE.get(c, c)} PJ/yr": [_num(v) for v in sup[c]] for c in commodities},
            "total PJ/yr": [_num(v) for v in sup["total"]],
            "share": [_pct(v / max(sup["total"].sum(), 1e-12), 1) for v in sup["total"]],
        }
    )
    parts.append(_table(st, numeric=list(st.columns[1:])))

    parts.append(stock_building_table(r))

    reserves = (rd.summary.get("metrics") or {}).get("reserves") or {}
    if reserves:
        parts.append("<h3>Reserves</h3>")
        rt = pd.DataFrame(
            [
                {
                    "commodity": NICE.get(c, c),
                    "days of cover (net imports)": _num(v.get("days_of_cover"), 0),
                    "days of consumption": _num(v.get("days_of_consumption"), 0),
                    "first shortfall (day)": _num(v.get("first_shortfall_day"), 0),
                    "survival (days)": _num(v.get("survival_days"), 0),
                    "lowest stock": (
                        f"{_num(v.get('min_reserve_level'))} {sc.commodities[c].unit}"
                        if c in sc.commodities and v.get("min_reserve_level") is not None
                        else _num(v.get("min_reserve_level"))
                    ),
                }
                for c, v in reserves.items()
                if isinstance(v, dict)
            ]
        )
        parts.append(_table(rt, numeric=list(rt.columns[1:])))

    div = _diversity(rd.summary)
    if div:
        parts.append("<h3>Diversification (summary.json)</h3>")
        cols = {
            NICE.get(c, c): _flatten(v) if isinstance(v, dict) else {"value": v}
            for c, v in div.items()
        }
        metrics = list(dict.fromkeys(k for flat in cols.values() for k in flat))
        dt = pd.DataFrame(
            {
                "metric": [m.replace("_", " ") for m in metrics],
                **{
                    c: [_num(flat.get(m), 3) if flat.get(m) is not None else "–" for m in metrics]
                    for c, flat in cols.items()
                },
            }
        )
        parts.append(_table(dt, numeric=list(dt.columns[1:])))

    parts.append("<h3>Binding capacities (shadow prices)</h3>")
    b = r.binding
    if len(b) and "shadow_price" in b.columns:
        key = "element" if "element" in b.columns else "link"
        b = b.sort_values("shadow_price", ascending=False).head(20)
        bt = pd.DataFrame(
            {
                "element": b[key].astype(str),
                "period": b["period"].astype(str) if "period" in b else "",
                "flow": [_num(v) for v in b["flow"]] if "flow" in b else "",
                "capacity": [_num(v) for v in b["capacity"]] if "capacity" in b else "",
                "value of 1 more unit (USD/unit)": [_num(v, 0) for v in b["shadow_price"]],
            }
        )
        parts.append(_table(bt, numeric=["flow", "capacity", "value of 1 more unit (USD/unit)"]))
    else:
        parts.append("<p>No capacity limit binds.</p>")

    parts.append("<h3>Largest flows</h3>")
    lf = layers.link_flows(r)
    lf = lf[(lf["flow"] > 1e-9) & (lf["mode"] != "conversion")]
    lf = lf.sort_values("pj_per_year", ascending=False).head(15)
    ft = pd.DataFrame(
        {
            "link": [n or i for n, i in zip(lf["name"], lf["id"], strict=True)],
            "route": lf["from_name"] + " → " + lf["to_name"],
            "commodity": lf["commodity"].map(lambda c: NICE.get(c, c)),
            "flow/yr": [
                f"{_num(v)} {u}" for v, u in zip(lf["flow_per_year"], lf["unit"], strict=True)
            ],
            "PJ/yr": [_num(v) for v in lf["pj_per_year"]],
            "utilisation": [_pct(v) for v in lf["utilisation"]],
        }
    )
    parts.append(_table(ft, numeric=["flow/yr", "PJ/yr", "utilisation"]))
    parts.append(_routes_section(r))

    versions = rd.manifest.get("versions") or {}
    vtext = ", ".join(f"{k} {v}" for k, v in versions.items() if v)
    parts.append(
        f"<footer>{_e(style.SOURCE_LINE)}. Result folder: {_e(rd.path.name)}. "
        f"Software: {_e(vtext)}. This file is self-contained and makes no network requests."
        "</footer>"
    )
    body = f"<main>{''.join(parts)}</main>"
    return webmap.page(f"Briefing — {sc.name}", body, CSS)


def write_report(
    folder: str | Path,
    out: str | Path | None = None,
    compare: str | Path | None = None,
    scenario: str | Path | Scenario | None = None,
    colour_by: str = "commodity",
) -> Path:
    """Write ``folder/report.html`` (or ``out``) from a result folder; return its path.

    ``compare`` is a baseline result folder for a before/after figure.
    """
    rd = load_result_dir(folder, scenario)
    base = load_result_dir(compare) if compare is not None else None
    text = build_report(rd, base, colour_by=colour_by)
    path = Path(out) if out is not None else Path(folder) / "report.html"
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path


__all__ = ["bar_chart", "build_report", "stock_charts", "write_report"]
