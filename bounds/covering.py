r"""Generalization of invariant Lipschitz classes: Wasserstein distances and covering numbers.

References
----------
[1] M. Petrache, S. Trivedi, *Approximation-Generalization Trade-offs under (Approximate)
    Group Equivariance*, NeurIPS 2023, arXiv:2305.17592 (PT).
[2] equibounds: the statements below are derived (or put in their common form) for this
    package; each function's docstring carries its derivation sketch, and each Statement's
    :class:`~bounds.core.Source` says whether it is the paper's, a common form, or derived.
    Experiments: ``pt-lip-w1``, ``pt-sample-gain``, ``pt-cover-bound``, ``pt-cover-lift``,
    ``pt-cover-dim``.

Setting: a compact :math:`X\subset\mathbb R^d` with the Euclidean metric, a group G acting by
isometries :math:`\rho(g)`, the quotient metric :math:`d_{X/G}(x,y)=\min_g\|x-\rho(g)y\|`, the
Wasserstein-1 distance :math:`W_1^{X/G}` under it, :math:`D=\mathrm{diam}(X/G)` and the covering
number :math:`N(X/G,\delta)`.  The uniform deviation of the invariant 1-Lipschitz class is
:math:`\mathrm{Gen}_n(\mathrm{Lip}_1^G)=\mathbb EW_1^{X/G}(\mu,\mu_n)` (:func:`lipschitz_duality`),
so covering bounds on the quotient are generalization bounds for invariant models.

PT's constants are not confirmed [2, §0]: the bound B1 and its optimum are *derived* for this
package; the sample-gain rate :math:`|G|^{-1/d}` and the dimension drop are the *common form*.
The optimum :math:`\delta^*`, the optimal bound :math:`B^*` and their rates are derived by SymPy in
the function bodies (``Statement.argmin``, substitution, ``diff``), not typed in.  Every
statement that depends on the cover count takes it as an argument ``cover`` (an expression in
δ), so a test can plant a wrong count (e.g. :math:`|G|^2` in the denominator) and watch the
identity :math:`B^*(n,|G|)=B^*(|G|n,1)` break.
"""

from __future__ import annotations

import sympy as sp

from .core import Hypothesis, Source, Statement
from .generalization import SYMBOLS as _GEN

__all__ = [
    "SYMBOLS",
    "bound_gain_ratio",
    "cover_bound",
    "cover_count",
    "cover_dimension",
    "cover_lift_lower",
    "cover_lift_upper",
    "gain_ratio",
    "lipschitz_duality",
    "optimal_cover_bound",
    "optimal_delta",
    "rate_exponent",
    "sample_equivalence_gap",
    "sign_flip_ratio",
]

# n and d are the objects of bounds.generalization (same assumptions), so statements combine.
n, d = _GEN["n"], _GEN["d"]
order = sp.Symbol("order", positive=True, integer=True)  # |G|
delta = sp.Symbol("delta", positive=True)  # cover radius
D = sp.Symbol("D", positive=True)  # diameter of X/G (any upper bound)
N = sp.Symbol("N", positive=True)  # covering number N(X/G, delta)
C = sp.Symbol("C", positive=True)  # constant of the cover-count model N <= C delta^-d / |G|
N_X = sp.Symbol("N_X", positive=True)  # covering number N(X, delta)
dimG = sp.Symbol("dimG", nonnegative=True, integer=True)  # dimension of a compact Lie group
W1q = sp.Symbol("W1q", nonnegative=True)  # W_1^{X/G}(mu, nu), computed by an assignment

#: The symbols used by the statements of this module, by name.
SYMBOLS = {str(x): x for x in (n, d, order, delta, D, N, C, N_X, dimG, W1q)}

_PT_GEN = Source("Petrache & Trivedi 2023 (arXiv:2305.17592)",
                 "PT generalization of invariant Lipschitz classes", "derived",
                 "see experiment pt-lip-w1")
