"""Monte Carlo sufficient statistics of the OLS error in the LG model.

LG model: ``x ~ N(0, sigma_x^2 I_d)``, ``y = Theta^T x + xi``, ``xi ~ N(0, sigma^2 I_k)``, ``n``
samples, ``W`` the OLS fit and ``Z = W - Theta = (X^T X)^{-1} X^T Xi``.  The Reynolds projection
is given as ``Q`` (``d*k x r``, orthonormal columns spanning the equivariant subspace ``E`` in
row-major vec coordinates ``z = Z.reshape(-1)``), and ``theta_perp`` (``d*k``, orthogonal to
``range(Q)``) is the non-equivariant part of ``Theta``.  Every trial yields the three numbers

* ``A = sigma_x^2 ||Q^T z||^2``                 (``= sigma_x^2 ||Phi Z||^2``),
* ``B = sigma_x^2 (||z||^2 - ||Q^T z||^2)``     (``= sigma_x^2 ||Z_perp||^2``),
* ``C = sigma_x^2 <theta_perp, z>``,

from which the excess risks follow: ``R(W) = A + B``, ``R(Phi W) = A + eta^2`` with
``eta^2 = sigma_x^2 ||theta_perp||^2``, and ``E[B] = sigma^2 (dk - r) / (n - d - 1)``.

Two samplers, both with every random number drawn by an explicit ``numpy.random.Generator``
outside the jitted code (so results never depend on thread scheduling):

* ``"raw"`` (reference): ``X`` (``n x d``) and ``Xi`` (``n x k``) standard normals; the kernel
  forms ``X^T X``, ``X^T Xi`` and solves by Cholesky.
* ``"bartlett"`` (fast): ``X^T X = sigma_x^2 L L^T`` with ``L`` the Bartlett factor of a
  ``Wishart(n, I_d)`` and, given it, ``X^T Xi = sigma_x sigma L N``, so
  ``Z = (sigma / sigma_x) L^{-T} N``: ``d + d(d-1)/2 + dk`` numbers per trial instead of
  ``n (d + k)``.

Trials are drawn in chunks of at most ``_CHUNK_BYTES`` bytes of random numbers, so the stream
for a given seed is fixed by ``(trials, n, d, k, method)`` only.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

__all__ = [
    "draw_bartlett",
    "draw_raw",
    "lg_stats",
    "lg_stats_numpy_batched",
    "lg_stats_numpy_loop",
    "limit_threads",
]

#: Upper bound on the random numbers (in bytes) held in memory at once by ``lg_stats``.
_CHUNK_BYTES = 1 << 23

#: Fast-math flags for the MC kernels: everything except ``nnan``/``ninf``, so a failed
#: Cholesky can still report NaN.
_FASTMATH = {"nsz", "arcp", "contract", "reassoc", "afn"}

#: Number of blocks of the ``prange`` over trials (each block allocates its scratch once).  A
#: constant: calling ``numba.get_num_threads()`` inside a kernel would disable ``cache=True``.
_BLOCKS = 64


# --------------------------------------------------------------------------------------------
# random draws (outside numba)
# --------------------------------------------------------------------------------------------


def draw_bartlett(rng, trials, n, d, k, out=None):
    """Draw the Bartlett sufficient statistics of ``trials`` independent LG data sets.

    ``L_ii = sqrt(chi^2_{n-i})`` (i = 0..d-1), ``L_ij ~ N(0,1)`` (i > j), ``N ~ N(0,1)^{d x k}``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of all random numbers.
    trials, n, d, k : int
        Number of trials, samples per trial, input and output dimension.
    out : tuple of ndarray, optional
        C-contiguous float64 buffers ``(chi, lower, noise)`` of the shapes below, filled in place
        (same stream as without ``out``).

    Returns
    -------
    chi : ndarray, shape (trials, d)
        Diagonal of ``L``: square roots of chi-square draws with ``n, n-1, ..., n-d+1`` dof.
    lower : ndarray, shape (trials, d*(d-1)//2)
        Strictly lower entries of ``L`` in row-major order ``(1,0), (2,0), (2,1), (3,0), ...``,
        i.e. ``L[i, j] = lower[:, i*(i-1)//2 + j]`` (the order of ``np.tril_indices(d, -1)``).
    noise : ndarray, shape (trials, d, k)
        Standard normal ``N`` with ``X^T Xi = sigma_x sigma L N``.
    """
    if out is None:
        out = (
            np.empty((trials, d)),
            np.empty((trials, d * (d - 1) // 2)),
            np.empty((trials, d, k)),
        )
    chi, lower, noise = out
    df = np.arange(n, n - d, -1, dtype=np.float64)
    np.sqrt(rng.chisquare(df, size=(trials, d)), out=chi)
    rng.standard_normal(out=lower)
    rng.standard_normal(out=noise)
    return chi, lower, noise


def draw_raw(rng, trials, n, d, k, out=None):
    """Draw standard normal raw data of ``trials`` LG data sets (scaled later by ``sigma_x, sigma``).

    ``X = sigma_x * X0``, ``Xi = sigma * Xi0`` with ``X0, Xi0`` i.i.d. ``N(0, 1)``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of all random numbers.
    trials, n, d, k : int
        Number of trials, samples per trial, input and output dimension.
    out : tuple of ndarray, optional
        C-contiguous float64 buffers ``(X, Xi)`` of the shapes below, filled in place (same
        stream as without ``out``).

    Returns
    -------
    X : ndarray, shape (trials, n, d)
        Standard normal inputs ``X0``.
    Xi : ndarray, shape (trials, n, k)
        Standard normal noise ``Xi0``.
    """
    if out is None:
        out = (np.empty((trials, n, d)), np.empty((trials, n, k)))
    X, Xi = out
    rng.standard_normal(out=X)
    rng.standard_normal(out=Xi)
    return X, Xi


# --------------------------------------------------------------------------------------------
# numba kernels
# --------------------------------------------------------------------------------------------


def limit_threads(n):
    """Set the number of numba threads (oversubscription guard for worker processes).

    ``numba.set_num_threads(clip(n, 1, NUMBA_NUM_THREADS))``.

    Parameters
    ----------
    n : int
        Requested number of threads.

    Returns
    -------
    int
        The number of threads actually set.
    """
    m = int(min(max(int(n), 1), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(m)
    return m


@njit(cache=True, inline="always")
def _abc(z, QT, theta_perp, cq, cl):
    """Turn an unscaled error vector into ``(A, B, C)``.

    ``(cq ||QT z||^2, cq (||z||^2 - ||QT z||^2), cl <theta_perp, z>)``.

    Parameters
    ----------
    z : ndarray, shape (d*k,)
        Row-major ``vec Z`` up to the scalar factor folded into ``cq`` and ``cl``.
    QT : ndarray, shape (r, d*k)
        Transposed orthonormal basis of ``E``.
    theta_perp : ndarray, shape (d*k,)
        Non-equivariant part of ``Theta``.
    cq, cl : float
        Factors for the quadratic (``A``, ``B``) and the linear (``C``) statistics.

    Returns
    -------
    tuple of float
        ``(A, B, C)``.
    """
    m = z.shape[0]
    zz = 0.0
    zt = 0.0
    for p in range(m):
        zz += z[p] * z[p]
        zt += z[p] * theta_perp[p]
    qq = 0.0
    for a in range(QT.shape[0]):
        s = 0.0
        for p in range(m):
            s += QT[a, p] * z[p]
        qq += s * s
    return cq * qq, cq * (zz - qq), cl * zt


@njit(cache=True, parallel=True, fastmath=_FASTMATH)
def _stats_bartlett(chi, lower, noise, Q, theta_perp, sigma, sigma_x):
    """Sufficient statistics from Bartlett draws (see ``draw_bartlett``).

    ``z = vec((sigma / sigma_x) L^{-T} N)``, then ``(A, B, C)`` per trial.

    Parameters
    ----------
    chi, lower, noise : ndarray
        Output of ``draw_bartlett``.
    Q : ndarray, shape (d*k, r)
        Orthonormal basis of ``E`` (row-major vec).
    theta_perp : ndarray, shape (d*k,)
        Non-equivariant part of ``Theta``.
    sigma, sigma_x : float
        Noise and input standard deviations.

    Returns
    -------
    ndarray, shape (trials, 3)
        Columns ``A, B, C``.
    """
    T, d = chi.shape
    k = noise.shape[2]
    out = np.empty((T, 3))
    QT = np.ascontiguousarray(Q.T)
    # z0 = L^{-T} N, z = (sigma/sigma_x) z0:  sigma_x^2 ||.||^2 -> sigma^2, sigma_x^2 <.> -> sigma sigma_x
    cq = sigma * sigma
    cl = sigma * sigma_x
    nblk = min(T, _BLOCKS)
    for b in prange(nblk):
        z = np.empty(d * k)
        lo = b * T // nblk
        hi = (b + 1) * T // nblk
        for t in range(lo, hi):
            # back substitution  L^T Z0 = N,  (L^T)[i, j] = L[j, i] = lower[j(j-1)/2 + i], j > i
            for i in range(d - 1, -1, -1):
                for c in range(k):
                    z[i * k + c] = noise[t, i, c]
                for j in range(i + 1, d):
                    lji = lower[t, j * (j - 1) // 2 + i]
                    for c in range(k):
                        z[i * k + c] -= lji * z[j * k + c]
                inv = 1.0 / chi[t, i]
                for c in range(k):
                    z[i * k + c] *= inv
            A, B, C = _abc(z, QT, theta_perp, cq, cl)
            out[t, 0] = A
            out[t, 1] = B
            out[t, 2] = C
    return out


@njit(cache=True, parallel=True, fastmath=_FASTMATH)
def _stats_raw(X, Xi, Q, theta_perp, sigma, sigma_x):
    """Sufficient statistics from standard normal raw data (see ``draw_raw``).

    ``z = vec((sigma / sigma_x) (X0^T X0)^{-1} X0^T Xi0)`` by Cholesky, then ``(A, B, C)``.

    Parameters
    ----------
    X, Xi : ndarray
        Output of ``draw_raw`` (unscaled).
    Q : ndarray, shape (d*k, r)
        Orthonormal basis of ``E`` (row-major vec).
    theta_perp : ndarray, shape (d*k,)
        Non-equivariant part of ``Theta``.
    sigma, sigma_x : float
        Noise and input standard deviations.

    Returns
    -------
    ndarray, shape (trials, 3)
        Columns ``A, B, C``; NaN for a trial whose ``X^T X`` is numerically singular.
    """
    T, n, d = X.shape
    k = Xi.shape[2]
    out = np.empty((T, 3))
    QT = np.ascontiguousarray(Q.T)
    cq = sigma * sigma
    cl = sigma * sigma_x
    nblk = min(T, _BLOCKS)
    for b in prange(nblk):
        G = np.empty((d, d))
        z = np.empty(d * k)
        lo = b * T // nblk
        hi = (b + 1) * T // nblk
        for t in range(lo, hi):
            # G = lower triangle of X0^T X0, z = X0^T Xi0 (row-major d x k)
            for i in range(d):
                for j in range(i + 1):
                    G[i, j] = 0.0
                for c in range(k):
                    z[i * k + c] = 0.0
            for s in range(n):
                for i in range(d):
                    xi = X[t, s, i]
                    for j in range(i + 1):
                        G[i, j] += xi * X[t, s, j]
                    for c in range(k):
                        z[i * k + c] += xi * Xi[t, s, c]
            # Cholesky G = L L^T in place (lower triangle)
            ok = True
            for j in range(d):
                s2 = G[j, j]
                for m in range(j):
                    s2 -= G[j, m] * G[j, m]
                if not s2 > 0.0:
                    ok = False
                    break
                ljj = np.sqrt(s2)
                G[j, j] = ljj
                for i in range(j + 1, d):
                    s1 = G[i, j]
                    for m in range(j):
                        s1 -= G[i, m] * G[j, m]
                    G[i, j] = s1 / ljj
            if not ok:
                out[t, 0] = np.nan
                out[t, 1] = np.nan
                out[t, 2] = np.nan
                continue
            # forward  L Y = X0^T Xi0
            for i in range(d):
                for j in range(i):
                    lij = G[i, j]
                    for c in range(k):
                        z[i * k + c] -= lij * z[j * k + c]
                inv = 1.0 / G[i, i]
                for c in range(k):
                    z[i * k + c] *= inv
            # backward  L^T Z0 = Y
            for i in range(d - 1, -1, -1):
                for j in range(i + 1, d):
                    lji = G[j, i]
                    for c in range(k):
                        z[i * k + c] -= lji * z[j * k + c]
                inv = 1.0 / G[i, i]
                for c in range(k):
                    z[i * k + c] *= inv
            A, B, C = _abc(z, QT, theta_perp, cq, cl)
            out[t, 0] = A
            out[t, 1] = B
            out[t, 2] = C
    return out


# --------------------------------------------------------------------------------------------
# public drivers
# --------------------------------------------------------------------------------------------


def _check(trials, n, d, k, Q, theta_perp, sigma, sigma_x):
    """Validate the arguments; return ``(trials, n, d, k, Q, theta_perp, sigma, sigma_x)``.

    ``n > d``, ``Q`` of shape ``(dk, r)`` with ``Q^T Q = I``, ``theta_perp`` of shape ``(dk,)``.
    """
    trials, n, d, k = int(trials), int(n), int(d), int(k)
    if d < 1 or k < 1:
        raise ValueError(f"need d >= 1 and k >= 1, got d={d}, k={k}")
    if n <= d:
        raise ValueError(
            f"need n > d samples so that X^T X is invertible and OLS is unique; got n={n}, d={d}"
        )
    if trials < 0:
        raise ValueError(f"trials must be >= 0, got {trials}")
    Q = np.ascontiguousarray(Q, dtype=np.float64)
    theta_perp = np.ascontiguousarray(theta_perp, dtype=np.float64)
    dk = d * k
    if Q.ndim != 2 or Q.shape[0] != dk or Q.shape[1] > dk:
        raise ValueError(f"Q must have shape (d*k, r) = ({dk}, r <= {dk}), got {Q.shape}")
    if theta_perp.shape != (dk,):
        raise ValueError(f"theta_perp must have shape (d*k,) = ({dk},), got {theta_perp.shape}")
    r = Q.shape[1]
    if r and not np.allclose(Q.T @ Q, np.eye(r), rtol=0.0, atol=1e-8):
        raise ValueError("Q must have orthonormal columns (Q^T Q = I)")
    if r and np.linalg.norm(Q.T @ theta_perp) > 1e-8 * max(1.0, np.linalg.norm(theta_perp)):
        raise ValueError("theta_perp must be orthogonal to range(Q)")
    sigma, sigma_x = float(sigma), float(sigma_x)
    if not (sigma >= 0.0 and sigma_x > 0.0):
        raise ValueError(f"need sigma >= 0 and sigma_x > 0, got {sigma}, {sigma_x}")
    return trials, n, d, k, Q, theta_perp, sigma, sigma_x


def _per_trial(method, n, d, k):
    """Random numbers per trial of a sampler: ``d + d(d-1)/2 + dk`` or ``n(d+k)``."""
    return d + d * (d - 1) // 2 + d * k if method == "bartlett" else n * (d + k)


def _draw_chunks(rng, method, trials, n, d, k):
    """Yield ``(lo, arrays)``: the draws of trials ``lo .. lo + m`` in chunks, buffers reused.

    ``m = max(1, _CHUNK_BYTES // (8 per_trial))`` except for the last chunk.
    """
    size = max(1, min(trials, _CHUNK_BYTES // (8 * _per_trial(method, n, d, k))))
    if method == "bartlett":
        draw, shapes = draw_bartlett, [(size, d), (size, d * (d - 1) // 2), (size, d, k)]
    else:
        draw, shapes = draw_raw, [(size, n, d), (size, n, k)]
    bufs = [np.empty(s) for s in shapes]
    for lo in range(0, trials, size):
        m = min(size, trials - lo)
        yield lo, draw(rng, m, n, d, k, out=tuple(b[:m] for b in bufs))


def lg_stats(rng, trials, n, d, k, Q, theta_perp, sigma, sigma_x, method="bartlett"):
    """Per-trial sufficient statistics ``(A, B, C)`` of the OLS error in the LG model (numba).

    ``A = sigma_x^2 ||Phi Z||^2``, ``B = sigma_x^2 ||Z_perp||^2``, ``C = sigma_x^2 <theta_perp, Z>``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of all random numbers (drawn in chunks outside the kernel).
    trials, n, d, k : int
        Number of trials, samples per trial (``n > d``), input and output dimension.
    Q : array_like, shape (d*k, r)
        Orthonormal basis of the equivariant subspace (row-major vec).
    theta_perp : array_like, shape (d*k,)
        Non-equivariant part of ``Theta`` (orthogonal to ``range(Q)``).
    sigma, sigma_x : float
        Noise and input standard deviations.
    method : {"bartlett", "raw"}
        Sampler: Bartlett sufficient statistics (fast) or raw data (reference).

    Returns
    -------
    ndarray, shape (trials, 3)
        Columns ``A, B, C``.

    Raises
    ------
    ValueError
        If ``n <= d``, shapes do not match, or ``method`` is unknown.
    """
    if method not in ("bartlett", "raw"):
        raise ValueError(f"method must be 'bartlett' or 'raw', got {method!r}")
    trials, n, d, k, Q, theta_perp, sigma, sigma_x = _check(
        trials, n, d, k, Q, theta_perp, sigma, sigma_x
    )
    out = np.empty((trials, 3))
    kernel = _stats_bartlett if method == "bartlett" else _stats_raw
    for lo, arrays in _draw_chunks(rng, method, trials, n, d, k):
        out[lo : lo + len(arrays[0])] = kernel(*arrays, Q, theta_perp, sigma, sigma_x)
    return out


# --------------------------------------------------------------------------------------------
# plain-numpy references
# --------------------------------------------------------------------------------------------


def _stats_numpy(X, Xi, Q, theta_perp, sigma, sigma_x):
    """Reference ``(A, B, C)`` from given standard normal raw data, by OLS on ``Y = X Theta + Xi``.

    ``Theta = reshape(theta_perp)``, ``W = (X^T X)^{-1} X^T Y``, ``Z = W - Theta``, explicit ``Phi``.

    Parameters
    ----------
    X : ndarray, shape (trials, n, d) or (n, d)
        Standard normal inputs (scaled here by ``sigma_x``).
    Xi : ndarray, shape (trials, n, k) or (n, k)
        Standard normal noise (scaled here by ``sigma``).
    Q, theta_perp, sigma, sigma_x
        As in ``lg_stats``.

    Returns
    -------
    ndarray, shape (trials, 3) or (3,)
        Columns ``A, B, C``.
    """
    X = sigma_x * np.asarray(X, dtype=np.float64)
    Xi = sigma * np.asarray(Xi, dtype=np.float64)
    d, k = X.shape[-1], Xi.shape[-1]
    theta = np.asarray(theta_perp, dtype=np.float64).reshape(d, k)
    Xt = np.swapaxes(X, -1, -2)
    Y = X @ theta + Xi
    W = np.linalg.solve(Xt @ X, Xt @ Y)
    z = (W - theta).reshape(*W.shape[:-2], d * k)
    Q = np.asarray(Q, dtype=np.float64)
    phi_z = (z @ Q) @ Q.T
    z_perp = z - phi_z
    theta_perp_part = theta.reshape(-1) - Q @ (Q.T @ theta.reshape(-1))
    sx2 = sigma_x * sigma_x
    A = sx2 * np.sum(phi_z * phi_z, axis=-1)
    B = sx2 * np.sum(z_perp * z_perp, axis=-1)
    C = sx2 * (z_perp @ theta_perp_part)
    return np.stack([A, B, C], axis=-1)


def lg_stats_numpy_loop(rng, trials, n, d, k, Q, theta_perp, sigma, sigma_x):
    """Reference ``(A, B, C)`` with a per-trial Python loop (draw, fit OLS, project).

    Per trial ``X0 ~ N(0,1)^{n x d}``, ``Xi0 ~ N(0,1)^{n x k}``, then ``_stats_numpy``; its random
    stream differs from the chunked one of ``lg_stats(..., method="raw")``.

    Parameters
    ----------
    rng, trials, n, d, k, Q, theta_perp, sigma, sigma_x
        As in ``lg_stats``.

    Returns
    -------
    ndarray, shape (trials, 3)
        Columns ``A, B, C``.
    """
    trials, n, d, k, Q, theta_perp, sigma, sigma_x = _check(
        trials, n, d, k, Q, theta_perp, sigma, sigma_x
    )
    out = np.empty((trials, 3))
    for t in range(trials):
        X = rng.standard_normal((n, d))
        Xi = rng.standard_normal((n, k))
        out[t] = _stats_numpy(X, Xi, Q, theta_perp, sigma, sigma_x)
    return out


def lg_stats_numpy_batched(rng, trials, n, d, k, Q, theta_perp, sigma, sigma_x):
    """Reference ``(A, B, C)`` vectorised over trials (batched ``np.linalg.solve``).

    Same chunks and draws as ``lg_stats(..., method="raw")``, so the same seed gives the same
    trials (to round-off).

    Parameters
    ----------
    rng, trials, n, d, k, Q, theta_perp, sigma, sigma_x
        As in ``lg_stats``.

    Returns
    -------
    ndarray, shape (trials, 3)
        Columns ``A, B, C``.
    """
    trials, n, d, k, Q, theta_perp, sigma, sigma_x = _check(
        trials, n, d, k, Q, theta_perp, sigma, sigma_x
    )
    out = np.empty((trials, 3))
    for lo, (X, Xi) in _draw_chunks(rng, "raw", trials, n, d, k):
        out[lo : lo + len(X)] = _stats_numpy(X, Xi, Q, theta_perp, sigma, sigma_x)
    return out
