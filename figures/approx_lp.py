r"""Figure ``approx_lp``: approximate invariance (``pt-approx-lp``, ``pt-stab-eps``).

(a) The exact supremum :math:`\mathrm{LP}(\varepsilon)` of :math:`\mathbb E_{\mu_n}f-
    \mathbb E_{\mu'_n}f` over the ε-invariant 1-Lipschitz functions (:math:`C_4` on
    :math:`[-1,1]^2`, two samples), against ε: horizontal lines :math:`W_1^{X/G}` and
    :math:`W_1^X`, the bound :math:`\min(W_1^X,W_1^{X/G}+2\varepsilon)` as a line (the Statement
    :func:`bounds.stabilizer.approx_invariance_bound`), the LP optima as points; the LP with the
    invariance constraint for the generator only, :math:`\mathrm{LP}_T`, with its word-length
    bound :math:`\min(W_1^X,W_1^{X/G}+2m\varepsilon)` (dashed).  The dotted vertical line is
    :math:`\varepsilon_{\rm red}`, from which the invariance constraints are implied.
    Square-root scale in ε.
(b) :math:`\lambda_G(\mathsf{Stab}_\varepsilon)`, the fraction of the 360 rotations with
    :math:`e_g(f)\le\varepsilon`, against ε in :math:`L^\infty` and :math:`L^2`: the step
    curves are exact (all ε), the points the five checked values; the grey lines are the
    continuum law :math:`\frac2\pi\arcsin(\varepsilon/e_{\sup})` of
    :math:`e_g\propto|\sin\varphi_g|`, which holds for this f (a second harmonic in θ).

Everything is deterministic given the sample (no confidence intervals: the checks use absolute
tolerances 1e-8 and 1e-12).
"""

from __future__ import annotations

import re

import numpy as np

from verify.engine.experiment import get
from verify.engine.runner import run_many
from verify.experiments import pt_approx_lp, pt_stab_eps  # noqa: F401  (registers both)

from .style import COLORS, figure, save

PT = {"ls": "none", "mfc": "white", "zorder": 3}
EPS_FULL = "0,0.01,0.02,0.05,0.1,0.2,0.3,0.5,1,2"
EPS_QUICK = "0,0.02,0.05,0.1,0.2,0.3,0.5,1"


def _tex_group(name: str) -> str:
    """C4 -> $C_{4}$ (a letter then digits); other names unchanged."""
    m = re.fullmatch(r"([A-Z])(\d+)", name)
    return rf"${m.group(1)}_{{{m.group(2)}}}$" if m else name


