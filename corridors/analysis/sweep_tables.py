"""The tables a sweep writes from its rows: ``sweep.csv`` (:func:`sweep_table`), the
ranking of elements (:func:`nk_ranking` for N-k, :func:`mc_ranking` for Monte Carlo) and the
Monte Carlo statistics (:func:`mc_stats`, with :func:`cvar`) and ``montecarlo.json``
(:func:`montecarlo_json`). Every figure says its unit: in the column name (``unmet_pj``,
``unmet_crude_oil_mt``, ``cost_increase_usd``) or beside it in the JSON.

Part of :mod:`corridors.analysis.sweep` (which re-exports every name here, and these under
their former names ``_table``, ``_ranking``, ``_mc_ranking`` and ``_mc_stats``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from corridors.analysis.sweep_case import (
    UNMET_PJ,
    Case,
    not_supplied_columns,
    row_columns,
    unmet_columns,
)
from corridors.core.availability import Element
from corridors.core.status import Status
from corridors.io.schema import Scenario

#: sweep.csv's column of the cost increase against case 0 (nothing lost).
COST_INCREASE = "cost_increase_usd"


def sweep_table(rows: list[dict[str, Any]], s: Scenario) -> pd.DataFrame:
    """sweep.csv: ``scenario``, ``elements``, then the row's figures (:func:`row_columns`:
    ``unmet_pj``, ``unmet_<commodity>_<unit>`` per demanded commodity,
    ``not_supplied_<commodity>_<unit>`` per supplied commodity nothing demands), the
    ``cost_increase_usd`` against case 0, ``status`` and ``objective_usd``."""
    df = pd.DataFrame(rows)
    *figures, objective = row_columns(s)
    base = df.loc[df["scenario"] == 0, objective].iloc[0]
    df[COST_INCREASE] = df[objective] - base
    cols = ["scenario", "elements", *figures, COST_INCREASE, "status", objective]
    df["elements"] = df["elements"].fillna("")
    return df[cols].sort_values("scenario").reset_index(drop=True)


def nk_ranking(table: pd.DataFrame, elems: list[Element], cases: list[Case]) -> pd.DataFrame:
    """Criticality: unmet demand (PJ) when the element alone is lost, then the worst and mean
    unmet over every case that loses it, then the cost increase (USD) when lost alone.
    ``element`` is the target name (as in ``sweep.csv``), ``label`` what to show (a corridor
    is marked as a whole corridor)."""
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
                "unmet_alone_pj": by_id.at[cid, UNMET_PJ],
                "cost_increase_alone_usd": by_id.at[cid, COST_INCREASE],
                "worst_unmet_pj": by_id.loc[ids, UNMET_PJ].max(),
                "mean_unmet_pj": by_id.loc[ids, UNMET_PJ].mean(),
                "status_alone": by_id.at[cid, "status"],
            }
        )
    rk = pd.DataFrame(rows)
    rk = rk.sort_values(
        ["unmet_alone_pj", "worst_unmet_pj", "cost_increase_alone_usd", "element"],
        ascending=[False, False, False, True],
    ).reset_index(drop=True)
    rk.insert(0, "rank", np.arange(1, len(rk) + 1))
    return rk


def mc_ranking(table: pd.DataFrame, label: Callable[[str], str]) -> pd.DataFrame:
    """For each event target: how often it was drawn and the mean unmet (PJ) with and
    without it."""
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
                "mean_unmet_when_drawn_pj": float(runs.loc[hit, UNMET_PJ].mean()),
                "mean_unmet_otherwise_pj": float(runs.loc[~hit, UNMET_PJ].mean())
                if (~hit).any()
                else 0.0,
            }
        )
    cols = ["element", "label", "runs", "mean_unmet_when_drawn_pj", "mean_unmet_otherwise_pj"]
    rk = pd.DataFrame(rows, columns=cols)
    rk["excess_unmet_pj"] = rk["mean_unmet_when_drawn_pj"] - rk["mean_unmet_otherwise_pj"]
    rk = rk.sort_values(["excess_unmet_pj", "element"], ascending=[False, True])
    rk = rk.reset_index(drop=True)
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
    """The Monte Carlo statistics over the draws (case 0, nothing drawn, left out), plain
    numbers with the unit in the key or, per commodity, the commodity's own
    (:func:`montecarlo_json` gives each its unit for montecarlo.json)."""
    runs = table[table["scenario"] > 0]
    u = runs[UNMET_PJ].to_numpy(dtype=float)
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
        "expected_unmet_by_commodity": {
            c: float(runs[col].mean()) for c, col in unmet_columns(s).items()
        },
        "expected_not_supplied_by_commodity": {
            c: float(runs[col].mean()) for c, col in not_supplied_columns(s).items()
        },
        "expected_cost_increase_usd": float(runs[COST_INCREASE].mean()),
        "histogram": {"edges_pj": edges.tolist(), "counts": hist.tolist()},
        "not_optimal": int((runs["status"] != Status.OPTIMAL.value).sum()),
    }


def montecarlo_json(stats: dict[str, Any], s: Scenario) -> dict[str, Any]:
    """montecarlo.json: the statistics of :func:`mc_stats`, every figure as ``{value, unit}``
    (a commodity's as ``{volume, unit}``, in its unit, as summary.json gives them), totals
    per run over the horizon (``horizon_days``); counts (``runs``, ``not_optimal``, the
    histogram's ``counts``) and the histogram's ``edges_pj`` as they are."""
    com = s.commodities

    def v(x: float, unit: str) -> dict[str, Any]:
        return {"value": x, "unit": unit}

    def by_commodity(values: dict[str, float]) -> dict[str, dict[str, Any]]:
        return {c: {"volume": x, "unit": com[c].unit} for c, x in values.items()}

    return {
        "runs": stats["runs"],
        "horizon_days": v(s.horizon.periods * s.horizon.period_days, "days"),
        "expected_unmet_pj": v(stats["expected_unmet_pj"], "PJ"),
        "std_unmet_pj": v(stats["std_unmet_pj"], "PJ"),
        "quantiles_pj": {p: v(x, "PJ") for p, x in stats["quantiles_pj"].items()},
        "cvar_level": v(stats["cvar_level"], "fraction"),
        "cvar_unmet_pj": v(stats["cvar_unmet_pj"], "PJ"),
        "probability_any_unmet": v(stats["probability_any_unmet"], "fraction"),
        "expected_unmet_by_commodity": by_commodity(stats["expected_unmet_by_commodity"]),
        "expected_not_supplied_by_commodity": by_commodity(
            stats["expected_not_supplied_by_commodity"]
        ),
        "expected_cost_increase_usd": v(stats["expected_cost_increase_usd"], "USD"),
        "histogram": stats["histogram"],
        "not_optimal": stats["not_optimal"],
    }
