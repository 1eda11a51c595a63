"""Figure ``ez_gap``: the Elesedy–Zaidi gap versus n, predicted curves and measured points.

Left, invariant output (k = 1) for groups acting on R^6 with 1, 2 and 3 orbits of coordinates
(dim E = 1, 2, 3); right, equivariant output (k = d = 6) for C6, D6, S6 (dim E = 6, 4, 2).
Each point is ``ez-gap`` run at that setting; bars are its CI (level 1 - α/m, Bonferroni over
all points of the figure).
"""

from __future__ import annotations

import numpy as np

from verify.engine.experiment import get
from verify.engine.runner import run_many

from .style import COLORS, figure, predicted_vs_measured, save

PANELS = {
    "invariant output ($k=1$)": [("C6", 1), ("C3", 2), ("C2", 3)],
    "equivariant output ($k=d$)": [("C6", 1), ("D6", 1), ("S6", 1)],
}
NS = (11, 14, 18, 24, 32, 48)


def make(quick: bool = False, seed: int = 0, out=None):
    exp = get("ez-gap")
    items, keys = [], []
    for panel, groups in PANELS.items():
        output = "invariant" if panel.startswith("invariant") else "equivariant"
        for group, ch in groups:
            for n in NS:
                ov = {"group": group, "channels": str(ch), "output": output, "n": str(n),
                      "sigma": "1.0", "slope": "false"}
                items.append((exp, exp.resolve(quick, ov)))
                keys.append((panel, group, ch))
    results = run_many(items, seed=seed, workers=1 if quick else None, cache=True)
    fig, axes = figure(2, aspect=0.8)
    for ax, (panel, groups) in zip(axes, PANELS.items()):
        for color, (group, ch) in zip(COLORS, groups):
            rs = [r for r, key in zip(results, keys) if key == (panel, group, ch)]
            c = [r.checks[0] for r in rs]
            pt = rs[0].data["points"][0]
            d, k, dim_e = pt["d"], pt["k"], pt["dimE"]
            n_curve = np.linspace(d + 4, max(NS) + 2, 200)
            curve = exp.statement.lambdify()(n=n_curve, d=d, k=k, dimE=dim_e, sigma=1.0)
            tag = group + (f"$\\times${ch}" if ch > 1 else "")
            predicted_vs_measured(ax, n_curve, curve, NS, [x.measured for x in c],
                                  [x.ci_low for x in c], [x.ci_high for x in c], color,
                                  f"{tag} (dim $E$={dim_e})")
        ax.set_yscale("log")
        ax.set_xlabel("sample size $n$")
        ax.set_title(panel)
        ax.legend(loc="upper right")
    axes[0].set_ylabel(r"gap $\mathbb{E}[R(f_W)-R(f_{\Phi W})]$ ($\sigma=1$)")
    fig.suptitle(r"Elesedy–Zaidi gap $\sigma^2(dk-\dim E)/(n-d-1)$: lines predicted, "
                 r"points measured (CI)", y=1.02, fontsize=8)
    return save(fig, "ez_gap", out), results
