"""Supply curves: a supply entry's own step (``base``) plus ``tranches`` bought in price order.

Hand-checked on two suppliers feeding one demand over free links (costs are supply prices):

- s1: base 10 at 10, tranche ``diversion`` 5 at 20, tranche ``spare`` 5 at 40;
- s2: base 10 at 15 (no tranches); demand 22 (shortage cost 1000).

Optimum: s1 base 10 (100) + s2 base 10 (150) + 2 of s1's diversion (40) = 290. With s2 lost,
s1 sells everything: 10 + 5 + 5 = 20 at 100 + 100 + 200 = 400, and 2 are unmet (2000).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from factory import link, node, write_case

import corridors
from corridors.errors import CorridorsError


def two_supplier_network() -> tuple[list[dict], list[dict]]:
    """Suppliers s1 (AAA) and s2 (BBB), each with a free link to demand d (CCC)."""
    nodes = [
        node("s1", "supply", 0, 1, country="AAA"),
        node("s2", "supply", 0, -1, country="BBB"),
        node("d", "demand", 2, 0, country="CCC"),
    ]
    links = [link("l1", "s1", "d", cost=0), link("l2", "s2", "d", cost=0)]
    return nodes, links


def two_suppliers(tmp: Path, **overrides: object) -> Path:
    nodes, links = two_supplier_network()
    scenario: dict[str, object] = {
        "supply": [
            {
                "node": "s1",
                "commodity": "crude_oil",
                "max": 10,
                "price": 10,
                "tranches": [
                    {"max": 5, "price": 20, "label": "diversion"},
                    {"max": 5, "price": 40, "label": "spare"},
                ],
            },
            {"node": "s2", "commodity": "crude_oil", "max": 10, "price": 15},
        ],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 22}],
        **overrides,
    }
    return write_case(tmp, nodes, links, scenario)


def bought(result: corridors.Result) -> dict[tuple[str, str], float]:
    s = result.supply
    return {
        (n, t): float(v) for n, t, v in zip(s["node"], s["tranche"], s["supplied"], strict=True)
    }


def test_a_tranche_is_bought_only_when_the_cheaper_steps_are_gone(tmp_path):
    r = corridors.solve(two_suppliers(tmp_path))
    assert r.objective == pytest.approx(290.0)
    assert bought(r) == pytest.approx(
        {("s1", "base"): 10, ("s1", "diversion"): 2, ("s1", "spare"): 0, ("s2", "base"): 10}
    )
    assert list(r.supply["tranche"]) == ["base", "diversion", "spare", "base"]


def test_losing_a_supplier_buys_the_dearer_steps_of_the_others(tmp_path):
    path = two_suppliers(tmp_path, disruptions=[{"target": "s2", "capacity_factor": 0.0}])
    r = corridors.solve(path)
    assert bought(r) == pytest.approx(
        {("s1", "base"): 10, ("s1", "diversion"): 5, ("s1", "spare"): 5, ("s2", "base"): 0}
    )
    assert r.objective == pytest.approx(400.0 + 2 * 1000.0)


def test_a_supplier_disruption_cuts_every_step_of_it(tmp_path):
    path = two_suppliers(tmp_path, disruptions=[{"target": "s1", "capacity_factor": 0.5}])
    r = corridors.solve(path)
    avail = r.supply.set_index(["node", "tranche"])["available"]
    assert avail[("s1", "base")] == pytest.approx(5.0)
    assert avail[("s1", "diversion")] == pytest.approx(2.5)
    assert avail[("s1", "spare")] == pytest.approx(2.5)


def test_the_take_or_pay_minimum_holds_the_base_step(tmp_path):
    # s2 is dearer, yet its contracted minimum of 8 is taken: s1 then sells only 14
    path = two_suppliers(tmp_path)
    import yaml

    doc = yaml.safe_load(path.read_text())
    doc["supply"][1]["min"] = 8
    doc["demand"][0]["amount"] = 14
    path.write_text(yaml.safe_dump(doc))
    r = corridors.solve(path)
    assert bought(r)[("s2", "base")] == pytest.approx(8.0)
    assert bought(r)[("s1", "base")] == pytest.approx(6.0)


def test_the_pyomo_model_indexes_supply_by_tranche(tmp_path):
    prep = corridors.prepare(two_suppliers(tmp_path))
    m = prep.pyomo
    assert ("s1", "crude_oil", "diversion") in m.S
    assert m.supply["s1", "crude_oil", "spare", 1].ub == pytest.approx(5.0)
    direct = corridors.solve_prepared(prep)
    assert direct.objective == pytest.approx(290.0)


def test_tranche_labels_are_checked(tmp_path):
    path = two_suppliers(tmp_path)
    import yaml

    doc = yaml.safe_load(path.read_text())
    doc["supply"][0]["tranches"].append({"max": 1, "price": 50, "label": "base"})
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(CorridorsError, match="tranche labels must be unique"):
        corridors.solve(path)


@pytest.mark.parametrize("k", [1, 2])
def test_interdiction_stays_exact_with_tranches(tmp_path, k):
    """The interdiction MILP against the exhaustive sweep on a random network whose
    suppliers have dearer steps above their base volume (brute force, as for plain supply)."""
    import yaml
    from factory import random_network

    from corridors.analysis.interdiction import interdict
    from corridors.analysis.sweep import run_sweep

    path = random_network(tmp_path / "net", seed=4, extra_edges=15)
    doc = yaml.safe_load(path.read_text())
    for i, s in enumerate(doc["supply"]):
        s["max"] = s["max"] * 0.6
        s["tranches"] = [{"max": s["max"] * 0.5, "price": s["price"] * (1.5 + i), "label": "more"}]
    path.write_text(yaml.safe_dump(doc))
    classes = "pipeline,sea,chokepoint,junction,supplier"
    sw = run_sweep(path, tmp_path / "sweep", k=k, element_classes=classes)
    for objective, col in (("unmet", "unmet_pj"), ("cost", "objective_usd")):
        res = interdict(path, k, element_classes=classes, objective=objective, fallback=False)
        assert res.check["agrees"]
        ours = res.unmet if objective == "unmet" else res.cost
        assert ours == pytest.approx(sw.table[col].max(), rel=1e-7, abs=1e-6)


# --- take-or-pay -------------------------------------------------------------------------
#
# s1 (contracted: take_or_pay 0.8, max 10 at 15) and s2 (max 20 at 10, cheaper) feed a
# demand of 10. Without the contract s2 serves all: 100. With it, 8 of s1 are paid whether
# taken or not (8 · 15 = 120) and cost nothing more to take: s1 delivers 8 (marginal 0) and
# s2 the other 2 (20): 140. If s1 fails (supplier cut), nothing is paid for it: s2 serves all,
# 100. If s1's link is closed, the payment is still due: 120 + 100 = 220.


def contracted(tmp: Path, **overrides: object) -> Path:
    nodes, links = two_supplier_network()
    scenario: dict[str, object] = {
        "supply": [
            {"node": "s1", "commodity": "crude_oil", "max": 10, "price": 15, "take_or_pay": 0.8},
            {"node": "s2", "commodity": "crude_oil", "max": 20, "price": 10},
        ],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 10}],
        **overrides,
    }
    return write_case(tmp, nodes, links, scenario)


def test_a_take_or_pay_contract_is_not_displaced_by_cheaper_supply(tmp_path):
    r = corridors.solve(contracted(tmp_path))
    assert bought(r) == pytest.approx({("s1", "contract"): 8, ("s1", "base"): 0, ("s2", "base"): 2})
    assert r.objective == pytest.approx(140.0)
    assert r.cost_breakdown["take_or_pay"] == pytest.approx(120.0)
    assert r.cost_breakdown["supply"] == pytest.approx(20.0)
    assert sum(r.cost_breakdown.values()) == pytest.approx(r.objective)


def test_a_supplier_that_fails_is_not_paid_but_a_closed_route_is(tmp_path):
    cut = corridors.solve(
        contracted(tmp_path / "a", disruptions=[{"target": "s1", "capacity_factor": 0.0}])
    )
    assert cut.objective == pytest.approx(100.0)
    assert cut.cost_breakdown["take_or_pay"] == pytest.approx(0.0)
    closed = corridors.solve(
        contracted(tmp_path / "b", disruptions=[{"target": "l1", "capacity_factor": 0.0}])
    )
    assert closed.objective == pytest.approx(220.0)


def test_take_or_pay_through_pyomo_and_a_warm_resolve_agree(tmp_path):
    path = contracted(tmp_path, solver={"interface": "pyomo"})
    assert corridors.solve(path).objective == pytest.approx(140.0)
    for interface in ("direct", "pyomo"):
        prep = corridors.prepare(contracted(tmp_path / interface, solver={"interface": interface}))
        cut = prep.availability.copy()
        cut.supply[0, :] = 0.0  # s1 fails: its payment goes
        assert prep.runner.resolve(cut).objective == pytest.approx(100.0), interface
        closed = prep.availability.copy()
        closed.link[prep.data.link_ids.index("l1"), :] = 0.0
        assert prep.runner.resolve(closed).objective == pytest.approx(220.0), interface
        assert prep.runner.resolve(prep.availability).objective == pytest.approx(140.0)


# --- shadow prices of supply limits and degenerate duals -----------------------------------
#
# s (price 1) -> l1 (capacity 10) -> d (demand 12, shortage cost 100). With s's max 20 only the
# link binds: one more unit of capacity saves 100 - 1 = 99 (not degenerate). With s's max 10
# the supply limit and the link bind together: raising either alone changes nothing, so
# whichever carries the shadow price is flagged degenerate.


def single_path(tmp: Path, supply_max: float) -> Path:
    nodes = [node("s", "supply", 0, 0, country="AAA"), node("d", "demand", 1, 0, country="BBB")]
    links = [link("l1", "s", "d", cost=0, capacity=10)]
    scenario: dict[str, object] = {
        "supply": [{"node": "s", "commodity": "crude_oil", "max": supply_max, "price": 1}],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 12, "shortage_cost": 100}],
    }
    return write_case(tmp, nodes, links, scenario)


def test_a_binding_link_has_a_shadow_price_that_holds(tmp_path):
    r = corridors.solve(single_path(tmp_path, 20))
    b = r.binding.set_index("element")
    assert b.loc["l1", "shadow_price"] == pytest.approx(99.0)
    assert not b.loc["l1", "degenerate"]
    assert (r.supply["shadow_price"] == 0).all()  # the supply limit does not bind


def test_two_limits_binding_together_are_flagged_degenerate(tmp_path):
    r = corridors.solve(single_path(tmp_path, 10))
    b = r.binding.set_index("element")
    priced = b[b["shadow_price"] > 1e-6]
    assert set(priced.index) <= {"l1", "s:base"} and len(priced)
    assert priced["shadow_price"].sum() == pytest.approx(99.0)
    assert priced["degenerate"].all()
