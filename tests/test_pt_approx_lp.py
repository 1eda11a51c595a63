"""pt-approx-lp: the LP over F_eps between W1^(X/G) and min(W1^X, W1^(X/G) + 2 eps), exact at
both ends; planted errors; the transport helpers; bad parameters.

Every check is deterministic given the sample (absolute tolerance 1e-8), so the verdicts here
are exact; seeds are fixed.
"""

import functools

import numpy as np
import pytest
import sympy as sp

import verify.experiments.pt_approx_lp as pl
from verify.engine.experiment import UsageError, get
from verify.engine.runner import run
from verify.symmetry.groups import cyclic, dihedral, parse_group, sign_flips

SLUG = "pt-approx-lp"


def _check(res, prefix):
    return next(c for c in res.checks if c.name.startswith(prefix))


def _failed(res):
    return [c.name for c in res.checks if c.verdict == "fail"]


@pytest.fixture(scope="module")
def quick():
    return run(get(SLUG), quick=True, seed=0)


@pytest.fixture(scope="module")
def full():
    return run(get(SLUG), quick=False, seed=0)


def test_quick_run_passes(quick):
    assert quick.verdict == "pass", _failed(quick)
    d = quick.data
    assert d["eps"][:3] == [0.0, 0.1, 1.0] and d["eps"][-1] == d["eps_red"] > 1.0
    assert d["N"] == 2 * 15 * 4 and d["m"] == 2 and d["gens"] == [1]
    assert abs(d["lp"][0] - d["W1Q"]) <= 1e-8 and abs(d["lp"][-1] - d["W1X"]) <= 1e-8
    assert d["W1Q"] < d["W1X"]


def test_full_run_passes_at_the_catalogue_setting(full):
    """C4, n = 40 (320 points), eps in {0, .02, .05, .1, .3, 1} plus eps_red."""
    assert full.verdict == "pass", _failed(full)
    d = full.data
    assert d["N"] == 320 and d["eps"][:6] == [0.0, 0.02, 0.05, 0.1, 0.3, 1.0]
    lp = np.asarray(d["lp"])
    assert np.all(np.diff(lp) >= -1e-8)
    assert np.all(lp <= np.asarray(d["bound"]) + 1e-8) and np.all(lp >= d["W1Q"] - 1e-8)
    # the generator-only LP is larger (fewer constraints) and obeys the 2 m eps bound
    assert np.all(np.asarray(d["lp_gen"]) >= lp - 1e-8)
    assert np.all(np.asarray(d["lp_gen"]) <= np.asarray(d["word_bound"]) + 1e-8)
    # the bound's slope 2 is far from tight (theory: about 0.6)
    slope = _check(full, "initial slope")
    assert slope.verdict == "reported" and 0.3 < slope.measured < 1.0


def test_eps_red_is_where_invariance_constraints_become_redundant(quick):
    """Every orbit pair is within eps_red, and the LP reaches W1^X there, not earlier in
    general (the catalogue's 'large eps' endpoint)."""
    d = quick.data
    assert d["eps_red"] <= 2 * np.sqrt(2) + 1e-12  # |x - g x| <= 2 |x| on [-1, 1]^2
    assert _check(quick, "LP(eps_red").verdict == "pass"


# -- planted errors --------------------------------------------------------------------------
@pytest.mark.parametrize("is_quick", [True, False])
def test_planted_drop_invariance_fails_the_endpoint(is_quick):
    """Theory's planted error: without the invariance constraints LP(0) becomes W1^X."""
    exp = get(SLUG).replace(planner=functools.partial(pl.make_plan, invariance=False))
    overrides = None if is_quick else {"eps": "0", "generator_lp": "false"}
    res = run(exp, quick=is_quick, overrides=overrides, seed=0)
    end = _check(res, "LP(0) = W1^(X/G)")
    assert res.verdict == "fail" and end.verdict == "fail"
    assert abs(end.measured - res.data["W1X"]) <= 1e-8
    assert end.measured - end.predicted > 0.05  # W1^X - W1^(X/G), far beyond 1e-8


