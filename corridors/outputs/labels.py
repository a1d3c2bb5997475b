"""Label placement on the static maps: each label is placed greedily around its anchor,
measured with the figure's renderer, so that no two labels (or a label and a marker) overlap;
a displaced label gets a leader line to its anchor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from corridors.outputs.style import INK

FONT_SIZE = 8.5
"""Points: the labels' text."""


@dataclass
class Label:
    """A text to place near the anchor ``(x, y)`` (data coordinates); higher priority first."""

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
    first two rings get a leader line to their anchor. ``fig`` needs a canvas that can measure
    text (:func:`corridors.outputs.maps.new_figure` gives one).
    """
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg), "measuring labels needs an Agg canvas"
    renderer = canvas.get_renderer()
    axbox = ax.get_window_extent(renderer)
    taken = list(obstacles)
    dirs = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    rings = (2, 7, 14, 24, 36, 50, 66, 84)
    style = {"boxstyle": "round,pad=0.25", "fc": "white", "ec": "#cccccc", "lw": 0.4}
    # the white box drawn around a label reaches pad x font size beyond its text: measure that
    margin = 0.25 * FONT_SIZE * fig.dpi / 72.0 + 1.0
    placed = []
    for lab in sorted(labels, key=lambda item: -item.priority):
        ann = ax.annotate(
            lab.text,
            (lab.x, lab.y),
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=FONT_SIZE,
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
                bb = ann.get_window_extent(renderer).padded(margin)
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
            fontsize=FONT_SIZE,
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


def marker_box(ax: Any, x: float, y: float, half_pt: float, dpi: float) -> Bbox:
    """The display box of a marker of half-size ``half_pt`` points at data point (x, y): an
    obstacle for :func:`place_labels`."""
    px, py = ax.transData.transform((x, y))
    h = half_pt * dpi / 72.0
    return Bbox.from_extents(px - h, py - h, px + h, py + h)


__all__ = ["Label", "marker_box", "place_labels"]
