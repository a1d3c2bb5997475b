"""The realistic network: the weekly 52-period baseline, side by side in one run.

    python benchmarks/bench_realistic.py                         # everything below
    python benchmarks/bench_realistic.py --elements default      # the sweep over every default element
    python benchmarks/bench_realistic.py --skip interdiction     # leave a part out

``scenarios/baseline.yaml`` with a weekly horizon (52 periods of 7 days from 2023-01-01, as
``benchmarks/bench_weekly.py``: voyage lags, stocks, supply tranches), in process:

  run            prepare (data, LP, HiGHS) and solve the scenario once;
  sweep pruned   ``run_sweep(..., k=K)`` over ``--elements`` (default: chokepoints and
                 suppliers), pruned (the default);
  sweep full     the same sweep solving every case (``prune=False``, ``--no-prune``): the warm
                 loop over all cases;
  interdiction   ``interdict(..., K=3)`` over chokepoints, pipelines, ports and suppliers (a
                 MILP on the dual of this LP, then the found set re-solved).

Each line gives the size of the LP solved (rows, columns, nonzeros), the cases and LP solves,
and the wall time; the two sweeps' rows are compared (statuses, objectives, unmet).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corridors.analysis.interdiction import interdict  # noqa: E402
from corridors.analysis.sweep import run_sweep  # noqa: E402
from corridors.core.session import Prepared, prepare, solve_model  # noqa: E402
from corridors.io.scenario import load_scenario  # noqa: E402
from corridors.io.schema import Horizon, Scenario  # noqa: E402

INTERDICTION_CLASSES = "chokepoint,pipeline,port,supplier"


def weekly() -> Scenario:
    sc = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    return sc.with_updates(horizon=Horizon(periods=52, period_days=7, start=dt.date(2023, 1, 1)))


def size(prep: Prepared) -> tuple[int, int, int]:
    lp = prep.built.lp
    return lp.num_row, lp.num_col, len(lp.value)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=2, help="losses per case of the sweep")
    ap.add_argument("--elements", default="chokepoint,supplier", help="element classes swept")
    ap.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["full", "interdiction"],
        help="parts left out",
    )
    a = ap.parse_args()
    sc = weekly()
    lines: list[tuple[str, tuple[int, int, int], str, str, float, str]] = []

    t0 = time.perf_counter()
    prep = prepare(sc)
    t1 = time.perf_counter()
    res = solve_model(prep)
    t2 = time.perf_counter()
    dims = size(prep)
    lines.append(
        (
            "weekly baseline run",
            dims,
            "1",
            "1",
            t2 - t0,
            f"{res.status.value}, prepare {t1 - t0:.2f} s + solve {t2 - t1:.2f} s, "
            f"{res.solver['iterations']} iterations",
        )
    )

    tables = {}
    with tempfile.TemporaryDirectory() as tmp:
        for prune in (True, False):
            if not prune and "full" in a.skip:
                continue
            t0 = time.perf_counter()
            sw = run_sweep(
                sc, Path(tmp) / str(prune), k=a.k, element_classes=a.elements, prune=prune
            )
            seconds = time.perf_counter() - t0
            m = sw.meta
            solves = m["solved"] + m["helper_solves"]
            label = f"k={a.k} sweep, {'pruned' if prune else 'every case (--no-prune)'}"
            note = f"{len(m['elements'])} elements ({a.elements})"
            if prune:
                note += f"; reused {m['reused']:,} {m['reused_by']}"
            lines.append((label, dims, f"{m['cases']:,}", f"{solves:,}", seconds, note))
            tables[prune] = sw.table

    if "interdiction" not in a.skip:
        t0 = time.perf_counter()
        it = interdict(sc, 3, element_classes=INTERDICTION_CLASSES)
        seconds = time.perf_counter() - t0
        note = (
            f"{it.status.value}: {', '.join(it.elements)} -> {it.unmet:,.1f} PJ unmet; "
            f"{it.n_elements} elements, MILP {it.milp_seconds:.1f} s, check {it.check.get('agrees')}"
        )
        lines.append(("interdiction K=3", dims, "-", "-", seconds, note))

    print(
        f"\nrealistic network: scenarios/baseline.yaml, 52 weekly periods ({len(sc.storage)} "
        f"storages, {sum(len(s.tranches) for s in sc.supply)} tranches)"
    )
    print(
        f"  {'':38} {'rows':>7} {'columns':>8} {'nonzeros':>9} {'cases':>7} {'LP solves':>9} {'wall s':>8}"
    )
    for label, (r, c, z), cases, solves, seconds, note in lines:
        print(f"  {label:38} {r:>7,} {c:>8,} {z:>9,} {cases:>7} {solves:>9} {seconds:8.1f}")
        print(f"  {'':38} {note}")
    if len(tables) == 2:
        p, f = tables[True], tables[False]
        same = bool((p["status"] == f["status"]).all())
        rel = np.nanmax(
            np.abs(p["objective_usd"] - f["objective_usd"]) / np.abs(f["objective_usd"])
        )
        du = np.nanmax(np.abs(p["unmet_pj"] - f["unmet_pj"]))
        t_p = next(x[4] for x in lines if "pruned" in x[0])
        t_f = next(x[4] for x in lines if "every case" in x[0])
        print(
            f"  pruned / every case: wall time {t_p / t_f:.2f}; rows: statuses identical {same}, "
            f"objectives within {rel:.1e} (relative), unmet within {du:.1e} PJ"
        )


if __name__ == "__main__":
    main()
