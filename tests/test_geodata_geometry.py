"""Geometry of the reference network (geodata/links.geojson) against the basemap.

Pipelines: every pipeline link (mode ``pipeline``, domestic links included) is listed in
geodata/tables/pipeline_countries.csv with the countries it must cross and those it must not
cross (ISO3 codes separated by spaces). The basemap, geodata/basemap/countries.geojson, is
Natural Earth 1:110m: coarse, its borders are off by up to a few tens of km (Alashankou lies 43 km
inside China on it, Heihe and Mohe just on the Russian side of the Amur). Hence the tolerance:
a country counts as crossed when more than ``CROSS_KM`` = 15 km of the line lies inside it. The
length inside a country is the geodesic (WGS84) length of the intersection of the line with the
country polygon, the segments taken straight in lon/lat, as stored and drawn.

A link that ends at a border node inside China (the foreign section of an import pipeline) runs
in China only for its last stretch: CHN is listed under ``crosses`` when the basemap puts the node
deeper inside China than the tolerance (Alashankou, Erenhot, Hulin, Wuqia), otherwise under
``must_not_cross``, so that a foreign section drawn through China fails.

Sea lanes (searoute geometry): no lane is longer than ``DETOUR_MAX`` = 1.6 times the geodesic
distance between its end points, and no lane doubles back, i.e. has two consecutive segments
that turn by more than 120 degrees and run back over more than ``REVERSAL_KM`` = 300 km (out and
back: twice the shorter of the two segments). Lanes that cannot meet this for a stated reason are
in ``DETOUR_ALLOWED`` / ``REVERSAL_ALLOWED``; an entry that is no longer needed fails too.
"""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from itertools import pairwise

import pytest
from conftest import ROOT
from pyproj import Geod
from shapely.geometry import LineString, shape
from shapely.strtree import STRtree

GEODATA = ROOT / "geodata"
EXPECTATIONS = GEODATA / "tables" / "pipeline_countries.csv"
EXPECTATIONS_REL = EXPECTATIONS.relative_to(ROOT).as_posix()
GEOD = Geod(ellps="WGS84")

CROSS_KM = 15.0  # km of line inside a country before it counts as crossed (1:110m basemap)
DETOUR_MAX = 1.6  # sea lane length / geodesic distance between its end points
REVERSAL_TURN_DEG = 120.0  # a turn sharper than this at a vertex runs back on the path
REVERSAL_KM = 300.0  # out-and-back distance of such a turn (2 x the shorter segment)

Lane = tuple[str, str]

DETOUR_ALLOWED: dict[Lane, str] = {
    ("philippine_sea", "east_china_sea"): (
        "both junction nodes lie off searoute's network: the lane starts with a 113 km "
        "connector east to the nearest network vertex and turns back west, and ends with an "
        "overshoot to the Yangtze mouth to reach the vertex nearest east_china_sea (ratio 1.66); "
        "a via cannot remove either (fix: move the nodes onto network vertices)"
    ),
    ("philippine_sea", "luzon_strait"): (
        "the same 113 km connector out of philippine_sea, and the luzon_strait node (20.5N, "
        "Babuyan Channel) lies 151 km south of the Bashi Channel vertex the route passes "
        "(ratio 1.79); a via cannot remove either (fix: move the nodes onto network vertices)"
    ),
    ("luzon_strait", "philippine_sea"): (
        "the lane above run the other way (the way east of Taiwan round a Taiwan Strait "
        "closure): the same geometry reversed, ratio 1.79"
    ),
    ("sidi_kerir", "suez"): (
        "goes round the Nile delta to Port Said and down the canal: the end points are 266 km "
        "apart across the delta, the sea route is 449 km (ratio 1.69)"
    ),
}

