"""pt-stab-eps: the epsilon-stabilizer contains e, is symmetric and satisfies
Stab_eps Stab_eps' in Stab_(eps+eps'), in L^inf and L^2 of the invariant grid measure; planted
errors (the false closure into Stab_max(eps, eps'), a non-invariant measure, a mis-indexed
action); bad parameters.  Every check is deterministic (absolute tolerance 1e-12)."""

import functools

import numpy as np
import pytest
import sympy as sp

import verify.experiments.pt_stab_eps as ps
from verify.engine.experiment import UsageError, get
from verify.engine.runner import run

SLUG = "pt-stab-eps"


def _failed(res):
    return [c.name for c in res.checks if c.verdict == "fail"]


@pytest.fixture(scope="module", params=[True, False], ids=["quick", "full"])
def result(request):
    return run(get(SLUG), quick=request.param, seed=0)


def test_runs_pass(result):
    assert result.verdict == "pass", _failed(result)
    assert result.params["radii"] in (10, 50) and result.data["order"] == 360
    # 1 action check + per norm: e_e, inverse identity, all pairs, 5 inverse + 25 closure
    asserted = [c for c in result.checks if c.asserted]
    assert len(asserted) == 1 + 2 * (3 + 5 + 25)


def test_stabilizer_sizes_follow_the_sine_law(result):
    """f's perturbation is a second harmonic, so e_k is proportional to |sin(2 pi k/360)| (in
    L^2 exactly, in L^inf up to the grid's odd-k factor cos 1 deg, which moves no threshold
    here): lambda_G(Stab_eps) = #{k: |sin| <= eps/e_sup}/360; Stab_0 = {e, g_180}."""
    k = np.arange(360)
    s = np.abs(np.sin(2 * np.pi * k / 360))
    s[[0, 180]] = 0.0
    expected = [np.mean(s <= q) for q in result.data["eps_rel"]]
    for norm in ps.NORMS:
        nd = result.data["norms"][norm]
        assert nd["lambda"] == pytest.approx(expected, abs=1e-15)
        assert nd["lambda"][0] == pytest.approx(2 / 360)
        e = np.asarray(nd["errors"])
        assert e[0] == 0.0 and e[180] == 0.0 and np.argmax(e) in (90, 270)
    assert result.data["norms"]["Linf"]["e_sup"] > result.data["norms"]["L2"]["e_sup"]


# -- planted errors --------------------------------------------------------------------------
@pytest.mark.parametrize("is_quick", [True, False])
def test_planted_closure_into_max_has_violating_pairs(is_quick):
    """Theory's planted error: Stab_eps Stab_eps' in Stab_max(eps, eps') is false (except where
    the stabilizer is a subgroup: Stab_0 = {e, g_180} here)."""
    exp = get(SLUG)
    s = exp.statement
    planted = s.replace(expr=sp.Max(s.symbol("e_g"), s.symbol("e_h")))
    res = run(exp.replace(statement=planted), quick=is_quick, seed=0)
    assert res.verdict == "fail"
    bad = _failed(res)
    for norm in ps.NORMS:
        viol = res.data["norms"][norm]["violations"]
        assert all(viol[k] > 0 for k in viol if "0," not in k and not k.endswith(",0")), viol
        assert all(viol[k] == 0 for k in viol if k.startswith("0,") or k.endswith(",0"))
        assert any(n.startswith(f"[{norm}] Stab_eps Stab_eps' in") for n in bad)
        assert any(n.startswith(f"[{norm}] e_(gh) <= e_g + e_h") for n in bad)
    # nothing else is affected
    assert not any("e_(g^-1)" in n or "rolls" in n or "e_e = 0" in n for n in bad)


@pytest.mark.parametrize("is_quick", [True, False])
def test_planted_non_invariant_measure_breaks_symmetry(is_quick):
    """A measure supported on the sector 0 <= theta < 30 deg (not invariant): e_(g^-1) != e_g
    in both norms."""
    theta = 2 * np.pi * np.arange(360) / 360
    sector = (theta < np.pi / 6).astype(float)
    exp = get(SLUG).replace(planner=functools.partial(ps.make_plan, angular_weight=sector))
    res = run(exp, quick=is_quick, seed=0)
    bad = _failed(res)
    for norm in ps.NORMS:
        assert f"[{norm}] e_(g^-1) = e_g: max_k |e_(-k) - e_k|" in bad, bad
        assert any(n.startswith(f"[{norm}] Stab^-1 in Stab") for n in bad)


def test_planted_mis_indexed_action_fails():
    """Rolling by k + 1 for g_k: the action check and e_e = 0 fail."""
    exp = get(SLUG).replace(planner=functools.partial(ps.make_plan, shift=1))
    res = run(exp, quick=True, seed=0)
    bad = _failed(res)
    assert any(n.startswith("rolls = the action") for n in bad)
    assert all(f"[{norm}] e in Stab_eps: e_e = 0" in bad for norm in ps.NORMS)


def test_planted_inverse_statement_fails():
    """The inverse statement replaced by e_(g^-1) = 2 e_g (a wrong constant)."""
    st = ps.STATEMENTS["inverse"]
    wrong = st.replace(expr=2 * st.symbol("e_g"))
    exp = get(SLUG).replace(planner=functools.partial(ps.make_plan,
                                                      statements={"inverse": wrong}))
    res = run(exp, quick=True, seed=0)
    assert all(f"[{norm}] e_(g^-1) = e_g: max_k |e_(-k) - e_k|" in _failed(res)
               for norm in ps.NORMS)


# -- helpers and parameters ------------------------------------------------------------------
def test_grid_values_and_bump():
    assert ps.bump(np.array([ps.R0]))[0] == 1.0
    assert ps.bump(np.array([ps.R0 - ps.WIDTH, ps.R0 + ps.WIDTH, 0.0]))[:2].tolist() == [0, 0]
    F = ps.f_grid(12, 4, 0.3)
    np.testing.assert_array_equal(F[:, :6], F[:, 6:])  # period pi, exactly
    r = (np.arange(4) + 0.5) / 4
    th = 2 * np.pi * np.arange(12) / 12
    cart = ps.f_cartesian(r[:, None] * np.cos(th), r[:, None] * np.sin(th), 0.3)
    np.testing.assert_allclose(cart, F, atol=1e-14)


@pytest.mark.parametrize("overrides", [{"order": "12", "radii": "5", "eps_rel": "0.5"},
                                       {"order": "7", "alpha": "1.5"},
                                       {"alpha": "0", "radii": "3"}])
def test_settable_parameters(overrides):
    res = run(get(SLUG), quick=True, overrides=overrides, seed=0)
    assert res.verdict == "pass", _failed(res)
    assert res.data["order"] == int(overrides.get("order", 360))


@pytest.mark.parametrize("bad", [{"order": "1"}, {"alpha": "-1"}, {"radii": "0"},
                                 {"eps_rel": "x"}, {"eps_rel": "-0.5"}, {"eps_rel": ""},
                                 {"nonsense": "2"}])
def test_bad_parameters_raise_usage_errors(bad):
    with pytest.raises(UsageError) as info:
        run(get(SLUG), quick=True, overrides=bad)
    assert "\n" not in str(info.value)
