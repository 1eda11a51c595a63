r"""Lie groups acting on points: T(1), T(2), SO(2), SE(2) and R×SO(2).

An element is a row of real coordinates (a batch is an ``(n, p)`` array, batch first); each
class states its group law, its exponential and logarithm, its action on points and the
compact window its sampler covers.  Angles are wrapped to :math:`[-\pi,\pi)` by
:func:`wrap`; the logarithm of the rotation part is the principal one, so its branch cut is at
:math:`\theta=\pm\pi` (round trips are exact only away from it).

The pair encoding that LieConv-style layers use is :math:`a(u,v)=\log(u^{-1}v)`; it is left
invariant, :math:`a(wu,wv)=a(u,v)`, because :math:`(wu)^{-1}wv=u^{-1}v`.

References
----------
[1] M. Finzi, S. Stanton, P. Izmailov, A. G. Wilson, *Generalizing Convolutional Neural
    Networks for Equivariance to Lie Groups on Arbitrary Continuous Data*, ICML 2020 (LieConv).
[2] M. Kawano, W. Kumagai, A. Sannai, Y. Iwasawa, Y. Matsuo, *Group Equivariant Conditional
    Neural Processes*, ICLR 2021, arXiv:2102.08759.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "LIE_GROUPS",
    "SE2",
    "SO2",
    "T1",
    "T2",
    "LieGroup",
    "RxSO2",
    "Translations",
    "lie_group",
    "rotation",
    "wrap",
]

TWO_PI = 2.0 * np.pi


def wrap(theta):
    r"""Angle reduced to :math:`[-\pi,\pi)`: :math:`\theta-2\pi\lfloor(\theta+\pi)/2\pi\rfloor`."""
    return np.remainder(np.asarray(theta, dtype=np.float64) + np.pi, TWO_PI) - np.pi


def rotation(theta) -> np.ndarray:
    r"""Rotation matrices :math:`R_\theta=\begin{pmatrix}\cos\theta&-\sin\theta\\
    \sin\theta&\cos\theta\end{pmatrix}` for an array of angles (shape ``theta.shape + (2, 2)``)."""
    t = np.asarray(theta, dtype=np.float64)
    c, s = np.cos(t), np.sin(t)
    return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)


def _rot_apply(theta, x):
    r""":math:`R_\theta x` row by row (theta (n,), x (n, 2) or broadcastable)."""
    c, s = np.cos(theta), np.sin(theta)
    return np.stack([c * x[..., 0] - s * x[..., 1], s * x[..., 0] + c * x[..., 1]], -1)


class LieGroup:
    """Common interface (coordinates of elements are rows; see each subclass for the law).

    Attributes
    ----------
    name : str
    dim : int
        Dimension of the group (= of its Lie algebra and of :meth:`log`'s output).
    space_dim : int
        Dimension of the points it acts on.
    window : dict
        The compact window :meth:`sample` is uniform (Haar) on.
    """

    name = ""
    dim = 0
    space_dim = 0

    def __init__(self, **window):
        self.window = {**self.default_window(), **window}

    @classmethod
    def default_window(cls) -> dict:
        return {}

    # -- the group law (overridden) ----------------------------------------------------------
    def identity(self, n: int = 1) -> np.ndarray:
        return np.zeros((n, self.dim))

    def compose(self, u, v) -> np.ndarray:
        raise NotImplementedError

    def inverse(self, u) -> np.ndarray:
        raise NotImplementedError

    def exp(self, a) -> np.ndarray:
        raise NotImplementedError

    def log(self, u) -> np.ndarray:
        raise NotImplementedError

    def act(self, u, x) -> np.ndarray:
        """The action :math:`u\\cdot x` on points (rows of ``x``; u broadcasts against them)."""
        raise NotImplementedError

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` elements, uniform on :attr:`window` (Haar measure restricted to it)."""
        raise NotImplementedError

    def near_cut(self, u, margin: float) -> np.ndarray:
        """Which elements lie within ``margin`` of the logarithm's branch cut (none here)."""
        return np.zeros(np.asarray(u).shape[0], dtype=bool)

    # -- derived -----------------------------------------------------------------------------
    def pair_log(self, u, v) -> np.ndarray:
        r"""The LieConv pair encoding :math:`a(u,v)=\log(u^{-1}v)` (rows of u and v broadcast)."""
        return self.log(self.compose(self.inverse(u), v))

    def equal(self, u, v) -> np.ndarray:
        """Coordinate difference of two batches with angles compared modulo 2π (max-abs per row)."""
        d = np.asarray(u, float) - np.asarray(v, float)
        for j in getattr(self, "angle_axes", ()):
            d[..., j] = wrap(d[..., j])
        return np.abs(d).max(axis=-1)

    def __repr__(self) -> str:
        w = ", ".join(f"{k}={v:g}" for k, v in self.window.items())
        return f"{self.name}({w})"


class Translations(LieGroup):
    r"""The translations :math:`T(d)` of :math:`\mathbb R^d`.

    Group law :math:`u\cdot v=u+v`, :math:`u^{-1}=-u`, identity 0; :math:`\exp a=a`,
    :math:`\log u=u` (no branch cut); action :math:`u\cdot x=x+u`.  Haar measure: Lebesgue;
    :meth:`sample` is uniform on the box :math:`[-L,L]^d`, ``L = window["half_width"]``.
    """

    def __init__(self, d: int, **window):
        self.dim = self.space_dim = d
        self.name = f"T({d})"
        super().__init__(**window)

    @classmethod
    def default_window(cls) -> dict:
        return {"half_width": 4.0}

    def compose(self, u, v):
        return np.asarray(u, float) + np.asarray(v, float)

    def inverse(self, u):
        return -np.asarray(u, float)

    def exp(self, a):
        return np.array(a, dtype=float)

    def log(self, u):
        return np.array(u, dtype=float)

    def act(self, u, x):
        return np.asarray(x, float) + np.asarray(u, float)

    def sample(self, n, rng):
        L = self.window["half_width"]
        return rng.uniform(-L, L, size=(n, self.dim))


def T1(**window) -> Translations:
    """T(1), translations of the line (see :class:`Translations`)."""
    return Translations(1, **window)


def T2(**window) -> Translations:
    """T(2), translations of the plane (see :class:`Translations`)."""
    return Translations(2, **window)


class SO2(LieGroup):
    r"""Rotations of the plane, coordinate :math:`\theta\in[-\pi,\pi)`.

    Group law :math:`\theta_1\cdot\theta_2=\mathrm{wrap}(\theta_1+\theta_2)`,
    :math:`\theta^{-1}=\mathrm{wrap}(-\theta)`; :math:`\exp a=\mathrm{wrap}(a)`,
    :math:`\log\theta=\theta` (principal; branch cut at :math:`\pm\pi`); action
    :math:`\theta\cdot x=R_\theta x`.  Haar measure :math:`d\theta/2\pi` on the whole (compact)
    group: :meth:`sample` is uniform on :math:`[-\pi,\pi)`.
    """

    name, dim, space_dim = "SO(2)", 1, 2
    angle_axes = (0,)

    def compose(self, u, v):
        return wrap(np.asarray(u, float) + np.asarray(v, float))

    def inverse(self, u):
        return wrap(-np.asarray(u, float))

    def exp(self, a):
        return wrap(a)

    def log(self, u):
        return wrap(u)

    def act(self, u, x):
        return _rot_apply(np.asarray(u, float)[..., 0], np.asarray(x, float))

    def sample(self, n, rng):
        return rng.uniform(-np.pi, np.pi, size=(n, 1))

    def near_cut(self, u, margin):
        return np.abs(wrap(np.asarray(u, float)[:, 0])) > np.pi - margin


def _v_matrix_apply(w, t, inverse=False):
    r""":math:`V(\omega)t` or :math:`V(\omega)^{-1}t` with
    :math:`V(\omega)=\frac1\omega\begin{pmatrix}\sin\omega&-(1-\cos\omega)\\1-\cos\omega&\sin\omega
    \end{pmatrix}` (:math:`V(0)=I`; series below :math:`|\omega|<10^{-4}`)."""
    w = np.asarray(w, float)
    small = np.abs(w) < 1e-4
    ws = np.where(small, 1.0, w)
    a = np.where(small, 1 - w**2 / 6, np.sin(ws) / ws)          # sin w / w
    b = np.where(small, w / 2 - w**3 / 24, (1 - np.cos(ws)) / ws)  # (1 - cos w) / w
    if inverse:  # V^{-1} = [[a, b], [-b, a]] / (a^2 + b^2)
        den = a * a + b * b
        a, b = a / den, -b / den
    return np.stack([a * t[..., 0] - b * t[..., 1], b * t[..., 0] + a * t[..., 1]], -1)


class SE2(LieGroup):
    r"""Rigid motions of the plane, coordinates :math:`(\theta,t_1,t_2)`, :math:`g\cdot x=
    R_\theta x+t`.

    Group law :math:`(\theta_1,t_1)(\theta_2,t_2)=(\mathrm{wrap}(\theta_1+\theta_2),
    t_1+R_{\theta_1}t_2)`, :math:`(\theta,t)^{-1}=(-\theta,-R_{-\theta}t)`.  Exponential of the
    algebra element :math:`(\omega,v)`: :math:`(\mathrm{wrap}\,\omega, V(\omega)v)` with
    :math:`V(\omega)=\omega^{-1}\bigl(\begin{smallmatrix}\sin\omega&\cos\omega-1\\
    1-\cos\omega&\sin\omega\end{smallmatrix}\bigr)`; logarithm :math:`(\theta,V(\theta)^{-1}t)`
    (principal, branch cut at :math:`\theta=\pm\pi`).  SE(2) is unimodular, Haar measure
    :math:`d\theta\,dt`; :meth:`sample` is uniform on :math:`[-\pi,\pi)\times[-L,L]^2`.
    """

    name, dim, space_dim = "SE(2)", 3, 2
    angle_axes = (0,)

    def __init__(self, log_sign: float = 1.0, **window):
        self.log_sign = log_sign  # -1 plants a sign flip of the angle in log (tests only)
        super().__init__(**window)

    @classmethod
    def default_window(cls):
        return {"half_width": 4.0}

    def compose(self, u, v):
        u, v = np.asarray(u, float), np.asarray(v, float)
        u, v = np.broadcast_arrays(u, v)
        t = u[..., 1:] + _rot_apply(u[..., 0], v[..., 1:])
        return np.concatenate([wrap(u[..., :1] + v[..., :1]), t], -1)

    def inverse(self, u):
        u = np.asarray(u, float)
        return np.concatenate([wrap(-u[..., :1]), -_rot_apply(-u[..., 0], u[..., 1:])], -1)

    def exp(self, a):
        a = np.asarray(a, float)
        return np.concatenate([wrap(a[..., :1]), _v_matrix_apply(a[..., 0], a[..., 1:])], -1)

    def log(self, u):
        u = np.asarray(u, float)
        th = wrap(u[..., 0])
        v = _v_matrix_apply(th, u[..., 1:], inverse=True)
        return np.concatenate([self.log_sign * th[..., None], v], -1)

    def act(self, u, x):
        u = np.asarray(u, float)
        return _rot_apply(u[..., 0], np.asarray(x, float)) + u[..., 1:]

    def sample(self, n, rng):
        L = self.window["half_width"]
        return np.column_stack([rng.uniform(-np.pi, np.pi, n), rng.uniform(-L, L, (n, 2))])

    def near_cut(self, u, margin):
        return np.abs(wrap(np.asarray(u, float)[:, 0])) > np.pi - margin


class RxSO2(LieGroup):
    r"""Scalings and rotations of the punctured plane, coordinates :math:`(s,\theta)`,
    :math:`g\cdot x=e^sR_\theta x`.

    Group law :math:`(s_1,\theta_1)(s_2,\theta_2)=(s_1+s_2,\mathrm{wrap}(\theta_1+\theta_2))`
    (abelian), :math:`(s,\theta)^{-1}=(-s,-\theta)`; :math:`\exp(a_s,a_\theta)=(a_s,
    \mathrm{wrap}\,a_\theta)`, :math:`\log=` the coordinates (branch cut at :math:`\theta=\pm\pi`).
    Haar measure :math:`ds\,d\theta`; :meth:`sample` is uniform on :math:`[-S,S]\times[-\pi,\pi)`,
    ``S = window["log_scale"]``.  In log-polar coordinates :math:`(\log r,\phi)` of a point the
    action is the translation :math:`(\log r+s,\phi+\theta)`.
    """

    name, dim, space_dim = "RxSO(2)", 2, 2
    angle_axes = (1,)

    @classmethod
    def default_window(cls):
        return {"log_scale": 1.0}

    def compose(self, u, v):
        w = np.asarray(u, float) + np.asarray(v, float)
        return np.concatenate([w[..., :1], wrap(w[..., 1:])], -1)

    def inverse(self, u):
        u = np.asarray(u, float)
        return np.concatenate([-u[..., :1], wrap(-u[..., 1:])], -1)

    def exp(self, a):
        a = np.asarray(a, float)
        return np.concatenate([a[..., :1], wrap(a[..., 1:])], -1)

    def log(self, u):
        return self.exp(u)

    def act(self, u, x):
        u = np.asarray(u, float)
        return np.exp(u[..., :1]) * _rot_apply(u[..., 1], np.asarray(x, float))

    def sample(self, n, rng):
        S = self.window["log_scale"]
        return np.column_stack([rng.uniform(-S, S, n), rng.uniform(-np.pi, np.pi, n)])

    def near_cut(self, u, margin):
        return np.abs(wrap(np.asarray(u, float)[:, 1])) > np.pi - margin


#: name -> constructor
LIE_GROUPS = {"T1": T1, "T2": T2, "SO2": SO2, "SE2": SE2, "RxSO2": RxSO2}


def lie_group(name: str, **window) -> LieGroup:
    """The group named ``T1``, ``T2``, ``SO2``, ``SE2`` or ``RxSO2`` (window overrides)."""
    if name not in LIE_GROUPS:
        raise KeyError(f"unknown Lie group {name!r}; known: {', '.join(LIE_GROUPS)}")
    return LIE_GROUPS[name](**window)
