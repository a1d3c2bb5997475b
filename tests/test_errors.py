"""Bad input: a clear message naming file, key and fix; exit code 2; never a traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import run_cli
from factory import diamond, link, node, write_case

import corridors
from corridors.core.availability import availability

# --------------------------------------------------------------------------- helpers


def problems_of(path: Path) -> list[corridors.Problem]:
    """Every problem the Python API reports for a scenario (load, network, disruptions)."""
    with pytest.raises(corridors.CorridorsError) as info:
        scenario = corridors.load_scenario(path)
        network = corridors.load_network(scenario)
        availability(scenario, network)
    problems = info.value.problems
    assert problems, "a CorridorsError must carry at least one problem"
    for p in problems:
        assert isinstance(p, corridors.Problem)
        assert "\n" not in str(p)
    return problems


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, columns=80, cwd=cwd, timeout=120)


def error_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith("error:")]


def assert_cli_error(path: Path, *fragments: str, n: int | None = None) -> list[str]:
    """``corridors validate`` exits 2, prints one line per problem and no traceback."""
    proc = cli("validate", path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = error_lines(proc)
    assert lines, proc.stderr
    for fragment in fragments:
        assert any(fragment in line for line in lines), (fragment, proc.stderr)
    if n is not None:
        assert len(lines) == n, proc.stderr
    return lines


def one(problems: list[corridors.Problem], *fragments: str) -> corridors.Problem:
    """The single problem whose text holds every fragment."""
    hits = [p for p in problems if all(f in str(p) for f in fragments)]
    assert len(hits) == 1, (fragments, [str(p) for p in problems])
    return hits[0]


def rewrite(path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    """Load the YAML at ``path``, apply ``edit`` to the dict, write it back."""
    doc = yaml.safe_load(path.read_text())
    edit(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def two_nodes(tmp: Path, links: list[dict], nodes: list[dict] | None = None, **sc) -> Path:  # type: ignore[no-untyped-def]
    nodes = nodes or [node("s", "supply", 0, 0), node("d", "demand", 2, 0)]
    scenario = {
        "supply": [{"node": "s", "commodity": "crude_oil", "max": 20, "price": 10}],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 10}],
        **sc,
    }
    return write_case(tmp, nodes, links, scenario)


# --------------------------------------------------------------------------- YAML syntax


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = diamond(tmp_path)
    lines = path.read_text().splitlines()
    lines.insert(1, "description: [unclosed, list")
    path.write_text("\n".join(lines) + "\n")
    p = one(problems_of(path), "YAML error")
    assert p.file == str(path)
    assert "line 2" in p.location or "line 3" in p.location
    assert_cli_error(path, "YAML error", "line ", str(path.name), n=1)


def test_python_object_tag_is_rejected_and_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = diamond(tmp_path)
    path.write_text(
        path.read_text() + f'description: !!python/object/apply:os.system ["touch {marker}"]\n'
    )
    p = one(problems_of(path), "python/object/apply:os.system")
    assert "not allowed" in p.message
    assert "line " in p.location
    assert_cli_error(path, "not allowed", n=1)
    proc = cli("run", path, "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- unknown keys


def test_unknown_top_level_key_suggests(tmp_path):
    path = rewrite(diamond(tmp_path), lambda d: d.update(suply=d.pop("supply")))
    p = one(problems_of(path), "suply")
    assert p.file == str(path)
    assert p.location == "suply"
    assert p.message == "unknown key 'suply' (did you mean 'supply'?)"
    assert_cli_error(path, f"{path}: suply: unknown key 'suply' (did you mean 'supply'?)", n=1)


def test_unknown_nested_keys_suggest_with_key_path(tmp_path):
    path = diamond(tmp_path, horizon={"perods": 2})
    p = one(problems_of(path), "perods")
    assert p.location == "horizon.perods"
    assert p.message == "unknown key 'perods' (did you mean 'periods'?)"

    path = rewrite(path, lambda d: d.update(horizon={}))
    path = rewrite(path, lambda d: d["supply"][0].update(prce=d["supply"][0].pop("price")))
    p = one(problems_of(path), "prce")
    assert p.location == "supply[0].prce"
    assert p.message == "unknown key 'prce' (did you mean 'price'?)"
    assert_cli_error(path, "supply[0].prce: unknown key 'prce' (did you mean 'price'?)", n=1)


def test_unknown_key_inside_a_commodity_and_network(tmp_path):
    def edit(d):  # type: ignore[no-untyped-def]
        d["commodities"]["lng"]["unti"] = d["commodities"]["lng"].pop("unit")
        d["network"]["node"] = d["network"].pop("nodes")

    problems = problems_of(rewrite(diamond(tmp_path), edit))
    assert one(problems, "unti").location == "commodities.lng.unti"
    assert "did you mean 'unit'?" in one(problems, "unti").message
    assert "did you mean 'nodes'?" in one(problems, "network.node:").message


def test_all_problems_in_a_file_are_reported_at_once(tmp_path):
    def edit(d):  # type: ignore[no-untyped-def]
        d["suply"] = d.pop("supply")
        d["demnd"] = d.pop("demand")
        d["horizon"] = {"perods": 2}

    path = rewrite(diamond(tmp_path), edit)
    problems = problems_of(path)
    assert len(problems) == 3, [str(p) for p in problems]
    assert {p.location for p in problems} == {"suply", "demnd", "horizon.perods"}
    assert all(p.file == str(path) for p in problems)
    assert_cli_error(path, "'supply'?", "'demand'?", "'periods'?", n=3)


def test_several_geodata_problems_are_reported_at_once(tmp_path):
    links = [
        link("sd", "s", "dd", capacity=-1),
        link("sd", "s", "d"),
        link("x", "s", "d", capacity="abc", commodity="crude_oli"),
    ]
    path = two_nodes(tmp_path, links)
    problems = problems_of(path)
    assert len(problems) == 5, [str(p) for p in problems]
    assert_cli_error(path, "'dd'", "duplicate link id", "-1", "'abc'", "'crude_oli'", n=5)


# --------------------------------------------------------------------------- geodata


def test_link_to_unknown_node_suggests(tmp_path):
    path = two_nodes(tmp_path, [link("sd", "s", "dd")])
    p = one(problems_of(path), "unknown node")
    assert p.file == str(tmp_path / "links.geojson")
    assert p.location == "sd.to"
    assert p.message == "unknown node 'dd' (did you mean 'd'?)"
    assert_cli_error(path, "links.geojson: sd.to: unknown node 'dd' (did you mean 'd'?)", n=1)


def test_duplicate_node_id(tmp_path):
    nodes = [node("s", "supply", 0, 0), node("d", "demand", 2, 0), node("d", "port", 3, 0)]
    path = two_nodes(tmp_path, [link("sd", "s", "d")], nodes=nodes)
    p = one(problems_of(path), "duplicate node id 'd'")
    assert p.file == str(tmp_path / "nodes.geojson")
    assert p.location == "features[2].id"
    assert "unique" in p.message
    assert_cli_error(path, "nodes.geojson", "duplicate node id 'd'", n=1)


def test_duplicate_link_id(tmp_path):
    path = two_nodes(tmp_path, [link("sd", "s", "d"), link("sd", "d", "s")])
    p = one(problems_of(path), "duplicate link id 'sd'")
    assert p.file == str(tmp_path / "links.geojson")
    assert "features[0]" in p.message
    assert_cli_error(path, "duplicate link id 'sd'", n=1)


def test_negative_capacity(tmp_path):
    path = two_nodes(tmp_path, [link("sd", "s", "d", capacity=-5)])
    p = one(problems_of(path), "capacity")
    assert p.location == "sd.capacity"
    assert p.message == "must be at least 0 (got -5)"
    assert_cli_error(path, "links.geojson: sd.capacity: must be at least 0 (got -5)", n=1)


def test_non_numeric_capacity(tmp_path):
    path = two_nodes(tmp_path, [link("sd", "s", "d", capacity="abc")])
    p = one(problems_of(path), "capacity")
    assert p.location == "sd.capacity"
    assert p.message == "must be a valid number (got 'abc')"
    assert_cli_error(path, "sd.capacity: must be a valid number (got 'abc')", n=1)


def test_misspelt_link_property_and_mode(tmp_path):
    path = two_nodes(tmp_path, [link("sd", "s", "d", capcity=5, mode="sae")])
    problems = problems_of(path)
    assert one(problems, "capcity").location == "sd.capcity"
    assert "did you mean 'capacity'?" in one(problems, "capcity").message
    assert "did you mean 'sea'?" in one(problems, "sd.mode").message


def test_unknown_commodity_in_link_suggests(tmp_path):
    path = two_nodes(tmp_path, [link("sd", "s", "d", commodity="crude_oli")])
    p = one(problems_of(path), "unknown commodity")
    assert p.location == "sd.commodity"
    assert p.message == "unknown commodity 'crude_oli' (did you mean 'crude_oil'?)"
    other = two_nodes(tmp_path / "h2", [link("sd", "s", "d", commodity="hydrogen")])
    p = one(problems_of(other), "unknown commodity")
    assert "the scenario defines crude_oil, lng, pipeline_gas" in p.message
    assert_cli_error(path, "sd.commodity: unknown commodity 'crude_oli'", n=1)


def test_unknown_commodity_in_supply_suggests(tmp_path):
    path = rewrite(diamond(tmp_path), lambda d: d["supply"][0].update(commodity="crud_oil"))
    p = one(problems_of(path), "unknown commodity")
    assert p.file == str(path)
    assert p.location == "supply[0].commodity"
    assert p.message == "unknown commodity 'crud_oil' (did you mean 'crude_oil'?)"
    assert_cli_error(path, "supply[0].commodity: unknown commodity 'crud_oil'", n=1)


def test_unknown_node_in_demand_suggests(tmp_path):
    path = rewrite(diamond(tmp_path), lambda d: d["demand"][0].update(node="dd"))
    p = one(problems_of(path), "unknown node")
    assert (p.file, p.location) == (str(path), "demand[0].node")
    assert "did you mean 'd'?" in p.message


def test_link_with_polygon_geometry(tmp_path):
    poly = link("sd", "s", "d")
    poly["geometry"] = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    path = two_nodes(tmp_path, [poly])
    p = one(problems_of(path), "Polygon")
    assert p.file == str(tmp_path / "links.geojson")
    assert p.location == "sd.geometry"
    assert p.message == "must be a LineString or null (a straight line) (got Polygon)"
    assert_cli_error(path, "sd.geometry: must be a LineString", n=1)


# --------------------------------------------------------------------------- files


def test_missing_scenario_file(tmp_path):
    path = tmp_path / "nope.yaml"
    p = one(problems_of(path), "not found")
    assert p.file == str(path)
    assert_cli_error(path, "nope.yaml", "not found", n=1)
    proc = cli("run", path, "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(error_lines(proc)) == 1


def test_missing_geodata_file_names_the_scenario_key(tmp_path):
    path = rewrite(diamond(tmp_path), lambda d: d["network"].update(nodes="nodez.geojson"))
    p = one(problems_of(path), "not found")
    assert p.file == str(path)
    assert p.location == "network.nodes"
    assert "nodez.geojson" in p.message
    assert_cli_error(path, "network.nodes: file not found", n=1)


def test_scenario_that_extends_itself(tmp_path):
    path = rewrite(diamond(tmp_path), lambda d: d.update(extends="case.yaml"))
    p = one(problems_of(path), "extends itself")
    assert p.location == "extends"
    assert "case.yaml -> case.yaml" in p.message
    assert_cli_error(path, "extends itself", n=1)


def test_two_file_extends_cycle(tmp_path):
    diamond(tmp_path)
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    p = one(problems_of(tmp_path / "a.yaml"), "extends itself")
    assert p.location == "extends"
    assert "a.yaml -> b.yaml -> a.yaml" in p.message
    assert_cli_error(tmp_path / "a.yaml", "a.yaml -> b.yaml -> a.yaml", n=1)


def test_extends_a_missing_file(tmp_path):
    path = rewrite(diamond(tmp_path), lambda d: d.update(extends="base.yaml"))
    p = one(problems_of(path), "not found")
    assert (p.file, p.location) == (str(path), "extends")
    assert "base.yaml" in p.message
    assert_cli_error(path, "extends: file not found: base.yaml", n=1)


def test_child_problems_name_the_child_file(tmp_path):
    diamond(tmp_path)
    child = tmp_path / "child.yaml"
    child.write_text("extends: case.yaml\nname: child\nhorizon: {perods: 2}\n")
    p = one(problems_of(child), "perods")
    assert (p.file, p.location) == (str(child), "horizon.perods")


# --------------------------------------------------------------------------- disruptions


def test_disruption_unknown_target_suggests(tmp_path):
    path = diamond(tmp_path, disruptions=[{"target": "bb"}])
    scenario = corridors.load_scenario(path)  # targets are checked against the network
    p = one(problems_of(path), "unknown target")
    assert (p.file, p.location) == (str(path), "disruptions[0].target")
    assert "'bb' (did you mean 'b'?)" in p.message
    with pytest.raises(corridors.ScenarioError):
        corridors.solve(scenario)
    assert_cli_error(path, "disruptions[0].target: unknown target 'bb'", n=1)


def test_disruption_capacity_factor_above_one(tmp_path):
    path = diamond(tmp_path, disruptions=[{"target": "b", "capacity_factor": 1.5}])
    p = one(problems_of(path), "capacity_factor")
    assert p.location == "disruptions[0].capacity_factor"
    assert p.message == "must be at most 1 (got 1.5)"
    assert_cli_error(path, "disruptions[0].capacity_factor: must be at most 1", n=1)


def test_disruption_start_outside_horizon(tmp_path):
    path = diamond(tmp_path, horizon={"periods": 4}, disruptions=[{"target": "b", "start": 6}])
    p = one(problems_of(path), "outside the horizon")
    assert p.location == "disruptions[0].start"
    assert "1..4" in p.message
    assert_cli_error(path, "disruptions[0].start: period 6 is outside the horizon", n=1)


def test_union_locations_are_clean(tmp_path):
    """``target: str | list`` and ``start: int | date`` report one clean key path."""
    bad = [
        {"target": 3},
        {"target": ["b", 7]},
        {"target": "b", "start": "soon"},
    ]
    path = diamond(tmp_path, disruptions=bad)
    problems = problems_of(path)
    text = "\n".join(str(p) for p in problems)
    for tag in (".str", ".int", ".date", "tuple[", "function-"):
        assert tag not in text, text
    assert len(problems) == 3, text
    assert (
        one(problems, "disruptions[0].target:").message
        == "must be a name or a list of names (got 3)"
    )
    assert one(problems, "disruptions[1].target[1]").message.startswith("must be a valid string")
    assert "a period number or a date" in one(problems, "disruptions[2].start").message


# --------------------------------------------------------------------------- odd documents


def test_top_level_list(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- name: x\n- network: y\n")
    p = one(problems_of(path), "mapping")
    assert p.file == str(path)
    assert "a scenario must be a mapping of keys" in p.message
    assert_cli_error(path, "must be a mapping", n=1)


def test_empty_file_lists_required_keys(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    problems = problems_of(path)
    assert {p.location for p in problems} == {"name", "network", "commodities"}
    assert all(p.message == "required key is missing" for p in problems)
    assert_cli_error(path, "name: required key is missing", n=3)


def test_wrong_types_give_short_messages(tmp_path):
    def edit(d):  # type: ignore[no-untyped-def]
        d["network"] = "nodes.geojson"
        d["supply"] = {"node": "s"}

    problems = problems_of(rewrite(diamond(tmp_path), edit))
    assert one(problems, "network:").message.startswith("must be a mapping of keys")
    assert one(problems, "supply:").message == "must be a list"


def test_error_text_is_printed_verbatim(tmp_path):
    """Rich markup and emoji codes in ids must not be interpreted."""
    nodes = [node("s", "supply", 0, 0), node("d", "demand", 2, 0)]
    path = two_nodes(tmp_path, [link("[bold]x", "s", ":smile:")], nodes=nodes)
    lines = assert_cli_error(path, "unknown node ':smile:'", n=1)
    assert "[bold]x.to" in lines[0]


# --------------------------------------------------------------------------- CLI


def test_debug_shows_a_traceback(tmp_path):
    path = tmp_path / "nope.yaml"
    proc = cli("--debug", "validate", path)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr
    assert "ScenarioError" in proc.stderr


def test_usage_errors_are_not_internal_errors(tmp_path):
    proc = cli("run")
    assert proc.returncode == 2
    assert "internal error" not in proc.stderr
    assert "Missing argument" in proc.stderr
    proc = cli("valdate", tmp_path)
    assert proc.returncode == 2
    assert "internal error" not in proc.stderr


def test_validate_reports_every_file(tmp_path):
    good = diamond(tmp_path / "good")
    bad1 = rewrite(diamond(tmp_path / "bad1"), lambda d: d.update(suply=1))
    bad2 = tmp_path / "missing.yaml"
    proc = cli("validate", good, bad1, bad2)
    assert proc.returncode == 2
    assert "ok" in proc.stdout and str(good) in proc.stdout
    assert len(error_lines(proc)) == 2
    assert "2 problems found" in proc.stderr


def test_help_mentions_an_example():
    for args in (["--help"], ["run", "--help"], ["validate", "--help"]):
        proc = cli(*args)
        assert proc.returncode == 0, proc.stderr
        assert "Example" in proc.stdout, args
        assert "corridors " in proc.stdout


def test_errors_in_an_extending_file_name_that_file_and_its_own_index(tmp_path):
    base = diamond(tmp_path, disruptions=[{"target": "sb", "capacity_factor": 0.5}])
    child = tmp_path / "child.yaml"
    child.write_text(
        f"name: child\nextends: {base.name}\n"
        "disruptions:\n  - {target: chokepont_b, capacity_factor: 0.0}\n"
    )
    s = corridors.load_scenario(child)
    with pytest.raises(corridors.CorridorsError) as info:
        availability(s, corridors.load_network(s))
    (p,) = info.value.problems
    assert p.file == str(child) and p.location == "disruptions[0].target"


def test_duplicate_yaml_keys_are_an_error_with_both_lines(tmp_path):
    path = diamond(tmp_path)
    text = path.read_text() + "supply:\n- {node: s, commodity: crude_oil, max: 1}\n"
    path.write_text(text)
    first = next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith("supply:"))
    with pytest.raises(corridors.CorridorsError) as info:
        corridors.load_scenario(path)
    msg = str(info.value)
    assert "duplicate key 'supply'" in msg and f"line {first}" in msg


def test_solver_interface_errors_name_the_key(tmp_path):
    """``validate`` checks the policy too: a policy needs the Pyomo interface, and a typo in
    the interface name gets the allowed values."""
    pol = {"max_share": [{"group": "supplier", "id": "AAA", "share": 0.9}]}
    path = diamond(tmp_path, policy=pol, solver={"interface": "direct"})
    assert_cli_error(path, "solver.interface", "use interface: auto or pyomo", n=1)
    rewrite(path, lambda d: d["solver"].update(interface="drect"))
    assert_cli_error(path, "solver.interface", "auto", n=1)
    rewrite(
        path, lambda d: (d["solver"].pop("interface"), d["policy"]["max_share"][0].update(id="AAX"))
    )
    assert_cli_error(path, "policy.max_share[0].id", "AAA", n=1)


# --------------------------------------------------------------------------- every stage at once


def multi_stage(tmp: Path) -> Path:
    """Four independent mistakes found at four stages: a typo'd key (schema), an unknown
    commodity (scenario), an unknown storage node (network) and an unknown event target."""
    return diamond(
        tmp,
        supply=[{"node": "s", "commodity": "crud_oil", "max": 20, "price": 10}],
        storage=[{"node": "dd", "commodity": "crude_oil", "capacity": 5, "max_withdrawal": 5}],
        disruptions=[
            {"target": "sb", "capacity_factor": 0.5},
            {"target": "bb", "capacity_facter": 0.0},
        ],
    )


MULTI_STAGE = {
    "disruptions[1].capacity_facter": "unknown key 'capacity_facter' (did you mean "
    "'capacity_factor'?)",
    "supply[0].commodity": "unknown commodity 'crud_oil' (did you mean 'crude_oil'?)",
    "storage[0].node": "unknown node 'dd' (did you mean 'd'?)",
    "disruptions[1].target": "unknown target 'bb' (did you mean 'b'?): name a node, link, "
    "corridor or supplier country",
}


def test_every_stage_is_reported_at_once(tmp_path):
    path = multi_stage(tmp_path)
    problems = problems_of(path)
    assert {p.location: p.message for p in problems} == MULTI_STAGE, [str(p) for p in problems]
    assert all(p.file == str(path) for p in problems)
    lines = assert_cli_error(path, *(f"{path}: {k}: {v}" for k, v in MULTI_STAGE.items()), n=4)
    assert lines[0].endswith("(did you mean 'capacity_factor'?)")  # stage order
    assert lines[-1].startswith(f"error: {path}: disruptions[1].target")
    proc = cli("run", path, "--out", tmp_path / "out")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(error_lines(proc)) == 4, proc.stderr
    assert "4 problems found" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_network_and_target_problems_are_reported_together(tmp_path):
    """With a clean scenario stage, validate still reports an unknown node together with an
    unknown event target, and a link's unknown commodity with an unknown target."""
    path = diamond(
        tmp_path,
        storage=[{"node": "dd", "commodity": "crude_oil", "capacity": 5, "max_withdrawal": 5}],
        disruptions=[{"target": "bb"}],
    )
    assert_cli_error(path, "storage[0].node: unknown node 'dd'", "unknown target 'bb'", n=2)
    links = [link("sd", "s", "d", commodity="crude_oli")]
    other = two_nodes(tmp_path / "c", links, disruptions=[{"target": "sdd"}])
    assert_cli_error(
        other, "sd.commodity: unknown commodity 'crude_oli'", "unknown target 'sdd'", n=2
    )


