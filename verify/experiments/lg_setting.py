r"""The linear–Gaussian (LG) setting shared by the Elesedy–Zaidi and optimal-ε experiments.

A group G acts on :math:`X=\mathbb R^d` by permuting m coordinates in each of ``channels``
blocks (``d = m · channels``, :math:`\rho_X=\rho_{\rm perm}\otimes I_c`).  The output is either
invariant (:math:`Y=\mathbb R^k`, trivial action) or equivariant (:math:`Y=X`, k = d, same
action).  This module turns the user's parameters into the representations, dim E and an
orthonormal basis Q of E, with one clear error per bad setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..engine.experiment import Param, UsageError
from ..models.montecarlo import lg_stats
from ..symmetry.groups import FiniteGroup, Rep, fixed_dim, parse_group
from ..symmetry.permutation import PermGroup
from ..symmetry.projection import equivariant_basis

__all__ = ["LG_PARAMS", "MAX_BATCH", "MAX_D", "MAX_DK", "MAX_TRIALS", "SCALE", "SCALE_WHY",
           "SETTING_KEYS", "LGSetting", "batches", "lg_batch", "lg_setting",
           "perp_direction"]

#: Largest input / output dimension and d k: E's basis Q is (d k) x dim E and its Reynolds
#: projection is built from (d k)^2 Kronecker products per group element, so beyond d k = 1024
#: planning alone takes minutes and gigabytes.
MAX_D = 64
MAX_DK = 1024
#: Noise and input scales: the per-trial statistics hold their fourth powers (variances of
#: squared errors), which over- or underflow in float64 beyond this range.
SCALE = (1e-50, 1e50)
SCALE_WHY = "its fourth power must stay inside float64"
#: Trials per setting and per task (a task's arrays are batch x d x k).
MAX_TRIALS = 10**8
MAX_BATCH = 10**6

#: Parameters that describe the LG setting (the experiments add n, sigma, trials, ...).
LG_PARAMS = (
    Param("group", str, "C6", "group acting by permuting coordinates: C<m>, D<m>, S<m>, "
          "A<m> (S<m>, A<m> by generators for any m)"),
    Param("channels", int, 1, "copies of the permutation action (d = m * channels)", low=1,
          high=MAX_D),
    Param("d", int, None, "input dimension; auto = m * channels (must match if given)", low=1,
          high=MAX_D),
    Param("output", str, "invariant", "invariant: G acts trivially on R^k; equivariant: "
          "Y = R^d with the same action (k = d)", choices=("invariant", "equivariant")),
    Param("k", int, None, "output dimension; auto = 1 for invariant output, d for equivariant",
          low=1, high=MAX_D),
)
SETTING_KEYS = frozenset(p.name for p in LG_PARAMS)


@dataclass(frozen=True)
class LGSetting:
    group: FiniteGroup | PermGroup
    rep_in: Rep
    rep_out: Rep
    m: int
    d: int
    k: int
    dim_e: int
    Q: np.ndarray  # (d*k, dim_e) orthonormal basis of E, row-major vec

    @property
    def codim(self) -> int:
        return self.d * self.k - self.dim_e


def lg_setting(group: str, channels: int, d: int | None, output: str, k: int) -> LGSetting:
    """Build the representations for the LG experiments; :class:`UsageError` on bad input
    (including sizes beyond :data:`MAX_D` and :data:`MAX_DK`, refused before any work)."""
    size = re.fullmatch(r"\s*[CDSA]\(?(\d+)\)?\s*", str(group))
    if size and int(size.group(1)) * channels > MAX_D:
        raise UsageError(f"group {group.strip()} with {channels} channel(s) acts on "
                         f"d = {int(size.group(1)) * channels} coordinates; at most {MAX_D} fit")
    try:
        G = parse_group(group)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if not isinstance(G, FiniteGroup | PermGroup) or "perm" not in G.rep_names:
        raise UsageError(f"group {group!r} does not act by permuting coordinates; "
                         "use C<m>, D<m>, S<m> or A<m>")
    perm = G.rep("perm")
    m = perm.dim
    if d is not None and d != m * channels:
        raise UsageError(f"d={d} does not match group {group} acting on {m} points with "
                         f"{channels} channel(s) (d = {m * channels}); drop d or fix it")
    d = m * channels
    rep_in = perm @ G.trivial(channels) if channels > 1 else perm
    if output == "equivariant":
        if k not in (None, d):
            raise UsageError(f"output=equivariant sets k = d = {d}; got k={k}")
        k, rep_out = d, rep_in
    else:
        k = 1 if k is None else k
        rep_out = G.trivial(k)
    if d > MAX_D or k > MAX_D or d * k > MAX_DK:
        raise UsageError(f"d = {d}, k = {k} give d k = {d * k} linear maps to project; at most "
                         f"d, k <= {MAX_D} and d k <= {MAX_DK} fit in memory and time")
    return LGSetting(G, rep_in, rep_out, m, d, k, fixed_dim(rep_in, rep_out),
                     equivariant_basis(rep_in, rep_out))


def perp_direction(s: LGSetting, seed: int = 20230517) -> np.ndarray:
    """A fixed unit vector of :math:`E^\\perp` (row-major vec), the direction of :math:`\\Theta_\\perp`.

    The LG risks depend on :math:`\\Theta_\\perp` only through :math:`\\eta=\\sigma_X\\|\\Theta_\\perp\\|`
    (the OLS error has isotropic second moments), so the direction is fixed by an internal seed.
    """
    if s.codim == 0:
        raise UsageError("every linear map is equivariant here (dim E = d k): there is no "
                         "non-equivariant direction for the target")
    g = np.random.default_rng(seed).standard_normal(s.d * s.k)
    u = g - s.Q @ (s.Q.T @ g)
    return u / np.linalg.norm(u)


def lg_batch(rng, trials, n, d, k, Q, theta_perp, sigma, sigma_x, method="bartlett"):
    """One Monte Carlo batch of the per-trial statistics (A, B, C) of :mod:`verify.models.montecarlo`."""
    return lg_stats(rng, trials, n, d, k, Q, theta_perp, sigma, sigma_x, method=method)


def batches(trials: int, batch: int) -> list[int]:
    """Split ``trials`` into tasks of at most ``batch`` trials."""
    full, rest = divmod(trials, batch)
    return [batch] * full + ([rest] if rest else [])
