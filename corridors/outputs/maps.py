"""Static maps of a result (PNG, SVG, PDF): the briefing map of one result
(:func:`figure_map`) and the before/after figure of two (:func:`figure_compare`), drawn with
matplotlib's object API (no pyplot, no global backend).

Flow lines: width ∝ energy carried (PJ per year, linear), colour by commodity or corridor.
Chokepoints are labelled with their share of energy imports (placed by
:mod:`corridors.outputs.labels`). Disrupted links are dashed red, disrupted chokepoints a red
cross. Demand entries of purpose ``consumption`` left short are red circles (area ∝ PJ),
labelled per region with the shortfall and its share of the region's consumption; stock
building given up at reserve sites (purpose ``stock_building``) is drawn apart, as grey dashed
circles without labels: it is not a shortage. The title states both, each with its basis
(:func:`headline_lines`); the before/after figure states the change on a common basis
(:func:`corridors.analysis.compare.compare_results`). Projection and basemap:
:mod:`corridors.outputs.geo`; colours and scales:
:mod:`corridors.outputs.style`. All map formats at once: :func:`corridors.outputs.render.render`.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from corridors.analysis.compare import compare_results, percent, qty
from corridors.analysis.metrics import balance, import_supply, stock_building_rows
from corridors.core.results import Result
from corridors.io.files import atomic_write
from corridors.outputs.geo import Frame, line_parts, make_frame, projected_basemap
from corridors.outputs.labels import Label, marker_box, place_labels
from corridors.outputs.layers import chokepoint_table, link_flows, node_table, pj_factors, years
from corridors.outputs.style import (
    BORDER,
    CHOKE,
    CUT,
    DEFAULT_DPI,
    INK,
    LAND,
    MUTED,
    NICE_NAMES,
    OCEAN,
    SLIDE_SIZE,
    SOURCE_LINE,
    Style,
    make_style,
    period_text,
    short_label,
)
from corridors.units import DAYS_PER_YEAR

#: stock building given up: a muted grey, not the red of a shortage
GIVEN_UP = "#8a8a8a"
GIVEN_UP_FILL = (0.55, 0.55, 0.55, 0.12)
SHORT_FILL = (0.84, 0.15, 0.16, 0.18)


def new_figure(figsize: tuple[float, float], dpi: float, facecolor: str = "white") -> Figure:
    """A figure with an Agg canvas of its own (not registered with pyplot), so that text can
    be measured (label placement, legend stacking) before it is saved."""
    fig = Figure(figsize=figsize, dpi=dpi, facecolor=facecolor)
    FigureCanvasAgg(fig)
    return fig


# --------------------------------------------------------------------------- texts


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


# --------------------------------------------------------------------------- drawing


def _nice(v: float) -> float:
    """Round down to 1, 2 or 5 × 10^k."""
    if v <= 0:
        return 0.0
    k = math.floor(math.log10(v))
    for m in (5, 2, 1):
        if m * 10**k <= v:
            return float(m * 10**k)
    return float(10**k)


def _fit_limits(fig: Figure, ax: Any, limits: Sequence[float]) -> None:
    """Set limits that contain ``limits`` and match the axes' shape (equal scale in x and y)."""
    x0, y0, x1, y1 = limits
    bb = ax.get_position()
    fw, fh = fig.get_size_inches()
    box_ratio = (bb.width * fw) / (bb.height * fh)
    w, h = x1 - x0, y1 - y0
    if w / h < box_ratio:  # too narrow: widen
        extra = (h * box_ratio - w) / 2
        x0, x1 = x0 - extra, x1 + extra
    else:
        extra = (w / box_ratio - h) / 2
        y0, y1 = y0 - extra, y1 + extra
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_autoscale_on(False)


