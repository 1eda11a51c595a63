r"""Symmetry cloning (Huang et al., arXiv:2410.03989): linear and bilinear students, exactly.

``clone-linear`` (sharp, P2; :func:`bounds.cloning.linear_clone_error`).  Teacher :math:`Cx`
with C a random orthogonal circulant on :math:`\mathbb R^d` (it commutes with the cyclic
shifts), student the min-norm least-squares fit W on N Gaussian inputs, so
:math:`W=C\Pi_N`.  Per repeat (a fresh C and training set) and per fresh test input x the
statistic is :math:`r=\|Wx-Cx\|^2/\|Cx\|^2`, whose mean is :math:`1-\min(N,d)/d` for *every*
training set (the proof conditions on :math:`\Pi_N`), so repeat means are iid with that mean
and the CI is over repeats.  The equivariance error is the metric's mean relative error over
the d − 1 shifts on the first 200 test inputs.  Checks:

* N < d: the mean clone error against :math:`1-N/d` (CI), and the smallest equivariance
  error over repeats ≥ 1e-3 (the clone is not equivariant);
* N ≥ d (:func:`bounds.cloning.sample_span_deficit` = 0): the largest clone error and the
  mean equivariance error over repeats are ≤ 1e-12 (the worst repeat is reported: the
  round-off of least squares grows with the condition number of X, which is heavy-tailed at
  N = d).

``clone-bilinear`` (sharp, P3; :func:`bounds.cloning.bilinear_identification`).  Fit
:math:`h(x,\tau)_i=\sum_{jk}T_{ijk}x_j\tau_k` by min-norm least squares to circular
convolution :math:`\tau*x` on :math:`\mathbb Z_n` from N Gaussian pairs.  Checks: the rank
deficit :math:`n^2-\mathrm{rank}\,Z` equals :math:`\max(n^2-N,0)`; where it is 0, T equals the
convolution tensor within 1e-10 and :math:`h(\cdot,\tau)` is equivariant within 1e-12 for
500 unseen pairs (shifts act on x only); at :math:`N=n^2-1` (``below``) the error must exceed
1e-6.
"""

from __future__ import annotations

import numpy as np

from bounds.cloning import bilinear_identification, linear_clone_error, sample_span_deficit

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, UsageError, gather, register
from ..engine.stats import Check, mean_se
from ..models.cloning import (
    bilinear_apply,
    circulant,
    conv_tensor,
    fit_bilinear,
    min_norm_linear,
    orthogonal_circulant,
)
from ..symmetry.equivariance import Action, equivariance_error
from ..symmetry.groups import cyclic
from .clone_common import EXACT, MEM, at_least, parse_sizes, shift_actions, zero

#: N < d: the clone must miss equivariance by at least this (relative).
LINEAR_FLOOR = 1e-3
#: N = n^2 - 1: the unidentified bilinear clone must miss by at least this.
BILINEAR_FLOOR = 1e-6
T_TOL = 1e-10
#: test inputs (of each repeat) the equivariance error is measured on
EQ_INPUTS = 200


def linear_task(rng, d: int, N: int, repeats: int, test: int):
    """Per repeat: mean relative squared clone error on fresh inputs, and the relative
    equivariance error (metric) of the clone on the same inputs."""
    acts = shift_actions(d)
    clone, eq = np.empty(repeats), np.empty(repeats)
    for r in range(repeats):
        C = orthogonal_circulant(d, rng)
        X = rng.normal(size=(N, d))
        W = min_norm_linear(X, X @ C.T)
        Xt = rng.normal(size=(test, d))
        Yt = Xt @ C.T
        clone[r] = np.mean(np.sum((Xt @ W - Yt) ** 2, axis=1) / np.sum(Yt**2, axis=1))
        eq[r] = equivariance_error(lambda Z, W=W: Z @ W, Xt[:EQ_INPUTS], acts).relative
    return {"clone": clone, "eq": eq}


def plan_linear(exp: Experiment, v: dict) -> Plan:
    d, sizes = v["d"], parse_sizes("sizes", v["sizes"], high=100_000)
    if d < 2:
        raise UsageError(f"parameter d must be at least 2 (shifts of Z_d), got {d}")
    stmt, deficit = exp.statement, sample_span_deficit()
    points = [dict(N=N, predicted=stmt.evaluate(N=N, d=d),
                   deficit=deficit.evaluate(N=N, d=d)) for N in sizes]
    tasks = [TaskSpec(linear_task, dict(d=d, N=p["N"], repeats=v["repeats"], test=v["test"]),
                      key=i) for i, p in enumerate(points)]

    def reduce(outputs):
        checks = []
        for p, (out,) in zip(points, gather(tasks, outputs, len(points))):
            tag = f"d={d} N={p['N']}"
            m, se = mean_se(out["clone"])
            p.update(clone=m, clone_se=se, eq=float(np.mean(out["eq"])),
                     eq_se=mean_se(out["eq"])[1], eq_min=float(out["eq"].min()),
                     eq_max=float(out["eq"].max()))
            if p["deficit"] == 0:
                checks.append(Check(f"{tag}: clone error = {p['predicted']:g} (W = C)", "sharp",
                                    p["predicted"], float(out["clone"].max()), tol=EXACT))
                checks.append(zero(f"{tag}: mean eq error (exactly equivariant)", p["eq"],
                                   note=f"worst repeat {p['eq_max']:.2g}: round-off grows "
                                        "with the condition number of X"))
            else:
                checks.append(Check(f"{tag}: mean clone error = 1 - N/d", "sharp",
                                    p["predicted"], m, se=se))
                checks.append(at_least(f"{tag}: min eq error > {LINEAR_FLOOR:g}", p["eq_min"],
                                       LINEAR_FLOOR, group="not equivariant below N = d"))
        return checks, {"points": points, "d": d}

    return Plan(tasks, reduce, params={"d": d, "sizes": sizes})


