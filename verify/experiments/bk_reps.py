r"""Bökman–Kahl (2024), ReLU networks and their symmetries: which linear maps commute with
ReLU, and how hidden representations are recovered — sharp, deterministic experiments.

All checks are float64 identities; "≈ 0" means ≤ 1e-12 (absolute) unless stated.  Random
constructions draw from the task's Generator, so a run is reproducible from its seed.

* ``bk-relu-commute``: σ(Ax) = Aσ(x) for A = PD (≈ 0); −I, a signed permutation and a random A
  fail (≥ 0.1); tanh commutes with −I and signed permutations but not with scales.
* ``bk-perm-rep``: the scaled-permutation representations recovered from a scrambled deep
  C₄ net are diagonally conjugate to permutation representations (cycle accumulation of the
  log-scales; the fixed vector Σ_g ρ(g)1 as a cross-check).
* ``bk-deep-recovery``: hidden representations of a scrambled deep C₄ net are recovered layer
  by layer and form a representation.
* ``bk-signed-random``: the analyser's verdict equals the truth on random constructions
  (100 constructions, quick 20).
"""
from __future__ import annotations

import numpy as np

from bounds import relu as br

from ..engine.experiment import Experiment, Param, register
from ..engine.stats import Check
from ..models.relu_symmetry import (
    Construction,
    analyse_two_layer,
    cycle_conjugator,
    deep_regular_net,
    fixed_vector_conjugator,
    flip_matrix,
    max_abs,
    mlp,
    perm_residual,
    positive_scaled_permutation,
    random_construction,
    recover_reps,
    relu,
    relu_commute_residual,
    scramble,
    signed_permutation,
    tanh_signed_net,
    two_layer_verdict,
)
from .bk_common import (
    FLOOR,
    IMAGE_MAX,
    POINTS_MAX,
    SIZE_WHY,
    VERDICT_TOL,
    WIDTH_MAX,
    _at_least,
    _parse_widths,
    _single,
    _zero,
)


# ============================================================================================
# bk-relu-commute
# ============================================================================================
def relu_commute_checks(must_commute: dict, must_fail: dict, X: np.ndarray, act=relu,
                        act_name: str = "relu") -> list[Check]:
    r""":math:`\max|\mathrm{act}(AX)-A\,\mathrm{act}(X)|` must be ≈ 0 for every A in
    ``must_commute`` and ≥ 0.1 for every A in ``must_fail`` (tests plant a signed permutation
    into ``must_commute``)."""
    checks = [_zero(f"{act_name}: {name} commutes, max|act(Ax) - A act(x)|",
                    relu_commute_residual(A, X, act)) for name, A in must_commute.items()]
    checks += [_at_least(f"{act_name}: {name} does not commute (>= {FLOOR})",
                         relu_commute_residual(A, X, act)) for name, A in must_fail.items()]
    return checks


def commute_task(rng, n, points):
    X = rng.normal(size=(points, n))
    PD = positive_scaled_permutation(n, rng)
    S = signed_permutation(n, rng)
    A = rng.normal(size=(n, n))
    scale = np.diag([2.0] + [1.0] * (n - 1))
    checks = relu_commute_checks({"PD": PD}, {"-I": -np.eye(n), "signed permutation": S,
                                              "random A": A}, X)
    checks += relu_commute_checks({"-I": -np.eye(n), "signed permutation": S},
                                  {"diag(2, 1, ..)": scale}, X, np.tanh, "tanh")
    # the statement sigma(c z) = c sigma(z), c > 0, at the scales of PD
    hom = br.relu_positive_homogeneity().lambdify()
    c = np.abs(PD[PD != 0])[None, :]
    z = X[:, : 1]
    checks.append(_zero("statement: sigma(c z) = c sigma(z) at PD's scales",
                        max_abs(relu(c * z) - hom(z=z, c=c))))
    data = {name: relu_commute_residual(M, X) for name, M in
            (("PD", PD), ("-I", -np.eye(n)), ("signed", S), ("random", A))}
    return checks, data


