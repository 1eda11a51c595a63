r"""Approximate invariance: the ε-stabilizer, and the generalization bound over
:math:`\mathcal F_\varepsilon`.

References
----------
[1] M. Petrache, S. Trivedi, *Approximation-Generalization Trade-offs under (Approximate)
    Group Equivariance*, NeurIPS 2023, arXiv:2305.17592 (PT).  The name
    :math:`\mathsf{Stab}_\varepsilon` is PT's; its definition here is the common form, and PT's
    constants are not confirmed.
[2] equibounds: the statements below are derived (or put in their common form) for this
    package; each function's docstring carries its derivation sketch, and each Statement's
    :class:`~bounds.core.Source` says whether it is the paper's, a common form, or derived.
    Experiments: ``pt-approx-lp``, ``pt-stab-eps``.

Setting.  A finite group G acts on :math:`X\subset\mathbb R^d` by isometries
:math:`\rho_X(g)` (and orthogonally on Y by :math:`\rho_Y(g)`); the per-element error of f is

.. math:: e_g(f)=\|f\circ\rho_X(g)-\rho_Y(g)f\|,

in :math:`L^\infty` (the supremum over X, or over a G-closed set) or in :math:`L^2(\mu)` for an
invariant μ.  The ε-stabilizer is :math:`\mathsf{Stab}_\varepsilon(f)=\{g:e_g(f)\le\varepsilon\}`.
For invariance (:math:`\rho_Y` trivial) the class of ε-invariant 1-Lipschitz functions is
:math:`\mathcal F_\varepsilon=\{f\in\mathrm{Lip}_1:|f(\rho_X(g)x)-f(x)|\le\varepsilon
\ \forall g,x\}`
(:math:`\mathsf{Stab}_\varepsilon=G` in :math:`L^\infty`), and
:math:`\mathcal F_{S,\varepsilon}` imposes the ε-constraint only for the elements of a set S.
:math:`W_1^X` and :math:`W_1^{X/G}` are the Wasserstein-1 distances between two measures
:math:`\mu_n,\mu'_n` under :math:`d_X` and under the quotient metric
:math:`d_{X/G}(x,y)=\min_gd_X(x,\rho_X(g)y)`.

Every statement is *derived* for this package and cited to PT as the family it belongs to.
"""

from __future__ import annotations

import sympy as sp

from .approximation import SYMBOLS as _APPROX
from .core import Source, Statement

__all__ = [
    "SYMBOLS",
    "approx_invariance_bound",
    "inverse_error",
    "stabilizer_closure",
    "word_length_bound",
]

eps = _APPROX["eps"]  # the same symbol (nonnegative) as bounds.approximation
W1 = sp.Symbol("W1", nonnegative=True)  # W_1^X(mu_n, mu'_n)
W1q = sp.Symbol("W1q", nonnegative=True)  # W_1^{X/G}(mu_n, mu'_n)
m = sp.Symbol("m", positive=True, integer=True)  # word length
e_g, e_h = sp.symbols("e_g e_h", nonnegative=True)  # per-element errors e_g(f), e_h(f)

#: The symbols used by the statements of this module, by name.
SYMBOLS = {str(x): x for x in (eps, W1, W1q, m, e_g, e_h)}

_PT_LP = Source("Petrache & Trivedi 2023 (arXiv:2305.17592)",
                "PT generalization under approximate invariance", "derived",
                "see experiment pt-approx-lp")
_PT_STAB = Source("Petrache & Trivedi 2023 (arXiv:2305.17592)", "PT epsilon-stabilizer",
                  "derived", "the name Stab_eps is PT's, the definition common form; "
                  "see experiment pt-stab-eps")


# -- the epsilon-stabilizer ----------------------------------------------------------------------
def stabilizer_closure() -> Statement:
    r"""Subadditivity of the per-element error, hence
    :math:`\mathsf{Stab}_\varepsilon\mathsf{Stab}_{\varepsilon'}\subset
    \mathsf{Stab}_{\varepsilon+\varepsilon'}`.

    .. math::
        e_{gh}(f)\le e_g(f)+e_h(f).

    Triangle inequality plus isometry:
    :math:`f\circ\rho_X(gh)-\rho_Y(gh)f=[f\circ\rho_X(g)-\rho_Y(g)f]\circ\rho_X(h)
    +\rho_Y(g)[f\circ\rho_X(h)-\rho_Y(h)f]`; the first term has norm :math:`e_g` because μ is
    invariant (or the supremum runs over a G-closed set), the second :math:`e_h` because
    :math:`\rho_Y(g)` is orthogonal.  With :math:`e_g\le\varepsilon`, :math:`e_h\le\varepsilon'`
    the product gh lies in :math:`\mathsf{Stab}_{\varepsilon+\varepsilon'}`; it need not lie in
    :math:`\mathsf{Stab}_{\max(\varepsilon,\varepsilon')}` unless the stabilizer is a subgroup.
    """
    first, second = sp.symbols("a b", nonnegative=True)  # the two terms' norms
    triangle = first + second
    expr = triangle.subs({first: e_g, second: e_h})  # isometry: |first| = e_g, |second| = e_h
    return Statement(
        name="epsilon-stabilizer closure",
        quantity=r"e_{gh}(f)",
        expr=expr,
        relation="<=",
        hypotheses=(),
        source=_PT_STAB,
        description=(
            "The equivariance error of a product is at most the sum of the errors: "
            "e_gh <= e_g + e_h (triangle inequality, mu invariant, rho_Y orthogonal). Hence "
            "Stab_eps Stab_eps' is contained in Stab_(eps + eps'), but not in "
            "Stab_max(eps, eps') in general."
        ),
    )


