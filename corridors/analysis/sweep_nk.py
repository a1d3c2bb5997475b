"""The N-k driver of a sweep with pruning: level by level (no loss, one loss, two losses,
...), each case of level L derived from the optima of levels L − 1 and L − 2 where a rule of
:mod:`corridors.analysis.prune` allows it (subset, same LP, certified superposition), and
solved otherwise, warm from its parent's basis.

:class:`NkDriver` is the N-k half of the sweep class of :mod:`corridors.analysis.sweep`
(which runs the set-up, the executors, the checkpoint and Monte Carlo, and re-exports every
name here).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from corridors.analysis.checkpoint import Checkpoint, VectorFile, writing
from corridors.analysis.pool import StopFlag
from corridors.analysis.prune import (
    Derived,
    ElementMap,
    Known,
    LPBounds,
    ModelView,
    Optimum,
    with_busy,
)
from corridors.analysis.sweep_case import Case, CaseSolver, RowMaker, case_release
from corridors.core.availability import Element
from corridors.core.session import Prepared
from corridors.core.status import Status

HELPER = -1
"""Case id of the helper: the reference re-solved with the cases' stock release period."""
OPTIMA_BUDGET = 2 * 1024**3
"""Bytes of optima a sweep keeps in memory for pruning; a level that would need more is
solved without them (exact, only slower)."""


