"""Diversification policy constraints, added to a built model as one Pyomo block.

:func:`add_policy` is called once after :func:`corridors.model.build_model` and before the
:class:`~corridors.solve.Runner` is created, so a sweep or a frontier re-solves one model.
The targets are mutable parameters; :func:`frontier` changes one and re-solves.

Group energies (PJ) in period t, for a commodity c (or ``all`` commodities, in PJ), with the
definitions of :mod:`corridors.diversity`:

- supplier i:   E_i,t = Σ_{s of country i} PJ(c_s)·supply[s,t];   total T_t = Σ_s PJ(c_s)·supply[s,t]
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
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corridors.diversity import ALL, NONE, entry_mask, importer_countries, supplier_countries
from corridors.errors import CorridorsError, Problem, ScenarioError, suggest
from corridors.model import MONEY_SCALE, BuiltModel
from corridors.network import Network
from corridors.scenario import MaxHhi, MaxShare, Policy, Scenario

if TYPE_CHECKING:
    import pyomo.environ as pyo

    from corridors.api import Prepared
    from corridors.results import Result

TOL = 1e-6
ENTRY_GROUPS = ("corridor", "entry_point", "mode")

Terms = list[tuple[str, int, float]]  # (variable family, index, PJ per unit)


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
        for s, sup in enumerate(scenario.supply):
            if commodity in (ALL, sup.commodity):
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


def _expr(m: pyo.ConcreteModel, terms: Terms, t: int) -> Any:
    from pyomo.environ import quicksum

    return quicksum((coef * getattr(m, var)[idx, t] for var, idx, coef in terms), start=0.0)


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
            b.rows.add(_expr(m, members.get(ms.id, []), t) - p * _expr(m, total, t) <= sl[t])
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
            sum(coef * scenario.supply[idx].max for _v, idx, coef in total) * float(data.d[t])
            for t in T
        ]
        rows = []
        for t in T:
            big_m = mn.share * tmax[t]
            tot = _expr(m, total, t)
            for i, name in enumerate(names):
                b.cuts.add(_expr(m, members[name], t) - mn.share * tot >= -big_m * (1 - y[i, t]))
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
            e = {n: _expr(m, members[n], t) for n in names}
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


def period_energies(result: Result, group: str, commodity: str = ALL) -> pd.DataFrame:
    """E_g,t (PJ) of every member per period from a result's tables, with the same definitions
    as the constraints. Columns ``period, id, pj``; ``total`` per period in column ``total``."""
    members, total = group_terms(result.scenario, result.network, group, commodity)
    fl = result.flows.pivot(index="link", columns="period", values="flow")
    fl = fl.reindex(result.network.links.index)
    flow = fl.to_numpy()
    # supply rows are supply-major (scenario order), one row per period
    S = len(result.scenario.supply)
    periods = list(range(1, result.scenario.horizon.periods + 1))
    supply = result.supply["supplied"].to_numpy(dtype=float).reshape(S, len(periods))

    def value(terms: Terms) -> np.ndarray:
        out = np.zeros(len(periods))
        for var, idx, coef in terms:
            arr = supply if var == "supply" else flow
            out += coef * np.nan_to_num(arr[idx])
        return out

    tot = value(total)
    rows = []
    for name, terms in members.items():
        v = value(terms)
        for t, p in enumerate(periods):
            rows.append({"period": int(p), "id": name, "pj": float(v[t]), "total": float(tot[t])})
    return pd.DataFrame(rows, columns=["period", "id", "pj", "total"])


def achieved(result: Result, target: Target) -> np.ndarray:
    """The target's metric per period in a result (share, HHI, or suppliers above the share)."""
    e = period_energies(result, target.group, target.commodity)
    out = []
    for _p, part in e.groupby("period"):
        tot = float(part["total"].iloc[0])
        if target.kind == "max_share":
            v = float(part.loc[part["id"] == target.id, "pj"].sum())
            out.append(v / tot if tot > 0 else 0.0)
        elif target.kind == "max_hhi":
            s = part["pj"].to_numpy() / part["pj"].sum() if part["pj"].sum() > 0 else np.zeros(0)
            out.append(float(np.sum(s * s)))
        else:
            s = part["pj"].to_numpy() / tot if tot > 0 else np.zeros(len(part))
            out.append(float(np.sum(s >= (target.share or 0.0) - TOL)))
    return np.array(out)


