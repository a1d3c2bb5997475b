"""No silent traps: keys that would mean something else than they say are errors, and links
that can carry nothing or events a period averages away are warnings of validate."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import run_cli
from factory import diamond, link, node, regas_link, write_case

import corridors
from corridors.core.check import check_scenario, idle_link_warnings
from corridors.io.schema import DURATION_WITHOUT_PROBABILITY


def validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("validate", *paths, columns=400, timeout=120)


# --------------------------------------------------------------------------- duration_days


def test_duration_days_without_probability_is_an_error_that_says_what_the_keys_mean(tmp_path):
    path = diamond(tmp_path, disruptions=[{"target": "b", "duration_days": 30}])
    with pytest.raises(corridors.CorridorsError) as info:
        corridors.load_scenario(path)
    (p,) = info.value.problems
    assert (p.file, p.location) == (str(path), "disruptions[0].duration_days")
    assert p.message == f"{DURATION_WITHOUT_PROBABILITY} (got 30)"
    for words in ("only used with probability", "monte-carlo", "start and end"):
        assert words in p.message
    proc = validate(path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "disruptions[0].duration_days: only used with probability" in proc.stderr


def test_duration_days_with_probability_loads(tmp_path):
    ev = {"target": "b", "probability": 0.1, "duration_days": 30}
    s = corridors.load_scenario(diamond(tmp_path, disruptions=[ev]))
    assert s.disruptions[0].duration_days == 30
    # a bad probability is reported alone, not as a missing one
    bad = diamond(tmp_path / "bad", disruptions=[{**ev, "probability": 2}])
    with pytest.raises(corridors.CorridorsError) as info:
        corridors.load_scenario(bad)
    assert [p.location for p in info.value.problems] == ["disruptions[0].probability"]


# --------------------------------------------------------------------------- idle links


def idle_case(tmp: Path, include: tuple[str, ...] = ("port_x",), **scenario) -> Path:  # type: ignore[no-untyped-def]
    """s -(sea)-> port -(pipeline)-> d, a candidate pipeline port -> x switched on without
    the onward link x -> d (planned, off), and a pipeline y -> d with nothing upstream of y;
    LNG q -> terminal regasified to gas demand at d; a storage site st linked both ways to d."""
    nodes = [
        node("s", "supply", 0, 0),
        node("port", "port", 1, 0),
        node("x", "junction", 1, 1),
        node("y", "junction", 1, -1),
        node("d", "demand", 2, 0),
        node("q", "supply", 0, 2),
        node("terminal", "terminal", 1, 2),
        node("st", "storage", 3, 0),
    ]
    links = [
        link("s_port", "s", "port", mode="sea", cost=1),
        link("port_d", "port", "d", capacity=50, cost=1),
        link("port_x", "port", "x", capacity=50, cost=1, status="candidate", capex=100.0),
        link("x_d", "x", "d", capacity=50, cost=1, status="planned"),
        link("y_d", "y", "d", capacity=50, cost=1),
        link("q_t", "q", "terminal", commodity="lng", mode="sea", cost=1),
        regas_link("regas", "terminal", "d", capacity=10),
        link("st_d", "st", "d", capacity=5, bidirectional=True),
    ]
    sc = {
        "network": {
            "nodes": "nodes.geojson",
            "links": "links.geojson",
            "include_links": list(include),
        },
        "supply": [
            {"node": "s", "commodity": "crude_oil", "max": 20, "price": 10},
            {"node": "q", "commodity": "lng", "max": 5, "price": 10},
        ],
        "demand": [
            {"node": "d", "commodity": "crude_oil", "amount": 10},
            {"node": "d", "commodity": "pipeline_gas", "amount": 5},
        ],
        "storage": [
            {
                "node": "st",
                "commodity": "crude_oil",
                "capacity": 5,
                "initial": 0,
                "max_withdrawal": 5,
                "max_injection": 5,
            }
        ],
        **scenario,
    }
    return write_case(tmp, nodes, links, sc)


def test_a_candidate_switched_on_without_its_onward_link_is_named(tmp_path):
    s, net = check_scenario(idle_case(tmp_path))
    assert "port_x" in net.links.index and "x_d" not in net.links.index
    assert idle_link_warnings(s, net) == [
        "link 'port_x' (pipeline, port -> x, crude_oil) is switched on but can carry nothing: "
        "no active link leads on from x to a demand or storage of crude_oil",
        "link 'y_d' (pipeline, y -> d, crude_oil) is switched on but can carry nothing: "
        "no supply or stock of crude_oil reaches y over active links",
    ]


def test_links_with_an_onward_path_are_not_named(tmp_path):
    """Switching the onward link on too clears the warning; conversions (LNG -> gas demand)
    and a storage site's two-way link (stock in and out) can carry flow."""
    s, net = check_scenario(idle_case(tmp_path, include=("port_x", "x_d")))
    assert [w.split("'")[1] for w in idle_link_warnings(s, net)] == ["y_d"]
    # gas demand gone: the regasification has nowhere to deliver
    gasless = idle_case(tmp_path / "g")
    s, net = check_scenario(gasless)
    s = s.with_updates(demand=[d for d in s.demand if d.commodity == "crude_oil"])
    named = [w.split("'")[1] for w in idle_link_warnings(s, net)]
    assert "regas" in named and "q_t" in named
    regas = next(w for w in idle_link_warnings(s, net) if "'regas'" in w)
    assert regas.endswith("no active link leads on from d to a demand or storage of pipeline_gas")
    assert "(conversion, terminal -> d, lng -> pipeline_gas)" in regas


def test_validate_prints_the_warnings(tmp_path):
    short = {"target": "port_d", "start": "2023-03-01", "end": "2023-03-30"}
    path = idle_case(tmp_path, horizon={"periods": 1, "start": "2023-01-01"}, disruptions=[short])
    proc = validate(path)
    assert proc.returncode == 0, proc.stderr
    warnings = [line.strip() for line in proc.stdout.splitlines() if "warning" in line]
    assert len(warnings) == 3, proc.stdout
    assert warnings[0].startswith("warning disruptions[0] (port_d) lasts 30 days, shorter than")
    assert warnings[1].startswith("warning link 'port_x'")
    assert warnings[2].startswith("warning link 'y_d'")


def test_the_reference_scenarios_name_their_idle_lanes():
    """The reference network's sea lanes to Gwadar and from Ceyhan end at candidate pipelines
    that the baseline does not switch on."""
    s, net = check_scenario(Path(__file__).parents[1] / "scenarios" / "baseline.yaml")
    named = {w.split("'")[1] for w in idle_link_warnings(s, net)}
    assert named == {
        "sea_arabian_sea_gwadar_crude_oil",
        "sea_ceyhan_gibraltar_west_crude_oil",
        "sea_ceyhan_suez_crude_oil",
    }
