"""Exact worst-case k-element interdiction: a bilevel max-min turned into one MILP.

The attacker picks at most ``K`` elements (or elements within an attack budget) to lose;
the defender (the operator) then solves the usual min-cost flow with the lost elements' bounds
set to zero. The defender's problem is the LP the rest of the package solves, taken column by
column from the HiGHS instance that :class:`corridors.core.solve.Runner` holds (so it is exactly
what ``corridors sweep`` re-solves), in the general form

    min c'x + c0   s.t.  r_lo ≤ A x ≤ r_hi,   x_lo ≤ x ≤ x_hi.

By LP duality its optimum equals the dual maximum

    max  Σ_r (r_lo,r·α_r − r_hi,r·β_r) + Σ_j (x_lo,j·λ_j − x_hi,j·μ_j) + c0
    s.t. Σ_r a_rj (α_r − β_r) + λ_j − μ_j ≤ c_j   (= c_j for a free column),   α, β, λ, μ ≥ 0

(an equality row has one free dual y_r = α_r − β_r). Losing element e (binary z_e) sets to zero
the upper bound of every column it covers (flows of its links, its supplies, storage
withdrawals at its nodes), the lower bound of its supplies and its nodes' throughput limits.
The bilinear terms are linearised exactly by splitting each such dual in two:

    μ_j = μ_j^a + μ_j^b,   objective −x_hi,j·μ_j^a,   0 ≤ μ_j^b ≤ M_j·Σ_{e covers j} z_e
    (β_r likewise for throughput rows),   λ_j ≤ M_j·(1 − z_e) for every e covering x_lo,j.

With z = 0 the free part μ^b vanishes and the dual is the defender's; with z_e = 1 the bound
costs nothing and the column is cut. In primal terms a cut column may still carry flow at a
penalty M_j per unit, so the formulation is exact as soon as M_j exceeds what one unit on the
column can save. A unit of commodity c carries pj_c PJ; whatever it reaches it can at most
replace a shortage, worth at most V per PJ (the largest shortage cost per PJ in cost mode,
1 in unmet mode), times the largest energy gain G of a path (1 when no link has an efficiency
above 1), plus the column's own cost. We take

    M_j = 2·(G·V·pj_j + |c_j|)   (per PJ for throughput rows: 2·G·V),

and check the result: the chosen set is re-solved with the ordinary LP, and the MILP value
must equal it (``check`` in the output; a mismatch is reported as ``status: inexact``).

Objectives: ``cost`` maximises the defender's optimal total cost. ``unmet`` sets the inner
objective to the unmet energy Σ_k pj_k·unmet_k (PJ over the horizon) plus a tie-break of
1e-5 PJ per total shortage cost, so it maximises the *minimum achievable* unmet demand after
the loss. That is what a sweep reports whenever shortage costs dominate delivery costs (the
operator then meets all it can); the reported ``unmet`` and ``cost`` are those of the re-solve,
i.e. exactly the numbers ``corridors sweep`` gives for that set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo

from corridors.core.availability import Availability, Element, apply_factor, elements, parse_classes
from corridors.core.lp import MONEY_SCALE, bound_arrays
from corridors.core.session import Prepared, prepare
from corridors.core.solve import quiet_highs
from corridors.errors import CorridorsError, Problem, suggest
from corridors.io.files import write_json
from corridors.io.scenario import Scenario

OBJECTIVES = ("unmet", "cost")
VAR_FAMILIES = ("flow", "supply", "unmet", "withdraw", "inject", "level")
TIE_BREAK_PJ = 1.0e-5
"""In unmet mode, the cost tie-break is worth at most this many PJ in total."""
BIG_M_FACTOR = 2.0
CHECK_TOL = 1.0e-6


# --------------------------------------------------------------------------- the LP, as arrays


@dataclass
class LPForm:
    """The defender's LP: min c'x + offset, r_lo ≤ A x ≤ r_hi, x_lo ≤ x ≤ x_hi (model units)."""

    n_rows: int
    n_cols: int
    a_row: np.ndarray  # nonzeros: row index
    a_col: np.ndarray  # nonzeros: column index
    a_val: np.ndarray
    cost: np.ndarray  # million USD per unit
    offset: float
    col_lo: np.ndarray
    col_hi: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_pj: np.ndarray
    """PJ per unit of each column (0 where not an energy quantity)."""
    unmet_pj: np.ndarray
    """PJ per unit on unmet columns, 0 elsewhere: c = unmet_pj gives unmet PJ."""
    throughput_rows: np.ndarray
    """Rows of node throughput limits (bounds depend on availability)."""
    col: dict[str, np.ndarray] = field(default_factory=dict)
    """Variable family -> (n, T) column indices."""

    def column_entries(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each column: (rows, coefficients)."""
        order = np.argsort(self.a_col, kind="stable")
        starts = np.searchsorted(self.a_col[order], np.arange(self.n_cols + 1))
        return [
            (
                self.a_row[order[starts[j] : starts[j + 1]]],
                self.a_val[order[starts[j] : starts[j + 1]]],
            )
            for j in range(self.n_cols)
        ]


