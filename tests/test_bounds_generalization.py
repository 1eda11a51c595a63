"""Symbolic facts about the generalization statements (closed-form anchors, limits, signs)."""

import pytest
import sympy as sp

from bounds.core import HypothesisError
from bounds.generalization import SYMBOLS, ez_gap, ez_overparam, inverse_wishart_mean_1d

n, d, k, dimE, sigma = (SYMBOLS[x] for x in ("n", "d", "k", "dimE", "sigma"))


def test_ez_gap_catalogue_values():
    # the theory catalogue, ez-gap "Expected": C6 (k=1, dimE=1), S4 (k=4, dimE=2),
    # C4 (k=4, dimE=4), D4 on a 2x2 grid x 2 channels (k=1, dimE=2).
    s = ez_gap()
    assert s.evaluate(n=20, d=6, k=1, dimE=1, sigma=0.7) == pytest.approx(0.18846, abs=5e-6)
    assert s.evaluate(n=30, d=4, k=4, dimE=2, sigma=0.5) == pytest.approx(0.14, abs=1e-12)
    assert s.evaluate(n=30, d=4, k=4, dimE=4, sigma=0.5) == pytest.approx(0.12, abs=1e-12)
    assert s.evaluate(n=40, d=8, k=1, dimE=2, sigma=0.5) == pytest.approx(0.04839, abs=5e-6)


def test_ez_gap_positive_when_E_is_proper():
    e = ez_gap().expr
    # with n = d + 1 + m (m >= 1) and dimE = d k - c (c >= 1) the gap is sigma^2 c / m > 0
    m, c = sp.symbols("m c", positive=True, integer=True)
    assert e.subs({n: d + 1 + m, dimE: d * k - c}).is_positive


def test_ez_gap_zero_for_trivial_group():
    # trivial group: every linear map is equivariant, dim E = d k
    assert sp.simplify(ez_gap().expr.subs(dimE, d * k)) == 0


def test_ez_gap_decreasing_in_n_with_limit_zero():
    e = ez_gap().expr
    m, c = sp.symbols("m c", positive=True)
    de = sp.diff(e, n).subs({n: d + 1 + m, dimE: d * k - c})
    assert de.is_negative
    assert sp.limit(e, n, sp.oo) == 0


def test_ez_gap_independent_of_sigma_x():
    assert SYMBOLS["sigma_x"] not in ez_gap().expr.free_symbols


def test_ez_gap_hypotheses_refuse_small_n():
    with pytest.raises(HypothesisError, match="n > d \\+ 1"):
        ez_gap().evaluate(n=7, d=6, k=1, dimE=1, sigma=1.0)
    with pytest.raises(HypothesisError, match="integer"):
        ez_gap().evaluate(n=20.5, d=6, k=1, dimE=1, sigma=1.0)
    with pytest.raises(HypothesisError, match="positive"):
        ez_gap().evaluate(n=20, d=6, k=1, dimE=1, sigma=-1.0)


def test_inverse_wishart_anchor_d1():
    # E[1/chi^2_m] = 1/(m-2): integrate against the chi-square density symbolically.
    m = sp.Symbol("m", positive=True, integer=True)
    x = sp.Symbol("x", positive=True)
    for mv in (3, 5, 8):
        dens = x ** sp.Rational(mv, 2) / x * sp.exp(-x / 2) / (2 ** sp.Rational(mv, 2)
                                                              * sp.gamma(sp.Rational(mv, 2)))
        val = sp.integrate(dens / x, (x, 0, sp.oo))
        assert sp.simplify(val - inverse_wishart_mean_1d().expr.subs(m, mv)) == 0


def test_ez_overparam_catalogue_values():
    s = ez_overparam()
    kw = dict(d=12, s=1, theta2=1.0, sigma=0.5, sigma_x=1.0)
    assert s.evaluate(n=3, **kw) == pytest.approx(0.24665, abs=5e-5)
    assert s.evaluate(n=5, **kw) == pytest.approx(0.39931, abs=5e-5)
    assert s.evaluate(n=8, **kw) == pytest.approx(0.80159, abs=5e-5)
    with pytest.raises(HypothesisError):
        s.evaluate(n=11, **kw)


def test_ez_overparam_zero_when_everything_invariant():
    assert sp.simplify(ez_overparam().expr.subs(SYMBOLS["s"], d)) == 0


def test_latex_and_str_mention_the_formula():
    s = ez_gap()
    assert r"\frac" in s.latex() and "n > d + 1" in str(s)
