"""A fast start: ``list`` and ``show`` from the saved catalog print exactly what the ordinary
path prints, import nothing heavy, and never answer from a stale or damaged catalog."""

import os
import subprocess
import sys
from pathlib import Path

from verify import catalog

ROOT = Path(__file__).resolve().parents[1]


def verify(args, cache, importtime=False):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EQUIBOUNDS_CACHE": str(cache)}
    cmd = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "verify", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    return proc


def heavy(importtime_stderr: str) -> set[str]:
    mods = {line.rsplit("|", 1)[-1].strip() for line in importtime_stderr.splitlines()}
    return mods & {"numpy", "sympy", "scipy", "numba", "bounds", "verify.cli"}


def test_list_and_show_from_the_catalog_equal_the_ordinary_path(tmp_path):
    first = [verify(a, tmp_path).stdout for a in (["list"], ["show", "ez-gap"])]
    assert list(tmp_path.glob("catalog-*.json"))
    for args, expected in zip((["list"], ["show", "ez-gap"]), first):
        fast = verify(args, tmp_path, importtime=True)
        assert fast.stdout == expected
        assert not heavy(fast.stderr), heavy(fast.stderr)
    md = verify(["list", "--markdown"], tmp_path, importtime=True)
    assert md.stdout.startswith("| slug | kind |") and not heavy(md.stderr)


def test_a_damaged_catalog_or_a_plugin_takes_the_ordinary_path(tmp_path):
    expected = verify(["list"], tmp_path).stdout
    (f,) = tmp_path.glob("catalog-*.json")
    f.write_text("{not json")
    slow = verify(["list"], tmp_path, importtime=True)
    assert slow.stdout == expected and heavy(slow.stderr)
    assert catalog.fast_path(["list", "--plugin", "x.py"]) is None
    assert catalog.fast_path(["show", "mine.py:slug"]) is None
    assert catalog.fast_path(["run", "ez-gap"]) is None


def test_the_catalog_key_follows_every_source_file(tmp_path, monkeypatch):
    for pkg in ("bounds", "verify"):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "m.py").write_text("x = 1\n")
    monkeypatch.setattr(catalog, "ROOT", tmp_path)
    before = catalog._fingerprint()
    (tmp_path / "bounds" / "m.py").write_text("x = 2\n")
    assert catalog._fingerprint() != before
