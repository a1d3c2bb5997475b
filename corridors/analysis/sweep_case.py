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

from corridors.analysis.metrics import available_supply
from corridors.analysis.prune import can_prune
from corridors.core.availability import Availability, Element, apply_factor, sample_events
from corridors.core.session import Prepared
from corridors.core.status import Status
from corridors.io.schema import Scenario
from corridors.units import quantity_column

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
    foreseen: tuple[bool, ...] = ()
    """Per event, whether it is foreseen (Monte Carlo draws of ``foreseen: true`` events);
    empty: none is."""

    def events_foreseen(self) -> list[tuple[tuple[tuple[str, ...], tuple[float, ...]], bool]]:
        """Each event with whether it is foreseen."""
        flags = self.foreseen or (False,) * len(self.events)
        return list(zip(self.events, flags, strict=True))


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
        events = tuple((ev.names, ev.factor) for ev in run)
        foreseen = tuple(ev.foreseen for ev in run) if any(ev.foreseen for ev in run) else ()
        cases.append(Case(i, names, events, foreseen=foreseen))
    return cases


def draw_key(case: Case) -> tuple[Any, ...]:
    """What makes two Monte Carlo draws the same LP: their events (targets, per-period
    factors and whether foreseen, which sets the stock release), in any order."""
    return tuple(sorted(case.events_foreseen()))


# --------------------------------------------------------------------------- one case


def case_release(prep: Prepared, case: Case) -> int:
    """The case's stock release period, as a plain run sets it (``Availability.
    release_from``): the first period of its first unforeseen event, the scenario's own or
    one of the case's losses (factor < 1); 0 (no limit) if it has none. A foreseen draw holds
    nothing back, as a foreseen event of a plain run."""
    if case.release is not None:
        return case.release
    own = prep.availability
    starts = [own.release_from] if own.held_back else []
    for (_names, factor), seen in case.events_foreseen():
        hit = np.flatnonzero(np.asarray(factor, dtype=float) < 1.0)
        if hit.size and not seen:
            starts.append(int(hit[0]))
    return min(starts) if starts else 0


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


#: Row keys (sweep.csv columns) of the unmet energy and of the total cost.
UNMET_PJ = "unmet_pj"
OBJECTIVE = "objective_usd"


def unmet_columns(s: Scenario) -> dict[str, str]:
    """Demanded commodity -> its column of unmet demand, named with its unit
    (``unmet_crude_oil_mt``); a commodity nothing demands (LNG) has none: it is never short."""
    com = s.commodities
    return {c: quantity_column("unmet", c, com[c].unit) for c in s.demanded()}


def not_supplied_columns(s: Scenario) -> dict[str, str]:
    """Supplied commodity that nothing demands (LNG, regasified into pipeline gas) -> its
    column of supply not supplied (``not_supplied_lng_mt``, as summary.json's
    ``supply_balance``: available − supplied, the LNG a loss took away)."""
    com = s.commodities
    return {c: quantity_column("not_supplied", c, com[c].unit) for c in s.undemanded_supply()}


def row_columns(s: Scenario) -> list[str]:
    """The figures of a case's row, in the order of sweep.csv: unmet energy (PJ), unmet per
    demanded commodity, supply not supplied per commodity nothing demands, the total cost."""
    return [UNMET_PJ, *unmet_columns(s).values(), *not_supplied_columns(s).values(), OBJECTIVE]


class RowMaker:
    """Makes case rows for one model, every figure over the horizon with its unit in its
    name (:func:`row_columns`): unmet demand in PJ and per demanded commodity (summed over
    its shortfall steps and periods), supply not supplied of the commodities nothing demands,
    and the total cost."""

    def __init__(self, prep: Prepared):
        self.prep = prep
        s = prep.scenario
        com = list(s.commodities)
        self.commodities = com
        pos = {c: i for i, c in enumerate(com)}
        data = prep.data
        self.step_com = np.array(
            [pos[data.demand[u.demand].commodity] for u in data.unmet], dtype=np.int64
        )
        self.pj = np.array([s.commodities[c].pj_per_unit for c in com], dtype=float)
        self.unmet_cols = [(pos[c], col) for c, col in unmet_columns(s).items()]
        # supply not supplied = available − Σ_t supplied over every step (replacement
        # tranches included), as summary.json's supply_balance counts it
        self.lost_cols = [
            (
                np.flatnonzero([r.commodity == c for r in data.supply]),
                available_supply(s, c),
                col,
            )
            for c, col in not_supplied_columns(s).items()
        ]
        self.col = prep.built.lp.col

    def __call__(
        self,
        case: Case,
        status: Status,
        objective: float | None,
        unmet: np.ndarray | None,
        supply: np.ndarray | None,
    ) -> dict[str, Any]:
        """A case's row: ``objective`` in USD, ``unmet`` per shortfall step and period and
        ``supply`` per supply step and period (both None without a solution)."""
        row: dict[str, Any] = {
            "scenario": case.id,
            "elements": ";".join(case.names),
            "status": status.value,
            OBJECTIVE: objective,
        }
        if unmet is None or supply is None:
            row[OBJECTIVE] = row[UNMET_PJ] = None
            row.update({col: None for _i, col in self.unmet_cols})
            row.update({col: None for *_x, col in self.lost_cols})
            return row
        by_com = np.bincount(
            self.step_com, weights=np.asarray(unmet).sum(axis=1), minlength=len(self.commodities)
        )
        row[UNMET_PJ] = float(by_com @ self.pj)
        row.update({col: float(by_com[i]) for i, col in self.unmet_cols})
        for steps, available, col in self.lost_cols:
            row[col] = max(available - float(np.asarray(supply)[steps].sum()), 0.0)
        return row

    def from_x(
        self, case: Case, status: Status, objective: float | None, x: np.ndarray
    ) -> dict[str, Any]:
        """A case's row from the LP's column values ``x`` (an optimum a case takes over)."""
        return self(case, status, objective, x[self.col["unmet"]], x[self.col["supply"]])


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
    if not sol.has_solution:
        return rows(case, sol.status, sol.objective, None, None)
    return rows(case, sol.status, sol.objective, sol.unmet, sol.supply)


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
