"""The cases of a sweep and how one is solved: :class:`Case`, the N-k and Monte Carlo case
lists, a case's availability and stock release, its row (:class:`RowMaker`), and
:class:`CaseSolver`, which re-solves one process's built model warm from a parent's basis.

Part of :mod:`corridors.analysis.sweep` (which re-exports every name here).
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from corridors.analysis.prune import can_prune
from corridors.core.availability import Availability, Element, apply_factor, sample_events
from corridors.core.session import Prepared
from corridors.core.status import Status
from corridors.io.schema import Scenario

BASES_BUDGET = 256 * 1024**2
"""Bytes of simplex bases a process keeps to warm-start children from their parent."""


@dataclass(frozen=True)
class Case:
    """One scenario of a sweep: the elements lost (or events drawn) and their factors.

    ``keep``: return the optimum's vectors with the row (a parent of later cases), and its
    simplex basis too with ``share`` (for the children that other processes solve);
    ``warm``: start from the basis of that case, if this process holds it or ``basis`` gives
    it (:func:`basis_arrays`); ``release``: the stock release period, if not the case's own
    (:func:`case_release`; the helper case)."""

    id: int
    names: tuple[str, ...]
    events: tuple[tuple[tuple[str, ...], tuple[float, ...]], ...]
    keep: bool = False
    warm: int | None = None
    release: int | None = None
    share: bool = False
    basis: tuple[np.ndarray, np.ndarray] | None = None


def nk_cases(elems: Sequence[Element], k: int, periods: int) -> Iterator[Case]:
    """Case 0 loses nothing (the reference); then every combination of 1..k elements."""
    zero = tuple([0.0] * periods)
    yield Case(0, (), ())
    cid = 1
    for size in range(1, k + 1):
        for combo in itertools.combinations(elems, size):
            names = tuple(e.name for e in combo)
            yield Case(cid, names, tuple(((n,), zero) for n in names))
            cid += 1


def mc_cases(scenario: Scenario, n: int, seed: int) -> list[Case]:
    """Case 0 is the reference; cases 1..n are Monte Carlo draws."""
    cases = [Case(0, (), ())]
    for i, run in enumerate(sample_events(scenario, n, seed), start=1):
        names = tuple(sorted({name for ev in run for name in ev.names}))
        cases.append(Case(i, names, tuple((ev.names, ev.factor) for ev in run)))
    return cases


def draw_key(case: Case) -> tuple[Any, ...]:
    """What makes two Monte Carlo draws the same LP: their events (targets and per-period
    factors), in any order."""
    return tuple(sorted(case.events))


# --------------------------------------------------------------------------- one case


def case_release(prep: Prepared, case: Case) -> int:
    """The case's stock release period: the scenario's own (its first unforeseen event) or
    the first period in which one of the case's losses (factor < 1) starts, if earlier."""
    if case.release is not None:
        return case.release
    release = prep.availability.release_from
    for _names, factor in case.events:
        hit = np.flatnonzero(np.asarray(factor, dtype=float) < 1.0)
        if hit.size:
            release = min(release, int(hit[0]))
    return release


def case_availability(prep: Prepared, case: Case) -> Availability:
    """The scenario's availability with the case's losses applied on top, and stocks
    released from :func:`case_release`."""
    avail = prep.availability.copy()
    for names, factor in case.events:
        f = np.asarray(factor)
        for name in names:
            apply_factor(avail, prep.resolver.resolve(name), f)
    avail.release_from = case_release(prep, case)
    return avail


class RowMaker:
    """Makes case rows for one model: unmet per commodity summed over its shortfall steps
    and periods, and in PJ."""

    def __init__(self, prep: Prepared):
        self.prep = prep
        com = list(prep.scenario.commodities)
        self.commodities = com
        pos = {c: i for i, c in enumerate(com)}
        data = prep.data
        self.step_com = np.array(
            [pos[data.demand[u.demand].commodity] for u in data.unmet], dtype=np.int64
        )
        self.pj = np.array([prep.scenario.commodities[c].pj_per_unit for c in com], dtype=float)

    def __call__(
        self, case: Case, status: Status, objective: float | None, unmet: np.ndarray | None
    ) -> dict[str, Any]:
        """A case's row: ``objective`` in USD, ``unmet`` per shortfall step and period (None
        without a solution)."""
        row: dict[str, Any] = {
            "scenario": case.id,
            "elements": ";".join(case.names),
            "status": status.value,
            "objective": objective if unmet is not None else None,
        }
        if unmet is None:
            row["unmet"] = None
            row.update({f"unmet_{c}": None for c in self.commodities})
            return row
        by_com = np.bincount(
            self.step_com, weights=np.asarray(unmet).sum(axis=1), minlength=len(self.commodities)
        )
        row["unmet"] = float(by_com @ self.pj)
        row.update({f"unmet_{c}": float(v) for c, v in zip(self.commodities, by_com, strict=True)})
        return row


