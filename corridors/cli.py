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
from rich.text import Text

from corridors.errors import CorridorsError, Problem

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Plan and research energy import corridors (min-cost flow, disruption, diversification)."
    "\n\nExample: corridors validate scenarios/baseline.yaml && "
    "corridors run scenarios/baseline.yaml --out results/baseline",
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
def sweep(
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
            "supplier, corridor. Default: all.",
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
) -> None:
    """Enumerate losses of up to K elements (N-k) or sample random events (Monte Carlo).

    Writes DIR/sweep.csv (one row per case), DIR/ranking.csv and, for Monte Carlo,
    DIR/montecarlo.json.

    Example: corridors sweep scenarios/baseline.yaml --k 2 --elements chokepoint,pipeline,supplier
    --workers 2 --out results/n2
    """
    from corridors.sweep import run_sweep

    if not 0 < cvar_level < 1:
        raise CorridorsError(f"--cvar must be between 0 and 1 (got {cvar_level})")
    if workers < 1:
        raise CorridorsError(f"--workers must be at least 1 (got {workers})")
    last = [0.0]

    def tick(done: int, total: int) -> None:
        now = time.perf_counter()
        if not _state["quiet"] and (now - last[0] > 2 or done == total):
            last[0] = now
            err.print(f"[dim]… {done}/{total} cases[/dim]")

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
    )
    n = len(res.table)
    out.print(
        f"[bold]{n} cases[/bold] ({res.solved} solved now) in {res.seconds:.1f} s -> {out_dir}"
    )
    top = res.ranking.head(10)
    col = "unmet_alone" if "unmet_alone" in top.columns else "excess_unmet"
    for r in top.itertuples(index=False):
        out.print(f"  {r.rank:>3}. {r.element:<40} {getattr(r, col):>12,.1f} PJ unmet")
    if res.stats:
        st = res.stats
        out.print(
            f"  expected unmet {st['expected_unmet_pj']:,.1f} PJ; "
            f"CVaR{st['cvar_level']:.0%} {st['cvar_unmet_pj']:,.1f} PJ; "
            f"P(any unmet) {st['probability_any_unmet']:.1%}"
        )
    bad = int((res.table["status"] != "optimal").sum())
    if bad:
        out.print(f"  [red]{bad} cases not solved to optimality (see status column)[/red]")


@app.command()
def n1(
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
    from corridors.api import prepare
    from corridors.n1 import eu_n1, flow_n1
    from corridors.results import write_json

    if peak_factor <= 0:
        raise CorridorsError(f"--peak-factor must be positive (got {peak_factor})")
    prep = prepare(scenario, _progress)
    formula = eu_n1(prep, area, peak_factor=peak_factor)
    flow = flow_n1(prep, area)
    t = formula["terms_mcm_per_day"]
    out.print(
        f"[bold]EU N-1 for {area}[/bold]: {formula['n1_percent']:.1f} %"
        f" ({'meets' if formula['meets_standard'] else 'fails'} the 100 % standard)"
    )
    out.print("  " + ", ".join(f"{k} {v:,.0f}" for k, v in t.items()) + " (mcm/d)")
    out.print(f"  largest infrastructure: {formula['largest_infrastructure']}")
    out.print(
        f"[bold]flow-based N-1[/bold]: worst single loss {flow['worst_element']} leaves "
        f"{flow['worst_unmet_pj']:,.1f} PJ of gas unmet; {flow['share_met_percent']:.1f} % of gas "
        f"demand met ({flow['elements_tested']} elements tested)"
    )
    if out_dir is not None:
        write_json(Path(out_dir) / "n1.json", {"formula": formula, "flow_based": flow})


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")],
) -> None:
    """Check scenarios (and their geodata) without solving.

    Example: corridors validate scenarios/*.yaml
    """
    from corridors.disruption import availability
    from corridors.network import load_network
    from corridors.policy import check_policy
    from corridors.scenario import load_scenario

    problems: list[Problem] = []
    for f in files:
        try:
            s = load_scenario(f)
            net = load_network(s)
            availability(s, net)
            check_policy(s, net)
            out.print(f"[green]ok[/green]  {f}  ({len(net.nodes)} nodes, {len(net.links)} links)")
        except CorridorsError as exc:
            if _state["debug"]:
                raise
            problems.extend(exc.problems)
    if problems:
        raise CorridorsError(problems)


