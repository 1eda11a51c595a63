r"""Elesedy–Zaidi: the exact generalization benefit of projecting least squares onto E.

``ez-gap`` (sharp).  In the LG setting with :math:`\Theta\in E` and :math:`n>d+1`,

.. math:: \Delta=\mathbb E[R(f_W)-R(f_{\Phi W})]=\sigma^2\frac{dk-\dim E}{n-d-1}.

Per trial the gap is :math:`\sigma_X^2\|Z_\perp\|_F^2` (:math:`Z=W-\Theta`), the statistic B of
:mod:`verify.models.montecarlo`.  The prediction comes from :func:`bounds.generalization.ez_gap`; the
measurement is the Monte Carlo mean with its standard error.

When a verdict is valid.  Given :math:`X^\top X` the gap is a Gaussian quadratic form in
:math:`(X^\top X)^{-1}`, an inverse Wishart matrix, so its p-th moment is finite iff
:math:`n>d+2p-1`: the variance for :math:`n\ge d+4`, the skewness for :math:`n\ge d+6`, the
fourth moment (on which the error of the standard error itself depends) for :math:`n\ge d+8`.
The right tail is heavy, so a normal CI on the mean fails more often on one side than its
level; the CI is Hall's skewness-corrected interval (:mod:`verify.engine.stats`), and settings
with :math:`n<d+8` are reported without a verdict.

Default (full) run: four configurations (below) and a
through-origin slope fit of Δ against :math:`1/(n-d-1)` over :math:`n\in[d+8,8d]` for the first
one (its skewness is that of the weighted sum of the point means).  Setting any of group,
channels, d, output, k, n, sigma, sigma_x checks that one setting instead (with its slope fit
in full mode).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from bounds.generalization import ez_gap

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, UsageError, gather, register
from ..engine.stats import Check, mean_se_skew, through_origin_slope
from .lg_setting import (
    LG_PARAMS,
    MAX_BATCH,
    MAX_TRIALS,
    SCALE,
    SCALE_WHY,
    SETTING_KEYS,
    batches,
    lg_batch,
    lg_setting,
)

#: Full-run configurations: (group, channels, output, n, sigma, sigma_x)
#: n - d at least this for a verdict (finite fourth moment of the per-trial gap)
MIN_EXCESS = 8

CATALOGUE = (
    ("C6", 1, "invariant", 20, 0.7, 1.3),
    ("S4", 1, "equivariant", 30, 0.5, 1.0),
    ("C4", 1, "equivariant", 30, 0.5, 1.0),
    ("D4", 2, "invariant", 40, 0.5, 1.0),
)

PARAMS = LG_PARAMS + (
    Param("n", int, 20, "sample size (needs n > d + 1; verdicts need n >= d + 8)", low=1),
    Param("sigma", float, 0.7, "noise standard deviation per output", low=SCALE[0],
          high=SCALE[1], why=SCALE_WHY),
    Param("sigma_x", float, 1.3, "input standard deviation (the gap does not depend on it)",
          low=SCALE[0], high=SCALE[1], why=SCALE_WHY),
    Param("trials", int, 40_000, "Monte Carlo trials per setting", quick=20_000, low=100,
          high=MAX_TRIALS),
    Param("batch", int, 20_000, "trials per task", low=100, high=MAX_BATCH),
    Param("slope", bool, True, "also fit the slope of the gap against 1/(n-d-1)", quick=False),
    Param("slope_points", int, 6, "sample sizes in the slope fit", low=2),
    Param("method", str, "bartlett", "bartlett: sample (X^T X, X^T Xi) exactly; raw: draw data",
          choices=("bartlett", "raw")),
)


def gap_batch(rng, trials, n, d, k, Q, sigma, sigma_x, method):
    """Per-trial gaps :math:`\\sigma_X^2\\|Z_\\perp\\|^2` of one Monte Carlo batch."""
    return lg_batch(rng, trials, n, d, k, Q, np.zeros(d * k), sigma, sigma_x, method)[:, 1]


def plan(exp: Experiment, v: dict) -> Plan:
    stmt = exp.statement
    single = v["_quick"] or bool(v["_overridden"] & (SETTING_KEYS | {"n", "sigma", "sigma_x"}))
    cases = ([(v["group"], v["channels"], v["output"], v["n"], v["sigma"], v["sigma_x"])]
             if single else list(CATALOGUE))
    tasks, meta = [], []
    for ci, (group, ch, output, n, sigma, sigma_x) in enumerate(cases):
        s = lg_setting(group, ch, v["d"] if single else None, output, v["k"] if single else None)
        if s.codim == 0:
            raise UsageError(f"every linear map R^{s.d} -> R^{s.k} is equivariant under {group} "
                             f"(dim E = d k = {s.dim_e}): the gap is 0 exactly, nothing to "
                             "measure")
        kw = dict(d=s.d, k=s.k, dimE=s.dim_e, sigma=sigma)
        predicted = stmt.evaluate(n=n, **kw)  # checks n > d + 1 etc. (UsageError upstream)
        ns = [n]
        if v["slope"] and ci == 0:
            grid = np.unique(np.round(np.linspace(s.d + MIN_EXCESS, 8 * s.d,
                                                  v["slope_points"])))
            ns += [int(x) for x in grid if int(x) != n]
        for nn in ns:
            meta.append(dict(case=ci, group=group, channels=ch, output=output, n=nn, d=s.d,
                             k=s.k, dimE=s.dim_e, sigma=sigma, sigma_x=sigma_x,
                             predicted=stmt.evaluate(n=nn, **kw) if nn != n else predicted,
                             slope_point=nn != n or (v["slope"] and ci == 0)))
            for b in batches(v["trials"], v["batch"]):
                tasks.append(TaskSpec(gap_batch, dict(trials=b, n=nn, d=s.d, k=s.k, Q=s.Q,
                                                      sigma=sigma, sigma_x=sigma_x,
                                                      method=v["method"]),
                                      key=len(meta) - 1))

    def reduce(outputs):
        per = gather(tasks, outputs, len(meta))
        checks, points = [], []
        for m, outs in zip(meta, per):
            gaps = np.concatenate(outs)
            mean, se, skew = mean_se_skew(gaps)
            points.append({**m, "measured": mean, "se": se, "skew": skew,
                           "k3": float(np.mean((gaps - mean) ** 3)) / gaps.size ** 2})
            if m["n"] == cases[m["case"]][3]:
                ok = m["n"] >= m["d"] + MIN_EXCESS
                checks.append(Check(
                    f"{m['group']}{'x' + str(m['channels']) if m['channels'] > 1 else ''} "
                    f"{m['output'][:3]} d={m['d']} k={m['k']} dimE={m['dimE']} n={m['n']}",
                    "sharp", m["predicted"], mean, se=se, asserted=ok, skew=skew,
                    note="" if ok else f"n < d + {MIN_EXCESS}: per-trial fourth moment "
                    "infinite, no valid CI"))
        slope_pts = [p for p in points if p["slope_point"]]
        if slope_pts:
            p0 = slope_pts[0]
            x = [1 / (p["n"] - p["d"] - 1) for p in slope_pts]
            b, se = through_origin_slope(x, [p["measured"] for p in slope_pts],
                                         [p["se"] for p in slope_pts])
            nn = sp.Symbol("n", positive=True, integer=True)
            subs = {stmt.symbol(k): p0[k] for k in ("d", "k", "dimE", "sigma")}
            pred = float(sp.limit(stmt.expr.subs(subs).subs(stmt.symbol("n"), nn) * nn, nn,
                                  sp.oo))
            ok = all(p["n"] >= p["d"] + MIN_EXCESS for p in slope_pts)
            checks.append(Check(f"slope of gap vs 1/(n-d-1), n in [{min(p['n'] for p in slope_pts)}, "
                                f"{max(p['n'] for p in slope_pts)}]", "sharp", pred, b, se=se,
                                asserted=ok, skew=_slope_skew(x, slope_pts, se)))
        return checks, {"points": points}

    return Plan(tasks, reduce, params={"cases": len(cases)})


def _slope_skew(x: list[float], pts: list[dict], se: float) -> float:
    r"""Skewness of the through-origin slope :math:`\hat b=\sum_ic_i\bar y_i`,
    :math:`c_i=w_ix_i/\sum_jw_jx_j^2`: :math:`\sum_ic_i^3\kappa_3(\bar y_i)/\mathrm{se}^3`."""
    w = np.array([p["se"] for p in pts]) ** -2.0
    xx = np.asarray(x)
    c = w * xx / np.sum(w * xx * xx)
    return float(np.sum(c**3 * np.array([p["k3"] for p in pts])) / se**3)


EZ_GAP = register(Experiment(
    slug="ez-gap", kind="sharp", family="EZ",
    claim="OLS vs projected OLS: gap = sigma^2 (dk - dim E)/(n - d - 1)",
    params=PARAMS, planner=plan, statement=ez_gap(), details=__doc__,
))
