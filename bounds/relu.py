r"""ReLU networks and symmetries (the Bökman–Kahl family): the results that are formulas.

References
----------
[1] G. Bökman, F. Kahl, *Investigating how ReLU-networks encode symmetries*, NeurIPS 2023,
    arXiv:2305.17017 (BK).
[2] A. Shahverdi et al., *Identifiable Equivariant Networks are Layerwise Equivariant*,
    arXiv:2601.21645 (the general principle behind ``bk-deep-recovery``).
[3] equibounds: the statements below are derived (or put in their common form) for this
    package; each function's docstring carries its derivation sketch, and each Statement's
    :class:`~bounds.core.Source` says whether it is the paper's, a common form, or derived.
    Experiments: the ``bk-*`` exact experiments of :mod:`verify.experiments.bk_reps`
    and :mod:`verify.experiments.bk_layerwise`.

Most results of the family are structural (a matrix commutes with ReLU iff it is a positive
scaled permutation; an analyser's verdict equals the truth); they are checked numerically in
:mod:`verify.models.relu_symmetry`.  This module states only the identities behind them:

* :func:`relu_odd_part`: :math:`\sigma(z)-\sigma(-z)=z`, the mechanism of the counterexamples;
* :func:`relu_abs_form`: :math:`\sigma(z)=\tfrac12(z+|z|)`;
* :func:`relu_positive_homogeneity`: :math:`\sigma(cz)=c\,\sigma(z)` for :math:`c>0`, why positive
  scaled permutations commute with ReLU;
* :func:`two_layer_identity`: :math:`\sum_ia_i\sigma(u_i)=\tfrac12\sum_ia_i|u_i|+\tfrac12\sum_ia_iu_i`
  with :math:`u_i=w_i^\top x`, the decomposition behind the two-layer characterisation;
* :func:`layerwise_width`: a layerwise-equivariant realisation exists at width
  :math:`|G|\,c_j` (the symmetrisation construction).

The BK constants and theorem numbering are not confirmed against the paper text [3, §0]; the
statements are *derived* for this package (proof sketches in the docstrings) and cited to BK as
the family they belong to.
"""

from __future__ import annotations

import sympy as sp

from .core import Source, Statement

__all__ = [
    "SYMBOLS",
    "best_positive_cosine",
    "layerwise_width",
    "relu",
    "relu_abs_form",
    "relu_odd_part",
    "relu_positive_homogeneity",
    "two_layer_identity",
]

z = sp.Symbol("z", real=True)  # a pre-activation
c = sp.Symbol("c", positive=True)  # a positive scale
i = sp.Symbol("i", integer=True, nonnegative=True)  # hidden-unit index (bound in sums)
width = sp.Symbol("width", positive=True, integer=True)  # number of hidden units c_j
order = sp.Symbol("order", positive=True, integer=True)  # |G|
#: Out-weights a_i (one output coordinate) and pre-activations u_i = w_i^T x of the hidden units.
a = sp.IndexedBase("a", real=True)
u = sp.IndexedBase("u", real=True)

#: The symbols used by the statements of this module, by name.
SYMBOLS = {"z": z, "c": c, "i": i, "width": width, "order": order, "a": a, "u": u}

_BK = "Bökman & Kahl 2023 (arXiv:2305.17017)"


def relu(e: sp.Expr) -> sp.Expr:
    r""":math:`\sigma(e)=\max(0,e)` as a SymPy expression."""
    return sp.Max(0, e)


def relu_odd_part() -> Statement:
    r"""The odd part of ReLU is the identity.

    .. math:: \sigma(z)-\sigma(-z)=z,\qquad z\in\mathbb R .

    This is why a sign flip of a hidden unit changes a ReLU network only by a linear term:
    :math:`\sigma(-w^\top x)=\sigma(w^\top x)-w^\top x`, so rows whose out-weighted sum vanishes
    can be flipped without changing :math:`f` (counterexamples C1–C3 of [3]).
    """
    return Statement(
        name="odd part of ReLU",
        quantity=r"\sigma(z) - \sigma(-z)",
        expr=z,
        relation="=",
        source=Source(_BK, "BK counterexamples", "common form",
                      "the mechanism of the counterexamples; constants of the paper's nets "
                      "not confirmed"),
        description=(
            "sigma(z) - sigma(-z) = z: flipping the sign of a hidden unit's weights changes its "
            "output by a linear term only, which out-weights summing to zero cancel."
        ),
    )


def relu_abs_form() -> Statement:
    r"""ReLU as half the sum of the identity and the absolute value.

    .. math:: \sigma(z)=\tfrac12\,(z+|z|),\qquad z\in\mathbb R .
    """
    return Statement(
        name="ReLU through the absolute value",
        quantity=r"\sigma(z)",
        expr=(z + sp.Abs(z)) / 2,
        relation="=",
        source=Source("textbook", "BK two-layer decomposition", "derived"),
        description="max(0, z) = (z + |z|)/2 for every real z.",
    )


def relu_positive_homogeneity() -> Statement:
    r"""ReLU is positively homogeneous.

    .. math:: \sigma(cz)=c\,\sigma(z),\qquad c>0 .

    So :math:`\sigma(PDx)=PD\sigma(x)` for a permutation P and a positive diagonal D; the
    converse (an invertible A with :math:`\sigma(Ax)=A\sigma(x)` is such a PD) is checked
    numerically by ``bk-relu-commute``.
    """
    return Statement(
        name="positive homogeneity of ReLU",
        quantity=r"\sigma(c z)",
        expr=c * relu(z),
        relation="=",
        source=Source(_BK, "BK ReLU-commuting matrices", "derived",
                      "A commutes with ReLU iff A = PD, P a permutation, D > 0 diagonal"),
        description=(
            "sigma(c z) = c sigma(z) for c > 0, so positive-scaled permutations commute with "
            "ReLU; -I, signed permutations and generic matrices do not."
        ),
    )


