r"""The one equivariance-error metric of the package, for any callable on batches.

For inputs :math:`x_1,\dots,x_n` and group elements :math:`g_1,\dots,g_m` (each an
:class:`Action` on inputs and outputs), with outputs flattened per sample:

.. math:: a_{ig}=\|f(g\cdot x_i)-\rho_{\rm out}(g)f(x_i)\|_2,\qquad
          r_{ig}=a_{ig}/\max(\|f(x_i)\|_2,\ \mathrm{tiny}),

``tiny`` the smallest positive float64.  Per input, the element averages
:math:`A_i=\frac1m\sum_g a_{ig}` and :math:`R_i=\frac1m\sum_g r_{ig}` are functions of
:math:`x_i` alone, so iid inputs give iid :math:`A_i, R_i`; the reported errors are their means
with normal confidence intervals :math:`\bar A\pm z_{1-\alpha/2}\,s_A/\sqrt n` (lower edge
clipped at 0, since the errors are non-negative).  For a Haar sample of a compact group the
elements are drawn once, so the interval is **conditional on that sample of elements**: it
covers the error averaged over those m elements, not the Haar average.

The mean squared error :math:`\overline{a^2}=\frac1n\sum_iS_i`, :math:`S_i=\frac1m\sum_ga_{ig}^2`,
is reported as ``rms`` :math:`=(\overline{a^2})^{1/2}` with the square roots of the normal CI of
:math:`\overline{a^2}` (``rms_ci``); for a linear model on an invariant Gaussian law it has a
closed form (the distance to the equivariant maps, :func:`verify.symmetry.projection.linear_model_error`).

Also reported: the per-element means :math:`\frac1n\sum_i a_{ig}`, :math:`\frac1n\sum_i r_{ig}`,
the worst element (largest mean relative error), tail quantiles of :math:`R_i` over inputs, and
the normalised Frobenius ratio
:math:`\big(\sum_{g,i}a_{ig}^2/(m\sum_i\|f(x_i)\|^2)\big)^{1/2}` (``ratio``), a pooled
relative RMS error.

``f`` is called on whole batches, once on ``x`` and once per element; ``x`` is batch first and
may be an array or a tuple of arrays (whatever ``Action.on_input`` accepts and returns).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from .groups import CompactGroup, FiniteGroup, Rep
from .permutation import PermGroup

__all__ = [
    "Action",
    "EquivarianceError",
    "actions_from_group",
    "actions_from_matrices",
    "equivariance_error",
]

_TINY = float(np.finfo(np.float64).tiny)


@dataclass(frozen=True)
class Action:
    r"""One group element g acting on batches: ``on_input(x)`` is :math:`g\cdot x` and
    ``on_output(y)`` is :math:`\rho_{\rm out}(g)y` for y of shape (B, ...)."""

    name: str
    on_input: Callable[[Any], Any]
    on_output: Callable[[np.ndarray], np.ndarray]


def _last_axis(M: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    Mt = np.ascontiguousarray(np.asarray(M, dtype=np.float64).T)

    def apply(v):
        v = np.asarray(v, dtype=np.float64)
        if v.shape[-1] != Mt.shape[0]:
            raise ValueError(f"a {Mt.shape[0]}x{Mt.shape[0]} matrix cannot act on the last axis "
                             f"of an array of shape {v.shape}")
        return v @ Mt

    return apply


def _identity(y):
    return np.asarray(y, dtype=np.float64)


def actions_from_matrices(mats_in, mats_out=None, names: Sequence[str] | None = None
                          ) -> list[Action]:
    r"""Actions :math:`x\mapsto x\rho_{\rm in}(g)^\top`, :math:`y\mapsto y\rho_{\rm out}(g)^\top`
    on the last axis, one per matrix; ``mats_out=None`` is the trivial representation
    (invariance).  The matrices must be orthogonal (checked to 1e-8)."""
    A = np.asarray(mats_in, dtype=np.float64)
    if A.ndim != 3 or A.shape[1] != A.shape[2]:
        raise ValueError(f"mats_in must be (m, d, d), got shape {A.shape}")
    B = None if mats_out is None else np.asarray(mats_out, dtype=np.float64)
    if B is not None and (B.ndim != 3 or B.shape[0] != A.shape[0] or B.shape[1] != B.shape[2]):
        raise ValueError(f"mats_out must be ({A.shape[0]}, k, k), got shape {B.shape}")
    for label, M in (("mats_in", A), ("mats_out", B)):
        if M is not None:
            gram = np.einsum("gba,gbc->gac", M, M)
            if not np.allclose(gram, np.eye(M.shape[1]), atol=1e-8):
                raise ValueError(f"{label} must be orthogonal matrices")
    names = [f"g{i}" for i in range(len(A))] if names is None else list(names)
    if len(names) != len(A):
        raise ValueError(f"{len(names)} names for {len(A)} matrices")
    return [Action(n, _last_axis(a), _identity if B is None else _last_axis(B[i]))
            for i, (n, a) in enumerate(zip(names, A))]


def actions_from_group(group_or_rep_in, rep_out: Rep | None = None, *,
                       n_elements: int | None = None, rng=None,
                       include_identity: bool = False) -> list[Action]:
    r"""Actions of a group from :mod:`verify.symmetry.groups`.

    ``group_or_rep_in`` is a group (its natural representation acts on inputs) or a
    :class:`Rep`; ``rep_out`` acts on outputs (None: trivial, i.e. invariance).

    * Finite group: every element except the identity (element 0; it contributes 0) unless
      ``include_identity``; with ``n_elements`` a seeded uniform sample without replacement.
    * Group by generators (:class:`~verify.symmetry.permutation.PermGroup`): every element
      when it can be listed; with ``n_elements`` a uniform sample (with replacement).
    * Compact group: a Haar sample of ``n_elements`` elements (required).

    Samples are drawn with ``rng`` (a Generator or an int seed; None means seed 0, so the
    sample is reproducible).
    """
    rep_in = group_or_rep_in if isinstance(group_or_rep_in, Rep) else None
    group = rep_in.group if rep_in is not None else group_or_rep_in
    if not isinstance(group, FiniteGroup | CompactGroup | PermGroup):
        raise TypeError(f"expected a group or a Rep, got {type(group_or_rep_in).__name__}")
    rep_in = rep_in or group.rep()
    if rep_out is not None and rep_out.group is not group:
        raise ValueError("rep_in and rep_out must be representations of the same group")
    if n_elements is not None and n_elements < 1:
        raise ValueError(f"n_elements must be at least 1, got {n_elements}")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(
        0 if rng is None else rng)
    listed = isinstance(group, FiniteGroup) or (isinstance(group, PermGroup)
                                                 and n_elements is None)
    if listed:
        try:
            mats = rep_in.matrices
        except ValueError as e:  # a PermGroup too large to list
            raise ValueError(f"{e}; give n_elements for a uniform sample") from None
        idx = np.arange(0 if include_identity else 1, group.order)
        if idx.size == 0:
            raise ValueError(f"{group.name} has no element besides the identity")
        if n_elements is not None and n_elements < idx.size:
            idx = np.sort(gen.choice(idx, size=n_elements, replace=False))
        A = mats[idx]
        B = None if rep_out is None else rep_out.matrices[idx]
        names = [f"{group.name}[{i}]" for i in idx]
    else:
        if n_elements is None:
            raise ValueError(f"{group.name} is compact: give n_elements for a Haar sample")
        # compact: Haar sample of the defining matrices; PermGroup: uniform permutations
        M = group.sample(n_elements, gen)
        A = np.asarray(rep_in._at(M), dtype=np.float64)
        B = None if rep_out is None else np.asarray(rep_out._at(M), dtype=np.float64)
        names = [f"{group.name}~{i}" for i in range(n_elements)]
    return actions_from_matrices(A, B, names)


def _finite_or_none(v):
    if isinstance(v, float | np.floating):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, dict):
        return {str(k): _finite_or_none(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_finite_or_none(x) for x in v]
    return v


@dataclass
class EquivarianceError:
    """Result of :func:`equivariance_error` (see the module docstring for every quantity)."""

    absolute: float
    absolute_ci: tuple[float, float]
    relative: float
    relative_ci: tuple[float, float]
    per_element: list[tuple[str, float, float]]
    worst: tuple[str, float]
    quantiles: dict[float, float]
    n_inputs: int
    n_elements: int
    absolute_se: float = float("nan")
    relative_se: float = float("nan")
    ratio: float = float("nan")
    rms: float = float("nan")
    rms_ci: tuple[float, float] = (float("nan"), float("nan"))

    def to_dict(self) -> dict:
        """Strict-JSON-able dict: floats are finite or None, quantile keys are strings."""
        return _finite_or_none(asdict(self))


def _batch_size(x) -> int:
    first = x[0] if isinstance(x, tuple) else x
    return int(np.shape(first)[0])


def _flat(y, what: str, n: int) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 0 or y.shape[0] != n:
        raise ValueError(f"equivariance_error: f({what}) must be batch first with {n} rows, "
                         f"got shape {y.shape}")
    y = y.reshape(n, -1)
    bad = ~np.isfinite(y).all(axis=1)
    if bad.any():
        raise ValueError(f"equivariance_error: f({what}) is not finite for {int(bad.sum())} of "
                         f"{n} inputs")
    return y


def _quantiles(v: np.ndarray, qs: list[float]) -> dict[float, float]:
    with np.errstate(invalid="ignore"):
        return {q: float(np.quantile(v, q)) for q in qs}


def _ci(m: float, se: float, z: float) -> tuple[float, float]:
    return (max(m - z * se, 0.0), m + z * se)


def equivariance_error(f: Callable[[Any], Any], x, actions: Sequence[Action], *,
                       alpha: float = 0.01,
                       quantiles: Sequence[float] = (0.5, 0.9, 0.99)) -> EquivarianceError:
    r"""Equivariance error of ``f`` on inputs ``x`` under ``actions``.

    :math:`a_{ig}=\|f(g\cdot x_i)-\rho_{\rm out}(g)f(x_i)\|`,
    :math:`r_{ig}=a_{ig}/\max(\|f(x_i)\|,\mathrm{tiny})`; means over inputs of the element
    averages, with normal CIs at level 1 − α over inputs (conditional on the elements).

    Parameters
    ----------
    f : callable
        Batch-first model: ``f(x)`` returns an array of shape (n, ...).
    x : ndarray or tuple of ndarrays
        n ≥ 2 inputs, batch first.
    actions : sequence of Action
        The group elements (:func:`actions_from_group`, :func:`actions_from_matrices`).
    alpha : float
        The CIs have level 1 − α.
    quantiles : sequence of float
        Levels in [0, 1] of the reported quantiles of :math:`R_i` over inputs.

    Raises
    ------
    ValueError
        No actions, fewer than 2 inputs, a bad α or quantile, a mis-shaped or non-finite output.
    """
    actions = list(actions)
    if not actions:
        raise ValueError("equivariance_error: no group elements given")
    if not 0 < alpha < 1:
        raise ValueError(f"equivariance_error: alpha must lie in (0, 1), got {alpha}")
    qs = [float(q) for q in quantiles]
    if any(not 0 <= q <= 1 for q in qs):
        raise ValueError(f"equivariance_error: quantile levels must lie in [0, 1], got {qs}")
    n = _batch_size(x)
    if n < 2:
        raise ValueError(f"equivariance_error: need at least 2 inputs for a CI, got {n}")
    fx_raw = np.asarray(f(x), dtype=np.float64)
    fx = _flat(fx_raw, "x", n)
    norms = np.linalg.norm(fx, axis=1)
    denom = np.maximum(norms, _TINY)
    a = np.empty((n, len(actions)))
    for j, act in enumerate(actions):
        y = _flat(f(act.on_input(x)), f"{act.name}·x", n)
        target = np.asarray(act.on_output(fx_raw), dtype=np.float64)
        if target.size != y.size or target.shape[:1] != (n,):
            raise ValueError(f"equivariance_error: rho_out({act.name}) f(x) has shape "
                             f"{target.shape}, f({act.name}·x) has {y.size // n} entries per row")
        target = target.reshape(n, -1)
        a[:, j] = np.linalg.norm(y - target, axis=1)
    z = NormalDist().inv_cdf(1 - alpha / 2)  # stdlib: scipy.stats costs 0.2 s at import
    with np.errstate(over="ignore", invalid="ignore"):  # r = inf where f(x) = 0 but a > 0
        r = a / denom[:, None]
        A_i, R_i = a.mean(axis=1), r.mean(axis=1)
        abs_m, abs_se = float(A_i.mean()), float(A_i.std(ddof=1) / math.sqrt(n))
        rel_m, rel_se = float(R_i.mean()), float(R_i.std(ddof=1) / math.sqrt(n))
    S_i = (a**2).mean(axis=1)
    ms_m, ms_se = float(S_i.mean()), float(S_i.std(ddof=1) / math.sqrt(n))
    ms_lo, ms_hi = _ci(ms_m, ms_se, z)
    per = [(act.name, float(a[:, j].mean()), float(r[:, j].mean()))
           for j, act in enumerate(actions)]
    k = int(np.argmax([p[2] for p in per]))
    total = float(np.sum(norms**2))
    ratio = math.sqrt(float(np.sum(a**2)) / (len(actions) * total)) if total > 0 else (
        0.0 if not a.any() else math.inf)
    return EquivarianceError(
        absolute=abs_m, absolute_ci=_ci(abs_m, abs_se, z),
        relative=rel_m, relative_ci=_ci(rel_m, rel_se, z),
        per_element=per, worst=(per[k][0], per[k][2]),
        quantiles=_quantiles(R_i, qs),
        n_inputs=n, n_elements=len(actions),
        absolute_se=abs_se, relative_se=rel_se, ratio=ratio,
        rms=math.sqrt(ms_m), rms_ci=(math.sqrt(ms_lo), math.sqrt(ms_hi)))
