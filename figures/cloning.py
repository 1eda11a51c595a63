r"""Figures ``clone_linear`` and ``clone_break``: symmetry cloning (Huang et al.,
arXiv:2410.03989).

``clone_linear``
    (a) Relative squared clone error of the min-norm least-squares linear clone of an
    orthogonal circulant on :math:`\mathbb R^{16}` against N (``clone-linear``): the line is
    :math:`1-\min(N,d)/d` (:func:`bounds.cloning.linear_clone_error`), the points the measured
    means with CIs (level 1 − α/m over the figure's Monte Carlo checks).
    (b) Mean relative equivariance error (:func:`verify.symmetry.equivariance_error`, all 15
    shifts) against N: the linear clone drops to round-off at N = d; the tanh MLP clone of a
    :math:`\mathbb Z_{16}` G-CNN (``clone-mlp``) falls gradually.
``clone_break``
    (a) Equivariance error (pooled ratio) of the MLP clone while it is fine-tuned toward
    :math:`\Gamma(x)+\epsilon\tanh(x_1)b` (``clone-break``), without (solid) and with (dashed)
    the penalty :math:`\lambda\|\theta-\theta_{\rm clone}\|^2`.
    (b) Test accuracy of the four models of ``clone-retain-break`` on the symmetric task
    (trained unshifted, tested on random shifts) and the symmetry-breaking task (labels depend
    on absolute position); bars are means over seeds, ticks the range.
"""

from __future__ import annotations

import numpy as np

from verify.engine.experiment import get
from verify.engine.runner import run_many
from verify.experiments import clone_linear, clone_retain, clone_train  # noqa: F401
from verify.experiments.clone_retain import MODELS

from .style import COLORS, figure, save

LINEAR_SIZES = "1,2,4,6,8,10,12,14,15,16,20,24,32"


def _runs(quick: bool, seed: int):
    lin, mlp = get("clone-linear"), get("clone-mlp")
    brk, ret = get("clone-break"), get("clone-retain-break")
    items = [(lin, lin.resolve(quick, {"sizes": LINEAR_SIZES})), (mlp, mlp.resolve(quick)),
             (brk, brk.resolve(quick)), (ret, ret.resolve(quick))]
    return run_many(items, seed=seed, workers=1 if quick else None, cache=True)


def _linear(res_lin, res_mlp, out):
    pts = res_lin.data["points"]
    d = res_lin.data["d"]
    stmt = get("clone-linear").statement
    fig, axes = figure(2, aspect=0.8)
    ax = axes[0]
    grid = np.arange(1, max(p["N"] for p in pts) + 1)
    ax.plot(grid, [stmt.evaluate(N=int(N), d=d) for N in grid], color=COLORS[0], lw=1.0,
            label=r"predicted $1-\min(N,d)/d$")
    checks = {c.name: c for c in res_lin.checks}
    N = [p["N"] for p in pts]
    y = [p["clone"] for p in pts]
    half = []
    for p in pts:
        c = checks.get(f"d={d} N={p['N']}: mean clone error = 1 - N/d")
        half.append(0.0 if c is None or c.ci_high is None else (c.ci_high - c.ci_low) / 2)
    ax.errorbar(N, y, yerr=half, fmt="o", color=COLORS[0], mfc="white", capsize=1.5,
                elinewidth=0.8, label="measured mean (CI)")
    ax.axvline(d, color="0.6", lw=0.7, ls=":")
    ax.text(d + 0.4, 0.45, f"$N=d={d}$", fontsize=7, color="0.35")
    ax.set_xlabel("training samples $N$")
    ax.set_ylabel(r"relative clone error $\mathbb{E}\,\|Wx-Cx\|^2/\|Cx\|^2$")
    ax.set_title("(a) linear clone of an orthogonal circulant")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(loc="upper right")

    ax = axes[1]
    floor = 1e-17
    ax.semilogy(N, [max(p["eq"], floor) for p in pts], "o-", color=COLORS[0], mfc="white",
                label="linear clone (min-norm LS)")
    mp = res_mlp.data["points"]
    ax.semilogy([p["N"] for p in mp], [p["relative"] for p in mp], "s-", color=COLORS[1],
                mfc="white", label=r"tanh MLP clone of $C_2\tanh(C_1x)$")
    ax.axhline(1e-12, color="0.5", lw=0.7, ls="--")
    ax.text(1.1, 2e-12, "exactness threshold $10^{-12}$", fontsize=7, color="0.35")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("training samples $N$")
    ax.set_ylabel("mean relative equivariance error")
    ax.set_title(r"(b) equivariance error on $N(0,I)$, all shifts of $\mathbb{Z}_{16}$")
    ax.legend(loc="center right")
    fig.suptitle("Symmetry cloning: the linear clone is exact from N = d; the MLP approaches it",
                 y=1.02, fontsize=8)
    return save(fig, "clone_linear", out)


