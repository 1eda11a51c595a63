r"""Quotient distances, exact Wasserstein-1 distances and covers of quotient spaces.

A group G acts on :math:`X\subset\mathbb R^d` by orthogonal matrices :math:`\rho(g)`, given as an
array ``mats`` of shape (|G|, d, d) (a finite group's :attr:`~verify.symmetry.groups.Rep.matrices`, or a
finite sample of a compact group).  The quotient distance is

.. math:: d_{X/G}(x,y)=\min_{g}\|x-\rho(g)y\| ,

computed for all pairs by one Numba kernel (:func:`quotient_distance`).  For a finite group it is
exact; for a finite sample S of a compact group it is an upper estimate of the distance over
the whole group (exact references: :func:`so3_quotient_distance`; :math:`|\,\|x\|-\|y\|\,|`
for SO(2) on the plane).

Wasserstein-1 between two uniform n-point measures is an assignment problem (Birkhoff–von
Neumann): :math:`W_1=\frac1n\min_\sigma\sum_i c(x_i,y_{\sigma(i)})`, solved exactly by
``scipy.optimize.linear_sum_assignment`` (:func:`w1_assignment`).  Its dual over invariant
1-Lipschitz functions is solved as an LP by HiGHS (:func:`invariant_lipschitz_lp`).

Covers: :func:`greedy_cover` (greedy δ-cover of a reference sample, in :math:`d_X` or
:math:`d_{X/G}`), :func:`lift_cover` (the orbit of a quotient cover), :func:`count_uncovered`,
and :func:`grid_cover_count` (grid cubes of side :math:`2\delta/\sqrt d` meeting a fundamental
domain, :func:`fundamental_domain`): a valid cover of the whole quotient, not only of a sample.

All arithmetic is float64; no random numbers are drawn here.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange
from scipy import sparse
from scipy.optimize import linear_sum_assignment, linprog
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist

from ..symmetry.groups import FiniteGroup, parse_group

__all__ = [
    "COVER_TOL",
    "Domain",
    "count_uncovered",
    "cube_box",
    "cube_group",
    "fundamental_domain",
    "greedy_cover",
    "grid_cover_count",
    "invariant_lipschitz_lp",
    "lift_cover",
    "quotient_distance",
    "so2_grid",
    "so3_quotient_distance",
    "w1_assignment",
    "w1_euclidean",
    "w1_quotient",
]

#: Round-off allowance of cover membership tests: a point counts as covered at distance
#: ≤ δ + COVER_TOL (distances computed by different routines differ by ~1e-16).
COVER_TOL = 1e-12
#: Below this many multiply-adds a kernel call runs on one thread: thread start-up costs
#: milliseconds on a loaded machine, more than a small call's whole work.
PARALLEL_WORK = 20_000_000
#: Largest LP (orbit points) :func:`invariant_lipschitz_lp` builds: m(m-1) constraints.
LP_MAX_POINTS = 1200


# -- the kernel ----------------------------------------------------------------------------------
@njit(cache=True, parallel=True)
def _quotient_kernel(X, Y, mats):
    """``out[b, i, j] = min_g ||X[b, i] - mats[g] @ Y[b, j]||`` (no fastmath: exact checks)."""
    B, n, d = X.shape
    m = Y.shape[1]
    G = mats.shape[0]
    orb = np.empty((B, m, G, d))
    for bj in prange(B * m):
        b, j = bj // m, bj % m
        for g in range(G):
            for a in range(d):
                s = 0.0
                for c in range(d):
                    s += mats[g, a, c] * Y[b, j, c]
                orb[b, j, g, a] = s
    out = np.empty((B, n, m))
    for bi in prange(B * n):
        b, i = bi // n, bi % n
        for j in range(m):
            best = np.inf
            for g in range(G):
                s = 0.0
                for a in range(d):
                    t = X[b, i, a] - orb[b, j, g, a]
                    s += t * t
                    if s >= best:  # partial sums only grow: this element cannot win
                        break
                best = min(best, s)
            out[b, i, j] = math.sqrt(best)
    return out


@contextmanager
def _threads(work: float):
    """Run a kernel call on one thread when ``work`` (multiply-adds) is small."""
    old = numba.get_num_threads()
    numba.set_num_threads(1 if work < PARALLEL_WORK else old)
    try:
        yield
    finally:
        numba.set_num_threads(old)


def quotient_distance(X, Y, mats) -> np.ndarray:
    r"""All pairwise quotient distances :math:`d_{X/G}(x_i,y_j)=\min_g\|x_i-\rho(g)y_j\|`.

    Parameters
    ----------
    X : array_like, shape (n, d) or (B, n, d)
    Y : array_like, shape (m, d) or (B, m, d)
        Points; a leading batch axis computes B independent matrices in one call.
    mats : array_like, shape (|G|, d, d)
        The matrices :math:`\rho(g)` (orthogonal).  For a sample of a compact group the result
        is an upper estimate of the distance over the whole group.

    Returns
    -------
    ndarray, shape (n, m) or (B, n, m)
    """
    X, Y, mats = (np.ascontiguousarray(a, dtype=np.float64) for a in (X, Y, mats))
    single = X.ndim == 2
    if single:
        X, Y = X[None], Y[None]
    if X.ndim != 3 or Y.ndim != 3 or X.shape[0] != Y.shape[0] or X.shape[2] != Y.shape[2] \
            or mats.ndim != 3 or mats.shape[1:] != (X.shape[2], X.shape[2]):
        raise ValueError(f"shapes X {X.shape}, Y {Y.shape}, mats {mats.shape} do not match")
    B, n, d = X.shape
    with _threads(B * n * Y.shape[1] * mats.shape[0] * d):
        out = _quotient_kernel(X, Y, mats)
    return out[0] if single else out


def so3_quotient_distance(X, Y) -> np.ndarray:
    r"""Exact quotient distance for SO(3) acting diagonally on k copies of :math:`\mathbb R^3`.

    For :math:`x=(x_1..x_k)`, :math:`y=(y_1..y_k)` and :math:`H=\sum_iy_ix_i^\top=USV^\top`,

    .. math:: d_{X/G}(x,y)=\|x-R^*y\|,\qquad R^*=V\,\mathrm{diag}(1,1,\det VU^\top)\,U^\top,

    the Kabsch rotation maximising :math:`\mathrm{tr}(RH)=\sum_i\langle x_i,Ry_i\rangle` over
    SO(3).  The residual is formed directly (no cancellation near 0).

    Parameters
    ----------
    X : array_like, shape (n, 3k)
    Y : array_like, shape (m, 3k)

    Returns
    -------
    ndarray, shape (n, m)
    """
    X, Y = np.asarray(X, np.float64), np.asarray(Y, np.float64)
    k = X.shape[1] // 3
    if X.shape[1] != 3 * k or Y.shape[1] != 3 * k or k < 1:
        raise ValueError("points must have 3k coordinates")
    xs, ys = X.reshape(-1, k, 3), Y.reshape(-1, k, 3)
    H = np.einsum("mka,nkb->nmab", ys, xs)  # (n, m, 3, 3): sum_k y_k x_k^T
    U, _, Vt = np.linalg.svd(H)
    V = np.swapaxes(Vt, -1, -2)
    V[..., :, 2] *= np.sign(np.linalg.det(V @ np.swapaxes(U, -1, -2)))[..., None]
    R = V @ np.swapaxes(U, -1, -2)  # (n, m, 3, 3)
    moved = np.einsum("nmab,mkb->nmka", R, ys)
    return np.sqrt(((xs[:, None] - moved) ** 2).sum(axis=(2, 3)))


def so2_grid(m: int) -> np.ndarray:
    r"""The rotations :math:`C_m\subset SO(2)` by :math:`2\pi j/m`, shape (m, 2, 2); with them
    :func:`quotient_distance` exceeds the SO(2) distance by at most
    :math:`2r\sin(\pi/(2m))` at radius r."""
    a = 2 * np.pi * np.arange(m) / m
    c, s = np.cos(a), np.sin(a)
    return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], 1)


# -- Wasserstein-1 -------------------------------------------------------------------------------
def w1_assignment(cost) -> float | np.ndarray:
    r"""Exact :math:`W_1` between two uniform n-point measures from their cost matrix:
    :math:`\frac1n\min_\sigma\sum_ic_{i\sigma(i)}` (``linear_sum_assignment``).

    ``cost`` of shape (n, n) gives a float; (B, n, n) gives an array of B values."""
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim == 3:
        return np.array([w1_assignment(c) for c in cost])
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1]:
        raise ValueError(f"cost must be square, got shape {cost.shape}")
    r, c = linear_sum_assignment(cost)
    return float(cost[r, c].mean())


def w1_euclidean(X, Y) -> float:
    """:math:`W_1^X` between the uniform measures on the rows of X and Y (equal counts)."""
    return w1_assignment(cdist(X, Y))


def w1_quotient(X, Y, mats) -> float | np.ndarray:
    """:math:`W_1^{X/G}` between the uniform measures on the rows of X and Y (equal counts);
    batched like :func:`quotient_distance`."""
    return w1_assignment(quotient_distance(X, Y, mats))


def invariant_lipschitz_lp(X, Y, mats) -> tuple[float, int]:
    r""":math:`\sup\{\mathbb E_{\mu}f-\mathbb E_{\nu}f:\ f\ \text{invariant, 1-Lipschitz in}\ d_X\}`
    for :math:`\mu,\nu` uniform on the rows of X and Y, as an LP (HiGHS).

    Variables: the values :math:`f(s)` at every point s of the orbit-closed union
    :math:`S=\{\rho(g)z: z\in X\cup Y, g\in G\}`, with :math:`f(s_0)=0` (the objective ignores
    constants).  Constraints: :math:`f(s)-f(t)\le\|s-t\|` for all ordered pairs (the original
    metric), and :math:`f(\rho(g)z)=f(z)` (invariance).  On a finite set the supremum over
    1-Lipschitz functions of X is attained by such values (McShane extension).

    Returns
    -------
    value : float
    status : int
        ``scipy.optimize.linprog`` status (0 = optimal).
    """
    X, Y, mats = (np.asarray(a, dtype=np.float64) for a in (X, Y, mats))
    n, d = X.shape
    if Y.shape != X.shape:
        raise ValueError("X and Y must have the same shape (uniform measures of equal size)")
    k = mats.shape[0]
    Z = np.vstack([X, Y])
    S = np.einsum("gab,pb->pga", mats, Z).reshape(-1, d)  # row p*k + g = rho(g) z_p
    m = S.shape[0]
    if m > LP_MAX_POINTS:
        raise ValueError(f"the LP would have {m} orbit points (> {LP_MAX_POINTS})")
    w = np.zeros(m)
    w[0:n * k:k], w[n * k::k] = 1.0 / n, -1.0 / n
    i, j = np.nonzero(~np.eye(m, dtype=bool))
    rows = np.arange(i.size)
    A = sparse.csr_matrix((np.r_[np.ones(i.size), -np.ones(i.size)],
                           (np.r_[rows, rows], np.r_[i, j])), shape=(i.size, m))
    b = cdist(S, S)[i, j]
    p, g = np.repeat(np.arange(2 * n), k - 1), np.tile(np.arange(1, k), 2 * n)
    r = np.arange(p.size)
    A_eq = sparse.csr_matrix((np.r_[np.ones(r.size), -np.ones(r.size)],
                              (np.r_[r, r], np.r_[p * k + g, p * k])), shape=(r.size, m))
    bounds = [(None, None)] * m
    bounds[0] = (0.0, 0.0)
    res = linprog(-w, A_ub=A, b_ub=b, A_eq=A_eq if r.size else None,
                  b_eq=np.zeros(r.size) if r.size else None, bounds=bounds, method="highs")
    return (float(-res.fun) if res.status == 0 else float("nan")), int(res.status)


# -- covers of a reference sample ----------------------------------------------------------------
def greedy_cover(P, delta: float, mats=None, metric=None) -> np.ndarray:
    r"""Greedy δ-cover of the rows of P: take the first uncovered point as a centre, remove
    every point within δ, repeat.  Returns the centres' row indices.

    The centres are δ-separated, and every row lies within δ of one of them, in :math:`d_X`
    (``mats`` and ``metric`` None: KD-tree), in :math:`d_{X/G}` (``mats`` given:
    :func:`quotient_distance`), or in ``metric(A, c)`` (distances of the rows of A to the point
    c, e.g. :func:`so3_quotient_distance`).
    """
    P = np.ascontiguousarray(P, dtype=np.float64)
    if metric is None and mats is not None:
        metric = lambda A, c: quotient_distance(A, c[None], mats)[:, 0]
    if metric is None:
        tree = cKDTree(P)
        covered = np.zeros(len(P), dtype=bool)
        centres = []
        for i in range(len(P)):
            if not covered[i]:
                centres.append(i)
                covered[tree.query_ball_point(P[i], delta)] = True
        return np.asarray(centres, dtype=np.int64)
    left, centres = np.arange(len(P)), []
    while left.size:
        c = left[0]
        centres.append(c)
        dist = np.array(metric(P[left], P[c]), dtype=np.float64)
        dist[0] = 0.0  # the centre itself (a sample of a compact group may lack the identity)
        left = left[dist > delta]
    return np.asarray(centres, dtype=np.int64)


def lift_cover(C, mats, decimals: int = 12) -> np.ndarray:
    r"""The orbit :math:`\{\rho(g)c\}` of a set of centres, duplicates (points with a nontrivial
    stabiliser) removed after rounding to ``decimals``; shape (≤ |G| N, d)."""
    C, mats = np.asarray(C, np.float64), np.asarray(mats, np.float64)
    lifted = np.einsum("gab,nb->nga", mats, C).reshape(-1, C.shape[1])
    _, keep = np.unique(np.round(lifted, decimals) + 0.0, axis=0, return_index=True)
    return lifted[np.sort(keep)]


def count_uncovered(P, centres, delta: float) -> tuple[int, float]:
    """Rows of P farther than δ (+ :data:`COVER_TOL`) from every centre in :math:`d_X`, and the
    covering radius :math:`\\max_i\\min_c\\|p_i-c\\|`."""
    dist, _ = cKDTree(np.asarray(centres, np.float64)).query(np.asarray(P, np.float64), k=1)
    return int(np.sum(dist > delta + COVER_TOL)), float(dist.max())


# -- grid covers of a fundamental domain ---------------------------------------------------------
@dataclass(frozen=True)
class Domain:
    r"""A fundamental domain F inside the box :math:`\prod_i[lo_i,hi_i]`, cut out by the
    inequalities :math:`x_i\ge x_j` for ``(i, j)`` in ``order`` (Weyl-chamber style; ``order`` is
    transitively closed: a chain lists every pair).

    ``box`` is the invariant cube X the data live in, ``diameter`` the diameter of F in
    :math:`d_X` (an upper bound on :math:`\mathrm{diam}(X/G)`), ``volume_fraction`` = 1/|G|.
    """

    name: str
    lo: tuple[float, ...]
    hi: tuple[float, ...]
    order: tuple[tuple[int, int], ...]
    box: tuple[float, float]
    group_order: int

    @property
    def dim(self) -> int:
        return len(self.lo)

    @property
    def diameter(self) -> float:
        return float(np.linalg.norm(np.subtract(self.hi, self.lo)))

    def contains(self, P) -> np.ndarray:
        """Rows of P in the interior of F (boundary points have measure zero)."""
        P = np.asarray(P, np.float64)
        ok = np.all((P > np.asarray(self.lo)) & (P < np.asarray(self.hi)), axis=1)
        for i, j in self.order:
            ok &= P[:, i] > P[:, j]
        return ok


def cube_box(mats) -> tuple[float, float]:
    """The invariant cube of a group of signed permutation matrices: [0, 1]^d when every matrix
    is a permutation (nonnegative), else [-1, 1]^d.  ValueError for other matrices."""
    M = np.asarray(mats, np.float64)
    if not np.allclose(M, np.round(M), rtol=0.0, atol=1e-9):
        raise ValueError("the representation does not preserve a cube (not signed permutations)")
    M = np.round(M)
    signed_perm = (np.all(np.isin(M, (-1.0, 0.0, 1.0)))
                   and np.all(np.count_nonzero(M, axis=2) == 1)
                   and np.all(np.count_nonzero(M, axis=1) == 1))
    if not signed_perm:
        raise ValueError("the representation does not preserve a cube (not signed permutations)")
    return (0.0, 1.0) if np.all(M >= 0) else (-1.0, 1.0)


_DEFAULT_REP = {"Z": "diag", "S": "perm", "C": "rot", "D": "rot"}


def cube_group(spec: str) -> tuple[str, str, np.ndarray, tuple[float, float]]:
    """Parse ``NAME[:REP]`` (e.g. ``S3``, ``C4``, ``C3:perm``, ``Z2^3``) into the group's name,
    the representation's name, its matrices and its invariant cube (:func:`cube_box`).

    Default representations: ``diag`` for sign flips, ``perm`` for S<m>, ``rot`` (the plane)
    for C<m> and D<m>.  ValueError for compact groups and for actions that move the cube."""
    name, _, rep = str(spec).strip().partition(":")
    group = parse_group(name)
    if not isinstance(group, FiniteGroup):
        raise ValueError(f"{spec}: a finite group is needed (it acts on a cube)")  # noqa: TRY004
    rep = rep.strip() or _DEFAULT_REP[group.name[0]]
    if rep not in group.rep_names:
        raise ValueError(f"{group.name} has representations {', '.join(group.rep_names)}, "
                         f"not {rep!r}")
    mats = group.rep(rep).matrices
    try:
        box = cube_box(mats)
    except ValueError:
        raise ValueError(f"{group.name} ({rep}) does not map the cube [-1, 1]^d or [0, 1]^d "
                         "to itself") from None
    return group.name, rep, mats, box


def fundamental_domain(group_name: str, rep_name: str, d: int) -> Domain:
    r"""A fundamental domain of the groups the covering experiments use, on their cube:

    * ``Z2^d`` (diag) on :math:`[-1,1]^d`: the orthant :math:`[0,1]^d`;
    * ``S<m>`` (perm) on :math:`[0,1]^m`: the chamber :math:`x_1\ge\dots\ge x_m`;
    * ``C<m>`` (perm) on :math:`[0,1]^m`: :math:`x_1\ge x_j` for all j;
    * ``C4`` (rot) on :math:`[-1,1]^2`: the quadrant :math:`[0,1]^2`; ``C2`` (rot): the half
      :math:`[0,1]\times[-1,1]`; ``D4`` (rot): the triangle :math:`0\le x_2\le x_1\le1`;
    * ``C1`` (the trivial group, identity matrices): the whole cube :math:`[0,1]^d`.

    ValueError for any other group.
    """
    g, r = group_name, rep_name
    if g.startswith("Z2^") and r == "diag":
        return Domain(g, (0.0,) * d, (1.0,) * d, (), (-1.0, 1.0), 2**d)
    if g[0] == "S" and r == "perm":
        return Domain(g, (0.0,) * d, (1.0,) * d,
                      tuple((i, j) for i in range(d) for j in range(i + 1, d)),
                      (0.0, 1.0), math.factorial(d))
    if g == "C1":
        return Domain(g, (0.0,) * d, (1.0,) * d, (), (0.0, 1.0), 1)
    if g[0] == "C" and r == "perm":
        return Domain(g, (0.0,) * d, (1.0,) * d, tuple((0, j) for j in range(1, d)),
                      (0.0, 1.0), d)
    if d == 2 and r == "rot" and g in ("C2", "C4", "D4"):
        lo = {"C2": (0.0, -1.0), "C4": (0.0, 0.0), "D4": (0.0, 0.0)}[g]
        order = ((0, 1),) if g == "D4" else ()
        return Domain(g, lo, (1.0, 1.0), order, (-1.0, 1.0), {"C2": 2, "C4": 4, "D4": 8}[g])
    raise ValueError(f"no fundamental domain implemented for {g} ({r}); use Z2^<d>, S<m>, "
                     "C<m> (perm), C1, or C2, C4, D4 (rot)")


def _axis_cells(lo: float, hi: float, side: float) -> tuple[np.ndarray, np.ndarray]:
    """Cells of side ``side`` on [lo, hi], aligned at 0 (so no cell straddles an axis), clipped."""
    k0, k1 = math.floor(lo / side), math.ceil(hi / side)
    a = np.arange(k0, k1 + 1) * side  # the same floats as ends and as starts
    return np.maximum(a[:-1], lo), np.minimum(a[1:], hi)


def grid_cover_count(dom: Domain, delta: float) -> int:
    r"""Number of grid cubes of side :math:`2\delta/\sqrt d` (diameter 2δ) whose interior meets
    the interior of F.  Their centres form a δ-cover of F, hence of X/G, and the cells of F
    they cut have diameter ≤ 2δ: N of the bound B1.

    An open box :math:`\prod(a_i,b_i)` meets :math:`\{x_i>x_j\ \forall(i,j)\}` iff
    :math:`a_j<b_i` for every pair of the (transitively closed) ``dom.order``, for the chains and
    stars used here: choose each coordinate just above the largest lower end it must exceed."""
    side = 2.0 * delta / math.sqrt(dom.dim)
    axes = [_axis_cells(lo, hi, side) for lo, hi in zip(dom.lo, dom.hi)]
    sizes = [len(a) for a, _ in axes]
    if not dom.order:
        return int(np.prod(sizes, dtype=np.int64))
    if float(np.prod(sizes)) > 5e7:
        raise ValueError(f"delta = {delta:g} gives {np.prod(sizes):.3g} grid cells; too many")
    idx = np.indices(sizes).reshape(dom.dim, -1)
    ok = np.ones(idx.shape[1], dtype=bool)
    for i, j in dom.order:
        ok &= axes[j][0][idx[j]] < axes[i][1][idx[i]]
    return int(ok.sum())