def lp_form(prep: Prepared, avail: Availability | None = None) -> LPForm:
    """The LP held by the runner's HiGHS instance, with bounds for ``avail``."""
    runner = prep.runner
    lp = runner.highs.getLp()
    a = lp.a_matrix_
    start = np.asarray(a.start_, dtype=np.int64)
    index = np.asarray(a.index_, dtype=np.int64)
    value = np.asarray(a.value_, dtype=float)
    n_rows, n_cols = int(lp.num_row_), int(lp.num_col_)
    major = np.repeat(np.arange(len(start) - 1), np.diff(start))
    if a.format_ == highspy.MatrixFormat.kRowwise:
        a_row, a_col = major, index
    else:
        a_row, a_col = index, major

    def finite(x: Any) -> np.ndarray:
        arr = np.asarray(x, dtype=float).copy()
        arr[arr >= highspy.kHighsInf] = np.inf
        arr[arr <= -highspy.kHighsInf] = -np.inf
        return arr

    data = prep.data
    pj = data.pj
    col_pj = np.zeros(n_cols)
    unmet_pj = np.zeros(n_cols)
    per_family = {
        "flow": [pj[c] for c in data.link_com],
        "supply": [pj[s.commodity] for s in data.supply],
        "unmet": [pj[k.commodity] for k in data.demand],
        "withdraw": [pj[j.commodity] for j in data.storage],
        "inject": [pj[j.commodity] for j in data.storage],
        "level": [pj[j.commodity] for j in data.storage],
    }
    for name, values in per_family.items():
        cols = runner.col[name]
        if cols.size:
            col_pj[cols] = np.asarray(values)[:, None]
    if runner.col["unmet"].size:
        unmet_pj[runner.col["unmet"]] = np.asarray(per_family["unmet"])[:, None]
    form = LPForm(
        n_rows=n_rows,
        n_cols=n_cols,
        a_row=a_row,
        a_col=a_col,
        a_val=value,
        cost=np.asarray(lp.col_cost_, dtype=float).copy(),
        offset=float(lp.offset_),
        col_lo=finite(lp.col_lower_),
        col_hi=finite(lp.col_upper_),
        row_lo=finite(lp.row_lower_),
        row_hi=finite(lp.row_upper_),
        col_pj=col_pj,
        unmet_pj=unmet_pj,
        throughput_rows=runner.row_throughput.ravel().copy(),
        col={k: runner.col[k] for k in VAR_FAMILIES},
    )
    set_form_bounds(prep, form, avail if avail is not None else prep.availability)
    return form


