"""The equivariance-error metric: exact zeros for equivariant maps, known errors for planted
perturbations inside their CIs, the planted bad element found, invariance, and bad input."""

import json
import math

import numpy as np
import pytest

from verify.symmetry.equivariance import (
    Action,
    actions_from_group,
    actions_from_matrices,
    equivariance_error,
)
from verify.symmetry.groups import SO2, SO3, cyclic, dihedral, symmetric
from verify.symmetry.projection import reynolds_linear


def circ_conv(kernel):
    """Rows x -> y with y_i = sum_j k_j x_{i-j mod n} (equivariant under cyclic shifts)."""
    n = len(kernel)
    C = np.array([[kernel[(i - j) % n] for j in range(n)] for i in range(n)])
    return lambda X: X @ C.T


def test_circular_convolution_is_exactly_equivariant_under_Cn():
    rng = np.random.default_rng(0)
    n = 12
    f = circ_conv(rng.normal(size=n))
    G = cyclic(n)
    acts = actions_from_group(G, G.rep())
    assert len(acts) == n - 1  # the identity is left out
    err = equivariance_error(f, rng.normal(size=(200, n)), acts)
    assert err.relative < 1e-14 and err.absolute < 1e-13
    assert max(p[2] for p in err.per_element) < 1e-14
    assert err.relative_ci[1] < 1e-13 and err.n_inputs == 200 and err.n_elements == n - 1
    # the non-equivariant control: a generic matrix is far from equivariant
    M = rng.normal(size=(n, n))
    assert equivariance_error(lambda X: X @ M.T, rng.normal(size=(200, n)), acts).relative > 0.5


@pytest.mark.parametrize("group,rin,rout", [(dihedral(4), "perm", "rot"),
                                            (symmetric(4), "perm", "perm")])
def test_reynolds_averaged_random_linear_map_is_exactly_equivariant(group, rin, rout):
    rng = np.random.default_rng(1)
    ri, ro = group.rep(rin), group.rep(rout)
    W = reynolds_linear(rng.normal(size=(ri.dim, ro.dim)), ri, ro)
    err = equivariance_error(lambda X: X @ W, rng.normal(size=(100, ri.dim)),
                             actions_from_group(ri, ro))
    assert err.relative < 1e-14
    W0 = rng.normal(size=(ri.dim, ro.dim))  # unprojected: not equivariant
    assert equivariance_error(lambda X: X @ W0, rng.normal(size=(100, ri.dim)),
                              actions_from_group(ri, ro)).relative > 0.1


def test_compact_group_haar_sample_equivariant_and_seeded():
    rng = np.random.default_rng(2)
    G = SO3()
    acts = actions_from_group(G, G.rep(), n_elements=16, rng=7)
    f = lambda X: X * np.linalg.norm(X, axis=1, keepdims=True)
    err = equivariance_error(f, rng.normal(size=(100, 3)), acts)
    assert err.relative < 1e-14 and err.n_elements == 16
    again = actions_from_group(G, G.rep(), n_elements=16, rng=7)
    x = rng.normal(size=(5, 3))
    assert np.array_equal(acts[3].on_input(x), again[3].on_input(x))
    with pytest.raises(ValueError, match="n_elements"):
        actions_from_group(SO2())


def test_groups_by_generators_listed_or_sampled():
    from verify.symmetry.permutation import alternating_group, symmetric_group

    rng = np.random.default_rng(8)
    f = lambda X: X - X.mean(axis=1, keepdims=True)
    A5 = alternating_group(5)
    acts = actions_from_group(A5, A5.rep())
    assert len(acts) == 59
    assert equivariance_error(f, rng.normal(size=(30, 5)), acts).relative < 1e-14
    S12 = symmetric_group(12)
    acts = actions_from_group(S12, S12.rep(), n_elements=10, rng=1)
    assert len(acts) == 10
    assert equivariance_error(f, rng.normal(size=(30, 12)), acts).relative < 1e-14
    with pytest.raises(ValueError, match="n_elements"):
        actions_from_group(symmetric_group(12))


def test_known_perturbation_gives_known_error_inside_its_ci():
    # f = conv + delta * x_0 e_0.  For g != e the error vector is delta (xi e_0 - eta e_{g(0)})
    # with xi, eta iid N(0,1) and e_0 orthogonal to e_{g(0)}: a_ig = delta * chi_2, so
    # E a_ig = delta sqrt(pi/2) for every element.
    rng = np.random.default_rng(3)
    n, delta = 8, 0.3
    conv = circ_conv(rng.normal(size=n))
    e0 = np.eye(n)[0]
    f = lambda X: conv(X) + delta * X[:, :1] * e0
    G = cyclic(n)
    err = equivariance_error(f, rng.normal(size=(4000, n)), actions_from_group(G, G.rep()),
                             alpha=0.01)
    truth = delta * math.sqrt(math.pi / 2)
    lo, hi = err.absolute_ci
    assert lo <= truth <= hi
    assert hi - lo < 0.05 * truth  # informative: a 5 % error in the constant would be caught
    assert not lo <= 1.05 * truth <= hi
    for _, mean_abs, _ in err.per_element:
        assert abs(mean_abs - truth) < 0.1 * truth


