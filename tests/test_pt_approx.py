"""pt-approx-budget and pt-approx-sup: quick and full runs, planted errors, bad parameters.

Both experiments are deterministic (solver optima against closed forms, absolute tolerances
1e-6 for the SOCPs and 1e-8 for the LP), so every verdict here is exact, not statistical.
"""

import numpy as np
import pytest
import sympy as sp

import verify.experiments.pt_approx as pa
from verify.engine.experiment import UsageError, get
from verify.engine.runner import run
from verify.symmetry.groups import cyclic, symmetric
from verify.symmetry.projection import function_errors

BUDGET, SUP = "pt-approx-budget", "pt-approx-sup"


@pytest.fixture(scope="module")
def full_budget():
    return run(get(BUDGET), quick=False)


@pytest.fixture(scope="module")
def full_sup():
    return run(get(SUP), quick=False)


@pytest.mark.parametrize("slug", [BUDGET, SUP])
def test_quick_run_passes(slug):
    res = run(get(slug), quick=True)
    assert res.verdict == "pass", [c for c in res.checks if c.verdict == "fail"]


def test_full_budget_passes_with_the_catalogue_numbers(full_budget):
    res = full_budget
    assert res.verdict == "pass", [c for c in res.checks if c.verdict == "fail"]
    a, b = res.data["a"], res.data["b"]
    assert len(a["eps"]) == 10 and a["eps"][-1] == pytest.approx(1.5 * a["eta"])
    # the theory catalogue eta = 0.79995 on the 201-point grid; optima 0.39998, 0.29998,
    # 0.19999, 0, 0 at eps/eta = 0, .25, .5, 1, 1.5
    assert b["eta"] == pytest.approx(0.79995, abs=5e-6)
    assert b["measured"] == pytest.approx([0.39998, 0.29998, 0.19999, 0, 0], abs=1e-5)
    # the minimiser is Phi Theta + min(1, eps/eta) Theta_perp (reported check, ~1e-9)
    assert max(a["minimiser_gap"]) < 1e-6


def test_full_sup_passes_with_exact_kink(full_sup):
    res = full_sup
    assert res.verdict == "pass", [c for c in res.checks if c.verdict == "fail"]
    jk = res.data["kink_index"]
    for c in res.data["cases"]:
        assert len(c["eps"]) == 20
        assert c["eps"][jk] == c["eta_sup"] == c["kink"]  # eta_sup exactly on the grid
        assert c["measured"][jk] < 1e-7 < c["measured"][jk - 1]
        assert c["eta_avg"] < c["eta_sup"] <= 2 * c["eta"] + 1e-12
        # dist^2 = e_avg^2 / 2 (pt-reynolds) in this Gaussian LG setting
        assert c["eta"] == pytest.approx(c["eta_avg"] / np.sqrt(2), rel=1e-12)


def test_predictions_equal_statement_evaluate(full_sup, full_budget):
    """The planners evaluate the numpy form of each Statement; it agrees with evaluate()."""
    low, up = pa.SUP_STATEMENTS["lower"], pa.SUP_STATEMENTS["upper"]
    c = full_sup.data["cases"][1]
    for j in (0, 7, 16, 19):
        x = c["eps"][j]
        assert c["lower"][j] == pytest.approx(low.evaluate(eta_sup=c["eta_sup"], eps=x),
                                              abs=1e-14)
        assert c["upper"][j] == pytest.approx(
            up.evaluate(eta=c["eta"], eta_sup=c["eta_sup"], eps=x), abs=1e-14)
    b = full_budget.data["b"]
    z2 = pa.BUDGET_STATEMENTS["z2"]
    assert b["predicted"][1] == pytest.approx(z2.evaluate(eta=b["eta"], eps=b["eps"][1]),
                                              abs=1e-15)


@pytest.mark.parametrize("group", ["C4", "S4"])
def test_e_g_of_a_linear_map_is_sigma_x_frobenius(group):
    """e_g(f_W) = sigma_X |rho_X(g)^T W rho_Y(g) - W|_F: on a sample with X^T X / N =
    sigma_X^2 I exactly, the L2 error of f o rho_X(g) - rho_Y(g) f equals it (the derivation in
    the module docstring, with the package's row conventions)."""
    G = cyclic(4) if group == "C4" else symmetric(4)
    rep = G.rep("perm")
    rng = np.random.default_rng(1)
    sigma_x, N = 1.3, 64
    Q, _ = np.linalg.qr(rng.normal(size=(N, 4)))
    X = sigma_x * np.sqrt(N) * Q  # X^T X / N = sigma_x^2 I
    W = rng.normal(size=(4, 4))
    measured = function_errors(lambda Z: Z @ W, X, rep, rep)["e_g"]
    predicted = pa.sup_errors(W, rep, rep, sigma_x)
    np.testing.assert_allclose(measured, predicted, rtol=1e-12, atol=1e-12)


