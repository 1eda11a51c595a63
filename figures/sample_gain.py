"""Figure ``sample_gain``: how much data symmetry is worth for invariant Lipschitz classes.

(a) The sample-efficiency gain :math:`\\mathbb EW_1^{X/G}/\\mathbb EW_1^X` (two-sample, by
    assignment) against n for S3 on :math:`[0,1]^3`, C4 on :math:`[-1,1]^2` and sign flips on
    :math:`[-1,1]^3`; lines: the predicted rate :math:`|G|^{-1/d}` (``pt-sample-gain``; for sign
    flips ½ is exact at every n, ``pt-lip-w1``).
(b) The same ratio against |G| at one n, for d = 2 (C2, C4, D4 on :math:`[-1,1]^2`) and d = 3
    (C3, S3 by permutations on :math:`[0,1]^3`, sign flips on :math:`[-1,1]^3`); lines
    :math:`|G|^{-1/2}` and :math:`|G|^{-1/3}`.
(c) The generalization gap of the invariant 1-Lipschitz class,
    :math:`\\mathbb EW_1^{X/G}(\\mu_n,\\nu_n)`, against n on :math:`[0,1]^3` for |G| = 1, 3, 6
    (points), with the covering bound :math:`\\min_\\delta[2\\delta+\\frac D2\\sqrt{2N(\\delta)/n}]`
    from grid covers of a fundamental domain (lines, ``pt-cover-bound``).

Points carry 99 % confidence bars (delta method for ratios).  With ``quick`` the sizes are
small (n up to 200, 5 pairs of samples) and the bars wide.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter, ScalarFormatter

from verify.engine.experiment import get
from verify.engine.runner import run_many
from verify.experiments import pt_cover, pt_wasserstein  # noqa: F401  (registers the slugs)
from verify.models.wasserstein import cube_group, fundamental_domain

from .style import COLORS, figure, predicted_vs_measured, save

MAIN = "S3,C4,Z2^3"
ORDERS = {2: ("C2", "C4", "D4"), 3: ("C3:perm", "S3", "Z2^3")}
BOUND_GROUPS = "C3:perm,S3"  # with |G| = 1 (W1^X of the S3 run): |G| = 1, 3, 6 on [0, 1]^3


def _label(spec: str) -> str:
    name = spec.split(":")[0]
    if name.startswith("Z2^"):
        return rf"$\mathbb{{Z}}_2^{{{name[3:]}}}$"
    return rf"${name[0]}_{{{name[1:]}}}$"


def _n_axis(ax, ns) -> None:
    """Log x axis with the sample sizes as plain tick labels."""
    ax.set_xscale("log")
    ax.set_xticks(list(ns))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())


def _ratio_points(case, checks):
    """(n, ratio, ci_low, ci_high) of one group's ratio checks."""
    mine = [c for c in checks if c.group == f"{case['group']} ratio versus n"]
    return ([int(c.name.split("n=")[1].split(":")[0]) for c in mine],
            [c.measured for c in mine], [c.ci_low for c in mine], [c.ci_high for c in mine])


