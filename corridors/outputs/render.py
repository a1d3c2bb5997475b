"""Write any of the map formats of a result (:func:`render`): static figures from
:mod:`corridors.outputs.maps` (PNG, SVG, PDF), GIS layers from :mod:`corridors.outputs.layers`
(GeoPackage, GeoJSON) and the interactive, self-contained HTML map from
:mod:`corridors.outputs.webmap`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from corridors.core.results import Result
from corridors.errors import CorridorsError, Problem, suggest
from corridors.outputs.layers import write_geojson, write_gpkg
from corridors.outputs.maps import figure_compare, figure_map, save_figure
from corridors.outputs.style import COLOUR_BY, DEFAULT_DPI
from corridors.outputs.webmap import write_html_map

FORMATS = ("png", "svg", "pdf", "gpkg", "geojson", "html")


def parse_formats(spec: str | Sequence[str]) -> list[str]:
    """``"png,svg"`` -> ["png", "svg"]; unknown formats raise :class:`CorridorsError`."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    fmts = [f.strip().lower().lstrip(".") for f in items if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
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
        written += save_figure(fig, [out / f"{name}.{f}" for f in static])
    if "gpkg" in fmts:
        written.append(write_gpkg(result, out / "flows.gpkg"))
    if "geojson" in fmts:
        written += write_geojson(result, out / "geojson")
    if "html" in fmts:
        written.append(write_html_map(result, out / f"{stem}.html", colour_by))
    return written


__all__ = ["FORMATS", "parse_formats", "render"]
