r"""Petrache–Trivedi, the headline: the optimal model equivariance error, predicted and measured.

``pt-optimal-eps`` (sharp, derived).  LG setting with a non-equivariant target,
:math:`\Theta=\Theta_E+\Theta_\perp`, data equivariance error :math:`\eta=\sigma_X\|\Theta_\perp\|`,
OLS W and the family :math:`W_t=\Phi W+t(W-\Phi W)`.  With
:math:`v=\sigma^2\frac{dk-\dim E}{n-d-1}`, :math:`a=\sigma^2\frac{\dim E}{n-d-1}`:

.. math::
    \mathbb E R(W_t)-R(f^*)=a+(1-t)^2\eta^2+t^2v,\qquad
    t^*=\frac{\eta^2}{\eta^2+v},\qquad
    \varepsilon^*=t^*\sqrt{\eta^2+v}=\frac{\eta^2}{\sqrt{\eta^2+v}}<\eta,

and :math:`\mathbb E[R(W)-R(\Phi W)]=v-\eta^2`.  All predictions come from
:mod:`bounds.approximation`.

Measurement.  Per trial the kernel returns :math:`A=\sigma_X^2\|\Phi Z\|^2`,
:math:`B=\sigma_X^2\|Z_\perp\|^2`, :math:`C=\sigma_X^2\langle\Theta_\perp,Z\rangle`
(:math:`Z=W-\Theta`).  The per-trial risk is exactly
:math:`A+(1-t)^2\eta^2-2t(1-t)C+t^2B`, a quadratic in t, so the Monte Carlo optimum is
:math:`\hat t^*=(\eta^2+\bar C)/(\eta^2+2\bar C+\bar B)` and, since the model error of
:math:`W_t` is :math:`t\cdot\sigma_X\|W_\perp\|` with :math:`\sigma_X^2\|W_\perp\|^2=\eta^2+2C+B`,
:math:`\hat\varepsilon^*=(\eta^2+\bar C)/(\eta^2+2\bar C+\bar B)^{1/2}`; CIs by the delta method.

Checks: every :math:`E(t)` on the grid t = 0, 0.05, …, 1 in its CI; :math:`t^*` and
:math:`\varepsilon^*` in the CIs of :math:`\hat t^*`, :math:`\hat\varepsilon^*`; :math:`v-\eta^2`
in the CI of the mean of :math:`B-\eta^2`.  Full runs add sweeps over :math:`\eta^2/v\in
\{0.1,0.5,1,2,10\}` (at the given n) and :math:`n\in\{d+8,2d,4d,16d\}` (at the given η), each
checking :math:`t^*` and :math:`\varepsilon^*`; :math:`\hat\varepsilon^*/\eta` rises towards 1
with n (reported; it is a consequence of the checked values).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from bounds import approximation as ap

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, UsageError, gather, register
from ..engine.stats import Check, delta_se, mean_se_skew
from .lg_setting import (
    LG_PARAMS,
    MAX_BATCH,
    MAX_TRIALS,
    SCALE,
    SCALE_WHY,
    batches,
    lg_batch,
    lg_setting,
    perp_direction,
)

RATIOS = (0.1, 0.5, 1.0, 2.0, 10.0)
#: n - d at least this for a verdict: B is an inverse-Wishart quadratic form whose fourth
#: moment (on which the error of the standard error depends) is finite iff n >= d + 8
MIN_EXCESS = 8
T_GRID = tuple(np.round(np.linspace(0, 1, 21), 10))

PARAMS = LG_PARAMS + (
    Param("n", int, 14, "sample size (needs n > d + 1; verdicts need n >= d + 8)", low=1),
    Param("eta", float, math.sqrt(0.466), "data equivariance error eta = sigma_x |Theta_perp|",
          low=SCALE[0], high=SCALE[1], why=SCALE_WHY),
    Param("sigma", float, 1.0, "noise standard deviation per output", low=SCALE[0],
          high=SCALE[1], why=SCALE_WHY),
    Param("sigma_x", float, 1.0, "input standard deviation", low=SCALE[0], high=SCALE[1],
          why=SCALE_WHY),
    Param("trials", int, 120_000, "Monte Carlo trials per setting", quick=5_000, low=100,
          high=MAX_TRIALS),
    Param("batch", int, 40_000, "trials per task", low=100, high=MAX_BATCH),
    Param("sweep", bool, True, "also sweep eta^2/v and n", quick=False),
    Param("method", str, "bartlett", "bartlett (sufficient statistics) or raw (data)",
          choices=("bartlett", "raw")),
)

#: Statements checked here; tests plant wrong ones through Experiment.replace(statement=...)
#: for t* (the experiment's statement) or by passing ``statements=`` to :func:`make_plan`.
STATEMENTS = {"curve": ap.lg_risk_curve(), "t": ap.optimal_t(), "eps": ap.optimal_eps(),
              "gap": ap.misspecified_gap()}


def t_star(abc: np.ndarray, eta2: float) -> float:
    """:math:`\\hat t^*=(\\eta^2+C)/(\\eta^2+2C+B)` at mean statistics ``abc = (A, B, C)``."""
    return (eta2 + abc[2]) / (eta2 + 2 * abc[2] + abc[1])


def eps_star(abc: np.ndarray, eta2: float) -> float:
    """:math:`\\hat\\varepsilon^*=(\\eta^2+C)/\\sqrt{\\eta^2+2C+B}`."""
    return (eta2 + abc[2]) / math.sqrt(eta2 + 2 * abc[2] + abc[1])


def _points(v: dict, s, v_of) -> list[dict]:
    """The main setting and, with ``sweep``, the η²/v ratios and the n sweep."""
    points = [dict(role="main", n=v["n"], eta=v["eta"])]
    if v["sweep"]:
        vn = v_of(v["n"]) if v["n"] > s.d + 1 else None
        if vn:
            points += [dict(role="ratio", n=v["n"], eta=math.sqrt(r * vn), ratio=r)
                       for r in RATIOS]
        points += [dict(role="n", n=nn, eta=v["eta"])
                   for nn in sorted({s.d + MIN_EXCESS, 2 * s.d, 4 * s.d, 16 * s.d} - {v["n"]})
                   if nn > s.d + 1]
    return points


def risk_curve(abc: np.ndarray, eta2: float) -> list[tuple[float, float, float]]:
    r""":math:`\hat E(t)=A+(1-t)^2\eta^2-2t(1-t)C+t^2B` on :data:`T_GRID`: (t, mean, se)."""
    tt = np.asarray(T_GRID)[:, None]
    risks = abc[:, 0] + (1 - tt) ** 2 * eta2 - 2 * tt * (1 - tt) * abc[:, 2] \
        + tt * tt * abc[:, 1]  # (grid, trials)
    return [(t, float(r.mean()), float(r.std(ddof=1) / math.sqrt(r.size)))
            for t, r in zip(T_GRID, risks)]


def curve_skews(abc: np.ndarray, eta2: float) -> list[float]:
    """Skewness of each grid point's mean risk (for Hall's interval: the per-trial risks are
    quadratic forms with a heavy right tail)."""
    tt = np.asarray(T_GRID)[:, None]
    risks = abc[:, 0] + (1 - tt) ** 2 * eta2 - 2 * tt * (1 - tt) * abc[:, 2] \
        + tt * tt * abc[:, 1]
    return [mean_se_skew(r)[2] for r in risks]


def _curve_and_gap_checks(p: dict, abc, st: dict, vals: dict, ok: bool, note: str
                          ) -> list[Check]:
    """Main point only: the 21 points of the risk curve and the misspecified gap v − η²."""
    curve = st["curve"].lambdify()
    checks, grid = [], []
    for (t, m, se), skew in zip(p["curve"], curve_skews(abc, p["eta"] ** 2)):
        c = Check(f"E R(W_t) - R(f*) at t={t:.2f}", "sharp", float(curve(t=t, **vals)), m,
                  se=se, asserted=ok, note=note, group="risk curve E(t), 21 points", skew=skew)
        checks.append(c)
        grid.append((t, c))
    p["grid"] = grid
    m, se, skew = mean_se_skew(abc[:, 1] - p["eta"] ** 2)
    checks.append(Check("E[R(W) - R(Phi W)] = v - eta^2", "sharp", st["gap"].evaluate(**vals),
                        m, se=se, asserted=ok, note=note, skew=skew))
    return checks


def _optimum_checks(p: dict, abc, ok: bool, note: str) -> list[Check]:
    """t* and ε* at the mean statistics (delta-method CIs), against the Statements' values."""
    eta2, n = p["eta"] ** 2, p["n"]
    tag = ("" if p["role"] == "main" else
           f"[eta^2/v={p['ratio']:g}] " if p["role"] == "ratio" else f"[n={n}] ")
    group = {"main": None, "ratio": "sweep over eta^2/v", "n": "sweep over n"}[p["role"]]
    th, th_se = delta_se(lambda mu: t_star(mu, eta2), abc)
    eh, eh_se = delta_se(lambda mu: eps_star(mu, eta2), abc)
    p["t_check"] = Check(f"{tag}t* = eta^2/(eta^2+v)", "sharp", p["t_pred"], th,
                         se=th_se, asserted=ok, note=note, group=group)
    p["eps_check"] = Check(f"{tag}eps* = eta^2/sqrt(eta^2+v)", "sharp", p["eps_pred"],
                           eh, se=eh_se, asserted=ok, note=note, group=group)
    checks = [p["t_check"], p["eps_check"]]
    if p["role"] == "main":
        grid_argmin = min(p["grid"], key=lambda tc: tc[1].measured)[0]
        checks.append(Check("grid argmin of the measured curve (t)", "trend",
                            p["t_pred"], grid_argmin))
        checks.append(Check("eps*/eta (< 1, -> 1 as n grows)", "trend",
                            p["eps_pred"] / p["eta"], eh / p["eta"]))
    return checks


