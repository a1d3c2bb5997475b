"""The Python API: load a scenario, solve it, write the outputs.

    >>> from corridors import load_scenario, solve
    >>> result = solve(load_scenario("scenarios/baseline.yaml"))
    >>> result.flows.head()

Data flow: scenario -> network -> model (built once) -> HiGHS -> Result -> metrics/maps.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridors.disruption import Availability, TargetResolver, availability
from corridors.errors import CorridorsError
from corridors.metrics import summary_metrics
from corridors.model import BuiltModel, ModelData, build_model, model_data
from corridors.network import Network, load_network
from corridors.policy import PolicyModel, add_policy, policy_report
from corridors.results import Result, make_result, write_csv, write_json
from corridors.scenario import Scenario, load_scenario
from corridors.solve import Runner

Progress = Callable[[str], None]

#: Version of the result folder layout (summary.json ``format_version``); ``corridors compare``
#: refuses folders of another version. 2: diversity.csv and policy.csv added.
FORMAT_VERSION = 2


@dataclass
class Prepared:
    """Everything between a scenario and a solve, built once and reused by analyses."""

    scenario: Scenario
    network: Network
    data: ModelData
    resolver: TargetResolver
    availability: Availability
    built: BuiltModel
    runner: Runner
    timings: dict[str, float]
    policy: PolicyModel | None = None
    """The diversification policy block (:mod:`corridors.policy`), if the scenario has one."""


def prepare(scenario: Scenario | str | Path, progress: Progress | None = None) -> Prepared:
    """Load (if a path), validate against the network, and build the model once."""
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if not isinstance(scenario, Scenario):
        say("loading scenario")
        scenario = load_scenario(scenario)
    say("loading network")
    network = load_network(scenario)
    resolver = TargetResolver(scenario, network)
    avail = availability(scenario, network, resolver)
    timings["load_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    say(f"building model ({len(network.links)} links, {scenario.horizon.periods} periods)")
    data = model_data(scenario, network)
    built = build_model(data, avail)
    policy = add_policy(scenario, network, built)
    runner = Runner(built, scenario.solver)
    timings["build_s"] = time.perf_counter() - t1
    return Prepared(scenario, network, data, resolver, avail, built, runner, timings, policy)


def solve(scenario: Scenario | str | Path, progress: Progress | None = None) -> Result:
    """Solve a scenario (object or YAML path) and return its :class:`Result`."""
    prep = prepare(scenario, progress)
    return solve_prepared(prep, progress=progress)


def solve_prepared(
    prep: Prepared,
    avail: Availability | None = None,
    progress: Progress | None = None,
    report_policy: bool = True,
) -> Result:
    """Solve an already built model, optionally under another availability (bounds only).

    With a policy, ``result.solver["policy"]`` holds :func:`corridors.policy.policy_report`
    as records (unless ``report_policy`` is False) and a MIP adds ``mip_gap``.
    """
    say = progress or (lambda _msg: None)
    say(f"solving with HiGHS ({prep.runner.method}, {prep.runner.interface})")
    avail = avail if avail is not None else prep.availability
    t0 = time.perf_counter()
    sol = prep.runner.solve(avail)
    solve_s = time.perf_counter() - t0
    result = make_result(prep.scenario, prep.network, prep.data, avail, sol)
    result.timings = {**prep.timings, "solve_s": solve_s}
    result.solver["interface"] = prep.runner.interface
    if prep.policy is not None:
        if prep.policy.has_integers:
            info = prep.runner.highs.getInfo()
            result.solver["mip"] = True
            gap = float(info.mip_gap)
            result.solver["mip_gap"] = gap if np.isfinite(gap) else None
        if report_policy:
            result.solver["policy"] = policy_report(prep, result).to_dict("records")
    return result


def summary(result: Result) -> dict[str, Any]:
    """The content of summary.json."""
    com = result.scenario.commodities
    unmet = result.unmet_by_commodity()
    from corridors.diversity import headline

    return {
        "format_version": FORMAT_VERSION,
        "scenario": result.scenario.name,
        "status": result.status.value,
        "objective": result.objective,
        "objective_unit": "USD",
        "cost_breakdown": result.cost_breakdown,
        "unmet": {c: {"volume": v, "unit": com[c].unit} for c, v in unmet.items()},
        "unmet_pj": result.unmet_pj(),
        # figures from flows only where the solver returned a solution
        "metrics": summary_metrics(result) if result.has_solution else None,
        "diversity": headline(result) if result.has_solution else None,
        "timings": {k: round(v, 4) for k, v in result.timings.items()},
        "solver": {k: v for k, v in result.solver.items() if k != "policy"},
        "policy": [
            {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in result.solver.get("policy", [])
        ],
    }


def manifest(result: Result) -> dict[str, Any]:
    """What is needed to reproduce a result: scenario hash, inputs, package versions."""
    versions = {}
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


FLOW_COLUMNS = ["link", "from", "to", "commodity", "period", "flow", "capacity"]


def write_outputs(result: Result, out: str | Path, progress: Progress | None = None) -> list[Path]:
    """Write summary.json, flows.csv, unmet.csv, the other tables, the map and the GeoPackage.

    Every file is written atomically. Returns the paths written.
    """
    say = progress or (lambda _msg: None)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CorridorsError(f"{out}: output path exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    say("writing tables")
    fl = result.flows
    extra = [c for c in fl.columns if c not in FLOW_COLUMNS]
    tables = {
        "flows.csv": fl[FLOW_COLUMNS + extra],
        "unmet.csv": result.unmet[["node", "commodity", "period", "unmet", "demand"]],
        "supply.csv": result.supply,
        "storage.csv": result.storage,
        "prices.csv": result.prices,
        "binding.csv": result.binding,
    }
    from corridors.diversity import diversity

    tables["diversity.csv"] = diversity(result)
    if "policy" in result.solver:
        tables["policy.csv"] = pd.DataFrame(result.solver["policy"])
    for name, df in tables.items():
        write_csv(out / name, df)
        written.append(out / name)
    write_json(out / "summary.json", summary(result))
    write_json(out / "manifest.json", manifest(result))
    written += [out / "summary.json", out / "manifest.json"]
    outputs = result.scenario.outputs
    if (outputs.map or outputs.gpkg) and result.has_solution:
        # geopandas/matplotlib only when needed; the GeoPackage alone needs no matplotlib
        if outputs.map:
            from corridors import maps

            say("drawing map")
            written.append(maps.plot_flows(result, out / "map.png"))
        if outputs.gpkg:
            from corridors import layers

            say("writing GeoPackage")
            written.append(layers.write_gpkg(result, out / "flows.gpkg"))
    return written


def run(
    scenario: str | Path | Scenario, out: str | Path, progress: Progress | None = None
) -> Result:
    """Load, solve and write every output of a scenario into ``out``."""
    t0 = time.perf_counter()
    result = solve(scenario, progress)
    result.timings["total_solve_s"] = time.perf_counter() - t0
    write_outputs(result, out, progress)
    return result
