"""Tests of verify.models.montecarlo: exact agreement of the kernels, agreement in distribution of the
two samplers, the inverse-Wishart mean, detection of planted errors, input validation.

Statistical checks use fixed seeds and level alpha = 1e-3 (two-sided z and two-sample KS).
"""

import numpy as np
import pytest
from scipy import stats

from verify.models import montecarlo as mc

ALPHA = 1e-3
Z_CRIT = stats.norm.ppf(1 - ALPHA / 2)  # 3.29

D, K, R = 4, 2, 3
SIGMA, SIGMA_X = 0.7, 1.3


def _setting(seed=0, eta=0.6):
    """Random r-dim subspace Q of R^{dk} and theta_perp orthogonal to it with norm ``eta``."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((D * K, R)))
    g = rng.standard_normal(D * K)
    tp = g - Q @ (Q.T @ g)
    return Q, eta * tp / np.linalg.norm(tp)


def _half_width(x):
    """z-interval half-width of the mean of ``x`` at level ALPHA."""
    return Z_CRIT * x.std(ddof=1) / np.sqrt(len(x))


def _mean_B(n, sigma=SIGMA):
    """E[B] = sigma^2 (dk - r) / (n - d - 1)."""
    return sigma**2 * (D * K - R) / (n - D - 1)


# ------------------------------------------------------------------------------- exact checks


def test_raw_kernel_equals_numpy_reference_on_same_draws():
    Q, tp = _setting()
    X, Xi = mc.draw_raw(np.random.default_rng(1), 300, 12, D, K)
    got = mc._stats_raw(X, Xi, Q, tp, SIGMA, SIGMA_X)
    ref = mc._stats_numpy(X, Xi, Q, tp, SIGMA, SIGMA_X)
    scale = np.abs(ref).max(axis=0)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12 * scale.max())
    # the drivers use the same chunked stream, so the same seed gives the same trials
    a = mc.lg_stats(np.random.default_rng(2), 500, 12, D, K, Q, tp, SIGMA, SIGMA_X, method="raw")
    b = mc.lg_stats_numpy_batched(np.random.default_rng(2), 500, 12, D, K, Q, tp, SIGMA, SIGMA_X)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12 * np.abs(b).max())


def test_numpy_loop_equals_batched_per_trial():
    Q, tp = _setting()
    X, Xi = mc.draw_raw(np.random.default_rng(3), 20, 10, D, K)
    batched = mc._stats_numpy(X, Xi, Q, tp, SIGMA, SIGMA_X)
    one = np.array([mc._stats_numpy(X[t], Xi[t], Q, tp, SIGMA, SIGMA_X) for t in range(20)])
    np.testing.assert_allclose(one, batched, rtol=1e-12, atol=1e-14)


def test_bartlett_algebra_matches_raw_kernel():
    """chi, lower, noise built from raw X, Xi: L = chol(X^T X / sx^2), N = L^-1 X^T Xi/(sx s)."""
    Q, tp = _setting()
    T, n = 50, 11
    X0, Xi0 = mc.draw_raw(np.random.default_rng(4), T, n, D, K)
    X, Xi = SIGMA_X * X0, SIGMA * Xi0
    il, jl = np.tril_indices(D, -1)  # row-major (1,0), (2,0), (2,1), ...: the kernel's order
    chi = np.empty((T, D))
    lower = np.empty((T, D * (D - 1) // 2))
    noise = np.empty((T, D, K))
    for t in range(T):
        L = np.linalg.cholesky(X[t].T @ X[t] / SIGMA_X**2)
        chi[t] = np.diag(L)
        lower[t] = L[il, jl]
        noise[t] = np.linalg.solve(L, X[t].T @ Xi[t]) / (SIGMA_X * SIGMA)
    got = mc._stats_bartlett(chi, lower, noise, Q, tp, SIGMA, SIGMA_X)
    ref = mc._stats_raw(X0, Xi0, Q, tp, SIGMA, SIGMA_X)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())


def test_results_do_not_depend_on_thread_count():
    Q, tp = _setting()
    before = mc.numba.get_num_threads()
    try:
        out = []
        for threads in (1, 2):
            mc.limit_threads(threads)
            for method in ("bartlett", "raw"):
                rng = np.random.default_rng(5)
                out.append(mc.lg_stats(rng, 1000, 12, D, K, Q, tp, SIGMA, SIGMA_X, method=method))
    finally:
        mc.limit_threads(before)
    np.testing.assert_array_equal(out[0], out[2])
    np.testing.assert_array_equal(out[1], out[3])


# ------------------------------------------------------------------------ in distribution


def test_bartlett_and_raw_agree_in_distribution_and_with_theory():
    Q, tp = _setting()
    T, n = 20_000, 14  # n >= d + 5: finite variance of B
    bart = mc.lg_stats(np.random.default_rng(6), T, n, D, K, Q, tp, SIGMA, SIGMA_X)
    raw = mc.lg_stats(np.random.default_rng(7), T, n, D, K, Q, tp, SIGMA, SIGMA_X, method="raw")
    for j in range(3):  # two-sample z on the means of A, B, C
        diff = bart[:, j].mean() - raw[:, j].mean()
        se = np.sqrt(bart[:, j].var(ddof=1) / T + raw[:, j].var(ddof=1) / T)
        assert abs(diff) <= Z_CRIT * se, (j, diff, se)
    assert stats.ks_2samp(bart[:, 1], raw[:, 1]).pvalue > ALPHA
    expected = {0: SIGMA**2 * R / (n - D - 1), 1: _mean_B(n), 2: 0.0}
    for sample in (bart, raw):
        for j, mu in expected.items():
            assert abs(sample[:, j].mean() - mu) <= _half_width(sample[:, j]), (j, mu)


def test_numpy_loop_mean_B_matches_theory():
    Q, tp = _setting()
    n = 12
    B = mc.lg_stats_numpy_loop(np.random.default_rng(8), 2_000, n, D, K, Q, tp, SIGMA, SIGMA_X)[
        :, 1
    ]
    assert abs(B.mean() - _mean_B(n)) <= _half_width(B)


# ---------------------------------------------------------------------------- planted errors


@pytest.mark.parametrize("planted", ["dof n+1", "sigma 5%"])
def test_planted_error_is_detected(planted):
    """E[B] of a wrong sampler falls outside the CI; the gap is designed to be >= 4 half-widths."""
    Q, tp = _setting()
    T, n = 100_000, 13  # n - d - 1 = 8
    mu = _mean_B(n)
    good = mc.lg_stats(np.random.default_rng(9), T, n, D, K, Q, tp, SIGMA, SIGMA_X)[:, 1]
    rng = np.random.default_rng(10)
    if planted == "dof n+1":  # Wishart(n+1): E[B] = sigma^2 (dk - r) / (n - d)
        df = np.arange(n + 1, n + 1 - D, -1, dtype=np.float64)
        chi = np.sqrt(rng.chisquare(df, size=(T, D)))
        lower = rng.standard_normal((T, D * (D - 1) // 2))
        noise = rng.standard_normal((T, D, K))
        bad = mc._stats_bartlett(chi, lower, noise, Q, tp, SIGMA, SIGMA_X)[:, 1]
        mu_bad = SIGMA**2 * (D * K - R) / (n - D)
    else:
        bad = mc.lg_stats(rng, T, n, D, K, Q, tp, 1.05 * SIGMA, SIGMA_X)[:, 1]
        mu_bad = 1.05**2 * mu
    hw = _half_width(good)
    assert abs(mu_bad - mu) >= 4 * hw  # design: the planted shift is >= 4 half-widths
    assert abs(good.mean() - mu) <= hw
    assert abs(bad.mean() - mu) > _half_width(bad)


# ------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("n", [D, D - 1])
def test_n_at_most_d_raises(n):
    Q, tp = _setting()
    rng = np.random.default_rng(0)
    for method in ("bartlett", "raw"):
        with pytest.raises(ValueError, match="n > d"):
            mc.lg_stats(rng, 10, n, D, K, Q, tp, SIGMA, SIGMA_X, method=method)
    for fn in (mc.lg_stats_numpy_loop, mc.lg_stats_numpy_batched):
        with pytest.raises(ValueError, match="n > d"):
            fn(rng, 10, n, D, K, Q, tp, SIGMA, SIGMA_X)


def test_bad_shapes_and_method_raise():
    Q, tp = _setting()
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="Q must"):
        mc.lg_stats(rng, 10, 12, D, K, Q[:-1], tp, SIGMA, SIGMA_X)
    with pytest.raises(ValueError, match="theta_perp must"):
        mc.lg_stats(rng, 10, 12, D, K, Q, tp[:-1], SIGMA, SIGMA_X)
    with pytest.raises(ValueError, match="orthogonal"):
        mc.lg_stats(rng, 10, 12, D, K, Q, tp + Q[:, 0], SIGMA, SIGMA_X)
    with pytest.raises(ValueError, match="method"):
        mc.lg_stats(rng, 10, 12, D, K, Q, tp, SIGMA, SIGMA_X, method="wishart")
