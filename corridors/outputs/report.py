"""One self-contained HTML briefing of a result folder: ``DIR/report.html``.

Key figures (cost, unmet demand, days of cover, chokepoint exposure, supplier concentration,
diversification metrics when summary.json has them), the briefing map (PNG as a data URI),
the interactive map (inline SVG and JavaScript), charts (inline SVG) and tables. Nothing is
fetched: no external URL appears in the file, and a Content-Security-Policy forbids any
request, so it works offline and from a USB stick. Every name taken from the data is
HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridors.analysis.routes import betweenness, commodity_graph, route_flows, routes, structure
from corridors.core.resultdir import ResultDir, load_result_dir
from corridors.core.results import Result
from corridors.io.files import atomic_write
from corridors.io.schema import Scenario
from corridors.outputs import layers, maps, style, webmap

CSS = """
:root{--ink:#222;--muted:#5a5a5a;--line:#ddd;--bad:#c62828;--ok:#2e7d32}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
  color:var(--ink);margin:0;background:#f6f6f4}
main{max-width:1240px;margin:0 auto;padding:24px 28px 40px;background:#fff}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid #222}
h3{font-size:15px;margin:18px 0 6px}
p.lead{color:var(--muted);margin:0 0 14px;max-width:900px}
.meta{color:var(--muted);font-size:12.5px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;
  color:#fff;background:var(--ok);vertical-align:middle}
.badge.bad{background:var(--bad)}
.note{border-left:4px solid #e0a800;background:#fff8e1;padding:8px 12px;margin:10px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px;margin:14px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;background:#fcfcfb}
.card .k{font-size:12.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.card .v{font-size:23px;font-weight:700;line-height:1.2;margin:2px 0}
.card .v.bad{color:var(--bad)}
.card .d{font-size:12.5px;color:var(--muted)}
figure{margin:10px 0}
figure img{width:100%;height:auto;border:1px solid var(--line)}
figcaption{font-size:12.5px;color:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin:6px 0 10px}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f0f0ee;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:24px}
@media (max-width:900px){.grid2{grid-template-columns:1fr}}
.chart text{font:12px sans-serif;fill:#222}
.chart .ax{stroke:#999;stroke-width:1}
footer{margin-top:30px;font-size:12px;color:var(--muted);border-top:1px solid var(--line);
  padding-top:8px}
@media print{body{background:#fff}main{padding:0}.cmap{display:none}}
"""

NICE = style.NICE_NAMES


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _num(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return _e(v)
    if not math.isfinite(f):
        return "–"
    if f == 0:
        return "0"
    if abs(f) >= 100 or digits == 0:
        return f"{f:,.0f}"
    return f"{f:,.{digits}f}"


def _pct(v: Any, digits: int = 0) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "–"
    return f"{f:.{digits}%}" if math.isfinite(f) else "–"


def _table(
    df: pd.DataFrame, numeric: Sequence[str] = (), caption: str = "", empty: str = "None."
) -> str:
    if df.empty:
        return f"<p>{_e(empty)}</p>"
    head = "".join(f'<th class="{"n" if c in numeric else ""}">{_e(c)}</th>' for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = "".join(
            f'<td class="{"n" if c in numeric else ""}">{_e(v)}</td>'
            for c, v in zip(df.columns, rec, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption class='meta'>{_e(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def bar_chart(
    items: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[tuple[str, str]],
    unit: str,
    width: int = 560,
    percent: bool = False,
) -> str:
    """A horizontal (stacked) bar chart as inline SVG. ``items``: (label, values per series);
    ``series``: (name, colour). Labels are escaped."""
    if not items:
        return "<p>No data.</p>"
    bar, gap, left, right, top = 18, 7, 170, 80, 8
    h = top + len(items) * (bar + gap) + (26 if len(series) > 1 else 6)
    peak = max(sum(v) for _, v in items) or 1.0
    scale = (width - left - right) / peak
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {h}" width="100%" role="img" '
        f'aria-label="bar chart ({_e(unit)})">'
    ]
    y = top
    for label, values in items:
        x: float = left
        text = label if len(label) <= 24 else label[:23] + "…"
        out.append(
            f'<text x="{left - 6}" y="{y + bar * 0.72}" text-anchor="end">{_e(text)}'
            f"<title>{_e(label)}</title></text>"
        )
        for (name, colour), v in zip(series, values, strict=True):
            w = max(0.0, v * scale)
            if w > 0:
                out.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{_e(colour)}">'
                    f"<title>{_e(label)} — {_e(name)}: "
                    f"{_e(_pct(v, 1) if percent else _num(v))} {'' if percent else _e(unit)}"
                    "</title></rect>"
                )
            x += w
        total = sum(values)
        value = _pct(total, 0) if percent else f"{_num(total)} {unit}"
        out.append(f'<text x="{x + 5:.1f}" y="{y + bar * 0.72}">{_e(value)}</text>')
        y += bar + gap
    out.append(f'<line class="ax" x1="{left}" y1="{top - 2}" x2="{left}" y2="{y - gap + 2}"/>')
    if len(series) > 1:
        x = left
        for name, colour in series:
            out.append(
                f'<rect x="{x}" y="{y + 6}" width="12" height="12" fill="{_e(colour)}"/>'
                f'<text x="{x + 16}" y="{y + 16}">{_e(name)}</text>'
            )
            x += 24 + 7.5 * len(name)
    out.append("</svg>")
    return "".join(out)


def _card(key: str, value: str, detail: str = "", bad: bool = False) -> str:
    return (
        f'<div class="card"><div class="k">{_e(key)}</div>'
        f'<div class="v{" bad" if bad else ""}">{_e(value)}</div>'
        f'<div class="d">{_e(detail)}</div></div>'
    )


def _pj_map(result: Result) -> dict[str, float]:
    return {c: v.pj_per_unit for c, v in result.scenario.commodities.items()}


def _names(result: Result) -> pd.Series:
    n = result.network.nodes["name"].fillna("").astype(str)
    return n.where(n != "", result.network.nodes.index.to_series())


def _supplier_table(result: Result) -> pd.DataFrame:
    pj = _pj_map(result)
    years = layers.years(result)
    sup = result.supply.copy()
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


def _key_figures(rd: ResultDir) -> str:
    r = rd.result
    s = rd.summary
    pj = _pj_map(r)
    years = layers.years(r)
    cards = []
    if r.objective == r.objective:
        cb = r.cost_breakdown
        detail = ", ".join(
            f"{k} {v / 1e9:,.1f}" for k, v in cb.items() if isinstance(v, int | float) and v
        )
        cards.append(_card("Total cost", f"USD {r.objective / 1e9:,.1f} bn", detail + " (bn)"))
    total = float((r.supply["supplied"] * r.supply["commodity"].map(pj)).sum()) / years
    cards.append(_card("Energy imports", f"{total:,.0f} PJ/yr", "all commodities, supplied"))
    dem = float((r.unmet["demand"] * r.unmet["commodity"].map(pj)).sum())
    unmet = r.unmet_pj()
    if unmet > 1e-6:
        by = ", ".join(
            f"{NICE.get(c, c)} {v:,.1f} {r.scenario.commodities[c].unit}"
            for c, v in r.unmet_by_commodity().items()
            if v > 1e-6
        )
        cards.append(
            _card(
                "Unmet demand",
                f"{unmet:,.0f} PJ",
                f"{unmet / max(dem, 1e-9):.1%} of demand: {by}",
                True,
            )
        )
    else:
        cards.append(_card("Unmet demand", "none", "all demand met"))
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
                ("lowest; " if len(days) > 1 else "") + "; ".join(cover + surv),
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


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def build_report(
    rd: ResultDir,
    compare: ResultDir | None = None,
    colour_by: str = "commodity",
    dpi: int = 150,
) -> str:
    """The HTML text of the briefing."""
    r = rd.result
    sc = r.scenario
    pj = _pj_map(r)
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
        "of energy imports; dashed red: disrupted.</figcaption></figure>"
    )
    if compare is not None:
        png = maps.png_bytes(maps.figure_compare(compare.result, r, colour_by=colour_by, dpi=dpi))
        parts.append(
            f"<h3>Before and after</h3><figure>"
            f"{_img(png, f'{compare.result.scenario.name} against {sc.name}')}</figure>"
        )
    parts.append("<h3>Explore the flows</h3>")
    parts.append(webmap.interactive_map(r, colour_by, dom_id="cmap"))

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

    parts.append("<h3>Unmet demand</h3>")
    names = _names(r)
    un = r.unmet.copy()
    un = un[un["unmet"] > 1e-6]
    if len(un):
        g = un.groupby(["node", "commodity"], sort=False)[["unmet", "demand"]].sum().reset_index()
        ut = pd.DataFrame(
            {
                "demand region": g["node"].map(names),
                "commodity": g["commodity"].map(lambda c: NICE.get(c, c)),
                "unmet": [
                    f"{_num(u)} {sc.commodities[c].unit}"
                    for u, c in zip(g["unmet"], g["commodity"], strict=True)
                ],
                "unmet PJ": [
                    _num(u * pj[c]) for u, c in zip(g["unmet"], g["commodity"], strict=True)
                ],
                "share of demand": [
                    _pct(u / d if d > 0 else 0, 1)
                    for u, d in zip(g["unmet"], g["demand"], strict=True)
                ],
            }
        )
        parts.append(_table(ut, numeric=["unmet", "unmet PJ", "share of demand"]))
    else:
        parts.append("<p>All demand is met in every period.</p>")

    reserves = (rd.summary.get("metrics") or {}).get("reserves") or {}
    if reserves:
        parts.append("<h3>Reserves</h3>")
        rt = pd.DataFrame(
            [
                {
                    "commodity": NICE.get(c, c),
                    "days of cover": _num(v.get("days_of_cover"), 0),
                    "first shortfall (day)": _num(v.get("first_shortfall_day"), 0),
                    "survival (days)": _num(v.get("survival_days"), 0),
                    "lowest stock": _num(v.get("min_reserve_level")),
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


__all__ = ["bar_chart", "build_report", "write_report"]