class NkDriver:
    """The N-k methods of one sweep run (mixed into the sweep class, which sets the state
    declared here and provides :meth:`_take`, :meth:`_solve` and :meth:`_certifies`)."""

    out: Path
    prep: Prepared
    cases: list[Case]
    elems: list[Element]
    k: int | None
    pruning: bool
    multi: bool
    stop: StopFlag
    solver: CaseSolver
    rowmaker: RowMaker
    view: ModelView | None
    ckpt: Checkpoint | None
    vectors: VectorFile | None
    solved: int
    known: dict[int, Known]
    keys: dict[Any, int]
    _releases: dict[int, int]
    blobs: dict[int, tuple[np.ndarray, np.ndarray]]

    def _take(self, rows: Iterable[dict[str, Any]], sync: bool = True) -> None:
        """Record finished rows (the sweep class's)."""
        raise NotImplementedError

    def _solve(self, cases: list[Case]) -> None:
        """Solve cases in batches (the sweep class's)."""
        raise NotImplementedError

    def _certifies(self, cand: Optimum, bounds: LPBounds) -> bool:
        """Whether ``cand`` is optimal within ``bounds`` (the sweep class's)."""
        raise NotImplementedError

    @property
    def _ckpt(self) -> Checkpoint:
        assert self.ckpt is not None
        return self.ckpt

    def _nk(self) -> None:
        prep, cases = self.prep, self.cases
        k = self.k
        assert k is not None
        if not self.pruning:
            self._solve([c for c in cases if c.id not in self._ckpt.rows])
            return
        assert self.view is not None
        view = self.view
        self.emap = ElementMap(view, self.elems)
        pos = {e.name: i for i, e in enumerate(self.elems)}
        self.members = {c.id: tuple(pos[n] for n in c.names) for c in cases}
        self.by_members = {m: cid for cid, m in self.members.items()}
        self.has_storage = bool(prep.data.storage)
        self.basis_of: dict[int, int] = {}
        levels: list[list[Case]] = [[] for _ in range(k + 1)]
        for c in cases:
            levels[len(c.names)].append(c)
        # optima kept: level 0, and the levels that the next two levels need
        budget = OPTIMA_BUDGET // max(1, 8 * 2 * (view.num_col + view.num_row))

        # level 0: the reference, and the helper if the cases release stocks earlier
        zero: list[Case] = [cases[0]]
        if self._rf(min(prep.availability.release_from, 0)) != self._rf(
            prep.availability.release_from
        ):
            zero.append(Case(HELPER, (), (), release=0))
        for c in zero:
            c = replace(c, keep=True, share=self.multi)
            if c.id in self._ckpt.rows and self._restore(c, self._ckpt.rows[c.id]):
                continue
            self.stop.check()
            row = self.solver.solve(c)
            if c.id in self._ckpt.rows:  # its optimum was lost: solved again, row kept
                x, y = row.pop("_x", None), row.pop("_y", None)
                self.solved += 1
                if x is not None and y is not None and self.vectors is not None:
                    with writing(self.out):
                        self.vectors.add(c.id, x, y)
                    self._learn_solved(c.id, row, x, y)
                continue
            self._take([row])
        for size in range(1, k + 1):
            keep = size < k and len(levels[size]) <= budget
            self._nk_level(levels[size], keep)
            if size >= 2:  # level size − 2 is no parent of anything after this level
                for c in levels[size - 2] if size > 2 else zero:
                    self.known.pop(c.id, None)
                    self.blobs.pop(c.id, None)

    def _rf(self, release: int) -> int:
        """The release period as far as the LP is concerned (it bounds stock withdrawals
        only: without storage every release period gives the same LP)."""
        return release if self.has_storage else 0

    def _release_of(self, case: Case) -> int:
        rf = self._releases.get(case.id)
        if rf is None:
            rf = self._releases[case.id] = self._rf(case_release(self.prep, case))
        return rf

    def _bounds(self, members: tuple[int, ...], rf: int) -> LPBounds:
        assert self.view is not None
        real = rf if self.has_storage else self.prep.availability.release_from
        return self.emap.lose(self.view.base_bounds(real), members)

    def _parent(self, members: tuple[int, ...], rf: int) -> tuple[int, Known] | None:
        """The known case losing ``members`` with release ``rf`` (for no loss: the reference
        or the helper), with its id."""
        ids = (0, HELPER) if not members else (self.by_members.get(members, -2),)
        for cid in ids:
            kn = self.known.get(cid)
            if kn is not None and kn.release == rf:
                return cid, kn
        return None

    def _learn_solved(self, cid: int, row: dict[str, Any], x: np.ndarray, y: np.ndarray) -> None:
        if self.view is None or self.k is None:
            return
        case = self._case(cid)
        members = self.members.get(cid, ())
        rf = self._release_of(case)
        b = self._bounds(members, rf)
        o = with_busy(self.emap, self.view.optimum(x, y), b)
        self._know(cid, Known(o, rf, row), members, rf)

    def _case(self, cid: int) -> Case:
        if cid == HELPER:
            return Case(HELPER, (), (), release=0)
        return self.cases[cid]

    def _know(self, cid: int, kn: Known, members: tuple[int, ...], rf: int) -> None:
        self.known[cid] = kn
        if kn.row.get("status") == Status.OPTIMAL.value:
            self.keys.setdefault(self.emap.key(members, rf), cid)

    def _restore(self, case: Case, row: dict[str, Any]) -> bool:
        """Rebuild the optimum of a finished case from the vector file (solved) or from its
        origins (derived); False when it cannot be rebuilt."""
        assert self.vectors is not None
        members = self.members.get(case.id, ())
        rf = self._release_of(case)
        if row.get("status") != Status.OPTIMAL.value:
            self.known[case.id] = Known(None, rf, row)
            return True
        rule, origin = row.get("rule"), row.get("from", 0)
        if rule is None:
            held = self.vectors.held.get(case.id)
            if held is None:
                return False
            self._learn_solved(case.id, row, held[0], held[1])
            return True
        o: Optimum | None = None
        if rule in ("subset", "same-lp"):
            src = self.known.get(int(origin))
            o = src.optimum if src is not None else None
            self.basis_of[case.id] = self.basis_of.get(int(origin), int(origin))
        elif rule == "superposition":
            parts = [self.known.get(int(i)) for i in origin]
            opts = [p.optimum for p in parts if p is not None and p.optimum is not None]
            if len(opts) == 3:
                o = with_busy(
                    self.emap, opts[0].superpose(opts[1], opts[2]), self._bounds(members, rf)
                )
        self._know(case.id, Known(o, rf, row), members, rf)
        return True

    def _derive(self, case: Case, rf: int) -> Derived | dict[str, Any] | None:
        """Rules 2, 1 and 3 of :mod:`corridors.analysis.prune` for an N-k case: a
        :class:`Derived` optimum, the row of the same LP (rule 2, its optimum not held), or
        None (solve it)."""
        members = self.members[case.id]
        origin = self.keys.get(self.emap.key(members, rf))
        if origin is not None:
            src = self.known.get(origin)
            if src is not None and src.optimum is not None:
                return Derived("same-lp", origin, src.optimum, self._bounds(members, rf))
            if origin in self._ckpt.rows:
                return {**self._ckpt.rows[origin], "rule": "same-lp", "from": origin}
        for i, e in enumerate(members):
            found = self._parent(members[:i] + members[i + 1 :], rf)
            if found is None or found[1].optimum is None:
                continue
            busy = found[1].optimum.busy
            if busy is not None and not busy[e]:
                return Derived("subset", found[0], found[1].optimum, self._bounds(members, rf))
        if len(members) < 2:
            return None
        bounds: LPBounds | None = None
        for i, j in itertools.combinations(range(len(members)), 2):
            parts = [
                self._parent(members[:i] + members[i + 1 :], rf),  # without members[i]
                self._parent(members[:j] + members[j + 1 :], rf),  # without members[j]
                self._parent(tuple(m for t, m in enumerate(members) if t not in (i, j)), rf),
            ]
            opts = [p[1].optimum for p in parts if p is not None and p[1].optimum is not None]
            if len(opts) < 3:
                continue
            cand = opts[0].superpose(opts[1], opts[2])
            bounds = bounds or self._bounds(members, rf)
            if self._certifies(cand, bounds):
                ids = [p[0] for p in parts if p is not None]
                return Derived("superposition", ids, with_busy(self.emap, cand, bounds), bounds)
        return None

    def _derived_row(self, case: Case, d: Derived) -> dict[str, Any]:
        assert self.view is not None
        cost = self.view.objective_usd(d.optimum, d.bounds)
        row = self.rowmaker.from_x(case, Status.OPTIMAL, cost, d.optimum.x)
        row["rule"] = d.rule
        row["from"] = d.origin
        return row

    def _nk_level(self, level: list[Case], keep: bool) -> None:
        """Derive or solve every case of one level (after the level before it)."""
        todo: list[Case] = []
        waiting: dict[Any, list[Case]] = {}
        first_of: dict[Any, Case] = {}
        derived: list[dict[str, Any]] = []
        for case in level:
            if len(derived) >= 256:
                self._take(derived, sync=False)
                derived = []
            members = self.members[case.id]
            rf = self._release_of(case)
            if case.id in self._ckpt.rows:
                if keep and not self._restore(case, self._ckpt.rows[case.id]):
                    self.known[case.id] = Known(None, rf, self._ckpt.rows[case.id])
                continue
            self.stop.check()
            d = self._derive(case, rf)
            if isinstance(d, dict):  # the same LP as a case whose optimum is not held
                row = {**d, "scenario": case.id, "elements": ";".join(case.names)}
                if keep:
                    self._know(case.id, Known(None, rf, row), members, rf)
                derived.append(row)
                continue
            if d is not None:
                row = self._derived_row(case, d)
                if keep:
                    self._know(case.id, Known(d.optimum, rf, row), members, rf)
                if d.rule != "superposition":
                    self.basis_of[case.id] = self.basis_of.get(d.origin, d.origin)
                derived.append(row)
                continue
            key = self.emap.key(members, rf)
            if key in first_of:  # the same LP as a case about to be solved (rule 2)
                waiting.setdefault(key, []).append(case)
                continue
            first_of[key] = case
            found = self._parent(members[:-1], rf)
            warm = self.basis_of.get(found[0], found[0]) if found is not None else None
            basis = self.blobs.get(warm) if self.multi and warm is not None else None
            share = self.multi and keep
            todo.append(replace(case, keep=keep, warm=warm, share=share, basis=basis))
        self._take(derived)
        self._solve(todo)
        again: list[Case] = []
        rows = []
        for key, cases in waiting.items():
            src = self._ckpt.rows.get(first_of[key].id)
            if src is None or src.get("status") != Status.OPTIMAL.value:
                again.extend(cases)
                continue
            for case in cases:
                row = {**src, "scenario": case.id, "elements": ";".join(case.names)}
                row["rule"], row["from"] = "same-lp", first_of[key].id
                if keep:
                    kn = self.known.get(first_of[key].id)
                    rf = self._release_of(case)
                    known = Known(kn.optimum if kn else None, rf, row)
                    self._know(case.id, known, self.members[case.id], rf)
                rows.append(row)
        self._take(rows)
        self._solve([replace(c, keep=keep) for c in again])
