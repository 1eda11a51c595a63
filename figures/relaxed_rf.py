"""Figure ``relaxed_rf``: random features on R^2 under C8 fitted with a relaxed equivariance budget.

Left: test risk of :math:`\\hat f_t=\\Phi\\hat f+t(\\hat f-\\Phi\\hat f)` against t at λ = 0.3, one
curve per n, drawn as the excess over the test risk of f* on the same test sample (the argmin is
unchanged; the log scale shows all n at once), with a band of ± one standard error over
datasets; filled dots mark the grid argmin :math:`\\hat t^*`, dashed verticals the plug-in
:math:`t^*=\\eta^2/(\\eta^2+\\hat v)`.

Right: :math:`\\hat\\varepsilon^*/\\eta` against n for each λ > 0 (filled, the grid argmin) and
the plug-in :math:`\\varepsilon^*/\\eta=t^*\\hat s/\\eta` of the linear theory (open, dashed;
:math:`=\\eta/\\hat s` unless t* is clipped at 1), with the line 1 (ε = η).  Each λ is one
``pt-relaxed-rf`` run over the n sweep (quick: 5 datasets per point, full: 20).  No CI bars on
the right: a grid argmin has no normal-theory interval; the spread across seeds is in the
experiment's report.
"""

from __future__ import annotations

import numpy as np

from verify.engine.experiment import get
from verify.engine.runner import run_many
from verify.experiments import pt_relaxed_rf  # noqa: F401  (registers pt-relaxed-rf)

from .style import COLORS, figure, save

LAMS = (0.1, 0.3, 1.0)
LEFT_LAM = 0.3


def make(quick: bool = False, seed: int = 0, out=None):
    exp = get("pt-relaxed-rf")
    items = [(exp, exp.resolve(quick, {"lam": str(lam), "n": "auto"})) for lam in LAMS]
    results = run_many(items, seed=seed, workers=1 if quick else None)
    by_lam = {lam: r.data["settings"] for lam, r in zip(LAMS, results)}

    fig, (left, right) = figure(2, aspect=0.8)
    rows = by_lam[LEFT_LAM]
    for color, row in zip(COLORS, rows):
        t = np.asarray(row["t"])
        excess = np.asarray(row["risk"]) - row["risk_fstar"]
        se = np.asarray(row["risk_se"])
        left.plot(t, excess, color=color, lw=1.0, label=f"$n={row['n']}$")
        left.fill_between(t, np.maximum(excess - se, 1e-12), excess + se, color=color,
                          alpha=0.15, lw=0)
        i = int(np.argmin(np.abs(t - row["t_hat"])))
        left.plot([row["t_hat"]], [excess[i]], "o", color=color, ms=4.5, zorder=5)
        left.axvline(row["t_plug"], color=color, ls="--", lw=0.8)
    left.plot([], [], "o", color="0.3", ms=4.5, label=r"grid argmin $\hat t^*$")
    left.plot([], [], ls="--", color="0.3", lw=0.8,
              label=r"plug-in $t^*=\eta^2/(\eta^2+\hat v)$")
    left.set_yscale("log")
    left.set_xlim(-0.01, 1.025)  # room for markers and t* at t = 1
    left.set_xlabel(r"$t$ in $\hat f_t=\Phi\hat f+t(\hat f-\Phi\hat f)$")
    left.set_ylabel(r"test risk of $\hat f_t$ $-$ test risk of $f^*$")
    eta = rows[0]["eta"]
    left.set_title(rf"$\lambda={LEFT_LAM:g}$ ($\eta={eta:.2f}$, $\sigma=0.5$)")
    left.legend(loc="lower left")

    for color, lam in zip(COLORS[3:], LAMS):  # colours distinct from the n of the left
        rs = sorted(by_lam[lam], key=lambda r: r["n"])
        n = [r["n"] for r in rs]
        right.plot(n, [r["ratio"] for r in rs], "o-", color=color, lw=1.0,
                   label=rf"$\lambda={lam:g}$ ($\eta={rs[0]['eta']:.2f}$)")
        right.plot(n, [r["ratio_plug"] for r in rs], "s--", color=color, mfc="white",
                   lw=0.8, ms=3.5)
    right.axhline(1.0, color="0.2", lw=0.8)
    right.plot([], [], "o-", color="0.3", lw=1.0, label=r"measured $\hat\varepsilon^*/\eta$")
    right.plot([], [], "s--", color="0.3", mfc="white", lw=0.8, ms=3.5,
               label=r"plug-in $\varepsilon^*/\eta=t^*\hat s/\eta$")
    right.set_xscale("log")
    right.set_xticks([r["n"] for r in rows])
    right.set_xticklabels([str(r["n"]) for r in rows])
    right.minorticks_off()
    right.set_xlabel("sample size $n$")
    right.set_ylabel(r"$\hat\varepsilon^*/\eta$")
    right.set_title(r"optimal model error over data error")
    right.legend(loc="lower right")
    fig.suptitle(r"Random features ($p=64$) on $\mathbb{R}^2$, $C_8$ rotations, invariant target "
                 r"$f^*=\Phi f_0+\lambda(f_0-\Phi f_0)$", y=1.02, fontsize=8)
    return save(fig, "relaxed_rf", out), results
