"""End-to-end throughput of the LG Monte Carlo samplers (random numbers included).

Workload: ``d = k = 8``, ``n = 64``, ``C_8`` acting by cyclic shifts on input and output
(``r = dim E = 8``), ``sigma = sigma_x = 1``, ``||theta_perp|| = 0.5``.  Every method is timed in
one run and reported as trials per second and as the ratio to the per-trial numpy loop; no
absolute time is asserted anywhere.
"""

from __future__ import annotations

import time

import numba
import numpy as np

from .models import montecarlo as mc
from .symmetry.groups import cyclic
from .symmetry.projection import equivariant_basis

__all__ = ["format_bench", "run_bench"]

D = K = 8
N = 64
SIGMA = 1.0
SIGMA_X = 1.0

#: trials per method: (quick, full).  Each timing takes about 0.2-0.5 s (quick) or 1-3 s (full).
_TRIALS = {
    "numpy loop": (2_000, 10_000),
    "numpy batched": (10_000, 50_000),
    "numba raw": (20_000, 100_000),
    "numba bartlett": (200_000, 1_500_000),
    "rng only: raw": (20_000, 100_000),
    "rng only: bartlett": (200_000, 1_500_000),
}


def _c8_basis():
    """Orthonormal basis (64 x 8) of the C8-equivariant 8 x 8 maps (circulants), row-major vec."""
    rep = cyclic(D).rep("perm")
    return np.ascontiguousarray(equivariant_basis(rep, rep))


def _workload(seed=0):
    """``(Q, theta_perp)`` of the benchmark: ``theta_perp = 0.5 u / ||u||``, ``u = (I - QQ^T) g``."""
    Q = _c8_basis()
    g = np.random.default_rng(seed).standard_normal(D * K)
    u = g - Q @ (Q.T @ g)
    return Q, 0.5 * u / np.linalg.norm(u)


def _rng_only(method):
    """Return a callable drawing (and discarding) the random numbers of ``lg_stats``."""

    def run(rng, trials):
        for _ in mc._draw_chunks(rng, method, trials, N, D, K):
            pass

    return run


def run_bench(quick: bool = True):
    """Time every sampler end to end on the ``C_8`` workload.

    ``rate = trials / seconds`` (best of ``repeats``); ``ratio = rate / rate(numpy loop)``.

    Parameters
    ----------
    quick : bool
        Small trial counts and one repeat (about 5-10 s including a cold compile) instead of
        the full sizes with three repeats (under a minute).

    Returns
    -------
    list of dict
        One row per method with keys ``method``, ``trials``, ``seconds``, ``rate``, ``ratio``,
        ``warmup_s`` (first call on a tiny input: compilation or cache load) and ``threads``.
    """
    Q, tp = _workload()
    repeats = 1 if quick else 3
    col = 0 if quick else 1
    args = (N, D, K, Q, tp, SIGMA, SIGMA_X)
    fns = {
        "numpy loop": lambda rng, t: mc.lg_stats_numpy_loop(rng, t, *args),
        "numpy batched": lambda rng, t: mc.lg_stats_numpy_batched(rng, t, *args),
        "numba raw": lambda rng, t: mc.lg_stats(rng, t, *args, method="raw"),
        "numba bartlett": lambda rng, t: mc.lg_stats(rng, t, *args, method="bartlett"),
        "rng only: raw": _rng_only("raw"),
        "rng only: bartlett": _rng_only("bartlett"),
    }
    rows = []
    for i, (name, fn) in enumerate(fns.items()):
        t0 = time.perf_counter()
        fn(np.random.default_rng(1000 + i), 8)  # warm-up: compile or load the kernels
        warm = time.perf_counter() - t0
        trials = _TRIALS[name][col]
        best = np.inf
        for rep in range(repeats):
            rng = np.random.default_rng(i * 100 + rep)
            t0 = time.perf_counter()
            fn(rng, trials)
            best = min(best, time.perf_counter() - t0)
        rows.append(
            {
                "method": name,
                "trials": trials,
                "seconds": best,
                "rate": trials / best,
                "warmup_s": warm,
                "threads": numba.get_num_threads(),
            }
        )
    base = rows[0]["rate"]
    for row in rows:
        row["ratio"] = row["rate"] / base
    return rows


def format_bench(rows):
    """Format ``run_bench`` rows as a plain-text table (ratios are to the numpy loop).

    Parameters
    ----------
    rows : list of dict
        Output of ``run_bench``.

    Returns
    -------
    str
        The table.
    """
    head = (
        f"{'method':<20}{'trials':>10}{'seconds':>10}{'trials/s':>12}{'x loop':>9}{'warm-up s':>11}"
    )
    lines = [
        f"LG workload d=k={D}, n={N}, C8 (r=8), numba threads={rows[0]['threads'] if rows else '?'}",
        head,
        "-" * len(head),
    ]
    for r in rows:
        lines.append(
            f"{r['method']:<20}{r['trials']:>10d}{r['seconds']:>10.3f}{r['rate']:>12.4g}"
            f"{r['ratio']:>9.1f}{r['warmup_s']:>11.3f}"
        )
    return "\n".join(lines)
