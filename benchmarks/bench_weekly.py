"""End-to-end in-process time of the weekly 52-period baseline (voyage times, stocks, tranches): python benchmarks/bench_weekly.py"""

import datetime as dt
import time

t0 = time.perf_counter()
import corridors  # noqa: E402 (timed)
from corridors.io.scenario import load_scenario  # noqa: E402 (timed)
from corridors.io.schema import Horizon  # noqa: E402 (timed)

sc = load_scenario("scenarios/baseline.yaml")
sc = sc.with_updates(horizon=Horizon(periods=52, period_days=7, start=dt.date(2023, 1, 1)))
t1 = time.perf_counter()
prep = corridors.prepare(sc)
t2 = time.perf_counter()
r = corridors.solve_prepared(prep)
t3 = time.perf_counter()
lp = prep.built.lp
print(
    f"status {r.status.value} rows {lp.num_row} cols {lp.num_col} nnz {len(lp.value)} method {r.solver['method']}"
)
print(
    f"load {t1 - t0:.2f}s prepare {t2 - t1:.2f}s solve {t3 - t2:.2f}s total {t3 - t0:.2f}s iterations {r.solver['iterations']}"
)
print(
    "storage",
    len(sc.storage),
    "tranches",
    sum(len(s.tranches) for s in sc.supply),
    "lagged links",
    int((prep.data.lag > 0).sum()),
)