def plan_commute(exp, v):
    return _single(commute_task, n=v["n"], points=v["points"])


register(Experiment(
    slug="bk-relu-commute", kind="sharp", family="BK",
    claim="A commutes with ReLU iff A is a positive-scaled permutation",
    params=(Param("n", int, 5, "dimension of A", low=2, high=WIDTH_MAX, why=SIZE_WHY),
            Param("points", int, 2000, "Gaussian test points", low=10,
                  high=POINTS_MAX, why=SIZE_WHY)),
    planner=plan_commute, statement=br.relu_positive_homogeneity(), details=__doc__,
))


# ============================================================================================
# bk-deep-recovery and bk-perm-rep (shared construction)
# ============================================================================================
def deep_setup(rng, image: int, widths: tuple[int, ...], negative=None):
    """A layerwise-C4 net (regular hidden reps), scrambled; the scrambled true hidden reps."""
    layers, rho0, hidden = deep_regular_net(rng, image, widths)
    scr, Ms = scramble(layers, rng, negative=negative)
    truth = [[M @ R @ np.linalg.inv(M) for R in reps] for M, reps in zip(Ms, hidden)]
    return scr, rho0, truth


def deep_recovery_checks(layers, rho0, truth, X) -> tuple[list[Check], dict]:
    r"""Invariance of f, recovery per layer and element (≈ 0), signs +1, recovered = scrambled
    truth, :math:`\rho_j(r)^2=\rho_j(r^2)`, :math:`\rho_j(r)^4=I`."""
    out = np.eye(layers[-1][0].shape[0])
    f = mlp(layers, X)
    inv = max(max_abs(mlp(layers, X @ R.T) - f) for R in rho0)
    recs = [recover_reps(layers, R, out) for R in rho0]
    checks = [_zero("f(rho_0(g) x) = f(x), all g in C4", inv)]
    for k, rec in enumerate(recs):
        for j, res in enumerate(rec.residuals):
            where = f"layer {j + 1}" if j < len(rec.reps) else "output layer"
            checks.append(_zero(f"{where}, g = r^{k}: |W rho_prev - rho W|, |rho b - b|", res,
                                group="recovery residual"))
        for j, mm in enumerate(rec.mismatch):
            checks.append(_zero(f"layer {j + 1}, g = r^{k}: match 1 - |cos|", mm,
                                group="match quality"))
        for j, R in enumerate(rec.reps):
            checks.append(_zero(f"layer {j + 1}, g = r^{k}: recovered = P D rho D^-1 P^T",
                                max_abs(R - truth[j][k]), group="recovered = truth"))
    checks.append(Check("negative signs in the recovered reps", "sharp", 0.0,
                        float(sum(sum(r.negative) for r in recs)), tol=0.0))
    for j in range(len(recs[0].reps)):
        r1, r2 = recs[1].reps[j], recs[2].reps[j]
        checks.append(_zero(f"layer {j + 1}: rho(r)^2 = rho(r^2)", max_abs(r1 @ r1 - r2),
                            group="homomorphism"))
        checks.append(_zero(f"layer {j + 1}: rho(r)^4 = I",
                            max_abs(np.linalg.matrix_power(r1, 4) - np.eye(r1.shape[0])),
                            group="homomorphism"))
    data = {"invariance": inv,
            "recovery": max(max(r.residuals) for r in recs),
            "homomorphism": max(c.measured for c in checks if c.group == "homomorphism"),
            "reps": [[rec.reps[j] for rec in recs] for j in range(len(recs[0].reps))]}
    return checks, data


def deep_task(rng, image, widths, points):
    layers, rho0, truth = deep_setup(rng, image, widths)
    X = rng.normal(size=(points, image * image))
    checks, data = deep_recovery_checks(layers, rho0, truth, X)
    data.pop("reps")
    return checks, data