MAX_PROBLEMS_SHOWN = 40


@app.command()
def compare(
    dirs: Annotated[list[Path], typer.Argument(help="Result folders written by corridors run.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "results/compare"
    ),
) -> None:
    """Compare result folders: comparison.csv, comparison.md and charts (shares by supplier and
    corridor, chokepoint exposure, cost and unmet demand).

    Example: corridors compare results/baseline results/hormuz --out results/compare
    """
    from corridors.compare import write_comparison

    written = write_comparison(list(dirs), out_dir)
    out.print(f"[bold]{len(dirs)} runs compared[/bold] -> {out_dir}")
    for p in written:
        out.print(f"  {p.name}")


@app.command()
def frontier(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    metric: Annotated[
        str,
        typer.Option(
            "--metric",
            help="share:GROUP:ID[:COMMODITY] (GROUP: supplier, corridor, chokepoint, "
            "entry_point, mode) or hhi:GROUP[:COMMODITY].",
        ),
    ],
    range_: Annotated[
        str, typer.Option("--range", help="START:STOP:N bounds, loosest first, e.g. 0.9:0.4:6.")
    ] = "0.9:0.4:6",
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "results/frontier"
    ),
) -> None:
    """Cost of diversification: re-solve one built model with a tightening bound on a metric;
    writes frontier.csv and frontier.png.

    Example: corridors frontier scenarios/baseline.yaml --metric share:chokepoint:malacca
    --range 0.7:0.4:4 --out results/frontier
    """
    from corridors.policy import frontier as run_frontier
    from corridors.policy import parse_metric, parse_range, plot_frontier
    from corridors.results import write_csv

    parse_metric(metric)  # bad input fails before any work
    values = parse_range(range_)
    table = run_frontier(scenario, metric, values, progress=_progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(out_dir / "frontier.csv", table)
    plot_frontier(table, out_dir / "frontier.png")
    out.print(f"[bold]frontier of {metric}[/bold] -> {out_dir}")
    for r in table.itertuples(index=False):
        bound = "none" if r.target != r.target else f"{r.target:.3f}"
        out.print(
            f"  bound {bound:>6}  achieved {r.achieved:.3f}  cost {r.objective_usd / 1e9:,.2f} bn "
            f"USD (+{r.cost_increase_usd / 1e9:,.2f})  unmet {r.unmet_pj:,.1f} PJ  {r.status}",
            soft_wrap=True,
        )


@app.command("map")
def map_(
    result_dir: Annotated[Path, typer.Argument(help="Result folder written by corridors run.")],
    format_: Annotated[
        str,
        typer.Option("--format", "-f", help="Comma-separated: png,svg,pdf,gpkg,geojson,html."),
    ] = "png",
    colour_by: Annotated[
        str, typer.Option("--colour-by", "--color-by", help="Line colour: commodity or corridor.")
    ] = "commodity",
    compare: Annotated[
        Path | None,
        typer.Option("--compare", help="Baseline result folder: draw before/after side by side."),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default: RESULT_DIR).")
    ] = None,
    dpi: Annotated[int, typer.Option("--dpi", help="Resolution of PNG output.")] = 200,
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="Scenario YAML, if the manifest's cannot be found."),
    ] = None,
) -> None:
    """Draw a result folder: briefing maps (PNG/SVG/PDF), GIS layers, an interactive HTML map.

    Example: corridors map results/malacca --format png,pdf,gpkg,html --compare results/baseline
    """
    from corridors.maps import parse_formats, render
    from corridors.resultdir import load_result_dir

    fmts = parse_formats(format_)  # bad input fails before any work
    if not 50 <= dpi <= 600:
        raise CorridorsError(f"--dpi must be between 50 and 600 (got {dpi})")
    t0 = time.perf_counter()
    rd = load_result_dir(result_dir, scenario)
    base = load_result_dir(compare) if compare is not None else None
    for w in rd.warnings + (base.warnings if base else []):
        err.print(Text.assemble(("warning:", "yellow"), " ", w), soft_wrap=True)
    paths = render(
        rd.result,
        out_dir or result_dir,
        fmts,
        colour_by=colour_by,
        compare=base.result if base else None,
        dpi=dpi,
    )
    for p in paths:
        out.print(f"  wrote {p}", soft_wrap=True)
    out.print(f"[bold]{len(paths)} files[/bold] in {time.perf_counter() - t0:.1f} s")


