"""Symbolic facts about the approximation and optimal-ε statements (anchors, limits, signs)."""

import numpy as np
import pytest
import sympy as sp

from bounds import generalization
from bounds.approximation import (
    SYMBOLS,
    a_expr,
    approx_error_l2,
    approx_error_z2_sup,
    approx_sup_lower,
    approx_sup_upper,
    bound_optimal_eps,
    lg_dist_curve,
    lg_risk_curve,
    min_risk,
    misspecified_gap,
    optimal_eps,
    optimal_eps_whitened,
    optimal_t,
    v_expr,
    v_whitened_expr,
)
from bounds.core import HypothesisError

n, d, k, dimE, sigma = (SYMBOLS[x] for x in ("n", "d", "k", "dimE", "sigma"))
eta, eta_sup, eps, t = (SYMBOLS[x] for x in ("eta", "eta_sup", "eps", "t"))

V = sigma**2 * (d * k - dimE) / (n - d - 1)
A = sigma**2 * dimE / (n - d - 1)
VW = sigma**2 * (d * k - dimE) / n
# Under the hypotheses: n = d + 1 + m, dimE = d k - c with m, c > 0.
m_, c_ = sp.symbols("m c", positive=True)
INSIDE = {n: d + 1 + m_, dimE: d * k - c_}

# the theory catalogue pt-optimal-eps default: C6, d=6, k=1, dimE=1, sigma=1, n=12.
DEFAULT = {"d": 6, "k": 1, "dimE": 1, "sigma": 1, "n": 12}
ETA2 = 0.466


def _zero(e):
    return sp.simplify(e) == 0


def _at(expr, values):
    """Substitute keyword-style values (names) for the module's symbols."""
    return expr.subs({SYMBOLS[name]: val for name, val in values.items()})


def test_symbols_shared_with_generalization():
    for name in ("n", "d", "k", "dimE", "sigma", "sigma_x"):
        assert SYMBOLS[name] is generalization.SYMBOLS[name]
    assert eta.is_positive and eta_sup.is_positive and eps.is_nonnegative and t.is_real


def test_variance_terms():
    assert _zero(v_expr() - V) and _zero(a_expr() - A) and _zero(v_whitened_expr() - VW)
    assert _at(v_expr(), DEFAULT) == 1 and _at(a_expr(), DEFAULT) == sp.Rational(1, 5)
    # a + v is the full OLS excess risk sigma^2 d k/(n - d - 1)
    assert _zero(a_expr() + v_expr() - sigma**2 * d * k / (n - d - 1))
    assert v_expr().subs(INSIDE).is_positive


def test_lg_risk_curve_closed_form_and_ends():
    s = lg_risk_curve()
    assert _zero(s.expr - (A + (1 - t) ** 2 * eta**2 + t**2 * V))
    assert _zero(s.expr.subs(t, 0) - (A + eta**2))  # exact symmetry
    assert _zero(s.expr.subs(t, 1) - (A + V))  # plain OLS: sigma^2 d k/(n - d - 1)
    assert s.evaluate(t=0.5, eta=np.sqrt(ETA2), **DEFAULT) == pytest.approx(
        0.2 + 0.25 * ETA2 + 0.25, abs=1e-12)
    assert "n > d + 1" in str(s) and r"\eta" in s.latex()


def test_lg_dist_curve():
    s = lg_dist_curve()
    assert _zero(s.expr - t**2 * (eta**2 + V))
    assert s.evaluate(t=1, eta=1.0, **DEFAULT) == pytest.approx(2.0, abs=1e-12)


def test_optimal_t_closed_form_is_stationary_and_catalogue_value():
    s = optimal_t()
    assert _zero(s.expr - eta**2 / (eta**2 + V))
    curve = lg_risk_curve().expr
    assert _zero(sp.diff(curve, t).subs(t, s.expr))
    assert sp.diff(curve, t, 2).subs(INSIDE).is_positive
    # strictly inside (0, 1) under the hypotheses
    ts = s.expr.subs(INSIDE)
    assert ts.is_positive and sp.simplify(1 - ts).is_positive
    assert s.evaluate(eta=np.sqrt(ETA2), **DEFAULT) == pytest.approx(0.318, abs=5e-4)


def test_optimal_eps_closed_form_and_catalogue_default():
    s = optimal_eps()
    assert _zero(s.expr - eta**2 / sp.sqrt(eta**2 + V))
    # eps* = t* sqrt(eta^2 + v), i.e. the root of E dist^2 at t*
    assert _zero(s.expr - optimal_t().expr * sp.sqrt(eta**2 + V))
    e = np.sqrt(ETA2)
    assert s.evaluate(eta=e, **DEFAULT) == pytest.approx(0.385, abs=5e-4)
    assert e == pytest.approx(0.683, abs=5e-4)


