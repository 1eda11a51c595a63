r"""Petrache–Trivedi: empirical risk minimisation under a model-equivariance budget ε.

``pt-constrained-erm`` (sharp, derived).  LG setting (:mod:`bounds.generalization`) with a
non-equivariant target :math:`\Theta=\Theta_E+\Theta_\perp`, :math:`\eta=\sigma_X\|\Theta_\perp\|`:

.. math:: \hat W_\varepsilon=\arg\min_W\sum_i\|W^\top x_i-y_i\|^2
          \quad\text{s.t.}\quad\sigma_X\|W-\Phi(W)\|_F\le\varepsilon .

**Whitened design** (:math:`X^\top X=n\sigma_X^2I`).  The solution is radial shrinkage of the
least-squares fit, :math:`\hat W_\varepsilon=\Phi W_{\rm ols}+c\,W_{{\rm ols},\perp}` with
:math:`c=\min(1,\varepsilon/D)`, :math:`D=\sigma_X\|W_{{\rm ols},\perp}\|`, and
:math:`Z=W_{\rm ols}-\Theta` has i.i.d. :math:`N(0,\sigma^2/(n\sigma_X^2))` entries exactly.  Let
:math:`p=dk-\dim E`, :math:`\tau^2=\sigma^2/n`, :math:`\mu=\sigma_X\Theta_\perp` and
:math:`u=\sigma_XW_{{\rm ols},\perp}\sim N(\mu,\tau^2I_p)`.  The excess risk is

.. math:: R(\varepsilon)=\sigma_X^2\|\Phi Z\|^2+\|c(u)\,u-\mu\|^2,\qquad
          \mathbb E\,R(\varepsilon)=\frac{\sigma^2\dim E}{n}+\eta^2
          +\mathbb E\big[m^2-2\eta\,m\,A_p(s\eta/\tau^2)\big],

with :math:`s=\|u\|`, :math:`m=\min(s,\varepsilon)` and
:math:`A_p(\kappa)=I_{p/2}(\kappa)/I_{p/2-1}(\kappa)`: given :math:`\|u\|=s` the direction of u
is von Mises–Fisher with concentration :math:`\kappa=s\eta/\tau^2`, so
:math:`\mathbb E[\langle u,\mu\rangle/\|u\|\mid s]=\eta A_p(\kappa)`; :math:`s/\tau` is
noncentral χ with p degrees of freedom and noncentrality :math:`\eta/\tau`.  This one-dimensional
integral (composite Gauss–Legendre, error ~1e-13) is the exact predicted curve, and

.. math:: R'(\varepsilon)=2\varepsilon P(s>\varepsilon)-2\eta\,\mathbb E[A_p1\{s>\varepsilon\}],
          \quad R''(\varepsilon)=2P(s>\varepsilon)
          -2f_s(\varepsilon)\big(\varepsilon-\eta A_p(\varepsilon\eta/\tau^2)\big).

Its root is the exact optimal budget :math:`\varepsilon_{\rm opt}<\eta`.

Checks (per setting η²/v_w, :math:`v_w=\sigma^2p/n`):

The predictions come from the Statement :func:`bounds.approximation.constrained_erm_risk`
(the integral above as SymPy ``Integral`` s, evaluated by adaptive quadrature through
``Statement.lambdify("scipy")``): the curve at each ε, and its minimiser
:math:`\varepsilon_{\rm opt}` (:func:`statement_argmin`).  The Gauss–Legendre implementation
here (:func:`exact_curve`, :func:`exact_argmin`) is an independent cross-check (tests: 1e-12).

* **sharp** — the Monte Carlo argmin, computed from the trials alone.  Per trial
  :math:`dR/d\varepsilon=2(\varepsilon-\langle u,\mu\rangle/\|u\|)1\{\|u\|>\varepsilon\}` has
  finite variance and mean :math:`R'(\varepsilon)`; :math:`\hat\varepsilon` is the root of its
  Monte Carlo mean (the minimiser of the MC risk curve), with the delta-method
  :math:`\mathrm{se}=\mathrm{se}(\bar R'(\hat\varepsilon))/\hat R''`, :math:`\hat R''` a central
  difference of :math:`\bar R'` (:func:`mc_argmin`); the CI must contain
  :math:`\varepsilon_{\rm opt}`;
* **sharp** — the Monte Carlo risk curve on a grid of ε in :math:`[0,1.5\eta]` (about 13 points
  asserted, all in ``data``) against the Statement's curve;
* reported — the grid argmin, and the closed form :math:`\varepsilon^*=\eta^2/\sqrt{\eta^2+v_w}`
  (:func:`bounds.approximation.optimal_eps_whitened`), which is exact only when ‖u‖
  concentrates; a sweep over p (full runs) shows :math:`\varepsilon^*/\varepsilon_{\rm opt}\to1`
  (the MC argmin stays sharp-checked against :math:`\varepsilon_{\rm opt}` at each p);
* reported — **Gaussian design** (:math:`x\sim N(0,\sigma_X^2I)`): the solutions are not radial
  shrinkage; the penalised normal equations :math:`(X^\top X+\lambda P_\perp)W=X^\top Y`, with λ
  found by bisection on the secular equation, give the risk curve over datasets, whose grid
  argmin :math:`\hat\varepsilon^*/\eta` (≤ 1.1, rising with n) is reported.

Defaults: d = 8, k = 1, C8, n = 16, σ = σ_X = 1, η²/v_w ∈ {0.5, 1, 2}, 61 values of ε, 20 000
trials (quick: ratio 1, 31 values, 2 000 trials).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from functools import lru_cache

import numpy as np
from scipy import optimize, special, stats
from scipy.linalg import null_space

from bounds import approximation as ap

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, UsageError, gather, register
from ..engine.stats import Check, mean_se
from .lg_setting import (
    LG_PARAMS,
    MAX_BATCH,
    MAX_TRIALS,
    SCALE,
    SCALE_WHY,
    batches,
    lg_setting,
    perp_direction,
)

__all__ = [
    "argmin_estimate", "bessel_ratio", "budget_fit", "exact_argmin", "exact_curve",
    "exact_d2", "perp_risk", "perp_risk_d1", "perp_risk_d2", "risk_curve", "shrinkage_fit",
]

RATIOS = (0.5, 1.0, 2.0)
#: half-width of the central difference of the MC derivative, in units of tau (the width of
#: the law of ||u||): it sets the measured R'' of the argmin's delta-method CI
H_TAU = 0.25
#: (group, k) of the sweep over p = dk - dim E (invariant output, C_m on R^m).
P_SWEEP = (("C2", 1), ("C4", 1), ("C8", 1), ("C8", 2), ("C8", 4), ("C8", 8))
#: Gaussian design: sample sizes as multiples of n.
GAUSS_N = (1, 2, 4, 8)
#: number of grid points asserted per risk curve (the rest are in ``data``).
ASSERTED_POINTS = 13

PARAMS = tuple(dataclasses.replace(p, default="C8") if p.name == "group" else p
               for p in LG_PARAMS) + (
    Param("n", int, 16, "sample size (the whitened design X^T X = n sigma_x^2 I needs n >= d)",
          low=1),
    Param("ratio", float, None, "eta^2 / v_w with v_w = sigma^2 (dk - dim E)/n; auto = 0.5, 1, "
          "2 (quick: 1)", low=0.0),
    Param("eta", float, None, "data equivariance error sigma_x |Theta_perp| (instead of ratio)",
          low=0.0),
    Param("sigma", float, 1.0, "noise standard deviation per output", low=0.0),
    Param("sigma_x", float, 1.0, "input standard deviation", low=0.0),
    Param("trials", int, 20_000, "Monte Carlo trials per setting", quick=2_000, low=100,
          high=MAX_TRIALS),
    Param("batch", int, 20_000, "trials per task", low=100, high=MAX_BATCH),
    Param("grid", int, 61, "values of eps on [0, 1.5 eta]", quick=31, low=3),
    Param("method", str, "direct", "direct: sample Z = W_ols - Theta exactly; data: draw "
          "whitened data sets and fit", choices=("direct", "data")),
    Param("p_sweep", bool, True, "also sweep p = dk - dim E (closed form vs exact optimum)",
          quick=False),
    Param("gaussian", bool, True, "also the Gaussian design (reported)", quick=False),
    Param("datasets", int, 200, "Gaussian design: data sets per n", low=2, high=100_000,
          why="each data set is a d k x d k solve per eps"),
    Param("gaussian_grid", int, 30, "Gaussian design: values of eps on [0, 1.5 eta]", low=3,
          high=1001, why="every data set is refitted at every eps"),
)


# -- the exact curve, in units of tau: t = s / tau, e = eps / tau, lam = eta / tau ------------
def bessel_ratio(p: int, kappa) -> np.ndarray:
    r""":math:`A_p(\kappa)=I_{p/2}(\kappa)/I_{p/2-1}(\kappa)`, the mean resultant length of the von
    Mises–Fisher law on :math:`S^{p-1}` (p = 1: tanh κ).  Exponentially scaled Bessel functions;
    where they underflow, the Gauss continued fraction (backward recurrence)."""
    kappa = np.asarray(kappa, dtype=np.float64)
    nu = p / 2
    with np.errstate(invalid="ignore", divide="ignore", over="ignore", under="ignore"):
        den = special.ive(nu - 1, kappa)
        r = special.ive(nu, kappa) / den
    bad = ~np.isfinite(r) | ~(den > 1e-250)
    if np.any(bad):
        kb = kappa[bad]
        steps = int(60 + 2 * np.max(kb, initial=0.0))
        acc = np.zeros_like(kb)
        for j in range(steps, 0, -1):  # r_nu = 1 / (2 nu / kappa + r_{nu+1})
            v = nu + j - 1
            with np.errstate(divide="ignore"):
                acc = kb / (2 * v + kb * acc)
        r = np.where(bad, 0.0, r)
        r[bad] = np.where(kb > 0, acc, 0.0)
    return r


def _density(t, p: int, lam: float):
    """Density of t = ||u|| / tau (noncentral chi, p degrees of freedom, noncentrality lam)."""
    return 2.0 * t * stats.ncx2.pdf(t * t, p, lam * lam)


_GL = np.polynomial.legendre.leggauss(24)


def _integral(fn, a: float, b: float, width: float = 0.75) -> float:
    """Composite Gauss–Legendre of a smooth fn on [a, b] (panels of at most ``width``)."""
    if b <= a:
        return 0.0
    m = max(1, math.ceil((b - a) / width))
    edges = np.linspace(a, b, m + 1)
    x, w = _GL
    half = (edges[1:] - edges[:-1])[:, None] / 2
    nodes = (edges[:-1, None] + half * (x + 1)).ravel()
    return float(np.sum(fn(nodes) * (half * w).ravel()))


def _support(p: int, lam: float) -> tuple[float, float]:
    c = math.sqrt(lam * lam + p)
    return max(0.0, c - 14.0), c + 14.0


def _sf(e: float, p: int, lam: float) -> float:
    """P(t > e); 1 and 0 outside the support window (mass there < 1e-40, and boost's
    noncentral χ² can overflow at tiny arguments with a large noncentrality)."""
    lo, hi = _support(p, lam)
    if e <= lo and lo > 0:
        return 1.0
    if e >= hi:
        return 0.0
    return float(stats.ncx2.sf(e * e, p, lam * lam))


@lru_cache(maxsize=4096)
def _parts(e: float, p: int, lam: float) -> tuple[float, float, float]:
    r""":math:`I_1=\int_0^e(t^2-2\lambda tA)f`, :math:`I_2=\int_e^\infty Af`, :math:`S=P(t>e)`."""
    lo, hi = _support(p, lam)
    mid = min(max(e, lo), hi)
    A = lambda t: bessel_ratio(p, t * lam)
    i1 = _integral(lambda t: (t * t - 2 * lam * t * A(t)) * _density(t, p, lam), lo, mid)
    i2 = _integral(lambda t: A(t) * _density(t, p, lam), mid, hi)
    return i1, i2, _sf(e, p, lam)


def perp_risk(e: float, p: int, lam: float) -> float:
    r""":math:`g(e)=\mathbb E\|c\,u-\mu\|^2/\tau^2` in units of τ:
    :math:`\lambda^2+\int_0^e(t^2-2\lambda tA_p(\lambda t))f+e^2P(t>e)-2\lambda e\int_e^\infty
    A_p(\lambda t)f`."""
    i1, i2, sf = _parts(float(e), int(p), float(lam))
    return lam * lam + i1 + e * e * sf - 2 * lam * e * i2


def perp_risk_d1(e: float, p: int, lam: float) -> float:
    r""":math:`g'(e)=2e\,P(t>e)-2\lambda\int_e^\infty A_p(\lambda t)f(t)\,dt`."""
    _, i2, sf = _parts(float(e), int(p), float(lam))
    return 2 * e * sf - 2 * lam * i2


def perp_risk_d2(e: float, p: int, lam: float) -> float:
    r""":math:`g''(e)=2P(t>e)-2f(e)\,(e-\lambda A_p(\lambda e))`."""
    lo, hi = _support(p, lam)
    sf = _sf(e, p, lam)
    f = float(_density(np.float64(e), p, lam)) if lo < e < hi else 0.0
    return 2 * sf - 2 * f * (e - lam * float(bessel_ratio(p, np.float64(e * lam))))


def exact_curve(eps, eta: float, tau: float, p: int) -> np.ndarray:
    r""":math:`\mathbb E\|c(u)u-\mu\|^2=\tau^2g(\varepsilon/\tau)` for each ε (the ε-dependent part
    of the excess risk; add :math:`\sigma^2\dim E/n`)."""
    lam = eta / tau
    return np.array([tau * tau * perp_risk(x / tau, p, lam) for x in np.atleast_1d(eps)])


def exact_argmin(eta: float, tau: float, p: int) -> float:
    r""":math:`\varepsilon_{\rm opt}=\tau\,\arg\min_e g(e)`: the root of g' on (0, λ) (g' < 0 at
    0+, g' > 0 from e = λ on), by Brent's method to 1e-13."""
    lam = eta / tau
    lo, hi = 1e-12 * lam, lam
    e = optimize.brentq(perp_risk_d1, lo, hi, args=(p, lam), xtol=1e-14, rtol=1e-13)
    return tau * e


def exact_d2(eps: float, eta: float, tau: float, p: int) -> float:
    """:math:`R''(\\varepsilon)=g''(\\varepsilon/\\tau)` (the τ scalings cancel)."""
    return perp_risk_d2(eps / tau, p, eta / tau)


@lru_cache(maxsize=1)
def _risk_fn():
    """The Statement's E R(eps), its integrals by adaptive quadrature (scipy)."""
    return ap.constrained_erm_risk().lambdify("scipy")