def draw_panel(
    fig: Figure,
    ax: Any,
    result: Result,
    frame: Frame,
    style: Style,
    legend_items: dict[str, Any],
) -> None:
    """Draw one result into ``ax`` (projected with ``frame``); collect legend handles."""
    ax.set_facecolor(OCEAN)
    _fit_limits(fig, ax, frame.limits)
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_edgecolor("#8a8a8a")
        sp.set_linewidth(0.6)

    world = projected_basemap(result, frame)
    if world is not None and len(world):
        gpd.GeoSeries(world).plot(
            ax=ax, color=LAND, edgecolor=BORDER, linewidth=0.35, zorder=1, aspect=None
        )
        ax.set_xlabel("")
        ax.set_ylabel("")
    lf = link_flows(result)
    nodes = node_table(result)

    # idle infrastructure: faint context
    idle = lf[(lf["flow"] <= 1e-9) & ~lf["disrupted"] & (lf["mode"] != "conversion")]
    segs = [s for g in idle.geometry for s in line_parts(frame.project(g))]
    if segs:
        ax.add_collection(
            LineCollection(segs, colors="#9aa5ad", linewidths=0.5, linestyles=(0, (2, 2)), zorder=2)
        )
        legend_items.setdefault(
            "idle",
            Line2D([0], [0], color="#9aa5ad", lw=0.8, ls=(0, (2, 2)), label="link without flow"),
        )

    used = lf[(lf["flow"] > 1e-9) & (lf["mode"] != "conversion")].sort_values(
        "pj_per_year", ascending=False
    )
    segs, widths, colours = [], [], []
    for _, row in used.iterrows():
        key = style.key(row)
        colour = style.colours.get(key, "#8c8c8c")
        w = float(style.width(row["pj_per_year"]))
        for s in line_parts(frame.project(row.geometry)):
            segs.append(s)
            widths.append(w)
            colours.append(colour)
        legend_items.setdefault(
            f"c:{key}", Line2D([0], [0], color=colour, lw=4, label=style.label(key))
        )
    if segs:
        ax.add_collection(
            LineCollection(
                segs,
                colors=colours,
                linewidths=widths,
                alpha=0.8,
                capstyle="round",
                joinstyle="round",
                zorder=3,
            )
        )
    cut = lf[lf["disrupted"] & (lf["mode"] != "conversion")]
    segs = [s for g in cut.geometry for s in line_parts(frame.project(g))]
    if segs:
        ax.add_collection(
            LineCollection(segs, colors=CUT, linewidths=1.6, linestyles=(0, (4, 2.5)), zorder=4)
        )
        legend_items.setdefault(
            "cut", Line2D([0], [0], color=CUT, lw=1.6, ls=(0, (4, 2.5)), label="disrupted link")
        )

    pts = nodes.copy()
    pts["x"] = [frame.project(g).x for g in pts.geometry]
    pts["y"] = [frame.project(g).y for g in pts.geometry]
    dpi = fig.dpi
    obstacles: list[Bbox] = []
    labels: list[Label] = []

    sup = pts[(pts["supplied_pj"] > 0) & (pts["kind"] != "chokepoint")]
    ax.scatter(sup["x"], sup["y"], s=12, color="#4a4a4a", edgecolors="white", lw=0.4, zorder=6)
    if len(sup):
        legend_items.setdefault(
            "supply",
            Line2D(
                [0], [0], marker="o", color="w", markerfacecolor="#4a4a4a", ms=5, label="supply"
            ),
        )
    split = unmet_by_node(result).reindex(pts["id"]).fillna(0.0)
    for col in split.columns:
        pts[col] = split[col].to_numpy()
    dem = pts[pts["consumption"] > 0]
    ax.scatter(
        dem["x"], dem["y"], s=34, marker="s", color=INK, edgecolors="white", lw=0.6, zorder=7
    )
    if len(dem):
        legend_items.setdefault(
            "demand",
            Line2D(
                [0], [0], marker="s", color="w", markerfacecolor=INK, ms=6, label="demand region"
            ),
        )
    for r in dem.itertuples():
        obstacles.append(marker_box(ax, r.x, r.y, 4, dpi))
    sites = pts[(pts["stock_building"] > 0) & (pts["consumption"] <= 0)]
    if len(sites):  # reserve sites that only build stocks: small, muted, not labelled
        ax.scatter(sites["x"], sites["y"], s=14, marker="^", color=GIVEN_UP,
                   edgecolors="white", lw=0.4, zorder=6)  # fmt: skip
        legend_items.setdefault(
            "sites",
            Line2D(
                [0],
                [0],
                marker="^",
                color="w",
                markerfacecolor=GIVEN_UP,
                ms=5,
                label="reserve site (stock building)",
            ),  # fmt: skip
        )
    ref = max(float(pts["consumption"].max()) if len(pts) else 0.0, 1e-9)

    def area(pj: Any) -> Any:
        return 60 + 1400 * pj / ref

    given = pts[pts["given_up"] > 1e-6]
    if len(given):  # stock building given up: grey, dashed, beneath any shortage, no label
        ax.scatter(given["x"], given["y"], s=area(given["given_up"]), facecolors=GIVEN_UP_FILL,
                   edgecolors=GIVEN_UP, linewidths=1.0, linestyles=(0, (2, 1.5)), zorder=7.5)  # fmt: skip
        legend_items.setdefault(
            "given_up",
            Line2D(
                [0],
                [0],
                marker="o",
                color="w",
                markerfacecolor=GIVEN_UP_FILL,
                markeredgecolor=GIVEN_UP,
                ms=9,
                label="stock building given up\n(area ∝ PJ; not a shortage)",
            ),  # fmt: skip
        )
    short = pts[pts["shortfall"] > 1e-6]
    if len(short):
        ax.scatter(
            short["x"],
            short["y"],
            s=area(short["shortfall"]),
            facecolors=SHORT_FILL,
            edgecolors=CUT,
            linewidths=1.6,
            zorder=8,
        )
        legend_items.setdefault(
            "unmet",
            Line2D(
                [0],
                [0],
                marker="o",
                color="w",
                markerfacecolor=SHORT_FILL,
                markeredgecolor=CUT,
                ms=11,
                label="shortfall of consumption\n(area ∝ PJ; % of the region's\nconsumption of it)",
            ),
        )
        texts = shortfall_labels(result)
        for r in short.itertuples():
            labels.append(
                Label(
                    r.x,
                    r.y,
                    f"{short_label(r.name, r.id)}: {texts.get(r.id, '')}",
                    colour=CUT,
                    weight="bold",
                    priority=2e9 + r.shortfall,
                    marker_pt=6 + 0.5 * math.sqrt(area(r.shortfall)),
                )
            )

    chokes = chokepoint_table(result)
    share = dict(zip(chokes["id"], chokes["share_energy"], strict=True))
    ch = pts[pts["kind"] == "chokepoint"]
    ok = ch[~ch["disrupted"]]
    bad = ch[ch["disrupted"]]
    if len(ok):
        ax.scatter(
            ok["x"], ok["y"], s=70, marker="D", color=CHOKE, edgecolors=INK, lw=0.7, zorder=9
        )
        legend_items.setdefault(
            "choke",
            Line2D(
                [0],
                [0],
                marker="D",
                color="w",
                markerfacecolor=CHOKE,
                markeredgecolor=INK,
                ms=8,
                label="chokepoint\n(% of energy imports)",
            ),
        )
    if len(bad):
        ax.scatter(
            bad["x"], bad["y"], s=150, marker="X", color=CUT, edgecolors=INK, lw=0.8, zorder=10
        )
        legend_items.setdefault(
            "chokecut",
            Line2D(
                [0],
                [0],
                marker="X",
                color="w",
                markerfacecolor=CUT,
                markeredgecolor=INK,
                ms=10,
                label="disrupted chokepoint",
            ),
        )
    for r in ch.itertuples():
        obstacles.append(marker_box(ax, r.x, r.y, 6, dpi))
        sh = float(share.get(r.id, 0.0))
        name = short_label(r.name, r.id)
        if r.disrupted:
            state = "closed" if r.availability_min <= 1e-9 else f"at {r.availability_min:.0%}"
            text = f"{name} · {state}" + (f" · {sh:.0%}" if sh >= 0.005 else "")
            labels.append(Label(r.x, r.y, text, CUT, "bold", 1e9 + sh, 7))
        else:
            labels.append(Label(r.x, r.y, f"{name} · {sh:.0%}", INK, "normal", sh, 5))
    place_labels(fig, ax, labels, obstacles)


