"""The typer application, its consoles and the options every command shares.

Only typer is imported here: each command imports what it needs when it runs, so
``corridors --help`` starts without loading pandas, NumPy or the solver. Even rich's console
(about 80 ms to import) is created on the first message printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from corridors.io.schema import Scenario

#: The order commands are listed in ``corridors --help``: the everyday ones first.
COMMAND_ORDER = ("run", "validate", "map", "report", "compare", "sweep", "n1", "interdict",
                 "expand", "frontier", "routes", "export", "export-results")  # fmt: skip


class _Ordered(typer.core.TyperGroup):
    """Lists commands in :data:`COMMAND_ORDER` (others after them, alphabetically)."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        rank = {n: i for i, n in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


app = typer.Typer(
    cls=_Ordered,
    add_completion=False,
    no_args_is_help=True,
    help="Plan and research energy import corridors (min-cost flow, disruption, diversification)."
    "\n\nExample: corridors validate scenarios/baseline.yaml && "
    "corridors run scenarios/baseline.yaml --out results/baseline",
    pretty_exceptions_enable=False,
    # Plain help: typer's rich help imports rich.markdown, rich.traceback and pygments, which
    # takes longer than the rest of ``corridors --help`` together.
    rich_markup_mode=None,
)


class LazyConsole:
    """A rich ``Console`` made on the first ``print``, so that importing the command line (and
    ``corridors --help``) does not import rich.console."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False)
        return self._console

    def print(self, *objects: Any, **kwargs: Any) -> None:
        self.console.print(*objects, **kwargs)


err = LazyConsole(stderr=True)
out = LazyConsole()


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


def cost_basis(scenario: Scenario) -> str:
    """What a printed total cost is, after its amount: `` (discounted to the start)`` when the
    scenario's costs are discounted (:attr:`~corridors.io.schema.Scenario.discounted`:
    several periods), nothing for one period, which is not discounted."""
    return " (discounted to the start)" if scenario.discounted else ""


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
