"""Optimal cost equals networkx.network_simplex on random single-commodity instances."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from factory import link, node, write_case

import corridors
from corridors import Status


def random_instance(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 14))
    g = nx.DiGraph()
    for i in range(n - 1):  # a spanning path keeps it connected
        g.add_edge(i, i + 1)
    for _ in range(3 * n):
        a, b = (int(x) for x in rng.choice(n, 2, replace=False))
        g.add_edge(a, b)
    for a, b in g.edges:
        g.edges[a, b]["capacity"] = int(rng.integers(5, 40))
        g.edges[a, b]["weight"] = int(rng.integers(1, 20))
    sources = [int(x) for x in rng.choice(n // 2, 2, replace=False)]
    sinks = [int(x) for x in rng.choice(range(n // 2, n), 2, replace=False)]
    amount = [int(x) for x in rng.integers(3, 15, 2)]
    for v in g.nodes:
        g.nodes[v]["demand"] = 0
    for s, a in zip(sources, amount, strict=True):
        g.nodes[s]["demand"] -= a
    for t, a in zip(sinks, amount, strict=True):
        g.nodes[t]["demand"] += a
    return g, sources, sinks


@pytest.mark.parametrize("seed", range(12))
def test_min_cost_equals_network_simplex(tmp_path, seed):
    g, sources, sinks = random_instance(seed)
    try:
        expected = nx.network_simplex(g)[0]
    except nx.NetworkXUnfeasible:
        pytest.skip("random instance infeasible")
    nodes = [node(f"n{v}", "junction", float(v), 0.0) for v in g.nodes]
    links = [
        link(f"e{a}_{b}", f"n{a}", f"n{b}", capacity=d["capacity"], cost=d["weight"])
        for a, b, d in g.edges(data=True)
    ]
    supply = [
        {
            "node": f"n{s}",
            "commodity": "crude_oil",
            "max": -g.nodes[s]["demand"],
            "min": -g.nodes[s]["demand"],
            "price": 0,
        }
        for s in sources
    ]
    demand = [
        {"node": f"n{t}", "commodity": "crude_oil", "amount": g.nodes[t]["demand"]} for t in sinks
    ]
    path = write_case(tmp_path, nodes, links, {"supply": supply, "demand": demand})
    r = corridors.solve(path)
    assert r.status is Status.OPTIMAL
    assert r.unmet_pj() == pytest.approx(0.0, abs=1e-9)
    assert r.objective == pytest.approx(expected, rel=1e-9)
