"""Symbolic facts about the EquivCNP statements (bounds.equivcnp)."""

import itertools

import pytest
import sympy as sp

from bounds import equivcnp as eq
from bounds.core import HypothesisError


def test_l1_is_zero_and_l2_vanishes_for_an_invariant_kernel():
    assert eq.encoder_permutation_invariance().expr == 0
    s = eq.encoder_equivariance()
    assert s.relation == "<=" and s.evaluate(S_phi=7.5, delta_psi=0.0) == 0.0
    assert s.evaluate(S_phi=2.0, delta_psi=0.25) == 0.5
    with pytest.raises(HypothesisError):
        s.evaluate(S_phi=2.0, delta_psi=-1.0)


def test_l3_catalogue_pairs():
    ab = ([1, -1], [0, 0])
    assert eq.multiplicity_separation(1, *ab).evaluate(psi_max=1.0) == 0.0
    assert eq.multiplicity_separation(2, *ab).evaluate(psi_max=1.0) == 2.0
    # phi(y) = y alone cannot tell {(x, 0)} from the empty set; with y^0 it can
    assert eq.multiplicity_separation(1, [0], [], channel0=False).evaluate(psi_max=1.0) == 0.0
    assert eq.multiplicity_separation(1, [0], []).evaluate(psi_max=0.5) == 0.5


def _multisets(values, max_size):
    for m in range(max_size + 1):
        yield from itertools.combinations_with_replacement(values, m)


@pytest.mark.parametrize("K", [1, 2, 3])
def test_power_sums_are_injective_on_multiplicity_at_most_k_and_not_beyond(K):
    """Newton's identities: p_0..p_K determine a multiset of at most K values; some pair of
    size K + 1 collides on this grid for K <= 2 (for K = 3 the colliding family misses it)."""
    values = [sp.Rational(v, 2) for v in range(-3, 4)]
    seen = {}
    for ms in _multisets(values, K):
        key = tuple(eq.power_sums(ms, K))
        assert key not in seen, (ms, seen.get(key))
        seen[key] = ms
    big = {}
    collide = False
    for ms in itertools.combinations_with_replacement(values, K + 1):
        key = tuple(eq.power_sums(ms, K))
        collide |= key in big
        big[key] = ms
    assert collide or K == 3


def test_grid_rate_is_second_order():
    assert eq.grid_interpolation_rate().expr == 4


def test_zero_statements_and_latex():
    for s in (eq.invariant_kernel_model(), eq.grid_shift_equivariance(),
              eq.shift_invariant_likelihood(), eq.lie_identities()):
        assert s.expr == 0 and s.evaluate() == 0.0 and s.source is not None
        assert s.latex()
