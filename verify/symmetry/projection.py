r"""The Reynolds (group-averaging) projection, and model / data equivariance errors.

On linear maps :math:`f_W(x)=W^\top x` with :math:`W\in\mathbb R^{d\times k}`:

.. math:: \Phi(W)=\int_G\rho_X(g)^\top W\rho_Y(g)\,d\lambda_G(g),

an orthogonal projection in the Frobenius inner product onto the equivariant maps E.  In
row-major coordinates :math:`\mathrm{vec}(AWB)=(A\otimes B^\top)\mathrm{vec}(W)`, so the matrix of
Φ is :math:`P=\frac1{|G|}\sum_g\rho_X(g)^\top\otimes\rho_Y(g)^\top=QQ^\top` with Q an orthonormal
basis of E.

On functions :math:`f:\mathbb R^d\to\mathbb R^k`:
:math:`(g\cdot f)(x)=\rho_Y(g)^{-1}f(\rho_X(g)x)` and :math:`\Phi f=\int_G g\cdot f\,d\lambda_G`.
Errors (in :math:`L^2(\mu)`, estimated on a sample; exact on an orbit-augmented sample):
:math:`e_g(f)=\|f\circ\rho_X(g)-\rho_Y(g)f\|`, :math:`\mathrm{dist}_\Phi(f)=\|f-\Phi f\|`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .groups import Rep, _compact_fixed_basis
from .permutation import gen_basis, gen_reynolds

__all__ = [
    "act",
    "equivariant_basis",
    "function_errors",
    "linear_model_error",
    "orbit_augment",
    "projector",
    "reynolds_function",
    "reynolds_linear",
    "reynolds_linear_mc",
]

Func = Callable[[np.ndarray], np.ndarray]


def _by_generators(rep: Rep) -> bool:
    """A representation of a group given by generators (never listed)."""
    return getattr(rep, "by_generators", False)


def _same_group(rep_in: Rep, rep_out: Rep) -> None:
    if rep_in.group is not rep_out.group:
        raise ValueError("rep_in and rep_out must be representations of the same group")


def projector(rep_in: Rep, rep_out: Rep) -> np.ndarray:
    r"""Matrix of Φ on row-major :math:`\mathrm{vec}(W)`: :math:`\frac1{|G|}\sum_g\rho_X(g)^\top
    \otimes\rho_Y(g)^\top` (finite G, exact), or :math:`QQ^\top` (compact G)."""
    _same_group(rep_in, rep_out)
    if _by_generators(rep_in):
        Q = gen_basis(rep_in, rep_out)
        return Q @ Q.T
    if rep_in.is_finite:
        A, B = rep_in.matrices, rep_out.matrices
        d, k = rep_in.dim, rep_out.dim
        # sum_g kron(A_g^T, B_g^T)[(i,j),(a,b)] = A_g[a,i] B_g[b,j]
        P = np.einsum("gai,gbj->ijab", A, B).reshape(d * k, d * k) / len(A)
        return P
    Q = _compact_fixed_basis(rep_in, rep_out)
    return Q @ Q.T


def equivariant_basis(rep_in: Rep, rep_out: Rep) -> np.ndarray:
    """Orthonormal basis Q (d·k × dim E) of the equivariant linear maps, row-major vec."""
    _same_group(rep_in, rep_out)
    if _by_generators(rep_in):
        return gen_basis(rep_in, rep_out)
    if not rep_in.is_finite:
        return _compact_fixed_basis(rep_in, rep_out)
    P = projector(rep_in, rep_out)
    w, V = np.linalg.eigh((P + P.T) / 2)
    return V[:, w > 0.5]


def reynolds_linear(W: np.ndarray, rep_in: Rep, rep_out: Rep) -> np.ndarray:
    r""":math:`\Phi(W)=\frac1{|G|}\sum_g\rho_X(g)^\top W\rho_Y(g)`; W may be a batch (..., d, k).

    Exact for finite groups; for compact groups the exact orthogonal projection onto E (use
    :func:`reynolds_linear_mc` for the Haar Monte Carlo average with its error)."""
    _same_group(rep_in, rep_out)
    W = np.asarray(W, dtype=np.float64)
    if W.shape[-2:] != (rep_in.dim, rep_out.dim):
        raise ValueError(f"W must be (..., {rep_in.dim}, {rep_out.dim}), got {W.shape}")
    if _by_generators(rep_in):
        return gen_reynolds(W, rep_in, rep_out)
    if rep_in.is_finite:
        A, B = rep_in.matrices, rep_out.matrices
        return np.einsum("gia,...ij,gjb->...ab", A, W, B) / len(A)
    Q = _compact_fixed_basis(rep_in, rep_out)
    flat = W.reshape(*W.shape[:-2], -1)
    return ((flat @ Q) @ Q.T).reshape(W.shape)


def reynolds_linear_mc(W: np.ndarray, rep_in: Rep, rep_out: Rep, samples: int,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Haar Monte Carlo :math:`\frac1N\sum_{i\le N}\rho_X(g_i)^\top W\rho_Y(g_i)` and its
    entrywise standard error :math:`s/\sqrt N`."""
    _same_group(rep_in, rep_out)
    if samples < 2:
        raise ValueError("samples must be at least 2 for an error estimate")
    by_gens = _by_generators(rep_in)
    M = rep_in.group.sample(samples, rng) if (by_gens or not rep_in.is_finite) else None
    if M is None:
        idx = rng.integers(0, rep_in.group.order, size=samples)
        A, B = rep_in.matrices[idx], rep_out.matrices[idx]
    else:
        A, B = rep_in._at(M), rep_out._at(M)
    terms = np.einsum("gia,ij,gjb->gab", A, np.asarray(W, float), B)
    return terms.mean(axis=0), terms.std(axis=0, ddof=1) / np.sqrt(samples)