def statement_argmin(eta: float, tau: float, p: int) -> float:
    r"""The predicted optimal budget: the minimiser over :math:`\varepsilon\in[0,\eta]` of the
    Statement :func:`bounds.approximation.constrained_erm_risk` (bounded Brent, tolerance
    1e-9 η), with :math:`\tau=\sigma/\sqrt n` passed as σ at n = 1."""
    f = _risk_fn()
    res = optimize.minimize_scalar(lambda e: f(eps=e, eta=eta, sigma=tau, n=1, dimE=0, p=p),
                                   bounds=(0.0, eta), method="bounded",
                                   options={"xatol": 1e-9 * eta})
    return float(res.x)


def _mc_derivative(s, m, eps: float) -> np.ndarray:
    r"""Per-trial :math:`dR/d\varepsilon=2(\varepsilon-m_i/s_i)1\{s_i>\varepsilon\}`."""
    return np.where(s > eps, 2 * (eps - m / s), 0.0)


def mc_argmin(s, m, hi: float, h: float) -> tuple[float, float]:
    r"""The minimiser of the Monte Carlo risk curve, computed from the trials alone: the root
    :math:`\hat\varepsilon` of the mean per-trial derivative on :math:`(0,\mathrm{hi}]`, and its
    delta-method standard error :math:`\mathrm{se}(\bar D(\hat\varepsilon))/\hat R''`, with
    :math:`\hat R''` the central difference of :math:`\bar D` over :math:`\pm h`.  (No
    prediction enters; ``nan`` when the mean derivative does not change sign.)"""
    s, m = np.asarray(s, float), np.asarray(m, float)
    dbar = lambda e: float(np.mean(_mc_derivative(s, m, e)))
    lo = 1e-12 * hi
    if not dbar(lo) < 0:
        return float("nan"), float("nan")
    if not dbar(hi) > 0:
        # the mean derivative vanishes identically once ε exceeds every ‖u_i‖ (no constraint
        # binds), so at large η²/v the bracket's right end is sought among the trials' own
        # norms: the first quantile of ‖u‖ where the mean derivative is positive
        ups = [e for e in np.quantile(s, np.linspace(0.0, 1.0, 401)[1:-1]) if lo < e < hi
               and dbar(e) > 0]
        if not ups:
            return float("nan"), float("nan")
        hi = float(ups[0])
    e_hat = optimize.brentq(dbar, lo, hi, xtol=1e-12 * hi)
    _, d_se = mean_se(_mc_derivative(s, m, e_hat))
    r2 = (dbar(e_hat + h) - dbar(max(e_hat - h, 0.0))) / (e_hat + h - max(e_hat - h, 0.0))
    return float(e_hat), float(d_se / r2) if r2 > 0 else float("nan")


