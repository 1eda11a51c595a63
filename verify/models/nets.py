r"""Small numpy ReLU networks with hand-written backprop (float64, no deep-learning framework).

Two architectures share one representation, :class:`Net`:

* **MLP**: :math:`f_\theta(x)=W_L\sigma(\cdots\sigma(W_1x+b_1)\cdots)+b_L`, any depth;
* **CNN**: [3×3 conv (symmetric zero padding) → ReLU → 2×2 average pooling] × k, then dense
  layers; kernels are NHWC, shape ``(3, 3, C_in, C_out)``; the first dense layer reads the
  pooled maps flattened row-major as ``(h, w, c)``.

Dense weights are stored ``(out, in)`` (so :math:`z=Wh+b`), inputs are rows.  Images are passed
flattened, ``(N, H*W*C)``, and reshaped inside; the same pixel index therefore flips MLP and CNN
inputs.  Training is SGD with momentum, weight decay and a linear learning-rate schedule with an
optional warm-up; every random draw comes from a passed ``numpy.random.Generator``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

__all__ = ["HE", "Adam", "Net", "backward", "cross_entropy", "evaluate", "forward", "init_cnn",
           "init_mlp", "loss_and_grad", "lr_at", "preactivations", "predict", "train"]


@dataclass
class Net:
    """A ReLU network: ``layers[l]`` is ``"conv"`` or ``"dense"``; ``params`` is
    :math:`[W_1,b_1,\\dots,W_L,b_L]`; ``image`` is the input shape (H, W, C) of a CNN, None for
    an MLP.  Conv layers are followed by ReLU and 2×2 average pooling; dense layers by ReLU,
    except the last (the logits)."""

    layers: tuple[str, ...]
    params: list[np.ndarray]
    image: tuple[int, int, int] | None = None

    @property
    def depth(self) -> int:
        """Number of layers L (hidden layers: L − 1)."""
        return len(self.layers)

    def W(self, l: int) -> np.ndarray:
        return self.params[2 * l]

    def b(self, l: int) -> np.ndarray:
        return self.params[2 * l + 1]

    def widths(self) -> list[int]:
        """Units (dense) or channels (conv) of each hidden layer."""
        return [self.b(l).size for l in range(self.depth - 1)]

    def replace(self, params: list[np.ndarray]) -> Net:
        """The same architecture with other parameters."""
        return Net(self.layers, list(params), self.image)

    def copy(self) -> Net:
        return self.replace([p.copy() for p in self.params])


def _uniform(rng: np.random.Generator, fan_in: int, shape, gain: float = 1.0) -> np.ndarray:
    bound = gain / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape)


#: ``gain`` of He (Kaiming) uniform initialisation, :math:`\mathrm{Var}\,W=2/\mathrm{fan_{in}}`.
HE = float(np.sqrt(6.0))


def init_mlp(sizes, rng: np.random.Generator, gain: float = 1.0) -> Net:
    """MLP with layer sizes ``(d, c_1, ..., c_{L-1}, k)``;
    :math:`W\\sim U(\\pm g/\\sqrt{\\rm fan_{in}})`, :math:`b\\sim U(\\pm1/\\sqrt{\\rm fan_{in}})`
    (g = 1: the common default initialisation; g = ``HE``: He uniform)."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"an MLP needs at least input and output sizes >= 1, got {sizes}")
    params = []
    for n_in, n_out in itertools.pairwise(sizes):
        params += [_uniform(rng, n_in, (n_out, n_in), gain), _uniform(rng, n_in, n_out)]
    return Net(("dense",) * (len(sizes) - 1), params)


def init_cnn(channels, rng: np.random.Generator, image=(8, 8, 1), classes: int = 10,
             hidden=(), gain: float = HE) -> Net:
    """CNN: conv 3×3 with ``channels`` (each + ReLU + avgpool 2), dense ``hidden`` + ReLU, then
    a dense layer to ``classes``; weights as :func:`init_mlp` with gain ``gain`` (default He:
    with the default g = 1 the signal shrinks through conv and pooling and training stalls)."""
    H, Wd, C = image
    channels = [int(c) for c in channels]
    if not channels or min(channels) < 1:
        raise ValueError(f"a CNN needs at least one conv layer with >= 1 channel, got {channels}")
    params, c_in = [], C
    for c in channels:
        if H % 2 or Wd % 2:
            raise ValueError(f"2x2 average pooling needs even sizes, got {H}x{Wd}")
        params += [_uniform(rng, 9 * c_in, (3, 3, c_in, c), gain), _uniform(rng, 9 * c_in, c)]
        H, Wd, c_in = H // 2, Wd // 2, c
    sizes = [H * Wd * c_in, *[int(h) for h in hidden], classes]
    for n_in, n_out in itertools.pairwise(sizes):
        params += [_uniform(rng, n_in, (n_out, n_in), gain), _uniform(rng, n_in, n_out)]
    layers = ("conv",) * len(channels) + ("dense",) * (len(sizes) - 1)
    return Net(layers, params, tuple(image))


