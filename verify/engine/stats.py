r"""Estimators with confidence intervals, and verdicts.

A :class:`Check` compares a prediction with a measurement.  Monte Carlo checks carry a standard
error; their confidence intervals are formed only when a run is finalised, because the level is
Bonferroni-corrected over every asserted Monte Carlo check of the run:

.. math:: \mathrm{CI}=\hat m\pm z\,\widehat{\mathrm{se}},\qquad z=\Phi^{-1}(1-\alpha/(2m)),

with α = 0.01 by default and m the number of such checks.  Verdicts (DESIGN.md):

* ``sharp``: pass iff the prediction lies in the CI (or, for deterministic identities, within the
  stated absolute tolerance ``tol`` of the measurement);
* ``bound``: ``relation="<="`` passes iff the CI's upper edge is ≤ the bound (``">="``: the lower
  edge ≥ the bound); the slack bound/measured is reported;
* ``trend``: reported, never asserted;
* ``invalid``: a number is not finite, or a Monte Carlo standard error is 0 (a zero-width CI),
  so neither pass nor fail can be said; the reason is appended to ``note``.

A Monte Carlo check may carry ``skew``, the skewness :math:`a=\kappa_3/\mathrm{se}^3` of its
estimator (for a mean of N trials, the per-trial skewness over √N).  Its CI is then Hall's
(1992) skewness-corrected interval: with :math:`g(T)=T+a/6+aT^2/3+a^2T^3/27` applied to the
studentised :math:`T=(\hat m-\mu)/\widehat{\mathrm{se}}`, which is monotone and inverted in
closed form, :math:`\mathrm{CI}=[\hat m-\widehat{\mathrm{se}}\,g^{-1}(z),\,
\hat m-\widehat{\mathrm{se}}\,g^{-1}(-z)]`, :math:`g^{-1}(x)=\tfrac3a[(1+a(x-a/6))^{1/3}-1]`.
A skewed per-trial statistic (an inverse-Wishart trace, a squared norm) otherwise fails far
more often on one side than α/2m.

A check with ``asserted=False`` is reported only (e.g. a setting where the per-trial variance is
infinite, so no CI is valid).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["ALPHA", "Check", "delta_se", "finalize", "hall_interval", "mean_se", "mean_se_skew",
           "through_origin_slope", "z_value"]

#: Family-wise false-failure rate of one run.
ALPHA = 0.01


@dataclass
class Check:
    """One comparison of a prediction with a measurement (see the module docstring)."""

    name: str
    kind: str  # "sharp" | "bound" | "trend"
    predicted: float
    measured: float
    se: float | None = None
    tol: float | None = None
    relation: str = "="
    asserted: bool = True
    note: str = ""
    group: str | None = None  # checks of one group collapse into one table row when they pass
    ci_low: float | None = None
    ci_high: float | None = None
    verdict: str = "pending"
    skew: float | None = None  # skewness of the estimator: Hall's interval (module docstring)

    def __post_init__(self):
        if self.kind not in ("sharp", "bound", "trend"):
            raise ValueError(f"unknown check kind {self.kind!r}")
        if self.kind == "trend":
            self.asserted = False
        if self.asserted and self.kind != "trend" and self.se is None and self.tol is None:
            raise ValueError(f"check {self.name!r} needs a standard error or a tolerance")

    @property
    def is_mc(self) -> bool:
        return self.se is not None

    def decide(self, z: float) -> Check:
        """Form the CI with multiplier ``z`` and set the verdict (``invalid`` with the reason in
        ``note`` when a number is not finite or a Monte Carlo CI has zero width)."""
        half = z * self.se if self.is_mc else (self.tol or 0.0)
        self.ci_low, self.ci_high = self.measured - half, self.measured + half
        if self.is_mc and self.skew is not None and math.isfinite(self.skew):
            self.ci_low, self.ci_high = hall_interval(self.measured, self.se, self.skew, z)
        if not self.is_mc and self.tol is None:  # a reported number without an interval
            self.ci_low = self.ci_high = None
        why = self.invalid_reason()
        if why is not None:
            self.verdict = "invalid"
            self.note = f"{self.note}; invalid: {why}" if self.note else f"invalid: {why}"
            return self
        if not self.asserted:
            self.verdict = "reported"
            return self
        if self.kind == "sharp":
            ok = self.ci_low <= self.predicted <= self.ci_high
        elif not self.is_mc:  # deterministic bound: round-off tolerance in the favourable way
            ok = (self.measured - half <= self.predicted if self.relation == "<="
                  else self.measured + half >= self.predicted)
        elif self.relation == "<=":
            ok = self.ci_high <= self.predicted
        else:
            ok = self.ci_low >= self.predicted
        self.verdict = "pass" if ok else "fail"
        return self

    def invalid_reason(self) -> str | None:
        """Why no verdict can be given: a number that is not finite (overflow, 0/0), or a Monte
        Carlo check whose standard error is 0 (a degenerate sample, e.g. underflow), so its CI
        has zero width; None when every number is usable."""
        named = {"predicted": self.predicted, "measured": self.measured, "se": self.se,
                 "tol": self.tol, "ci_low": self.ci_low, "ci_high": self.ci_high}
        for name, x in named.items():
            if x is None and name in ("predicted", "measured") and self.asserted:
                return f"{name} is missing"
            if x is not None and not _finite(x):
                return f"{name} = {x} is not a finite number"
        if self.is_mc and self.asserted and not self.se > 0:
            return f"standard error = {self.se}: a zero-width interval cannot be a CI"
        return None

    @property
    def slack(self) -> float | None:
        """How much room a bound leaves: bound/measured for ``<=``, measured/bound for ``>=``
        (≥ 1 when it holds; None when the bound or the denominator is 0: no ratio is meaningful
        where the bound itself is 0)."""
        if self.kind != "bound" or abs(self.predicted) < 1e-12:
            return None
        num, den = ((self.predicted, self.measured) if self.relation == "<="
                    else (self.measured, self.predicted))
        return None if den == 0 else num / den

    def to_dict(self) -> dict:
        out = asdict(self)
        out["slack"] = self.slack
        return out


def _finite(x) -> bool:
    try:
        return math.isfinite(x)
    except TypeError:
        return False


def z_value(alpha: float, m: int) -> float:
    """Two-sided Bonferroni multiplier :math:`\\Phi^{-1}(1-\\alpha/(2m))` (m ≥ 1)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    from scipy.stats import norm  # scipy.stats takes ~0.9 s to import: only when deciding

    z = float(norm.isf(alpha / (2 * max(m, 1))))  # isf: accurate for tiny alpha too
    if not math.isfinite(z):
        raise ValueError(f"alpha = {alpha} is too small for a finite z with {max(m, 1)} checks")
    return z


