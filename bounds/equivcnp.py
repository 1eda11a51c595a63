r"""Group-equivariant conditional neural processes: the encoder decomposition and its lemmas.

References
----------
[1] M. Kawano, W. Kumagai, A. Sannai, Y. Iwasawa, Y. Matsuo, *Group Equivariant Conditional
    Neural Processes*, ICLR 2021, arXiv:2102.08759 (EquivCNP).
[2] J. Gordon, W. Bruinsma, A. Foong, J. Requeima, Y. Dubois, R. Turner, *Convolutional
    Conditional Neural Processes*, ICLR 2020, arXiv:1910.13556 (ConvCNP, Theorem 1).

Setting.  A context set :math:`Z=\{(x_i,y_i)\}_{i\le n}` with inputs in a space that a group G
acts on, :math:`gZ=\{(gx_i,y_i)\}`.  The encoder with K + 1 power channels is

.. math:: \mathrm{Enc}_K(Z)(t)=\sum_i\phi_K(y_i)\,\psi(t,x_i),\qquad
          \phi_K(y)=(y^0,y^1,\dots,y^K),

with ψ a positive-definite kernel.  The common form of the decomposition theorem (EquivCNP,
following ConvCNP's Theorem 1; extra assumptions not confirmed): on a closed collection of
context sets, closed under permutations and under G, with every input repeated at most K
times, a map M is continuous, permutation invariant and G-equivariant,
:math:`M(gZ)(gt)=M(Z)(t)`, iff :math:`M=D\circ\mathrm{Enc}_K` with ψ G-invariant and D
continuous and equivariant.  The lemmas below (L1–L3) are the parts that can be checked
exactly; they are *derived* for this package and cited to EquivCNP as the family.
"""

from __future__ import annotations

import itertools

import sympy as sp

from .core import Source, Statement

__all__ = [
    "SYMBOLS",
    "encoder_equivariance",
    "encoder_permutation_invariance",
    "grid_interpolation_rate",
    "grid_shift_equivariance",
    "invariant_kernel_model",
    "lie_identities",
    "multiplicity_separation",
    "power_sums",
    "shift_invariant_likelihood",
]

S_phi = sp.Symbol("S_phi", nonnegative=True)  # sum_i ||phi(y_i)||_1
delta_psi = sp.Symbol("delta_psi", nonnegative=True)  # sup |psi(gt, gx) - psi(t, x)|
psi_max = sp.Symbol("psi_max", nonnegative=True)  # max_t psi(t, x) on the target set
K_sym = sp.Symbol("K", positive=True, integer=True)
h = sp.Symbol("h", positive=True)  # grid spacing

#: The symbols used by the statements of this module, by name.
SYMBOLS = {str(x): x for x in (S_phi, delta_psi, psi_max, K_sym, h)}

_EQ = Source("Kawano et al. 2021 (arXiv:2102.08759)", "EquivCNP decomposition", "derived",
             "lemma of the common form of the decomposition theorem (after ConvCNP Thm 1)")
_EQ_MODEL = Source("Kawano et al. 2021 (arXiv:2102.08759)", "EquivCNP models", "derived")


def encoder_permutation_invariance() -> Statement:
    r"""L1: the encoder is a sum over the context, so it is permutation invariant.

    .. math:: \max_t\|\mathrm{Enc}(\pi Z)(t)-\mathrm{Enc}(Z)(t)\|=0.

    The body forms :math:`\sum_i\phi_i\psi_i-\sum_i\phi_{\pi(i)}\psi_{\pi(i)}` for every
    permutation of three symbolic terms and simplifies it (to 0).
    """
    n = 3
    phi, psi = sp.symbols(f"phi0:{n}"), sp.symbols(f"psi0:{n}")
    base = sum(p * q for p, q in zip(phi, psi))
    diffs = {sp.expand(base - sum(phi[j] * psi[j] for j in perm))
             for perm in itertools.permutations(range(n))}
    (expr,) = diffs  # one value over all permutations
    return Statement(
        name="L1 encoder permutation invariance",
        quantity=r"\max_t\|\mathrm{Enc}(\pi Z)(t)-\mathrm{Enc}(Z)(t)\|",
        expr=sp.sympify(expr), relation="=", source=_EQ,
        description="Enc(Z)(t) = sum_i phi(y_i) psi(t, x_i) is a sum over the context, so "
                    "reordering the context leaves it unchanged.")


