"""Charts drawn with matplotlib's object API (no global backend is switched): the frontier of
diversification, the resilience frontier of expansion, the comparison charts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from corridors.io.files import atomic_write


def plot_frontier(table: pd.DataFrame, path: Any) -> Any:
    """Cost (billion USD) against the target; unmet demand on a second axis. PNG."""
    from matplotlib.figure import Figure

    pts = table[table["target"].notna()]
    base = table[table["target"].isna()]
    fig = Figure(figsize=(7, 4.2), dpi=120)
    ax = fig.subplots()
    ax.plot(pts["target"], pts["objective_usd"] / 1e9, "o-", color="C0", label="total cost")
    if len(base):
        ax.axhline(float(base["objective_usd"].iloc[0]) / 1e9, color="C0", ls=":", lw=1,
                   label=f"unconstrained (achieved {float(base['achieved'].iloc[0]):.3f})")  # fmt: skip
    bad = pts[pts["status"] != "optimal"]
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
