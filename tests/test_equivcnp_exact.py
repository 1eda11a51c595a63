"""equivcnp-encoder, -multiplicity, -lie: pass at quick and full size; the negative controls,
the claim that K = 1 separates, and a sign flip in the SE(2) log fail the same checks."""

import functools

import pytest

import verify.experiments.equivcnp_exact as ex
from verify.engine.experiment import UsageError, get
from verify.engine.runner import run


def _failed(res):
    return [c.name for c in res.checks if c.verdict == "fail"]


@pytest.mark.parametrize("slug", ["equivcnp-encoder", "equivcnp-multiplicity", "equivcnp-lie"])
@pytest.mark.parametrize("quick", [True, False])
def test_passes(slug, quick):
    res = run(get(slug), quick=quick, seed=0)
    assert res.verdict == "pass", _failed(res)
    assert all(c.measured <= 1e-12 for c in res.checks if c.kind == "sharp"
               and c.predicted == 0.0)


def test_encoder_negative_controls_fail_the_sharp_check():
    exp = get("equivcnp-encoder")
    planted = exp.replace(planner=functools.partial(ex.plan_encoder, controls_as_sharp=True))
    res = run(planted, quick=True, seed=0)
    bad = _failed(res)
    assert len(bad) == 2 and all(lab in " ".join(bad) for lab, *_ in ex.CONTROLS), bad
    assert all(res.data[lab]["equiv"] > 1e-2 for lab, *_ in ex.CONTROLS)


def test_multiplicity_values_and_planted_claim():
    res = run(get("equivcnp-multiplicity"), quick=True, seed=0)
    d = res.data["diffs"]
    assert d[0] == 0.0 and d[2] == 0.0 and d[1] == pytest.approx(2 * res.data["psi_max"])
    planted = get("equivcnp-multiplicity").replace(
        planner=functools.partial(ex.plan_multiplicity, claim_k1_separates=True))
    bad = _failed(run(planted, quick=True, seed=0))
    assert bad and all("K = 1" in b or "(1, y)" in b for b in bad), bad


def test_lie_planted_se2_log_sign_flip_fails_only_se2():
    planted = get("equivcnp-lie").replace(
        planner=functools.partial(ex.plan_lie, se2_log_sign=-1.0))
    bad = _failed(run(planted, quick=True, seed=0))
    assert bad and all(b.startswith("SE(2)") for b in bad), bad
    assert any("exp(log u)" in b for b in bad)


def test_bad_sizes_are_usage_errors():
    for slug, bad in (("equivcnp-encoder", {"sets": "1"}), ("equivcnp-lie", {"elements": "x"}),
                      ("equivcnp-multiplicity", {"targets": "0"})):
        with pytest.raises(UsageError):
            run(get(slug), quick=True, overrides=bad)


def test_encoder_broken_pairs_fail_every_permutation_check():
    planted = get("equivcnp-encoder").replace(
        planner=functools.partial(ex.plan_encoder, break_pairs=True))
    bad = _failed(run(planted, quick=True, seed=0))
    assert len(bad) == len(ex.ENCODER_CASES) and all("(L1)" in b for b in bad), bad


@pytest.mark.parametrize("plant,expected", [
    ("channels-1", ["K = 2: max", "K = 2 separates"]),
    ("jitter", ["K = 1: max", "K = 2: max"]),
    ("keep-y0", ["phi(y) = y: max"]),
    ("drop-y0", ["phi(y) = (1, y): max"]),
])
def test_multiplicity_planted_encoders_fail(plant, expected):
    planted = get("equivcnp-multiplicity").replace(
        planner=functools.partial(ex.plan_multiplicity, plant=plant))
    bad = _failed(run(planted, quick=True, seed=0))
    assert len(bad) == len(expected) and all(any(e in b for b in bad) for e in expected), bad


@pytest.mark.parametrize("plant", ["compose", "log"])
def test_lie_planted_law_or_log_fails_every_group(plant):
    planted = get("equivcnp-lie").replace(planner=functools.partial(ex.plan_lie, plant=plant))
    bad = _failed(run(planted, quick=True, seed=0))
    if plant == "log":
        want = [f"{g}: {w}" for g in ("T(2)", "SO(2)", "SE(2)", "RxSO(2)")
                for w in ("exp(log u) = u", "log(exp a) = a")]
    else:
        want = [f"{g}: {w}" for g in ("T(2)", "SO(2)", "SE(2)", "RxSO(2)")
                for w in ("(uv)w = u(vw)", "u u^-1 = u^-1 u = e", "(uv).x = u.(v.x)",
                          "log(u^-1 v) left invariant")]
    assert sorted(bad) == sorted(want), bad