def argmin_estimate(s, m, eps_ref: float, r2: float) -> tuple[float, float, float, float]:
    r"""Newton step from ``eps_ref`` with the Monte Carlo derivative: per trial
    :math:`D_i=2(\varepsilon-m_i/s_i)1\{s_i>\varepsilon\}` (:math:`s=\|u\|`,
    :math:`m=\langle u,\mu\rangle`); returns :math:`(\hat\varepsilon,\mathrm{se},\bar D,
    \mathrm{se}(\bar D))` with :math:`\hat\varepsilon=\varepsilon_{\rm ref}-\bar D/R''`."""
    s, m = np.asarray(s, float), np.asarray(m, float)
    D = np.where(s > eps_ref, 2 * (eps_ref - m / s), 0.0)
    d_mean, d_se = mean_se(D)
    return eps_ref - d_mean / r2, d_se / r2, d_mean, d_se


def risk_curve(A, s, m, eta: float, grid, chunk: int = 50_000):
    r"""Monte Carlo mean and standard error of the per-trial excess risk
    :math:`A+c^2s^2-2cm+\eta^2`, :math:`c=\min(1,\varepsilon/s)`, at each ε of ``grid``
    (accumulated over chunks of trials, shifted by the first chunk's mean)."""
    grid = np.asarray(grid, dtype=np.float64)
    total, shift = 0, None
    acc, acc2 = np.zeros(grid.size), np.zeros(grid.size)
    for i in range(0, len(A), chunk):
        a, sn, mm = A[i:i + chunk, None], s[i:i + chunk, None], m[i:i + chunk, None]
        c = np.minimum(1.0, grid[None, :] / np.maximum(sn, 1e-300))
        r = a + c * c * sn * sn - 2 * c * mm + eta * eta
        if shift is None:
            shift = r.mean(axis=0)
        r = r - shift
        acc += r.sum(axis=0)
        acc2 += (r * r).sum(axis=0)
        total += r.shape[0]
    mean = acc / total
    var = (acc2 - total * mean * mean) / (total - 1)
    return shift + mean, np.sqrt(np.maximum(var, 0.0) / total)


