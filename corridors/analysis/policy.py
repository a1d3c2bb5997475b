"""How a built policy did: achieved values, binding targets and their duals, and the targets
responsible for unmet demand or infeasibility (the constraints themselves are in
:mod:`corridors.core.policy`, with their equations)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from corridors.core.groups import ALL
from corridors.core.lp import MONEY_SCALE
from corridors.core.policy import TOL, PolicyModel, Target, Terms, group_terms
from corridors.core.results import Result
from corridors.core.session import Prepared
from corridors.core.solve import Runner


def period_energies(result: Result, group: str, commodity: str = ALL) -> pd.DataFrame:
    """E_g,t (PJ) of every member per period from a result's tables, with the same definitions
    as the constraints. Columns ``period, id, pj``; ``total`` per period in column ``total``."""
    members, total = group_terms(result.scenario, result.network, group, commodity)
    fl = result.flows.pivot(index="link", columns="period", values="flow")
    fl = fl.reindex(result.network.links.index)
    flow = fl.to_numpy()
    # supply rows are step-major (scenario order, tranches after their entry), one per period
    periods = list(range(1, result.scenario.horizon.periods + 1))
    supply = result.supply["supplied"].to_numpy(dtype=float).reshape(-1, len(periods))

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


def _highs_runner(prep: Prepared) -> Runner:
    """The HiGHS runner: a policy is solved by HiGHS only (``check_solver`` refuses others)."""
    runner = prep.runner
    assert isinstance(runner, Runner), "a policy is solved with HiGHS"
    return runner


def _row_duals(prep: Prepared, target: Target) -> list[float]:
    runner = _highs_runner(prep)
    sol = runner.highs.getSolution()
    if not sol.dual_valid:
        return [math.nan] * len(target.rows)
    y = np.asarray(sol.row_dual)
    rows = [runner.row(r) for r in target.rows]  # a policy is solved through the Pyomo model
    return [float(y[i]) if i >= 0 else math.nan for i in rows]


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
        pj = np.array([prep.data.pj[u.commodity] for u in prep.data.unmet])
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
        runner = _highs_runner(prep)
        runner.solve()  # the bounds of the last solve; the model changed: compiled again
        h = runner.highs
        if h.getInfo().primal_solution_status == 2:
            x = np.asarray(h.getSolution().col_value)
            for tg in pm.targets:
                for t, s in enumerate(tg.slack):
                    j = runner.column(s)
                    v = float(x[j]) if j >= 0 else 0.0
                    if v > TOL:
                        out[(tg.name, t + 1)] = v
    finally:
        b.del_component("elastic")
        m.objective.activate()
        for tg in pm.targets:
            for s in tg.slack:
                s.setub(0.0)
    return out
