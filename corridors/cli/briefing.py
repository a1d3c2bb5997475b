"""corridors map and corridors report: briefing maps, GIS layers, the HTML report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from corridors.cli.app import app, err, out
from corridors.errors import CorridorsError, Problem


@app.command("map")
def map_(
    ctx: typer.Context,
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
    from rich.text import Text

    from corridors.core.resultdir import load_result_dir
    from corridors.outputs.render import parse_formats, render

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
    if base is not None:
        from corridors.analysis.compare import compare_results

        pair = compare_results(base.result, rd.result, (base.summary, rd.summary))
        out.print(Text(f"  change: {pair.change_text()}"), soft_wrap=True)
        out.print(Text(f"  {pair.basis_text()}"), soft_wrap=True)
    out.print(f"[bold]{len(paths)} files[/bold] in {time.perf_counter() - t0:.1f} s")


@app.command()
def report(
    ctx: typer.Context,
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
    from corridors.outputs.report import write_report
    from corridors.outputs.style import COLOUR_BY

    if colour_by not in COLOUR_BY:
        raise CorridorsError(
            Problem("", "--colour-by", f"must be one of {', '.join(COLOUR_BY)} (got {colour_by!r})")
        )
    t0 = time.perf_counter()
    path = write_report(
        result_dir, out_file, compare=compare, scenario=scenario, colour_by=colour_by
    )
    out.print(f"[bold]report[/bold] {path} ({time.perf_counter() - t0:.1f} s)", soft_wrap=True)
