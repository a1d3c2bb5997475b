"""Interdiction MILP vs exhaustive N-k sweep on the same element set.

    python benchmarks/bench_interdiction.py                        # baseline, K=2, all classes
    python benchmarks/bench_interdiction.py --k 3 --no-sweep       # MILP only (enumeration too long)
    python benchmarks/bench_interdiction.py --elements chokepoint,pipeline,supplier --k 2

Prints the MILP time (``corridors.analysis.interdiction.interdict``, including building the dual), the
exhaustive sweep time (``corridors.analysis.sweep.run_sweep``, in-process, workers=1) and their ratio,
and checks that both find the same worst unmet demand.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

from corridors.analysis.interdiction import interdict
from corridors.analysis.sweep import run_sweep
from corridors.core.availability import elements, parse_classes
from corridors.core.session import prepare

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    ap.add_argument("--k", type=int, default=2)
    ap.add_argument("--elements", default=None, help="element classes (default: as for sweep)")
    ap.add_argument("--objective", default="unmet", choices=("unmet", "cost"))
    ap.add_argument("--no-sweep", action="store_true", help="skip the exhaustive sweep")
    args = ap.parse_args()

    prep = prepare(args.scenario)
    elems = elements(prep.network, prep.resolver, parse_classes(args.elements))
    n_cases = 1 + sum(math.comb(len(elems), i) for i in range(1, args.k + 1))
    print(f"scenario {args.scenario}: {len(elems)} elements, K={args.k}, {n_cases} sweep cases")

    t0 = time.perf_counter()
    res = interdict(prep, args.k, element_classes=args.elements, objective=args.objective)
    t_milp = time.perf_counter() - t0
    print(
        f"MILP   {t_milp:8.2f} s  (solver {res.milp_seconds:.2f} s)  status {res.status}, "
        f"gap {res.gap}, worst {res.elements}: unmet {res.unmet:,.1f} PJ, cost {res.cost:,.0f} USD"
    )
    if args.no_sweep:
        return
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        sw = run_sweep(args.scenario, tmp, k=args.k, element_classes=args.elements, workers=1)
        t_sweep = time.perf_counter() - t0
    col = "unmet_pj" if args.objective == "unmet" else "objective_usd"
    worst = sw.table.sort_values(col, ascending=False).iloc[0]
    print(
        f"sweep  {t_sweep:8.2f} s  ({len(sw.table)} cases)  worst {worst['elements']}: "
        f"unmet {worst['unmet_pj']:,.1f} PJ, cost {worst['objective_usd']:,.0f} USD"
    )
    ours = res.unmet if args.objective == "unmet" else res.cost
    same = math.isclose(ours, float(worst[col]), rel_tol=1e-6, abs_tol=1e-6)
    print(f"ratio MILP/sweep = {t_milp / t_sweep:.4f}   same optimum: {same}")


if __name__ == "__main__":
    main()