def test_planted_bound_without_factor_fails(quick):
    """A bound W1^(X/G) + eps/10 (a wrong constant) is violated by the LP at eps = 0.1."""
    exp = get(SLUG)
    s = exp.statement
    wrong = sp.Min(s.symbol("W1"), s.symbol("W1q") + s.symbol("eps") / 10)
    res = run(exp.replace(statement=s.replace(expr=wrong)), quick=True, seed=0)
    bad = _failed(res)
    assert res.verdict == "fail" and any(n.startswith("LP(0.1) <= min") for n in bad), bad
    assert not any(n.startswith("LP_T") for n in bad)


def test_planted_word_bound_with_m_over_8_fails():
    st = pl.STATEMENTS["word"]
    W1, W1q, m, eps = (st.symbol(x) for x in ("W1", "W1q", "m", "eps"))
    wrong = st.replace(expr=sp.Min(W1, W1q + 2 * m * eps / 8))
    exp = get(SLUG).replace(planner=functools.partial(pl.make_plan,
                                                      statements={"word": wrong}))
    res = run(exp, quick=True, seed=0)
    bad = _failed(res)
    assert res.verdict == "fail" and bad and all(n.startswith("LP_T") for n in bad), bad


# -- helpers ---------------------------------------------------------------------------------
def test_chain_metric_at_zero_is_the_quotient_metric():
    """With zero-weight orbit edges the shortest-path metric is min_g |x - g y| (G isometric)."""
    rng = np.random.default_rng(3)
    mats = cyclic(4).rep("rot").matrices
    base = rng.uniform(-1, 1, (6, 2))
    P = pl.orbit_closure(base, mats)
    D = np.sqrt(((P[:, None] - P[None]) ** 2).sum(-1))
    point = np.arange(P.shape[0]) % 6
    W = np.where(point[:, None] == point[None, :], 0.0, D)
    chain = pl.chain_metric(W)[:6, :6]
    quotient = np.min(np.linalg.norm(base[:, None, None, :]
                                     - np.einsum("gkl,jl->gjk", mats, base)[None], axis=-1),
                      axis=1)
    np.testing.assert_allclose(chain, quotient, atol=1e-15)
    # and without invariance edges it is the Euclidean metric itself (triangle inequality)
    np.testing.assert_allclose(pl.chain_metric(D), D, atol=1e-15)


def test_w1_assignment_closed_form():
    x = np.array([0.0, 1.0, 3.0])
    cost = np.abs(x[:, None] - (x + 0.5)[None, :])
    assert pl.w1_assignment(cost) == pytest.approx(0.5, abs=1e-15)


@pytest.mark.parametrize("group,gens,m", [("C4", [1], 2), ("C6", [1], 3), ("D4", [1, 2], 3),
                                          ("Z2^2", [1, 2], 2), ("C2", [1], 1)])
def test_generators_and_word_length(group, gens, m):
    G = parse_group(group)
    assert pl.generators(G.mul) == gens
    assert pl.cayley_word_length(G.mul, G.inv, gens) == m


def test_plane_rep():
    assert pl.plane_rep(dihedral(3)).shape == (6, 2, 2)
    assert pl.plane_rep(sign_flips(2)).shape == (4, 2, 2)
    with pytest.raises(ValueError):
        pl.plane_rep(sign_flips(3))


# -- parameters ------------------------------------------------------------------------------
@pytest.mark.parametrize("overrides", [{"group": "D3", "n": "8", "eps": "0.05,0.5"},
                                       {"group": "Z2^2", "n": "10", "generator_lp": "false"}])
def test_settable_parameters(overrides):
    res = run(get(SLUG), quick=True, overrides=overrides, seed=2)
    assert res.verdict == "pass", _failed(res)
    assert res.data["group"] == overrides["group"] and res.data["n"] == int(overrides["n"])
    if "eps" in overrides:
        assert res.data["eps"][:3] == [0.0, 0.05, 0.5]


@pytest.mark.parametrize("bad", [{"group": "SO2"}, {"group": "S4"}, {"group": "Q8"},
                                 {"group": "Z2^3"}, {"n": "0"}, {"n": "200"}, {"eps": "-1"},
                                 {"eps": "0,x"}, {"eps": ""}, {"nonsense": "1"}])
def test_bad_parameters_raise_usage_errors(bad):
    with pytest.raises(UsageError) as info:
        run(get(SLUG), quick=True, overrides=bad)
    assert "\n" not in str(info.value)
