r"""Approximation error under an equivariance budget, and the optimal model equivariance error.

References
----------
[1] M. Petrache, S. Trivedi, *Approximation-Generalization Trade-offs under (Approximate)
    Group Equivariance*, NeurIPS 2023, arXiv:2305.17592 (PT).
[2] equibounds: the statements below are derived (or put in their common form) for this
    package; each function's docstring carries its derivation sketch, and each Statement's
    :class:`~bounds.core.Source` says whether it is the paper's, a common form, or derived.
    Experiments: ``pt-optimal-eps``, ``pt-constrained-erm``, ``pt-approx-budget``,
    ``pt-approx-sup``.
[3] B. Elesedy, S. Zaidi, *Provably Strict Generalisation Benefit for Equivariant Models*,
    ICML 2021, arXiv:2102.10333 (the inverse-Wishart lemma behind :func:`v_expr`).

Setting (the "LG model" of [2]): :math:`x\sim N(0,\sigma_X^2 I_d)`, :math:`y=\Theta^\top x+\xi`,
:math:`\xi\sim N(0,\sigma^2 I_k)`, :math:`\Theta=\Theta_E+\Theta_\perp` with data equivariance
error :math:`\eta=\sigma_X\|\Theta_\perp\|_F>0`, :math:`W` the least-squares fit on :math:`n`
samples, :math:`Z=W-\Theta`, and the family :math:`W_t=\Phi W+t(W-\Phi W)`.  The model
equivariance error of a random estimator is :math:`\varepsilon=(\mathbb E\,\mathrm{dist}_\Phi^2)
^{1/2}`.

PT's constants are not confirmed [2, §0]; every statement here is *derived* for this package
and cited to PT as the family it belongs to.  The closed forms are derived by SymPy in the
function bodies (quadratic forms, ``solve``/``argmin``, substitution), not typed in.
"""

from __future__ import annotations

import sympy as sp

from .core import Hypothesis, Source, Statement
from .generalization import SYMBOLS as _GEN

__all__ = [
    "SYMBOLS",
    "a_expr",
    "approx_error_l2",
    "approx_error_z2_sup",
    "approx_sup_lower",
    "approx_sup_upper",
    "bound_optimal_eps",
    "constrained_erm_risk",
    "lg_dist_curve",
    "lg_risk_curve",
    "min_risk",
    "misspecified_gap",
    "optimal_eps",
    "optimal_eps_whitened",
    "optimal_t",
    "reynolds_distance",
    "reynolds_error_bound",
    "v_expr",
    "v_whitened_expr",
]

# The same symbol objects as bounds.generalization (assumptions included), so statements of the
# two modules can be combined and evaluated with the same keyword values.
n, d, k, dimE, sigma, sigma_x = (_GEN[s] for s in ("n", "d", "k", "dimE", "sigma", "sigma_x"))
eta = sp.Symbol("eta", positive=True)  # data error dist_Phi(f*) = sigma_X ||Theta_perp||
eta_sup = sp.Symbol("eta_sup", positive=True)  # sup_g e_g(f*)
eps = sp.Symbol("eps", nonnegative=True)  # model equivariance error or budget
t = sp.Symbol("t", real=True)  # mixing weight of W_t

#: The symbols used by the statements of this module, by name.
SYMBOLS = {str(x): x for x in (n, d, k, dimE, sigma, sigma_x, eta, eta_sup, eps, t)}

# Placeholders for the two variance terms; positive under the hypotheses (n > d + 1 and
# dimE < d k make v > 0), which lets SymPy decide convexity before v is substituted.
_V = sp.Symbol("v", positive=True)
_A = sp.Symbol("a", nonnegative=True)

_LG_HYP = (
    Hypothesis(n > d + 1, "n > d + 1"),
    Hypothesis(dimE < d * k, "dimE < d*k"),
)
_WHITE_HYP = (
    Hypothesis(n >= d, "n >= d (a whitened design X^T X = n sigma_x^2 I needs rank d)"),
    Hypothesis(dimE < d * k, "dimE < d*k"),
)

_PT_OPT = Source("Petrache & Trivedi 2023 (arXiv:2305.17592)",
                 "PT optimal model equivariance error", "derived",
                 "exact in the LG model, see experiment pt-optimal-eps")
_PT_WHITE = Source("Petrache & Trivedi 2023 (arXiv:2305.17592)",
                   "PT optimal model equivariance error", "derived",
                   "whitened design, closed-form reference of pt-constrained-erm")
