"""End-to-end in-process time of the weekly 52-period baseline (voyage times, stocks, tranches),
with voyages rounded to whole periods (``horizon.arrival: nearest``, the default) and, side by
side in the same run, spread over two periods (``arrival: spread``).

    python benchmarks/bench_weekly.py            # from the repository root

"import" is the one-off cost of a fresh process (Python libraries); "end to end" counts from
there: load the scenario, prepare (data, LP, the steady state before the horizon), solve, and
the result tables.
"""

import datetime as dt
import time

t0 = time.perf_counter()
import corridors  # noqa: E402 (timed)
import corridors.api  # noqa: E402, F401 (timed: what solve_prepared imports)
from corridors.io.scenario import load_scenario  # noqa: E402 (timed)
from corridors.io.schema import Horizon  # noqa: E402 (timed)

t_import = time.perf_counter() - t0


def run(arrival: str) -> dict:
    t1 = time.perf_counter()
    sc = load_scenario("scenarios/baseline.yaml")
    horizon = Horizon(periods=52, period_days=7, start=dt.date(2023, 1, 1), arrival=arrival)
    sc = sc.with_updates(horizon=horizon)
    t2 = time.perf_counter()
    prep = corridors.prepare(sc)
    t3 = time.perf_counter()
    r = corridors.solve_prepared(prep)
    t4 = time.perf_counter()
    lp = prep.built.lp
    return {
        "arrival": arrival,
        "status": r.status.value,
        "rows": lp.num_row,
        "cols": lp.num_col,
        "nnz": len(lp.value),
        "method": r.solver["method"],
        "iterations": r.solver["iterations"],
        "load": t2 - t1,
        "prepare": t3 - t2,
        "solve": t4 - t3,
        "total": t4 - t1,
        "cost": r.objective / 1e9,
        "lagged": int((prep.data.lag > 0).sum()),
        "storage": len(sc.storage),
        "tranches": sum(len(s.tranches) for s in sc.supply),
    }


rows = [run("nearest"), run("spread")]
print(f"import {t_import:.2f} s (once per process)")
print(
    f"{'arrival':8} {'status':8} {'rows':>6} {'cols':>7} {'nnz':>7} {'iters':>6} "
    f"{'load':>5} {'prep':>5} {'solve':>6} {'end to end':>10} {'cost bn USD':>11} lagged arcs"
)
for m in rows:
    print(
        f"{m['arrival']:8} {m['status']:8} {m['rows']:>6,} {m['cols']:>7,} {m['nnz']:>7,} "
        f"{m['iterations']:>6,} {m['load']:>5.2f} {m['prepare']:>5.2f} {m['solve']:>6.2f} "
        f"{m['total']:>10.2f} {m['cost']:>11.2f} {m['lagged']}"
    )
near, spread = rows
print(
    f"spread / nearest: solve {spread['solve'] / near['solve']:.1f}x, end to end "
    f"{spread['total'] / near['total']:.1f}x; nearest with import "
    f"{near['total'] + t_import:.2f} s (goal < 2 s); {near['storage']} storages, "
    f"{near['tranches']} tranches; method {near['method']}"
)