@app.command()
def report(
    result_dir: Annotated[Path, typer.Argument(help="Result folder written by corridors run.")],
    compare: Annotated[
        Path | None,
        typer.Option("--compare", help="Baseline result folder: add a before/after figure."),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="HTML file (default: RESULT_DIR/report.html)."),
    ] = None,
    colour_by: Annotated[
        str, typer.Option("--colour-by", "--color-by", help="Line colour: commodity or corridor.")
    ] = "commodity",
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="Scenario YAML, if the manifest's cannot be found."),
    ] = None,
) -> None:
    """Write one self-contained HTML briefing (works offline): key figures, maps, charts, tables.

    Example: corridors report results/malacca --compare results/baseline
    """
    from corridors.maps import COLOUR_BY
    from corridors.report import write_report

    if colour_by not in COLOUR_BY:
        raise CorridorsError(
            Problem("", "--colour-by", f"must be one of {', '.join(COLOUR_BY)} (got {colour_by!r})")
        )
    t0 = time.perf_counter()
    path = write_report(
        result_dir, out_file, compare=compare, scenario=scenario, colour_by=colour_by
    )
    out.print(f"[bold]report[/bold] {path} ({time.perf_counter() - t0:.1f} s)", soft_wrap=True)


@app.command()
def interdict(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    k: Annotated[
        int | None, typer.Option("--k", help="Lose at most K elements (the worst set).")
    ] = None,
    elements: Annotated[
        str | None,
        typer.Option("--elements", help="Element classes, as for sweep. Default: all."),
    ] = None,
    objective: Annotated[
        str, typer.Option("--objective", help="unmet (PJ, default) or cost (USD).")
    ] = "unmet",
    budget: Annotated[
        float | None,
        typer.Option("--budget", help="Attack budget: Σ cost of the lost elements ≤ BUDGET."),
    ] = None,
    budget_costs: Annotated[
        str | None,
        typer.Option(
            "--budget-costs",
            help="Attack costs NAME=COST,... (others cost 1; default: attack_costs in the YAML).",
        ),
    ] = None,
    runners_up: Annotated[
        int, typer.Option("--runners-up", help="Also list the next N worst sets.")
    ] = 0,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="MILP time limit, seconds.")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "results/interdiction"
    ),
) -> None:
    """Worst-case loss of at most K elements, solved exactly as one MILP (LP duality).

    Writes DIR/interdiction.json (elements, unmet [PJ], unmet_by_commodity, cost [USD],
    status, gap, bound, runners_up).

    Example: corridors interdict scenarios/baseline.yaml --k 2 --elements chokepoint,pipeline,supplier
    """
    from corridors.interdiction import interdict as api_interdict
    from corridors.interdiction import write_interdiction

    costs = None
    if budget_costs:
        costs = {}
        for part in budget_costs.split(","):
            name, sep, value = part.partition("=")
            try:
                costs[name.strip()] = float(value)
            except ValueError:
                raise CorridorsError(
                    Problem("", "--budget-costs", f"expected NAME=COST, got '{part}'")
                ) from None
            if not sep:
                raise CorridorsError(
                    Problem("", "--budget-costs", f"expected NAME=COST, got '{part}'")
                )
    res = api_interdict(
        scenario,
        k,
        element_classes=elements,
        objective=objective,
        budget=budget,
        attack_costs=costs,
        runners_up=runners_up,
        time_limit=time_limit,
    )
    path = write_interdiction(res, out_dir)
    colour = "green" if res.status == "optimal" else "red"
    out.print(f"[bold]worst loss[/bold]: {', '.join(res.elements) or '(none)'}")
    out.print(f"  status          [{colour}]{res.status}[/{colour}] (gap {res.gap})")
    if res.unmet is not None:
        out.print(f"  unmet demand    {res.unmet:,.1f} PJ")
        out.print(f"  total cost      {res.cost / 1e9:,.2f} billion USD")
    for r in res.runners_up:
        out.print(f"  next: {', '.join(r['elements'])}: {r['unmet']:,.1f} PJ unmet")
    out.print(f"  {res.n_elements} elements, {res.seconds:.1f} s -> {path}")
    if res.status != "optimal":
        raise typer.Exit(1)


