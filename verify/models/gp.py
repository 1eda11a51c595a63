r"""Gaussian-process regression tasks in 1D, and the GP oracle that scores them exactly.

Kernels (unit length scale and variance, :math:`r=|x-x'|`, the EquivCNP/ConvCNP protocol):

.. math:: k_{\rm RBF}=e^{-r^2/2},\quad k_{5/2}=(1+\sqrt5r+\tfrac53r^2)e^{-\sqrt5r},\quad
          k_{\rm per}=e^{-2\sin^2(\pi r)}.

A task draws :math:`n_c\sim U\{3..49\}` context and :math:`n_t\sim U\{3..49\}` further target
points uniformly on a window, :math:`y\sim N(0,K+\sigma_n^2I)`; the targets include the
context (so a task has :math:`n_c+n_t` targets).  The small observation noise
:math:`\sigma_n` (default 0.05) keeps the oracle's likelihood finite at the context points;
the published protocol has none (its GP reference is a fitted GP with a learned noise).

The oracle is the true-kernel GP posterior; its per-point log-likelihood is the exact
Gaussian log density of the targets under the posterior, either jointly (full covariance,
divided by :math:`n_t`) or point by point (the diagonal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve

__all__ = ["KERNELS", "Task", "TaskBatch", "batch_tasks", "gp_log_likelihood", "gp_posterior",
           "kernel_matrix", "sample_tasks", "shift_tasks"]

LOG2PI = float(np.log(2 * np.pi))


def _rbf(r):
    return np.exp(-0.5 * r * r)


def _matern52(r):
    r = np.abs(r)
    s = np.sqrt(5.0) * r
    return (1 + s + s * s / 3) * np.exp(-s)


def _periodic(r):
    return np.exp(-2 * np.sin(np.pi * r) ** 2)


#: name -> stationary kernel as a function of the difference r = x - x'
KERNELS = {"rbf": _rbf, "matern": _matern52, "periodic": _periodic}


def kernel_matrix(kernel: str, a, b) -> np.ndarray:
    """:math:`K_{ij}=k(a_i-b_j)` for 1D inputs a (n,) and b (m,)."""
    return KERNELS[kernel](np.subtract.outer(np.asarray(a, float), np.asarray(b, float)))


@dataclass
class Task:
    """One task: context (xc, yc) and targets (xt, yt), the targets including the context."""

    xc: np.ndarray
    yc: np.ndarray
    xt: np.ndarray
    yt: np.ndarray


def sample_tasks(rng: np.random.Generator, kernel: str, n_tasks: int, low: float = -2.0,
                 high: float = 2.0, noise: float = 0.05, n_context=(3, 49), n_extra=(3, 49),
                 n_total: int | None = None) -> list[Task]:
    """``n_tasks`` GP tasks on the window [low, high) (module docstring); with ``n_total``
    every task has that many targets, the context drawn from them (the evaluation protocol)."""
    out = []
    for _ in range(n_tasks):
        nc = int(rng.integers(n_context[0], n_context[1] + 1))
        ne = (n_total - nc) if n_total else int(rng.integers(n_extra[0], n_extra[1] + 1))
        x = rng.uniform(low, high, nc + ne)
        C = kernel_matrix(kernel, x, x) + (noise**2 + 1e-10) * np.eye(x.size)
        y = np.linalg.cholesky(C) @ rng.standard_normal(x.size)
        out.append(Task(x[:nc].copy(), y[:nc].copy(), x, y))
    return out


def shift_tasks(tasks: list[Task], a: float) -> list[Task]:
    """The same tasks with every input translated by a."""
    return [Task(t.xc + a, t.yc, t.xt + a, t.yt) for t in tasks]


@dataclass
class TaskBatch:
    """Tasks padded to common sizes, with masks (1 = present)."""

    xc: np.ndarray
    yc: np.ndarray
    mc: np.ndarray
    xt: np.ndarray
    yt: np.ndarray
    mt: np.ndarray

    def __len__(self):
        return self.xc.shape[0]


def batch_tasks(tasks: list[Task]) -> TaskBatch:
    """Pad a list of tasks (padding points sit at the first point of their task, masked out)."""
    B = len(tasks)
    Nc = max(t.xc.size for t in tasks)
    Nt = max(t.xt.size for t in tasks)
    arr = {k: np.zeros((B, n)) for k, n in (("xc", Nc), ("yc", Nc), ("mc", Nc), ("xt", Nt),
                                             ("yt", Nt), ("mt", Nt))}
    for i, t in enumerate(tasks):
        for key, v in (("c", (t.xc, t.yc)), ("t", (t.xt, t.yt))):
            n = v[0].size
            arr["x" + key][i, :] = v[0][0]
            arr["x" + key][i, :n], arr["y" + key][i, :n], arr["m" + key][i, :n] = v[0], v[1], 1
    return TaskBatch(**arr)


def gp_log_likelihood(task: Task, kernel: str, noise: float = 0.05, joint: bool = True
                      ) -> float:
    r"""Per-target log-likelihood of the true-kernel GP posterior given the context:
    :math:`\frac1{n_t}\log N(y_t\mid\mu,\Sigma)` with :math:`\Sigma` full (``joint``) or its
    diagonal, :math:`\mu=K_{tc}(K_{cc}+\sigma_n^2I)^{-1}y_c`,
    :math:`\Sigma=K_{tt}+\sigma_n^2I-K_{tc}(K_{cc}+\sigma_n^2I)^{-1}K_{ct}`."""
    s2 = noise**2 + 1e-10
    Kcc = kernel_matrix(kernel, task.xc, task.xc) + s2 * np.eye(task.xc.size)
    Ktc = kernel_matrix(kernel, task.xt, task.xc)
    cf = cho_factor(Kcc, lower=True)
    mu = Ktc @ cho_solve(cf, task.yc)
    S = kernel_matrix(kernel, task.xt, task.xt) + s2 * np.eye(task.xt.size) \
        - Ktc @ cho_solve(cf, Ktc.T)
    r = task.yt - mu
    n = r.size
    if not joint:
        v = np.diag(S)
        return float(np.mean(-0.5 * (LOG2PI + np.log(v) + r * r / v)))
    L = np.linalg.cholesky(0.5 * (S + S.T))
    z = np.linalg.solve(L, r)
    return float((-0.5 * (n * LOG2PI + z @ z) - np.log(np.diag(L)).sum()) / n)


def gp_posterior(task: Task, kernel: str, x, noise: float = 0.05):
    """Posterior mean and marginal variance (noise included) of the true-kernel GP at x."""
    s2 = noise**2 + 1e-10
    cf = cho_factor(kernel_matrix(kernel, task.xc, task.xc) + s2 * np.eye(task.xc.size),
                    lower=True)
    Kxc = kernel_matrix(kernel, x, task.xc)
    mu = Kxc @ cho_solve(cf, task.yc)
    var = 1.0 + s2 - np.einsum("ij,ji->i", Kxc, cho_solve(cf, Kxc.T))
    return mu, var
