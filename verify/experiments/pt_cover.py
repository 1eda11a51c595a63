r"""Petrache–Trivedi: covering numbers of the quotient, and the bound they give.

``pt-cover-bound`` (bound, derived).  Statement :func:`bounds.covering.cover_bound` (two
samples): for every δ,

.. math:: \mathbb EW_1^{X/G}(\mu_n,\nu_n)\le2\delta+\frac D2\sqrt{\frac{2N(\delta)}n}.

N(δ) must count a *valid* cover of the whole quotient: grid cubes of side :math:`2\delta/\sqrt d`
(diameter 2δ) whose interior meets a fundamental domain F (:func:`verify.models.wasserstein.
grid_cover_count`; F: the chamber :math:`x_1\ge x_2\ge x_3` for S3 on :math:`[0,1]^3`, the
quadrant for C4 on :math:`[-1,1]^2`, the orthant for sign flips), and D is the diameter of F
(≥ diam X/G).  The bound is the minimum over ``deltas`` values of δ on
:math:`[D/100,D]` (geometric); the CI upper end of :math:`\mathbb EW_1^{X/G}` (two-sample
assignment, ``trials`` pairs) must lie below it; the slack bound/value is reported.  Also
reported: :math:`\delta^*` and :math:`B^*(n,|G|)` of :func:`bounds.covering.optimal_cover_bound`
under the leading-order grid count :math:`N\approx C\delta^{-d}/|G|`,
:math:`C=\mathrm{vol}(X)(\sqrt d/2)^d`.  The identity :math:`B^*(n,|G|)=B^*(|G|n,1)`
("symmetry = |G| times more data") holds for this closed form by construction; it is a
symbolic identity of :mod:`bounds.covering` (tested there), not a measurement.  At full size
the bound is loose (slack 8–13): it holds, but no small error can make it fail, and the table
shows it as "loose (slack s)".

``pt-cover-lift`` (bound, derived).  Statements :func:`bounds.covering.cover_lift_upper` and
:func:`~bounds.covering.cover_lift_lower`: :math:`N(X/G,\delta)\le N(X,\delta)\le|G|N(X/G,\delta)`.
On a reference sample (uniform on the group's cube): a greedy quotient cover (centres
:math:`c_k`), lifted to :math:`\{\rho(g)c_k\}`, must cover every point in :math:`d_X` (covering
radius :math:`\max_p\min_{g,k}\|p-\rho(g)c_k\|\le\delta`, 1e-12 for the round-off of two
distance routines; the number of uncovered points is shown) with at most :math:`|G|N` distinct
centres; a greedy cover of X, read in :math:`d_{X/G}`, must cover every point likewise.  The greedy
counts and :math:`N_X/N_{X/G}` are reported.

``pt-cover-dim`` (trend, common form; hypotheses not confirmed).  Statement
:func:`bounds.covering.cover_dimension`: the slope of :math:`\log N` against
:math:`\log(1/\delta)` is d for X and :math:`d-\dim G` for X/G; a finite group divides the count
by about |G|.  Greedy covers of reference samples, slopes by least squares:

* ``C4`` on :math:`[-1,1]^2` (``points``, δ ∈ {.4, .2, .1, .05}): :math:`N_X/N_{X/G}` against
  :math:`[0.7,1.3]|G|`, both slopes against 2;
* ``SO2`` on the annulus :math:`1\le\|x\|\le2`: the X slope on ``so2_points`` points at
  δ ∈ {.3, .2, .14, .1} against 2, the quotient slope on the first ``quotient_points`` points
  at δ ∈ {.2, .1, .05, .025} against 1.  :math:`d_{X/G}` is the minimum over the ``so2_grid``
  rotations :math:`C_M\subset SO(2)`, within :math:`2r\sin(\pi/2M)` above the exact
  :math:`|\,\|x\|-\|y\|\,|` (asserted);
* ``SO3`` on pairs of unit vectors :math:`S^2\times S^2\subset\mathbb R^6` (dimension 4, the
  quotient is the angle between the vectors, dimension 1): the X slope on ``so3_points``
  points at δ ∈ {1.2, .9, .6, .45}; the quotient slope on the first ``quotient_points``
  points at δ ∈ {.4, .2, .1, .05} with the exact distance (Kabsch,
  :func:`verify.models.wasserstein.so3_quotient_distance`), and, as theory's upper estimate, with the
  minimum over ``haar`` Haar rotations (plus the identity) at δ ∈ {.4, .2} only: its excess
  (≈ 0.03 median, 0.14 at the 90th percentile for 2 000 rotations) swamps smaller δ.  The
  Haar estimate ≥ the exact distance is asserted (1e-12, round-off).

The δ ranges differ between X and X/G for the Lie groups: a cover count shows its slope only
between a few cells and a small fraction of the sample size, and that window lies at larger δ
for X (dimension 2 or 4) than for the 1-dimensional quotient (SO(3): at δ ≥ 0.45, where
:math:`N_X` stays below the sample size, the quotient of diameter 2 has 2-5 cells).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy.linalg import block_diag
from scipy.stats import special_ortho_group

from bounds import covering as cv

from ..engine.experiment import (
    Experiment,
    Param,
    Plan,
    TaskSpec,
    UsageError,
    parse_floats,
    register,
)
from ..engine.stats import Check, mean_se
from ..models.wasserstein import (
    COVER_TOL,
    count_uncovered,
    fundamental_domain,
    greedy_cover,
    grid_cover_count,
    lift_cover,
    quotient_distance,
    so2_grid,
    so3_quotient_distance,
    w1_assignment,
)
from .pt_wasserstein import _cube_group, _groups, parse_ints

__all__ = [
    "BOUND_STATEMENTS",
    "DIM_DELTAS",
    "LIFT_STATEMENTS",
    "TOL_HAAR",
    "cover_bound_curve",
    "dim_task",
    "lift_task",
    "make_bound_plan",
    "make_dim_plan",
    "make_lift_plan",
    "quotient_w1_task",
    "slope",
]

#: statements of pt-cover-bound: B1 (two samples), its optimum and optimal radius under the
#: cover model
class _OnFirstUse(Mapping):
    """Statements built on first use: SymPy's argmin for the optimal cover bound costs 0.8 s,
    which every ``verify`` command would otherwise pay at import."""

    def __init__(self, makers):
        self._makers, self._built = makers, {}

    def __getitem__(self, key):
        if key not in self._built:
            self._built[key] = self._makers[key]()
        return self._built[key]

    def __iter__(self):
        return iter(self._makers)

    def __len__(self):
        return len(self._makers)


BOUND_STATEMENTS = _OnFirstUse({"bound": lambda: cv.cover_bound(2),
                                "optimal": lambda: cv.optimal_cover_bound(2),
                                "delta": lambda: cv.optimal_delta(2)})
#: statements of pt-cover-lift
LIFT_STATEMENTS = {"upper": cv.cover_lift_upper(), "lower": cv.cover_lift_lower()}
#: round-off allowance of "Haar estimate >= exact SO(3) distance": both are norms of residuals
#: of six coordinates (~1e-15)
TOL_HAAR = 1e-12
#: theory's band for N(X)/N(X/G), as a multiple of |G|
RATIO_BAND = (0.7, 1.3)

#: δ values of pt-cover-dim: case -> {"X": ..., "Q": ..., "haar": ...}
DIM_DELTAS = {
    "C4": {"X": (0.4, 0.2, 0.1, 0.05), "Q": (0.4, 0.2, 0.1, 0.05)},
    "SO2": {"X": (0.3, 0.2, 0.14, 0.1), "Q": (0.2, 0.1, 0.05, 0.025)},
    "SO3": {"X": (1.2, 0.9, 0.6, 0.45), "Q": (0.4, 0.2, 0.1, 0.05), "haar": (0.4, 0.2)},
}
#: (dimension of X, dimension of G) per case
DIMS = {"C4": (2, 0), "SO2": (2, 1), "SO3": (4, 3)}


def slope(deltas, counts) -> float:
    r"""Least-squares slope of :math:`\log N` against :math:`\log(1/\delta)`."""
    return float(np.polyfit(np.log(1.0 / np.asarray(deltas, float)),
                            np.log(np.asarray(counts, float)), 1)[0])


# -- pt-cover-bound ---------------------------------------------------------------------------
def quotient_w1_task(rng, n, trials, mats, box):
    r""":math:`W_1^{X/G}` of ``trials`` pairs of n-samples, uniform on the cube."""
    d = mats.shape[1]
    out = np.empty(trials)
    for t in range(trials):
        X, Y = rng.uniform(*box, size=(n, d)), rng.uniform(*box, size=(n, d))
        out[t] = w1_assignment(quotient_distance(X, Y, mats))
    return out


def cover_bound_curve(stmt, dom, n: int, count: int) -> dict:
    """B1 at ``count`` values of δ (geometric on [D/100, D]) with the grid count of ``dom``."""
    D = dom.diameter
    deltas = np.geomspace(D / 100, D, count)
    N = np.array([grid_cover_count(dom, x) for x in deltas], dtype=float)
    f = stmt.lambdify()
    vals = np.array([float(f(delta=x, D=D, N=m, n=n)) for x, m in zip(deltas, N)])
    best = int(np.argmin(vals))
    return {"delta": deltas.tolist(), "N": N.tolist(), "bound": vals.tolist(),
            "best": float(vals[best]), "best_delta": float(deltas[best]),
            "best_N": float(N[best]), "D": D}


def make_bound_plan(exp: Experiment, v: dict, statements: dict | None = None) -> Plan:
    """Plan of ``pt-cover-bound``; ``statements`` swaps statements (tests plant wrong ones)."""
    st = {**BOUND_STATEMENTS, "bound": exp.statement, **(statements or {})}
    ns = parse_ints("n", v["n"], 1)
    if v["deltas"] < 2:
        raise UsageError(f"parameter deltas must be at least 2, got {v['deltas']}")
    cases, tasks = [], []
    for spec in _groups(v["groups"]):
        gname, rep, mats, box = _cube_group(spec)
        order, d = int(mats.shape[0]), int(mats.shape[1])
        try:
            dom = fundamental_domain(gname, rep, d)
        except ValueError as e:
            raise UsageError(str(e)) from None
        C = (box[1] - box[0]) ** d * (math.sqrt(d) / 2) ** d
        case = {"group": gname, "rep": rep, "order": order, "d": d, "C": C, "points": []}
        for n in ns:
            curve = cover_bound_curve(st["bound"], dom, n, v["deltas"])
            vals = {"C": C, "D": dom.diameter, "d": d, "n": n, "order": order}
            opt = st["optimal"]
            model = {"delta_star": st["delta"].evaluate(**vals),
                     "B_star": opt.evaluate(**vals),
                     "B_star_more_data": opt.evaluate(**{**vals, "n": order * n, "order": 1})}
            case["points"].append({"n": n, **curve, **model, "task": len(tasks)})
            tasks.append(TaskSpec(quotient_w1_task, {"n": n, "trials": v["trials"],
                                                     "mats": mats, "box": box},
                                  key=(gname, n)))
        cases.append(case)

    def reduce(outputs):
        checks = []
        for c in cases:
            g = c["group"]
            for p in c["points"]:
                m, se = mean_se(outputs[p["task"]])
                p["measured"], p["se"] = m, se
                bound = p["best"]
                checks.append(Check(
                    f"{g} n={p['n']}: E W1^(X/G) <= min_delta [2 delta + (D/2) sqrt(2N/n)] "
                    f"(delta = {p['best_delta']:.3g}, N = {p['best_N']:.0f} grid cells)",
                    "bound", bound, m, se=se, relation="<=", group=f"{g} covering bound B1"))
                checks.append(Check(
                    f"{g} n={p['n']}: closed form B* = {p['B_star']:.4g} at delta* = "
                    f"{p['delta_star']:.3g} (leading-order cover count; reported)",
                    "trend", p["B_star"], m))
        return checks, {"cases": cases, "n": ns}

    return Plan(tasks, reduce, params={"groups": [c["group"] for c in cases]})


# -- pt-cover-lift ----------------------------------------------------------------------------
def lift_task(rng, points, mats, box, deltas, drop=0):
    r"""Greedy covers of a reference sample in :math:`d_{X/G}` and :math:`d_X`, the lift of the
    first (with the last ``drop`` elements left out: a planted error) and the projection of
    the second, at each δ."""
    d = mats.shape[1]
    P = rng.uniform(*box, size=(points, d))
    keep = mats[:len(mats) - drop]
    out = []
    for delta in deltas:
        q = greedy_cover(P, delta, mats)
        lifted = lift_cover(P[q], keep)
        unc, rad = count_uncovered(P, lifted, delta)
        x = greedy_cover(P, delta)
        # the X-cover read in d_{X/G}: min_k d_{X/G}(p, c_k) = min over the orbit of the c_k
        unc_x, rad_x = count_uncovered(P, lift_cover(P[x], mats), delta)
        out.append({"delta": delta, "N_Q": len(q), "N_X": len(x), "lifted": len(lifted),
                    "uncovered": unc, "radius": rad, "proj_uncovered": unc_x,
                    "proj_radius": rad_x})
    return out


def _deltas(text) -> list[float]:
    return sorted(set(parse_floats("deltas", text, positive=True)), reverse=True)


def make_lift_plan(exp: Experiment, v: dict, drop: int = 0) -> Plan:
    """Plan of ``pt-cover-lift``; ``drop`` > 0 lifts with G minus its last elements (planted)."""
    up = exp.statement
    deltas = _deltas(v["deltas"])
    cases, tasks = [], []
    for spec in _groups(v["groups"]):
        gname, rep, mats, box = _cube_group(spec)
        if drop >= len(mats):
            raise UsageError("cannot drop every group element")
        cases.append({"group": gname, "rep": rep, "order": int(mats.shape[0]),
                      "d": int(mats.shape[1])})
        tasks.append(TaskSpec(lift_task, {"points": v["points"], "mats": mats, "box": box,
                                          "deltas": deltas, "drop": drop}, key=gname))

    def reduce(outputs):
        checks = []
        for c, rows in zip(cases, outputs):
            g, order = c["group"], c["order"]
            c["rows"] = rows
            for r in rows:
                tag = f"{g} delta={r['delta']:g}"
                checks.append(Check(f"{tag}: lifted quotient cover: covering radius <= delta "
                                    f"({r['uncovered']} points uncovered)", "bound",
                                    r["delta"], r["radius"], relation="<=", tol=COVER_TOL,
                                    group=f"{g}: the lift covers X"))
                checks.append(Check(f"{tag}: lifted centres <= |G| N(X/G)", "bound",
                                    up.evaluate(order=order, N=r["N_Q"]), r["lifted"],
                                    relation="<=", tol=0.0, group=f"{g}: lift size"))
                checks.append(Check(f"{tag}: the X-cover read in d_X/G: covering radius <= "
                                    f"delta ({r['proj_uncovered']} points uncovered; so "
                                    f"N(X/G) <= N(X) = {r['N_X']})", "bound", r["delta"],
                                    r["proj_radius"], relation="<=", tol=COVER_TOL,
                                    group=f"{g}: projection covers X/G"))
                checks.append(Check(f"{tag}: greedy N(X)/N(X/G) = {r['N_X']}/{r['N_Q']} in "
                                    f"[1, |G| = {order}]", "trend", float(order),
                                    r["N_X"] / r["N_Q"]))
        return checks, {"cases": cases, "deltas": deltas}

    return Plan(tasks, reduce, params={"groups": [c["group"] for c in cases]})


# -- pt-cover-dim -----------------------------------------------------------------------------
def _annulus(rng, m):
    r = np.sqrt(rng.uniform(1.0, 4.0, m))
    t = rng.uniform(0.0, 2 * np.pi, m)
    return np.c_[r * np.cos(t), r * np.sin(t)]


def _sphere_pairs(rng, m):
    z = rng.standard_normal((m, 2, 3))
    return (z / np.linalg.norm(z, axis=2, keepdims=True)).reshape(m, 6)


def dim_task(rng, case, points, so2_grid_size=1440, quotient_points=2000, haar=2000):
    """Greedy cover counts of one pt-cover-dim case (see the module docstring)."""
    dl = DIM_DELTAS[case]
    out = {"case": case, "deltas_X": dl["X"], "deltas_Q": dl["Q"]}
    if case == "C4":
        _, _, mats, box = _cube_group("C4")
        P = rng.uniform(*box, size=(points, 2))
        out["N_X"] = [len(greedy_cover(P, x)) for x in dl["X"]]
        out["N_Q"] = [len(greedy_cover(P, x, mats)) for x in dl["Q"]]
        out["order"] = 4
        return out
    if case == "SO2":
        P = _annulus(rng, points)
        mats = so2_grid(so2_grid_size)
        out["N_X"] = [len(greedy_cover(P, x)) for x in dl["X"]]
        out["N_Q"] = [len(greedy_cover(P[:quotient_points], x, mats)) for x in dl["Q"]]
        A, B = P[:200], P[200:400]
        excess = quotient_distance(A, B, mats) - np.abs(
            np.linalg.norm(A, axis=1)[:, None] - np.linalg.norm(B, axis=1)[None])
        out["grid_excess"] = (float(excess.min()), float(excess.max()))
        out["grid_allowance"] = 2 * 2.0 * math.sin(math.pi / (2 * so2_grid_size))
        return out
    P = _sphere_pairs(rng, points)
    R = special_ortho_group.rvs(3, size=haar, random_state=rng)
    mats = np.concatenate([np.eye(6)[None], np.array([block_diag(r, r) for r in R])])
    out["N_X"] = [len(greedy_cover(P, x)) for x in dl["X"]]
    Q = P[:quotient_points]
    exact = lambda A, c: so3_quotient_distance(A, c[None])[:, 0]
    out["N_Q"] = [len(greedy_cover(Q, x, metric=exact)) for x in dl["Q"]]
    out["deltas_haar"] = dl["haar"]
    out["N_Q_haar"] = [len(greedy_cover(Q, x, mats)) for x in dl["haar"]]
    A = Q[:100]  # the orbit buffer holds |A| x haar points of R^6; the exact one is symmetric
    gap = quotient_distance(Q, A, mats) - so3_quotient_distance(Q, A)
    out["haar_excess"] = (float(gap.min()), float(np.median(gap)), float(np.quantile(gap, 0.9)))
    return out


def make_dim_plan(exp: Experiment, v: dict) -> Plan:
    st = exp.statement
    cases = [c.strip().upper() for c in str(v["cases"]).split(",") if c.strip()]
    bad = [c for c in cases if c not in DIM_DELTAS]
    if not cases or bad:
        raise UsageError(f"parameter cases must list some of {', '.join(DIM_DELTAS)}; got "
                         f"{v['cases']!r}")
    sizes = {"C4": v["points"], "SO2": v["so2_points"], "SO3": v["so3_points"]}
    for c in ("SO2", "SO3"):
        if c in cases and v["quotient_points"] > sizes[c]:
            raise UsageError(f"quotient_points ({v['quotient_points']}) must not exceed the {c} "
                             f"sample size ({sizes[c]})")
    tasks = [TaskSpec(dim_task, {"case": c, "points": sizes[c], "so2_grid_size": v["so2_grid"],
                                 "quotient_points": v["quotient_points"],
                                 "haar": v["haar"]}, key=c) for c in cases]

    def reduce(outputs):
        checks = []
        for o in outputs:
            c = o["case"]
            dimx, dimg = DIMS[c]
            pred_x, pred_q = st.evaluate(d=dimx, dimG=0), st.evaluate(d=dimx, dimG=dimg)
            o["slope_X"], o["slope_Q"] = slope(o["deltas_X"], o["N_X"]), slope(o["deltas_Q"],
                                                                                 o["N_Q"])
            o["predicted_X"], o["predicted_Q"] = pred_x, pred_q
            if c == "C4":
                for x, nx, nq in zip(o["deltas_X"], o["N_X"], o["N_Q"]):
                    checks.append(Check(f"C4 delta={x:g}: N(X)/N(X/G) = {nx}/{nq} ~ |G| (band "
                                        f"[{RATIO_BAND[0]}, {RATIO_BAND[1]}] |G|)", "trend",
                                        4.0, nx / nq, group="C4 N(X)/N(X/G)"))
            checks.append(Check(f"{c}: slope of log N(X) vs log(1/delta) = d = {dimx} "
                                f"(delta {o['deltas_X'][0]:g}..{o['deltas_X'][-1]:g}; N {o['N_X']})",
                                "trend", pred_x, o["slope_X"]))
            exact = " (exact Kabsch distance)" if c == "SO3" else ""
            checks.append(Check(f"{c}: slope of log N(X/G) = d - dim G = {pred_q:g}{exact} "
                                f"(delta {o['deltas_Q'][0]:g}..{o['deltas_Q'][-1]:g}; N "
                                f"{o['N_Q']})", "trend", pred_q, o["slope_Q"]))
            if c == "SO2":
                lo, hi = o["grid_excess"]
                checks.append(Check("SO2: C_M-grid distance >= exact | |x| - |y| | (min excess)",
                                    "bound", 0.0, lo, relation=">=", tol=COVER_TOL))
                checks.append(Check("SO2: C_M-grid distance <= exact + 2 r sin(pi/2M) "
                                    "(max excess)", "bound", o["grid_allowance"], hi,
                                    relation="<=", tol=COVER_TOL))
            if c == "SO3":
                o["slope_Q_haar"] = slope(o["deltas_haar"], o["N_Q_haar"])
                lo, med, q90 = o["haar_excess"]
                checks.append(Check(f"SO3: Haar-min distance >= exact (upper estimate; excess "
                                    f"median {med:.3g}, 90% {q90:.3g})", "bound", 0.0, lo,
                                    relation=">=", tol=TOL_HAAR))
                checks.append(Check(f"SO3: slope of log N(X/G) with the Haar-min estimate "
                                    f"(delta {o['deltas_haar']}; N {o['N_Q_haar']}; "
                                    "inflated by the estimate's excess)", "trend", pred_q,
                                    o["slope_Q_haar"]))
        return checks, {"cases": outputs}

    return Plan(tasks, reduce, params={"cases": cases})


# -- registration -----------------------------------------------------------------------------
#: Sizes of the cover experiments: each cover compares points within delta, in memory.
COVER_WHY = "covers compare the sample's points pairwise within delta, in memory and time"

BOUND_PARAMS = (
    Param("groups", str, "S3,C4", "groups on their cubes, comma-separated: S<m> (perm, "
          "[0,1]^m), C4/D4/C2 (rot, [-1,1]^2), Z2^<d>, C<m>:perm, C1"),
    Param("n", str, "100,400,1000", "sample sizes, comma-separated", quick="100"),
    Param("trials", int, 10, "pairs of samples per (group, n)", low=2, high=10_000,
          why="each pair is an assignment problem of size |G| n"),
    Param("deltas", int, 30, "values of delta (geometric on [D/100, D])", low=2, high=1000,
          why="a grid cover of F per delta"),
)

LIFT_PARAMS = (
    Param("groups", str, "C4,Z2^3,S3", "groups on their cubes, comma-separated (C4 and D4 act "
          "on [-1,1]^2 by rotations, Z2^<d> by sign flips, S<m> and C<m>:perm by permutations)"),
    Param("points", int, 10_000, "reference sample size", quick=1000, low=1, high=200_000,
          why="greedy covers of the points compare every pair within delta"),
    Param("deltas", str, "0.4,0.2,0.1", "cover radii, comma-separated"),
)

DIM_PARAMS = (
    Param("cases", str, "C4,SO2,SO3", "C4 (square), SO2 (annulus), SO3 (pairs of unit vectors)",
          quick="C4"),
    Param("points", int, 6000, "C4: reference sample size", low=10, high=200_000,
          why=COVER_WHY),
    Param("so2_points", int, 20_000, "SO2: reference sample size on the annulus", low=10,
          high=200_000, why=COVER_WHY),
    Param("so2_grid", int, 1440, "SO2: rotations C_M standing in for SO(2)", low=4,
          high=100_000, why=COVER_WHY),
    Param("so3_points", int, 60_000, "SO3: reference sample size for N(X)", low=10,
          high=200_000, why=COVER_WHY),
    Param("quotient_points", int, 2000, "SO2, SO3: the first points of the sample used for "
          "N(X/G)", low=10, high=200_000, why=COVER_WHY),
    Param("haar", int, 2000, "SO3: Haar rotations of the upper estimate of d_X/G", low=1,
          high=100_000, why=COVER_WHY),
)

PT_COVER_BOUND = register(Experiment(
    slug="pt-cover-bound", kind="bound", family="PT",
    claim="E W1^(X/G) <= min_delta 2 delta + (D/2) sqrt(2 N(X/G, delta)/n) (grid cover of F)",
    params=BOUND_PARAMS, planner=make_bound_plan, statement=BOUND_STATEMENTS["bound"],
    details=__doc__,
))

PT_COVER_LIFT = register(Experiment(
    slug="pt-cover-lift", kind="bound", family="PT",
    claim="N(X/G) <= N(X) <= |G| N(X/G): lifted quotient covers cover X",
    params=LIFT_PARAMS, planner=make_lift_plan, statement=LIFT_STATEMENTS["upper"],
    details=__doc__,
))

PT_COVER_DIM = register(Experiment(
    slug="pt-cover-dim", kind="trend", family="PT",
    claim="N(X)/N(X/G) ~ |G|; cover slope drops from d to d - dim G for Lie groups",
    params=DIM_PARAMS, planner=make_dim_plan, statement=cv.cover_dimension(), details=__doc__,
))
