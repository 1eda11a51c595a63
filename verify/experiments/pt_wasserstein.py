r"""Petrache–Trivedi: invariant Lipschitz classes generalize through the quotient Wasserstein.

``pt-lip-w1`` (sharp, derived).  Statements :func:`bounds.covering.lipschitz_duality` and
:func:`bounds.covering.sign_flip_ratio`.

(a) The invariant 1-Lipschitz functions are the 1-Lipschitz functions of
    :math:`(X/G,d_{X/G})`, so

    .. math:: \sup_{f\in\mathrm{Lip}_1^G}(\mathbb E_{\mu_n}f-\mathbb E_{\nu_n}f)
              =W_1^{X/G}(\mu_n,\nu_n).

    Two n-samples, uniform on the group's cube (C4 on :math:`[-1,1]^2` by default).  Left: an
    LP (HiGHS) over the values of f on the orbit-closed union, with :math:`f(s)-f(t)\le\|s-t\|`
    for every ordered pair in the *original* metric and explicit invariance equalities
    (:func:`verify.models.wasserstein.invariant_lipschitz_lp`).  Right: the exact assignment under
    :math:`d_{X/G}` (Numba kernel + ``linear_sum_assignment``).  Pass within 1e-8 (both are
    exact up to float64 round-off and the solver's vertex; measured agreement ~1e-16).

(b) Sign flips :math:`\mathbb Z_2^d` on :math:`U[-1,1]^d`: :math:`d_{X/G}(x,y)=\||x|-|y|\|` and
    :math:`|x|\sim U[0,1]^d`, so the two-sample ratio of expectations is exactly ½ for every n
    and d.  Per trial two n-samples give :math:`(W_1^X,W_1^{X/G})` (assignments); the ratio of
    the means has a delta-method CI (:func:`verify.engine.stats.delta_se`; both costs share the
    samples).  A deterministic check compares the kernel with :math:`\||x|-|y|\|` on the first
    trial (1e-12: both are a square root of a sum of d squares).

``pt-sample-gain`` (trend, common form).  Statement :func:`bounds.covering.gain_ratio`:
:math:`\mathbb EW_1^{X/G}/\mathbb EW_1^X\to|G|^{-1/d}` (free a.e. action, d ≥ 3), two-sample
:math:`W_1` by assignment, for each group of ``groups`` (default S3 on :math:`U[0,1]^3`, target
:math:`6^{-1/3}=0.550`, and C4 on :math:`[-1,1]^2`, target ½, where d = 2 is outside the rate's
hypothesis and a log factor slows the approach) and each n.  Reported: the ratio with its
delta-method standard error; "decreasing in n" as the largest step between consecutive n;
the distance to the target at the largest n (theory's soft assert: within 0.05 for S3 at n =
1000, asserted in the tests only); and, with ``bracket``, the heuristic
:math:`\mathbb EW_1^X(2|G|n)\le\mathbb EW_1^{X/G}(n)\le\mathbb EW_1^X(|G|n/2)` at the smallest n.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.spatial.distance import cdist

from bounds import covering as cv
from bounds.core import HypothesisError

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, UsageError, register
from ..engine.stats import Check, delta_se, mean_se
from ..models.wasserstein import (
    LP_MAX_POINTS,
    cube_group,
    invariant_lipschitz_lp,
    quotient_distance,
    w1_assignment,
)

__all__ = [
    "MAX_N",
    "STATEMENTS",
    "TOL_CLOSED_FORM",
    "TOL_LP",
    "gain_task",
    "lip_lp_task",
    "make_gain_plan",
    "make_lip_plan",
    "parse_ints",
    "sign_flip_task",
    "w1_pair",
]

#: (a): LP value = assignment value (theory: within 1e-8).
TOL_LP = 1e-8
#: (b): kernel = closed form ||x| - |y||: float64 round-off of a 3-term norm (~1e-16).
TOL_CLOSED_FORM = 1e-12
#: theory's soft margin for the sample-gain ratio at the largest n
GAIN_MARGIN = 0.05
#: largest sample for an assignment (an n x n cost matrix; ~0.2 s at n = 1000, O(n^3))
MAX_N = 5000
#: cost-matrix entries per batched kernel call of pt-lip-w1 (b): 32 MB
BATCH_ENTRIES = 4_000_000

#: statements of pt-lip-w1 ("duality", "ratio") and pt-sample-gain ("gain")
STATEMENTS = {"duality": cv.lipschitz_duality(), "ratio": cv.sign_flip_ratio(),
              "gain": cv.gain_ratio()}


def parse_ints(name: str, text, low: int, high: int = MAX_N) -> list[int]:
    """A comma-separated list of integers in [low, high], sorted and without repeats."""
    try:
        vals = sorted({int(t) for t in str(text).split(",") if t.strip()})
    except ValueError:
        vals = []
    if not vals or vals[0] < low or vals[-1] > high:
        raise UsageError(f"parameter {name} must be a comma-separated list of integers in "
                         f"[{low}, {high}], got {text!r}")
    return vals


def _cube_group(spec: str):
    try:
        return cube_group(spec)
    except (ValueError, KeyError) as e:
        raise UsageError(str(e).strip("'\"")) from None


def _groups(text: str) -> list[str]:
    specs = [g.strip() for g in str(text).split(",") if g.strip()]
    if not specs:
        raise UsageError(f"parameter groups must name at least one group, got {text!r}")
    return specs


def w1_pair(X, Y, mats) -> tuple[float, float]:
    """:math:`(W_1^X,W_1^{X/G})` between the uniform measures on the rows of X and Y."""
    return w1_assignment(cdist(X, Y)), w1_assignment(quotient_distance(X, Y, mats))


# -- pt-lip-w1 --------------------------------------------------------------------------------
def lip_lp_task(rng, n, mats, box, drop=0, scale=1.0):
    r"""(a): two n-samples on the cube; the LP over invariant 1-Lipschitz values and the
    assignment :math:`W_1^{X/G}` (with the last ``drop`` elements left out and the value times
    ``scale``: planted errors), and :math:`W_1^X` for reference."""
    d = mats.shape[1]
    X, Y = rng.uniform(*box, size=(n, d)), rng.uniform(*box, size=(n, d))
    lp, status = invariant_lipschitz_lp(X, Y, mats)
    w1x, w1q = w1_pair(X, Y, mats[:len(mats) - drop])
    return {"lp": lp, "status": status, "w1q": scale * w1q, "w1x": w1x}


def sign_flip_task(rng, trials, n, d, mats, drop=0, scale=1.0):
    r"""(b): ``trials`` pairs of n-samples of :math:`U[-1,1]^d`; rows :math:`(W_1^X,W_1^{X/G})`
    and the largest deviation of the kernel from :math:`\||x|-|y|\|` on the first pair."""
    X = rng.uniform(-1.0, 1.0, size=(trials, n, d))
    Y = rng.uniform(-1.0, 1.0, size=(trials, n, d))
    Q = quotient_distance(X, Y, mats[:len(mats) - drop])
    closed = np.linalg.norm(np.abs(X[0])[:, None] - np.abs(Y[0])[None], axis=2)
    out = np.empty((trials, 2))
    for t in range(trials):
        out[t] = w1_assignment(cdist(X[t], Y[t])), scale * w1_assignment(Q[t])
    return {"w1": out, "closed_form_err": float(np.max(np.abs(Q[0] - closed)))}


def _batches(total: int, size: int) -> list[int]:
    return [min(size, total - s) for s in range(0, total, size)]


def make_lip_plan(exp: Experiment, v: dict, drop: int = 0, scale: float = 1.0,
                  statements: dict | None = None) -> Plan:
    """Plan of ``pt-lip-w1``; ``drop`` / ``scale`` plant errors in the quotient distance."""
    st = {**STATEMENTS, "duality": exp.statement, **(statements or {})}
    gname, rep, mats, box = _cube_group(v["lp_group"])
    if mats.shape[0] - drop < 1:
        raise UsageError("cannot drop every group element")
    points = 2 * v["lp_n"] * mats.shape[0]
    if points > LP_MAX_POINTS:
        raise UsageError(f"lp_n={v['lp_n']} with |G|={mats.shape[0]} gives {points} orbit points;"
                         f" the LP allows at most {LP_MAX_POINTS}")
    d = v["d"]
    if not 1 <= d <= 12:
        raise UsageError(f"parameter d must lie in 1..12 (sign flips Z2^d), got {d}")
    if v["n"] > MAX_N:
        raise UsageError(f"parameter n must be at most {MAX_N} (n x n assignments), got {v['n']}")
    batch = max(1, min(v["batch"], BATCH_ENTRIES // v["n"] ** 2))
    flips = _cube_group(f"Z2^{d}")[2]
    ratio_pred = st["ratio"].evaluate(**{k: v[k] for k in st["ratio"].symbol_names()})
    tasks = [TaskSpec(lip_lp_task, {"n": v["lp_n"], "mats": mats, "box": box, "drop": drop,
                                    "scale": scale}, key="a")]
    tasks += [TaskSpec(sign_flip_task, {"trials": b, "n": v["n"], "d": d, "mats": flips,
                                        "drop": drop, "scale": scale}, key="b")
              for b in _batches(v["trials"], batch)]

    def reduce(outputs):
        a, bs = outputs[0], outputs[1:]
        w1 = np.concatenate([b["w1"] for b in bs])
        checks = [
            Check(f"(a) {gname} n={v['lp_n']}: LP over invariant 1-Lip = W1 on X/G "
                  "(assignment)", "sharp", st["duality"].evaluate(W1q=a["w1q"]), a["lp"],
                  tol=TOL_LP,
                  note="" if a["status"] == 0 else f"HiGHS status {a['status']}"),
            Check(f"(a) W1 on X (reference, >= W1 on X/G) = {a['w1x']:.6g}", "trend",
                  a["w1q"], a["w1x"]),
        ]
        ratio, se = delta_se(lambda m: m[1] / m[0], w1)
        mx, sx = mean_se(w1[:, 0])
        mq, sq = mean_se(w1[:, 1])
        checks += [
            Check(f"(b) Z2^{d}, n={v['n']}: E W1^(X/G) / E W1^X = 1/2", "sharp", ratio_pred,
                  ratio, se=se),
            Check("(b) kernel = ||x| - |y|| (max abs, first trial)", "sharp", 0.0,
                  bs[0]["closed_form_err"], tol=TOL_CLOSED_FORM),
            Check(f"(b) E W1^X = {mx:.5g} +- {sx:.2g}, E W1^(X/G) = {mq:.5g} +- {sq:.2g}",
                  "trend", 0.5 * mx, mq),
        ]
        data = {"a": {"group": gname, "rep": rep, **a},
                "b": {"d": d, "n": v["n"], "trials": len(w1), "ratio": ratio, "ratio_se": se,
                      "w1x": (mx, sx), "w1q": (mq, sq), "predicted": ratio_pred}}
        return checks, data

    return Plan(tasks, reduce, params={"lp_points": points, "order": int(mats.shape[0])})


# -- pt-sample-gain ---------------------------------------------------------------------------
def gain_task(rng, n, trials, mats, box, euclid_only=False):
    r"""``trials`` pairs of n-samples on the cube: rows :math:`(W_1^X,W_1^{X/G})` (or
    :math:`W_1^X` only, for the heuristic bracket)."""
    d = mats.shape[1]
    out = np.empty((trials, 1 if euclid_only else 2))
    for t in range(trials):
        X, Y = rng.uniform(*box, size=(n, d)), rng.uniform(*box, size=(n, d))
        out[t] = w1_assignment(cdist(X, Y)) if euclid_only else w1_pair(X, Y, mats)
    return out


def _gain_target(st, order: int, d: int) -> tuple[float, str]:
    """|G|^(-1/d) from the statement; outside its hypothesis (d < 3) the value is still shown."""
    try:
        return st.evaluate(order=order, d=d, n=1), ""
    except HypothesisError:  # d < 3
        return float(st.lambdify()(order=order, d=d, n=1)), "d < 3: outside the rate's hypothesis"


def make_gain_plan(exp: Experiment, v: dict) -> Plan:
    st = exp.statement
    ns = parse_ints("n", v["n"], 2)
    cases, tasks = [], []
    for spec in _groups(v["groups"]):
        gname, rep, mats, box = _cube_group(spec)
        order, d = int(mats.shape[0]), int(mats.shape[1])
        target, note = _gain_target(st, order, d)
        case = {"group": gname, "rep": rep, "order": order, "d": d, "box": box,
                "target": target, "note": note, "n": ns, "task": len(tasks)}
        tasks += [TaskSpec(gain_task, {"n": n, "trials": v["trials"], "mats": mats, "box": box},
                           key=(gname, n)) for n in ns]
        if v["bracket"] and 2 * order * ns[0] <= MAX_N:
            lo_n, hi_n = max(2, order * ns[0] // 2), 2 * order * ns[0]
            case["bracket_n"] = (lo_n, hi_n)
            tasks += [TaskSpec(gain_task, {"n": m, "trials": v["trials"], "mats": mats,
                                           "box": box, "euclid_only": True},
                               key=(gname, "bracket", m)) for m in (lo_n, hi_n)]
        cases.append(case)

    def reduce(outputs):
        checks = []
        for c in cases:
            i = c["task"]
            rows = outputs[i:i + len(ns)]
            c["w1x"] = [mean_se(r[:, 0]) for r in rows]
            c["w1q"] = [mean_se(r[:, 1]) for r in rows]
            c["ratio"] = [delta_se(lambda m: m[1] / m[0], r) for r in rows]
            g, tgt = c["group"], c["target"]
            for n, (r, se) in zip(ns, c["ratio"]):
                checks.append(Check(f"{g} n={n}: E W1^(X/G)/E W1^X -> |G|^(-1/d) = {tgt:.4f}",
                                    "trend", tgt, r, se=se, note=c["note"],
                                    group=f"{g} ratio versus n"))
            ratios = [r for r, _ in c["ratio"]]
            if len(ns) > 1:
                step = max(b - a for a, b in itertools.pairwise(ratios))
                checks.append(Check(f"{g} ratio decreasing in n (largest step between "
                                    "consecutive n; < 0 = decreasing)", "trend", 0.0, step))
            checks.append(Check(f"{g} n={ns[-1]}: |ratio - |G|^(-1/d)| (theory's soft margin "
                                f"{GAIN_MARGIN})", "trend", GAIN_MARGIN,
                                abs(ratios[-1] - tgt), note=c["note"]))
            if "bracket_n" in c:
                lo, hi = (mean_se(outputs[i + len(ns) + k][:, 0]) for k in (0, 1))
                c["bracket"] = {"W1X_low_n": lo, "W1X_high_n": hi}
                mq = c["w1q"][0][0]
                checks.append(Check(
                    f"{g} n={ns[0]}: E W1^X({c['bracket_n'][1]}) = {hi[0]:.4g} <= E W1^(X/G) = "
                    f"{mq:.4g} <= E W1^X({c['bracket_n'][0]}) = {lo[0]:.4g} (heuristic)",
                    "trend", lo[0], mq))
        return checks, {"cases": cases, "n": ns}

    return Plan(tasks, reduce, params={"groups": [c["group"] for c in cases]})


# -- registration -----------------------------------------------------------------------------
LIP_PARAMS = (
    Param("lp_group", str, "C4", "(a): group on its cube: C4 (rot) on [-1,1]^2, S<m>, Z2^<d>, "
          "C<m>:perm, D4, C2", quick="Z2^2"),
    Param("lp_n", int, 40, "(a): points per sample (the LP has 2 n |G| orbit points)", quick=10,
          low=1),
    Param("d", int, 3, "(b): dimension of the sign-flip cube [-1,1]^d", low=1),
    Param("n", int, 100, "(b): points per sample", quick=50, low=2),
    Param("trials", int, 1000, "(b): Monte Carlo pairs of samples", quick=300, low=10,
          high=100_000, why="each pair is an n x n assignment problem"),
    Param("batch", int, 250, "(b): pairs per task (fewer when batch n^2 > 4e6)", low=1),
)

GAIN_PARAMS = (
    Param("groups", str, "S3,C4", "groups on their cubes, comma-separated: S<m> (perm, "
          "[0,1]^m), C4/D4/C2 (rot, [-1,1]^2), Z2^<d>, C<m>:perm"),
    Param("n", str, "100,400,1000", "sample sizes, comma-separated", quick="100,200"),
    Param("trials", int, 10, "pairs of samples per (group, n)", quick=5, low=2, high=10_000,
          why="each pair is an assignment problem of size |G| n"),
    Param("bracket", bool, True, "also E W1^X at |G|n/2 and 2|G|n for the smallest n (skipped "
          f"when 2|G|n > {MAX_N})", quick=False),
)

PT_LIP_W1 = register(Experiment(
    slug="pt-lip-w1", kind="sharp", family="PT",
    claim="sup over invariant 1-Lip = W1 on X/G (LP = assignment); sign flips halve E W1",
    params=LIP_PARAMS, planner=make_lip_plan, statement=STATEMENTS["duality"], details=__doc__,
))

PT_SAMPLE_GAIN = register(Experiment(
    slug="pt-sample-gain", kind="trend", family="PT",
    claim="E W1^(X/G) / E W1^X -> |G|^(-1/d): symmetry acts like |G| times more data",
    params=GAIN_PARAMS, planner=make_gain_plan, statement=STATEMENTS["gain"], details=__doc__,
))