def encoder_equivariance() -> Statement:
    r"""L2: the encoder's equivariance defect is at most the kernel's invariance defect.

    .. math::
        \max_t\|\mathrm{Enc}(gZ)(gt)-\mathrm{Enc}(Z)(t)\|_\infty\le S_\phi\,\delta_\psi,
        \quad S_\phi=\sum_i\|\phi(y_i)\|_\infty,\ \delta_\psi=\sup|\psi(gt,gx)-\psi(t,x)|.

    Because :math:`\mathrm{Enc}(gZ)(gt)-\mathrm{Enc}(Z)(t)=\sum_i\phi(y_i)[\psi(gt,gx_i)-
    \psi(t,x_i)]` (triangle inequality).  An invariant ψ has :math:`\delta_\psi=0`, so
    :math:`\mathrm{Enc}(gZ)(t)=\mathrm{Enc}(Z)(g^{-1}t)` exactly.
    """
    return Statement(
        name="L2 encoder equivariance",
        quantity=r"\max_t\|\mathrm{Enc}(gZ)(gt)-\mathrm{Enc}(Z)(t)\|_\infty",
        expr=S_phi * delta_psi, relation="<=",
        source=_EQ,
        description="The encoder with a G-invariant kernel psi(gt, gx) = psi(t, x) is exactly "
                    "equivariant, Enc(gZ)(t) = Enc(Z)(g^-1 t); in general its defect is at most "
                    "sum_i |phi(y_i)| times the kernel's invariance defect.")


def power_sums(ys, K: int) -> list[sp.Expr]:
    r"""The power sums :math:`p_k=\sum_iy_i^k`, :math:`k=0..K` (exact, SymPy numbers)."""
    ys = [sp.nsimplify(y) for y in ys]
    return [sp.Add(*[y**k for y in ys]) if ys else sp.Integer(0) for k in range(K + 1)]


def multiplicity_separation(K: int, ys_a, ys_b, channel0: bool = True) -> Statement:
    r"""L3 at one input: two context sets stacked at the same x differ in their embedding by

    .. math:: \max_t\|\mathrm{Enc}_K(Z_A)(t)-\mathrm{Enc}_K(Z_B)(t)\|_\infty
              =\psi_{\max}\max_{k}|p_k(A)-p_k(B)|,

    with k over 0..K (1..K without the :math:`y^0` channel) and
    :math:`\psi_{\max}=\max_t\psi(t,x)`, since both embeddings are
    :math:`\psi(t,x)(p_0,\dots,p_K)`.  By Newton's identities the power sums
    :math:`p_1..p_m` of m ≤ K values determine them, so with K + 1 channels the encoder is
    injective on sets of multiplicity ≤ K; with K = 1, :math:`\{1,-1\}` and :math:`\{0,0\}`
    (multiplicity 2) collide, and without :math:`y^0`, :math:`\{0\}` collides with ∅.
    """
    pa, pb = power_sums(ys_a, K), power_sums(ys_b, K)
    ks = range(0 if channel0 else 1, K + 1)
    gap = sp.Max(*[sp.Abs(pa[k] - pb[k]) for k in ks]) if len(ks) else sp.Integer(0)
    return Statement(
        name=f"L3 multiplicity separation (K = {K}{'' if channel0 else ', no y^0'})",
        quantity=r"\max_t\|\mathrm{Enc}_K(Z_A)(t)-\mathrm{Enc}_K(Z_B)(t)\|_\infty",
        expr=psi_max * gap, relation="=",
        source=_EQ,
        description=f"Context sets {list(ys_a)} and {list(ys_b)} stacked at one input, encoder "
                    f"with channels y^k, k = {ks.start}..{K}: the embeddings differ by psi_max "
                    "times the largest power-sum difference.")


