"""Batched scenario execution: N-k loss enumeration and Monte Carlo, pruned, with checkpoint,
resume, Ctrl-C and a lock on the output folder.

One model is built per process and re-solved after changing only bounds (warm dual simplex,
:meth:`corridors.core.solve.Runner.resolve`). A case's stocks are released from the first
period of its first loss (or the scenario's own first unforeseen event, if earlier): a loss is
not foreseen (``Availability.release_from``).

**Pruning** (:mod:`corridors.analysis.prune`, on by default, ``prune=False`` / ``--no-prune``
solves every case): an N-k sweep goes level by level (no loss, one loss, two losses, ...);
a case of level L whose optimum follows from level L − 1 and L − 2 (its lost elements carry
nothing in a parent's optimum; the same LP as a case already known; a superposition of two
parents' optima certified by its duality gap) takes that optimum instead of being solved.
Monte Carlo draws with the same events (targets and per-period factors) are solved once, and
a draw whose events keep the reference optimum (certified) takes it. Rows, unmet, costs and
statuses are those of full enumeration; ``sweep_meta.json`` records ``cases``, ``solved``,
``reused`` (by rule) and ``helper_solves`` (the reference re-solved with the cases' earlier
stock release, when the scenario's own is later).

Cases go to workers in batches of about ``BATCH_SECONDS`` of work: in-process
(``workers=1``), local worker processes (``workers=N``) or a Dask cluster
(``scheduler=ADDRESS``) (:mod:`corridors.analysis.pool`); a worker that dies has its batch
run again elsewhere. Every finished case is appended to ``DIR/sweep.jsonl`` as it completes
(and the optima that later levels need to ``DIR/sweep_optima.bin``); ``resume=True`` reads
them back and runs only what is missing. Ctrl-C stops within a fraction of a second keeping
every finished case (:class:`~corridors.analysis.pool.Interrupted`). ``DIR/sweep.lock`` keeps
a second sweep out of the folder while one runs; a folder that cannot be written is a
one-line error naming it, and leaves only whole records behind.
"""

from __future__ import annotations

import itertools
import json
import math
import multiprocessing
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridors.analysis.checkpoint import (
    CHECKPOINT,
    LOCK,
    VECTORS,
    Checkpoint,
    OutputLock,
    VectorFile,
    writing,
)
from corridors.analysis.pool import DaskPool, InProcess, Interrupted, LocalPool, StopFlag
from corridors.analysis.prune import (
    Derived,
    ElementMap,
    Known,
    LPBounds,
    ModelView,
    Optimum,
    can_prune,
    certifies,
    with_busy,
)
from corridors.core.availability import (
    Availability,
    Element,
    apply_factor,
    elements,
    parse_classes,
    sample_events,
)
from corridors.core.session import Prepared, Source, prepare
from corridors.core.status import Status
from corridors.errors import CorridorsError, Problem
from corridors.io.files import write_csv, write_json
from corridors.io.schema import Scenario

BATCH_SECONDS = 0.25
MAX_BATCH = 2000
META = "sweep_meta.json"
HELPER = -1
"""Case id of the helper: the reference re-solved with the cases' stock release period."""
OPTIMA_BUDGET = 2 * 1024**3
"""Bytes of optima a sweep keeps in memory for pruning; a level that would need more is
solved without them (exact, only slower)."""
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


# --------------------------------------------------------------------------- worker side


def _held(scenario: Scenario) -> tuple[Prepared, CaseSolver]:
    proc = multiprocessing.current_process()
    held: tuple[str, Prepared, CaseSolver] | None = getattr(proc, "corridors_model", None)
    key = scenario.fingerprint()
    if held is None or held[0] != key:
        prep = prepare(scenario)
        held = (key, prep, CaseSolver(prep))
        proc.corridors_model = held  # type: ignore[attr-defined]
    return held[1], held[2]


def worker_model(scenario: Scenario) -> Prepared:
    """The model a worker process holds for ``scenario``, built on its first batch.

    A worker (a spawned process or a Dask worker process) keeps one built model as an
    attribute of its own process object, keyed by the scenario's fingerprint, so that the
    following batches only change bounds; in the sweeping process itself the model is passed
    explicitly and this is not used.
    """
    return _held(scenario)[0]


