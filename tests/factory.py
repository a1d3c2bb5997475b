"""Build small hand-checkable networks and scenarios on disk for the tests."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import yaml

COMMODITIES = {
    "crude_oil": {
        "unit": "Mt",
        "pj_per_unit": 42.3,
        "tonnes_per_unit": 1.0e6,
        "shortage_cost": 1000.0,
    },
    "lng": {"unit": "Mt", "pj_per_unit": 48.7, "tonnes_per_unit": 1.0e6, "shortage_cost": 1000.0},
    "pipeline_gas": {
        "unit": "bcm",
        "pj_per_unit": 36.0,
        "tonnes_per_unit": 0.735e6,
        "shortage_cost": 1000.0,
    },
}


def node(id: str, kind: str, lon: float, lat: float, country: str = "AAA", **props: Any) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"id": id, "kind": kind, "country": country, **props},
    }


def link(
    id: str, a: str, b: str, commodity: str = "crude_oil", mode: str = "pipeline", **props: Any
) -> dict:
    props.setdefault("length_km", 100.0)
    return {
        "type": "Feature",
        "geometry": None,
        "properties": {"id": id, "from": a, "to": b, "mode": mode, "commodity": commodity, **props},
    }


def regas_link(id: str, a: str, b: str, **props: Any) -> dict:
    """A regasification link: LNG in at ``a``, pipeline gas out at ``b``."""
    return link(
        id, a, b, commodity="lng", mode="conversion", output_commodity="pipeline_gas", **props
    )


def _value(text: str) -> Any:
    """A table cell: a Python literal (number, bool, list) or else the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _rows(table: str, positional: tuple[int, int]) -> list[tuple[list[str], dict[str, Any]]]:
    """Rows of a whitespace table: the cells before the ``key=value`` ones, and those as
    properties; ``#`` starts a comment. ``positional``: how few and how many plain cells."""
    rows = []
    for raw in table.splitlines():
        cells = raw.split("#", 1)[0].split()
        if not cells:
            continue
        plain = [c for c in cells if "=" not in c]
        if cells[: len(plain)] != plain or not positional[0] <= len(plain) <= positional[1]:
            raise ValueError(f"bad table row: {raw.strip()!r}")
        props = dict(c.split("=", 1) for c in cells[len(plain) :])
        rows.append((plain, {k: _value(v) for k, v in props.items()}))
    return rows


def node_table(table: str) -> list[dict]:
    """Nodes from a table, one a row: ``id kind lon lat [country] [key=value ...]`` (as
    :func:`node`; values are Python literals or else text)."""
    return [
        node(id, kind, _value(lon), _value(lat), *rest, **props)
        for (id, kind, lon, lat, *rest), props in _rows(table, (4, 5))
    ]


def link_table(table: str) -> list[dict]:
    """Links from a table, one a row: ``id from to [key=value ...]`` (as :func:`link`: crude
    oil by pipeline unless the row says otherwise)."""
    return [link(id, a, b, **props) for (id, a, b), props in _rows(table, (3, 3))]


