"""Symbolic facts about the covering-number statements (bounds.covering): the closed forms of
the theory catalogue pt-cover-bound, the unconstrained special case |G| = 1, monotonicity
in |G|, the identity B*(n, |G|) = B*(|G| n, 1) and the rates, and a planted |G|^2 in the cover
count that must break the identity."""

import itertools

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize_scalar

from bounds import covering as cv
from bounds import generalization
from bounds.core import HypothesisError

S = cv.SYMBOLS
n, d, order, delta, D, N, C = (S[x] for x in ("n", "d", "order", "delta", "D", "N", "C"))
VALUES = {"C": 0.65, "D": 3**0.5, "d": 3, "n": 100, "order": 6}  # S3 on [0,1]^3 (pt-cover-bound)


@pytest.fixture(scope="module", params=[1, 2], ids=["one-sample", "two-sample"])
def samples(request):
    return request.param


@pytest.fixture(scope="module")
def optimal(samples):
    return cv.optimal_cover_bound(samples)


def _zero(e) -> bool:
    return sp.simplify(sp.powsimp(sp.expand_power_base(e, force=True), force=True)) == 0


def _same(a, b) -> bool:
    """a = b for positive expressions: their logarithms agree after expanding the powers."""
    return sp.simplify(sp.expand_log(sp.log(a) - sp.log(b), force=True)) == 0


def test_symbols_shared_with_generalization():
    assert n is generalization.SYMBOLS["n"] and d is generalization.SYMBOLS["d"]
    assert order.is_positive and order.is_integer and delta.is_positive


def test_b1_closed_form(samples):
    b = cv.cover_bound(samples)
    assert b.relation == "<=" and b.source.label == "derived"
    assert _zero(b.expr - (2 * delta + D / 2 * sp.sqrt(samples * N / n)))
    assert b.evaluate(delta=0.1, D=2, N=50, n=200) == pytest.approx(
        0.2 + np.sqrt(samples * 50 / 200))


def test_optimal_delta_matches_theory(samples):
    """delta* = (C D^2 d^2 / (64 |G| n))^(1/(d+2)), 32 instead of 64 for two samples."""
    ds = cv.optimal_delta(samples).expr
    const = 64 if samples == 1 else 32
    assert _zero(ds - (C * D**2 * d**2 / (const * order * n)) ** (1 / (d + 2)))


def test_optimal_delta_minimises_b1_numerically(samples, optimal):
    f = sp.lambdify(delta, cv.cover_bound(samples).expr.subs(N, cv.cover_count()).subs(
        {S[k]: v for k, v in VALUES.items()}))
    ds = cv.optimal_delta(samples).evaluate(**VALUES)
    res = minimize_scalar(f, bounds=(1e-4, 10), method="bounded", options={"xatol": 1e-12})
    assert res.x == pytest.approx(ds, rel=1e-6)
    assert optimal.evaluate(**VALUES) == pytest.approx(res.fun, rel=1e-12)


def test_optimal_bound_is_two_delta_star_times_one_plus_two_over_d(samples, optimal):
    ds = cv.optimal_delta(samples).expr
    assert _same(optimal.expr, 2 * ds * (1 + 2 / d))


def test_trivial_group_gives_the_unconstrained_bound(samples, optimal):
    """|G| = 1: the optimum of 2 delta + (D/2) sqrt(s C delta^-d / n) over delta, derived here
    independently (no group anywhere)."""
    f = 2 * delta + D / 2 * sp.sqrt(samples * C * delta ** (-d) / n)
    (d0,) = sp.solve(sp.diff(f, delta), delta)
    assert _same(optimal.expr.subs(order, 1), f.subs(delta, d0))


def test_monotone_decreasing_in_the_group_order(optimal):
    assert cv.rate_exponent(optimal, order) == -1 / (d + 2)
    assert sp.simplify(order * sp.diff(optimal.expr, order) / optimal.expr) == -1 / (d + 2)
    vals = [optimal.evaluate(**{**VALUES, "order": g}) for g in (1, 2, 6, 24, 120)]
    assert all(a > b for a, b in itertools.pairwise(vals))


def test_symmetry_is_exactly_more_data(samples, optimal):
    """B*(n, |G|) = B*(|G| n, 1), symbolically and numerically."""
    assert cv.sample_equivalence_gap(optimal) == 0
    more = optimal.evaluate(**{**VALUES, "n": VALUES["order"] * VALUES["n"], "order": 1})
    assert optimal.evaluate(**VALUES) == pytest.approx(more, rel=1e-14)


def test_planted_squared_order_breaks_the_identity(samples):
    planted = cv.optimal_cover_bound(samples, cv.cover_count(2))
    gap = cv.sample_equivalence_gap(planted)
    assert gap != 0
    num = float(gap.subs({S[k]: v for k, v in VALUES.items()}))
    assert abs(num) > 0.01  # 6^(1/5) - 1 of B* ~ 0.4 relative


def test_rates(optimal):
    assert cv.rate_exponent(optimal) == -1 / (d + 2)  # n^(-1/(d+2))
    assert _zero(cv.bound_gain_ratio().expr - order ** (-1 / (d + 2)))
    assert _zero(cv.gain_ratio().expr - order ** (-1 / d))  # the |G|^(-1/d) gap-ratio rate
    assert cv.gain_ratio().evaluate(order=6, d=3, n=1) == pytest.approx(6 ** (-1 / 3))


def test_gain_ratio_needs_d_at_least_three():
    with pytest.raises(HypothesisError, match="d >= 3"):
        cv.gain_ratio().evaluate(order=4, d=2, n=1)


@pytest.mark.parametrize("dim", [1, 2, 3, 6])
def test_sign_flip_ratio_is_the_gain_rate_at_two_to_the_d(dim):
    half = cv.sign_flip_ratio()
    assert half.expr == sp.Rational(1, 2) and half.evaluate() == 0.5
    assert sp.simplify(cv.gain_ratio().expr.subs({order: 2**dim, d: dim})) == half.expr


def test_lift_and_dimension_statements():
    assert cv.cover_lift_upper().evaluate(order=4, N=17) == 68
    assert cv.cover_lift_lower().evaluate(N=17) == 17 and cv.cover_lift_lower().relation == ">="
    dim = cv.cover_dimension()
    assert dim.evaluate(d=4, dimG=3) == 1 and dim.evaluate(d=2, dimG=0) == 2
    with pytest.raises(HypothesisError):
        dim.evaluate(d=2, dimG=3)
    assert cv.lipschitz_duality().evaluate(W1q=0.25) == 0.25


def test_bad_sample_count_and_rendering():
    with pytest.raises(ValueError, match="samples"):
        cv.cover_bound(3)
    tex = cv.optimal_cover_bound(2).latex()
    assert r"|G|" in tex and r"\le" in tex
