"""Where a sweep's batches run: this process, local worker processes, or a Dask cluster;
and how a sweep stops on Ctrl-C.

A batch is a list of cases; whatever runs it returns their rows. The executors here only move
batches and rows: what a batch does is the caller's function (a worker process runs
``batch_runner(scenario, cases)``, imported by reference). A worker that dies has its batch
sent again to another one; Ctrl-C (SIGINT) sets a flag that every loop checks between cases
and at least every ``POLL`` seconds, so a sweep stops within a fraction of a second, with
every row received so far handed over.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from corridors.errors import CorridorsError, Problem

POLL = 0.1
"""Seconds between checks of the stop flag while waiting for workers."""

Rows = list[dict[str, Any]]
OnRows = Callable[[Rows], None]
LocalRunner = Callable[[list[Any]], Rows]


class Interrupted(KeyboardInterrupt):
    """A sweep stopped by Ctrl-C after keeping what it had finished. ``kept`` of ``total``
    cases are in the checkpoint of ``out``."""

    def __init__(self, kept: int = 0, total: int = 0, out: str = ""):
        super().__init__(f"interrupted: {kept} of {total} cases kept in {out}")
        self.kept, self.total, self.out = kept, total, out


class StopFlag:
    """Set by the first Ctrl-C while :meth:`catching` is active; the second Ctrl-C raises
    :class:`KeyboardInterrupt` at once (a hard stop; the checkpoint drops a torn last line)."""

    def __init__(self) -> None:
        self.set = False

    def check(self) -> None:
        """Raise :class:`Interrupted` if Ctrl-C was pressed."""
        if self.set:
            raise Interrupted()

    def _handler(self, signum: int, frame: Any) -> None:
        if self.set:
            raise KeyboardInterrupt
        self.set = True

    @contextlib.contextmanager
    def catching(self) -> Iterator[StopFlag]:
        """Handle SIGINT with this flag (in the main thread; elsewhere the flag is only set by
        hand)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        old = signal.signal(signal.SIGINT, self._handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, old)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while starting a child process: the child inherits the disposition, so
    a Ctrl-C sent to the whole process group leaves the workers to this process to stop."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _serve(conn: Connection, scenario: Any, runner: Callable[[Any, list[Any]], Rows]) -> None:
    """A worker process: run the batches received until told to stop (None) or orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        i, cases = msg
        try:
            rows: Any = runner(scenario, cases)
        except Exception as exc:  # reported to the sweeping process, which raises it
            rows = exc
        try:
            conn.send((i, rows))
        except (OSError, ValueError):
            return


@dataclass(eq=False)
class _Worker:
    proc: Any
    conn: Connection


class InProcess:
    """Run every batch in this process (``workers=1``)."""

    def run(self, batches: list[list[Any]], local: LocalRunner, on_rows: OnRows) -> None:
        for b in batches:
            on_rows(local(b))

    def close(self, kill: bool = False) -> None:
        pass


class LocalPool:
    """``helpers`` spawned worker processes beside this one.

    This process holds the built model already, so it solves batches itself (``local``)
    between handing batches out and collecting rows. A worker that dies (its process ends
    while it holds a batch) has the batch put back in the queue and is replaced, up to
    ``max_restarts`` times in all. The workers are started on the first batch and kept for
    every later call of :meth:`run` (each builds the model once).
    """

    def __init__(
        self,
        helpers: int,
        scenario: Any,
        batch_runner: Callable[[Any, list[Any]], Rows],
        stop: StopFlag,
        max_restarts: int = 3,
    ):
        self.helpers = helpers
        self.scenario = scenario
        self.batch_runner = batch_runner
        self.stop = stop
        self.max_restarts = max_restarts
        self.restarts = 0
        self.ctx = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(
            target=_serve, args=(child, self.scenario, self.batch_runner), daemon=True
        )
        with _sigint_ignored():
            proc.start()
        child.close()
        return _Worker(proc, parent)

    def _replace(self, w: _Worker) -> None:
        self.restarts += 1
        with contextlib.suppress(OSError):
            w.conn.close()
        w.proc.join(0.1)
        self.workers.remove(w)
        if self.restarts > self.max_restarts:
            raise CorridorsError("worker processes keep dying; giving up")
        self.workers.append(self._start())

    def run(self, batches: list[list[Any]], local: LocalRunner, on_rows: OnRows) -> None:
        while len(self.workers) < self.helpers:
            self.workers.append(self._start())
        queue = deque(range(len(batches)))
        held: dict[_Worker, int] = {}
        while queue or held:
            self.stop.check()
            for w in list(self.workers):
                if w in held or not queue:
                    continue
                i = queue.pop()  # workers take from the back, this process from the front
                try:
                    w.conn.send((i, batches[i]))
                except (OSError, ValueError):
                    queue.append(i)
                    self._replace(w)
                    continue
                held[w] = i
            if queue:
                i = queue.popleft()
                on_rows(local(batches[i]))
            ready = wait(
                [w.conn for w in held] + [w.proc.sentinel for w in self.workers],
                timeout=0 if queue else POLL,
            )
            for w in list(self.workers):
                if w in held and w.conn in ready:
                    try:
                        i, rows = w.conn.recv()
                    except (EOFError, OSError):
                        queue.append(held.pop(w))
                        self._replace(w)
                        continue
                    del held[w]
                    if isinstance(rows, BaseException):
                        raise rows
                    on_rows(rows)
                elif w.proc.sentinel in ready and not w.proc.is_alive():
                    if w in held:
                        queue.append(held.pop(w))
                    self._replace(w)

    def close(self, kill: bool = False) -> None:
        """Stop the workers: ask them to finish (or, with ``kill``, terminate them at once)."""
        for w in self.workers:
            if not kill:
                with contextlib.suppress(OSError, ValueError):
                    w.conn.send(None)
        deadline = time.monotonic() + (0.0 if kill else 2.0)
        for w in self.workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.proc.terminate()
                w.proc.join(0.5)
            if w.proc.is_alive():  # pragma: no cover - a worker ignoring SIGTERM
                w.proc.kill()
                w.proc.join(0.5)
            with contextlib.suppress(OSError):
                w.conn.close()
        self.workers = []


class DaskPool:
    """Batches sent to a Dask cluster at ``address``. The scheduler re-runs a batch whose
    worker died on another worker; a batch that raises is retried up to 3 times."""

    def __init__(
        self,
        address: str,
        scenario: Any,
        batch_runner: Callable[[Any, list[Any]], Rows],
        stop: StopFlag,
    ):
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise CorridorsError(
                "--scheduler needs dask.distributed: pip install 'corridors[dask]'"
            ) from exc
        try:
            self.client = Client(address, timeout="5s")
        except (OSError, TimeoutError) as exc:
            raise CorridorsError(
                Problem("", "--scheduler", f"cannot reach the Dask scheduler at {address} ({exc})")
            ) from None
        self.scenario = scenario
        self.batch_runner = batch_runner
        self.stop = stop
        self.pending: list[Any] = []

    def run(self, batches: list[list[Any]], local: LocalRunner, on_rows: OnRows) -> None:
        from distributed import as_completed

        futs = [
            self.client.submit(self.batch_runner, self.scenario, b, pure=False, retries=3)
            for b in batches
        ]
        self.pending = list(futs)
        done = as_completed(futs)
        while not done.is_empty():
            self.stop.check()
            if not done.has_ready():
                time.sleep(POLL / 2)
                continue
            for fut in done.next_batch(block=False):
                try:
                    rows = fut.result()
                except Exception as exc:
                    if type(exc).__name__ == "KilledWorker":
                        raise CorridorsError(
                            "Dask workers keep dying on one batch; giving up"
                        ) from None
                    raise
                on_rows(rows)
        self.pending = []

    def close(self, kill: bool = False) -> None:
        if kill and self.pending:
            with contextlib.suppress(Exception):
                self.client.cancel(self.pending)
        with contextlib.suppress(Exception):
            self.client.close()


__all__ = ["DaskPool", "InProcess", "Interrupted", "LocalPool", "StopFlag"]
