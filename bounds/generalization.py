r"""Equivariant versus unconstrained models: generalization gaps.

References
----------
[1] B. Elesedy, S. Zaidi, *Provably Strict Generalisation Benefit for Equivariant Models*,
    ICML 2021, arXiv:2102.10333 (EZ).
[2] equibounds: the statements below are derived (or put in their common form) for this
    package; each function's docstring carries its derivation sketch, and each Statement's
    :class:`~bounds.core.Source` says whether it is the paper's, a common form, or derived.
    Experiments: ``ez-gap``, ``ez-overparam``.

Setting (the "LG model"): :math:`x\sim N(0,\sigma_X^2 I_d)`, :math:`y=\Theta^\top x+\xi`,
:math:`\xi\sim N(0,\sigma^2 I_k)`, :math:`W` the least-squares fit on :math:`n` samples,
:math:`\Phi` the Reynolds projection onto the :math:`\dim E`-dimensional space of equivariant
linear maps, and :math:`\Delta=\mathbb E[R(f_W)-R(f_{\Phi W})]`.
"""

from __future__ import annotations

import sympy as sp

from .core import Hypothesis, Source, Statement

__all__ = ["SYMBOLS", "ez_gap", "ez_overparam", "inverse_wishart_mean_1d"]

n, d, k = sp.symbols("n d k", positive=True, integer=True)
dimE = sp.Symbol("dimE", nonnegative=True, integer=True)
sigma, sigma_x = sp.symbols("sigma sigma_x", positive=True)
s_fix = sp.Symbol("s", positive=True, integer=True)
theta2 = sp.Symbol("theta2", nonnegative=True)  # ||theta||^2

#: The symbols used by the statements of this module, by name.
SYMBOLS = {str(x): x for x in (n, d, k, dimE, sigma, sigma_x, s_fix, theta2)}

_EZ = Source("Elesedy & Zaidi 2021 (arXiv:2102.10333)", "EZ exact generalization benefit",
             "common form", "re-derived for this package via the inverse-Wishart mean")


def ez_gap() -> Statement:
    r"""Exact generalization gap of least squares versus its Reynolds projection.

    .. math::
        \Delta=\mathbb E[R(f_W)-R(f_{\Phi W})]=\sigma^2\,\frac{dk-\dim E}{n-d-1},
        \qquad n>d+1,\ \Theta\in E .

    Proof sketch: :math:`\Delta=\sigma_X^2\mathbb E\|Z_\perp\|_F^2` with :math:`Z=W-\Theta`, and
    :math:`\mathbb E[\mathrm{vec}Z\,\mathrm{vec}Z^\top]=\sigma^2 I_{dk}/(\sigma_X^2(n-d-1))`
    (inverse-Wishart mean), so the gap is :math:`\sigma^2/(n-d-1)` times the codimension of E.
    It does not depend on :math:`\sigma_X`.
    """
    return Statement(
        name="Elesedy-Zaidi gap",
        quantity=r"\mathbb{E}[R(f_W) - R(f_{\Phi W})]",
        expr=sigma**2 * (d * k - dimE) / (n - d - 1),
        relation="=",
        hypotheses=(
            Hypothesis(n > d + 1, "n > d + 1"),
            Hypothesis(dimE <= d * k, "dimE <= d*k"),
        ),
        source=_EZ,
        description=(
            "Least squares W on n Gaussian samples versus its projection onto equivariant "
            "linear maps, with an equivariant target: the projected model's test risk is lower "
            "by exactly sigma^2 (d k - dim E)/(n - d - 1) in expectation."
        ),
    )


def ez_overparam() -> Statement:
    r"""The same gap for the minimum-norm least-squares fit with :math:`n<d-1` (invariant case).

    .. math::
        \Delta=\sigma_X^2\frac{n(d-n)(d-s)}{d(d-1)(d+2)}\|\theta\|^2
               +\sigma^2\frac{n(d-s)}{d(d-n-1)},\qquad n<d-1,

    with :math:`s=\dim\mathrm{Fix}` and :math:`\theta\in\mathrm{Fix}`.  The row space of X is a
    Haar-random rank-n projection P with
    :math:`\mathbb E[PMP]=c_1M+c_2\mathrm{tr}(M)I`, :math:`c_2=\frac{n(d-n)}{d(d-1)(d+2)}`, and
    :math:`\mathbb E(XX^\top)^{-1}=I/(\sigma_X^2(d-n-1))`.
    """
    expr = (sigma_x**2 * n * (d - n) * (d - s_fix) / (d * (d - 1) * (d + 2)) * theta2
            + sigma**2 * n * (d - s_fix) / (d * (d - n - 1)))
    return Statement(
        name="Elesedy-Zaidi gap, overparameterised",
        quantity=r"\mathbb{E}[R(f_W) - R(f_{\Phi W})]",
        expr=expr,
        relation="=",
        hypotheses=(Hypothesis(n < d - 1, "n < d - 1"), Hypothesis(s_fix <= d, "s <= d")),
        source=Source("Elesedy & Zaidi 2021 (arXiv:2102.10333)",
                      "EZ exact generalization benefit", "derived",
                      "EZ treat this regime; their form is not confirmed"),
        description=(
            "Minimum-norm least squares with fewer samples than dimensions (n < d - 1), "
            "invariant target theta in the fixed space of dimension s."
        ),
    )


def inverse_wishart_mean_1d() -> Statement:
    r"""The d = 1 anchor of the inverse-Wishart lemma: :math:`\mathbb E[1/\chi^2_m]=1/(m-2)`."""
    m = sp.Symbol("m", positive=True, integer=True)
    return Statement("inverse chi-square mean", r"\mathbb{E}[1/\chi^2_m]", 1 / (m - 2), "=",
                     hypotheses=(Hypothesis(m > 2, "m > 2"),),
                     source=Source("textbook", "inverse-Wishart lemma", "derived"))
