"""EU N-1 on a small hand-computed area, flow-based N-1, days of cover and survival time."""

from __future__ import annotations

import pytest
from conftest import run_cli
from factory import link, node_table, regas_link, single_link, write_case

import corridors
from corridors.analysis.metrics import reserve_figures
from corridors.analysis.n1 import eu_n1, flow_n1, n1_lines
from corridors.core.session import prepare

SCENARIOS = __import__("pathlib").Path(__file__).resolve().parents[1] / "scenarios"
MCM_D = 1000 / 365  # 1 bcm per year in mcm per day


def gas_area(tmp_path, **extra):
    nodes = node_table("""
        ru       supply   0 0 RUS
        tm       supply   0 1 TKM
        qa       supply   0 2 QAT
        border_a border   1 0 CHN
        border_b border   1 1 CHN
        terminal terminal 1 2 CHN
        city     demand   2 1 CHN
    """)
    links = [
        link("pipe_a", "ru", "border_a", commodity="pipeline_gas", capacity=10, cost=1),
        link("pipe_b", "tm", "border_b", commodity="pipeline_gas", capacity=5, cost=1),
        link("ship", "qa", "terminal", commodity="lng", mode="sea", cost=1),
        regas_link("regas", "terminal", "city", capacity=4, cost=1),
        link("dom_a", "border_a", "city", commodity="pipeline_gas", cost=0),
        link("dom_b", "border_b", "city", commodity="pipeline_gas", cost=0),
    ]
    sc = {
        "supply": [
            {"node": "ru", "commodity": "pipeline_gas", "max": 20, "price": 10},
            {"node": "tm", "commodity": "pipeline_gas", "max": 20, "price": 10},
            {"node": "qa", "commodity": "lng", "max": 20, "price": 30},
        ],
        "demand": [{"node": "city", "commodity": "pipeline_gas", "amount": 15}],
        **extra,
    }
    return write_case(tmp_path, nodes, links, sc)


def test_eu_n1_formula_by_hand(tmp_path):
    prep = prepare(gas_area(tmp_path))
    r = eu_n1(prep, "CHN", peak_factor=1.2)
    ep = 15 * 1000 / 365
    lng = 4 * 48.7 / 36 * 1000 / 365
    im = 10 * 1000 / 365
    dmax = 15 * 1000 / 365 * 1.2
    t = r["terms_mcm_per_day"]
    assert t["EPm"] == pytest.approx(ep)
    assert t["LNGm"] == pytest.approx(lng)
    assert t["Im"] == pytest.approx(im) and r["largest_infrastructure"] == "pipe_a"
    assert r["n1_percent"] == pytest.approx((ep + lng - im) / dmax * 100)
    assert not r["meets_standard"]


def test_eu_n1_counts_production_storage_and_send_out_by_hand(tmp_path):
    """Domestic production (with a tranche), gas storage and LNG send-out count; LNG tanks,
    stock building and a pipeline without a capacity do not, and each is named."""
    path = gas_area(
        tmp_path,
        importer="CHN",
        supply=[
            {"node": "ru", "commodity": "pipeline_gas", "max": 20, "price": 10},
            {"node": "tm", "commodity": "pipeline_gas", "max": 20, "price": 10},
            {"node": "qa", "commodity": "lng", "max": 20, "price": 30},
            {
                "node": "city",
                "commodity": "pipeline_gas",
                "max": 3,
                "price": 5,
                "tranches": [{"max": 1, "price": 8, "label": "spare"}],
            },
        ],
        demand=[
            {"node": "city", "commodity": "pipeline_gas", "amount": 15},
            {
                "node": "border_a",
                "commodity": "pipeline_gas",
                "amount": 5,
                "purpose": "stock_building",
            },
        ],
        storage=[
            {"node": "city", "commodity": "pipeline_gas", "capacity": 1, "max_withdrawal": 2},
            {"node": "terminal", "commodity": "lng", "capacity": 1, "max_withdrawal": 5},
        ],
    )
    # an unlimited pipeline into the area: not counted
    links = (tmp_path / "links.geojson").read_text()
    extra = (
        '{"type": "Feature", "geometry": null, "properties": {"id": "pipe_c", "from": "tm", '
        '"to": "border_b", "mode": "pipeline", "commodity": "pipeline_gas", "length_km": 100}}'
    )
    (tmp_path / "links.geojson").write_text(
        links.replace('"features": [', f'"features": [{extra}, ', 1)
    )
    r = eu_n1(prepare(path), "CHN", peak_factor=1.2)
    t = r["terms"]
    assert t["EPm"]["items"] == pytest.approx({"pipe_a": 10 * MCM_D, "pipe_b": 5 * MCM_D})
    assert t["EPm"]["not_counted"] == {
        "pipe_c": "no capacity in the geodata (unlimited in the model)"
    }
    assert t["Pm"]["items"] == pytest.approx({"city": 4 * MCM_D})
    assert t["Sm"]["items"] == pytest.approx({"city": 2 * MCM_D})
    assert list(t["Sm"]["not_counted"]) == ["terminal"]
    assert t["LNGm"]["items"] == pytest.approx({"regas": 4 * 48.7 / 36 * MCM_D})
    assert t["Dmax"]["items"] == pytest.approx({"city": 15 * MCM_D * 1.2})
    assert (r["largest_infrastructure"], r["largest_infrastructure_term"]) == ("pipe_a", "EPm")
    for name, term in t.items():
        assert term["unit"] == "mcm/d" and term["meaning"]
        assert term["value"] == pytest.approx(sum(term["items"].values()))
        assert r["terms_mcm_per_day"][name] == term["value"]
    expected = (15 + 4 + 2 + 4 * 48.7 / 36 - 10) / (15 * 1.2) * 100
    assert r["n1_percent"] == pytest.approx(expected)
    lines = n1_lines(r)
    assert lines[0] == f"EU N-1 for CHN: {expected:.1f} % (fails the 100 % standard)"
    assert any(
        line.lstrip().startswith("Pm") and "mcm/d" in line and "city 11" in line for line in lines
    )
    assert any("not counted: terminal (lng storage" in line for line in lines)


