"""Every experiment in quick mode, held-out settings, and planted errors that must be detected.

False-failure rate: each run's verdicts are Bonferroni-corrected at family-wise α = 0.01, so a
passing statistical test here fails by chance with probability ≤ 0.01 per run; seeds are fixed,
so the suite is deterministic.
"""

import numpy as np
import pytest
import sympy as sp

from verify.engine.experiment import REGISTRY, UsageError, get
from verify.engine.runner import run, run_many
from verify.engine.stats import finalize
from verify.experiments.pt_reynolds import random_features, reynolds_checks
from verify.symmetry.groups import dihedral
from verify.symmetry.projection import orbit_augment, reynolds_function


@pytest.fixture(scope="module")
def registry():
    get("ez-gap")  # imports and registers every experiment
    return REGISTRY


def test_every_experiment_passes_in_quick_mode(registry, quick_runs):
    assert set(quick_runs) >= set(registry)
    for slug, res in quick_runs.items():
        assert res.verdict in ("pass", "reported"), (slug, [c for c in res.checks
                                                           if c.verdict == "fail"])




@pytest.mark.parametrize("overrides,expected", [
    # C7 acting on R^7, invariant output R^2: dim E = 2, gap = 0.49 * (14 - 2) / (30 - 8)
    ({"group": "C7", "output": "invariant", "k": "2", "n": "30"}, 0.49 * 12 / 22),
    # D6 on the hexagon's vertices, equivariant: dim E = 4 (vertex-pair orbits at distance 0..3)
    ({"group": "D6", "output": "equivariant", "n": "40"}, 0.49 * 32 / 33),
    # S5, equivariant, 2 channels: d = 10, dim E = 2 * 2 * 2 = 8
    ({"group": "S5", "channels": "2", "output": "equivariant", "n": "40", "sigma": "0.5"},
     0.25 * (100 - 8) / 29),
])
def test_ez_gap_held_out_settings(overrides, expected):
    res = run(get("ez-gap"), quick=True, overrides=overrides, seed=3)
    assert res.checks[0].predicted == pytest.approx(expected, rel=1e-12)
    assert res.verdict == "pass"


def test_ez_gap_raw_data_path_agrees():
    res = run(get("ez-gap"), quick=True, overrides={"method": "raw"}, seed=1)
    assert res.verdict == "pass"


def test_ez_gap_small_n_is_reported_not_asserted():
    res = run(get("ez-gap"), quick=True, overrides={"n": "13"}, seed=0)  # d + 1 < n < d + 8
    assert res.checks[0].verdict == "reported" and not res.checks[0].asserted


def _planted(expr_fn):
    exp = get("ez-gap")
    s = exp.statement
    n, d, k, dimE, sigma = (s.symbol(x) for x in ("n", "d", "k", "dimE", "sigma"))
    return exp.replace(statement=s.replace(expr=expr_fn(n, d, k, dimE, sigma)))


PLANTS = {
    # the theory catalogue n - d for n - d - 1 gives 0.1750 for C6 (> 6 half-widths at full
    # size, ~2 at quick size, so full size is used); dim E + 1; a 5 % scale.
    "n-d": lambda n, d, k, dimE, sigma: sigma**2 * (d * k - dimE) / (n - d),
    "dimE+1": lambda n, d, k, dimE, sigma: sigma**2 * (d * k - dimE - 1) / (n - d - 1),
    "5% scale": lambda n, d, k, dimE, sigma: sp.Rational(105, 100) * sigma**2 * (d * k - dimE)
    / (n - d - 1),
}


@pytest.mark.parametrize("plant", sorted(PLANTS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ez_gap_planted_error_is_detected_at_full_size(plant, seed):
    true = run(get("ez-gap"), quick=False, seed=seed)
    planted = run(_planted(PLANTS[plant]), quick=False, seed=seed)
    assert true.verdict == "pass"
    assert planted.verdict == "fail"
    # some check sees the plant at >= 4 CI half-widths from the truth, and fails
    seen = [(p.name, abs(p.predicted - t.predicted) / ((t.ci_high - t.ci_low) / 2))
            for t, p in zip(true.checks, planted.checks)]
    far = [name for name, dist in seen if dist >= 4]
    assert far, seen
    assert all(p.verdict == "fail" for p in planted.checks if p.name in far)


def test_results_do_not_depend_on_workers():
    exp = get("ez-gap")
    items = [(exp, exp.resolve(True, {"trials": "3000", "batch": "1000"}))]
    one = run_many(items, seed=5, workers=1)[0]
    two = run_many(items, seed=5, workers=2)[0]
    assert one.checks[0].measured == two.checks[0].measured


def test_bad_settings_raise_usage_errors():
    exp = get("ez-gap")
    for bad in ({"n": "7"}, {"group": "Q8"}, {"d": "5"}, {"output": "sideways"}, {"n": "x"},
                {"output": "equivariant", "k": "2"}, {"nonsense": "1"}):
        with pytest.raises(UsageError):
            run(exp, quick=True, overrides=bad)


# -- pt-reynolds planted errors --------------------------------------------------------------
def _d4_case():
    G = dihedral(4)
    rep = G.rep("rot")
    rng = np.random.default_rng(0)
    X = orbit_augment(rng.normal(size=(200, 2)), rep)
    return G, rep, X, random_features(2, 2, 16, rng), random_features(2, 2, 16, rng)


def _failures(checks):
    finalize(checks)
    return [c.name for c in checks if c.verdict == "fail"]


def test_pt_reynolds_identities_hold_for_the_true_projection():
    _, rep, X, f, h = _d4_case()
    assert _failures(reynolds_checks(f, h, X, rep, rep)) == []


def test_pt_reynolds_detects_average_over_group_minus_one_element():
    G, rep, X, f, h = _d4_case()
    wrong = lambda fn: reynolds_function(fn, rep, rep, elements=np.arange(1, G.order))
    assert _failures(reynolds_checks(f, h, X, rep, rep, phi_op=wrong))


def test_pt_reynolds_detects_rho_y_instead_of_its_inverse_on_nonabelian_d4():
    _, rep, X, f, h = _d4_case()
    A = rep.matrices

    def wrong(fn):  # (1/|G|) sum_g rho_Y(g) f(rho_X(g) x) instead of rho_Y(g)^{-1}
        return lambda Y: sum(fn(Y @ a.T) @ a.T for a in A) / len(A)

    assert _failures(reynolds_checks(f, h, X, rep, rep, phi_op=wrong))
