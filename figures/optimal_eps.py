"""Figures ``optimal_eps_risk`` and ``optimal_eps_sweep`` (pt-optimal-eps).

``optimal_eps_risk``: excess risk against the model equivariance budget
:math:`\\varepsilon=t\\sqrt{\\eta^2+v}` along :math:`W_t=\\Phi W+t(W-\\Phi W)` for
:math:`\\eta^2/v\\in\\{0.5,1,2\\}`: predicted curve, measured points (pointwise 99 % bars), the
predicted optimum :math:`\\varepsilon^*` (dashed) and the measured optimum with its CI (band).

``optimal_eps_sweep``: :math:`\\varepsilon^*` against η (left) and :math:`\\varepsilon^*/\\eta`
against n (right), predicted curves and measured points with their CIs.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from bounds.approximation import lg_risk_curve, optimal_eps
from verify.engine.experiment import get
from verify.engine.runner import run

from .style import COLORS, figure, predicted_vs_measured, save

Z99 = 2.5758  # pointwise 99 % normal quantile for the curve points


def make(quick: bool = False, seed: int = 0, out=None):
    exp = get("pt-optimal-eps")
    res = run(exp, quick=quick, overrides={"sweep": "true"}, seed=seed,
              workers=1 if quick else None, cache=True)
    pts = res.data["points"]
    st = res.data["setting"]
    risk = lg_risk_curve().lambdify()
    eps_of = optimal_eps().lambdify()
    base = {k: st[k] for k in ("d", "k", "dimE", "sigma")}

    # (a) risk versus budget
    fig, (ax,) = figure(1, width=3.6, aspect=0.8)
    chosen = [p for p in pts if p["role"] == "ratio" and p["ratio"] in (0.5, 1.0, 2.0)]
    for color, p in zip(COLORS, chosen):
        s = np.sqrt(p["eta"] ** 2 + p["v"])
        tt = np.linspace(0, 1, 200)
        t_pts = np.array([c[0] for c in p["curve"]])
        m = np.array([c[1] for c in p["curve"]])
        se = np.array([c[2] for c in p["curve"]])
        predicted_vs_measured(ax, tt * s, risk(t=tt, n=p["n"], eta=p["eta"], **base),
                              t_pts * s, m, m - Z99 * se, m + Z99 * se, color,
                              rf"$\eta^2/v={p['ratio']:g}$")
        ec = p["eps_check"]
        ax.axvline(p["eps_pred"], color=color, ls="--", lw=0.8)
        ax.axvspan(ec.ci_low, ec.ci_high, color=color, alpha=0.25, lw=0)
        ax.axvline(p["eta"], color=color, ls=":", lw=0.8)
    ax.set_xlabel(r"model equivariance error $\varepsilon$")
    ax.set_ylabel(r"excess risk $\mathbb{E}R(W_t)-R(f^*)$")
    ax.set_title(rf"{base['d']}-dim, dim $E$={base['dimE']}, $n$={pts[0]['n']}: "
                 r"$\varepsilon^*$ dashed, measured CI shaded, $\eta$ dotted", fontsize=7)
    ax.legend(loc="upper right")
    paths = save(fig, "optimal_eps_risk", out)

    # (b) eps* versus eta and eps*/eta versus n
    fig, (a1, a2) = figure(2, aspect=0.8)
    rp = sorted((p for p in pts if p["role"] in ("main", "ratio") and p["n"] == pts[0]["n"]),
                key=lambda p: p["eta"])
    n0 = pts[0]["n"]
    eg = np.geomspace(min(p["eta"] for p in rp) / 2, max(p["eta"] for p in rp) * 1.3, 200)
    predicted_vs_measured(a1, eg, eps_of(n=n0, eta=eg, **base), [p["eta"] for p in rp],
                          [p["eps_check"].measured for p in rp],
                          [p["eps_check"].ci_low for p in rp],
                          [p["eps_check"].ci_high for p in rp], COLORS[0],
                          r"$\varepsilon^*=\eta^2/\sqrt{\eta^2+v}$")
    a1.plot(eg, eg, color="0.5", ls=":", lw=0.8, label=r"$\varepsilon=\eta$")
    a1.set_xscale("log")
    a1.set_yscale("log")
    a1.xaxis.set_minor_formatter(NullFormatter())
    a1.set_xlabel(r"data equivariance error $\eta$")
    a1.set_ylabel(r"optimal model equivariance error $\varepsilon^*$")
    a1.set_title(rf"$n={n0}$, $v={pts[0]['v']:.3g}$")
    a1.legend(loc="upper left")
    npts = sorted((p for p in pts if p["role"] in ("main", "n")), key=lambda p: p["n"])
    eta0 = npts[0]["eta"]
    ng = np.linspace(base["d"] + 4.5, max(p["n"] for p in npts) * 1.05, 300)
    predicted_vs_measured(a2, ng, eps_of(n=ng, eta=eta0, **base) / eta0,
                          [p["n"] for p in npts],
                          [p["eps_check"].measured / eta0 for p in npts],
                          [p["eps_check"].ci_low / eta0 for p in npts],
                          [p["eps_check"].ci_high / eta0 for p in npts], COLORS[1],
                          r"$\varepsilon^*/\eta$")
    a2.axhline(1, color="0.5", ls=":", lw=0.8)
    a2.set_xscale("log")
    a2.set_xlabel("sample size $n$")
    a2.set_ylabel(r"$\varepsilon^*/\eta$")
    a2.set_title(rf"$\eta^2={eta0 ** 2:.3g}$: $\varepsilon^*<\eta$, $\to\eta$ as $n\to\infty$")
    a2.legend(loc="lower right")
    paths += save(fig, "optimal_eps_sweep", out)
    return paths, [res]
