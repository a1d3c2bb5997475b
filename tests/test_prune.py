"""Pruned sweeps give the rows of full enumeration (``--no-prune``), on random networks and on
every reference scenario; the pruning rules' building blocks agree with the model."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS
from sweepnets import HAS_TAKE_OR_PAY, rich_network

import corridors
from corridors.analysis import prune, sweep
from corridors.analysis.sweep import CHECKPOINT, META, Case, case_availability, case_release
from corridors.core.availability import elements, parse_classes


def assert_same_rows(pruned: pd.DataFrame, full: pd.DataFrame, rtol: float = 1e-7) -> None:
    """Statuses and elements exactly, objectives within ``rtol`` (relative), unmet within
    1e-6."""
    assert list(pruned.columns) == list(full.columns)
    assert pruned["scenario"].tolist() == full["scenario"].tolist()
    assert pruned["elements"].tolist() == full["elements"].tolist()
    assert pruned["status"].tolist() == full["status"].tolist()
    a, b = pruned["objective_usd"].to_numpy(float), full["objective_usd"].to_numpy(float)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(b)
    np.testing.assert_allclose(a[ok], b[ok], rtol=rtol, atol=0)
    for col in [c for c in full.columns if c.startswith("unmet") or c == "cost_increase_usd"]:
        x, y = pruned[col].to_numpy(float), full[col].to_numpy(float)
        assert np.array_equal(np.isnan(x), np.isnan(y)), col
        tol = 1e-6 if col != "cost_increase_usd" else rtol * np.nanmax(np.abs(b))
        np.testing.assert_allclose(x[~np.isnan(y)], y[~np.isnan(y)], rtol=0, atol=tol, err_msg=col)


def assert_same_ranking(pruned: pd.DataFrame, full: pd.DataFrame, table: pd.DataFrame) -> None:
    """The same figures per element (ranks may swap between elements that tie)."""
    a = pruned.drop(columns=["rank"]).sort_values("element").reset_index(drop=True)
    b = full.drop(columns=["rank"]).sort_values("element").reset_index(drop=True)
    assert a["element"].tolist() == b["element"].tolist()
    scale = float(np.nanmax(np.abs(table["objective_usd"].to_numpy(float))))
    for col in b.columns:
        if b[col].dtype.kind != "f":
            assert a[col].tolist() == b[col].tolist(), col
            continue
        tol = 1e-7 * scale if "cost" in col else 1e-6
        np.testing.assert_allclose(a[col], b[col], rtol=0, atol=tol, err_msg=col)


def checkpoint_ids(folder: Path) -> list[int]:
    return [json.loads(line)["scenario"] for line in (folder / CHECKPOINT).read_text().splitlines()]


@pytest.mark.parametrize(
    "seed, periods, event",
    [(1, 4, 3), (2, 4, None), (3, 1, None), (4, 6, 2), (5, 3, 2)],
)
def test_pruned_sweep_equals_full_enumeration_on_random_networks(tmp_path, seed, periods, event):
    path = rich_network(tmp_path / "net", seed, periods=periods, event_start=event)
    pruned = sweep.run_sweep(path, tmp_path / "p", k=2)
    full = sweep.run_sweep(path, tmp_path / "f", k=2, prune=False)
    assert_same_rows(pruned.table, full.table)
    meta = json.loads((tmp_path / "p" / META).read_text())
    assert meta["cases"] == len(full.table) == meta["solved"] + meta["reused"]
    assert meta["reused"] > 0 and meta["solved"] < meta["cases"]
    assert meta["reused"] == sum(meta["reused_by"].values())
    assert meta["helper_solves"] == (1 if event is not None and periods > 1 else 0)
    assert json.loads((tmp_path / "f" / META).read_text())["reused"] == 0
    ids = [i for i in checkpoint_ids(tmp_path / "p") if i >= 0]
    assert sorted(ids) == list(range(len(full.table)))  # every case once
    assert_same_ranking(pruned.ranking, full.ranking, full.table)


def test_pruned_k3_equals_full_enumeration(tmp_path):
    path = rich_network(tmp_path / "net", 7, n=6, extra=4, periods=3, event_start=2)
    classes = "pipeline,chokepoint,supplier,storage,terminal,port"
    pruned = sweep.run_sweep(path, tmp_path / "p", k=3, element_classes=classes)
    full = sweep.run_sweep(path, tmp_path / "f", k=3, element_classes=classes, prune=False)
    assert_same_rows(pruned.table, full.table)
    by = pruned.meta["reused_by"]
    assert by.get("subset", 0) > 0 and by.get("superposition", 0) > 0


REFERENCE = sorted(p.name for p in SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("name", REFERENCE)
def test_pruned_sweep_equals_full_enumeration_on_reference_scenarios(tmp_path, name):
    """k = 1 over the default elements (over the terminals in the 52-week scenario, whose
    solves take a second each); the helper case where stocks are released late."""
    weekly = corridors.load_scenario(SCENARIOS / name).horizon.periods > 1
    classes = "terminal" if weekly else None
    pruned = sweep.run_sweep(SCENARIOS / name, tmp_path / "p", k=1, element_classes=classes)
    full = sweep.run_sweep(
        SCENARIOS / name, tmp_path / "f", k=1, element_classes=classes, prune=False
    )
    assert_same_rows(pruned.table, full.table)
    assert pruned.meta["solved"] + pruned.meta["reused"] == len(full.table)


def test_pruned_k2_on_the_baseline_equals_full_enumeration(tmp_path):
    pruned = sweep.run_sweep(SCENARIOS / "baseline.yaml", tmp_path / "p", k=2)
    full = sweep.run_sweep(SCENARIOS / "baseline.yaml", tmp_path / "f", k=2, prune=False)
    assert_same_rows(pruned.table, full.table)
    meta = pruned.meta
    assert (
        meta["cases"] == len(full.table) == 1 + len(pruned.ranking) * (len(pruned.ranking) + 1) // 2
    )
    assert meta["solved"] * 2.5 < meta["cases"], meta  # measured: 3.1x fewer LP solves
    assert {"subset", "superposition"} <= set(meta["reused_by"])


@pytest.mark.parametrize("sabotage", ["gap", "busy"])
def test_a_wrong_rule_is_caught_by_the_comparison(tmp_path, monkeypatch, sabotage):
    """The equality test can fail: accepting superpositions without their duality gap, or
    taking every element for idle, gives rows that differ from full enumeration."""
    path = rich_network(tmp_path / "net", 3, periods=1, event_start=None)
    full = sweep.run_sweep(path, tmp_path / "f", k=2, prune=False)
    if sabotage == "gap":
        monkeypatch.setattr(sweep, "certifies", lambda o, b: prune.feasible(o, b))
    else:
        monkeypatch.setattr(
            prune.ElementMap, "busy", lambda self, o, lb: np.zeros(len(self.items), dtype=bool)
        )
    broken = sweep.run_sweep(path, tmp_path / "b", k=2)
    with pytest.raises(AssertionError):
        assert_same_rows(broken.table, full.table)


@pytest.fixture(scope="module")
def rich_prep(tmp_path_factory):
    path = rich_network(tmp_path_factory.mktemp("net"), 11, periods=5, event_start=3)
    return corridors.prepare(path)


def test_element_map_is_what_bound_arrays_sets(rich_prep):
    """Losing elements (factor 0, whole horizon) sets exactly the columns and rows of
    :class:`ElementMap` to 0: its bounds equal those of the case's availability."""
    prep = rich_prep
    elems = elements(prep.network, prep.resolver, parse_classes("all"))
    view = prune.ModelView(prep)
    emap = prune.ElementMap(view, elems)
    rng = np.random.default_rng(0)
    zero = tuple([0.0] * prep.scenario.horizon.periods)
    for size in (1, 1, 2, 2, 3, 4) * 6:
        members = tuple(sorted(rng.choice(len(elems), size, replace=False).tolist()))
        names = tuple(elems[m].name for m in members)
        case = Case(1, names, tuple(((n,), zero) for n in names))
        expected = view.bounds(case_availability(prep, case))
        got = emap.lose(view.base_bounds(case_release(prep, case)), members)
        for part in ("lb", "ub", "rlo", "rhi"):
            np.testing.assert_array_equal(getattr(got, part), getattr(expected, part), part)
        assert got.offset == pytest.approx(expected.offset, rel=1e-12, abs=1e-9)
        # the same LP for two cases exactly when their keys agree
        other = tuple(sorted(rng.choice(len(elems), size, replace=False).tolist()))
        same = emap.key(members, 0) == emap.key(other, 0)
        b2 = emap.lose(view.base_bounds(0), other)
        b1 = emap.lose(view.base_bounds(0), members)
        if same:
            assert np.array_equal(b1.ub, b2.ub) and np.array_equal(b1.rhi, b2.rhi)
    if HAS_TAKE_OR_PAY:
        assert view.base_bounds(0).offset > 0  # the constant is exercised


