r"""Figure ``wang_lower_bound``: what an invariant model must lose under incorrect equivariance.

(a) Regression (``wang-reg-lb``): :math:`x\sim N(0,I_2)`, target
    :math:`f_\lambda=\Phi_Gf_0+\lambda(f_0-\Phi_Gf_0)` with the default random polynomial
    :math:`f_0` of degree 4, for :math:`G=C_2\subset C_4\subset C_8` rotating the plane.  Lines:
    the bound :math:`\min_{h\ \mathrm{inv}}\mathbb E(h-f)^2=\eta^2=\lambda^2\eta_G(f_0)^2`, exact
    from Gaussian moments; points: the test error of least squares on G-invariant polynomial
    features, with CIs.  At λ = 1 the three targets coincide, and a larger group forces a
    larger error.
(b) Classification (``wang-cls-lb``): :math:`C_4`, :math:`y=\mathbf 1[\|x\|>1]\oplus
    \mathbf 1[\angle x\in[0,w))`.  Line: :math:`w/2\pi`, the least error of an invariant
    classifier; points: the orbit-majority vote (attains it) and a logistic regression on
    invariant features (above it), with CIs.  The shaded region is out of reach of every
    invariant classifier (the per-point Bayes rule, not invariant, errs 0).

CIs: level 1 − α/m, Bonferroni over all Monte Carlo checks of the figure's runs.
"""

from __future__ import annotations

import math

import numpy as np

from verify.engine.experiment import get
from verify.engine.runner import run_many
from verify.experiments import wang  # noqa: F401  (registers the experiments)

from .style import COLORS, figure, predicted_vs_measured, save

GROUPS = ("C2", "C4", "C8")
LAMS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5)
WS = tuple(math.pi / 2 * k / 8 for k in range(1, 9))  # pi/16, ..., pi/2


def _tex(g: str) -> str:
    return rf"$C_{{{g[1:]}}}$"


def make(quick: bool = False, seed: int = 0, out=None):
    reg, cls = get("wang-reg-lb"), get("wang-cls-lb")
    items, keys = [], []
    for g in GROUPS:
        for lam in LAMS:
            items.append((reg, reg.resolve(quick, {"group": g, "lam": str(lam),
                                                   "random_h": "0"})))
            keys.append(("reg", g, lam))
    for w in WS:
        items.append((cls, cls.resolve(quick, {"w": repr(w)})))
        keys.append(("cls", "C4", w))
    results = run_many(items, seed=seed, workers=1 if quick else None)

    fig, axes = figure(2, aspect=0.78)
    ax = axes[0]
    for color, g in zip(COLORS, GROUPS):
        rs = [r for r, k in zip(results, keys) if k[:2] == ("reg", g)]
        c = [r.checks[0] for r in rs]  # test error = eta^2
        eta0 = rs[LAMS.index(1.0)].data["eta2"]  # eta^2 at lam = 1
        lam_curve = np.linspace(0, max(LAMS) * 1.04, 200)
        predicted_vs_measured(ax, lam_curve, eta0 * lam_curve**2, LAMS,
                              [x.measured for x in c], [x.ci_low for x in c],
                              [x.ci_high for x in c], color,
                              rf"{_tex(g)}: $\lambda^2\eta_0^2$, $\eta_0^2={eta0:.3g}$")
    ax.set_xlabel(r"symmetry-breaking strength $\lambda$")
    ax.set_ylabel(r"risk of the best invariant model $\mathbb{E}(h-f)^2$")
    ax.set_title(r"(a) regression: $\mathrm{min}_{h\ \mathrm{inv}}\,\mathbb{E}(h-f)^2=\eta^2$")
    ax.text(0.04, 0.70, "lines: bound $\\eta^2$ (exact)\npoints: test error of\n"
            "$G$-invariant least squares", transform=ax.transAxes, ha="left", va="top",
            fontsize=7, color="0.25")
    ax.set_xlim(0, max(LAMS) * 1.04)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")

    ax = axes[1]
    rs = [r for r, k in zip(results, keys) if k[0] == "cls"]
    w_curve = np.linspace(0, math.pi / 2, 200)
    bound = w_curve / (2 * math.pi)
    ax.fill_between(w_curve, 0, bound, color="0.85", lw=0,
                    label="unreachable for invariant $h$")
    for color, idx, label in ((COLORS[1], 0, "orbit-majority vote"),
                              (COLORS[2], 2, "logistic regression, invariant features")):
        c = [r.checks[idx] for r in rs]
        ax.errorbar(WS, [x.measured for x in c],
                    yerr=[[x.measured - x.ci_low for x in c], [x.ci_high - x.measured for x in c]],
                    fmt="o", color=color, mfc="white", capsize=1.5, elinewidth=0.8, label=label)
    ax.plot(w_curve, bound, color=COLORS[1], lw=1.0, zorder=1, label=r"bound $w/2\pi$")
    ax.set_xticks([0, math.pi / 8, math.pi / 4, 3 * math.pi / 8, math.pi / 2],
                  ["0", r"$\pi/8$", r"$\pi/4$", r"$3\pi/8$", r"$\pi/2$"])
    ax.set_xlim(0, math.pi / 2 * 1.03)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(r"flip-sector width $w$ ($C_4$)")
    ax.set_ylabel(r"test error $P(h(x)\neq y)$")
    ax.set_title(r"(b) classification: $\mathrm{min}_{h\ \mathrm{inv}}\,P(h\neq y)=w/2\pi$")
    ax.legend(loc="upper left")
    fig.suptitle("Incorrect equivariance (Wang et al.): lines predicted, points measured (CI)",
                 y=1.02, fontsize=8)
    return save(fig, "wang_lower_bound", out), results
