"""Diversification policy constraints, added to a built model as one Pyomo block.

:func:`add_policy` is called once after :func:`corridors.core.lp.build_model` and before the
:class:`~corridors.core.solve.Runner` is created, so a sweep or a frontier re-solves one model.
The targets are mutable parameters; :func:`frontier` changes one and re-solves.

Group energies (PJ) in period t, for a commodity c (or ``all`` commodities, in PJ), with the
definitions of :mod:`corridors.analysis.diversity`:

- supplier i:   E_i,t = Σ_{s of country i} PJ(c_s)·supply[s,t];   total T_t = Σ_s PJ(c_s)·supply[s,t]
  over the import supplies s (with a scenario ``importer``, its domestic production is left out)
- corridor, entry point or mode g:  E_g,t = Σ_{entry links l in g} PJ(c_l)·flow[l,t];
  total T_t = Σ over all entry links
- chokepoint k: E_k,t = Σ_{l into k} PJ(c_l)·flow[l,t];  total T_t = supplier total

Constraints (per period, each with an elastic slack σ ≥ 0 that is fixed to 0 except when an
infeasible model is diagnosed, see :func:`diagnose`):

- **max_share**:  E_g,t − share·T_t ≤ σ   (linear: both sides are linear in the flows).
- **min_suppliers** (count N, share q): binaries y_i,t per candidate country,
  E_i,t − q·T_t ≥ −M_t·(1 − y_i,t) with M_t = q·T̄_t (T̄_t: total supply at full availability,
  an upper bound of T_t) and Σ_i y_i,t ≥ N − σ. A MILP: the status and gap are reported and a
  solve that hits the time limit is never presented as optimal.
- **max_hhi** (bound H): HHI = Σ s_i² with s_i = E_i/T is convex, so an upper bound on it needs
  an *over*-estimator to be sound. On breakpoints a_k = k/K (k = 0..K) the secant
  interpolation φ(s) of s² is convex, exact at the breakpoints and ≥ s² between them
  (φ(s) − s² = (s − a_k)(a_{k+1} − s) ≤ min(Δ·s, Δ²/4), Δ = 1/K); being convex and piecewise
  linear it is the maximum of its secants φ(s) = max_k [(a_k + a_{k+1})·s − a_k·a_{k+1}].
  Requiring Σ_i φ(s_i) ≤ H therefore guarantees the true HHI ≤ H (conservative by at most
  Σ_i min(Δ·s_i, Δ²/4) ≤ Δ), and needs no binaries: with w_i ≥ 0 and multiplying through by T
  (the perspective, exact for T ≥ 0),

      w_i,t ≥ (a_k + a_{k+1})·E_i,t − a_k·a_{k+1}·T_t   for every i, k;   Σ_i w_i,t ≤ H·T_t + σ

  A tangent-cut (outer) approximation would instead under-estimate s² and let the true HHI
  exceed H; that is why it is not used.

Because unmet demand is a priced slack, these constraints (all homogeneous in E and T) can
always be met by importing less; a target that imports cannot meet shows up as unmet demand.
:func:`policy_report` names the targets responsible (by re-solving with the targets relaxed
when demand is unmet) and reports each target's achieved value, whether it binds, and its
dual (USD per percentage point, LP only). A truly infeasible model (e.g. with minimum
supply obligations) is diagnosed by an elastic solve that minimises the total violation and
names the violated targets.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corridors.core.data import supply_rows
from corridors.core.groups import (
    ALL,
    NONE,
    domestic_supplies,
    entry_mask,
    importer_countries,
    supplier_countries,
)
from corridors.core.model import BuiltModel
from corridors.core.pyomo_model import index_keys
from corridors.errors import Problem, ScenarioError, suggest
from corridors.io.network import Network
from corridors.io.schema import Policy, Scenario

if TYPE_CHECKING:
    import pyomo.environ as pyo


TOL = 1e-6
ENTRY_GROUPS = ("corridor", "entry_point", "mode")

Terms = list[tuple[str, int, float]]  # (variable family, position in the LP, PJ per unit)


# --------------------------------------------------------------------------- group terms


def group_terms(
    scenario: Scenario, network: Network, group: str, commodity: str = ALL
) -> tuple[dict[str, Terms], Terms]:
    """Linear terms of each member's energy E_g and of the total T (see the module docstring)."""
    pj = {c: v.pj_per_unit for c, v in scenario.commodities.items()}
    links = network.links
    members: dict[str, Terms] = {}
    total: Terms = []
    if group in ("supplier", "chokepoint"):
        country = network.nodes["country"]
        domestic = domestic_supplies(scenario, network)
        # one term per supply step (variable row s), domestic as its entry is
        for s, sup in enumerate(supply_rows(scenario)):
            if commodity in (ALL, sup.commodity) and not domestic[sup.entry]:
                term = ("supply", s, pj[sup.commodity])
                total.append(term)
                if group == "supplier":
                    members.setdefault(str(country[sup.node]), []).append(term)
        if group == "chokepoint":
            for k in network.chokepoints:
                members[k] = []
            for i, (to, c) in enumerate(zip(links["to"], links["commodity"], strict=True)):
                if to in members and commodity in (ALL, c):
                    members[to].append(("flow", i, pj[c]))
        return members, total
    if group not in ENTRY_GROUPS:
        raise ValueError(f"unknown group {group!r}")
    col = {"corridor": "corridor", "entry_point": "to", "mode": "mode"}[group]
    mask = entry_mask(scenario, network).to_numpy()
    for i, (key, c) in enumerate(zip(links[col], links["commodity"], strict=True)):
        if mask[i] and commodity in (ALL, c):
            name = NONE if key is None or (isinstance(key, float) and math.isnan(key)) else str(key)
            term = ("flow", i, pj[c])
            members.setdefault(name, []).append(term)
            total.append(term)
    return members, total


