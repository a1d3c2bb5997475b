"""Flow an event actually removed, against the capacity it removed, on the hand-solved
diamond: s -> a -> d carries 6 (its capacity), s -> b -> d the other 4 of demand 10."""

from __future__ import annotations

import pytest
from factory import diamond, single_link

import corridors
from corridors.analysis.event_effect import event_effects, undisrupted

EVENTS = [
    # s -> a at capacity (6): halved in periods 2-3, 3 of its 6 are lost (rerouted via b)
    {"target": "sa", "capacity_factor": 0.5, "start": 2, "end": 3},
    # chokepoint b runs 4 of 10: halved in period 2, it carries 5 (4 + 1 rerouted from a)
    {"target": "b", "capacity_factor": 0.5, "start": 2, "end": 2},
    # supplier country AAA offers 20, 10 are taken: halving it in period 4 removes no flow
    {"target": "AAA", "capacity_factor": 0.5, "start": 4, "end": 4},
    # a Monte Carlo candidate is not applied to a run: not reported
    {"target": "ad", "probability": 0.5, "duration_days": 10},
]


@pytest.fixture(scope="module")
def effects(tmp_path_factory):  # type: ignore[no-untyped-def]
    path = diamond(tmp_path_factory.mktemp("ee"), horizon={"periods": 4}, disruptions=EVENTS)
    return event_effects(corridors.solve(path)), path


def crude(effect):  # type: ignore[no-untyped-def]
    return dict(effect["commodities"]["crude_oil"])


def test_an_element_at_capacity_loses_flow_as_capacity(effects):
    rows, path = effects
    assert [r["event"] for r in rows] == ["disruptions[0]", "disruptions[1]", "disruptions[2]"]
    sa = rows[0]
    assert (sa["file"], sa["target"], sa["capacity_factor"]) == (str(path), "sa", 0.5)
    assert sa["periods"] == [2, 3]
    row = crude(sa)
    assert row.pop("unit") == "Mt"
    assert row == pytest.approx(
        {
            "capacity": 12.0,
            "capacity_removed": 6.0,
            "base_flow": 12.0,
            "disrupted_flow": 6.0,
            "flow_removed": 6.0,
        }
    )
    assert sa["flow_removed_pj"] == pytest.approx(6.0 * 42.3)


def test_a_node_below_capacity_loses_no_flow_and_takes_rerouted_flow(effects):
    b = effects[0][1]
    assert b["periods"] == [2]
    row = crude(b)
    # flow into b (lane s -> b): 4 before, 5 after (sa halved in period 2 too): -1 removed
    assert row["capacity"] == pytest.approx(10.0) and row["capacity_removed"] == pytest.approx(5.0)
    assert row["base_flow"] == pytest.approx(4.0) and row["disrupted_flow"] == pytest.approx(5.0)
    assert row["flow_removed"] == pytest.approx(-1.0)
    # its throughput limit, 1000 PJ/yr, halved for one yearly period
    assert b["node_capacity_removed_pj"] == pytest.approx(500.0)


def test_a_supplier_with_spare_supply_loses_capacity_not_flow(effects):
    row = crude(effects[0][2])
    assert row["capacity"] == pytest.approx(20.0) and row["capacity_removed"] == pytest.approx(10.0)
    assert row["base_flow"] == pytest.approx(10.0)
    assert row["flow_removed"] == pytest.approx(0.0, abs=1e-9)


def test_the_base_run_can_be_given_and_unlimited_capacity_is_none(tmp_path):
    """A sea lane without capacity: its capacity is unlimited (None), its flow is counted; the
    base run passed in gives the same figures as the one solved inside."""
    path = diamond(tmp_path, disruptions=[{"target": "bd", "capacity_factor": 0.0}])
    r = corridors.solve(path)
    base = undisrupted(r)
    assert base.flows.set_index("link").loc["sb", "flow"] == pytest.approx(4.0)
    given, solved = event_effects(r, base), event_effects(r)
    assert given == solved
    row = crude(given[0])
    assert row["base_flow"] == pytest.approx(4.0) and row["disrupted_flow"] == pytest.approx(0.0)
    assert row["flow_removed"] == pytest.approx(4.0)

    sea = single_link(
        tmp_path / "sea",
        sd={"mode": "sea", "cost": 1},
        supply={"max": 20, "price": 1},
        demand={"amount": 10},
        disruptions=[{"target": "sd", "capacity_factor": 0.5}],
    )
    row = crude(event_effects(corridors.solve(sea))[0])
    assert row["capacity"] is None and row["capacity_removed"] is None
    assert row["base_flow"] == pytest.approx(10.0) and row["flow_removed"] == pytest.approx(0.0)


def test_no_events_no_rows(tmp_path):
    assert event_effects(corridors.solve(diamond(tmp_path))) == []
