"""ez-overparam: min-norm least squares with n < d - 1.  The catalogue values, a held-out
setting, the reported heavy-tailed n, bad settings, and the planted errors of
the theory catalogue ((d - n) for (d - n - 1); drop (d + 2)) at full size, where each
planted value sits >= 4 CI half-widths from the truth (family-wise alpha = 0.01 per run, fixed
seeds)."""

import functools

import numpy as np
import pytest
import sympy as sp

import verify.experiments.ez_overparam as ezo
from bounds.generalization import SYMBOLS
from verify.engine.experiment import UsageError, get
from verify.engine.runner import run

n, d, s, theta2, sigma, sigma_x = (SYMBOLS[x] for x in
                                   ("n", "d", "s", "theta2", "sigma", "sigma_x"))
SIGNAL = sigma_x**2 * n * (d - n) * (d - s) / (d * (d - 1) * (d + 2)) * theta2
NOISE = sigma**2 * n * (d - s) / (d * (d - n - 1))
PLANTS = {
    # 0.3720 at n = 5 instead of 0.39931
    "d-n for d-n-1": SIGNAL + sigma**2 * n * (d - s) / (d * (d - n)),
    "drop d+2": sigma_x**2 * n * (d - n) * (d - s) / (d * (d - 1)) * theta2 + NOISE,
}


def _gap(res, nn):
    return next(c for c in res.checks if c.name.endswith(f"n={nn}: gap"))


@functools.cache
def _full(seed):
    return run(get("ez-overparam"), overrides={"n": "3,4"}, seed=seed)


def test_quick_passes_with_the_catalogue_value():
    res = run(get("ez-overparam"), quick=True, seed=0)
    assert res.verdict == "pass"
    assert _gap(res, 3).predicted == pytest.approx(0.24665, abs=5e-6)


def test_full_default_asserts_3_and_4_and_reports_8():
    res = run(get("ez-overparam"), seed=0)
    assert res.verdict == "pass"
    assert [round(_gap(res, k).predicted, 5) for k in (3, 8)] == [0.24665, 0.80159]
    assert _gap(res, 3).asserted and _gap(res, 4).asserted
    g8 = _gap(res, 8)
    assert not g8.asserted and g8.verdict == "reported"
    sig8 = next(c for c in res.checks if c.name.endswith("n=8: signal term"))
    assert sig8.asserted and sig8.verdict == "pass"  # bounded per trial: always asserted


def test_held_out_setting_matches_the_closed_form():
    # D6 on 6 points x 2 channels: d = 12, Fix = constant per channel, s = 2
    ov = {"group": "D6", "channels": "2", "n": "4", "sigma": "0.8", "sigma_x": "1.5",
          "theta": "0.7"}
    res = run(get("ez-overparam"), quick=True, overrides=ov, seed=5)
    assert res.verdict == "pass" and res.params["s"] == 2
    expected = (2.25 * 4 * 8 * 10 / (12 * 11 * 14) * 0.49 + 0.64 * 4 * 10 / (12 * 7))
    assert _gap(res, 4).predicted == pytest.approx(expected, rel=1e-12)


def test_batch_terms_add_up_and_noiseless_gap_is_the_signal():
    rng = np.random.default_rng(0)
    Q = np.ones((12, 1)) / np.sqrt(12)
    out = ezo.overparam_batch(rng, 50, 5, 12, Q, Q[:, 0], 0.0, 1.0)
    assert np.allclose(out[:, 0], out[:, 1]) and np.all(out[:, 2] == 0)


@pytest.mark.parametrize("plant", sorted(PLANTS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_errors_fail_at_full_size(plant, seed):
    exp = get("ez-overparam")
    bad_exp = exp.replace(statement=exp.statement.replace(expr=PLANTS[plant]))
    true, bad = _full(seed), run(bad_exp, overrides={"n": "3,4"}, seed=seed)
    t5, b5 = _gap(true, 4), _gap(bad, 4)
    assert abs(b5.predicted - t5.predicted) >= 4 * (t5.ci_high - t5.ci_low) / 2
    assert true.verdict == "pass" and b5.verdict == "fail" and bad.verdict == "fail"


def test_planted_value_of_the_theory():
    e = PLANTS["d-n for d-n-1"].subs({n: 5, d: 12, s: 1, theta2: 1, sigma: sp.Rational(1, 2),
                                     sigma_x: 1})
    assert float(e) == pytest.approx(0.3720, abs=5e-5)


@pytest.mark.parametrize("bad, match", [
    ({"n": "11"}, "infinite"), ({"n": "12"}, "infinite"), ({"n": "14"}, "ez-gap"),
    ({"n": "3,x"}, "comma-separated"), ({"n": "0"}, "positive"), ({"sigma": "0"}, "positive"),
    ({"group": "C12", "d": "10"}, "does not match"),
])
def test_bad_settings(bad, match):
    with pytest.raises(UsageError, match=match):
        run(get("ez-overparam"), quick=True, overrides=bad)