def _expr(x: Callable[[str, int, int], Any], terms: Terms, t: int) -> Any:
    """Σ coef·x(family, position, t) over ``terms`` (t: 0-based period index)."""
    from pyomo.environ import quicksum

    return quicksum((coef * x(var, idx, t) for var, idx, coef in terms), start=0.0)


# --------------------------------------------------------------------------- checks


def check_policy(scenario: Scenario, network: Network) -> None:
    """Ids in ``policy:`` and ``risk:`` must exist in the network; raise every problem."""
    file = str(scenario.source or "")
    problems: list[Problem] = []
    pol = scenario.policy
    entry = network.links[entry_mask(scenario, network)]
    for i, ms in enumerate(pol.max_share):
        where = f"policy.max_share[{i}].id"
        if ms.group == "supplier":
            known = supplier_countries(scenario, network, ms.commodity)
        elif ms.group == "chokepoint":
            known = network.chokepoints
        else:
            col = {"corridor": "corridor", "entry_point": "to", "mode": "mode"}[ms.group]
            part = entry if ms.commodity == ALL else entry[entry["commodity"] == ms.commodity]
            known = sorted({NONE if pd.isna(v) else str(v) for v in part[col]})
        if ms.id not in known:
            what = {"entry_point": "entry point"}.get(ms.group, ms.group)
            scope = "" if ms.commodity == ALL else f" of {ms.commodity}"
            hint = suggest(ms.id, known) or f"; known: {', '.join(known[:12]) or 'none'}"
            problems.append(Problem(file, where, f"unknown {what}{scope} '{ms.id}'{hint}"))
    for i, mn in enumerate(pol.min_suppliers):
        cands = supplier_countries(scenario, network, mn.commodity)
        if mn.count > len(cands):
            problems.append(
                Problem(
                    file,
                    f"policy.min_suppliers[{i}].count",
                    f"{mn.count} suppliers asked for but only {len(cands)} countries supply "
                    f"{mn.commodity} ({', '.join(cands)})",
                )
            )
        if mn.count * mn.share > 1 + 1e-12:
            problems.append(
                Problem(
                    file,
                    f"policy.min_suppliers[{i}]",
                    f"{mn.count} suppliers with at least {mn.share:g} each need more than 100 %; "
                    "lower count or share",
                )
            )
    if not pol.empty and scenario.solver.interface == "direct":
        problems.append(
            Problem(
                file,
                "solver.interface",
                "a policy: is built as Pyomo constraints, which the direct interface does not "
                "load; use interface: auto or pyomo",
            )
        )
    countries = supplier_countries(scenario, network)
    for sid in scenario.risk.supplier:
        if sid not in countries:
            problems.append(
                Problem(
                    file,
                    f"risk.supplier.{sid}",
                    f"unknown supplier country '{sid}'{suggest(sid, countries)}",
                )
            )
    for kid in scenario.risk.chokepoint:
        if kid not in network.chokepoints:
            problems.append(
                Problem(
                    file,
                    f"risk.chokepoint.{kid}",
                    f"unknown chokepoint '{kid}'{suggest(kid, network.chokepoints)}",
                )
            )
    if not importer_countries(scenario, network) and not pol.empty:
        problems.append(Problem(file, "policy", "a policy needs demand nodes (the importer)"))
    if problems:
        raise ScenarioError(problems)


# --------------------------------------------------------------------------- building


@dataclass
class Target:
    """One policy entry as built: where its rows and parameter live."""

    kind: str  # max_share | min_suppliers | max_hhi
    index: int  # position in the scenario's list
    name: str
    group: str
    id: str
    commodity: str
    target: float  # share, or HHI bound, or count
    param: Any  # the mutable Pyomo Param (the share / HHI / count)
    rows: list[Any]  # main constraint per period
    slack: list[Any]  # slack variable per period
    share: float | None = None  # min_suppliers: the share threshold


@dataclass
class PolicyModel:
    """The policy block of a built model."""

    block: pyo.Block
    targets: list[Target] = field(default_factory=list)
    has_integers: bool = False


