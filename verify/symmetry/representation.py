r"""Orthogonal representations :math:`\rho: G\to O(\dim)` of finite and compact groups.

A representation is a list of matrices (a listed finite group), a function of Haar-sampled
defining matrices (a compact group), or, for groups given by generators, a function of
elements (:class:`~verify.symmetry.permutation.GenRep`).  ``a @ b`` is the tensor product
(Kronecker), ``a + b`` the direct sum (block diagonal).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import block_diag

__all__ = ["Rep"]


class Rep:
    r"""An orthogonal representation :math:`\rho: G\to O(\dim)`.

    For a finite group, ``matrices[i]`` is :math:`\rho(g_i)`.  For a compact group the
    representation is a function ``fn`` of the defining matrices and is sampled with
    :meth:`sample`.  ``a @ b`` is the tensor product, ``a + b`` the direct sum.
    """

    def __init__(self, group, matrices: np.ndarray | None = None, *, fn=None, dim=None,
                 label: str = ""):
        self.group = group
        self._matrices = None if matrices is None else np.asarray(matrices, dtype=np.float64)
        self._fn = fn
        self.dim = int(self._matrices.shape[1]) if self._matrices is not None else int(dim)
        self.label = label

    @property
    def is_finite(self) -> bool:
        return self._matrices is not None

    @property
    def matrices(self) -> np.ndarray:
        if self._matrices is None:
            raise TypeError(f"{self.label} is a representation of a compact group: use sample()")
        return self._matrices

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` matrices :math:`\\rho(g)` with g Haar-distributed (uniform for finite G)."""
        if self.is_finite:
            return self._matrices[rng.integers(0, self.group.order, size=n)]
        return np.asarray(self._fn(self.group.sample(n, rng)), dtype=np.float64)

    def _at(self, M):  # the representation at defining matrices M (compact groups)
        return self._fn(M)

    def character(self) -> np.ndarray:
        """:math:`\\chi(g_i)=\\mathrm{tr}\\,\\rho(g_i)` for every element (finite groups)."""
        return np.trace(self.matrices, axis1=1, axis2=2)

    def _combine(self, other: Rep, how, sym: str) -> Rep:
        if other.group is not self.group:
            raise ValueError(f"cannot combine representations of {self.group.name} and "
                             f"{other.group.name}; use direct_product for product groups")
        label = f"({self.label} {sym} {other.label})"
        if self.is_finite:
            mats = np.array([how(a, b) for a, b in zip(self.matrices, other.matrices)])
            return Rep(self.group, mats, label=label)
        a, b = self, other
        return Rep(self.group, fn=lambda M: np.array([how(x, y) for x, y in
                                                      zip(a._at(M), b._at(M))]),
                   dim=how(np.eye(a.dim), np.eye(b.dim)).shape[0], label=label)

    def __add__(self, other: Rep) -> Rep:
        """Direct sum :math:`\\rho_1\\oplus\\rho_2` (block diagonal)."""
        return self._combine(other, block_diag, "+")

    def __matmul__(self, other: Rep) -> Rep:
        """Tensor product :math:`\\rho_1\\otimes\\rho_2` (Kronecker)."""
        return self._combine(other, np.kron, "x")

    def __repr__(self) -> str:
        return f"Rep({self.label}, dim={self.dim})"
