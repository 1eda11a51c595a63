"""Run experiments: plan → tasks fanned out → each output stored as it completes → reduce.

Every task of every experiment in a run goes into one pool, so a sweep uses all workers.
Seeds: ``SeedSequence([seed, crc32(slug)]).spawn(n_tasks)``, one child per task in plan order,
so a result does not depend on the number of workers, on the backend or on completion order.

Backends: one task at a time in-process (``workers=1``); local processes (a loky pool, torn
down at the end of the run; each worker asks the kernel to kill it if the run's process dies,
so none outlives a ``kill -9``); or an existing Dask cluster (``scheduler``), whose lost workers
the scheduler replaces by recomputing their tasks.  Every task runs with one BLAS thread and,
in workers, one Numba thread, so workers × threads never exceeds the cores.

With a cache, outputs are read first and each newly finished task is written at once
(:mod:`verify.engine.cache`), so a run stopped at any point loses only the tasks in flight.
SIGINT and SIGTERM stop the workers and raise :class:`Interrupted` (exit 130 / 143 in the CLI)
with the number of tasks in the cache.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from .experiment import Experiment, Plan, Result, UsageError, slug_entropy
from .stats import ALPHA, finalize

__all__ = ["Interrupted", "SchedulerLost", "default_workers", "execute", "run", "run_many"]


class Interrupted(BaseException):  # like KeyboardInterrupt: not caught as an Exception
    """A run stopped by SIGINT / SIGTERM; ``saved`` tasks of ``total`` are in the cache."""

    def __init__(self, signum: int, saved: int = 0, total: int = 0, cache: str | None = None):
        super().__init__(signum)
        self.signum, self.saved, self.total, self.cache = signum, saved, total, cache

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class SchedulerLost(RuntimeError):
    """The Dask scheduler went away during a run."""


#: More local processes than this would only thrash (each holds numpy, Numba and its data).
MAX_WORKERS = 256


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def _limit_numba() -> None:
    import numba

    if numba.get_num_threads() != 1:
        numba.set_num_threads(1)


def _call(index: int, spec, seed_seq: np.random.SeedSequence, limit_threads: bool):
    """Run one task; returns ``(index, output, seconds)``.  BLAS is always limited to one thread
    (the tasks' matrices are small and threaded BLAS on them is slower, badly so on a loaded
    machine); in workers (processes or Dask) Numba is limited to one thread too."""
    if limit_threads:
        _limit_numba()
    t0 = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        out = spec.fn(np.random.default_rng(seed_seq), **spec.kwargs)
    return index, out, time.perf_counter() - t0


def _worker_init() -> None:
    """In a local worker: die with the parent (Linux prctl PR_SET_PDEATHSIG), leave Ctrl-C to
    the parent (which stops the pool), one Numba thread."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)
    _limit_numba()


@dataclass
class _Job:
    exp: Experiment
    values: dict
    plan: Plan
    seed: int


def _as_cache(cache):
    from .cache import Cache, open_cache

    if cache is False or cache is None:
        return None
    if isinstance(cache, Cache):
        return cache
    return open_cache(None if cache is True else cache)


class _Signals:
    """While a run is under way SIGINT and SIGTERM raise :class:`Interrupted`, except inside
    ``critical()`` (storing one output and counting it), where they are held until it ends."""

    def __enter__(self):
        self.old, self.pending, self.busy = {}, None, False
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                if signal.getsignal(sig) is not signal.SIG_IGN:
                    self.old[sig] = signal.signal(sig, self._on_signal)
        return self

    def _on_signal(self, signum, frame):
        if self.busy:
            self.pending = signum
        else:
            raise Interrupted(signum)

    @contextlib.contextmanager
    def critical(self):
        self.busy = True
        try:
            yield
        finally:
            self.busy = False
        if self.pending is not None:
            raise Interrupted(self.pending)

    def __exit__(self, *exc):
        for sig, old in self.old.items():
            signal.signal(sig, old)


def run_many(items: list[tuple[Experiment, dict]], seed: int = 0, workers: int | None = None,
             scheduler: str | None = None, alpha: float = ALPHA, cache=False,
             progress=None) -> list[Result]:
    """Run ``(experiment, resolved values)`` pairs; verdicts Bonferroni-corrected over all.

    ``cache``: False, True (the default directory), a path or a
    :class:`~verify.engine.cache.Cache`; task outputs are read from it and each new one is
    written as it completes (the reduce steps always rerun).

    An item may carry its own base seed as a third element, ``(experiment, values, seed)``
    (:mod:`verify.engine.calibrate` runs many seeds of one experiment in one pool this way).  ``progress``: an object with
    ``start(totals)`` / ``advance(job)`` / ``close()`` (see :mod:`verify.progress`)."""
    jobs = [_Job(it[0], it[1], it[0].plan(it[1]), it[2] if len(it) > 2 else seed)
            for it in items]
    calls, owners = [], []
    for j, job in enumerate(jobs):
        children = np.random.SeedSequence([job.seed, slug_entropy(job.exp.slug)]).spawn(
            len(job.plan.tasks))
        calls += list(zip(job.plan.tasks, children))
        owners += [j] * len(job.plan.tasks)
    workers = default_workers() if workers is None else workers
    if not 1 <= workers <= MAX_WORKERS:
        raise UsageError(f"--workers must lie in 1..{MAX_WORKERS}, got {workers}")
    store = _as_cache(cache)
    outputs = _gather(calls, owners, len(jobs), workers, scheduler, store, progress)
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
        workers: int | None = 1, alpha: float = ALPHA, cache=False) -> Result:
    """Run one experiment (in-process by default) and return its finalised Result."""
    return run_many([(exp, exp.resolve(quick, overrides))], seed, workers, None, alpha,
                    cache)[0]


