"""The result folder, stated once: its files, their columns, its format version, writing it
and reading it back.

:func:`write_folder` and :func:`read_folder` move tables and JSON objects; what goes into them
is computed above (:func:`corridors.outputs.folder.write_outputs` fills a folder from a
Result, :func:`corridors.core.resultdir.load_result_dir` rebuilds a Result from one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from corridors.errors import CorridorsError, Problem
from corridors.io.files import write_csv, write_json

#: Version of the result folder layout (summary.json ``format_version``); ``corridors compare``
#: refuses folders of another version. 2: diversity.csv and policy.csv added. 3: every table
#: states its units (``unit``, ``period_days``; flows.csv ``output_unit``,
#: ``capacity_per_year``; binding.csv ``quantity_unit``), the chokepoint indices of
#: diversity.csv leave out the energy that passed no strait, summary.json gains ``horizon``,
#: ``supply_balance`` and ``definitions`` and its ``unmet`` lists the demanded commodities only.
FORMAT_VERSION = 3

#: The first columns of flows.csv, in order (further columns follow).
FLOW_COLUMNS = ["link", "from", "to", "commodity", "period", "flow", "capacity"]

#: The columns of unmet.csv, in order.
UNMET_COLUMNS = ["node", "commodity", "period", "unmet", "demand"]

#: Tables of a result folder, in the order they are written (policy.csv only with a policy).
TABLES = ("flows.csv", "unmet.csv", "supply.csv", "storage.csv", "prices.csv", "binding.csv",
          "diversity.csv", "policy.csv")  # fmt: skip

#: file -> columns the maps and the report need.
REQUIRED: dict[str, tuple[str, ...]] = {
    "summary.json": (),
    "manifest.json": (),
    "flows.csv": tuple(FLOW_COLUMNS),
    "unmet.csv": tuple(UNMET_COLUMNS),
    "supply.csv": ("node", "commodity", "period", "supplied"),
}


OPTIONAL: dict[str, tuple[str, ...]] = {
    "storage.csv": ("node", "commodity", "period", "level", "withdrawal", "injection"),
    "prices.csv": ("node", "commodity", "period", "marginal_cost"),
    "binding.csv": (),
}


_STRING_COLS = (
    "tranche",
    "link",
    "from",
    "to",
    "node",
    "commodity",
    "country",
    "output_commodity",
    "mode",
    "corridor",
    "element",
    "kind",
    "unit",
    "output_unit",
    "quantity_unit",
)


HINT = "write one with: corridors run SCENARIO --out DIR"


def read_json(path: Path, problems: list[Problem]) -> dict[str, Any]:
    """A JSON object from a result folder (an empty dict, and a problem, if unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problems.append(Problem(str(path), "", f"cannot read JSON: {exc}"))
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "", "expected a JSON object"))
        return {}
    return data


def read_csv(path: Path, columns: tuple[str, ...], problems: list[Problem]) -> pd.DataFrame:
    """A table from a result folder, ids kept as strings, the required columns checked."""
    try:
        # Ids such as "NA" stay strings; only empty cells are missing values.
        df = pd.read_csv(
            path,
            keep_default_na=False,
            na_values=[""],
            dtype={c: "string" for c in _STRING_COLS},
        )
    except pd.errors.EmptyDataError:
        df = pd.DataFrame(columns=list(columns))
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        problems.append(Problem(str(path), "", f"cannot read CSV: {exc}"))
        return pd.DataFrame(columns=list(columns))
    missing = [c for c in columns if c not in df.columns]
    if missing:
        problems.append(
            Problem(
                str(path),
                "",
                f"missing column(s) {', '.join(missing)}; the file is incomplete or not "
                f"written by corridors ({HINT})",
            )
        )
    for c in df.columns:
        if c in _STRING_COLS:
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def check_format_version(summary: Any, path: Path) -> None:
    """Refuse a summary.json written by an incompatible version of the folder format."""
    version = summary.get("format_version") if isinstance(summary, dict) else None
    if version != FORMAT_VERSION:
        got = "none" if version is None else str(version)
        raise CorridorsError(
            Problem(
                str(path),
                "format_version",
                f"written by an incompatible version (format_version {got}, this version reads "
                f"{FORMAT_VERSION}); run the scenario again with corridors run",
            )
        )


def write_folder(
    out: Path, tables: dict[str, pd.DataFrame], summary: dict[str, Any], manifest: dict[str, Any]
) -> list[Path]:
    """Write a result folder's tables (in :data:`TABLES` order), summary.json (stamped with
    :data:`FORMAT_VERSION`) and manifest.json, each atomically; return the paths written."""
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise ValueError(f"not a table of the result folder: {', '.join(unknown)}")
    if out.exists() and not out.is_dir():
        raise CorridorsError(f"{out}: output path exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        if name in tables:
            write_csv(out / name, tables[name])
            written.append(out / name)
    write_json(out / "summary.json", {"format_version": FORMAT_VERSION, **summary})
    write_json(out / "manifest.json", manifest)
    return [*written, out / "summary.json", out / "manifest.json"]


def read_folder(
    folder: Path,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, pd.DataFrame]]:
    """summary.json, manifest.json and every table of a result folder (an absent optional
    table is empty); a :class:`CorridorsError` names every missing or unreadable file at once."""
    if not folder.exists():
        raise CorridorsError(Problem(str(folder), "", f"result folder not found; {HINT}"))
    if not folder.is_dir():
        raise CorridorsError(Problem(str(folder), "", f"not a folder; {HINT}"))
    problems: list[Problem] = []
    absent = [name for name in REQUIRED if not (folder / name).is_file()]
    if absent:
        raise CorridorsError(
            Problem(
                str(folder),
                "",
                f"incomplete result folder: missing {', '.join(absent)}; {HINT}",
            )
        )
    summary = read_json(folder / "summary.json", problems)
    manifest = read_json(folder / "manifest.json", problems)
    tables: dict[str, pd.DataFrame] = {}
    for name, cols in {**REQUIRED, **OPTIONAL}.items():
        if not name.endswith(".csv"):
            continue
        path = folder / name
        if path.is_file():
            tables[name] = read_csv(path, cols, problems)
        else:
            tables[name] = pd.DataFrame(columns=list(cols))
    if problems:
        raise CorridorsError(problems)
    return summary, manifest, tables
