"""Static maps of a result (PNG, SVG, PDF), and :func:`render`, which writes any of the map
formats: static figures here, GIS layers from :mod:`corridors.outputs.layers` (GeoPackage, GeoJSON) and
the interactive, self-contained HTML map from :mod:`corridors.outputs.webmap`.

Static maps use a projection chosen from the extent shown (:func:`choose_crs`): Equal Earth for
near-global extents, Lambert azimuthal equal-area near the equator, Albers equal-area conic
otherwise, all centred on the region. The Natural Earth basemap is clipped to a box around the
region *before* projecting, so no country polygon wraps across the antimeridian.

Flow lines: width ∝ energy carried (PJ per year, linear), colour by commodity or corridor.
Chokepoints are labelled with their share of energy imports; labels are placed greedily around
their anchor, measured with the renderer, so that no two labels (or a label and a marker)
overlap; a displaced label gets a leader line. Disrupted links are dashed red, disrupted
chokepoints a red cross.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402
from pyproj import CRS, Transformer  # noqa: E402
from shapely.geometry import box  # noqa: E402

from corridors.core.results import Result  # noqa: E402
from corridors.errors import CorridorsError, Problem  # noqa: E402
from corridors.io.files import atomic_write  # noqa: E402
from corridors.outputs.layers import (  # noqa: E402
    CRS_WGS84,
    chokepoint_table,
    link_flows,
    node_table,
    pj_factors,
    write_geojson,
    write_gpkg,
    years,
)

FORMATS = ("png", "svg", "pdf", "gpkg", "geojson", "html")
COLOUR_BY = ("commodity", "corridor")
COMMODITY_COLOURS = {
    "crude_oil": "#6b4423",
    "lng": "#1f78b4",
    "pipeline_gas": "#2e9e44",
}
PALETTE = [
    "#1f78b4",
    "#e6550d",
    "#2e9e44",
    "#8e44ad",
    "#b8860b",
    "#17a2b8",
    "#c2185b",
    "#6b4423",
    "#7f8c8d",
    "#2c3e50",
]
NICE_NAMES = {"lng": "LNG", "crude_oil": "crude oil", "pipeline_gas": "pipeline gas"}
CUT = "#d62728"
CHOKE = "#f28e2b"
OCEAN = "#dde9f3"
LAND = "#f5f2ea"
BORDER = "#a8a8a8"
INK = "#222222"
MUTED = "#5a5a5a"
SOURCE_LINE = (
    "Source: corridors model run; network and volumes: geodata/SOURCES.md; "
    "country outlines: Natural Earth 1:110m"
)
SLIDE_SIZE = (13.333, 7.5)  # inches: 16:9 slide
DEFAULT_DPI = 200


# --------------------------------------------------------------------------- projection


def choose_crs(bounds: Sequence[float]) -> tuple[CRS, str]:
    """A projection for a lon/lat box ``(west, south, east, north)`` and its name.

    Wider than 100° or taller than 70°: Equal Earth centred on the box; straddling the equator
    or within 15° of it: Lambert azimuthal equal-area at the centre; otherwise Albers
    equal-area conic with standard parallels at 1/6 and 5/6 of the box's height.
    """
    w, s, e, n = bounds
    lon0 = (w + e) / 2.0
    lat0 = (s + n) / 2.0
    if e - w > 100 or n - s > 70:
        return CRS.from_proj4(f"+proj=eqearth +lon_0={lon0:.2f} +datum=WGS84 +units=m"), (
            "Equal Earth"
        )
    if s < 0 < n or abs(lat0) < 15:
        proj = f"+proj=laea +lat_0={lat0:.2f} +lon_0={lon0:.2f} +datum=WGS84 +units=m"
        return CRS.from_proj4(proj), "Lambert azimuthal equal-area"
    h = n - s
    proj = (
        f"+proj=aea +lat_1={s + h / 6:.2f} +lat_2={n - h / 6:.2f} +lat_0={lat0:.2f} "
        f"+lon_0={lon0:.2f} +datum=WGS84 +units=m"
    )
    return CRS.from_proj4(proj), "Albers equal-area conic"


@functools.lru_cache(maxsize=4)
def _basemap(path: str, mtime: float) -> gpd.GeoDataFrame:
    world = gpd.read_file(path, engine="pyogrio")
    return world.to_crs(CRS_WGS84) if world.crs is not None else world.set_crs(CRS_WGS84)


def basemap(result: Result) -> gpd.GeoDataFrame | None:
    """The scenario's country outlines (EPSG:4326), or None when it has none."""
    p = result.network.basemap
    if p is None or not Path(p).exists():
        return None
    return _basemap(str(p), Path(p).stat().st_mtime)


