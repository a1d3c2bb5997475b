"""Default element sets are what can actually be disrupted (issue 13, item 8).

Sweeps, interdiction, ``expand --scenarios n1`` and the flow N-1 rank chokepoints, pipelines,
ports, terminals, borders, storage sites and supplier countries by default; open-sea junctions,
demand regions, sea lanes and whole corridors only when asked for, and a corridor is then
labelled as a whole corridor. The tests read the kinds from the network, so they hold whatever
nodes and links the geodata gains.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import SCENARIOS
from factory import link, link_table, node, node_table, regas_link, write_case
from typer.testing import CliRunner

import corridors
from corridors.analysis.expansion import parse_cases
from corridors.analysis.interdiction import interdict
from corridors.analysis.sweep import run_sweep
from corridors.cli import app
from corridors.core.availability import (
    DISRUPTABLE_CLASSES,
    ELEMENT_CLASSES,
    elements,
    parse_classes,
)
from corridors.core.session import prepare

BASELINE = SCENARIOS / "baseline.yaml"
NEVER_BY_DEFAULT = {"junction", "demand", "sea", "corridor"}


@pytest.fixture(scope="module")
def baseline():
    return prepare(BASELINE)


def kind_of(prep, name: str) -> str:
    """The node kind, link mode, ``supplier`` or ``corridor`` that target ``name`` stands for."""
    kind, _, ident = name.rpartition(":")
    net = prep.network
    if kind in ("", "node") and ident in net.nodes.index:
        return str(net.nodes.at[ident, "kind"])
    if kind in ("", "link") and ident in net.links.index:
        return str(net.links.at[ident, "mode"])
    if kind in ("", "country") and ident in prep.resolver.names["country"]:
        return "supplier"
    assert kind == "corridor" and ident in prep.resolver.names["corridor"], name
    return "corridor"


def test_the_default_set_is_what_can_be_disrupted():
    assert parse_classes(None) == parse_classes("") == parse_classes("default")
    assert set(DISRUPTABLE_CLASSES) == {
        "chokepoint",
        "pipeline",
        "port",
        "terminal",
        "border",
        "storage",
        "supplier",
    }
    assert not NEVER_BY_DEFAULT & set(DISRUPTABLE_CLASSES)
    assert parse_classes("all") == ELEMENT_CLASSES
    assert parse_classes("default,junction,corridor") == (
        *DISRUPTABLE_CLASSES,
        "junction",
        "corridor",
    )


def test_unknown_class_is_one_line_with_a_suggestion():
    # (the CLI's exit code 2 for it: tests/test_sweep.py)
    with pytest.raises(corridors.CorridorsError, match="did you mean 'junction'") as exc:
        parse_classes("chokepoint,junctoin")
    assert "\n" not in str(exc.value)
    with pytest.raises(corridors.CorridorsError, match="did you mean 'default'"):
        parse_classes("defualt")


def test_default_sweep_ranks_only_disruptable_elements(tmp_path, baseline):
    res = run_sweep(BASELINE, tmp_path / "s", k=1)
    rk = res.ranking
    assert len(rk) == len(elements(baseline.network, baseline.resolver, DISRUPTABLE_CLASSES))
    kinds = {kind_of(baseline, e) for e in rk["element"]}
    assert kinds <= set(DISRUPTABLE_CLASSES) | {"conversion"}, kinds
    assert not kinds & NEVER_BY_DEFAULT
    assert {"chokepoint", "pipeline", "supplier"} <= kinds
    assert set(rk["class"]) <= set(DISRUPTABLE_CLASSES)
    assert (rk["label"] == rk["element"]).all()
    # the same holds for what the CLI prints and ranking.csv
    written = (tmp_path / "s" / "ranking.csv").read_text()
    net = baseline.network
    for nid in net.nodes.index[net.nodes["kind"].isin(["junction", "demand"])]:
        assert f",{nid}," not in written, nid
    assert "corridor" not in written


def test_a_terminal_includes_its_regasification(baseline):
    net, resolver = baseline.network, baseline.resolver
    elems = elements(net, resolver, DISRUPTABLE_CLASSES)
    links = net.links
    regas = links.index[links["mode"] == "conversion"]
    assert len(regas), "the reference network has regasification links"
    covered = set()
    for e in elems:
        if e.cls == "terminal":
            covered |= {resolver.link_ids[i] for i in e.targets.links}
    assert set(regas) <= covered
    assert not {e.name for e in elems} & set(regas)  # not listed a second time


def test_a_conversion_link_away_from_terminals_counts_as_a_terminal(tmp_path):
    nodes = [
        node("qa", "supply", 0, 0, country="QAT"),
        node("harbour", "port", 1, 0, country="CHN"),
        node("city", "demand", 2, 0, country="CHN"),
    ]
    links = [
        link("ship", "qa", "harbour", commodity="lng", mode="sea", cost=1),
        regas_link("fsru", "harbour", "city", capacity=4, cost=1),
    ]
    sc = {
        "supply": [{"node": "qa", "commodity": "lng", "max": 20, "price": 30}],
        "demand": [{"node": "city", "commodity": "pipeline_gas", "amount": 3}],
    }
    prep = prepare(write_case(tmp_path, nodes, links, sc))
    elems = elements(prep.network, prep.resolver, parse_classes(None))
    assert [(e.name, e.cls) for e in elems] == [
        ("harbour", "port"),
        ("fsru", "terminal"),
        ("QAT", "supplier"),
    ]
    # asked for both, the link is listed once
    both = elements(prep.network, prep.resolver, parse_classes("conversion,terminal"))
    assert [e.name for e in both] == ["fsru"]


def test_junctions_and_corridors_on_request(tmp_path, baseline):
    res = run_sweep(BASELINE, tmp_path / "s", k=1, element_classes="junction,corridor")
    rk = res.ranking
    assert set(rk["class"]) == {"junction", "corridor"}
    net = baseline.network
    junctions = set(net.nodes.index[net.nodes["kind"] == "junction"])
    corridor_ids = set(net.links["corridor"].dropna())
    assert set(rk.loc[rk["class"] == "junction", "element"]) == junctions
    whole = rk[rk["class"] == "corridor"]
    assert set(whole["element"]) == {f"corridor:{c}" for c in corridor_ids}
    assert (whole["label"] == whole["element"] + " (whole corridor)").all()
    assert (
        rk.loc[rk["class"] == "junction", "label"] == rk.loc[rk["class"] == "junction", "element"]
    ).all()
    # the element name is still a target: losing it in the sweep cut the whole corridor
    assert whole["unmet_alone_pj"].max() > 0


def test_cli_labels_whole_corridors(tmp_path):
    out = tmp_path / "s"
    res = CliRunner().invoke(
        app,
        ["sweep", str(BASELINE), "--k", "1", "--elements", "corridor", "--out", str(out)],
        terminal_width=200,
    )
    assert res.exit_code == 0, res.output
    ranked = [line for line in res.output.splitlines() if re.match(r"\s+\d+\. ", line)]
    assert ranked and all("(whole corridor)" in line for line in ranked)


def test_interdiction_default_set_has_no_junction_or_demand(tmp_path):
    # every unit passes the junction j; losing d (demand) or j is worst, losing a supplier
    # country leaves 2 units short: by default only pipelines and suppliers can be chosen
    nodes = node_table("""
        s1 supply   0 0 AAA
        s2 supply   0 1 CCC
        j  junction 1 0 ZZZ
        d  demand   2 0 BBB
    """)
    links = link_table("""
        s1j s1 j mode=sea capacity=10 cost=1
        s2j s2 j mode=sea capacity=10 cost=1
        jd  j  d mode=sea capacity=20 cost=1
        p   s1 d capacity=3 cost=5
    """)
    sc = {
        "supply": [
            {"node": "s1", "commodity": "crude_oil", "max": 10, "price": 10},
            {"node": "s2", "commodity": "crude_oil", "max": 10, "price": 10},
        ],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 12}],
    }
    path = write_case(tmp_path / "net", nodes, links, sc)
    prep = prepare(path)
    default = interdict(path, 1)
    assert default.n_elements == len(elements(prep.network, prep.resolver, DISRUPTABLE_CLASSES))
    assert default.elements in (["AAA"], ["CCC"])
    assert default.unmet == pytest.approx(2 * 42.3)
    asked = interdict(path, 1, element_classes="default,junction,demand")
    assert asked.n_elements == default.n_elements + 2
    assert asked.elements == ["d"]


def test_interdiction_default_on_the_reference_network(tmp_path, baseline):
    res = interdict(baseline, 1, runners_up=2)
    chosen = [n for r in (res.to_json(), *res.runners_up) for n in r["elements"]]
    assert chosen
    assert not {kind_of(baseline, n) for n in chosen} & NEVER_BY_DEFAULT
    res = interdict(baseline, 1, element_classes="corridor", runners_up=1)
    doc = res.to_json()
    assert doc["elements"][0].startswith("corridor:")
    assert doc["labels"] == [f"{doc['elements'][0]} (whole corridor)"]
    assert doc["runners_up"][0]["labels"][0].endswith("(whole corridor)")
    json.dumps(doc, default=str)


def test_expansion_n1_defaults_to_the_disruptable_set(baseline):
    cases = parse_cases("n1", baseline)
    names = [c.name for c in cases[1:]]
    elems = elements(baseline.network, baseline.resolver, DISRUPTABLE_CLASSES)
    assert names == [f"loss of {e.name}" for e in elems]
    whole = parse_cases("n1:corridor", baseline)
    assert all(c.name.endswith("(whole corridor)") for c in whole[1:])


def test_flow_n1_tests_only_disruptable_elements(baseline):
    from corridors.analysis.n1 import flow_n1

    r = flow_n1(baseline, "CHN")
    assert r["elements_tested"] == len(
        elements(baseline.network, baseline.resolver, DISRUPTABLE_CLASSES)
    )
    assert kind_of(baseline, r["worst_element"]) in set(DISRUPTABLE_CLASSES) | {"conversion"}


@pytest.mark.parametrize("command", ["sweep", "interdict"])
def test_help_states_the_default_set(command):
    res = CliRunner().invoke(app, [command, "--help"], terminal_width=200)
    text = " ".join(res.output.replace("│", " ").split())
    assert f"Default: what can be disrupted ({', '.join(DISRUPTABLE_CLASSES)}" in text


def test_the_importer_is_not_a_supplier_country(tmp_path):
    nodes = [
        node("field", "supply", 0, 0, country="AAA"),
        node("abroad", "supply", 0, 1, country="BBB"),
        node("city", "demand", 1, 0, country="AAA"),
    ]
    links = [link("p1", "field", "city"), link("p2", "abroad", "city")]
    sc = {
        "importer": "AAA",
        "supply": [
            {"node": "field", "commodity": "crude_oil", "max": 5, "price": 10},
            {"node": "abroad", "commodity": "crude_oil", "max": 10, "price": 10},
        ],
        "demand": [{"node": "city", "commodity": "crude_oil", "amount": 10}],
    }
    prep = prepare(write_case(tmp_path, nodes, links, sc))
    suppliers = [e.name for e in elements(prep.network, prep.resolver, ("supplier",))]
    assert suppliers == ["BBB"]
    assert prep.resolver.resolve("AAA").supplies  # still an event target