def two_layer_identity() -> Statement:
    r"""A two-layer ReLU network is half an absolute-value network plus half a linear map.

    .. math::
        f(x)=\sum_{i=0}^{c-1}a_i\,\sigma(u_i)
        =\tfrac12\sum_{i=0}^{c-1}a_i\,|u_i|+\tfrac12\sum_{i=0}^{c-1}a_i\,u_i,
        \qquad u_i=w_i^\top x,

    termwise from :func:`relu_abs_form` (with biases, :math:`u_i=(w_i,b_i)^\top(x,1)`).
    Consequence [3, ``bk-two-layer``]: for nonzero, pairwise non-parallel rows and nonzero
    out-weights, f is equivariant iff each :math:`\rho_0(g)` permutes the rows up to signs
    :math:`s_i` and scales :math:`c_i>0`, the out-weights follow (:math:`c_ia_i=\rho_2(g)
    a_{\pi_g(i)}`), and the flipped rows' linear terms cancel
    (:math:`\sum_{j\in J_g}a_jw_j^\top=0`); f is layerwise equivariant iff all :math:`s_i=+1`.

    The expression uses the indexed symbols ``a`` (out-weights, one output) and ``u``
    (pre-activations) and the width ``width``; evaluate it with :func:`sympy.lambdify` on
    ``(a, u, width)`` (``Statement.lambdify`` handles plain symbols only).
    """
    lin = sp.Sum(a[i] * u[i], (i, 0, width - 1))
    absval = sp.Sum(a[i] * sp.Abs(u[i]), (i, 0, width - 1))
    return Statement(
        name="two-layer ReLU decomposition",
        quantity=r"\sum_{i=0}^{c-1} a_i \sigma(u_i)",
        expr=absval / 2 + lin / 2,
        relation="=",
        source=Source(_BK, "BK two-layer characterisation", "derived",
                      "the hypotheses of the paper's positive result are not confirmed "
                      "(common form: one hidden layer plus non-degeneracy)"),
        description=(
            "f(x) = sum_i a_i sigma(w_i^T x) = 1/2 sum_i a_i |w_i^T x| + 1/2 (sum_i a_i w_i^T) x. "
            "With non-parallel rows the absolute-value part fixes the rows up to sign and "
            "scale, so equivariance forces a signed scaled permutation of the hidden units; "
            "it is a ReLU-compatible (layerwise) one iff all signs are +1."
        ),
    )


def layerwise_width() -> Statement:
    r"""Every equivariant ReLU MLP has a layerwise-equivariant realisation of width
    :math:`|G|\,c_j`.

    .. math:: c_j^{\rm layerwise}\le |G|\,c_j .

    Construction: stack the |G| nets :math:`\rho_L(g)^{-1}f(\rho_0(g)\,\cdot)` block-diagonally
    and average them in the last layer; G permutes the blocks, so every hidden representation
    is a permutation and commutes with ReLU.  For an arbitrary f the construction gives its
    symmetrisation :math:`\Phi f`.  Counterexamples C1 and C2 of [3] need the full factor
    :math:`|G|=2` (3 units → 6; proof sketch only, in [3]).
    """
    return Statement(
        name="layerwise realisation width",
        quantity=r"c_j^{\mathrm{layerwise}}",
        expr=order * width,
        relation="<=",
        source=Source(_BK, "BK layerwise realisation", "derived",
                      "construction by block-diagonal symmetrisation"),
        description=(
            "An equivariant ReLU MLP with hidden widths c_j has a layerwise-equivariant "
            "realisation with widths |G| c_j: stack the |G| transformed copies and average "
            "them in the last layer."
        ),
    )


def best_positive_cosine(rows, rho0) -> Statement:
    r"""The ReLU-compatibility gap of a two-layer net's first layer under :math:`\rho_0`.

    .. math:: \max_i\Big(1-\max_j\frac{\langle w_i\rho_0,w_j\rangle}{\|w_i\rho_0\|\,\|w_j\|}\Big)

    A layerwise-equivariant :math:`\rho_1` (a positive-scaled permutation) exists only if every
    transformed row :math:`w_i\rho_0` is a positive multiple of a row, i.e. this gap is 0.  The
    value is computed exactly (SymPy rationals and square roots) from the integer ``rows`` and
    ``rho0``; for the counterexamples C1 (rows (2,0), (−1,1), (−1,−1), :math:`\rho_0=-I`) and C2
    it is :math:`1-1/\sqrt2`.
    """
    W = sp.Matrix(rows)
    R = sp.Matrix(rho0)
    U = W * R
    best = []
    for a in range(U.rows):
        u = U.row(a)
        cos = [sp.nsimplify(u.dot(W.row(b))) / sp.sqrt(u.dot(u) * W.row(b).dot(W.row(b)))
               for b in range(W.rows)]
        best.append(sp.Max(*cos))
    gap = sp.simplify(sp.Max(*[1 - x for x in best]))
    return Statement(
        name="ReLU-compatibility gap of a first layer",
        quantity=r"\max_i(1-\max_j\cos(w_i\rho_0,w_j))",
        expr=gap,
        relation="=",
        source=Source(_BK, "BK counterexamples", "derived",
                      "exact cosines of the given rows; see experiment bk-counterexample"),
        description=(
            "How far the transformed first-layer rows are from positive multiples of rows: "
            "0 iff a positive-scaled permutation rho_1 can intertwine the first layer."
        ),
    )
