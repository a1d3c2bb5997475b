"""Per-scenario time of a sweep vs a bare highspy loop, local-worker throughput, pruning
against the warm loop over every case, and Monte Carlo with draws solved once.

    python benchmarks/bench_sweep.py                # every part below
    python benchmarks/bench_sweep.py --quick        # fewer cases
    python benchmarks/bench_sweep.py --only prune   # one part: compare, throughput, prune, mc

Side by side in one run, on the same LP and the same sequence of single-link losses:
  bare     a bare highspy loop on a copy of the LP: changeColsBounds on the lost link's flow
           columns, run (warm dual simplex), read objective and column values, restore;
  corridors  ``corridors.analysis.sweep.solve_case`` (what ``corridors sweep`` runs per case: builds
           the case's availability, changes only differing bounds on the HiGHS columns,
           runs warm, reads the solution, makes the row);
  pyomo    the naive route: set the Pyomo variable bounds and call Pyomo's persistent solver
           (``Runner(..., interface="pyomo").solve``), on a subset of the cases.
Then the throughput of ``run_sweep`` with 1 and 2 local worker processes.

*prune*: the baseline, K = 2 over the default elements, side by side in one run: the pruned
sweep (``run_sweep``) and the warm loop over every case (``run_sweep(..., prune=False)``,
``--no-prune``), both in process from the scenario file: cases, LP solves, cases reused (by
rule) and wall time, the largest difference between their rows, and a floor: the cases whose
optimal value is new (no parent's, no identical LP's, not the superposition of two parents'),
which no reuse of parents' optima can give.

*mc*: 10,000 Monte Carlo draws of the reference risks of ``docs/analyses.md`` (Hormuz, Malacca,
ESPO spur) on the baseline: the distinct cases (draws with the same events are solved once),
and the time with 1 and 2 workers, beside the same draws all solved (``prune=False``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import highspy
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic import generate  # noqa: E402

from corridors.analysis.prune import ElementMap, ModelView  # noqa: E402
from corridors.analysis.sweep import (  # noqa: E402
    Case,
    case_availability,
    case_release,
    run_sweep,
    solve_case,
)
from corridors.core.availability import elements, parse_classes  # noqa: E402
from corridors.core.lp import MONEY_SCALE  # noqa: E402
from corridors.core.session import prepare  # noqa: E402


def link_cases(prep, limit: int) -> list[Case]:
    elems = elements(prep.network, prep.resolver, ("pipeline", "sea"))[:limit]
    zero = tuple([0.0] * prep.scenario.horizon.periods)
    return [Case(i + 1, (e.name,), (((e.name,), zero),)) for i, e in enumerate(elems)]


def time_corridors(prep, cases) -> float:
    t0 = time.perf_counter()
    for c in cases:
        solve_case(prep, c)
    return (time.perf_counter() - t0) / len(cases)


def time_bare(prep, cases) -> float:
    lp = prep.runner.highs.getLp()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    h.run()
    col = prep.runner.col["flow"]
    # the same columns the case changes: the lost link's flow columns (both directions)
    targets = []
    for c in cases:
        tg = prep.resolver.resolve(c.names[0])
        targets.append(col[list(tg.links)].ravel().astype(np.int32))
    lb0 = np.asarray(lp.col_lower_)
    ub0 = np.asarray(lp.col_upper_)
    sink = 0.0
    t0 = time.perf_counter()
    for cols in targets:
        n = len(cols)
        h.changeColsBounds(n, cols, np.zeros(n), np.zeros(n))
        h.run()
        sink += h.getInfo().objective_function_value
        sink += float(np.asarray(h.getSolution().col_value).sum())
        h.changeColsBounds(n, cols, lb0[cols], ub0[cols])
    return (time.perf_counter() - t0) / len(targets)


def time_pyomo(prep, cases) -> float:
    from corridors.core.solve import Runner

    runner = Runner(prep.built, prep.scenario.solver, interface="pyomo")
    runner.solve()
    t0 = time.perf_counter()
    for c in cases:
        runner.solve(case_availability(prep, c))
    return (time.perf_counter() - t0) / len(cases)


def compare(label: str, path: Path, n_cases: int, n_pyomo: int) -> None:
    t0 = time.perf_counter()
    prep = prepare(path)
    build = time.perf_counter() - t0
    cases = link_cases(prep, n_cases)
    prep.runner.resolve(prep.availability)
    # alternate the two fast loops twice and keep the best of each (noise on a shared machine)
    bare = min(time_bare(prep, cases) for _ in range(2))
    ours = min(time_corridors(prep, cases) for _ in range(2))
    naive = time_pyomo(prep, cases[:n_pyomo])
    ncol = prep.runner.highs.getNumCol()
    print(f"\n{label}: {ncol} columns, {len(cases)} single-link losses (prepare {build:.2f} s)")
    print(f"  bare highspy loop      {bare * 1e3:8.3f} ms/case")
    print(f"  corridors solve_case   {ours * 1e3:8.3f} ms/case   ratio {ours / bare:5.2f}x bare")
    print(f"  naive Pyomo persistent {naive * 1e3:8.3f} ms/case   ratio {naive / bare:5.2f}x bare")


def throughput(path: Path) -> None:
    """End-to-end time of ``run_sweep`` with 1 and 2 workers, and the steady-state rate (cases
    per second between 20 % and 100 % of the sweep, after worker start-up)."""
    prep = prepare(path)
    n_elem = len(elements(prep.network, prep.resolver, ("pipeline", "sea")))
    del prep
    total, steady = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for w in (1, 2):
            ticks: list[tuple[float, int]] = []
            t0 = time.perf_counter()
            res = run_sweep(
                path,
                Path(tmp) / f"w{w}",
                k=1,
                element_classes="pipeline,sea",
                workers=w,
                progress=lambda done, _n, ticks=ticks: ticks.append((time.perf_counter(), done)),
            )
            total[w] = time.perf_counter() - t0
            assert len(res.table) == n_elem + 1
            start = next((t, d) for t, d in ticks if d >= 0.2 * (n_elem + 1))
            end = ticks[-1]
            steady[w] = (end[1] - start[1]) / (end[0] - start[0])
    print(f"\nthroughput, N-1 over {n_elem} links:")
    for w in (1, 2):
        print(
            f"  {w} worker(s): end to end {total[w]:6.2f} s ({(n_elem + 1) / total[w]:6.1f} cases/s), "
            f"steady state {steady[w]:6.1f} cases/s"
        )
    print(
        f"  speed-up with 2 workers: end to end {total[1] / total[2]:.2f}x, "
        f"steady state {steady[2] / steady[1]:.2f}x (goal >= 1.6x)"
    )


def new_values(path: Path, table, k: int, classes: str | None) -> int:
    """Cases (and the reference) whose optimal value, less the objective's constant, is none
    of its parents', no identical LP's, and not the superposition of two parents' (rules 1-3):
    a floor on the LP solves of any pruning that reuses parents' optima (distinct LPs)."""
    prep = prepare(path)
    elems = elements(prep.network, prep.resolver, parse_classes(classes))
    view = ModelView(prep)
    emap = ElementMap(view, elems)
    pos = {e.name: i for i, e in enumerate(elems)}
    value: dict[tuple[int, ...], float] = {}
    keys: dict[tuple[int, ...], object] = {}
    zero = tuple([0.0] * prep.scenario.horizon.periods)
    for sid, names, obj in zip(
        table["scenario"], table["elements"], table["objective_usd"], strict=True
    ):
        m = tuple(pos[n] for n in names.split(";") if n) if isinstance(names, str) else ()
        case = Case(
            int(sid), tuple(elems[i].name for i in m), tuple(((elems[i].name,), zero) for i in m)
        )
        rf = case_release(prep, case)
        offset = emap.lose(view.base_bounds(rf), m).offset / MONEY_SCALE
        value[m] = obj - offset
        keys[m] = emap.key(m, rf)
    new: set[object] = set()
    for m, v in value.items():
        cands = [value[m[:i] + m[i + 1 :]] for i in range(len(m))]
        for i in range(len(m)):
            for j in range(i + 1, len(m)):
                q = tuple(x for t, x in enumerate(m) if t not in (i, j))
                cands.append(value[m[:i] + m[i + 1 :]] + value[m[:j] + m[j + 1 :]] - value[q])
        if not any(abs(v - c) <= 1e-9 * abs(v) for c in cands if np.isfinite(c)):
            new.add(keys[m])
    return len(new)