def _break(res_brk, res_ret, out):
    fig, axes = figure(2, aspect=0.8)
    ax = axes[0]
    rows = res_brk.data["rows"]
    eps = sorted({r["eps"] for r in rows})
    for color, e in zip(COLORS, eps):
        for r in (r for r in rows if r["eps"] == e):
            tr = np.asarray(r["trace"])
            pen = r["lam"] > 0
            ax.plot(tr[:, 0], tr[:, 1], color=color, ls="--" if pen else "-", lw=1.0,
                    label=rf"$\epsilon={e:g}$" + (r", $\lambda>0$" if pen else ""))
    ax.set_yscale("log")
    ax.set_xlabel("fine-tuning step")
    ax.set_ylabel("equivariance error (pooled ratio)")
    lam = max(r["lam"] for r in rows)
    ax.set_title(r"(a) fine-tuning toward $\Gamma+\epsilon\tanh(x_1)b$")
    lo = min(float(np.min(np.asarray(r["trace"])[:, 1])) for r in rows)
    ax.set_ylim(bottom=lo / 40)  # room for the legend below the traces
    ax.legend(loc="lower right", ncol=2, fontsize=6,
              title=rf"solid: $\lambda=0$, dashed: $\lambda={lam:g}$", title_fontsize=6)

    ax = axes[1]
    seeds = res_ret.data["seeds"]
    width = 0.2
    for k, m in enumerate(MODELS):
        for t_i, task in enumerate(("symmetric", "breaking")):
            accs = np.array([s[task][m]["test_acc"] for s in seeds])
            x = t_i + (k - 1.5) * width
            ax.bar(x, accs.mean(), width * 0.9, color=COLORS[k],
                   label=m if t_i == 0 else None)
            ax.plot([x, x], [accs.min(), accs.max()], color="0.2", lw=0.8)
    classes = 1 / res_ret.params["classes"]  # chance level of the symmetric task
    ax.hlines(classes, -0.5, 0.5, color="0.3", lw=0.8, ls=":")
    ax.hlines(0.5, 0.5, 1.5, color="0.3", lw=0.8, ls=":")
    ax.text(-0.48, classes + 0.02, "chance", fontsize=6, color="0.3")
    ax.text(1.48, 0.52, "chance", fontsize=6, color="0.3", ha="right")
    ax.set_xticks([0, 1], ["symmetric task\n(train unshifted, test shifted)",
                           "breaking task\n(label = position)"])
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(0, 1.32)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_ylabel("test accuracy")
    ax.set_title("(b) retain or break the symmetry")
    ax.legend(loc="upper center", fontsize=6, ncol=2)
    fig.suptitle("Symmetry cloning downstream: breaking the symmetry and keeping it",
                 y=1.02, fontsize=8)
    return save(fig, "clone_break", out)


def make(quick: bool = False, seed: int = 0, out=None):
    results = _runs(quick, seed)
    lin, mlp, brk, ret = results
    return _linear(lin, mlp, out) + _break(brk, ret, out), results
