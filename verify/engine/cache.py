"""On-disk cache of task outputs, in a format that executes nothing on load.

A task's output depends only on its function, its keyword arguments, its seed, the package's
code and the numerical libraries, so the key is a SHA-256 of: the function's qualified name, a
canonical digest of the kwargs (numpy arrays by dtype, shape and bytes), the task's
SeedSequence (entropy and spawn key), a fingerprint of the package's source (every ``.py`` file
of ``bounds`` and ``verify``), the versions of Python, numpy, scipy, numba and scikit-learn, the
format version, and for a plugin's task the digest of its module's source.  Reduce steps
(cheap, and where predictions enter) always rerun, so a test that plants a wrong statement never
meets a cached verdict.

One entry is one ``KEY.npz`` (numpy's zip of ``.npy`` arrays, read with ``allow_pickle=False``):

* ``meta``: UTF-8 JSON holding the output's structure (dicts, lists, tuples, numbers, strings,
  None, bools, :class:`~verify.engine.stats.Check` s) with arrays and numpy scalars replaced by
  references to the members ``a0, a1, ...``, plus the task's seconds;
* ``sha256``: the digest of the key, ``meta`` and every array (dtype, shape, bytes).

An entry that does not parse, whose digest does not match, or that holds anything else is
reported on one line, recomputed and rewritten.  The digest catches corruption and edits that do
not recompute it; it is not a signature (whoever can write the directory can write a consistent
entry).  Entries are written to a temporary file, fsynced, then renamed, so a killed run leaves
whole entries or none.

The directory is ``--cache DIR``, else ``$EQUIBOUNDS_CACHE``, else ``.equibounds-cache``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import math
import os
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

import numpy as np

from .experiment import UsageError
from .stats import Check

__all__ = ["Cache", "CacheEntryError", "decode", "default_dir", "encode", "open_cache",
           "task_key"]

FORMAT = 1
_DATACLASSES = {"Check": Check}  # the only classes an entry may name; built field by field


class CacheEntryError(ValueError):
    """A cache entry that cannot be trusted (unreadable, wrong digest, unknown content)."""


# ----------------------------------------------------------------------------- codec

def encode(obj) -> tuple[object, list[np.ndarray]]:
    """``obj`` as (JSON-able structure, arrays); :func:`decode` inverts it exactly.

    Supported: None, bool, int, float (also non-finite), str, list, tuple, dict (any encodable
    keys), numpy arrays of non-object dtype, numpy scalars, and :class:`Check`.  Anything else
    raises TypeError."""
    arrays: list[np.ndarray] = []

    def enc(o):
        if o is None or isinstance(o, (bool, str)):
            return o
        if isinstance(o, int) and type(o) is int:
            return o
        if isinstance(o, float) and type(o) is float:
            return o if math.isfinite(o) else {"$": "float", "v": repr(o)}
        if isinstance(o, (np.ndarray, np.generic)):
            a = np.asarray(o)
            if a.dtype.hasobject:
                raise TypeError("cannot cache an object array")
            arrays.append(a if a.flags.c_contiguous else a.copy(order="C"))
            return {"$": "nd" if isinstance(o, np.ndarray) else "np", "i": len(arrays) - 1}
        if isinstance(o, list):
            return [enc(x) for x in o]
        if isinstance(o, tuple) and type(o) is tuple:
            return {"$": "tuple", "v": [enc(x) for x in o]}
        if isinstance(o, dict) and type(o) is dict:
            return {"$": "dict", "k": [enc(k) for k in o], "v": [enc(v) for v in o.values()]}
        name = type(o).__name__
        if dataclasses.is_dataclass(o) and _DATACLASSES.get(name) is type(o):
            return {"$": "dc", "t": name,
                    "v": {f.name: enc(getattr(o, f.name)) for f in dataclasses.fields(o)}}
        raise TypeError(f"cannot cache a {type(o).__module__}.{type(o).__qualname__}")

    return enc(obj), arrays


def decode(tree, arrays: list[np.ndarray]):
    """Inverse of :func:`encode`; :class:`CacheEntryError` on anything it did not write."""

    def dec(o):
        if o is None or isinstance(o, (bool, str, int, float)):
            return o
        if isinstance(o, list):
            return [dec(x) for x in o]
        if not isinstance(o, dict):
            raise CacheEntryError(f"unexpected {type(o).__name__}")
        tag = o.get("$")
        if tag == "float" and o.get("v") in ("nan", "inf", "-inf"):
            return float(o["v"])
        if tag in ("nd", "np"):
            i = o.get("i")
            if type(i) is not int or not 0 <= i < len(arrays):
                raise CacheEntryError("array reference out of range")
            return arrays[i] if tag == "nd" else arrays[i][()]
        if tag == "tuple":
            return tuple(dec(x) for x in o["v"])
        if tag == "dict":
            keys, vals = o["k"], o["v"]
            if len(keys) != len(vals):
                raise CacheEntryError("dict keys and values differ in length")
            return {_hashable(dec(k)): dec(v) for k, v in zip(keys, vals)}
        if tag == "dc" and o.get("t") in _DATACLASSES:
            cls = _DATACLASSES[o["t"]]
            fields = {f.name for f in dataclasses.fields(cls)}
            vals = o["v"]
            if not isinstance(vals, dict) or set(vals) != fields:
                raise CacheEntryError(f"{o['t']} fields do not match")
            obj = cls.__new__(cls)  # field by field: no __init__/__post_init__ side effects
            for k, v in vals.items():
                object.__setattr__(obj, k, dec(v))
            return obj
        raise CacheEntryError(f"unknown tag {tag!r}")

    return dec(tree)


def _hashable(k):
    try:
        hash(k)
    except TypeError:
        raise CacheEntryError("unhashable dict key") from None
    return k


# ----------------------------------------------------------------------------- keys

@cache
def _fingerprint() -> str:
    h = hashlib.sha256(f"equibounds-cache-format-{FORMAT}".encode())
    root = Path(__file__).resolve().parents[2]
    for pkg in ("bounds", "verify"):
        for p in sorted((root / pkg).rglob("*.py")):
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    h.update(f"python {sys.version_info[:2]}".encode())
    for dist in ("numpy", "scipy", "numba", "scikit-learn"):
        try:
            h.update(f"{dist} {metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist} absent".encode())
    return h.hexdigest()


def _digest(obj, h) -> None:
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise TypeError("cannot digest an object array")
        h.update(f"nd{obj.dtype.str}{obj.shape}".encode())
        h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, (bool, int, float, str, type(None), np.integer, np.floating,
                          np.bool_)):
        h.update(f"{type(obj).__name__}:{obj!r}".encode())
    elif isinstance(obj, (list, tuple)):
        h.update(f"{type(obj).__name__}[{len(obj)}".encode())
        for x in obj:
            _digest(x, h)
    elif isinstance(obj, dict):
        h.update(f"dict{len(obj)}".encode())
        for k in sorted(obj, key=repr):
            _digest(k, h)
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
    h.update(_plugin_source(spec.fn.__module__).encode())
    return h.hexdigest()


@cache
def _plugin_source(module: str) -> str:
    """The digest of the source file of a task function's module when it lies outside this
    package (a plugin imported by name), so that editing the plugin invalidates its cached
    outputs; "" for the package's own modules.  (A plugin loaded from a file already carries
    the digest of its source in its module name.)"""
    if module.split(".")[0] in ("bounds", "verify"):
        return ""
    path = getattr(sys.modules.get(module), "__file__", None)
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except (TypeError, OSError):
        return ""


# ----------------------------------------------------------------------------- files

def _entry_digest(key: str, meta: bytes, arrays: list[np.ndarray]) -> str:
    h = hashlib.sha256(f"{FORMAT}:{key}:".encode())
    h.update(len(meta).to_bytes(8, "little"))
    h.update(meta)
    for a in arrays:
        h.update(f"|{a.dtype.str}{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def pack(key: str, value) -> bytes:
    """The bytes of the entry holding ``value`` under ``key``."""
    tree, arrays = encode(value)
    meta = json.dumps({"format": FORMAT, "key": key, "value": tree}, allow_nan=False,
                      separators=(",", ":")).encode()
    members = {f"a{i}": a for i, a in enumerate(arrays)}
    members["meta"] = np.frombuffer(meta, dtype=np.uint8)
    members["sha256"] = np.frombuffer(_entry_digest(key, meta, arrays).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **members)
    return buf.getvalue()


def _strict_constant(name):
    raise CacheEntryError(f"non-JSON constant {name}")


def unpack(key: str, data: bytes):
    """The value of an entry; :class:`CacheEntryError` if anything about it is off."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            names = set(npz.files)
            n = len(names) - 2
            if not {"meta", "sha256"} <= names or names != {"meta", "sha256"} | {
                    f"a{i}" for i in range(n)}:
                raise CacheEntryError("unexpected members")
            meta = npz["meta"]
            digest = npz["sha256"]
            arrays = [npz[f"a{i}"] for i in range(n)]
    except AttributeError:  # a bare .npy, not a zip
        raise CacheEntryError("not an npz archive") from None
    except CacheEntryError:
        raise
    except Exception as e:  # noqa: BLE001  untrusted bytes can fail in any of zipfile's ways
        raise CacheEntryError(f"unreadable ({type(e).__name__}: {e})") from None
    if meta.dtype != np.uint8 or digest.dtype != np.uint8 or meta.ndim != 1:
        raise CacheEntryError("wrong member types")
    meta_b = meta.tobytes()
    if digest.tobytes().decode("ascii", "replace") != _entry_digest(key, meta_b, arrays):
        raise CacheEntryError("sha256 digest does not match its content")
    try:
        doc = json.loads(meta_b.decode("utf-8"), parse_constant=_strict_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CacheEntryError(f"bad metadata ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("key") != key:
        raise CacheEntryError("entry was written for another key or format")
    try:
        return decode(doc["value"], arrays)
    except (KeyError, TypeError, RecursionError) as e:
        raise CacheEntryError(f"bad structure ({type(e).__name__})") from None


def default_dir() -> str:
    return os.environ.get("EQUIBOUNDS_CACHE", ".equibounds-cache")


class Cache:
    """A directory of entries.  ``load`` returns the stored value or None (missing or bad: a bad
    entry is reported on one line of stderr and will be rewritten by the next ``store``)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.bad = 0
        self._warned_store = False

    def file(self, key: str) -> Path:
        return self.path / f"{key}.npz"

    def load(self, key: str | None):
        if key is None:
            return None
        p = self.file(key)
        try:
            data = p.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            self._report(p, f"unreadable ({e.strerror or e})")
            return None
        try:
            return unpack(key, data)
        except CacheEntryError as e:
            self._report(p, str(e))
            return None

    def _report(self, p: Path, why: str) -> None:
        self.bad += 1
        print(f"cache: bad entry {p.name}: {why}; recomputing it", file=sys.stderr, flush=True)

    def store(self, key: str | None, value) -> bool:
        """Write atomically (temporary file, fsync, rename); False (with one warning per run)
        when the value cannot be encoded or the disk refuses."""
        if key is None:
            return False
        try:
            data = pack(key, value)
        except (TypeError, ValueError) as e:
            self._warn_store(f"a task output cannot be cached ({e})")
            return False
        tmp = self.path / f".{key}.{os.getpid()}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.file(key))
        except OSError as e:
            self._warn_store(f"cannot write to {self.path} ({e.strerror or e})")
            try:
                tmp.unlink()
            except OSError:
                pass
            return False
        return True

    def _warn_store(self, why: str) -> None:
        if not self._warned_store:
            self._warned_store = True
            print(f"cache: {why}; continuing without storing", file=sys.stderr, flush=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def open_cache(path: str | os.PathLike | None = None) -> Cache:
    """The cache at ``path`` (default :func:`default_dir`), created and probed for writing;
    :class:`UsageError` with one line when it cannot be used."""
    raw = default_dir() if path is None else os.fspath(path)
    src = "--cache" if path is not None else (
        "$EQUIBOUNDS_CACHE" if "EQUIBOUNDS_CACHE" in os.environ else "the cache directory")
    if not raw.strip():
        raise UsageError(f"{src} is empty; name a directory or use --no-cache")
    p = Path(raw)
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = p / f".probe.{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise UsageError(f"{src} {raw!r} is not a usable directory ({e.strerror or e}); "
                         "name another with --cache DIR or use --no-cache") from None
    _remove_orphans(p)
    return Cache(p)


def _remove_orphans(d: Path) -> None:
    """Delete temporary files left by runs that were killed while writing (their pid is gone)."""
    for tmp in d.glob(".*.tmp"):
        try:
            pid = int(tmp.name.rsplit(".", 2)[-2])
            os.kill(pid, 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                tmp.unlink()
        except (ValueError, OSError):
            continue