def _gather(calls, owners, n_jobs, workers, scheduler, store, progress):
    from .cache import task_key

    keys = [task_key(spec, ss) for spec, ss in calls] if store else [None] * len(calls)
    outputs = [store.load(k) for k in keys] if store else [None] * len(calls)
    todo = [i for i, o in enumerate(outputs) if o is None]
    if progress is not None:
        totals = [0] * n_jobs
        for w in owners:
            totals[w] += 1
        progress.start(totals)
        for i, o in enumerate(outputs):
            if o is not None:
                progress.advance(owners[i])
    saved = len(calls) - len(todo)
    try:
        with _Signals() as signals:
            stream = execute([(i, *calls[i]) for i in todo], workers, scheduler)
            try:
                for i, out, secs in stream:
                    with signals.critical():
                        outputs[i] = (out, secs)
                        if store is not None and store.store(keys[i], outputs[i]):
                            saved += 1
                    if progress is not None:
                        progress.advance(owners[i])
            except KeyboardInterrupt:
                raise Interrupted(signal.SIGINT) from None
            finally:
                stream.close()  # stops the workers now, whatever ended the loop
    except Interrupted as e:
        e.saved, e.total = saved if store else 0, len(calls)
        e.cache = str(store.path) if store else None
        raise
    finally:
        if progress is not None:
            progress.close()
    return outputs


def execute(calls, workers: int, scheduler: str | None = None, connect_timeout: float = 10.0):
    """Yield ``(index, output, seconds)`` for ``calls = [(index, spec, seed_seq), ...]`` in
    completion order (``connect_timeout``: seconds to reach a Dask scheduler)."""
    if not calls:
        return
    if scheduler is not None:
        yield from _dask(calls, scheduler, connect_timeout)
    elif workers == 1 or len(calls) == 1:
        for i, spec, ss in calls:
            yield _call(i, spec, ss, False)
    else:
        yield from _processes(calls, min(workers, len(calls)))


def _processes(calls, workers: int):
    from joblib.externals.loky import ProcessPoolExecutor, as_completed

    ex = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init)
    try:
        futures = [ex.submit(_call, i, spec, ss, True) for i, spec, ss in calls]
        for f in as_completed(futures):
            yield f.result()
    finally:  # normal end, a task's error, SIGINT, SIGTERM, generator closed: no worker survives
        ex.shutdown(wait=False, kill_workers=True)
        for p in list(getattr(ex, "_processes", {}).values()):
            p.join(timeout=5)


def _dask(calls, scheduler: str, timeout: float):
    if not scheduler.strip():
        raise UsageError("--scheduler is empty; give an address such as tcp://host:8786")
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError("--scheduler needs the dask extra: pip install "
                         "'equibounds[dask]'") from None
    quiet = _QuietLogs("distributed", "tornado", "asyncio")  # its reconnect tracebacks
    try:
        client = Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, ValueError, TypeError) as e:
        quiet.restore()
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler!r}: "
                         f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    lost = False
    try:
        futures = [client.submit(_call, i, spec, ss, True, pure=False, key=f"equibounds-{i}-"
                                 f"{os.getpid()}-{time.time_ns()}") for i, spec, ss in calls]
        pending = set(futures)
        for f in as_completed(futures, loop=client.loop):
            pending.discard(f)
            if f.status == "cancelled" or client.status not in ("running", "connecting"):
                lost = True
                raise SchedulerLost(f"lost the Dask scheduler at {scheduler} with "
                                    f"{len(pending) + 1} task(s) unfinished")
            yield f.result()
    except Interrupted:
        raise
    except Exception as e:
        if type(e).__name__ in ("CancelledError", "CommClosedError", "FutureCancelledError") \
                or isinstance(e, (OSError, TimeoutError)):
            lost = True
            raise SchedulerLost(f"lost the Dask scheduler at {scheduler}: "
                                f"{type(e).__name__}") from None
        raise
    finally:
        with contextlib.suppress(Exception):  # closing a client whose scheduler is gone
            client.close(timeout=2)
        if not lost:  # else the client's thread keeps logging its reconnect attempts
            quiet.restore()


class _QuietLogs:
    """Raise the named loggers and their children to CRITICAL until ``restore()`` (distributed
    logs a traceback per reconnect attempt; one line per problem is ours)."""

    def __init__(self, *names: str):
        import logging

        known = [n for n in logging.root.manager.loggerDict
                 if any(n == p or n.startswith(p + ".") for p in names)]
        self.saved = {n: logging.getLogger(n).level for n in {*names, *known}}
        for n in self.saved:
            logging.getLogger(n).setLevel(logging.CRITICAL)

    def restore(self) -> None:
        import logging

        for n, level in self.saved.items():
            logging.getLogger(n).setLevel(level)
        self.saved = {}
