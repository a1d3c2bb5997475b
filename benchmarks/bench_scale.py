"""Scale: the project's build + solve against a bare numpy/scipy -> highspy build of the same
LP and against networkx.network_simplex, from 10^3 to 10^6 link-periods, with peak memory.

    python benchmarks/bench_scale.py                         # sizes 1e3 1e4 1e5 1e6
    python benchmarks/bench_scale.py --sizes 1000 10000      # a quick look
    python benchmarks/bench_scale.py --repeat 2              # fastest of 2 interleaved runs
    python benchmarks/bench_scale.py --shape weekly --sizes 100000 1000000   # simplex vs ipm
    python benchmarks/bench_scale.py --sizes 500000 --compile   # the matrix: numpy vs Pyomo

Each (size, method) runs in its own process so that peak memory (ru_maxrss) is its own:
  corridors  what `corridors run` does: model_data + build_model (the LP assembled with numpy)
             + Runner (LP arrays passed to HiGHS, "setup") + solve
  pyomo      the same through Pyomo: + the Pyomo model built by id + Runner with interface
             "pyomo" (the Pyomo model compiled to arrays and passed to HiGHS, "setup") + solve
  bare       the same LP assembled with numpy/scipy from the same arrays, passed to highspy, run
  networkx   network_simplex on the single-commodity single-period instances (integer costs)
All start from the loaded scenario and network (loading is common to all and not timed).
Reported memory is the peak resident size minus the size after loading. The objective of
every method is checked against the project's.

--compile times, instead, the ways to get the matrix (one process each, no solve): the numpy
assembly (corridors.core.lp.assemble), building the Pyomo model, compiling it with
corridors.core.pyomo_compile.compile_model, with Pyomo's LinearStandardFormCompiler, and loading
it through Pyomo's persistent HiGHS interface (set_instance), each checked against the numpy
matrix where it gives one.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_lp(data, avail):
    """Assemble the model's LP (same rows, columns, bounds and costs) with numpy/scipy."""
    import highspy
    import scipy.sparse as sp

    from corridors.core.lp import MONEY_SCALE, bound_arrays

    assert not data.storage, "the bare builder covers networks without storage"
    T, L, S, K = data.periods, len(data.link_ids), len(data.supply), len(data.demand)
    key_pos = {k: i for i, k in enumerate(data.balance_keys)}
    B = len(key_pos)
    t = np.arange(T)
    col_flow = np.arange(L)[:, None] * T + t  # (L, T)
    col_sup = L * T + np.arange(S)[:, None] * T + t
    col_un = (L + S) * T + np.arange(K)[:, None] * T + t
    n_col = (L + S + K) * T
    row_in = np.array([key_pos[(n, c)] for n, c in zip(data.link_to, data.link_out, strict=True)])
    row_out = np.array(
        [key_pos[(n, c)] for n, c in zip(data.link_from, data.link_com, strict=True)]
    )
    rows = [row_in[:, None] * T + t, row_out[:, None] * T + t]
    cols = [col_flow, col_flow]
    vals = [np.repeat(data.link_factor[:, None], T, 1), -np.ones((L, T))]
    row_s = np.array([key_pos[(s.node, s.commodity)] for s in data.supply])
    rows.append(row_s[:, None] * T + t)
    cols.append(col_sup)
    vals.append(np.ones((S, T)))
    row_k = np.array([key_pos[(k.node, k.commodity)] for k in data.demand])
    rows.append(row_k[:, None] * T + t)
    cols.append(col_un)
    vals.append(np.ones((K, T)))
    rhs = np.zeros(B * T)
    np.add.at(
        rhs,
        (row_k[:, None] * T + t).ravel(),
        (np.array([k.amount for k in data.demand])[:, None] * data.d).ravel(),
    )
    # throughput rows of capped nodes
    capped = {data.node_ids[i]: r for r, i in enumerate(data.capped_nodes)}
    into = np.array([capped.get(n, -1) for n in data.link_to])
    sel = np.flatnonzero(into >= 0)
    pj = np.array([data.pj[c] for c in data.link_com])
    rows.append(B * T + into[sel][:, None] * T + t)
    cols.append(col_flow[sel])
    vals.append(np.repeat(pj[sel][:, None], T, 1))
    n_row = B * T + len(capped) * T
    A = sp.csc_matrix(
        (
            np.concatenate([v.ravel() for v in vals]),
            (np.concatenate([r.ravel() for r in rows]), np.concatenate([c.ravel() for c in cols])),
        ),
        shape=(n_row, n_col),
    )
    b = bound_arrays(data, avail)
    dis = data.discount[None, :]
    unit = (data.link_cost + data.carbon_price * data.link_emis)[:, None]
    cost = np.concatenate(
        [
            (MONEY_SCALE * dis * unit * np.ones((L, T))).ravel(),
            (MONEY_SCALE * dis * np.array([s.price for s in data.supply])[:, None]).ravel(),
            (
                MONEY_SCALE
                * dis
                * np.array([data.shortage[k.commodity] for k in data.demand])[:, None]
            ).ravel(),
        ]
    )
    inf = highspy.kHighsInf
    ub = np.concatenate(
        [
            np.where(np.isinf(b["flow"]), inf, b["flow"]).ravel(),
            b["supply"].ravel(),
            b["unmet"].ravel(),
        ]
    )
    lb = np.concatenate([np.zeros(L * T), b["supply_lb"].ravel(), np.zeros(K * T)])
    row_lo = np.concatenate([rhs, np.full(len(capped) * T, -inf)])
    row_hi = np.concatenate([rhs, b["node_limit"][data.capped_nodes].ravel()])
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lb, ub
    lp.row_lower_, lp.row_upper_ = row_lo, row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    return lp, A.nnz


