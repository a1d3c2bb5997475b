"""The two ways the model reaches HiGHS hold the same LP and give the same optimum.

``direct`` passes the arrays of :func:`corridors.core.lp.assemble` to HiGHS; ``pyomo`` builds
the Pyomo model by id (:mod:`corridors.core.pyomo_model`, the readable statement of the same
formulation) and compiles it. Here the LP HiGHS holds is read back from both and compared
entry by entry (columns and rows matched through the runners' maps, by the Pyomo model's
keys), and both are solved, also under disruptions, to the same solution.
"""

from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np
import pytest
from conftest import SCENARIOS
from factory import diamond, link, node, random_network, regas_link, voyage_case, write_case

from corridors.api import solve_prepared
from corridors.core.lp import FAMILIES
from corridors.core.session import prepare
from corridors.core.solve import Runner
from corridors.core.status import Status

REFERENCE = sorted(SCENARIOS.glob("*.yaml"))


def storage_case(tmp: Path) -> Path:
    """Two periods, a throughput-limited chokepoint, regasification and a reserve."""
    nodes = [
        node("s", "supply", 0, 0),
        node("k", "chokepoint", 1, 0, capacity=1000.0),
        node("t", "terminal", 2, 0),
        node("d", "demand", 3, 0),
    ]
    links = [
        link("sk", "s", "k", commodity="lng", capacity=40, cost=3, mode="sea"),
        link("kt", "k", "t", commodity="lng", capacity=40, cost=2, mode="sea"),
        regas_link("regas", "t", "d", efficiency=0.98, capacity=30, cost=1),
    ]
    sc = {
        "horizon": {"periods": 3, "period_days": 121.0},
        "supply": [{"node": "s", "commodity": "lng", "max": 25, "price": 100}],
        "demand": [{"node": "d", "commodity": "pipeline_gas", "amount": 18}],
        "storage": [
            {"node": "d", "commodity": "pipeline_gas", "capacity": 6, "initial": 3,
             "max_withdrawal": 9, "max_injection": 9, "final_min": 2}
        ],
        "disruptions": [{"target": "k", "capacity_factor": 0.2, "start": 2, "end": 2}],
    }  # fmt: skip
    return write_case(tmp, nodes, links, sc)


def held_lp(runner: Runner) -> dict:
    """The LP HiGHS holds, keyed by the model's own (family, index) names of columns and rows."""
    h = runner.highs.getLp()
    prep_lp = runner.built.lp
    # column j of the assembled LP -> HiGHS column of this runner
    to_highs = np.empty(prep_lp.num_col, dtype=np.int64)
    for name in FAMILIES:
        to_highs[prep_lp.col[name].ravel()] = runner.col[name].ravel()
    rows = {"balance": runner.row_balance, "throughput": runner.row_throughput}
    if runner.interface == "pyomo":  # storage rows through the Runner's constraint map
        m, data = runner.built.model, runner.built.data
        periods = range(1, data.periods + 1)
        storages = [(j.node, j.commodity) for j in data.storage]
        rows["storage_balance"] = np.array(
            [runner.row(m.storage_balance[n, c, t]) for n, c in storages for t in periods],
            dtype=np.int64,
        ).reshape(prep_lp.row["storage_balance"].shape)
        rows["storage_final"] = np.array(
            [runner.row(m.storage_final[n, c]) for n, c in storages], dtype=np.int64
        )
    else:
        rows["storage_balance"] = prep_lp.row["storage_balance"]
        rows["storage_final"] = prep_lp.row["storage_final"]
    row_to_highs = np.empty(prep_lp.num_row, dtype=np.int64)
    for name, idx in rows.items():
        row_to_highs[prep_lp.row[name].ravel()] = idx.ravel()
    mat = h.a_matrix_
    start, index, value = (np.asarray(a) for a in (mat.start_, mat.index_, mat.value_))
    by_col = mat.format_ == highspy.MatrixFormat.kColwise
    # entries as {(our row, our column): value}
    from_highs_row = np.empty(h.num_row_, dtype=np.int64)
    from_highs_row[row_to_highs] = np.arange(prep_lp.num_row)
    from_highs_col = np.empty(h.num_col_, dtype=np.int64)
    from_highs_col[to_highs] = np.arange(prep_lp.num_col)
    entries = {}
    for major in range(len(start) - 1):
        for k in range(start[major], start[major + 1]):
            r, c = (index[k], major) if by_col else (major, index[k])
            if value[k] != 0.0:
                entries[(int(from_highs_row[r]), int(from_highs_col[c]))] = float(value[k])
    col = lambda a: np.asarray(a)[to_highs]  # noqa: E731
    row = lambda a: np.asarray(a)[row_to_highs]  # noqa: E731
    return {
        "shape": (h.num_row_, h.num_col_),
        "A": entries,
        "cost": col(h.col_cost_),
        "col_lower": col(h.col_lower_),
        "col_upper": col(h.col_upper_),
        "row_lower": row(h.row_lower_),
        "row_upper": row(h.row_upper_),
    }


