r"""Classifiers for retaining or breaking a cloned symmetry: noisy shifted templates on
:math:`\mathbb Z_n`, a pooled bilinear model and a tanh MLP, trained by Adam on cross-entropy.

Data (:func:`shifted_templates`): :math:`x=S^s t_c+\sigma\xi`, :math:`S` the cyclic shift,
:math:`t_c` a template, ξ standard Gaussian.

Pooled bilinear model (:class:`PooledBilinear`): channels
:math:`z_{ci}=\sum_{jk}T_{ijk}x_j\tau_{ck}`, logits
:math:`\ell_c=\log\frac1n\sum_ie^{z_{ci}}+\beta_c`.  With T the convolution tensor the channels
are shift-equivariant and the pooled logits shift-invariant, for every τ and β.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .cloning import MLP, init_mlp, mlp_forward, mlp_grad
from .nets import Adam

__all__ = ["MLPClassifier", "PooledBilinear", "ce_grad", "fit", "shifted_templates"]


def shifted_templates(rng: np.random.Generator, templates: np.ndarray, labels: np.ndarray,
                      shifts: np.ndarray, sigma: float) -> np.ndarray:
    """Rows :math:`S^{s_b}t_{c_b}+\\sigma\\xi_b` for template indices ``labels``."""
    n = templates.shape[1]
    idx = (np.arange(n)[None, :] - np.asarray(shifts)[:, None]) % n  # (S^s t)_i = t_{i-s}
    base = np.take_along_axis(templates[labels], idx, axis=1)
    return base + sigma * rng.normal(size=base.shape)


def ce_grad(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy and its gradient :math:`(\\mathrm{softmax}(\\ell)-e_y)/B`."""
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    B = len(y)
    g = np.exp(logp)
    g[np.arange(B), y] -= 1.0
    return -float(logp[np.arange(B), y].mean()), g / B


class PooledBilinear:
    """Parameters in one flat vector ``theta`` = (T (n, n, n), tau (C, n), beta (C,)); with
    ``train_T=False`` the gradient of T is zeroed (a frozen clone)."""

    def __init__(self, T: np.ndarray, tau: np.ndarray, beta: np.ndarray, train_T: bool):
        self.n, self.C = T.shape[0], tau.shape[0]
        self.theta = np.concatenate([T.ravel(), tau.ravel(), beta.ravel()]).astype(float)
        self.train_T = train_T
        nT = T.size
        self.T = self.theta[:nT].reshape(T.shape)
        self.tau = self.theta[nT:nT + tau.size].reshape(tau.shape)
        self.beta = self.theta[nT + tau.size:]

    def _forward(self, X):
        U = np.einsum("ijk,ck->cij", self.T, self.tau)
        z = np.einsum("cij,bj->bci", U, np.asarray(X, dtype=np.float64))
        m = z.max(axis=2, keepdims=True)
        e = np.exp(z - m)
        s = e.sum(axis=2, keepdims=True)
        logits = (m + np.log(s / self.n))[..., 0] + self.beta
        return logits, e / s

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self._forward(X)[0]

    def channels(self, X: np.ndarray) -> np.ndarray:
        """:math:`z_{bci}`, the equivariant feature maps (batch, C, n)."""
        return np.einsum("ijk,ck,bj->bci", self.T, self.tau, np.asarray(X, dtype=np.float64))

    def grad(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Cross-entropy and its flat gradient (softmax pooling weights times dℓ)."""
        logits, soft = self._forward(X)
        loss, G = ce_grad(logits, y)
        dz = G[:, :, None] * soft  # (B, C, n)
        dU = np.einsum("bci,bj->cij", dz, X)
        dT = np.einsum("cij,ck->ijk", dU, self.tau) if self.train_T else np.zeros_like(self.T)
        dtau = np.einsum("cij,ijk->ck", dU, self.T)
        return loss, np.concatenate([dT.ravel(), dtau.ravel(), G.sum(axis=0)])


class MLPClassifier:
    """The tanh MLP of :mod:`.cloning` with a cross-entropy gradient; ``theta`` is shared."""

    def __init__(self, sizes, rng: np.random.Generator):
        self.net: MLP = init_mlp(sizes, rng)
        self.theta = self.net.theta

    def __call__(self, X):
        return self.net(X)

    def grad(self, X, y):
        out, a = mlp_forward(self.net, X)
        loss, G = ce_grad(out, y)
        return loss, mlp_grad(self.net, X, a, G)


def fit(model, X: np.ndarray, y: np.ndarray, rng: np.random.Generator, steps: int,
        lr: float = 1e-2, batch: int = 64,
        callback: Callable[[int], None] | None = None):
    """Adam on the model's cross-entropy (minibatches with replacement, cosine decay); the
    model is trained in place and returned."""
    opt = Adam(model.theta.size, lr=lambda t: 0.5 * lr * (1 + np.cos(np.pi * t / steps)))
    for t in range(steps):
        idx = rng.integers(0, len(X), size=min(batch, len(X)))
        _, g = model.grad(X[idx], y[idx])
        opt.step(model.theta, g)
        if callback is not None:
            callback(t)
    return model
