"""Symbolic facts about the symmetry-cloning statements (bounds.cloning)."""

import numpy as np
import pytest
import sympy as sp

from bounds import cloning as bc
from bounds.core import HypothesisError

S = bc.SYMBOLS


def test_labels_and_relations():
    for f in (bc.triangle_bound, bc.rms_bound, bc.linear_clone_error, bc.sample_span_deficit,
              bc.bilinear_identification):
        s = f()
        assert s.source.label == "derived" and "2410.03989" in s.source.paper
    assert bc.triangle_bound().relation == bc.rms_bound().relation == "<="
    assert bc.linear_clone_error().relation == "="


def test_triangle_bound_is_tight_for_the_antisymmetric_student():
    # h = Gamma + c u with rho u = -u: both clone errors are |c| |u|, the equivariance error
    # 2 |c| |u|; the bound is then attained, and the "max" variant fails by a factor 2.
    c, u = sp.symbols("c u", positive=True)
    s = bc.triangle_bound()
    rhs = s.expr.subs({S["e_gx"]: c * u, S["e_x"]: c * u})
    assert sp.simplify(rhs - 2 * c * u) == 0
    assert sp.simplify(sp.Max(S["e_gx"], S["e_x"]).subs({S["e_gx"]: c * u, S["e_x"]: c * u})
                       - 2 * c * u) != 0
    # the RMS form is the triangle bound with equal clone errors
    assert sp.simplify(bc.rms_bound().expr.subs(S["e_clone"], c * u) - rhs) == 0


def test_linear_clone_error_values_limits_and_hypotheses():
    s = bc.linear_clone_error()
    assert s.evaluate(N=5, d=20) == pytest.approx(0.75, abs=1e-15)
    assert s.evaluate(N=10, d=20) == pytest.approx(0.5, abs=1e-15)
    assert s.evaluate(N=4, d=16) == pytest.approx(0.75, abs=1e-15)
    for big in (16, 17, 40):
        assert s.evaluate(N=big, d=16) == 0.0
    N, d = S["N"], S["d"]
    below = s.expr.subs(sp.Min(N, d), N)
    assert sp.simplify(sp.diff(below, N) + 1 / d) == 0  # falls by 1/d per sample
    assert sp.limit(below, N, d) == 0
    with pytest.raises(HypothesisError):
        s.evaluate(N=0, d=16)
    with pytest.raises(HypothesisError):
        s.evaluate(N=2.5, d=16)


def test_linear_clone_error_matches_its_proof_numerically():
    # E u^T (I - P) u over u uniform on the sphere is tr(I - P)/d for any rank-N projection P
    rng = np.random.default_rng(0)
    d, N = 12, 5
    X = rng.normal(size=(N, d))
    P = X.T @ np.linalg.pinv(X.T)
    u = rng.normal(size=(200_000, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    r = np.einsum("ij,jk,ik->i", u, np.eye(d) - P, u)
    assert abs(r.mean() - bc.linear_clone_error().evaluate(N=N, d=d)) < 4 * r.std() / 447


def test_identification_thresholds():
    lin, bil = bc.sample_span_deficit(), bc.bilinear_identification()
    assert lin.evaluate(N=15, d=16) == 1 and lin.evaluate(N=16, d=16) == 0
    assert bil.evaluate(N=255, n=16) == 1 and bil.evaluate(N=256, n=16) == 0
    assert bil.evaluate(N=400, n=16) == 0 and bil.evaluate(N=63, n=8) == 1
    # the threshold is the number of coefficients of each output row, n^2
    n = S["n"]
    assert sp.solve(sp.Eq(n**2 - S["N"], 0), S["N"]) == [n**2]
