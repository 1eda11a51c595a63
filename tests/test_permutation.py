"""Groups by generators: the orbit / nullspace methods against the listing reference, exact
Haar sampling, and the LG experiments at groups too large to list."""

import math

import numpy as np
import pytest
from scipy.stats import chisquare

from verify.engine.experiment import get
from verify.engine.runner import run
from verify.symmetry.groups import fixed_dim, parse_group, symmetric
from verify.symmetry.permutation import (
    alternating_group,
    parity,
    product,
    symmetric_group,
    wreath,
)
from verify.symmetry.projection import equivariant_basis, projector, reynolds_linear

from .helpers import assert_close

SMALL = {
    "S3": lambda: symmetric_group(3), "S5": lambda: symmetric_group(5),
    "A4": lambda: alternating_group(4), "A5": lambda: alternating_group(5),
    "A6": lambda: alternating_group(6),
    "S3xS2": lambda: product(symmetric_group(3), symmetric_group(2)),
    "A4xS2": lambda: product(alternating_group(4), symmetric_group(2)),
    "S2wr3": lambda: wreath(symmetric_group(2), 3),
    "S3wr2": lambda: wreath(symmetric_group(3), 2),
}
ORDERS = {"S3": 6, "S5": 120, "A4": 12, "A5": 60, "A6": 360, "S3xS2": 12, "A4xS2": 24,
          "S2wr3": 8 * 6, "S3wr2": 36 * 2}


def _listed_projector(a, b):
    """Reference: average of rho_X(g)^T (x) rho_Y(g)^T over the listed elements."""
    A, B = a.matrices, b.matrices
    return np.einsum("gai,gbj->ijab", A, B).reshape(a.dim * b.dim, -1) / len(A)


def _reps(G):
    r = G.rep()
    reps = [G.rep(n) for n in G.rep_names] + [G.trivial(2), r @ r, r + G.trivial(1)]
    return reps


@pytest.mark.parametrize("name", SMALL)
def test_listing_has_the_stated_order_and_is_a_group(name):
    G = SMALL[name]()
    E = G.elements()
    assert len(E) == G.order == ORDERS[name]
    assert len({tuple(e) for e in E}) == len(E)
    assert np.array_equal(E[0], np.arange(G.degree))
    for r in _reps(G):  # homomorphism and orthogonality on the elements tests should check
        C = G.check_elements()
        M = r.at(C)
        for i in range(len(C)):
            for j in range(len(C)):
                assert_close(r.at(C[i][C[j]])[0], M[i] @ M[j], f"{r.label}: rho(gh)")
            assert_close(M[i].T @ M[i], np.eye(r.dim), f"{r.label}: orthogonal")


@pytest.mark.parametrize("name", SMALL)
def test_generator_methods_match_listing(name):
    G = SMALL[name]()
    reps = _reps(G)
    for a in reps:
        for b in reps:
            if a.dim * b.dim > 600:
                continue
            P_ref = _listed_projector(a, b)
            dim_ref = round(np.trace(P_ref))
            assert fixed_dim(a, b) == dim_ref, (a.label, b.label)
            assert_close(projector(a, b), P_ref, f"{a.label}->{b.label}: projector")
            W = np.random.default_rng(0).normal(size=(2, a.dim, b.dim))
            assert_close(reynolds_linear(W, a, b).reshape(2, -1), W.reshape(2, -1) @ P_ref.T,
                         "Phi(W) = P vec W")


def test_nullspace_path_on_sign_rep():
    G = symmetric_group(3)
    v, s = G.rep("perm"), G.rep("sign")
    assert not s.is_permutation
    assert fixed_dim(v @ v, s) == 1  # S3: Lambda^2 of the 2-dim standard rep is the sign
    assert fixed_dim(v, s) == 0
    assert fixed_dim(symmetric_group(4).rep() @ symmetric_group(4).rep(),
                     symmetric_group(4).rep("sign")) == 0  # S4: Lambda^2 std = sign x std
    assert_close(projector(v @ v, s), _listed_projector(v @ v, s), "sign projector")


def test_symmetric_groups_up_to_7_agree_with_the_listed_group():
    for m in range(2, 8):
        a, b = symmetric(m).rep(), symmetric_group(m).rep()
        assert_close(projector(b, b), projector(a, a), f"S{m} perm projector")
        assert symmetric_group(m).order == math.factorial(m) == symmetric(m).order


def _haar_counts(G, n, seed):
    E = {tuple(e): i for i, e in enumerate(G.elements())}
    draws = G.sample(n, np.random.default_rng(seed))
    return np.bincount([E[tuple(p)] for p in draws], minlength=G.order)


