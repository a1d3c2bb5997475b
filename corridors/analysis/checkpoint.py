"""A sweep's files while it runs: the checkpoint of finished cases, the optima kept for
pruning, and the lock that keeps a second process out of the same folder.

Every write is appended and flushed as a case finishes; a write that fails (a read-only
folder, a full disk) is rolled back to the last whole record before the error is reported,
so the files always hold whole records only and ``--resume`` can continue from them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from corridors.errors import CorridorsError, Problem

CHECKPOINT = "sweep.jsonl"
VECTORS = "sweep_optima.bin"
LOCK = "sweep.lock"


@contextlib.contextmanager
def writing(folder: Path) -> Iterator[None]:
    """Report a failed write in ``folder`` (read-only, disk full, ...) as a one-line user
    error naming the folder."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CorridorsError(
            Problem(str(folder), "", f"cannot write the sweep's files in this folder ({reason})")
        ) from None


def _write_all(fd: int, data: bytes, good: int) -> None:
    """Append ``data`` to ``fd``; on failure truncate back to ``good`` bytes and re-raise."""
    view = memoryview(data)
    try:
        while view:
            n = os.write(fd, view)
            view = view[n:]
    except BaseException:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, good)
        raise


class _AppendFile:
    """An append-only file held open by descriptor ``fd``: flushed to disk by :meth:`sync`,
    and by :meth:`close` (once; a second close does nothing)."""

    fd: int

    def sync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1


class Checkpoint(_AppendFile):
    """Append-only JSON lines of finished cases, keyed by ``scenario`` (the case id).

    Opening an existing file (``fresh=False``) reads every whole line and truncates a torn
    last line; rows are written whole or not at all (:func:`_write_all`). Keys starting with
    ``_`` are not written (a row's solution vectors travel beside it, :class:`VectorFile`).
    """

    def __init__(self, path: Path, fresh: bool):
        self.path = path
        self.rows: dict[int, dict[str, Any]] = {}
        if fresh:
            path.unlink(missing_ok=True)
        good = 0
        if path.exists():
            with open(path, "rb") as fh:
                for raw in fh:
                    if not raw.endswith(b"\n"):
                        break
                    try:
                        row = json.loads(raw)
                    except ValueError:
                        break
                    self.rows[int(row["scenario"])] = row
                    good += len(raw)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if os.fstat(self.fd).st_size != good:
            os.ftruncate(self.fd, good)
        self.size = good

    def add(self, rows: Iterable[dict[str, Any]], sync: bool = True) -> None:
        """Append the rows not yet held (a case is written once, whatever reports it)."""
        new: list[dict[str, Any]] = []
        seen: set[int] = set()
        for r in rows:
            rid = int(r["scenario"])
            if rid not in self.rows and rid not in seen:
                seen.add(rid)
                new.append(r)
        if not new:
            return
        data = "".join(
            json.dumps({k: v for k, v in r.items() if not k.startswith("_")}) + "\n" for r in new
        ).encode()
        _write_all(self.fd, data, self.size)
        if sync:
            os.fsync(self.fd)
        self.size += len(data)
        for r in new:
            self.rows[int(r["scenario"])] = {k: v for k, v in r.items() if not k.startswith("_")}


class VectorFile(_AppendFile):
    """Append-only records of optima kept for pruning: each record is the case id, the
    column values and the row duals (float64), after a header with the LP's size. A torn last
    record is dropped on opening; a file of another LP size is started afresh."""

    MAGIC = b"corridors-optima-1\n"

    def __init__(self, path: Path, num_col: int, num_row: int, fresh: bool):
        self.path = path
        self.num_col, self.num_row = num_col, num_row
        self.width = 1 + num_col + num_row
        header = self.MAGIC + np.array([num_col, num_row], dtype=np.int64).tobytes()
        self.held: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        keep = 0
        if not fresh and path.exists():
            raw = path.read_bytes()
            if raw.startswith(header):
                body = raw[len(header) :]
                n = len(body) // (8 * self.width)
                recs = np.frombuffer(body[: n * 8 * self.width], dtype=np.float64)
                recs = recs.reshape(n, self.width)
                for rec in recs:
                    self.held[int(rec[0])] = (rec[1 : 1 + num_col], rec[1 + num_col :])
                keep = len(header) + n * 8 * self.width
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if keep == 0:
            os.ftruncate(self.fd, 0)
            _write_all(self.fd, header, 0)
            keep = len(header)
        elif os.fstat(self.fd).st_size != keep:
            os.ftruncate(self.fd, keep)
        self.size = keep

    def add(self, cid: int, x: np.ndarray, y: np.ndarray) -> None:
        rec = np.concatenate([[float(cid)], x, y]).astype(np.float64)
        data = rec.tobytes()
        _write_all(self.fd, data, self.size)
        self.size += len(data)
        self.held[cid] = (np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class OutputLock:
    """One sweep at a time per output folder: ``DIR/sweep.lock`` holds the writer's pid.

    Held with ``flock`` where the system has it: the kernel releases it when its holder dies,
    so a lock file left by a killed sweep is stale and taken over. Elsewhere, the file is
    created exclusively and a lock whose pid no longer runs (on this host) is taken over.
    A second sweep into a folder whose lock is held stops at once with a one-line error
    naming the holder.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / LOCK
        self.fd = -1
        self.note: str | None = None

    def _holder(self) -> str:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""
        return text

    def _refuse(self, holder: str) -> CorridorsError:
        parts = holder.split()
        who = f"pid {parts[0]}" if parts else "another process"
        if len(parts) > 1:
            who += f" on {parts[1]}"
        return CorridorsError(
            Problem(
                str(self.folder),
                "",
                f"another sweep is writing to this folder ({who}, lock {self.path.name}); "
                "wait for it to finish or choose another --out",
            )
        )

    def acquire(self) -> None:
        """Take the lock or raise :class:`CorridorsError`; :attr:`note` tells when a stale
        lock was taken over."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            self._acquire_exclusive()
            return
        for _ in range(20):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = self._holder()
                os.close(fd)
                raise self._refuse(holder) from None
            except OSError:  # no flock on this file system: pid-based lock
                os.close(fd)
                self._acquire_exclusive()
                return
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the previous holder removed the file meanwhile: lock the new one
                os.close(fd)
                continue
            old = os.read(fd, 4096).decode("utf-8", "replace").strip()
            if old:
                self.note = f"took over the stale lock of a sweep that is no longer running ({old.split()[0]})"
            self._stamp(fd)
            self.fd = fd
            return
        raise self._refuse(self._holder())  # pragma: no cover - a lock changing hands 20 times

    def _stamp(self, fd: int) -> None:
        text = f"{os.getpid()} {socket.gethostname()} {dt.datetime.now().isoformat(timespec='seconds')}\n"
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        _write_all(fd, text.encode(), 0)
        os.fsync(fd)

    def _acquire_exclusive(self) -> None:  # pragma: no cover - exercised where flock is absent
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = self._holder()
                parts = holder.split()
                host = parts[1] if len(parts) > 1 else socket.gethostname()
                pid = int(parts[0]) if parts and parts[0].isdigit() else -1
                if host == socket.gethostname() and pid > 0 and not _alive(pid):
                    self.note = f"took over the stale lock of pid {pid} (no longer running)"
                    self.path.unlink(missing_ok=True)
                    continue
                raise self._refuse(holder) from None
            self._stamp(fd)
            self.fd = fd
            return
        raise self._refuse(self._holder())

    def release(self) -> None:
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = -1


__all__ = ["CHECKPOINT", "LOCK", "VECTORS", "Checkpoint", "OutputLock", "VectorFile", "writing"]
