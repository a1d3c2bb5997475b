"""Deterministic synthetic corridor networks for benchmarks (and scale tests).

    python benchmarks/synthetic.py --links 10000 --periods 1 --seed 1 --out /tmp/syn10k

writes nodes.geojson, links.geojson and scenario.yaml. Nodes are scattered over a lon/lat box;
each node links to its nearest neighbours (pipelines over land-like short hops, sea lanes for
longer ones); ~4 % of nodes are suppliers, ~4 % demand regions, ~1 % chokepoints with a
throughput limit. Capacities and costs are drawn from a seeded generator; total supply exceeds
demand, so shortfall only comes from capacity limits and losses.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import yaml

COMMODITIES = {
    "crude_oil": {
        "unit": "Mt",
        "pj_per_unit": 42.3,
        "tonnes_per_unit": 1.0e6,
        "shortage_cost": 3.0e9,
    },
    "lng": {"unit": "Mt", "pj_per_unit": 48.7, "tonnes_per_unit": 1.0e6, "shortage_cost": 2.3e9},
    "pipeline_gas": {
        "unit": "bcm",
        "pj_per_unit": 36.0,
        "tonnes_per_unit": 0.735e6,
        "shortage_cost": 1.4e9,
    },
}


def generate(
    out: Path,
    links: int = 10_000,
    periods: int = 1,
    commodities: int = 1,
    seed: int = 1,
    degree: int = 5,
    storage: bool = False,
) -> Path:
    """Write a synthetic case with about ``links`` links; return the scenario path.

    ``storage``: a strategic reserve at every demand node and commodity (a quarter of a year's
    demand, half full), and every chokepoint closed for the middle third of the horizon, so
    that periods are coupled through the reserves (the shape of a weekly disruption study)."""
    rng = np.random.default_rng(seed)
    coms = list(COMMODITIES)[:commodities]
    n = max(10, links // (degree * len(coms)))
    lon = rng.uniform(20, 140, n)
    lat = rng.uniform(-30, 60, n)
    kinds = np.array(["junction"] * n, dtype=object)
    order = rng.permutation(n)
    n_sup = max(2, n // 25)
    n_dem = max(2, n // 25)
    n_chk = max(1, n // 100)
    sup = order[:n_sup]
    dem = order[n_sup : n_sup + n_dem]
    chk = order[n_sup + n_dem : n_sup + n_dem + n_chk]
    kinds[sup] = "supply"
    kinds[dem] = "demand"
    kinds[chk] = "chokepoint"
    countries = [f"Q{chr(65 + c // 26)}{chr(65 + c % 26)}" for c in range(20)]
    nodes = []
    for i in range(n):
        country = "CHN" if kinds[i] == "demand" else countries[i % 20]
        props = {"id": f"n{i}", "kind": kinds[i], "country": country}
        if kinds[i] == "chokepoint":
            props["capacity"] = float(rng.uniform(2_000, 20_000))
        nodes.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon[i], 4), round(lat[i], 4)]},
                "properties": props,
            }
        )
    # nearest neighbours on a flat approximation (fine for a synthetic topology)
    xy = np.column_stack([lon, lat])
    feats = []
    lid = 0
    for i in range(n):
        d = np.hypot(*(xy - xy[i]).T)
        nbrs = np.argsort(d)[1 : degree + 1]
        for j in nbrs:
            km = float(d[j] * 100.0)
            mode = "sea" if km > 800 else "pipeline"
            for c in coms:
                cap = float(rng.uniform(20, 200))
                rate = 1.0e6 if mode == "sea" else 1.5e7  # USD per unit per 1000 km
                feats.append(
                    {
                        "type": "Feature",
                        "geometry": None,
                        "properties": {
                            "id": f"l{lid}",
                            "from": f"n{i}",
                            "to": f"n{j}",
                            "mode": mode,
                            "commodity": c,
                            "capacity": round(cap, 3),
                            "cost": round(rate * km / 1000.0, 1),
                            "length_km": round(km, 1),
                            "corridor": f"k{i % 7}",
                        },
                    }
                )
                lid += 1
    out.mkdir(parents=True, exist_ok=True)
    (out / "nodes.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": nodes}))
    (out / "links.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    supply = [
        {
            "node": f"n{i}",
            "commodity": c,
            "max": float(rng.uniform(100, 400)),
            "price": float(rng.uniform(4e8, 6e8)),
        }
        for i in sup
        for c in coms
    ]
    total = sum(s["max"] for s in supply)
    demand = [
        {"node": f"n{i}", "commodity": c, "amount": round(0.6 * total / (len(dem) * len(coms)), 3)}
        for i in dem
        for c in coms
    ]
    extra: dict = {}
    if storage:
        extra["storage"] = [
            {
                "node": d["node"],
                "commodity": d["commodity"],
                "capacity": round(0.25 * d["amount"], 3),
                "initial": round(0.125 * d["amount"], 3),
                "max_withdrawal": round(0.5 * d["amount"], 3),
                "max_injection": round(0.25 * d["amount"], 3),
            }
            for d in demand
        ]
        if periods >= 3:
            extra["disruptions"] = [
                {"target": f"n{i}", "capacity_factor": 0.0, "start": periods // 3 + 1,
                 "end": 2 * periods // 3}
                for i in chk
            ]  # fmt: skip
    scenario = {
        "name": f"synthetic_{lid}_links_{periods}_periods",
        "description": f"Synthetic network, seed {seed}: {n} nodes, {lid} links, {periods} periods.",
        "network": {"nodes": "nodes.geojson", "links": "links.geojson"},
        "commodities": {c: COMMODITIES[c] for c in coms},
        "supply": supply,
        "demand": demand,
        "horizon": {"periods": periods, "period_days": 365.0 / periods},
        "outputs": {"map": False, "gpkg": False},
        **extra,
    }
    path = out / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--links", type=int, default=10_000)
    ap.add_argument("--periods", type=int, default=1)
    ap.add_argument("--commodities", type=int, default=1, choices=[1, 2, 3])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--storage", action="store_true", help="reserves + a mid-horizon closure")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    print(generate(a.out, a.links, a.periods, a.commodities, a.seed, storage=a.storage))


if __name__ == "__main__":
    main()
