"""Command line: a thin layer over the Python API, one module per command group.

User errors print a short message and exit with code 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys

from corridors.cli import (  # noqa: F401 (commands)
    briefing,
    disruption,
    diversify,
    export,
    routes,
    run,
    worstcase,
)
from corridors.cli.app import Options, app, err
from corridors.errors import CorridorsError

MAX_PROBLEMS_SHOWN = 40


def main() -> None:
    """Console entry point."""
    import typer

    opts = Options()
    command = typer.main.get_command(app)
    try:
        code = command.main(obj=opts, standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except CorridorsError as exc:
        if opts.debug:
            raise
        from rich.text import Text

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
        if "NoArgsIsHelpError" in names:  # `corridors` alone: the help, on stdout as for --help
            typer.echo(exc.format_message())  # type: ignore[attr-defined]
            sys.exit(0)
        if "ClickException" in names:
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        if opts.debug:
            raise
        err.print(
            f"[red]internal error:[/red] {type(exc).__name__}: {exc} (run with --debug for a traceback)"
        )
        sys.exit(1)


__all__ = ["app", "main"]
