"""The command line: tables, JSON, exit codes 0/1/2, one-line errors."""

import json
import subprocess
import sys

import pytest

from verify.cli import main

JSON_KEYS = {"slug", "kind", "family", "params", "seed", "predicted", "measured", "ci_low",
             "ci_high", "verdict", "seconds", "version"}


def test_run_quick_json_module_entry_point(tmp_path):
    out = tmp_path / "out.json"
    proc = subprocess.run([sys.executable, "-m", "verify", "run", "ez-gap", "--quick", "--json",
                           str(out)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "ez-gap" in proc.stdout and "PASS" in proc.stdout
    (res,) = json.loads(out.read_text())
    assert JSON_KEYS <= set(res) and res["verdict"] == "pass"
    assert res["ci_low"] <= res["predicted"] <= res["ci_high"]


def test_list_and_show(capsys):
    assert main(["list"]) == 0
    listed = capsys.readouterr().out
    assert "ez-gap" in listed and "pt-reynolds" in listed
    assert main(["show", "ez-gap"]) == 0
    shown = capsys.readouterr().out
    assert "n > d + 1" in shown and "\\frac" in shown and "trials" in shown


@pytest.mark.parametrize("argv,needle", [
    (["run", "no-such"], "unknown experiment"),
    (["run", "ez-gap", "--set", "foo=1"], "no parameter 'foo'"),
    (["run", "ez-gap", "--set", "n=abc"], "must be an integer"),
    (["run", "ez-gap", "--set", "n=1e400"], "must be an integer"),
    (["run", "ez-gap", "--set", "sigma=nan"], "finite number"),
    (["run", "ez-gap", "--set", "n=7"], "n > d + 1"),
    (["run", "ez-gap", "--set", "group=X3"], "unknown group"),
    (["run", "ez-gap", "--set", "group=C6", "--set", "d=5"], "does not match"),
    (["run", "ez-gap", "--set", "n"], "KEY=VALUE"),
    (["show", "nope"], "unknown experiment"),
    (["frobnicate"], "invalid choice"),
    (["all", "--alpha", "2"], "alpha"),
    (["run", "ez-gap", "--seed", "-1"], "--seed"),
    (["run", "ez-gap", "--workers", "0"], "--workers"),
])
def test_bad_usage_exits_2_with_one_line(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err and "Traceback" not in err


def test_failing_check_exits_1(capsys, monkeypatch):
    # a planted statement (5 % too large) makes the run fail: exit code 1, FAIL in the table
    from verify.engine.experiment import REGISTRY, get

    exp = get("ez-gap")
    planted = exp.replace(statement=exp.statement.replace(expr=exp.statement.expr * 1.05))
    monkeypatch.setitem(REGISTRY, "ez-gap", planted)
    assert main(["run", "ez-gap", "--set", "trials=200000", "--set", "batch=50000"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_ci_runs_the_readme_test_command_verbatim():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    cmd = 'python -m pip install -e ".[test]" && python -m pytest -q'
    assert cmd in (root / "README.md").read_text()
    assert cmd in (root / ".ci" / "run").read_text()


def test_cache_resumes_and_never_hides_a_planted_error(tmp_path, monkeypatch):
    from verify.engine.experiment import get
    from verify.engine.runner import run

    monkeypatch.setenv("EQUIBOUNDS_CACHE", str(tmp_path))
    exp = get("ez-gap")
    first = run(exp, quick=True, seed=7, cache=True)
    assert list(tmp_path.glob("*.npz"))
    second = run(exp, quick=True, seed=7, cache=True)
    assert second.checks[0].measured == first.checks[0].measured
    planted = exp.replace(statement=exp.statement.replace(expr=exp.statement.expr * 2))
    assert run(planted, quick=True, seed=7, cache=True).verdict == "fail"
    other_seed = run(exp, quick=True, seed=8, cache=True)
    assert other_seed.checks[0].measured != first.checks[0].measured
