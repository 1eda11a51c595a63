"""Figure ``approx_budget``: the approximation error A(ε) under an equivariance budget.

(a) L² Reynolds budget in the LG setting (C4 on R^4 → R^4): the SOCP optimum against
    (η − ε)₊ (``pt-approx-budget`` part a).
(b) ℤ₂ in the sup norm: the LP optimum against ½(η − ε)₊ (``pt-approx-budget`` part b).
(c) Sup-over-g budget for C4 and S4: the SOCP optimum A_sup(ε) in the band between
    ½(η_sup − ε)₊ (dashed) and σ_X‖Θ_⊥‖(1 − ε/η_sup)₊ (solid), zero exactly from ε = η_sup
    (``pt-approx-sup``).
(d) The same values divided by the upper bound, left of the kink: there the lower bound is the
    constant η_sup/(2η) and the upper bound 1, so the panel magnifies the band of (c), which is
    narrow because η_sup is close to its maximum 2η.

Lines are the Statements of :mod:`bounds.approximation` (the predictions), points the solver
values; dotted vertical lines mark the kink (η, resp. η_sup).  Everything is deterministic (no
confidence intervals: the checks use the solvers' absolute tolerances).
"""

from __future__ import annotations

import re

import numpy as np

from verify.engine.experiment import get
from verify.engine.runner import run_many
from verify.experiments import pt_approx

from .style import COLORS, figure, save

PT = {"ls": "none", "marker": "o", "mfc": "white", "zorder": 3}


def _ratios(count: int, top: float = 1.5) -> str:
    return ",".join(f"{r:g}" for r in np.linspace(0.0, top, count))


def _tex_group(name: str) -> str:
    """C4 -> $C_{4}$ (a letter then digits); other names unchanged."""
    m = re.fullmatch(r"([A-Z])(\d+)", name)
    return rf"${m.group(1)}_{{{m.group(2)}}}$" if m else name


def _kink(ax, x: float, label: str) -> None:
    """Dotted vertical line at the kink, labelled just right of it, low in the panel."""
    ax.axvline(x, color="0.4", ls=":", lw=0.8)
    ax.annotate(label, (x, 0.12), xycoords=("data", "axes fraction"), xytext=(2, 0),
                textcoords="offset points", fontsize=7, color="0.25")


def make(quick: bool = False, seed: int = 0, out=None):
    budget, sup = get("pt-approx-budget"), get("pt-approx-sup")
    items = [
        (budget, budget.resolve(quick, {"eps_count": "7" if quick else "13",
                                        "lp_ratios": _ratios(7 if quick else 13)})),
        (sup, sup.resolve(quick, {"eps_count": "9" if quick else "20"})),
    ]
    results = run_many(items, seed=seed, workers=1)
    rb, rs = results
    l2 = pt_approx.BUDGET_STATEMENTS["l2"].lambdify()
    z2 = pt_approx.BUDGET_STATEMENTS["z2"].lambdify()
    lower = pt_approx.SUP_STATEMENTS["lower"].lambdify()
    upper = pt_approx.SUP_STATEMENTS["upper"].lambdify()

    fig, axes = figure(4, aspect=1.3)

    # (a) L2 budget
    a = rb.data["a"]
    eta = a["eta"]
    e = np.linspace(0.0, max(a["eps"]), 300)
    ax = axes[0]
    ax.plot(e, l2(eta=eta, eps=e), color=COLORS[0], label=r"$(\eta-\varepsilon)_+$")
    ax.plot(a["eps"], a["measured"], color=COLORS[0], label="SOCP", **PT)
    _kink(ax, eta, r"$\eta$")
    ax.set_title(rf"(a) $L^2$ budget, {_tex_group(a['group'])}")
    ax.set_ylabel(r"approximation error $A(\varepsilon)$")

    # (b) Z2 sup-norm LP
    b = rb.data["b"]
    eta_b = b["eta"]
    e = np.linspace(0.0, max(b["eps"]), 300)
    ax = axes[1]
    ax.plot(e, z2(eta=eta_b, eps=e), color=COLORS[1], label=r"$\frac{1}{2}(\eta-\varepsilon)_+$")
    ax.plot(b["eps"], b["measured"], color=COLORS[1], label="LP", **PT)
    _kink(ax, eta_b, rf"$\eta={eta_b:.5f}$")
    ax.set_title(r"(b) $\mathbb{Z}_2$, sup norm, LP")

    # (c) sup-over-g sandwich, absolute; (d) divided by the upper bound, left of the kink
    ax, axd = axes[2], axes[3]
    cases = rs.data["cases"]
    for color, c in zip((COLORS[2], COLORS[4]), cases):
        name = _tex_group(c["group"])
        e = np.linspace(0.0, max(c["eps"]), 300)
        lo = lower(eta_sup=c["eta_sup"], eps=e)
        hi = upper(eta=c["eta"], eta_sup=c["eta_sup"], eps=e)
        ax.fill_between(e, lo, hi, color=color, alpha=0.2, lw=0)
        ax.plot(e, hi, color=color, lw=0.9)
        ax.plot(e, lo, color=color, lw=0.9, ls="--")
        ax.plot(c["eps"], c["measured"], color=color, label=name, **PT)
        x = np.asarray(c["eps"]) / c["eta_sup"]
        keep = x < 1 - 1e-9
        ratio = np.asarray(c["measured"])[keep] / np.asarray(c["upper"])[keep]
        axd.axhline(c["eta_sup"] / (2 * c["eta"]), color=color, lw=0.9, ls="--")
        axd.plot(x[keep], ratio, color=color, label=name, **PT)
    axd.axhline(1.0, color="0.3", lw=0.9)
    _kink(ax, cases[0]["eta_sup"], r"$\eta_{\sup}$")
    ax.plot([], [], color="0.3", lw=0.9, label="upper")
    ax.plot([], [], color="0.3", lw=0.9, ls="--", label="lower")
    ax.set_title(r"(c) sup-over-$g$ budget")
    axd.set_title(r"(d) $A_{\sup}$ / upper bound")
    axd.set_xlim(0, 1)
    axd.set_xlabel(r"$\varepsilon/\eta_{\sup}$ (left of the kink)")

    for ax in axes[:3]:
        ax.set_xlabel(r"budget $\varepsilon$")
        ax.set_ylim(bottom=-0.04 * ax.get_ylim()[1])
    for ax in axes[:3]:  # (d) shares the colours of (c)
        ax.legend(loc="upper right", handlelength=1.5, borderaxespad=0.2)
    fig.suptitle("Approximation error under an equivariance budget: lines predicted, points "
                 "solver optima\n" r"(c, d): band between $\frac{1}{2}(\eta_{\sup}-"
                 r"\varepsilon)_+$ (dashed) and $\eta(1-\varepsilon/\eta_{\sup})_+$ (solid), "
                 r"$\eta=\sigma_X\|\Theta_\perp\|_F$", y=1.0, fontsize=8)
    fig.tight_layout()
    return save(fig, "approx_budget", out), results