_PT_APPROX = Source("Petrache & Trivedi 2023 (arXiv:2305.17592)",
                    "PT approximation error under an equivariance budget", "derived",
                    "see experiment pt-approx-budget")
_PT_SUP = Source("Petrache & Trivedi 2023 (arXiv:2305.17592)",
                 "PT approximation error under an equivariance budget", "derived",
                 "sup-over-g budget in the LG model, see experiment pt-approx-sup")


# -- helpers -----------------------------------------------------------------------------------
def _lemma(rank: sp.Expr, dof: sp.Expr) -> sp.Expr:
    r""":math:`\mathbb E\,\sigma_X^2\|PZ\|_F^2` for an orthogonal projection P of rank ``rank``.

    With :math:`\mathbb E[\mathrm{vec}Z\,\mathrm{vec}Z^\top]=\sigma^2 I_{dk}/(\sigma_X^2\,
    \mathrm{dof})` this is :math:`\sigma^2\,\mathrm{rank}/\mathrm{dof}` (the trace of P).
    """
    return sigma**2 * rank / dof


def _risk_curve(V: sp.Expr, A: sp.Expr) -> sp.Expr:
    r""":math:`\mathbb E\,\sigma_X^2\|W_t-\Theta\|_F^2` as a quadratic form in :math:`(1,t-1,t)`.

    :math:`W_t-\Theta=\Phi Z+(t-1)\Theta_\perp+tZ_\perp`.  The Gram matrix of
    :math:`(\Phi Z,\Theta_\perp,Z_\perp)` (times :math:`\sigma_X^2`) has zeros between E and
    :math:`E^\perp` and the cross term :math:`C=\sigma_X^2\langle\Theta_\perp,Z_\perp\rangle`,
    whose mean is 0 because :math:`\mathbb EZ=0`; so :math:`\mathbb E[\text{Gram}]=
    \mathrm{diag}(A,\eta^2,V)` and the expectation of the quadratic form is the quadratic form
    of the expected Gram matrix.
    """
    AZ, BZ, CZ = sp.symbols("A_Z B_Z C_Z", real=True)  # random Gram entries
    gram = sp.Matrix([[AZ, 0, 0], [0, eta**2, CZ], [0, CZ, BZ]])
    mean_gram = gram.subs({AZ: A, BZ: V, CZ: 0})
    c = sp.Matrix([1, t - 1, t])
    return (c.T * mean_gram * c)[0]


def _dist_curve(V: sp.Expr) -> sp.Expr:
    r""":math:`\mathbb E\,\mathrm{dist}_\Phi(f_{W_t})^2=\mathbb E\,\sigma_X^2\|t(\Theta_\perp+
    Z_\perp)\|^2`, the lower-right block of the same Gram matrix with coefficients (t, t)."""
    CZ = sp.Symbol("C_Z", real=True)
    block = sp.Matrix([[eta**2, CZ], [CZ, V]]).subs(CZ, 0)
    c = sp.Matrix([t, t])
    return sp.factor((c.T * block * c)[0])


def _t_star(V: sp.Expr) -> sp.Expr:
    """Minimiser over t of the risk curve, via :meth:`Statement.argmin` on [0, 1]."""
    curve = Statement("LG risk curve (placeholders)", "E(t)", _risk_curve(V, _A))
    return curve.argmin(t, sp.Interval(0, 1))


def _eps_star(V: sp.Expr) -> sp.Expr:
    r""":math:`\varepsilon^*=(\mathbb E\,\mathrm{dist}_\Phi(f_{W_{t^*}})^2)^{1/2}`."""
    return sp.sqrt(_dist_curve(V).subs(t, _t_star(V)))


def _scale_max(c: sp.Expr, m: sp.Max) -> sp.Max:
    """``c * Max(x, y, ...) = Max(c x, c y, ...)`` for ``c > 0`` (pushes a positive factor in)."""
    if not c.is_positive:
        raise ValueError(f"{c} is not known to be positive")
    return sp.Max(*(sp.expand(c * x) for x in m.args))


def _one_minus_min(m: sp.Min) -> sp.Max:
    """``1 - Min(x, y, ...) = Max(1 - x, 1 - y, ...)``."""
    return sp.Max(*(1 - x for x in m.args))


# -- variance terms ----------------------------------------------------------------------------
def a_expr() -> sp.Expr:
    r"""Risk of the projected OLS fit in the LG model (estimation part on E).

    .. math::
        a=\frac{\sigma^2\dim E}{n-d-1}.
    """
    return _lemma(dimE, n - d - 1)


