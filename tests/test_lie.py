"""verify.symmetry.lie: group axioms, the action, exp/log round trips away from the branch cut,
the matrix exponential, left invariance of log(u^-1 v), and uniform (Haar) sampling."""

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.stats import kstest

from verify.symmetry.lie import LIE_GROUPS, SE2, lie_group, rotation, wrap

TOL = 1e-10
NAMES = sorted(LIE_GROUPS)


def _sample(G, n, seed=0, margin=0.0):
    u = G.sample(n, np.random.default_rng(seed))
    return u[~G.near_cut(u, margin)] if margin else u


def _points(G, n, rng):
    return rng.normal(size=(n, G.space_dim))


@pytest.mark.parametrize("name", NAMES)
def test_group_axioms(name):
    G = lie_group(name)
    a, b, c = (_sample(G, 200, s) for s in (1, 2, 3))
    e = G.identity(200)
    assert G.equal(G.compose(G.compose(a, b), c), G.compose(a, G.compose(b, c))).max() < TOL
    assert G.equal(G.compose(a, e), a).max() < TOL and G.equal(G.compose(e, a), a).max() < TOL
    assert G.equal(G.compose(a, G.inverse(a)), e).max() < TOL
    assert G.equal(G.compose(G.inverse(a), a), e).max() < TOL


@pytest.mark.parametrize("name", NAMES)
def test_action_is_a_left_action(name):
    G = lie_group(name)
    rng = np.random.default_rng(4)
    u, v = _sample(G, 100, 5), _sample(G, 100, 6)
    x = _points(G, 100, rng)
    assert np.abs(G.act(G.compose(u, v), x) - G.act(u, G.act(v, x))).max() < TOL
    assert np.abs(G.act(G.identity(100), x) - x).max() == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_exp_log_round_trip_away_from_the_cut(name):
    G = lie_group(name)
    u = _sample(G, 1000, 7, margin=1e-3)
    assert u.shape[0] > 900
    assert G.equal(G.exp(G.log(u)), u).max() < TOL
    a = G.log(u)
    assert np.abs(G.log(G.exp(a)) - a).max() < TOL


def _algebra_matrix(name, a):
    """Homogeneous matrix of the Lie algebra element a (independent of the module's formulas)."""
    if name in ("T1", "T2"):
        d = len(a)
        M = np.zeros((d + 1, d + 1))
        M[:d, d] = a
        return M
    if name == "SO2":
        return np.array([[0, -a[0]], [a[0], 0]])
    if name == "SE2":
        return np.array([[0, -a[0], a[1]], [a[0], 0, a[2]], [0, 0, 0]])
    return np.array([[a[0], -a[1]], [a[1], a[0]]])  # RxSO2


def _group_matrix(name, u):
    if name in ("T1", "T2"):
        d = len(u)
        M = np.eye(d + 1)
        M[:d, d] = u
        return M
    if name == "SO2":
        return rotation(u[0])
    if name == "SE2":
        M = np.eye(3)
        M[:2, :2], M[:2, 2] = rotation(u[0]), u[1:]
        return M
    return np.exp(u[0]) * rotation(u[1])


@pytest.mark.parametrize("name", NAMES)
def test_exp_is_the_matrix_exponential_and_the_law_is_the_matrix_product(name):
    G = lie_group(name)
    u = _sample(G, 50, 8, margin=1e-3)
    v = _sample(G, u.shape[0], 9)
    for a, ui, vi, uv in zip(G.log(u), u, v, G.compose(u, v)):
        assert np.abs(expm(_algebra_matrix(name, a)) - _group_matrix(name, ui)).max() < TOL
        assert np.abs(_group_matrix(name, ui) @ _group_matrix(name, vi)
                      - _group_matrix(name, uv)).max() < TOL


def test_se2_small_angle_series_is_continuous():
    G = SE2()
    a = np.array([[1e-5, 0.3, -0.7], [1.0001e-4, 0.3, -0.7], [9.999e-5, 0.3, -0.7]])
    for row in a:
        want = expm(_algebra_matrix("SE2", row))[:2, 2]
        assert np.abs(G.exp(row[None])[0, 1:] - want).max() < 1e-13


@pytest.mark.parametrize("name", NAMES)
def test_pair_log_is_left_invariant(name):
    G = lie_group(name)
    u, v, w = (_sample(G, 500, s) for s in (10, 11, 12))
    uv = G.compose(G.inverse(u), v)
    keep = ~G.near_cut(uv, 1e-6)
    a0 = G.pair_log(u, v)[keep]
    a1 = G.pair_log(G.compose(w, u), G.compose(w, v))[keep]
    assert np.abs(a0 - a1).max() < TOL


def test_planted_sign_flip_in_se2_log_breaks_the_round_trip():
    G = SE2(log_sign=-1.0)
    u = _sample(G, 100, 13, margin=1e-3)
    assert G.equal(G.exp(G.log(u)), u).max() > 1e-2


@pytest.mark.parametrize("name", ["SO2", "SE2", "RxSO2"])
def test_haar_angles_are_uniform_and_stay_uniform_under_left_translation(name):
    G = lie_group(name)
    j = G.angle_axes[0]
    u = _sample(G, 4000, 14)
    w = G.sample(1, np.random.default_rng(15))
    for angles in (u[:, j], G.compose(w, u)[:, j]):
        assert kstest((angles + np.pi) / (2 * np.pi), "uniform").pvalue > 1e-3


def test_wrap_range_and_unknown_name():
    t = wrap(np.array([np.pi, -np.pi, 3 * np.pi, 7.0, -7.0]))
    assert np.all((t >= -np.pi) & (t < np.pi))
    with pytest.raises(KeyError):
        lie_group("SL2")
