"""Symbolic facts about Wang et al.'s lower bounds (bounds.wang): labels, closed-form anchors,
the exact Gaussian orbit variance, and the instance value w/2pi."""

import math

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad

from bounds import approximation
from bounds import wang as bw
from bounds.core import HypothesisError

x1, x2 = sp.symbols("x1 x2", real=True)
XS = (x1, x2)


def test_provenance_labels_follow_the_theory():
    # the theory catalogue wang-reg-lb "Wang paper + derived equality";
    # wang-cls-lb "Wang common form, exact for deterministic labels" (instance derived).
    assert bw.regression_lower_bound().source.label == "paper"
    assert bw.regression_min().source.label == "derived"
    assert bw.regression_min_eta().source.label == "derived"
    assert bw.classification_lower_bound().source.label == "common form"
    assert bw.sector_error().source.label == "derived"
    assert bw.regression_lower_bound().relation == ">="
    assert bw.classification_lower_bound().relation == ">="
    assert bw.regression_min().relation == bw.sector_error().relation == "="
    assert "uniformly" in bw.regression_lower_bound().source.note


def test_symbols_shared_with_approximation():
    assert bw.SYMBOLS["eta"] is approximation.SYMBOLS["eta"]
    assert bw.regression_min_eta().evaluate(eta=1.5) == pytest.approx(2.25, rel=1e-15)
    assert bw.regression_min().evaluate(V_G=0.7) == pytest.approx(0.7, rel=1e-15)


def test_classification_bound_values_and_hypotheses():
    s = bw.classification_lower_bound()
    assert s.evaluate(Q_G=0.875) == pytest.approx(0.125, rel=1e-15)
    with pytest.raises(HypothesisError, match="Q_G <= 1"):
        s.evaluate(Q_G=1.2)


def test_sector_instance_value_and_hypotheses():
    s = bw.sector_error()
    assert s.evaluate(w=math.pi / 4, order=4) == pytest.approx(0.125, rel=1e-15)
    assert s.evaluate(w=math.pi / 2, order=4) == pytest.approx(0.25, rel=1e-15)
    assert s.evaluate(w=1.0, order=2) == pytest.approx(1 / (2 * math.pi), rel=1e-15)
    with pytest.raises(HypothesisError, match="at most once"):
        s.evaluate(w=math.pi / 2 + 1e-9, order=4)
    with pytest.raises(HypothesisError, match=r"\|G\| >= 2"):
        s.evaluate(w=0.5, order=1)
    # the error grows linearly with w and does not depend on |G| inside the hypotheses
    assert s.expr.free_symbols == {bw.SYMBOLS["w"]}


def test_gaussian_moments_match_integration():
    z = sp.Symbol("z", real=True)
    dens = sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi)
    for k in range(9):
        assert bw.gaussian_moment(k) == sp.integrate(z**k * dens, (z, -sp.oo, sp.oo))
    with pytest.raises(ValueError):
        bw.gaussian_moment(-1)


def test_gaussian_expectation_anchors():
    assert bw.gaussian_expectation((x1 + x2) ** 4, XS) == 12  # N(0, 2): 3 * 2^2
    assert bw.gaussian_expectation(x1**2 * x2**2 - 3 * x1 + 5, XS) == 6
    assert bw.gaussian_expectation(x1**3 * x2, XS) == 0


def test_plane_groups_are_closed_orthogonal_and_exact():
    for name, size in (("C4", 4), ("C6", 6), ("D4", 8), ("D3", 6)):
        G = bw.plane_group(name)
        assert len(G) == size and G[0] == sp.eye(2)
        keys = {tuple(sp.nsimplify(sp.simplify(e)) for e in M) for M in G}
        assert len(keys) == size
        for A in G:
            assert sp.simplify(A.T * A - sp.eye(2)) == sp.zeros(2)
            for B in G:
                assert tuple(sp.nsimplify(sp.simplify(e)) for e in A * B) in keys
    assert all(e.is_integer for M in bw.plane_group("C4") for e in M)
    with pytest.raises(ValueError):
        bw.plane_group("S3")


def test_closed_form_orbit_variances():
    # x1 under C2 (x -> -x): Phi f = 0, eta^2 = E x1^2 = 1
    assert bw.reynolds_distance2(x1, XS, bw.plane_group("C2")) == 1
    # x1^2 under C4: Phi f = (x1^2 + x2^2)/2, f - Phi f = (x1^2 - x2^2)/2, eta^2 = (3+3-2)/4 = 1
    G4 = bw.plane_group("C4")
    assert sp.expand(bw.orbit_mean(x1**2, XS, G4) - (x1**2 + x2**2) / 2) == 0
    assert bw.reynolds_distance2(x1**2, XS, G4) == 1
    # an invariant f has eta = 0
    assert bw.reynolds_distance2(x1**2 + x2**2 + x1**2 * x2**2, XS, G4) == 0


@pytest.mark.parametrize("group", ["C2", "C3", "C4", "D4", "C8"])
def test_uniform_orbit_variance_equals_eta2_for_invariant_mu(group):
    # regression_min_eta: E_x E_g (f(gx) - Phi f(x))^2 = E_x (f - Phi f)^2 for invariant mu
    rng = np.random.default_rng(7)
    monos = [(a, k - a) for k in range(5) for a in range(k + 1)]
    f = sum(sp.Rational(int(rng.integers(-9, 10)), 4) * x1**a * x2**b for a, b in monos)
    G = bw.plane_group(group)
    assert sp.simplify(bw.orbit_variance(f, XS, G) - bw.reynolds_distance2(f, XS, G)) == 0
    phi = bw.orbit_mean(f, XS, G)
    for A in G:  # the orbit mean is invariant
        assert sp.simplify(bw.act(phi, XS, A) - phi) == 0


def test_lambda_scaling_of_the_bound():
    # dist(Phi f + lam (f - Phi f)) = lam dist(f): eta^2 scales with lam^2
    G = bw.plane_group("C4")
    f = x1**3 * x2 + 2 * x1**2 - x2 + x1 * x2
    phi = bw.orbit_mean(f, XS, G)
    lam = sp.Rational(3, 7)
    assert bw.reynolds_distance2(phi + lam * (f - phi), XS, G) == \
        lam**2 * bw.reynolds_distance2(f, XS, G)


def test_uniform_version_is_not_a_bound_for_non_invariant_mu():
    # The note of regression_lower_bound: Z2 acting on R by x -> -x, mu = N(m, 1), f(x) = x.
    # The best invariant h weights the orbit {x, -x} by the density: h(x) = x tanh(m x), error
    # E[x^2 (1 - tanh(m x)^2)]; the uniform orbit variance is E x^2 = 1 + m^2, larger.
    m = 1.0

    def dens(x):
        return math.exp(-(x - m) ** 2 / 2) / math.sqrt(2 * math.pi)

    weighted = quad(lambda x: dens(x) * x**2 * (1 - math.tanh(m * x) ** 2), -12, 14)[0]
    # brute force over invariant h = c(|x|) on a grid: the same minimum
    xs = np.linspace(1e-6, 12, 200_001)
    p, q = np.array([dens(x) for x in xs]), np.array([dens(-x) for x in xs])
    h = xs * (p - q) / (p + q)
    brute = np.trapezoid(p * (h - xs) ** 2 + q * (h + xs) ** 2, xs)
    assert brute == pytest.approx(weighted, rel=1e-6)
    assert weighted < 1 + m**2 - 1.0