# --------------------------------------------------------------------------- reporting


def _row_duals(prep: Prepared, target: Target) -> list[float]:
    runner = prep.runner
    sol = runner.highs.getSolution()
    if not sol.dual_valid:
        return [math.nan] * len(target.rows)
    cmap = runner.opt._pyomo_con_to_solver_con_map
    y = np.asarray(sol.row_dual)
    return [float(y[cmap[r]]) if r in cmap else math.nan for r in target.rows]


def policy_report(prep: Prepared, result: Result, diagnose_unmet: bool = True) -> pd.DataFrame:
    """One row per target and period: target, achieved value, binding, dual, status.

    ``usd_per_point``: cost saved by relaxing the target by 0.01 (one percentage point of
    share, 0.01 of HHI), from the LP dual (NaN for a MIP). ``status``: ``met``, ``binding``,
    ``forces_unmet`` (binding, and relaxing every target lets imports meet more demand) or
    ``violated`` (the model is infeasible and the elastic solve needs this target relaxed).
    Call it right after the solve of ``result`` (duals are read from the solver).
    """
    pm: PolicyModel | None = getattr(prep, "policy", None)
    cols = ["name", "kind", "group", "id", "commodity", "period", "target", "achieved",
            "binding", "usd_per_point", "violation", "status"]  # fmt: skip
    if pm is None:
        return pd.DataFrame(columns=cols)
    rows = []
    if not result.status.is_ok:
        viol = diagnose(prep)
        for tg in pm.targets:
            for t in range(len(tg.rows)):
                v = viol.get((tg.name, t + 1), 0.0)
                rows.append(
                    {"name": tg.name, "kind": tg.kind, "group": tg.group, "id": tg.id,
                     "commodity": tg.commodity, "period": t + 1, "target": tg.target,
                     "achieved": math.nan, "binding": v > TOL, "usd_per_point": math.nan,
                     "violation": v, "status": "violated" if v > TOL else "unknown"}
                )  # fmt: skip
        return pd.DataFrame(rows, columns=cols)
    relaxed_unmet = None
    for tg in pm.targets:
        ach = achieved(result, tg)
        duals = _row_duals(prep, tg)
        e = period_energies(result, tg.group, tg.commodity)
        totals = e.groupby("period")["total"].first().to_numpy() if len(e) else np.zeros(len(ach))
        for t, val in enumerate(ach):
            if tg.kind == "min_suppliers":
                binding = val <= tg.target + TOL
            else:
                binding = val >= tg.target - 1e-4 or abs(duals[t]) > TOL
            per_point = (
                abs(duals[t]) * totals[t] * 0.01 / MONEY_SCALE
                if tg.kind != "min_suppliers" and not math.isnan(duals[t])
                else math.nan
            )
            rows.append(
                {"name": tg.name, "kind": tg.kind, "group": tg.group, "id": tg.id,
                 "commodity": tg.commodity, "period": t + 1, "target": tg.target,
                 "achieved": val, "binding": bool(binding), "usd_per_point": per_point,
                 "violation": 0.0, "status": "binding" if binding else "met"}
            )  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)
    if diagnose_unmet and result.unmet_pj() > TOL and out["binding"].any():
        relaxed_unmet = _unmet_without_policy(prep)
        if relaxed_unmet < result.unmet_pj() - 1e-6 * max(1.0, result.unmet_pj()):
            out.loc[out["binding"], "status"] = "forces_unmet"
    out.attrs["unmet_pj_without_policy"] = relaxed_unmet
    return out


def _set_targets(pm: PolicyModel, values: list[float]) -> None:
    for tg, v in zip(pm.targets, values, strict=True):
        tg.param.set_value(v)


def _unmet_without_policy(prep: Prepared) -> float:
    """Unmet demand (PJ) with every target relaxed (shares 1, HHI 1, count 0)."""
    pm: PolicyModel = prep.policy  # type: ignore[assignment]
    saved = [float(tg.param.value) for tg in pm.targets]
    _set_targets(pm, [0.0 if tg.kind == "min_suppliers" else 1.0 for tg in pm.targets])
    try:
        sol = prep.runner.solve(prep.availability)
        pj = np.array([prep.data.pj[k[1]] for k in prep.data.demand])
        unmet = float(np.nansum(sol.unmet * pj[:, None])) if len(pj) else 0.0
    finally:
        _set_targets(pm, saved)
    return unmet


