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
The map texts (:mod:`corridors.outputs.maps_text`, shared with the interactive map) and the
drawing of one result into an axes (:mod:`corridors.outputs.maps_panel`) live apart and are
importable from here too.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any, Literal

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from corridors.analysis.compare import compare_results
from corridors.core.results import Result
from corridors.io.files import atomic_write
from corridors.outputs.geo import Frame, make_frame
from corridors.outputs.maps_panel import GIVEN_UP, GIVEN_UP_FILL, SHORT_FILL, draw_panel
from corridors.outputs.maps_text import (
    cost_text,
    headline_lines,
    shortfall_labels,
    shortfall_text,
    unmet_by_node,
)
from corridors.outputs.style import (
    DEFAULT_DPI,
    INK,
    MUTED,
    SLIDE_SIZE,
    SOURCE_LINE,
    Style,
    make_style,
    period_text,
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
    "GIVEN_UP",
    "GIVEN_UP_FILL",
    "SHORT_FILL",
    "cost_text",
    "draw_panel",
    "figure_compare",
    "figure_map",
    "headline_lines",
    "new_figure",
    "plot_compare",
    "plot_flows",
    "png_bytes",
    "save_figure",
    "shortfall_labels",
    "shortfall_text",
    "unmet_by_node",
]
