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
from typing import TYPE_CHECKING, Any, Union, cast

import networkx as nx
import numpy as np

from corridors.core.availability import Availability, TargetResolver, availability
from corridors.core.check import assert_invariants, check_scenario, checking_enabled
from corridors.core.data import ModelData, model_data
from corridors.core.model import BuiltModel, build_model, set_bounds
from corridors.core.policy import PolicyModel, add_policy
from corridors.core.results import Result, make_result
from corridors.core.solve import Runner
from corridors.core.solvers import PyomoSolverRunner, check_solver, make_runner
from corridors.errors import CorridorsError, Problem
from corridors.io.graph import network_from_graph
from corridors.io.network import Network, load_network
from corridors.io.scenario import load_scenario
from corridors.io.schema import Scenario

if TYPE_CHECKING:
    import pyomo.environ as pyo

Progress = Callable[[str], None]

Extra = Callable[[Any, "Prepared"], Any]
"""A user's extension, as PyPSA's ``extra_functionality``: ``fn(model, prep)`` is called with
the built Pyomo model (:attr:`Prepared.pyomo`) and the :class:`Prepared` session, and may add
variables, constraints and objective terms (in million USD, like the objective)."""

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
    runner: Runner | PyomoSolverRunner
    timings: dict[str, float]
    policy: PolicyModel | None = None
    """The diversification policy block (:mod:`corridors.core.policy`), if the scenario has one."""
    extra: Extra | None = None
    """The user's extension given to :func:`prepare`, already applied to :attr:`pyomo`."""

    @property
    def pyomo(self) -> pyo.ConcreteModel:
        """The model as a Pyomo model, by id (:mod:`corridors.core.pyomo_model`), built on
        first use. Solves load it (instead of the LP arrays) when it exists at the time the
        runner is made: a ``policy:`` or ``extra=`` builds it in :func:`prepare`."""
        return self.built.model


