"""Map geometry: the projection chosen for a region (:func:`choose_crs`), the map frame of one
or more results (:class:`Frame`, :func:`make_frame`), the clipped and projected basemap and
line parts of projected geometries. Shared by the static and the interactive maps; no
matplotlib here.

Static maps use a projection chosen from the extent shown: Equal Earth for near-global
extents, Lambert azimuthal equal-area near the equator, Albers equal-area conic otherwise, all
centred on the region. The Natural Earth basemap is clipped to a box around the region
*before* projecting, so no country polygon wraps across the antimeridian.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import box

from corridors.core.results import Result
from corridors.errors import CorridorsError
from corridors.outputs.layers import CRS_WGS84, link_flows, node_table


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


def basemap(result: Result) -> gpd.GeoDataFrame | None:
    """The scenario's country outlines (EPSG:4326), read from its file, or None when it has
    none."""
    p = result.network.basemap
    if p is None or not Path(p).exists():
        return None
    world = gpd.read_file(str(p), engine="pyogrio")
    return world.to_crs(CRS_WGS84) if world.crs is not None else world.set_crs(CRS_WGS84)


def reproject(tr: Transformer, geom: Any) -> Any:
    """``geom`` (or an array of geometries) with its coordinates transformed by ``tr``."""

    def f(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, f)


@dataclass
class Frame:
    """A map frame: projection, lon/lat box of the data, projected limits.

    ``basemaps`` keeps the projected basemap of each basemap file once read
    (:func:`projected_basemap`), so the panels of one figure read it once.
    """

    crs: CRS
    crs_name: str
    lonlat: tuple[float, float, float, float]
    limits: tuple[float, float, float, float]
    to_map: Transformer
    basemaps: dict[str, gpd.GeoSeries | None] = field(default_factory=dict, repr=False)

    def project(self, geom: Any) -> Any:
        return reproject(self.to_map, split_antimeridian(geom))


def split_antimeridian(geom: Any) -> Any:
    """A line that crosses the antimeridian explicitly (a point on +-180 on each side, as the
    reference sea lanes across the Pacific do) as a MultiLineString of the parts on either
    side, so that no segment is drawn across the whole map; other geometries unchanged."""
    if geom is None or geom.geom_type != "LineString":
        return geom
    xy = np.asarray(geom.coords)[:, :2]
    if len(xy) < 2:
        return geom
    jump = (np.abs(xy[:-1, 0]) == 180) & (np.abs(xy[1:, 0]) == 180) & (xy[:-1, 0] != xy[1:, 0])
    if not jump.any():
        return geom
    cuts = np.flatnonzero(jump) + 1
    parts = [p for p in np.split(xy, cuts) if len(p) >= 2]
    return shapely.MultiLineString(parts) if parts else geom


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
    outline = reproject(to_map, box(w, s, e, n).segmentize(1.0))
    return Frame(crs, name, (w, s, e, n), tuple(outline.bounds), to_map)


def projected_basemap(result: Result, frame: Frame) -> gpd.GeoSeries | None:
    """The basemap of ``result`` clipped around ``frame`` and projected into it (None without
    a basemap); kept in ``frame.basemaps`` for the next call."""
    p = result.network.basemap
    key = str(p)
    if key not in frame.basemaps:
        frame.basemaps[key] = _clip_and_project(basemap(result), frame)
    return frame.basemaps[key]


def _clip_and_project(world: gpd.GeoDataFrame | None, frame: Frame) -> gpd.GeoSeries | None:
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


def line_parts(geom: Any) -> list[np.ndarray]:
    """The (x, y) coordinate arrays of every line in ``geom``; [] for none or a point."""
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "LineString":
        return [np.asarray(geom.coords)[:, :2]]
    if hasattr(geom, "geoms"):
        return [seg for g in geom.geoms for seg in line_parts(g)]
    return []


__all__ = [
    "Frame",
    "basemap",
    "choose_crs",
    "line_parts",
    "make_frame",
    "projected_basemap",
    "reproject",
    "split_antimeridian",
]
