"""Interdiction MILP against brute force (exhaustive N-k sweeps), its LP against what HiGHS
holds, statuses, and bad input (a scenario with a policy is refused)."""

from __future__ import annotations

import json

import highspy
import numpy as np
import pytest
import yaml
from conftest import SCENARIOS, one_error_line, run_cli
from factory import diamond, random_network

import corridors
from corridors.analysis.interdiction import interdict, write_interdiction
from corridors.analysis.lpform import lp_form, solve_form
from corridors.analysis.sweep import run_sweep
from corridors.core.lp import FAMILIES
from corridors.core.session import prepare
from corridors.core.status import Status
from corridors.io.scenario import load_scenario

CLASSES = "pipeline,sea,chokepoint,junction"


@pytest.mark.parametrize("seed", [2, 4, 5])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_matches_exhaustive_sweep_on_random_networks(tmp_path, seed, k):
    path = random_network(tmp_path / "net", seed=seed, extra_edges=15)
    prep = prepare(path)
    sw = run_sweep(path, tmp_path / "sweep", k=k, element_classes=CLASSES)
    for objective, col in (("unmet", "unmet_pj"), ("cost", "objective_usd")):
        res = interdict(prep, k, element_classes=CLASSES, objective=objective, fallback=False)
        assert res.status is Status.OPTIMAL and res.gap == pytest.approx(0.0, abs=1e-6)
        assert res.check["agrees"]
        best = sw.table[col].max()
        ours = res.unmet if objective == "unmet" else res.cost
        assert ours == pytest.approx(best, rel=1e-7, abs=1e-6), (objective, res.elements)
        # the reported numbers are those of the sweep row for the same set
        names = set(res.elements)
        row = sw.table[sw.table["elements"].map(lambda e, n=names: set(e.split(";")) - {""} == n)]
        if names:
            assert row["unmet_pj"].iloc[0] == pytest.approx(res.unmet, abs=1e-6)
            assert row["objective_usd"].iloc[0] == pytest.approx(res.cost, rel=1e-9)
        assert len(res.elements) <= k


@pytest.mark.parametrize("k", [1, 2])
def test_matches_exhaustive_sweep_on_reference_network(tmp_path, k):
    classes = "chokepoint,pipeline,supplier"
    prep = prepare(SCENARIOS / "baseline.yaml")
    sw = run_sweep(SCENARIOS / "baseline.yaml", tmp_path / "s", k=k, element_classes=classes)
    for objective, col in (("unmet", "unmet_pj"), ("cost", "objective_usd")):
        res = interdict(prep, k, element_classes=classes, objective=objective)
        assert res.status is Status.OPTIMAL
        ours = res.unmet if objective == "unmet" else res.cost
        assert ours == pytest.approx(sw.table[col].max(), rel=1e-7)
    # the worst set (by cost) is the sweep's
    worst = sw.table.loc[sw.table["objective_usd"].idxmax(), "elements"]
    assert sorted(res.elements) == sorted(str(worst).split(";"))


def test_runners_up_are_the_next_worst_sets(tmp_path):
    path = random_network(tmp_path / "net", seed=2, extra_edges=15)
    sw = run_sweep(path, tmp_path / "s", k=2, element_classes=CLASSES)
    res = interdict(path, 2, element_classes=CLASSES, objective="cost", runners_up=3)
    costs = [res.cost] + [r["cost"] for r in res.runners_up]
    top = sorted(sw.table["objective_usd"], reverse=True)[:4]
    assert costs == pytest.approx(top, rel=1e-9)
    sets = [tuple(sorted(res.elements))] + [tuple(sorted(r["elements"])) for r in res.runners_up]
    assert len(set(sets)) == 4


