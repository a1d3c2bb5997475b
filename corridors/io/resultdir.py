"""The result folder, stated once: its files, their columns, its format version, and reading
its raw content back (writing is :func:`corridors.outputs.folder.write_outputs`, which fills
these files; :func:`corridors.core.resultdir.load_result_dir` rebuilds a Result from them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from corridors.errors import CorridorsError, Problem

#: Version of the result folder layout (summary.json ``format_version``); ``corridors compare``
#: refuses folders of another version. 2: diversity.csv and policy.csv added.
FORMAT_VERSION = 2

#: The first columns of flows.csv, in order (further columns follow).
FLOW_COLUMNS = ["link", "from", "to", "commodity", "period", "flow", "capacity"]

#: The columns of unmet.csv, in order.
UNMET_COLUMNS = ["node", "commodity", "period", "unmet", "demand"]

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
