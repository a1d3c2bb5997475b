"""Exact pruning of sweep cases: a case whose optimum follows from optima already known.

A case of a sweep is the scenario's LP with some variable bounds and node limits changed
(:func:`corridors.core.lp.bound_arrays`); the matrix ``A`` and the cost vector ``c`` never
change, only the objective's constant (``offset``, the take-or-pay payment of the suppliers
still delivering) may. Write a case's LP as

    min c·x + o   s.t.   rlo ≤ A·x ≤ rhi,   lb ≤ x ≤ ub                               (LP_C)

and its feasible set F_C. Three rules give a case's optimum without solving it; each is a
theorem about LPs, stated and proved here, and each is applied only when its conditions are
checked numerically on the stored optima (tolerances below).

**Rule 1 (subset: the lost elements carry nothing).** Let P be a solved case with optimal
solution x*, and C a case whose bounds are P's with some of them tightened: lb_C ≥ lb_P,
ub_C ≤ ub_P, rhi_C ≤ rhi_P (and rlo unchanged), so F_C ⊆ F_P. If x* ∈ F_C, x* is optimal for C,
with value c·x* + o_C.
*Proof.* Every x ∈ F_C lies in F_P, so c·x ≥ c·x* by optimality of x* over F_P; and x* ∈ F_C.
The constant o_C shifts every objective value alike. ∎
In an N-k sweep the child C = P ∪ {e} loses element e for the whole horizon (factor 0): its
bounds are P's except that the columns and rows of e are set to 0 (the flows of e's links in
every period, the supply steps of every tranche of e's supply entries, the withdrawals of the
storages at e's nodes, the throughput limits of e's capped nodes; :class:`ElementMap`), and
its stock release period is the same (``Availability.release_from``: every case of level ≥ 1
has release 0; see below). Setting an upper bound or a limit to 0 tightens it; a supply
step's lower bound min·d becomes min(min·d, 0) = 0, which *loosens* it unless it was 0
already. So the conditions are: x* is 0 on e's columns (in every period), the throughput
activity A·x* is 0 on e's rows, and P's lower bound is 0 on e's supply columns; this is
"e carries nothing in P's optimum". Then C's optimum is P's. A child whose release period is
earlier than its parent's has *looser* withdrawal bounds (stocks may be drawn in more
periods): the rule does not apply to that parent, and the child is compared with a parent of
the same release period instead (the base case re-solved with the children's release
period, a helper solve).

**Rule 2 (the same LP).** Two cases with the same bounds, limits and constant are the same
LP and have the same optimum. In an N-k sweep a case's bounds are the base bounds (at its
release period) with the union of its elements' columns and rows set to 0, so two cases
whose elements cover the same columns and rows (:meth:`ElementMap.key`) are the same LP.

**Rule 3 (a primal-dual certificate).** For any row prices y, let d = c − Aᵀy and

    D_C(y) = Σ_i φ(y_i; rlo_i, rhi_i) + Σ_j φ(d_j; lb_j, ub_j),
    φ(v; lo, hi) = v·lo if v > 0,  v·hi if v < 0,  0 if v = 0.

If x ∈ F_C and c·x − D_C(y) ≤ 0, then x is optimal for C.
*Proof (weak duality).* For any x' ∈ F_C, with r' = A·x': c·x' = yᵀr' + dᵀx'
= Σ_i y_i r'_i + Σ_j d_j x'_j ≥ Σ_i φ(y_i; rlo_i, rhi_i) + Σ_j φ(d_j; lb_j, ub_j) = D_C(y),
since rlo ≤ r' ≤ rhi and lb ≤ x' ≤ ub. So c·x ≤ D_C(y) ≤ c·x' for every feasible x'. ∎
Rule 1 is the special case x = x*, y = P's optimal duals (tightening bounds can only raise
D). The candidates tried besides it are *superpositions*: for C with elements e1 ≠ e2, the
parents P1 = C∖{e1}, P2 = C∖{e2} and their common parent Q = C∖{e1, e2},

    x = x_P1 + x_P2 − x_Q,   y = y_P1 + y_P2 − y_Q

(A·x and d are linear in x and y, so they superpose too). When two losses affect separate
parts of the network (an oil pipeline and an LNG terminal, say), each one's response adds to
the other's and the certificate holds; when they compete for the same capacity, x leaves F_C
or the gap stays positive, and the case is solved. The same rule checks a Monte Carlo draw
against the reference case, with the draw's bounds computed in full.

**Tolerances.** A value counts as zero, and a bound as met, within ``TOL_PRIMAL`` (1e-9,
relative to the bound when it exceeds 1); rows within ``TOL_ROW``; reduced costs and row
prices of magnitude at most ``TOL_DUAL`` count as 0 in φ; the certificate accepts a gap of at
most ``TOL_GAP`` times the objective. These are tighter than HiGHS's own primal and dual
feasibility tolerances (1e-7), so a reused optimum is as exact as a solved one; the tests
compare every row of pruned sweeps with full enumeration (``--no-prune``).

Requires the model as the assembled LP handed to HiGHS (``interface: direct``, the default for
a model without a policy or an ``extra=`` function): :func:`can_prune`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from corridors.core.availability import Availability, Element
from corridors.core.lp import FAMILIES, MONEY_SCALE, bound_arrays

if TYPE_CHECKING:
    from corridors.core.session import Prepared

TOL_PRIMAL = 1e-9
TOL_ROW = 1e-8
TOL_DUAL = 1e-9
TOL_GAP = 1e-9


def can_prune(prep: Prepared) -> bool:
    """True when the model solved is exactly the assembled LP (HiGHS, ``direct`` interface):
    the rules read the optimum as the LP's column and row values, which a policy's or a user's
    added variables and constraints would not cover."""
    from corridors.core.solve import Runner

    runner = prep.runner
    return isinstance(runner, Runner) and runner.interface == "direct"


@dataclass
class LPBounds:
    """The bounds of one case's LP in column and row order (``lb ≤ x ≤ ub``,
    ``rlo ≤ A·x ≤ rhi``) and the objective's constant, million USD."""

    lb: np.ndarray
    ub: np.ndarray
    rlo: np.ndarray
    rhi: np.ndarray
    offset: float


