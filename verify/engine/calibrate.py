r"""How often a verdict fails when it should not, and how often it catches a planted error.

For every asserted Monte Carlo check of an experiment, over seeds :math:`s=s_0,\dots,s_0+N-1`
(each run seeded exactly as ``python -m verify run SLUG --seed s``):

* **false-failure rate**: the fraction of seeds whose check fails with the true prediction;
* **detection rate**: the fraction of seeds whose check fails when its prediction alone is
  scaled by :math:`1+p` (a bound ``<=`` by :math:`1-p`, the unfavourable way), one check at a
  time, every other check left true;

each with a 95 % Wilson interval
:math:`\big(\hat p+\tfrac{z^2}{2N}\pm z\sqrt{\hat p(1-\hat p)/N+z^2/4N^2}\big)/(1+z^2/N)`.

The task outputs of a seed do not depend on the predictions, so each seed's tasks run once
(through :func:`verify.engine.runner.run_many`: its workers and its cache) and only the verdict
is re-decided for a plant.  The CI multiplier is the one of a single-experiment run,
:math:`z=\Phi^{-1}(1-\alpha/2m)` with m the asserted Monte Carlo checks of that run (``verify
all`` has a larger m, so its verdicts are more conservative than the rates measured here).
Planting after the reduce scales ``Check.predicted``: for a sharp check that is the prediction
the Statement returned, so the plant is the same for every experiment.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np

from .experiment import Experiment, UsageError, discover, get
from .stats import ALPHA, Check, z_value

__all__ = ["CalRecord", "calibrate", "format_calibration", "mc_experiments", "planted_factor",
           "wilson"]

#: Targets of DESIGN.md: false failures <= 1 % (Wilson upper <= 1.5 % at 1 000 seeds),
#: detection of a 5 % plant >= 99 % at full size.
FALSE_FAILURE_TARGET = 0.01
DETECTION_TARGET = 0.99


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    r"""Wilson score interval for a binomial rate k/n (n ≥ 1) at the given two-sided level."""
    if n < 1:
        raise ValueError("need at least one trial")
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def planted_factor(check: Check, plant: float) -> float:
    """The factor the planted prediction is multiplied by: 1 + p, or 1 − p for a ``<=`` bound
    (so the plant always moves the prediction the way the check can catch)."""
    return 1 - plant if (check.kind == "bound" and check.relation == "<=") else 1 + plant


def _asserted_mc(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.is_mc and c.asserted]


def _fails(c: Check, z: float) -> bool:
    return dataclasses.replace(c).decide(z).verdict != "pass"


@dataclass
class CalRecord:
    """Calibration of one check (see the module docstring)."""

    slug: str
    check: str
    kind: str
    size: str
    seeds: int
    plant: float
    m: int
    false_failures: int = 0
    low_side: int = 0  # false failures with the prediction below the CI
    detections: int = 0
    half_width_rel: float = float("nan")
    _hw: list = field(default_factory=list, repr=False)

    @property
    def false_failure_rate(self) -> float:
        return self.false_failures / self.seeds

    @property
    def detection_rate(self) -> float:
        return self.detections / self.seeds

    @property
    def misses(self) -> list[str]:
        """Which targets this check misses: a false-failure rate above 1 %, a detection rate
        below 99 % (point estimates; the Wilson intervals say how sure that is)."""
        out = []
        if self.false_failure_rate > FALSE_FAILURE_TARGET:
            out.append("false failures")
        if self.detection_rate < DETECTION_TARGET:
            out.append("power")
        return out

    def to_dict(self) -> dict:
        return {"slug": self.slug, "check": self.check, "kind": self.kind, "size": self.size,
                "seeds": self.seeds, "plant": self.plant, "bonferroni_m": self.m,
                "false_failures": self.false_failures,
                "false_failures_low_side": self.low_side,
                "false_failures_high_side": self.false_failures - self.low_side,
                "false_failure_rate": self.false_failure_rate,
                "false_failure_ci": list(wilson(self.false_failures, self.seeds)),
                "detections": self.detections, "detection_rate": self.detection_rate,
                "detection_ci": list(wilson(self.detections, self.seeds)),
                "half_width_rel": self.half_width_rel, "misses": self.misses}


def mc_experiments(quick: bool, workers: int | None = None, cache=True) -> list[str]:
    """Slugs of the registered experiments whose default run has an asserted Monte Carlo check
    (found from one run at seed 0; trend experiments assert nothing and are skipped)."""
    from .runner import run_many

    exps = [e for e in discover().values() if e.in_all and e.kind != "trend"]
    results = run_many([(e, e.resolve(quick)) for e in exps], seed=0, workers=workers,
                       cache=cache)
    return [r.slug for r in results if _asserted_mc(r.checks)]


def _frozen_plan(exp: Experiment, values: dict) -> Experiment:
    """The experiment with its plan built once (planning may run SymPy): every seed reuses the
    same tasks and reduce; the slug, and so the seeds, are unchanged."""
    plan = exp.plan(values)
    return exp.replace(planner=lambda _e, _v: plan)


def calibrate(slugs: list[str] | None = None, seeds: int = 200, quick: bool = True,
              plant: float = 0.05, seed0: int = 0, alpha: float = ALPHA,
              workers: int | None = None, scheduler: str | None = None, cache=True,
              chunk: int | None = None, progress=None) -> list[CalRecord]:
    """Calibration records, one per asserted Monte Carlo check of each experiment (module
    docstring).  ``chunk`` seeds run per pool call (bounds the memory held at once)."""
    from .runner import run_many

    if seeds < 1:
        raise UsageError(f"--seeds must be at least 1, got {seeds}")
    if not 0 < plant < 1:
        raise UsageError(f"--plant must lie in (0, 1), got {plant}")
    if seed0 < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {seed0}")
    slugs = list(slugs) if slugs else mc_experiments(quick, workers, cache)
    exps = [get(s) for s in slugs]
    size = "quick" if quick else "full"
    chunk = chunk or (50 if quick else 10)
    records: dict[tuple[str, str], CalRecord] = {}
    for exp in exps:
        frozen = _frozen_plan(exp, exp.resolve(quick))
        for start in range(seed0, seed0 + seeds, chunk):
            stop = min(seed0 + seeds, start + chunk)
            t0 = time.perf_counter()
            results = run_many([(frozen, frozen.resolve(quick), s) for s in range(start, stop)],
                               workers=workers, scheduler=scheduler, alpha=alpha, cache=cache)
            for r in results:
                _tally(records, r, size, seeds, plant, alpha)
            if not any(k[0] == exp.slug for k in records):
                raise UsageError(f"{exp.slug} has no asserted Monte Carlo check at {size} "
                                 f"size; nothing to calibrate")
            if progress is not None:
                progress(exp.slug, stop - seed0, seeds, time.perf_counter() - t0)
    for rec in records.values():
        rec.half_width_rel = float(np.median(rec._hw)) if rec._hw else float("nan")
    return list(records.values())


def _tally(records: dict, result, size: str, seeds: int, plant: float, alpha: float) -> None:
    mc = _asserted_mc(result.checks)
    z = z_value(alpha, len(mc))  # the multiplier of a run of this experiment alone
    for c in mc:
        rec = records.setdefault((result.slug, c.name), CalRecord(
            result.slug, c.name, c.kind, size, seeds, plant, len(mc)))
        if _fails(c, z):
            rec.false_failures += 1
            decided = dataclasses.replace(c).decide(z)
            rec.low_side += bool(decided.ci_low is not None and c.predicted < decided.ci_low)
        planted = dataclasses.replace(c, predicted=c.predicted * planted_factor(c, plant))
        if _fails(planted, z):
            rec.detections += 1
        if c.predicted != 0 and math.isfinite(c.se):
            rec._hw.append(z * c.se / abs(c.predicted))


def _pct(k: int, n: int) -> str:
    lo, hi = wilson(k, n)
    return f"{100 * k / n:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]"


def format_calibration(records: list[CalRecord]) -> str:
    """A table: one row per check, rates in % with 95 % Wilson intervals."""
    head = ("experiment", "check", "size", "seeds", "false fail % [CI]", "low/high",
            "detect % [CI]", "hw/|pred|", "misses")
    rows = [head]
    for r in records:
        rows.append((r.slug, r.check, r.size, str(r.seeds), _pct(r.false_failures, r.seeds),
                     f"{r.low_side}/{r.false_failures - r.low_side}",
                     _pct(r.detections, r.seeds), f"{r.half_width_rel:.3g}",
                     ", ".join(r.misses) or "-"))
    widths = [min(48, max(len(row[i]) for row in rows)) for i in range(len(head))]
    lines = []
    for j, row in enumerate(rows):
        lines.append("  ".join(cell[:widths[i]].ljust(widths[i]) for i, cell in enumerate(row)))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    if records:
        r0 = records[0]
        lines.append(f"\nplant: prediction x (1 + {r0.plant:g}) (a <= bound x (1 - {r0.plant:g})),"
                     " one check at a time; CI level of a single-experiment run (Bonferroni m ="
                     " its asserted MC checks); low/high: false failures with the prediction below"
                     " / above the CI; targets: false failures <= 1 %, detection >= 99 %")
    return "\n".join(lines)


def run_calibrate_command(args) -> int:
    """``python -m verify calibrate``: print the table, write ``--json``; exit 0 (a calibration
    reports rates, it has no verdict)."""
    import json
    import sys

    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha must lie in (0, 1), got {args.alpha}")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")

    def progress(slug, done, total, secs):
        print(f"  {slug}: {done}/{total} seeds ({secs:.1f} s for the last chunk)",
              file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    recs = calibrate(args.slugs, seeds=args.seeds, quick=args.size == "quick", plant=args.plant,
                     seed0=args.seed, alpha=args.alpha, workers=args.workers,
                     cache=not args.no_cache, progress=progress)
    print(format_calibration(recs))
    print(f"\n{len(recs)} check(s), {time.perf_counter() - t0:.1f} s wall")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump([r.to_dict() for r in recs], fh, indent=2, allow_nan=False)
    return 0
