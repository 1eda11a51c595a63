"""Per-task persistence: a run stopped by SIGINT, SIGTERM or SIGKILL keeps its finished tasks,
leaves no worker behind, says how to resume, and the resumed run equals an uninterrupted one."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from verify.cli import main

ROOT = Path(__file__).resolve().parents[1]
#: 10 Monte Carlo batches of ez-gap, each long enough that a run is caught half-way
ARGS = ["run", "ez-gap", "--quick", "--set", "trials=50000", "--set", "batch=5000"]
TASKS = 10


def workers_of(pid: int) -> set[int]:
    """The pids of a process's workers (not loky's resource trackers, which exit with it)."""
    try:
        kids = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return set()
    out = set()
    for c in kids:
        try:
            if "resource_tracker" not in " ".join(c.cmdline()):
                out.add(c.pid)
        except psutil.Error:
            pass
    return out


def entries(d: Path) -> set[str]:
    return {p.name for p in d.glob("*.npz")}


def strip(results):
    for r in results:
        r.pop("seconds")
    return results


def start(cache: Path, workers: int):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "verify", *ARGS, "--workers", str(workers),
                             "--cache", str(cache)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def wait_for_more(proc, cache: Path, than: int, timeout: float = 240.0) -> list[int]:
    """Wait until the cache holds more than ``than`` entries; return the run's worker pids."""
    deadline = time.monotonic() + timeout
    workers: set[int] = set()
    while time.monotonic() < deadline:
        workers |= workers_of(proc.pid)
        if len(entries(cache)) > than:
            return sorted(workers)
        assert proc.poll() is None, f"the run ended early: {proc.stderr.read()}"
        time.sleep(0.05)
    proc.kill()
    pytest.fail("no task finished in time")


def assert_all_gone(pids, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.1)
    assert not alive, f"processes outlived the run: {alive}"


def test_interrupted_runs_keep_their_tasks_and_resume_identically(tmp_path, capsys):
    cache = tmp_path / "cache"
    ref_json, res_json = tmp_path / "ref.json", tmp_path / "res.json"
    assert main([*ARGS, "--workers", "1", "--no-cache", "--json", str(ref_json)]) == 0
    capsys.readouterr()

    # SIGINT in this process (one worker): the runner's handler turns it into exit 130
    def interrupt_after_first_task():
        deadline = time.monotonic() + 240
        while not entries(cache) and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, lambda *a: None)  # a late signal must not end pytest
    try:
        t = threading.Thread(target=interrupt_after_first_task, daemon=True)
        t.start()
        assert main([*ARGS, "--workers", "1", "--cache", str(cache)]) == 130
        t.join(timeout=10)
    finally:
        signal.signal(signal.SIGINT, previous)
    have = len(entries(cache))
    assert 0 < have < TASKS
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == (f"interrupted by SIGINT: {have} of {TASKS} tasks saved in {cache}; run the "
                    "same command again to resume")

    # then a pool of two workers in a subprocess: SIGTERM, SIGKILL (no worker survives)
    for sig, code in ((signal.SIGTERM, 143), (signal.SIGKILL, -9)):
        proc = start(cache, 2)
        workers = wait_for_more(proc, cache, have)
        proc.send_signal(sig)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"the run did not stop on {sig.name}")
        assert proc.returncode == code, err
        assert_all_gone(workers)
        now = entries(cache)
        assert have < len(now) < TASKS, "not stopped half-way"
        if sig != signal.SIGKILL:
            (line,) = err.strip().splitlines()
            assert line == (f"interrupted by {sig.name}: {len(now)} of {TASKS} tasks saved in "
                            f"{cache}; run the same command again to resume")
        have = len(now)
    kept = {n: (cache / n).read_bytes() for n in entries(cache)}

    assert main([*ARGS, "--workers", "1", "--cache", str(cache), "--json", str(res_json)]) == 0
    assert "bad entry" not in capsys.readouterr().err
    assert len(entries(cache)) == TASKS
    assert all((cache / n).read_bytes() == b for n, b in kept.items())  # reused, not redone
    assert strip(json.loads(res_json.read_text())) == strip(json.loads(ref_json.read_text()))


def test_a_failing_task_stops_the_pool(tmp_path):
    """A task that raises ends the run with its error, and no worker is left computing."""
    from verify.engine.experiment import TaskSpec
    from verify.engine.runner import execute

    calls = [(i, TaskSpec(_boom if i == 2 else _nap, {}), None) for i in range(6)]
    before = workers_of(os.getpid())
    with pytest.raises(ZeroDivisionError):
        list(execute(calls, workers=2))
    assert_all_gone(workers_of(os.getpid()) - before)


def _nap(rng):
    time.sleep(0.2)
    return 0


def _boom(rng):
    return 1 / 0
