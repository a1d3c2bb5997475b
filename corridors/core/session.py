"""The prepared session: a scenario validated against its network and its model built once.

Every analysis starts from a :class:`Prepared` and changes only bounds: scenario -> network ->
availability -> model data -> LP (and policy block) -> :class:`~corridors.core.solve.Runner`.
:func:`solve_model` solves it, under the scenario's availability or another one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import numpy as np

from corridors.core.availability import Availability, TargetResolver, availability
from corridors.core.check import assert_invariants, checking_enabled
from corridors.core.data import ModelData, model_data
from corridors.core.model import BuiltModel, build_model
from corridors.core.policy import PolicyModel, add_policy
from corridors.core.results import Result, make_result
from corridors.core.solve import Runner
from corridors.io.network import Network, load_network
from corridors.io.scenario import load_scenario
from corridors.io.schema import Scenario

Progress = Callable[[str], None]

Source = Union["Prepared", Scenario, str, Path]
"""What every analysis accepts: a prepared model, a scenario, or the path of a scenario file."""


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
    """The diversification policy block (:mod:`corridors.core.policy`), if the scenario has one."""


def prepare(scenario: Source, progress: Progress | None = None) -> Prepared:
    """Load (if a path), validate against the network, and build the model once.

    A :class:`Prepared` is returned as it is, so every analysis accepts a path, a
    :class:`Scenario` or a prepared model alike.
    """
    if isinstance(scenario, Prepared):
        return scenario
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


def solve_model(
    prep: Prepared, avail: Availability | None = None, progress: Progress | None = None
) -> Result:
    """Solve an already built model, optionally under another availability (bounds only).

    With a policy that has integers, ``result.solver`` records ``mip`` and ``mip_gap``; the
    policy report itself is an analysis (:func:`corridors.analysis.policy.policy_report`).
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
    if checking_enabled():
        assert_invariants(result)
    if prep.policy is not None and prep.policy.has_integers:
        info = prep.runner.highs.getInfo()
        result.solver["mip"] = True
        gap = float(info.mip_gap)
        result.solver["mip_gap"] = gap if np.isfinite(gap) else None
    return result
