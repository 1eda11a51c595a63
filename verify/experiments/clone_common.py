"""Shared pieces of the symmetry-cloning experiments (Huang et al., arXiv:2410.03989): the
cyclic-shift actions, the Z_n G-CNN teacher, tolerances and size parsing."""

from __future__ import annotations

import numpy as np

from ..engine.experiment import UsageError
from ..engine.stats import Check
from ..models.cloning import gcnn_teacher
from ..symmetry.equivariance import actions_from_group
from ..symmetry.groups import cyclic

#: "≈ 0": absolute tolerance of exact float64 identities (relative errors of O(1) outputs).
EXACT = 1e-12
PAPER = "Huang et al. 2024, arXiv:2410.03989"
#: why sizes have an upper limit
MEM = "what fits in memory and a minute"


def shift_actions(n: int):
    """Every non-identity cyclic shift of Z_n acting on inputs and outputs (batch first)."""
    G = cyclic(n)
    return actions_from_group(G, G.rep())


def gcnn(rng: np.random.Generator, n: int):
    r"""The tanh G-CNN teacher :math:`C_2\tanh(C_1x)` on :math:`\mathbb Z_n`, kernels
    :math:`N(0,1/n)` (so :math:`C_1x` has unit variance per coordinate)."""
    return gcnn_teacher(rng.normal(size=n) / np.sqrt(n), rng.normal(size=n) / np.sqrt(n))


def parse_sizes(name: str, text, low: int = 1, high: int = 100_000) -> list[int]:
    """``"4,16"`` -> ``[4, 16]`` (sorted, unique); :class:`UsageError` unless integers in
    [low, high] (high: what fits in memory and a minute)."""
    try:
        vals = sorted({int(t) for t in str(text).replace(" ", "").split(",") if t})
    except ValueError:
        raise UsageError(f"parameter {name} must be comma-separated integers, got {text!r}"
                         ) from None
    if not vals or vals[0] < low:
        raise UsageError(f"parameter {name} must list integers >= {low}, got {text!r}")
    if vals[-1] > high:
        raise UsageError(f"parameter {name} must list integers <= {high} (what fits in memory "
                         f"and a minute), got {text!r}")
    return vals


def zero(name, measured, tol=EXACT, group=None, note="") -> Check:
    """Sharp deterministic check that a quantity is 0 within ``tol``."""
    return Check(name, "sharp", 0.0, float(measured), tol=tol, group=group, note=note)


def at_least(name, measured, floor, group=None, note="") -> Check:
    """Deterministic lower bound: ``measured >= floor``."""
    return Check(name, "bound", floor, float(measured), tol=0.0, relation=">=", group=group,
                 note=note)


def trend(name, expected, measured, note="") -> Check:
    """A reported number beside the prototype value (None: no prototype; never asserted)."""
    return Check(name, "trend", None if expected is None else float(expected),
                 float(measured), note=note)


def soft(name, ok: bool, reference, measured, relation: str) -> Check:
    """A soft claim ``measured relation reference``, reported with [holds] / [NOT]."""
    return Check(f"{name} [{'holds' if ok else 'NOT'}]", "trend", float(reference),
                 float(measured), relation=relation, note="soft claim, reported only")