def invariant_kernel_model() -> Statement:
    r"""Layers :math:`h\leftarrow\tanh(\tilde K(P,P)hW)` on the moving point set
    :math:`P=X_c\cup X_t`, with :math:`\tilde K` a row-normalised kernel of
    :math:`\|p_i-p_j\|`, are exactly equivariant for any isometry group:

    .. math:: \max\|M(gZ)(gx_t)-M(Z)(x_t)\|=0,

    since :math:`\|gp_i-gp_j\|=\|p_i-p_j\|` leaves :math:`\tilde K(P,P)` unchanged and the
    initial features are the context values (no coordinate enters as a channel).
    """
    return Statement(
        name="invariant-kernel model equivariance",
        quantity=r"\max\|M(gZ)(gx_t)-M(Z)(x_t)\|", expr=sp.Integer(0), relation="=",
        source=_EQ_MODEL,
        description="A model that sees the inputs only through distances between points of the "
                    "moving set (context and targets) is exactly equivariant to isometries.")


def grid_shift_equivariance() -> Statement:
    r"""A set-convolution onto a fixed grid of spacing h, a discrete convolution on it and an
    interpolation back are exactly equivariant to shifts by multiples of h:

    .. math:: H(Z+mh)_{j+m}=H(Z)_j,\qquad M(Z+mh)(t+mh)=M(Z)(t)

    (the grid maps onto itself; far from its ends the values are those of an infinite grid).
    """
    return Statement(
        name="grid model: shifts by multiples of h", quantity=r"\|H(Z+mh)_{\cdot+m}-H(Z)\|",
        expr=sp.Integer(0), relation="=", source=_EQ_MODEL,
        description="On a fixed grid of spacing h, translating the data by m h shifts the grid "
                    "features by m cells; interpolated outputs follow exactly.")


def grid_interpolation_rate() -> Statement:
    r"""Half-cell shifts: the error ratio per halving of h of linear interpolation at the cell
    midpoint,

    .. math:: \frac{e(h)}{e(h/2)}\to2^p=4,\qquad
              f(x)-\tfrac12[f(x-\tfrac h2)+f(x+\tfrac h2)]=-\tfrac{h^2}8f''(x)+O(h^4).

    The body expands the midpoint interpolation error of a generic smooth f in h and reads
    off the leading power p.
    """
    x = sp.Symbol("x")
    f = sp.Function("f")
    err = f(x) - (f(x - h / 2) + f(x + h / 2)) / 2
    series = sp.series(err, h, 0, 4).removeO().doit()
    p = min(sp.Poly(series, h).monoms())[0]
    return Statement(
        name="grid model: half-cell shift error rate", quantity=r"e(h)/e(h/2)",
        expr=sp.Integer(2) ** p, relation="=", source=_EQ_MODEL,
        description="Linear interpolation from a grid of spacing h is second-order accurate, "
                    "so the equivariance error for half-cell shifts falls about 4x per halving "
                    "of h (asymptotically).")


def shift_invariant_likelihood() -> Statement:
    r"""An exactly T(1)-equivariant predictor scores a task and its translate identically:

    .. math:: LL(\tau+a)-LL(\tau)=0,

    since its predictive mean and variance at :math:`t+a` given :math:`Z+a` are those at t
    given Z, and the target values are the same; on a stationary GP the translated tasks are
    distributed as the originals.
    """
    return Statement(
        name="shift-invariant log-likelihood", quantity=r"\max_\tau|LL(\tau+a)-LL(\tau)|",
        expr=sp.Integer(0), relation="=", source=_EQ_MODEL,
        description="Per-task log-likelihoods of an exactly translation-equivariant predictor "
                    "do not change when the task is translated.")


def lie_identities() -> Statement:
    r"""The group identities LieConv-style layers rely on:

    .. math:: \exp\log u=u,\quad \log(u^{-1}v)=\log((wu)^{-1}wv),\quad
              (uv)w=u(vw),\ uu^{-1}=e

    (the logarithm's round trip away from its branch cut; left invariance of the pair
    encoding, since :math:`(wu)^{-1}wv=u^{-1}v`).
    """
    return Statement(
        name="Lie group identities", quantity=r"\max\|\mathrm{lhs}-\mathrm{rhs}\|",
        expr=sp.Integer(0), relation="=",
        source=Source("Finzi et al. 2020 (LieConv), Kawano et al. 2021", "EquivCNP Lie groups",
                      "derived"),
        description="exp/log round trip, left invariance of log(u^-1 v) and the group axioms, "
                    "on sampled elements.")
