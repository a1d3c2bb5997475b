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

The sweep lives in four modules: this one (:func:`run_sweep`, set-up, executors, checkpoint,
Monte Carlo, and the worker side, :func:`run_batch`), :mod:`corridors.analysis.sweep_case`
(cases and solving one), :mod:`corridors.analysis.sweep_nk` (the N-k levels) and
:mod:`corridors.analysis.sweep_tables` (``sweep.csv``, rankings, Monte Carlo statistics).
Every name of those is importable from here too.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import time
from collections.abc import Callable, Iterable
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
from corridors.analysis.prune import Derived as Derived
from corridors.analysis.prune import ElementMap as ElementMap
from corridors.analysis.prune import Known as Known
from corridors.analysis.prune import LPBounds, ModelView, Optimum, can_prune, certifies
from corridors.analysis.prune import with_busy as with_busy
from corridors.analysis.sweep_case import BASES_BUDGET as BASES_BUDGET
from corridors.analysis.sweep_case import OBJECTIVE as OBJECTIVE
from corridors.analysis.sweep_case import UNMET_PJ as UNMET_PJ
from corridors.analysis.sweep_case import (
    Case,
    CaseSolver,
    case_availability,
    case_release,
    draw_key,
    mc_cases,
    nk_cases,
)
from corridors.analysis.sweep_case import RowMaker as RowMaker
from corridors.analysis.sweep_case import _basis as _basis
from corridors.analysis.sweep_case import _solved_row as _solved_row
from corridors.analysis.sweep_case import basis_arrays as basis_arrays
from corridors.analysis.sweep_case import not_supplied_columns as not_supplied_columns
from corridors.analysis.sweep_case import row_columns as row_columns
from corridors.analysis.sweep_case import solve_case as solve_case
from corridors.analysis.sweep_case import unmet_columns as unmet_columns
from corridors.analysis.sweep_nk import HELPER as HELPER
from corridors.analysis.sweep_nk import OPTIMA_BUDGET as OPTIMA_BUDGET
from corridors.analysis.sweep_nk import NkDriver
from corridors.analysis.sweep_tables import COST_INCREASE as COST_INCREASE
from corridors.analysis.sweep_tables import cvar, montecarlo_json
from corridors.analysis.sweep_tables import mc_ranking as _mc_ranking
from corridors.analysis.sweep_tables import mc_stats as _mc_stats
from corridors.analysis.sweep_tables import nk_ranking as _ranking
from corridors.analysis.sweep_tables import sweep_table as _table
from corridors.core.availability import Availability as Availability
from corridors.core.availability import Element as Element
from corridors.core.availability import apply_factor as apply_factor
from corridors.core.availability import elements, parse_classes
from corridors.core.availability import sample_events as sample_events
from corridors.core.session import Prepared, Source, prepare
from corridors.core.status import Status
from corridors.errors import CorridorsError, Problem
from corridors.io.files import write_csv, write_json
from corridors.io.schema import Scenario

BATCH_SECONDS = 0.25
MAX_BATCH = 2000
META = "sweep_meta.json"

ROWS_FORMAT = 2
"""Version of a sweep's rows (sweep.jsonl, sweep.csv), in sweep_meta.json ``rows_format``;
``--resume`` refuses a folder of another version. 2: every figure named with its unit
(``unmet_pj``, ``unmet_<commodity>_<unit>`` for the demanded commodities only,
``not_supplied_<commodity>_<unit>`` for those nothing demands, ``cost_increase_usd``,
``objective_usd``); 1 (no ``rows_format``): ``unmet``, ``unmet_<commodity>`` for every
commodity, ``cost_increase``, ``objective``."""

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

    Writes ``sweep.csv`` (scenario, elements, ``unmet_pj``, ``unmet_<commodity>_<unit>``
    per demanded commodity, ``not_supplied_<commodity>_<unit>`` per supplied commodity that
    nothing demands (LNG), ``cost_increase_usd``, status, ``objective_usd``; totals over the
    horizon), ``ranking.csv``, ``sweep_meta.json`` and, for Monte Carlo, ``montecarlo.json``. ``element_classes``: as
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


class _Sweep(NkDriver):
    """One run of :func:`run_sweep` (state shared by the N-k and Monte Carlo drivers; the N-k
    levels: :class:`~corridors.analysis.sweep_nk.NkDriver`)."""

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
        settings["scenario_sha256"] = s.fingerprint()
        settings.update(
            {"cases": len(cases), "prune": bool(o["prune"]), "rows_format": ROWS_FORMAT}
        )
        meta_path = self.out / META
        resume = bool(o["resume"])
        if resume and meta_path.exists():
            try:
                old = json.loads(meta_path.read_text())
            except (OSError, ValueError):
                old = {}
            if old.get("rows_format", 1) != ROWS_FORMAT:
                raise CorridorsError(
                    Problem(
                        str(meta_path),
                        "",
                        "the sweep in this folder was written by another version of corridors "
                        f"(rows format {old.get('rows_format', 1)}, this version writes "
                        f"{ROWS_FORMAT}: columns named with their units); run without --resume "
                        "to start again",
                    )
                )
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
                write_json(self.out / "montecarlo.json", montecarlo_json(stats, s))
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

    def _certifies(self, cand: Optimum, bounds: LPBounds) -> bool:
        """:func:`~corridors.analysis.prune.certifies`, looked up in this module when called
        (so that replacing ``corridors.analysis.sweep.certifies`` reaches both drivers)."""
        return certifies(cand, bounds)

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
                    cost = self.view.objective_usd(ref, b)
                    row = self.rowmaker.from_x(c, Status.OPTIMAL, cost, ref.x)
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


__all__ = [
    "CHECKPOINT",
    "LOCK",
    "META",
    "ROWS_FORMAT",
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
