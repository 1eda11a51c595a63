r"""Bökman–Kahl (2024), layerwise equivariance: the symmetrisation construction, the analysis
of two-layer nets, and the counterexamples C1–C3 — sharp, deterministic experiments.

All checks are float64 identities; "≈ 0" means ≤ 1e-12 (absolute) unless stated.  Random
constructions draw from the task's Generator, so a run is reproducible from its seed.

* ``bk-symmetrise``: the width-|G| c_j block construction computes Φf and is layerwise
  equivariant (random 2- and 3-layer nets, 8 × 8 flip; C3 is reproduced exactly).
* ``bk-two-layer``: scrambled layerwise-equivariant two-layer nets (invariant and equivariant
  output) are analysed: signs all +1, ρ₁ recovered, residuals ≈ 0.
* ``bk-counterexample``: C1–C3 are equivariant (SymPy for C1/C2) but not layerwise; their
  width-6 realisations are.
"""
from __future__ import annotations

from itertools import pairwise

import numpy as np
import sympy as sp

from bounds import relu as br

from ..engine.experiment import Experiment, Param, UsageError, register
from ..engine.stats import Check
from ..models.relu_symmetry import (
    C1_ROWS,
    C2_ROWS,
    analyse_two_layer,
    c3_rows,
    flip_matrix,
    layerwise_pair_net,
    match_rows,
    max_abs,
    mlp,
    perm_residual,
    scramble,
    symmetrise,
    two_layer_verdict,
    width6_realisation,
)
from .bk_common import (
    EXACT,
    IMAGE_MAX,
    POINTS_MAX,
    SIZE_WHY,
    SWAP,
    WIDTH_MAX,
    _at_least,
    _single,
    _zero,
)


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
    (the widths |G| c_j are the construction, not a check); a random f must itself be far from equivariant (≥ 0.1), an
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
    # The widths |G| c_j are how symmetrise() builds the net: comparing them with the
    # statement would compare the construction with itself, so they are not a check.
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
    params=(Param("image", int, 8, "side of the square images (horizontal flip)", low=2,
                  high=IMAGE_MAX, why=SIZE_WHY),
            Param("hidden", int, 12, "hidden width c_j of the random nets", low=2,
                  high=WIDTH_MAX // 2, why="a width-1 random net can be almost flip-"
                  "equivariant, so the control 'f itself is not equivariant' fails; " + SIZE_WHY),
            Param("points", int, 500, "Gaussian test points", low=2,
                  high=POINTS_MAX, why=SIZE_WHY)),
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
        # the match quality exists whether or not a correspondence was found, so a planted
        # mismatch fails here; the checks below it need rho1 and are invalid without one
        Check(f"{label}: correspondence found, max(1 - |cos|)", "sharp", 0.0,
              rep.mismatch, tol=1e-9),
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
    params=(Param("image", int, 8, "side of the square images (horizontal flip)", low=2,
                  high=IMAGE_MAX, why=SIZE_WHY),
            Param("pairs", int, 16, "orbit pairs of hidden units", low=1,
                  high=WIDTH_MAX // 2, why=SIZE_WHY),
            Param("points", int, 500, "Gaussian test points", low=2,
                  high=POINTS_MAX, why=SIZE_WHY)),
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
        best = best_positive_cos(W1, rho0)  # float64, from the weights
        gap = br.best_positive_cosine(sym_rows, np.rint(rho0).astype(int).tolist())
        checks.append(Check(f"{name} (b): max_i (1 - best positive cos) = {gap.expr} (SymPy, "
                            "exact)", "sharp", gap.evaluate(), float(np.max(1 - best)),
                            tol=EXACT))
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
    params=(Param("image", int, 8, "side of the square images of C3 (horizontal flip)", low=2,
                  high=IMAGE_MAX, why=SIZE_WHY),
            Param("extra", int, 40, "layerwise units added around C3 (even, >= 2)", low=2,
                  high=WIDTH_MAX, why=SIZE_WHY),
            Param("points", int, 500, "Gaussian test points", low=2,
                  high=POINTS_MAX, why=SIZE_WHY)),
    planner=plan_counterexample, statement=br.relu_odd_part(), details=__doc__,
))