def form_bounds(
    prep: Prepared, form: LPForm, avail: Availability
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column lower/upper bounds and throughput-row limits (in ``form.throughput_rows``
    order) for ``avail``, from :func:`corridors.core.lp.bound_arrays`."""
    b = bound_arrays(prep.data, avail)
    lo, hi = form.col_lo.copy(), form.col_hi.copy()
    for name in VAR_FAMILIES:
        cols = form.col[name]
        if cols.size:
            hi[cols] = b[name]
            lo[cols] = b["supply_lb"] if name == "supply" else 0.0
    caps = prep.data.capped_nodes
    rows = b["node_limit"][caps].ravel() if caps else np.zeros(0)
    return lo, hi, rows


def set_form_bounds(prep: Prepared, form: LPForm, avail: Availability) -> None:
    lo, hi, rows = form_bounds(prep, form, avail)
    form.col_lo, form.col_hi = lo, hi
    if form.throughput_rows.size:
        form.row_hi[form.throughput_rows] = rows


def energy_gain(prep: Prepared) -> float:
    """An upper bound on the energy gain of any path: Π_l max(1, efficiency_l)."""
    eff = np.asarray(prep.network.links["efficiency"], dtype=float)
    return float(np.prod(np.maximum(1.0, eff)))


def value_per_pj(prep: Prepared, objective: str) -> float:
    """The most one PJ delivered anywhere can save, in objective units (see module doc)."""
    shortage = (
        max((prep.data.shortage[c] / prep.data.pj[c] for c in prep.data.pj), default=0.0)
        * MONEY_SCALE
    )
    if objective == "cost":
        return shortage
    return 1.0 + TIE_BREAK_PJ * shortage / max(_total_shortage(prep), 1e-12)


def _total_shortage(prep: Prepared) -> float:
    """Cost of leaving every demand unmet over the horizon (model units)."""
    d = prep.data
    return float(
        sum(
            d.shortage[k.commodity] * k.amount * MONEY_SCALE * float(np.sum(d.d * d.discount))
            for k in d.demand
        )
    )


def objective_vector(prep: Prepared, form: LPForm, objective: str) -> tuple[np.ndarray, float]:
    """Inner objective coefficients and constant: the model's cost, or unmet PJ + tie-break."""
    if objective == "cost":
        return form.cost.copy(), form.offset
    eps = TIE_BREAK_PJ / max(_total_shortage(prep), 1e-12)
    return form.unmet_pj + eps * form.cost, eps * form.offset


# --------------------------------------------------------------------------- element effects


@dataclass(frozen=True)
class Cut:
    """What losing one element zeroes: column upper and lower bounds, throughput rows."""

    ub_cols: np.ndarray
    lb_cols: np.ndarray
    rows: np.ndarray


def element_cuts(prep: Prepared, form: LPForm, elems: Sequence[Element]) -> list[Cut]:
    """For each element, the bounds it sets to zero (found by applying it with factor 0 to
    the scenario's availability and comparing :func:`form_bounds` with the base)."""
    base_lo, base_hi, base_rows = form_bounds(prep, form, prep.availability)
    out = []
    for e in elems:
        avail = prep.availability.copy()
        apply_factor(avail, e.targets, 0.0)
        lo, hi, rows = form_bounds(prep, form, avail)
        out.append(
            Cut(
                ub_cols=np.flatnonzero(hi < base_hi),
                lb_cols=np.flatnonzero(lo < base_lo),
                rows=form.throughput_rows[np.flatnonzero(rows < base_rows)]
                if base_rows.size
                else np.zeros(0, dtype=np.int64),
            )
        )
    return out


# --------------------------------------------------------------------------- the MILP


@dataclass
class DualMILP:
    """The Pyomo model of the attacker's problem and what is needed to read it."""

    model: pyo.ConcreteModel
    offset: float
    big_m_col: np.ndarray
    big_m_row: float


def build_dual(
    prep: Prepared,
    form: LPForm,
    cuts: Sequence[Cut],
    c: np.ndarray,
    offset: float,
    objective: str,
) -> DualMILP:
    """Build max_z max_dual (see module doc) in Pyomo. ``z`` indexed like ``cuts``."""
    gain = energy_gain(prep)
    v = value_per_pj(prep, objective)
    big_m_col = BIG_M_FACTOR * (gain * v * form.col_pj + np.abs(c))
    big_m_row = BIG_M_FACTOR * gain * v
    ub_cover: dict[int, list[int]] = {}
    lb_cover: dict[int, list[int]] = {}
    row_cover: dict[int, list[int]] = {}
    for e, cut in enumerate(cuts):
        for j in cut.ub_cols:
            ub_cover.setdefault(int(j), []).append(e)
        for j in cut.lb_cols:
            lb_cover.setdefault(int(j), []).append(e)
        for r in cut.rows:
            row_cover.setdefault(int(r), []).append(e)

    m = pyo.ConcreteModel(name="interdiction")
    m.E = pyo.Set(initialize=range(len(cuts)))
    m.z = pyo.Var(m.E, domain=pyo.Binary)
    rlo, rhi = form.row_lo, form.row_hi
    eq = [r for r in range(form.n_rows) if np.isfinite(rlo[r]) and rlo[r] == rhi[r]]
    ge = [r for r in range(form.n_rows) if np.isfinite(rlo[r]) and rlo[r] != rhi[r]]
    le = [r for r in range(form.n_rows) if np.isfinite(rhi[r]) and rlo[r] != rhi[r]]
    for r in row_cover:
        if r in eq:  # pragma: no cover - only throughput (≤) rows depend on availability
            raise AssertionError("an equality row depends on availability")
    m.y = pyo.Var(eq, domain=pyo.Reals)
    m.alpha = pyo.Var(ge, domain=pyo.NonNegativeReals)
    m.beta = pyo.Var(le, domain=pyo.NonNegativeReals)
    rows_b = sorted(row_cover)
    m.beta_b = pyo.Var(rows_b, domain=pyo.NonNegativeReals)
    hi_cols = [j for j in range(form.n_cols) if np.isfinite(form.col_hi[j])]
    m.mu = pyo.Var(hi_cols, domain=pyo.NonNegativeReals)
    cols_b = sorted(j for j in ub_cover if form.col_hi[j] != 0.0)
    m.mu_b = pyo.Var(cols_b, domain=pyo.NonNegativeReals)
    lo_cols = [j for j in range(form.n_cols) if np.isfinite(form.col_lo[j]) and form.col_lo[j] > 0]
    m.lam = pyo.Var(lo_cols, domain=pyo.NonNegativeReals)

    eq_set, ge_set, le_set = set(eq), set(ge), set(le)
    rb_set, hi_set, cb_set, lo_set = set(rows_b), set(hi_cols), set(cols_b), set(lo_cols)

    def row_dual(r: int) -> Any:
        if r in eq_set:
            return m.y[r]
        expr = 0
        if r in ge_set:
            expr = expr + m.alpha[r]
        if r in le_set:
            expr = expr - m.beta[r]
        if r in rb_set:
            expr = expr - m.beta_b[r]
        return expr

    m.dual = pyo.ConstraintList()
    for j, (rows, vals) in enumerate(form.column_entries()):
        lhs = sum(float(a) * row_dual(int(r)) for r, a in zip(rows, vals, strict=True))
        if j in lo_set:
            lhs = lhs + m.lam[j]
        if j in hi_set:
            lhs = lhs - m.mu[j]
        if j in cb_set:
            lhs = lhs - m.mu_b[j]
        if isinstance(lhs, int | float):
            if lhs > c[j] + 1e-12:  # pragma: no cover - 0 ≤ c always holds for our models
                raise AssertionError("dual infeasible column")
            continue
        if np.isfinite(form.col_lo[j]):
            m.dual.add(lhs <= float(c[j]))  # Σ a_rj·y_r + λ_j − μ_j ≤ c_j  (x_j ≥ lo_j)
        else:
            m.dual.add(lhs == float(c[j]))
    # linearisation: free parts only where an element covering them is lost
    m.link = pyo.ConstraintList()
    for j in cols_b:
        m.link.add(m.mu_b[j] <= float(big_m_col[j]) * sum(m.z[e] for e in ub_cover[j]))
    for r in rows_b:
        m.link.add(m.beta_b[r] <= big_m_row * sum(m.z[e] for e in row_cover[r]))
    for j in lo_cols:
        for e in lb_cover.get(j, []):
            m.link.add(m.lam[j] <= float(big_m_col[j]) * (1 - m.z[e]))
    m.obj = pyo.Objective(
        expr=sum(float(rlo[r]) * m.y[r] for r in eq if rlo[r])
        + sum(float(rlo[r]) * m.alpha[r] for r in ge if rlo[r])
        - sum(float(rhi[r]) * m.beta[r] for r in le if rhi[r])
        + sum(float(form.col_lo[j]) * m.lam[j] for j in lo_cols)
        - sum(float(form.col_hi[j]) * m.mu[j] for j in hi_cols if form.col_hi[j]),
        sense=pyo.maximize,
    )
    m.attack = pyo.ConstraintList()
    m.nogood = pyo.ConstraintList()
    return DualMILP(m, offset, big_m_col, big_m_row)


# --------------------------------------------------------------------------- solving


@dataclass
class MilpOutcome:
    status: str
    objective: float | None  # incumbent, objective units (with offset)
    bound: float | None
    gap: float | None
    seconds: float
    values: dict[str, np.ndarray] = field(default_factory=dict)


def solve_milp(
    model: pyo.ConcreteModel,
    offset: float,
    time_limit: float | None,
    rel_gap: float,
    maximize: bool,
    opt: Any = None,
) -> tuple[MilpOutcome, Any]:
    """Solve with HiGHS through Pyomo; report status, incumbent, bound and gap honestly."""
    from pyomo.contrib.solver.common.results import TerminationCondition as TC
    from pyomo.contrib.solver.solvers.highs import Highs

    if opt is None:
        opt = Highs()
        opt.config.load_solutions = False
        opt.config.raise_exception_on_nonoptimal_result = False
        opt.config.rel_gap = rel_gap
        opt.config.solver_options = {"output_flag": False, "mip_abs_gap": 1e-9}
    opt.config.time_limit = time_limit
    t0 = time.perf_counter()
    res = opt.solve(model)
    seconds = time.perf_counter() - t0
    tc = res.termination_condition
    status = {
        TC.convergenceCriteriaSatisfied: "optimal",
        TC.maxTimeLimit: "time_limit",
        TC.iterationLimit: "iteration_limit",
        TC.provenInfeasible: "infeasible",
        TC.infeasibleOrUnbounded: "infeasible_or_unbounded",
        TC.unbounded: "unbounded",
        TC.interrupted: "interrupted",
    }.get(tc, "error")
    inc = res.incumbent_objective
    bound = res.objective_bound
    obj = None if inc is None else float(inc) + offset
    bnd = None if bound is None or not math.isfinite(bound) else float(bound) + offset
    gap = None
    if obj is not None and bnd is not None:
        gap = abs(bnd - obj) / max(abs(obj), 1e-9) if abs(bnd - obj) > 1e-9 else 0.0
    out = MilpOutcome(status, obj, bnd, gap, seconds)
    if inc is not None:
        res.solution_loader.load_vars()
    return out, opt


# --------------------------------------------------------------------------- driver


@dataclass
class InterdictionResult:
    """The worst set found, its re-solved consequences and the MILP's status."""

    elements: list[str]
    unmet: float | None
    unmet_by_commodity: dict[str, float]
    cost: float | None
    cost_increase: float | None
    status: str
    gap: float | None
    bound: float | None
    milp_objective: float | None
    objective: str
    k: int | None
    budget: float | None
    n_elements: int
    seconds: float
    milp_seconds: float
    check: dict[str, Any]
    runners_up: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "elements": self.elements,
            "unmet": self.unmet,
            "unmet_unit": "PJ",
            "unmet_by_commodity": self.unmet_by_commodity,
            "cost": self.cost,
            "cost_unit": "USD",
            "cost_increase": self.cost_increase,
            "status": self.status,
            "gap": self.gap,
            "bound": self.bound,
            "milp_objective": self.milp_objective,
            "objective": self.objective,
            "objective_unit": "PJ" if self.objective == "unmet" else "USD",
            "k": self.k,
            "budget": self.budget,
            "elements_considered": self.n_elements,
            "seconds": round(self.seconds, 4),
            "milp_seconds": round(self.milp_seconds, 4),
            "check": self.check,
            "runners_up": self.runners_up,
        }


