"""Symbolic facts about the approximate-invariance bound and the epsilon-stabilizer statements."""

import numpy as np
import pytest
import sympy as sp

from bounds import approximation
from bounds.core import HypothesisError
from bounds.stabilizer import (
    SYMBOLS,
    approx_invariance_bound,
    inverse_error,
    stabilizer_closure,
    word_length_bound,
)

eps, W1, W1q, m, e_g, e_h = (SYMBOLS[x] for x in ("eps", "W1", "W1q", "m", "e_g", "e_h"))
# W1^(X/G) <= W1^X always (d_X/G <= d_X): write W1 = W1q + delta
delta, t = sp.symbols("delta t", nonnegative=True)
ORDERED = {W1: W1q + delta}


def _zero(e):
    return sp.simplify(e) == 0


def _pieces(expr):
    """The expressions of the branches of Min/Max, as a Piecewise."""
    return [p.expr for p in sp.piecewise_fold(expr.rewrite(sp.Piecewise)).args]


def test_symbols():
    assert eps is approximation.SYMBOLS["eps"] and eps.is_nonnegative
    assert W1.is_nonnegative and W1q.is_nonnegative and e_g.is_nonnegative
    assert m.is_integer and m.is_positive


def test_bound_closed_form_and_latex():
    s = approx_invariance_bound()
    assert s.relation == "<=" and s.hypotheses == ()
    assert s.expr == sp.Min(W1, W1q + 2 * eps)
    assert r"\varepsilon" in s.latex() and r"\min" in s.latex()
    assert s.source.label == "derived" and "2305.17592" in s.source.paper
    assert s.evaluate(W1=0.3, W1q=0.1, eps=0.05) == pytest.approx(0.2, abs=1e-15)
    assert s.evaluate(W1=0.3, W1q=0.1, eps=0.5) == pytest.approx(0.3, abs=1e-15)


def test_bound_reduces_to_quotient_w1_at_zero():
    s = approx_invariance_bound()
    assert _zero(s.expr.subs(eps, 0).subs(ORDERED) - W1q)


def test_bound_equals_w1_from_half_the_gap_on():
    s = approx_invariance_bound()
    at = s.expr.subs(ORDERED).subs(eps, delta / 2 + t)  # eps = (W1 - W1q)/2 + t, t >= 0
    assert _zero(at - (W1q + delta))
    # and below that eps the bound is W1q + 2 eps < W1
    assert _zero(s.expr.subs(ORDERED).subs(eps, delta / 2 * sp.Rational(1, 3))
                 - (W1q + delta / 3))


def test_bound_is_monotone_in_eps():
    s = approx_invariance_bound()
    for piece in _pieces(s.expr):
        assert sp.diff(piece, eps).is_nonnegative
    f = s.lambdify()
    grid = np.linspace(0.0, 1.0, 1001)
    vals = f(W1=0.2446, W1q=0.1539, eps=grid)
    assert np.all(np.diff(vals) >= 0) and vals[0] == 0.1539 and vals[-1] == 0.2446


def test_catalogue_bound_values():
    """the theory catalogue pt-approx-lp: W1^X = 0.2446, W1^(X/G) = 0.1539; the bound at
    eps = 0, .02, .05 is 0.1539, 0.1939, 0.2539 -> min with W1^X from 0.05 on (the catalogue
    lists W1^(X/G) + 2 eps without the min for the larger eps)."""
    f = approx_invariance_bound().lambdify()
    vals = f(W1=0.2446, W1q=0.1539, eps=np.array([0, 0.02, 0.05, 0.1]))
    np.testing.assert_allclose(vals, [0.1539, 0.1939, 0.2446, 0.2446], atol=1e-12)


def test_word_length_bound():
    s = word_length_bound()
    assert s.expr == sp.Min(W1, W1q + 2 * m * eps)
    assert s.expr.subs(m, 1) == approx_invariance_bound().expr  # S = G: words of length 1
    for piece in _pieces(s.expr):
        assert sp.diff(piece, eps).is_nonnegative and sp.diff(piece, m).is_nonnegative
    assert _zero(s.expr.subs(eps, 0).subs(ORDERED) - W1q)  # eps = 0: exact invariance
    assert s.evaluate(W1=1.0, W1q=0.1, eps=0.02, m=2) == pytest.approx(0.18, abs=1e-15)
    for bad in (0, 1.5, -1):
        with pytest.raises(HypothesisError):
            s.evaluate(W1=1.0, W1q=0.1, eps=0.02, m=bad)
    with pytest.raises(HypothesisError):
        s.evaluate(W1=1.0, W1q=0.1, eps=-0.1, m=1)


def test_closure_and_inverse():
    c, i = stabilizer_closure(), inverse_error()
    assert c.relation == "<=" and c.expr == e_g + e_h
    assert i.relation == "=" and i.expr == e_g
    assert c.expr.subs(e_h, 0) == e_g  # h = e: e_e = 0
    # m-fold closure along a word of letters in Stab_eps gives m eps, the word-length bound's
    word = eps
    for _ in range(2):
        word = c.expr.subs({e_g: word, e_h: eps})
    assert word == 3 * eps
    assert c.evaluate(e_g=0.1, e_h=0.25) == pytest.approx(0.35, abs=1e-15)
    with pytest.raises(HypothesisError):
        c.evaluate(e_g=-0.1, e_h=0.2)


def test_closure_into_max_is_false():
    """C_360 with e_k = |sin(2 pi k / 360)| (pt-stab-eps's f): subadditive (the closure holds on
    every pair) but e_(k+l) > max(e_k, e_l) for small k, l, so Stab_eps Stab_eps is not in
    Stab_eps."""
    k = np.arange(360)
    e = np.abs(np.sin(2 * np.pi * k / 360))
    pair = e[(k[:, None] + k[None, :]) % 360]
    bound = stabilizer_closure().lambdify()(e_g=e[:, None], e_h=e[None, :])
    assert np.all(pair <= bound + 1e-15)
    assert e[20] > max(e[10], e[10])