def pruning(path: Path, k: int, classes: str | None, repeat: int) -> None:
    """The pruned sweep and the warm loop over every case, alternated, best of ``repeat``."""
    times: dict[bool, list[float]] = {True: [], False: []}
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeat):
            for prune in (True, False):
                t0 = time.perf_counter()
                res[prune] = run_sweep(
                    path, Path(tmp) / f"{prune}{r}", k=k, element_classes=classes, prune=prune
                )
                times[prune].append(time.perf_counter() - t0)
    a, b = res[True], res[False]
    obj_a, obj_b = (
        a.table["objective_usd"].to_numpy(float),
        b.table["objective_usd"].to_numpy(float),
    )
    rel = np.nanmax(np.abs(obj_a - obj_b) / np.abs(obj_b))
    d_unmet = np.nanmax(
        np.abs(a.table["unmet_pj"].to_numpy(float) - b.table["unmet_pj"].to_numpy(float))
    )
    same_status = bool((a.table["status"] == b.table["status"]).all())
    meta = a.meta
    floor = new_values(path, b.table, k, classes)
    n = meta["cases"]
    solves = meta["solved"] + meta["helper_solves"]
    print(
        f"\npruning: {path.name}, K={k}, elements {classes or 'default'}: {n:,} cases, best of {repeat}"
    )
    print(f"  {'':28} {'LP solves':>10} {'reused':>8} {'wall s':>8}")
    print(
        f"  {'warm loop, every case':28} {b.meta['solved']:>10,} {0:>8,} {min(times[False]):8.2f}"
    )
    print(f"  {'pruned':28} {solves:>10,} {meta['reused']:>8,} {min(times[True]):8.2f}")
    print(
        f"  cases / LP solves {n / solves:.2f}x (goal >= 5x); wall time pruned / warm loop "
        f"{min(times[True]) / min(times[False]):.2f} (goal < 1)"
    )
    print(f"  reused by rule: {meta['reused_by']}; helper solves {meta['helper_solves']}")
    print(
        f"  rows: statuses identical {same_status}, objectives within {rel:.1e} (relative), "
        f"unmet within {d_unmet:.1e} PJ"
    )
    print(
        f"  floor: {floor:,} cases have a new optimal value (distinct LPs): no reuse of "
        f"parents' optima gets below that ({n / floor:.2f}x)"
    )