@dataclass
class Optimum:
    """An optimal solution of a case's LP with its optimal row prices: columns ``x``, row
    activities ``r = A·x``, row prices ``y``, reduced costs ``d = c − Aᵀy``, and ``cx = c·x``
    (million USD, without the constant). ``busy`` marks the sweep's elements that carry
    something in ``x`` (rule 1 needs them idle); None when not computed."""

    x: np.ndarray
    r: np.ndarray
    y: np.ndarray
    d: np.ndarray
    cx: float
    busy: np.ndarray | None = None

    def superpose(self, other: Optimum, common: Optimum) -> Optimum:
        """``self + other − common`` in every vector (see rule 3)."""
        return Optimum(
            self.x + other.x - common.x,
            self.r + other.r - common.r,
            self.y + other.y - common.y,
            self.d + other.d - common.d,
            self.cx + other.cx - common.cx,
        )

    @property
    def nbytes(self) -> int:
        return self.x.nbytes + self.r.nbytes + self.y.nbytes + self.d.nbytes


class ModelView:
    """The assembled LP of a prepared model (:attr:`corridors.core.model.BuiltModel.lp`), to
    evaluate candidate optima: activities, reduced costs, bounds of an availability."""

    def __init__(self, prep: Prepared):
        lp = prep.built.lp
        self.data = prep.data
        self.lp = lp
        self.num_col, self.num_row = lp.num_col, lp.num_row
        self.cost = lp.cost
        self._entry_col = np.repeat(np.arange(lp.num_col, dtype=np.int64), np.diff(lp.start))
        self._index = lp.index.astype(np.int64)
        self._value = lp.value
        self.throughput = lp.row["throughput"]
        self.capped = np.asarray(prep.data.capped_nodes, dtype=np.int64)
        self.base = prep.availability
        self._base_bounds: dict[int, LPBounds] = {}

    def activity(self, x: np.ndarray) -> np.ndarray:
        """A·x."""
        return np.bincount(
            self._index, weights=self._value * x[self._entry_col], minlength=self.num_row
        )

    def reduced(self, y: np.ndarray) -> np.ndarray:
        """c − Aᵀy."""
        return self.cost - np.bincount(
            self._entry_col, weights=self._value * y[self._index], minlength=self.num_col
        )

    def optimum(self, x: np.ndarray, y: np.ndarray) -> Optimum:
        """An :class:`Optimum` from HiGHS's column values and row duals (LP order)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        return Optimum(x, self.activity(x), y, self.reduced(y), float(self.cost @ x))

    def bounds(self, avail: Availability) -> LPBounds:
        """The LP's bounds under ``avail``, laid out as HiGHS holds them (the same arrays as
        :class:`corridors.core.solve.Runner` passes)."""
        b = bound_arrays(self.data, avail)
        lp = self.lp
        ub = np.empty(self.num_col)
        for name in FAMILIES:
            if lp.col[name].size:
                ub[lp.col[name].ravel()] = b[name].ravel()
        lb = np.zeros(self.num_col)
        if lp.col["supply"].size:
            lb[lp.col["supply"].ravel()] = b["supply_lb"].ravel()
        rhi = lp.row_hi.astype(float).copy()
        if self.throughput.size:
            rhi[self.throughput.ravel()] = b["node_limit"][self.capped].ravel()
        offset = float(np.asarray(b.get("offset", 0.0)))
        return LPBounds(lb, ub, lp.row_lo.astype(float), rhi, offset)

    def base_bounds(self, release: int) -> LPBounds:
        """The bounds of the scenario's own availability with stocks released from period
        ``release`` (cached)."""
        if release not in self._base_bounds:
            a = self.base.copy()
            a.release_from = release
            self._base_bounds[release] = self.bounds(a)
        return self._base_bounds[release]

    def objective_usd(self, o: Optimum, bounds: LPBounds) -> float:
        """The case's objective value, USD, of optimum ``o`` under ``bounds``."""
        return (o.cx + bounds.offset) / MONEY_SCALE


