"""wang-reg-lb and wang-cls-lb: defaults, held-out settings, bad settings, and the planted
errors of the theory catalogue (orbit mean over C2 instead of C4 in the bound; per-point
instead of per-orbit majority), each at a size where the planted value sits >= 4 CI
half-widths from the truth (family-wise alpha = 0.01 per run, fixed seeds)."""

import functools
import math

import numpy as np
import pytest
import sympy as sp

import verify.experiments.wang as W
from bounds import wang as bw
from verify.engine.experiment import UsageError, get
from verify.engine.runner import run

ETA2 = sp.Rational(2090857, 500000)  # default target (poly_seed=1), C4, exact


def _check(res, prefix):
    return next(c for c in res.checks if c.name.startswith(prefix))


# -- regression ----------------------------------------------------------------------------------
@functools.cache
def _reg(quick, seed):
    return run(get("wang-reg-lb"), quick=quick, seed=seed)


def test_reg_quick_and_full_pass_with_the_exact_prediction():
    for quick in (True, False):
        res = _reg(quick, 0)
        assert res.verdict == "pass", [c for c in res.checks if c.verdict == "fail"]
        assert res.data["eta2_exact"] == str(ETA2)
        assert _check(res, "test error").predicted == pytest.approx(float(ETA2), rel=1e-14)
        assert res.data["features"] == 5  # 1, r^2, x1^4+x2^4, x1^2 x2^2, x1^3 x2 - x1 x2^3
        # the fitted invariant model sits above the bound by a small estimation excess
        assert 0 < res.data["excess"] < 0.01 * float(ETA2)
        assert _check(res, "unconstrained LS").measured < 1e-12


def test_reg_held_out_setting_scales_with_lambda_squared():
    ov = {"group": "D4", "lam": "0.5", "poly_seed": "3"}
    res = run(get("wang-reg-lb"), quick=True, overrides=ov, seed=2)
    assert res.verdict == "pass"
    x = W.XS
    f0 = W.hermite_target(4, 3)
    exact = bw.reynolds_distance2(f0, x, bw.plane_group("D4")) / 4
    assert _check(res, "test error").predicted == pytest.approx(float(exact), rel=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reg_planted_c2_orbit_mean_fails(seed):
    # the bound computed with the C2 orbit mean (1.62972) while the model is C4-invariant
    exp = get("wang-reg-lb")
    bad_exp = exp.replace(planner=functools.partial(W.make_reg_plan, bound_group="C2"))
    true, bad = _reg(True, seed), run(bad_exp, quick=True, seed=seed)
    t, b = _check(true, "test error"), _check(bad, "test error")
    assert b.predicted == pytest.approx(1.62972, abs=1e-12)
    assert abs(b.predicted - t.predicted) >= 4 * (t.ci_high - t.ci_low) / 2
    assert b.verdict == "fail"
    assert true.verdict == "pass" and bad.verdict == "fail"


def test_moment_gram_gives_exact_risks():
    monos = W.monomial_list(2)
    G = W.moment_gram(monos)
    c = W.coefficients(W.XS[0] ** 2 - W.XS[1] ** 2 + 3 * W.XS[0] * W.XS[1], monos)
    assert c @ G @ c == pytest.approx(3 + 3 - 2 + 9, rel=1e-15)


@pytest.mark.parametrize("bad", [{"lam": "0"}, {"group": "C5"}, {"degree": "5"}])
def test_reg_bad_settings(bad):
    with pytest.raises(UsageError):
        run(get("wang-reg-lb"), quick=True, overrides=bad)


# -- classification ------------------------------------------------------------------------------
def test_cls_quick_and_full_pass_at_one_eighth():
    for quick in (True, False):
        res = run(get("wang-cls-lb"), quick=quick, seed=0)
        assert res.verdict == "pass"
        c = _check(res, "orbit-majority")
        assert c.predicted == pytest.approx(0.125, rel=1e-15)
        lr = _check(res, "invariant logistic regression error")
        assert lr.ci_low > 0.125 and lr.verdict == "reported"  # slack ~1.18 at the default
        gap = _check(res, "invariant logistic regression - orbit majority")
        assert gap.verdict == "reported" and gap.measured >= 0  # an identity, not a check


@pytest.mark.parametrize("ov", [{"group": "C6", "w": "0.7"}, {"group": "C2", "w": "1.0"},
                                {"group": "C4", "w": str(math.pi / 2), "radius": "1.5"}])
def test_cls_held_out_settings(ov):
    res = run(get("wang-cls-lb"), quick=True, overrides=ov, seed=3)
    assert res.verdict == "pass"
    assert _check(res, "orbit-majority").predicted == pytest.approx(float(ov["w"]) / (2 * math.pi),
                                                                     rel=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cls_planted_per_point_majority_fails(seed):
    exp = get("wang-cls-lb")
    bad_exp = exp.replace(planner=functools.partial(W.make_cls_plan, vote="point"))
    true, bad = run(exp, quick=True, seed=seed), run(bad_exp, quick=True, seed=seed)
    t, b = _check(true, "orbit-majority"), _check(bad, "orbit-majority")
    assert b.measured == 0.0
    assert abs(b.measured - t.measured) >= 4 * (t.ci_high - t.ci_low) / 2
    assert true.verdict == "pass" and b.verdict == "fail" and bad.verdict == "fail"


def test_cls_planted_w_over_pi_fails():
    exp = get("wang-cls-lb")
    w = bw.SYMBOLS["w"]
    bad = run(exp.replace(statement=exp.statement.replace(expr=w / sp.pi)), quick=True, seed=0)
    assert _check(bad, "orbit-majority").verdict == "fail"


def test_logistic_fit_recovers_a_known_logit():
    rng = np.random.default_rng(0)
    F = np.column_stack([np.ones(40_000), rng.standard_normal((40_000, 2))])
    coef = np.array([-0.5, 1.5, -1.0])
    y = (rng.random(40_000) < 1 / (1 + np.exp(-F @ coef))).astype(float)
    assert np.allclose(W.logistic_fit(F, y), coef, atol=0.06)


@pytest.mark.parametrize("bad, match", [
    ({"w": "2.0"}, "at most once"), ({"w": "0"}, "positive"), ({"group": "D4"}, "C<M>"),
    ({"group": "C1"}, "C<M>"), ({"radius": "0"}, "positive"),
])
def test_cls_bad_settings(bad, match):
    with pytest.raises(UsageError, match=match):
        run(get("wang-cls-lb"), quick=True, overrides=bad)