REVERSAL_ALLOWED: dict[Lane, str] = {
    ("sri_lanka_south", "kyaukphyu"): (
        "searoute's network reaches the vertex nearest Kyaukphyu (92E 20N) only from off "
        "Chittagong or from the Andaman Sea, so the lane runs 382 km up to 21.8N and 203 km "
        "back; every via gives a longer lane (fix: a network-independent approach leg in "
        "build.py, or a node on the network)"
    ),
    ("girassol", "cape_of_good_hope"): (
        "the Girassol node lies 170 km from searoute's nearest network vertex (to its north): "
        "the lane starts with a 170 km connector north and turns back south; a via cannot "
        "change where the origin is snapped (fix: move the node onto the network)"
    ),
}


# --------------------------------------------------------------------------- data


def _features(relpath: str) -> list[dict]:
    return json.loads((GEODATA / relpath).read_text(encoding="utf-8"))["features"]


@cache
def links() -> dict[str, dict]:
    return {f["properties"]["id"]: f for f in _features("links.geojson")}


@cache
def basemap() -> tuple[list[str], list, STRtree]:
    names, geoms = [], []
    for f in _features("basemap/countries.geojson"):
        p = f["properties"]
        names.append(p["iso_a3"] if p["iso_a3"] != "-99" else p["name"])
        geoms.append(shape(f["geometry"]))
    return names, geoms, STRtree(geoms)


def read_expectations() -> list[dict[str, str]]:
    with open(EXPECTATIONS, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def codes(cell: str | None) -> set[str]:
    return set((cell or "").split())


EXPECTED = {r["id"]: (codes(r["crosses"]), codes(r["must_not_cross"])) for r in read_expectations()}


def km_by_country(coords) -> dict[str, float]:
    """Geodesic km of the line inside each country it touches."""
    line = LineString(coords)
    names, geoms, tree = basemap()
    out: dict[str, float] = {}
    for i in tree.query(line, predicate="intersects"):
        km = GEOD.geometry_length(line.intersection(geoms[i])) / 1000.0
        if km > 0:
            out[names[i]] = out.get(names[i], 0.0) + km
    return out


def sea_lanes() -> dict[Lane, list]:
    lanes: dict[Lane, list] = {}
    for f in links().values():
        p = f["properties"]
        if p["mode"] == "sea":
            lanes.setdefault((p["from"], p["to"]), f["geometry"]["coordinates"])
    return lanes


def path_km(coords) -> float:
    return sum(GEOD.inv(*a, *b)[2] for a, b in pairwise(coords)) / 1000.0


def reversals(coords) -> list[tuple[list[float], float, float]]:
    """(vertex, turn in degrees, out-and-back km) for every turn sharper than the limit."""
    out = []
    for a, b, c in zip(coords, coords[1:], coords[2:], strict=False):
        _, back_az, d_in = GEOD.inv(*a, *b)
        az_out, _, d_out = GEOD.inv(*b, *c)
        heading_in = (back_az + 180.0) % 360.0  # direction of travel on arrival at b
        turn = abs((az_out - heading_in + 180.0) % 360.0 - 180.0)
        if turn > REVERSAL_TURN_DEG:
            out.append((b, turn, 2.0 * min(d_in, d_out) / 1000.0))
    return out


def fmt_km(km: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.0f} km" for k, v in sorted(km.items(), key=lambda kv: -kv[1]))


# --------------------------------------------------------------------------- pipelines


def test_pipeline_expectations_table_is_well_formed():
    rows = read_expectations()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), f"duplicate ids in {EXPECTATIONS_REL}"
    known = set(basemap()[0])
    for r in rows:
        crosses, must_not = codes(r["crosses"]), codes(r["must_not_cross"])
        assert crosses, f"{r['id']}: no country under crosses in {EXPECTATIONS_REL}"
        for c in crosses | must_not:
            assert re.fullmatch(r"[A-Z]{3}", c), f"{r['id']}: {c!r} is not an ISO3 code"
            assert c in known, f"{r['id']}: {c} is not in the basemap"
        assert not crosses & must_not, f"{r['id']}: {crosses & must_not} listed both ways"