def inverse_error() -> Statement:
    r"""The error of an inverse equals the error of the element, hence
    :math:`\mathsf{Stab}_\varepsilon^{-1}=\mathsf{Stab}_\varepsilon`.

    .. math::
        e_{g^{-1}}(f)=e_g(f).

    :math:`f\circ\rho_X(g^{-1})-\rho_Y(g^{-1})f=-\rho_Y(g)^{-1}[f\circ\rho_X(g)-\rho_Y(g)f]
    \circ\rho_X(g)^{-1}`, an orthogonal map of a composition with an isometry that preserves μ.
    The identity has :math:`e_e(f)=0`, so :math:`e\in\mathsf{Stab}_\varepsilon` for every
    :math:`\varepsilon\ge0`.
    """
    return Statement(
        name="error of the inverse",
        quantity=r"e_{g^{-1}}(f)",
        expr=e_g,
        relation="=",
        hypotheses=(),
        source=_PT_STAB,
        description=(
            "e_(g^-1) = e_g for an invariant measure (or the sup over a G-closed set), so the "
            "epsilon-stabilizer is closed under inverses and contains the identity."
        ),
    )


# -- the generalization bound over F_eps ---------------------------------------------------------
def word_length_bound() -> Statement:
    r"""Uniform deviation over :math:`\mathcal F_{S,\varepsilon}` when
    :math:`S\subset\mathsf{Stab}_\varepsilon` generates G in words of length ≤ m.

    .. math::
        \sup_{\mathcal F_{S,\varepsilon}}(\mathbb E_{\mu_n}f-\mathbb E_{\mu'_n}f)
        \le\min\bigl(W_1^X,\ W_1^{X/G}+2m\varepsilon\bigr).

    :math:`\mathsf{Stab}_\varepsilon` is symmetric (:func:`inverse_error`), so words may use
    :math:`S\cup S^{-1}`.  Applying :func:`stabilizer_closure` along a word
    :math:`g=s_1\cdots s_j`, :math:`j\le m`, gives :math:`e_g^\infty\le\sum_{i\le m}\varepsilon
    =m\varepsilon` (the body sums it), so :math:`\|f-\Phi f\|_\infty\le m\varepsilon`.
    :math:`\Phi f` is invariant and 1-Lipschitz, i.e. 1-Lipschitz on :math:`(X/G,d_{X/G})`,
    whence :math:`\mathbb E_{\mu_n}\Phi f-\mathbb E_{\mu'_n}\Phi f\le W_1^{X/G}`; the remainder
    :math:`f-\Phi f` moves the difference by at most :math:`2m\varepsilon`.  The class is a
    subset of :math:`\mathrm{Lip}_1`, so the deviation is also at most :math:`W_1^X`
    (Kantorovich-Rubinstein).  :math:`W_1^{X/G}\le W_1^X` always (:math:`d_{X/G}\le d_X`).
    """
    i = sp.Symbol("i", positive=True, integer=True)
    closure = stabilizer_closure().expr
    step = closure.subs({e_g: 0, e_h: eps})  # one letter of the word adds at most eps
    word_error = sp.summation(step, (i, 1, m))  # e_g <= m eps along a word of length m
    expr = sp.Min(W1, W1q + 2 * word_error)
    return Statement(
        name="approximate-invariance bound, word length m",
        quantity=r"\sup_{\mathcal{F}_{S,\varepsilon}}(\mathbb{E}_{\mu_n}f"
                 r" - \mathbb{E}_{\mu'_n}f)",
        expr=expr,
        relation="<=",
        hypotheses=(),
        source=_PT_LP,
        description=(
            "1-Lipschitz functions that are eps-invariant under a set S generating G in words "
            "of length <= m (over S and its inverses): their largest mean difference between "
            "two measures is at most min(W1^X, W1^(X/G) + 2 m eps)."
        ),
    )


def approx_invariance_bound() -> Statement:
    r"""Uniform deviation over the ε-invariant 1-Lipschitz class :math:`\mathcal F_\varepsilon`.

    .. math::
        \sup_{\mathcal F_\varepsilon}(\mathbb E_{\mu_n}f-\mathbb E_{\mu'_n}f)
        \le\min\bigl(W_1^X,\ W_1^{X/G}+2\varepsilon\bigr).

    :func:`word_length_bound` with S = G (every element is a word of length m = 1):
    :math:`\|f-\Phi f\|_\infty\le\varepsilon`.  At ε = 0 the bound is :math:`W_1^{X/G}` (the
    invariant 1-Lipschitz functions are the 1-Lipschitz functions on X/G) and it is attained;
    it is nondecreasing in ε and equals :math:`W_1^X` from
    :math:`\varepsilon=(W_1^X-W_1^{X/G})/2` on.  On a finite G-closed set the supremum is a
    linear program (the McShane extension :math:`\min_sf(s)+d_X(x,s)` keeps both constraints),
    which reaches :math:`W_1^X` once ε exceeds every :math:`d_X(x,\rho_X(g)x)` there.
    """
    expr = word_length_bound().expr.subs(m, 1)
    return Statement(
        name="approximate-invariance bound",
        quantity=r"\sup_{\mathcal{F}_\varepsilon}(\mathbb{E}_{\mu_n}f - \mathbb{E}_{\mu'_n}f)",
        expr=expr,
        relation="<=",
        hypotheses=(),
        source=_PT_LP,
        description=(
            "1-Lipschitz functions with |f(gx) - f(x)| <= eps for all g and x: their largest "
            "mean difference between two measures is at most min(W1^X, W1^(X/G) + 2 eps). It "
            "is W1^(X/G) at eps = 0 and W1^X for large eps; W1 = W1^X, W1q = W1^(X/G)."
        ),
    )