@pytest.mark.parametrize("name", ["S3", "A4", "S2wr3", "A4xS2"])
def test_haar_sampling_is_uniform(name):
    G = SMALL[name]()
    counts = _haar_counts(G, 200 * G.order, seed=1)
    assert chisquare(counts).pvalue > 1e-3


def test_planted_nonuniform_sampler_is_rejected():
    G = symmetric_group(3)
    # planted: a random transposition of the identity never reaches the 3-cycles
    rng = np.random.default_rng(1)
    draws = np.tile(np.arange(3), (1200, 1))
    i = rng.integers(0, 3, size=1200)
    j = (i + 1) % 3
    draws[np.arange(1200), i], draws[np.arange(1200), j] = j, i
    E = {tuple(e): k for k, e in enumerate(G.elements())}
    counts = np.bincount([E[tuple(p)] for p in draws], minlength=6)
    assert chisquare(counts).pvalue < 1e-6


def test_alternating_samples_are_even():
    P = alternating_group(11).sample(500, np.random.default_rng(2))
    assert np.all(parity(P) == 1)
    assert np.all(np.sort(P, axis=1) == np.arange(11))


def test_large_symmetric_group_dims_and_projection():
    n = 24
    G = parse_group(f"S{n}")
    v = G.rep()
    assert G.order == math.factorial(n)
    assert fixed_dim(v, v) == 2 and fixed_dim(v @ v, v) == 5  # Bell numbers B_2, B_3
    assert fixed_dim(v, G.trivial()) == 1 and fixed_dim(v @ v, G.trivial()) == 2
    assert fixed_dim(v, v) == fixed_dim(parse_group(f"A{n}").rep(), parse_group(f"A{n}").rep())
    W = np.random.default_rng(3).normal(size=(n, n))
    off = (W.sum() - np.trace(W)) / (n * n - n)
    expected = np.trace(W) / n * np.eye(n) + off * (np.ones((n, n)) - np.eye(n))
    assert_close(reynolds_linear(W, v, v), expected, "S_n: Phi(W) = diag mean I + off mean (J - I)")
    Q = equivariant_basis(v @ v, v)
    assert Q.shape == (n**3, 5)
    assert_close(Q.T @ Q, np.eye(5), "orthonormal basis")
    g = v.at(G.sample(3, np.random.default_rng(4)))
    for A in g:  # every basis map is equivariant under Haar-random elements
        for q in Q.T:
            Wq = q.reshape(n * n, n)
            assert_close(np.kron(A, A).T @ Wq @ A, Wq, "equivariant basis map")


def test_bell_number_dims_at_s10():
    v = symmetric_group(10).rep()
    assert fixed_dim(v @ v, v @ v) == 15  # B_4


def test_planted_wrong_orbits_change_dim():
    G = symmetric_group(6)
    v = G.rep()
    # planted: dropping the m-cycle generator leaves only a transposition, far more orbits
    H = type(G)("planted", G.generators[:1], G.order, G._sampler, G._reps)
    assert fixed_dim(H.rep(), H.rep()) != fixed_dim(v, v)


@pytest.mark.parametrize("bad", ["S0", "A2", "A0", "S100001"])
def test_parse_rejects_bad_sizes(bad):
    with pytest.raises(ValueError):
        parse_group(bad)


def test_ez_gap_at_s24():
    res = run(get("ez-gap"), quick=True, seed=0,
              overrides={"group": "S24", "output": "equivariant", "n": "80"})
    assert res.checks[0].predicted == pytest.approx(0.7**2 * (24 * 24 - 2) / (80 - 25), rel=1e-12)
    assert res.verdict == "pass"


def test_optimal_eps_at_s32():
    res = run(get("pt-optimal-eps"), quick=True, seed=0,
              overrides={"group": "S32", "output": "equivariant", "n": "100"})
    assert res.verdict == "pass"


def test_basis_bench_methods_agree_and_format():
    from verify.bench_basis import _generators, _listing, format_basis_bench

    rows = []
    for case in ("V->V", "VxV->V"):
        (sg, rg), (sl, rl) = _generators(5, case), _listing(5, case)
        assert rg == rl == {"V->V": 2, "VxV->V": 5}[case]
        rows += [dict(n=5, case=case, method="generators", seconds=sg, dim_e=rg),
                 dict(n=5, case=case, method="listing", seconds=sl, dim_e=rl)]
    rows.append(dict(n=None, case="-", method="emlp", seconds=None, dim_e=None, note="skipped"))
    text = format_basis_bench(rows)
    assert text.count("listing") == 2 and "skipped" in text