@app.command()
def expand(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    mode: Annotated[
        str, typer.Option("--mode", help="expected (stochastic), robust (worst case) or both.")
    ] = "expected",
    scenarios: Annotated[
        str | None,
        typer.Option(
            "--scenarios",
            help="n1:CLASSES = every single loss of those element classes plus no loss, "
            "equally weighted. Default: expansion.scenarios in the YAML.",
        ),
    ] = None,
    frontier_budgets: Annotated[
        str | None,
        typer.Option(
            "--frontier", help="Resilience frontier at capital budgets B1,B2,... (USD million)."
        ),
    ] = None,
    measure: Annotated[
        str, typer.Option("--measure", help="Frontier shortfall: worst or expected.")
    ] = "worst",
    discount_rate: Annotated[
        float | None, typer.Option("--discount-rate", help="For annualising capex (default 0.08).")
    ] = None,
    lifetime: Annotated[
        int | None, typer.Option("--lifetime", help="Asset lifetime, years (default 30).")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="MILP time limit, seconds.")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "results/expansion"
    ),
) -> None:
    """Choose planned/candidate links to build against disruption scenarios (MILP).

    Writes DIR/expansion.json (build, objective, status, gap, per-scenario cost and shortfall
    avoided, value of each build) and, with --frontier, DIR/frontier.csv and DIR/frontier.png.

    Example: corridors expand scenarios/baseline.yaml --mode both --scenarios n1:chokepoint,pipeline --frontier 0,10000,40000
    """
    from corridors.expansion import expand as api_expand
    from corridors.expansion import write_expansion

    budgets = None
    if frontier_budgets:
        try:
            budgets = [float(b) for b in frontier_budgets.split(",") if b.strip()]
        except ValueError:
            raise CorridorsError(
                Problem("", "--frontier", f"expected numbers B1,B2,..., got '{frontier_budgets}'")
            ) from None
    res = api_expand(
        scenario,
        mode=mode,
        scenarios=scenarios,
        frontier_budgets=budgets,
        measure=measure,
        discount_rate=discount_rate,
        lifetime_years=lifetime,
        time_limit=time_limit,
    )
    paths = write_expansion(res, out_dir)
    plans = [("expected" if mode != "robust" else "robust", res.primary)]
    if res.other is not None:
        plans.append(("robust", res.other))
    bad = False
    for name, p in plans:
        colour = "green" if p["status"] == "optimal" else "red"
        bad |= p["status"] != "optimal"
        out.print(
            f"[bold]{name}[/bold]: build {', '.join(p['build']) or 'nothing'} "
            f"([{colour}]{p['status']}[/{colour}], gap {p['gap']})"
        )
        if p["objective"] is not None:
            out.print(
                f"  objective {p['objective'] / 1e9:,.2f} billion USD; expected cost "
                f"{p['expected_cost'] / 1e9:,.2f}, worst {p['worst_cost'] / 1e9:,.2f} billion USD"
            )
            for v in p["value_of_builds"]:
                out.print(f"  value of {v['group']}: {v['value'] / 1e9:,.2f} billion USD")
    if res.frontier is not None:
        for r in res.frontier.itertuples():
            out.print(
                f"  budget {r.budget_musd:>10,.0f} M USD: {r.shortfall_pj:,.1f} PJ ({r.build or '-'})"
            )
    out.print(f"  -> {', '.join(str(p) for p in paths)}")
    if bad:
        raise typer.Exit(1)


def main() -> None:
    """Console entry point."""
    debug = "--debug" in sys.argv
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except CorridorsError as exc:
        if debug:
            raise
        for p in exc.problems[:MAX_PROBLEMS_SHOWN]:
            # Text, not markup: ids and key paths like supply[0] must print as they are.
            line = " ".join(str(p).split())  # one line per problem
            err.print(Text.assemble(("error:", "red"), " ", line), soft_wrap=True)
        n = len(exc.problems)
        if n > MAX_PROBLEMS_SHOWN:
            err.print(f"... and {n - MAX_PROBLEMS_SHOWN} more like these", soft_wrap=True)
        if n > 1:
            err.print(f"{n} problems found", soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click usage errors and unexpected failures
        # Typer may bundle its own copy of click, so match click's exceptions by name.
        names = {c.__name__ for c in type(exc).__mro__}
        if "NoArgsIsHelpError" in names:  # help was already shown
            sys.exit(0)
        if "ClickException" in names:
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        if debug:
            raise
        err.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {exc} (run with --debug for a traceback)"
        )
        sys.exit(1)