_PT_COVER = Source("Petrache & Trivedi 2023 (arXiv:2305.17592)",
                   "PT covering-number generalization bound on the quotient", "derived",
                   "see experiment pt-cover-bound")
_PT_GAIN = Source("Petrache & Trivedi 2023 (arXiv:2305.17592)",
                  "PT sample gain from symmetry", "common form",
                  "see experiment pt-sample-gain; a heuristic rate, not a theorem")
_PT_LIFT = Source("Petrache & Trivedi 2023 (arXiv:2305.17592)",
                  "PT covering numbers of the quotient", "derived",
                  "see experiment pt-cover-lift")
_PT_DIM = Source("Petrache & Trivedi 2023 (arXiv:2305.17592)",
                 "PT covering numbers of the quotient", "common form",
                 "see experiment pt-cover-dim; hypotheses not confirmed")

_SAMPLES = {1: "one sample", 2: "two samples"}


def _samples(samples: int) -> int:
    if samples not in _SAMPLES:
        raise ValueError(f"samples must be 1 (mu vs mu_n) or 2 (mu_n vs nu_n), got {samples!r}")
    return samples


def _quantity(samples: int) -> str:
    return (r"\mathbb{E}\,W_1^{X/G}(\mu,\mu_n)" if samples == 1
            else r"\mathbb{E}\,W_1^{X/G}(\mu_n,\nu_n)")


# -- pt-lip-w1 ----------------------------------------------------------------------------------
def lipschitz_duality() -> Statement:
    r"""Kantorovich duality on the quotient: invariant 1-Lipschitz functions see :math:`W_1^{X/G}`.

    .. math::
        \sup_{f\in\mathrm{Lip}_1^G}\big(\mathbb E_\mu f-\mathbb E_\nu f\big)=W_1^{X/G}(\mu,\nu).

    An invariant f with :math:`|f(x)-f(y)|\le\|x-y\|` satisfies
    :math:`|f(x)-f(y)|=|f(x)-f(\rho(g)y)|\le\|x-\rho(g)y\|` for every g, hence is 1-Lipschitz
    for :math:`d_{X/G}`; the converse holds because :math:`d_{X/G}\le d_X`.  Kantorovich–Rubinstein
    on :math:`(X/G,d_{X/G})` then gives the identity; with :math:`\nu=\mu_n` it reads
    :math:`\mathrm{Gen}_n(\mathrm{Lip}_1^G)=\mathbb EW_1^{X/G}(\mu,\mu_n)`.  The right-hand side
    is the symbol ``W1q``: the check compares two computations (an LP over function values
    with invariance equalities, and an assignment under :math:`d_{X/G}`).
    """
    return Statement(
        name="invariant Lipschitz duality",
        quantity=r"\sup_{f\in\mathrm{Lip}_1^G}(\mathbb{E}_\mu f-\mathbb{E}_\nu f)",
        expr=W1q, relation="=", source=_PT_GEN,
        description=(
            "The invariant 1-Lipschitz functions on X are exactly the 1-Lipschitz functions on "
            "the quotient X/G, so their largest mean difference between two laws is the "
            "Wasserstein-1 distance of the laws on the quotient."
        ),
    )


