"""HTML pieces of the briefing report: the style sheet, escaping, number formats, tables,
key-figure cards, bar charts (inline SVG) and embedded images. No data logic: the report
(:mod:`corridors.outputs.report`) decides what to show."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

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
.tw{overflow-x:auto;margin:6px 0 10px}
table{border-collapse:collapse;width:100%;font-size:13.5px}
p.cap{margin:8px 0 2px;max-width:1100px}
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


def escape(x: Any) -> str:
    return html.escape(str(x), quote=True)


def num(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return escape(v)
    if not math.isfinite(f):
        return "–"
    if f == 0:
        return "0"
    if abs(f) >= 100 or digits == 0:
        return f"{f:,.0f}"
    return f"{f:,.{digits}f}"


def pct(v: Any, digits: int = 0) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "–"
    return f"{f:.{digits}%}" if math.isfinite(f) else "–"


def table(
    df: pd.DataFrame, numeric: Sequence[str] = (), caption: str = "", empty: str = "None."
) -> str:
    if df.empty:
        return f"<p>{escape(empty)}</p>"
    head = "".join(
        f'<th class="{"n" if c in numeric else ""}">{escape(c)}</th>' for c in df.columns
    )
    rows = []
    for rec in df.itertuples(index=False):
        cells = "".join(
            f'<td class="{"n" if c in numeric else ""}">{escape(v)}</td>'
            for c, v in zip(df.columns, rec, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    cap = f'<p class="meta cap">{escape(caption)}</p>' if caption else ""
    return (
        f'{cap}<div class="tw"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


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
        f'aria-label="bar chart ({escape(unit)})">'
    ]
    y = top
    for label, values in items:
        x: float = left
        text = label if len(label) <= 24 else label[:23] + "…"
        out.append(
            f'<text x="{left - 6}" y="{y + bar * 0.72}" text-anchor="end">{escape(text)}'
            f"<title>{escape(label)}</title></text>"
        )
        for (name, colour), v in zip(series, values, strict=True):
            w = max(0.0, v * scale)
            if w > 0:
                out.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{escape(colour)}">'
                    f"<title>{escape(label)} — {escape(name)}: "
                    f"{escape(pct(v, 1) if percent else num(v))} {'' if percent else escape(unit)}"
                    "</title></rect>"
                )
            x += w
        total = sum(values)
        value = pct(total, 0) if percent else f"{num(total)} {unit}"
        out.append(f'<text x="{x + 5:.1f}" y="{y + bar * 0.72}">{escape(value)}</text>')
        y += bar + gap
    out.append(f'<line class="ax" x1="{left}" y1="{top - 2}" x2="{left}" y2="{y - gap + 2}"/>')
    if len(series) > 1:
        x = left
        for name, colour in series:
            out.append(
                f'<rect x="{x}" y="{y + 6}" width="12" height="12" fill="{escape(colour)}"/>'
                f'<text x="{x + 16}" y="{y + 16}">{escape(name)}</text>'
            )
            x += 24 + 7.5 * len(name)
    out.append("</svg>")
    return "".join(out)


def _ticks(top: float, n: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def line_chart(
    x: Sequence[float],
    series: Sequence[tuple[str, str, Sequence[float]]],
    unit: str,
    x_labels: Sequence[tuple[float, str]] = (),
    shade: Sequence[tuple[float, float, str]] = (),
    refs: Sequence[tuple[float, str]] = (),
    width: int = 560,
    height: int = 220,
) -> str:
    """A line chart as inline SVG: ``series`` (name, colour, y per x) against ``x``; the y axis
    from 0 in ``unit``; ``x_labels`` (x, text) on the x axis; ``shade`` (x0, x1, title) as
    grey bands (e.g. a disruption); ``refs`` (y, text) as dashed horizontal lines. Names are
    escaped."""
    if not len(x) or not series:
        return "<p>No data.</p>"
    left, right, top, bottom = 58, 12, 10, 30 + (22 if len(series) > 1 or refs else 0)
    x0, x1 = float(min(x)), float(max(x))
    peak = max(
        [float(v) for _, _, ys in series for v in ys if math.isfinite(float(v))]
        + [y for y, _ in refs]
        + [0.0]
    )
    ticks = _ticks(peak * 1.05)
    y1 = ticks[-1] or 1.0
    w, h = width - left - right, height - top - bottom

    def px(v: float) -> float:
        return left + (v - x0) / ((x1 - x0) or 1.0) * w

    def py(v: float) -> float:
        return top + h - v / y1 * h

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="line chart ({escape(unit)})">'
    ]
    for a, b, title in shade:
        a, b = max(a, x0), min(b, x1)
        if b > a:
            out.append(
                f'<rect x="{px(a):.1f}" y="{top}" width="{px(b) - px(a):.1f}" height="{h}" '
                f'fill="#f3d6d6"><title>{escape(title)}</title></rect>'
            )
    for t in ticks:
        out.append(
            f'<line x1="{left}" y1="{py(t):.1f}" x2="{left + w}" y2="{py(t):.1f}" '
            'stroke="#e4e4e4" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{escape(f"{t:,.0f}" if float(t).is_integer() else f"{t:g}")}</text>'
        )
    out.append(
        f'<text x="12" y="{top + h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + h / 2:.1f})">{escape(unit)}</text>'
    )
    for v, text in x_labels:
        if x0 <= v <= x1:
            out.append(
                f'<line class="ax" x1="{px(v):.1f}" y1="{top + h}" x2="{px(v):.1f}" '
                f'y2="{top + h + 4}"/><text x="{px(v):.1f}" y="{top + h + 16}" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
    out.append(
        f'<line class="ax" x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}"/>'
        f'<line class="ax" x1="{left}" y1="{top}" x2="{left}" y2="{top + h}"/>'
    )
    for y, text in refs:
        out.append(
            f'<line x1="{left}" y1="{py(y):.1f}" x2="{left + w}" y2="{py(y):.1f}" '
            f'stroke="#777" stroke-dasharray="4 3" stroke-width="1"><title>{escape(text)}'
            "</title></line>"
        )
    for name, colour, ys in series:
        pts = " ".join(
            f"{px(float(a)):.1f},{py(float(b)):.1f}"
            for a, b in zip(x, ys, strict=True)
            if math.isfinite(float(b))
        )
        out.append(
            f'<polyline points="{pts}" fill="none" stroke="{escape(colour)}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
        )
    if len(series) > 1 or refs:
        lx = left
        ly = height - 8
        for name, colour, _ in series:
            out.append(
                f'<rect x="{lx}" y="{ly - 9}" width="14" height="3" fill="{escape(colour)}"/>'
                f'<text x="{lx + 18}" y="{ly}">{escape(name)}</text>'
            )
            lx += 30 + 7 * len(name)
        for _, text in refs[:1]:
            out.append(
                f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 14}" y2="{ly - 4}" stroke="#777" '
                f'stroke-dasharray="4 3"/><text x="{lx + 18}" y="{ly}">{escape(text)}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def card(key: str, value: str, detail: str = "", bad: bool = False) -> str:
    return (
        f'<div class="card"><div class="k">{escape(key)}</div>'
        f'<div class="v{" bad" if bad else ""}">{escape(value)}</div>'
        f'<div class="d">{escape(detail)}</div></div>'
    )


def img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


__all__ = ["CSS", "bar_chart", "card", "escape", "img", "line_chart", "num", "pct", "table"]
