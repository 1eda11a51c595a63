"""On-disk cache of task outputs, so an interrupted run resumes and figures do not recompute.

A task's output depends only on its function, its keyword arguments and its seed, so the key is
a SHA-256 of: the function's qualified name, a canonical digest of the kwargs (numpy arrays by
dtype, shape and bytes), the task's SeedSequence (entropy and spawn key), and a fingerprint of
the package's source (every ``.py`` file of ``bounds`` and ``verify``), so any code change
invalidates the cache.  Reduce steps (cheap, and where predictions enter) always rerun, so a
test that plants a wrong statement never meets a cached verdict.

The directory is ``$EQUIBOUNDS_CACHE`` or ``.equibounds-cache`` in the working directory.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import cache
from pathlib import Path

import numpy as np

__all__ = ["cache_dir", "load", "store", "task_key"]


def cache_dir() -> Path:
    return Path(os.environ.get("EQUIBOUNDS_CACHE", ".equibounds-cache"))


@cache
def _fingerprint() -> str:
    h = hashlib.sha256()
    root = Path(__file__).resolve().parents[2]
    for pkg in ("bounds", "verify"):
        for p in sorted((root / pkg).rglob("*.py")):
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _digest(obj, h) -> None:
    if isinstance(obj, np.ndarray):
        h.update(f"nd{obj.dtype.str}{obj.shape}".encode())
        h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, (bool, int, float, str, type(None), np.integer, np.floating)):
        h.update(f"{type(obj).__name__}:{obj!r}".encode())
    elif isinstance(obj, (list, tuple)):
        h.update(f"{type(obj).__name__}[{len(obj)}".encode())
        for x in obj:
            _digest(x, h)
    elif isinstance(obj, dict):
        h.update(f"dict{len(obj)}".encode())
        for k in sorted(obj, key=str):
            _digest(str(k), h)
            _digest(obj[k], h)
    else:
        raise TypeError(f"cannot digest {type(obj).__name__}")


def task_key(spec, seed_seq: np.random.SeedSequence) -> str | None:
    """The cache key of a task, or None when its arguments cannot be digested."""
    h = hashlib.sha256()
    try:
        h.update(f"{spec.fn.__module__}.{spec.fn.__qualname__}".encode())
        _digest(spec.kwargs, h)
        ent = seed_seq.entropy
        ent = [int(x) for x in ent] if isinstance(ent, (list, tuple)) else int(ent)
        _digest([ent, [int(x) for x in seed_seq.spawn_key]], h)
    except (TypeError, AttributeError):
        return None
    h.update(_fingerprint().encode())
    return h.hexdigest()


def load(key: str | None):
    """The cached ``(output, seconds)`` or None."""
    if key is None:
        return None
    p = cache_dir() / f"{key}.pkl"
    try:
        with p.open("rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError):
        return None


def store(key: str | None, value) -> None:
    if key is None:
        return
    d = cache_dir()
    try:
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f"{key}.tmp{os.getpid()}"
        with tmp.open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(d / f"{key}.pkl")
    except OSError:  # a read-only or full disk must not fail a run
        pass
