"""Compare result folders side by side: a table (CSV and Markdown) and charts (PNG).

A result folder is what ``corridors run`` writes; ``summary.json`` must carry the
``format_version`` of this package (:data:`corridors.io.resultdir.FORMAT_VERSION`) and the folder must
hold ``diversity.csv`` (:func:`corridors.analysis.diversity.diversity`).

    >>> from corridors.analysis.compare import compare, write_comparison
    >>> table = compare(["results/baseline", "results/hormuz"])   # a DataFrame
    >>> write_comparison(["results/baseline", "results/hormuz"], "results/compare")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridors.errors import CorridorsError, Problem
from corridors.io.files import atomic_write, write_csv, write_text
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


def _names(runs: list[RunFolder]) -> list[str]:
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
    return _table(runs)


def _table(runs: list[RunFolder]) -> pd.DataFrame:
    names = _names(runs)
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


def headline(table: pd.DataFrame) -> pd.DataFrame:
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
        | t["group"].str.startswith("risk_") & (t["commodity"] == "all")
    )
    return t[keep]


def markdown(table: pd.DataFrame) -> str:
    """comparison.md: the headline rows as a Markdown table."""
    h = headline(table)
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


def _shares(runs: list[RunFolder], names: list[str], group: str, top: int) -> pd.DataFrame:
    cols = {}
    for run, name in zip(runs, names, strict=True):
        d = run.diversity
        part = d[
            (d["commodity"] == "all")
            & (d["group"] == group)
            & (d["metric"] == "share")
            & (d["id"] != "any")
        ]
        cols[name] = part.set_index("id")["value"]
    df = pd.DataFrame(cols).fillna(0.0)
    order = df.max(axis=1).sort_values(ascending=False)
    main = list(order.index[:top])
    out = df.loc[main]
    rest = df.drop(index=main).sum()
    if len(df) > top and (rest > 1e-9).any():
        out.loc["other"] = rest
    return out


def plot(table: pd.DataFrame, runs: list[RunFolder], out: Path) -> list[Path]:
    """Charts: stacked shares by supplier and by corridor, chokepoint exposure, cost and unmet
    demand. PNG, matplotlib Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = _names(runs)
    written = []

    def save(fig: Any, name: str) -> None:
        path = out / name
        fig.tight_layout()
        atomic_write(path, lambda p: fig.savefig(p, format="png"))
        plt.close(fig)
        written.append(path)

    for group, top in (("supplier", 12), ("corridor", 8)):
        df = _shares(runs, names, group, top)
        fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(names) + 3.5), 4.5), dpi=110)
        bottom = np.zeros(len(names))
        cmap = plt.get_cmap("tab20")
        for i, (member, vals) in enumerate(df.iterrows()):
            v = vals.to_numpy(dtype=float)
            ax.bar(names, v, bottom=bottom, label=str(member), color=cmap(i % 20))
            for x, (b0, h) in enumerate(zip(bottom, v, strict=True)):
                if h > 0.04:
                    ax.text(
                        x, b0 + h / 2, f"{member} {h:.0%}", ha="center", va="center", fontsize=7
                    )
            bottom += v
        ax.set_ylabel("share of imports (energy)")
        ax.set_ylim(0, max(1.0, float(bottom.max()) if len(bottom) else 1.0))
        ax.set_title(f"Imports by {group}")
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, frameon=False)
        save(fig, f"shares_{group}.png")

    choke = {}
    for run, name in zip(runs, names, strict=True):
        d = run.diversity
        part = d[
            (d["commodity"] == "all") & (d["group"] == "chokepoint") & (d["metric"] == "share")
        ]
        choke[name] = part.set_index("id")["value"]
    cdf = pd.DataFrame(choke).fillna(0.0)
    ids = [i for i in cdf.index if i != "any"] + (["any"] if "any" in cdf.index else [])
    cdf = cdf.loc[ids]
    fig, ax = plt.subplots(
        figsize=(max(6.0, 0.9 * len(ids) * max(1, len(names)) / 1.5), 4.2), dpi=110
    )
    width = 0.8 / max(1, len(names))
    x = np.arange(len(ids))
    for k, name in enumerate(names):
        ax.bar(x + k * width - 0.4 + width / 2, cdf[name].to_numpy(), width, label=name)
    ax.set_xticks(x, [("any strait" if i == "any" else i) for i in ids], rotation=30, ha="right")
    ax.set_ylabel("share of imports (energy)")
    ax.set_title("Chokepoint exposure")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    save(fig, "chokepoint_exposure.png")

    cost = table[(table["group"] == "cost") & (table["commodity"] == "all")].set_index("metric")
    unmet = table[(table["group"] == "unmet") & (table["metric"] == "unmet_pj")]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(max(7.0, 2.2 * len(names) + 3), 4.0), dpi=110)
    bottom = np.zeros(len(names))
    for part in ("supply_usd", "transport_usd", "carbon_usd", "shortage_usd"):
        if part in cost.index:
            v = cost.loc[part, names].to_numpy(dtype=float) / 1e9
            a1.bar(names, v, bottom=bottom, label=part.removesuffix("_usd"))
            bottom += v
    a1.set_ylabel("billion USD")
    a1.set_title("Total cost")
    a1.legend(fontsize=8)
    a1.tick_params(axis="x", rotation=20)
    u = unmet[names].iloc[0].to_numpy(dtype=float) if len(unmet) else np.zeros(len(names))
    a2.bar(names, u, color="C3")
    for i, v in enumerate(u):
        a2.text(i, v, f"{v:,.0f}", ha="center", va="bottom", fontsize=8)
    a2.set_ylabel("PJ")
    a2.set_title("Unmet demand")
    a2.tick_params(axis="x", rotation=20)
    save(fig, "cost_unmet.png")
    return written


def write_comparison(dirs: list[str | Path], out: str | Path) -> list[Path]:
    """Write OUT/comparison.csv, OUT/comparison.md and the charts; return the paths."""
    if not dirs:
        raise CorridorsError("give at least one result folder")
    runs = [read_run(d) for d in dirs]
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CorridorsError(Problem(str(out), "", "output path exists and is not a folder"))
    out.mkdir(parents=True, exist_ok=True)
    table = _table(runs)
    write_csv(out / "comparison.csv", table)
    write_text(out / "comparison.md", markdown(table))
    return [out / "comparison.csv", out / "comparison.md", *plot(table, runs, out)]
