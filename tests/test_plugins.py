"""Experiments from outside the package: FILE.py:SLUG, --plugin, entry points, bad plugins."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from verify.cli import main
from verify.engine import plugins
from verify.engine.experiment import REGISTRY, discover

ROOT = Path(__file__).resolve().parents[1]

GOOD = '''
import numpy as np
from verify import Check, Experiment, Param, Plan, TaskSpec, mean_se, register

def draws(rng, count):
    """count standard normal draws"""
    return rng.standard_normal(count)

def plan(exp, v):
    tasks = [TaskSpec(draws, dict(count=v["count"])) for _ in range(4)]
    def reduce(outs):
        m, se = mean_se(np.concatenate(outs))
        return [Check("mean of N(0,1)", "sharp", {predicted}, m, se=se)], {{}}
    return Plan(tasks, reduce)

register(Experiment("{slug}", "sharp", "mine", "E N(0,1) = 0",
                    (Param("count", int, 5000, "draws per task"),), plan))
'''
DUPLICATE = '''
from verify import Experiment, Plan, register
plan = lambda e, v: Plan([], lambda o: ([], {}))
register(Experiment("mine-first", "sharp", "mine", "registered before the duplicate", (), plan))
register(Experiment("ez-gap", "sharp", "mine", "reuses a built-in slug", (), plan))
'''
RAISING_PLANNER = '''
from verify import Experiment, register
def plan(e, v):
    return 1 / 0
register(Experiment("mine-raises", "sharp", "mine", "planner raises", (), plan))
'''
RAISING_REDUCE = '''
from verify import Experiment, Plan, register
def plan(e, v):
    return Plan([], lambda outs: {}["missing"])
register(Experiment("mine-reduce", "sharp", "mine", "reduce raises", (), plan))
'''
QUICK_BUILTINS = ("bk-perm-rep", "wang-cls-lb")


@pytest.fixture
def isolated():
    """Restore the registry and the plugin bookkeeping after the test."""
    discover()
    saved = (dict(REGISTRY), dict(plugins.ORIGINS), dict(plugins._LOADED),
             list(plugins.PROBLEMS))
    yield
    for store, old in zip((REGISTRY, plugins.ORIGINS, plugins._LOADED), saved):
        store.clear()
        store.update(old)
    plugins.PROBLEMS[:] = saved[3]


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return str(p)


def test_file_slug_passes_and_planted_twin_fails(tmp_path, isolated, capsys):
    good = write(tmp_path, "good.py", GOOD.format(slug="mine-mean", predicted="0.0"))
    assert main(["run", f"{good}:mine-mean", "--quick", "--no-cache"]) == 0
    assert "PASS" in capsys.readouterr().out
    bad = write(tmp_path, "bad.py", GOOD.format(slug="mine-mean-bad", predicted="0.1"))
    assert main(["run", f"{bad}:mine-mean-bad", "--quick", "--no-cache"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_list_shows_origin_and_show_works(tmp_path, isolated, capsys):
    good = write(tmp_path, "good.py", GOOD.format(slug="mine-mean", predicted="0.0"))
    assert main(["list", "--plugin", good]) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("mine-mean")]
    assert len(line) == 1 and f"[plugin {good}]" in line[0]
    assert main(["show", f"{good}:mine-mean"]) == 0
    assert "count" in capsys.readouterr().out


def one_error_line(err: str, needle: str) -> None:
    lines = [ln for ln in err.splitlines() if needle in ln]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: plugin ") and "Traceback" not in err


def test_failed_import_leaves_builtins_running(tmp_path, isolated, capsys):
    broken = write(tmp_path, "broken.py", "import no_such_module_for_equibounds\n")
    assert main(["run", "bk-perm-rep", "--quick", "--plugin", broken]) == 2
    out, err = capsys.readouterr()
    assert "bk-perm-rep" in out and "PASS" in out
    one_error_line(err, f"plugin {broken}: ModuleNotFoundError")
    assert not any(plugins.origin(s) != "equibounds" for s in REGISTRY)


def test_duplicate_slug_rolls_back_the_plugin(tmp_path, isolated, capsys):
    builtin = REGISTRY["ez-gap"]
    dup = write(tmp_path, "dup.py", DUPLICATE)
    assert main(["list", "--plugin", dup]) == 2
    out, err = capsys.readouterr()
    one_error_line(err, "duplicate experiment slug 'ez-gap' (already registered by equibounds)")
    assert REGISTRY["ez-gap"] is builtin and "mine-first" not in REGISTRY
    assert "ez-gap" in out and "mine-first" not in out


def test_raising_planner_is_one_line_and_the_others_run(tmp_path, isolated, capsys):
    for slug in [s for s in REGISTRY if s not in QUICK_BUILTINS]:
        del REGISTRY[slug]
    raising = write(tmp_path, "raising.py", RAISING_PLANNER)
    plugins.load_plugin(raising)
    assert main(["all", "--quick", "--no-cache"]) == 0  # loaded, not named: exit by results
    out, err = capsys.readouterr()
    assert all(s in out for s in QUICK_BUILTINS) and "2 experiment(s), 0 failed" in out
    one_error_line(err, "experiment mine-raises: planner raised ZeroDivisionError")


def test_raising_reduce_is_a_failing_check(tmp_path, isolated, capsys):
    path = write(tmp_path, "reduce.py", RAISING_REDUCE)
    assert main(["run", f"{path}:mine-reduce"]) == 1
    out = capsys.readouterr().out
    # its numbers are NaN, so the check is invalid (not pass, not fail) and the run exits 1
    assert "reduce raised KeyError" in out and "INVALID" in out


def test_unknown_slug_in_plugin_and_missing_file(tmp_path, isolated, capsys):
    good = write(tmp_path, "good.py", GOOD.format(slug="mine-mean", predicted="0.0"))
    assert main(["run", f"{good}:nope"]) == 2
    assert "has no experiment 'nope'; it registers mine-mean" in capsys.readouterr().err
    assert main(["run", f"{tmp_path}/absent.py:x"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_edited_file_gets_a_new_module_so_cached_tasks_do_not_match(tmp_path, isolated):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = write(tmp_path / "a", "p.py", GOOD.format(slug="mine-a", predicted="0.0"))
    b = write(tmp_path / "b", "p.py", GOOD.format(slug="mine-b", predicted="0.0"))
    (ea,), (eb,) = plugins.load_plugin(a), plugins.load_plugin(b)
    fa = ea.plan(ea.resolve(True)).tasks[0].fn
    fb = eb.plan(eb.resolve(True)).tasks[0].fn
    assert fa.__qualname__ == fb.__qualname__ and fa.__module__ != fb.__module__


def test_file_plugin_runs_in_worker_processes(tmp_path, isolated):
    from verify import run

    good = write(tmp_path, "good.py", GOOD.format(slug="mine-mean", predicted="0.0"))
    (exp,) = plugins.load_plugin(good)
    serial = run(exp, quick=True, workers=1)
    parallel = run(exp, quick=True, workers=2)
    assert parallel.checks[0].measured == serial.checks[0].measured
    assert parallel.verdict == "pass"


def fake_distribution(site: Path, name: str, target: str) -> None:
    info = site / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[equibounds.experiments]\nmine = {target}\n")


def test_entry_points_are_listed_with_origin_and_a_broken_one_is_one_line(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "goodplug.py").write_text(textwrap.dedent(GOOD.format(slug="ep-mean",
                                                                  predicted="0.0")))
    (site / "badplug.py").write_text("raise RuntimeError('broken on purpose')\n")
    # a function entry point returns its experiments instead of registering them
    fn_source = GOOD.format(slug="ep-fn", predicted="0.0").replace(
        "register(Experiment(", "def make():\n    return (Experiment(")
    (site / "fnplug.py").write_text(textwrap.dedent(fn_source))
    fake_distribution(site, "goodplug", "goodplug")
    fake_distribution(site, "badplug", "badplug")
    fake_distribution(site, "fnplug", "fnplug:make")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    proc = subprocess.run([sys.executable, "-m", "verify", "list"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("ep-mean")]
    assert line and "[entry point goodplug:mine (goodplug)]" in line[0]
    assert "ez-gap" in proc.stdout
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("ep-fn")]
    assert line and "[entry point fnplug:mine (fnplug:make)]" in line[0]
    err = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert err == ["error: entry point badplug:mine (badplug): RuntimeError: broken on purpose"]


def test_editing_a_module_plugin_changes_its_task_keys(tmp_path, monkeypatch):
    import importlib

    import numpy as np

    from verify.engine import cache
    from verify.engine.experiment import TaskSpec

    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "equibounds_modplug.py"
    path.write_text("def draws(rng, count):\n    return rng.standard_normal(count)\n")
    mod = importlib.import_module("equibounds_modplug")
    spec, seed = TaskSpec(mod.draws, {"count": 3}), np.random.SeedSequence(0)
    before = cache.task_key(spec, seed)
    assert cache.task_key(spec, seed) == before
    path.write_text("def draws(rng, count):\n    return 2 * rng.standard_normal(count)\n")
    cache._plugin_source.cache_clear()  # a new process reads the file afresh
    assert cache.task_key(spec, seed) != before
    sys.modules.pop("equibounds_modplug", None)
