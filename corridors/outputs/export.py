"""The model as a file: LP and MPS with readable names, to inspect it or solve it elsewhere.

The files are written by Pyomo from the readable model (:attr:`corridors.core.session.Prepared.
pyomo`) with its symbolic labels, so a variable reads ``flow(power_of_siberia_1_1)``: family,
then its index (link id, period; node, commodity, period; ...). Money in the objective is in
million USD (:data:`corridors.core.lp.MONEY_SCALE`): the optimum of a file equals a run's
``objective`` (USD) times 1e-6. Quantities are per period in each commodity's unit. A comment at
the top of each file says so.
"""

from __future__ import annotations

from pathlib import Path

from corridors.core.lp import MONEY_SCALE
from corridors.core.session import Source, prepare
from corridors.errors import CorridorsError, Problem, suggest
from corridors.io.files import atomic_write

#: Formats Pyomo writes that a user can read and any LP solver can load.
EXPORT_FORMATS = ("lp", "mps")


def parse_export_formats(spec: str) -> list[str]:
    """``"lp,mps"`` -> ["lp", "mps"]; an unknown format is a :class:`CorridorsError`."""
    fmts = [f.strip().lower().lstrip(".") for f in spec.split(",") if f.strip()]
    bad = [f for f in fmts if f not in EXPORT_FORMATS]
    if bad or not fmts:
        what = "; ".join(f"unknown format '{b}'{suggest(b, EXPORT_FORMATS)}" for b in bad)
        raise CorridorsError(Problem("", "--format", f"{what or 'no format'}; choose from lp, mps"))
    return list(dict.fromkeys(fmts))


def _header(fmt: str, name: str) -> str:
    text = (
        f"corridors model of scenario '{name}': objective in million USD "
        f"(MONEY_SCALE {MONEY_SCALE:g}: the optimum times {1 / MONEY_SCALE:g} is the run's "
        "objective in USD); quantities per period in each commodity's unit"
    )
    return f"\\* {text} *\\\n" if fmt == "lp" else f"* {text}\n"


def export_model(source: Source, out: str | Path, formats: str = "lp,mps") -> list[Path]:
    """Write ``out/<scenario name>.<format>`` for each format; return the paths written.

    Bounds are those of the scenario's availability (its disruptions applied)."""
    fmts = parse_export_formats(formats)
    prep = prepare(source)
    m = prep.pyomo
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in fmts:
        path = out / f"{prep.scenario.name}.{fmt}"

        def write(tmp: Path, fmt: str = fmt) -> None:
            m.write(str(tmp), format=fmt, io_options={"symbolic_solver_labels": True})
            body = tmp.read_text(encoding="utf-8")
            tmp.write_text(_header(fmt, prep.scenario.name) + body, encoding="utf-8")

        atomic_write(path, write)
        written.append(path)
    return written


__all__ = ["EXPORT_FORMATS", "export_model", "parse_export_formats"]
