r"""Conditional neural processes in numpy with hand-written backprop: a CNP and a ConvCNP-style
T(1)-EquivCNP, both heteroscedastic Gaussian, trained with Adam on GP tasks.

* **CNP** (Garnelo et al. 2018): :math:`r=\frac1{n_c}\sum_i\mathrm{MLP}_e(x_i,y_i)`,
  :math:`(\mu,z)=\mathrm{MLP}_d(r,x_t)`, :math:`\sigma^2=\sigma^2_{\min}+\mathrm{softplus}(z)`.
  It sees absolute coordinates, so nothing ties its predictions on shifted windows to the
  training range.
* **ConvCNP / EquivCNP with T(1)** (Gordon et al. 2020; Kawano et al. 2021): a set-convolution
  onto a grid :math:`u_j=c+(j-\frac{J-1}2)h` anchored at the context mean c,
  :math:`(h^0_j,h^1_j)=\sum_i(1,y_i)e^{-(u_j-x_i)^2/2\ell_e^2}`, features
  :math:`(h^0,h^1/(h^0+\delta))`, a 1D CNN (ReLU, 'same' zero padding), and a set-convolution
  back, :math:`O(t)=\sum_je^{-(t-u_j)^2/2\ell_d^2}F_j`, giving :math:`\mu=O_0`,
  :math:`\sigma^2=\sigma^2_{\min}+\mathrm{softplus}(O_1)`; the length scales are learned (as
  logs).  Because the grid moves with the context, :math:`M(Z+a)(t+a)=M(Z)(t)` holds exactly
  for every real a (up to float64 round-off); ``absolute=True`` appends the grid coordinate
  :math:`u_j` as a channel, which breaks it (a planted error).

Loss: the negative mean over tasks of the per-target Gaussian log-likelihood
:math:`\frac1{n_t}\sum_t\log N(y_t\mid\mu_t,\sigma^2_t)`.  Parameters are dicts of float64
arrays; :func:`loss_and_grad` returns the loss and a dict of gradients of the same shapes.
"""

from __future__ import annotations

import itertools

import numpy as np

from .gp import TaskBatch, batch_tasks, sample_tasks

__all__ = ["Adam", "cnp_forward", "convcnp_forward", "init_cnp", "init_convcnp",
           "log_likelihoods", "loss_and_grad", "predict", "train"]

LOG2PI = float(np.log(2 * np.pi))
VAR_MIN = 1e-4
DELTA = 1e-3


def _softplus(z):
    return np.logaddexp(0.0, z)


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def _glorot(rng, fan_in, shape):
    return rng.uniform(-1, 1, size=shape) * np.sqrt(3.0 / fan_in)


# -- Gaussian head -----------------------------------------------------------------------------
def _head(O, b: TaskBatch):
    """Per-task log-likelihoods and dL/dO of L = -mean_tasks ll (O (B, Nt, 2))."""
    mu, z = O[..., 0], O[..., 1]
    v = VAR_MIN + _softplus(z)
    r = b.yt - mu
    n = b.mt.sum(1)
    ll_pt = -0.5 * (LOG2PI + np.log(v) + r * r / v)
    ll = (ll_pt * b.mt).sum(1) / n
    w = b.mt / (n[:, None] * len(n))
    dmu = -w * r / v
    dv = w * 0.5 * (1 / v - r * r / (v * v))
    return ll, np.stack([dmu, dv * _sigmoid(z)], -1), mu, v


# -- CNP ---------------------------------------------------------------------------------------
def init_cnp(rng: np.random.Generator, width: int = 64) -> dict:
    """CNP weights: encoder 2 -> H -> H, decoder H + 1 -> H -> H -> 2."""
    sizes = {"e": [2, width, width], "d": [width + 1, width, width, 2]}
    p = {}
    for part, s in sizes.items():
        for i, (a, c) in enumerate(itertools.pairwise(s)):
            p[f"{part}W{i}"], p[f"{part}b{i}"] = _glorot(rng, a, (a, c)), np.zeros(c)
    return p


def _mlp(p, part, x, n_layers):
    acts = [x]
    for i in range(n_layers):
        x = x @ p[f"{part}W{i}"] + p[f"{part}b{i}"]
        if i < n_layers - 1:
            x = np.maximum(x, 0.0)
        acts.append(x)
    return acts