def v_expr() -> sp.Expr:
    r"""Variance of the non-equivariant part of the OLS fit in the LG model.

    .. math::
        v=\frac{\sigma^2(dk-\dim E)}{n-d-1}.
    """
    return _lemma(d * k - dimE, n - d - 1)


def v_whitened_expr() -> sp.Expr:
    r"""The same variance for a whitened design :math:`X^\top X=n\sigma_X^2 I` (n, not n-d-1).

    .. math::
        v_w=\frac{\sigma^2(dk-\dim E)}{n}.
    """
    return _lemma(d * k - dimE, n)


# -- pt-optimal-eps ----------------------------------------------------------------------------
def lg_risk_curve() -> Statement:
    r"""Exact expected excess risk of :math:`W_t=\Phi W+t(W-\Phi W)` in the LG model.

    .. math::
        \mathbb ER(f_{W_t})-R(f^*)=a+\eta^2(t-1)^2+v\,t^2,\qquad
        a=\frac{\sigma^2\dim E}{n-d-1},\ v=\frac{\sigma^2(dk-\dim E)}{n-d-1},

    for :math:`n>d+1`, :math:`\dim E<dk`; valid for every real t (the family of interest is
    :math:`0\le t\le1`: t = 0 is the projected fit, t = 1 plain OLS).  Derived as the
    quadratic form of the expected Gram matrix of :math:`(\Phi Z,\Theta_\perp,Z_\perp)` in the
    coefficients :math:`(1,t-1,t)` [2, pt-optimal-eps].
    """
    expr = _risk_curve(_V, _A).subs({_V: v_expr(), _A: a_expr()})
    return Statement(
        name="LG risk curve",
        quantity=r"\mathbb{E}R(f_{W_t}) - R(f^*)",
        expr=expr,
        relation="=",
        hypotheses=_LG_HYP,
        source=_PT_OPT,
        description=(
            "Least squares W in the linear-Gaussian model with a non-equivariant target "
            "(data equivariance error eta), shrunk towards its equivariant projection: "
            "W_t = Phi W + t (W - Phi W). Its expected excess risk is a + (1 - t)^2 eta^2 "
            "+ t^2 v exactly, with a = sigma^2 dimE/(n - d - 1) and "
            "v = sigma^2 (d k - dimE)/(n - d - 1); t ranges over the reals (0 <= t <= 1 of "
            "interest)."
        ),
    )


def lg_dist_curve() -> Statement:
    r"""Expected squared model equivariance error of :math:`W_t` in the LG model.

    .. math::
        \mathbb E\,\mathrm{dist}_\Phi(f_{W_t})^2=t^2(\eta^2+v),\qquad
        v=\frac{\sigma^2(dk-\dim E)}{n-d-1}.

    :math:`\mathrm{dist}_\Phi(f_{W_t})=\sigma_X\|t(\Theta_\perp+Z_\perp)\|_F` and the cross
    term has mean 0, so :math:`\varepsilon=t\sqrt{\eta^2+v}` for :math:`t\ge0`.
    """
    return Statement(
        name="LG model equivariance error curve",
        quantity=r"\mathbb{E}\,\mathrm{dist}_\Phi(f_{W_t})^2",
        expr=_dist_curve(_V).subs(_V, v_expr()),
        relation="=",
        hypotheses=_LG_HYP,
        source=_PT_OPT,
        description=(
            "The mean squared distance of W_t to the equivariant maps is t^2 (eta^2 + v): the "
            "target's non-equivariant part and the fit's noise in the complement of E add up."
        ),
    )


def optimal_t() -> Statement:
    r"""Risk-optimal mixing weight, from :math:`\partial_t\,\mathbb ER(f_{W_t})=0`.

    .. math::
        t^*=\frac{\eta^2}{\eta^2+v},\qquad v=\frac{\sigma^2(dk-\dim E)}{n-d-1}.

    The curve is convex in t (second derivative :math:`2(\eta^2+v)>0`), and :math:`t^*\in(0,1)`.
    """
    expr = _t_star(_V).subs(_V, v_expr())
    return Statement(
        name="optimal mixing weight t*",
        quantity=r"t^*",
        expr=expr,
        relation="=",
        hypotheses=_LG_HYP,
        source=_PT_OPT,
        description=(
            "The weight t in W_t = Phi W + t (W - Phi W) that minimises the exact expected "
            "risk of the linear-Gaussian model: eta^2/(eta^2 + v)."
        ),
    )


