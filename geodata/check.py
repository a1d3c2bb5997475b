"""Consistency checks for geodata/*.geojson and scenarios/*.yaml (run by build.py; `python geodata/check.py`).

Asserts: unique ids; valid kinds, modes, commodities, statuses, ISO codes, season months; every link endpoint
exists; capacities, costs and lengths non-negative; planned/candidate links carry capex; no
geometry jumps across the antimeridian (except at an explicit crossing, a point on +-180 on each
side); every sea lane through a chokepoint is split at the
chokepoint node (no lane passes within 40 km of a chokepoint it does not start or end at, and
every chokepoint has sea lanes in and out); every supply and demand entry of every scenario names
an existing node whose commodity is reachable (supply -> demand, regasification included) over
the active links; per-commodity supply covers demand. Finally prints the expected baseline crude
shares through Malacca and Hormuz from a crude-only min-cost flow (networkx), and asserts the
Malacca share is within 60-85 %.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict, deque
from itertools import pairwise
from pathlib import Path

import yaml
from pyproj import Geod
from shapely.geometry import LineString

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GEOD = Geod(ellps="WGS84")
KINDS = {"supply", "demand", "chokepoint", "port", "junction", "border", "storage", "terminal"}
MODES = {"pipeline", "sea", "rail", "conversion"}
COMMODITIES = {"crude_oil": 42.3, "lng": 48.7, "pipeline_gas": 36.0}
STATUSES = {"existing", "planned", "candidate"}
CORRIDORS = {"south", "north", "west", "myanmar", "pakistan", "domestic"}
NODE_KEYS = {
    "id",
    "name",
    "kind",
    "country",
    "capacity",
    "corridor",
    "season_months",
    "source",
    "note",
}
LINK_KEYS = {
    "id",
    "name",
    "from",
    "to",
    "mode",
    "commodity",
    "capacity",
    "cost",
    "length_km",
    "corridor",
    "status",
    "capex",
    "output_commodity",
    "efficiency",
    "bidirectional",
    "bypass",
    "co2_per_unit",
    "season_months",
    "source",
    "note",
}
SLUG = re.compile(r"^[a-z0-9_]+$")
PASS_KM = 40.0

errors: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def load(name: str) -> list[dict]:
    return json.loads((HERE / name).read_text(encoding="utf-8"))["features"]


def check_months(what: str, p: dict) -> None:
    """season_months, where given: distinct months 1-12."""
    m = p.get("season_months")
    if m is not None and (
        not isinstance(m, list)
        or not m
        or len(set(m)) != len(m)
        or not all(isinstance(x, int) and 1 <= x <= 12 for x in m)
    ):
        err(f"{what}: season_months must be distinct months 1-12 (got {m})")


def check_geodata():
    nodes = {f["properties"]["id"]: f for f in load("nodes.geojson")}
    raw_nodes = load("nodes.geojson")
    links = load("links.geojson")
    ids = [f["properties"]["id"] for f in raw_nodes] + [f["properties"]["id"] for f in links]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        err(f"duplicate ids: {sorted(dup)}")
    for nid, f in nodes.items():
        p = f["properties"]
        if set(p) - NODE_KEYS:
            err(f"node {nid}: unknown keys {set(p) - NODE_KEYS}")
        if not SLUG.match(nid):
            err(f"node {nid}: id is not a slug")
        if p["kind"] not in KINDS:
            err(f"node {nid}: bad kind {p['kind']}")
        if not re.match(r"^[A-Z]{3}$", p["country"]) or p["country"] == "XXX":
            err(f"node {nid}: bad country {p['country']}")
        if p["country"] == "ZZZ" and p["kind"] != "junction":
            err(f"node {nid}: ZZZ is for open-sea junctions only")
        if p.get("capacity", 0) < 0:
            err(f"node {nid}: negative capacity")
        if f["geometry"]["type"] != "Point":
            err(f"node {nid}: not a Point")
        check_months(f"node {nid}", p)
    for f in links:
        p = f["properties"]
        lid = p["id"]
        if set(p) - LINK_KEYS:
            err(f"link {lid}: unknown keys {set(p) - LINK_KEYS}")
        if not SLUG.match(lid):
            err(f"link {lid}: id is not a slug")
        for end in ("from", "to"):
            if p[end] not in nodes:
                err(f"link {lid}: unknown {end} node {p[end]}")
        if p["mode"] not in MODES:
            err(f"link {lid}: bad mode")
        if (
            p["commodity"] not in COMMODITIES
            or p.get("output_commodity", "crude_oil") not in COMMODITIES
        ):
            err(f"link {lid}: bad commodity")
        if p["status"] not in STATUSES:
            err(f"link {lid}: bad status")
        check_months(f"link {lid}", p)
        if p.get("corridor") not in CORRIDORS:
            err(f"link {lid}: bad corridor {p.get('corridor')}")
        for k in ("capacity", "cost", "length_km", "capex"):
            v = p.get(k)
            if v is not None and v < 0:
                err(f"link {lid}: negative {k}")
        if p["mode"] == "sea" and p.get("capacity") is not None:
            err(f"link {lid}: sea lanes are unlimited (no capacity)")
        if p["mode"] != "sea" and p.get("capacity") is None:
            err(f"link {lid}: non-sea link without capacity")
        if p["status"] != "existing" and p.get("capex") is None:
            err(f"link {lid}: {p['status']} link without capex")
        if p["mode"] == "conversion" and (
            p.get("output_commodity") is None or p.get("efficiency") is None
        ):
            err(f"link {lid}: conversion needs output_commodity and efficiency")
        coords = f["geometry"]["coordinates"]
        if f["geometry"]["type"] != "LineString" or len(coords) < 2:
            err(f"link {lid}: bad LineString")
            continue
        if any(
            abs(b[0] - a[0]) > 90 and not (abs(a[0]) == 180 == abs(b[0]))
            for a, b in pairwise(coords)
        ):
            err(f"link {lid}: geometry jumps across the antimeridian")
        for end, c in (("from", coords[0]), ("to", coords[-1])):
            n = nodes.get(p[end])
            if n and n["geometry"]["coordinates"] != c:
                err(f"link {lid}: geometry does not start/end at node {p[end]}")

    # chokepoint splitting
    chokes = {
        nid: f["geometry"]["coordinates"]
        for nid, f in nodes.items()
        if f["properties"]["kind"] == "chokepoint"
    }
    seen_geom: dict[tuple, list[str]] = {}
    for f in links:
        p = f["properties"]
        if p["mode"] != "sea":
            continue
        key = (p["from"], p["to"])
        if key in seen_geom:
            continue
        seen_geom[key] = f["geometry"]["coordinates"]
        line = LineString(f["geometry"]["coordinates"]).segmentize(0.2)
        pts = list(line.coords)
        for cid, (cx, cy) in chokes.items():
            if cid in key:
                continue
            d = min(GEOD.inv(cx, cy, x, y)[2] for x, y in pts) / 1000
            if d < PASS_KM:
                err(
                    f"sea lane {key[0]}->{key[1]} passes chokepoint {cid} ({d:.0f} km) without being split there"
                )
    for cid in chokes:
        ins = [
            f for f in links if f["properties"]["mode"] == "sea" and f["properties"]["to"] == cid
        ]
        outs = [
            f for f in links if f["properties"]["mode"] == "sea" and f["properties"]["from"] == cid
        ]
        if not ins or not outs:
            err(f"chokepoint {cid}: needs sea lanes in and out (in={len(ins)}, out={len(outs)})")
    return nodes, links


# --------------------------------------------------------------------------- scenarios


def merge(parent: dict, child: dict) -> dict:
    out = dict(parent)
    for k, v in child.items():
        if k in ("supply", "demand", "storage"):
            items = {(e["node"], e["commodity"]): e for e in parent.get(k, [])}
            for e in v:
                items[(e["node"], e["commodity"])] = e
            out[k] = list(items.values())
        elif k == "disruptions":
            out[k] = list(parent.get(k, [])) + list(v)
        elif isinstance(v, dict) and isinstance(parent.get(k), dict):
            out[k] = {**parent[k], **v}
        else:
            out[k] = v
    return out


def load_scenario(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("extends"):
        return merge(load_scenario(path.parent / data["extends"]), data)
    return data


def active_links(links: list[dict], sc: dict) -> list[dict]:
    net = sc["network"]
    inc = set(net.get("include_status", ["existing"]))
    extra = set(net.get("include_links", []))
    if "expansion" in sc:
        # an investment-planning scenario: its candidates may be built, so supplies that only
        # they connect are not dead ends
        cand = sc["expansion"].get("candidates")
        if cand is None:
            inc |= {"planned", "candidate"}
        else:
            extra |= set(cand)
    out = []
    for f in links:
        p = f["properties"]
        if p["status"] in inc or p["id"] in extra:
            out.append(p)
            if p.get("bidirectional"):
                out.append({**p, "from": p["to"], "to": p["from"], "id": p["id"] + "~rev"})
    unknown = extra - {f["properties"]["id"] for f in links}
    if unknown:
        err(f"{sc['name']}: include_links names unknown links {sorted(unknown)}")
    return out


def check_scenario(path: Path, nodes: dict, links: list[dict]) -> None:
    sc = load_scenario(path)
    name = path.name
    act = active_links(links, sc)
    succ = defaultdict(set)
    for p in act:
        succ[(p["from"], p["commodity"])].add((p["to"], p.get("output_commodity", p["commodity"])))

    def reach(start):
        seen, q = {start}, deque([start])
        while q:
            for nxt in succ[q.popleft()]:
                if nxt not in seen:
                    seen.add(nxt)
                    q.append(nxt)
        return seen

    targets = {(d["node"], d["commodity"]) for d in sc.get("demand", [])}
    reached = set()
    for s in sc.get("supply", []):
        key = (s["node"], s["commodity"])
        if s["node"] not in nodes:
            err(f"{name}: supply node {s['node']} does not exist")
            continue
        if s["commodity"] not in sc["commodities"]:
            err(f"{name}: supply commodity {s['commodity']} not defined")
        r = reach(key)
        reached |= r
        if not (r & targets):
            err(f"{name}: supply {key} reaches no demand over active links")
    for d in sc.get("demand", []):
        if d["node"] not in nodes:
            err(f"{name}: demand node {d['node']} does not exist")
        elif (d["node"], d["commodity"]) not in reached:
            err(f"{name}: demand {(d['node'], d['commodity'])} is not reachable from any supply")
    for dz in sc.get("disruptions", []):
        t = dz["target"]
        ids = (
            set(nodes)
            | {f["properties"]["id"] for f in links}
            | CORRIDORS
            | {n["properties"]["country"] for n in nodes.values()}
        )
        if t not in ids:
            err(f"{name}: disruption target {t} unknown")
    # energy balance (PJ): crude supply >= crude demand; gas (pipeline + LNG) >= gas demand
    pj = {c: v["pj_per_unit"] for c, v in sc["commodities"].items()}
    sup = defaultdict(float)
    dem = defaultdict(float)
    for s in sc.get("supply", []):
        sup[s["commodity"]] += s["max"]
    for j in sc.get("storage", []):  # the net draw a scenario allows (initial - final level)
        final = j.get("final_min", j.get("initial", 0.0))
        sup[j["commodity"]] += max(0.0, j.get("initial", 0.0) - final)
    for d in sc.get("demand", []):
        dem[d["commodity"]] += d["amount"]
    if sup["crude_oil"] + 0.05 < dem["crude_oil"]:
        err(f"{name}: crude supply {sup['crude_oil']:.2f} < demand {dem['crude_oil']:.2f}")
    gas_sup = sup["pipeline_gas"] * pj["pipeline_gas"] + sup["lng"] * pj["lng"]
    gas_dem = dem["pipeline_gas"] * pj["pipeline_gas"] + dem["lng"] * pj["lng"]
    if gas_sup + 1.0 < gas_dem:
        err(f"{name}: gas supply {gas_sup:.1f} PJ < demand {gas_dem:.1f} PJ")
    print(
        f"{name}: supply crude {sup['crude_oil']:.2f} Mt / demand {dem['crude_oil']:.2f} Mt; "
        f"gas supply {gas_sup / 36:.2f} bcm-eq (LNG {sup['lng']:.2f} Mt, pipeline {sup['pipeline_gas']:.2f} bcm) "
        f"/ demand {gas_dem / 36:.2f} bcm"
    )
    return sc, act


# --------------------------------------------------------------------------- published figures

#: (label, computed-from-the-baseline key, published value, tolerance (relative), source)
PUBLISHED_2023 = [
    ("crude production, Mt", ("production", "crude_oil"), 208.91, 0.03, "NBS"),
    ("crude imports, Mt", ("imports", "crude_oil"), 563.99, 0.03, "customs via Reuters"),
    ("refinery runs, Mt", ("runs", "crude_oil"), 734.78, 0.03, "NBS"),
    ("gas production, bcm", ("production", "pipeline_gas"), 229.7, 0.03, "NBS"),
    ("pipeline gas imports, bcm", ("imports", "pipeline_gas"), 66.2, 0.03, "customs via lngprime"),
    ("LNG imports, Mt", ("imports", "lng"), 71.32, 0.03, "customs via lngprime"),
    ("gas consumption, bcm", ("runs", "pipeline_gas"), 394.53, 0.03, "NDRC"),
    ("crude from Russia, Mt", ("country", "RUS"), 107.0, 0.03, "customs via chinascope"),
    ("crude from Saudi Arabia, Mt", ("country", "SAU"), 85.96, 0.03, "customs via chinascope"),
    ("crude from Iraq, Mt", ("country", "IRQ"), 59.26, 0.03, "customs via chinascope"),
    ("crude as 'Malaysia' (Iran + Venezuela), Mt", ("country", "IRN+VEN"), 54.79, 0.03, "customs"),
    ("crude from the UAE, Mt", ("country", "ARE"), 41.82, 0.03, "customs via chinascope"),
    ("crude from Brazil, Mt", ("country", "BRA"), 37.6, 0.03, "EIA"),
    ("China's crude through Hormuz, mb/d", ("strait_mbd", "hormuz"), 5.4, 0.10, "EIA Q1 2025"),
]
#: published ranges: (label, key, low, high, source)
PUBLISHED_RANGES = [
    ("Malacca share of crude imports", ("strait_share", "malacca"), 0.60, 0.85, "EIA; Storey"),
    ("days of cover (net crude imports)", ("cover", "crude_oil"), 80.0, 100.0, "NEA; Bloomberg"),
]


def baseline_figures() -> dict[tuple[str, str], float]:
    """Solve the baseline with corridors (HiGHS) and compute the figures checked above."""
    sys.path.insert(0, str(ROOT))
    import corridors

    r = corridors.solve(ROOT / "scenarios" / "baseline.yaml")
    sup = r.supply.copy()
    dom = sup["country"] == "CHN"
    out: dict[tuple[str, str], float] = {}
    for c in r.scenario.commodities:
        out[("production", c)] = float(sup.loc[dom & (sup.commodity == c), "supplied"].sum())
        out[("imports", c)] = float(sup.loc[~dom & (sup.commodity == c), "supplied"].sum())
        # consumption: demand at demand-kind nodes (stock building at storage sites aside), met
        kinds = r.network.nodes["kind"]
        un = r.unmet[(r.unmet.commodity == c) & (r.unmet.node.map(kinds) == "demand")]
        out[("runs", c)] = float((un["demand"] - un["unmet"]).sum())
    crude = sup[~dom & (sup.commodity == "crude_oil")]
    by_country = crude.groupby("country")["supplied"].sum()
    for k in ("RUS", "SAU", "IRQ", "ARE", "BRA"):
        out[("country", k)] = float(by_country.get(k, 0.0))
    out[("country", "IRN+VEN")] = float(by_country.get("IRN", 0.0) + by_country.get("VEN", 0.0))
    f = r.flows
    into = f[(f.commodity == "crude_oil") & f["to"].isin(["hormuz", "malacca"])]
    through = into.groupby("to")["flow"].sum()
    imports = out[("imports", "crude_oil")]
    out[("strait_mbd", "hormuz")] = float(through.get("hormuz", 0.0)) * 7.33 / 365
    out[("strait_share", "malacca")] = float(through.get("malacca", 0.0)) / imports
    stock = sum(j.initial for j in r.scenario.storage if j.commodity == "crude_oil")
    out[("cover", "crude_oil")] = stock / (imports / 365.0)
    return out


def check_refining(scenario: dict) -> None:
    """Refinery runs by region within the region's refining capacity (tables/refineries.csv),
    whose total is the published national capacity (936 Mt/yr, CNPC ETRI)."""
    import csv

    with open(HERE / "tables" / "refineries.csv", encoding="utf-8") as fh:
        cap = {r["region"]: float(r["capacity_mt"]) for r in csv.DictReader(fh)}
    if abs(sum(cap.values()) - 936.0) > 0.5:
        err(f"refining capacity by region sums to {sum(cap.values())}, published 936 Mt/yr")
    for d in scenario.get("demand", []):
        if d["commodity"] == "crude_oil" and d["node"] in cap and d["amount"] > cap[d["node"]]:
            err(f"{scenario['name']}: crude runs at {d['node']} ({d['amount']}) exceed refining capacity {cap[d['node']]}")


def check_published() -> None:
    """Assert the baseline reproduces the published 2023 figures (and print them)."""
    got = baseline_figures()
    print("baseline against published 2023 figures:")
    for label, key, value, tol, src in PUBLISHED_2023:
        v = got[key]
        ok = abs(v - value) <= tol * value
        print(f"  {'ok ' if ok else 'BAD'} {label:44s} {v:9.2f}  published {value:9.2f} ({src})")
        if not ok:
            err(f"baseline {label} = {v:.2f}, published {value} ({src}), off by more than {tol:.0%}")
    for label, key, lo, hi, src in PUBLISHED_RANGES:
        v = got[key]
        ok = lo <= v <= hi
        print(f"  {'ok ' if ok else 'BAD'} {label:44s} {v:9.2f}  published {lo}-{hi} ({src})")
        if not ok:
            err(f"baseline {label} = {v:.2f}, outside the published {lo}-{hi} ({src})")


def main() -> int:
    errors.clear()
    nodes, links = check_geodata()
    scen_dir = ROOT / "scenarios"
    base: Path | None = None
    for path in sorted(scen_dir.glob("*.yaml")):
        check_scenario(path, nodes, links)
        if path.name == "baseline.yaml":
            base = path
    if base is not None:
        check_refining(load_scenario(base))
    if base is not None and not errors:
        check_published()
    if errors:
        print(f"{len(errors)} problem(s):")
        for e in errors:
            print("  -", e)
        return 1
    print(f"check: OK ({len(nodes)} nodes, {len(links)} links)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