def prepare(
    scenario: Source,
    progress: Progress | None = None,
    network: nx.MultiDiGraph | Network | None = None,
    *,
    extra: Extra | None = None,
) -> Prepared:
    """Load (if a path), validate against the network, and build the model once.

    A :class:`Prepared` is returned as it is, so every analysis accepts a path, a
    :class:`Scenario` or a prepared model alike. ``network`` is a graph built or edited by the
    user (a ``networkx.MultiDiGraph`` as :attr:`Network.graph`, or a :class:`Network`) used
    in place of the scenario's geodata files; it is validated like the files
    (:func:`~corridors.io.graph.network_from_graph`) and the model is built from it.

    ``extra(model, prep)`` (see :data:`Extra`), if given, is called once the model is built
    (after a policy block): it receives the Pyomo model (:attr:`Prepared.pyomo`) and this
    session (whose ``runner`` does not exist yet), and every solve of this session then goes
    through the Pyomo model (solver interface ``pyomo``).
    """
    if isinstance(scenario, Prepared):
        if network is not None:
            raise CorridorsError(
                "prepare(): network= needs a scenario, not a prepared model (it has its network)"
            )
        if extra is not None:
            raise CorridorsError(
                "prepare(): extra= needs a scenario, not a prepared model (it is built already)"
            )
        return scenario
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    checked: Network | None = None
    if not isinstance(scenario, Scenario):
        say("loading scenario")
        if network is None:  # every problem of every stage (files, network, targets) at once
            scenario, checked = check_scenario(scenario)
        else:
            scenario = load_scenario(scenario)
    check_solver(scenario.solver, scenario)  # before the build: a missing solver fails fast
    say("loading network")
    if checked is not None:
        network = checked
    elif network is None:
        network = load_network(scenario)
    else:
        network = network_from_graph(network, scenario)
    resolver = TargetResolver(scenario, network)
    avail = availability(scenario, network, resolver)
    timings["load_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    say(f"building model ({len(network.links)} links, {scenario.horizon.periods} periods)")
    data = model_data(scenario, network)
    if data.periods > 1 and data.lag.any():
        data.at_sea_rate, data.at_sea_value = steady_state_loading(scenario, network)
    built = build_model(data, avail)
    policy = add_policy(scenario, network, built)
    if extra is None:
        runner = make_runner(built, scenario.solver, scenario)
        prep = Prepared(scenario, network, data, resolver, avail, built, runner, timings, policy)
        plan_before_events(prep, say)
        timings["build_s"] = time.perf_counter() - t1
        return prep
    if scenario.solver.interface == "direct":
        raise CorridorsError(
            Problem(
                str(scenario.source or ""),
                "solver.interface",
                "extra= adds to the Pyomo model, which the direct interface does not load; "
                "use interface: auto or pyomo",
            )
        )
    # the runner is made once the user's function has added to the model
    no_runner = cast(Runner, None)
    prep = Prepared(
        scenario, network, data, resolver, avail, built, no_runner, timings, policy, extra
    )
    say("adding the extra constraints")
    extra(prep.pyomo, prep)
    # HiGHS: the Pyomo model exists, so it is loaded through Pyomo (interface auto)
    prep.runner = make_runner(built, scenario.solver, scenario)
    plan_before_events(prep, say)
    timings["build_s"] = time.perf_counter() - t1
    return prep


#: The families that follow the plan before the first unforeseen event (``ModelData.plan``).
PLANNED = ("supply", "unmet", "withdraw", "inject", "level")


def plan_before_events(prep: Prepared, say: Progress) -> None:
    """No foresight in a multi-period run whose first unforeseen event starts after the first
    period: solve the built model once without the unforeseen events (the plan everybody
    followed before it; foreseen events stay) and keep its supply, unmet demand and storage
    decisions as ``ModelData.plan``, which the periods before the event then follow (supply at
    most as planned)
    (:func:`corridors.core.lp.bound_arrays`); in the plan too, stocks are not drawn before the
    event. The same model, other bounds: nothing is rebuilt.
    Without a plan (no optimum without the events) only stock withdrawals are held back."""
    s, data = prep.scenario, prep.data
    if data.periods == 1 or prep.availability.release_from == 0:
        return
    say("planning the periods before the first unforeseen event")
    without = s.with_updates(
        disruptions=[d for d in s.disruptions if d.foreseen or d.probability is not None]
    )
    before = availability(without, prep.network, TargetResolver(without, prep.network))
    before.release_from = prep.availability.release_from  # strategic stocks wait in the plan too
    sol = prep.runner.solve(before)
    if sol.has_solution:
        data.plan = {name: np.nan_to_num(getattr(sol, name)) for name in PLANNED}
    b = set_bounds(prep.built, prep.availability)
    if isinstance(prep.runner, Runner):  # HiGHS holds the bounds it solved with last
        prep.runner.load_bounds(b)


def steady_state_loading(scenario: Scenario, network: Network) -> tuple[np.ndarray, np.ndarray]:
    """The steady state before a multi-period horizon: the one-period optimum of the scenario
    over a year, without its disruptions (and without a policy block). Returns, per link, the
    units per year loaded (``ModelData.at_sea_rate``: its cargoes are those at sea when the
    horizon starts) and the cost of a unit it delivers (``ModelData.at_sea_value``: the
    marginal cost at the link's start plus the link's own cost); zeros if that model has no
    optimum."""
    from corridors.io.schema import Horizon

    year = scenario.with_updates(
        horizon=Horizon(periods=1, period_days=365.0, start=scenario.horizon.start),
        disruptions=[],
    )
    resolver = TargetResolver(year, network)
    data = model_data(year, network)
    sol = Runner(build_model(data, availability(year, network, resolver))).solve()
    L = len(data.link_ids)
    if not sol.has_solution or sol.balance_dual is None:
        return np.zeros(L), np.zeros(L)
    row = {key: i for i, key in enumerate(data.balance_keys)}
    start = np.array(
        [
            sol.balance_dual[row[(n, c)], 0] if (n, c) in row else 0.0
            for n, c in zip(data.link_from, data.link_com, strict=True)
        ]
    )
    own = data.link_cost + data.carbon_price * data.link_emis
    value = np.maximum(np.nan_to_num(start), 0.0) + own
    return np.nan_to_num(sol.flow[:, 0]), value


def solve_model(
    prep: Prepared, avail: Availability | None = None, progress: Progress | None = None
) -> Result:
    """Solve an already built model, optionally under another availability (bounds only).

    With a policy that has integers, ``result.solver`` records ``mip`` and ``mip_gap``; the
    policy report itself is an analysis (:func:`corridors.analysis.policy.policy_report`).
    """
    say = progress or (lambda _msg: None)
    solver = "HiGHS" if isinstance(prep.runner, Runner) else prep.scenario.solver.name
    say(f"solving with {solver} ({prep.runner.method}, {prep.runner.interface})")
    avail = avail if avail is not None else prep.availability
    t0 = time.perf_counter()
    sol = prep.runner.solve(avail)
    solve_s = time.perf_counter() - t0
    result = make_result(prep.scenario, prep.network, prep.data, avail, sol)
    result.timings = {**prep.timings, "solve_s": solve_s}
    result.solver["interface"] = prep.runner.interface
    if prep.extra is not None and result.has_solution:
        # what the user's objective terms cost (the rest is broken down from the tables)
        cb = result.cost_breakdown
        cb["extra"] = result.objective - sum(cb.values())
    if checking_enabled():
        assert_invariants(result)
    if prep.policy is not None and prep.policy.has_integers:
        # a policy is solved by HiGHS only (check_solver refuses another solver)
        assert isinstance(prep.runner, Runner)
        info = prep.runner.highs.getInfo()
        result.solver["mip"] = True
        gap = float(info.mip_gap)
        result.solver["mip_gap"] = gap if np.isfinite(gap) else None
    return result