def optimal_eps() -> Statement:
    r"""Optimal model equivariance error :math:`\varepsilon^*=t^*\sqrt{\eta^2+v}`.

    .. math::
        \varepsilon^*=\frac{\eta^2}{\sqrt{\eta^2+v}},\qquad
        v=\frac{\sigma^2(dk-\dim E)}{n-d-1}.

    Obtained by substituting :func:`optimal_t` into :func:`lg_dist_curve` and taking the square
    root.  :math:`\varepsilon^*/\eta=\eta/\sqrt{\eta^2+v}<1` for :math:`v>0`, and
    :math:`\varepsilon^*/\eta\to1` as :math:`n\to\infty`.
    """
    expr = _eps_star(_V).subs(_V, v_expr())
    return Statement(
        name="optimal model equivariance error",
        quantity=r"\varepsilon^*",
        expr=expr,
        relation="=",
        hypotheses=_LG_HYP,
        source=_PT_OPT,
        description=(
            "The model equivariance error of the risk-optimal member of W_t: "
            "eps* = eta^2/sqrt(eta^2 + v). It is strictly below the data equivariance error "
            "eta for finite n and tends to it as n grows."
        ),
    )


def optimal_eps_whitened() -> Statement:
    r"""The optimal model equivariance error for a whitened design :math:`X^\top X=n\sigma_X^2I`.

    .. math::
        \varepsilon_w^*=\frac{\eta^2}{\sqrt{\eta^2+v_w}},\qquad
        v_w=\frac{\sigma^2(dk-\dim E)}{n}.

    The same derivation as :func:`optimal_eps` with :math:`\mathbb E[\mathrm{vec}Z\,
    \mathrm{vec}Z^\top]=\sigma^2 I/(n\sigma_X^2)`.  It is the closed-form reference for the
    budget-constrained ERM of ``pt-constrained-erm`` (radial shrinkage), whose argmin is near,
    not exactly at, this value [2].
    """
    expr = _eps_star(_V).subs(_V, v_whitened_expr())
    return Statement(
        name="optimal model equivariance error, whitened design",
        quantity=r"\varepsilon_w^*",
        expr=expr,
        relation="=",
        hypotheses=_WHITE_HYP,
        source=_PT_WHITE,
        description=(
            "With a whitened design (X^T X = n sigma_x^2 I) the noise variance of the "
            "non-equivariant part is v_w = sigma^2 (d k - dimE)/n (n, not n - d - 1), and the "
            "optimal model equivariance error is eta^2/sqrt(eta^2 + v_w)."
        ),
    )


def misspecified_gap() -> Statement:
    r"""Gap between OLS and projected OLS when the target is not equivariant.

    .. math::
        \mathbb E[R(f_W)-R(f_{\Phi W})]=v-\eta^2,\qquad v=\frac{\sigma^2(dk-\dim E)}{n-d-1}.

    The risk curve at t = 1 minus the curve at t = 0.  Negative (exact symmetry hurts) once
    :math:`\eta^2>v`; for :math:`\eta=0` it is the Elesedy-Zaidi gap.
    """
    curve = _risk_curve(_V, _A)
    expr = sp.expand(curve.subs(t, 1) - curve.subs(t, 0)).subs(_V, v_expr())
    return Statement(
        name="misspecified Elesedy-Zaidi gap",
        quantity=r"\mathbb{E}[R(f_W) - R(f_{\Phi W})]",
        expr=expr,
        relation="=",
        hypotheses=_LG_HYP,
        source=_PT_OPT,
        description=(
            "OLS versus its equivariant projection when the target has data equivariance "
            "error eta: the projection gains v but loses eta^2, so the gap is v - eta^2 and "
            "changes sign at eta^2 = v."
        ),
    )