def test_optimal_eps_below_eta_and_tends_to_eta():
    ratio = optimal_eps().expr / eta
    # 1 - (eps*/eta)^2 = v/(eta^2 + v) > 0 for v > 0
    gap = sp.simplify(1 - ratio**2)
    assert _zero(gap - V / (eta**2 + V))
    assert gap.subs(INSIDE).is_positive
    # hence eps* < eta: both positive and eta^2 - eps*^2 = eta^2 v/(eta^2 + v) > 0
    assert sp.simplify((eta**2 - optimal_eps().expr ** 2).subs(INSIDE)).is_positive
    assert sp.limit(ratio, n, sp.oo) == 1


def test_optimal_eps_n_sweep_matches_catalogue():
    # theory quotes eps*/eta = 0.521, 0.564, 0.783, 0.945 for n = 11, 12, 24, 96 at eta^2 = 0.466
    s, e = optimal_eps(), np.sqrt(ETA2)
    kw = {key: val for key, val in DEFAULT.items() if key != "n"}
    got = [s.evaluate(eta=e, n=nv, **kw) / e for nv in (11, 12, 24, 96)]
    assert got == pytest.approx([0.521, 0.564, 0.783, 0.945], abs=5e-4)
    assert np.all(np.diff(got) > 0)


def test_optimal_eps_whitened_closed_form_and_catalogue():
    s = optimal_eps_whitened()
    assert _zero(s.expr - eta**2 / sp.sqrt(eta**2 + VW))
    # pt-constrained-erm: d=8, k=1, C8 (dimE=1), n=16, sigma=1, eta^2/v_w in {.5, 1, 2}
    kw = {"d": 8, "k": 1, "dimE": 1, "n": 16, "sigma": 1}
    vw = float(_at(v_whitened_expr(), kw))
    assert vw == pytest.approx(7 / 16)
    got = [s.evaluate(eta=np.sqrt(r * vw), **kw) for r in (0.5, 1, 2)]
    assert got == pytest.approx([0.270, 0.468, 0.764], abs=5e-4)
    # the Gaussian-design formula differs (n - d - 1 = 7): it is not the whitened one
    assert optimal_eps().evaluate(eta=np.sqrt(vw), **kw) != pytest.approx(got[1], abs=1e-3)
    with pytest.raises(HypothesisError, match="n >= d"):
        s.evaluate(eta=1.0, d=8, k=1, dimE=1, n=7, sigma=1)


def test_misspecified_gap_sign_change():
    s = misspecified_gap()
    assert _zero(s.expr - (V - eta**2))
    assert _zero(s.expr - (lg_risk_curve().expr.subs(t, 1) - lg_risk_curve().expr.subs(t, 0)))
    assert s.evaluate(eta=np.sqrt(ETA2), **DEFAULT) == pytest.approx(0.534, abs=1e-12)
    # zero exactly at eta^2 = v, positive below, negative above
    w = sp.Symbol("w", positive=True)
    inside = s.expr.subs(INSIDE)
    v_in = V.subs(INSIDE)
    assert _zero(inside.subs(eta, sp.sqrt(v_in)))
    assert sp.simplify(inside.subs(eta, sp.sqrt(v_in / (1 + w)))).is_positive
    assert sp.simplify(inside.subs(eta, sp.sqrt(v_in * (1 + w)))).is_negative
    assert s.evaluate(eta=1.0, **DEFAULT) == 0
    assert s.evaluate(eta=0.9, **DEFAULT) > 0 > s.evaluate(eta=1.1, **DEFAULT)


def test_min_risk_beats_both_ends():
    s = min_risk()
    assert _zero(s.expr - (A + eta**2 * V / (eta**2 + V)))
    assert _zero(s.expr - lg_risk_curve().expr.subs(t, optimal_t().expr))
    sym_end = sp.simplify((A + eta**2) - s.expr)  # = eta^4/(eta^2 + v)
    ols_end = sp.simplify((A + V) - s.expr)  # = v^2/(eta^2 + v)
    assert _zero(sym_end - eta**4 / (eta**2 + V)) and _zero(ols_end - V**2 / (eta**2 + V))
    v_in = V.subs(INSIDE)
    assert (eta**4 / (eta**2 + v_in)).is_positive and (v_in**2 / (eta**2 + v_in)).is_positive
    assert s.evaluate(eta=np.sqrt(ETA2), **DEFAULT) == pytest.approx(
        0.2 + ETA2 / (ETA2 + 1), abs=1e-12)


