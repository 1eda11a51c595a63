"""A fast start for ``python -m verify list`` and ``show``: their text, saved once as JSON.

Importing every experiment (NumPy, SciPy, SymPy, Numba, and the SymPy work some modules do at
import) takes seconds, while ``list`` and ``show`` only print text that changes with the code.
So after a ``list``/``show`` that imported everything, the text of every ``list`` form and every
``show SLUG`` is saved in ``catalog-<fingerprint>.json``, where the fingerprint is a SHA-256 of
every ``.py`` file of ``bounds`` and ``verify``, the Python and SymPy versions.  The next
``list``/``show`` reads it with the standard library only.  Any code change, a ``--plugin``, an
installed plugin (entry point ``equibounds.experiments``), or a missing or unreadable catalog
takes the ordinary path.  The file holds strings only (JSON), so reading it runs nothing.

The directory is ``$EQUIBOUNDS_CACHE`` if set, else ``$XDG_CACHE_HOME/equibounds`` (default
``~/.cache/equibounds``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

__all__ = ["fast_path", "save"]

FORMAT = 1
ROOT = Path(__file__).resolve().parents[1]


def _dir() -> Path | None:
    env = os.environ.get("EQUIBOUNDS_CACHE")
    if env is not None:
        return Path(env) if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "equibounds"


def _has_entry_points() -> bool:
    from importlib.metadata import entry_points

    return bool(entry_points(group="equibounds.experiments"))


def _fingerprint() -> str:
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256(f"catalog {FORMAT} python {sys.version_info[:3]}".encode())
    try:
        h.update(f"sympy {version('sympy')}".encode())
    except PackageNotFoundError:
        h.update(b"no sympy")
    for pkg in ("bounds", "verify"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            h.update(p.relative_to(ROOT).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:32]


def _file() -> Path | None:
    d = _dir()
    return None if d is None else d / f"catalog-{_fingerprint()}.json"


def _plain(argv: list[str]) -> tuple[str, ...] | None:
    """``("list", markdown)`` or ``("show", slug)`` for the argument lists the catalog can
    answer (no options other than ``--markdown``), else None."""
    if argv == ["list"]:
        return ("list", "")
    if argv in (["list", "--markdown"],):
        return ("list", "markdown")
    if len(argv) == 2 and argv[0] == "show" and not argv[1].startswith("-") \
            and ":" not in argv[1] and not argv[1].endswith(".py"):
        return ("show", argv[1])
    return None


def fast_path(argv: list[str]) -> str | None:
    """The saved output for ``argv``, or None (then the caller takes the ordinary path)."""
    what = _plain(argv)
    if what is None:
        return None
    try:
        f = _file()
        if f is None or _has_entry_points():
            return None
        doc = json.loads(f.read_text(encoding="utf-8"))
        table = doc["list"] if what[0] == "list" else doc["show"]
        text = table.get(what[1])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return text if isinstance(text, str) else None


def save(list_text, show_text) -> None:
    """After an ordinary ``list``/``show`` (registry loaded, no plugins): save every output.
    ``list_text(markdown: bool) -> str``, ``show_text(slug) -> str``; failures are ignored
    (the catalog is only a speed-up)."""
    from .engine.experiment import REGISTRY
    from .engine.plugins import ORIGINS

    if ORIGINS or _has_entry_points():
        return
    try:
        f = _file()
        if f is None or f.exists():
            return
        doc = {"format": FORMAT,
               "list": {"": list_text(False), "markdown": list_text(True)},
               "show": {slug: show_text(slug) for slug in REGISTRY}}
        f.parent.mkdir(parents=True, exist_ok=True)
        tmp = f.with_name(f"{f.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(doc), encoding="utf-8")
        os.replace(tmp, f)
        for old in f.parent.glob("catalog-*.json"):  # catalogs of earlier code
            if old != f:
                old.unlink()
    except Exception:  # noqa: BLE001  a speed-up must never fail a command
        return
