r"""Set encoders and untrained set models whose equivariance is checked exactly.

* :func:`set_conv_encode`: the EquivCNP / ConvCNP encoder
  :math:`\mathrm{Enc}_K(Z)(t)=\sum_i\phi_K(y_i)\psi(t,x_i)`, :math:`\phi_K(y)=(y^0..y^K)`;
* kernels on points (:data:`POINT_KERNELS`): stationary kernels of :math:`t-x` in 1D, the
  isotropic RBF of :math:`\|t-x\|` in the plane, the log-polar kernel (invariant under
  scalings and rotations), and two non-invariant controls;
* :func:`invariant_kernel_net`: layers :math:`h\leftarrow\tanh(\tilde K(P,P)hW)` on the moving
  point set :math:`P=X_c\cup X_t` (optionally with the absolute coordinate as a channel,
  which breaks equivariance);
* :func:`fixed_grid_model`: set-convolution onto a fixed grid of spacing h, a discrete
  convolution, and linear interpolation back to the targets.

Arrays are batch first: contexts ``xc`` (B, n, d), ``yc`` (B, n), targets ``t`` (B, m, d).
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = [
    "POINT_KERNELS",
    "fixed_grid_encode",
    "fixed_grid_model",
    "init_kernel_net",
    "invariant_kernel_net",
    "phi_powers",
    "point_kernel",
    "set_conv_encode",
]


def phi_powers(y: np.ndarray, K: int, channel0: bool = True) -> np.ndarray:
    r""":math:`\phi_K(y)=(y^0,\dots,y^K)` on a new last axis (without :math:`y^0` if not
    ``channel0``)."""
    ks = np.arange(0 if channel0 else 1, K + 1)
    return np.asarray(y, float)[..., None] ** ks


def _sqdist(t, x):
    return ((t[:, :, None, :] - x[:, None, :, :]) ** 2).sum(-1)


def _diff1(t, x):
    return t[:, :, None, 0] - x[:, None, :, 0]


def _log_polar(t, x, ell=0.5):
    r""":math:`k(\log r_t-\log r_x)\,k_{\rm circ}(\theta_t-\theta_x)` with an RBF in log radius
    and :math:`e^{\cos(\theta_t-\theta_x)-1}` in angle."""
    lr_t, lr_x = (0.5 * np.log((p**2).sum(-1)) for p in (t, x))
    th_t, th_x = (np.arctan2(p[..., 1], p[..., 0]) for p in (t, x))
    d = lr_t[:, :, None] - lr_x[:, None, :]
    return np.exp(-0.5 * d * d / ell**2) * np.exp(np.cos(th_t[:, :, None] - th_x[:, None, :])
                                                  - 1.0)


def _matern52_of_s(s):
    r""":math:`(1+s+s^2/3)e^{-s}` with :math:`s=\sqrt5 r`."""
    return (1 + s + s * s / 3) * np.exp(-s)


#: name -> psi(t, x) on batches (B, m, d), (B, n, d) -> (B, m, n); every kernel has unit
#: length scale unless stated
POINT_KERNELS = {
    "rbf": lambda t, x: np.exp(-0.5 * _sqdist(t, x)),
    "matern": lambda t, x: _matern52_of_s(np.sqrt(5.0 * _sqdist(t, x))),
    "periodic": lambda t, x: np.exp(-2 * np.sin(np.pi * _diff1(t, x)) ** 2),
    "log_polar": _log_polar,
    # non-invariant controls: RBF times sqrt(1 + t^2) sqrt(1 + x^2) (p.d., not T(1)-invariant)
    "rbf_weighted": lambda t, x: np.exp(-0.5 * _sqdist(t, x))
    * np.sqrt(1 + (t**2).sum(-1))[:, :, None] * np.sqrt(1 + (x**2).sum(-1))[:, None, :],
}


def point_kernel(name: str):
    """The kernel ψ(t, x) named ``name`` (:data:`POINT_KERNELS`)."""
    return POINT_KERNELS[name]


def set_conv_encode(xc, yc, t, psi, K: int = 1, channel0: bool = True) -> np.ndarray:
    r""":math:`\mathrm{Enc}_K(Z)(t_j)=\sum_i\phi_K(y_i)\psi(t_j,x_i)`, shape (B, m, K + 1)."""
    return np.einsum("bmn,bnk->bmk", psi(np.asarray(t, float), np.asarray(xc, float)),
                     phi_powers(yc, K, channel0))


# -- invariant-kernel layers on the moving point set ---------------------------------------
def init_kernel_net(rng: np.random.Generator, layers: int = 3, width: int = 8,
                    extra_in: int = 0) -> list[np.ndarray]:
    """Weights ``W_l`` of :func:`invariant_kernel_net` (input channels 2 + ``extra_in``)."""
    sizes = [2 + extra_in] + [width] * layers
    return [rng.normal(size=(a, b)) / np.sqrt(a) for a, b in itertools.pairwise(sizes)] + \
        [rng.normal(size=(width, 1)) / np.sqrt(width)]


def invariant_kernel_net(weights, xc, yc, xt, ell: float = 1.0,
                         absolute: bool = False) -> np.ndarray:
    r""":math:`M(Z)(x_t)`: features :math:`h_0=(\mathbb 1_c,\ y\mathbb 1_c)` on
    :math:`P=X_c\cup X_t`, layers :math:`h\leftarrow\tanh(\tilde K hW_l)` with
    :math:`\tilde K_{ij}=e^{-\|p_i-p_j\|^2/2\ell^2}/\sum_je^{-\|p_i-p_j\|^2/2\ell^2}`, a linear
    read-out at the targets; shape (B, m).  ``absolute`` appends the coordinates of P as
    channels (a planted symmetry break)."""
    xc, xt = np.asarray(xc, float), np.asarray(xt, float)
    B, n, _ = xc.shape
    m = xt.shape[1]
    P = np.concatenate([xc, xt], axis=1)
    Kt = np.exp(-0.5 * _sqdist(P, P) / ell**2)
    Kt /= Kt.sum(-1, keepdims=True)
    ind = np.concatenate([np.ones((B, n)), np.zeros((B, m))], 1)
    val = np.concatenate([np.asarray(yc, float), np.zeros((B, m))], 1)
    h = np.stack([ind, val], -1)
    if absolute:
        h = np.concatenate([h, P], -1)
    for W in weights[:-1]:
        h = np.tanh(Kt @ h @ W)
    return (h[:, n:] @ weights[-1])[..., 0]


# -- fixed grid ----------------------------------------------------------------------------
def fixed_grid_encode(xc, yc, grid, ell: float) -> np.ndarray:
    r"""Set-convolution onto a fixed 1D grid: :math:`(h^0_j,h^1_j)=\sum_i(1,y_i)
    e^{-(u_j-x_i)^2/2\ell^2}`, shape (B, J, 2); ``xc`` (B, n), ``grid`` (J,)."""
    W = np.exp(-0.5 * (grid[None, :, None] - np.asarray(xc, float)[:, None, :]) ** 2 / ell**2)
    return np.stack([W.sum(-1), np.einsum("bjn,bn->bj", W, np.asarray(yc, float))], -1)


def _conv_same(H: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Discrete 'same' convolution along axis 1 with zero padding; w (k, C_in, C_out)."""
    k = w.shape[0]
    pad = k // 2
    Hp = np.pad(H, ((0, 0), (pad, pad), (0, 0)))
    J = H.shape[1]
    return sum(Hp[:, i:i + J] @ w[i] for i in range(k))


def fixed_grid_model(xc, yc, xt, grid, w, ell: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Encode onto the fixed grid, :math:`F=\tanh(\mathrm{conv}_w(h^0,h^1/(h^0+\delta)))`,
    then interpolate F linearly to the targets; returns (grid features (B, J, C), target
    outputs (B, m, C)).  ``grid`` is uniform with spacing h."""
    H = fixed_grid_encode(xc, yc, grid, ell)
    feats = np.stack([H[..., 0], H[..., 1] / (H[..., 0] + 1e-3)], -1)
    F = np.tanh(_conv_same(feats, w))
    h = grid[1] - grid[0]
    s = (np.asarray(xt, float) - grid[0]) / h
    j = np.clip(np.floor(s).astype(int), 0, grid.size - 2)
    frac = (s - j)[..., None]
    Fj = np.take_along_axis(F, j[..., None], axis=1)
    Fj1 = np.take_along_axis(F, (j + 1)[..., None], axis=1)
    return F, (1 - frac) * Fj + frac * Fj1
