"""Bad values of the older experiments' parameters (ez-*, pt-*, wang-*, bk-*), found by
fuzzing every parameter with 0, -1, 1, 2, 1e9, 1e12, 1e-300, 1e300, nan, inf, '' and junk:
each crashed (a traceback), hung, showed nan/inf or gave a verdict outside the theorem's
setting.  Now each is one line naming the allowed range and why, exit 2, before any work."""

import importlib

import pytest

from verify.cli import main

CASES = [
    # bk exact: sizes that did not fit in memory, and settings whose controls cannot hold
    ("bk-symmetrise", "image=1e9", "lie in [2, 16]"),
    ("bk-symmetrise", "hidden=1", "almost flip-equivariant"),
    ("bk-symmetrise", "points=1e9", "lie in [2, 10000]"),
    ("bk-two-layer", "pairs=1e9", "lie in [1, 128]"),
    ("bk-counterexample", "extra=0", "lie in [2, 256]"),
    ("bk-relu-commute", "n=1e9", "lie in [2, 256]"),
    ("bk-deep-recovery", "widths=4096", "width <= 256"),
    ("bk-perm-rep", "points=1e12", "lie in [2, 10000]"),
    ("bk-signed-random", "tanh=1e9", "lie in [0, 2000]"),
    # bk training: runs that would take hours, and steps too large for central differences
    ("bk-gradcheck", "step=1", "truncation error"),
    ("bk-cnn-flip", "epochs=1e9", "lie in [0, 100]"),
    ("bk-flip-match", "cnn_epochs=1e12", "lie in [0, 100]"),
    ("bk-merge-mlp", "seeds=1e9", "lie in [2, 100]"),
    ("bk-merge-mlp", "batch=1", "SGD steps"),
    ("bk-merge-mlp", "sizes=2x2000", "width <= 1024"),
    ("bk-merge-mlp", "lr=1", "a_l = 0/0"),
    ("bk-merge-cnn", "channels=1,2,3,4,5", "at most 4 conv layers"),
    # Elesedy-Zaidi
    ("ez-gap", "group=C1", "the gap is 0 exactly"),
    ("ez-overparam", "sigma=1e300", "sigma must be positive, in [1e-50, 1e+50]"),
    ("ez-overparam", "sigma_x=1e-300", "sigma_x must be positive"),
    ("ez-overparam", "theta=0", "theta must be positive"),
    ("ez-overparam", "trials=1e12", "lie in [100, 1e+08]"),
    # Petrache-Trivedi
    ("pt-approx-budget", "sigma_x=1e9", "lie in [1e-06, 1000]"),
    ("pt-approx-budget", "grid=1e9", "lie in [3, 2001]"),
    ("pt-approx-budget", "eps_max=1e300", "lie in [0, 100]"),
    ("pt-approx-sup", "eps_count=1e9", "lie in [3, 100]"),
    ("pt-approx-lp", "group=C1", "trivial group"),
    ("pt-constrained-erm", "eta=1e9", "eta^2 / v_w"),
    ("pt-constrained-erm", "ratio=1e9", "eta^2 / v_w"),
    ("pt-constrained-erm", "eta=1e300", "eta^2 / v_w = inf"),
    ("pt-constrained-erm", "sigma_x=1e-300", "lie in [1e-50, 1e+50]"),
    ("pt-constrained-erm", "trials=1e9", "lie in [100, 1e+08]"),
    ("pt-constrained-erm", "grid=1e9", "at most 1001"),
    ("pt-optimal-eps", "eta=1e9", "eta^2 / v = "),
    ("pt-lip-w1", "trials=1e9", "lie in [10, 100000]"),
    ("pt-sample-gain", "trials=1e9", "lie in [2, 10000]"),
    ("pt-cover-bound", "deltas=1e9", "lie in [2, 1000]"),
    ("pt-cover-lift", "points=1e9", "lie in [1, 200000]"),
    ("pt-cover-dim", "points=1e12", "lie in [10, 200000]"),
    ("pt-relaxed-rf", "n=1e9", "at most 100000"),
    ("pt-relaxed-rf", "test=1e9", "lie in [100, 100000]"),
    ("pt-relaxed-rf", "sigma=1e300", "1e300 gave nan"),
    ("pt-reynolds", "group=C1", "trivial group"),
    ("pt-reynolds", "features=1e9", "lie in [1, 1024]"),
    ("pt-stab-eps", "alpha=1e300", "lie in [0, 10]"),
    # Wang et al.
    ("wang-reg-lb", "n=2", "population"),
    ("wang-reg-lb", "test=1e9", "lie in [1000, 2e+06]"),
    ("wang-cls-lb", "points=2", "proportion over test orbits"),
]


@pytest.fixture
def no_work(monkeypatch, tmp_path):
    """Bad input must be refused before any work: reaching the workers fails the test."""
    runner = importlib.import_module("verify.engine.runner")

    def refuse(*a, **k):
        raise AssertionError("work started for bad input")

    monkeypatch.setattr(runner, "execute", refuse)
    monkeypatch.setenv("EQUIBOUNDS_CACHE", str(tmp_path / "cache"))


@pytest.mark.usefixtures("no_work")
@pytest.mark.parametrize("slug,setting,needle", CASES, ids=[f"{s} {v}" for s, v, _ in CASES])
def test_bad_value_is_one_line_and_exit_2(slug, setting, needle, capsys):
    assert main(["run", slug, "--quick", "--set", setting]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith("error: ") and needle in err, err


def test_bounds_without_a_ratio_show_no_nan(capsys, tmp_path, monkeypatch):
    """alpha = 0 makes f invariant: every e_g and every bound is 0, so no slack ratio exists;
    the summary row said 'min slack = nan'."""
    monkeypatch.setenv("EQUIBOUNDS_CACHE", str(tmp_path / "cache"))
    assert main(["run", "pt-stab-eps", "--quick", "--workers", "1", "--set", "alpha=0"]) == 0
    out = capsys.readouterr().out
    assert "no slack ratio" in out and "nan" not in out.lower(), out
