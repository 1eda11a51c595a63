"""Figure ``constrained_erm``: excess risk of budget-constrained ERM versus the budget ε.

Top row: one panel per η²/v_w ∈ {0.5, 1, 2} (whitened design, C8 on R^8, k = 1, n = 16): the
exact risk curve (quadrature) as a line, Monte Carlo points with CI bars at the asserted grid
points, the exact optimum ε_opt (solid), the closed form ε* = η²/√(η² + v_w) (dashed) and η
(dotted).  Bottom left: the argmin in detail, offsets from ε_opt in units of η: the Monte Carlo
argmin with its CI (the sharp check), the closed form and the grid argmin.  Bottom right: the
relative distance of the closed form from the exact optimum as p = dk − dim E grows (η²/v_w = 1),
next to the Monte Carlo CI half-width, i.e. where the closed form becomes indistinguishable.
"""

from __future__ import annotations

import numpy as np

from verify.engine.experiment import get
from verify.engine.runner import run_many

from .style import COLORS, RC, TEXT, plt, predicted_vs_measured, save

RATIOS = (0.5, 1.0, 2.0)


def make(quick: bool = False, seed: int = 0, out=None):
    import verify.experiments.pt_constrained_erm as erm

    exp = get("pt-constrained-erm")
    items = []
    for i, r in enumerate(RATIOS):
        ov = {"ratio": str(r), "gaussian": "false", "p_sweep": "true" if i == 1 else "false"}
        items.append((exp, exp.resolve(quick, ov)))
    results = run_many(items, seed=seed, workers=1 if quick else None)

    plt.rcParams.update(RC)
    fig = plt.figure(figsize=(TEXT, 0.62 * TEXT))
    gs = fig.add_gridspec(2, 6, height_ratios=(1.15, 1), hspace=0.55, wspace=1.6,
                          top=0.85, bottom=0.08)
    top = [fig.add_subplot(gs[0, 2 * i:2 * i + 2]) for i in range(3)]
    detail, sweep_ax = fig.add_subplot(gs[1, :3]), fig.add_subplot(gs[1, 3:])

    for ax, res, color in zip(top, results, COLORS):
        st, row = res.data["setting"], res.data["settings"][0]
        eta, tau, p = row["eta"], st["tau"], st["p"]
        x = np.linspace(0, 1.5 * eta, 160)
        y = st["a_w"] + erm.exact_curve(x, eta, tau, p)
        checks = {c.name: c for c in res.checks}
        tag = f"[eta^2/v_w={row['ratio']:.3g}] "
        grid = np.asarray(row["grid"])
        shown = [checks[f"{tag}E R(eps) at eps={grid[j]:.4f}"] for j in row["asserted"]]
        predicted_vs_measured(ax, x, y, [grid[j] for j in row["asserted"]],
                              [c.measured for c in shown], [c.ci_low for c in shown],
                              [c.ci_high for c in shown], color, "exact (quadrature)")
        ax.axvline(row["eps_opt"], color="k", lw=0.9, label=r"$\varepsilon_{\rm opt}$ (exact)")
        ax.axvline(row["eps_closed"], color=COLORS[3], lw=1.1, ls="--",
                   label=r"$\varepsilon^*=\eta^2/\sqrt{\eta^2+v_w}$")
        ax.axvline(eta, color="0.5", lw=0.8, ls=":", label=r"$\eta$")
        ax.set_title(rf"$\eta^2/v_w={row['ratio']:g}$ ($\eta={eta:.3f}$, $p={p}$)")
        ax.set_xlabel(r"budget $\varepsilon$")
        ax.set_xlim(0, 1.5 * eta * 1.02)
    top[0].set_ylabel(r"excess risk $\mathbb{E}\,R(\hat W_\varepsilon)-R(f^*)$")
    handles, labels = top[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.955), ncol=4,
               fontsize=7, handlelength=2.2)

    # argmin detail: offsets from eps_opt, in units of eta
    for i, (res, color) in enumerate(zip(results, COLORS)):
        row = res.data["settings"][0]
        tag = f"[eta^2/v_w={row['ratio']:.3g}] "
        c = next(c for c in res.checks
                 if c.name == f"{tag}argmin of the MC risk curve (root of its derivative)")
        eta, e0 = row["eta"], row["eps_opt"]
        yy = len(RATIOS) - 1 - i
        detail.errorbar([(c.measured - e0) / eta], [yy],
                        xerr=[[(c.measured - c.ci_low) / eta], [(c.ci_high - c.measured) / eta]],
                        fmt="o", color=color, mfc="white", capsize=2, elinewidth=0.9,
                        label="MC argmin (CI)" if i == 0 else None)
        detail.plot([(row["eps_closed"] - e0) / eta], [yy + 0.18], marker="v", ls="none",
                    color=COLORS[3], label=r"closed form $\varepsilon^*$" if i == 0 else None)
        detail.plot([(row["grid_argmin"] - e0) / eta], [yy - 0.18], marker="x", ls="none",
                    color="0.4", label="grid argmin" if i == 0 else None)
    detail.axvline(0, color="k", lw=0.9)
    detail.set_yticks(range(len(RATIOS)), [rf"$\eta^2/v_w={r:g}$" for r in reversed(RATIOS)])
    detail.set_ylim(-0.6, len(RATIOS) + 0.5)
    detail.set_xlabel(r"$(\varepsilon-\varepsilon_{\rm opt})/\eta$")
    detail.set_title(r"argmin: sharp check against the exact $\varepsilon_{\rm opt}$")
    detail.legend(loc="upper center", fontsize=6, ncol=3, handletextpad=0.3,
                  columnspacing=1.0)

    sweep = results[1].data["p_sweep"]
    ps = np.array([r["p"] for r in sweep])
    gap = np.array([abs(r["rel_gap"]) for r in sweep])
    half = np.array([(r["eps_se"] / r["eps_opt"]) for r in sweep])
    z = next(c for c in results[1].checks if c.is_mc and c.asserted)
    z = (z.ci_high - z.ci_low) / 2 / z.se
    sweep_ax.loglog(ps, gap, "o-", color=COLORS[0],
                    label=r"$|\varepsilon^*/\varepsilon_{\rm opt}-1|$ (quadrature)")
    sweep_ax.loglog(ps, z * half, ":", color="0.4",
                    label=f"MC CI half-width / $\\varepsilon_{{\\rm opt}}$ "
                          f"({results[1].data['settings'][0]['trials']:,} trials)")
    ref = gap[2] * ps[2] / ps
    sweep_ax.loglog(ps, ref, "--", color="0.7", lw=0.8, label=r"$\propto 1/p$")
    sweep_ax.set_xlabel(r"$p=dk-\dim E$")
    sweep_ax.set_title(r"closed form vs exact optimum ($\eta^2/v_w=1$)")
    sweep_ax.set_xticks(ps, [str(p) for p in ps])
    sweep_ax.minorticks_off()
    sweep_ax.set_ylim(0.5 * min(gap.min(), (z * half).min()), 40 * gap.max())  # legend room
    sweep_ax.legend(loc="upper right", fontsize=6)
    fig.suptitle(r"ERM under a model-equivariance budget $\varepsilon$, whitened design "
                 r"($C_8$, $n=16$): lines exact, points Monte Carlo (CI)", y=0.995, fontsize=8)
    return save(fig, "constrained_erm", out), results