def assert_same_lp(a: dict, b: dict) -> None:
    assert a["shape"] == b["shape"]
    assert a["A"].keys() == b["A"].keys()
    for k, v in a["A"].items():
        assert v == pytest.approx(b["A"][k], rel=1e-12), k
    for key in ("cost", "col_lower", "col_upper", "row_lower", "row_upper"):
        np.testing.assert_allclose(a[key], b[key], rtol=1e-12, err_msg=key)


STORE = {"node": "d", "commodity": "crude_oil", "capacity": 30, "initial": 20,
         "max_withdrawal": 365, "release_price": 40}  # fmt: skip


def cases(tmp_path: Path) -> list[Path]:
    return [
        *REFERENCE,
        diamond(tmp_path / "diamond"),
        storage_case(tmp_path / "storage"),
        random_network(tmp_path / "random", seed=3),
        voyage_case(  # lags of 1.3 and 2.6 periods, a closure, a reserve with a release price
            tmp_path / "voyage",
            lag1=1.3,
            lag2=2.6,
            disruptions=[{"target": "k", "capacity_factor": 0.3, "start": 3, "end": 4}],
            storage=[STORE],
        ),
    ]


def test_direct_and_pyomo_hold_the_same_lp_and_optimum(tmp_path):
    for path in cases(tmp_path):
        prep = prepare(path)
        assert prep.runner.interface == "direct"
        direct = prep.runner
        via_pyomo = Runner(prep.built, prep.scenario.solver, interface="pyomo")
        assert_same_lp(held_lp(direct), held_lp(via_pyomo))
        a, b = direct.solve(), via_pyomo.solve()
        assert a.status is b.status is Status.OPTIMAL, path
        assert a.objective == pytest.approx(b.objective, rel=1e-9), path
        if prep.data.plan:
            # the periods before the event are fixed to the plan: the duals are not unique
            # and the two runners come from different starts (the direct one solved the plan)
            continue
        assert_same_solution(a, b)
        # and under a disruption: every second link at half capacity
        av = prep.availability.copy()
        av.link[::2] *= 0.5
        a, b = direct.resolve(av), via_pyomo.solve(av)
        assert a.objective == pytest.approx(b.objective, rel=1e-9), path
        np.testing.assert_allclose(a.unmet.sum(), b.unmet.sum(), atol=1e-6)
        assert_same_solution(a, b)


def assert_same_solution(a, b) -> None:
    """The same LP in the same column and row order: the same vertex, entry by entry."""
    for name in ("flow", "supply", "unmet", "level", "withdraw", "inject",
                 "balance_dual", "throughput_dual", "flow_reduced_cost"):  # fmt: skip
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), atol=1e-7, err_msg=name)


def test_storage_case_by_hand(tmp_path):
    """In period 2 the chokepoint is at 20 % of 1000 PJ/yr: the LNG through it is exactly
    0.2 · 1000 · d PJ (the throughput row binds in energy terms, below the lanes' own
    0.2 · 40 Mt/yr), the reserve is drawn, and the final level respects final_min = 2."""
    prep = prepare(storage_case(tmp_path))
    sol = prep.runner.solve()
    assert sol.status is Status.OPTIMAL
    pj_lng = prep.data.pj["lng"]
    d = prep.data.d[1]
    assert sol.flow[1, 1] * pj_lng == pytest.approx(0.2 * 1000 * d, rel=1e-9)
    assert sol.flow[1, 0] * pj_lng < 1000 * d  # not binding when open
    assert sol.withdraw[0, 1] > 1e-6
    assert sol.level[0, -1] == pytest.approx(2.0, abs=1e-7) or sol.level[0, -1] > 2.0


def test_auto_interface_follows_the_scenario(tmp_path):
    plain = prepare(diamond(tmp_path / "a"))
    assert plain.runner.interface == "direct" and not plain.built.has_pyomo
    pol = {"max_share": [{"group": "supplier", "id": "AAA", "share": 0.9}]}
    with_policy = prepare(diamond(tmp_path / "b", policy=pol))
    assert with_policy.runner.interface == "pyomo"
    forced = prepare(diamond(tmp_path / "c", solver={"interface": "pyomo"}))
    assert forced.runner.interface == "pyomo"
    # the interface used is recorded with the result (summary.json "solver")
    assert solve_prepared(plain).solver["interface"] == "direct"
    assert solve_prepared(forced).solver["interface"] == "pyomo"