# -- fits -------------------------------------------------------------------------------------
def shrinkage_fit(W_ols, Q, sigma_x: float, eps: float) -> np.ndarray:
    r"""Whitened-design solution :math:`\Phi W+\min(1,\varepsilon/D)W_\perp`,
    :math:`D=\sigma_X\|W_\perp\|` (W is d × k, Q the orthonormal basis of E in row-major vec)."""
    W = np.asarray(W_ols, dtype=np.float64)
    w = W.ravel()
    we = Q @ (Q.T @ w)
    wp = w - we
    D = sigma_x * np.linalg.norm(wp)
    c = 1.0 if D <= eps else eps / D
    return (we + c * wp).reshape(W.shape)


def budget_fit(XtX, XtY, Q, sigma_x: float, eps) -> np.ndarray:
    r"""Least squares under the budget, :math:`\min\|XW-Y\|^2` s.t.
    :math:`\sigma_X\|W-\Phi W\|\le\varepsilon`, for a batch of designs and every ε.

    KKT: :math:`(X^\top X+\lambda P_\perp)W=X^\top Y`.  In an orthonormal basis (E, E^⊥) the E
    block is eliminated (Schur complement S on E^⊥, :math:`S=V\Lambda V^\top`), so
    :math:`\|W_\perp(\lambda)\|^2=\sum_jc_j^2/(\Lambda_j+\lambda)^2` and λ ≥ 0 is found by
    bisection (λ = 0 when the least-squares fit is feasible).  ``XtX`` (D, d, d), ``XtY``
    (D, d, k), ``eps`` (E,) → W (D, E, d, k).
    """
    XtX, XtY = np.asarray(XtX, float), np.asarray(XtY, float)
    if XtX.ndim == 2:
        return budget_fit(XtX[None], XtY[None], Q, sigma_x, eps)[0]
    nd, d, _ = XtX.shape
    k = XtY.shape[2]
    dk, e_dim = d * k, Q.shape[1]
    eps = np.atleast_1d(np.asarray(eps, dtype=np.float64))
    B = np.hstack([Q, null_space(Q.T)]) if e_dim else np.eye(dk)
    M = np.einsum("nij,ab->niajb", XtX, np.eye(k)).reshape(nd, dk, dk)
    Mb = np.einsum("ia,nij,jb->nab", B, M, B)
    rb = XtY.reshape(nd, dk) @ B
    Mee, Mep, Mpp = Mb[:, :e_dim, :e_dim], Mb[:, :e_dim, e_dim:], Mb[:, e_dim:, e_dim:]
    re, rp = rb[:, :e_dim], rb[:, e_dim:]
    if e_dim:
        K = np.linalg.solve(Mee, Mep)  # (nd, e, p)
        ke = np.linalg.solve(Mee, re[..., None])[..., 0]
        S = Mpp - np.einsum("nep,neq->npq", Mep, K)
        rt = rp - np.einsum("nep,ne->np", Mep, ke)
    else:
        K = np.zeros((nd, 0, dk))
        ke = np.zeros((nd, 0))
        S, rt = Mpp, rp
    L, V = np.linalg.eigh((S + S.transpose(0, 2, 1)) / 2)
    c = np.einsum("npj,np->nj", V, rt)  # (nd, p)
    target = (eps / sigma_x)[None, :, None]  # (1, E, 1)
    c2 = (c * c)[:, None, :]
    Lx = L[:, None, :]
    ols_norm2 = np.sum(c2 / Lx**2, axis=-1, keepdims=True)
    lo = np.zeros((nd, eps.size, 1))
    cnorm = np.sqrt(np.sum(c2, axis=-1, keepdims=True))
    hi = np.where(target > 0, cnorm / np.where(target > 0, target, 1.0), 0.0) + 1e-300
    for _ in range(200):
        mid = (lo + hi) / 2
        too_big = np.sum(c2 / (Lx + mid) ** 2, axis=-1, keepdims=True) > target**2
        lo, hi = np.where(too_big, mid, lo), np.where(too_big, hi, mid)
    lam = np.where(ols_norm2 <= target**2, 0.0, hi)
    coef = np.where(target > 0, c[:, None, :] / (Lx + lam), 0.0)  # (nd, E, p) in V basis
    b = np.einsum("npj,nej->nep", V, coef)
    a = ke[:, None, :] - np.einsum("nip,nep->nei", K, b)
    w = np.concatenate([a, b], axis=-1) @ B.T
    return w.reshape(nd, eps.size, d, k)