CLONE_LINEAR = register(Experiment(
    slug="clone-linear", kind="sharp", family="Clone",
    claim="min-norm linear clone: relative error 1 - N/d below d, exactly equivariant from N = d",
    params=(
        Param("d", int, 16, "dimension (Z_d acts by cyclic shifts)", low=2, high=200,
              why="Z_d is listed with its d x d shift matrices"),
        Param("sizes", str, "2,4,8,12,16,32", "training-set sizes N, comma-separated",
              quick="4,16"),
        Param("repeats", int, 200, "independent teachers and training sets per N", quick=50,
              low=2, high=10_000, why=MEM),
        Param("test", int, 1000, "fresh test inputs per repeat", low=2, high=100_000, why=MEM),
    ),
    planner=plan_linear, statement=linear_clone_error(), details=__doc__,
))


# -- clone-bilinear -----------------------------------------------------------------------------
def _x_shift_actions(n: int):
    """Shifts acting on x of a pair (x, tau) and on the output; tau is left alone."""
    acts = []
    for i, A in enumerate(cyclic(n).rep().matrices[1:], start=1):
        acts.append(Action(f"C{n}[{i}]", lambda xt, A=A: (xt[0] @ A.T, xt[1]),
                           lambda y, A=A: y @ A.T))
    return acts


def bilinear_task(rng, n: int, N: int, unseen: int):
    """Fit T on N pairs; return its rank, distance to the convolution tensor and the metric on
    unseen pairs."""
    x, tau = rng.normal(size=(N, n)), rng.normal(size=(N, n))
    Y = np.einsum("bk,bik->bi", tau, np.stack([circulant(row) for row in x]))  # tau * x
    T, rank = fit_bilinear(x, tau, Y)
    pair = (rng.normal(size=(unseen, n)), rng.normal(size=(unseen, n)))
    err = equivariance_error(lambda xt: bilinear_apply(T, *xt), pair, _x_shift_actions(n))
    return {"rank": rank, "T_err": float(np.abs(T - conv_tensor(n)).max()),
            "eq": err.relative, "eq_worst": err.worst[1]}


def plan_bilinear(exp: Experiment, v: dict) -> Plan:
    n, N = v["n"], v["N"]
    if n < 2:
        raise UsageError(f"parameter n must be at least 2, got {n}")
    sizes = sorted({N, n * n - 1} if v["below"] else {N})
    stmt = exp.statement
    points = [dict(N=m, deficit=stmt.evaluate(N=m, n=n)) for m in sizes]
    tasks = [TaskSpec(bilinear_task, dict(n=n, N=p["N"], unseen=v["unseen"]), key=i)
             for i, p in enumerate(points)]

    def reduce(outputs):
        checks = []
        for p, (out,) in zip(points, gather(tasks, outputs, len(points))):
            tag = f"n={n} N={p['N']}"
            p.update(rank=out["rank"], T_err=out["T_err"], eq=out["eq"])
            checks.append(Check(f"{tag}: rank deficit n^2 - rank Z = {p['deficit']:g}",
                                "sharp", p["deficit"], float(n * n - out["rank"]), tol=0.5))
            if p["deficit"] == 0:
                checks.append(zero(f"{tag}: max |T - T_conv|", out["T_err"], tol=T_TOL))
                checks.append(zero(f"{tag}: eq error for unseen tau (worst shift)",
                                   out["eq_worst"]))
            else:
                checks.append(at_least(f"{tag}: eq error for unseen tau > {BILINEAR_FLOOR:g}",
                                       out["eq"], BILINEAR_FLOOR))
        return checks, {"points": points, "n": n}

    return Plan(tasks, reduce, params={"n": n, "sizes": sizes})


CLONE_BILINEAR = register(Experiment(
    slug="clone-bilinear", kind="sharp", family="Clone",
    claim="bilinear clone h(x, tau) identified from N >= n^2 pairs: equivariant for unseen tau",
    params=(
        Param("n", int, 16, "Z_n", quick=8, low=2, high=32,
              why="the design has n^2 columns; N >= n^2 rows of n x n circulants"),
        Param("N", int, 400, "training pairs (>= n^2 to identify T)", quick=100, low=1,
              high=20_000, why=MEM),
        Param("below", bool, True, "also fit at N = n^2 - 1, where T is not identified"),
        Param("unseen", int, 500, "unseen (x, tau) pairs for the equivariance error", low=2,
              high=100_000, why=MEM),
    ),
    planner=plan_bilinear, statement=bilinear_identification(), details=__doc__,
))
