"""The tables a sweep writes from its rows: ``sweep.csv`` (:func:`sweep_table`), the
ranking of elements (:func:`nk_ranking` for N-k, :func:`mc_ranking` for Monte Carlo) and the
Monte Carlo statistics of ``montecarlo.json`` (:func:`mc_stats`, with :func:`cvar`).

Part of :mod:`corridors.analysis.sweep` (which re-exports every name here, and these under
their former names ``_table``, ``_ranking``, ``_mc_ranking`` and ``_mc_stats``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from corridors.analysis.sweep_case import Case
from corridors.core.availability import Element
from corridors.core.status import Status
from corridors.io.schema import Scenario


def sweep_table(rows: list[dict[str, Any]], s: Scenario) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    base = df.loc[df["scenario"] == 0, "objective"].iloc[0]
    df["cost_increase"] = df["objective"] - base
    cols = ["scenario", "elements", "unmet", *[f"unmet_{c}" for c in s.commodities]]
    cols += ["cost_increase", "status", "objective"]
    df["elements"] = df["elements"].fillna("")
    return df[cols].sort_values("scenario").reset_index(drop=True)


def nk_ranking(table: pd.DataFrame, elems: list[Element], cases: list[Case]) -> pd.DataFrame:
    """Criticality: unmet demand when the element alone is lost, then the worst and mean
    unmet over every case that loses it, then the cost increase when lost alone. ``element``
    is the target name (as in ``sweep.csv``), ``label`` what to show (a corridor is marked as
    a whole corridor)."""
    by_id = table.set_index("scenario")
    alone = {c.names[0]: c.id for c in cases if len(c.names) == 1}
    containing: dict[str, list[int]] = {e.name: [] for e in elems}
    for c in cases:
        for n in c.names:
            containing[n].append(c.id)
    rows = []
    for e in elems:
        cid = alone[e.name]
        ids = containing[e.name]
        rows.append(
            {
                "element": e.name,
                "label": e.label,
                "class": e.cls,
                "unmet_alone": by_id.at[cid, "unmet"],
                "cost_increase_alone": by_id.at[cid, "cost_increase"],
                "worst_unmet": by_id.loc[ids, "unmet"].max(),
                "mean_unmet": by_id.loc[ids, "unmet"].mean(),
                "status_alone": by_id.at[cid, "status"],
            }
        )
    rk = pd.DataFrame(rows)
    rk = rk.sort_values(
        ["unmet_alone", "worst_unmet", "cost_increase_alone", "element"],
        ascending=[False, False, False, True],
    ).reset_index(drop=True)
    rk.insert(0, "rank", np.arange(1, len(rk) + 1))
    return rk


def mc_ranking(table: pd.DataFrame, label: Callable[[str], str]) -> pd.DataFrame:
    """For each event target: how often it was drawn and the mean unmet with and without it."""
    runs = table[table["scenario"] > 0]
    names = sorted({n for e in runs["elements"] for n in e.split(";") if n})
    rows = []
    for n in names:
        hit = runs["elements"].map(lambda e, n=n: n in e.split(";"))
        rows.append(
            {
                "element": n,
                "label": label(n),
                "runs": int(hit.sum()),
                "mean_unmet_when_drawn": float(runs.loc[hit, "unmet"].mean()),
                "mean_unmet_otherwise": float(runs.loc[~hit, "unmet"].mean())
                if (~hit).any()
                else 0.0,
            }
        )
    rk = pd.DataFrame(
        rows,
        columns=["element", "label", "runs", "mean_unmet_when_drawn", "mean_unmet_otherwise"],
    )
    rk["excess_unmet"] = rk["mean_unmet_when_drawn"] - rk["mean_unmet_otherwise"]
    rk = rk.sort_values(["excess_unmet", "element"], ascending=[False, True]).reset_index(drop=True)
    rk.insert(0, "rank", np.arange(1, len(rk) + 1))
    return rk


def cvar(values: np.ndarray, level: float) -> float:
    """Conditional value at risk: the mean of the worst ``1 - level`` share of outcomes
    (with the boundary sample weighted so the tail has exactly that mass)."""
    x = np.sort(np.asarray(values, dtype=float))[::-1]
    n = len(x)
    tail = (1.0 - level) * n
    if n == 0 or tail <= 0:
        return float(x.max()) if n else float("nan")
    whole = int(math.floor(tail))
    total = x[:whole].sum() + (tail - whole) * (x[whole] if whole < n else 0.0)
    return float(total / tail)


def mc_stats(table: pd.DataFrame, s: Scenario, level: float) -> dict[str, Any]:
    runs = table[table["scenario"] > 0]
    u = runs["unmet"].to_numpy(dtype=float)
    q = [0.5, 0.9, 0.95, 0.99]
    hist, edges = np.histogram(u, bins=20)
    return {
        "runs": len(runs),
        "expected_unmet_pj": float(u.mean()),
        "std_unmet_pj": float(u.std(ddof=1)) if len(u) > 1 else 0.0,
        "quantiles_pj": {str(p): float(np.quantile(u, p)) for p in q},
        "cvar_level": level,
        "cvar_unmet_pj": cvar(u, level),
        "probability_any_unmet": float((u > 1e-9).mean()),
        "expected_unmet_by_commodity": {c: float(runs[f"unmet_{c}"].mean()) for c in s.commodities},
        "expected_cost_increase_usd": float(runs["cost_increase"].mean()),
        "histogram": {"edges_pj": edges.tolist(), "counts": hist.tolist()},
        "not_optimal": int((runs["status"] != Status.OPTIMAL.value).sum()),
    }