def compile_worker(way: str, path: Path) -> dict:
    """Time one way of getting the matrix (see the module docstring)."""
    from corridors.core.availability import availability
    from corridors.core.data import model_data
    from corridors.core.lp import assemble
    from corridors.core.model import build_model
    from corridors.io.network import load_network
    from corridors.io.scenario import load_scenario

    s = load_scenario(path)
    net = load_network(s)
    avail = availability(s, net)
    data = model_data(s, net)
    out: dict = {"method": way}
    if way == "numpy":
        t0 = time.perf_counter()
        lp = assemble(data)
        out["seconds"] = time.perf_counter() - t0
        out["nnz"] = int(lp.index.size)
        return out
    import pyomo.environ  # noqa: F401  (imports are not part of the timings)
    import scipy.sparse  # noqa: F401
    import scipy.stats  # noqa: F401  (Pyomo's standard-form compiler imports it)

    built = build_model(data, avail)
    lp = built.lp
    t0 = time.perf_counter()
    m = built.model
    out["build_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    if way == "compile":
        from corridors.core.pyomo_compile import compile_model

        sf = compile_model(m, data)
        out["seconds"] = time.perf_counter() - t1
        out["same"] = bool(
            np.array_equal(sf.start, lp.start)
            and np.array_equal(sf.index, lp.index)
            and np.array_equal(sf.value, lp.value)
            and np.array_equal(sf.cost, lp.cost)
        )
        out["nnz"] = int(sf.index.size)
    elif way == "standard_form":
        from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

        info = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)
        out["seconds"] = time.perf_counter() - t1
        out["nnz"] = int(info.A.nnz)
        out["same"] = bool(info.A.nnz == lp.index.size and info.A.shape == (lp.num_row, lp.num_col))
    elif way == "persistent":
        from pyomo.contrib.solver.solvers.highs import Highs

        opt = Highs()
        opt.set_instance(m)
        out["seconds"] = time.perf_counter() - t1
        out["nnz"] = int(opt._solver_model.getNumNz())
        out["same"] = out["nnz"] == int(lp.index.size)
    return out


