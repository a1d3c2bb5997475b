"""Batched scenario execution: N-k loss enumeration and Monte Carlo, with checkpoint + resume.

One model is built per process and re-solved after changing only bounds (warm dual simplex,
:meth:`corridors.core.solve.Runner.resolve`). Cases go to workers in batches of about
``BATCH_SECONDS`` of work: in-process (``workers=1``), local worker processes
(``workers=N``) or a Dask cluster (``scheduler=ADDRESS``); the cases and their order do not
depend on how they are spread, so the files are the same whichever way a sweep runs.

Every finished case is appended to ``DIR/sweep.jsonl`` as it completes; ``resume=True``
reads it back and runs only what is missing. A worker process that dies has its batch re-run.
"""

from __future__ import annotations

import itertools
import json
import math
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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
CHECKPOINT = "sweep.jsonl"
META = "sweep_meta.json"


@dataclass(frozen=True)
class Case:
    """One scenario of a sweep: the elements lost (or events drawn) and their factors."""

    id: int
    names: tuple[str, ...]
    events: tuple[tuple[tuple[str, ...], tuple[float, ...]], ...]


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


# --------------------------------------------------------------------------- worker side


def worker_model(scenario: Scenario) -> Prepared:
    """The model a worker process holds for ``scenario``, built on its first batch.

    A worker (a spawned process or a Dask worker process) keeps one built model as an
    attribute of its own process object, keyed by the scenario's fingerprint, so that the
    following batches only change bounds; in the sweeping process itself the model is passed
    explicitly and this is not used.
    """
    proc = multiprocessing.current_process()
    held: tuple[str, Prepared] | None = getattr(proc, "corridors_model", None)
    key = scenario.fingerprint()
    if held is None or held[0] != key:
        held = (key, prepare(scenario))
        proc.corridors_model = held  # type: ignore[attr-defined]
    return held[1]


def case_availability(prep: Prepared, case: Case) -> Availability:
    """The scenario's availability with the case's losses applied on top."""
    avail = prep.availability.copy()
    for names, factor in case.events:
        f = np.asarray(factor)
        for name in names:
            apply_factor(avail, prep.resolver.resolve(name), f)
    return avail


def solve_case(prep: Prepared, case: Case) -> dict[str, Any]:
    """Re-solve the built model for one case (bounds only) and return its row."""
    sol = prep.runner.resolve(case_availability(prep, case), duals=False)
    com = prep.scenario.commodities
    data = prep.data
    row: dict[str, Any] = {
        "scenario": case.id,
        "elements": ";".join(case.names),
        "status": sol.status.value,
        "objective": sol.objective if sol.has_solution else None,
    }
    unmet_pj = 0.0
    by_com = {c: 0.0 for c in com}
    if sol.has_solution:
        per_demand = data.per_demand(sol.unmet).sum(axis=1)
        for k, v in zip(data.demand, per_demand, strict=True):
            by_com[k.commodity] += float(v)
        unmet_pj = sum(v * com[c].pj_per_unit for c, v in by_com.items())
    row["unmet"] = unmet_pj if sol.has_solution else None
    for c, v in by_com.items():
        row[f"unmet_{c}"] = v if sol.has_solution else None
    return row


def run_batch(scenario: Scenario, cases: list[Case]) -> list[dict[str, Any]]:
    """Solve a batch of cases on the model this worker process holds (local or Dask)."""
    prep = worker_model(scenario)
    return [solve_case(prep, case) for case in cases]


BatchRunner = Callable[[Scenario, list[Case]], list[dict[str, Any]]]
"""What a worker runs on a batch: :func:`run_batch`, or a replacement with the same contract
(the tests pass one that kills its process, to check that a lost batch is re-run)."""


def _init_worker(scenario: Scenario) -> None:
    worker_model(scenario)


# --------------------------------------------------------------------------- checkpoint