def _validate(
    elems: list[Element],
    k: int | None,
    budget: float | None,
    attack_costs: dict[str, float] | None,
    objective: str,
    file: str,
) -> np.ndarray:
    if objective not in OBJECTIVES:
        raise CorridorsError(
            Problem(
                "",
                "--objective",
                f"unknown objective '{objective}'{suggest(objective, OBJECTIVES)}; "
                "choose unmet or cost",
            )
        )
    if not elems:
        raise CorridorsError(Problem("", "--elements", "no elements of these classes"))
    if k is None and budget is None:
        raise CorridorsError(Problem("", "--k", "give --k K or a --budget"))
    if k is not None:
        if k < 1:
            raise CorridorsError(Problem("", "--k", f"K must be at least 1 (got {k})"))
        if k > len(elems):
            raise CorridorsError(
                Problem("", "--k", f"K={k} is larger than the {len(elems)} elements to choose from")
            )
    names = [e.name for e in elems]
    costs = np.ones(len(elems))
    problems = []
    for name, value in (attack_costs or {}).items():
        if name not in names:
            problems.append(
                Problem(
                    file,
                    f"attack_costs.{name}",
                    f"'{name}' is not among the elements considered{suggest(name, names)}",
                )
            )
        elif not (value >= 0 and math.isfinite(value)):
            problems.append(
                Problem(file, f"attack_costs.{name}", f"must be a number ≥ 0 (got {value})")
            )
        else:
            costs[names.index(name)] = value
    if problems:
        raise CorridorsError(problems)
    if budget is not None:
        if not (budget >= 0 and math.isfinite(budget)):
            raise CorridorsError(Problem("", "--budget", f"must be ≥ 0 (got {budget})"))
        if costs.min() > budget:
            raise CorridorsError(
                Problem(
                    "",
                    "--budget",
                    f"infeasible budget: {budget:g} buys no element "
                    f"(the cheapest, {names[int(costs.argmin())]}, costs {costs.min():g})",
                )
            )
    return costs


