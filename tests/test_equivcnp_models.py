"""equivcnp-model, -grid, -shift-exact pass at quick and full size; absolute-coordinate
channels and an off-by-one roll fail the same checks; the half-cell rate is second order;
the hand-written backprop of the CNP and the ConvCNP matches central differences."""

import functools

import numpy as np
import pytest

import verify.experiments.equivcnp_exact as ex
import verify.experiments.equivcnp_models as em
from verify.engine.experiment import UsageError, get
from verify.engine.runner import run
from verify.models import neural_processes as npm
from verify.models.gp import batch_tasks, sample_tasks


def _failed(res):
    return [c.name for c in res.checks if c.verdict == "fail"]


@pytest.mark.parametrize("slug", ["equivcnp-model", "equivcnp-grid", "equivcnp-shift-exact"])
@pytest.mark.parametrize("quick", [True, False])
def test_passes(slug, quick):
    res = run(get(slug), quick=quick, seed=0)
    assert res.verdict == "pass", _failed(res)


def test_shift_exact_at_other_shifts():
    res = run(get("equivcnp-shift-exact"), quick=True, overrides={"shifts": "3,7"}, seed=1)
    assert res.verdict == "pass", _failed(res)
    with pytest.raises(UsageError):
        run(get("equivcnp-shift-exact"), quick=True, overrides={"shifts": "2,-1"})


@pytest.mark.parametrize("slug,planner", [("equivcnp-model", em.plan_model),
                                          ("equivcnp-shift-exact", em.plan_shift_exact)])
def test_absolute_coordinate_channel_fails_the_sharp_check(slug, planner):
    planted = get(slug).replace(planner=functools.partial(planner, absolute_as_sharp=True))
    bad = _failed(run(planted, quick=True, seed=0))
    assert bad and all("absolute" in b for b in bad), bad
    assert len(bad) == (3 if slug == "equivcnp-model" else 1)


def test_grid_off_by_one_roll_fails_and_rate_is_second_order():
    res = run(get("equivcnp-grid"), quick=True, seed=0)
    ratios = [c.measured for c in res.checks if c.kind == "trend"]
    assert len(ratios) == 2 and all(r >= 2.5 for r in ratios), ratios  # soft assert (seeded)
    planted = get("equivcnp-grid").replace(planner=functools.partial(em.plan_grid,
                                                                     roll_offset=1))
    bad = _failed(run(planted, quick=True, seed=0))
    assert len(bad) == 3 and all("grid features" in b for b in bad), bad


def _numeric_grad_check(model, p, b, rng, per_key=4, eps=1e-6):
    _, g = npm.loss_and_grad(model, p, b)
    worst = 0.0
    for k, v in p.items():
        if k in ("h", "absolute"):
            continue
        for idx in rng.choice(v.size, min(per_key, v.size), replace=False):
            q = {kk: vv.copy() for kk, vv in p.items()}
            q[k].reshape(-1)[idx] += eps
            up = npm.loss_and_grad(model, q, b)[0]
            q[k].reshape(-1)[idx] -= 2 * eps
            dn = npm.loss_and_grad(model, q, b)[0]
            num, ana = (up - dn) / (2 * eps), g[k].reshape(-1)[idx]
            worst = max(worst, abs(num - ana) / max(1e-6, abs(num) + abs(ana)))
    return worst


def test_gradient_check_cnp_and_convcnp():
    rng = np.random.default_rng(0)
    b = batch_tasks(sample_tasks(rng, "rbf", 3, n_context=(3, 6), n_extra=(2, 5)))
    assert _numeric_grad_check("cnp", npm.init_cnp(rng, 8), b, rng) < 1e-6
    p = npm.init_convcnp(rng, channels=4, layers=3, kernel=5, h=0.25)
    for k in p:  # biases away from 0 keep finite differences off the ReLU kinks
        if k.startswith("b"):
            p[k] = 0.3 * rng.normal(size=p[k].shape)
    assert _numeric_grad_check("convcnp", p, b, rng) < 1e-6
    # a planted error in the backprop (length-scale gradient sign) is detected
    orig = npm.convcnp_forward

    def wrong(p, b, half_width=5.0, grad=False):
        out = orig(p, b, half_width, grad)
        if grad:
            out[3]["log_ell_e"] = -out[3]["log_ell_e"]
        return out

    npm_forward = npm._forward
    npm._forward = lambda m: wrong if m == "convcnp" else npm_forward(m)
    try:
        assert _numeric_grad_check("convcnp", p, b, rng, per_key=1) > 1e-2
    finally:
        npm._forward = npm_forward


def test_adam_training_lowers_the_loss():
    rng = np.random.default_rng(3)
    _, losses = npm.train("convcnp", npm.init_convcnp(rng, channels=4, layers=3, kernel=5),
                          rng, steps=60, batch=4, lr=3e-3)
    assert np.all(np.isfinite(losses)) and losses[-20:].mean() < losses[:20].mean()


def test_grid_planted_target_offset_fails_the_output_checks():
    planted = get("equivcnp-grid").replace(
        planner=functools.partial(em.plan_grid, target_offset=1))
    bad = _failed(run(planted, quick=True, seed=0))
    assert len(bad) == 3 and all("M(Z + mh)(t + mh)" in b for b in bad), bad


def test_shift_exact_planted_non_stationary_oracle_fails():
    planted = get("equivcnp-shift-exact").replace(
        planner=functools.partial(em.plan_shift_exact, gp_warp=0.1))
    bad = _failed(run(planted, quick=True, seed=0))
    assert len(bad) == 1 and bad[0].startswith("true-kernel GP oracle"), bad


@pytest.mark.parametrize("slug,planner,count", [
    ("equivcnp-encoder", ex.plan_encoder, 2),
    ("equivcnp-model", em.plan_model, 3),
    ("equivcnp-shift-exact", em.plan_shift_exact, 1),
])
def test_negative_control_bound_fails_when_the_control_is_not_broken(slug, planner, count):
    """The controls' 'error >= floor' bounds can fail: with the breaking ingredient removed
    (absolute coordinates dropped; the scaling / weighted kernel replaced by an invariant one)
    every control bound fails and nothing else does."""
    planted = get(slug).replace(planner=functools.partial(planner, control_unbroken=True))
    bad = _failed(run(planted, quick=True, seed=0))
    assert len(bad) == count and all(b.startswith("negative control") for b in bad), bad
