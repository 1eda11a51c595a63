"""Figure ``bk_merge``: merging a ReLU MLP with its flipped copy versus with another net (digits).

(a) Test loss along the linear path :math:`\\theta_\\alpha` minus the straight line between the
endpoints (its maximum is the loss barrier), at 2×64, for the flip-merge
:math:`(\\theta,\\Pi F\\theta)` and the two-net merge :math:`(\\theta_A,\\Pi\\theta_B)`, both
aligned by activation matching; thin dashed: without alignment.  (b) Loss barrier against the
width of two-hidden-layer MLPs, flip versus two-net, mean ± one standard error over seeds; grey
crosses: an independent prototype's barriers (``PROTOTYPE``).  (c) Activation alignment error
:math:`a_l=\\|h_l^\\theta-h_l^{\\Pi\\theta'}\\|/\\|h_l^\\theta\\|` per hidden layer at 2×64.

Augmented arm (hflip p = ½); one ``bk-merge-mlp`` run (quick: widths 16 and 64, 4 seeds; full:
widths 16–256, 6 seeds, a few minutes on two cores).  Trend figure: the paper predicts the
ordering (flip below two-net), not the values.
"""

from __future__ import annotations

import numpy as np

from verify.engine.experiment import get
from verify.engine.runner import run
from verify.experiments.bk_merge import PROTOTYPE

from .style import COLORS, figure, save

FOCUS = "2x64"
PAIRS = (("flip", "flip-merge $(\\theta,\\Pi F\\theta)$", COLORS[0]),
         ("2net", "two-net $(\\theta_A,\\Pi\\theta_B)$", COLORS[1]))


def make(quick: bool = False, seed: int = 0, out=None):
    widths = (16, 64) if quick else (16, 32, 64, 128, 256)
    overrides = {"sizes": ",".join(f"2x{w}" for w in widths), "arms": "aug",
                 "seeds": "4" if quick else "6"}
    res = run(get("bk-merge-mlp"), quick=quick, overrides=overrides, seed=seed,
              workers=1 if quick else None, cache=True)
    summ = {s["size"]: s for s in res.data["summary"]}
    recs = [r for r in res.data["records"] if r["size"] == FOCUS]
    alphas = np.asarray(res.data["alphas"])

    fig, (a, b, c) = figure(3, aspect=0.95)
    # (a) excess loss along the path at 2x64
    for key, label, color in PAIRS:
        for curve, ls, lw, lab in (("loss_curve", "-", 1.2, label),
                                   ("raw_loss_curve", "--", 0.7, None)):
            cs = np.array([r[key][curve] for r in recs])
            ex = cs - ((1 - alphas) * cs[:, :1] + alphas * cs[:, -1:])
            m, se = ex.mean(axis=0), ex.std(axis=0, ddof=1) / np.sqrt(len(ex))
            a.plot(alphas, m, ls=ls, lw=lw, color=color, label=lab)
            if curve == "loss_curve":
                a.fill_between(alphas, m - se, m + se, color=color, alpha=0.2, lw=0)
    a.plot([], [], "--", lw=0.7, color="0.4", label="unaligned")
    a.set_yscale("symlog", linthresh=0.02)
    a.set_xlabel(r"$\alpha$ in $\theta_\alpha=(1-\alpha)\theta+\alpha\theta'$")
    a.set_ylabel("test loss above the straight line")
    a.set_title(f"(a) loss along the path, {FOCUS.replace('x', chr(215))}")
    a.legend(loc="upper left", fontsize=6)

    # (b) barrier versus width
    for k, (key, label, color) in enumerate(PAIRS):
        m = [summ[f"2x{w}"][f"{key}_loss_barrier"][0] for w in widths]
        se = [summ[f"2x{w}"][f"{key}_loss_barrier"][1] for w in widths]
        x = np.array(widths) * (1 + 0.04 * (2 * k - 1))  # dodge the bars
        b.errorbar(x, m, yerr=se, fmt="o-", color=color, ms=3.5, capsize=1.5, lw=1.0,
                   elinewidth=0.8, label=label.split(" ")[0])
        proto = [(w, PROTOTYPE[f"2x{w}"][k]) for w in widths if f"2x{w}" in PROTOTYPE]
        b.plot(*zip(*proto), "x", color="0.5", ms=3.5)
    b.plot([], [], "x", color="0.5", ms=3.5, label="independent prototype")
    b.set_xscale("log", base=2)
    b.set_xticks(widths)
    b.set_xticklabels([str(w) for w in widths])
    b.minorticks_off()
    b.set_ylim(bottom=0)
    b.set_xlabel("width of each hidden layer (2 layers)")
    b.set_ylabel("loss barrier (flip-closed test set)")
    b.set_title(f"(b) barrier vs width, {summ[FOCUS]['seeds']} seeds")
    b.legend(loc="upper right", fontsize=6)

    # (c) per-layer activation alignment error at 2x64
    s = summ[FOCUS]
    layers = np.arange(1, len(s["flip_a"]) + 1)
    for k, (key, label, color) in enumerate(PAIRS):
        m = [x[0] for x in s[f"{key}_a"]]
        se = [x[1] for x in s[f"{key}_a"]]
        c.bar(layers + (k - 0.5) * 0.36, m, width=0.34, yerr=se, color=color, alpha=0.85,
              capsize=2, error_kw={"elinewidth": 0.8}, label=label.split(" ")[0])
        for xl, v in zip(layers + (k - 0.5) * 0.36, m):
            c.text(xl, v + 0.02, f"{v:.2f}", ha="center", va="bottom", fontsize=6)
    c.set_xticks(layers)
    c.set_xticklabels([f"layer {int(i)}" for i in layers])
    c.set_ylim(0, 1.2)
    c.set_ylabel(r"$a_l=\|h_l^\theta-h_l^{\Pi\theta'}\|\,/\,\|h_l^\theta\|$")
    c.set_title(f"(c) alignment error, {FOCUS.replace('x', chr(215))}")
    c.legend(loc="upper center", ncol=2, fontsize=6)
    c.grid(axis="x", visible=False)

    fig.suptitle("ReLU MLPs on 8×8 digits (hflip-augmented): merging a net with its mirror "
                 "image vs with an independently trained net", y=1.03, fontsize=8)
    fig.tight_layout()
    return save(fig, "bk_merge", out), [res]