# -- Monte Carlo tasks ------------------------------------------------------------------------
def whitened_batch(rng, trials, n, d, k, Q, theta, sigma, sigma_x, method):
    r"""Per trial :math:`(A,s,m)=(\sigma_X^2\|\Phi Z\|^2,\|u\|,\langle u,\mu\rangle)` for the
    whitened design.  ``direct``: :math:`Z\sim N(0,\sigma^2/(n\sigma_X^2))` i.i.d.; ``data``: X
    with orthonormal columns times :math:`\sqrt n\sigma_X`, :math:`Y=X\Theta+\Xi`,
    :math:`W_{\rm ols}=X^\top Y/(n\sigma_X^2)`."""
    dk = d * k
    if method == "direct":
        Z = rng.standard_normal((trials, dk)) * (sigma / (math.sqrt(n) * sigma_x))
        W = theta[None, :] + Z
    else:
        Xo, _ = np.linalg.qr(rng.standard_normal((trials, n, d)))
        X = Xo * (math.sqrt(n) * sigma_x)
        Y = X @ theta.reshape(d, k) + sigma * rng.standard_normal((trials, n, k))
        W = (X.transpose(0, 2, 1) @ Y).reshape(trials, dk) / (n * sigma_x**2)
    we = (W @ Q) @ Q.T
    mu = sigma_x * (theta - Q @ (Q.T @ theta))
    u = sigma_x * (W - we)
    A = sigma_x**2 * np.sum(((W - theta[None, :]) @ Q) ** 2, axis=1)
    return np.column_stack([A, np.linalg.norm(u, axis=1), u @ mu])