def test_budget_with_attack_costs(tmp_path):
    # diamond: the b route (sb, b, bd; capacity 10) and the a route (sa 6, ad). Losing one
    # a-link sends all 10 via b (no shortage, cost 140 instead of 128); losing the b route
    # leaves 4 unmet; losing both routes leaves 10 unmet.
    path = diamond(tmp_path)
    expensive = {"b": 5.0, "sb": 5.0, "bd": 5.0}
    kw = {"element_classes": "pipeline,sea,chokepoint", "attack_costs": expensive}
    res = interdict(path, budget=1.0, **kw)  # only a-links affordable
    assert res.elements in (["ad"], ["sa"])
    assert res.unmet == 0 and res.cost == pytest.approx(140.0)
    res = interdict(path, budget=5.0, **kw)
    assert len(res.elements) == 1 and res.elements[0] in expensive
    assert res.unmet == pytest.approx(4 * 42.3)
    res = interdict(path, budget=6.0, **kw)
    assert res.unmet == pytest.approx(10 * 42.3)
    assert interdict(path, budget=2.0, element_classes="pipeline,sea").unmet == pytest.approx(
        10 * 42.3
    )


def test_no_shortage_possible_reports_costliest_set(tmp_path):
    path = random_network(tmp_path / "net", seed=1, extra_edges=15)
    sw = run_sweep(path, tmp_path / "s", k=1, element_classes=CLASSES)
    assert sw.table["unmet_pj"].max() == 0
    res = interdict(path, 1, element_classes=CLASSES)
    assert res.unmet == 0 and "note" in res.check
    assert res.cost == pytest.approx(sw.table["objective_usd"].max())


def test_bad_input(tmp_path):
    path = diamond(tmp_path)
    with pytest.raises(corridors.CorridorsError, match="at least 1"):
        interdict(path, 0)
    with pytest.raises(corridors.CorridorsError, match="larger than"):
        interdict(path, 3, element_classes="chokepoint")
    with pytest.raises(corridors.CorridorsError, match="infeasible budget"):
        interdict(path, budget=0.5, element_classes="chokepoint")
    with pytest.raises(corridors.CorridorsError, match="did you mean 'b'"):
        interdict(path, 1, budget=3, element_classes="chokepoint", attack_costs={"bb": 2})
    with pytest.raises(corridors.CorridorsError, match="unknown objective"):
        interdict(path, 1, objective="unmett")
    with pytest.raises(corridors.CorridorsError, match="--k K or a --budget"):
        interdict(path)


def test_time_limit_is_reported_as_such(tmp_path, monkeypatch):
    """A MILP stopped by its time limit keeps that status, with bound and gap."""
    import corridors.analysis.interdiction as mod

    original = mod.solve_milp

    def limited(*args, **kwargs):  # type: ignore[no-untyped-def]
        out, opt = original(*args, **kwargs)
        out.status = Status.TIME_LIMIT  # what HiGHS reports when it stops early
        out.gap = 0.25
        return out, opt

    monkeypatch.setattr(mod, "solve_milp", limited)
    res = interdict(diamond(tmp_path), 1, element_classes="pipeline,sea")
    assert res.status is Status.TIME_LIMIT and res.gap == 0.25 and res.bound is not None
    assert res.to_json()["status"] == "time_limit"


def test_real_time_limit_on_a_larger_network(tmp_path):
    path = random_network(tmp_path / "net", seed=11, n=40, extra_edges=160)
    res = interdict(path, 6, element_classes="pipeline,sea,junction", time_limit=0.01)
    assert res.status in (Status.TIME_LIMIT, Status.OPTIMAL)
    if res.status is Status.TIME_LIMIT:
        assert res.gap is None or res.gap >= 0


def test_cli_writes_interdiction_json(tmp_path):
    from typer.testing import CliRunner

    from corridors.cli import app

    path = diamond(tmp_path)
    out = tmp_path / "out"
    r = CliRunner().invoke(
        app, ["interdict", str(path), "--k", "1", "--elements", "pipeline,sea", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "interdiction.json").read_text())
    for key in ("elements", "unmet", "unmet_by_commodity", "cost", "status", "gap"):
        assert key in doc
    assert doc["status"] == "optimal"
    assert doc["unmet_by_commodity"]["crude_oil"] == {"volume": pytest.approx(4.0), "unit": "Mt"}