def _reproject(tr: Transformer, geom: Any) -> Any:
    def f(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, f)


@dataclass
class Frame:
    """A map frame: projection, lon/lat box of the data, projected limits."""

    crs: CRS
    crs_name: str
    lonlat: tuple[float, float, float, float]
    limits: tuple[float, float, float, float]
    to_map: Transformer

    def project(self, geom: Any) -> Any:
        return _reproject(self.to_map, geom)


def make_frame(results: Iterable[Result]) -> Frame:
    """Frame everything that carries flow, is disrupted or has demand, in all ``results``."""
    bounds = []
    for r in results:
        lf = link_flows(r)
        nodes = node_table(r)
        show = lf[(lf["flow"] > 1e-9) | lf["disrupted"]]
        keep = nodes[(nodes["demand_pj"] > 0) | (nodes["supplied_pj"] > 0) | nodes["disrupted"]]
        keep = pd.concat([keep, nodes[nodes["kind"] == "chokepoint"]])
        for g in (show.geometry, keep.geometry):
            g = g[~g.is_empty & g.notna()]
            if len(g):
                bounds.append(g.total_bounds)
        if not bounds and len(nodes):
            bounds.append(nodes.geometry.total_bounds)
    if not bounds:
        raise CorridorsError("nothing to draw: the result has no nodes")
    b = np.array(bounds)
    w, s, e, n = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    padx = max(3.0, (e - w) * 0.05)
    pady = max(2.5, (n - s) * 0.07)
    w, e = max(-180.0, w - padx), min(180.0, e + padx)
    s, n = max(-85.0, s - pady), min(85.0, n + pady)
    crs, name = choose_crs((w, s, e, n))
    to_map = Transformer.from_crs(CRS_WGS84, crs, always_xy=True)
    outline = _reproject(to_map, box(w, s, e, n).segmentize(1.0))
    return Frame(crs, name, (w, s, e, n), tuple(outline.bounds), to_map)  # type: ignore[arg-type]


def projected_basemap(result: Result, frame: Frame) -> gpd.GeoSeries | None:
    world = basemap(result)
    if world is None:
        return None
    w, s, e, n = frame.lonlat
    lon0 = (w + e) / 2
    # Generous margin (the axes may show more than the data box), never across lon0 ± 180.
    mx, my = max(25.0, (e - w) * 0.6), max(20.0, (n - s) * 0.6)
    clip = box(
        max(-180.0, lon0 - 179.0, w - mx),
        max(-89.0, s - my),
        min(180.0, lon0 + 179.0, e + mx),
        min(89.0, n + my),
    )
    geoms = world.geometry.clip(clip)
    geoms = geoms[~geoms.is_empty]
    return geoms.to_crs(frame.crs)


# --------------------------------------------------------------------------- colours & scales


def _nice(v: float) -> float:
    """Round down to 1, 2 or 5 × 10^k."""
    if v <= 0:
        return 0.0
    k = math.floor(math.log10(v))
    for m in (5, 2, 1):
        if m * 10**k <= v:
            return float(m * 10**k)
    return float(10**k)


