"""One result drawn into a matplotlib axes (:func:`draw_panel`): basemap, flow lines, disrupted
links, points (supply, demand regions, reserve sites, stock building given up, shortfalls,
chokepoints; each layer drawn by :func:`_draw_points`, which gives its legend entry the same
marker) and their labels. The briefing map and the before/after figure
(:mod:`corridors.outputs.maps`) draw their panels with it and add the titles and the legend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from corridors.core.results import Result
from corridors.outputs.geo import Frame, line_parts, projected_basemap
from corridors.outputs.labels import Label, marker_box, place_labels
from corridors.outputs.layers import chokepoint_table, link_flows, node_table
from corridors.outputs.maps_text import shortfall_labels, unmet_by_node
from corridors.outputs.style import BORDER, CHOKE, CUT, INK, LAND, OCEAN, Style, short_label

#: stock building given up: a muted grey, not the red of a shortage
GIVEN_UP = "#8a8a8a"
GIVEN_UP_FILL = (0.55, 0.55, 0.55, 0.12)
SHORT_FILL = (0.84, 0.15, 0.16, 0.18)


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


def _draw_points(
    ax: Any,
    legend_items: dict[str, Any],
    key: str,
    pts: pd.DataFrame,
    label: str,
    *,
    size: Any,
    face: str | tuple[float, float, float, float],
    edge: str,
    lw: float,
    zorder: float,
    ms: float,
    marker: str = "o",
    linestyle: Any = "solid",
) -> None:
    """Scatter the points ``pts`` (columns ``x``, ``y``, projected) as ``marker`` of area
    ``size`` (pt², one value or one per point) filled with ``face``, outlined with ``edge`` of
    width ``lw`` and style ``linestyle``; when there are any points, add under ``key`` (once) a
    legend handle ``label`` with the same marker and colours, ``ms`` points wide. The scatter
    is drawn even without points (an empty layer: nothing shows)."""
    ax.scatter(pts["x"], pts["y"], s=size, marker=marker, facecolors=face, edgecolors=edge,
               linewidths=lw, linestyles=linestyle, zorder=zorder)  # fmt: skip
    if len(pts):
        legend_items.setdefault(
            key,
            Line2D(
                [0],
                [0],
                marker=marker,
                color="w",
                markerfacecolor=face,
                markeredgecolor=edge,
                ms=ms,
                label=label,
            ),
        )


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
    _draw_points(ax, legend_items, "supply", sup, "supply",
                 size=12, face="#4a4a4a", edge="white", lw=0.4, zorder=6, ms=5)  # fmt: skip
    split = unmet_by_node(result).reindex(pts["id"]).fillna(0.0)
    for col in split.columns:
        pts[col] = split[col].to_numpy()
    dem = pts[pts["consumption"] > 0]
    _draw_points(ax, legend_items, "demand", dem, "demand region", marker="s",
                 size=34, face=INK, edge="white", lw=0.6, zorder=7, ms=6)  # fmt: skip
    for r in dem.itertuples():
        obstacles.append(marker_box(ax, r.x, r.y, 4, dpi))
    sites = pts[(pts["stock_building"] > 0) & (pts["consumption"] <= 0)]
    if len(sites):  # reserve sites that only build stocks: small, muted, not labelled
        _draw_points(ax, legend_items, "sites", sites, "reserve site (stock building)",
                     marker="^", size=14, face=GIVEN_UP, edge="white", lw=0.4, zorder=6,
                     ms=5)  # fmt: skip
    ref = max(float(pts["consumption"].max()) if len(pts) else 0.0, 1e-9)

    def area(pj: Any) -> Any:
        return 60 + 1400 * pj / ref

    given = pts[pts["given_up"] > 1e-6]
    if len(given):  # stock building given up: grey, dashed, beneath any shortage, no label
        _draw_points(ax, legend_items, "given_up", given,
                     "stock building given up\n(area ∝ PJ; not a shortage)",
                     size=area(given["given_up"]), face=GIVEN_UP_FILL, edge=GIVEN_UP, lw=1.0,
                     linestyle=(0, (2, 1.5)), zorder=7.5, ms=9)  # fmt: skip
    short = pts[pts["shortfall"] > 1e-6]
    if len(short):
        _draw_points(ax, legend_items, "unmet", short,
                     "shortfall of consumption\n(area ∝ PJ; % of the region's\n"
                     "consumption of it)",
                     size=area(short["shortfall"]), face=SHORT_FILL, edge=CUT, lw=1.6, zorder=8,
                     ms=11)  # fmt: skip
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
        _draw_points(ax, legend_items, "choke", ok, "chokepoint\n(% of energy imports)",
                     marker="D", size=70, face=CHOKE, edge=INK, lw=0.7, zorder=9,
                     ms=8)  # fmt: skip
    if len(bad):
        _draw_points(ax, legend_items, "chokecut", bad, "disrupted chokepoint",
                     marker="X", size=150, face=CUT, edge=INK, lw=0.8, zorder=10,
                     ms=10)  # fmt: skip
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


__all__ = ["GIVEN_UP", "GIVEN_UP_FILL", "SHORT_FILL", "draw_panel"]
