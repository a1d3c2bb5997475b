"""corridors sweep and corridors n1: losses of up to K elements, random events, N-1."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from corridors.cli.app import app, err, options, out
from corridors.errors import CorridorsError


@app.command()
def sweep(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "results/sweep"
    ),
    k: Annotated[
        int | None, typer.Option("--k", help="Lose every combination of up to K elements.")
    ] = None,
    elements: Annotated[
        str | None,
        typer.Option(
            "--elements",
            help="Element classes, comma-separated: link modes (pipeline, sea, rail, conversion), "
            "node kinds (chokepoint, port, border, terminal, junction, supply, demand, storage), "
            "supplier, corridor (a whole corridor); 'default' and 'all' stand for the default "
            "set and every class. Default: what can be disrupted (chokepoint, pipeline, port, "
            "terminal, border, storage, supplier; a terminal includes its regasification "
            "links); e.g. default,junction,corridor adds open-sea waypoints and whole corridors.",
        ),
    ] = None,
    monte_carlo: Annotated[
        int | None,
        typer.Option("--monte-carlo", help="Draw N runs from the events' probabilities."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for --monte-carlo.")] = 0,
    cvar_level: Annotated[float, typer.Option("--cvar", help="CVaR level, e.g. 0.95.")] = 0.95,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Local worker processes.")] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Finish an interrupted sweep.")] = False,
    no_prune: Annotated[
        bool,
        typer.Option(
            "--no-prune",
            help="Solve every case (full enumeration) instead of reusing the optima of cases "
            "whose losses provably change nothing; the rows are the same.",
        ),
    ] = False,
) -> None:
    """Enumerate losses of up to K elements (N-k) or sample random events (Monte Carlo).

    Writes DIR/sweep.csv (one row per case: unmet_pj, unmet per demanded commodity in its
    unit, e.g. unmet_crude_oil_mt, LNG not supplied as not_supplied_lng_mt,
    cost_increase_usd; totals over the horizon), DIR/ranking.csv, DIR/sweep_meta.json (cases,
    solved, reused) and, for Monte Carlo, DIR/montecarlo.json. A case whose optimum follows
    exactly from cases already solved is not solved again (--no-prune solves every case).
    Ctrl-C stops the sweep keeping every finished case; --resume finishes it. One sweep at a
    time per folder (DIR/sweep.lock).

    Example: corridors sweep scenarios/baseline.yaml --k 2 --elements chokepoint,pipeline,supplier
    --workers 2 --out results/n2
    """
    from corridors.analysis.sweep import Interrupted, run_sweep
    from corridors.core.status import Status

    if not 0 < cvar_level < 1:
        raise CorridorsError(f"--cvar must be between 0 and 1 (got {cvar_level})")
    if workers < 1:
        raise CorridorsError(f"--workers must be at least 1 (got {workers})")
    last = [0.0]

    def tick(done: int, total: int) -> None:
        now = time.perf_counter()
        if not options(ctx).quiet and (now - last[0] > 2 or done == total):
            last[0] = now
            err.print(f"[dim]… {done}/{total} cases[/dim]")

    from rich.text import Text

    def note(msg: str) -> None:
        if not options(ctx).quiet:
            err.print(Text(f"note: {msg}"), soft_wrap=True)

    try:
        res = run_sweep(
            scenario,
            out_dir,
            k=k,
            element_classes=elements,
            monte_carlo=monte_carlo,
            seed=seed,
            cvar_level=cvar_level,
            workers=workers,
            scheduler=scheduler,
            resume=resume,
            progress=tick,
            prune=not no_prune,
            notice=note,
        )
    except Interrupted as exc:
        err.print(
            Text(
                f"interrupted: {exc.kept} of {exc.total} cases kept in {out_dir}; "
                f"resume with: {resume_command()}"
            ),
            soft_wrap=True,
        )
        raise typer.Exit(130) from None
    n = len(res.table)
    out.print(
        f"[bold]{n} cases[/bold] ({res.solved} solved now, {res.reused} reused) "
        f"in {res.seconds:.1f} s -> {out_dir}"
    )
    top = res.ranking.head(10)
    over = "over the scenario's horizon"
    if "unmet_alone_pj" in top.columns:
        col, what = "unmet_alone_pj", f"PJ unmet when lost alone, {over}"
    else:  # Monte Carlo: how much more is unmet in the draws where the element is lost
        col, what = "excess_unmet_pj", f"PJ excess unmet (mean when lost minus otherwise), {over}"
    if len(top):
        out.print(f"  ranking: {what}")
    for r in top.itertuples(index=False):
        out.print(f"  {r.rank:>3}. {r.label:<40} {getattr(r, col):>12,.1f}")
    if res.stats:
        st = res.stats
        out.print(
            f"  expected unmet {st['expected_unmet_pj']:,.1f} PJ per run ({over}); "
            f"CVaR{st['cvar_level']:.0%} {st['cvar_unmet_pj']:,.1f} PJ; "
            f"P(any unmet) {st['probability_any_unmet']:.1%}"
        )
    bad = int((res.table["status"] != Status.OPTIMAL).sum())
    if bad:
        out.print(f"  [red]{bad} cases not solved to optimality (see status column)[/red]")


def resume_command() -> str:
    """The command line that finishes an interrupted sweep: this one with --resume."""
    import shlex
    import sys

    args = [a for a in sys.argv[1:] if a != "--resume"]
    return shlex.join(["corridors", *args, "--resume"])


@app.command()
def n1(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    area: Annotated[str, typer.Option("--area", help="Gas importing area: a country (ISO3).")],
    peak_factor: Annotated[
        float, typer.Option("--peak-factor", help="Peak-day demand / average-day demand.")
    ] = 1.0,
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Write n1.json here.")] = None,
) -> None:
    """EU N-1 infrastructure standard for a gas area, next to a flow-based N-1 (re-solved).

    Example: corridors n1 scenarios/baseline.yaml --area CHN --peak-factor 1.3
    """
    from rich.text import Text

    from corridors.analysis.n1 import eu_n1, flow_n1, n1_lines
    from corridors.core.session import prepare
    from corridors.io.files import write_json

    if peak_factor <= 0:
        raise CorridorsError(f"--peak-factor must be positive (got {peak_factor})")
    prep = prepare(scenario, options(ctx).progress)
    formula = eu_n1(prep, area, peak_factor=peak_factor)
    flow = flow_n1(prep, area)
    out.print(f"[bold]EU N-1 for {area}[/bold]")
    for line in n1_lines(formula):  # the verdict, the formula, every term and what it counted
        out.print(Text(line))
    out.print(
        f"[bold]flow-based N-1[/bold]: worst single loss {flow['worst_element']} leaves "
        f"{flow['worst_unmet_pj']:,.1f} PJ of gas unmet; {flow['share_met_percent']:.1f} % of gas "
        f"demand met ({flow['elements_tested']} elements tested)"
    )
    if out_dir is not None:
        write_json(Path(out_dir) / "n1.json", {"formula": formula, "flow_based": flow})
