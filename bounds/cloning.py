r"""Symmetry cloning: a group-agnostic student regressed onto a G-equivariant teacher.

References
----------
[1] C.-W. Huang, Y. Cheng, R. T. Q. Chen, A. Aspuru-Guzik, *Symmetry From Scratch: Group
    Equivariance as a Supervised Learning Task*, arXiv:2410.03989 (2024).

The paper states no theorem; the statements below are facts derived for its method (a student
h fitted by least squares to a teacher Γ that commutes with an orthogonal action ρ), labelled
``derived``.

* **P1** (:func:`triangle_bound`): for orthogonal :math:`\rho_{\rm out}`,
  :math:`\|h(gx)-\rho_{\rm out}(g)h(x)\|\le\|h(gx)-\Gamma(gx)\|+\|h(x)-\Gamma(x)\|`;
  :func:`rms_bound` is its mean-square form for a G-invariant input law.
* **P2** (:func:`linear_clone_error`, :func:`sample_span_deficit`): a linear teacher
  :math:`Cx`, :math:`C\rho=\rho C`, and the min-norm least-squares student on N Gaussian inputs:
  :math:`W=C\Pi_N`, :math:`\Pi_N` the projection onto the span of the samples.
* **P3** (:func:`bilinear_identification`): the bilinear student
  :math:`h(x,\tau)_i=\sum_{jk}T_{ijk}x_j\tau_k` fitted to circular convolution on
  :math:`\mathbb Z_n` is identified from :math:`N\ge n^2` Gaussian pairs.
"""

from __future__ import annotations

import sympy as sp

from .core import Source, Statement

__all__ = ["SYMBOLS", "bilinear_identification", "linear_clone_error", "rms_bound",
           "sample_span_deficit", "triangle_bound"]

N, d, n = sp.symbols("N d n", positive=True, integer=True)
e_gx, e_x = sp.symbols("e_gx e_x", nonnegative=True)  # clone errors at gx and at x
e_clone = sp.Symbol("e_clone", nonnegative=True)  # RMS clone error under mu

#: The symbols used by the statements of this module, by name.
SYMBOLS = {str(s): s for s in (N, d, n, e_gx, e_x, e_clone)}

_PAPER = "Huang et al. 2024 (arXiv:2410.03989)"
_FAMILY = "symmetry cloning"


def triangle_bound() -> Statement:
    r"""P1: the equivariance error of a student is at most its clone errors at x and at gx.

    .. math::
        \|h(gx)-\rho_{\rm out}(g)h(x)\|\le e_{gx}+e_x,\quad
        e_{gx}=\|h(gx)-\Gamma(gx)\|,\ e_x=\|h(x)-\Gamma(x)\| .

    Proof: :math:`\Gamma(gx)=\rho_{\rm out}(g)\Gamma(x)`, so
    :math:`h(gx)-\rho h(x)=(h(gx)-\Gamma(gx))+\rho(\Gamma(x)-h(x))`, and ρ is an isometry.
    Tight: :math:`h=\Gamma+cu` with :math:`\rho_{\rm out}(g)u=-u` gives :math:`2|c|\|u\|` on
    both sides.  Averaging over inputs keeps the inequality (it holds input by input).
    """
    return Statement(
        name="cloning triangle bound",
        quantity=r"\|h(gx) - \rho_{\rm out}(g) h(x)\|",
        expr=e_gx + e_x,
        relation="<=",
        source=Source(_PAPER, _FAMILY, "derived", "needs an orthogonal output representation; "
                      "equality for h = Gamma + c u with rho_out(g) u = -u"),
        description=(
            "For a G-equivariant teacher Gamma and an orthogonal output representation, a "
            "student's equivariance error at (x, g) is at most its clone error at gx plus its "
            "clone error at x. The bound is attained by Gamma + c u with rho_out(g) u = -u."
        ),
    )


