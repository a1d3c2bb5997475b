"""Load a result folder written by ``corridors run`` back into a :class:`Result`.

The folder holds the tables (flows.csv, unmet.csv, supply.csv, storage.csv, prices.csv,
binding.csv), summary.json and manifest.json. Geometry is not in the tables: the scenario named
in the manifest is loaded again (with its network and basemap). Its fingerprint is compared
with the manifest's, and a mismatch is reported as a warning (the map then shows today's
geometry with the run's flows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from corridors.core.results import Result
from corridors.core.status import Status
from corridors.errors import CorridorsError, Problem
from corridors.io.network import load_network
from corridors.io.resultdir import read_folder
from corridors.io.scenario import load_scenario
from corridors.io.schema import Scenario


@dataclass
class ResultDir:
    """A result folder: the rebuilt :class:`Result`, its summary and manifest."""

    path: Path
    result: Result
    summary: dict[str, Any]
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def _scenario_candidates(folder: Path, manifest: dict[str, Any]) -> list[Path]:
    """Where the scenario file may be: as written, next to the run's network files' parents."""
    raw = manifest.get("scenario_file")
    if not raw:
        return []
    p = Path(raw)
    if p.is_absolute():
        return [p]
    out = [Path.cwd() / p, folder / p]
    for f in manifest.get("network_files") or []:
        for parent in Path(f).parents:
            out.append(parent / p)
    return out


def load_result_dir(folder: str | Path, scenario: str | Path | Scenario | None = None) -> ResultDir:
    """Read a result folder; ``scenario`` overrides the scenario file named in the manifest.

    Raises :class:`CorridorsError` naming every missing or unreadable file at once.
    """
    folder = Path(folder)
    summary, manifest, tables = read_folder(folder)

    warnings: list[str] = []
    if scenario is None:
        candidates = _scenario_candidates(folder, manifest)
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            where = manifest.get("scenario_file") or "(none recorded)"
            raise CorridorsError(
                Problem(
                    str(folder / "manifest.json"),
                    "scenario_file",
                    f"scenario file {where} not found (needed for the geometry); "
                    "pass it with --scenario FILE",
                )
            )
        scenario = found
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    sha = manifest.get("scenario_sha256")
    if sha and sha != sc.fingerprint():
        warnings.append(
            f"{sc.source}: scenario changed since the run (fingerprint differs from "
            f"{folder / 'manifest.json'}); drawing the run's flows on today's network"
        )
    network = load_network(sc)

    flows = tables["flows.csv"]
    unknown = sorted(set(flows["link"].dropna()) - set(network.links.index))
    if unknown:
        raise CorridorsError(
            Problem(
                str(folder / "flows.csv"),
                "link",
                f"{len(unknown)} link(s) not in the network of {sc.source} "
                f"(e.g. {', '.join(unknown[:3])}); pass the scenario that was run with --scenario",
            )
        )
    links = network.links
    for col in ("mode", "corridor", "length_km", "output_commodity"):
        if col not in flows.columns:
            flows[col] = links.loc[flows["link"], col].to_numpy()
    if "delivered" not in flows.columns:
        flows["delivered"] = flows["flow"] * links.loc[flows["link"], "efficiency"].to_numpy()
    supply = tables["supply.csv"]
    if "country" not in supply.columns:
        supply["country"] = network.nodes["country"].reindex(supply["node"]).to_numpy()
    if "tranche" not in supply.columns:  # folders written before supply tranches
        supply["tranche"] = "base"
    try:
        status = Status(summary.get("status", "unknown"))
    except ValueError:
        status = Status.UNKNOWN
    objective = summary.get("objective")
    result = Result(
        scenario=sc,
        network=network,
        status=status,
        objective=float(objective) if objective is not None else float("nan"),
        flows=flows,
        unmet=_with_split(tables["unmet.csv"]),
        supply=supply,
        storage=tables["storage.csv"],
        prices=tables["prices.csv"],
        binding=tables["binding.csv"],
        cost_breakdown=dict(summary.get("cost_breakdown") or {}),
        timings=dict(summary.get("timings") or {}),
        solver=dict(summary.get("solver") or {}),
    )
    return ResultDir(folder, result, summary, manifest, warnings)


__all__ = ["ResultDir", "load_result_dir"]


def _with_split(unmet: pd.DataFrame) -> pd.DataFrame:
    """unmet.csv with ``restraint`` and ``shortage`` (folders written before demand restraint
    had neither: all of ``unmet`` was shortage)."""
    if "restraint" not in unmet.columns:
        unmet["restraint"] = 0.0
    if "shortage" not in unmet.columns:
        unmet["shortage"] = unmet["unmet"] - unmet["restraint"]
    return unmet