def test_case_release_is_the_first_loss_or_the_scenarios_event(rich_prep):
    prep = rich_prep
    base = prep.availability.release_from
    assert base == 2  # the reference's event starts in period 3
    T = prep.scenario.horizon.periods
    zero = tuple([0.0] * T)
    assert case_release(prep, Case(0, (), ())) == base
    assert case_release(prep, Case(1, ("strait",), ((("strait",), zero),))) == 0
    late = tuple([1.0] * (T - 1) + [0.5])
    assert case_release(prep, Case(1, ("strait",), ((("strait",), late),))) == base
    early = (1.0, 0.3) + tuple([1.0] * (T - 2))
    assert case_release(prep, Case(1, ("strait",), ((("strait",), early),))) == 1
    ones = tuple([1.0] * T)  # no loss: not an event
    assert case_release(prep, Case(1, ("strait",), ((("strait",), ones),))) == base
    avail = case_availability(prep, Case(1, ("strait",), ((("strait",), early),)))
    assert avail.release_from == 1
    assert case_release(prep, Case(-1, (), (), release=0)) == 0


def test_certificate_proves_the_parent_and_rejects_what_changes_the_optimum(rich_prep):
    """Rule 3 accepts the reference's own optimum, accepts it for the loss of an element it
    does not use (rule 1), and refuses it for every loss that changes the optimal value."""
    prep = rich_prep
    elems = elements(prep.network, prep.resolver, parse_classes(None))
    view = prune.ModelView(prep)
    emap = prune.ElementMap(view, elems)
    solver = sweep.CaseSolver(prep)
    row = solver.solve(Case(0, (), (), keep=True, release=0))
    o = view.optimum(row["_x"], row["_y"])
    b0 = view.base_bounds(0)
    assert prune.certifies(o, b0)
    busy = emap.busy(o, b0.lb)
    assert busy.any() and not busy.all()
    zero = tuple([0.0] * prep.scenario.horizon.periods)
    changed = 0
    for m, e in enumerate(elems):
        lost = emap.lose(b0, (m,))
        if not busy[m]:
            assert prune.certifies(o, lost), e.name
        child = sweep.solve_case(prep, Case(1, (e.name,), (((e.name,), zero),)))
        value = view.objective_usd(o, lost)
        if child["status"] != "optimal" or abs(child["objective_usd"] - value) > 1e-7 * abs(value):
            changed += 1
            assert not prune.certifies(o, lost), e.name
    assert changed > 0