def perp_batch(rng, trials, p, lam):
    """Per trial (s, m) in units of τ for the p-sweep: u ~ N(lam e_1, I_p)."""
    u = rng.standard_normal((trials, p))
    u[:, 0] += lam
    return np.column_stack([np.linalg.norm(u, axis=1), lam * u[:, 0]])


def gaussian_batch(rng, datasets, n, d, k, Q, theta, sigma, sigma_x, eps):
    """Population excess risks σ_X²‖Ŵ_ε − Θ‖² (datasets × len(eps)) for the Gaussian design."""
    X = sigma_x * rng.standard_normal((datasets, n, d))
    Y = X @ theta.reshape(d, k) + sigma * rng.standard_normal((datasets, n, k))
    Xt = X.transpose(0, 2, 1)
    W = budget_fit(Xt @ X, Xt @ Y, Q, sigma_x, eps)
    return sigma_x**2 * np.sum((W - theta.reshape(1, 1, d, k)) ** 2, axis=(2, 3))


# -- plan -------------------------------------------------------------------------------------
#: Largest eta^2 / v_w: the risk curve's minimum is then within 1e-4 of eps = eta, below what
#: the eps grid resolves (and at eta = 1e9 the bisection ran for minutes).
MAX_RATIO = 1e4
MAX_GRID = 1001


def _check_ratio(ratio: float, what: str) -> None:
    if not 1e-8 <= ratio <= MAX_RATIO:
        raise UsageError(f"{what}eta^2 / v_w = {ratio:.3g}; it must lie in [1e-08, "
                         f"{MAX_RATIO:g}] (beyond, eps_opt = eta or 0 to grid resolution)")


def _etas(v: dict, vw: float) -> list[float]:
    if v["eta"] is not None and v["ratio"] is not None:
        raise UsageError("set either eta or ratio (= eta^2 / v_w), not both")
    if v["eta"] is not None:
        if v["eta"] <= 0:
            raise UsageError("eta must be positive (eta = 0: the optimal budget is 0)")
        _check_ratio(math.inf if v["eta"] > 1e100 else v["eta"] ** 2 / vw,
                     f"eta = {v['eta']:g} gives ")
        return [v["eta"]]
    if v["ratio"] is not None:
        if v["ratio"] <= 0:
            raise UsageError("ratio must be positive (ratio = 0: the optimal budget is 0)")
        _check_ratio(v["ratio"], "")
        return [math.sqrt(v["ratio"] * vw)]
    return [math.sqrt(r * vw) for r in ((1.0,) if v["_quick"] else RATIOS)]


def _main_checks(pt: dict, stat: np.ndarray, ctx: dict, eps_opt_fn) -> tuple[list, dict]:
    """Checks of one whitened setting: MC argmin (sharp), closed form and grid argmin
    (reported), the risk curve on the grid (sharp at about 13 points)."""
    eta, tau = pt["eta"], ctx["tau"]
    A, snorm, m = stat[:, 0], stat[:, 1], stat[:, 2]
    tag = f"[eta^2/v_w={pt['ratio']:.3g}] "
    eps_opt, eps_pred, grid, pred = pt["eps_opt"], pt["eps_pred"], pt["grid"], pt["pred"]
    e_hat, e_se = mc_argmin(snorm, m, 1.5 * eta, H_TAU * tau)
    _, _, d_mean, d_se = argmin_estimate(snorm, m, eps_pred, 1.0)  # reported: dR at the pred.
    closed = ctx["closed"](eta, ctx["d"], ctx["k"], ctx["dimE"])
    mc, se = risk_curve(A, snorm, m, eta, grid)
    j_min = int(np.argmin(mc))
    shown = sorted({int(j) for j in np.round(np.linspace(0, grid.size - 1,
                                                          min(grid.size, ASSERTED_POINTS)))})
    checks = [
        Check(f"{tag}argmin of the MC risk curve (root of its derivative)", "sharp", eps_pred,
              e_hat, se=e_se,
              note=f"mean dR/deps at the prediction {d_mean:.3g} +- {d_se:.2g}"),
        Check(f"{tag}closed form eps* vs MC argmin", "trend", closed,
              e_hat, se=e_se,
              note=f"exact eps_opt = {eps_opt:.5f}; eps*/eps_opt = {closed / eps_opt:.4f}"),
        Check(f"{tag}grid argmin of the MC curve", "trend", eps_opt, float(grid[j_min]),
              note=f"grid step {grid[1] - grid[0]:.4f}"),
    ]
    checks += [Check(f"{tag}E R(eps) at eps={grid[j]:.4f}", "sharp", float(pred[j]),
                     float(mc[j]), se=float(se[j]),
                     group=f"{tag}E R(eps) on the grid")
               for j in shown]
    row = {"eta": eta, "ratio": pt["ratio"], "eps_opt": eps_opt, "eps_pred": eps_pred,
           "eps_closed": closed, "eps_hat": e_hat, "eps_se": e_se, "dR_mean": d_mean,
           "dR_se": d_se, "grid": grid.tolist(), "mc": mc.tolist(), "mc_se": se.tolist(),
           "exact": pred.tolist(), "z": ((mc - pred) / se).tolist(),
           "grid_argmin": float(grid[j_min]), "asserted": shown, "trials": int(A.size)}
    return checks, row


