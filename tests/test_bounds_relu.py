"""Symbolic facts about the ReLU statements (closed-form anchors, proofs by cases)."""

import numpy as np
import pytest
import sympy as sp

from bounds.core import HypothesisError
from bounds.relu import (
    SYMBOLS,
    layerwise_width,
    relu,
    relu_abs_form,
    relu_odd_part,
    relu_positive_homogeneity,
    two_layer_identity,
)
from tests.helpers import assert_close

z, c, i, width, order, a, u = (SYMBOLS[k] for k in ("z", "c", "i", "width", "order", "a", "u"))


def _is_zero(expr) -> bool:
    """Proof by cases: rewrite Max as Piecewise and simplify."""
    return sp.simplify(sp.expand(expr).rewrite(sp.Piecewise)) == 0


def test_odd_part_is_the_identity():
    s = relu_odd_part()
    assert _is_zero(relu(z) - relu(-z) - s.expr)
    assert s.relation == "=" and s.source.label == "common form"
    for zv in (-2.5, 0.0, 3.0):
        assert s.evaluate(z=zv) == zv
    # a planted wrong form (the absolute value) is not an identity
    assert not _is_zero(relu(z) - relu(-z) - sp.Abs(z))


def test_abs_form():
    s = relu_abs_form()
    assert _is_zero(relu(z) - s.expr)
    assert s.evaluate(z=-1.0) == 0.0 and s.evaluate(z=2.0) == 2.0
    assert not _is_zero(relu(z) - (z + sp.Abs(z)) / 3)


def test_positive_homogeneity_and_its_hypothesis():
    s = relu_positive_homogeneity()
    # via the abs form (proved above): sigma(cz) = (cz + |cz|)/2 and |cz| = c|z| for c > 0
    assert sp.simplify((relu(c * z) - s.expr).rewrite(sp.Abs)) == 0
    assert s.evaluate(z=-1.5, c=2.0) == 0.0 and s.evaluate(z=1.5, c=2.0) == 3.0
    with pytest.raises(HypothesisError, match="positive"):
        s.evaluate(z=1.0, c=-1.0)
    # it fails for negative scales: sigma(-z) != -sigma(z)
    assert not _is_zero(relu(-z) + relu(z))


@pytest.mark.parametrize("n", [1, 3, 5])
def test_two_layer_identity_symbolically_for_small_widths(n):
    e = two_layer_identity().expr.subs(width, n).doit()
    lhs = sum(a[k] * relu(u[k]) for k in range(n))
    # termwise: a_k (sigma(u_k) - |u_k|/2 - u_k/2) = 0 by cases
    diff = sp.expand(lhs - e)
    terms = sp.collect(diff, [a[k] for k in range(n)], evaluate=False)
    assert set(terms) <= {a[k] for k in range(n)}
    assert all(_is_zero(t) for t in terms.values())


def test_two_layer_identity_numerically_via_lambdify():
    rng = np.random.default_rng(0)
    W1, b1, w2 = rng.normal(size=(7, 3)), rng.normal(size=7), rng.normal(size=7)
    X = rng.normal(size=(50, 3))
    Z = (X @ W1.T + b1).T
    f = sp.lambdify((a, u, width), two_layer_identity().expr, "numpy")
    assert_close(f(w2, Z, 7), np.maximum(Z, 0).T @ w2, "two-layer identity")
    # the linear part is (sum_i a_i w_i^T) x + sum_i a_i b_i
    lin = sp.lambdify((a, u, width), sp.Sum(a[i] * u[i], (i, 0, width - 1)), "numpy")
    assert_close(lin(w2, Z, 7), X @ (W1.T @ w2) + b1 @ w2, "linear part")


def test_layerwise_width_anchor_values():
    s = layerwise_width()
    assert s.relation == "<="
    assert s.evaluate(order=2, width=3) == 6.0  # C1, C2: 3 units -> 6
    assert s.evaluate(order=2, width=12) == 24.0  # bk-symmetrise
    assert s.evaluate(order=4, width=20) == 80.0
    with pytest.raises(HypothesisError, match="integer"):
        s.evaluate(order=2.5, width=3)


def test_statements_render():
    for s in (relu_odd_part(), relu_abs_form(), relu_positive_homogeneity(),
              two_layer_identity(), layerwise_width()):
        assert s.latex() and str(s) and s.source is not None and s.description
    assert r"\left|" in two_layer_identity().latex()
