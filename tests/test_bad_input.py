"""Every kind of bad input is one clear line on stderr and exit code 2, before any work."""

import pytest

from verify.cli import main

EZ = ["run", "ez-gap", "--quick"]

CASES = [
    # experiments and parameters
    (["run", "no-such"], "unknown experiment"),
    (["show", "nope"], "unknown experiment"),
    (["frobnicate"], "invalid choice"),
    (["run"], "required"),
    (EZ + ["--set", "foo=1"], "no parameter 'foo'"),
    (EZ + ["--set", "n"], "KEY=VALUE"),
    (EZ + ["--set", "=5"], "parameter name"),
    (EZ + ["--set", "n=30", "--set", "n=40"], "given twice"),
    (EZ + ["--set", "n="], "is empty"),
    (EZ + ["--set", "n=  "], "is empty"),
    (EZ + ["--set", "group="], "is empty"),
    (EZ + ["--set", "n=abc"], "must be an integer"),
    (EZ + ["--set", "n=2.5"], "must be an integer"),
    (EZ + ["--set", "n=1e400"], "must be an integer"),
    (EZ + ["--set", "n=9" * 30], "must be an integer"),
    (EZ + ["--set", "n=7"], "n > d + 1"),
    (EZ + ["--set", "d=0"], "must lie in [1, 64]"),
    (EZ + ["--set", "slope=maybe"], "true or false"),
    (EZ + ["--set", "method=foo"], "must be one of"),
    (EZ + ["--set", "output=sideways"], "must be one of"),
    # numbers that would overflow or underflow: the range is named
    (EZ + ["--set", "sigma=nan"], "finite number"),
    (EZ + ["--set", "sigma=inf"], "finite number"),
    (EZ + ["--set", "sigma=-1"], "must lie in [1e-50, 1e+50]"),
    (EZ + ["--set", "sigma=0"], "must lie in [1e-50, 1e+50]"),
    (EZ + ["--set", "sigma=1e-100"], "must lie in [1e-50, 1e+50]"),
    (EZ + ["--set", "sigma=1e-300"], "must lie in [1e-50, 1e+50]"),
    (EZ + ["--set", "sigma=1e100"], "must lie in [1e-50, 1e+50]"),
    (EZ + ["--set", "sigma=1e200"], "must lie in [1e-50, 1e+50]"),
    (EZ + ["--set", "sigma_x=0"], "must lie in [1e-50, 1e+50]"),
    (["run", "pt-optimal-eps", "--set", "eta=1e300"], "must lie in [1e-50, 1e+50]"),
    (["run", "pt-optimal-eps", "--set", "eta=1e150"], "must lie in [1e-50, 1e+50]"),
    (["run", "pt-optimal-eps", "--set", "eta=0"], "must lie in [1e-50, 1e+50]"),
    (["run", "bk-merge-mlp", "--set", "lr=1e6"], "must lie in [1e-06, 0.5]"),
    (["run", "bk-merge-cnn", "--set", "lr=0"], "must lie in [1e-06, 0.5]"),
    # sizes that would not fit in memory or time: the limit is named
    (EZ + ["--set", "group=C5000"], "at most 64 fit"),
    (EZ + ["--set", "group=S100"], "at most 64 fit"),
    (EZ + ["--set", "group=C8", "--set", "channels=9"], "at most 64"),
    (EZ + ["--set", "k=1000000"], "must lie in [1, 64]"),
    (EZ + ["--set", "group=C40", "--set", "output=equivariant"], "d k <= 1024"),
    (EZ + ["--set", "trials=1e9", "--set", "batch=1e9"], "must lie in [100, 1e+08]"),
    (EZ + ["--set", "batch=1e7"], "must lie in [100, 1e+06]"),
    (EZ + ["--set", "batch=10"], "must lie in [100, 1e+06]"),
    (EZ + ["--set", "group=X3"], "unknown group"),
    (EZ + ["--set", "group=C6", "--set", "d=5"], "does not match"),
    (["run", "pt-stab-eps", "--set", "order=1e8"], "must lie in [2, 3600]"),
    (["run", "pt-stab-eps", "--set", "order=1"], "must lie in [2, 3600]"),
    # options
    (["all", "--alpha", "2"], "--alpha"),
    (["all", "--alpha", "nan"], "--alpha"),
    (["all", "--alpha", "1e-320"], "--alpha"),
    (["all", "--alpha", "x"], "invalid float"),
    (EZ + ["--seed", "-1"], "--seed"),
    (EZ + ["--seed", "1.5"], "invalid int"),
    (EZ + ["--workers", "0"], "--workers"),
    (EZ + ["--workers", "100000"], "--workers"),
    (EZ + ["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "not allowed with"),
    (EZ + ["--scheduler", ""], "--scheduler is empty"),
    (EZ + ["--scheduler", "garbage"], "not a scheduler address"),
    (EZ + ["--scheduler", "tcp://host:port"], "not a scheduler address"),
    (EZ + ["--json", ""], "--json is empty"),
    (EZ + ["--json", "/no/such/dir/out.json"], "does not exist"),
    (EZ + ["--cache", ""], "--cache is empty"),
    (EZ + ["--cache", "x", "--no-cache"], "not allowed with"),
]


@pytest.fixture(autouse=True)
def no_work(monkeypatch, tmp_path):
    """Any case that reaches the workers fails: bad input must be refused before any work."""
    from verify.engine import runner

    def refuse(*a, **k):
        raise AssertionError("work started for bad input")

    monkeypatch.setattr(runner, "execute", refuse)
    monkeypatch.setenv("EQUIBOUNDS_CACHE", str(tmp_path / "cache"))


def _one_line(capsys):
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("argv,needle", CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_is_one_line_and_exit_2(argv, needle, capsys):
    assert main(argv) == 2
    err = _one_line(capsys)
    assert err.startswith("error: ") and needle in err, err


def test_paths_and_environment(tmp_path, monkeypatch, capsys):
    afile = tmp_path / "file"
    afile.write_text("")
    cases = [(EZ + ["--json", str(tmp_path)], "is a directory"),
             (EZ + ["--cache", str(afile)], "not a usable directory"),
             (EZ + ["--cache", str(afile / "sub")], "not a usable directory")]
    for argv, needle in cases:
        assert main(argv) == 2
        assert needle in _one_line(capsys)
    monkeypatch.setenv("EQUIBOUNDS_CACHE", "")
    assert main(EZ) == 2
    assert "$EQUIBOUNDS_CACHE is empty" in _one_line(capsys)
    assert len(CASES) + len(cases) + 1 >= 40


def test_integers_are_parsed_exactly():
    from verify.engine.experiment import get

    p = get("ez-gap").param("n")
    assert p.parse("9007199254740993") == 9007199254740993
    assert p.parse("1e3") == 1000 and p.parse(" 40 ") == 40


def test_a_broken_pipe_is_quiet():
    import subprocess
    import sys

    proc = subprocess.run(f"{sys.executable} -m verify list | head -1", shell=True,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.stdout.count("\n") == 1 and proc.stderr == ""


@pytest.mark.parametrize("kw,why", [
    (dict(predicted=1.0, measured=float("nan"), se=0.1), "measured = nan"),
    (dict(predicted=float("inf"), measured=1.0, se=0.1), "predicted = inf"),
    (dict(predicted=1.0, measured=1.0, se=float("inf")), "se = inf"),
    (dict(predicted=0.0, measured=0.0, se=0.0), "zero-width"),
    (dict(predicted=1.0, measured=1e308, se=1e308), "ci_low = -inf"),
    (dict(predicted=1.0, measured=float("nan"), tol=1e-10), "measured = nan"),
])
def test_non_finite_numbers_make_a_check_invalid_not_pass_or_fail(kw, why):
    from verify.engine.stats import Check, finalize

    for kind in ("sharp", "bound"):
        c = Check("x", kind, relation="<=", **kw)
        finalize([c])
        assert c.verdict == "invalid" and why in c.note, (kind, c)


def test_json_is_strict(tmp_path):
    import json

    from verify.cli import _write_json
    from verify.engine.experiment import Result
    from verify.engine.stats import Check, finalize

    c = Check("x", "sharp", float("nan"), float("inf"), se=0.1)
    finalize([c])
    res = Result("s", "sharp", "F", {"a": float("-inf")}, 0, [c], 0.1, {})
    assert res.verdict == "invalid"
    out = tmp_path / "o.json"
    _write_json(str(out), [res])

    def refuse(name):
        raise ValueError(name)

    (d,) = json.loads(out.read_text(), parse_constant=refuse)
    assert d["predicted"] is None and d["measured"] is None and d["params"]["a"] is None