def _width_key(style: Style) -> list[Line2D]:
    top = _nice(style.peak_pj)
    vals = sorted({_nice(top / 10), _nice(top / 2), top})
    return [
        Line2D([0], [0], color="#7a7a7a", lw=float(style.width(v)), label=f"{v:,.0f} PJ/yr")
        for v in vals
        if v > 0
    ]


def _ordered(legend_items: dict[str, Any], style: Style) -> list[Any]:
    order = ["choke", "chokecut", "cut", "idle", "demand", "sites", "supply", "unmet", "given_up"]
    colours = [legend_items[f"c:{k}"] for k in style.colours if f"c:{k}" in legend_items]
    return colours + [legend_items[k] for k in order if k in legend_items]


def figure_map(
    result: Result,
    colour_by: str = "commodity",
    dpi: int = DEFAULT_DPI,
    title: str | None = None,
) -> Figure:
    """A 16:9 briefing map of one result (legend on the right, title, source line)."""
    frame = make_frame([result])
    style = make_style([result], colour_by)
    fig = new_figure(SLIDE_SIZE, dpi)
    ax = fig.add_axes((0.012, 0.075, 0.77, 0.78))
    items: dict[str, Any] = {}
    draw_panel(fig, ax, result, frame, style, items)
    sc = result.scenario
    fig.text(
        0.012,
        0.958,
        title or f"Energy import flows — scenario “{sc.name}”",
        fontsize=17,
        fontweight="bold",
        color=INK,
        va="center",
    )
    first, second = headline_lines(result)
    fig.text(
        0.012,
        0.912,
        f"Optimal flows over {period_text(result)}: {first}",
        fontsize=10.5,
        color=MUTED,
        va="center",
    )
    fig.text(0.012, 0.878, second[:1].upper() + second[1:], fontsize=10.5, color=INK, va="center")
    _legend(fig, items, style, (0.792, 0.855), "upper left", ncol=1)
    _source(fig, result, frame)
    return fig