def _mlp_back(p, part, acts, dout, n_layers, g):
    d = dout
    for i in reversed(range(n_layers)):
        if i < n_layers - 1:
            d = d * (acts[i + 1] > 0)
        a = acts[i]
        g[f"{part}W{i}"] = a.reshape(-1, a.shape[-1]).T @ d.reshape(-1, d.shape[-1])
        g[f"{part}b{i}"] = d.reshape(-1, d.shape[-1]).sum(0)
        d = d @ p[f"{part}W{i}"].T
    return d


def cnp_forward(p: dict, b: TaskBatch, grad: bool = False):
    """(per-task ll, mean, variance[, gradients]) of the CNP on a padded batch."""
    ne, nd = 2, 3
    ea = _mlp(p, "e", np.stack([b.xc, b.yc], -1), ne)
    nc = b.mc.sum(1, keepdims=True)
    r = (ea[-1] * b.mc[..., None]).sum(1) / nc
    Nt = b.xt.shape[1]
    din = np.concatenate([np.broadcast_to(r[:, None], (len(b), Nt, r.shape[1])),
                          b.xt[..., None]], -1)
    da = _mlp(p, "d", din, nd)
    ll, dO, mu, v = _head(da[-1], b)
    if not grad:
        return ll, mu, v
    g = {}
    ddin = _mlp_back(p, "d", da, dO, nd, g)
    dr = ddin[..., :-1].sum(1)
    de = (dr / nc)[:, None, :] * b.mc[..., None]
    _mlp_back(p, "e", ea, de, ne, g)
    return ll, mu, v, g


# -- ConvCNP -----------------------------------------------------------------------------------
def init_convcnp(rng: np.random.Generator, channels: int = 16, layers: int = 4,
                 kernel: int = 9, h: float = 0.125, ell: float = 0.25,
                 absolute: bool = False) -> dict:
    """ConvCNP weights: conv layers (k, C_in, C_out) 2 -> C -> ... -> C -> 2; grid spacing h
    (``"h"``, fixed) and initial length scales ℓ_e = ℓ_d = ``ell``."""
    cin = 3 if absolute else 2
    sizes = [cin] + [channels] * (layers - 1) + [2]
    p = {"log_ell_e": np.array(np.log(ell)), "log_ell_d": np.array(np.log(ell))}
    for i, (a, c) in enumerate(itertools.pairwise(sizes)):
        p[f"W{i}"], p[f"b{i}"] = _glorot(rng, a * kernel, (kernel, a, c)), np.zeros(c)
    p["h"] = np.array(h)
    p["absolute"] = np.array(1.0 if absolute else 0.0)
    return p


def _conv(X, W, b):
    k = W.shape[0]
    pad = k // 2
    J = X.shape[1]
    Xp = np.pad(X, ((0, 0), (pad, pad), (0, 0)))
    cols = np.stack([Xp[:, i:i + J] for i in range(k)], 2)  # (B, J, k, C)
    return cols, cols.reshape(*cols.shape[:2], -1) @ W.reshape(-1, W.shape[2]) + b


def _conv_back(cols, W, dY):
    k, C, _ = W.shape
    B, J = dY.shape[:2]
    dW = (cols.reshape(B * J, -1).T @ dY.reshape(B * J, -1)).reshape(W.shape)
    dcols = (dY @ W.reshape(-1, W.shape[2]).T).reshape(B, J, k, C)
    pad = k // 2
    dXp = np.zeros((B, J + 2 * pad, C))
    for i in range(k):
        dXp[:, i:i + J] += dcols[:, :, i]
    return dXp[:, pad:pad + J], dW, dY.sum((0, 1))


def _n_layers(p):
    return sum(1 for k in p if k.startswith("W"))


