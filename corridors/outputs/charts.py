"""Charts drawn with matplotlib's object API (no global backend is switched): the frontier of
diversification (:func:`plot_frontier`), the resilience frontier of expansion
(:func:`plot_resilience_frontier`), the comparison charts (:func:`plot_comparison`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from corridors.analysis.compare import RunFolder, run_names
from corridors.core.status import Status
from corridors.io.files import atomic_write


def plot_frontier(table: pd.DataFrame, path: Any) -> Any:
    """Cost (billion USD) against the target; unmet demand on a second axis. PNG."""
    pts = table[table["target"].notna()]
    base = table[table["target"].isna()]
    fig = Figure(figsize=(7, 4.2), dpi=120)
    ax = fig.subplots()
    ax.plot(pts["target"], pts["objective_usd"] / 1e9, "o-", color="C0", label="total cost")
    if len(base):
        ax.axhline(float(base["objective_usd"].iloc[0]) / 1e9, color="C0", ls=":", lw=1,
                   label=f"unconstrained (achieved {float(base['achieved'].iloc[0]):.3f})")  # fmt: skip
    bad = pts[pts["status"] != Status.OPTIMAL]
    if len(bad):
        ax.plot(bad["target"], bad["objective_usd"] / 1e9, "x", color="red", ms=9,
                label="not optimal")  # fmt: skip
    ax.set_xlabel(f"bound on {table['metric'].iloc[0]}")
    ax.set_ylabel("total cost, billion USD")
    ax.invert_xaxis()
    ax.grid(alpha=0.3)
    ax2 = ax.twinx()
    ax2.bar(pts["target"], pts["unmet_pj"], width=0.6 * _step(pts["target"]), color="C3",
            alpha=0.3, label="unmet demand")  # fmt: skip
    ax2.set_ylabel("unmet demand, PJ")
    ax.set_zorder(ax2.get_zorder() + 1)  # the cost line over the unmet bars
    ax.patch.set_visible(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
    ax.set_title("Cost of diversification (tighter to the right)")
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, format="png"))
    return path


def _step(values: pd.Series) -> float:
    v = np.sort(values.to_numpy(dtype=float))
    d = np.diff(v)
    d = d[d > 0]
    return float(d.min()) if d.size else 0.05


def plot_resilience_frontier(df: pd.DataFrame, path: Path) -> Path:
    """Step chart of shortfall against capital budget (``corridors expand --frontier``). PNG."""
    fig = Figure(figsize=(7, 4.2))
    ax = fig.subplots()
    ax.step(df["budget_musd"], df["shortfall_pj"], where="post", marker="o")
    for r in df.itertuples():
        if r.build:
            ax.annotate(
                r.build.replace(";", "\n"),
                (r.budget_musd, r.shortfall_pj),
                fontsize=6,
                xytext=(3, 3),
                textcoords="offset points",
            )
    measure = df["measure"].iloc[0] if len(df) else "worst"
    ax.set_xlabel("capital budget (USD million)")
    ax.set_ylabel(
        f"{measure}-case shortfall (PJ)" if measure == "worst" else "expected shortfall (PJ)"
    )
    ax.set_title("Resilience frontier")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=150))
    return path


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


def plot_comparison(table: pd.DataFrame, runs: list[RunFolder], out: Path) -> list[Path]:
    """Charts of a comparison (:func:`corridors.analysis.compare.compare`): stacked shares by
    supplier and by corridor, chokepoint exposure, cost and unmet demand. PNG files in ``out``;
    returns their paths."""
    names = run_names(runs)
    written = []

    def save(fig: Figure, name: str) -> None:
        path = out / name
        fig.tight_layout()
        atomic_write(path, lambda p: fig.savefig(p, format="png"))
        written.append(path)

    for group, top in (("supplier", 12), ("corridor", 8)):
        df = _shares(runs, names, group, top)
        fig = Figure(figsize=(max(5.0, 1.6 * len(names) + 3.5), 4.5), dpi=110)
        ax = fig.subplots()
        bottom = np.zeros(len(names))
        cmap = matplotlib.colormaps["tab20"]
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
    fig = Figure(figsize=(max(6.0, 0.9 * len(ids) * max(1, len(names)) / 1.5), 4.2), dpi=110)
    ax = fig.subplots()
    width = 0.8 / max(1, len(names))
    xs = np.arange(len(ids))
    for k, name in enumerate(names):
        ax.bar(xs + k * width - 0.4 + width / 2, cdf[name].to_numpy(), width, label=name)
    ax.set_xticks(xs, [("any strait" if i == "any" else i) for i in ids], rotation=30, ha="right")
    ax.set_ylabel("share of imports (energy)")
    ax.set_title("Chokepoint exposure")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    save(fig, "chokepoint_exposure.png")

    fig = Figure(figsize=(max(8.0, 2.4 * len(names) + 3.5), 4.4), dpi=110)
    _cost_unmet(fig, table, names)
    save(fig, "cost_unmet.png")
    return written


def _cost_unmet(fig: Figure, table: pd.DataFrame, names: list[str]) -> None:
    """Cost per year on the common basis (stacked by component) and the shortfall of
    consumption beside the stock building given up, over the common window. A run whose cost
    cannot be compared fairly gets no bar but the words "not compared"."""
    a1, a2 = fig.subplots(1, 2)
    cost = table[(table["group"] == "cost") & (table["commodity"] == "all")].set_index("metric")
    window = table[(table["group"] == "basis") & (table["metric"] == "window_days")]
    days = float(window[names[0]].iloc[0]) if len(window) else float("nan")
    key = "objective_usd_per_year"
    ok = [
        key in cost.index
        and bool(np.isfinite(cost.at[key, n]))
        and (i == 0 or bool(np.isfinite(cost.at[key, f"delta_{n}"])))
        for i, n in enumerate(names)
    ]
    bottom = np.zeros(len(names))
    parts = [m for m in cost.index if m.endswith("_usd_per_year") and m != "objective_usd_per_year"]
    for i, part in enumerate(parts):
        v = np.where(ok, cost.loc[part, names].to_numpy(dtype=float) / 1e9, 0.0)
        if np.nansum(np.abs(v)) <= 1e-9:
            continue
        label = part.removesuffix("_usd_per_year").replace("_", " ")
        a1.bar(names, np.nan_to_num(v), bottom=bottom, label=label, color=f"C{i % 10}")
        bottom += np.nan_to_num(v)
    total = (
        np.where(ok, cost.loc[key, names].to_numpy(dtype=float) / 1e9, 0.0) if any(ok) else bottom
    )
    rest = np.nan_to_num(total - bottom)
    if np.any(np.abs(rest) > 1e-3 * np.maximum(np.abs(total), 1e-9)):
        a1.bar(names, rest, bottom=bottom, label="other (in the objective)", color="#c7c7c7")
    for i, good in enumerate(ok):
        if good:
            a1.text(i, total[i], f"{total[i]:,.1f}", ha="center", va="bottom", fontsize=8)
        else:
            a1.text(i, 0, "not compared\n(see comparison.md)", ha="center", va="bottom",
                    fontsize=8, color="#5a5a5a")  # fmt: skip
    a1.set_ylabel("billion USD per year")
    a1.set_title(
        "Cost per year over the common window"
        + (f" ({days:g} days)" if np.isfinite(days) and abs(days - 365) > 1e-6 else ""),
        fontsize=10,
    )
    if a1.get_legend_handles_labels()[0]:
        a1.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3,
                  frameon=False)  # fmt: skip
    a1.tick_params(axis="x", rotation=0)

    win = table[(table["group"] == "window") & (table["commodity"] == "all")].set_index("metric")

    def row(metric: str) -> np.ndarray:
        if metric not in win.index:
            return np.zeros(len(names))
        return np.nan_to_num(win.loc[metric, names].to_numpy(dtype=float))

    short, given = row("shortfall"), row("stock_building_given_up")
    x = np.arange(len(names))
    a2.bar(x - 0.2, short, 0.4, color="#d62728", label="shortfall of consumption")
    a2.bar(x + 0.2, given, 0.4, color="#b0b0b0", hatch="//", edgecolor="#7a7a7a",
           label="stock building given up")  # fmt: skip
    for i in range(len(names)):
        a2.text(i - 0.2, short[i], f"{short[i]:,.0f}", ha="center", va="bottom", fontsize=8)
        a2.text(i + 0.2, given[i], f"{given[i]:,.0f}", ha="center", va="bottom", fontsize=8)
    a2.set_xticks(x, names)
    a2.set_ylabel("PJ over the common window")
    a2.set_title("Demand not met", fontsize=10)
    a2.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)


__all__ = ["plot_comparison", "plot_frontier", "plot_resilience_frontier"]