def _legend(
    fig: Figure,
    items: dict[str, Any],
    style: Style,
    anchor: tuple[float, float],
    loc: Literal["upper left", "upper right"],
    ncol: int,
) -> None:
    handles = _ordered(items, style)
    title = "Colour: " + ("commodity" if style.colour_by == "commodity" else "corridor")
    widths = _width_key(style)
    leg = fig.legend(
        handles=handles,
        loc=loc,
        bbox_to_anchor=anchor,
        fontsize=8.5,
        title=title,
        title_fontsize=9,
        frameon=False,
        alignment="left",
        ncol=ncol,
    )
    fig.add_artist(leg)
    if widths:
        y = anchor[1]
        if ncol == 1:
            canvas = fig.canvas
            assert isinstance(canvas, FigureCanvasAgg)
            renderer = canvas.get_renderer()
            bb = leg.get_window_extent(renderer).transformed(fig.transFigure.inverted())
            y = bb.y0 - 0.02
            anchor2: tuple[float, float] = (anchor[0], y)
            loc2: Literal["upper left", "upper right"] = "upper left"
        else:
            anchor2 = (0.99, anchor[1])
            loc2 = "upper right"
        fig.legend(
            handles=widths,
            loc=loc2,
            bbox_to_anchor=anchor2,
            fontsize=8.5,
            title="Line width: energy carried",
            title_fontsize=9,
            frameon=False,
            alignment="left",
            handlelength=3,
            ncol=1 if ncol == 1 else len(widths),
        )