class Checkpoint:
    """Append-only JSON lines of finished cases; a torn last line is dropped on open."""

    def __init__(self, path: Path, fresh: bool):
        self.path = path
        self.rows: dict[int, dict[str, Any]] = {}
        if fresh:
            path.unlink(missing_ok=True)
        elif path.exists() and path.stat().st_size:
            good = 0
            with open(path, "rb") as fh:
                for raw in fh:
                    try:
                        row = json.loads(raw)
                    except ValueError:
                        break
                    if not raw.endswith(b"\n"):
                        break
                    self.rows[int(row["scenario"])] = row
                    good += len(raw)
            with open(path, "r+b") as fh:
                fh.truncate(good)
        self.fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())

    def add(self, rows: Iterable[dict[str, Any]], sync: bool = True) -> None:
        text = "".join(json.dumps(r) + "\n" for r in rows if int(r["scenario"]) not in self.rows)
        for r in rows:
            self.rows.setdefault(int(r["scenario"]), r)
        if text:
            self.fh.write(text)
            self.fh.flush()
            if sync:
                os.fsync(self.fh.fileno())

    def close(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()


# --------------------------------------------------------------------------- driver


@dataclass
class SweepResult:
    """Rows (one per case), ranking of elements, and Monte Carlo statistics if any."""

    table: pd.DataFrame
    ranking: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    solved: int = 0


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
) -> SweepResult:
    """Run an N-k sweep (``k``) or a Monte Carlo sweep (``monte_carlo`` runs) into ``out``.

    Writes ``sweep.csv`` (scenario, elements, unmet [PJ], unmet_<commodity> [units],
    cost_increase [USD], status), ``ranking.csv`` and, for Monte Carlo, ``montecarlo.json``.
    ``element_classes``: as :func:`~corridors.core.availability.parse_classes`; by default the
    disruptable elements (:data:`~corridors.core.availability.DISRUPTABLE_CLASSES`).
    ``batch_runner`` is what worker processes (not this one) run on a batch.
    """
    t_start = time.perf_counter()
    prep = prepare(scenario)
    s = prep.scenario
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if (k is None) == (monte_carlo is None):
        raise CorridorsError("give either --k K (N-k enumeration) or --monte-carlo N")
    elems: list[Element] = []
    if k is not None:
        elems = elements(prep.network, prep.resolver, parse_classes(element_classes))
        if k < 1:
            raise CorridorsError(Problem("", "--k", f"K must be at least 1 (got {k})"))
        if k > len(elems):
            raise CorridorsError(
                Problem("", "--k", f"K={k} is larger than the {len(elems)} elements to choose from")
            )
        cases = list(nk_cases(elems, k, s.horizon.periods))
        meta = {"mode": "n-k", "k": k, "elements": [e.name for e in elems]}
    else:
        assert monte_carlo is not None
        if monte_carlo < 1:
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
        cases = mc_cases(s, monte_carlo, seed)
        meta = {"mode": "monte-carlo", "n": monte_carlo, "seed": seed}
    if scheduler is not None and workers < 1:
        workers = 1
    meta.update({"scenario_sha256": s.fingerprint(), "cases": len(cases)})

    meta_path = out / META
    if resume and meta_path.exists():
        old = json.loads(meta_path.read_text())
        if old != meta:
            raise CorridorsError(
                Problem(
                    str(meta_path),
                    "",
                    "the sweep in this folder was run with other settings "
                    "or another scenario; run without --resume to start again",
                )
            )
    write_json(meta_path, meta)
    ckpt = Checkpoint(out / CHECKPOINT, fresh=not resume)
    todo = [c for c in cases if c.id not in ckpt.rows]
    n_new = len(todo)

    if batch_size is None:
        # time the first few cases to size the batches; their rows are kept, not thrown away
        t0 = time.perf_counter()
        probe = [solve_case(prep, c) for c in todo[:5]]
        per_case = max((time.perf_counter() - t0) / max(len(probe), 1), 1e-5)
        batch_size = int(min(MAX_BATCH, max(1, math.ceil(BATCH_SECONDS / per_case))))
        ckpt.add(probe)
        todo = todo[len(probe) :]
    batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
    done = len(ckpt.rows)
    say = progress or (lambda _d, _n: None)
    say(done, len(cases))
    try:
        if scheduler is not None:
            tick = lambda n: say(len(ckpt.rows), len(cases))  # noqa: E731
            _run_dask(scheduler, s, batches, ckpt, tick, batch_runner)
        elif workers > 1:
            tick = lambda n: say(len(ckpt.rows), len(cases))  # noqa: E731
            _run_pool(workers, prep, batches, ckpt, tick, batch_runner)
        else:
            for batch in batches:
                for case in batch:
                    ckpt.add([solve_case(prep, case)], sync=False)
                os.fsync(ckpt.fh.fileno())
                say(len(ckpt.rows), len(cases))
    finally:
        ckpt.close()

    rows = [ckpt.rows[c.id] for c in cases]
    table = _table(rows, s)
    if k is not None:
        ranking = _ranking(table, elems, cases)
    else:
        ranking = _mc_ranking(table, prep.resolver.label)
    stats = _mc_stats(table, s, cvar_level) if monte_carlo is not None else {}
    write_csv(out / "sweep.csv", table)
    write_csv(out / "ranking.csv", ranking)
    if stats:
        write_json(out / "montecarlo.json", stats)
    return SweepResult(table, ranking, stats, time.perf_counter() - t_start, n_new)


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