def test_monte_carlo_draws_with_the_same_events_are_solved_once(tmp_path):
    events = [
        {"target": "strait", "capacity_factor": 0.0, "probability": 0.3},
        {"target": "oil_b", "capacity_factor": 0.5, "probability": 0.4},
        {"target": "term", "capacity_factor": 0.0, "probability": 0.2, "duration_days": 45},
    ]
    path = rich_network(tmp_path / "net", 5, periods=4, event_start=None, disruptions=events)
    pruned = sweep.run_sweep(path, tmp_path / "p", monte_carlo=300, seed=2)
    full = sweep.run_sweep(path, tmp_path / "f", monte_carlo=300, seed=2, prune=False)
    assert_same_rows(pruned.table, full.table)
    assert pruned.stats["expected_unmet_pj"] == pytest.approx(full.stats["expected_unmet_pj"])
    cases = sweep.mc_cases(corridors.load_scenario(path), 300, 2)
    distinct = {sweep.draw_key(c) for c in cases}
    meta = pruned.meta
    assert meta["solved"] <= len(distinct) < 150
    assert meta["reused_by"]["same-draw"] == len(cases) - len(distinct)
    assert meta["solved"] + meta["reused"] == len(cases)


def test_resumed_pruned_sweep_equals_an_uninterrupted_one(tmp_path):
    """Stopped mid-way in level 2 (by an exception from the progress callback), then
    resumed: the rows of one uninterrupted run, no case written twice, and the level-1 optima
    read back from sweep_optima.bin (the resumed part is pruned as well)."""
    path = rich_network(tmp_path / "net", 2, periods=4, event_start=3)
    whole = sweep.run_sweep(path, tmp_path / "whole", k=2)
    n = len(whole.table)

    def boom(done: int, total: int) -> None:
        if done >= n // 2:
            raise sweep.Interrupted()

    with pytest.raises(sweep.Interrupted):
        sweep.run_sweep(path, tmp_path / "r", k=2, progress=boom)
    kept = [i for i in checkpoint_ids(tmp_path / "r") if i >= 0]
    assert n // 2 <= len(kept) < n
    assert not (tmp_path / "r" / "sweep.lock").exists()
    lines = [json.loads(x) for x in (tmp_path / "r" / CHECKPOINT).read_text().splitlines()]
    solved_before = sum(1 for r in lines if "rule" not in r)  # helper included
    rest = sweep.run_sweep(path, tmp_path / "r", k=2, resume=True)
    assert_same_rows(rest.table, whole.table)
    ids = [i for i in checkpoint_ids(tmp_path / "r") if i >= 0]
    assert sorted(ids) == list(range(n))
    meta = rest.meta
    assert meta["solved"] + meta["reused"] == n
    # each LP solve of either run made one row: nothing was solved twice
    assert solved_before + rest.solved == meta["solved"] + meta["helper_solves"]
    assert meta["solved"] <= whole.meta["solved"] + 5  # the resumed part is pruned too


def test_pruning_is_off_where_the_model_is_not_the_plain_lp(tmp_path):
    """With the Pyomo interface (a policy, a user's extra=) the LP HiGHS holds is not the
    assembled one: every case is solved."""
    path = rich_network(tmp_path / "net", 3, periods=1, event_start=None)
    s = corridors.load_scenario(path)
    s = s.with_updates(solver=s.solver.model_copy(update={"interface": "pyomo"}))
    res = sweep.run_sweep(s, tmp_path / "o", k=1)
    assert res.meta["reused"] == 0 and res.meta["pruned"] is False
    full = sweep.run_sweep(path, tmp_path / "f", k=1, prune=False)
    assert_same_rows(res.table, full.table)


def test_combinations_are_levels_of_parents():
    """Every case of level L ≥ 1 has each of its L parents in level L − 1 (the pruning
    order relies on it)."""
    from corridors.core.availability import Element, Targets

    elems = [Element(f"e{i}", "pipeline", Targets()) for i in range(6)]
    cases = list(sweep.nk_cases(elems, 3, 1))
    names = {c.names for c in cases}
    for c in cases[1:]:
        for drop in itertools.combinations(c.names, len(c.names) - 1):
            assert drop in names