def convcnp_forward(p: dict, b: TaskBatch, half_width: float = 5.0, grad: bool = False):
    """(per-task ll, mean, variance[, gradients]) of the ConvCNP; the grid spans
    ``half_width`` on each side of the context mean."""
    h = float(p["h"])
    J = 2 * int(np.ceil(half_width / h)) + 1
    c = (b.xc * b.mc).sum(1) / b.mc.sum(1)
    offs = (np.arange(J) - (J - 1) / 2) * h
    u = c[:, None] + offs[None, :]
    le, ld = np.exp(p["log_ell_e"]), np.exp(p["log_ell_d"])
    D2 = (u[:, :, None] - b.xc[:, None, :]) ** 2
    We = np.exp(-0.5 * D2 / le**2) * b.mc[:, None, :]
    h0, h1 = We.sum(-1), np.einsum("bjn,bn->bj", We, b.yc)
    den = h0 + DELTA
    feats = [h0, h1 / den] + ([np.broadcast_to(u, h0.shape)] if p["absolute"] > 0 else [])
    X = np.stack(feats, -1)
    L = _n_layers(p)
    cache = []
    for i in range(L):
        cols, Y = _conv(X, p[f"W{i}"], p[f"b{i}"])
        cache.append((cols, Y))
        X = np.maximum(Y, 0.0) if i < L - 1 else Y
    Dt2 = (b.xt[:, :, None] - u[:, None, :]) ** 2
    Wd = np.exp(-0.5 * Dt2 / ld**2)
    O = Wd @ X
    ll, dO, mu, v = _head(O, b)
    if not grad:
        return ll, mu, v
    g = {"h": np.zeros(()), "absolute": np.zeros(())}
    dWd = dO @ np.swapaxes(X, 1, 2)
    g["log_ell_d"] = np.array(np.sum(dWd * Wd * Dt2) / ld**2)
    dX = np.swapaxes(Wd, 1, 2) @ dO
    for i in reversed(range(L)):
        cols, Y = cache[i]
        if i < L - 1:
            dX = dX * (Y > 0)
        dX, g[f"W{i}"], g[f"b{i}"] = _conv_back(cols, p[f"W{i}"], dX)
    dh0 = dX[..., 0] - dX[..., 1] * h1 / den**2
    dh1 = dX[..., 1] / den
    dWe = dh0[:, :, None] + dh1[:, :, None] * b.yc[:, None, :]
    g["log_ell_e"] = np.array(np.sum(dWe * We * D2) / le**2)
    return ll, mu, v, g


def _forward(model: str):
    return {"cnp": cnp_forward, "convcnp": convcnp_forward}[model]


def loss_and_grad(model: str, p: dict, b: TaskBatch, **kw):
    """:math:`L=-\\frac1B\\sum_b ll_b` and its gradient dict."""
    ll, _, _, g = _forward(model)(p, b, grad=True, **kw)
    return -float(ll.mean()), g


def log_likelihoods(model: str, p: dict, tasks, chunk: int = 64, **kw) -> np.ndarray:
    """Per-task mean log-likelihood of the targets, one entry per task."""
    return np.concatenate([_forward(model)(p, batch_tasks(tasks[i:i + chunk]), **kw)[0]
                           for i in range(0, len(tasks), chunk)])


def predict(model: str, p: dict, task, **kw) -> tuple[np.ndarray, np.ndarray]:
    """Predictive mean and variance at one task's targets."""
    _, mu, v = _forward(model)(p, batch_tasks([task]), **kw)
    return mu[0], v[0]


class Adam:
    """Adam (Kingma & Ba 2015) on a dict of arrays; keys listed in ``frozen`` are not updated."""

    def __init__(self, params: dict, lr: float = 1e-3, b1=0.9, b2=0.999, eps=1e-8,
                 frozen=("h", "absolute")):
        self.lr, self.b1, self.b2, self.eps, self.t = lr, b1, b2, eps, 0
        self.frozen = set(frozen)
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params: dict, grads: dict, lr: float | None = None) -> None:
        self.t += 1
        lr = self.lr if lr is None else lr
        for k, gk in grads.items():
            if k in self.frozen:
                continue
            self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * gk
            self.v[k] = self.b2 * self.v[k] + (1 - self.b2) * gk * gk
            mh = self.m[k] / (1 - self.b1**self.t)
            vh = self.v[k] / (1 - self.b2**self.t)
            params[k] = params[k] - lr * mh / (np.sqrt(vh) + self.eps)


def train(model: str, p: dict, rng: np.random.Generator, kernel: str = "rbf",
          steps: int = 2000, batch: int = 16, lr: float = 1e-3, noise: float = 0.05,
          low: float = -2.0, high: float = 2.0, clip: float = 1.0) -> tuple[dict, np.ndarray]:
    """Adam on fresh GP tasks each step (on [low, high)); cosine-decayed learning rate;
    gradients rescaled to global norm at most ``clip``.  Returns the trained parameters and
    the loss curve."""
    opt = Adam(p, lr)
    losses = np.empty(steps)
    for s in range(steps):
        b = batch_tasks(sample_tasks(rng, kernel, batch, low, high, noise))
        loss, g = loss_and_grad(model, p, b)
        gn = np.sqrt(sum(float(np.sum(v * v)) for v in g.values()))
        if gn > clip:
            g = {k: v * (clip / gn) for k, v in g.items()}
        opt.step(p, g, lr * 0.5 * (1 + np.cos(np.pi * s / steps)))
        losses[s] = loss
    return p, losses
