"""Runtime benchmarks: parallel speed-up, Dask overhead, cold start, start-up; ratios of one run.

Every figure is a ratio of wall times measured by this one call, as subprocesses of
``python -m verify`` (so imports, worker start-up and Numba's cache are included, as a user
sees them); no absolute time is asserted anywhere.

* speed-up: ``verify all --no-cache`` on 1 worker / on 2 local workers;
* Dask overhead: the same run on a local Dask cluster (a scheduler and two one-thread worker
  processes on 127.0.0.1) / on 2 local workers;
* cold start: ``verify all --quick --workers 1`` with an empty Numba cache / with a warm one
  (that warm cache then serves every other run);
* start-up: ``verify list`` without / with the saved catalog (:mod:`verify.catalog`), and with
  it / a bare ``python -c pass``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["format_runtime_bench", "run_runtime_bench"]

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra) -> dict:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def _wall(args: list[str], env: dict, repeats: int = 1) -> float:
    """Best wall time of ``python *args`` (exit 0 or 1: a failed check still timed)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, *args], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              check=False)
        best = min(best, time.perf_counter() - t0)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}: "
                               f"{proc.stderr.strip()[-300:]}")
    return best


class _LocalCluster:
    """``dask scheduler`` and two ``dask worker`` processes (one thread each) on 127.0.0.1."""

    def __init__(self, env: dict, workers: int = 2):
        from distributed import Client

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        quiet = dict(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs = [subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", str(port), "--dashboard-address", ":0"], **quiet)]
        self.procs += [subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nthreads",
             "1", "--host", "127.0.0.1", "--no-dashboard"], **quiet) for _ in range(workers)]
        with Client(self.address, timeout="120s") as c:
            c.wait_for_workers(workers, timeout=300)

    def close(self):
        for p in self.procs:
            p.kill()
            p.wait(timeout=30)


def run_runtime_bench(quick: bool = True) -> list[dict]:
    """Time the runs listed in the module docstring; one row per ratio.

    Parameters
    ----------
    quick : bool
        Time ``verify all --quick`` for the speed-up and the Dask overhead (about a minute on
        2 cores) instead of the full ``verify all`` (several minutes).

    Returns
    -------
    list of dict
        Rows with keys ``what``, ``numerator`` and ``denominator`` (labels), ``a`` and ``b``
        (their wall seconds) and ``ratio = a / b``.
    """
    size = ["--quick"] if quick else []
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # one Numba cache for every run: compiled by the cold run, warm for all the others
        env = _env(EQUIBOUNDS_CACHE=str(Path(tmp) / "cache"),
                   NUMBA_CACHE_DIR=str(Path(tmp) / "numba"))
        quick_one = ["-m", "verify", "all", "--quick", "--no-cache", "--workers", "1"]
        cold = _wall(quick_one, env)
        warm = _wall(quick_one, env)
        run_all = ["-m", "verify", "all", *size, "--no-cache"]
        one = warm if quick else _wall([*run_all, "--workers", "1"], env)
        two = _wall([*run_all, "--workers", "2"], env)
        label = f"verify all{' --quick' if quick else ''}"
        rows.append(dict(what="speed-up, 2 workers", numerator=f"{label}, 1 worker",
                         denominator="2 workers", a=one, b=two, ratio=one / two))
        try:
            cluster = _LocalCluster(env)
        except ImportError:
            cluster = None
        if cluster is not None:
            try:
                dask = _wall([*run_all, "--scheduler", cluster.address], env)
            finally:
                cluster.close()
            rows.append(dict(what="Dask overhead", numerator=f"{label}, local Dask (2 workers)",
                             denominator="2 local workers", a=dask, b=two, ratio=dask / two))
        rows.append(dict(what="cold start (Numba compile)", numerator="verify all --quick, "
                         "empty Numba cache", denominator="warm cache", a=cold, b=warm,
                         ratio=cold / warm))
        cat = _env(EQUIBOUNDS_CACHE=str(Path(tmp) / "catalog"))
        no_catalog = _wall(["-m", "verify", "list"], cat)  # imports everything, saves catalog
        listed = _wall(["-m", "verify", "list"], cat, repeats=3)
        bare = _wall(["-c", "pass"], cat, repeats=3)
        rows.append(dict(what="list start-up", numerator="verify list, no catalog",
                         denominator="with catalog", a=no_catalog, b=listed,
                         ratio=no_catalog / listed))
        rows.append(dict(what="list start-up", numerator="verify list, with catalog",
                         denominator="python -c pass", a=listed, b=bare, ratio=listed / bare))
    return rows


def format_runtime_bench(rows: list[dict]) -> str:
    """``run_runtime_bench`` rows as a plain-text table."""
    head = f"{'ratio':<28}{'a / b':<62}{'a s':>8}{'b s':>8}{'a/b':>7}"
    title = (f"runtime, {os.cpu_count()} cores (wall times of python -m verify as "
             "subprocesses)")
    lines = [title, head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['what']:<28}{r['numerator'] + ' / ' + r['denominator']:<62}"
                     f"{r['a']:>8.2f}{r['b']:>8.2f}{r['ratio']:>7.2f}")
    return "\n".join(lines)