RISKS = [
    {"target": "hormuz", "capacity_factor": 0.0, "probability": 0.05, "duration_days": 60},
    {"target": "malacca", "capacity_factor": 0.5, "probability": 0.10, "duration_days": 30},
    {"target": "espo_spur", "capacity_factor": 0.0, "probability": 0.05, "duration_days": 30},
]
"""The reference risks: the Monte Carlo example of docs/analyses.md."""


def monte_carlo(n: int, seed: int) -> None:
    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        risks = Path(tmp) / "risks.yaml"
        doc = {
            "name": "reference_risks",
            "extends": str(ROOT / "scenarios" / "baseline.yaml"),
            "disruptions": RISKS,
        }
        risks.write_text(yaml.safe_dump(doc))
        rows = []
        for label, w, prune in (
            ("every draw solved", 1, False),
            ("pruned", 1, True),
            ("pruned", 2, True),
        ):
            t0 = time.perf_counter()
            res = run_sweep(
                risks, Path(tmp) / f"{w}{prune}", monte_carlo=n, seed=seed, workers=w, prune=prune
            )
            rows.append((label, w, res, time.perf_counter() - t0))
    full = rows[0][2].table
    print(f"\nMonte Carlo: {n:,} draws (seed {seed}) of the reference risks on the baseline")
    print(f"  {'':20} {'workers':>7} {'LP solves':>10} {'reused':>8} {'wall s':>8}")
    for label, w, res, t in rows:
        m = res.meta
        print(f"  {label:20} {w:>7} {m['solved']:>10,} {m['reused']:>8,} {t:8.2f}")
        same = np.nanmax(np.abs(res.table["unmet_pj"] - full["unmet_pj"])) < 1e-6
        assert same and (res.table["status"] == full["status"]).all()
    m = rows[1][2].meta
    distinct = m["cases"] - m["reused_by"].get("same-draw", 0)
    print(
        f"  distinct cases (draws with distinct events, the reference included): {distinct:,} "
        f"of {n + 1:,}; of these {m['reused_by'].get('reference', 0):,} keep the reference's "
        f"optimum (certified), {m['solved']:,} are solved"
    )
    print(
        f"  expected unmet {rows[1][2].stats['expected_unmet_pj']:.3f} PJ; CVaR95 "
        f"{rows[1][2].stats['cvar_unmet_pj']:.3f} PJ (same in every run)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=["compare", "throughput", "prune", "mc"], default=None)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each side of 'prune'")
    a = ap.parse_args()
    n = 100 if a.quick else 400
    parts = [a.only] if a.only else ["compare", "throughput", "prune", "mc"]
    baseline = ROOT / "scenarios" / "baseline.yaml"
    if "compare" in parts:
        compare("baseline", baseline, n, 40)
    if "compare" in parts or "throughput" in parts:
        with tempfile.TemporaryDirectory() as tmp:
            syn = generate(Path(tmp), links=10_000, seed=1)
            if "compare" in parts:
                compare("synthetic 10,000 links", syn, n, 20)
            if "throughput" in parts:
                throughput(syn)
    if "prune" in parts:
        pruning(baseline, 2, None, a.repeat)
    if "mc" in parts:
        monte_carlo(1_000 if a.quick else 10_000, seed=1)


if __name__ == "__main__":
    main()