def make(quick: bool = False, seed: int = 0, out=None):
    lp_exp, stab_exp = get("pt-approx-lp"), get("pt-stab-eps")
    items = [(lp_exp, lp_exp.resolve(quick, {"eps": EPS_QUICK if quick else EPS_FULL})),
             (stab_exp, stab_exp.resolve(quick))]
    results = run_many(items, seed=seed, workers=1)
    rl, rs = results
    d = rl.data
    bound = pt_approx_lp.STATEMENTS["bound"].lambdify()
    word = pt_approx_lp.STATEMENTS["word"].lambdify()

    fig, (ax, bx) = figure(2, aspect=0.8)

    # (a) LP value against eps
    w1x, w1q, m = d["W1X"], d["W1Q"], d["m"]
    e = np.concatenate([[0.0], np.geomspace(1e-3, d["eps_red"] * 1.3, 400)])
    ax.axhline(w1q, color="0.45", ls="--", lw=0.8)
    ax.axhline(w1x, color="0.45", ls=":", lw=0.9)
    ax.plot(e, bound(W1=w1x, W1q=w1q, eps=e), color=COLORS[0],
            label=r"$\min(W_1^X,\,W_1^{X/G}+2\varepsilon)$")
    ax.plot(e, word(W1=w1x, W1q=w1q, eps=e, m=m), color=COLORS[1], ls="--", lw=0.9,
            label=rf"$\min(W_1^X,\,W_1^{{X/G}}+2m\varepsilon)$, $m={m}$")
    ax.plot(d["eps"], d["lp"], marker="o", color=COLORS[0],
            label=r"LP over $\mathcal{F}_\varepsilon$", **PT)
    ax.plot(d["eps"], d["lp_gen"], marker="s", ms=2.6, color=COLORS[1],
            label=r"LP, generator constraint only", **PT)
    ax.axvline(d["eps_red"], color="0.45", ls=":", lw=0.8)
    ax.set_xscale("function", functions=(np.sqrt, np.square))
    top = d["eps_red"] * 1.15
    ax.set_xlim(0, top)
    ax.set_xticks([t for t in (0, 0.02, 0.1, 0.3, 1, 2, 3) if t <= top])
    ax.set_xticklabels([f"{t:g}" for t in (0, 0.02, 0.1, 0.3, 1, 2, 3) if t <= top])
    lo, hi = w1q - 0.1 * (w1x - w1q), w1x + 0.12 * (w1x - w1q)
    ax.set_ylim(lo, hi)
    ax.annotate(r"$W_1^X$", (0.004, w1x), xytext=(0, 1), textcoords="offset points",
                ha="left", va="bottom", fontsize=7, color="0.3")
    ax.annotate(r"$W_1^{X/G}$", (0.004, w1q), xytext=(0, -1), textcoords="offset points",
                ha="left", va="top", fontsize=7, color="0.3")
    ax.annotate(r"$\varepsilon_{\rm red}$", (d["eps_red"], w1q + 0.5 * (w1x - w1q)),
                xytext=(-2, 0), textcoords="offset points", ha="right", va="center",
                fontsize=7, color="0.3")
    ax.set_xlabel(r"invariance budget $\varepsilon$ (square-root scale)")
    ax.set_ylabel(r"$\sup_{\mathcal{F}_\varepsilon}\ \mathbb{E}_{\mu_n}f-\mathbb{E}_{\mu'_n}f$")
    ax.set_title(rf"(a) {_tex_group(d['group'])} on $[-1,1]^2$, $n={d['n']}$ "
                 rf"({d['N']} orbit points)")
    ax.legend(loc="lower right", handlelength=1.8, bbox_to_anchor=(1.0, 0.08))

    # (b) lambda_G(Stab_eps)
    s = rs.data
    order = s["order"]
    for color, (norm, label) in zip((COLORS[2], COLORS[4]),
                                    (("Linf", r"L^\infty"), ("L2", r"L^2"))):
        nd = s["norms"][norm]
        e_sup = nd["e_sup"]
        q = np.linspace(0.0, 1.0, 400)
        bx.plot(q * e_sup, 2 / np.pi * np.arcsin(q), color="0.6", lw=2.4, alpha=0.5)
        errs = np.sort(np.asarray(nd["errors"]))
        frac = np.arange(1, order + 1) / order
        bx.step(np.r_[0.0, errs], np.r_[frac[0], frac], where="post", color=color, lw=1.0,
                label=rf"${label}$")
        bx.plot(nd["eps"], nd["lambda"], marker="o", color=color, **PT)
    bx.plot([], [], color="0.6", lw=2.4, alpha=0.5,
            label=r"$\frac{2}{\pi}\arcsin(\varepsilon/e_{\sup})$")
    bx.set_xlim(left=0)
    bx.set_ylim(0, 1.02)
    bx.set_xlabel(r"$\varepsilon$")
    bx.set_ylabel(r"$\lambda_G(\mathsf{Stab}_\varepsilon)$ (fraction of the group)")
    bx.set_title(rf"(b) $C_{{{order}}}$, $\alpha={s['alpha']:g}$; "
                 r"points: the checked $\varepsilon$")
    bx.legend(loc="lower right", handlelength=1.8)
    fig.tight_layout()
    return save(fig, "approx_lp", out), results