def _sweep_checks(pt: dict, stat: np.ndarray, ctx: dict, eps_opt_fn) -> tuple[list, dict]:
    """One point of the p-sweep (units of τ inside): MC argmin (sharp), closed form (reported)."""
    tau, pp, lam = ctx["tau"], pt["p"], pt["eta"] / ctx["tau"]
    e_opt, e_pred = pt["eps_opt"], pt["eps_pred"]
    e_hat, e_se = mc_argmin(stat[:, 0], stat[:, 1], 1.5 * lam, H_TAU)
    closed = ctx["closed"](pt["eta"], pt["d"], pt["k"], pt["dimE"])
    row = {"group": pt["group"], "k": pt["k"], "p": pp, "eta": pt["eta"],
           "eps_opt": e_opt * tau, "eps_closed": closed, "eps_hat": e_hat * tau,
           "eps_se": e_se * tau, "rel_gap": closed / (e_opt * tau) - 1}
    tag = f"[p={pp}, {pt['group']} k={pt['k']}] "
    checks = [
        Check(f"{tag}MC argmin = exact eps_opt", "sharp", e_pred * tau, e_hat * tau,
              se=e_se * tau,
              group="p sweep: MC argmin = exact eps_opt"),
        Check(f"{tag}closed form eps* vs MC argmin", "trend", closed, e_hat * tau,
              se=e_se * tau, note=f"exact eps_opt = {row['eps_opt']:.5f}; "
                                  f"eps*/eps_opt - 1 = {row['rel_gap']:+.2e}"),
    ]
    return checks, row


def _gauss_checks(pts: list[dict], outs: list[np.ndarray], ctx: dict) -> tuple[list, list]:
    """Gaussian design (reported): grid argmin of the mean risk over data sets, per n."""
    checks, rows = [], []
    for pt, risks in zip(pts, outs):
        mean = risks.mean(axis=0)
        se = risks.std(axis=0, ddof=1) / math.sqrt(risks.shape[0])
        eta, j = pt["eta"], int(np.argmin(mean))
        ratio = float(pt["eps"][j] / eta)
        ref = exact_argmin(eta, ctx["sigma"] / math.sqrt(pt["n"]), ctx["p"]) / eta
        rows.append({"n": pt["n"], "eta": eta, "eps": pt["eps"].tolist(), "risk": mean.tolist(),
                     "se": se.tolist(), "argmin": ratio * eta, "argmin_over_eta": ratio,
                     "whitened_opt_over_eta": ref})
        checks.append(Check(f"[Gaussian design n={pt['n']}] grid argmin eps/eta", "trend", ref,
                            ratio, note=f"predicted: whitened eps_opt/eta at this n; <= 1.1: "
                                        f"{'yes' if ratio <= 1.1 else 'NO'}; {risks.shape[0]} "
                                        f"data sets x {len(pt['eps'])} eps"))
    if len(rows) > 1:
        r = [g["argmin_over_eta"] for g in rows]
        rising = all(b >= a for a, b in itertools.pairwise(r))
        checks.append(Check("[Gaussian design] argmin eps/eta rises with n", "trend", 1.0,
                            float(rising), note="n = " + ", ".join(str(g["n"]) for g in rows)
                            + ": " + ", ".join(f"{x:.3f}" for x in r)))
    return checks, rows