@dataclass
class Style:
    """Shared scales so that panels of one figure are comparable."""

    colour_by: str
    colours: dict[str, str]
    peak_pj: float
    min_width: float = 0.5
    max_width: float = 9.0

    def width(self, pj: np.ndarray | float) -> np.ndarray:
        return self.min_width + (self.max_width - self.min_width) * np.asarray(pj) / max(
            self.peak_pj, 1e-12
        )

    def key(self, row: Any) -> str:
        if self.colour_by == "corridor":
            c = row["corridor"]
            return str(c) if isinstance(c, str) and c else "(no corridor)"
        return str(row["commodity"])

    def label(self, key: str) -> str:
        return NICE_NAMES.get(key, key.replace("_", " "))


def make_style(results: Sequence[Result], colour_by: str = "commodity") -> Style:
    if colour_by not in COLOUR_BY:
        raise CorridorsError(
            f"--colour-by must be one of {', '.join(COLOUR_BY)} (got {colour_by!r})"
        )
    peak = 0.0
    keys: list[str] = []
    for r in results:
        lf = link_flows(r)
        peak = max(peak, float(lf["pj_per_year"].max()) if len(lf) else 0.0)
        if colour_by == "commodity":
            keys += [c for c in r.scenario.commodities if c not in keys]
        else:
            keys += [c for c in r.network.corridors if c not in keys]
    colours: dict[str, str] = {}
    free = [c for c in PALETTE if colour_by == "corridor" or c not in COMMODITY_COLOURS.values()]
    for i, k in enumerate(keys):
        if colour_by == "commodity" and k in COMMODITY_COLOURS:
            colours[k] = COMMODITY_COLOURS[k]
        else:
            colours[k] = free[i % len(free)]
    colours["(no corridor)"] = "#8c8c8c"
    return Style(colour_by, colours, peak or 1.0)


# --------------------------------------------------------------------------- drawing


def short_label(name: str, ident: str) -> str:
    return (name or ident).split(" (")[0]


def line_parts(geom: Any) -> list[np.ndarray]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "LineString":
        return [np.asarray(geom.coords)[:, :2]]
    if hasattr(geom, "geoms"):
        return [seg for g in geom.geoms for seg in line_parts(g)]
    return []


@dataclass
class Label:
    x: float
    y: float
    text: str
    colour: str = INK
    weight: str = "normal"
    priority: float = 0.0
    marker_pt: float = 4.0


def place_labels(fig: Figure, ax: Any, labels: list[Label], obstacles: list[Bbox]) -> list[Any]:
    """Greedy label placement without overlaps.

    Labels are placed in order of priority. Each tries 8 directions on rings of growing radius
    around its anchor; the first candidate whose text box (measured by the renderer) stays
    inside the axes and clears every placed label and marker wins. Labels placed beyond the
    first two rings get a leader line to their anchor.
    """
    renderer = fig.canvas.get_renderer()
    axbox = ax.get_window_extent(renderer)
    taken = list(obstacles)
    dirs = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    rings = (2, 7, 14, 24, 36, 50, 66, 84)
    style = {"boxstyle": "round,pad=0.25", "fc": "white", "ec": "#cccccc", "lw": 0.4}
    placed = []
    for lab in sorted(labels, key=lambda item: -item.priority):
        ann = ax.annotate(
            lab.text,
            (lab.x, lab.y),
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=8.5,
            color=lab.colour,
            fontweight=lab.weight,
            zorder=20,
            bbox={**style, "alpha": 0.88},
        )
        choice = None
        fallback = None
        for ring, r in enumerate(rings):
            for dx, dy in dirs:
                d = lab.marker_pt + r
                norm = math.hypot(dx, dy)
                off = (dx * d / norm * (1.0 if dy == 0 else 1.2), dy * d / norm)
                ann.set_ha("left" if dx > 0 else "right" if dx < 0 else "center")
                ann.set_va("bottom" if dy > 0 else "top" if dy < 0 else "center")
                ann.xyann = off
                bb = ann.get_window_extent(renderer).padded(2)
                inside = (
                    bb.x0 >= axbox.x0
                    and bb.x1 <= axbox.x1
                    and bb.y0 >= axbox.y0
                    and bb.y1 <= axbox.y1
                )
                if not inside:
                    continue
                if fallback is None:
                    fallback = (off, ann.get_ha(), ann.get_va(), bb, ring)
                if not any(bb.overlaps(t) for t in taken):
                    choice = (off, ann.get_ha(), ann.get_va(), bb, ring)
                    break
            if choice:
                break
        ann.remove()
        off, ha, va, bb, ring = choice or fallback or ((6, 6), "left", "bottom", None, 0)
        arrow = (
            {"arrowstyle": "-", "color": "#555555", "lw": 0.7, "shrinkA": 0, "shrinkB": 2}
            if ring >= 2
            else None
        )
        final = ax.annotate(
            lab.text,
            (lab.x, lab.y),
            xytext=off,
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=8.5,
            color=lab.colour,
            fontweight=lab.weight,
            zorder=20,
            bbox={**style, "alpha": 0.88},
            arrowprops=arrow,
        )
        if bb is not None:
            taken.append(bb)
        placed.append(final)
    return placed