# --------------------------------------------------------------------------- executors


def _run_pool(
    workers: int,
    prep: Prepared,
    batches: list[list[Case]],
    ckpt: Checkpoint,
    tick: Callable[[int], None],
    batch_runner: BatchRunner = run_batch,
    max_restarts: int = 3,
) -> None:
    """Run batches on ``workers - 1`` spawned processes plus this process.

    This process already holds the built model, so it solves batches itself while the other
    workers start up and between collecting their results; a worker that dies (the pool
    breaks) has its batches put back in the queue and a new pool is started.
    """
    import multiprocessing as mp
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    s = prep.scenario
    queue = deque(range(len(batches)))
    restarts = 0
    ctx = mp.get_context("spawn")
    helpers = workers - 1
    while queue:
        with ProcessPoolExecutor(
            helpers, mp_context=ctx, initializer=_init_worker, initargs=(s,)
        ) as ex:
            futs: dict[Any, int] = {}
            broken = False
            while queue or futs:
                while queue and len(futs) < 2 * helpers and not broken:
                    i = queue.pop()  # children take from the back, this process from the front
                    futs[ex.submit(batch_runner, s, batches[i])] = i
                if queue:
                    i = queue.popleft()
                    rows = [solve_case(prep, c) for c in batches[i]]
                    ckpt.add(rows)
                    tick(len(rows))
                timeout = 0 if queue else None
                finished, _ = wait(list(futs), timeout=timeout, return_when=FIRST_COMPLETED)
                for f in finished:
                    i = futs.pop(f)
                    try:
                        rows = f.result()
                    except BrokenProcessPool:
                        broken = True
                        queue.append(i)
                        continue
                    ckpt.add(rows)
                    tick(len(rows))
                if broken and not futs:
                    break
            if broken:
                restarts += 1
                if restarts > max_restarts:
                    raise CorridorsError("worker processes keep dying; giving up")


def _run_dask(
    address: str,
    s: Scenario,
    batches: list[list[Case]],
    ckpt: Checkpoint,
    tick: Callable[[int], None],
    batch_runner: BatchRunner = run_batch,
) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise CorridorsError(
            "--scheduler needs dask.distributed: pip install 'corridors[dask]'"
        ) from exc
    try:
        client = Client(address, timeout="5s")
    except (OSError, TimeoutError) as exc:
        raise CorridorsError(
            Problem("", "--scheduler", f"cannot reach the Dask scheduler at {address} ({exc})")
        ) from None
    try:
        futs = [client.submit(batch_runner, s, b, pure=False, retries=3) for b in batches]
        for fut in as_completed(futs):
            rows = fut.result()
            ckpt.add(rows)
            tick(len(rows))
    finally:
        client.close()


__all__ = ["Case", "SweepResult", "cvar", "mc_cases", "nk_cases", "run_sweep"]
