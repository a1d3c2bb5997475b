"""Start-up and end-to-end wall time of the command line, each command as a fresh process.

    python benchmarks/bench_startup.py              # best of 5 runs of each command
    python benchmarks/bench_startup.py --repeat 10 --k 2

Every command runs as its own process (``sys.executable -m corridors ...``, from the
repository root), so the times include starting Python and importing what the command needs.
The reference is ``python -c "import typer"``: the least any typer command line can cost.
The runs are interleaved (one of each command per round, ``--repeat`` rounds) and the best
wall time of each command is kept, which is the figure least disturbed by other jobs on a
shared machine; the median and the best CPU time (user + system) are printed beside it.

Goals: ``corridors --help`` under 0.3 s and close to the reference; ``interdict`` at most 1/10
of ``sweep`` for the same K.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELP_GOAL_S = 0.3
INTERDICT_SWEEP_GOAL = 0.1


def commands(scenario: str, k: int) -> list[tuple[str, list[str], bool]]:
    """(label, arguments after the interpreter, whether the command takes ``--out``)."""
    cli = ["-m", "corridors"]
    return [
        ('python -c "import typer"', ["-c", "import typer"], False),
        ("corridors --help", [*cli, "--help"], False),
        (f"corridors validate {scenario}", [*cli, "validate", scenario], False),
        (f"corridors run {scenario}", [*cli, "run", scenario], True),
        (f"corridors interdict --k {k}", [*cli, "interdict", scenario, "--k", str(k)], True),
        (f"corridors sweep --k {k}", [*cli, "sweep", scenario, "--k", str(k)], True),
    ]


def run_once(args: list[str], out: Path | None) -> tuple[float, float]:
    """Wall and CPU seconds of one process; raises if it fails."""
    cmd = [sys.executable, *args]
    if out is not None:
        cmd += ["--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=os.environ.copy())
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-10:])
        raise SystemExit(f"failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", "-n", type=int, default=5, help="runs of each command (best kept)")
    ap.add_argument("--scenario", default="scenarios/baseline.yaml", help="relative to the repo")
    ap.add_argument("--k", type=int, default=2, help="K for interdict and sweep")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    cmds = commands(args.scenario, args.k)
    walls: dict[str, list[float]] = {label: [] for label, _, _ in cmds}
    cpus: dict[str, list[float]] = {label: [] for label, _, _ in cmds}
    with tempfile.TemporaryDirectory(prefix="bench_startup_") as tmp:
        for rnd in range(args.repeat):
            for i, (label, argv, takes_out) in enumerate(cmds):
                out = Path(tmp) / f"r{rnd}_c{i}" if takes_out else None  # a fresh folder per run
                wall, cpu = run_once(argv, out)
                walls[label].append(wall)
                cpus[label].append(cpu)
            print(f"round {rnd + 1}/{args.repeat} done", file=sys.stderr)

    ref_label = cmds[0][0]
    ref = min(walls[ref_label])
    width = max(len(label) for label in walls)
    print(
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, best of {args.repeat} runs "
        f"(wall s; ratio = best / best of the reference)"
    )
    print(f"{'command':<{width}}  {'best s':>8}  {'median s':>8}  {'cpu s':>8}  {'ratio':>7}")
    for label in walls:
        best = min(walls[label])
        print(
            f"{label:<{width}}  {best:8.3f}  {statistics.median(walls[label]):8.3f}  "
            f"{min(cpus[label]):8.3f}  {best / ref:6.2f}x"
        )
    help_s = min(walls["corridors --help"])
    ok = "met" if help_s < HELP_GOAL_S else "NOT met"
    print(f"corridors --help: {help_s:.3f} s (goal < {HELP_GOAL_S} s: {ok})")
    inter = min(walls[cmds[4][0]])
    sweep = min(walls[cmds[5][0]])
    ratio = inter / sweep
    ok = "met" if ratio <= INTERDICT_SWEEP_GOAL else "NOT met"
    print(
        f"interdict / sweep (K={args.k}): {inter:.2f} s / {sweep:.2f} s = {ratio:.3f} "
        f"(goal <= {INTERDICT_SWEEP_GOAL}: {ok})"
    )


if __name__ == "__main__":
    main()