def interdict(
    scenario: Scenario | str | Path | Prepared,
    k: int | None = None,
    *,
    element_classes: str | None = None,
    objective: str = "unmet",
    budget: float | None = None,
    attack_costs: dict[str, float] | None = None,
    runners_up: int = 0,
    time_limit: float | None = None,
    rel_gap: float = 1e-7,
    fallback: bool = True,
) -> InterdictionResult:
    """Find the set of at most ``k`` elements (and/or within ``budget`` of ``attack_costs``;
    elements not listed cost 1) whose loss maximises unmet demand (PJ) or total cost.

    ``runners_up`` > 0 re-solves with each found set excluded (a no-good cut) to list the
    next-worst sets. When no allowed loss leaves demand unmet (``objective="unmet"``), the
    costliest loss is reported instead (``check.note`` says so; ``fallback=False`` keeps the
    unmet result). Raises :class:`CorridorsError` for bad input.
    """
    t_start = time.perf_counter()
    prep = scenario if isinstance(scenario, Prepared) else prepare(scenario)
    s = prep.scenario
    elems = elements(prep.network, prep.resolver, parse_classes(element_classes))
    if attack_costs is None and s.attack_costs:
        attack_costs = dict(s.attack_costs)
    costs = _validate(elems, k, budget, attack_costs, objective, str(s.source or ""))
    if runners_up < 0:
        raise CorridorsError(Problem("", "--runners-up", "must be ≥ 0"))

    from corridors.analysis.sweep import Case, solve_case

    base_row = solve_case(prep, Case(0, (), ()))
    if base_row["status"] != "optimal":
        raise CorridorsError(
            Problem(str(s.source or ""), "", f"the scenario itself is {base_row['status']}")
        )
    form = lp_form(prep)
    cuts = element_cuts(prep, form, elems)
    c, offset = objective_vector(prep, form, objective)
    milp = build_dual(prep, form, cuts, c, offset, objective)
    m = milp.model
    if k is not None:
        m.attack.add(sum(m.z[e] for e in m.E) <= k)  # Σ_e z_e ≤ K
    if budget is not None:
        m.attack.add(sum(float(costs[e]) * m.z[e] for e in m.E) <= budget)  # Σ w_e z_e ≤ B
    scale = 1.0 / MONEY_SCALE if objective == "cost" else 1.0

    found: list[dict[str, Any]] = []
    opt = None
    first: MilpOutcome | None = None
    for rank in range(runners_up + 1):
        outcome, opt = solve_milp(m, milp.offset, time_limit, rel_gap, True, opt)
        first = first or outcome
        if outcome.objective is None:
            break
        chosen = [e for e in m.E if pyo.value(m.z[e]) > 0.5]
        names = tuple(elems[e].name for e in chosen)
        row = solve_case(prep, _case(prep, names))
        true = inner_value(prep, form, cuts, chosen, c, milp.offset)
        entry = {
            "rank": rank + 1,
            "elements": list(names),
            "unmet": row["unmet"],
            "cost": row["objective"],
            "cost_increase": None
            if row["objective"] is None
            else row["objective"] - base_row["objective"],
            "milp_objective": outcome.objective * scale,
            "resolved_objective": None if true is None else true * scale,
            "status": outcome.status,
            "gap": outcome.gap,
            "lp_status": row["status"],
            "row": row,
        }
        found.append(entry)
        if rank < runners_up:  # exclude exactly this set: Σ_{e∈S}(1 − z_e) + Σ_{e∉S} z_e ≥ 1
            m.nogood.add(
                sum(1 - m.z[e] for e in chosen) + sum(m.z[e] for e in m.E if e not in chosen) >= 1
            )
    assert first is not None
    if (
        objective == "unmet"
        and found
        and first.status == "optimal"
        and (found[0]["unmet"] or 0.0) <= CHECK_TOL
        and fallback
    ):
        # No loss within the limits leaves any demand unmet: report the costliest loss
        # instead (the unmet tie-break is too small to separate sets by cost reliably).
        res = interdict(
            prep,
            k,
            element_classes=element_classes,
            objective="cost",
            budget=budget,
            attack_costs=attack_costs,
            runners_up=runners_up,
            time_limit=time_limit,
            rel_gap=rel_gap,
        )
        res.check["note"] = (
            "no loss of these elements within the limits leaves demand unmet; "
            "the set shown maximises total cost"
        )
        return res
    best = found[0] if found else None
    check: dict[str, Any] = {}
    status = first.status
    if best is not None:
        true = best["resolved_objective"]
        milp_value = best["milp_objective"]
        tol = CHECK_TOL * max(1.0, abs(milp_value)) + (
            TIE_BREAK_PJ * 2 if objective == "unmet" else 0.0
        )
        agrees = true is not None and abs(true - milp_value) <= max(tol, 1e-6 * abs(true or 0))
        check = {
            "milp_objective": milp_value,
            "resolved_objective": true,
            "agrees": bool(agrees),
            "big_m_per_pj": milp.big_m_row * scale,
        }
        if not agrees and status == "optimal":
            status = "inexact"
    row = best["row"] if best else None
    com = s.commodities
    result = InterdictionResult(
        elements=list(best["elements"]) if best else [],
        unmet=row["unmet"] if row else None,
        unmet_by_commodity={c_: row[f"unmet_{c_}"] for c_ in com} if row else {},
        cost=row["objective"] if row else None,
        cost_increase=best["cost_increase"] if best else None,
        status=status,
        gap=first.gap,
        bound=None if first.bound is None else first.bound * scale,
        milp_objective=best["milp_objective"] if best else None,
        objective=objective,
        k=k,
        budget=budget,
        n_elements=len(elems),
        seconds=time.perf_counter() - t_start,
        milp_seconds=first.seconds,
        check=check,
        runners_up=[{kk: vv for kk, vv in f.items() if kk != "row"} for f in found[1:]],
    )
    return result