def test_approx_error_l2_values():
    s = approx_error_l2()
    assert s.relation == "="
    assert _zero((s.expr - sp.Max(eta - eps, 0)).rewrite(sp.Piecewise))
    for e, b, want in [(1.0, 0.0, 1.0), (1.0, 0.25, 0.75), (0.8, 0.3, 0.5), (1.0, 1.0, 0.0),
                       (1.0, 1.5, 0.0), (0.3, 2.0, 0.0)]:
        assert s.evaluate(eta=e, eps=b) == pytest.approx(want, abs=1e-15)
    # zero for every eps >= eta, eta - eps below
    u = sp.Symbol("u", nonnegative=True)
    assert s.expr.subs(eps, eta + u) == 0
    w = sp.Symbol("w", positive=True)
    assert _zero(s.expr.subs(eps, eta / (1 + w)) - (eta - eta / (1 + w)))
    # eps = 0: Wang's regression bound A(0)^2 = eta^2
    assert s.expr.subs(eps, 0) ** 2 == eta**2
    with pytest.raises(HypothesisError, match="nonnegative"):
        s.evaluate(eta=1.0, eps=-0.1)


def test_approx_error_z2_sup_values():
    s = approx_error_z2_sup()
    assert s.relation == ">=" and "Z2" in s.source.note
    assert _zero((s.expr - sp.Max(eta - eps, 0) / 2).rewrite(sp.Piecewise))
    # theory pt-approx-budget (b): eta = 0.79995, eps/eta in {0, .25, .5, 1, 1.5}
    e = 0.79995
    got = [s.evaluate(eta=e, eps=r * e) for r in (0, 0.25, 0.5, 1, 1.5)]
    assert got == pytest.approx([0.39998, 0.29998, 0.19999, 0, 0], abs=1e-5)


def test_approx_sup_sandwich():
    lo, up = approx_sup_lower(), approx_sup_upper()
    assert lo.relation == ">=" and up.relation == "<="
    assert _zero((lo.expr - sp.Max(eta_sup - eps, 0) / 2).rewrite(sp.Piecewise))
    # eta (1 - eps/eta_sup)_+ with the positive factor eta pushed inside the Max
    assert up.expr == sp.Max(eta - eta * eps / eta_sup, 0)
    assert _zero(up.expr.subs(eps, eta_sup / 4) - eta * sp.Rational(3, 4))
    # both vanish from eps = eta_sup on, and both are positive just below
    u = sp.Symbol("u", nonnegative=True)
    w = sp.Symbol("w", positive=True)
    assert lo.expr.subs(eps, eta_sup + u) == 0
    assert sp.simplify(up.expr.subs(eps, eta_sup + u)) == 0
    below = {eps: eta_sup / (1 + w)}
    assert sp.simplify(lo.expr.subs(below)).is_positive
    assert sp.simplify(up.expr.subs(below)).is_positive
    # below the kink: upper - lower = (eta_sup - eps)(eta/eta_sup - 1/2) >= 0 iff eta_sup <= 2 eta
    diff = (eta * (1 - eps / eta_sup)) - (eta_sup - eps) / 2
    assert _zero(diff - (eta_sup - eps) * (eta / eta_sup - sp.Rational(1, 2)))
    # symbolically, for every eta_sup = 2 eta/(1 + c) <= 2 eta and eps = eta_sup/(1 + w) below
    # the kink (above it both sides are 0): upper - lower = c eta w/((1 + c)(1 + w)) >= 0
    c = sp.Symbol("c", nonnegative=True)
    gap = (up.expr - lo.expr).subs(eta_sup, 2 * eta / (1 + c)).subs(
        eps, 2 * eta / ((1 + c) * (1 + w)))
    assert _zero(gap - c * eta * w / ((1 + c) * (1 + w)))
    assert sp.simplify(gap).is_nonnegative
    # on a grid, with eta_sup in [sqrt(2) eta, 2 eta] (e_avg = sqrt(2) dist <= e_sup <= 2 dist)
    flo, fup = lo.lambdify(), up.lambdify()
    grid = np.linspace(0.0, 3.0, 301)
    for e in (0.3, 1.0, 2.5):
        for es in (np.sqrt(2) * e, 1.7 * e, 2 * e):
            a, b = flo(eta_sup=es, eps=grid), fup(eta=e, eta_sup=es, eps=grid)
            assert np.all(a <= b + 1e-15), (e, es)
            assert np.all((a == 0) == (grid >= es)) and np.all((b == 0) == (grid >= es))