# -- layers ---------------------------------------------------------------------------------------
def _im2col(X: np.ndarray) -> np.ndarray:
    """(N, H, W, C) → (N, H, W, 9C) patches of the zero-padded input, ordered (i, j, c)."""
    N, H, W, C = X.shape
    Xp = np.zeros((N, H + 2, W + 2, C))
    Xp[:, 1:-1, 1:-1] = X
    cols = np.empty((N, H, W, 3, 3, C))
    for i in range(3):
        for j in range(3):
            cols[:, :, :, i, j] = Xp[:, i:i + H, j:j + W]
    return cols.reshape(N, H, W, 9 * C)


def _col2im(dcols: np.ndarray, C: int) -> np.ndarray:
    """Adjoint of :func:`_im2col`: (N, H, W, 9C) → (N, H, W, C) by scatter-adding the patches."""
    N, H, W, _ = dcols.shape
    d = dcols.reshape(N, H, W, 3, 3, C)
    dXp = np.zeros((N, H + 2, W + 2, C))
    for i in range(3):
        for j in range(3):
            dXp[:, i:i + H, j:j + W] += d[:, :, :, i, j]
    return dXp[:, 1:-1, 1:-1]


def _pool(a: np.ndarray) -> np.ndarray:
    """2×2 average pooling of (N, H, W, C), H and W even."""
    return 0.25 * (a[:, 0::2, 0::2] + a[:, 1::2, 0::2] + a[:, 0::2, 1::2] + a[:, 1::2, 1::2])


def _unpool(g: np.ndarray) -> np.ndarray:
    """Adjoint of :func:`_pool`: each pooled gradient spread as g/4 over its 2×2 window."""
    N, h, w, C = g.shape
    return np.broadcast_to((0.25 * g)[:, :, None, :, None, :],
                           (N, h, 2, w, 2, C)).reshape(N, 2 * h, 2 * w, C)