def test_invariance_with_trivial_output_known_value():
    # f(x) = sum(x) + delta x_0 under S_5 (perm): f(gx) - f(x) = delta (x_j - x_0), j != 0 for
    # elements moving 0, so E a = delta * E|N(0, 2)| = 2 delta / sqrt(pi); elements fixing 0
    # give 0 exactly.
    rng = np.random.default_rng(4)
    G, delta = symmetric(5), 0.2
    f = lambda X: X.sum(axis=1) + delta * X[:, 0]
    acts = actions_from_group(G)  # rep_out None: invariance
    err = equivariance_error(f, rng.normal(size=(3000, 5)), acts)
    moves = [G.rep().matrices[int(a.name.split("[")[1][:-1])][0, 0] == 0 for a in acts]
    truth = 2 * delta / math.sqrt(math.pi) * np.mean(moves)
    assert err.absolute_ci[0] <= truth <= err.absolute_ci[1]
    fixed = [p[1] for p, m in zip(err.per_element, moves) if not m]
    assert max(fixed) < 1e-13
    assert equivariance_error(lambda X: X.sum(axis=1), rng.normal(size=(50, 5)),
                              acts).absolute < 1e-13


def test_planted_bad_element_is_the_worst_and_only_nonzero():
    rng = np.random.default_rng(5)
    n = 6
    G = cyclic(n)
    P = G.rep().matrices
    mats_out = P.copy()
    mats_out[3] = P[5]  # element 3's output action is wrong
    acts = actions_from_matrices(P, mats_out, names=[f"r{i}" for i in range(n)])
    err = equivariance_error(circ_conv(rng.normal(size=n)), rng.normal(size=(100, n)), acts)
    assert err.worst[0] == "r3" and err.worst[1] > 0.1
    assert all(rel < 1e-14 for name, _, rel in err.per_element if name != "r3")
    assert err.relative == pytest.approx(err.per_element[3][2] / n)
    assert err.quantiles[0.5] <= err.quantiles[0.9] <= err.quantiles[0.99]


def test_tuple_inputs_and_one_call_per_element():
    # bilinear circular convolution h(x, tau) is equivariant in x for every fixed tau
    rng = np.random.default_rng(6)
    n = 7
    calls = []

    def h(xt):
        x, tau = xt
        calls.append(len(x))
        return np.real(np.fft.ifft(np.fft.fft(x, axis=1) * np.fft.fft(tau, axis=1), axis=1))

    P = cyclic(n).rep().matrices[1:]
    acts = [Action(f"s{i}", lambda xt, A=A: (xt[0] @ A.T, xt[1]), lambda y, A=A: y @ A.T)
            for i, A in enumerate(P)]
    x = (rng.normal(size=(50, n)), rng.normal(size=(50, n)))
    err = equivariance_error(h, x, acts)
    assert err.relative < 1e-13
    assert calls == [50] * n  # f(x) once, then once per element, always the whole batch


def test_to_dict_is_strict_json():
    rng = np.random.default_rng(7)
    G = cyclic(4)
    d = equivariance_error(lambda X: X @ rng.normal(size=(4, 4)), rng.normal(size=(20, 4)),
                           actions_from_group(G, G.rep())).to_dict()
    json.dumps(d, allow_nan=False)
    assert set(d) >= {"absolute", "absolute_ci", "relative", "relative_ci", "per_element",
                      "worst", "quantiles", "n_inputs", "n_elements"}
    # f(x) = 0 where the error is not: relative errors overflow and become None, not inf
    z = equivariance_error(lambda X: np.where(X[:, :1] > 0, 100.0, 0.0) * np.ones((1, 4)),
                           np.abs(rng.normal(size=(6, 4))) * np.array([-1, 1, 1, 1]),
                           actions_from_group(G, G.rep()))
    assert math.isinf(z.relative) and z.absolute > 0
    assert z.to_dict()["relative"] is None
    json.dumps(z.to_dict(), allow_nan=False)


def test_bad_input_raises_one_clear_line():
    G = cyclic(3)
    acts = actions_from_group(G, G.rep())
    x = np.ones((4, 3))
    with pytest.raises(ValueError, match="not finite for 4 of 4 inputs"):
        equivariance_error(lambda X: X * np.nan, x, acts)
    with pytest.raises(ValueError, match="at least 2 inputs"):
        equivariance_error(lambda X: X, x[:1], acts)
    with pytest.raises(ValueError, match="no group elements"):
        equivariance_error(lambda X: X, x, [])
    with pytest.raises(ValueError, match="batch first"):
        equivariance_error(lambda X: X[0], x, acts)
    with pytest.raises(ValueError, match="orthogonal"):
        actions_from_matrices(2 * np.eye(3)[None])
    with pytest.raises(ValueError, match="same group"):
        actions_from_group(G, cyclic(4).rep())
