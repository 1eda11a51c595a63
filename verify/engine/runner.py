"""Run experiments: plan → tasks fanned out through joblib → reduce → finalised verdicts.

Every task of every experiment in a run goes into one joblib call, so a sweep uses all workers.
Seeds: ``SeedSequence([seed, crc32(slug)]).spawn(n_tasks)``, one child per task in plan order,
so a result does not depend on the number of workers or on the backend.  Workers: local
processes (loky) by default; with ``scheduler`` set, joblib's dask backend on an existing
cluster.  Every task runs with one BLAS thread (threadpoolctl); in worker processes Numba is
limited to one thread too, so workers × threads never exceeds the cores.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed, parallel_config
from threadpoolctl import threadpool_limits

from .cache import load, store, task_key
from .experiment import Experiment, Plan, Result, UsageError, slug_entropy
from .stats import ALPHA, finalize

__all__ = ["default_workers", "run", "run_many"]


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def _call(spec, seed_seq: np.random.SeedSequence, limit_threads: bool):
    """Run one task.  BLAS is always limited to one thread (the tasks' matrices are small and
    multi-threaded BLAS on them is slower, badly so on a loaded machine); in worker processes
    Numba is limited to one thread too."""
    if limit_threads:
        import numba

        numba.set_num_threads(1)
    t0 = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        out = spec.fn(np.random.default_rng(seed_seq), **spec.kwargs)
    return out, time.perf_counter() - t0


@dataclass
class _Job:
    exp: Experiment
    values: dict
    plan: Plan
    seed: int


def run_many(items: list[tuple[Experiment, dict]], seed: int = 0, workers: int | None = None,
             scheduler: str | None = None, alpha: float = ALPHA,
             cache: bool = False) -> list[Result]:
    """Run ``(experiment, resolved values)`` pairs; verdicts Bonferroni-corrected over all.

    An item may carry its own base seed as a third element, ``(experiment, values, seed)``
    (:mod:`verify.engine.calibrate` runs many seeds of one experiment in one pool this way).

    With ``cache`` task outputs are read from / written to :mod:`verify.engine.cache` (the reduce
    steps always rerun)."""
    jobs = [_Job(it[0], it[1], it[0].plan(it[1]), it[2] if len(it) > 2 else seed)
            for it in items]
    calls, owners = [], []
    for j, job in enumerate(jobs):
        children = np.random.SeedSequence([job.seed, slug_entropy(job.exp.slug)]).spawn(
            len(job.plan.tasks))
        calls += list(zip(job.plan.tasks, children))
        owners += [j] * len(job.plan.tasks)
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    outputs = _cached_execute(calls, workers, scheduler) if cache else \
        _execute(calls, workers, scheduler)
    results = []
    for j, job in enumerate(jobs):
        mine = [o for o, w in zip(outputs, owners) if w == j]
        t0 = time.perf_counter()
        checks, data = job.plan.reduce([o for o, _ in mine])
        secs = sum(t for _, t in mine) + time.perf_counter() - t0
        params = {**job.values, **job.plan.params}
        results.append(Result(job.exp.slug, job.exp.kind, job.exp.family, params, job.seed,
                              checks, secs, data))
    finalize([c for r in results for c in r.checks], alpha)
    return results


def run(exp: Experiment, quick: bool = False, overrides: dict | None = None, seed: int = 0,
        workers: int | None = 1, alpha: float = ALPHA, cache: bool = False) -> Result:
    """Run one experiment (in-process by default) and return its finalised Result."""
    return run_many([(exp, exp.resolve(quick, overrides))], seed, workers, None, alpha,
                    cache)[0]


def _cached_execute(calls, workers: int, scheduler: str | None):
    keys = [task_key(spec, ss) for spec, ss in calls]
    outputs = [load(k) for k in keys]
    todo = [i for i, o in enumerate(outputs) if o is None]
    for i, out in zip(todo, _execute([calls[i] for i in todo], workers, scheduler)):
        store(keys[i], out)
        outputs[i] = out
    return outputs


def _execute(calls, workers: int, scheduler: str | None):
    if scheduler:
        try:
            from dask.distributed import Client
        except ImportError:
            raise UsageError("--scheduler needs the dask extra: pip install "
                             "'equibounds[dask]'") from None
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as e:
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
        with client, parallel_config(backend="dask"):
            return Parallel()(delayed(_call)(s, ss, True) for s, ss in calls)
    if not calls:
        return []
    if workers == 1 or len(calls) <= 1:
        return [_call(s, ss, False) for s, ss in calls]
    return Parallel(n_jobs=min(workers, len(calls)))(
        delayed(_call)(s, ss, True) for s, ss in calls)