def diagnose(prep: Prepared) -> dict[tuple[str, int], float]:
    """Elastic solve of an infeasible model: minimise the total violation Σ σ of the policy
    rows (slacks freed, the cost objective set aside) and return the violation of each
    (target name, period) that must be relaxed. Empty when the model is infeasible even
    without the policy (then the targets are not the cause)."""
    pm: PolicyModel = prep.policy  # type: ignore[assignment]
    m = prep.built.model
    b = pm.block
    for tg in pm.targets:
        for s in tg.slack:
            s.setub(None)
    m.objective.deactivate()
    from pyomo.environ import Objective

    b.elastic = Objective(expr=sum(s for tg in pm.targets for s in tg.slack))
    out: dict[tuple[str, int], float] = {}
    try:
        prep.runner.opt.solve(m)
        h = prep.runner.highs
        sol = h.getSolution()
        if h.getInfo().primal_solution_status == 2:
            vmap = prep.runner.opt._pyomo_var_to_solver_var_map
            x = np.asarray(sol.col_value)
            for tg in pm.targets:
                for t, s in enumerate(tg.slack):
                    v = float(x[vmap[id(s)]])
                    if v > TOL:
                        out[(tg.name, t + 1)] = v
    finally:
        b.del_component("elastic")
        m.objective.activate()
        for tg in pm.targets:
            for s in tg.slack:
                s.setub(0.0)
    return out


# --------------------------------------------------------------------------- frontier


_METRIC = re.compile(r"^(share):([a-z_]+):([^:]+)(?::([a-z_]+))?$|^(hhi):([a-z_]+)(?::([a-z_]+))?$")


def parse_metric(metric: str) -> MaxShare | MaxHhi:
    """``share:GROUP:ID[:COMMODITY]`` or ``hhi:GROUP[:COMMODITY]`` as a policy entry (with a
    placeholder bound of 1, i.e. not constraining)."""
    mt = _METRIC.match(metric.strip())
    if not mt:
        raise CorridorsError(
            Problem("", "--metric", f"cannot read '{metric}'; use share:GROUP:ID[:COMMODITY] "
                    "(e.g. share:corridor:south) or hhi:GROUP[:COMMODITY] (e.g. hhi:supplier)")
        )  # fmt: skip
    try:
        if mt.group(1):
            return MaxShare(
                group=mt.group(2),
                id=mt.group(3),
                commodity=mt.group(4) or ALL,
                share=1.0,
                name="frontier",
            )  # type: ignore[arg-type]
        return MaxHhi(
            group=mt.group(6),
            commodity=mt.group(7) or ALL,
            hhi=1.0,
            name="frontier",
            breakpoints=40,
        )  # type: ignore[arg-type]
    except Exception as exc:  # pydantic: bad group
        groups = "supplier, corridor, chokepoint, entry_point, mode" if mt.group(1) else (
            "supplier, corridor, entry_point, mode")  # fmt: skip
        grp = mt.group(2) or mt.group(6)
        raise CorridorsError(
            Problem("", "--metric", f"unknown group '{grp}'{suggest(grp, groups.split(', '))}; "
                    f"use one of {groups}")
        ) from exc  # fmt: skip


def parse_range(text: str) -> list[float]:
    """``START:STOP:N`` -> N evenly spaced values from START to STOP (inclusive)."""
    parts = text.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        start, stop, n = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise CorridorsError(
            Problem("", "--range", f"cannot read '{text}'; use START:STOP:N, e.g. 0.9:0.4:6")
        ) from None
    if n < 1:
        raise CorridorsError(Problem("", "--range", f"N must be at least 1 (got {n})"))
    bad = [v for v in (start, stop) if not 0.0 <= v <= 1.0]
    if bad:
        raise CorridorsError(Problem("", "--range", f"targets must lie in [0, 1] (got {bad[0]:g})"))
    return [float(v) for v in np.linspace(start, stop, n)]


