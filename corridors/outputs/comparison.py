"""Write a comparison folder (``corridors compare``): comparison.csv, comparison.md,
comparison.txt and the charts of :func:`corridors.outputs.charts.plot_comparison`. The table
itself, on its stated common basis, is made by :mod:`corridors.analysis.compare`.

    >>> from corridors.outputs.comparison import write_comparison
    >>> write_comparison(["results/baseline", "results/hormuz"], "results/compare")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from corridors.analysis.compare import markdown, read_run, tabulate, text
from corridors.errors import CorridorsError, Problem
from corridors.io.files import write_csv, write_text
from corridors.outputs.charts import plot_comparison


def write_comparison(dirs: Sequence[str | Path], out: str | Path) -> list[Path]:
    """Write OUT/comparison.csv, OUT/comparison.md, OUT/comparison.txt (the basis and the
    headline in plain text, as a terminal shows it) and the charts; return the paths."""
    if not dirs:
        raise CorridorsError("give at least one result folder")
    runs = [read_run(d) for d in dirs]
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CorridorsError(Problem(str(out), "", "output path exists and is not a folder"))
    out.mkdir(parents=True, exist_ok=True)
    table = tabulate(runs)
    write_csv(out / "comparison.csv", table)
    write_text(out / "comparison.md", markdown(table))
    write_text(out / "comparison.txt", text(table))
    return [
        out / "comparison.csv",
        out / "comparison.md",
        out / "comparison.txt",
        *plot_comparison(table, runs, out),
    ]


def comparison_text(dirs: Sequence[str | Path]) -> str:
    """The basis and headline of a comparison in plain text (what comparison.txt holds)."""
    return text(tabulate([read_run(d) for d in dirs]))


__all__ = ["comparison_text", "write_comparison"]