def linear_model_error(W: np.ndarray, rep_in: Rep, rep_out: Rep, sigma_x: float = 1.0):
    r"""Model equivariance error of :math:`f_W` under :math:`x\sim N(0,\sigma_X^2I)`:
    :math:`\mathrm{dist}_\Phi(f_W)=\sigma_X\|W-\Phi(W)\|_F`."""
    W = np.asarray(W, dtype=np.float64)
    return sigma_x * np.linalg.norm(W - reynolds_linear(W, rep_in, rep_out), axis=(-2, -1))


# -- functions -------------------------------------------------------------------------------
def orbit_augment(X: np.ndarray, rep_in: Rep) -> np.ndarray:
    r"""All :math:`\rho_X(g)x_i`, stacked as (|G|·N, d); its empirical measure is invariant."""
    X = np.asarray(X, dtype=np.float64)
    return np.einsum("gab,nb->gna", rep_in.matrices, X).reshape(-1, X.shape[1])


def act(f: Func, g: int, rep_in: Rep, rep_out: Rep) -> Func:
    r""":math:`(g\cdot f)(x)=\rho_Y(g)^{-1}f(\rho_X(g)x)` for element index g of a finite group."""
    A, B = rep_in.matrices[g], rep_out.matrices[g]
    return lambda X: f(X @ A.T) @ B  # rows: (B^T y)^T = y^T B


def reynolds_function(f: Func, rep_in: Rep, rep_out: Rep,
                      elements: np.ndarray | None = None) -> Func:
    r""":math:`\Phi f(x)=\frac1{|G|}\sum_g\rho_Y(g)^\top f(\rho_X(g)x)` (finite G); f maps rows
    (N, d) to rows (N, k).  ``elements`` restricts the average to a subset of indices."""
    _same_group(rep_in, rep_out)
    idx = np.arange(rep_in.group.order) if elements is None else np.asarray(elements)
    A, B = rep_in.matrices[idx], rep_out.matrices[idx]

    def phi_f(X):
        X = np.asarray(X, dtype=np.float64)
        return sum(f(X @ a.T) @ b for a, b in zip(A, B)) / len(idx)

    return phi_f


def function_errors(f: Func, X: np.ndarray, rep_in: Rep, rep_out: Rep) -> dict:
    r"""Equivariance errors of f in :math:`L^2(\mu_N)`, μ_N the empirical measure of X.

    Returns ``e_g`` (per element), ``e_sup``, ``e_avg`` (:math:`(\frac1{|G|}\sum_g e_g^2)^{1/2}`)
    and ``dist`` (:math:`\|f-\Phi f\|`).  For an orbit-augmented X these are exact on an
    invariant measure, so :math:`\mathrm{dist}^2=\frac12e_{\rm avg}^2`."""
    X = np.asarray(X, dtype=np.float64)
    fx = f(X)
    e = np.array([np.sqrt(np.mean(np.sum((f(X @ a.T) - fx @ b.T) ** 2, axis=1)))
                  for a, b in zip(rep_in.matrices, rep_out.matrices)])
    dist = np.sqrt(np.mean(np.sum((fx - reynolds_function(f, rep_in, rep_out)(X)) ** 2, axis=1)))
    return {"e_g": e, "e_sup": float(e.max()), "e_avg": float(np.sqrt(np.mean(e**2))),
            "dist": float(dist)}
