"""Files written atomically: a reader never sees a half-written file.

Every output of the package goes through :func:`atomic_write` (temporary file in the same
folder, fsync, rename). JSON is strict (NaN and infinities become null); CSV numbers are written
with 10 significant digits.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def _umask() -> int:
    """The process's file-creation mask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Read once, at import (before any thread of the package runs): ``os.umask`` sets as it reads.
_UMASK = _umask()


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file through a temporary file in the same folder, then rename it into place.

    A reader never sees a half-written file; a kill during writing leaves the old file (or
    none) and a stray ``.tmp`` that the next write replaces. The file gets the permissions
    an ordinary ``open()`` would give it (0666 less the umask; a replaced file keeps its
    own), not the owner-only mode of the temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)  # (a writer may replace the file: the mode is set after)
        os.chmod(tmp_path, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_UMASK)
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    atomic_write(path, write)


def write_json(path: Path, obj: Any) -> None:
    """Strict JSON: NaN and infinities (no solution, unlimited) are written as null."""
    text = json.dumps(
        _finite(obj), indent=2, sort_keys=False, default=_json_default, allow_nan=False
    )
    write_text(path, text + "\n")


def _finite(obj: Any) -> Any:
    if isinstance(obj, float | np.floating):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def write_csv(path: Path, df: pd.DataFrame) -> None:
    atomic_write(path, lambda p: df.to_csv(p, index=False, float_format="%.10g"))


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
