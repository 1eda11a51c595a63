"""pt-optimal-eps: the headline check passes at default and held-out settings, and planted
errors in t* / eps* are detected (run at full size without sweeps, where each planted value
sits >= 4 CI half-widths from the truth; family-wise alpha = 0.01 per run, fixed seeds)."""

import functools
import itertools
import math

import pytest
import sympy as sp

from bounds import approximation as ap
from verify.engine.experiment import UsageError, get
from verify.engine.runner import run
from verify.experiments.pt_optimal_eps import make_plan

n, d, k, dimE, sigma, eta = (ap.SYMBOLS[x] for x in ("n", "d", "k", "dimE", "sigma", "eta"))
V_WRONG = sigma**2 * (d * k - dimE) / (n - d)  # n - d instead of n - d - 1
V = sigma**2 * (d * k - dimE) / (n - d - 1)
PLANTS = {
    "t* with n-d in v": ("t", eta**2 / (eta**2 + V_WRONG)),  # 0.427 at the default (n = 14)
    "t* = eta/(eta+v)": ("t", eta / (eta + V)),
    "eps* = t* eta": ("eps", eta**3 / (eta**2 + V)),  # 0.270 at the default (n = 14)
    "eps* 5% scale": ("eps", sp.Rational(105, 100) * eta**2 / sp.sqrt(eta**2 + V)),
}
NO_SWEEP = {"sweep": "false"}


def _exp_with(which, expr):
    exp = get("pt-optimal-eps")
    if which == "t":
        return exp.replace(statement=exp.statement.replace(expr=expr))
    planted = ap.optimal_eps().replace(expr=expr)
    return exp.replace(planner=functools.partial(make_plan, statements={"eps": planted}))


def _check(res, prefix):
    return next(c for c in res.checks if c.name.startswith(prefix))


def test_default_matches_the_catalogue_predictions():
    # C6, d = 6, n = 14 (the first n with a finite fourth moment), eta^2 = 0.466, v = 5/7
    res = run(get("pt-optimal-eps"), quick=True, seed=0)
    assert res.verdict == "pass"
    assert _check(res, "t*").predicted == pytest.approx(0.466 / (0.466 + 5 / 7), rel=1e-12)
    assert _check(res, "eps*").predicted == pytest.approx(0.428936, abs=5e-6)
    assert _check(res, "E[R(W) - R(Phi W)]").predicted == pytest.approx(5 / 7 - 0.466,
                                                                          rel=1e-12)


@pytest.mark.parametrize("overrides", [
    {"eta": "1.2", "group": "D5", "n": "30"},
    {"eta": "0.3", "group": "S4", "output": "equivariant", "n": "25", "sigma": "0.5"},
    {"eta": "0.8", "group": "C3", "channels": "2", "k": "2", "n": "20"},
])
def test_held_out_settings_pass_and_predict_the_closed_form(overrides):
    res = run(get("pt-optimal-eps"), quick=True, overrides=overrides, seed=4)
    assert res.verdict == "pass"
    p = res.params
    v = float(p["sigma"] if "sigma" in overrides else 1.0) ** 2 * (p["d"] * p["k"] - p["dimE"]) \
        / (p["n"] - p["d"] - 1)
    e2 = float(overrides["eta"]) ** 2
    assert _check(res, "eps*").predicted == pytest.approx(e2 / math.sqrt(e2 + v), rel=1e-12)


@pytest.mark.parametrize("plant", sorted(PLANTS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_errors_fail(plant, seed):
    which, expr = PLANTS[plant]
    true = run(get("pt-optimal-eps"), overrides=NO_SWEEP, seed=seed)
    bad = run(_exp_with(which, expr), overrides=NO_SWEEP, seed=seed)
    prefix = "t*" if which == "t" else "eps*"
    t_true, t_bad = _check(true, prefix), _check(bad, prefix)
    half = (t_true.ci_high - t_true.ci_low) / 2
    assert abs(t_bad.predicted - t_true.predicted) >= 4 * half
    assert true.verdict == "pass" and t_bad.verdict == "fail" and bad.verdict == "fail"


def test_eps_ratio_rises_towards_one_with_n():
    res = run(get("pt-optimal-eps"), overrides={"trials": "20000"}, seed=0)
    pts = sorted((p for p in res.data["points"] if p["role"] in ("main", "n")),
                 key=lambda p: p["n"])
    ratios = [p["eps_check"].measured / p["eta"] for p in pts]
    assert all(a < b for a, b in itertools.pairwise(ratios)) and ratios[-1] < 1
    assert [round(p["eps_pred"] / p["eta"], 3) for p in pts] == [0.564, 0.628, 0.783, 0.945]


@pytest.mark.parametrize("bad", [{"eta": "0"}, {"n": "7"}, {"group": "S3", "output": "equivariant",
                                                            "channels": "1", "k": "5"}])
def test_bad_settings(bad):
    with pytest.raises(UsageError):
        run(get("pt-optimal-eps"), quick=True, overrides=bad)
