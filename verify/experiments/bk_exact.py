r"""Bökman–Kahl: the exact results on ReLU networks and symmetries, as sharp experiments.

shared/theory/relu_symmetries.md §2.  All checks are deterministic float64 identities; "≈ 0"
means ≤ 1e-12 (absolute) unless stated.  Random constructions draw from the task's Generator,
so a run is reproducible from its seed.  All seven experiments take about 0.5 s together with
one BLAS thread; quick = full except ``bk-signed-random`` (100 constructions, quick 20).

* ``bk-relu-commute``: σ(Ax) = Aσ(x) for A = PD (≈ 0); −I, a signed permutation and a random A
  fail (≥ 0.1); tanh commutes with −I and signed permutations but not with scales.
* ``bk-perm-rep``: the scaled-permutation representations recovered from a scrambled deep
  C₄ net are diagonally conjugate to permutation representations (cycle accumulation of the
  log-scales; the fixed vector Σ_g ρ(g)1 as a cross-check).
* ``bk-symmetrise``: the width-|G| c_j block construction computes Φf and is layerwise
  equivariant (random 2- and 3-layer nets, 8 × 8 flip; C3 is reproduced exactly).
* ``bk-two-layer``: scrambled layerwise-equivariant two-layer nets (invariant and equivariant
  output) are analysed: signs all +1, ρ₁ recovered, residuals ≈ 0.
* ``bk-counterexample``: C1–C3 are equivariant (SymPy for C1/C2) but not layerwise; their
  width-6 realisations are.
* ``bk-signed-random``: the analyser's verdict equals the truth on random constructions.
* ``bk-deep-recovery``: hidden representations of a scrambled deep C₄ net are recovered layer
  by layer and form a representation.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import sympy as sp

from bounds import relu as br

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, UsageError, register
from ..models.relu_symmetry import (
    C1_ROWS,
    C2_ROWS,
    Construction,
    analyse_two_layer,
    c3_rows,
    cycle_conjugator,
    deep_regular_net,
    fixed_vector_conjugator,
    flip_matrix,
    layerwise_pair_net,
    match_rows,
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
    symmetrise,
    tanh_signed_net,
    two_layer_verdict,
    width6_realisation,
)
from ..engine.stats import Check

#: "≈ 0" in theory/relu_symmetries.md.
EXACT = 1e-12
#: Non-commuting matrices must miss by at least this much.
FLOOR = 0.1
#: Residual limit of the analyser's verdicts (bk-signed-random).
VERDICT_TOL = 1e-10
SWAP = np.array([[0.0, 1.0], [1.0, 0.0]])


def _single(fn, **kwargs) -> Plan:
    """A one-task plan whose task returns (checks, data)."""
    return Plan([TaskSpec(fn, kwargs)], lambda outs: outs[0], params={})


def _zero(name, measured, tol=EXACT, group=None, note="") -> Check:
    return Check(name, "sharp", 0.0, float(measured), tol=tol, group=group, note=note)


def _at_least(name, measured, floor=FLOOR, group=None) -> Check:
    return Check(name, "bound", floor, float(measured), tol=0.0, relation=">=", group=group)


def _parse_widths(text: str, multiple: int) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in str(text).split(","))
    except ValueError:
        raise UsageError(f"parameter widths must be comma-separated integers, got {text!r}"
                         ) from None
    if not widths or any(w <= 0 or w % multiple for w in widths):
        raise UsageError(f"parameter widths must be positive multiples of |C4| = {multiple} "
                         f"(regular representations), got {text!r}")
    return widths


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
    params=(Param("n", int, 5, "dimension of A", low=2),
            Param("points", int, 2000, "Gaussian test points", low=10)),
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
    Param("image", int, 6, "side of the square images (C4 rotates them)", low=2),
    Param("widths", str, "20,24,16", "hidden widths, comma-separated multiples of 4"),
    Param("points", int, 500, "Gaussian test points", low=2),
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
    rec_checks, data = deep_recovery_checks(layers, rho0, truth, X)
    reps = {f"layer {j + 1}": mats for j, mats in enumerate(data["reps"])}
    checks, pdata = perm_rep_checks(reps)
    # the recovery these reps come from must itself be exact
    ok = all(abs(c.measured - c.predicted) <= c.tol for c in rec_checks)
    checks.insert(0, Check("the reps come from an exact recovery (bk-deep-recovery checks)",
                           "sharp", 1.0, float(ok), tol=0.0))
    return checks, pdata


register(Experiment(
    slug="bk-perm-rep", kind="sharp", family="BK",
    claim="scaled-permutation reps are diagonally conjugate to permutation reps",
    params=DEEP_PARAMS, planner=_deep_plan(perm_rep_task), statement=None, details=__doc__,
))


# ============================================================================================
# bk-symmetrise
# ============================================================================================
def _phi(layers, rho0, rhoL, X):
    """(1/|G|) Σ_g ρ_L(g)^{-1} f(ρ_0(g) x) on the rows of X."""
    return sum(mlp(layers, X @ r.T) @ np.linalg.inv(np.atleast_2d(q)).T
               for r, q in zip(rho0, rhoL)) / len(rho0)


def symmetrise_checks(layers, rho0, rhoL, X, label, weight=None, equivariant=False,
                      statement=None) -> tuple[list[Check], float]:
    r"""The width-|G| net equals Φf (≈ 0), every layer intertwines its block permutations,
    the widths are |G| c_j; a random f must itself be far from equivariant (≥ 0.1), an
    equivariant one must be reproduced (f_sym = f)."""
    statement = statement or br.layerwise_width()
    sym, reps = symmetrise(layers, rho0, rhoL, weight)
    fs = mlp(sym, X)
    err = max_abs(fs - _phi(layers, rho0, rhoL, X))
    checks = [_zero(f"{label}: |f_sym - Phi f|_inf", err)]
    if equivariant:
        checks.append(_zero(f"{label}: f equivariant, so f_sym = f", max_abs(fs - mlp(layers, X))))
    else:
        gap = max(max_abs(mlp(layers, X @ r.T) - mlp(layers, X) @ np.atleast_2d(q).T)
                  for r, q in zip(rho0, rhoL))
        checks.append(_at_least(f"{label}: f itself is not equivariant", gap))
    ins = [rho0] + reps
    outs = reps + [[np.atleast_2d(q) for q in rhoL]]
    for j, (W, b) in enumerate(sym):
        res = max(max(max_abs(W @ ri - ro @ W), max_abs(ro @ b - b))
                  for ri, ro in zip(ins[j], outs[j]))
        checks.append(_zero(f"{label}: layer {j + 1} W' rho_in = rho_out W', rho_out b' = b'",
                            res, group="layer intertwining"))
    for j, (W, _) in enumerate(layers[:-1]):
        pred = statement.evaluate(order=len(rho0), width=W.shape[0])
        checks.append(Check(f"{label}: hidden layer {j + 1} width = |G| c_j", "sharp", pred,
                            float(sym[j][0].shape[0]), tol=0.0, group="widths"))
    return checks, err


def symmetrise_task(rng, image, hidden, points):
    d = image * image
    P = flip_matrix(image)
    X = rng.normal(size=(points, d))
    checks, errs = [], {}

    def rand_net(sizes):
        return [(rng.normal(size=(o, i)) / np.sqrt(i), rng.normal(size=o) * 0.3)
                for i, o in pairwise(sizes)]

    cases = (("2-layer, invariant", [d, hidden, 1], [np.eye(1)] * 2),
             ("3-layer, invariant", [d, hidden, hidden, 1], [np.eye(1)] * 2),
             ("3-layer, equivariant (rho_L = swap)", [d, hidden, hidden, 2], [np.eye(2), SWAP]))
    for label, sizes, rhoL in cases:
        c, e = symmetrise_checks(rand_net(sizes), [np.eye(d), P], rhoL, X, label)
        checks += c
        errs[label] = e
    v = rng.normal(size=d) / np.sqrt(d)
    c3 = [(c3_rows(P, v), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))]
    c, e = symmetrise_checks(c3, [np.eye(d), P], [np.eye(1)] * 2, X, "C3 (equivariant)",
                             equivariant=True)
    checks += c
    errs["C3"] = e
    return checks, errs


def plan_symmetrise(exp, v):
    return _single(symmetrise_task, image=v["image"], hidden=v["hidden"], points=v["points"])


register(Experiment(
    slug="bk-symmetrise", kind="sharp", family="BK",
    claim="width |G| c_j always gives a layerwise-equivariant realisation",
    params=(Param("image", int, 8, "side of the square images (horizontal flip)", low=2),
            Param("hidden", int, 12, "hidden width c_j of the random nets", low=1),
            Param("points", int, 500, "Gaussian test points", low=2)),
    planner=plan_symmetrise, statement=br.layerwise_width(), details=__doc__,
))


# ============================================================================================
# bk-two-layer
# ============================================================================================
def two_layer_identity_residual(layers, X, statement=None) -> float:
    r""":math:`\max|f(x)-b_2-\mathrm{rhs}|` with rhs the statement's
    :math:`\tfrac12\sum a_i|u_i|+\tfrac12\sum a_iu_i`, :math:`u_i=w_i^\top x+b_i`, per output."""
    statement = statement or br.two_layer_identity()
    S = br.SYMBOLS
    rhs = sp.lambdify((S["a"], S["u"], S["width"]), statement.expr, "numpy")
    (W1, b1), (W2, b2) = layers
    Z = (X @ W1.T + b1).T  # (width, N)
    f = mlp(layers, X) - b2
    return max(max_abs(f[:, o] - rhs(W2[o], Z, W1.shape[0])) for o in range(W2.shape[0]))


def two_layer_checks(layers, rho0, rho2, X, label, truth_rho1=None, statement=None
                     ) -> tuple[list[Check], dict]:
    r"""Analyse one scrambled two-layer net: the identity, equivariance of f, a correspondence
    (max(1 − |cos|) ≤ 1e-9), the residuals (i)–(iii), :math:`W_1\rho_0=\rho_1W_1`,
    :math:`\rho_1b_1=b_1`, :math:`W_2\rho_1=\rho_2W_2` (≈ 0), all signs +1, and ρ₁ equal to
    the scrambled true one.  Without a correspondence the ρ₁ checks are NaN (they fail)."""
    (W1, b1), (W2, _) = layers
    rho2 = np.atleast_2d(rho2)
    eq = max_abs(mlp(layers, X @ rho0.T) - mlp(layers, X) @ rho2.T)
    rep = analyse_two_layer(W1, b1, W2, rho0, rho2)
    nan = float("nan")
    R = rep.rho1() if rep.match else None
    r1 = max_abs(W1 @ rho0 - R @ W1) if R is not None else nan
    rb = max_abs(R @ b1 - b1) if R is not None else nan
    r2 = max_abs(W2 @ R - rho2 @ W2) if R is not None else nan
    checks = [
        _zero(f"{label}: two-layer identity f = 1/2 sum a|u| + 1/2 sum a u",
              two_layer_identity_residual(layers, X, statement), group="two-layer identity"),
        _zero(f"{label}: equivariance |f(rho0 x) - rho2 f(x)|", eq),
        Check(f"{label}: correspondence found, max(1 - |cos|)", "sharp", 0.0,
              rep.mismatch if rep.match else nan, tol=1e-9),
        _zero(f"{label}: (i) rows, (ii) out-weights, (iii) subset sum", rep.residual),
        _zero(f"{label}: |W1 rho0 - rho1 W1|", r1),
        _zero(f"{label}: |rho1 b1 - b1|", rb),
        _zero(f"{label}: |W2 rho1 - rho2 W2|", r2),
        Check(f"{label}: signs all +1 (count of -1)", "sharp", 0.0,
              float(rep.negative) if rep.match else nan, tol=0.0),
    ]
    if truth_rho1 is not None:
        checks.append(_zero(f"{label}: rho1 = scrambled truth",
                            max_abs(R - truth_rho1) if R is not None else nan))
    return checks, {"equivariance": eq, "W1": r1, "b1": rb, "W2": r2,
                    "mismatch": rep.mismatch, "match": rep.match}


def two_layer_task(rng, image, pairs, points):
    P = flip_matrix(image)
    X = rng.normal(size=(points, image * image))
    rho1 = np.kron(np.eye(pairs), SWAP)
    checks, data = [], {}
    for label, rho2 in (("invariant", np.eye(1)), ("equivariant (rho2 = swap)", SWAP)):
        net = layerwise_pair_net(P, pairs, rng, rho2)
        scr, (M,) = scramble(net, rng)
        c, d = two_layer_checks(scr, P, rho2, X, label, M @ rho1 @ np.linalg.inv(M))
        checks += c
        data[label] = d
    return checks, data


def plan_two_layer(exp, v):
    return _single(two_layer_task, image=v["image"], pairs=v["pairs"], points=v["points"])


register(Experiment(
    slug="bk-two-layer", kind="sharp", family="BK",
    claim="non-degenerate equivariant 2-layer nets are layerwise equivariant",
    params=(Param("image", int, 8, "side of the square images (horizontal flip)", low=2),
            Param("pairs", int, 16, "orbit pairs of hidden units", low=1),
            Param("points", int, 500, "Gaussian test points", low=2)),
    planner=plan_two_layer, statement=br.two_layer_identity(), details=__doc__,
))


# ============================================================================================
# bk-counterexample
# ============================================================================================
_x = sp.symbols("x1 x2", real=True)


def symbolic_invariance(rows, rho0, out=(1, 1, 1)) -> tuple[sp.Expr, float]:
    r""":math:`f(\rho_0x)-f(x)` for :math:`f=\sum_ia_i\sigma(w_i^\top x)` on R², with σ written
    as :math:`\frac12(z+|z|)` (:func:`bounds.relu.relu_abs_form`, itself checked by SymPy),
    expanded; and its max over 720 unit inputs (0 if the expression is identically 0)."""
    z = br.SYMBOLS["z"]
    abs_form = br.relu_abs_form().expr
    sig = lambda e: abs_form.subs(z, e)
    x = sp.Matrix(_x)
    R = sp.Matrix(rho0).applyfunc(sp.nsimplify)
    f = lambda y: sum(sp.nsimplify(a) * sig((sp.Matrix([w]) * y)[0])
                      for a, w in zip(out, sp.Matrix(rows).tolist()))
    diff = sp.simplify(sp.expand(f(R * x) - f(x)))
    if diff == 0:
        return diff, 0.0
    th = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    fn = sp.lambdify(_x, diff, "numpy")
    return diff, max_abs(np.broadcast_to(fn(np.cos(th), np.sin(th)), th.shape))


def best_positive_cos(W1, rho0) -> np.ndarray:
    """Per row of W1 ρ₀: the largest cosine with a row of W1 (a ReLU-compatible ρ₁ needs 1)."""
    U = W1 @ rho0
    C = (U / np.linalg.norm(U, axis=1)[:, None]) @ (W1 / np.linalg.norm(W1, axis=1)[:, None]).T
    return C.max(axis=1)


def counterexample_checks(name, W1, rho0, pi, X, sym_rows=None) -> tuple[list[Check], dict]:
    r"""(a) invariance (symbolic for ``sym_rows``, else ≈ 0 on X); (b) best positive cosine
    1/√2 per row for C1/C2; (c) the analyser's signed rep (π, all signs −1, subset sum ≈ 0,
    verdict "signed"); (d) the width-6 net equals f and is layerwise equivariant."""
    W1 = np.asarray(W1, dtype=float)
    d = W1.shape[1]
    out = np.ones((1, 3))
    net = [(W1, np.zeros(3)), (out, np.zeros(1))]
    checks, data = [], {}
    if sym_rows is not None:
        expr, res = symbolic_invariance(sym_rows, rho0)
        checks.append(_zero(f"{name} (a): f(rho0 x) - f(x) symbolically (SymPy)", res,
                            note=f"SymPy: {expr}"))
        best = best_positive_cos(W1, rho0)
        checks.append(Check(f"{name} (b): max_i (1 - best positive cos) = 1 - 1/sqrt2", "sharp",
                            1 - 1 / np.sqrt(2), float(np.max(1 - best)), tol=EXACT))
        checks.append(_zero(f"{name} (b): every row's best positive cos = 1/sqrt2",
                            max_abs(best - 1 / np.sqrt(2))))
    else:
        res = max_abs(mlp(net, X @ rho0.T) - mlp(net, X))
        checks.append(_zero(f"{name} (a): invariance |f(P x) - f(x)|", res))
    data["invariance"] = res
    rep = analyse_two_layer(W1, np.zeros(3), out, rho0, np.eye(1))
    checks += [
        Check(f"{name} (c): analyser pi = {tuple(int(p) + 1 for p in pi)}", "sharp", 0.0,
              float(np.sum(rep.pi != np.asarray(pi))), tol=0.0),
        Check(f"{name} (c): signs (-,-,-) (count of +1)", "sharp", 0.0,
              float(np.sum(rep.signs > 0)), tol=0.0),
        _zero(f"{name} (c): (i)-(iii) residuals incl. subset sum", rep.residual),
        Check(f"{name} (c): verdict 'signed' (not layerwise)", "sharp", 1.0,
              float(two_layer_verdict(rep) == "signed"), tol=0.0),
    ]
    data["subset_sum"] = rep.res_subset
    checks += width6_checks(name, net, rho0, X if d > 2 else None)
    return checks, data


def width6_checks(name, net, rho0, X=None) -> list[Check]:
    """(d): the width-6 realisation equals f, and a positive (ReLU-compatible) matching gives
    a permutation ρ₁ (an involution on the ± pairs) with W ρ₀ = ρ₁ W and a ρ₁ = a."""
    (W1, _), (W2, _) = net
    d = W1.shape[1]
    if X is None:
        X = np.random.default_rng(0).normal(size=(500, d))
    six = width6_realisation(W1, W2)
    (W6, b6), (a6, _) = six
    m = match_rows(np.hstack([W6 @ rho0, b6[:, None]]), np.hstack([W6, b6[:, None]]),
                   signed=False)
    R = m.matrix()
    res_p, is_perm = perm_residual(R)
    return [
        Check(f"{name} (d): width = |G| * 3", "sharp",
              br.layerwise_width().evaluate(order=2, width=3), float(W6.shape[0]), tol=0.0,
              group="width-6 realisation"),
        _zero(f"{name} (d): |f_6 - f|", max_abs(mlp(six, X) - mlp(net, X)),
              group="width-6 realisation"),
        _zero(f"{name} (d): positive match 1 - cos", m.mismatch, group="width-6 realisation"),
        _zero(f"{name} (d): |W6 rho0 - rho1 W6|, |a rho1 - a|",
              max(max_abs(W6 @ rho0 - R @ W6), max_abs(a6 @ R - a6)),
              group="width-6 realisation"),
        _zero(f"{name} (d): rho1 is a permutation and an involution",
              max(res_p, max_abs(R @ R - np.eye(6)), 0.0 if is_perm else 1.0),
              group="width-6 realisation"),
    ]


def counterexample_task(rng, image, extra, points):
    checks = []
    # (a0) the mechanism and the abs form, proved by SymPy (piecewise simplification)
    z = br.SYMBOLS["z"]
    for st in (br.relu_odd_part(), br.relu_abs_form()):
        lhs = {"odd part of ReLU": br.relu(z) - br.relu(-z),
               "ReLU through the absolute value": br.relu(z)}[st.name]
        diff = sp.simplify((lhs - st.expr).rewrite(sp.Piecewise))
        checks.append(Check(f"statement: {st.quantity} = {st.expr} (SymPy)", "sharp", 1.0,
                            float(diff == 0), tol=0.0))
    X2 = rng.normal(size=(points, 2))
    data = {}
    for name, rows, rho0, pi in (("C1", C1_ROWS, -np.eye(2), (0, 1, 2)),
                                 ("C2", C2_ROWS, SWAP, (0, 2, 1))):
        c, data[name] = counterexample_checks(name, rows, rho0, pi, X2, sym_rows=rows)
        checks += c
    d = image * image
    P = flip_matrix(image)
    X = rng.normal(size=(points, d))
    v = rng.normal(size=d)
    c, data["C3"] = counterexample_checks("C3", c3_rows(P, v), P, (0, 2, 1), X)
    checks += c
    # C3 inside a larger random layerwise net: 3 + extra units, no scramble
    big = layerwise_pair_net(P, extra // 2, rng)
    W1 = np.vstack([c3_rows(P, v), big[0][0]])
    b1 = np.concatenate([np.zeros(3), big[0][1]])
    W2 = np.hstack([np.ones((1, 3)), big[1][0]])
    net = [(W1, b1), (W2, big[1][1])]
    rep = analyse_two_layer(W1, b1, W2, P, np.eye(1))
    expect = np.array([-1.0] * 3 + [1.0] * extra)
    lab = f"C3 + {extra} layerwise units"
    checks += [
        _zero(f"{lab}: invariance |f(P x) - f(x)|", max_abs(mlp(net, X @ P.T) - mlp(net, X))),
        Check(f"{lab}: signs (-,-,-,+,..,+) (count of wrong signs)", "sharp", 0.0,
              float(np.sum(rep.signs != expect)) if rep.match else float("nan"), tol=0.0),
        _zero(f"{lab}: (i)-(iii) residuals", rep.residual),
        Check(f"{lab}: verdict 'signed' (not layerwise)", "sharp", 1.0,
              float(two_layer_verdict(rep) == "signed"), tol=0.0),
    ]
    return checks, data


def plan_counterexample(exp, v):
    if v["extra"] % 2:
        raise UsageError(f"parameter extra must be even (layerwise flip pairs), got {v['extra']}")
    return _single(counterexample_task, image=v["image"], extra=v["extra"], points=v["points"])


register(Experiment(
    slug="bk-counterexample", kind="sharp", family="BK",
    claim="nets C1-C3 are equivariant but not layerwise; width 6 needed",
    params=(Param("image", int, 8, "side of the square images of C3 (horizontal flip)", low=2),
            Param("extra", int, 40, "layerwise units added around C3 (even)", low=0),
            Param("points", int, 500, "Gaussian test points", low=2)),
    planner=plan_counterexample, statement=br.relu_odd_part(), details=__doc__,
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
    params=(Param("count", int, 100, "random constructions (half signed)", quick=20, low=2),
            Param("image", int, 8, "side of the square images (horizontal flip)", low=2),
            Param("points", int, 300, "Gaussian test points", low=2),
            Param("tanh", int, 10, "tanh nets with signed reps (0: skip the variant)", low=0)),
    planner=plan_signed_random, statement=br.two_layer_identity(), details=__doc__,
))