def _deep_plan(fn):
    def plan(exp, v):
        widths = _parse_widths(v["widths"], 4)
        return _single(fn, image=v["image"], widths=widths, points=v["points"])
    return plan


DEEP_PARAMS = (
    Param("image", int, 6, "side of the square images (C4 rotates them)", low=2,
                  high=IMAGE_MAX, why=SIZE_WHY),
    Param("widths", str, "20,24,16", "hidden widths, comma-separated multiples of 4"),
    Param("points", int, 500, "Gaussian test points", low=2,
                  high=POINTS_MAX, why=SIZE_WHY),
)

register(Experiment(
    slug="bk-deep-recovery", kind="sharp", family="BK",
    claim="hidden reps of a scrambled deep net are recovered",
    params=DEEP_PARAMS, planner=_deep_plan(deep_task), statement=None, details=__doc__,
))


def perm_rep_checks(reps: dict) -> tuple[list[Check], dict]:
    r"""For each ``label -> [ρ(e), ρ(r), ρ(r²), ρ(r³)]`` (a scaled permutation representation
    of :math:`C_4`): the cycle products of ρ(r)'s scales are 1; with t from cycle accumulation
    (and, separately, from the fixed vector) every :math:`\mathrm{diag}(t)\rho(g)
    \mathrm{diag}(t)^{-1}` is within 1e-12 of a permutation matrix."""
    checks, worst = [], 0.0
    for label, mats in reps.items():
        t, cyc = cycle_conjugator(mats[1])
        checks.append(_zero(f"{label}: |sum of log-scales around each cycle of rho(r)|", cyc,
                            group="cycle products"))
        tv = fixed_vector_conjugator(mats)
        for k, M in enumerate(mats):
            for how, tt in (("cycle", t), ("fixed vector", tv)):
                res, is_perm = perm_residual(tt[:, None] * M / tt[None, :])
                worst = max(worst, res) if how == "cycle" else worst
                checks.append(_zero(f"{label}, g = r^{k}: |T rho T^-1 - round| ({how})", res,
                                    group=f"{how} conjugation"))
                checks.append(Check(f"{label}, g = r^{k}: round(T rho T^-1) is a permutation "
                                    f"({how})", "sharp", 1.0, float(is_perm), tol=0.0,
                                    group="rounded is a permutation"))
    return checks, {"worst_cycle_residual": worst}


def perm_rep_task(rng, image, widths, points):
    layers, rho0, truth = deep_setup(rng, image, widths)
    X = rng.normal(size=(points, image * image))
    _, data = deep_recovery_checks(layers, rho0, truth, X)  # bk-deep-recovery checks these
    reps = {f"layer {j + 1}": mats for j, mats in enumerate(data["reps"])}
    return perm_rep_checks(reps)


register(Experiment(
    slug="bk-perm-rep", kind="sharp", family="BK",
    claim="scaled-permutation reps are diagonally conjugate to permutation reps",
    params=DEEP_PARAMS, planner=_deep_plan(perm_rep_task), statement=None, details=__doc__,
))


