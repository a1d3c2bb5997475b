"""Seasonal availability: elements open only in some months (``season_months`` in the geodata,
``seasons:`` in the scenario), on small networks with hand-computed factors and flows, and the
Northern Sea Route of the reference data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import SCENARIOS
from factory import diamond, link, node, write_case

import corridors
from corridors.core.availability import availability, season_factor
from corridors.core.session import prepare
from corridors.io.network import load_network
from corridors.io.scenario import load_scenario
from corridors.io.schema import Horizon
from corridors.outputs.layers import disruption_factors

JUL_NOV = [7, 8, 9, 10, 11]


def two_routes(tmp, arctic_props=None, **scenario):
    """s -> d by ``arctic`` (365 units/yr, cost 1) or ``cape`` (unlimited, cost 5).

    Demand 1000/yr: the arctic link runs full whenever it is open, the cape takes the rest.
    At capacity the arctic link carries 365 · a_t · period_days / 365 = a_t · period_days.
    """
    nodes = [node("s", "supply", 0, 0), node("d", "demand", 2, 0, country="BBB")]
    links = [
        link("arctic", "s", "d", capacity=365, cost=1, mode="sea", **(arctic_props or {})),
        link("cape", "s", "d", cost=5, mode="sea"),
    ]
    doc = {
        "supply": [{"node": "s", "commodity": "crude_oil", "max": 2000, "price": 10}],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 1000}],
        **scenario,
    }
    return write_case(tmp, nodes, links, doc)


def arctic_flows(result) -> list[float]:
    f = result.flows
    return f[f["link"] == "arctic"].sort_values("period")["flow"].tolist()


# Weeks from Wednesday 28 June 2023, open in July only:
# Jun 28-Jul 4 (4 July days), Jul 5-11, Jul 12-18, Jul 19-25 (whole), Jul 26-Aug 1 (6 July
# days), Aug 2-8 (none).
JULY_WEEKS = {"periods": 6, "period_days": 7, "start": "2023-06-28"}
JULY_FACTORS = [4 / 7, 1, 1, 1, 6 / 7, 0]


@pytest.mark.parametrize("declared", ["geodata", "scenario"])
def test_weekly_dated_run_carries_flow_only_in_season(tmp_path, declared):
    if declared == "geodata":
        path = two_routes(tmp_path, {"season_months": [7]}, horizon=JULY_WEEKS)
    else:
        path = two_routes(
            tmp_path, horizon=JULY_WEEKS, seasons=[{"target": "arctic", "months": [7]}]
        )
    sc = load_scenario(path)
    net = load_network(sc)
    av = availability(sc, net)
    row = list(net.links.index).index("arctic")
    assert av.link[row] == pytest.approx(JULY_FACTORS)
    assert av.link[list(net.links.index).index("cape")] == pytest.approx(np.ones(6))
    r = corridors.solve(path)
    # capacity per week = 365 · a_t · 7 / 365 = 7 · a_t: 4, 7, 7, 7, 6, 0
    assert arctic_flows(r) == pytest.approx([4, 7, 7, 7, 6, 0])
    assert r.unmet_pj() == pytest.approx(0)


def test_season_factor_is_the_share_of_days_in_the_months():
    weeks = Horizon(periods=52, period_days=7, start=dt.date(2023, 1, 1))
    f = season_factor(JUL_NOV, weeks)
    # week 26 is 25 June - 1 July (1 July day), week 48 is 26 November - 2 December (5 days)
    assert f[:25] == pytest.approx(0) and f[48:] == pytest.approx(0)
    assert f[25] == pytest.approx(1 / 7) and f[47] == pytest.approx(5 / 7)
    assert f[26:47] == pytest.approx(1)
    assert f.sum() * 7 == pytest.approx(153)  # every season day once
    # a year without a start date, and the calendar year with one: 153 of 365 days
    assert season_factor(JUL_NOV, Horizon()) == pytest.approx([153 / 365])
    year = Horizon(periods=1, period_days=365, start=dt.date(2023, 1, 1))
    assert season_factor(JUL_NOV, year) == pytest.approx([153 / 365])
    # no start date: every period keeps the year's share (it cannot be placed)
    assert season_factor([1], Horizon(periods=4, period_days=7)) == pytest.approx([31 / 365] * 4)


def test_annual_run_scales_capacity_by_the_share_of_days(tmp_path):
    path = two_routes(tmp_path, {"season_months": JUL_NOV})
    r = corridors.solve(path)
    assert arctic_flows(r) == pytest.approx([365 * 153 / 365])
    f = r.flows.set_index("link")["flow"]
    assert f["cape"] == pytest.approx(1000 - 153)
    # a dated one-year horizon gives the same share
    dated = two_routes(
        tmp_path / "dated",
        {"season_months": JUL_NOV},
        horizon={"periods": 1, "period_days": 365, "start": "2023-01-01"},
    )
    assert arctic_flows(corridors.solve(dated)) == pytest.approx([153])


def test_disruptions_and_sweep_losses_multiply_on_top(tmp_path):
    path = two_routes(
        tmp_path,
        {"season_months": JUL_NOV},
        disruptions=[{"target": "arctic", "capacity_factor": 0.5}],
    )
    assert arctic_flows(corridors.solve(path)) == pytest.approx([153 * 0.5])
    prep = prepare(path)
    row = list(prep.network.links.index).index("arctic")
    assert prep.availability.link[row] == pytest.approx([0.5 * 153 / 365])
    # a closed season is no disruption on the map: only the event shows
    link_f, _ = disruption_factors(corridors.solve(path))
    assert link_f["arctic"] == pytest.approx(0.5)


def test_scenario_season_replaces_the_geodata_months(tmp_path):
    path = two_routes(
        tmp_path,
        {"season_months": [7]},
        horizon=JULY_WEEKS,
        seasons=[{"target": "link:arctic", "months": [6, 7]}],
    )
    # June days open now: weeks 1 and 5 are whole (Jun 28-Jul 4; Jul 26-Aug 1 keeps 6/7)
    assert arctic_flows(corridors.solve(path)) == pytest.approx([7, 7, 7, 7, 6, 0])


def seasonal_strait(tmp, months, horizon, **scenario):
    """The diamond (tests/factory.py) with chokepoint b open only in ``months``: s -> a -> d
    (6/yr, cost 2) or s -> b -> d (10/yr, cost 4); demand 10/yr."""
    return diamond(tmp, chokepoint={"season_months": months}, horizon=horizon, **scenario)


def test_seasonal_chokepoint_closes_its_lanes_off_season(tmp_path):
    # 24-30 June (closed), 1-7 July (open), 8-14 July (open)
    horizon = {"periods": 3, "period_days": 7, "start": "2023-06-24"}
    path = seasonal_strait(tmp_path, [7], horizon)
    r = corridors.solve(path)
    f = r.flows.pivot_table(index="link", columns="period", values="flow")
    week = 7 / 365
    assert f.loc["sb"].tolist() == pytest.approx([0, 4 * week, 4 * week])
    assert f.loc["bd"].tolist() == pytest.approx([0, 4 * week, 4 * week])
    assert f.loc["sa"].tolist() == pytest.approx([6 * week] * 3)
    unmet = r.unmet.groupby("period")["unmet"].sum()
    assert unmet.tolist() == pytest.approx([4 * week, 0, 0])
    av = availability(load_scenario(path), r.network)
    assert av.node[list(r.network.nodes.index).index("b")] == pytest.approx([0, 1, 1])


def test_node_and_link_seasons_intersect_not_multiply(tmp_path):
    path = seasonal_strait(
        tmp_path,
        [8, 9],
        {"periods": 1, "period_days": 365},
        seasons=[{"target": ["sb", "bd"], "months": [7, 8]}],
    )
    sc = load_scenario(path)
    net = load_network(sc)
    av = availability(sc, net)
    ids = list(net.links.index)
    # the lanes are open in August only (their months and the strait's): 31 of 365 days
    assert av.link[ids.index("sb")] == pytest.approx([31 / 365])
    assert av.link[ids.index("bd")] == pytest.approx([31 / 365])
    assert av.node[list(net.nodes.index).index("b")] == pytest.approx([61 / 365])
    assert av.link[ids.index("sa")] == pytest.approx([1.0])


def test_month_13_is_an_error(tmp_path):
    path = two_routes(tmp_path, seasons=[{"target": "arctic", "months": [7, 13]}])
    with pytest.raises(corridors.ScenarioError) as exc:
        load_scenario(path)
    assert "seasons[0].months[1]: must be at most 12 (got 13)" in str(exc.value)


@pytest.mark.parametrize(
    ("months", "message"),
    [
        ([], "at least 1 item"),
        ([7, 8, 7], "months must be unique; 7 repeated"),
        ([0], "at least 1"),
    ],
)
def test_bad_months_are_errors(tmp_path, months, message):
    path = two_routes(tmp_path, seasons=[{"target": "arctic", "months": months}])
    with pytest.raises(corridors.ScenarioError) as exc:
        load_scenario(path)
    assert "seasons[0].months" in str(exc.value) and message in str(exc.value)


def test_bad_geodata_months_are_errors(tmp_path):
    path = two_routes(tmp_path, {"season_months": [13]})
    with pytest.raises(corridors.NetworkError) as exc:
        load_network(load_scenario(path))
    assert "arctic.season_months.0: must be at most 12 (got 13)" in str(exc.value)


def test_unknown_target_is_an_error_with_a_suggestion(tmp_path):
    path = two_routes(
        tmp_path,
        seasons=[
            {"target": "arctik", "months": [7]},
            {"target": ["cape", "link:arctc"], "months": [8]},
        ],
    )
    with pytest.raises(corridors.ScenarioError) as exc:
        corridors.solve(path)
    text = str(exc.value)
    assert "seasons[0].target: unknown target 'arctik' (did you mean 'arctic'?)" in text
    assert "seasons[1].target: unknown link 'arctc' (did you mean 'arctic'?)" in text


def test_reference_northern_sea_route_is_closed_january_to_june():
    sc = load_scenario(SCENARIOS / "baseline.yaml")
    net = load_network(sc)
    assert net.nodes.loc["bering_strait", "season_months"] == tuple(JUL_NOV)
    weekly = sc.with_updates(horizon=Horizon(periods=52, period_days=7, start=dt.date(2023, 1, 1)))
    r = corridors.solve(weekly)
    f = r.flows
    through = f[f["to"] == "bering_strait"].groupby("period")["flow"].sum()
    through = through.reindex(range(1, 53), fill_value=0.0)
    # weeks 1-25 end on 24 June; week 26 holds 1 July, week 48 ends on 2 December
    assert through.loc[1:25].abs().max() == pytest.approx(0, abs=1e-9)
    assert through.loc[49:52].abs().max() == pytest.approx(0, abs=1e-9)
    assert through.loc[27:47].min() > 0
    # the in-season rate moves the year's 2.0 Mt in July to November, as the annual run
    annual = corridors.solve(sc).flows
    year = annual[annual["to"] == "bering_strait"]["flow"].sum()
    # (within 1 %: with voyage times, rounded to whole weeks, a weekly cargo must also reach
    # the strait in season; measured 0.65 % short with arrival: nearest, 0.1 % with spread)
    assert through.sum() == pytest.approx(year, rel=1e-2)
    assert year == pytest.approx(2.0, abs=0.01)
