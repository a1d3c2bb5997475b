"""The Pyomo model, by id, and the extension point ``extra=`` (API and ``corridors run --extra``).

The hand-checkable network is :func:`factory.diamond`: supplier s -> (a | b) -> demand d, one
period of one year; via a costs 1 + 1 per unit (s->a capacity 6), via b 2 + 2; supply price 10,
demand 10. Optimum 6 via a and 4 via b: 100 supply + 6·2 + 4·4 transport = 128 USD.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from conftest import run_cli
from factory import diamond
from pyomo.repn import generate_standard_repn

import corridors
from corridors.core.lp import MONEY_SCALE
from corridors.core.pyomo_model import column_keys
from corridors.core.session import prepare
from corridors.core.solve import Runner
from corridors.errors import CorridorsError

STORAGE = [
    {"node": "d", "commodity": "crude_oil", "capacity": 4, "initial": 2, "max_withdrawal": 4,
     "max_injection": 4, "final_min": 1}
]  # fmt: skip


def flows(result: corridors.Result, period: int = 1) -> dict[str, float]:
    f = result.flows[result.flows["period"] == period]
    return dict(zip(f["link"], f["flow"], strict=True))


def marginal(result: corridors.Result, node: str, period: int = 1) -> float:
    p = result.prices
    row = p[(p["node"] == node) & (p["period"] == period)]
    return float(row["marginal_cost"].iloc[0])


# --------------------------------------------------------------------------- readable model


def test_names_are_ids_and_periods_count_from_one(tmp_path):
    horizon = {"periods": 2, "period_days": 182.5}
    prep = prepare(diamond(tmp_path, horizon=horizon, storage=STORAGE))
    m = prep.pyomo
    assert prep.built.has_pyomo and m is prep.built.model
    assert list(m.T) == [1, 2]
    assert list(m.L) == ["sa", "ad", "sb", "bd"]
    assert list(m.B) == [("a", "crude_oil"), ("b", "crude_oil"), ("d", "crude_oil"),
                         ("s", "crude_oil")]  # fmt: skip
    assert list(m.N_cap) == ["b"]
    # one variable of each family, by id
    for var in (m.flow["sa", 1], m.supply["s", "crude_oil", "base", 2], m.unmet["d", "crude_oil", "shortage_1", 1],
                m.level["d", "crude_oil", 2], m.withdraw["d", "crude_oil", 1],
                m.inject["d", "crude_oil", 1]):  # fmt: skip
        assert var.lb is not None and var.lb >= 0
    assert m.flow["sa", 1].ub == pytest.approx(6 * 0.5)  # capacity 6 per year, half a year
    # the balance at d: Σ in − Σ out + withdraw − inject + unmet = demand · d_t
    con = m.balance["d", "crude_oil", 1]
    repn = generate_standard_repn(con.body)
    terms = {v.name: c for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True)}
    blocks = {"unmet[d,crude_oil,shortage_1,1]": 1}  # one shortage step without rationing
    assert terms == {
        "flow[ad,1]": 1, "flow[bd,1]": 1, **blocks,
        "withdraw[d,crude_oil,1]": 1, "inject[d,crude_oil,1]": -1,
    }  # fmt: skip
    assert con.lower == con.upper == pytest.approx(10 * 0.5)
    thr = generate_standard_repn(m.throughput["b", 2].body)
    assert [v.name for v in thr.linear_vars] == ["flow[sb,2]"]
    assert m.storage_balance["d", "crude_oil", 1].upper == pytest.approx(2.0)  # initial
    assert m.storage_final["d", "crude_oil"].lower == pytest.approx(1.0)
    # every LP column has its variable, in the LP's column order
    keys = column_keys(prep.data)
    assert keys["flow"][:3] == [("sa", 1), ("sa", 2), ("ad", 1)]
    assert keys["level"] == [("d", "crude_oil", 1), ("d", "crude_oil", 2)]
    assert sum(len(k) for k in keys.values()) == prep.built.lp.num_col


def test_objective_is_in_million_usd(tmp_path):
    prep = prepare(diamond(tmp_path))
    m = prep.pyomo
    repn = generate_standard_repn(m.objective.expr)
    coef = {v.name: c for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True)}
    assert coef["flow[sb,1]"] == pytest.approx(2 * MONEY_SCALE)
    assert coef["supply[s,crude_oil,base,1]"] == pytest.approx(10 * MONEY_SCALE)
    assert coef["unmet[d,crude_oil,shortage_1,1]"] == pytest.approx(1000 * MONEY_SCALE)


def test_pyomo_interface_reads_back_the_plain_optimum(tmp_path):
    prep = prepare(diamond(tmp_path))
    direct = prep.runner.solve()
    via = Runner(prep.built, prep.scenario.solver, interface="pyomo").solve()
    assert direct.objective == via.objective == pytest.approx(128.0)
    np.testing.assert_allclose(direct.flow, via.flow)
    np.testing.assert_allclose(direct.balance_dual, via.balance_dual)


# --------------------------------------------------------------------------- extra=


def cap_and_toll(m, prep) -> None:
    """Cap s->a at 2 per period; a soft cap of 5 on s->b: each unit above costs 3 USD."""
    m.cap_sa = pyo.Constraint(m.T, rule=lambda m, t: m.flow["sa", t] <= 2)
    m.excess = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.soft = pyo.Constraint(m.T, rule=lambda m, t: m.flow["sb", t] - 5 <= m.excess[t])
    m.objective.expr += MONEY_SCALE * 3 * pyo.quicksum(m.excess[t] for t in m.T)


def test_user_constraint_changes_flows_and_cost_as_by_hand(tmp_path):
    """With s->a capped at 2, the other 8 units go via b: 100 + 2·2 + 8·4 = 136 USD, plus
    (8 − 5)·3 = 9 for the soft cap: 145. The marginal unit at d comes via b and pays the
    penalty: 10 + 4 + 3 = 17 USD (14 without the extra)."""
    path = diamond(tmp_path)
    plain = corridors.solve(path)
    assert plain.objective == pytest.approx(128.0)
    assert flows(plain) == pytest.approx({"sa": 6, "ad": 6, "sb": 4, "bd": 4})
    assert marginal(plain, "d") == pytest.approx(14.0)

    seen = {}

    def extra(m, prep):
        seen["prep"] = prep
        cap_and_toll(m, prep)

    r = corridors.solve(path, extra=extra)
    assert seen["prep"].extra is extra and seen["prep"].runner.interface == "pyomo"
    assert r.solver["interface"] == "pyomo" and r.is_ok
    assert flows(r) == pytest.approx({"sa": 2, "ad": 2, "sb": 8, "bd": 8})
    assert r.objective == pytest.approx(145.0)
    assert r.cost_breakdown == pytest.approx(
        {
            "supply": 100.0,
            "transport": 36.0,
            "carbon": 0.0,
            "restraint": 0.0,
            "shortage": 0.0,
            "extra": 9.0,
        }
    )
    assert marginal(r, "d") == pytest.approx(17.0)
    assert marginal(r, "a") == pytest.approx(16.0)


def test_extra_with_outputs_and_later_solves(tmp_path):
    path = diamond(tmp_path)
    r = corridors.run(path, tmp_path / "out", extra=cap_and_toll)
    assert r.objective == pytest.approx(145.0)
    text = (tmp_path / "out" / "flows.csv").read_text()
    assert "sb,s,b,crude_oil,1,8," in text
    # the same session re-solved under a disruption keeps the user's rows: s->b at half
    # capacity (5): 2 via a, 5 via b, 3 unmet at 1000 USD
    prep = prepare(path, extra=cap_and_toll)
    av = prep.availability.copy()
    av.link[2] *= 0.5
    r2 = corridors.solve_prepared(prep, av)
    assert flows(r2) == pytest.approx({"sa": 2, "ad": 2, "sb": 5, "bd": 5})
    assert r2.objective == pytest.approx(70 + 2 * 2 + 5 * 4 + 3 * 1000)
    # a change to the model after prepare() is compiled again before the next solve
    prep.pyomo.cap_sa[1].deactivate()
    r3 = corridors.solve_prepared(prep)
    assert flows(r3) == pytest.approx({"sa": 6, "ad": 6, "sb": 4, "bd": 4})


def test_extra_errors(tmp_path):
    path = diamond(tmp_path, solver={"interface": "direct"})
    with pytest.raises(CorridorsError, match="solver.interface"):
        corridors.solve(path, extra=cap_and_toll)
    with pytest.raises(CorridorsError, match="extra= needs a scenario"):
        prepare(prepare(diamond(tmp_path / "b")), extra=cap_and_toll)

    def two_objectives(m, prep):
        m.other = pyo.Objective(expr=m.flow["sa", 1])

    with pytest.raises(CorridorsError, match="exactly one active objective"):
        corridors.solve(diamond(tmp_path / "c"), extra=two_objectives)

    def fixes_a_flow(m, prep):
        m.flow["sa", 1].fix(0)

    with pytest.raises(CorridorsError, match="limit it with a constraint"):
        corridors.solve(diamond(tmp_path / "d"), extra=fixes_a_flow)


# --------------------------------------------------------------------------- command line

RULES = '''
import pyomo.environ as pyo

from corridors.core.lp import MONEY_SCALE

NOT_A_FUNCTION = 3


def cap(m, prep):
    """Cap s->a at 2 per period and charge 1 USD per unit on s->b."""
    m.cap_sa = pyo.Constraint(m.T, rule=lambda m, t: m.flow["sa", t] <= 2)
    m.objective.expr += MONEY_SCALE * pyo.quicksum(m.flow["sb", t] for t in m.T)


def broken(m, prep):
    raise KeyError("no_such_link")
'''


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("--quiet", *args, columns=200, cwd=cwd, timeout=180)


def test_cli_run_extra(tmp_path):
    path = diamond(tmp_path, outputs={"map": False, "gpkg": False})
    (tmp_path / "rules.py").write_text(RULES)
    proc = cli("run", path, "--extra", "rules.py:cap", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # 2 via a, 8 via b at 4 + 1 toll: 100 + 4 + 40 = 144 USD
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert s["objective"] == pytest.approx(144.0)
    assert s["cost_breakdown"]["extra"] == pytest.approx(8.0)


@pytest.mark.parametrize(
    ("spec", "fragments"),
    [
        ("missing.py:cap", ["--extra", "missing.py", "not found"]),
        ("rules.py:nope", ["--extra", "rules.py", "no function 'nope'"]),
        ("rules.py:NOT_A_FUNCTION", ["rules.py:NOT_A_FUNCTION", "not a function"]),
        ("rules.py:broken", ["rules.py:broken", "raised KeyError", "no_such_link"]),
        ("rules.py", ["--extra", "FILE.py:FUNCTION"]),
    ],
)
def test_cli_extra_errors_are_one_line(tmp_path, spec, fragments):
    path = diamond(tmp_path, outputs={"map": False, "gpkg": False})
    (tmp_path / "rules.py").write_text(RULES)
    proc = cli("run", path, "--extra", spec, "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_scenario_file_cannot_name_code(tmp_path):
    """Code is loaded only from the command line: a scenario key for it is refused."""
    path = diamond(tmp_path)
    text = path.read_text() + "extra: rules.py:cap\n"
    path.write_text(text)
    with pytest.raises(CorridorsError, match="extra"):
        corridors.load_scenario(path)


def test_worked_example_in_the_docs():
    """docs/extending.md: the Myanmar–China oil pipeline capped at 10 Mt (it carried 13.1),
    crude leaves Malacca (448 -> 330 Mt) and the levy costs USD 2 per tonne still through it."""
    import re

    from conftest import ROOT, SCENARIOS

    text = (ROOT / "docs" / "extending.md").read_text()
    code = re.findall(r"```python\n(.*?)```", text, re.S)[0]
    ns: dict = {}
    exec(compile(code, "docs/extending.md", "exec"), ns)
    base = corridors.solve(SCENARIOS / "baseline.yaml")
    r = corridors.solve(SCENARIOS / "baseline.yaml", extra=ns["myanmar_cap_and_malacca_levy"])
    assert r.is_ok and r.solver["interface"] == "pyomo"
    f0, f1 = flows(base), flows(r)
    assert f0["myanmar_china_oil"] == pytest.approx(13.1, abs=0.05)
    assert f1["myanmar_china_oil"] == pytest.approx(10.0)
    links = r.network.links
    via = links.index[(links["to"] == "malacca") & (links["commodity"] == "crude_oil")]
    before, after = sum(f0[i] for i in via), sum(f1[i] for i in via)
    assert before == pytest.approx(448, abs=0.5) and after == pytest.approx(330, abs=0.5)
    assert r.cost_breakdown["extra"] == pytest.approx(2.0e6 * after, rel=1e-9)
    assert r.objective == pytest.approx(sum(r.cost_breakdown.values()), rel=1e-12)


def test_compiled_matrix_equals_pyomos_standard_form(tmp_path):
    """The Runner's compiler (:func:`corridors.core.pyomo_compile.compile_model`) gives the
    matrix, bounds and costs of Pyomo's own ``LinearStandardFormCompiler``, on a model with a
    policy block (mutable shares) and a user's rows, variables and objective terms."""
    pytest.importorskip("scipy")
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    from corridors.core.pyomo_compile import compile_model

    pol = {"max_share": [{"group": "mode", "id": "sea", "share": 0.7}],
           "max_hhi": [{"group": "supplier", "hhi": 0.9, "breakpoints": 4}]}  # fmt: skip
    prep = prepare(diamond(tmp_path, horizon={"periods": 2}, policy=pol), extra=cap_and_toll)
    m = prep.pyomo
    ours = compile_model(m, prep.data)
    ref = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)

    def entries(cols, rows, start, index, value):
        out = {}
        for j in range(len(cols)):
            for k in range(start[j], start[j + 1]):
                con, sign = rows[index[k]]
                out[(con.name, sign, cols[j].name)] = float(value[k])
        return out

    A = ref.A.tocsc()
    # Pyomo's mixed form: kind 0 (=), 1 (≤ rhs), -1 (≥ rhs); ours: lo ≤ row ≤ hi, one row each
    ref_rows = [(r.constraint, r.bound_type) for r in ref.rows]
    kinds = []
    for i, con in enumerate(ours.rows):
        lo, hi = ours.row_lo[i], ours.row_hi[i]
        kinds.append((con, 0 if lo == hi else 1 if np.isinf(lo) else -1))
        assert np.isinf(lo) or np.isinf(hi) or lo == hi, con.name  # no ranged rows here
    assert entries(ref.columns, ref_rows, A.indptr, A.indices, A.data) == pytest.approx(
        entries(ours.columns, kinds, ours.start, ours.index, ours.value)
    )
    rhs = {
        (r.constraint.name, r.bound_type): float(b) for r, b in zip(ref.rows, ref.rhs, strict=True)
    }
    ours_rhs = {
        (c.name, k): float(ours.row_hi[i] if k >= 0 else ours.row_lo[i])
        for i, (c, k) in enumerate(kinds)
    }
    assert rhs == pytest.approx(ours_rhs)
    c = ref.c.toarray()[0]
    assert {v.name: float(x) for v, x in zip(ref.columns, c, strict=True) if x} == pytest.approx(
        {v.name: float(x) for v, x in zip(ours.columns, ours.cost, strict=True) if x}
    )