def min_risk() -> Statement:
    r"""The minimum over t of the expected excess risk of :math:`W_t`.

    .. math::
        \min_t\mathbb ER(f_{W_t})-R(f^*)=a+\frac{\eta^2v}{\eta^2+v},\qquad
        a=\frac{\sigma^2\dim E}{n-d-1},\ v=\frac{\sigma^2(dk-\dim E)}{n-d-1}.

    :func:`optimal_t` substituted into :func:`lg_risk_curve`.  It is strictly below both
    :math:`a+\eta^2` (t = 0, exact symmetry) and :math:`a+v` (t = 1, no symmetry).
    """
    at_opt = _risk_curve(_V, _A).subs(t, _t_star(_V))
    expr = (_A + sp.factor(sp.simplify(at_opt - _A))).subs({_V: v_expr(), _A: a_expr()})
    return Statement(
        name="minimum risk over W_t",
        quantity=r"\min_t \mathbb{E}R(f_{W_t}) - R(f^*)",
        expr=expr,
        relation="=",
        hypotheses=_LG_HYP,
        source=_PT_OPT,
        description=(
            "The smallest expected excess risk along W_t: a + eta^2 v/(eta^2 + v), a harmonic "
            "compromise that beats both the exactly equivariant and the unconstrained fit."
        ),
    )


# -- pt-approx-budget --------------------------------------------------------------------------
def approx_error_l2() -> Statement:
    r"""Approximation error of the :math:`L^2` Reynolds budget class.

    .. math::
        A(\varepsilon)=\inf_{\mathrm{dist}_\Phi(f)\le\varepsilon}\|f-f^*\|
        =\max\{\eta-\varepsilon,0\}=(\eta-\varepsilon)_+ .

    μ invariant, the class contains :math:`f^*` and is closed under
    :math:`f\mapsto\Phi f+t(f-\Phi f)`.  Writing :math:`f-f^*=(\Phi f-\Phi f^*)+(f_\perp-
    f^*_\perp)` (orthogonal), the best f matches :math:`\Phi f^*` and puts its
    non-equivariant part on the ray of :math:`f^*_\perp`, :math:`f_\perp=t f^*_\perp`; then
    :math:`\|f-f^*\|=|1-t|\eta` and :math:`\mathrm{dist}_\Phi(f)=t\eta`.  SymPy minimises
    :math:`(1-t)^2\eta^2` subject to :math:`t\eta\le\varepsilon`: the free minimiser t = 1, the
    active constraint :math:`t=\varepsilon/\eta`, so :math:`t^*=\min(1,\varepsilon/\eta)` and
    :math:`A=\eta(1-t^*)`.  At ε = 0, :math:`A(0)^2=\eta^2` is Wang's regression bound.
    """
    objective = (1 - t) ** 2 * eta**2
    (t_free,) = sp.solve(sp.diff(objective, t), t)
    (t_active,) = sp.solve(sp.Eq(t * eta, eps), t)
    t_opt = sp.Min(t_free, t_active)
    expr = _scale_max(eta, _one_minus_min(t_opt))  # eta * (1 - t_opt)
    return Statement(
        name="approximation error, L2 Reynolds budget",
        quantity=r"\inf_{\mathrm{dist}_\Phi(f)\le\varepsilon}\|f - f^*\|",
        expr=expr,
        relation="=",
        hypotheses=(),
        source=_PT_APPROX,
        description=(
            "The best approximation of a target with data equivariance error eta by functions "
            "whose distance to the equivariant ones is at most eps: (eta - eps)_+, attained by "
            "Phi f* + min(1, eps/eta)(f* - Phi f*) (projection onto a cylinder)."
        ),
    )


def _half_gap(e_star: sp.Symbol) -> sp.Expr:
    r"""From :math:`e(f^*)\le e(f)+2\|f-f^*\|` and :math:`e(f)\le\varepsilon`: the smallest r
    with :math:`e(f^*)\le\varepsilon+2r`, floored at 0."""
    r = sp.Symbol("r", real=True)
    (r_min,) = sp.solve(sp.Eq(e_star, eps + 2 * r), r)
    return sp.Max(r_min, 0)


def approx_error_z2_sup() -> Statement:
    r"""Distance to the target under a budget :math:`e_g(f)\le\varepsilon` (a lower bound).

    .. math::
        \|f-f^*\|\ge\max\{\tfrac{\eta}{2}-\tfrac{\varepsilon}{2},0\}=\tfrac12(\eta-\varepsilon)_+,
        \qquad \eta=e_g(f^*).

    Holds in general (sup norm, or :math:`L^2` with invariant μ): :math:`e_g` is
    2-Lipschitz in f, :math:`e_g(f^*)\le e_g(f)+2\|f-f^*\|`.  It is **exact for**
    :math:`\mathbb Z_2` **in the sup norm**: :math:`(1-c)f^*+c\,f^*\circ g` with
    :math:`c=\frac12(1-\varepsilon/\eta)` attains it and keeps the Lipschitz constant.
    """
    return Statement(
        name="approximation error, per-element budget (Z2 sup norm exact)",
        quantity=r"\inf_{e_g(f)\le\varepsilon}\|f - f^*\|_{L^\infty}",
        expr=_half_gap(eta),
        relation=">=",
        hypotheses=(),
        source=Source(_PT_APPROX.paper, _PT_APPROX.family, "derived",
                      "lower bound in general; exact for Z2 in the sup norm (pt-approx-budget b)"),
        description=(
            "Any f with e_g(f) <= eps is at distance at least (eta - eps)_+/2 from a target "
            "with e_g(f*) = eta, because e_g is 2-Lipschitz. For Z2 in the sup norm the bound "
            "is attained by (1 - c) f* + c f* o g, c = (1 - eps/eta)/2."
        ),
    )