def frontier(
    scenario: Scenario | str, metric: str, values: list[float], progress: Any = None
) -> pd.DataFrame:
    """Cost of diversification: re-solve one built model with the metric's bound at each value.

    The metric's target is appended to the scenario's policy and built once; each point only
    changes its mutable parameter. The first row (``target`` NaN) is the unconstrained
    optimum (bound 1). Columns ``target, status, objective_usd, cost_increase_usd,
    supply_usd, transport_usd, carbon_usd, shortage_usd, unmet_pj, achieved, metric``;
    ``achieved`` is the metric over the horizon (for HHI computed exactly, not the
    over-estimate).
    """
    from corridors.api import prepare, solve_prepared
    from corridors.diversity import shares
    from corridors.scenario import load_scenario

    say = progress or (lambda _m: None)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    entry = parse_metric(metric)
    kind = "max_share" if isinstance(entry, MaxShare) else "max_hhi"
    pol = sc.policy
    new = pol.model_copy(update={kind: (*getattr(pol, kind), entry)})
    sc2 = sc.with_updates(policy=new.model_dump())
    prep = prepare(sc2, progress)
    pm: PolicyModel = prep.policy  # type: ignore[assignment]
    tg = next(t for t in pm.targets if t.kind == kind and t.name == "frontier")
    rows = []
    for v in [math.nan, *values]:
        tg.param.set_value(1.0 if math.isnan(v) else v)
        say(f"solving at {metric} <= {v:g}" if not math.isnan(v) else "solving unconstrained")
        res = solve_prepared(prep)
        if kind == "max_share":
            sh = shares(res, entry.group)
            hit = sh[(sh["commodity"] == entry.commodity) & (sh["id"] == entry.id)]
            ach = float(hit["share"].iloc[0]) if len(hit) else 0.0
        else:
            e = period_energies(res, entry.group, entry.commodity)
            tot = e.groupby("id")["pj"].sum()
            s = tot.to_numpy() / tot.sum() if tot.sum() > 0 else np.zeros(0)
            ach = float(np.sum(s * s))
        cb = res.cost_breakdown
        rows.append(
            {"metric": metric, "target": v, "status": res.status.value,
             "objective_usd": res.objective, "supply_usd": cb["supply"],
             "transport_usd": cb["transport"], "carbon_usd": cb["carbon"],
             "shortage_usd": cb["shortage"], "unmet_pj": res.unmet_pj(), "achieved": ach}
        )  # fmt: skip
    out = pd.DataFrame(rows)
    out.insert(4, "cost_increase_usd", out["objective_usd"] - out["objective_usd"].iloc[0])
    return out


def plot_frontier(table: pd.DataFrame, path: Any) -> Any:
    """Cost (billion USD) against the target; unmet demand on a second axis. PNG via Agg."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from corridors.results import atomic_write

    pts = table[table["target"].notna()]
    base = table[table["target"].isna()]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    ax.plot(pts["target"], pts["objective_usd"] / 1e9, "o-", color="C0", label="total cost")
    if len(base):
        ax.axhline(float(base["objective_usd"].iloc[0]) / 1e9, color="C0", ls=":", lw=1,
                   label=f"unconstrained (achieved {float(base['achieved'].iloc[0]):.3f})")  # fmt: skip
    bad = pts[pts["status"] != "optimal"]
    if len(bad):
        ax.plot(bad["target"], bad["objective_usd"] / 1e9, "x", color="red", ms=9,
                label="not optimal")  # fmt: skip
    ax.set_xlabel(f"bound on {table['metric'].iloc[0]}")
    ax.set_ylabel("total cost, billion USD")
    ax.invert_xaxis()
    ax.grid(alpha=0.3)
    ax2 = ax.twinx()
    ax2.bar(pts["target"], pts["unmet_pj"], width=0.6 * _step(pts["target"]), color="C3",
            alpha=0.3, label="unmet demand")  # fmt: skip
    ax2.set_ylabel("unmet demand, PJ")
    ax.set_zorder(ax2.get_zorder() + 1)  # the cost line over the unmet bars
    ax.patch.set_visible(False)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
    ax.set_title("Cost of diversification (tighter to the right)")
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, format="png"))
    plt.close(fig)
    return path


def _step(values: pd.Series) -> float:
    v = np.sort(values.to_numpy(dtype=float))
    d = np.diff(v)
    d = d[d > 0]
    return float(d.min()) if d.size else 0.05
