"""The figures of a run: summary.json (status, costs, unmet, balance, metrics, diversity) and
manifest.json (what is needed to reproduce it)."""

from __future__ import annotations

import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from corridors.analysis.diversity import headline
from corridors.analysis.metrics import balance_summary, summary_metrics
from corridors.analysis.response import resolution_warnings, response_summary
from corridors.core.results import Result


def summary(result: Result) -> dict[str, Any]:
    """The content of summary.json (the folder writer stamps its ``format_version``)."""
    com = result.scenario.commodities
    unmet = result.unmet_by_commodity()

    return {
        "scenario": result.scenario.name,
        "status": result.status.value,
        "objective": result.objective,
        "objective_unit": "USD",
        "cost_breakdown": result.cost_breakdown,
        "unmet": {c: {"volume": v, "unit": com[c].unit} for c, v in unmet.items()},
        "unmet_pj": result.unmet_pj(),
        # production, imports, consumption, unmet and the two shares, per commodity and "all"
        "balance": balance_summary(result) if result.has_solution else None,
        # figures from flows only where the solver returned a solution
        "metrics": summary_metrics(result) if result.has_solution else None,
        "diversity": headline(result) if result.has_solution else None,
        # who filled the gap: replacement bought, restraint and shortage by region, prices
        "response": response_summary(result) if result.has_solution else None,
        "warnings": resolution_warnings(result.scenario),
        "timings": {k: round(v, 4) for k, v in result.timings.items()},
        "solver": {k: v for k, v in result.solver.items() if k != "policy"},
        "policy": [
            {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in result.solver.get("policy", [])
        ],
    }


def manifest(result: Result) -> dict[str, Any]:
    """What is needed to reproduce a result: scenario hash, inputs, package versions."""
    versions: dict[str, str | None] = {}
    for pkg in ("corridors", "pyomo", "highspy", "networkx", "pandas", "geopandas", "pydantic"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "scenario": result.scenario.name,
        "scenario_file": str(Path(result.scenario.source).resolve())
        if result.scenario.source
        else None,
        "scenario_sha256": result.scenario.fingerprint(),
        "network_files": [str(p) for p in result.network.files],
        "status": result.status.value,
        "python": platform.python_version(),
        "versions": versions,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