def _input(net: Net, X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if net.image is not None and X.ndim == 2:
        X = X.reshape(X.shape[0], *net.image)
    return X


def forward(net: Net, X: np.ndarray, keep: bool = False):
    """Logits :math:`f_\\theta(X)`; with ``keep`` also the per-layer cache
    ``(input, pre-activation z_l)`` (conv: the im2col patches as input).

    The hidden pre-activations are ``cache[l][1]`` (conv: before pooling, NHWC)."""
    h = _input(net, X)
    cache = []
    last = net.depth - 1
    for l, kind in enumerate(net.layers):
        W, b = net.W(l), net.b(l)
        if kind == "conv":
            cols = _im2col(h)
            z = cols @ W.reshape(-1, W.shape[-1]) + b
            h = _pool(np.maximum(z, 0.0))
            if keep:
                cache.append((cols, z))
        else:
            if h.ndim > 2:
                h = h.reshape(h.shape[0], -1)
            z = h @ W.T + b
            if keep:
                cache.append((h, z))
            h = z if l == last else np.maximum(z, 0.0)
    return (h, cache) if keep else h


def predict(net: Net, X: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Logits in chunks of rows (bounded memory for the CNN's patches)."""
    X = np.asarray(X, dtype=np.float64)
    return np.concatenate([forward(net, X[i:i + chunk]) for i in range(0, len(X), chunk)])


def preactivations(net: Net, X: np.ndarray, chunk: int = 1024) -> list[np.ndarray]:
    """Hidden pre-activations :math:`z_l=W_lh_{l-1}+b_l`, l = 1..L−1 (conv: NHWC, before the
    ReLU and the pooling); the activations are :math:`h_l=\\sigma(z_l)`."""
    X = np.asarray(X, dtype=np.float64)
    parts = [forward(net, X[i:i + chunk], keep=True)[1][:-1] for i in range(0, len(X), chunk)]
    return [np.concatenate([p[l][1] for p in parts]) for l in range(net.depth - 1)]


def cross_entropy(logits: np.ndarray, y: np.ndarray):
    """Mean softmax cross-entropy :math:`-\\frac1N\\sum_i\\log\\mathrm{softmax}(z_i)_{y_i}` and its
    gradient :math:`(\\mathrm{softmax}(z)-e_y)/N`."""
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    N = len(y)
    loss = -float(logp[np.arange(N), y].mean())
    g = np.exp(logp)
    g[np.arange(N), y] -= 1.0
    return loss, g / N


def backward(net: Net, cache, dlogits: np.ndarray, skip_mask: int | None = None):
    """Gradients :math:`\\partial\\mathcal L/\\partial\\theta` by the chain rule, given
    :math:`\\partial\\mathcal L/\\partial f`.

    ``skip_mask`` is a planted error for tests: the ReLU mask :math:`\\mathbb 1[z_l>0]` of that
    hidden layer is dropped from the backward pass."""
    grads: list = [None] * len(net.params)
    g = dlogits
    last = net.depth - 1
    for l in range(last, -1, -1):
        W = net.W(l)
        inp, z = cache[l]
        if net.layers[l] == "conv":
            if l + 1 < net.depth and net.layers[l + 1] == "dense":  # un-flatten the head's input
                g = g.reshape(z.shape[0], z.shape[1] // 2, z.shape[2] // 2, z.shape[3])
            g = _unpool(g)
            if l != skip_mask:
                g = g * (z > 0)
            g2 = g.reshape(-1, W.shape[-1])
            Wm = W.reshape(-1, W.shape[-1])
            grads[2 * l] = (inp.reshape(-1, Wm.shape[0]).T @ g2).reshape(W.shape)
            grads[2 * l + 1] = g2.sum(axis=0)
            if l > 0:
                g = _col2im((g2 @ Wm.T).reshape(*z.shape[:3], -1), W.shape[2])
        else:
            if l != last and l != skip_mask:
                g = g * (z > 0)
            grads[2 * l] = g.T @ inp
            grads[2 * l + 1] = g.sum(axis=0)
            if l > 0:
                g = g @ W
    return grads


def loss_and_grad(net: Net, X: np.ndarray, y: np.ndarray, skip_mask: int | None = None):
    """Mean cross-entropy of ``net`` on (X, y) and its gradient (list like ``net.params``)."""
    logits, cache = forward(net, X, keep=True)
    loss, dlogits = cross_entropy(logits, y)
    return loss, backward(net, cache, dlogits, skip_mask)


def evaluate(net: Net, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(mean cross-entropy, error rate) on (X, y)."""
    logits = predict(net, X)
    return cross_entropy(logits, y)[0], float(np.mean(logits.argmax(axis=1) != y))


def lr_at(step: int, total: int, lr: float, warmup: int = 0) -> float:
    """Learning rate at ``step`` (0-based): linear warm-up :math:`\\eta(t+1)/T_w` over ``warmup``
    steps, then linear decay :math:`\\eta(T-t)/(T-T_w)` to 0 at ``total``."""
    if step < warmup:
        return lr * (step + 1) / warmup
    return lr * (total - step) / max(total - warmup, 1)


def train(net: Net, X: np.ndarray, y: np.ndarray, rng: np.random.Generator, epochs: int,
          lr: float = 0.05, momentum: float = 0.9, weight_decay: float = 5e-4,
          batch: int = 64, warmup: float = 0.0, flip: np.ndarray | None = None,
          p_flip: float = 0.0) -> Net:
    """SGD with momentum on the mean cross-entropy; returns the trained copy.

    :math:`v\\leftarrow\\mu v+\\nabla\\mathcal L+\\lambda\\theta`,
    :math:`\\theta\\leftarrow\\theta-\\eta_tv`
    (weight decay on every parameter), minibatches of a fresh permutation each epoch,
    :math:`\\eta_t` from :func:`lr_at` with ``warmup`` given as a fraction of all steps.  With
    ``p_flip > 0`` each example of a batch is replaced by ``x[flip]`` with probability p_flip."""
    if p_flip > 0 and flip is None:
        raise ValueError("flip augmentation needs the pixel permutation flip")
    # one flat buffer for θ (the net's tensors are views into it): the update is 4 array ops
    sizes = [p.size for p in net.params]
    theta = np.concatenate([p.ravel() for p in net.params])
    offs = np.cumsum([0] + sizes)
    net = net.replace([theta[a:b].reshape(p.shape)
                       for a, b, p in zip(offs[:-1], offs[1:], net.params)])
    X = np.asarray(X, dtype=np.float64)
    N = len(X)
    per_epoch = -(-N // batch)
    total = epochs * per_epoch
    n_warm = round(warmup * total)
    vel = np.zeros_like(theta)
    step = 0
    for _ in range(epochs):
        order = rng.permutation(N)
        for s in range(per_epoch):
            idx = order[s * batch:(s + 1) * batch]
            xb = X[idx]
            if p_flip > 0:
                m = rng.random(len(idx)) < p_flip
                xb[m] = xb[m][:, flip]
            _, grads = loss_and_grad(net, xb, y[idx])
            vel *= momentum
            vel += np.concatenate([g.ravel() for g in grads])
            vel += weight_decay * theta
            theta -= lr_at(step, total, lr, n_warm) * vel
            step += 1
    return net.copy()


class Adam:
    r"""Adam (Kingma & Ba 2015) on a flat parameter vector, updated in place.

    .. math:: m\leftarrow\beta_1m+(1-\beta_1)g,\ v\leftarrow\beta_2v+(1-\beta_2)g^2,\
              \theta\leftarrow\theta-\eta_t\,\frac{m/(1-\beta_1^t)}{\sqrt{v/(1-\beta_2^t)}+\epsilon}

    ``lr`` is η (a float, or a callable of the 0-based step for a schedule)."""

    def __init__(self, size: int, lr=1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        self.m, self.v = np.zeros(size), np.zeros(size)
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        """One update of ``theta`` (in place) with gradient ``grad``."""
        lr = self.lr(self.t) if callable(self.lr) else self.lr
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        self.m *= b1
        self.m += (1 - b1) * grad
        self.v *= b2
        self.v += (1 - b2) * grad * grad
        mhat = self.m / (1 - b1**self.t)
        vhat = self.v / (1 - b2**self.t)
        theta -= lr * mhat / (np.sqrt(vhat) + self.eps)