def rms_bound() -> Statement:
    r"""P1, mean-square form: for a G-invariant input law μ the RMS equivariance error is at
    most twice the RMS clone error.

    .. math::
        \big(\mathbb E_\mu\|h(gx)-\rho_{\rm out}(g)h(x)\|^2\big)^{1/2}\le 2e_{\rm clone},\quad
        e_{\rm clone}=\big(\mathbb E_\mu\|h-\Gamma\|^2\big)^{1/2},

    by Minkowski's inequality applied to P1, since :math:`gx\sim\mu` when :math:`x\sim\mu`.
    """
    return Statement(
        name="cloning RMS bound",
        quantity=r"\|h\circ g - \rho_{\rm out}(g) h\|_{L^2(\mu)}",
        expr=2 * e_clone,
        relation="<=",
        source=Source(_PAPER, _FAMILY, "derived", "mu must be G-invariant (N(0, I) is, for "
                      "every orthogonal rho_in); says nothing far from mu"),
        description=(
            "For a G-invariant input law (N(0, I) under any orthogonal action) the RMS "
            "equivariance error of a clone is at most twice its RMS clone error."
        ),
    )


def linear_clone_error() -> Statement:
    r"""P2: the relative squared clone error of the min-norm least-squares linear clone.

    .. math::
        \mathbb E\,\frac{\|W x-Cx\|^2}{\|Cx\|^2}=1-\frac{\min(N,d)}{d},

    for an orthogonal C (commuting with ρ), N Gaussian training inputs, W the min-norm
    least-squares fit and x a fresh :math:`N(0,I_d)` input.  Proof: :math:`W=C\Pi_N`, so the
    ratio is :math:`u^\top(I-\Pi_N)u` with :math:`u=x/\|x\|` uniform on the sphere and
    independent of :math:`\Pi_N`; its mean is :math:`\mathrm{tr}(I-\Pi_N)/d=(d-\min(N,d))/d`,
    for every draw of the training inputs.
    """
    return Statement(
        name="linear clone error",
        quantity=r"\mathbb{E}\,\|Wx - Cx\|^2/\|Cx\|^2",
        expr=1 - sp.Min(N, d) / d,
        relation="=",
        source=Source(_PAPER, _FAMILY, "derived", "C orthogonal, Gaussian inputs, min-norm "
                      "least squares; for a non-orthogonal C the same holds for the ratio of "
                      "expectations"),
        description=(
            "A linear equivariant teacher Cx with C orthogonal, cloned by min-norm least "
            "squares from N Gaussian inputs in R^d: the student is C times the projection "
            "onto the sample span, its mean relative squared clone error on fresh inputs is "
            "1 - N/d for N < d, and for N >= d it equals the teacher (exactly equivariant)."
        ),
    )


def sample_span_deficit() -> Statement:
    r"""P2: the directions of :math:`\mathbb R^d` the N samples miss,
    :math:`d-\mathrm{rank}(X)=\max(d-N,0)` almost surely for Gaussian X.

    The linear clone is :math:`C\Pi_N`; it equals C (and is exactly equivariant) iff the
    deficit is 0, i.e. :math:`N\ge d`.  For N < d it is not equivariant almost surely.
    """
    return Statement(
        name="linear clone identification",
        quantity=r"d - \mathrm{rank}\,X",
        expr=sp.Max(d - N, 0),
        relation="=",
        source=Source(_PAPER, _FAMILY, "derived", "Gaussian rows are in general position a.s."),
        description=(
            "N Gaussian samples in R^d span min(N, d) dimensions almost surely; the linear "
            "clone equals the teacher, and is exactly equivariant, iff N >= d."
        ),
    )


def bilinear_identification() -> Statement:
    r"""P3: the unidentified directions of the bilinear student,
    :math:`n^2-\mathrm{rank}(Z)=\max(n^2-N,0)`, Z the N × n² design of rows
    :math:`x\otimes\tau`.

    .. math::
        n^2-\mathrm{rank}\,[x_s\otimes\tau_s]_{s\le N}=\max(n^2-N,0)\quad\text{a.s.}

    With zero deficit least squares recovers :math:`T_{ijk}=[i\equiv j+k\ (\mathrm{mod}\ n)]`
    exactly, so :math:`h(\cdot,\tau)` is equivariant for every τ, seen or not.
    """
    return Statement(
        name="bilinear clone identification",
        quantity=r"n^2 - \mathrm{rank}\,Z",
        expr=sp.Max(n**2 - N, 0),
        relation="=",
        source=Source(_PAPER, _FAMILY, "derived", "products of independent Gaussian vectors "
                      "span R^{n^2} once N >= n^2, almost surely"),
        description=(
            "Fitting h(x, tau)_i = sum_jk T_ijk x_j tau_k to circular convolution from N "
            "Gaussian pairs (x, tau): the design x (x) tau has rank min(N, n^2) almost surely, "
            "so T is identified, and h(., tau) is equivariant for every tau, iff N >= n^2."
        ),
    )
