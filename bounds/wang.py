r"""Lower bounds for incorrect (and extrinsic) equivariance: Wang et al.

References
----------
[1] D. Wang, X. Zhu, J. Y. Park, M. Jia, G. Su, R. Platt, R. Walters, *A General Theory of
    Correct, Incorrect, and Extrinsic Equivariance*, NeurIPS 2023, arXiv:2303.04745 (Wang).
[2] equibounds: the statements below are derived (or put in their common form) for this
    package; each function's docstring carries its derivation sketch, and each Statement's
    :class:`~bounds.core.Source` says whether it is the paper's, a common form, or derived.
    Experiments: ``wang-reg-lb``, ``wang-cls-lb``.

Setting.  A finite group G acts orthogonally on :math:`X=\mathbb R^d`, :math:`x\sim\mu`, and a
target f (regression) or a labelling y(x) (classification) may not be invariant.  Wang's terms
for a symmetry at :math:`(x,g)`: *correct* if :math:`p(gx)>0` and :math:`f(gx)=f(x)`;
*incorrect* if :math:`p(gx)>0` and :math:`f(gx)\ne f(x)`; *extrinsic* if :math:`p(gx)=0`.  An
invariant model cannot follow f where the symmetry is incorrect; the statements below say by
how much it must fail.

Symbols: :math:`V_G=\mathbb E_x\mathbb E_g\big(f(gx)-\mathbb E_{g'}f(g'x)\big)^2` (the mean
orbit variance of f, uniform over the orbit as in the authors' code), :math:`\eta=
\mathrm{dist}_\Phi(f)=\|f-\Phi f\|_{L^2(\mu)}` (the data equivariance error),
:math:`Q_G=\int_{X/G}\max_yp(Gx,y)` (the orbit-majority mass) and, for the instance,
:math:`w` (flip-sector width) and :math:`|G|` (``order``).

Besides the statements, the module computes :math:`V_G` and :math:`\eta^2` *exactly* for a
polynomial f and :math:`\mu=N(0,I_d)`, from the Gaussian moments
:math:`\mathbb E z^k=(k-1)!!` (k even, 0 otherwise) (:func:`orbit_variance`,
:func:`reynolds_distance2`), so experiments get exact predictions.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from .approximation import SYMBOLS as _APPROX
from .core import Hypothesis, Source, Statement

__all__ = [
    "SYMBOLS",
    "act",
    "classification_lower_bound",
    "gaussian_expectation",
    "gaussian_moment",
    "orbit_mean",
    "orbit_variance",
    "plane_group",
    "regression_lower_bound",
    "regression_min",
    "regression_min_eta",
    "reynolds_distance2",
    "sector_error",
]

eta = _APPROX["eta"]  # the same symbol object (positive) as bounds.approximation
V_G = sp.Symbol("V_G", nonnegative=True)  # E_x E_g (f(gx) - E_g' f(g'x))^2
Q_G = sp.Symbol("Q_G", nonnegative=True)  # int_{X/G} max_y p(Gx, y)
w = sp.Symbol("w", positive=True)  # width of the flip sector (radians)
order = sp.Symbol("order", positive=True, integer=True)  # |G| = M for C_M

#: The symbols used by the statements of this module, by name.
SYMBOLS = {str(x): x for x in (eta, V_G, Q_G, w, order)}

_PAPER = "Wang et al. 2023 (arXiv:2303.04745)"
_REG = "Wang lower bound, incorrect equivariance (regression)"
_CLS = "Wang lower bound, incorrect equivariance (classification)"
_UNIFORM_NOTE = ("the authors' code averages uniformly over the orbit; the paper may weight by "
                 "the density (not confirmed); the two agree for G-invariant mu")


# -- statements --------------------------------------------------------------------------------
def regression_lower_bound() -> Statement:
    r"""Wang's regression bound: every invariant model errs by at least the orbit variance.

    .. math::
        \mathbb E_{x\sim\mu}(h(x)-f(x))^2\ \ge\ V_G=
        \mathbb E_x\mathbb E_g\big(f(gx)-\mathbb E_{g'}f(g'x)\big)^2
        \quad\text{for every G-invariant }h,

    for G-invariant μ.  (With a non-invariant μ the uniform orbit average is not a lower
    bound: for :math:`\mu=\delta_{x_0}` the invariant h with :math:`h(Gx_0)=f(x_0)` has error
    0 while :math:`V_G>0`; the orbit must then be weighted by μ's conditional law on it.)
    """
    return Statement(
        name="Wang regression lower bound",
        quantity=r"\mathbb{E}(h - f)^2,\ h\ G\text{-invariant}",
        expr=V_G,
        relation=">=",
        source=Source(_PAPER, _REG, "paper", _UNIFORM_NOTE),
        description=(
            "For a G-invariant input law, any G-invariant regressor h has squared error at "
            "least V_G = E_x E_g (f(gx) - E_g' f(g'x))^2, the mean variance of the target over "
            "the orbit of x: where the symmetry is incorrect (f(gx) != f(x) with p(gx) > 0) "
            "an invariant model cannot follow f."
        ),
    )


def regression_min() -> Statement:
    r"""The bound is attained: the orbit mean is the best invariant regressor.

    .. math::
        \min_{h\ \mathrm{inv}}\mathbb E(h-f)^2=V_G,\qquad
        h^*(x)=\mathbb E_gf(gx),

    for G-invariant μ.  Proof: for invariant h and invariant μ,
    :math:`\mathbb E(h-f)^2=\mathbb E_x\mathbb E_g(h(x)-f(gx))^2` (substitute :math:`x\to gx`),
    and for each x the mean over g is smallest at :math:`h(x)=\mathbb E_gf(gx)`, where it is
    the orbit variance.
    """
    return Statement(
        name="Wang regression bound attained",
        quantity=r"\min_{h\ \mathrm{inv}} \mathbb{E}(h - f)^2",
        expr=V_G,
        relation="=",
        source=Source(_PAPER, _REG, "derived", "equality attained by the orbit mean; "
                      + _UNIFORM_NOTE),
        description=(
            "For a G-invariant input law the orbit mean h*(x) = E_g f(gx) is invariant and "
            "attains the lower bound: the least error of an invariant regressor is exactly "
            "the mean orbit variance V_G."
        ),
    )


def regression_min_eta() -> Statement:
    r"""For invariant μ the bound is the squared data equivariance error.

    .. math::
        \min_{h\ \mathrm{inv}}\mathbb E(h-f)^2=V_G=\eta^2=\|f-\Phi f\|^2_{L^2(\mu)} .

    Proof: :math:`\Phi f=\mathbb E_gf(g\,\cdot)` is invariant and μ is invariant, so
    :math:`\mathbb E_x(f(gx)-\Phi f(x))^2=\mathbb E_x(f(gx)-\Phi f(gx))^2=\eta^2` for every g.
    """
    return Statement(
        name="Wang regression bound = eta^2",
        quantity=r"\min_{h\ \mathrm{inv}} \mathbb{E}(h - f)^2",
        expr=eta**2,
        relation="=",
        source=Source(_PAPER, _REG, "derived", "equals the squared data equivariance error "
                      "for G-invariant mu (see experiment wang-reg-lb)"),
        description=(
            "For a G-invariant input law the least squared error of an invariant regressor "
            "is eta^2, the squared L2 distance of the target to its Reynolds projection."
        ),
    )


def classification_lower_bound() -> Statement:
    r"""Wang's classification bound: an invariant classifier errs at least on orbit dissent.

    .. math::
        P(h(x)\ne y)\ \ge\ 1-Q_G=1-\int_{X/G}\max_y p(Gx,y)
        \quad\text{for every G-invariant }h .

    An invariant h gives every point of an orbit one label, so it is right on at most the
    largest label mass :math:`\max_yp(Gx,y)` of each orbit; the orbit majority attains it.
    """
    return Statement(
        name="Wang classification lower bound",
        quantity=r"P(h(x) \neq y),\ h\ G\text{-invariant}",
        expr=1 - Q_G,
        relation=">=",
        hypotheses=(Hypothesis(Q_G <= 1, "Q_G <= 1"),),
        source=Source(_PAPER, _CLS, "common form", "exact for deterministic labels; attained "
                      "by orbit-majority voting"),
        description=(
            "Any G-invariant classifier labels a whole orbit alike, so its error is at least "
            "the mass of the labels that disagree with their orbit's majority: "
            "1 - int_{X/G} max_y p(Gx, y)."
        ),
    )


def sector_error() -> Statement:
    r"""The instance of ``wang-cls-lb``: the best invariant classifier's error is :math:`w/2\pi`.

    .. math::
        \min_{h\ \mathrm{inv}}P(h(x)\ne y)=1-Q_G=\frac{w}{2\pi},\qquad
        0<w\le\frac{2\pi}{|G|},\ |G|\ge2,

    for :math:`x\sim N(0,I_2)`, :math:`G=C_M` rotating the plane, and
    :math:`y=\mathbf 1[\|x\|>1]\oplus\mathbf 1[\angle x\in[0,w)]`.  Proof: the orbit angles
    are spaced by :math:`2\pi/M\ge w`, so an orbit meets the flip sector at most once; it does
    for a fraction :math:`Mw/2\pi` of orbits (the angle is uniform and independent of the
    radius), and there the majority is wrong on one point of M (M = 2: a tie, either label is
    wrong on one of two), so the error is :math:`\frac{Mw}{2\pi}\cdot\frac1M=\frac{w}{2\pi}`
    (0.125 for :math:`w=\pi/4`).
    """
    return Statement(
        name="flip-sector instance of the classification bound",
        quantity=r"\min_{h\ \mathrm{inv}} P(h(x) \neq y)",
        expr=w / (2 * sp.pi),
        relation="=",
        hypotheses=(Hypothesis(order >= 2, "|G| >= 2"),
                    Hypothesis(w <= 2 * sp.pi / order,
                               "w <= 2 pi/|G| (each orbit meets the flip sector at most once)")),
        source=Source(_PAPER, _CLS, "derived", "instance of the orbit-dissent bound of "
                      "wang-cls-lb, generalised from C4 to C_M"),
        description=(
            "x ~ N(0, I_2), C_M rotating the plane, y = 1[|x| > 1] xor 1[angle(x) in [0, w)]. "
            "Each orbit meets the flip sector at most once, so orbit-majority voting, the best "
            "invariant classifier, is wrong exactly on the flipped points: error w/(2 pi)."
        ),
    )


# -- exact Gaussian computations -----------------------------------------------------------------
def gaussian_moment(k: int) -> sp.Integer:
    r""":math:`\mathbb Ez^k` for :math:`z\sim N(0,1)`: :math:`(k-1)!!` for even k, else 0."""
    if k < 0:
        raise ValueError(f"moment order must be nonnegative, got {k}")
    return sp.Integer(0) if k % 2 else sp.factorial2(k - 1) if k else sp.Integer(1)


def gaussian_expectation(expr: sp.Expr, xs: Sequence[sp.Symbol]) -> sp.Expr:
    r""":math:`\mathbb E\,p(x)` for a polynomial p and :math:`x\sim N(0,I_d)`, exactly.

    .. math:: \mathbb E\sum_\alpha c_\alpha x^\alpha=\sum_\alpha c_\alpha\prod_i(\alpha_i-1)!!
              \quad(\text{all }\alpha_i\text{ even; other terms vanish}).
    """
    poly = sp.Poly(sp.expand(expr), *xs)
    out = sp.Integer(0)
    for powers, c in poly.terms():
        m = sp.Integer(1)
        for k in powers:
            m *= gaussian_moment(k)
        out += c * m
    return sp.expand(out)


def act(f: sp.Expr, xs: Sequence[sp.Symbol], M: sp.Matrix) -> sp.Expr:
    r""":math:`x\mapsto f(Mx)` for a matrix M acting on the column of variables ``xs``."""
    y = sp.Matrix(M) * sp.Matrix(xs)
    return sp.expand(f.subs(dict(zip(xs, y)), simultaneous=True))


def orbit_mean(f: sp.Expr, xs: Sequence[sp.Symbol], matrices: Sequence[sp.Matrix]) -> sp.Expr:
    r"""The Reynolds projection :math:`\Phi f(x)=\frac1{|G|}\sum_gf(gx)` (invariant output)."""
    return sp.expand(sp.Add(*(act(f, xs, M) for M in matrices)) / len(matrices))


def orbit_variance(f: sp.Expr, xs: Sequence[sp.Symbol],
                   matrices: Sequence[sp.Matrix]) -> sp.Expr:
    r"""Exact :math:`V_G=\mathbb E_x\frac1{|G|}\sum_g\big(f(gx)-\Phi f(x)\big)^2` under
    :math:`x\sim N(0,I_d)`."""
    phi = orbit_mean(f, xs, matrices)
    terms = [(act(f, xs, M) - phi) ** 2 for M in matrices]
    return sp.simplify(gaussian_expectation(sp.Add(*terms) / len(matrices), xs))


def reynolds_distance2(f: sp.Expr, xs: Sequence[sp.Symbol],
                       matrices: Sequence[sp.Matrix]) -> sp.Expr:
    r"""Exact :math:`\eta^2=\mathbb E_x(f(x)-\Phi f(x))^2` under :math:`x\sim N(0,I_d)`."""
    return sp.simplify(gaussian_expectation((f - orbit_mean(f, xs, matrices)) ** 2, xs))


def plane_group(name: str) -> list[sp.Matrix]:
    r"""Exact 2×2 matrices of :math:`C_M` (rotations by :math:`2\pi j/M`) or :math:`D_M`
    (those and the reflections :math:`\mathrm{diag}(1,-1)` composed with them), identity
    first.  ``name`` is ``"C<M>"`` or ``"D<M>"``."""
    kind, m = name[:1], name[1:]
    if kind not in ("C", "D") or not m.isdigit() or int(m) < 1:
        raise ValueError(f"unknown plane group {name!r}; use C<M> or D<M>")
    M = int(m)
    rots = [sp.Matrix([[sp.cos(2 * sp.pi * j / M), -sp.sin(2 * sp.pi * j / M)],
                       [sp.sin(2 * sp.pi * j / M), sp.cos(2 * sp.pi * j / M)]])
            for j in range(M)]
    if kind == "C":
        return rots
    s = sp.diag(1, -1)
    return rots + [R * s for R in rots]
