"""equibounds' numerics: measure what :mod:`bounds` predicts.

The public names an experiment needs are importable from here (loaded on first use, so
``python -m verify list`` stays fast)::

    from verify import Experiment, Param, Plan, TaskSpec, Check, register, run, mean_se

Layers (each imports only those below it): :mod:`verify.engine` (contract, runner, cache,
statistics), :mod:`verify.symmetry` (groups, Reynolds projection, equivariance error),
:mod:`verify.models` (what gets measured), :mod:`verify.experiments` (one module per family),
and the commands (:mod:`verify.cli`, :mod:`verify.bench`).
"""

from __future__ import annotations

import importlib

#: public name -> module that defines it
_PUBLIC = {
    "Experiment": "verify.engine.experiment",
    "Param": "verify.engine.experiment",
    "Plan": "verify.engine.experiment",
    "TaskSpec": "verify.engine.experiment",
    "Result": "verify.engine.experiment",
    "UsageError": "verify.engine.experiment",
    "register": "verify.engine.experiment",
    "get": "verify.engine.experiment",
    "Check": "verify.engine.stats",
    "ALPHA": "verify.engine.stats",
    "mean_se": "verify.engine.stats",
    "delta_se": "verify.engine.stats",
    "through_origin_slope": "verify.engine.stats",
    "run": "verify.engine.runner",
    "Action": "verify.symmetry.equivariance",
    "EquivarianceError": "verify.symmetry.equivariance",
    "actions_from_group": "verify.symmetry.equivariance",
    "actions_from_matrices": "verify.symmetry.equivariance",
    "equivariance_error": "verify.symmetry.equivariance",
    "run_many": "verify.engine.runner",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'verify' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
