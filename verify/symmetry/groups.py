r"""Groups as orthogonal representations.

A finite group is given by its generators in one or more named orthogonal representations; its
elements are the closure of the generators under the block-diagonal (joint) representation, so
every named representation lists the same elements in the same order (element 0 is the
identity).  The group law is the matrix product:

.. math:: \rho(g)\rho(h)=\rho(gh),\qquad \rho(g)^{-1}=\rho(g)^\top .

Compact groups (SO(2), SO(3), O(d)) are given by a Haar sampler of their defining matrices;
their representations are functions of the defining matrix.

The dimension of the space of equivariant linear maps :math:`\mathbb R^{d}\to\mathbb R^{k}` is
the character average :math:`\dim E=\frac1{|G|}\sum_g\chi_{\rm in}(g)\chi_{\rm out}(g)` for a
finite group (exact); for a compact group it is the dimension of the common fixed space of a few
Haar-random elements, which generate a dense subgroup almost surely.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from scipy.linalg import block_diag, null_space
from scipy.stats import ortho_group, special_ortho_group

from .permutation import alternating_group, gen_fixed_dim, symmetric_group
from .representation import Rep

__all__ = [
    "GROUP_SYNTAX",
    "SO2",
    "SO3",
    "CompactGroup",
    "FiniteGroup",
    "O",
    "Rep",
    "cyclic",
    "dihedral",
    "direct_product",
    "fixed_dim",
    "parse_group",
    "sign_flips",
    "symmetric",
]

_ROUND = 9  # decimals used to identify matrices during closure


def _rot(theta: float) -> np.ndarray:
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s], [s, c]])


def _perm_matrix(perm: np.ndarray) -> np.ndarray:
    """Matrix sending basis vector e_i to e_{perm[i]}."""
    m = len(perm)
    P = np.zeros((m, m))
    P[perm, np.arange(m)] = 1.0
    return P


def _key(M: np.ndarray) -> bytes:
    return (np.round(M, _ROUND) + 0.0).tobytes()


class FiniteGroup:
    """A finite group: its elements as matrices of named orthogonal representations.

    Constructors (:func:`cyclic`, ...) are cached, so ``cyclic(4) is cyclic(4)``; representations
    combine only within one group object.

    Parameters
    ----------
    name : str
    reps : dict[str, ndarray]
        Name -> array (order, dim, dim); all aligned on the same element order, identity first.
        The block-diagonal sum of all of them must be faithful (it defines the group law).
    """

    def __init__(self, name: str, reps: dict[str, np.ndarray]):
        self.name = name
        self._reps = {k: np.asarray(v, dtype=np.float64) for k, v in reps.items()}
        orders = {v.shape[0] for v in self._reps.values()}
        if len(orders) != 1:
            raise ValueError("all representations must list the same number of elements")
        self.order = orders.pop()
        joint = self._joint()
        if not np.allclose(joint[0], np.eye(joint.shape[1])):
            raise ValueError("element 0 must be the identity")
        index = {_key(M): i for i, M in enumerate(joint)}
        if len(index) != self.order:
            raise ValueError(f"{name}: the joint representation is not faithful")
        self._index = index
        self._mul: np.ndarray | None = None

    @classmethod
    def from_generators(cls, name: str, gens: dict[str, list[np.ndarray]]) -> FiniteGroup:
        """Close the generators under multiplication (breadth first, joint representation)."""
        names = list(gens)
        ngen = {len(v) for v in gens.values()}
        if len(ngen) != 1:
            raise ValueError("every representation needs the same number of generators")
        dims = [np.asarray(gens[k][0]).shape[0] for k in names]
        joint_gens = [block_diag(*(np.asarray(gens[k][i], float) for k in names))
                      for i in range(ngen.pop())]
        eye = np.eye(sum(dims))
        elems, seen, frontier = [eye], {_key(eye)}, [eye]
        while frontier:
            new = []
            for M in frontier:
                for S in joint_gens:
                    P = S @ M
                    key = _key(P)
                    if key not in seen:
                        seen.add(key)
                        elems.append(P)
                        new.append(P)
            frontier = new
        joint = np.array(elems)
        offs = np.cumsum([0] + dims)
        reps = {k: joint[:, offs[i]:offs[i + 1], offs[i]:offs[i + 1]] for i, k in enumerate(names)}
        return cls(name, reps)

    def _joint(self) -> np.ndarray:
        return np.array([block_diag(*(r[i] for r in self._reps.values()))
                         for i in range(self.order)])

    # -- group law -----------------------------------------------------------------------------
    @property
    def mul(self) -> np.ndarray:
        """Multiplication table: ``mul[i, j]`` is the index of ``g_i g_j``."""
        if self._mul is None:
            joint = self._joint()
            prod = np.einsum("iab,jbc->ijac", joint, joint)
            self._mul = np.array([[self._index[_key(prod[i, j])] for j in range(self.order)]
                                  for i in range(self.order)])
        return self._mul

    @property
    def inv(self) -> np.ndarray:
        """``inv[i]`` is the index of ``g_i^{-1}``."""
        return np.argmax(self.mul == 0, axis=1)

    # -- representations -----------------------------------------------------------------------
    @property
    def rep_names(self) -> list[str]:
        return list(self._reps)

    def rep(self, name: str | None = None) -> Rep:
        """A named representation (default: the first one, the natural action)."""
        name = name or self.rep_names[0]
        if name not in self._reps:
            raise KeyError(f"{self.name} has representations {self.rep_names}, not {name!r}")
        return Rep(self, self._reps[name], label=f"{self.name}:{name}")

    def trivial(self, dim: int = 1) -> Rep:
        return Rep(self, np.broadcast_to(np.eye(dim), (self.order, dim, dim)).copy(),
                   label=f"{self.name}:trivial^{dim}")

    def __repr__(self) -> str:
        return f"FiniteGroup({self.name}, order={self.order}, reps={self.rep_names})"


@dataclass(frozen=True, eq=False)
class CompactGroup:
    """A compact matrix group with a Haar sampler of its defining representation.

    ``sampler(n, rng)`` returns ``n`` Haar-distributed matrices of shape (dim, dim).
    ``lie_dim`` is the dimension of the group as a manifold.
    """

    name: str
    dim: int
    lie_dim: int
    sampler: Callable[[int, np.random.Generator], np.ndarray] = field(repr=False)
    order = None  # infinite

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(self.sampler(n, rng), dtype=np.float64).reshape(n, self.dim, self.dim)

    def rep(self, name: str | None = None) -> Rep:
        if name not in (None, "std"):
            raise KeyError(f"{self.name} has the representation 'std' (use Rep ops for others)")
        return Rep(self, fn=lambda M: M, dim=self.dim, label=f"{self.name}:std")

    def trivial(self, dim: int = 1) -> Rep:
        return Rep(self, fn=lambda M: np.broadcast_to(np.eye(dim), (M.shape[0], dim, dim)),
                   dim=dim, label=f"{self.name}:trivial^{dim}")


# -- finite groups ---------------------------------------------------------------------------
#: the largest order of a listed cyclic or dihedral group (C200 takes ~5 s and 0.4 GB to list;
#: C600 takes 60 s and 8.6 GB)
LISTED_MAX = 200


@cache
def cyclic(m: int) -> FiniteGroup:
    """:math:`C_m=\\langle r\\mid r^m\\rangle`; ``perm``: cyclic shift of m coordinates,
    ``rot``: rotation of the plane by :math:`2\\pi/m`."""
    _need(m >= 1, f"C{m}: m must be at least 1")
    _need(m <= LISTED_MAX, f"C{m}: m must be at most {LISTED_MAX} (C_m is listed with its "
          f"m x m permutation matrices, m^3 floats)")
    return FiniteGroup.from_generators(
        f"C{m}", {"perm": [_perm_matrix((np.arange(m) + 1) % m)], "rot": [_rot(2 * np.pi / m)]})


@cache
def dihedral(m: int) -> FiniteGroup:
    """:math:`D_m=\\langle r,s\\mid r^m,s^2,(sr)^2\\rangle` of order 2m; ``perm``: symmetries of
    the m-gon on its vertices, ``rot``: rotation by :math:`2\\pi/m` and the reflection
    :math:`\\mathrm{diag}(1,-1)` of the plane."""
    _need(m >= 2, f"D{m}: m must be at least 2")
    _need(m <= LISTED_MAX // 2, f"D{m}: m must be at most {LISTED_MAX // 2} (D_m is listed "
          f"with its m x m permutation matrices, 2 m^3 floats)")
    i = np.arange(m)
    return FiniteGroup.from_generators(
        f"D{m}", {"perm": [_perm_matrix((i + 1) % m), _perm_matrix((-i) % m)],
                  "rot": [_rot(2 * np.pi / m), np.diag([1.0, -1.0])]})


@cache
def symmetric(m: int) -> FiniteGroup:
    """:math:`S_m`, all permutations of m points, generated by a transposition and an m-cycle;
    ``perm``: the natural permutation representation."""
    _need(1 <= m <= 7, f"S{m}: m must be between 1 and 7 (|S_m| = m! elements are listed)")
    if m == 1:
        return FiniteGroup("S1", {"perm": np.ones((1, 1, 1))})
    t = np.arange(m)
    t[[0, 1]] = [1, 0]
    return FiniteGroup.from_generators(
        f"S{m}", {"perm": [_perm_matrix(t), _perm_matrix((np.arange(m) + 1) % m)]})


@cache
def sign_flips(d: int) -> FiniteGroup:
    """:math:`\\mathbb Z_2^d` acting on :math:`\\mathbb R^d` by flipping coordinate signs;
    ``diag``: diagonal matrices with entries ±1."""
    _need(1 <= d <= 12, f"Z2^{d}: d must be between 1 and 12")
    gens = [np.diag(np.where(np.arange(d) == j, -1.0, 1.0)) for j in range(d)]
    return FiniteGroup.from_generators(f"Z2^{d}", {"diag": gens})


def direct_product(G: FiniteGroup, H: FiniteGroup) -> FiniteGroup:
    """:math:`G\\times H`, element ``i*|H| + j`` = :math:`(g_i,h_j)`; for each pair of named
    representations the outer tensor product :math:`\\rho_G(g)\\otimes\\rho_H(h)` is named
    ``"a*b"``."""
    reps = {}
    for a, A in G._reps.items():
        for b, B in H._reps.items():
            reps[f"{a}*{b}"] = np.array([np.kron(x, y) for x in A for y in B])
    # joint faithful rep: block_diag of the factors' joint reps, as an extra hidden block
    ga, hb = G._joint(), H._joint()
    reps["_joint"] = np.array([block_diag(x, y) for x in ga for y in hb])
    return FiniteGroup(f"{G.name}x{H.name}", reps)


# -- compact groups --------------------------------------------------------------------------
@cache
def SO2() -> CompactGroup:
    """Rotations of the plane, Haar = uniform angle."""
    return CompactGroup("SO2", 2, 1, lambda n, rng: np.array(
        [_rot(t) for t in rng.uniform(0, 2 * np.pi, size=n)]))


@cache
def SO3() -> CompactGroup:
    """Rotations of 3-space, Haar via ``scipy.stats.special_ortho_group``."""
    return CompactGroup("SO3", 3, 3, lambda n, rng: special_ortho_group.rvs(
        3, size=n, random_state=rng))


@cache
def O(d: int) -> CompactGroup:
    """The orthogonal group O(d), Haar via ``scipy.stats.ortho_group``."""
    _need(d >= 2, f"O{d}: d must be at least 2")
    return CompactGroup(f"O{d}", d, d * (d - 1) // 2, lambda n, rng: ortho_group.rvs(
        d, size=n, random_state=rng))


GROUP_SYNTAX = ("C<m>, D<m>, S<m>, A<m> (any m; listed for S<m> with m <= 7, by generators "
                "otherwise), Z2^<d> (sign flips), SO2, SO3, O<d>")

#: the largest m for which S<m> is listed element by element (beyond: by generators)
S_LISTED = 7


def parse_group(spec: str):
    """Parse ``C6``, ``D4``, ``S4``, ``S64``, ``A5``, ``Z2^3``, ``SO2``, ``SO3``, ``O3``;
    ValueError otherwise.  ``S<m>`` with m <= 7 is a listed :class:`FiniteGroup`; larger
    ``S<m>`` and every ``A<m>`` are :class:`~verify.symmetry.permutation.PermGroup` s."""
    s = str(spec).strip()
    if s in ("SO2", "SO(2)"):
        return SO2()
    if s in ("SO3", "SO(3)"):
        return SO3()
    m = re.fullmatch(r"([CDSAO])\(?(\d+)\)?|Z2\^(\d+)", s)
    if not m:
        raise ValueError(f"unknown group {spec!r}; use {GROUP_SYNTAX}")
    if m.group(3):
        return sign_flips(int(m.group(3)))
    kind, size = m.group(1), int(m.group(2))
    if kind in "SA" and (kind == "A" or size > S_LISTED):
        _need(size <= 100_000, f"{kind}{size}: m must be at most 100000")
        _need(size >= (3 if kind == "A" else 1), f"{kind}{size}: m must be at least "
              f"{3 if kind == 'A' else 1}")
        return (symmetric_group if kind == "S" else alternating_group)(size)
    return {"C": cyclic, "D": dihedral, "S": symmetric, "O": O}[kind](size)


# -- equivariant maps ------------------------------------------------------------------------
def fixed_dim(rep_in: Rep, rep_out: Rep) -> int:
    r"""Dimension of :math:`\{W:\rho_{\rm in}(g)^\top W\rho_{\rm out}(g)=W\ \forall g\}`.

    Finite groups: :math:`\frac1{|G|}\sum_g\chi_{\rm in}(g)\chi_{\rm out}(g)` (exact; it must be
    an integer to 1e-8).  Compact groups: the nullity of the stacked constraints at a few
    Haar-random elements (fixed internal seed; almost surely exact).
    """
    if rep_in.group is not rep_out.group:
        raise ValueError("rep_in and rep_out must be representations of the same group")
    if getattr(rep_in, "by_generators", False):
        return gen_fixed_dim(rep_in, rep_out)
    if rep_in.is_finite:
        val = float(np.mean(rep_in.character() * rep_out.character()))
        if abs(val - round(val)) > 1e-8:
            raise ArithmeticError(f"character average {val} is not an integer: not a rep?")
        return round(val)
    return _compact_fixed_basis(rep_in, rep_out).shape[1]


def _compact_fixed_basis(rep_in: Rep, rep_out: Rep, n_elems: int = 4) -> np.ndarray:
    rng = np.random.default_rng(20231)
    M = rep_in.group.sample(n_elems, rng)
    A, B = rep_in._at(M), rep_out._at(M)
    eye = np.eye(rep_in.dim * rep_out.dim)
    cons = np.vstack([np.kron(a.T, b.T) - eye for a, b in zip(A, B)])
    return null_space(cons, rcond=1e-9)


def _need(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(msg)
