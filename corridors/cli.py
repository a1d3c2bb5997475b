"""Command line: a thin layer over the Python API.

User errors print a short message and exit with code 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from corridors.errors import CorridorsError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Plan and research energy import corridors (min-cost flow, disruption, diversification).",
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)
_state = {"debug": False, "quiet": False}


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
) -> None:
    _state["debug"] = debug
    _state["quiet"] = quiet


def _progress(msg: str) -> None:
    if not _state["quiet"]:
        err.print(f"[dim]… {msg}[/dim]")


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("results"),
) -> None:
    """Solve a scenario and write summary.json, flows.csv, unmet.csv, map.png, flows.gpkg.

    Example: corridors run scenarios/baseline.yaml --out results/baseline
    """
    from corridors.api import run as api_run

    t0 = time.perf_counter()
    result = api_run(scenario, out_dir, progress=_progress)
    elapsed = time.perf_counter() - t0
    _print_result(result, out_dir, elapsed)
    if not result.is_ok:
        raise typer.Exit(1)


def _print_result(result, out_dir: Path, elapsed: float) -> None:  # type: ignore[no-untyped-def]
    from corridors.metrics import chokepoint_exposure

    ok = result.is_ok
    colour = "green" if ok else "red"
    out.print(f"[bold]{result.scenario.name}[/bold]: [{colour}]{result.status.value}[/{colour}]")
    if result.objective == result.objective:  # not NaN
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
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")],
) -> None:
    """Check scenarios (and their geodata) without solving.

    Example: corridors validate scenarios/*.yaml
    """
    from corridors.disruption import availability
    from corridors.network import load_network
    from corridors.scenario import load_scenario

    problems: list[str] = []
    for f in files:
        try:
            s = load_scenario(f)
            net = load_network(s)
            availability(s, net)
            out.print(f"[green]ok[/green]  {f}  ({len(net.nodes)} nodes, {len(net.links)} links)")
        except CorridorsError as exc:
            problems.extend(str(p) for p in exc.problems)
    if problems:
        raise CorridorsError("\n".join(problems))


def main() -> None:
    """Console entry point."""
    debug = "--debug" in sys.argv
    try:
        app(standalone_mode=False)
    except CorridorsError as exc:
        if debug:
            raise
        for p in exc.problems:
            err.print(f"[red]error:[/red] {p}", soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click usage errors and unexpected failures
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if debug:
            raise
        err.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {exc} (run with --debug for a traceback)"
        )
        sys.exit(1)
