"""Baseline run: process start to files written, and model build vs solve time.

    python benchmarks/bench_core.py [--repeat 5]

Prints, for scenarios/baseline.yaml:
  end-to-end  ``corridors run`` as a fresh process (imports, load, build, solve, tables, map,
              GeoPackage), median of the repeats;
  in-process  load (scenario + network), build (LP assembled + passed to HiGHS), solve (HiGHS
              through the persistent interface) and extraction, median of the repeats, and
              the build/solve ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.yaml")
    a = ap.parse_args()

    e2e = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(a.repeat):
            t0 = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "corridors",
                    "-q",
                    "run",
                    str(a.scenario),
                    "--out",
                    f"{tmp}/r{i}",
                ],
                check=True,
                capture_output=True,
            )
            e2e.append(time.perf_counter() - t0)

    from corridors.api import solve_prepared
    from corridors.core.session import prepare

    loads, builds, solves = [], [], []
    for _ in range(a.repeat):
        prep = prepare(a.scenario)
        loads.append(prep.timings["load_s"])
        builds.append(prep.timings["build_s"])
        t0 = time.perf_counter()
        solve_prepared(prep)
        solves.append(time.perf_counter() - t0)
    med = statistics.median
    print(
        f"scenario: {a.scenario.name} ({len(prep.network.links)} arcs, "
        f"{prep.runner.highs.getNumCol()} columns, {prep.runner.highs.getNumRow()} rows)"
    )
    print(f"end-to-end corridors run  {med(e2e):6.2f} s  (min {min(e2e):.2f}, goal < 10 s)")
    print(f"load                      {med(loads) * 1e3:8.1f} ms")
    print(f"build (LP + HiGHS)        {med(builds) * 1e3:8.1f} ms")
    print(f"solve + results           {med(solves) * 1e3:8.1f} ms")
    print(f"build / solve ratio       {med(builds) / med(solves):8.2f}")


if __name__ == "__main__":
    main()