def make_plan(exp: Experiment, v: dict, eps_opt_fn=None) -> Plan:
    """Plan of the experiment; ``eps_opt_fn(eta, tau, p)`` replaces :func:`exact_argmin` as the
    prediction of the argmin (tests plant a wrong one)."""
    eps_opt_fn = eps_opt_fn or statement_argmin
    s = lg_setting(v["group"], v["channels"], v["d"], v["output"], v["k"])
    d, k, dim_e, p = s.d, s.k, s.dim_e, s.codim
    n, sigma, sigma_x = v["n"], v["sigma"], v["sigma_x"]
    if p == 0:
        raise UsageError(f"{v['group']} with k={k}: no non-equivariant directions "
                         f"(dim E = dk = {d * k}), so there is no budget to choose")
    if n < d:
        raise UsageError(f"the whitened design X^T X = n sigma_x^2 I needs n >= d; got n={n}, "
                         f"d={d}")
    if sigma <= 0 or sigma_x <= 0:
        raise UsageError("sigma and sigma_x must be positive")
    for name in ("sigma", "sigma_x"):
        if not SCALE[0] <= v[name] <= SCALE[1]:
            raise UsageError(f"parameter {name} must lie in [{SCALE[0]:g}, {SCALE[1]:g}] "
                             f"({SCALE_WHY}), got {v[name]:g}")
    if v["grid"] > MAX_GRID:
        raise UsageError(f"parameter grid must be at most {MAX_GRID} (every trial is refitted "
                         f"at every eps), got {v['grid']}")
    tau, vw = sigma / math.sqrt(n), sigma**2 * p / n
    etas = _etas(v, vw)

    def closed(eta, dd, kk, de):  # the statement: closed-form eps* (hypotheses checked)
        return exp.statement.evaluate(eta=eta, sigma=sigma, n=n, d=dd, k=kk, dimE=de)

    ctx = {"tau": tau, "p": p, "d": d, "k": k, "dimE": dim_e, "a_w": sigma**2 * dim_e / n,
           "grid": v["grid"], "sigma": sigma, "closed": closed}
    direction = perp_direction(s)
    theta_e = s.Q @ np.linspace(1.0, 2.0, dim_e) if dim_e else np.zeros(d * k)
    points, tasks = [], []

    def add(point: dict, fn, kwargs_list: list[dict]):
        points.append(point)
        tasks.extend(TaskSpec(fn, kw, key=len(points) - 1) for kw in kwargs_list)

    for eta in etas:
        closed(eta, d, k, dim_e)  # raises on a setting outside the statement's hypotheses
        theta = theta_e + direction * eta / sigma_x
        grid = np.linspace(0.0, 1.5 * eta, v["grid"])
        risk = _risk_fn()
        add({"role": "main", "eta": eta, "ratio": eta**2 / vw, "grid": grid,
             "pred": np.array([risk(eps=x, eta=eta, sigma=sigma, n=n, dimE=dim_e, p=p)
                               for x in grid]),
             "eps_pred": float(eps_opt_fn(eta, tau, p)), "eps_opt": exact_argmin(eta, tau, p)},
            whitened_batch,
            [{"trials": b, "n": n, "d": d, "k": k, "Q": s.Q, "theta": theta, "sigma": sigma,
              "sigma_x": sigma_x, "method": v["method"]}
             for b in batches(v["trials"], v["batch"])])
    if v["p_sweep"]:
        ratio = etas[0] ** 2 / vw if len(etas) == 1 else 1.0
        for group, kk in P_SWEEP:
            ss = lg_setting(group, 1, None, "invariant", kk)
            lam = math.sqrt(ratio * ss.codim)  # eta / tau at eta^2 = ratio sigma^2 p / n
            add({"role": "sweep", "group": group, "k": kk, "d": ss.d, "dimE": ss.dim_e,
                 "p": ss.codim, "eta": lam * tau, "ratio": ratio,
                 "eps_pred": float(eps_opt_fn(lam, 1.0, ss.codim)),
                 "eps_opt": exact_argmin(lam, 1.0, ss.codim)}, perp_batch,
                [{"trials": b, "p": ss.codim, "lam": lam}
                 for b in batches(v["trials"], v["batch"])])
    if v["gaussian"]:
        eta_g = etas[0] if len(etas) == 1 else math.sqrt(vw)
        theta = theta_e + direction * eta_g / sigma_x
        eps_g = np.linspace(0, 1.5 * eta_g, v["gaussian_grid"])
        for nn in (mult * n for mult in GAUSS_N if mult * n > d):
            add({"role": "gaussian", "n": nn, "eta": eta_g, "eps": eps_g}, gaussian_batch,
                [{"datasets": v["datasets"], "n": nn, "d": d, "k": k, "Q": s.Q, "theta": theta,
                  "sigma": sigma, "sigma_x": sigma_x, "eps": eps_g}])

    def reduce(outputs):
        per = gather(tasks, outputs, len(points))
        checks, mains, sweep = [], [], []
        for pt, outs in zip(points, per):
            if pt["role"] in ("main", "sweep"):
                fn = _main_checks if pt["role"] == "main" else _sweep_checks
                cs, row = fn(pt, np.concatenate(outs), ctx, eps_opt_fn)
                checks += cs
                (mains if pt["role"] == "main" else sweep).append(row)
        gpts = [(pt, outs[0]) for pt, outs in zip(points, per) if pt["role"] == "gaussian"]
        cs, gauss = _gauss_checks([g[0] for g in gpts], [g[1] for g in gpts], ctx)
        checks += cs
        setting = {"group": v["group"], "d": d, "k": k, "dimE": dim_e, "p": p, "n": n,
                   "sigma": sigma, "sigma_x": sigma_x, "tau": tau, "v_w": vw,
                   "a_w": ctx["a_w"]}
        return checks, {"setting": setting, "settings": mains, "p_sweep": sweep,
                        "gaussian": gauss}

    return Plan(tasks, reduce, params={"d": d, "k": k, "dimE": dim_e, "p": p})


PT_CONSTRAINED_ERM = register(Experiment(
    slug="pt-constrained-erm", kind="sharp", family="PT",
    claim="ERM under a budget eps: MC argmin = exact eps_opt < eta (whitened design); "
          "closed form eta^2/sqrt(eta^2+v_w) as p grows",
    params=PARAMS, planner=make_plan, statement=ap.optimal_eps_whitened(), details=__doc__,
))