# -- planted errors --------------------------------------------------------------------------
def _planted(slug, role, expr_fn, quick):
    exp = get(slug)
    table = pa.BUDGET_STATEMENTS if slug == BUDGET else pa.SUP_STATEMENTS
    s = table[role]
    return run(exp.replace(statement=s.replace(expr=expr_fn(s))), quick=quick)


def _eta_eps(s):
    return s.symbol("eta"), s.symbol("eps")


@pytest.mark.parametrize("quick", [True, False])
def test_planted_squared_l2_formula_fails(quick):
    res = _planted(BUDGET, "l2", lambda s: sp.Max(_eta_eps(s)[0] - _eta_eps(s)[1], 0) ** 2,
                   quick)
    bad = [c.name for c in res.checks if c.verdict == "fail"]
    assert res.verdict == "fail" and bad and all(n.startswith("(a)") for n in bad)
    # the LP part is untouched
    assert all(c.verdict == "pass" for c in res.checks if c.name.startswith("(b)"))


@pytest.mark.parametrize("quick", [True, False])
def test_planted_z2_without_half_fails(quick):
    res = _planted(BUDGET, "z2", lambda s: sp.Max(_eta_eps(s)[0] - _eta_eps(s)[1], 0), quick)
    bad = [c.name for c in res.checks if c.verdict == "fail"]
    assert res.verdict == "fail" and bad and all(n.startswith("(b)") for n in bad)
    assert any("eps/eta=0:" in n for n in bad)


@pytest.mark.parametrize("quick", [True, False])
def test_planted_kink_at_e_avg_fails(quick):
    """The upper bound (which places the kink) with eta_avg = e_avg(f*) for eta_sup."""
    eta_avg = sp.Symbol("eta_avg", positive=True)
    res = _planted(SUP, "upper", lambda s: s.expr.subs(s.symbol("eta_sup"), eta_avg), quick)
    assert res.verdict == "fail"
    bad = [c.name for c in res.checks if c.verdict == "fail"]
    for g in ("C4", "S4"):
        assert any(n.startswith(f"{g} A_sup < 1e-7 at the kink") for n in bad), bad
        assert any(n.startswith(g) and "A_sup <= eta" in n for n in bad), bad
    for c in res.data["cases"]:
        assert c["kink"] == pytest.approx(c["eta_avg"]) and c["kink"] < c["eta_sup"]


def test_planted_lower_bound_without_half_fails():
    res = _planted(SUP, "lower", lambda s: sp.Max(s.symbol("eta_sup") - s.symbol("eps"), 0),
                   quick=True)
    bad = [c.name for c in res.checks if c.verdict == "fail"]
    assert res.verdict == "fail" and any("A_sup >= " in n for n in bad)


# -- parameters ------------------------------------------------------------------------------
def test_settable_parameters():
    res = run(get(SUP), quick=True, overrides={"group": "D4", "sigma_x": "0.5",
                                               "theta_seed": "3", "eps_count": "7"})
    assert res.verdict == "pass"
    assert [c["group"] for c in res.data["cases"]] == ["D4"]
    assert len(res.data["cases"][0]["eps"]) == 7
    res = run(get(BUDGET), quick=True, overrides={"group": "S3", "eps_count": "4",
                                                  "grid": "101", "lp_ratios": "0,0.3,2"})
    assert res.verdict == "pass"
    assert res.data["a"]["group"] == "S3" and len(res.data["a"]["eps"]) == 4
    assert res.data["b"]["ratios"] == [0.0, 0.3, 2.0]


@pytest.mark.parametrize("slug,bad", [
    (BUDGET, {"sigma_x": "0"}),
    (BUDGET, {"sigma_x": "-1"}),
    (BUDGET, {"eps_count": "1"}),
    (BUDGET, {"lp_ratios": "0,x"}),
    (BUDGET, {"lp_ratios": "-0.5"}),
    (BUDGET, {"lp_ratios": ""}),
    (BUDGET, {"lipschitz": "3"}),  # below the slope 3.2 of f*: f* not in the class
    (BUDGET, {"grid": "2"}),
    (BUDGET, {"group": "Q8"}),
    (BUDGET, {"group": "C1"}),  # every map equivariant: no non-equivariant part
    (BUDGET, {"group": "SO2"}),
    (SUP, {"group": "C4,Z2^3"}),
    (SUP, {"group": " , "}),
    (SUP, {"eps_count": "2"}),
    (SUP, {"sigma_x": "0"}),
    (SUP, {"theta_seed": "-1"}),
    (SUP, {"nonsense": "1"}),
])
def test_bad_parameters_raise_usage_errors(slug, bad):
    with pytest.raises(UsageError) as info:
        run(get(slug), quick=True, overrides=bad)
    assert "\n" not in str(info.value)
