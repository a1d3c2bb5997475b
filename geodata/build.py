"""Build geodata/nodes.geojson, geodata/links.geojson and geodata/basemap/countries.geojson.

Reads the curated tables in geodata/tables/ (the single source of the data) and writes the
GeoJSON files the `corridors` package loads. Deterministic: the same tables and the same
searoute version give byte-identical output.

    python geodata/build.py            # build, then run geodata/check.py

Sea-lane geometry comes from the `searoute` package at build time (the tool never calls it at
run time). Link lengths are geodesic lengths (WGS84) of the stored geometry unless a pipeline
table gives a length from facts.md. Link cost = rate per 1000 km x length / 1000 + fixed term.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from itertools import pairwise
from pathlib import Path

from pyproj import Geod
from shapely.geometry import LineString

HERE = Path(__file__).resolve().parent
TABLES = HERE / "tables"
GEOD = Geod(ellps="WGS84")

# EIA chokepoint throughput (mb/d) -> PJ/yr: mb/d x 1e6 x 365 / 7.33 bbl/t / 1e6 -> Mt/yr x 42.3
BBL_PER_T = 7.33
PJ_PER_MT_CRUDE = 42.3
COORD_DECIMALS = 4
BASEMAP_DECIMALS = 3


def read_table(name: str) -> list[dict[str, str]]:
    with open(TABLES / name, newline="", encoding="utf-8") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def num(s: str) -> float | None:
    return float(s) if s not in ("", None) else None


def parse_via(s: str) -> list[tuple[float, float]]:
    if not s:
        return []
    return [tuple(float(x) for x in p.split()) for p in s.split("|")]  # type: ignore[misc]


def rnd(x: float, nd: int = COORD_DECIMALS) -> float:
    return round(x + 0.0, nd)


def clean_coords(coords) -> list[list[float]]:
    out: list[list[float]] = []
    for lon, lat in coords:
        pt = [rnd(lon), rnd(lat)]
        if not out or out[-1] != pt:
            out.append(pt)
    return out


def geodesic_km(coords) -> float:
    return GEOD.geometry_length(LineString(coords)) / 1000.0


def sig(x: float, digits: int = 4) -> float:
    """Round to `digits` significant digits (costs: diff-friendly, well inside data accuracy)."""
    if x == 0:
        return 0.0
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def max_lon_jump(coords) -> float:
    """Largest longitude step, ignoring explicit antimeridian crossings (+-180 -> -+180)."""
    return max(
        (abs(b[0] - a[0]) for a, b in pairwise(coords) if not (abs(a[0]) == 180 == abs(b[0]))),
        default=0.0,
    )


def wrap_antimeridian(coords: list[list[float]]) -> list[list[float]]:
    """Unwrapped longitudes (searoute continues past +-180) -> [-180, 180], with the crossing
    made explicit: a point on +-180 at the interpolated latitude on each side."""
    cont = [list(coords[0])]
    for x, y in coords[1:]:  # make the longitudes continuous first (no step over 180)
        x += 360 * round((cont[-1][0] - x) / 360)
        cont.append([x, y])
    # points exactly on a meridian +-180 are dropped: the crossing is interpolated below
    coords = [cont[0]] + [c for c in cont[1:-1] if (c[0] + 180) % 360 != 0] + [cont[-1]]
    out: list[list[float]] = []
    for a, b in pairwise(coords):
        if not out:
            out.append(a)
        ka, kb = math.floor((a[0] + 180) / 360), math.floor((b[0] + 180) / 360)
        if ka != kb:
            edge = 180 + 360 * min(ka, kb)  # the unwrapped meridian crossed
            t = (edge - a[0]) / (b[0] - a[0])
            lat = rnd(a[1] + t * (b[1] - a[1]))
            first, second = (180.0, -180.0) if kb > ka else (-180.0, 180.0)
            out.extend([[first, lat], [second, lat]])
        out.append(b)
    return [[rnd(((x + 180) % 360) - 180) if abs(x) != 180 else x, y] for x, y in out]


# --------------------------------------------------------------------------- nodes


PJ_PER_MT_LNG = 48.7
# t CO2 per t LNG from burning gas for the process: share of the gas used x 48.7 GJ/t x 56.1 kg
# CO2/GJ (IPCC): liquefaction ~9 % of the feed gas, regasification ~1.5 % (shares: memory)
GAS_T_CO2_PER_T_LNG = 48.7 * 56.1 / 1000
LIQUEFACTION_T_CO2_PER_T = round(0.09 * GAS_T_CO2_PER_T_LNG, 3)
REGAS_T_CO2_PER_T = round(0.015 * GAS_T_CO2_PER_T_LNG, 3)


def mbd_to_mt(mbd: float) -> float:
    """Crude mb/d -> Mt/yr (7.33 bbl/t)."""
    return mbd * 1e6 * 365 / BBL_PER_T / 1e6


#: days of each month in a common year (season shares, as corridors.core.availability)
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def seasons() -> dict[str, tuple[list[int], str]]:
    """Open months of the seasonal nodes and links in tables/seasons.csv, with the source."""
    out: dict[str, tuple[list[int], str]] = {}
    for r in read_table("seasons.csv"):
        months = [int(m) for m in r["months"].split()]
        if not months or len(set(months)) != len(months) or not all(1 <= m <= 12 for m in months):
            raise SystemExit(f"seasons.csv: {r['id']}: months must be distinct numbers 1-12")
        out[r["id"]] = (months, r["source"])
    return out


def season_days(months: list[int]) -> int:
    return sum(MONTH_DAYS[m - 1] for m in months)


def strait_capacities() -> dict[str, tuple[float, str]]:
    """China-bound capacity of each strait in tables/straits.csv, PJ/yr, with its source.

    capacity = (China-bound crude + headroom, mb/d -> Mt/yr) x 42.3 + China-bound LNG (Mt) x 48.7:
    the published throughput less other users' traffic, plus the room stated per strait. A
    seasonal strait (tables/seasons.csv) moves its yearly volume in its open months, so its
    capacity is the in-season rate: x 365 / (days of the season); a year then carries the
    volume of the table (the model keeps the season's share of the rate over a year).
    """
    out: dict[str, tuple[float, str]] = {}
    season = seasons()
    for r in read_table("straits.csv"):
        crude = float(r["china_crude_mbd"]) + float(r["headroom_mbd"])
        pj = mbd_to_mt(crude) * PJ_PER_MT_CRUDE + float(r["china_lng_mt"]) * PJ_PER_MT_LNG
        world = f"world {r['world_mbd']} mb/d ({r['world_source']}); " if r["world_mbd"] else ""
        src = (
            f"capacity:China-bound = crude {r['china_crude_mbd']} mb/d ({r['china_crude_source']})"
            f" + headroom {r['headroom_mbd']} mb/d (assumption) + LNG {r['china_lng_mt']} Mt"
            f" ({r['china_lng_source']})"
        )
        if r["id"] in season:
            months = season[r["id"]][0]
            days = season_days(months)
            names = [MONTH_ABBR[m - 1] for m in months]
            contiguous = months == list(range(months[0], months[-1] + 1))
            span = f"{names[0]}-{names[-1]}" if contiguous else " ".join(names)
            pj *= 365 / days
            src += f" per year, moved in season ({span}, {days} days): in-season rate x 365/{days}"
        out[r["id"]] = (round(pj), f"{src}; {world}location:loc")
    return out


def build_nodes() -> tuple[list[dict], dict[str, tuple[float, float]]]:
    feats, pos = [], {}
    straits = strait_capacities()
    season = seasons()
    for r in read_table("nodes.csv"):
        lon, lat = rnd(float(r["lon"])), rnd(float(r["lat"]))
        pos[r["id"]] = (lon, lat)
        props = {"id": r["id"], "name": r["name"], "kind": r["kind"], "country": r["country"]}
        mbd = num(r["capacity_mbd"])
        if mbd is not None:
            props["capacity"] = round(mbd * 1e6 * 365 / BBL_PER_T / 1e6 * PJ_PER_MT_CRUDE)
        if r["corridor"]:
            props["corridor"] = r["corridor"]
        src = r["source"]
        if mbd is not None:
            src = f"capacity:{src} ({mbd} mb/d petroleum liquids 2023, world total, upper bound); location:loc"
        if r["id"] in straits:
            props["capacity"], src = straits[r["id"]]
        if r["id"] in season:
            props["season_months"], season_src = season[r["id"]]
            src += f"; season_months:{season_src}"
        props["source"] = src
        if r["note"]:
            props["note"] = r["note"]
        feats.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    return feats, pos


# --------------------------------------------------------------------------- links


def load_rates() -> dict[tuple[str, str], tuple[float, float, str]]:
    return {
        (r["mode"], r["commodity"]): (
            float(r["usd_per_unit_per_1000km"]),
            float(r["fixed_usd_per_unit"]),
            r["source"],
        )
        for r in read_table("rates.csv")
    }


#: lanes along the Northern Sea Route: searoute's passage restrictions are lifted for them
ARCTIC_ENDS = {"bering_strait"}


def sea_geometry(
    a: tuple[float, float],
    b: tuple[float, float],
    via: list[tuple[float, float]],
    arctic: bool = False,
):
    import searoute

    pts = [a, *via, b]
    coords: list[list[float]] = []
    kw = {"restrictions": []} if arctic else {}
    for p, q in pairwise(pts):
        f = searoute.searoute(list(p), list(q), append_orig_dest=True, **kw)
        seg = f["geometry"]["coordinates"]
        coords.extend(seg if not coords else seg[1:])
    coords = clean_coords(coords)
    coords[0], coords[-1] = [a[0], a[1]], [b[0], b[1]]
    return wrap_antimeridian(coords)


def link_feature(props: dict, coords) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": coords},
    }


def build_links(pos: dict[str, tuple[float, float]]) -> list[dict]:
    rates = load_rates()
    feats: list[dict] = []

    def cost_of(mode: str, com: str, km: float, extra: float = 0.0) -> tuple[float, str]:
        rate, fixed, src = rates[(mode, com)]
        return sig(rate * km / 1000.0 + fixed + extra), src

    kinds = {r["id"]: r["kind"] for r in read_table("nodes.csv")}
    # sea lanes: one link per commodity
    for r in read_table("sea_lanes.csv"):
        a, b = pos[r["from"]], pos[r["to"]]
        arctic = r["from"] in ARCTIC_ENDS or r["to"] in ARCTIC_ENDS
        coords = sea_geometry(a, b, parse_via(r["via"]), arctic)
        if max_lon_jump(coords) > 90:
            raise SystemExit(
                f"sea lane {r['from']}->{r['to']} crosses the antimeridian; reroute it"
            )
        km = geodesic_km(coords)
        for com in r["commodities"].split():
            extra, extra_src = 0.0, ""
            if com == "crude_oil" and r["crude_surcharge_usd_per_t"]:
                extra = float(r["crude_surcharge_usd_per_t"]) * 1e6
                extra_src = f" + surcharge:{r['source']}"
            cost, csrc = cost_of("sea", com, km, extra)
            props = {
                "id": f"sea_{r['from']}_{r['to']}_{com}",
                "name": f"{r['from']} - {r['to']} ({com})",
                "from": r["from"],
                "to": r["to"],
                "mode": "sea",
                "commodity": com,
                "cost": cost,
                "length_km": round(km, 1),
                "corridor": r["corridor"],
                "status": "existing",
                "source": f"geometry:searoute; length:geodesic; cost:{csrc}{extra_src}; capacity:unlimited (assumption)",
            }
            if com == "lng" and kinds[r["from"]] == "supply":
                # the loading leg carries the liquefaction energy (distance-independent)
                props["co2_per_unit"] = LIQUEFACTION_T_CO2_PER_T
                props["source"] += "; co2_per_unit:liquefaction (derived, SOURCES.md)"
            if r["note"]:
                props["note"] = r["note"]
            feats.append(link_feature(props, coords))

    # pipelines (international) and domestic links
    def pipe_rows():
        for r in read_table("pipelines.csv"):
            yield r, r["corridor"], False
        for r in read_table("bypasses.csv"):
            yield r, r["corridor"], True
        for r in read_table("domestic.csv"):
            yield r, "domestic", False

    for r, corridor, bypass in pipe_rows():
        a, b = pos[r["from"]], pos[r["to"]]
        coords = clean_coords([a, *parse_via(r["via"]), b])
        fact_km = num(r.get("length_km", ""))
        km = fact_km if fact_km is not None else geodesic_km(coords)
        lsrc = (
            f"length:{r['length_source']} (facts.md)" if fact_km is not None else "length:geodesic"
        )
        com = r["commodity"]
        cost, csrc = cost_of("pipeline", com, km)
        props = {
            "id": r["id"],
            "name": r["name"],
            "from": r["from"],
            "to": r["to"],
            "mode": "pipeline",
            "commodity": com,
            "capacity": float(r["capacity"]),
            "cost": cost,
            "length_km": round(km, 1),
            "corridor": corridor,
            "status": r["status"],
        }
        src = f"capacity:{r['capacity_source']}; {lsrc}; cost:{csrc}"
        if r["capex"] != "":
            props["capex"] = float(r["capex"])
            src += f"; capex:{r['capex_source']}"
        if r["bidirectional"].lower() == "true":
            props["bidirectional"] = True
        if bypass:
            props["bypass"] = True
        props["source"] = src
        if r["note"]:
            props["note"] = r["note"]
        feats.append(link_feature(props, coords))

    # regasification (conversion) links: terminal -> demand region
    for r in read_table("conversions.csv"):
        a, b = pos[r["terminal"]], pos[r["region"]]
        coords = clean_coords([a, b])
        km = geodesic_km(coords)
        cost, csrc = cost_of("conversion", "lng", km)
        props = {
            "id": r["id"],
            "name": r["name"],
            "from": r["terminal"],
            "to": r["region"],
            "mode": "conversion",
            "commodity": "lng",
            "output_commodity": "pipeline_gas",
            "efficiency": float(r["efficiency"]),
            "capacity": float(r["capacity"]),
            "cost": cost,
            "length_km": round(km, 1),
            "corridor": "domestic",
            "status": r["status"],
            "co2_per_unit": REGAS_T_CO2_PER_T,
            "source": f"capacity:{r['capacity_source']}; cost:{csrc}; efficiency:assumption (1.0); length:geodesic; co2_per_unit:regasification (derived, SOURCES.md)",
        }
        if r["note"]:
            props["note"] = r["note"]
        feats.append(link_feature(props, coords))
    return feats


# --------------------------------------------------------------------------- basemap


def build_basemap(out: Path) -> None:
    import pyogrio

    src = (
        Path(pyogrio.__file__).parent / "tests/fixtures/naturalearth_lowres/naturalearth_lowres.shp"
    )
    if not src.exists():
        if out.exists():
            print(f"basemap: {src} not found, keeping the committed {out.name}")
            return
        raise SystemExit(f"basemap source {src} not found and no committed basemap")
    from shapely import transform
    from shapely.geometry import mapping

    df = pyogrio.read_dataframe(src)
    feats = []
    for _, row in df.sort_values(["name", "iso_a3"]).iterrows():
        g = transform(row.geometry, lambda c: c.round(BASEMAP_DECIMALS))
        geom = json.loads(json.dumps(mapping(g)))
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "name": row["name"],
                    "iso_a3": row["iso_a3"],
                    "continent": row["continent"],
                },
                "geometry": geom,
            }
        )
    write_fc(
        out,
        feats,
        sort_key=None,
        extra='"name": "Natural Earth 1:110m admin-0 countries (public domain), via pyogrio test fixture"',
    )


# --------------------------------------------------------------------------- output


def write_fc(path: Path, feats: list[dict], sort_key="id", extra: str = "") -> None:
    if sort_key:
        feats = sorted(feats, key=lambda f: f["properties"][sort_key])
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in feats]
    head = '{"type":"FeatureCollection",' + (extra + "," if extra else "") + '"features":[\n'
    path.write_text(head + ",\n".join(lines) + "\n]}\n", encoding="utf-8")


def main() -> int:
    node_feats, pos = build_nodes()
    link_feats = build_links(pos)
    season = seasons()
    for f in link_feats:  # seasonal links (nodes get theirs in build_nodes)
        p = f["properties"]
        if p["id"] in season:
            months, season_src = season[p["id"]]
            src, note = p.pop("source"), p.pop("note", None)
            p.update(season_months=months, source=f"{src}; season_months:{season_src}")
            if note:
                p["note"] = note
    ids = {f["properties"]["id"] for f in node_feats + link_feats}
    unknown = sorted(set(season) - ids)
    if unknown:
        raise SystemExit(f"seasons.csv: unknown node or link ids {unknown}")
    write_fc(HERE / "nodes.geojson", node_feats)
    write_fc(HERE / "links.geojson", link_feats)
    (HERE / "basemap").mkdir(exist_ok=True)
    build_basemap(HERE / "basemap" / "countries.geojson")
    print(f"nodes: {len(node_feats)}  links: {len(link_feats)}")
    sys.path.insert(0, str(HERE))
    import check

    return check.main()


if __name__ == "__main__":
    raise SystemExit(main())