def test_attack_costs_from_yaml(tmp_path):
    path = diamond(tmp_path)
    doc = yaml.safe_load(path.read_text())
    doc["attack_costs"] = {"sa": 3.0}
    path.write_text(yaml.safe_dump(doc))
    res = interdict(path, budget=2.0, element_classes="pipeline")
    assert res.elements == ["ad"]
    write_interdiction(res, tmp_path / "o")
    assert json.loads((tmp_path / "o" / "interdiction.json").read_text())["elements"] == ["ad"]


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_form_is_the_lp_highs_holds(name):
    """The form (built LP + bound_arrays) is, entry by entry, the LP in the runner's HiGHS."""
    prep = prepare(SCENARIOS / name)
    assert prep.policy is None and prep.runner.interface == "direct"
    form = lp_form(prep)
    lp = prep.runner.highs.getLp()
    a = lp.a_matrix_
    assert a.format_ == highspy.MatrixFormat.kColwise
    assert (lp.num_col_, lp.num_row_) == (form.n_cols, form.n_rows)
    assert np.array_equal(np.asarray(a.start_), form.lp.start)
    assert np.array_equal(np.asarray(a.index_), form.lp.index)
    assert np.array_equal(np.asarray(a.value_), form.lp.value)
    assert np.array_equal(np.asarray(lp.col_cost_), form.cost)
    assert lp.offset_ == pytest.approx(form.payment(), rel=1e-12)  # take-or-pay constant

    def inf(x):  # type: ignore[no-untyped-def]
        x = np.asarray(x, dtype=float)
        return np.where(
            x >= highspy.kHighsInf, np.inf, np.where(x <= -highspy.kHighsInf, -np.inf, x)
        )

    assert np.array_equal(inf(lp.col_lower_), form.col_lo)
    assert np.array_equal(inf(lp.col_upper_), form.col_hi)
    assert np.array_equal(inf(lp.row_lower_), form.row_lo)
    assert np.array_equal(inf(lp.row_upper_), form.row_hi)
    assert set(form.col) == set(FAMILIES)
    # and solved afresh it gives the runner's optimum
    sol = prep.runner.solve()
    value = solve_form(form, form.col_lo, form.col_hi, form.row_hi, form.cost)
    assert value is not None
    assert (value + form.payment()) * 1e6 == pytest.approx(sol.objective, rel=1e-9)


def test_mismatch_with_the_resolve_is_inexact(tmp_path, monkeypatch):
    import corridors.analysis.interdiction as mod

    monkeypatch.setattr(mod, "inner_value", lambda *a: -1.0)
    res = interdict(diamond(tmp_path), 1, element_classes="pipeline,sea")
    assert res.status is Status.INEXACT and not res.check["agrees"]
    assert res.to_json()["status"] == "inexact"


def test_accepts_a_path_a_scenario_or_a_prepared_model(tmp_path):
    path = diamond(tmp_path)
    kw = {"element_classes": "pipeline,sea", "objective": "cost"}
    results = [interdict(x, 1, **kw) for x in (path, load_scenario(path), prepare(path))]
    assert {tuple(r.elements) for r in results} == {tuple(results[0].elements)}
    assert {r.cost for r in results} == {results[0].cost}


POLICY = {"max_share": [{"group": "chokepoint", "id": "b", "commodity": "crude_oil", "share": 0.5}]}


def test_scenario_with_a_policy_is_refused(tmp_path):
    path = diamond(tmp_path, policy=POLICY)
    for given in (path, load_scenario(path), prepare(path)):
        with pytest.raises(corridors.CorridorsError) as err:
            interdict(given, 1)
        (problem,) = err.value.problems
        assert problem.location == "policy" and problem.file.endswith("case.yaml")
        assert "remove the policy: section" in problem.message


def test_cli_refuses_a_policy_in_one_line(tmp_path):
    """exit 2, one line naming the file and the key, no traceback, nothing written."""
    path = diamond(tmp_path, policy=POLICY)
    out = tmp_path / "o"
    proc = run_cli("interdict", path, "--k", "1", "--out", out, columns=80, timeout=120)
    assert one_error_line(proc).startswith(f"error: {path}: policy: "), proc.stderr
    assert not out.exists()