# -- pt-approx-sup -----------------------------------------------------------------------------
def approx_sup_lower() -> Statement:
    r"""Lower side of the sup-over-g budget sandwich in the LG model.

    .. math::
        A_{\sup}(\varepsilon)=\min_{\max_ge_g(f_W)\le\varepsilon}\sigma_X\|W-\Theta\|_F
        \ge\max\{\tfrac{\eta_{\sup}}2-\tfrac{\varepsilon}2,0\}=\tfrac12(\eta_{\sup}-\varepsilon)_+.

    The 2-Lipschitz argument of :func:`approx_error_z2_sup` at the g attaining
    :math:`\eta_{\sup}=\sup_ge_g(f^*)`.
    """
    return Statement(
        name="sup-budget approximation error, lower bound",
        quantity=r"A_{\sup}(\varepsilon)",
        expr=_half_gap(eta_sup),
        relation=">=",
        hypotheses=(),
        source=_PT_SUP,
        description=(
            "Under the budget max_g e_g(f_W) <= eps the best linear model is at distance at "
            "least (eta_sup - eps)_+/2 from the target, eta_sup = sup_g e_g(f*)."
        ),
    )


def approx_sup_upper() -> Statement:
    r"""Upper side of the sup-over-g budget sandwich in the LG model.

    .. math::
        A_{\sup}(\varepsilon)\le\max\{\eta-\tfrac{\eta\varepsilon}{\eta_{\sup}},0\}
        =\sigma_X\|\Theta_\perp\|_F\,(1-\varepsilon/\eta_{\sup})_+,\qquad
        \eta=\sigma_X\|\Theta_\perp\|_F .

    Attained by :math:`\Theta_E+t\Theta_\perp`: every :math:`e_g` depends on the
    non-equivariant part only and is 1-homogeneous, so :math:`\max_ge_g=t\eta_{\sup}`; the
    largest feasible :math:`t\in[0,1]` solves :math:`t\eta_{\sup}=\varepsilon`, clipped at 1,
    and the distance is :math:`(1-t)\eta`.  Hence :math:`A_{\sup}=0` iff
    :math:`\varepsilon\ge\eta_{\sup}` (with the lower bound).  Lower ≤ upper for all ε ≥ 0
    exactly when :math:`\eta_{\sup}\le2\eta`, which always holds (:math:`e_g\le2\,
    \mathrm{dist}_\Phi`); it is an identity of the setting, not a checked hypothesis.
    """
    (t_active,) = sp.solve(sp.Eq(t * eta_sup, eps), t)
    t_opt = sp.Min(1, t_active)
    expr = _scale_max(eta, _one_minus_min(t_opt))  # eta * (1 - t_opt)
    return Statement(
        name="sup-budget approximation error, upper bound",
        quantity=r"A_{\sup}(\varepsilon)",
        expr=expr,
        relation="<=",
        hypotheses=(),
        source=_PT_SUP,
        description=(
            "Shrinking the non-equivariant part of the target, Theta_E + (eps/eta_sup) "
            "Theta_perp, meets the sup budget and leaves distance sigma_x ||Theta_perp|| "
            "(1 - eps/eta_sup)_+; here eta denotes sigma_x ||Theta_perp|| (= dist_Phi(f*)). "
            "A_sup is 0 exactly from eps = eta_sup on."
        ),
    )