def test_eu_n1_on_the_baseline_counts_production_and_storage():
    r = eu_n1(SCENARIOS / "baseline.yaml", "CHN", peak_factor=1.3)
    v = r["terms_mcm_per_day"]
    assert v["Pm"] > 0 and v["Sm"] > 0 and v["EPm"] > 0 and v["LNGm"] > 0
    # Pm is China's domestic gas production: 229.7 bcm (NBS 2023) in mcm/d
    assert v["Pm"] == pytest.approx(229.7 * MCM_D)
    # the six underground storage sites, 43.1 bcm per year of withdrawal
    assert len(r["terms"]["Sm"]["items"]) == 6
    assert v["Sm"] == pytest.approx(43.1 * MCM_D)
    for name, term in r["terms"].items():
        assert term["value"] == pytest.approx(sum(term["items"].values())), name
    total = v["EPm"] + v["Pm"] + v["Sm"] + v["LNGm"] - v["Im"]
    assert r["n1_percent"] == pytest.approx(total / (v["Dmax"] - v["Deff"]) * 100)
    assert v["Dmax"] == pytest.approx(394.53 * MCM_D * 1.3)


def test_flow_based_n1_loses_the_largest_pipeline(tmp_path):
    prep = prepare(gas_area(tmp_path))
    r = flow_n1(prep, "CHN")
    # without pipe_a: 5 bcm by pipe_b + 4 Mt LNG = 5.411 bcm -> 15 - 10.411 bcm short
    short_bcm = 15 - 5 - 4 * 48.7 / 36
    assert r["worst_unmet_pj"] == pytest.approx(short_bcm * 36)
    assert r["worst_element"] in {"pipe_a", "ru", "RUS", "border_a", "dom_a"}
    assert r["share_met_percent"] == pytest.approx(100 * (1 - short_bcm / 15))
    assert r["base_unmet_pj"] == pytest.approx(0)


def test_unknown_area_suggests(tmp_path):
    prep = prepare(gas_area(tmp_path))
    with pytest.raises(corridors.CorridorsError, match="did you mean 'CHN'"):
        eu_n1(prep, "CHM")


def test_days_of_cover_and_survival_time(tmp_path):
    path = single_link(
        tmp_path,
        sd={"capacity": 365, "cost": 1},
        supply={"max": 365, "price": 1},
        demand={"amount": 365},
        storage={
            "capacity": 30,
            "initial": 30,
            "max_withdrawal": 365,
            "max_injection": 0,
            "final_min": 0,
        },
        horizon={"periods": 52, "period_days": 7},
        # cut from week 10 on: 30 days of reserves -> shortfall starts in week 15 (day 98)
        disruptions=[{"target": "sd", "capacity_factor": 0.0, "start": 10}],
    )
    r = corridors.solve(path)
    fig = reserve_figures(r)["crude_oil"]
    assert fig["days_of_cover"] == pytest.approx(30.0)
    # weeks 10-14 draw 7 a week (35 > 30), so week 14 is already short: day 13*7 = 91
    assert fig["first_shortfall_day"] == pytest.approx(91.0)
    assert fig["survival_days"] == pytest.approx(91.0 - 63.0)


def test_n1_cli_errors_exit_2(tmp_path):
    path = gas_area(tmp_path)
    for args, message in [
        (["--area", "XYZ"], "unknown area 'XYZ'"),
        (["--area", "CHN", "--peak-factor", "0"], "--peak-factor must be positive"),
    ]:
        proc = run_cli("-q", "n1", path, *args, timeout=120)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