def _marker_box(ax: Any, x: float, y: float, half_pt: float, dpi: float) -> Bbox:
    px, py = ax.transData.transform((x, y))
    h = half_pt * dpi / 72.0
    return Bbox.from_extents(px - h, py - h, px + h, py + h)


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
        obstacles.append(_marker_box(ax, r.x, r.y, 4, dpi))
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
        obstacles.append(_marker_box(ax, r.x, r.y, 6, dpi))
        s = float(share.get(r.id, 0.0))
        name = short_label(r.name, r.id)
        if r.disrupted:
            state = "closed" if r.availability_min <= 1e-9 else f"at {r.availability_min:.0%}"
            text = f"{name} · {state}" + (f" · {s:.0%}" if s >= 0.005 else "")
            labels.append(Label(r.x, r.y, text, CUT, "bold", 1e9 + s, 7))
        else:
            labels.append(Label(r.x, r.y, f"{name} · {s:.0%}", INK, "normal", s, 5))
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


def headline_text(result: Result) -> str:
    pj = pj_factors(result)
    total = float((result.supply["supplied"] * result.supply["commodity"].map(pj)).sum())
    dem = float((result.unmet["demand"] * result.unmet["commodity"].map(pj)).sum())
    unmet = result.unmet_pj()
    n_years = years(result)
    parts = [f"imports {total / n_years:,.0f} PJ/yr"]
    if result.objective == result.objective:
        parts.append(f"cost USD {result.objective / 1e9:,.1f} bn")
    if unmet > 1e-6:
        parts.append(f"unmet demand {unmet:,.0f} PJ ({unmet / max(dem, 1e-9):.1%})")
    else:
        parts.append("all demand met")
    if not result.is_ok:
        parts.append(f"solver status: {result.status.value}")
    return " · ".join(parts)


def _period_text(result: Result) -> str:
    h = result.scenario.horizon
    if h.periods == 1:
        return f"{h.period_days:g}-day horizon" if h.period_days != 365 else "one year"
    return f"{h.periods} periods of {h.period_days:g} days"


def figure_map(
    result: Result,
    colour_by: str = "commodity",
    dpi: int = DEFAULT_DPI,
    title: str | None = None,
) -> Figure:
    """A 16:9 briefing map of one result (legend on the right, title, source line)."""
    frame = make_frame([result])
    style = make_style([result], colour_by)
    fig = plt.figure(figsize=SLIDE_SIZE, dpi=dpi, facecolor="white")
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
        f"Optimal flows over {_period_text(result)}: {headline_text(result)}",
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
    loc: str,
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
            renderer = fig.canvas.get_renderer()
            bb = leg.get_window_extent(renderer).transformed(fig.transFigure.inverted())
            y = bb.y0 - 0.02
            anchor2: tuple[float, float] = (anchor[0], y)
            loc2 = "upper left"
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
    fig = plt.figure(figsize=SLIDE_SIZE, dpi=dpi, facecolor="white")
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
        with plt.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
            atomic_write(p, lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, dpi=fig.dpi))
        out.append(p)
    return out