def sign_flip_ratio() -> Statement:
    r"""Sign flips on the cube: the quotient halves the expected two-sample :math:`W_1`.

    .. math::
        \frac{\mathbb EW_1^{X/G}(\mu_n,\nu_n)}{\mathbb EW_1^{X}(\mu_n,\nu_n)}=\frac12,
        \qquad \mu=U[-1,1]^d,\ G=\mathbb Z_2^d,

    for every n and d.  :math:`d_{X/G}(x,y)=\||x|-|y|\|` and :math:`|x|\sim U[0,1]^d`, while
    :math:`x=2u-1` with :math:`u\sim U[0,1]^d` scales every distance of :math:`U[-1,1]^d` by the
    ratio of side lengths (2 : 1).  The ratio is of expectations, not per sample.  It coincides
    with :math:`|G|^{-1/d}` at :math:`|G|=2^d` (:func:`gain_ratio`).
    """
    side_x, side_q = sp.Integer(1) - (-1), sp.Integer(1) - 0  # [-1, 1]^d and [0, 1]^d
    return Statement(
        name="sign-flip Wasserstein ratio",
        quantity=r"\mathbb{E}W_1^{X/G}/\mathbb{E}W_1^{X}",
        expr=side_q / side_x, relation="=", source=_PT_GEN,
        description=(
            "For sign flips on [-1, 1]^d the quotient is the cube [0, 1]^d with the uniform "
            "law, half the side of X, so the expected two-sample Wasserstein-1 distance on the "
            "quotient is exactly half the one on X, for every n and d."
        ),
    )


# -- pt-sample-gain -----------------------------------------------------------------------------
def gain_ratio() -> Statement:
    r"""Sample gain of an invariant Lipschitz class (common form, a large-n rate).

    .. math::
        \frac{\mathbb EW_1^{X/G}(n)}{\mathbb EW_1^X(n)}\to|G|^{-1/d},\qquad d\ge3,
        \ \text{free a.e. action}.

    Derived from the heuristic :math:`\mathbb EW_1^{X/G}(n)\approx\mathbb EW_1^X(|G|n)` (a
    fundamental domain carries all the mass, at |G| times the density) and the rate
    :math:`\mathbb EW_1^X(n)\approx c\,n^{-1/d}` for :math:`d\ge3`.
    """
    c = sp.Symbol("c", positive=True)
    w = lambda m: c * m ** (-1 / d)
    ratio = sp.powsimp(sp.expand_power_base(w(order * n) / w(n), force=True), force=True)
    return Statement(
        name="sample gain from symmetry",
        quantity=r"\lim_n \mathbb{E}W_1^{X/G}(n)/\mathbb{E}W_1^{X}(n)",
        expr=sp.simplify(ratio), relation="=",
        hypotheses=(Hypothesis(d >= 3, "d >= 3 (the n^(-1/d) rate of W_1)"),),
        source=_PT_GAIN,
        description=(
            "With symmetry, n samples act like |G| n samples on a fundamental domain; since "
            "E W_1 decays like n^(-1/d) in d >= 3 dimensions, the ratio of expected "
            "Wasserstein distances tends to |G|^(-1/d)."
        ),
    )


# -- pt-cover-bound -----------------------------------------------------------------------------
def cover_count(power: int = 1) -> sp.Expr:
    r"""The cover-count model :math:`N(X/G,\delta)\le C\delta^{-d}/|G|^{\rm power}`.

    ``power = 1`` is the model of [2, pt-cover-bound] (a fundamental domain has volume
    :math:`1/|G|` of X); tests plant ``power = 2``.
    """
    return C * delta ** (-d) / order**power


def cover_bound(samples: int = 1) -> Statement:
    r"""Covering bound B1 on the expected quotient Wasserstein distance, at a given δ.

    .. math::
        \mathbb EW_1^{X/G}(\mu,\mu_n)\le2\delta+\frac D2\sqrt{\frac{N(X/G,\delta)}{n}}
        \quad\Big(\text{two samples: }2\delta+\frac D2\sqrt{\frac{2N}{n}}\Big).

    Proof sketch: a δ-cover gives N cells of diameter ≤ 2δ.  Couple μ and :math:`\mu_n` inside
    each cell (cost ≤ 2δ) and move the excess mass :math:`\frac12\sum_C|\mu(C)-\mu_n(C)|` at
    cost ≤ D.  :math:`\mathbb E|\mu(C)-\mu_n(C)|\le\sqrt{\mu(C)/n}` (two samples:
    :math:`\sqrt{2\mu(C)/n}`) and Cauchy–Schwarz, :math:`\sum_C\sqrt{\mu(C)}\le\sqrt N`.
    """
    s = _samples(samples)
    return Statement(
        name=f"quotient covering bound B1 ({_SAMPLES[s]})",
        quantity=_quantity(s),
        expr=2 * delta + D / 2 * sp.sqrt(s * N / n), relation="<=", source=_PT_COVER,
        description=(
            "Partition the quotient into N cells of diameter at most 2 delta (from a delta-cover);"
            " transport inside cells costs at most 2 delta, and the mass that the sample puts "
            "in the wrong cells, of expected size (1/2) sqrt(N/n), moves at most the diameter D."
        ),
    )