def compile_table(sizes: list[int], timeout: float) -> None:
    from synthetic import generate

    ways = ["numpy", "compile", "standard_form", "persistent"]
    print(
        f"{'link-periods':>12} {'way':>14} {'nnz':>10} {'pyomo build s':>14} {'matrix s':>9} same"
    )
    for size in sizes:
        periods = 1 if size <= 100_000 else 10
        with tempfile.TemporaryDirectory() as tmp:
            path = generate(Path(tmp), links=size // periods, periods=periods, seed=7)
            for way in ways:
                r = run_one(f"compile:{way}", path, timeout)
                build = r.get("build_s")
                print(
                    f"{size:>12,} {way:>14} {r.get('nnz', 0):>10,} "
                    f"{'' if build is None else f'{build:.2f}':>14} "
                    f"{r.get('seconds', float('nan')):>9.2f} {r.get('same', '')} {r.get('status', '')}"
                )


def worker(method: str, path: Path) -> dict:
    import highspy
    import networkx  # noqa: F401  (imports are not part of the timings)
    import scipy.sparse  # noqa: F401

    from corridors.core.availability import availability
    from corridors.core.data import model_data
    from corridors.core.lp import MONEY_SCALE
    from corridors.core.model import build_model
    from corridors.core.solve import Runner
    from corridors.io.network import load_network
    from corridors.io.scenario import load_scenario

    s = load_scenario(path)
    net = load_network(s)
    avail = availability(s, net)
    base = rss_mb()
    t0 = time.perf_counter()
    out: dict = {"method": method}
    if method.startswith("corridors-"):  # corridors with a forced HiGHS method
        s = s.model_copy(update={"solver": s.solver.model_copy(update={"method": method[10:]})})
        method = "corridors"
    if method in ("corridors", "pyomo"):
        data = model_data(s, net)
        built = build_model(data, avail)
        if method == "pyomo":
            built.model  # noqa: B018  (builds the Pyomo model of the same LP)
        t1 = time.perf_counter()
        runner = Runner(built, s.solver, interface="direct" if method == "corridors" else "pyomo")
        t2 = time.perf_counter()
        sol = runner.solve()
        out.update(
            objective=sol.objective,
            status=sol.status.value,
            solver=runner.method,
            build_s=t1 - t0,
            setup_s=t2 - t1,
            solve_s=time.perf_counter() - t2,
            nnz=int(runner.highs.getNumNz()),
        )
    elif method.startswith("bare"):
        data = model_data(s, net)
        lp, nnz = bare_lp(data, avail)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        # "bare" chooses like the project (corridors.core.solve.AUTO_METHOD); bare-simplex and
        # bare-ipm force one method, to check that choice
        from corridors.core.solve import AUTO_METHOD

        h.setOptionValue("solver", method.partition("-")[2] or AUTO_METHOD)
        h.passModel(lp)
        t1 = time.perf_counter()
        h.run()
        out.update(
            objective=h.getInfo().objective_function_value / MONEY_SCALE,
            status=str(h.getModelStatus()),
            build_s=t1 - t0,
            setup_s=0.0,
            solve_s=time.perf_counter() - t1,
            nnz=int(nnz),
        )
    elif method == "networkx":
        import networkx as nx

        g = nx.DiGraph()
        links = net.links
        for _lid, r in links.iterrows():
            cap = r["capacity"]
            g.add_edge(
                r["from"],
                r["to"],
                weight=int(round(r["cost"] / 1e4)),
                capacity=int(cap * 1000) if cap == cap else 10**12,
            )
        # supplies at their max and demands as sinks, balanced through a super sink
        for sp_ in s.supply:
            g.add_edge(
                "_src", sp_.node, weight=int(round(sp_.price / 1e4)), capacity=int(sp_.max * 1000)
            )
        total_dem = 0
        (com,) = s.commodities.values()  # single-commodity instances only
        for d in s.demand:
            amt = int(d.amount * 1000)
            total_dem += amt
            g.add_edge(d.node, "_sink", weight=0, capacity=amt)
        # unmet demand, priced at the shortage cost
        g.add_edge("_src", "_sink", weight=int(round(com.shortage_cost / 1e4)), capacity=total_dem)
        g.add_node("_src", demand=-total_dem)
        g.add_node("_sink", demand=total_dem)
        cost, _flow = nx.network_simplex(g)
        out.update(
            objective=cost * 1e4 / 1000,
            status="optimal",
            build_s=0.0,
            setup_s=0.0,
            solve_s=time.perf_counter() - t0,
        )
    out["total_s"] = time.perf_counter() - t0
    out["peak_mb"] = peak_mb() - base
    return out


def run_one(method: str, path: Path, timeout: float) -> dict:
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", method, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"method": method, "total_s": float("inf"), "status": f"timeout>{timeout:.0f}s"}
    if proc.returncode:
        return {"method": method, "total_s": float("nan"), "status": "error: " + proc.stderr[-300:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000, 500_000, 1_000_000]
    )
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--nx-limit", type=int, default=100_000, help="largest size for networkx")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument(
        "--shape",
        choices=["plain", "weekly"],
        default="plain",
        help="plain: one commodity, 1 or 10 periods; weekly: 3 commodities, 52 periods, "
        "reserves and a mid-horizon chokepoint closure (simplex vs interior point)",
    )
    ap.add_argument("--repeat", type=int, default=1, help="runs per method, fastest kept")
    ap.add_argument("--methods", action="store_true", help="also time bare-simplex and bare-ipm")
    ap.add_argument("--only", help="comma-separated methods to run (e.g. bare-simplex,bare-ipm)")
    ap.add_argument(
        "--compile", action="store_true", help="time the ways to get the matrix (no solve)"
    )
    a = ap.parse_args()
    if a.worker:
        method = a.worker[0]
        if method.startswith("compile:"):
            print(json.dumps(compile_worker(method[8:], Path(a.worker[1]))))
        else:
            print(json.dumps(worker(method, Path(a.worker[1]))))
        return
    if a.compile:
        compile_table(a.sizes, a.timeout)
        return
    from synthetic import generate

    print(
        f"{'link-periods':>12} {'links':>7} {'T':>3} {'method':>17} {'nnz':>9} {'build s':>8} "
        f"{'setup s':>8} {'solve s':>8} {'total s':>8} {'peak MB':>8} {'vs bare':>8}"
    )
    for size in a.sizes:
        weekly = a.shape == "weekly"
        periods = 52 if weekly else 1 if size <= 100_000 else 10
        links = size // periods
        with tempfile.TemporaryDirectory() as tmp:
            path = generate(
                Path(tmp), links=links, periods=periods, seed=7,
                commodities=3 if weekly else 1, storage=weekly,
            )  # fmt: skip
            methods = ["corridors", "pyomo", "bare"] + (
                ["networkx"] if periods == 1 and size <= a.nx_limit else []
            )
            if weekly:  # the bare builder has no storage rows: compare the methods in corridors
                methods = ["corridors-simplex", "corridors-ipm"]
            if a.methods:
                methods += ["bare-simplex", "bare-ipm"]
            if a.only:
                methods = a.only.split(",")
            res: dict = {}
            for _ in range(a.repeat):  # methods interleaved; the fastest run of each is kept
                for m in methods:
                    r = run_one(m, path, a.timeout)
                    if m not in res or r.get("total_s", 0) < res[m].get("total_s", 0):
                        res[m] = r
        ref = next(iter(res.values())).get("objective")
        bare = res.get("bare", next(iter(res.values())))  # else ratios to the first method
        for m in methods:
            r = res[m]
            obj = r.get("objective")
            check = (
                ""
                if obj is None or ref is None or abs(obj - ref) <= 1e-6 * max(1, abs(ref))
                else " OBJECTIVE DIFFERS"
            )
            if m == "networkx" and obj is not None and ref is not None:
                check = f" (rounded costs: obj {obj / ref:.4f} of ours)"
            ratio_t = r.get("total_s", float("nan")) / bare.get("total_s", float("nan"))
            mem = r.get("peak_mb", float("nan"))
            print(
                f"{size:>12,} {links:>7,} {periods:>3} {m:>17} {r.get('nnz', 0):>9,} {r.get('build_s', float('nan')):>8.2f} "
                f"{r.get('setup_s', float('nan')):>8.2f} {r.get('solve_s', float('nan')):>8.2f} "
                f"{r.get('total_s', float('nan')):>8.2f} {mem:>8.0f} {ratio_t:>7.2f}x{check} {r.get('status', '')}"
            )
        cm, bm = res.get("corridors", {}).get("peak_mb"), bare.get("peak_mb")
        if cm and bm:
            print(f"{'':>12} peak memory corridors/bare: {cm / bm:.2f}x")


if __name__ == "__main__":
    main()
