"""Random networks for the sweep tests: what makes pruning hard, in a few dozen nodes.

Two commodities (crude by pipeline and sea, LNG regasified into pipeline gas), several
periods with voyage lags, supply tranches, a supply floor, take-or-pay contracts (when the
schema has them), a capped chokepoint carrying both, stocks with a release price and, when
asked, an unforeseen event in the reference (so that stocks are released only from its start
and the cases, which lose elements from the first period, release them earlier).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from factory import COMMODITIES, KM_DAY_10KN, link, node, regas_link, write_case

from corridors.io.schema import Supply

HAS_TAKE_OR_PAY = "take_or_pay" in Supply.model_fields
USD = 1.0e7
"""Money scale of the random networks: prices of a few hundred million USD per unit, as in
the reference data (the model carries money in million USD; tiny costs would sit below the
solver's tolerances)."""


def rich_network(
    tmp: Path,
    seed: int,
    *,
    n: int = 14,
    extra: int = 18,
    periods: int = 4,
    event_start: int | None = 3,
    **overrides: Any,
) -> Path:
    """A random network with crude, LNG and pipeline gas; see the module docstring.

    ``event_start``: 1-based period at which a foreseen-free partial closure of the
    chokepoint starts in the reference (None: no event, stocks released from period 1)."""
    rng = np.random.default_rng(seed)
    nodes = [node("oil_a", "supply", 0, 0, country="AAA"), node("oil_b", "supply", 0, 2, "BBB")]
    nodes += [node("lng_c", "supply", 0, -2, country="CCC")]
    nodes += [node(f"j{i}", "junction", 1 + i, float(rng.uniform(-3, 3))) for i in range(n)]
    nodes += [node("strait", "chokepoint", 3, 0, capacity=float(rng.uniform(1500, 3000)))]
    nodes += [node("port", "port", n, 0, country="ZZZ"), node("term", "terminal", n, -2, "ZZZ")]
    nodes += [
        node("city_a", "demand", n + 2, 1, country="ZZZ"),
        node("city_b", "demand", n + 2, -1, country="ZZZ"),
        node("tank", "storage", n + 1, 2, country="ZZZ"),
    ]
    junctions = [f"j{i}" for i in range(n)]
    links = []
    edges: set[tuple[str, str]] = set()

    def add(a: str, b: str, **props: Any) -> None:
        if a == b or (a, b) in edges:
            return
        edges.add((a, b))
        links.append(
            link(
                f"{a}__{b}",
                a,
                b,
                capacity=props.pop("capacity", float(rng.integers(15, 60))),
                cost=props.pop("cost", float(rng.integers(1, 15)) * USD),
                **props,
            )
        )

    # crude: suppliers -> junction chain (some by sea, through the strait) -> port -> cities
    add("oil_a", "j0")
    add(
        "oil_b",
        "j1",
        mode="sea",
        length_km=float(rng.uniform(1, 3)) * 30 * KM_DAY_10KN,
        capacity=40.0,
    )
    add("oil_b", "j2", capacity=20.0)
    add("oil_a", "strait", mode="sea", length_km=20 * KM_DAY_10KN, capacity=25.0)
    add("strait", f"j{n // 2}", mode="sea", length_km=15 * KM_DAY_10KN, capacity=25.0)
    for i in range(n - 1):
        add(f"j{i}", f"j{i + 1}")
    while len(edges) < n + 3 + extra:
        a, b = sorted(rng.choice(n, 2, replace=False))
        sea = bool(rng.random() < 0.3)
        kw: dict[str, Any] = {"mode": "sea", "length_km": float(rng.uniform(3, 40)) * KM_DAY_10KN}
        add(junctions[a], junctions[b], **(kw if sea else {}))
    add(f"j{n - 1}", "port", capacity=80.0)
    add(f"j{n - 2}", "port", capacity=40.0)
    add(f"j{n - 3}", "city_b", capacity=25.0, cost=6.0 * USD)
    add("port", "city_a", capacity=70.0, cost=1.0 * USD)
    add("port", "city_b", capacity=60.0, cost=1.0 * USD)
    add("tank", "city_a", capacity=30.0, cost=0.5 * USD)
    # LNG through the strait too, regasified at the terminal into pipeline gas
    add("lng_c", "strait", commodity="lng", mode="sea", length_km=10 * KM_DAY_10KN, capacity=30.0)
    add("strait", "term", commodity="lng", mode="sea", length_km=25 * KM_DAY_10KN, capacity=30.0)
    add("lng_c", "term", commodity="lng", mode="sea", length_km=60 * KM_DAY_10KN, capacity=20.0)
    links.append(
        regas_link("regas", "term", "term_gas", efficiency=0.98, capacity=45.0, cost=2.0 * USD)
    )
    nodes.append(node("term_gas", "junction", n + 1, -2, country="ZZZ"))
    add("term_gas", "city_b", commodity="pipeline_gas", capacity=30.0, cost=1.0 * USD)
    pay: dict[str, Any] = {"take_or_pay": 0.5} if HAS_TAKE_OR_PAY else {}
    scenario: dict[str, Any] = {
        "commodities": {c: {**v, "shortage_cost": 1000 * USD} for c, v in COMMODITIES.items()},
        "horizon": {"periods": periods, "period_days": 30.0},
        "speeds": {"crude_oil": 10, "lng": 10},
        "supply": [
            {
                "node": "oil_a",
                "commodity": "crude_oil",
                "max": 300,
                "price": 50 * USD,
                "tranches": [{"max": 80, "price": 90 * USD, "label": "spare"}],
            },
            {"node": "oil_b", "commodity": "crude_oil", "max": 200, "price": 60 * USD, "min": 10},
            {"node": "lng_c", "commodity": "lng", "max": 250, "price": 70 * USD, **pay},
            {"node": "term_gas", "commodity": "pipeline_gas", "max": 8, "price": 150 * USD},
        ],
        "demand": [
            {
                "node": "city_a",
                "commodity": "crude_oil",
                "amount": 60,
                "restraint": [{"share": 0.1, "cost": 300 * USD}],
            },
            {"node": "city_b", "commodity": "crude_oil", "amount": 40},
            {"node": "city_b", "commodity": "pipeline_gas", "amount": 40},
        ],
        "storage": [
            {
                "node": "tank",
                "commodity": "crude_oil",
                "capacity": 40,
                "initial": 30,
                "max_withdrawal": 200,
                "max_injection": 100,
                "final_min": 10,
                "release_price": 120 * USD,
            }
        ],
        "discount_rate": 0.05,
    }
    if event_start is not None:
        scenario["disruptions"] = [
            {"target": "strait", "capacity_factor": 0.4, "start": event_start, "end": periods}
        ]
    scenario.update(overrides)
    return write_case(tmp, nodes, links, scenario)
