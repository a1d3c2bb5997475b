"""corridors run and corridors validate: solve a scenario, check scenarios."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from corridors.cli.app import app, cost_basis, options, out
from corridors.errors import CorridorsError, Problem

if TYPE_CHECKING:
    from corridors.core.results import Result
    from corridors.core.session import Extra, Prepared


@app.command()
def run(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("results"),
    extra: Annotated[
        str | None,
        typer.Option(
            "--extra",
            metavar="FILE.py:FUNCTION",
            help="A Python function fn(model, prep) that adds variables, constraints or cost "
            "terms to the Pyomo model before the solve (see docs/extending.md). Code is only "
            "ever run when named here, never from a scenario file.",
        ),
    ] = None,
    xlsx: Annotated[
        bool,
        typer.Option(
            "--xlsx",
            help="Also write OUT/results.xlsx: the summary and every table on its own sheet, "
            "with units in the headers (see docs/outputs-xlsx.md).",
        ),
    ] = False,
) -> None:
    """Solve a scenario and write summary.json, flows.csv, unmet.csv, map.png, flows.gpkg.

    Example: corridors run scenarios/baseline.yaml --out results/baseline --xlsx
    """
    from corridors.api import run as api_run

    fn = load_extra(extra) if extra is not None else None
    t0 = time.perf_counter()
    result = api_run(scenario, out_dir, progress=options(ctx).progress, extra=fn)
    if xlsx:
        from corridors.outputs.workbook import write_workbook

        options(ctx).progress("writing workbook")
        write_workbook(out_dir)
    elapsed = time.perf_counter() - t0
    _print_result(result, out_dir, elapsed)
    if not result.is_ok:
        raise typer.Exit(1)


def load_extra(spec: str) -> Extra:
    """The function named by ``--extra FILE.py:FUNCTION``, loaded from that file, wrapped so
    that an exception inside it becomes a one-line user error naming the file and function.
    Every problem (no such file, no such function, not callable, an error while loading the
    file or inside the function) is a :class:`CorridorsError` (exit code 2)."""
    import importlib.util
    import sys

    from corridors.errors import suggest

    def fail(message: str) -> CorridorsError:
        return CorridorsError(Problem("", "--extra", message))

    file, sep, name = spec.rpartition(":")
    if not sep or not file or not name:
        raise fail(f"give FILE.py:FUNCTION, e.g. rules.py:cap_corridor (got '{spec}')")
    path = Path(file)
    if not path.is_file():
        raise fail(f"file '{file}' not found")
    module_name = f"corridors_extra_{abs(hash(str(path.resolve())))}"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise fail(f"cannot load '{file}' as Python code (name it FILE.py)")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise fail(f"loading '{file}' failed: {type(exc).__name__}: {exc}") from exc
    if not hasattr(module, name):
        names = [n for n in vars(module) if not n.startswith("_")]
        raise fail(f"'{file}' has no function '{name}'{suggest(name, names)}")
    fn = getattr(module, name)
    if not callable(fn):
        raise fail(f"'{file}:{name}' is not a function (it is a {type(fn).__name__})")

    def call(model: Any, prep: Prepared) -> Any:
        try:
            return fn(model, prep)
        except CorridorsError:
            raise
        except Exception as exc:
            raise fail(f"'{file}:{name}' raised {type(exc).__name__}: {exc}") from exc

    return call


def horizon_text(periods: int, period_days: float) -> str:
    """The horizon in words: ``1 period of 365 days`` or ``52 periods of 7 days (364 days)``."""
    if periods == 1:
        return f"1 period of {period_days:g} days"
    return f"{periods} periods of {period_days:g} days ({periods * period_days:g} days)"


def _print_result(result: Result, out_dir: Path, elapsed: float) -> None:
    from corridors.analysis.metrics import balance, chokepoint_exposure, supply_balance
    from corridors.analysis.response import resolution_warnings

    ok = result.is_ok
    colour = "green" if ok else "red"
    out.print(f"[bold]{result.scenario.name}[/bold]: [{colour}]{result.status.value}[/{colour}]")
    if not result.has_solution:
        out.print(f"  no solution: the solver stopped with status '{result.status.value}'")
        out.print(f"  outputs in      {out_dir}  ({elapsed:.1f} s)")
        return
    if not ok:
        out.print("  [red]the solution below is NOT proven optimal[/red]")
    h = result.scenario.horizon
    out.print(
        f"  horizon         {horizon_text(h.periods, h.period_days)}; "
        "figures below are totals over it"
    )
    basis = cost_basis(result.scenario)
    out.print(f"  total cost      {result.objective / 1e9:,.2f} billion USD{basis}")
    com = result.scenario.commodities
    bal = balance(result)
    short = False
    for c in com:
        v, given_up = bal[c]["unmet"] or 0.0, bal[c]["stock_building_unmet"] or 0.0
        if v > 1e-6:
            share = bal[c]["unmet_share_of_consumption"] or 0.0
            out.print(f"  unmet {c:<12} {v:,.2f} {com[c].unit} ({share:.1%} of consumption)")
            short = True
        if given_up > 1e-6:
            out.print(f"  stock building given up: {c} {given_up:,.2f} {com[c].unit}")
    if not short:
        out.print("  unmet demand    none")
    undemanded = result.scenario.undemanded_supply()
    for c, row in supply_balance(result).items():
        # a commodity nothing demands (LNG): what did not come shows here, its gas as unmet
        lost = row["not_supplied"]["volume"]
        if c in undemanded and lost > 1e-6:
            into = ", ".join(row["converted_to"]) or "nothing"
            out.print(
                f"  {c} not supplied {lost:,.2f} of {row['available']['volume']:,.2f} "
                f"{com[c].unit} available (delivered as {into})"
            )
    for w in resolution_warnings(result.scenario):
        out.print(f"  [yellow]warning[/yellow] {w}")
    exp = chokepoint_exposure(result)
    for c in ("crude_oil", "all_pj"):
        part = exp[(exp["commodity"] == c) & (exp["share"] > 0.005)].sort_values(
            "share", ascending=False
        )
        if len(part):
            label = "energy" if c == "all_pj" else c
            shares = ", ".join(f"{r.chokepoint} {r.share:.0%}" for r in part.itertuples())
            out.print(f"  {label} imports via {shares}")
    out.print(f"  outputs in      {out_dir}  ({elapsed:.1f} s)")


@app.command()
def validate(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")],
) -> None:
    """Check scenarios (and their geodata) without solving: every problem of every stage at
    once, and warnings (events shorter than a period, links that can carry nothing).

    Example: corridors validate scenarios/*.yaml
    """
    from rich.text import Text

    from corridors.analysis.response import resolution_warnings
    from corridors.core.check import check_scenario, idle_link_warnings

    problems: list[Problem] = []
    for f in files:
        try:
            s, net = check_scenario(f)
        except CorridorsError as exc:
            if options(ctx).debug:
                raise
            problems.extend(exc.problems)
            continue
        out.print(f"[green]ok[/green]  {f}  ({len(net.nodes)} nodes, {len(net.links)} links)")
        for w in [*resolution_warnings(s), *idle_link_warnings(s, net)]:
            # Text, not markup: ids like [bold]x must print as they are
            out.print(Text.assemble("  ", ("warning", "yellow"), " ", w), soft_wrap=True)
    if problems:
        raise CorridorsError(problems)
