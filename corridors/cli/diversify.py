"""corridors compare and corridors frontier: comparing runs, the cost of diversification."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridors.cli.app import app, options, out


@app.command()
def compare(
    ctx: typer.Context,
    dirs: Annotated[list[Path], typer.Argument(help="Result folders written by corridors run.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "results/compare"
    ),
) -> None:
    """Compare result folders: comparison.csv, comparison.md, comparison.txt and charts
    (shares by supplier and corridor, chokepoint exposure, cost and unmet demand); prints the
    files, then the comparison itself (comparison.txt: each run's horizon, the common basis,
    the change of each headline figure with its basis).

    Example: corridors compare results/baseline results/hormuz --out results/compare
    """
    from corridors.outputs.comparison import write_comparison

    written = write_comparison(list(dirs), out_dir)
    out.print(f"[bold]{len(dirs)} runs compared[/bold] -> {out_dir}")
    for p in written:
        out.print(f"  {p.name}")
    summary = next((p for p in written if p.name == "comparison.txt"), None)
    if summary is not None and summary.is_file():
        out.print()
        # plain text: brackets in it are not rich markup, long lines are not re-wrapped
        out.print(summary.read_text(encoding="utf-8").rstrip("\n"), markup=False, soft_wrap=True)


@app.command()
def frontier(
    ctx: typer.Context,
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
    from corridors.analysis.frontier import frontier as run_frontier
    from corridors.analysis.frontier import parse_metric, parse_range
    from corridors.io.files import write_csv
    from corridors.outputs.charts import plot_frontier

    parse_metric(metric)  # bad input fails before any work
    values = parse_range(range_)
    table = run_frontier(scenario, metric, values, progress=options(ctx).progress)
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