def case_row(
    prep: Prepared,
    case: Case,
    status: Status,
    objective: float | None,
    unmet: np.ndarray | None,
) -> dict[str, Any]:
    """A case's row (see :class:`RowMaker`)."""
    return RowMaker(prep)(case, status, objective, unmet)


def _solved_row(rows: RowMaker, case: Case) -> dict[str, Any]:
    """Solve a case warm; a warm start that ends without a verdict (HiGHS ``kUnknown``, its
    simplex stopped by numerical trouble from that basis) is solved again from scratch."""
    prep = rows.prep
    avail = case_availability(prep, case)
    sol = prep.runner.resolve(avail, duals=False)
    highs = getattr(prep.runner, "highs", None)
    if sol.status in (Status.UNKNOWN, Status.ERROR) and highs is not None:
        highs.clearSolver()
        sol = prep.runner.resolve(avail, duals=False)
    return rows(case, sol.status, sol.objective, sol.unmet if sol.has_solution else None)


def solve_case(prep: Prepared, case: Case) -> dict[str, Any]:
    """Re-solve the built model for one case (bounds only) and return its row."""
    return _solved_row(RowMaker(prep), case)


def basis_arrays(highs: Any) -> tuple[np.ndarray, np.ndarray]:
    """HiGHS's current basis as two arrays of status codes (columns, rows), to send to
    another process (a ``HighsBasis`` cannot be pickled)."""
    b = highs.getBasis()
    return np.array(b.col_status, dtype=np.int8), np.array(b.row_status, dtype=np.int8)


def _basis(arrays: tuple[np.ndarray, np.ndarray]) -> Any:
    """A ``HighsBasis`` from :func:`basis_arrays`."""
    import highspy

    status = [
        highspy.HighsBasisStatus(i)
        for i in range(int(max(arrays[0].max(initial=0), arrays[1].max(initial=0))) + 1)
    ]
    b = highspy.HighsBasis()
    b.col_status = [status[v] for v in arrays[0].tolist()]
    b.row_status = [status[v] for v in arrays[1].tolist()]
    b.valid = True
    return b


class CaseSolver:
    """Solves cases on one process's model, keeping the simplex bases of the parents it
    solved (``Case.keep``) so that their children start from them (``Case.warm``), and
    returning a parent's optimum (column values ``_x``, row duals ``_y``) with its row."""

    def __init__(self, prep: Prepared):
        self.prep = prep
        self.rows = RowMaker(prep)
        self.vectors = can_prune(prep)
        self.bases: OrderedDict[int, Any] = OrderedDict()
        lp = prep.built.lp
        self.max_bases = max(8, BASES_BUDGET // max(1, lp.num_col + lp.num_row))
        self.lock = threading.Lock()

    def solve(self, case: Case) -> dict[str, Any]:
        with self.lock:  # one HiGHS instance per process (a Dask worker may run threads)
            highs = getattr(self.prep.runner, "highs", None)
            if highs is not None and case.warm is not None:
                basis = self.bases.get(case.warm)
                if basis is None and case.basis is not None:
                    basis = self.bases[case.warm] = _basis(case.basis)
                if basis is not None:
                    highs.setBasis(basis)
            row = _solved_row(self.rows, case)
            if case.keep and self.vectors and row["status"] == Status.OPTIMAL.value:
                assert highs is not None
                sol = highs.getSolution()
                row["_x"] = np.asarray(sol.col_value, dtype=float)
                row["_y"] = np.asarray(sol.row_dual, dtype=float)
                self.bases[case.id] = highs.getBasis()
                if case.share:
                    row["_basis"] = basis_arrays(highs)
                while len(self.bases) > self.max_bases:
                    self.bases.popitem(last=False)
            return row