def make(quick: bool = False, seed: int = 0, out=None):
    gain, bound = get("pt-sample-gain"), get("pt-cover-bound")
    n_list = "100,200" if quick else "100,400,1000"
    n_b = 200 if quick else 400
    extra = ",".join(g for d in ORDERS.values() for g in d if g.split(":")[0] not in MAIN)
    items = [
        (gain, gain.resolve(quick, {"groups": MAIN, "n": n_list, "bracket": "false"})),
        (gain, gain.resolve(quick, {"groups": extra, "n": str(n_b), "bracket": "false"})),
        (bound, bound.resolve(quick, {"groups": BOUND_GROUPS, "n": n_list,
                                      "trials": "5" if quick else "10"})),
    ]
    results = run_many(items, seed=seed, workers=1 if quick else None)
    main, orders, cover = results
    fig, axes = figure(3, aspect=0.95)

    # (a) ratio versus n
    ax = axes[0]
    ns = np.array(main.data["n"], float)
    xs = np.geomspace(ns[0] / 1.3, ns[-1] * 1.3, 50)
    for k, (color, case) in enumerate(zip(COLORS, main.data["cases"])):
        n, r, lo, hi = _ratio_points(case, main.checks)
        shift = 1.0 + 0.06 * (k - 1)  # spread overlapping points a little
        d, first = case["d"], len(ax.lines)
        predicted_vs_measured(ax, xs, np.full_like(xs, case["target"]),
                              np.array(n) * shift, r, lo, hi, color,
                              rf"{_label(case['group'])}: $|G|^{{-1/{d}}}={case['target']:.3f}$")
        ax.lines[first].set_linestyle(("-", "--", ":")[k % 3])  # C4 and Z2^3 share 1/2
    _n_axis(ax, ns.astype(int))
    ax.set_ylim(0.3, 0.95)
    ax.set_xlabel("sample size $n$")
    ax.set_ylabel(r"gain $\mathbb{E}W_1^{X/G}\,/\,\mathbb{E}W_1^{X}$")
    ax.set_title("(a) gain versus $n$ (line: $|G|^{-1/d}$)")
    ax.legend(loc="upper center", fontsize=6, ncol=1)

    # (b) ratio versus |G| at n_b
    ax = axes[1]
    by_group = {c["group"]: (c, main.checks) for c in main.data["cases"]}
    by_group.update({c["group"]: (c, orders.checks) for c in orders.data["cases"]})
    for color, (d, specs) in zip((COLORS[1], COLORS[0]), ORDERS.items()):
        pts = []
        for spec in specs:
            case, checks = by_group[spec.split(":")[0]]
            n, r, lo, hi = _ratio_points(case, checks)
            i = n.index(n_b)
            pts.append((case["order"], r[i], lo[i], hi[i]))
        g = np.geomspace(1.5, 10, 60)
        o, r, lo, hi = zip(*sorted(pts))
        predicted_vs_measured(ax, g, g ** (-1.0 / d), o, r, lo, hi, color,
                              rf"$d={d}$: $|G|^{{-1/{d}}}$")
        for spec, oo, rr in zip(specs, o, r):
            ax.annotate(_label(spec), (oo, rr), xytext=(5, -9 if d == 2 else 2),
                        textcoords="offset points",
                        fontsize=6, color=color)
    ax.set_xscale("log")
    ax.set_xticks([2, 3, 4, 6, 8])
    ax.set_xticklabels(["2", "3", "4", "6", "8"])
    ax.minorticks_off()
    ax.set_xlabel("group order $|G|$")
    ax.set_title(rf"(b) gain versus $|G|$, $n={n_b}$")
    ax.legend(loc="upper right", fontsize=6)

    # (c) E W1^(X/G) versus n with the covering bound; |G| = 1 is W1^X of the S3 run in (a)
    ax = axes[2]
    st = pt_cover.BOUND_STATEMENTS["bound"]
    s3 = next(c for c in main.data["cases"] if c["group"] == "S3")
    series = [(1, "no symmetry", fundamental_domain("C1", "rot", 3), main.data["n"],
               [m for m, _ in s3["w1x"]], [se for _, se in s3["w1x"]])]
    for case in cover.data["cases"]:
        name, rep, _, _ = cube_group(f"{case['group']}:{case['rep']}")
        pts = case["points"]
        series.append((case["order"], _label(name), fundamental_domain(name, rep, 3),
                       [p["n"] for p in pts], [p["measured"] for p in pts],
                       [p["se"] for p in pts]))
    for color, (order, name, dom, n, m, se) in zip(COLORS, series):
        grid = np.geomspace(n[0] / 1.3, n[-1] * 1.3, 20)
        curve = [pt_cover.cover_bound_curve(st, dom, x, 30)["best"] for x in grid]
        ax.plot(grid, curve, color=color, lw=1.0, ls="--")
        ax.errorbar(n, m, yerr=2.5758 * np.asarray(se), fmt="o", color=color, mfc="white",
                    capsize=1.5, elinewidth=0.8, label=rf"$|G|={order}$ ({name})")
    lowest = min(min(m) for *_, m, _ in series)
    ax.set_ylim(bottom=0.1 * lowest)  # room for the legend below the points
    ax.plot([], [], color="0.3", ls="--", lw=1.0, label="covering bound B1")
    _n_axis(ax, main.data["n"])
    ax.set_yscale("log")
    ax.set_xlabel("sample size $n$")
    ax.set_ylabel(r"$\mathbb{E}W_1^{X/G}(\mu_n,\nu_n)$")
    ax.set_title(r"(c) gap of invariant Lip$_1$ on $[0,1]^3$")
    ax.legend(loc="lower center", fontsize=5.5, ncol=2, columnspacing=0.5, handlelength=1.2,
              handletextpad=0.4, borderaxespad=0.2)

    fig.suptitle("Symmetry as data: invariant Lipschitz classes (points measured with 99 % "
                 "bars; lines predicted)", y=1.0, fontsize=8)
    fig.tight_layout()
    return save(fig, "sample_gain", out), results