def _bound_in_delta(samples: int, cover: sp.Expr | None) -> sp.Expr:
    cover = cover_count() if cover is None else cover
    return cover_bound(samples).expr.subs(N, cover)


def optimal_delta(samples: int = 1, cover: sp.Expr | None = None) -> Statement:
    r"""The δ minimising B1 under the cover-count model :math:`N\le C\delta^{-d}/|G|`.

    .. math::
        \delta^*=\Big(\frac{C D^2d^2}{64|G|n}\Big)^{1/(d+2)}
        \quad(\text{two samples: }32\text{ instead of }64),

    the unique stationary point of :math:`2\delta+\frac D2\sqrt{sC\delta^{-d}/(|G|n)}` (s = 1 or
    2 samples), found by :meth:`Statement.argmin`.
    """
    s = _samples(samples)
    f = Statement("B1 under the cover model", "B1(delta)", _bound_in_delta(s, cover))
    return Statement(
        name=f"bound-optimal cover radius ({_SAMPLES[s]})", quantity=r"\delta^*",
        expr=f.argmin(delta, sp.Interval.open(0, sp.oo)), relation="=", source=_PT_COVER,
        description="The cover radius that minimises the covering bound B1 when "
                    "N(X/G, delta) <= C delta^(-d) / |G|.",
    )


def optimal_cover_bound(samples: int = 1, cover: sp.Expr | None = None) -> Statement:
    r"""The optimal covering bound :math:`B^*(n,|G|)=\mathrm{B1}(\delta^*)`.

    .. math::
        \mathbb EW_1^{X/G}\le B^*(n,|G|)=2\delta^*\Big(1+\frac2d\Big),\qquad
        \delta^*=\Big(\frac{sCD^2d^2}{64|G|n}\Big)^{1/(d+2)},

    (s = 1 or 2 samples), derived by substituting :func:`optimal_delta` into B1: SymPy finds
    that the second term equals :math:`4\delta^*/d` at the optimum.  It depends on n and |G| only through
    :math:`|G|n`, so :math:`B^*(n,|G|)=B^*(|G|n,1)` (:func:`sample_equivalence_gap`), and it
    decays like :math:`n^{-1/(d+2)}` (:func:`rate_exponent`).
    """
    s = _samples(samples)
    f = _bound_in_delta(s, cover)
    ds = optimal_delta(s, cover).expr
    # B1(delta*) = delta* (2 + r) with r = (B1 - 2 delta)/delta at delta* (= 4/d, by SymPy)
    r = sp.simplify(sp.powsimp(sp.expand_power_base(((f - 2 * delta) / delta).subs(delta, ds),
                                                    force=True), force=True))
    expr = ds * (2 + r)
    return Statement(
        name=f"optimal quotient covering bound ({_SAMPLES[s]})", quantity=_quantity(s),
        expr=expr, relation="<=", source=_PT_COVER,
        hypotheses=(Hypothesis(d >= 1, "d >= 1"),),
        description=(
            "The covering bound B1 at its optimal radius, when N(X/G, delta) <= C delta^(-d)/|G|:"
            " it depends on n and |G| only through |G| n, so for this bound symmetry is exactly "
            "|G| times more data; the rate is n^(-1/(d+2))."
        ),
    )