def test_a_parents_entry_and_a_childs_typos_name_their_own_files(tmp_path):
    base = diamond(
        tmp_path,
        horizon={"periods": 4},
        supply=[
            {"node": "s", "commodity": "crude_oil", "max": 20, "price": 10},
            {"node": "ss", "commodity": "crude_oil", "max": 1},
        ],
    )
    child = tmp_path / "child.yaml"
    child.write_text(
        f"name: child\nextends: {base.name}\nhorizon: {{perods: 52}}\n"
        "supply:\n  - {node: s, commodity: crud_oil, max: 1}\n"
        "disruptions:\n  - {target: bb, start: 10}\n"
    )
    problems = problems_of(child)
    where = {(Path(p.file).name, p.location) for p in problems}
    assert where == {
        ("child.yaml", "horizon.perods"),
        ("child.yaml", "supply[0].commodity"),
        ("case.yaml", "supply[1].node"),
        ("child.yaml", "disruptions[0].target"),
    }, [str(p) for p in problems]
    # the horizon is not as written: period 10 is not checked against its default (1 period)
    assert not any("outside the horizon" in str(p) for p in problems)


def test_a_part_set_aside_is_not_reported_twice(tmp_path):
    """A bad value stands in for nothing later: a storage entry whose node is not a name is
    reported once, not again as an unknown node."""
    path = diamond(
        tmp_path,
        storage=[{"node": [1], "commodity": "crude_oil", "capacity": -1, "max_withdrawal": 5}],
        demand=[{"node": "dd", "commodity": "crude_oil", "amount": 10}],
    )
    problems = problems_of(path)
    assert {p.location for p in problems} == {
        "storage[0].node",
        "storage[0].capacity",
        "demand[0].node",
    }, [str(p) for p in problems]