def _phi(v: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Σ φ(v; lo, hi) (see rule 3), with |v| ≤ TOL_DUAL counted as 0."""
    with np.errstate(invalid="ignore", over="ignore"):
        pos = v > TOL_DUAL
        neg = v < -TOL_DUAL
        total = float(np.sum(v[pos] * lo[pos])) + float(np.sum(v[neg] * hi[neg]))
    return total if not np.isnan(total) else -np.inf


def _tol(bound: np.ndarray, tol: float) -> np.ndarray:
    return tol * np.maximum(1.0, np.abs(bound))


def feasible(o: Optimum, b: LPBounds) -> bool:
    """Whether ``o.x`` meets the bounds and ``o.r`` the row limits of ``b`` (tolerances)."""
    with np.errstate(invalid="ignore"):
        if np.any(o.x < b.lb - _tol(b.lb, TOL_PRIMAL)) or np.any(
            o.x > b.ub + _tol(b.ub, TOL_PRIMAL)
        ):
            return False
        return not (
            np.any(o.r < b.rlo - _tol(b.rlo, TOL_ROW)) or np.any(o.r > b.rhi + _tol(b.rhi, TOL_ROW))
        )


def gap(o: Optimum, b: LPBounds) -> float:
    """c·x − D(y) under ``b`` (rule 3); ≤ 0 (within tolerance) proves ``o.x`` optimal."""
    return o.cx - (_phi(o.y, b.rlo, b.rhi) + _phi(o.d, b.lb, b.ub))


def certifies(o: Optimum, b: LPBounds) -> bool:
    """Rule 3: ``o.x`` is feasible under ``b`` and the duality gap of ``(o.x, o.y)`` is 0
    (within ``TOL_GAP`` of the objective): ``o.x`` is an optimal solution of that LP."""
    return feasible(o, b) and gap(o, b) <= TOL_GAP * max(1.0, abs(o.cx))


@dataclass(frozen=True)
class ElementColumns:
    """What losing one element for the whole horizon sets to 0: LP columns (upper bounds, and
    lower bounds of supply steps), throughput rows (limits), supply entries (the objective's
    constant), and the same as hashable atoms (:meth:`ElementMap.key`)."""

    cols: np.ndarray
    rows: np.ndarray
    supply_cols: np.ndarray
    entries: frozenset[int]
    atoms: frozenset[int]


class ElementMap:
    """For each element of a sweep, the LP columns and rows its loss sets to 0.

    A loss multiplies the availability of the element's links, nodes and supply entries by 0
    (:func:`corridors.core.availability.apply_factor`), and :func:`bound_arrays` turns that
    into: flow[l, ·] ≤ 0 for its links l; supply[s, ·] ∈ [0, 0] for every step s of its
    entries; withdraw[j, ·] ≤ 0 for the storages j at its nodes; the throughput limit of its
    capped nodes 0. Nothing else depends on these availabilities (the tests check the map
    against ``bound_arrays`` on random cases).
    """

    def __init__(self, view: ModelView, elems: Sequence[Element]):
        self.view = view
        data, lp = view.data, view.lp
        entry = data.supply_entry
        node_of_storage = np.array(
            [data.node_ids.index(j.node) for j in data.storage], dtype=np.int64
        )
        capped_pos = {int(n): k for k, n in enumerate(view.capped)}
        n_links, n_entries = len(data.link_ids), len(view.base.supply)
        n_capped = len(view.capped)
        self.items: list[ElementColumns] = []
        for e in elems:
            tg = e.targets
            links = np.asarray(tg.links, dtype=np.int64)
            steps = np.flatnonzero(np.isin(entry, np.asarray(tg.supplies, dtype=np.int64)))
            stores = np.flatnonzero(np.isin(node_of_storage, np.asarray(tg.nodes, dtype=np.int64)))
            caps = np.array([capped_pos[n] for n in tg.nodes if n in capped_pos], dtype=np.int64)
            supply_cols = lp.col["supply"][steps].ravel()
            cols = np.concatenate(
                [lp.col["flow"][links].ravel(), supply_cols, lp.col["withdraw"][stores].ravel()]
            )
            rows = view.throughput[caps].ravel() if caps.size else np.zeros(0, dtype=np.int64)
            atoms = frozenset(
                [*links.tolist()]
                + [n_links + int(s) for s in tg.supplies]
                + [n_links + n_entries + int(k) for k in caps]
                + [n_links + n_entries + n_capped + int(j) for j in stores]
            )
            self.items.append(
                ElementColumns(
                    cols.astype(np.int64),
                    rows.astype(np.int64),
                    supply_cols.astype(np.int64),
                    frozenset(int(s) for s in tg.supplies),
                    atoms,
                )
            )
        # concatenated, for the busy test of all elements at once
        self._col_idx = np.concatenate([it.cols for it in self.items] or [np.zeros(0, np.int64)])
        self._col_ptr = np.cumsum([0] + [len(it.cols) for it in self.items])
        self._row_idx = np.concatenate([it.rows for it in self.items] or [np.zeros(0, np.int64)])
        self._row_ptr = np.cumsum([0] + [len(it.rows) for it in self.items])
        # the objective's constant: what each supply entry's loss takes off it
        self._entry_offset = self._entry_offsets()

    def _entry_offsets(self) -> dict[int, float]:
        """Per supply entry, the constant (million USD) its loss removes (the take-or-pay
        payment depends on each entry's own availability only)."""
        view = self.view
        base = view.bounds(view.base).offset
        out: dict[int, float] = {}
        entries = sorted({s for it in self.items for s in it.entries})
        if base == 0.0 and not entries:
            return out
        for s in entries:
            a = view.base.copy()
            a.supply[s] = 0.0
            out[s] = base - view.bounds(a).offset
        return out

    def busy(self, o: Optimum, lb: np.ndarray) -> np.ndarray:
        """For every element: whether ``o`` uses it (a column of it above ``TOL_PRIMAL``, a
        throughput row of it with activity above ``TOL_ROW``, or a supply step of it with a
        positive lower bound ``lb``); an idle element's loss keeps ``o`` optimal (rule 1)."""
        hot = (np.abs(o.x) > TOL_PRIMAL) | (lb > 0.0)
        hot_rows = np.abs(o.r) > TOL_ROW
        cum_c = np.concatenate([[0], np.cumsum(hot[self._col_idx])])
        cum_r = np.concatenate([[0], np.cumsum(hot_rows[self._row_idx])])
        used_c = cum_c[self._col_ptr[1:]] - cum_c[self._col_ptr[:-1]]
        used_r = cum_r[self._row_ptr[1:]] - cum_r[self._row_ptr[:-1]]
        return (used_c > 0) | (used_r > 0)

    def key(self, members: Iterable[int], release: int) -> tuple[frozenset[int], int]:
        """Rule 2: cases with equal keys are the same LP."""
        atoms: frozenset[int] = frozenset()
        for m in members:
            atoms = atoms | self.items[m].atoms
        return atoms, release

    def lose(self, base: LPBounds, members: Sequence[int]) -> LPBounds:
        """The bounds of the case that loses ``members`` (factor 0, whole horizon), from the
        base bounds at the case's release period."""
        if not members:
            return base
        its = [self.items[m] for m in members]
        cols = np.concatenate([it.cols for it in its])
        rows = np.concatenate([it.rows for it in its])
        lb, ub, rhi = base.lb.copy(), base.ub.copy(), base.rhi.copy()
        ub[cols] = 0.0
        lb[cols] = 0.0
        rhi[rows] = 0.0
        entries: set[int] = set()
        for it in its:
            entries |= it.entries
        offset = base.offset - sum(self._entry_offset.get(s, 0.0) for s in entries)
        return LPBounds(lb, ub, base.rlo, rhi, offset)


@dataclass
class Known:
    """A case whose optimum is known (solved or derived): its optimum (None when its vectors
    are not held: too many to keep, or a case that was not optimal), its release period and
    its row."""

    optimum: Optimum | None
    release: int
    row: dict[str, Any]


@dataclass
class Derived:
    """A case's optimum found without solving: by ``rule`` ("subset", "same-lp",
    "superposition", "reference"), from the cases ``origin``."""

    rule: str
    origin: Any
    optimum: Optimum
    bounds: LPBounds


def with_busy(emap: ElementMap | None, o: Optimum, b: LPBounds) -> Optimum:
    """``o`` with its busy mask (elements it uses) computed under bounds ``b``."""
    if emap is None:
        return o
    return replace(o, busy=emap.busy(o, b.lb))


__all__ = [
    "Derived",
    "ElementMap",
    "Known",
    "LPBounds",
    "ModelView",
    "Optimum",
    "can_prune",
    "certifies",
    "feasible",
    "gap",
    "with_busy",
]
