"""corridors export: the model as LP and MPS files with readable names; corridors
export-results: a result folder's tables as a spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridors.cli.app import app, out
from corridors.errors import CorridorsError, Problem


@app.command()
def export(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    format_: Annotated[
        str, typer.Option("--format", "-f", help="Comma-separated: lp, mps.")
    ] = "lp,mps",
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "results/model"
    ),
) -> None:
    """Write the scenario's model as DIR/<scenario name>.lp and .mps (Pyomo's readable labels,
    e.g. flow(power_of_siberia_1_1)); the objective is in million USD.

    Example: corridors export scenarios/baseline.yaml --format lp,mps --out results/model
    """
    from corridors.outputs.export import export_model, parse_export_formats

    parse_export_formats(format_)  # bad input fails before any work
    for path in export_model(scenario, out_dir, format_):
        out.print(f"  wrote {path}", soft_wrap=True)


@app.command("export-results")
def export_results(
    result_dir: Annotated[Path, typer.Argument(help="Result folder written by corridors run.")],
    xlsx: Annotated[
        bool,
        typer.Option(
            "--xlsx",
            help="Write DIR/results.xlsx: the summary and every table on its own sheet, with "
            "units in the headers (see docs/outputs-xlsx.md).",
        ),
    ] = False,
) -> None:
    """Write an existing result folder's tables in another format (--xlsx: one workbook,
    DIR/results.xlsx).

    Example: corridors export-results results/baseline --xlsx
    """
    if not xlsx:
        raise CorridorsError(Problem("", "export-results", "nothing to export: give --xlsx"))
    from corridors.outputs.workbook import write_workbook

    out.print(f"  wrote {write_workbook(result_dir)}", soft_wrap=True)