def run_batch(scenario: Scenario, cases: list[Case]) -> list[dict[str, Any]]:
    """Solve a batch of cases on the model this worker process holds (local or Dask)."""
    solver = _held(scenario)[1]
    return [solver.solve(case) for case in cases]


BatchRunner = Callable[[Scenario, list[Case]], list[dict[str, Any]]]
"""What a worker runs on a batch: :func:`run_batch`, or a replacement with the same contract
(the tests pass one that kills its process, to check that a lost batch is re-run)."""


# --------------------------------------------------------------------------- driver


@dataclass
class SweepResult:
    """Rows (one per case), ranking of elements, and Monte Carlo statistics if any.

    ``solved``: LP solves made by this call (cases and helpers); ``reused``: cases of this
    call whose optimum was derived without a solve; ``meta``: what ``sweep_meta.json`` holds."""

    table: pd.DataFrame
    ranking: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    solved: int = 0
    reused: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


Progress = Callable[[int, int], None]


def run_sweep(
    scenario: Source,
    out: str | Path,
    *,
    k: int | None = None,
    element_classes: str | None = None,
    monte_carlo: int | None = None,
    seed: int = 0,
    cvar_level: float = 0.95,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    batch_size: int | None = None,
    progress: Progress | None = None,
    batch_runner: BatchRunner = run_batch,
    prune: bool = True,
    notice: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run an N-k sweep (``k``) or a Monte Carlo sweep (``monte_carlo`` runs) into ``out``.

    Writes ``sweep.csv`` (scenario, elements, unmet [PJ], unmet_<commodity> [units],
    cost_increase [USD], status), ``ranking.csv``, ``sweep_meta.json`` and, for Monte Carlo,
    ``montecarlo.json``. ``element_classes``: as
    :func:`~corridors.core.availability.parse_classes`; by default the disruptable elements
    (:data:`~corridors.core.availability.DISRUPTABLE_CLASSES`). ``prune=False`` solves every
    case (full enumeration; the rows are the same). ``batch_runner`` is what worker processes
    (not this one) run on a batch; ``notice`` receives a note (a stale lock taken over).

    Ctrl-C (SIGINT, in the main thread) stops the sweep within a fraction of a second and
    raises :class:`~corridors.analysis.pool.Interrupted` (a ``KeyboardInterrupt``) telling how
    many cases are kept; ``resume=True`` then finishes it. Raises :class:`CorridorsError` for
    bad options, a folder held by another sweep (``sweep.lock``) or one that cannot be written.
    """
    if (k is None) == (monte_carlo is None):
        raise CorridorsError("give either --k K (N-k enumeration) or --monte-carlo N")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CorridorsError(Problem(str(out), "", "the output path exists and is not a folder"))
    lock = OutputLock(out)
    with writing(out):
        out.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    try:
        if lock.note and notice is not None:
            notice(lock.note)
        sweep = _Sweep(
            out,
            k=k,
            element_classes=element_classes,
            monte_carlo=monte_carlo,
            seed=seed,
            cvar_level=cvar_level,
            workers=workers,
            scheduler=scheduler,
            resume=resume,
            batch_size=batch_size,
            progress=progress,
            batch_runner=batch_runner,
            prune=prune,
        )
        return sweep.run(scenario)
    finally:
        lock.release()


class _Sweep:
    """One run of :func:`run_sweep` (state shared by the N-k and Monte Carlo drivers)."""

    def __init__(self, out: Path, **opts: Any):
        self.out = out
        self.opts = opts
        self.k: int | None = opts["k"]
        self.monte_carlo: int | None = opts["monte_carlo"]
        self.batch_size: int | None = opts["batch_size"]
        self.say: Progress = opts["progress"] or (lambda _d, _n: None)
        self.stop = StopFlag()
        self.executor: Any = None
        self.solved = 0
        self.reused = 0
        self.done = 0
        self.known: dict[int, Known] = {}
        self.keys: dict[Any, int] = {}
        self._releases: dict[int, int] = {}
        self.blobs: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.multi = opts["scheduler"] is not None or opts["workers"] > 1

    # -- set-up ----------------------------------------------------------------------------
    def run(self, scenario: Source) -> SweepResult:
        t_start = time.perf_counter()
        prep = self.prep = prepare(scenario)
        s = self.s = prep.scenario
        o = self.opts
        self.elems: list[Element] = []
        if self.k is not None:
            k = self.k
            self.elems = elements(prep.network, prep.resolver, parse_classes(o["element_classes"]))
            if k < 1:
                raise CorridorsError(Problem("", "--k", f"K must be at least 1 (got {k})"))
            if k > len(self.elems):
                raise CorridorsError(
                    Problem(
                        "",
                        "--k",
                        f"K={k} is larger than the {len(self.elems)} elements to choose from",
                    )
                )
            cases = list(nk_cases(self.elems, k, s.horizon.periods))
            settings: dict[str, Any] = {
                "mode": "n-k",
                "k": k,
                "elements": [e.name for e in self.elems],
            }
        else:
            n = self.monte_carlo
            assert n is not None
            if n < 1:
                raise CorridorsError(Problem("", "--monte-carlo", "N must be at least 1"))
            if not any(d.probability is not None for d in s.disruptions):
                raise CorridorsError(
                    Problem(
                        str(s.source or ""),
                        "disruptions",
                        "Monte Carlo needs events with a probability "
                        "(e.g. {target: malacca, capacity_factor: 0, probability: 0.05, duration_days: 30})",
                    )
                )
            cases = mc_cases(s, n, o["seed"])
            settings = {"mode": "monte-carlo", "n": n, "seed": o["seed"]}
        self.cases = cases
        self.pruning = bool(o["prune"]) and can_prune(prep)
        settings.update(
            {"scenario_sha256": s.fingerprint(), "cases": len(cases), "prune": bool(o["prune"])}
        )
        meta_path = self.out / META
        resume = bool(o["resume"])
        if resume and meta_path.exists():
            try:
                old = json.loads(meta_path.read_text())
            except (OSError, ValueError):
                old = {}
            if {key: old.get(key) for key in settings} != settings:
                raise CorridorsError(
                    Problem(
                        str(meta_path),
                        "",
                        "the sweep in this folder was run with other settings "
                        "or another scenario; run without --resume to start again",
                    )
                )
        self.ckpt: Checkpoint | None = None
        self.vectors: VectorFile | None = None
        try:
            if o["scheduler"] is not None:  # an unreachable scheduler fails before any work
                self.executor = DaskPool(o["scheduler"], s, o["batch_runner"], self.stop)
            with writing(self.out):
                write_json(meta_path, settings)
                self.ckpt = Checkpoint(self.out / CHECKPOINT, fresh=not resume)
                if self.pruning:
                    lp = prep.built.lp
                    self.vectors = VectorFile(
                        self.out / VECTORS, lp.num_col, lp.num_row, fresh=not resume
                    )
                elif not resume:
                    (self.out / VECTORS).unlink(missing_ok=True)
            self.solver = CaseSolver(prep)
            self.rowmaker = self.solver.rows
            self.view = ModelView(prep) if self.pruning else None
            self.done = sum(1 for c in cases if c.id in self.ckpt.rows)
            self.say(self.done, len(cases))
            with self.stop.catching():
                if self.k is not None:
                    self._nk()
                else:
                    self._mc()
        except Interrupted as exc:
            self._close(kill=True)
            rows = self.ckpt.rows if self.ckpt is not None else {}
            exc.kept = sum(1 for c in cases if c.id in rows)
            exc.total, exc.out = len(cases), str(self.out)
            exc.args = (f"interrupted: {exc.kept} of {exc.total} cases kept in {self.out}",)
            raise
        except BaseException:
            self._close(kill=True)
            raise
        self._close()
        return self._finish(settings, time.perf_counter() - t_start)

    @property
    def _ckpt(self) -> Checkpoint:
        assert self.ckpt is not None
        return self.ckpt

    def _close(self, kill: bool = False) -> None:
        if self.executor is not None:
            self.executor.close(kill=kill)
            self.executor = None
        with writing(self.out):
            if self.ckpt is not None:
                self.ckpt.close()
            if self.vectors is not None:
                self.vectors.close()

    def _finish(self, settings: dict[str, Any], seconds: float) -> SweepResult:
        s, prep = self.s, self.prep
        rows = [self._ckpt.rows[c.id] for c in self.cases]
        table = _table(rows, s)
        if self.k is not None:
            ranking = _ranking(table, self.elems, self.cases)
        else:
            ranking = _mc_ranking(table, prep.resolver.label)
        stats = _mc_stats(table, s, self.opts["cvar_level"]) if self.monte_carlo else {}
        by_rule: dict[str, int] = {}
        for r in rows:
            if r.get("rule"):
                by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
        reused = sum(by_rule.values())
        meta = {
            **settings,
            "solved": len(rows) - reused,
            "reused": reused,
            "reused_by": by_rule,
            "helper_solves": sum(1 for i in self._ckpt.rows if i < 0),
            "pruned": self.pruning,
        }
        with writing(self.out):
            write_csv(self.out / "sweep.csv", table)
            write_csv(self.out / "ranking.csv", ranking)
            if stats:
                write_json(self.out / "montecarlo.json", stats)
            write_json(self.out / META, meta)
        return SweepResult(table, ranking, stats, seconds, self.solved, self.reused, meta)

    # -- rows in -----------------------------------------------------------------------------
    def _take(self, rows: Iterable[dict[str, Any]], sync: bool = True) -> None:
        """Record finished rows: the optimum of a parent to the vector file and to memory,
        then the row to the checkpoint."""
        rows = list(rows)
        if not rows:
            return
        with writing(self.out):
            for r in rows:
                x, y = r.pop("_x", None), r.pop("_y", None)
                basis = r.pop("_basis", None)
                cid = int(r["scenario"])
                if basis is not None:
                    self.blobs[cid] = basis
                if cid in self._ckpt.rows:
                    continue
                if "rule" not in r:
                    self.solved += 1
                else:
                    self.reused += 1
                if cid >= 0:
                    self.done += 1
                if x is not None and self.vectors is not None:
                    self.vectors.add(cid, x, y)
                    self._learn_solved(cid, r, x, y)
            if self.vectors is not None and sync:
                self.vectors.sync()
            self._ckpt.add(rows, sync=sync)
        self.say(self.done, len(self.cases))

    def _local(self, batch: list[Case]) -> list[dict[str, Any]]:
        """Solve a batch in this process, one case at a time (Ctrl-C is checked between)."""
        for case in batch:
            self.stop.check()
            self._take([self.solver.solve(case)], sync=False)
        with writing(self.out):
            if self.vectors is not None:
                self.vectors.sync()
            self._ckpt.sync()
        return []

    def _solve(self, cases: list[Case]) -> None:
        """Solve cases in batches on the sweep's executor."""
        if not cases:
            return
        if self.batch_size is None:
            # time the first few cases to size the batches; their rows are kept
            probe, cases = cases[:5], cases[5:]
            t0 = time.perf_counter()
            self._local(probe)
            per_case = max((time.perf_counter() - t0) / len(probe), 1e-5)
            self.batch_size = int(min(MAX_BATCH, max(1, math.ceil(BATCH_SECONDS / per_case))))
        size = self.batch_size
        batches = [cases[i : i + size] for i in range(0, len(cases), size)]
        if not batches:
            return
        if self.executor is None:
            o = self.opts
            if o["scheduler"] is not None:
                self.executor = DaskPool(o["scheduler"], self.s, o["batch_runner"], self.stop)
            elif o["workers"] > 1:
                self.executor = LocalPool(o["workers"] - 1, self.s, o["batch_runner"], self.stop)
            else:
                self.executor = InProcess()
        self.executor.run(batches, self._local, self._take)

    # -- N-k ---------------------------------------------------------------------------------
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
            if certifies(cand, bounds):
                ids = [p[0] for p in parts if p is not None]
                return Derived("superposition", ids, with_busy(self.emap, cand, bounds), bounds)
        return None

    def _derived_row(self, case: Case, d: Derived) -> dict[str, Any]:
        assert self.view is not None
        unmet = d.optimum.x[self.prep.built.lp.col["unmet"]]
        row = self.rowmaker(
            case, Status.OPTIMAL, self.view.objective_usd(d.optimum, d.bounds), unmet
        )
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

    # -- Monte Carlo -------------------------------------------------------------------------
    def _mc(self) -> None:
        cases = self.cases
        if not self.opts["prune"]:
            self._solve([c for c in cases if c.id not in self._ckpt.rows])
            return
        # draws with the same events are the same LP: solve the first of each
        first: dict[Any, Case] = {}
        for c in cases:
            first.setdefault(draw_key(c), c)
        reps = [c for c in first.values() if c.id not in self._ckpt.rows]
        ref: Optimum | None = None
        if self.pruning and any(c.id != 0 for c in reps):
            ref = self._mc_reference()
        todo: list[Case] = []
        derived: list[dict[str, Any]] = []
        for c in reps:
            if c.id in self._ckpt.rows:
                continue
            self.stop.check()
            if ref is not None and self.view is not None and c.id != 0:
                b = self.view.bounds(case_availability(self.prep, c))
                if certifies(ref, b):
                    unmet = ref.x[self.prep.built.lp.col["unmet"]]
                    row = self.rowmaker(c, Status.OPTIMAL, self.view.objective_usd(ref, b), unmet)
                    row["rule"], row["from"] = "reference", 0
                    derived.append(row)
                    continue
            todo.append(c)
        self._take(derived)
        self._solve(todo)
        rows = []  # every other draw takes the row of the first draw with its events
        for c in cases:
            if c.id not in self._ckpt.rows:
                src_case = first[draw_key(c)]
                row = {**self._ckpt.rows[src_case.id], "scenario": c.id}
                row["elements"] = ";".join(c.names)
                row["rule"], row["from"] = "same-draw", src_case.id
                rows.append(row)
        self._take(rows)

    def _mc_reference(self) -> Optimum | None:
        """The reference case's optimum (solved here, or read back when resuming)."""
        assert self.view is not None and self.vectors is not None
        if 0 in self.vectors.held:
            return self.view.optimum(*self.vectors.held[0])
        old = self._ckpt.rows.get(0)
        if old is not None and old.get("status") != Status.OPTIMAL.value:
            return None
        row = self.solver.solve(replace(self.cases[0], keep=True))
        x: np.ndarray | None = row.get("_x")
        y: np.ndarray | None = row.get("_y")
        if old is None:
            self._take([row])
        else:  # its optimum was lost: solved again, row kept
            self.solved += 1
            if x is not None and y is not None:
                with writing(self.out):
                    self.vectors.add(0, x, y)
        return self.view.optimum(x, y) if x is not None and y is not None else None


def _table(rows: list[dict[str, Any]], s: Scenario) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    base = df.loc[df["scenario"] == 0, "objective"].iloc[0]
    df["cost_increase"] = df["objective"] - base
    cols = ["scenario", "elements", "unmet", *[f"unmet_{c}" for c in s.commodities]]
    cols += ["cost_increase", "status", "objective"]
    df["elements"] = df["elements"].fillna("")
    return df[cols].sort_values("scenario").reset_index(drop=True)


def _ranking(table: pd.DataFrame, elems: list[Element], cases: list[Case]) -> pd.DataFrame:
    """Criticality: unmet demand when the element alone is lost, then the worst and mean
    unmet over every case that loses it, then the cost increase when lost alone. ``element``
    is the target name (as in ``sweep.csv``), ``label`` what to show (a corridor is marked as
    a whole corridor)."""
    by_id = table.set_index("scenario")
    alone = {c.names[0]: c.id for c in cases if len(c.names) == 1}
    containing: dict[str, list[int]] = {e.name: [] for e in elems}
    for c in cases:
        for n in c.names:
            containing[n].append(c.id)
    rows = []
    for e in elems:
        cid = alone[e.name]
        ids = containing[e.name]
        rows.append(
            {
                "element": e.name,
                "label": e.label,
                "class": e.cls,
                "unmet_alone": by_id.at[cid, "unmet"],
                "cost_increase_alone": by_id.at[cid, "cost_increase"],
                "worst_unmet": by_id.loc[ids, "unmet"].max(),
                "mean_unmet": by_id.loc[ids, "unmet"].mean(),
                "status_alone": by_id.at[cid, "status"],
            }
        )
    rk = pd.DataFrame(rows)
    rk = rk.sort_values(
        ["unmet_alone", "worst_unmet", "cost_increase_alone", "element"],
        ascending=[False, False, False, True],
    ).reset_index(drop=True)
    rk.insert(0, "rank", np.arange(1, len(rk) + 1))
    return rk


def _mc_ranking(table: pd.DataFrame, label: Callable[[str], str]) -> pd.DataFrame:
    """For each event target: how often it was drawn and the mean unmet with and without it."""
    runs = table[table["scenario"] > 0]
    names = sorted({n for e in runs["elements"] for n in e.split(";") if n})
    rows = []
    for n in names:
        hit = runs["elements"].map(lambda e, n=n: n in e.split(";"))
        rows.append(
            {
                "element": n,
                "label": label(n),
                "runs": int(hit.sum()),
                "mean_unmet_when_drawn": float(runs.loc[hit, "unmet"].mean()),
                "mean_unmet_otherwise": float(runs.loc[~hit, "unmet"].mean())
                if (~hit).any()
                else 0.0,
            }
        )
    rk = pd.DataFrame(
        rows,
        columns=["element", "label", "runs", "mean_unmet_when_drawn", "mean_unmet_otherwise"],
    )
    rk["excess_unmet"] = rk["mean_unmet_when_drawn"] - rk["mean_unmet_otherwise"]
    rk = rk.sort_values(["excess_unmet", "element"], ascending=[False, True]).reset_index(drop=True)
    rk.insert(0, "rank", np.arange(1, len(rk) + 1))
    return rk


def cvar(values: np.ndarray, level: float) -> float:
    """Conditional value at risk: the mean of the worst ``1 - level`` share of outcomes
    (with the boundary sample weighted so the tail has exactly that mass)."""
    x = np.sort(np.asarray(values, dtype=float))[::-1]
    n = len(x)
    tail = (1.0 - level) * n
    if n == 0 or tail <= 0:
        return float(x.max()) if n else float("nan")
    whole = int(math.floor(tail))
    total = x[:whole].sum() + (tail - whole) * (x[whole] if whole < n else 0.0)
    return float(total / tail)


def _mc_stats(table: pd.DataFrame, s: Scenario, level: float) -> dict[str, Any]:
    runs = table[table["scenario"] > 0]
    u = runs["unmet"].to_numpy(dtype=float)
    q = [0.5, 0.9, 0.95, 0.99]
    hist, edges = np.histogram(u, bins=20)
    return {
        "runs": len(runs),
        "expected_unmet_pj": float(u.mean()),
        "std_unmet_pj": float(u.std(ddof=1)) if len(u) > 1 else 0.0,
        "quantiles_pj": {str(p): float(np.quantile(u, p)) for p in q},
        "cvar_level": level,
        "cvar_unmet_pj": cvar(u, level),
        "probability_any_unmet": float((u > 1e-9).mean()),
        "expected_unmet_by_commodity": {c: float(runs[f"unmet_{c}"].mean()) for c in s.commodities},
        "expected_cost_increase_usd": float(runs["cost_increase"].mean()),
        "histogram": {"edges_pj": edges.tolist(), "counts": hist.tolist()},
        "not_optimal": int((runs["status"] != Status.OPTIMAL.value).sum()),
    }


__all__ = [
    "CHECKPOINT",
    "LOCK",
    "META",
    "VECTORS",
    "Case",
    "CaseSolver",
    "Interrupted",
    "SweepResult",
    "case_availability",
    "case_release",
    "cvar",
    "mc_cases",
    "nk_cases",
    "run_batch",
    "run_sweep",
    "solve_case",
]