def _label(kind: str, entry: Any) -> str:
    if entry.name:
        return str(entry.name)
    c = "" if entry.commodity == ALL else f":{entry.commodity}"
    if kind == "max_share":
        return f"max_share:{entry.group}:{entry.id}{c}<={entry.share:g}"
    if kind == "min_suppliers":
        return f"min_suppliers{c}:{entry.count}>={entry.share:g}"
    return f"max_hhi:{entry.group}{c}<={entry.hhi:g}"


def add_policy(scenario: Scenario, network: Network, built: BuiltModel) -> PolicyModel | None:
    """Check the ``policy:``/``risk:`` sections and add the policy block to a built model.

    Returns None when the scenario has no policy. See the module docstring for the equations.
    """
    check_policy(scenario, network)
    pol: Policy = scenario.policy
    if pol.empty:
        return None
    import pyomo.environ as pyo  # a policy is built in Pyomo (only scenarios with one load it)

    m = built.model
    data = built.data
    T = range(data.periods)
    keys = index_keys(data)

    def x(family: str, i: int, t: int) -> Any:
        """The model's variable of ``family`` at LP position i, period index t (0-based)."""
        return getattr(m, family)[(*keys[family][i], t + 1)]

    b = pyo.Block()
    m.policy = b
    pm = PolicyModel(block=b)
    b.rows = pyo.ConstraintList()
    b.cuts = pyo.ConstraintList()

    def slack_vars(name: str) -> list[Any]:
        v = pyo.Var(T, domain=pyo.NonNegativeReals, bounds=(0.0, 0.0))
        b.add_component(name, v)
        return [v[t] for t in T]

    for j, ms in enumerate(pol.max_share):
        members, total = group_terms(scenario, network, ms.group, ms.commodity)
        p = pyo.Param(mutable=True, initialize=ms.share)
        b.add_component(f"share_{j}", p)
        sl = slack_vars(f"share_slack_{j}")
        rows = [
            b.rows.add(_expr(x, members.get(ms.id, []), t) - p * _expr(x, total, t) <= sl[t])
            for t in T
        ]
        pm.targets.append(
            Target("max_share", j, _label("max_share", ms), ms.group, ms.id, ms.commodity,
                   ms.share, p, rows, sl)
        )  # fmt: skip

    for j, mn in enumerate(pol.min_suppliers):
        members, total = group_terms(scenario, network, "supplier", mn.commodity)
        names = sorted(members)
        y = pyo.Var(range(len(names)), T, domain=pyo.Binary)
        b.add_component(f"supplier_on_{j}", y)
        p = pyo.Param(mutable=True, initialize=float(mn.count))
        b.add_component(f"count_{j}", p)
        sl = slack_vars(f"count_slack_{j}")
        tmax = [
            sum(coef * data.supply[idx].max for _v, idx, coef in total) * float(data.d[t])
            for t in T
        ]
        rows = []
        for t in T:
            big_m = mn.share * tmax[t]
            tot = _expr(x, total, t)
            for i, name in enumerate(names):
                b.cuts.add(_expr(x, members[name], t) - mn.share * tot >= -big_m * (1 - y[i, t]))
            rows.append(b.rows.add(sum(y[i, t] for i in range(len(names))) >= p - sl[t]))
        pm.targets.append(
            Target("min_suppliers", j, _label("min_suppliers", mn), "supplier", "",
                   mn.commodity, float(mn.count), p, rows, sl, share=mn.share)
        )  # fmt: skip
        pm.has_integers = True

    for j, mh in enumerate(pol.max_hhi):
        members, _total = group_terms(scenario, network, mh.group, mh.commodity)
        names = sorted(members)
        K = mh.breakpoints
        a = np.linspace(0.0, 1.0, K + 1)
        w = pyo.Var(range(len(names)), T, domain=pyo.NonNegativeReals)
        b.add_component(f"hhi_w_{j}", w)
        p = pyo.Param(mutable=True, initialize=mh.hhi)
        b.add_component(f"hhi_{j}", p)
        sl = slack_vars(f"hhi_slack_{j}")
        rows = []
        for t in T:
            e = {n: _expr(x, members[n], t) for n in names}
            tot = pyo.quicksum(e.values(), start=0.0)
            for i, n in enumerate(names):
                for k in range(K):
                    slope, icpt = float(a[k] + a[k + 1]), float(a[k] * a[k + 1])
                    b.cuts.add(w[i, t] >= slope * e[n] - icpt * tot)
            rows.append(b.rows.add(sum(w[i, t] for i in range(len(names))) <= p * tot + sl[t]))
        pm.targets.append(
            Target("max_hhi", j, _label("max_hhi", mh), mh.group, "", mh.commodity, mh.hhi,
                   p, rows, sl)
        )  # fmt: skip
    return pm


# --------------------------------------------------------------------------- achieved values


# --------------------------------------------------------------------------- reporting


# --------------------------------------------------------------------------- frontier