def _source(fig: Figure, result: Result, frame: Frame) -> None:
    fig.text(
        0.012,
        0.022,
        f"{SOURCE_LINE}. Projection: {frame.crs_name}. Scenario file: "
        f"{Path(result.scenario.source).name if result.scenario.source else '(in memory)'}.",
        fontsize=7.5,
        color=MUTED,
        va="center",
    )


def figure_compare(
    before: Result,
    after: Result,
    colour_by: str = "commodity",
    dpi: int = DEFAULT_DPI,
) -> Figure:
    """Before (left) and after (right) on one figure: same frame, same width scale."""
    frame = make_frame([before, after])
    style = make_style([before, after], colour_by)
    fig = new_figure(SLIDE_SIZE, dpi)
    items: dict[str, Any] = {}
    for i, (res, tag) in enumerate(((before, "Before"), (after, "After"))):
        ax = fig.add_axes((0.012 + i * 0.494, 0.2, 0.482, 0.6))
        draw_panel(fig, ax, res, frame, style, items)
        first, second = headline_lines(res, compact=True)
        ax.set_title(
            f"{tag}: “{res.scenario.name}”, {period_text(res)}\n{first}\n{second}",
            fontsize=8.5,
            loc="left",
            color=INK,
            linespacing=1.35,
        )
    pair = compare_results(before, after)
    fig.text(
        0.012,
        0.958,
        f"Disruption impact: “{after.scenario.name}” against “{before.scenario.name}”",
        fontsize=16,
        fontweight="bold",
        color=INK,
        va="center",
    )
    fig.text(0.012, 0.915, f"Change: {pair.change_text()}", fontsize=10, color=INK, va="center",
             wrap=True)  # fmt: skip
    basis = textwrap.wrap(pair.basis_text(), 230)
    fig.text(0.012, 0.893, "\n".join(basis[:2]), fontsize=8, color=MUTED, va="top")
    _legend(fig, items, style, (0.012, 0.19), "upper left", ncol=5)
    _source(fig, after, frame)
    return fig


def save_figure(fig: Figure, paths: Iterable[Path]) -> list[Path]:
    """Save one figure to each path (format from the extension), atomically."""
    out = []
    for p in paths:
        p = Path(p)
        fmt = p.suffix.lstrip(".").lower()
        # text stays text in SVG and PDF (editable, searchable)
        with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
            atomic_write(p, partial(fig.savefig, format=fmt, dpi=fig.dpi))
        out.append(p)
    return out


def png_bytes(fig: Figure, dpi: int | None = None) -> bytes:
    """The figure as PNG bytes (at its own dpi unless ``dpi`` is given)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi)
    return buf.getvalue()


def plot_flows(
    result: Result, path: Path, dpi: int = DEFAULT_DPI, colour_by: str = "commodity"
) -> Path:
    """Draw the briefing map of ``result`` to ``path`` (PNG, SVG or PDF by extension)."""
    fig = figure_map(result, colour_by=colour_by, dpi=dpi)
    save_figure(fig, [Path(path)])
    return Path(path)


def plot_compare(
    before: Result, after: Result, path: Path, dpi: int = DEFAULT_DPI, colour_by: str = "commodity"
) -> Path:
    """Before/after figure of two results to ``path``."""
    fig = figure_compare(before, after, colour_by=colour_by, dpi=dpi)
    save_figure(fig, [Path(path)])
    return Path(path)


__all__ = [
    "draw_panel",
    "figure_compare",
    "figure_map",
    "new_figure",
    "plot_compare",
    "plot_flows",
    "png_bytes",
    "save_figure",
]
