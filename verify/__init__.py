"""equibounds' numerics: measure what :mod:`bounds` predicts.

The public names an experiment needs are importable from here (loaded on first use, so
``python -m verify list`` stays fast)::

    from verify import Experiment, Param, Plan, TaskSpec, Check, register, run, mean_se

They are a contract (``tests/test_public_api.py`` lists them): an :class:`Experiment` has typed
:class:`Param` s and a planner that turns a setting into a :class:`Plan` of independent
:class:`TaskSpec` s (``fn(rng, **kwargs)``, one spawned seed each) and a reduce step returning
:class:`Check` s; :func:`register` adds it, :func:`run` / :func:`run_many` fan the tasks out
(joblib or Dask, cached) and decide the verdicts (Bonferroni over the run).  The estimators
:func:`mean_se`, :func:`delta_se` and :func:`through_origin_slope` return an estimate and its
standard error, from which the run forms the CI.  :func:`load_plugin` loads experiments from a
file or module, as ``python -m verify run FILE.py:SLUG`` does.  Everything else is private.

Layers (each imports only those below it): :mod:`verify.engine` (contract, runner, cache,
statistics), :mod:`verify.symmetry` (groups, Reynolds projection, equivariance error),
:mod:`verify.models` (what gets measured), :mod:`verify.experiments` (one module per family),
and the commands (:mod:`verify.cli`, :mod:`verify.bench`).
"""

from __future__ import annotations

import importlib
import os

# Numba's compiled-kernel cache (``cache=True``) goes beside the task cache in the working
# directory, not into ``__pycache__`` inside the installed package; set NUMBA_CACHE_DIR to
# choose.  Numba reads it when first imported, which happens after this.
if "NUMBA_CACHE_DIR" not in os.environ:
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(
        os.path.abspath(os.environ.get("EQUIBOUNDS_CACHE") or ".equibounds-cache"), "numba")

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
    "gather": "verify.engine.experiment",
    "load_plugin": "verify.engine.plugins",
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
    "model_equivariance": "verify.model_cmd",
    "equivariance_budget": "verify.budget_cmd",
    "run_many": "verify.engine.runner",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'verify' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
