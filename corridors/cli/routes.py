"""corridors routes: the cheapest routes, minimum cuts and chokepoint betweenness."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridors.cli.app import app, options, out


@app.command()
def routes(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    k: Annotated[
        int, typer.Option("--k", min=1, help="Routes per supplier, region and commodity.")
    ] = 3,
) -> None:
    """Routes and structure of the network (NetworkX): routes.csv, the K cheapest routes from
    each supplier to each demand region and whether the optimal flows use them; structure.csv,
    the fewest disruptable elements whose loss cuts each region and commodity off from every
    supplier; betweenness.csv, each chokepoint's share of supplier-region cheapest routes.

    Example: corridors routes scenarios/baseline.yaml --out results/routes --k 3
    """
    import pandas as pd

    from corridors.analysis.routes import betweenness, commodity_graph, structure
    from corridors.analysis.routes import routes as find_routes
    from corridors.api import solve
    from corridors.errors import CorridorsError
    from corridors.io.files import write_csv

    if out_dir.exists() and not out_dir.is_dir():
        raise CorridorsError(f"{out_dir}: output path exists and is not a folder")
    opts = options(ctx)
    result = solve(scenario, progress=opts.progress)
    opts.progress(f"finding the {k} cheapest routes, minimum cuts and betweenness")
    cg = commodity_graph(result.scenario, result.network)
    table = find_routes(result, k, cg)
    cuts = structure(result, cg)
    central = betweenness(result, cg)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(out_dir / "routes.csv", table)
    write_csv(out_dir / "structure.csv", cuts)
    write_csv(out_dir / "betweenness.csv", central)
    used = int(table["used"].sum())
    out.print(
        f"[bold]{result.scenario.name}[/bold]: {len(table)} routes ({used} used by the "
        f"{result.status.value} flows) -> {out_dir}"
    )
    for r in cuts.itertuples(index=False):
        size = "no finite cut" if pd.isna(r.cut_size) else f"{int(r.cut_size)} element(s)"
        out.print(f"  cut {r.region} {r.commodity}: {size}  {r.cut_elements}", soft_wrap=True)
    for name in ("routes.csv", "structure.csv", "betweenness.csv"):
        out.print(f"  {name}")
    if not result.is_ok:
        out.print(f"[red]the solver stopped with status '{result.status.value}'[/red]")
        raise typer.Exit(1)
