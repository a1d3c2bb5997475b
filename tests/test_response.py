"""Who filled the gap: replacement bought in tranches with its premium, restraint and shortage
by region, nodal prices (and their change in a comparison), and events too short for the
horizon (hand-checked on small networks; see tests/test_tranches.py for the numbers)."""

from __future__ import annotations

import json

import pytest
import yaml
from test_restraint import one_region
from test_tranches import two_suppliers

import corridors
from corridors.analysis.compare import compare
from corridors.analysis.response import regions, replacement, resolution_warnings
from corridors.io.scenario import load_scenario


def test_replacement_lists_the_tranches_bought_with_their_premium(tmp_path):
    path = two_suppliers(tmp_path, disruptions=[{"target": "s2", "capacity_factor": 0.0}])
    rep = replacement(corridors.solve(path))
    got = {
        t: (v, p) for t, v, p in zip(rep["tranche"], rep["volume"], rep["premium_usd"], strict=True)
    }
    # s1's diversion 5 at 20 (base 10) and spare 5 at 40: premiums 50 and 150
    assert got == {"spare": pytest.approx((5.0, 150.0)), "diversion": pytest.approx((5.0, 50.0))}
    assert set(rep["country"]) == {"AAA"}


def test_nothing_is_replaced_when_the_base_steps_suffice(tmp_path):
    assert replacement(corridors.solve(two_suppliers(tmp_path))).empty is False  # 2 of diversion
    doc = yaml.safe_load((tmp_path / "case.yaml").read_text())
    doc["demand"][0]["amount"] = 20
    (tmp_path / "case.yaml").write_text(yaml.safe_dump(doc))
    assert replacement(corridors.solve(tmp_path / "case.yaml")).empty


def test_regions_split_restraint_and_shortage_and_price_the_node(tmp_path):
    reg = regions(corridors.solve(one_region(tmp_path))).set_index("region")
    row = reg.loc["d"]
    assert row["restraint"] == pytest.approx(2.0) and row["shortage"] == pytest.approx(3.0)
    assert row["non_served_pj"] == pytest.approx(5.0 * 42.3)
    assert row["first_shortfall_day"] == 0.0
    # the marginal unit at d is short: its price is the shortage cost
    assert row["price_usd_per_unit"] == pytest.approx(1000.0)


def test_summary_and_comparison_carry_the_response(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    corridors.run(two_suppliers(tmp_path / "x"), a)
    corridors.run(
        two_suppliers(tmp_path / "y", disruptions=[{"target": "s2", "capacity_factor": 0.0}]), b
    )
    s = json.loads((b / "summary.json").read_text())
    assert s["response"]["replacement_premium_usd"] == pytest.approx(200.0)
    assert s["response"]["prices_usd_per_unit"]["crude_oil"] == pytest.approx(1000.0)
    table = compare([a, b])
    price = table[(table["group"] == "price") & (table["commodity"] == "crude_oil")]
    first, delta = table.columns[4], [c for c in table.columns if c.startswith("delta_")][0]
    # baseline: the last unit at d is s1's diversion (20); without s2 it is short (1000)
    assert float(price[first].iloc[0]) == pytest.approx(20.0)
    assert float(price[delta].iloc[0]) == pytest.approx(980.0)


def test_an_event_shorter_than_a_period_is_flagged(tmp_path):
    path = two_suppliers(
        tmp_path,
        horizon={"periods": 1, "period_days": 365, "start": "2023-01-01"},
        disruptions=[{"target": "s2", "start": "2023-03-01", "end": "2023-03-30"}],
    )
    (msg,) = resolution_warnings(load_scenario(path))
    assert "lasts 30 days, shorter than a period of 365 days" in msg
    assert "period_days of 15 or less" in msg
    weekly = two_suppliers(
        tmp_path / "w",
        horizon={"periods": 52, "period_days": 7, "start": "2023-01-01"},
        disruptions=[{"target": "s2", "start": "2023-03-01", "end": "2023-03-30"}],
    )
    assert resolution_warnings(load_scenario(weekly)) == []
