"""corridors: plan and research energy import corridors.

A scenario (YAML) and a network (GeoJSON) become one min-cost-flow model (a Pyomo model and the
same LP handed to HiGHS directly); results are tidy pandas tables, maps and reports.

The package is layered, each layer importing only those below it::

    corridors.io        scenario, network, files, result folder format
    corridors.core      model data, LP and Pyomo formulation, solve, results, prepared session
    corridors.analysis  metrics, diversity, sweeps, N-1, policy, interdiction, expansion, ...
    corridors.outputs   maps, GIS layers, web map, report, charts, result folders
    corridors.api       the functions below, joining the layers
    corridors.cli       the command line

The names below are imported on first use (PEP 562), so ``import corridors`` and the command
line start without loading pandas, NumPy or the solver.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: public name -> module that defines it
_EXPORTS = {
    "Availability": "corridors.core.availability",
    "CorridorsError": "corridors.errors",
    "Network": "corridors.io.network",
    "NetworkError": "corridors.errors",
    "Prepared": "corridors.core.session",
    "Problem": "corridors.errors",
    "Result": "corridors.core.results",
    "Scenario": "corridors.io.scenario",
    "ScenarioError": "corridors.errors",
    "Status": "corridors.core.status",
    "load_network": "corridors.io.network",
    "load_scenario": "corridors.io.scenario",
    "network_from_graph": "corridors.io.graph",
    "prepare": "corridors.core.session",
    "run": "corridors.api",
    "solve": "corridors.api",
    "solve_prepared": "corridors.api",
    "summary": "corridors.analysis.summary",
    "to_geodata": "corridors.io.graph",
    "write_outputs": "corridors.outputs.folder",
}

__all__ = [
    "Availability",
    "CorridorsError",
    "Network",
    "NetworkError",
    "Prepared",
    "Problem",
    "Result",
    "Scenario",
    "ScenarioError",
    "Status",
    "__version__",
    "load_network",
    "load_scenario",
    "network_from_graph",
    "prepare",
    "run",
    "solve",
    "solve_prepared",
    "summary",
    "to_geodata",
    "write_outputs",
]

if TYPE_CHECKING:
    __version__: str
    from corridors.analysis.summary import summary
    from corridors.api import run, solve, solve_prepared
    from corridors.core.availability import Availability
    from corridors.core.results import Result
    from corridors.core.session import Prepared, prepare
    from corridors.core.status import Status
    from corridors.errors import CorridorsError, NetworkError, Problem, ScenarioError
    from corridors.io.graph import network_from_graph, to_geodata
    from corridors.io.network import Network, load_network
    from corridors.io.scenario import load_scenario
    from corridors.io.schema import Scenario
    from corridors.outputs.folder import write_outputs


def _version() -> str:
    """The installed package's version (single-sourced from pyproject.toml)."""
    from importlib import metadata

    try:
        return metadata.version("corridors")
    except metadata.PackageNotFoundError:  # running from a source tree without install
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value = globals()[name] = _version()
        return value
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'corridors' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
