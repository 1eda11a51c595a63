"""Shared pieces of the Bökman–Kahl exact experiments (:mod:`.bk_reps`, :mod:`.bk_layerwise`):
tolerances and one-task plans.  All their checks are deterministic float64 identities; "≈ 0"
means ≤ :data:`EXACT` (absolute) unless stated.
"""

from __future__ import annotations

import numpy as np

from ..engine.experiment import Plan, TaskSpec, UsageError
from ..engine.stats import Check

#: "≈ 0": the absolute tolerance of every exact identity (float64, a few hundred flops deep).
EXACT = 1e-12
#: Non-commuting matrices must miss by at least this much.
FLOOR = 0.1
#: Residual limit of the analyser's verdicts (bk-signed-random).
VERDICT_TOL = 1e-10
SWAP = np.array([[0.0, 1.0], [1.0, 0.0]])
#: Size limits of the exact experiments (image side, hidden width, test points), so that the
#: d x d flip (d = image^2) and the points x d inputs fit in memory and a run takes seconds.
IMAGE_MAX, WIDTH_MAX, POINTS_MAX = 16, 256, 10000
SIZE_WHY = ("d = image^2 <= 256 inputs, widths <= 256, points <= 10000 keep the flip "
            "matrices and the points x d inputs in memory and a run in seconds")


def _single(fn, **kwargs) -> Plan:
    """A one-task plan whose task returns (checks, data)."""
    return Plan([TaskSpec(fn, kwargs)], lambda outs: outs[0], params={})


def _zero(name, measured, tol=EXACT, group=None, note="") -> Check:
    return Check(name, "sharp", 0.0, float(measured), tol=tol, group=group, note=note)


def _at_least(name, measured, floor=FLOOR, group=None) -> Check:
    return Check(name, "bound", floor, float(measured), tol=0.0, relation=">=", group=group)


def _parse_widths(text: str, multiple: int) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in str(text).split(","))
    except ValueError:
        raise UsageError(f"parameter widths must be comma-separated integers, got {text!r}"
                         ) from None
    if not widths or any(w <= 0 or w % multiple for w in widths):
        raise UsageError(f"parameter widths must be positive multiples of |C4| = {multiple} "
                         f"(regular representations), got {text!r}")
    if len(widths) > 8 or max(widths) > WIDTH_MAX:
        raise UsageError(f"parameter widths takes at most 8 layers of width <= {WIDTH_MAX} "
                         f"({SIZE_WHY}), got {text!r}")
    return widths


