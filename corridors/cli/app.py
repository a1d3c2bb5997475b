"""The typer application, its consoles and the options every command shares.

Only typer and rich are imported here: each command imports what it needs when it runs, so
``corridors --help`` starts without loading pandas, NumPy or the solver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from rich.console import Console

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


@dataclass
class Options:
    """Options given before the command (``corridors --debug --quiet COMMAND``), held by the
    command line's context object (no global state)."""

    debug: bool = False
    quiet: bool = False

    def progress(self, msg: str) -> None:
        """A progress line on stderr, unless ``--quiet``."""
        if not self.quiet:
            err.print(f"[dim]… {msg}[/dim]")


def options(ctx: typer.Context) -> Options:
    """The options of the command line being run."""
    return ctx.find_object(Options) or Options()


@app.callback()
def _main(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
) -> None:
    opts = ctx.ensure_object(Options)
    opts.debug = debug
    opts.quiet = quiet