# -- bound-optimal eps (reported only) ---------------------------------------------------------
def bound_optimal_eps(gen_expr: sp.Expr) -> Statement:
    r"""The ε minimising an approximation + generalization bound on :math:`[0,\eta]` (reported).

    .. math::
        \varepsilon_{\rm bound}=\operatorname*{argmin}_{\varepsilon\in\{0,\eta\}\cup
        \{\varepsilon_i\}}\ (\eta-\varepsilon)_++\mathrm{gen}(\varepsilon,n),\qquad
        \partial_\varepsilon\mathrm{gen}(\varepsilon_i,n)=1,\ 0\le\varepsilon_i\le\eta .

    ``gen_expr`` is a SymPy expression in ``eps`` (the symbol ``SYMBOLS["eps"]``) and any other
    symbols (typically ``n``).  On :math:`[0,\eta]` the objective is
    :math:`\eta-\varepsilon+\mathrm{gen}`; the candidates are both endpoints and the stationary
    points SymPy finds, and the result is a ``Piecewise`` choosing the smallest objective (ties
    go to the earlier candidate: 0, stationary points, η).  Reported as "bound-optimal", never
    asserted [2, Bound-optimal ε]: bound terms such as :math:`+2\varepsilon` are far from tight.
    """
    gen_expr = sp.sympify(gen_expr)
    objective = eta - eps + gen_expr  # (eta - eps)_+ on [0, eta]
    try:
        roots = sp.solve(sp.Eq(sp.diff(objective, eps), 0), eps)
    except NotImplementedError as exc:
        raise ValueError(f"no closed-form stationary point of {objective} in eps") from exc
    roots = [r for r in roots if r.is_real is not False]
    cands = [(sp.Integer(0), sp.true)]
    cands += [(r, sp.And(r >= 0, r <= eta)) for r in roots]
    cands += [(eta, sp.true)]
    values = [sp.simplify(objective.subs(eps, c)) for c, _ in cands]
    pieces = []
    for i, (c, ok) in enumerate(cands):
        beats = [sp.Or(sp.Not(ok_j), values[i] <= values[j])
                 for j, (_, ok_j) in enumerate(cands) if j != i]
        pieces.append((c, sp.And(ok, *beats)))
    pieces[-1] = (cands[-1][0], True)
    expr = sp.Piecewise(*pieces)
    return Statement(
        name="bound-optimal model equivariance error",
        quantity=r"\varepsilon_{\rm bound}",
        expr=expr,
        relation="=",
        hypotheses=(),
        source=Source("Petrache & Trivedi 2023 (arXiv:2305.17592)",
                      "PT optimal model equivariance error", "derived",
                      "reported only, never asserted: bounds are not tight"),
        description=(
            f"The eps in [0, eta] minimising (eta - eps)_+ + gen(eps, n) with gen = {gen_expr}; "
            "the minimiser of a bound, not of the risk, so it is reported, not asserted."
        ),
    )


_PT_REYN = Source("Petrache & Trivedi 2023 (arXiv:2305.17592)",
                  "PT Reynolds projection and equivariance errors", "derived",
                  "orthogonal representations, invariant measure; see experiment pt-reynolds")


def reynolds_distance() -> Statement:
    r"""Distance to the equivariant functions from the average equivariance error.

    .. math:: \mathrm{dist}_\Phi(f)^2=\tfrac12\,e_{\rm avg}(f)^2,\qquad
              e_{\rm avg}(f)^2=\mathbb E_g\|g\cdot f-f\|^2 .

    Derivation (orthogonal representations, G-invariant μ, so g acts isometrically on
    :math:`L^2(\mu)` and :math:`\mathbb E_g\,g\cdot f=\Phi f`):
    :math:`\mathbb E_g\|g\cdot f-f\|^2=2\|f\|^2-2\langle\Phi f,f\rangle=2(\|f\|^2-\|\Phi f\|^2)`
    and :math:`\mathrm{dist}^2=\|f-\Phi f\|^2=\|f\|^2-\|\Phi f\|^2`; the body forms both from
    :math:`\|f\|^2,\|\Phi f\|^2` and solves for dist² in terms of :math:`e_{\rm avg}`.
    """
    nf, npf, e_avg, dist2 = sp.symbols("normf2 normPhif2 e_avg dist2", positive=True)
    e_avg2 = 2 * nf - 2 * npf  # <Phi f, f> = |Phi f|^2 (orthogonal projection)
    (sol,) = sp.solve(sp.Eq(dist2, nf - npf).subs(nf, sp.solve(sp.Eq(e_avg**2, e_avg2), nf)[0]),
                      dist2)
    return Statement(
        name="Reynolds distance from the average equivariance error",
        quantity=r"\mathrm{dist}_\Phi(f)^2",
        expr=sp.simplify(sol),
        relation="=",
        source=_PT_REYN,
        description=(
            "For orthogonal actions and an invariant measure the squared distance of f to the "
            "equivariant functions is half the mean squared equivariance error over the group."
        ),
    )


