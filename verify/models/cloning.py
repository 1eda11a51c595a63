r"""Teachers and students for symmetry cloning (Huang et al., arXiv:2410.03989).

Teachers (exactly equivariant, batch first):

* circular convolution on :math:`\mathbb Z_n`, :math:`(k*x)_i=\sum_jk_jx_{i-j}`
  (:func:`circulant`), equivariant under cyclic shifts;
* the tanh group-convolution net :math:`\Gamma(x)=C_2\tanh(C_1x)` (:func:`gcnn_teacher`);
* a DeepSets layer on sets of n vectors, :math:`X\mapsto XA+\mathbf 1\bar x^\top B`
  (:func:`deepsets_teacher`), equivariant under permutations of the set;
* a C4 layer on n × n images, circular cross-correlation with a kernel averaged over the four
  quarter turns (:func:`c4_teacher`), equivariant under ``np.rot90``.

Students:

* linear, min-norm least squares :math:`W=X^+Y` (:func:`min_norm_linear`);
* bilinear, :math:`h(x,\tau)_i=\sum_{jk}T_{ijk}x_j\tau_k` fitted by min-norm least squares on
  the design :math:`x\otimes\tau` (:func:`fit_bilinear`); the convolution tensor is
  :math:`T_{ijk}=[i\equiv j+k]` (:func:`conv_tensor`);
* a one-hidden-layer tanh MLP :math:`W_2\tanh(W_1x+b_1)+b_2` trained by Adam on the mean
  squared error, optionally with the penalty :math:`\lambda\|\theta-\theta_{\rm anchor}\|^2`
  toward a clone (:func:`fit_mlp`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .nets import Adam

__all__ = [
    "MLP",
    "bilinear_apply",
    "c4_teacher",
    "circulant",
    "conv_tensor",
    "deepsets_teacher",
    "fit_bilinear",
    "fit_mlp",
    "gcnn_teacher",
    "init_mlp",
    "min_norm_linear",
    "mlp_forward",
    "mlp_grad",
    "mse",
    "orthogonal_circulant",
]


# -- teachers ------------------------------------------------------------------------------------
def circulant(kernel: np.ndarray) -> np.ndarray:
    r"""The matrix :math:`C_{ij}=k_{(i-j)\bmod n}` of circular convolution with ``kernel``."""
    k = np.asarray(kernel, dtype=np.float64)
    n = k.size
    return k[(np.arange(n)[:, None] - np.arange(n)[None, :]) % n]


def orthogonal_circulant(n: int, rng: np.random.Generator) -> np.ndarray:
    r"""A random orthogonal circulant: the kernel's DFT is normalised to unit modulus,
    :math:`\hat k\leftarrow\hat k/|\hat k|` (a real kernel keeps Hermitian symmetry)."""
    kh = np.fft.fft(rng.normal(size=n))
    return circulant(np.real(np.fft.ifft(kh / np.abs(kh))))


def gcnn_teacher(k1: np.ndarray, k2: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    r""":math:`\Gamma(x)=C_2\tanh(C_1x)` on rows, :math:`C_i` the circulants of the kernels."""
    C1t, C2t = circulant(k1).T, circulant(k2).T
    return lambda X: np.tanh(np.asarray(X, dtype=np.float64) @ C1t) @ C2t


def deepsets_teacher(A: np.ndarray, B: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    r"""DeepSets layer on sets X of shape (batch, n, c):
    :math:`X\mapsto XA+\frac1n\mathbf 1\mathbf 1^\top XB` (permutations of the n rows)."""
    A, B = np.asarray(A, float), np.asarray(B, float)
    return lambda X: X @ A + np.mean(X, axis=1, keepdims=True) @ B


def c4_teacher(kernel: np.ndarray, bias: float = 0.0) -> Callable[[np.ndarray], np.ndarray]:
    r"""C4 layer on images (batch, n, n): :math:`\tanh(K_{\rm sym}\star x+b)`, circular
    cross-correlation :math:`(K\star x)_p=\sum_{q\in\{-1,0,1\}^2}K_qx_{p+q}` with the 3 × 3
    kernel :math:`K_{\rm sym}=\frac14\sum_{r=0}^3\mathrm{rot90}^r(K)`."""
    K = np.asarray(kernel, dtype=np.float64)
    Ks = sum(np.rot90(K, r) for r in range(4)) / 4

    def layer(X):
        X = np.asarray(X, dtype=np.float64)
        out = np.zeros_like(X)
        for a in (-1, 0, 1):
            for b in (-1, 0, 1):
                out += Ks[a + 1, b + 1] * np.roll(X, (-a, -b), axis=(1, 2))
        return np.tanh(out + bias)

    return layer


# -- linear and bilinear students ----------------------------------------------------------------
def min_norm_linear(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    r"""Min-norm least squares W (d × k) with :math:`XW\approx Y`: :math:`W=X^+Y` (SVD)."""
    return np.linalg.lstsq(np.asarray(X, float), np.asarray(Y, float), rcond=None)[0]


def conv_tensor(n: int) -> np.ndarray:
    r""":math:`T_{ijk}=[i\equiv j+k\ (\mathrm{mod}\ n)]`, so
    :math:`\sum_{jk}T_{ijk}x_j\tau_k=(\tau*x)_i`."""
    i, j, k = np.meshgrid(*(np.arange(n),) * 3, indexing="ij")
    return ((j + k) % n == i).astype(np.float64)


def bilinear_apply(T: np.ndarray, x: np.ndarray, tau: np.ndarray) -> np.ndarray:
    r""":math:`h(x,\tau)_i=\sum_{jk}T_{ijk}x_j\tau_k` for rows x, τ of shape (batch, n)."""
    return np.einsum("ijk,bj,bk->bi", T, x, tau)


def fit_bilinear(x: np.ndarray, tau: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, int]:
    r"""Min-norm least-squares T from pairs: rows :math:`z_s=x_s\otimes\tau_s` (N × n²),
    :math:`T_{i\cdot\cdot}=Z^+Y_{\cdot i}`; returns (T, numerical rank of Z)."""
    N, n = x.shape
    Z = np.einsum("bj,bk->bjk", x, tau).reshape(N, n * n)
    sol, _, rank, _ = np.linalg.lstsq(Z, Y, rcond=None)  # (n^2, n)
    return sol.T.reshape(n, n, n), int(rank)


# -- tanh MLP ------------------------------------------------------------------------------------
class MLP:
    r"""One hidden layer: :math:`f(x)=W_2\tanh(W_1x+b_1)+b_2` on rows.  The parameters live in
    one flat vector ``theta``; ``W1, b1, W2, b2`` are views into it."""

    def __init__(self, theta: np.ndarray, sizes: tuple[int, int, int]):
        d, h, k = sizes
        self.sizes, self.theta = tuple(sizes), theta
        shapes = [(h, d), (h,), (k, h), (k,)]
        offs = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
        self.W1, self.b1, self.W2, self.b2 = (theta[a:b].reshape(s) for a, b, s in
                                              zip(offs[:-1], offs[1:], shapes))

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return mlp_forward(self, X)[0]

    def copy(self) -> MLP:
        return MLP(self.theta.copy(), self.sizes)


def init_mlp(sizes, rng: np.random.Generator) -> MLP:
    """Sizes (d, h, k); :math:`W\\sim U(\\pm1/\\sqrt{\\rm fan_{in}})`, biases 0."""
    if len(sizes) != 3 or min(sizes) < 1:
        raise ValueError(f"a one-hidden-layer MLP needs sizes (d, h, k) >= 1, got {sizes}")
    d, h, k = (int(s) for s in sizes)
    parts = [rng.uniform(-1, 1, (h, d)) / np.sqrt(d), np.zeros(h),
             rng.uniform(-1, 1, (k, h)) / np.sqrt(h), np.zeros(k)]
    return MLP(np.concatenate([p.ravel() for p in parts]), (d, h, k))


def mlp_forward(net: MLP, X: np.ndarray):
    """Outputs and the hidden activations :math:`a=\\tanh(W_1x+b_1)`."""
    a = np.tanh(np.asarray(X, dtype=np.float64) @ net.W1.T + net.b1)
    return a @ net.W2.T + net.b2, a


def mlp_grad(net: MLP, X: np.ndarray, a: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """Flat gradient of a loss with :math:`\\partial\\mathcal L/\\partial f=` ``dout``
    (backprop through :math:`\\tanh'=1-a^2`)."""
    da = (dout @ net.W2) * (1 - a * a)
    return np.concatenate([(da.T @ X).ravel(), da.sum(axis=0), (dout.T @ a).ravel(),
                           dout.sum(axis=0)])


def mse(net: MLP, X: np.ndarray, Y: np.ndarray) -> float:
    """:math:`\\frac1B\\sum_b\\|f(x_b)-y_b\\|^2`."""
    return float(np.mean(np.sum((net(X) - Y) ** 2, axis=1)))


def fit_mlp(net: MLP, X: np.ndarray, Y: np.ndarray, rng: np.random.Generator, steps: int,
            lr: float = 3e-3, batch: int = 128, anchor: np.ndarray | None = None,
            lam: float = 0.0, every: int = 0,
            probe: Callable[[MLP], float] | None = None) -> tuple[MLP, list[tuple[int, float]]]:
    r"""Adam on :math:`\frac1B\sum_b\|f(x_b)-y_b\|^2+\lambda\|\theta-\theta_{\rm anchor}\|^2`
    with minibatches drawn with replacement and a cosine learning-rate decay to 0.

    Returns the trained copy and ``[(step, probe(net))]`` every ``every`` steps (and at the
    end) when a probe is given."""
    net = net.copy()
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    B = min(batch, len(X))
    opt = Adam(net.theta.size, lr=lambda t: 0.5 * lr * (1 + np.cos(np.pi * t / steps)))
    trace = []
    for t in range(steps):
        if probe is not None and every and t % every == 0:
            trace.append((t, probe(net)))
        idx = rng.integers(0, len(X), size=B)
        out, a = mlp_forward(net, X[idx])
        g = mlp_grad(net, X[idx], a, 2 * (out - Y[idx]) / B)
        if lam and anchor is not None:
            g += 2 * lam * (net.theta - anchor)
        opt.step(net.theta, g)
    if probe is not None:
        trace.append((steps, probe(net)))
    return net, trace