def png_bytes(fig: Figure, dpi: int | None = None) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi or fig.dpi)
    return buf.getvalue()


def plot_flows(
    result: Result, path: Path, dpi: int = DEFAULT_DPI, colour_by: str = "commodity"
) -> Path:
    """Draw the briefing map of ``result`` to ``path`` (PNG, SVG or PDF by extension)."""
    fig = figure_map(result, colour_by=colour_by, dpi=dpi)
    try:
        save_figure(fig, [Path(path)])
    finally:
        plt.close(fig)
    return Path(path)


def plot_compare(
    before: Result, after: Result, path: Path, dpi: int = DEFAULT_DPI, colour_by: str = "commodity"
) -> Path:
    """Before/after figure of two results to ``path``."""
    fig = figure_compare(before, after, colour_by=colour_by, dpi=dpi)
    try:
        save_figure(fig, [Path(path)])
    finally:
        plt.close(fig)
    return Path(path)


# --------------------------------------------------------------------------- entry point


def parse_formats(spec: str | Sequence[str]) -> list[str]:
    """``"png,svg"`` -> ["png", "svg"]; unknown formats raise :class:`CorridorsError`."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    fmts = [f.strip().lower().lstrip(".") for f in items if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        from corridors.errors import suggest

        msg = "; ".join(f"unknown format {b!r}{suggest(b, FORMATS)}" for b in bad) or "no format"
        raise CorridorsError(Problem("", "--format", f"{msg}; choose from {', '.join(FORMATS)}"))
    return list(dict.fromkeys(fmts))


def render(
    result: Result,
    out_dir: str | Path,
    formats: str | Sequence[str] = ("png",),
    colour_by: str = "commodity",
    compare: Result | None = None,
    dpi: int = DEFAULT_DPI,
    stem: str = "map",
) -> list[Path]:
    """Write the requested formats of ``result`` into ``out_dir``; return the paths.

    png/svg/pdf: ``map.<ext>`` (or ``compare.<ext>`` before/after when ``compare`` is the
    baseline); gpkg: ``flows.gpkg``; geojson: ``geojson/<layer>.geojson``; html: ``map.html``.
    """
    fmts = parse_formats(formats)
    if colour_by not in COLOUR_BY:
        raise CorridorsError(
            Problem("", "--colour-by", f"must be one of {', '.join(COLOUR_BY)} (got {colour_by!r})")
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    static = [f for f in fmts if f in ("png", "svg", "pdf")]
    if static:
        if compare is not None:
            fig = figure_compare(compare, result, colour_by=colour_by, dpi=dpi)
            name = "compare"
        else:
            fig = figure_map(result, colour_by=colour_by, dpi=dpi)
            name = stem
        try:
            written += save_figure(fig, [out / f"{name}.{f}" for f in static])
        finally:
            plt.close(fig)
    if "gpkg" in fmts:
        written.append(write_gpkg(result, out / "flows.gpkg"))
    if "geojson" in fmts:
        written += write_geojson(result, out / "geojson")
    if "html" in fmts:
        from corridors.outputs.webmap import write_html_map  # webmap imports this module

        written.append(write_html_map(result, out / f"{stem}.html", colour_by))
    return written


__all__ = [
    "FORMATS",
    "choose_crs",
    "figure_compare",
    "figure_map",
    "parse_formats",
    "place_labels",
    "plot_compare",
    "plot_flows",
    "render",
]