# ============================================================================================
# bk-signed-random
# ============================================================================================
def signed_random_checks(constructions: list[Construction], X, truths=None
                         ) -> tuple[list[Check], dict]:
    """Analyser verdicts against the truth (``truths`` overrides the constructions' labels; a
    test flips one).  Passes iff every verdict equals the truth and every residual of
    (i)–(iii) and of f's equivariance is ≤ 1e-10."""
    truths = [c.truth for c in constructions] if truths is None else list(truths)
    verdicts, res, eq = [], [], []
    for c in constructions:
        (W1, b1), (W2, _) = c.layers
        rep = analyse_two_layer(W1, b1, W2, c.rho0, c.rho2)
        verdicts.append(two_layer_verdict(rep, VERDICT_TOL))
        res.append(rep.residual)
        eq.append(max_abs(mlp(c.layers, X @ c.rho0.T) - mlp(c.layers, X) @ c.rho2.T))
    mism = [i for i, (v, t) in enumerate(zip(verdicts, truths)) if v != t]
    n = len(constructions)
    checks = [
        Check(f"verdict = truth ({n} constructions, {sum(t == 'signed' for t in truths)} "
              "signed)", "sharp", float(n), float(n - len(mism)), tol=0.0),
        Check("max residual of (i)-(iii)", "bound", VERDICT_TOL, float(np.max(res)),
              tol=0.0, relation="<="),
        Check("max equivariance residual |f(P x) - rho2 f(x)|", "bound", VERDICT_TOL,
              float(np.max(eq)), tol=0.0, relation="<="),
    ]
    return checks, {"mismatches": mism, "verdicts": verdicts, "max_residual": float(np.max(res)),
                    "max_equivariance": float(np.max(eq))}


def tanh_checks(P, rng, X, count) -> list[Check]:
    """Optional tanh variant: signed hidden reps are layerwise for tanh (≈ 0), while ReLU
    with the same weights is not invariant (≥ 0.1)."""
    checks = []
    Pt = np.zeros((P.shape[0] + 1,) * 2)
    Pt[:-1, :-1], Pt[-1, -1] = P, 1.0
    for t in range(count):
        layers, rho1 = tanh_signed_net(P, 4, rng)
        (W1, b1), (W2, _) = layers
        Wt = np.hstack([W1, b1[:, None]])
        inv = max_abs(mlp(layers, X @ P.T, np.tanh) - mlp(layers, X, np.tanh))
        lay = max(max_abs(Wt @ Pt - rho1 @ Wt), max_abs(W2 @ rho1 - W2),
                  relu_commute_residual(rho1, rng.normal(size=(200, rho1.shape[0])), np.tanh))
        checks.append(_zero(f"tanh net {t}: invariance", inv, group="tanh: signed reps are "
                            "layerwise"))
        checks.append(_zero(f"tanh net {t}: W rho0 = rho1 W, a rho1 = a, tanh commutes", lay,
                            group="tanh: signed reps are layerwise"))
        checks.append(_at_least(f"tanh net {t}: the same weights with ReLU are not invariant",
                                max_abs(mlp(layers, X @ P.T) - mlp(layers, X)),
                                group="tanh: ReLU with the same weights fails"))
    return checks


def signed_random_task(rng, count, image, points, tanh):
    P = flip_matrix(image)
    X = rng.normal(size=(points, image * image))
    cons = [random_construction(rng, P, signed=bool(i % 2), equivariant_output=bool(i // 2 % 2))
            for i in range(count)]
    checks, data = signed_random_checks(cons, X)
    data.pop("verdicts")
    data["kinds"] = {k: sum(c.kind == k for c in cons) for k in ("-", "c3", "nullspace")}
    if tanh:
        checks += tanh_checks(P, rng, X, tanh)
    return checks, data


def plan_signed_random(exp, v):
    return _single(signed_random_task, count=v["count"], image=v["image"], points=v["points"],
                   tanh=v["tanh"])


register(Experiment(
    slug="bk-signed-random", kind="sharp", family="BK",
    claim="analyser verdict = ground truth on random constructions",
    params=(Param("count", int, 100, "random constructions (half signed)", quick=20, low=2,
                  high=2000, why="each construction is a few checks; 2000 take about a minute"),
            Param("image", int, 8, "side of the square images (horizontal flip)", low=2,
                  high=IMAGE_MAX, why=SIZE_WHY),
            Param("points", int, 300, "Gaussian test points", low=2,
                  high=POINTS_MAX, why=SIZE_WHY),
            Param("tanh", int, 10, "tanh nets with signed reps (0: skip the variant)", low=0,
                  high=2000, why="each tanh net is three checks; 2000 take about a minute")),
    planner=plan_signed_random, statement=br.two_layer_identity(), details=__doc__,
))
