"""What ``corridors expand`` found and expansion.json: :class:`ExpansionResult`, each figure
with its unit (:data:`UNITS`), and :func:`write_expansion`.

Part of :mod:`corridors.analysis.expansion` (which re-exports every name here).

Money is USD over the scenario's horizon (``horizon_days``), discounted to its start when it
has several periods (``costs`` says which), except where the unit says otherwise: capex in
million USD as the links file gives it, ``capex_per_year`` in USD per year (capex × CRF) and
``capex_charged`` the part of it charged over the horizon (capex × CRF × the horizon's
discounted years), which the costs include. Candidate capacities are per year, in the unit of
the link's commodity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridors.errors import CorridorsError
from corridors.io.files import write_csv, write_json

#: Figure of expansion.json (its key, wherever it is) -> its unit; a figure is written as
#: ``{"value": v, "unit": u}``. Keys not listed are names, statuses, counts (``gap``: the
#: MILP's relative gap, ``scenarios_count``) or hold figures with their units already.
UNITS: dict[str, str] = {
    **dict.fromkeys(
        (
            "objective",
            "bound",
            "expected_cost",
            "worst_cost",
            "cost",
            "cost_no_build",
            "cost_with",
            "cost_without",
            "value",
            "capex_charged",
        ),
        "USD",
    ),
    "capex_per_year": "USD per year",
    "capex_musd": "million USD",
    "budget_musd": "million USD",
    **dict.fromkeys(
        (
            "expected_unmet",
            "worst_unmet",
            "unmet_pj",
            "unmet_no_build_pj",
            "shortfall_avoided_pj",
            "shortfall_pj",
        ),
        "PJ",
    ),
    "weight": "fraction",
    "discount_rate": "per year",
    "crf": "per year",
    "lifetime_years": "years",
    "horizon_days": "days",
    "seconds": "s",
}


def with_units(obj: Any) -> Any:
    """``obj`` with every figure of :data:`UNITS` as ``{value, unit}``; an ``objective_unit``
    beside its objective is dropped (stated in the objective's pair)."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            if k == "objective_unit":
                continue
            number = v is None or (isinstance(v, int | float) and not isinstance(v, bool))
            out[k] = {"value": v, "unit": UNITS[k]} if k in UNITS and number else with_units(v)
        return out
    if isinstance(obj, list):
        return [with_units(v) for v in obj]
    return obj


@dataclass
class ExpansionResult:
    """The plan of the primary mode (and of the robust one with ``mode="both"``), the
    resilience frontier if asked for and ``info`` (candidates, rates, horizon): plain numbers,
    in the units of :data:`UNITS`."""

    primary: dict[str, Any]
    mode: str
    other: dict[str, Any] | None = None
    frontier: pd.DataFrame | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """expansion.json: every figure as ``{value, unit}`` (:data:`UNITS`; a candidate's
        capacity per year as ``{volume, unit}`` in its commodity's unit)."""
        out = {
            "build": self.primary["build"],
            "objective": self.primary["objective"],
            "status": self.primary["status"],
            "gap": self.primary["gap"],
            "mode": self.mode,
            self.mode if self.mode != "both" else "expected": self.primary,
            **self.info,
        }
        if self.other is not None:
            out["robust"] = self.other
        if self.frontier is not None:
            out["frontier"] = self.frontier.replace({np.nan: None}).to_dict(orient="records")
        return dict(with_units(out))


def write_expansion(result: ExpansionResult, out: str | Path) -> list[Path]:
    """Write expansion.json and, with a frontier, frontier.csv; return the paths.

    The chart of the frontier (frontier.png) is drawn by
    :func:`corridors.outputs.charts.plot_resilience_frontier`.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CorridorsError(f"{out}: output path exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "expansion.json"]
    write_json(out / "expansion.json", result.to_json())
    if result.frontier is not None:
        write_csv(out / "frontier.csv", result.frontier)
        written.append(out / "frontier.csv")
    return written


__all__ = ["UNITS", "ExpansionResult", "with_units", "write_expansion"]
