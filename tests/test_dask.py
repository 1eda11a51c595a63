"""A real Dask cluster: a scheduler and two worker processes on 127.0.0.1 (free ports).

Results through ``--scheduler`` equal ``--workers 1`` exactly, also when a worker is killed
mid-run; losing the scheduler is one line and a non-zero exit; Numba runs one thread per task.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

distributed = pytest.importorskip("distributed")

from verify.cli import main
from verify.engine.experiment import TaskSpec, get
from verify.engine.runner import execute, run_many

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH",
                                                                              "")])}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """``dask scheduler`` + ``workers`` x ``dask worker`` (one thread each, with nannies)."""

    def __init__(self, workers: int):
        self.address = f"tcp://127.0.0.1:{free_port()}"
        quiet = dict(env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", self.address.rsplit(":", 1)[1], "--dashboard-address", ":0"], **quiet)
        self.nannies = [subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nthreads",
             "1", "--host", "127.0.0.1", "--no-dashboard", "--death-timeout", "60"], **quiet)
            for _ in range(workers)]
        with distributed.Client(self.address, timeout="120s") as c:
            c.wait_for_workers(workers, timeout=180)

    def worker_pids(self) -> list[int]:
        return [c.pid for n in self.nannies for c in psutil.Process(n.pid).children()
                if "resource_tracker" not in " ".join(c.cmdline())]

    def close(self):
        for p in [*self.nannies, self.scheduler]:
            p.kill()
        for p in [*self.nannies, self.scheduler]:
            p.wait(timeout=30)
        deadline = time.monotonic() + 20  # the nannies' workers die with them
        for pid in self.worker_pids_seen:
            while psutil.pid_exists(pid) and time.monotonic() < deadline:
                time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(2)
    c.worker_pids_seen = set(c.worker_pids())
    yield c
    c.worker_pids_seen |= set(c.worker_pids())
    c.close()


def _dicts(results):
    out = [r.to_dict() for r in results]
    for d in out:
        d.pop("seconds")
    return json.loads(json.dumps(out, default=float))


#: several experiments of different shapes: Monte Carlo batches, LP sweeps, a net, exact checks
SLUGS = ("ez-gap", "pt-lip-w1", "pt-reynolds", "bk-flip-match", "bk-relu-commute")


def test_results_through_the_cluster_equal_one_local_worker(cluster, tmp_path, capsys):
    items = [(get(s), get(s).resolve(True)) for s in SLUGS]
    local = _dicts(run_many(items, workers=1))
    remote = _dicts(run_many(items, scheduler=cluster.address))
    assert remote == local
    out = tmp_path / "out.json"
    assert main(["run", "ez-gap", "--quick", "--no-cache", "--scheduler", cluster.address,
                 "--json", str(out)]) == 0
    (res,) = json.loads(out.read_text())
    res.pop("seconds")
    assert res == _dicts(run_many(items[:1], workers=1))[0]  # alone: its own Bonferroni m


def test_killing_a_worker_mid_run_changes_nothing(cluster, tmp_path):
    exp = get("ez-gap")
    items = [(exp, exp.resolve(True, {"trials": "240000", "batch": "20000"}))]
    local = _dicts(run_many(items, workers=1))
    cache = tmp_path / "cache"
    killed = []

    def kill_one_when_a_task_is_done():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(cache.glob("*.npz")):
            time.sleep(0.05)
        killed.append(len(list(cache.glob("*.npz"))))
        pids = cluster.worker_pids()
        cluster.worker_pids_seen |= set(pids)
        os.kill(pids[0], signal.SIGKILL)  # its nanny starts a new one; its tasks are redone

    t = threading.Thread(target=kill_one_when_a_task_is_done, daemon=True)
    t.start()
    remote = _dicts(run_many(items, scheduler=cluster.address, cache=cache))
    t.join(timeout=10)
    assert killed and killed[0] < 12, f"no worker was killed mid-run: {killed}"
    assert len(list(cache.glob("*.npz"))) == 12
    assert remote == local


def _threads(rng):
    import numba

    return numba.get_num_threads()


def test_numba_runs_one_thread_per_task_on_dask_workers(cluster):
    calls = [(i, TaskSpec(_threads, {}), None) for i in range(4)]
    assert sorted(out for _, out, _ in execute(calls, 1, cluster.address)) == [1, 1, 1, 1]


def test_losing_the_scheduler_is_one_line_and_a_nonzero_exit(tmp_path):
    c = Cluster(1)
    cache = tmp_path / "cache"
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "verify", "run", "ez-gap", "--quick", "--set",
             "trials=100000", "--set", "batch=5000", "--scheduler", c.address, "--cache",
             str(cache)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env=ENV, cwd=ROOT)
        deadline = time.monotonic() + 240
        while not list(cache.glob("*.npz")) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        c.scheduler.kill()
        _, err = proc.communicate(timeout=120)
    finally:
        c.worker_pids_seen = set()
        proc.kill()
        c.close()
    assert proc.returncode == 3, err
    assert len(err.strip().splitlines()) == 1, err
    (line,) = err.strip().splitlines()
    assert line.startswith("error: lost the Dask scheduler at ") and "rerun to resume" in line


def test_an_unreachable_scheduler_is_a_usage_error():
    from verify.engine.experiment import UsageError

    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(UsageError, match="cannot reach the Dask scheduler") as e:
        list(execute([(0, TaskSpec(_threads, {}), None)], 1, address, connect_timeout=2))
    assert "\n" not in str(e.value)
