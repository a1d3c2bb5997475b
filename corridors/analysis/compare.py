"""Compare result folders side by side: one table of every figure, and its headline rows as
Markdown. The comparison folder (CSV, Markdown, charts) is written by
:func:`corridors.outputs.comparison.write_comparison`.

A result folder is what ``corridors run`` writes; ``summary.json`` must carry the
``format_version`` of this package (:data:`corridors.io.resultdir.FORMAT_VERSION`) and the folder must
hold ``diversity.csv`` (:func:`corridors.analysis.diversity.diversity`).

    >>> from corridors.analysis.compare import compare, markdown
    >>> table = compare(["results/baseline", "results/hormuz"])   # a DataFrame
    >>> print(markdown(table))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridors.errors import CorridorsError, Problem
from corridors.io.resultdir import check_format_version

KEY = ["commodity", "group", "id", "metric"]
#: (commodity, group, id, metric) rows of the Markdown headline table, in order.
HEADLINE_GROUPS = ("supplier", "corridor", "entry_point", "chokepoint")


@dataclass
class RunFolder:
    """One result folder as read for a comparison."""

    path: Path
    name: str
    summary: dict[str, Any]
    diversity: pd.DataFrame


def read_run(path: str | Path) -> RunFolder:
    """Read summary.json and diversity.csv of a result folder; a CorridorsError if it is
    missing, not a result folder, or from an incompatible version."""
    p = Path(path)
    where = str(p)
    if not p.exists():
        raise CorridorsError(Problem(where, "", "result folder not found; check the path"))
    if not p.is_dir():
        raise CorridorsError(
            Problem(where, "", "not a folder; give a folder written by corridors run")
        )
    sfile = p / "summary.json"
    if not sfile.exists():
        raise CorridorsError(
            Problem(
                where, "", "no summary.json: not a result folder (write one with corridors run)"
            )
        )
    try:
        summary = json.loads(sfile.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CorridorsError(Problem(str(sfile), "", f"cannot read summary.json: {exc}")) from None
    check_format_version(summary, sfile)
    dfile = p / "diversity.csv"
    if not dfile.exists():
        raise CorridorsError(Problem(where, "", "diversity.csv is missing; run the scenario again"))
    try:
        div = pd.read_csv(dfile, keep_default_na=False, na_values=[""])
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise CorridorsError(Problem(str(dfile), "", f"cannot read: {exc}")) from None
    missing = [c for c in [*KEY, "value"] if c not in div.columns]
    if missing:
        raise CorridorsError(Problem(str(dfile), "", f"missing columns {', '.join(missing)}"))
    div["id"] = div["id"].fillna("").astype(str)
    return RunFolder(p, str(summary.get("scenario") or p.name), summary, div)


def run_names(runs: list[RunFolder]) -> list[str]:
    """The column name of each run: its scenario name, told apart by folder if repeated."""
    names = [r.name for r in runs]
    if len(set(names)) < len(names):  # the same scenario twice: tell them apart by folder
        names = [f"{r.name} ({r.path.name})" for r in runs]
    if len(set(names)) < len(names):
        names = [f"{n} #{i + 1}" for i, n in enumerate(names)]
    return names


def _cost_rows(run: RunFolder) -> list[dict[str, Any]]:
    s = run.summary
    rows = [
        ("all", "cost", "", "objective_usd", s.get("objective")),
        ("all", "unmet", "", "unmet_pj", s.get("unmet_pj")),
    ]
    for k, v in (s.get("cost_breakdown") or {}).items():
        rows.append(("all", "cost", "", f"{k}_usd", v))
    for c, u in (s.get("unmet") or {}).items():
        rows.append((c, "unmet", "", "unmet_volume", u.get("volume") if isinstance(u, dict) else u))
    response = s.get("response") or {}
    for c, v in (response.get("prices_usd_per_unit") or {}).items():
        rows.append((c, "price", "", "mean_price_usd_per_unit", v))
    if "replacement_premium_usd" in response:
        rows.append(
            ("all", "cost", "", "replacement_premium_usd", response["replacement_premium_usd"])
        )
    return [
        dict(zip([*KEY, "value"], (c, g, i, m, np.nan if v is None else float(v)), strict=True))
        for c, g, i, m, v in rows
    ]


def compare(dirs: list[str | Path]) -> pd.DataFrame:
    """The comparison table: one row per figure (``commodity, group, id, metric``), one column
    per run, and ``delta_<run>`` = run − first run for the others. Costs (USD), unmet demand
    (PJ) and every row of diversity.csv are included."""
    if not dirs:
        raise CorridorsError("give at least one result folder")
    runs = [read_run(d) for d in dirs]
    return tabulate(runs)


def tabulate(runs: list[RunFolder]) -> pd.DataFrame:
    """The comparison table of runs already read (see :func:`compare`)."""
    names = run_names(runs)
    frames = []
    for run, name in zip(runs, names, strict=True):
        long = pd.concat([pd.DataFrame(_cost_rows(run)), run.diversity[[*KEY, "value"]]])
        frames.append(long.drop_duplicates(KEY).set_index(KEY)["value"].rename(name))
    wide = pd.concat(frames, axis=1, sort=False)
    wide = wide.reset_index()
    for name in names[1:]:
        wide[f"delta_{name}"] = wide[name] - wide[names[0]]
    status = {n: r.summary.get("status", "") for r, n in zip(runs, names, strict=True)}
    wide.attrs["status"] = status
    return wide


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return ""
    v = float(v)
    if abs(v) >= 1e6:
        return f"{v:,.4g}"
    if abs(v) >= 100:
        return f"{v:,.1f}"
    return f"{v:.4f}"


def headline_table(table: pd.DataFrame) -> pd.DataFrame:
    """The rows shown in comparison.md: costs, unmet demand, HHI/Shannon by group, any-strait
    and chokepoint shares, mode shares, emissions (all commodities, in energy terms)."""
    t = table
    keep = (
        t["group"].isin(["cost", "unmet"]) & (t["commodity"] == "all")
        | (t["commodity"] == "all")
        & t["group"].isin(HEADLINE_GROUPS)
        & (t["id"] == "")
        & t["metric"].isin(["hhi", "shannon"])
        | (t["commodity"] == "all")
        & (t["group"].isin(["chokepoint", "mode"]))
        & (t["metric"] == "share")
        | (t["commodity"] == "all") & (t["group"] == "emissions")
        | (t["group"] == "landed_cost") & (t["id"] == "")
        | (t["group"] == "price")
        | t["group"].str.startswith("risk_") & (t["commodity"] == "all")
    )
    return t[keep]


def markdown(table: pd.DataFrame) -> str:
    """comparison.md: the headline rows as a Markdown table."""
    h = headline_table(table)
    runs = [c for c in table.columns if c not in KEY]
    status = table.attrs.get("status", {})
    lines = ["# Scenario comparison", ""]
    if status:
        lines += ["Status: " + ", ".join(f"{n}: {s}" for n, s in status.items()), ""]
    lines += [
        "Shares are of imports in energy terms (PJ) over the horizon; HHI on [0, 1]. "
        "Definitions: `corridors/diversity.py`. Every figure: comparison.csv.",
        "",
        "| commodity | group | id | metric | " + " | ".join(runs) + " |",
        "|" + "---|" * (4 + len(runs)),
    ]
    for row in h.itertuples(index=False):
        vals = [_fmt(v) for v in row[4:]]
        lines.append("| " + " | ".join([str(x) for x in row[:4]] + vals) + " |")
    return "\n".join(lines) + "\n"


__all__ = [
    "RunFolder",
    "compare",
    "headline_table",
    "markdown",
    "read_run",
    "run_names",
    "tabulate",
]
