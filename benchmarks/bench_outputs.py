"""Time of the briefing outputs on the baseline: the map and the HTML report.

    python benchmarks/bench_outputs.py --repeat 3

Solves the baseline once into a temporary result folder (not timed), then times, in this
process: loading the folder (scenario + network + tables), the PNG map at 200 dpi
(``corridors map DIR``), the report (``corridors report DIR``: map at 150 dpi, interactive
map, charts, tables), and the other formats for reference. Goal: map + report < 5 s.
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


def timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.yaml")
    ap.add_argument("--cli", action="store_true", help="also time the two CLI commands")
    args = ap.parse_args()

    import corridors
    from corridors.core.resultdir import load_result_dir
    from corridors.outputs.render import render
    from corridors.outputs.report import write_report

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "baseline"
        corridors.run(args.scenario, folder)
        out = Path(tmp) / "out"
        rows = []

        def load() -> None:
            load_result_dir(folder)

        def map_png() -> None:
            render(load_result_dir(folder).result, out, ["png"])

        def report() -> None:
            write_report(folder, out / "report.html")

        rows.append(("load result folder", *timed(load, args.repeat)))
        m = timed(map_png, args.repeat)
        r = timed(report, args.repeat)
        rows.append(("map (png, 200 dpi)", *m))
        rows.append(("report.html", *r))
        rd = load_result_dir(folder)
        for fmt in ("svg", "pdf", "gpkg", "geojson", "html"):
            rows.append(
                (f"  {fmt}", *timed(lambda f=fmt: render(rd.result, out, [f]), args.repeat))
            )
        size = (out / "report.html").stat().st_size
        print(f"scenario: {args.scenario.name}  (median and min of {args.repeat} runs)")
        for name, med, mn in rows:
            print(f"{name:<24} {med:6.2f} s  (min {mn:.2f})")
        total = m[0] + r[0]
        print(
            f"{'map + report':<24} {total:6.2f} s  (goal < 5 s)   report.html {size / 1e6:.2f} MB"
        )
        if args.cli:
            for cmd in (["map", str(folder)], ["report", str(folder)]):
                t0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "corridors", "-q", *cmd], check=True, capture_output=True
                )
                print(f"{'corridors ' + cmd[0] + ' (CLI)':<24} {time.perf_counter() - t0:6.2f} s")


if __name__ == "__main__":
    main()
