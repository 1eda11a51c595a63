r"""Elesedy–Zaidi in the overparameterised regime: min-norm least squares with n < d − 1.

``ez-overparam`` (sharp, derived).  Invariant output (k = 1), G permuting the d coordinates,
:math:`s=\dim\mathrm{Fix}`, target :math:`\theta\in\mathrm{Fix}`, :math:`x\sim N(0,\sigma_X^2I_d)`,
:math:`y=\theta^\top x+\xi`, :math:`\xi\sim N(0,\sigma^2)`, and the minimum-norm least-squares
fit :math:`W=X^+y=X^\top(XX^\top)^{-1}y` on :math:`n<d-1` samples.  Then
(:func:`bounds.generalization.ez_overparam`)

.. math::
    \Delta=\mathbb E[R(f_W)-R(f_{\Phi W})]
          =\sigma_X^2\frac{n(d-n)(d-s)}{d(d-1)(d+2)}\|\theta\|^2
          +\sigma^2\frac{n(d-s)}{d(d-n-1)} .

Measurement, per trial and exact given the fitted W: :math:`R(f_W)=\sigma^2+\sigma_X^2\|W-
\theta\|^2` (the conditional-risk identity of the LG model), and :math:`\Phi W-\theta\in
\mathrm{Fix}` is orthogonal to :math:`W_\perp=W-\Phi W`, so the gap is
:math:`\sigma_X^2\|W_\perp\|^2`.  With :math:`P=X^+X` (a Haar-random rank-n projection),
:math:`W=P\theta+X^+\xi`, so the gap splits into a signal term
:math:`S=\sigma_X^2\|(P\theta)_\perp\|^2` and a noise term :math:`N=\sigma_X^2\|(X^+\xi)_\perp\|^2`
plus a cross term of mean 0; the first summand of Δ is :math:`\mathbb ES`, the second
:math:`\mathbb EN`, and both are checked too (the statement at σ = 0, resp. at
:math:`\|\theta\|=0`).

The per-trial noise term involves :math:`(XX^\top)^{-1}`, an inverse Wishart matrix with d
degrees of freedom, whose p-th moment is finite iff :math:`d-n-1\ge2p-1`.  Verdicts on the gap
and the noise term need a finite fourth moment (the error of the standard error depends on
it), :math:`d-n-1\ge7`, i.e. :math:`n\le d-8`; other :math:`n<d-1` are reported (heavy
tails).  Their CIs are Hall's skewness-corrected intervals (:mod:`verify.engine.stats`).  The
signal term is bounded (:math:`0\le S\le\sigma_X^2\|\theta\|^2`), so it is asserted at every n.
Default: d = 12, :math:`C_{12}` (s = 1), :math:`\theta=\mathbf 1/\sqrt{12}`, σ = 0.5,
:math:`\sigma_X=1`; n ∈ {3, 4} asserted and n = 8 reported, 40 000 trials each (quick: n = 3,
4 000 trials).  The direction of θ inside Fix does not matter
(:math:`\mathbb E[PMP]=c_1M+c_2\mathrm{tr}(M)I`); it is the normalised sum of the
orthonormal basis of Fix.
"""

from __future__ import annotations

import numpy as np

from bounds.generalization import ez_overparam

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, UsageError, gather, register
from ..engine.stats import Check, mean_se_skew
from .lg_setting import MAX_BATCH, MAX_D, MAX_TRIALS, SCALE, SCALE_WHY, batches, lg_setting

#: d - n - 1 at least this for an asserted verdict (finite fourth moment of the noise term)
MIN_DOF = 7

PARAMS = (
    Param("group", str, "C12", "group permuting the coordinates: C<m>, D<m>, S<m>"),
    Param("channels", int, 1, "copies of the permutation action (d = m * channels)", low=1,
          high=MAX_D),
    Param("d", int, None, "input dimension; auto = m * channels (must match if given)", low=1,
          high=MAX_D),
    Param("n", str, "3,4,8", "sample sizes, comma-separated (each needs n < d - 1; verdicts "
          "need n <= d - 8)", quick="3"),
    Param("sigma", float, 0.5, "noise standard deviation", low=0.0),
    Param("sigma_x", float, 1.0, "input standard deviation", low=0.0),
    Param("theta", float, 1.0, "norm of the invariant target theta", low=0.0),
    Param("trials", int, 40_000, "Monte Carlo trials per sample size", quick=4_000, low=100,
          high=MAX_TRIALS),
    Param("batch", int, 20_000, "trials per task", low=100, high=MAX_BATCH),
)


def parse_ns(text: str) -> list[int]:
    """``"3,5,8"`` -> ``[3, 5, 8]``; :class:`UsageError` for anything but positive integers."""
    try:
        ns = [int(t) for t in str(text).replace(" ", "").split(",") if t]
    except ValueError:
        raise UsageError(f"parameter n must be comma-separated integers, got {text!r}") from None
    if not ns or min(ns) < 1:
        raise UsageError(f"parameter n must list positive sample sizes, got {text!r}")
    return sorted(set(ns))


