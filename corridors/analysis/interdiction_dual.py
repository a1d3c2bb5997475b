"""The attacker's problem as one MILP: the defender's LP dualised, with binaries for losses.

The defender's problem is the built LP with the scenario's bounds
(:mod:`corridors.analysis.lpform`, exactly what ``corridors sweep`` re-solves):

    min c'x   s.t.  r_lo ≤ A x ≤ r_hi,   x_lo ≤ x ≤ x_hi.

By LP duality its optimum equals the dual maximum

    max  Σ_r (r_lo,r·α_r − r_hi,r·β_r) + Σ_j (x_lo,j·λ_j − x_hi,j·μ_j)
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

and check the result: the chosen set is re-solved with the ordinary LP (:func:`inner_value`),
and the MILP value must equal it (:mod:`corridors.analysis.interdiction`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo

from corridors.analysis.lpform import (
    TIE_BREAK_PJ,
    LPForm,
    form_bounds,
    solve_form,
    tie_break,
    total_shortage,
)
from corridors.core.availability import Availability, Element, apply_factor
from corridors.core.lp import MONEY_SCALE
from corridors.core.session import Prepared

BIG_M_FACTOR = 2.0


# --------------------------------------------------------------------------- element effects


@dataclass(frozen=True)
class Cut:
    """What losing one element zeroes: column upper and lower bounds, throughput rows."""

    ub_cols: np.ndarray
    lb_cols: np.ndarray
    rows: np.ndarray


def element_cuts(
    prep: Prepared, form: LPForm, elems: Sequence[Element], start: Availability | None = None
) -> list[Cut]:
    """For each element, the bounds it sets to zero (found by applying it with factor 0 to
    ``start``, by default the scenario's availability, and comparing :func:`form_bounds` with
    the bounds of ``start``)."""
    start = start if start is not None else prep.availability
    base = form_bounds(prep.data, form.lp, start)
    out = []
    for e in elems:
        avail = start.copy()
        apply_factor(avail, e.targets, 0.0)
        b = form_bounds(prep.data, form.lp, avail)
        out.append(
            Cut(
                ub_cols=np.flatnonzero(b.col_hi < base.col_hi),
                lb_cols=np.flatnonzero(b.col_lo < base.col_lo),
                rows=form.throughput_rows[np.flatnonzero(b.limits < base.limits)]
                if base.limits.size
                else np.zeros(0, dtype=np.int64),
            )
        )
    return out


# --------------------------------------------------------------------------- big M


def energy_gain(prep: Prepared) -> float:
    """An upper bound on the energy gain of any path: Π_l max(1, efficiency_l)."""
    eff = np.asarray(prep.network.links["efficiency"], dtype=float)
    return float(np.prod(np.maximum(1.0, eff)))


def value_per_pj(prep: Prepared, objective: str) -> float:
    """The most one PJ delivered anywhere can save, in objective units (see module doc)."""
    data = prep.data
    per_pj = [data.shortage[c] / data.pj[c] for c in data.pj]
    per_pj += [u.cost / data.pj[u.commodity] for u in data.unmet]
    shortage = max(per_pj, default=0.0) * MONEY_SCALE
    if objective == "cost":
        return shortage
    return 1.0 + TIE_BREAK_PJ * shortage / max(total_shortage(data), 1e-12)


# --------------------------------------------------------------------------- the MILP


@dataclass
class DualMILP:
    """The Pyomo model of the attacker's problem and what is needed to read it: binaries
    ``z[e]`` (indexed like the cuts), empty constraint lists ``attack`` (limits on the loss)
    and ``nogood`` (sets excluded), objective ``obj`` (maximise)."""

    model: pyo.ConcreteModel
    big_m_col: np.ndarray
    big_m_row: float


def payment_weight(prep: Prepared, objective: str) -> float:
    """Weight of the take-or-pay constant P in the inner objective: 1 with ``cost``, the
    tie-break ε with ``unmet`` (whose objective is unmet PJ + ε·cost)."""
    return 1.0 if objective == "cost" else tie_break(prep.data)


def build_dual(
    prep: Prepared, form: LPForm, cuts: Sequence[Cut], c: np.ndarray, objective: str
) -> DualMILP:
    """Build max_z max_dual (see module doc) in Pyomo, row by row from the form's columns.

    The inner objective's constant, the take-or-pay payment w·P (:meth:`LPForm.payment`), falls
    with the suppliers lost: w·Σ_j pay_j·hi_j·(1 − v_j) with v_j ≥ z_e for every e cutting
    column j (v_j ∈ [0, 1]; maximising pushes v_j down to max_e z_e, so the term is exact)."""
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
    weight = payment_weight(prep, objective)
    pay = form.pay if form.pay is not None else np.zeros(form.n_cols)
    paid = [int(j) for j in np.flatnonzero((pay > 0) & (form.col_hi > 0))]
    cut_paid = [j for j in paid if j in ub_cover]
    m.V = pyo.Set(initialize=cut_paid)
    m.v = pyo.Var(m.V, bounds=(0.0, 1.0))
    for j in cut_paid:
        for e in ub_cover[j]:
            m.link.add(m.v[j] >= m.z[e])
    m.obj = pyo.Objective(
        expr=weight * sum(float(pay[j] * form.col_hi[j]) for j in paid)
        - weight * sum(float(pay[j] * form.col_hi[j]) * m.v[j] for j in cut_paid)
        + sum(float(rlo[r]) * m.y[r] for r in eq if rlo[r])
        + sum(float(rlo[r]) * m.alpha[r] for r in ge if rlo[r])
        - sum(float(rhi[r]) * m.beta[r] for r in le if rhi[r])
        + sum(float(form.col_lo[j]) * m.lam[j] for j in lo_cols)
        - sum(float(form.col_hi[j]) * m.mu[j] for j in hi_cols if form.col_hi[j]),
        sense=pyo.maximize,
    )
    m.attack = pyo.ConstraintList()
    m.nogood = pyo.ConstraintList()
    return DualMILP(m, big_m_col, big_m_row)


def inner_value(
    form: LPForm,
    cuts: Sequence[Cut],
    chosen: Sequence[int],
    c: np.ndarray,
    weight: float = 1.0,
) -> float | None:
    """The defender's optimum with objective ``c`` (+ ``weight`` times the take-or-pay
    constant) after losing ``chosen`` (the built LP, solved afresh): the value the MILP must
    reproduce. None if not optimal."""
    lo, hi, rhi = form.col_lo.copy(), form.col_hi.copy(), form.row_hi.copy()
    for e in chosen:
        hi[cuts[e].ub_cols] = 0.0
        lo[cuts[e].lb_cols] = 0.0
        rhi[cuts[e].rows] = 0.0
    value = solve_form(form, lo, hi, rhi, c)
    return None if value is None else value + weight * form.payment(hi)


__all__ = ["Cut", "DualMILP", "build_dual", "element_cuts", "inner_value", "payment_weight"]
