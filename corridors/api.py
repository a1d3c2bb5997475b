"""The Python API: load a scenario, solve it, write the outputs.

    >>> import corridors
    >>> result = corridors.solve("scenarios/baseline.yaml")
    >>> result.flows.head()

Data flow: scenario -> network -> model (built once) -> HiGHS -> Result -> analyses -> outputs.
This module sits above the layers (io -> core -> analysis -> outputs) and joins them; the
analyses and outputs never import it.
"""

from __future__ import annotations

import time
from pathlib import Path

import networkx as nx

from corridors.analysis.policy import policy_report
from corridors.core.availability import Availability
from corridors.core.results import Result
from corridors.core.session import Extra, Prepared, Progress, prepare, solve_model
from corridors.io.network import Network
from corridors.io.schema import Scenario
from corridors.outputs.folder import write_outputs


def solve_prepared(
    prep: Prepared,
    avail: Availability | None = None,
    progress: Progress | None = None,
    report_policy: bool = True,
) -> Result:
    """Solve an already built model, optionally under another availability (bounds only).

    With a policy, ``result.solver["policy"]`` holds :func:`corridors.analysis.policy.policy_report`
    as records (unless ``report_policy`` is False) and a MIP adds ``mip_gap``.
    """
    result = solve_model(prep, avail, progress)
    if prep.policy is not None and report_policy:
        result.solver["policy"] = policy_report(prep, result).to_dict("records")
    return result


def solve(
    scenario: Scenario | str | Path,
    progress: Progress | None = None,
    network: nx.MultiDiGraph | Network | None = None,
    *,
    extra: Extra | None = None,
) -> Result:
    """Solve a scenario (object or YAML path) and return its :class:`Result`.

    ``network``: a graph built or edited by the user, in place of the scenario's geodata
    (see :func:`corridors.core.session.prepare`).

    ``extra``: a function ``fn(model, prep)`` called after the model is built, to add Pyomo
    variables, constraints or objective terms (as PyPSA's ``extra_functionality``); the solve
    then goes through the Pyomo model, and the result (flows, duals, costs) comes back as
    usual. See ``docs/extending.md``.
    """
    prep = prepare(scenario, progress, network=network, extra=extra)
    return solve_prepared(prep, progress=progress)


def run(
    scenario: str | Path | Scenario,
    out: str | Path,
    progress: Progress | None = None,
    *,
    extra: Extra | None = None,
) -> Result:
    """Load, solve and write every output of a scenario into ``out`` (``extra``: as in
    :func:`solve`)."""
    t0 = time.perf_counter()
    prep = prepare(scenario, progress, extra=extra)
    result = solve_prepared(prep, progress=progress)
    events = [d for d in prep.scenario.disruptions if d.probability is None]
    if result.has_solution and any(d.capacity_factor < 1 for d in events):
        # what each event actually removed: the same model re-solved without the events
        from corridors.analysis.event_effect import event_effects, undisrupted

        if progress:
            progress("measuring what each event removed")
        result.events = event_effects(result, undisrupted(prep))
    result.timings["total_solve_s"] = time.perf_counter() - t0
    write_outputs(result, out, progress)
    return result
