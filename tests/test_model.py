"""Small networks with hand-computed optima."""

from __future__ import annotations

import numpy as np
import pytest
from factory import diamond, link, node, regas_link, single_link, write_case

import corridors
from corridors import Status
from corridors.api import solve_prepared
from corridors.core.availability import availability
from corridors.core.check import check_invariants
from corridors.core.session import prepare


def flows_of(result):
    return result.flows.set_index("link")["flow"].to_dict()


def test_diamond_optimum_and_duals(tmp_path):
    r = corridors.solve(diamond(tmp_path))
    assert r.status is Status.OPTIMAL
    # 6 units via a at 2/unit, 4 via b at 4/unit, supply 10 at 10/unit
    assert r.objective == pytest.approx(100 + 6 * 2 + 4 * 4)
    f = flows_of(r)
    assert f == pytest.approx({"sa": 6, "ad": 6, "sb": 4, "bd": 4})
    prices = r.prices.set_index("node")["marginal_cost"]
    assert prices["d"] == pytest.approx(14.0)  # next unit at d comes via b: 10 + 4
    assert prices["s"] == pytest.approx(10.0)
    binding = r.binding.set_index("element")["shadow_price"]
    assert binding["sa"] == pytest.approx(2.0)  # one more unit on s->a saves 4 - 2
    assert r.cost_breakdown["transport"] == pytest.approx(28.0)
    assert r.unmet_pj() == 0


def test_shortfall_is_priced_not_infeasible(tmp_path):
    path = diamond(tmp_path, demand=[{"node": "d", "commodity": "crude_oil", "amount": 25}])
    r = corridors.solve(path)
    assert r.status is Status.OPTIMAL
    # capacity into d is 6 + 10 = 16; 9 units unmet at 1000/unit
    assert r.unmet_by_commodity()["crude_oil"] == pytest.approx(9.0)
    assert r.objective == pytest.approx(16 * 10 + 6 * 2 + 10 * 4 + 9 * 1000)


def test_chokepoint_closure_cuts_every_lane(tmp_path):
    path = diamond(tmp_path, disruptions=[{"target": "b", "capacity_factor": 0.0}])
    r = corridors.solve(path)
    f = flows_of(r)
    assert f["sb"] == 0 and f["bd"] == 0
    assert r.unmet_by_commodity()["crude_oil"] == pytest.approx(4.0)


def test_node_throughput_limit_binds_in_energy_terms(tmp_path):
    nodes = [
        node("s", "supply", 0, 0),
        node("b", "chokepoint", 1, 0, capacity=42.3 * 3),  # 3 Mt of crude per year
        node("d", "demand", 2, 0),
    ]
    links = [link("sb", "s", "b", cost=1), link("bd", "b", "d", cost=1)]
    sc = {
        "supply": [{"node": "s", "commodity": "crude_oil", "max": 10, "price": 0}],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 5}],
    }
    r = corridors.solve(write_case(tmp_path, nodes, links, sc))
    assert flows_of(r)["sb"] == pytest.approx(3.0)
    assert r.unmet_by_commodity()["crude_oil"] == pytest.approx(2.0)
    node_rows = r.binding[r.binding["kind"] == "node"].set_index("element")
    # one more PJ of strait capacity saves (1000 - 2) / 42.3 USD
    assert node_rows.loc["b", "shadow_price"] == pytest.approx((1000 - 2) / 42.3)


def test_regasification_converts_units_with_efficiency(tmp_path):
    nodes = [
        node("q", "supply", 0, 0),
        node("t", "terminal", 1, 0),
        node("d", "demand", 2, 0),
    ]
    links = [
        link("ship", "q", "t", commodity="lng", mode="sea", cost=5),
        regas_link("regas", "t", "d", efficiency=0.9, capacity=100, cost=2),
    ]
    sc = {
        "supply": [{"node": "q", "commodity": "lng", "max": 100, "price": 100}],
        "demand": [{"node": "d", "commodity": "pipeline_gas", "amount": 30}],
    }
    r = corridors.solve(write_case(tmp_path, nodes, links, sc))
    eta = 0.9 * 48.7 / 36.0
    lng = 30 / eta
    assert flows_of(r)["regas"] == pytest.approx(lng)
    assert r.objective == pytest.approx(lng * (100 + 5 + 2))
    assert r.prices.set_index(["node", "commodity"]).loc[
        ("d", "pipeline_gas"), "marginal_cost"
    ] == (pytest.approx(107 / eta))


