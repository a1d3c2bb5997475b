"""corridors export: the model as LP and MPS files with readable names."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridors.cli.app import app, out


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
