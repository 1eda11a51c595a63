"""Figures ``equivcnp_shift`` and ``equivcnp_predictions`` (Kawano et al. 2021, 1D GP regression).

``equivcnp_shift``: the per-target log-likelihood (mean over evaluation tasks, CI bars from the
standard error over tasks) of the T(1)-EquivCNP, the CNP and the true-kernel GP oracle
(per point and joint), all trained on (−2, 2) with an RBF kernel and evaluated on the window
(−2, 2) + a.  The shaded band marks the training range's overlap: a = 0 lies inside it, a ≥ 4
entirely outside.

``equivcnp_predictions``: one evaluation task inside the training range (left) and the same
task translated by 4 (right): context points, the predictive mean and a ±2σ band of each
model, and the oracle's mean (dashed) for reference.

Both read one ``equivcnp-shift`` run (cached task outputs are reused).

``equivcnp_image``: context (unobserved pixels in blue), target and the two zero-shot
completions for an upright, a rotated and a rotated-and-scaled test digit (one
``equivcnp-image`` run), with each model's mean test MSE on that test set.
"""

from __future__ import annotations

import numpy as np

from verify.engine.experiment import get
from verify.engine.runner import run
from verify.experiments import equivcnp_trained  # noqa: F401  (registers equivcnp-shift)
from verify.experiments.equivcnp_trained import EXAMPLE_X

from .style import COLORS, figure, save

MODELS = (("convcnp", "EquivCNP T(1)", COLORS[0]), ("cnp", "CNP", COLORS[1]),
          ("gp", "GP oracle (per point)", COLORS[2]))


def _mean_ci(v):
    v = np.asarray(v, float)
    m, se = v.mean(), v.std(ddof=1) / np.sqrt(v.size)
    return m, 2.576 * se


def _shift_figure(res, out):
    data, shifts = res.data["outputs"], res.data["shifts"]
    fig, (ax,) = figure(1, width=3.6, aspect=0.8)
    ax.axvspan(-0.2, 0.2, color="0.9", lw=0)
    for key, label, color in MODELS:
        src = data[f"rbf/{key}"]
        stats = [_mean_ci(src[f"shift {a:g}"]) for a in shifts]
        ax.errorbar(shifts, [s[0] for s in stats], yerr=[s[1] for s in stats], fmt="o-",
                    color=color, mfc="white", capsize=2, lw=1.0, label=label)
    gj = [_mean_ci(data["rbf/gp"][f"shift {a:g} joint"]) for a in shifts]
    ax.plot(shifts, [s[0] for s in gj], "--", color=COLORS[2], lw=0.8,
            label="GP oracle (joint)")
    ax.set_xlabel(r"window shift $a$ (evaluation on $(-2,2)+a$)")
    ax.set_ylabel("log-likelihood per target")
    ax.set_xticks(shifts)
    ax.set_title("RBF GP, trained on $(-2, 2)$")
    ax.legend(loc="lower left")
    return save(fig, "equivcnp_shift", out)


def _prediction_figure(res, out):
    data = res.data["outputs"]
    fig, axes = figure(2, aspect=0.85)
    x = EXAMPLE_X
    for ax, tag, lo, hi, title in ((axes[0], "in", -3.0, 3.0, "inside the training range"),
                                   (axes[1], "out", 1.0, 7.0,
                                    "translated by 4: outside the training range")):
        sel = (x >= lo) & (x <= hi)
        gp = data["rbf/gp"][f"example_{tag}"]
        for key, label, color in MODELS[:2]:
            ex = data[f"rbf/{key}"][f"example_{tag}"]
            mu, sd = np.asarray(ex["mean"]), np.sqrt(np.asarray(ex["var"]))
            ax.plot(x[sel], mu[sel], color=color, lw=1.1, label=label)
            ax.fill_between(x[sel], (mu - 2 * sd)[sel], (mu + 2 * sd)[sel], color=color,
                            alpha=0.18, lw=0)
        ax.plot(x[sel], np.asarray(gp["mean"])[sel], "--", color=COLORS[2], lw=0.9,
                label="GP oracle mean")
        ax.plot(gp["xc"], gp["yc"], "o", color="0.1", ms=3, label="context")
        ax.axvspan(-2, 2, color="0.93", lw=0, zorder=0)
        ax.set_xlim(lo, hi)
        ax.set_ylim(-3.5, 3.5)
        ax.set_xlabel("$x$")
        ax.set_title(title)
    axes[0].set_ylabel(r"$y$; mean $\pm2\sigma$")
    axes[0].legend(loc="lower left", ncol=2)
    return save(fig, "equivcnp_predictions", out)


def make(quick: bool = False, seed: int = 0, out=None):
    res = run(get("equivcnp-shift"), quick=quick, seed=seed, cache=True)
    return _shift_figure(res, out) + _prediction_figure(res, out), [res]


def make_image(quick: bool = False, seed: int = 0, out=None):
    """Figure ``equivcnp_image``: for an upright and a rotated test digit, the context, the
    target and the completions of the T(2)- and the R×SO(2)-equivariant model (both fitted on
    upright digits only)."""
    from verify.experiments import equivcnp_image  # noqa: F401  (registers equivcnp-image)
    res = run(get("equivcnp-image"), quick=quick, seed=seed, cache=True)
    o = res.data["outputs"]
    kinds = ("upright", "rotated", "rotated+scaled")
    import matplotlib.pyplot as plt

    figure(1)  # applies the shared style
    plt.close("all")
    fig, axes = plt.subplots(len(kinds), 4, figsize=(4.2, 1.1 * len(kinds) + 0.3))
    cols = ("context", "target", "T(2) model", "R×SO(2) model")
    for r, kind in enumerate(kinds):
        ex_t, ex_r = o["T2"][f"example {kind}"], o["RxSO2"][f"example {kind}"]
        img = np.asarray(ex_t["image"]).reshape(16, 16)
        mask = np.asarray(ex_t["mask"]).reshape(16, 16) > 0
        ctx = np.where(mask, img, np.nan)
        panels = (ctx, img, np.asarray(ex_t["prediction"]).reshape(16, 16),
                  np.asarray(ex_r["prediction"]).reshape(16, 16))
        for c, p in enumerate(panels):
            ax = axes[r, c]
            cmap = plt.get_cmap("gray_r").copy()
            cmap.set_bad("#c9dcec")
            ax.imshow(p, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            for sp in ax.spines.values():
                sp.set_visible(True)
                sp.set_linewidth(0.4)
            if r == 0:
                ax.set_title(cols[c], fontsize=7)
            if c == 0:
                ax.set_ylabel(kind, fontsize=7)
            if c >= 2:
                mse = np.mean(o["T2" if c == 2 else "RxSO2"][kind])
                ax.set_xlabel(f"test MSE {mse:.3f}", fontsize=6)
    fig.suptitle("zero-shot completion, models fitted on upright digits", fontsize=8)
    return save(fig, "equivcnp_image", out), [res]