def write_case(
    tmp: Path,
    nodes: list[dict],
    links: list[dict],
    scenario: dict[str, Any],
    name: str = "case.yaml",
) -> Path:
    """Write nodes.geojson, links.geojson and a scenario YAML into ``tmp``; return the YAML."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "nodes.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": nodes}))
    (tmp / "links.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": links}))
    # hand-made cases leave voyage time out unless they ask for it (their costs and flows are
    # computed by hand without it): no cargo interest, and ships so fast that no lag remains
    scenario.setdefault("cargo_interest", 0.0)
    scenario.setdefault("speeds", {c: 1.0e9 for c in scenario.get("commodities", COMMODITIES)})
    doc = {
        "name": scenario.pop("name", "case"),
        "network": {"nodes": "nodes.geojson", "links": "links.geojson"},
        "commodities": scenario.pop("commodities", COMMODITIES),
        **scenario,
    }
    path = tmp / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def diamond(tmp: Path, *, chokepoint: dict[str, Any] | None = None, **overrides: Any) -> Path:
    """Supplier s -> (a | b) -> demand d; via a costs 1+1, via b costs 2+2 per unit.

    Capacities: s->a 6, a->d 10, s->b 10, b->d 10. Supply 20 at price 10, demand 10.
    Optimum: 6 via a (cost 2), 4 via b (cost 4): transport 6*2 + 4*4 = 28, supply 100,
    objective 128. ``chokepoint``: more properties of b; ``overrides``: scenario entries.
    """
    nodes = [
        node("s", "supply", 0, 0),
        node("a", "junction", 1, 1),
        node("b", "chokepoint", 1, -1, capacity=1000.0, **(chokepoint or {})),
        node("d", "demand", 2, 0, country="BBB"),
    ]
    links = [
        link("sa", "s", "a", capacity=6, cost=1),
        link("ad", "a", "d", capacity=10, cost=1),
        link("sb", "s", "b", capacity=10, cost=2, mode="sea"),
        link("bd", "b", "d", capacity=10, cost=2, mode="sea"),
    ]
    scenario = {
        "supply": [{"node": "s", "commodity": "crude_oil", "max": 20, "price": 10}],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 10}],
        **overrides,
    }
    return write_case(tmp, nodes, links, scenario)


def single_link(
    tmp: Path,
    sd: dict[str, Any],
    supply: dict[str, Any],
    demand: dict[str, Any],
    *,
    storage: dict[str, Any] | None = None,
    country: str = "AAA",
    **scenario: Any,
) -> Path:
    """Crude from supplier s over one link sd to demand d (in ``country``).

    ``sd``: the link's properties (a pipeline unless it says otherwise); ``supply``,
    ``demand`` and ``storage`` (a crude reserve at d): the figures of the scenario's one entry
    of each (node and commodity filled in); ``scenario``: further scenario entries.
    """
    crude = {"commodity": "crude_oil"}
    entries: dict[str, Any] = {
        "supply": [{"node": "s", **crude, **supply}],
        "demand": [{"node": "d", **crude, **demand}],
    }
    if storage is not None:
        entries["storage"] = [{"node": "d", **crude, **storage}]
    nodes = [node("s", "supply", 0, 0), node("d", "demand", 1, 0, country=country)]
    return write_case(tmp, nodes, [link("sd", "s", "d", **sd)], {**entries, **scenario})


def random_network(
    tmp: Path, seed: int, n: int = 12, extra_edges: int = 30, **overrides: Any
) -> Path:
    """A random connected network with two suppliers and two demand nodes (crude oil)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    nodes = [node(f"n{i}", "junction", float(i), float(rng.uniform(-5, 5))) for i in range(n)]
    nodes[0]["properties"]["kind"] = "supply"
    nodes[1]["properties"]["kind"] = "supply"
    nodes[1]["properties"]["country"] = "BBB"
    nodes[n - 1]["properties"]["kind"] = "demand"
    nodes[n - 2]["properties"]["kind"] = "demand"
    nodes[n // 2]["properties"]["kind"] = "chokepoint"
    edges = {(i, i + 1) for i in range(n - 1)}
    while len(edges) < n - 1 + extra_edges:
        a, b = (int(x) for x in rng.choice(n, 2, replace=False))
        if a < b:
            edges.add((a, b))
    links = [
        link(
            f"e{a}_{b}",
            f"n{a}",
            f"n{b}",
            capacity=float(rng.integers(5, 30)),
            cost=float(rng.integers(1, 20)),
            mode="sea" if (a + b) % 3 == 0 else "pipeline",
        )
        for a, b in sorted(edges)
    ]
    scenario = {
        "supply": [
            {"node": "n0", "commodity": "crude_oil", "max": 40, "price": 5},
            {"node": "n1", "commodity": "crude_oil", "max": 30, "price": 8},
        ],
        "demand": [
            {"node": f"n{n - 1}", "commodity": "crude_oil", "amount": 25},
            {"node": f"n{n - 2}", "commodity": "crude_oil", "amount": 20},
        ],
        **overrides,
    }
    return write_case(tmp, nodes, links, scenario)


#: km sailed in one day at 10 knots (10 · 1.852 · 24): with ``speeds: {crude_oil: 10}`` a sea
#: lane of ``days * KM_DAY_10KN`` km takes ``days`` days.
KM_DAY_10KN = 444.48


def voyage_case(tmp: Path, lag1: float = 1.0, lag2: float = 1.0, **overrides: Any) -> Path:
    """Crude s -(sea, lag1 periods)-> chokepoint k -(sea, lag2 periods)-> demand d, periods of
    10 days, ships at 10 knots; demand 365 Mt/yr (10 per period), supply ample at price 10."""
    nodes = [
        node("s", "supply", 0, 0),
        node("k", "chokepoint", 1, 0, capacity=1.0e6),
        node("d", "demand", 2, 0, country="BBB"),
    ]
    links = [
        link("sk", "s", "k", mode="sea", capacity=1000, cost=1, length_km=lag1 * 10 * KM_DAY_10KN),
        link("kd", "k", "d", mode="sea", capacity=1000, cost=1, length_km=lag2 * 10 * KM_DAY_10KN),
    ]
    scenario = {
        "horizon": {"periods": 6, "period_days": 10.0},
        "speeds": {"crude_oil": 10},
        "supply": [{"node": "s", "commodity": "crude_oil", "max": 10000, "price": 10}],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 365}],
        **overrides,
    }
    return write_case(tmp, nodes, links, scenario)