def test_storage_bridges_a_timed_disruption(tmp_path):
    path = single_link(
        tmp_path,
        sd={"capacity": 160, "cost": 1},
        supply={"max": 200, "price": 10},
        demand={"amount": 100},
        storage={"capacity": 40, "initial": 20, "max_withdrawal": 80, "max_injection": 80},
        horizon={"periods": 4, "period_days": 91.25},
        disruptions=[{"target": "sd", "capacity_factor": 0.0, "start": 2, "end": 2}],
    )
    r = corridors.solve(path)
    st = r.storage.set_index("period")
    # quarter 2: pipeline cut, demand 25; the reserve (filled to 35 in quarter 1) can give
    # only 80/4 = 20 a quarter: 5 unmet
    assert st.loc[2, "withdrawal"] == pytest.approx(20.0)
    un = r.unmet.set_index("period")["unmet"]
    assert un[2] == pytest.approx(5.0)
    assert un[[1, 3, 4]].sum() == pytest.approx(0.0)
    # reserve refilled by the end (final_min defaults to initial)
    assert st.loc[4, "level"] >= 20 - 1e-6


def test_date_window_covers_part_of_a_period(tmp_path):
    path = single_link(
        tmp_path,
        sd={"capacity": 365, "cost": 0},
        supply={"max": 1000},
        demand={"amount": 365},
        horizon={"periods": 1, "period_days": 365, "start": "2023-01-01"},
        disruptions=[
            {"target": "sd", "capacity_factor": 0.0, "start": "2023-03-01", "end": "2023-04-29"}
        ],
    )
    r = corridors.solve(path)
    assert r.unmet_by_commodity()["crude_oil"] == pytest.approx(60.0)  # 60 days lost


def test_carbon_price_adds_emission_cost(tmp_path):
    sc = {
        "carbon_price": 0.01,
        "emission_factors": {"pipeline": {"crude_oil": 10.0}, "sea": {"crude_oil": 2.0}},
    }
    r = corridors.solve(diamond(tmp_path, **sc))
    # t CO2e per Mt over 100 km: 1e6 t * 100 km * g/tkm * 1e-6
    per_unit_pipe, per_unit_sea = 1e6 * 100 * 10 * 1e-6, 1e6 * 100 * 2 * 1e-6
    # carbon adds 2*1000*0.01 = 20 per unit on the pipeline path (total 22) and
    # 2*200*0.01 = 4 on the sea path (total 8): everything goes by sea
    f = flows_of(r)
    assert f["sb"] == pytest.approx(10.0) and f["sa"] == pytest.approx(0.0)
    emis = 10 * 2 * per_unit_sea
    assert r.cost_breakdown["carbon"] == pytest.approx(0.01 * emis)
    assert r.flows["emissions_t"].sum() == pytest.approx(emis)
    assert per_unit_pipe > per_unit_sea


def test_bidirectional_link_flows_either_way(tmp_path):
    nodes = [node("s", "supply", 0, 0), node("a", "demand", 1, 0), node("b", "demand", 2, 0)]
    links = [
        link("sa", "s", "a", capacity=10, cost=1),
        link("ab", "a", "b", capacity=5, cost=1, bidirectional=True),
    ]
    sc = {
        "supply": [{"node": "s", "commodity": "crude_oil", "max": 10}],
        "demand": [
            {"node": "a", "commodity": "crude_oil", "amount": 6},
            {"node": "b", "commodity": "crude_oil", "amount": 4},
        ],
    }
    r = corridors.solve(write_case(tmp_path, nodes, links, sc))
    f = flows_of(r)
    assert f["ab"] == pytest.approx(4.0) and f["ab~rev"] == pytest.approx(0.0)


def test_fast_resolve_matches_pyomo_solve(tmp_path):
    """Bounds changed on the HiGHS columns give the same answer as a Pyomo solve."""
    path = diamond(tmp_path, demand=[{"node": "d", "commodity": "crude_oil", "amount": 14}])
    prep = prepare(path)
    base = prep.availability
    for factor_a, factor_b in [(0.0, 1.0), (1.0, 0.5), (0.3, 0.0), (1.0, 1.0)]:
        av = base.copy()
        av.link[0] *= factor_a
        av.link[2] *= factor_b
        fast = prep.runner.resolve(av)
        slow = solve_prepared(prep, av)
        assert fast.status is Status.OPTIMAL
        assert fast.objective == pytest.approx(slow.objective, rel=1e-9)
        per_demand = prep.data.per_demand(fast.unmet).ravel()
        np.testing.assert_allclose(per_demand, slow.unmet["unmet"].to_numpy(), atol=1e-7)


def test_results_of_every_scenario_variant_pass_invariants(tmp_path):
    r = corridors.solve(diamond(tmp_path))
    assert check_invariants(r) == []
    broken = r.flows.copy()
    broken.loc[0, "flow"] += 1.0
    r.flows = broken
    assert check_invariants(r), "the checker must notice a broken balance"


def test_availability_multiplies_overlapping_events(tmp_path):
    path = diamond(
        tmp_path,
        disruptions=[
            {"target": "sb", "capacity_factor": 0.5},
            {"target": "corridor:none", "capacity_factor": 0.5},
        ],
    )
    s = corridors.load_scenario(path)
    with pytest.raises(corridors.CorridorsError):
        availability(s, corridors.load_network(s))