def test_every_pipeline_link_has_country_expectations():
    pipes = {lid for lid, f in links().items() if f["properties"]["mode"] == "pipeline"}
    missing = sorted(pipes - EXPECTED.keys())
    assert not missing, (
        f"pipeline links without country expectations: {missing}; add a row "
        f"(id,crosses,must_not_cross) for each to {EXPECTATIONS_REL}"
    )
    stale = sorted(EXPECTED.keys() - pipes)
    assert not stale, f"{EXPECTATIONS_REL} lists ids that are not pipeline links: {stale}"


@pytest.mark.parametrize("lid", sorted(EXPECTED))
def test_pipeline_stays_in_the_countries_it_really_crosses(lid):
    if lid not in links():
        pytest.skip(f"{lid} is not in links.geojson (see the expectations-table test)")
    crosses, must_not = EXPECTED[lid]
    km = km_by_country(links()[lid]["geometry"]["coordinates"])
    crossed = {c for c, v in km.items() if v > CROSS_KM}
    problems = []
    if crosses - crossed:
        problems.append(f"does not cross {sorted(crosses - crossed)}")
    if must_not & crossed:
        problems.append(f"crosses {sorted(must_not & crossed)}, which it must not")
    assert not problems, (
        f"{lid}: {'; '.join(problems)} (more than {CROSS_KM:.0f} km inside counts as crossing); "
        f"km by country: {fmt_km(km)}. Fix its waypoints (`via`) in geodata/tables/, or the "
        f"expectation in {EXPECTATIONS_REL}"
    )


# --------------------------------------------------------------------------- sea lanes

LANES = sea_lanes()


def lane_id(lane: Lane) -> str:
    return f"{lane[0]}>{lane[1]}"


def test_allow_lists_name_existing_lanes():
    stale = sorted(lane_id(k) for k in (DETOUR_ALLOWED.keys() | REVERSAL_ALLOWED.keys()))
    stale = [s for s in stale if tuple(s.split(">")) not in LANES]
    assert not stale, f"allow-listed lanes that are not in links.geojson: {stale}"


@pytest.mark.parametrize("lane", sorted(LANES), ids=lane_id)
def test_sea_lane_does_not_detour(lane):
    coords = LANES[lane]
    direct = GEOD.inv(*coords[0], *coords[-1])[2] / 1000.0
    ratio = path_km(coords) / direct
    if lane in DETOUR_ALLOWED:
        assert ratio > DETOUR_MAX, (
            f"{lane_id(lane)}: ratio {ratio:.2f} is within {DETOUR_MAX}; "
            f"remove it from DETOUR_ALLOWED"
        )
        return
    assert ratio <= DETOUR_MAX, (
        f"{lane_id(lane)}: {path_km(coords):.0f} km for {direct:.0f} km between its end points "
        f"(x{ratio:.2f} > {DETOUR_MAX}); fix its `via` in geodata/tables/sea_lanes.csv or, if "
        f"it must go round a continent, add it to DETOUR_ALLOWED with the reason"
    )


@pytest.mark.parametrize("lane", sorted(LANES), ids=lane_id)
def test_sea_lane_does_not_double_back(lane):
    bad = [r for r in reversals(LANES[lane]) if r[2] > REVERSAL_KM]
    if lane in REVERSAL_ALLOWED:
        assert bad, f"{lane_id(lane)} no longer doubles back; remove it from REVERSAL_ALLOWED"
        return
    assert not bad, (
        f"{lane_id(lane)} doubles back: "
        + "; ".join(f"at {v} turns {t:.0f} deg, out and back {km:.0f} km" for v, t, km in bad)
        + f" (limit {REVERSAL_KM:.0f} km). A via point off searoute's network makes an out-and-"
        "back spike to it: use network vertices in its `via` in geodata/tables/sea_lanes.csv"
    )