def _reduce(outputs, *, tasks, points, st, s, base, sigma_x):
    per = gather(tasks, outputs, len(points))
    checks = []
    for p, outs in zip(points, per):
        abc = np.concatenate(outs)
        p["curve"] = risk_curve(abc, p["eta"] ** 2)
        ok = p["n"] >= s.d + MIN_EXCESS
        note = "" if ok else (f"n < d + {MIN_EXCESS}: per-trial fourth moment infinite, "
                              "reported only")
        if p["role"] == "main":
            checks += _curve_and_gap_checks(p, abc, st, dict(base, n=p["n"], eta=p["eta"]),
                                            ok, note)
        checks += _optimum_checks(p, abc, ok, note)
    return checks, {"points": points, "setting": dict(base, sigma_x=sigma_x)}


#: Largest eta^2 / v: beyond it t* rounds to 1 (at eta = 1e8, v ~ 0.1, every CI was [1, 1]).
MAX_ETA2_OVER_V = 1e12


def make_plan(exp: Experiment, v: dict, statements: dict | None = None) -> Plan:
    st = {**STATEMENTS, "t": exp.statement, **(statements or {})}
    s = lg_setting(v["group"], v["channels"], v["d"], v["output"], v["k"])
    direction = perp_direction(s)
    if v["sigma"] <= 0 or v["sigma_x"] <= 0:
        raise UsageError("sigma and sigma_x must be positive")
    if v["eta"] <= 0:
        raise UsageError("eta must be positive (eta = 0 is the exactly equivariant target of "
                         "ez-gap; the optimum is then t* = 0)")
    base = dict(d=s.d, k=s.k, dimE=s.dim_e, sigma=v["sigma"])
    v_of = lambda n: float(ap.v_expr().subs(
        {ap.SYMBOLS[x]: val for x, val in {**base, "n": n}.items()}))
    points = _points(v, s, v_of)
    tasks = []
    for i, p in enumerate(points):
        vals = dict(base, n=p["n"], eta=p["eta"])
        p["t_pred"] = st["t"].evaluate(**vals)  # checks n > d + 1 (UsageError upstream)
        p["eps_pred"] = st["eps"].evaluate(**vals)
        p["v"] = v_of(p["n"])
        if p["eta"] ** 2 > MAX_ETA2_OVER_V * p["v"]:
            raise UsageError(f"eta = {p['eta']:g} gives eta^2 / v = {p['eta'] ** 2 / p['v']:.3g} "
                             f"at n = {p['n']}; above {MAX_ETA2_OVER_V:g}, t* = eta^2/(eta^2 + v)"
                             " is 1 to float64 resolution and every CI has zero width")
        theta_perp = direction * p["eta"] / v["sigma_x"]
        for b in batches(v["trials"], v["batch"]):
            tasks.append(TaskSpec(lg_batch, dict(trials=b, n=p["n"], d=s.d, k=s.k, Q=s.Q,
                                                 theta_perp=theta_perp, sigma=v["sigma"],
                                                 sigma_x=v["sigma_x"], method=v["method"]),
                                  key=i))
    reduce = functools.partial(_reduce, tasks=tasks, points=points, st=st, s=s, base=base,
                               sigma_x=v["sigma_x"])
    return Plan(tasks, reduce, params={"d": s.d, "k": s.k, "dimE": s.dim_e})


PT_OPTIMAL_EPS = register(Experiment(
    slug="pt-optimal-eps", kind="sharp", family="PT",
    claim="optimal model equivariance error eps* = eta^2/sqrt(eta^2 + v) < eta, -> eta",
    params=PARAMS, planner=make_plan, statement=STATEMENTS["t"], details=__doc__,
))
