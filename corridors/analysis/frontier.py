"""Cost of diversification: one built model re-solved with a tightening bound on a metric."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

from corridors.analysis.diversity import shares
from corridors.analysis.policy import period_energies, policy_report
from corridors.core.groups import ALL
from corridors.core.policy import PolicyModel
from corridors.core.session import Prepared, Source, prepare, solve_model
from corridors.errors import CorridorsError, Problem, suggest
from corridors.io.scenario import load_scenario
from corridors.io.schema import MaxHhi, MaxShare, Scenario

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
            # validated like YAML, so an unknown group is reported with the allowed ones
            return MaxShare.model_validate(
                {"group": mt.group(2), "id": mt.group(3), "commodity": mt.group(4) or ALL,
                 "share": 1.0, "name": "frontier"}
            )  # fmt: skip
        return MaxHhi.model_validate(
            {"group": mt.group(6), "commodity": mt.group(7) or ALL, "hhi": 1.0,
             "name": "frontier", "breakpoints": 40}
        )  # fmt: skip
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
    scenario: Source, metric: str, values: list[float], progress: Any = None
) -> pd.DataFrame:
    """Cost of diversification: re-solve one built model with the metric's bound at each value.

    The metric's target is appended to the scenario's policy and built once; each point only
    changes its mutable parameter. The first row (``target`` NaN) is the unconstrained
    optimum (bound 1). Columns ``target, status, objective_usd, cost_increase_usd,
    supply_usd, transport_usd, carbon_usd, shortage_usd, unmet_pj, achieved, metric``;
    ``achieved`` is the metric over the horizon (for HHI computed exactly, not the
    over-estimate).
    """
    say = progress or (lambda _m: None)
    if isinstance(scenario, Prepared):  # the bound is a new policy row: built anew
        sc = scenario.scenario
    else:
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
        res = solve_model(prep)
        # the report re-solves with the targets relaxed when demand is unmet; kept so that
        # each point starts from the same solver state as a plain solve with a policy would
        res.solver["policy"] = policy_report(prep, res).to_dict("records")
        if isinstance(entry, MaxShare):
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
