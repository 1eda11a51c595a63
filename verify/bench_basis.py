"""Time to an orthonormal basis of the S_n-equivariant maps V -> V and V⊗V -> V.

Three methods, each timed from scratch (group construction included, nothing cached):

* generators (:mod:`verify.symmetry.permutation`): orbits of the two generators on index pairs
  or triples (connected components), never listing S_n;
* listing (:mod:`verify.symmetry.groups`): close the generators to all n! elements, average
  :math:`\\rho_X(g)^\\top\\otimes\\rho_Y(g)^\\top` over them, eigendecompose (n <= 7);
* emlp (``pip install emlp``), when it is installed: ``(V**2 >> V).equivariant_basis()`` in a
  fresh subprocess per n (its jax import is excluded, its compilation is not).

Reported as seconds and as ratios to the generator method, all from one run; no absolute time
is asserted anywhere.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time

from .symmetry.groups import symmetric
from .symmetry.permutation import symmetric_group
from .symmetry.projection import equivariant_basis

__all__ = ["format_basis_bench", "run_basis_bench"]

#: sizes (quick, full)
GEN_SIZES = ((4, 6, 8, 16, 64), (4, 6, 8, 10, 16, 24, 32, 64, 100))
LIST_SIZES = ((4, 6), (4, 5, 6, 7))
EMLP_SIZES = ((), (4, 6, 8, 10))  # quick: none (each run imports jax, ~15 s)
EMLP_TIMEOUT = 300.0

_EMLP_SCRIPT = """
import json, sys, time
import numpy as np
from emlp.groups import S
from emlp.reps import V
n = int(sys.argv[1]); G = S(n); out = {}
for name, mk in (("V->V", lambda: V(G) >> V(G)), ("VxV->V", lambda: (V(G) ** 2) >> V(G))):
    t = time.perf_counter(); Q = np.asarray(mk().equivariant_basis())
    out[name] = [time.perf_counter() - t, int(Q.shape[1])]
print(json.dumps(out))
"""


def _generators(n: int, case: str) -> tuple[float, int]:
    t = time.perf_counter()
    G = symmetric_group.__wrapped__(n)  # a fresh group: no cached orbits
    v = G.rep()
    Q = equivariant_basis(v @ v if case == "VxV->V" else v, v)
    return time.perf_counter() - t, Q.shape[1]


def _listing(n: int, case: str) -> tuple[float, int]:
    t = time.perf_counter()
    G = symmetric.__wrapped__(n)  # closes the generators to all n! elements
    v = G.rep()
    Q = equivariant_basis(v @ v if case == "VxV->V" else v, v)
    return time.perf_counter() - t, Q.shape[1]


def _emlp(n: int) -> dict | str:
    try:
        proc = subprocess.run([sys.executable, "-c", _EMLP_SCRIPT, str(n)], capture_output=True,
                              text=True, timeout=EMLP_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return f"timed out after {EMLP_TIMEOUT:g} s"
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or ["failed"])[-1]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_basis_bench(quick: bool = True) -> list[dict]:
    """Rows ``{n, case, method, seconds, dim_e}`` for every method and size."""
    i = 0 if quick else 1
    rows = []
    for case in ("V->V", "VxV->V"):
        for n in GEN_SIZES[i]:
            s, r = _generators(n, case)
            rows.append(dict(n=n, case=case, method="generators", seconds=s, dim_e=r))
        for n in LIST_SIZES[i]:
            s, r = _listing(n, case)
            rows.append(dict(n=n, case=case, method="listing", seconds=s, dim_e=r))
    if importlib.util.find_spec("emlp") is None:
        rows.append(dict(n=None, case="-", method="emlp", seconds=None, dim_e=None,
                         note="emlp not installed (pip install emlp)"))
        return rows
    if not EMLP_SIZES[i]:
        rows.append(dict(n=None, case="-", method="emlp", seconds=None, dim_e=None,
                         note="skipped with --quick (run without it to time emlp)"))
    for n in EMLP_SIZES[i]:
        res = _emlp(n)
        for case in ("V->V", "VxV->V"):
            if isinstance(res, str):
                rows.append(dict(n=n, case=case, method="emlp", seconds=None, dim_e=None,
                                 note=res))
            else:
                rows.append(dict(n=n, case=case, method="emlp", seconds=res[case][0],
                                 dim_e=res[case][1]))
    return rows


def format_basis_bench(rows: list[dict]) -> str:
    """A table: n, case, dim E, seconds per method and the ratio to the generator method."""
    gen = {(r["n"], r["case"]): r["seconds"] for r in rows if r["method"] == "generators"}
    title = "equivariant basis of S_n: V -> V and V(x)V -> V (seconds; ratio = method / generators)"
    lines = [title,
             f"{'case':<8} {'n':>4} {'dim E':>6} {'method':<11} {'seconds':>10} {'ratio':>10}"]
    for r in rows:
        if r["seconds"] is None:
            lines.append(f"{r['case']:<8} {r['n'] or '-':>4} {'':>6} {r['method']:<11} "
                         f"{r.get('note', '')}")
            continue
        g = gen.get((r["n"], r["case"]))
        if g is None:  # a size the generator method was not timed at: time it now
            g = _generators(r["n"], r["case"])[0]
            gen[(r["n"], r["case"])] = g
        ratio = r["seconds"] / g if g > 0 else float("nan")
        lines.append(f"{r['case']:<8} {r['n']:>4} {r['dim_e']:>6} {r['method']:<11} "
                     f"{r['seconds']:>10.4g} {ratio:>10.3g}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(format_basis_bench(run_basis_bench(quick="--full" not in sys.argv)))
