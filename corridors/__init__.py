"""corridors: plan and research energy import corridors.

A scenario (YAML) and a network (GeoJSON) become one Pyomo min-cost-flow model, solved by
HiGHS; results are tidy pandas tables, maps and reports.
"""

from importlib import metadata

from corridors.api import Prepared, prepare, run, solve, solve_prepared, summary, write_outputs
from corridors.disruption import Availability
from corridors.errors import CorridorsError, NetworkError, Problem, ScenarioError
from corridors.network import Network, load_network
from corridors.results import Result
from corridors.scenario import Scenario, load_scenario
from corridors.solve import Status

try:
    __version__ = metadata.version("corridors")
except metadata.PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"

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
    "prepare",
    "run",
    "solve",
    "solve_prepared",
    "summary",
    "write_outputs",
]
