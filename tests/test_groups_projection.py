"""Groups are homomorphic orthogonal representations; Φ is the orthogonal projection onto E."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.symmetry.groups import (
    SO2,
    SO3,
    O,
    cyclic,
    dihedral,
    direct_product,
    fixed_dim,
    parse_group,
    sign_flips,
    symmetric,
)
from verify.symmetry.projection import (
    equivariant_basis,
    function_errors,
    linear_model_error,
    orbit_augment,
    projector,
    reynolds_function,
    reynolds_linear,
    reynolds_linear_mc,
)

from .helpers import assert_close, random_features

FINITE = ["C1", "C2", "C5", "C6", "D2", "D3", "D4", "D6", "S3", "S4", "Z2^2", "Z2^3"]


def _reps(spec):
    G = parse_group(spec)
    reps = [G.rep(n) for n in G.rep_names] + [G.trivial(2)]
    return G, reps


def _expected_order(spec):
    import math
    kind, m = (spec[0], int(spec.split("^")[-1] if "^" in spec else spec[1:]))
    return {"C": m, "D": 2 * m, "S": math.factorial(m), "Z": 2**m}[kind]


@pytest.mark.parametrize("spec", FINITE)
def test_order_and_homomorphism_and_orthogonality(spec):
    G, reps = _reps(spec)
    assert G.order == _expected_order(spec)
    mul, inv = G.mul, G.inv
    for r in reps:
        M = r.matrices
        prod = np.einsum("iab,jbc->ijac", M, M)
        assert_close(prod, M[mul], "rho(g)rho(h) = rho(gh)")
        assert_close(np.einsum("iba,ibc->iac", M, M), np.broadcast_to(np.eye(r.dim), M.shape),
                     "rho(g)^T rho(g) = I")
        assert_close(M[inv], np.transpose(M, (0, 2, 1)), "rho(g^-1) = rho(g)^T")


@pytest.mark.parametrize("spec", FINITE)
def test_closure_and_group_axioms(spec):
    G, _ = _reps(spec)
    mul = G.mul
    # every row and column of the table is a permutation (closure + cancellation)
    assert all(sorted(row) == list(range(G.order)) for row in mul)
    assert all(sorted(col) == list(range(G.order)) for col in mul.T)
    assert np.array_equal(mul[0], np.arange(G.order))  # identity first
    i, j, k = np.meshgrid(*(np.arange(G.order),) * 3, indexing="ij")
    assert np.array_equal(mul[mul[i, j], k], mul[i, mul[j, k]])


def test_known_fixed_dims():
    # the theory catalogue S_d on R^d -> R^d: 2; C_d: d; transitive permutation, invariant: 1
    for m in (3, 4, 5):
        p = symmetric(m).rep()
        assert fixed_dim(p, p) == 2
        c = cyclic(m).rep()
        assert fixed_dim(c, c) == m
        assert fixed_dim(c, cyclic(m).trivial()) == 1
    D6 = dihedral(6)
    assert fixed_dim(D6.rep(), D6.rep()) == 4  # orbits of D6 on vertex pairs: distance 0..3
    D4 = dihedral(4)
    assert fixed_dim(D4.rep() @ D4.trivial(2), D4.trivial()) == 2  # 2x2 grid x 2 channels
    assert fixed_dim(sign_flips(3).rep(), sign_flips(3).trivial()) == 0
    r = SO3().rep()
    assert (fixed_dim(r, r), fixed_dim(r, SO3().trivial()), fixed_dim(r @ r, SO3().trivial())) \
        == (1, 0, 1)
    assert fixed_dim(SO2().rep(), SO2().rep()) == 2
    assert fixed_dim(O(3).rep(), O(3).rep()) == 1


@settings(max_examples=25, deadline=None)
@given(spec=st.sampled_from(FINITE), i=st.integers(0, 2), j=st.integers(0, 2))
def test_fixed_dim_is_rank_of_projection(spec, i, j):
    _, reps = _reps(spec)
    a, b = reps[i % len(reps)], reps[j % len(reps)]
    P = projector(a, b)
    assert fixed_dim(a, b) == np.linalg.matrix_rank(P, tol=1e-9)
    assert equivariant_basis(a, b).shape[1] == fixed_dim(a, b)


@settings(max_examples=25, deadline=None)
@given(spec=st.sampled_from(FINITE), i=st.integers(0, 2), j=st.integers(0, 2),
       seed=st.integers(0, 2**31))
def test_reynolds_idempotent_selfadjoint_equivariant(spec, i, j, seed):
    _, reps = _reps(spec)
    a, b = reps[i % len(reps)], reps[j % len(reps)]
    rng = np.random.default_rng(seed)
    W, V = rng.normal(size=(2, a.dim, b.dim))
    PW = reynolds_linear(W, a, b)
    assert_close(reynolds_linear(PW, a, b), PW, "Phi^2 = Phi")
    assert np.sum(PW * V) == pytest.approx(np.sum(W * reynolds_linear(V, a, b)), abs=1e-10)
    for A, B in zip(a.matrices, b.matrices):
        assert_close(A.T @ PW @ B, PW, "rho_X(g)^T Phi(W) rho_Y(g) = Phi(W)")
    P = projector(a, b)
    assert_close(P @ W.reshape(-1), PW.reshape(-1), "P vec(W) = vec(Phi(W)), row-major")


def test_group_products_and_sums():
    G = direct_product(cyclic(2), cyclic(3))
    assert G.order == 6
    r = G.rep("perm*perm")
    assert r.dim == 6 and fixed_dim(r, r) == 6  # C2 x C3 = C6 acting regularly
    D = dihedral(3)
    s = D.rep("perm") + D.rep("rot")
    assert s.dim == 5 and fixed_dim(s, D.trivial()) == 1


def test_compact_projection_mc_matches_exact_within_error():
    rng = np.random.default_rng(0)
    r = SO3().rep()
    W = rng.normal(size=(3, 3))
    exact = reynolds_linear(W, r, r)
    assert_close(exact, np.trace(W) / 3 * np.eye(3), "Phi(W) = tr(W)/3 I for SO(3)")
    mean, se = reynolds_linear_mc(W, r, r, samples=4000, rng=rng)
    z = np.abs(mean - exact) / se
    assert z.max() < 4.5  # 9 entries, two-sided normal: P(max z > 4.5) < 1e-4


def test_linear_model_error_is_distance_to_E():
    G = cyclic(4)
    r = G.rep()
    W = np.random.default_rng(1).normal(size=(4, 4))
    Q = equivariant_basis(r, r)
    w = W.reshape(-1)
    expected = 1.3 * np.linalg.norm(w - Q @ (Q.T @ w))
    assert linear_model_error(W, r, r, sigma_x=1.3) == pytest.approx(expected, rel=1e-12)


def test_function_errors_identities_on_orbit_augmented_sample():
    D4 = dihedral(4)
    a, b = D4.rep("rot"), D4.rep("rot")
    rng = np.random.default_rng(3)
    f = random_features(2, 2, rng)
    X = orbit_augment(rng.normal(size=(50, 2)), a)
    err = function_errors(f, X, a, b)
    assert err["dist"] ** 2 == pytest.approx(0.5 * err["e_avg"] ** 2, rel=1e-10)
    assert err["e_sup"] <= 2 * err["dist"] * (1 + 1e-12)
    phi = reynolds_function(f, a, b)
    assert function_errors(phi, X, a, b)["dist"] < 1e-12


@pytest.mark.parametrize("bad", ["X6", "C", "S0", "D1", "Z2^0", "O1", ""])
def test_parse_group_rejects_bad_names(bad):
    with pytest.raises(ValueError):
        parse_group(bad)