def reynolds_error_bound() -> Statement:
    r"""Every single-element equivariance error is at most twice the distance to E.

    .. math:: e_g(f)=\|g\cdot f-f\|\le\|g\cdot f-\Phi f\|+\|\Phi f-f\|=2\,\mathrm{dist}_\Phi(f),

    since g fixes :math:`\Phi f` and acts isometrically.  Equality for an odd f under a g that
    acts by −1 on the input and trivially on the output (:math:`g\cdot f=-f`, :math:`\Phi f=0`):
    the rotation by π of ``pt-reynolds``.
    """
    dist = sp.Symbol("dist", nonnegative=True)
    g_f_minus_phi, phi_minus_f = dist, dist  # both norms equal |f - Phi f| (isometry)
    return Statement(
        name="single-element equivariance error bound",
        quantity=r"e_g(f)",
        expr=g_f_minus_phi + phi_minus_f,
        relation="<=",
        source=_PT_REYN,
        description=(
            "Triangle inequality through Phi f, which every g fixes: e_g(f) <= 2 dist(f), "
            "with equality for odd f under an element acting by -1."
        ),
    )


def constrained_erm_risk() -> Statement:
    r"""Expected excess risk of least squares under a model-equivariance budget ε, whitened design.

    .. math::
        \mathbb E R(\varepsilon)=\frac{\sigma^2\dim E}{n}+\tau^2\Big[\lambda^2
        +\int_0^e(t^2-2\lambda tA_p(\lambda t))f(t)\,dt+e^2\!\int_e^U\!f\,dt
        -2\lambda e\!\int_e^U\!A_p(\lambda t)f(t)\,dt\Big],

    :math:`\tau=\sigma/\sqrt n`, :math:`\lambda=\eta/\tau`, :math:`e=\varepsilon/\tau`,
    :math:`f(t)=t^{p/2}\lambda^{1-p/2}e^{-(t^2+\lambda^2)/2}I_{p/2-1}(\lambda t)` the density of
    :math:`\|u\|/\tau` (noncentral χ, p = dk − dim E degrees of freedom),
    :math:`A_p=I_{p/2}/I_{p/2-1}` and :math:`U=\sqrt{\lambda^2+p}+14` (the mass beyond is below
    1e-40).  Derivation: the constrained fit is radial shrinkage
    :math:`\Phi W+\min(1,\varepsilon/\|u\|)\,u` of the least-squares fit (:math:`X^\top X=
    n\sigma_X^2I`), :math:`u\sim N(\mu,\tau^2I_p)`, and given :math:`\|u\|=s` the direction of u
    is von Mises–Fisher with mean resultant :math:`A_p(s\eta/\tau^2)`.  The integrals have no
    closed form: :meth:`~bounds.core.Statement.lambdify` with ``modules="scipy"`` evaluates them
    by adaptive quadrature.
    """
    t = sp.Symbol("t", positive=True)
    p = sp.Symbol("p", positive=True, integer=True)
    tau = sigma / sp.sqrt(n)
    lam, e = eta / tau, eps / tau
    kernel = t ** (p / 2) * lam ** (1 - p / 2) * sp.exp(-(t**2 + lam**2) / 2)
    f, af = kernel * sp.besseli(p / 2 - 1, lam * t), kernel * sp.besseli(p / 2, lam * t)
    upper = sp.sqrt(lam**2 + p) + 14
    g = (lam**2 + sp.Integral(t**2 * f - 2 * lam * t * af, (t, 0, e))
         + e**2 * sp.Integral(f, (t, e, upper)) - 2 * lam * e * sp.Integral(af, (t, e, upper)))
    return Statement(
        name="risk of budget-constrained least squares, whitened design",
        quantity=r"\mathbb{E}R(\hat W_\varepsilon)",
        expr=sigma**2 * dimE / n + tau**2 * g,
        relation="=",
        hypotheses=(Hypothesis(p >= 1, "p = dk - dimE >= 1"),),
        source=_PT_WHITE,
        description=(
            "ERM under the budget sigma_x |W - Phi W| <= eps with a whitened design shrinks the "
            "non-equivariant part of least squares radially; its expected risk is a "
            "one-dimensional integral over the noncentral-chi law of that part's norm."
        ),
    )
