"""The look shared by every map (static and interactive) and the report: colours, names,
figure size, the source line, the width and colour scales (:class:`Style`) and the short texts
(labels, period) drawn on a map. The headline under a map's title (imports, cost, shortfall of
consumption, stock building given up) is :func:`corridors.outputs.maps.headline_lines`, shared
by the static and the interactive map. No matplotlib here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from corridors.core.results import Result
from corridors.errors import CorridorsError
from corridors.outputs.layers import link_flows
from corridors.units import DAYS_PER_YEAR

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
    """One width scale (the peak flow of all ``results``) and one colour per commodity or
    corridor; a :class:`CorridorsError` for an unknown ``colour_by``."""
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


def short_label(name: str, ident: str) -> str:
    """The name of a node without its parenthesised remark (the id when it has no name)."""
    return (name or ident).split(" (")[0]


def period_text(result: Result) -> str:
    """The horizon in words: "one year", "60-day horizon" or "4 periods of 15 days"."""
    h = result.scenario.horizon
    if h.periods == 1:
        return f"{h.period_days:g}-day horizon" if h.period_days != DAYS_PER_YEAR else "one year"
    return f"{h.periods} periods of {h.period_days:g} days"


__all__ = [
    "COLOUR_BY",
    "DEFAULT_DPI",
    "NICE_NAMES",
    "SLIDE_SIZE",
    "SOURCE_LINE",
    "Style",
    "make_style",
    "period_text",
    "short_label",
]