def overparam_batch(rng, trials, n, d, Q, theta, sigma, sigma_x):
    r"""Per-trial (gap, signal S, noise N) of min-norm least squares, shape (trials, 3).

    :math:`X` is (trials, n, d) with :math:`N(0,\sigma_X^2)` entries, :math:`W=X^\top(XX^\top)
    ^{-1}y`; ``Q`` is an orthonormal basis of Fix, :math:`v_\perp=v-QQ^\top v`."""
    X = sigma_x * rng.standard_normal((trials, n, d))
    xi = sigma * rng.standard_normal((trials, n))
    K = X @ np.swapaxes(X, 1, 2)  # X X^T, (trials, n, n)
    sig_part = X @ theta  # X theta: the noiseless responses
    a_sig = np.linalg.solve(K, sig_part[..., None])
    a_noise = np.linalg.solve(K, xi[..., None])
    w_sig = (np.swapaxes(X, 1, 2) @ a_sig)[..., 0]  # P theta
    w_noise = (np.swapaxes(X, 1, 2) @ a_noise)[..., 0]  # X^+ xi

    def perp(v):
        return v - (v @ Q) @ Q.T

    ps, pn = perp(w_sig), perp(w_noise)
    s2 = sigma_x**2
    return np.stack([s2 * np.sum((ps + pn) ** 2, axis=1), s2 * np.sum(ps**2, axis=1),
                     s2 * np.sum(pn**2, axis=1)], axis=1)


def plan(exp: Experiment, v: dict) -> Plan:
    stmt = exp.statement
    s = lg_setting(v["group"], v["channels"], v["d"], "invariant", 1)
    d, sfix = s.d, s.dim_e
    if sfix >= d:
        raise UsageError(f"{v['group']} fixes every vector of R^{d} (s = d): the gap is 0")
    for name in ("sigma", "sigma_x", "theta"):
        if not SCALE[0] <= v[name] <= SCALE[1]:
            raise UsageError(f"{name} must be positive, in [{SCALE[0]:g}, {SCALE[1]:g}] "
                             f"({SCALE_WHY}; at 0 a term is 0 exactly, with no CI), "
                             f"got {v[name]:g}")
    ns = parse_ns(v["n"])
    for n in ns:
        if d - 1 <= n <= d + 1:
            raise UsageError(f"ez-overparam: n={n} with d={d}: the gap is infinite for "
                             "d - 1 <= n <= d + 1; use n < d - 1")
        if n > d + 1:
            raise UsageError(f"ez-overparam: n={n} > d + 1 = {d + 1} is the classical regime "
                             "of ez-gap; here n < d - 1")
    theta = s.Q @ np.ones(sfix) / np.sqrt(sfix) * v["theta"]
    vals = dict(d=d, s=sfix, theta2=v["theta"] ** 2, sigma=v["sigma"], sigma_x=v["sigma_x"])
    f = stmt.lambdify()
    points, tasks = [], []
    for n in ns:
        pred = stmt.evaluate(n=n, **vals)  # checks n < d - 1 (UsageError upstream)
        points.append(dict(n=n, predicted=pred,
                           signal=float(f(**{**vals, "n": n, "sigma": 0.0})),
                           noise=float(f(**{**vals, "n": n, "theta2": 0.0}))))
        for b in batches(v["trials"], v["batch"]):
            tasks.append(TaskSpec(overparam_batch, dict(trials=b, n=n, d=d, Q=s.Q, theta=theta,
                                                        sigma=v["sigma"],
                                                        sigma_x=v["sigma_x"]),
                                  key=len(points) - 1))

    def reduce(outputs):
        per = gather(tasks, outputs, len(points))
        checks = []
        for p, outs in zip(points, per):
            stats = np.concatenate(outs)
            n = p["n"]
            ok = d - n - 1 >= MIN_DOF
            note = "" if ok else (f"d - n - 1 = {d - n - 1} < {MIN_DOF}: heavy tails, no valid "
                                  "CI; reported only")
            tag = f"{v['group']} d={d} s={sfix} n={n}"
            for j, (what, key) in enumerate((("gap", "predicted"), ("signal term", "signal"),
                                             ("noise term", "noise"))):
                m, se, skew = mean_se_skew(stats[:, j])
                p[f"{key}_measured"], p[f"{key}_se"] = m, se
                bounded = key == "signal"  # 0 <= S <= sigma_x^2 |theta|^2: every CI is valid
                c = Check(f"{tag}: {what}", "sharp", p[key], m, se=se, asserted=ok or bounded,
                          skew=skew, note="" if bounded else note,
                          group=None if j == 0 else "signal and noise terms")
                checks.append(c)
                if j == 0:
                    p["check"] = c
        return checks, {"points": points, "d": d, "s": sfix}

    return Plan(tasks, reduce, params={"d": d, "s": sfix, "ns": ns})


EZ_OVERPARAM = register(Experiment(
    slug="ez-overparam", kind="sharp", family="EZ",
    claim="min-norm LS, n < d - 1: exact gap, signal + noise terms",
    params=PARAMS, planner=plan, statement=ez_overparam(), details=__doc__,
))
