"""corridors run and corridors validate: solve a scenario, check scenarios."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from corridors.cli.app import app, options, out
from corridors.errors import CorridorsError, Problem

if TYPE_CHECKING:
    from corridors.core.results import Result


@app.command()
def run(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("results"),
) -> None:
    """Solve a scenario and write summary.json, flows.csv, unmet.csv, map.png, flows.gpkg.

    Example: corridors run scenarios/baseline.yaml --out results/baseline
    """
    from corridors.api import run as api_run

    t0 = time.perf_counter()
    result = api_run(scenario, out_dir, progress=options(ctx).progress)
    elapsed = time.perf_counter() - t0
    _print_result(result, out_dir, elapsed)
    if not result.is_ok:
        raise typer.Exit(1)


def _print_result(result: Result, out_dir: Path, elapsed: float) -> None:
    from corridors.analysis.metrics import chokepoint_exposure

    ok = result.is_ok
    colour = "green" if ok else "red"
    out.print(f"[bold]{result.scenario.name}[/bold]: [{colour}]{result.status.value}[/{colour}]")
    if not result.has_solution:
        out.print(f"  no solution: the solver stopped with status '{result.status.value}'")
        out.print(f"  outputs in      {out_dir}  ({elapsed:.1f} s)")
        return
    if not ok:
        out.print("  [red]the solution below is NOT proven optimal[/red]")
    out.print(f"  total cost      {result.objective / 1e9:,.2f} billion USD")
    com = result.scenario.commodities
    for c, v in result.unmet_by_commodity().items():
        if v > 1e-6:
            out.print(f"  unmet {c:<12} {v:,.2f} {com[c].unit}")
    if result.unmet_pj() <= 1e-6:
        out.print("  unmet demand    none")
    exp = chokepoint_exposure(result)
    for c in ("crude_oil", "all_pj"):
        part = exp[(exp["commodity"] == c) & (exp["share"] > 0.005)].sort_values(
            "share", ascending=False
        )
        if len(part):
            label = "energy" if c == "all_pj" else c
            shares = ", ".join(f"{r.chokepoint} {r.share:.0%}" for r in part.itertuples())
            out.print(f"  {label} via      {shares}")
    out.print(f"  outputs in      {out_dir}  ({elapsed:.1f} s)")


@app.command()
def validate(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")],
) -> None:
    """Check scenarios (and their geodata) without solving.

    Example: corridors validate scenarios/*.yaml
    """
    from corridors.core.availability import availability
    from corridors.core.policy import check_policy
    from corridors.io.network import load_network
    from corridors.io.scenario import load_scenario

    problems: list[Problem] = []
    for f in files:
        try:
            s = load_scenario(f)
            net = load_network(s)
            availability(s, net)
            check_policy(s, net)
            out.print(f"[green]ok[/green]  {f}  ({len(net.nodes)} nodes, {len(net.links)} links)")
        except CorridorsError as exc:
            if options(ctx).debug:
                raise
            problems.extend(exc.problems)
    if problems:
        raise CorridorsError(problems)
