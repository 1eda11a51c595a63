r"""Zero-shot image completion with a Lie-group-equivariant conditional model on synthetic
seven-segment digits.

Images are 16×16 with pixel centres :math:`p_{ij}=((j+\frac12)/8-1,\ 1-(i+\frac12)/8)`, so no
pixel sits at the origin.  A digit is rendered from its segments as a continuous function,
:math:`f(p)=\max_s e^{-d(p,s)^2/2w^2}` (d the distance to segment s, stroke width w); a
transformed digit is :math:`f(g^{-1}p)` with :math:`g\cdot p=e^sR_\theta p`, rendered exactly.

The completion model is one LieConv-style layer with a learned kernel of the pair encoding
:math:`a(t,x)=\log(u_t^{-1}u_x)` of :mod:`verify.symmetry.lie`, normalised by a fixed
invariant density:

.. math:: \mu(t)=\frac{\sum_i y_i\,k_\theta(a(t,x_i))}{\sum_i\rho(a(t,x_i))+\delta},\qquad
          k_\theta(a)=\sum_b\theta_b\varphi_b(a),

with Gaussian bumps :math:`\varphi_b` on a grid over the encoding space and
:math:`\rho=\varphi` summed (a smooth density).  For T(2), :math:`u_x` is the translation to x
and :math:`a=x-t`; for R×SO(2), :math:`u_x=(\log\|x\|,\arg x)` and
:math:`a=(\log\|x\|-\log\|t\|,\ \mathrm{wrap}(\arg x-\arg t))`.  μ is linear in θ, so training
on upright digits is a ridge least-squares fit (closed form); the model is exactly equivariant
to its group (about the image centre, for R×SO(2)).
"""

from __future__ import annotations

import numpy as np

from ..symmetry.lie import RxSO2, Translations, wrap

__all__ = ["SEGMENTS", "basis_features", "fit_completion", "pixel_grid", "predict_completion",
           "render_digits"]

_SEG = {  # endpoints in the box x in [-0.35, 0.35], y in [-0.6, 0.6]
    "a": ((-0.35, 0.6), (0.35, 0.6)), "b": ((0.35, 0.6), (0.35, 0.0)),
    "c": ((0.35, 0.0), (0.35, -0.6)), "d": ((-0.35, -0.6), (0.35, -0.6)),
    "e": ((-0.35, -0.6), (-0.35, 0.0)), "f": ((-0.35, 0.0), (-0.35, 0.6)),
    "g": ((-0.35, 0.0), (0.35, 0.0)),
}
#: digit -> lit segments (the usual seven-segment code)
SEGMENTS = {0: "abcdef", 1: "bc", 2: "abged", 3: "abgcd", 4: "fgbc", 5: "afgcd", 6: "afgedc",
            7: "abc", 8: "abcdefg", 9: "abcdfg"}


def pixel_grid(n: int = 16) -> np.ndarray:
    """Pixel centres, row-major, shape (n*n, 2), in [-1, 1]^2 (none at the origin)."""
    c = (np.arange(n) + 0.5) / (n / 2) - 1
    X, Y = np.meshgrid(c, -c)
    return np.column_stack([X.ravel(), Y.ravel()])


def _seg_dist(p, a, b):
    a, b = np.asarray(a), np.asarray(b)
    ab = b - a
    t = np.clip(((p - a) @ ab) / (ab @ ab), 0, 1)
    return np.linalg.norm(p - (a + t[:, None] * ab), axis=1)


def render_digits(digits, widths, g=None, n: int = 16) -> np.ndarray:
    r"""Images (N, n*n) of the digits with stroke widths, transformed by
    :math:`g=(s,\theta)` of R×SO(2) per image (None: upright): pixel value :math:`f(g^{-1}p)`."""
    P = pixel_grid(n)
    G = RxSO2()
    out = np.empty((len(digits), P.shape[0]))
    for k, (dig, w) in enumerate(zip(digits, widths)):
        q = P if g is None else G.act(G.inverse(np.asarray(g[k], float)[None]), P)
        d = np.min([_seg_dist(q, *_SEG[s]) for s in SEGMENTS[int(dig)]], axis=0)
        out[k] = np.exp(-0.5 * (d / w) ** 2)
    return out


def _encode(group: str, t, x):
    """Pair encodings a(t_j, x_i), shape (m, n, 2)."""
    if group == "T2":
        T = Translations(2)
        return T.pair_log(t[:, None, :], x[None, :, :])
    G = RxSO2()
    ut = np.column_stack([np.log(np.linalg.norm(t, axis=1)), np.arctan2(t[:, 1], t[:, 0])])
    ux = np.column_stack([np.log(np.linalg.norm(x, axis=1)), np.arctan2(x[:, 1], x[:, 0])])
    return G.pair_log(ut[:, None, :], ux[None, :, :])


def _centres(group: str):
    """Per-axis bump centres and widths of the separable basis, and which axis is an angle."""
    if group == "T2":
        c = np.linspace(-0.5, 0.5, 9)
        return (c, c), (0.09, 0.09), None
    return ((np.linspace(-0.8, 0.8, 9), np.linspace(-np.pi, np.pi, 16, endpoint=False)),
            (0.14, 0.28), 1)


def basis_features(group: str, t, xc, yc, delta: float = 1e-2) -> np.ndarray:
    r"""Features :math:`F_{jb}=\sum_iy_i\varphi_b(a_{ji})/(\sum_i\rho(a_{ji})+\delta)` (m, B),
    with separable bumps :math:`\varphi_{(k,l)}(a)=e^{-(a_1-c_k)^2/2w_1^2}e^{-(a_2-c_l)^2/2w_2^2}`
    and :math:`\rho=\frac1B\sum_b\varphi_b`."""
    a = _encode(group, t, xc)
    (c1, c2), (w1, w2), ang = _centres(group)
    d1 = a[:, :, 0, None] - c1
    d2 = a[:, :, 1, None] - c2
    if ang is not None:
        d2 = wrap(d2)
    p1, p2 = np.exp(-0.5 * (d1 / w1) ** 2), np.exp(-0.5 * (d2 / w2) ** 2)  # (m, n, k)
    dens = (p1.sum(2) * p2.sum(2)).sum(1) / (c1.size * c2.size)
    F = np.matmul(np.swapaxes(p1 * yc[None, :, None], 1, 2), p2).reshape(t.shape[0], -1)
    return F / (dens + delta)[:, None]


def fit_completion(group: str, images, masks, ridge: float = 1e-3) -> np.ndarray:
    """Ridge least squares for θ on training images (N, P) with context masks (N, P)."""
    P = pixel_grid(round(np.sqrt(images.shape[1])))
    A, b = None, None
    for img, m in zip(images, masks):
        F = basis_features(group, P, P[m], img[m])
        A = F.T @ F if A is None else A + F.T @ F
        b = F.T @ img if b is None else b + F.T @ img
    return np.linalg.solve(A + ridge * np.trace(A) / A.shape[0] * np.eye(A.shape[0]), b)


def predict_completion(group: str, theta, img, mask) -> np.ndarray:
    """Predicted image (P,) from the context pixels ``mask``."""
    P = pixel_grid(round(np.sqrt(img.size)))
    return basis_features(group, P, P[mask], img[mask]) @ theta
