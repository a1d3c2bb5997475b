"""The defender's LP as arrays, for the analyses that build a MILP around it.

Interdiction (:mod:`corridors.analysis.interdiction_dual`, its dual) and expansion planning
(:mod:`corridors.analysis.expansion`, one copy per disruption scenario) take the LP from the
built model, :class:`corridors.core.lp.LinearProgram` (the single statement of the formulation,
the arrays HiGHS is handed), with the bounds of one availability from
:func:`corridors.core.lp.bound_arrays`:

    min c'x   s.t.   r_lo ≤ A x ≤ r_hi,   x_lo ≤ x ≤ x_hi

(model units: million USD, see :data:`corridors.core.lp.MONEY_SCALE`). So they solve exactly
what ``corridors run`` and ``corridors sweep`` solve.

That LP has no diversification rows: the constraints of a ``policy:`` section are added to the
Pyomo model only (:mod:`corridors.core.policy`), some with binaries, and LP duality does not
hold over them. A scenario with a policy is therefore refused (:func:`require_no_policy`),
before any model is built.

The unmet-energy objectives share one tie-break (:data:`TIE_BREAK_PJ`): the inner objective is
the unmet energy Σ_k pj_k·unmet_k (PJ over the horizon) plus ε·c'x, with ε = TIE_BREAK_PJ per
total shortage cost (:func:`tie_break`), so the cost is worth at most TIE_BREAK_PJ PJ.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import highspy
import numpy as np

from corridors.core.availability import Availability
from corridors.core.data import CONTRACT_TRANCHE, ModelData
from corridors.core.lp import FAMILIES, MONEY_SCALE, LinearProgram, bound_arrays
from corridors.core.session import Prepared
from corridors.core.solve import quiet_highs, run_robustly
from corridors.errors import CorridorsError, Problem
from corridors.io.scenario import load_scenario
from corridors.io.schema import Scenario

TIE_BREAK_PJ = 1.0e-5
"""In unmet mode, the cost tie-break is worth at most this many PJ in total."""


# --------------------------------------------------------------------------- input


def require_no_policy(
    scenario: Prepared | Scenario | str | Path, command: str
) -> Prepared | Scenario:
    """The scenario (loaded if a path; a :class:`Prepared` is returned as it is), refused with
    a one-line :class:`CorridorsError` naming the key ``policy`` if it has a policy section."""
    if isinstance(scenario, Prepared | Scenario):
        s = scenario.scenario if isinstance(scenario, Prepared) else scenario
    else:
        s = scenario = load_scenario(scenario)
    if not s.policy.empty:
        raise CorridorsError(
            Problem(
                str(s.source or ""),
                "policy",
                f"corridors {command} works on the LP without diversification constraints "
                "(they need binaries, where its LP duality does not hold) and would ignore "
                "them: remove the policy: section, or use a copy of the scenario without it",
            )
        )
    return scenario


# --------------------------------------------------------------------------- the form


@dataclass
class Bounds:
    """Column bounds and throughput-row upper limits (in ``LPForm.throughput_rows`` order)."""

    col_lo: np.ndarray
    col_hi: np.ndarray
    limits: np.ndarray


@dataclass
class LPForm:
    """The built LP with the bounds of one availability (model units)."""

    lp: LinearProgram
    col_lo: np.ndarray
    col_hi: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_pj: np.ndarray
    """PJ per unit of each column (every column is an energy quantity)."""
    unmet_pj: np.ndarray
    """PJ per unit on unmet columns, 0 elsewhere: c = unmet_pj gives unmet PJ."""
    pay: np.ndarray | None = None
    """Take-or-pay payment per unit of upper bound, million USD, on ``contract`` supply
    columns (0 elsewhere): the LP's constant is P = pay·col_hi (see :meth:`payment`)."""

    def payment(self, col_hi: np.ndarray | None = None) -> float:
        """The objective's constant, the take-or-pay payment, for these upper bounds:
        P = Σ_j pay_j·hi_j (a contract step's bound is max·a·d_t, so this is
        :meth:`~corridors.core.data.ModelData.contract_payment`)."""
        if self.pay is None or not self.pay.any():
            return 0.0
        hi = self.col_hi if col_hi is None else col_hi
        return float(np.sum(self.pay * np.where(self.pay > 0, hi, 0.0)))

    @property
    def n_rows(self) -> int:
        return self.lp.num_row

    @property
    def n_cols(self) -> int:
        return self.lp.num_col

    @property
    def cost(self) -> np.ndarray:
        """c, million USD per unit (the constant term is :meth:`payment`)."""
        return self.lp.cost

    @property
    def col(self) -> dict[str, np.ndarray]:
        """Variable family -> (n, T) column numbers."""
        return self.lp.col

    @property
    def throughput_rows(self) -> np.ndarray:
        """Rows of node throughput limits (their upper limits depend on availability)."""
        return self.lp.row["throughput"].ravel()

    def column_entries(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each column: (rows, coefficients)."""
        s, index, value = self.lp.start, self.lp.index, self.lp.value
        return [(index[s[j] : s[j + 1]], value[s[j] : s[j + 1]]) for j in range(self.n_cols)]

    def row_entries(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each row: (columns, coefficients), columns ascending."""
        s, cols, vals = self.lp.by_row()
        return [(cols[s[r] : s[r + 1]], vals[s[r] : s[r + 1]]) for r in range(self.n_rows)]

    def row_hi_for(self, bounds: Bounds) -> np.ndarray:
        """Row upper limits with the throughput limits of ``bounds``."""
        hi = self.lp.row_hi.copy()
        if bounds.limits.size:
            hi[self.throughput_rows] = bounds.limits
        return hi


def form_bounds(data: ModelData, lp: LinearProgram, avail: Availability) -> Bounds:
    """The bounds of ``avail`` laid out on the columns and throughput rows of ``lp``, from
    :func:`corridors.core.lp.bound_arrays`."""
    b = bound_arrays(data, avail)
    lo, hi = np.zeros(lp.num_col), np.full(lp.num_col, np.inf)
    for name in FAMILIES:
        cols = lp.col[name]
        if cols.size:
            hi[cols] = b[name]
            lo[cols] = b[f"{name}_lb"]
    caps = data.capped_nodes
    limits = b["node_limit"][caps].ravel() if caps else np.zeros(0)
    return Bounds(lo, hi, limits)


def family_pj(data: ModelData) -> dict[str, np.ndarray]:
    """PJ per unit of each variable of each family (by its commodity)."""
    pj = data.pj
    storage = np.array([pj[j.commodity] for j in data.storage], dtype=float)
    return {
        "flow": np.array([pj[c] for c in data.link_com], dtype=float),
        "supply": np.array([pj[s.commodity] for s in data.supply], dtype=float),
        "unmet": np.array([pj[u.commodity] for u in data.unmet], dtype=float),
        "withdraw": storage,
        "inject": storage,
        "level": storage,
        "at_sea": np.array([pj[c] for c in data.link_com], dtype=float),
    }


def lp_form(prep: Prepared, avail: Availability | None = None) -> LPForm:
    """The built LP of ``prep`` with the bounds of ``avail`` (default: the scenario's)."""
    lp = prep.built.lp
    per_family = family_pj(prep.data)
    col_pj = np.zeros(lp.num_col)
    unmet_pj = np.zeros(lp.num_col)
    for name in FAMILIES:
        cols = lp.col[name]
        if cols.size:
            col_pj[cols] = per_family[name][:, None]
    if lp.col["unmet"].size:
        unmet_pj[lp.col["unmet"]] = per_family["unmet"][:, None]
    bounds = form_bounds(prep.data, lp, avail if avail is not None else prep.availability)
    pay = np.zeros(lp.num_col)
    data = prep.data
    for i, s in enumerate(data.supply):
        if s.tranche == CONTRACT_TRANCHE:  # price·δ_t per unit of bound (bound = max·a·d_t)
            pay[lp.col["supply"][i]] = MONEY_SCALE * s.price * data.discount
    form = LPForm(
        lp, bounds.col_lo, bounds.col_hi, lp.row_lo.copy(), lp.row_hi, col_pj, unmet_pj, pay
    )
    form.row_hi = form.row_hi_for(bounds)
    return form


# --------------------------------------------------------------------------- objectives


def total_shortage(data: ModelData) -> float:
    """Cost of leaving every demand unmet over the horizon (model units)."""
    years = float(np.sum(data.d * data.discount))
    return float(
        sum(
            u.cost * u.share * data.demand[u.demand].amount * MONEY_SCALE * years
            for u in data.unmet
        )
    )


def tie_break(data: ModelData) -> float:
    """ε: the weight of the cost in the unmet objectives (module doc)."""
    return TIE_BREAK_PJ / max(total_shortage(data), 1e-12)


def objective_vector(data: ModelData, form: LPForm, objective: str) -> np.ndarray:
    """Inner objective coefficients: the model's cost (``cost``), or unmet PJ + ε·cost."""
    if objective == "cost":
        return form.cost.copy()
    return form.unmet_pj + tie_break(data) * form.cost


def solve_form(
    form: LPForm, col_lo: np.ndarray, col_hi: np.ndarray, row_hi: np.ndarray, cost: np.ndarray
) -> float | None:
    """Optimal value of min cost'x over the form with these bounds (a fresh HiGHS instance,
    default options); None if not optimal."""
    lp, inf = form.lp, highspy.kHighsInf
    h = highspy.HighsLp()
    h.num_col_, h.num_row_ = lp.num_col, lp.num_row
    h.col_cost_ = np.asarray(cost, dtype=float)
    h.col_lower_ = np.nan_to_num(col_lo, neginf=-inf)
    h.col_upper_ = np.nan_to_num(col_hi, posinf=inf)
    h.row_lower_ = np.nan_to_num(form.row_lo, neginf=-inf)
    h.row_upper_ = np.nan_to_num(row_hi, posinf=inf)
    h.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    h.a_matrix_.start_ = lp.start
    h.a_matrix_.index_ = lp.index
    h.a_matrix_.value_ = lp.value
    highs = quiet_highs()
    highs.passModel(h)
    run_robustly(highs)
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(highs.getInfo().objective_function_value) + 0.0  # + 0.0: never -0.0


__all__ = [
    "TIE_BREAK_PJ",
    "Bounds",
    "LPForm",
    "form_bounds",
    "lp_form",
    "objective_vector",
    "require_no_policy",
    "solve_form",
    "tie_break",
    "total_shortage",
]