def test_bound_optimal_eps_reported():
    # gen = (1 + eps)^2/sqrt(n): stationary at sqrt(n)/2 - 1, clipped to [0, eta]
    s = bound_optimal_eps((1 + eps) ** 2 / sp.sqrt(n))
    assert "reported" in s.source.note
    got = [s.evaluate(eta=0.5, n=nv) for nv in (1, 4, 5, 9, 100)]
    assert got == pytest.approx([0.0, 0.0, np.sqrt(5) / 2 - 1, 0.5, 0.5], abs=1e-12)
    # a +2 eps term (pt-approx-lp form) makes exact symmetry bound-optimal
    lin = bound_optimal_eps(2 * eps + 1 / sp.sqrt(n))
    assert lin.evaluate(eta=0.5, n=100) == 0
    # concave gen: an endpoint wins
    conc = bound_optimal_eps(sp.sqrt(eps / n))
    assert conc.evaluate(eta=0.5, n=10) == 0.5 and conc.evaluate(eta=0.01, n=10) == 0


def test_hypotheses_refuse_outside_settings():
    e = np.sqrt(ETA2)
    for s in (lg_risk_curve(), lg_dist_curve(), optimal_t(), optimal_eps(), misspecified_gap(),
              min_risk()):
        extra = {"t": 0.5} if "t" in s.symbol_names() else {}
        with pytest.raises(HypothesisError, match="n > d \\+ 1"):
            s.evaluate(eta=e, **{**DEFAULT, "n": 7}, **extra)
        with pytest.raises(HypothesisError, match="dimE < d\\*k"):
            s.evaluate(eta=e, **{**DEFAULT, "dimE": 6}, **extra)
        with pytest.raises(HypothesisError, match="positive"):
            s.evaluate(eta=0.0, **DEFAULT, **extra)


def test_planted_errors_of_the_catalogue_are_detectable():
    # theory pt-optimal-eps "Planted": (n - d) in v gives t* = 0.359; eps* = t* eta gives 0.217
    e = np.sqrt(ETA2)
    wrong_v = sigma**2 * (d * k - dimE) / (n - d)
    planted = optimal_t().replace(expr=eta**2 / (eta**2 + wrong_v))
    assert planted.evaluate(eta=e, **DEFAULT) == pytest.approx(0.359, abs=5e-4)
    planted = optimal_eps().replace(expr=optimal_t().expr * eta)
    assert planted.evaluate(eta=e, **DEFAULT) == pytest.approx(0.217, abs=5e-4)
    assert optimal_eps().evaluate(eta=e, **DEFAULT) - 0.217 > 0.1


def test_reynolds_statements_derived_and_planted(monkeypatch):
    from bounds.approximation import reynolds_distance, reynolds_error_bound
    from verify.engine.experiment import get
    from verify.engine.runner import run
    from verify.experiments import pt_reynolds as pr

    e_avg = sp.Symbol("e_avg", positive=True)
    assert sp.simplify(reynolds_distance().expr - e_avg**2 / 2) == 0
    assert reynolds_error_bound().evaluate(dist=0.3) == pytest.approx(0.6, rel=1e-15)
    # a planted distance law (e_avg^2 instead of e_avg^2/2) fails pt-reynolds' dist checks only
    wrong, true = reynolds_distance().replace(expr=e_avg**2), pr._statement
    monkeypatch.setattr(pr, "_statement", lambda which: wrong if which == "dist" else true(which))
    res = run(get("pt-reynolds"), quick=True, seed=0)
    bad = [c.name for c in res.checks if c.verdict == "fail"]
    assert bad and all("dist^2 = e_avg^2 / 2" in n for n in bad)


def test_best_positive_cosine_of_the_counterexamples():
    from bounds.relu import best_positive_cosine

    c1 = best_positive_cosine(((2, 0), (-1, 1), (-1, -1)), [[-1, 0], [0, -1]])
    assert sp.simplify(c1.expr - (1 - 1 / sp.sqrt(2))) == 0
    c2 = best_positive_cosine(((1, -1), (0, 1), (-1, 0)), [[0, 1], [1, 0]])
    assert sp.simplify(c2.expr - (1 - 1 / sp.sqrt(2))) == 0
    # a layerwise first layer (rows closed under rho0 = -I) has gap 0
    assert best_positive_cosine(((1, 0), (-1, 0)), [[-1, 0], [0, -1]]).evaluate() == 0.0