def finalize(checks: list[Check], alpha: float = ALPHA) -> float:
    """Decide every check of a run; returns the z used (Bonferroni over asserted MC checks)."""
    m = sum(1 for c in checks if c.is_mc and c.asserted)
    z = z_value(alpha, m)
    for c in checks:
        c.decide(z)
    return z


def mean_se(x: np.ndarray) -> tuple[float, float]:
    """Sample mean and its standard error :math:`s/\\sqrt N` (N ≥ 2)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size < 2:
        raise ValueError("need at least two samples for a standard error")
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def through_origin_slope(x, y, se) -> tuple[float, float]:
    r"""Weighted least-squares slope of y on x through the origin and its standard error:
    :math:`\hat b=\sum w_ix_iy_i/\sum w_ix_i^2`, :math:`\mathrm{se}=(\sum w_ix_i^2)^{-1/2}`,
    :math:`w_i=\mathrm{se}_i^{-2}` (independent points)."""
    x, y, w = (np.asarray(v, dtype=float) for v in (x, y, np.asarray(se, float) ** -2.0))
    sxx = float(np.sum(w * x * x))
    return float(np.sum(w * x * y) / sxx), float(1 / math.sqrt(sxx))


def mean_se_skew(x: np.ndarray) -> tuple[float, float, float]:
    r"""Sample mean, its standard error and its skewness
    :math:`a=\hat\gamma/\sqrt N`, :math:`\hat\gamma=\hat\mu_3/s^3` (for :attr:`Check.skew`)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    m, se = mean_se(x)
    s = se * math.sqrt(x.size)
    gamma = float(np.mean((x - m) ** 3)) / s**3 if s > 0 else 0.0
    return m, se, gamma / math.sqrt(x.size)


def hall_interval(m: float, se: float, a: float, z: float) -> tuple[float, float]:
    r"""Hall's skewness-corrected interval :math:`[m-\mathrm{se}\,g^{-1}(z),\,
    m-\mathrm{se}\,g^{-1}(-z)]`, :math:`g^{-1}(x)=\tfrac3a[(1+a(x-a/6))^{1/3}-1]`
    (:math:`a\to0`: the normal interval)."""
    if abs(a) < 1e-12:
        return m - z * se, m + z * se

    def ginv(x: float) -> float:
        return 3 / a * (float(np.cbrt(1 + a * (x - a / 6))) - 1)

    return m - se * ginv(z), m - se * ginv(-z)


def delta_se(g, samples: np.ndarray) -> tuple[float, float]:
    r"""Plug-in estimate :math:`g(\bar X)` and its delta-method standard error.

    ``samples`` is (N, p) i.i.d. rows; :math:`\mathrm{se}^2=\nabla g^\top\hat\Sigma\nabla g/N`
    with :math:`\nabla g` by central differences at the sample mean (relative step 1e-6)."""
    X = np.asarray(samples, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError("samples must be (N >= 2, p)")
    m = X.mean(axis=0)
    grad = np.empty(m.size)
    for j in range(m.size):
        h = 1e-6 * max(1.0, abs(m[j]))
        up, dn = m.copy(), m.copy()
        up[j] += h
        dn[j] -= h
        grad[j] = (g(up) - g(dn)) / (2 * h)
    psi = (X - m) @ grad
    return float(g(m)), float(psi.std(ddof=1) / math.sqrt(X.shape[0]))