def _case(prep: Prepared, names: tuple[str, ...]) -> Any:
    from corridors.analysis.sweep import Case

    zero = tuple([0.0] * prep.scenario.horizon.periods)
    return Case(-1, names, tuple(((n,), zero) for n in names))


def inner_value(
    prep: Prepared,
    form: LPForm,
    cuts: Sequence[Cut],
    chosen: Sequence[int],
    c: np.ndarray,
    offset: float,
) -> float | None:
    """Solve the defender's LP with objective ``c`` after losing ``chosen`` (a fresh HiGHS
    copy of the runner's LP): the value the MILP must reproduce. None if not optimal."""
    h = quiet_highs()
    lp = prep.runner.highs.getLp()
    h.passModel(lp)
    lo, hi, rlo, rhi = (
        form.col_lo.copy(),
        form.col_hi.copy(),
        form.row_lo.copy(),
        form.row_hi.copy(),
    )
    for e in chosen:
        hi[cuts[e].ub_cols] = 0.0
        lo[cuts[e].lb_cols] = 0.0
        rhi[cuts[e].rows] = 0.0
    inf = highspy.kHighsInf
    idx = np.arange(form.n_cols, dtype=np.int32)
    h.changeColsBounds(
        form.n_cols, idx, np.nan_to_num(lo, neginf=-inf), np.nan_to_num(hi, posinf=inf)
    )
    h.changeColsCost(form.n_cols, idx, c.astype(float))
    ridx = np.arange(form.n_rows, dtype=np.int32)
    h.changeRowsBounds(
        form.n_rows, ridx, np.nan_to_num(rlo, neginf=-inf), np.nan_to_num(rhi, posinf=inf)
    )
    h.changeObjectiveOffset(0.0)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(h.getInfo().objective_function_value) + offset


def write_interdiction(result: InterdictionResult, out: str | Path) -> Path:
    """Write ``out/interdiction.json`` (atomically) and return its path."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CorridorsError(f"{out}: output path exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    path = out / "interdiction.json"
    write_json(path, result.to_json())
    return path


__all__ = [
    "InterdictionResult",
    "LPForm",
    "element_cuts",
    "interdict",
    "lp_form",
    "write_interdiction",
]
