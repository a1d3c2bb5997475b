"""Demand response: restraint steps before shortage, and rationing blocks that share a
shortfall between regions (hand-checked on one and two demands fed by one supplier)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factory import link, node, single_link, write_case

import corridors


def one_region(tmp: Path, **overrides: object) -> Path:
    # supplier s (15 at 10) -> d (demand 20, shortage 1000); 10 % restrainable at 50
    return single_link(
        tmp,
        sd={"cost": 0},
        supply={"max": 15, "price": 10},
        demand={"amount": 20, "restraint": [{"share": 0.1, "cost": 50}]},
        country="BBB",
        **overrides,
    )


def test_restraint_comes_before_shortage(tmp_path):
    r = corridors.solve(one_region(tmp_path))
    row = r.unmet.iloc[0]
    assert row["unmet"] == pytest.approx(5.0)
    assert row["restraint"] == pytest.approx(2.0)  # 10 % of 20
    assert row["shortage"] == pytest.approx(3.0)
    # 15 bought at 10, 2 restrained at 50, 3 short at 1000
    assert r.objective == pytest.approx(150 + 100 + 3000)
    assert r.cost_breakdown["restraint"] == pytest.approx(100.0)
    assert r.cost_breakdown["shortage"] == pytest.approx(3000.0)


def test_summary_and_unmet_csv_report_both(tmp_path):
    out = tmp_path / "out"
    corridors.run(one_region(tmp_path), out)
    head = (out / "unmet.csv").read_text().splitlines()[0].split(",")
    assert {"unmet", "restraint", "shortage"} <= set(head)
    bal = json.loads((out / "summary.json").read_text())["balance"]["crude_oil"]
    assert bal["restraint"]["volume"] == pytest.approx(2.0)
    assert bal["shortage"]["volume"] == pytest.approx(3.0)
    assert bal["unmet"]["volume"] == pytest.approx(5.0)


def test_restraint_shares_are_checked(tmp_path):
    path = one_region(tmp_path)
    import yaml

    doc = yaml.safe_load(path.read_text())
    doc["demand"][0]["restraint"] = [{"share": 0.7, "cost": 1}, {"share": 0.5, "cost": 2}]
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(corridors.CorridorsError, match="restraint shares sum to 1.2"):
        corridors.solve(path)


def two_regions(tmp: Path, blocks: int) -> Path:
    # one supplier of 10 feeds two equal regions of 10 at the same cost: 10 short in all
    nodes = [
        node("s", "supply", 0, 0, country="AAA"),
        node("d1", "demand", 1, 1, country="BBB"),
        node("d2", "demand", 1, -1, country="BBB"),
    ]
    links = [link("l1", "s", "d1", cost=1), link("l2", "s", "d2", cost=1)]
    scenario: dict[str, object] = {
        "supply": [{"node": "s", "commodity": "crude_oil", "max": 10, "price": 10}],
        "demand": [
            {"node": "d1", "commodity": "crude_oil", "amount": 10},
            {"node": "d2", "commodity": "crude_oil", "amount": 10},
        ],
        "rationing": {"blocks": blocks, "step": 0.001},
    }
    return write_case(tmp, nodes, links, scenario)


def test_rationing_shares_a_shortfall_between_equal_regions(tmp_path):
    r = corridors.solve(two_regions(tmp_path, blocks=10))
    short = r.unmet.set_index("node")["unmet"]
    assert short["d1"] == pytest.approx(5.0) and short["d2"] == pytest.approx(5.0)
    # blocks of 1 unit at 1000, 1001, ..., 1004 in each region
    assert r.cost_breakdown["shortage"] == pytest.approx(2 * sum(1000 + i for i in range(5)))


def test_rationing_blocks_are_pyomo_indices(tmp_path):
    prep = corridors.prepare(two_regions(tmp_path, blocks=4))
    m = prep.pyomo
    assert [k for k in m.U if k[0] == "d1"] == [
        ("d1", "crude_oil", f"shortage_{i}") for i in range(1, 5)
    ]
    assert m.unmet["d1", "crude_oil", "shortage_2", 1].ub == pytest.approx(2.5)
