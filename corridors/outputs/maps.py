"""Static maps of a result (PNG, SVG, PDF): the briefing map of one result
(:func:`figure_map`) and the before/after figure of two (:func:`figure_compare`), drawn with
matplotlib's object API (no pyplot, no global backend).

Flow lines: width ∝ energy carried (PJ per year, linear), colour by commodity or corridor.
Chokepoints are labelled with their share of energy imports (placed by
:mod:`corridors.outputs.labels`). Disrupted links are dashed red, disrupted chokepoints a red
cross. Projection and basemap: :mod:`corridors.outputs.geo`; colours and scales:
:mod:`corridors.outputs.style`. All map formats at once: :func:`corridors.outputs.render.render`.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from corridors.core.results import Result
from corridors.io.files import atomic_write
from corridors.outputs.geo import Frame, line_parts, make_frame, projected_basemap
from corridors.outputs.labels import Label, marker_box, place_labels
from corridors.outputs.layers import chokepoint_table, link_flows, node_table
from corridors.outputs.style import (
    BORDER,
    CHOKE,
    CUT,
    DEFAULT_DPI,
    INK,
    LAND,
    MUTED,
    OCEAN,
    SLIDE_SIZE,
    SOURCE_LINE,
    Style,
    headline_text,
    make_style,
    period_text,
    short_label,
)


def new_figure(figsize: tuple[float, float], dpi: float, facecolor: str = "white") -> Figure:
    """A figure with an Agg canvas of its own (not registered with pyplot), so that text can
    be measured (label placement, legend stacking) before it is saved."""
    fig = Figure(figsize=figsize, dpi=dpi, facecolor=facecolor)
    FigureCanvasAgg(fig)
    return fig


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
    dem = pts[pts["demand_pj"] > 0]
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
    short = pts[pts["unmet_pj"] > 1e-6]
    if len(short):
        ref = max(float(pts["demand_pj"].max()), 1e-9)
        size = 60 + 1400 * short["unmet_pj"] / ref
        ax.scatter(
            short["x"],
            short["y"],
            s=size,
            facecolors=(0.84, 0.15, 0.16, 0.18),
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
                markerfacecolor=(0.84, 0.15, 0.16, 0.18),
                markeredgecolor=CUT,
                ms=11,
                label="unmet demand (area ∝ PJ)",
            ),
        )
        for r in short.itertuples():
            labels.append(
                Label(
                    r.x,
                    r.y,
                    f"{short_label(r.name, r.id)}: {r.unmet_pj:,.0f} PJ unmet ({r.unmet_share:.0%})",
                    colour=CUT,
                    weight="bold",
                    priority=2e9 + r.unmet_pj,
                    marker_pt=6 + 0.5 * math.sqrt(60 + 1400 * r.unmet_pj / ref),
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
    order = ["choke", "chokecut", "cut", "idle", "demand", "supply", "unmet"]
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
    ax = fig.add_axes((0.012, 0.075, 0.77, 0.80))
    items: dict[str, Any] = {}
    draw_panel(fig, ax, result, frame, style, items)
    sc = result.scenario
    fig.text(
        0.012,
        0.955,
        title or f"Energy import flows — scenario “{sc.name}”",
        fontsize=17,
        fontweight="bold",
        color=INK,
        va="center",
    )
    fig.text(
        0.012,
        0.905,
        f"Optimal flows over {period_text(result)}: {headline_text(result)}",
        fontsize=10.5,
        color=MUTED,
        va="center",
    )
    _legend(fig, items, style, (0.792, 0.875), "upper left", ncol=1)
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
        ax = fig.add_axes((0.012 + i * 0.494, 0.2, 0.482, 0.64))
        draw_panel(fig, ax, res, frame, style, items)
        ax.set_title(
            f"{tag}: “{res.scenario.name}” — {headline_text(res)}",
            fontsize=9.5,
            loc="left",
            color=INK,
        )
    db = before.objective
    da = after.objective
    delta = ""
    if db == db and da == da:
        delta = f"cost {'+' if da >= db else '−'}USD {abs(da - db) / 1e9:,.1f} bn"
    du = after.unmet_pj() - before.unmet_pj()
    change = (
        "no change in unmet demand"
        if abs(du) < 0.5
        else f"unmet demand {'+' if du >= 0 else '−'}{abs(du):,.0f} PJ"
    )
    delta += f"{' · ' if delta else ''}{change}"
    fig.text(
        0.012,
        0.955,
        f"Disruption impact: “{after.scenario.name}” against “{before.scenario.name}”",
        fontsize=16,
        fontweight="bold",
        color=INK,
        va="center",
    )
    fig.text(0.012, 0.91, f"Change: {delta}", fontsize=10.5, color=MUTED, va="center")
    _legend(fig, items, style, (0.012, 0.185), "upper left", ncol=4)
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