def sample_equivalence_gap(stmt: Statement) -> sp.Expr:
    r""":math:`B^*(n,|G|)-B^*(|G|n,1)`, simplified: 0 iff "symmetry = |G| times more data".

    ``stmt`` is an :func:`optimal_cover_bound` (possibly with a planted cover count)."""
    e = stmt.expr
    gap = e - e.subs({n: order * n, order: 1}, simultaneous=True)
    return sp.simplify(sp.powsimp(sp.expand_power_base(gap, force=True), force=True))


def rate_exponent(stmt: Statement, var: sp.Symbol = n) -> sp.Expr:
    r"""Elasticity :math:`\partial\log B/\partial\log(\mathrm{var})` of a bound, simplified.

    For :func:`optimal_cover_bound` it is :math:`-1/(d+2)` in n and in |G|."""
    return sp.simplify(var * sp.diff(sp.log(stmt.expr), var))


def bound_gain_ratio(samples: int = 1, cover: sp.Expr | None = None) -> Statement:
    r"""Gain of the optimal covering bound: :math:`B^*(n,|G|)/B^*(n,1)=|G|^{-1/(d+2)}`.

    Derived from :func:`optimal_cover_bound`; slower than the rate :math:`|G|^{-1/d}` of
    :func:`gain_ratio` because B1 trades δ against :math:`\delta^{-d/2}`.
    """
    b = optimal_cover_bound(samples, cover).expr
    ratio = sp.powsimp(sp.expand_power_base(b / b.subs(order, 1), force=True), force=True)
    return Statement(
        name="gain of the optimal covering bound", quantity=r"B^*(n,|G|)/B^*(n,1)",
        expr=sp.simplify(ratio), relation="=", source=_PT_COVER,
        description="The optimal covering bound shrinks by |G|^(-1/(d+2)) with symmetry.",
    )


# -- pt-cover-lift ------------------------------------------------------------------------------
def cover_lift_upper() -> Statement:
    r"""Lifting a quotient cover: :math:`N(X,\delta)\le|G|\,N(X/G,\delta)` (finite G).

    If :math:`\{c_k\}` is a δ-cover of X/G then :math:`\{\rho(g)c_k\}_{g,k}` covers X: for x
    there are k and g with :math:`\|x-\rho(g)c_k\|=d_{X/G}(x,c_k)\le\delta`.
    """
    return Statement(
        name="lifted quotient cover", quantity=r"N(X,\delta)", expr=order * N, relation="<=",
        source=_PT_LIFT,
        description="The orbit of a delta-cover of the quotient is a delta-cover of X with at "
                    "most |G| times as many centres.",
    )


def cover_lift_lower() -> Statement:
    r"""Projecting a cover: :math:`N(X/G,\delta)\le N(X,\delta)`, since
    :math:`d_{X/G}\le d_X` makes every δ-cover of X a δ-cover of X/G."""
    return Statement(
        name="projected cover", quantity=r"N(X,\delta)", expr=N, relation=">=",
        source=_PT_LIFT,
        description="A delta-cover of X, read in the quotient metric, covers X/G.",
    )


# -- pt-cover-dim -------------------------------------------------------------------------------
def cover_dimension() -> Statement:
    r"""Dimension of the quotient (common form): for a compact Lie group acting freely,

    .. math::
        \lim_{\delta\to0}\frac{\log N(X/G,\delta)}{\log(1/\delta)}=d-\dim G,

    where d is the dimension of X; finite groups (:math:`\dim G=0`) keep the slope and divide
    the count by |G| (:func:`cover_lift_upper`).
    """
    return Statement(
        name="quotient cover dimension", quantity=r"-d\log N(X/G,\delta)/d\log\delta",
        expr=d - dimG, relation="=",
        hypotheses=(Hypothesis(dimG <= d, "dim G <= d"),), source=_PT_DIM,
        description="Covering numbers of the quotient by a compact Lie group acting freely grow "
                    "like delta^-(d - dim G): the group removes dim G dimensions.",
    )
