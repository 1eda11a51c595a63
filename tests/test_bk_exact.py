"""The exact Bökman–Kahl experiments: they pass, they are deterministic, bad input is refused,
and every planted error of the theory catalogue is detected."""

import numpy as np
import pytest
import sympy as sp

import verify.experiments.bk_layerwise as lw
import verify.experiments.bk_reps as bkr
from bounds import relu as br
from tests.helpers import assert_close
from verify.engine.experiment import UsageError, get
from verify.engine.runner import run
from verify.engine.stats import finalize
from verify.models import relu_symmetry as rs

SLUGS = ["bk-relu-commute", "bk-perm-rep", "bk-symmetrise", "bk-two-layer",
         "bk-counterexample", "bk-signed-random", "bk-deep-recovery"]
SWAP = np.array([[0.0, 1.0], [1.0, 0.0]])


def _decide(checks):
    finalize(checks)
    return checks


def _failed(checks):
    return [c.name for c in _decide(checks) if c.verdict == "fail"]


# -- the experiments -------------------------------------------------------------------------
@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("seed", [0, 1])
def test_experiment_passes(slug, seed):
    exp = get(slug)
    assert (exp.kind, exp.family) == ("sharp", "BK")
    res = run(exp, quick=True, seed=seed)
    assert res.verdict == "pass", [(c.name, c.measured) for c in res.checks
                                   if c.verdict != "pass"]


def test_signed_random_full_size_is_100_and_passes():
    res = run(get("bk-signed-random"), quick=False, seed=0)
    assert res.params["count"] == 100 and res.verdict == "pass"
    assert res.checks[0].measured == 100.0
    assert run(get("bk-signed-random"), quick=True).params["count"] == 20


def test_quick_equals_full_for_the_other_experiments():
    for slug in SLUGS:
        if slug != "bk-signed-random":
            exp = get(slug)
            assert exp.resolve(True) | {"_quick": None} == exp.resolve(False) | {"_quick": None}


def test_deterministic_given_the_seed():
    for slug in ("bk-two-layer", "bk-signed-random", "bk-deep-recovery"):
        a, b = run(get(slug), quick=True, seed=4), run(get(slug), quick=True, seed=4)
        assert [c.measured for c in a.checks] == [c.measured for c in b.checks]


@pytest.mark.parametrize("slug,overrides", [
    ("bk-relu-commute", {"n": "3", "points": "500"}),
    ("bk-relu-commute", {"n": "12"}),
    ("bk-deep-recovery", {"widths": "8,12", "image": "4"}),
    ("bk-perm-rep", {"widths": "16", "image": "5"}),
    ("bk-symmetrise", {"image": "4", "hidden": "5"}),
    ("bk-two-layer", {"image": "4", "pairs": "4"}),
    ("bk-counterexample", {"image": "6", "extra": "10"}),
    ("bk-signed-random", {"count": "30", "image": "4", "tanh": "0"}),
])
def test_settings_set_by_the_user_pass(slug, overrides):
    assert run(get(slug), quick=True, overrides=overrides, seed=2).verdict == "pass"


@pytest.mark.parametrize("slug,overrides,match", [
    ("bk-relu-commute", {"n": "1"}, r"lie in \[2, "),
    ("bk-relu-commute", {"n": "2.5"}, "integer"),
    ("bk-deep-recovery", {"widths": "20,22"}, "multiples of"),
    ("bk-perm-rep", {"widths": "a,b"}, "comma-separated"),
    ("bk-counterexample", {"extra": "7"}, "even"),
    ("bk-signed-random", {"count": "1"}, r"lie in \[2, "),
    ("bk-two-layer", {"sigma": "1"}, "no parameter"),
])
def test_bad_input_is_one_usage_error(slug, overrides, match):
    with pytest.raises(UsageError, match=match) as e:
        run(get(slug), quick=True, overrides=overrides)
    assert "\n" not in str(e.value)


# -- bk-relu-commute -------------------------------------------------------------------------
def test_relu_commute_planted_signed_permutation_is_flagged():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 5))
    S = rs.signed_permutation(5, rng)
    failed = _failed(bkr.relu_commute_checks({"PD": rs.positive_scaled_permutation(5, rng),
                                             "signed permutation": S}, {}, X))
    assert failed == ["relu: signed permutation commutes, max|act(Ax) - A act(x)|"]
    assert rs.relu_commute_residual(S, X) >= 0.1


def test_relu_commute_expected_magnitudes():
    res = run(get("bk-relu-commute"), seed=0)
    # theory: 0.0 / 4.0 / 3.9 / 6.4 (prototype); the order of magnitude is what is stable
    assert res.data["PD"] <= 1e-12
    assert all(1 < res.data[k] < 20 for k in ("-I", "signed", "random"))


# -- bk-perm-rep -----------------------------------------------------------------------------
def _recovered_reps(seed=0):
    rng = np.random.default_rng(seed)
    layers, rho0, truth = bkr.deep_setup(rng, 6, (20, 24, 16))
    _, data = bkr.deep_recovery_checks(layers, rho0, truth, rng.normal(size=(50, 36)))
    return {f"layer {j + 1}": mats for j, mats in enumerate(data["reps"])}


def test_perm_rep_true_reps_pass():
    checks, data = bkr.perm_rep_checks(_recovered_reps())
    assert _failed(checks) == [] and data["worst_cycle_residual"] <= 1e-12


def test_perm_rep_planted_scale_is_detected():
    reps = _recovered_reps()
    M = reps["layer 2"][1].copy()
    i = 5
    M[i, np.argmax(M[i])] *= 1 + 1e-6
    reps["layer 2"] = [reps["layer 2"][0], M] + reps["layer 2"][2:]
    checks, data = bkr.perm_rep_checks(reps)
    assert data["worst_cycle_residual"] > 1e-8
    failed = _failed(checks)
    assert any("layer 2, g = r^1: |T rho T^-1 - round| (cycle)" in f for f in failed)
    assert not any(f.startswith(("layer 1", "layer 3")) for f in failed)


def test_cycle_conjugator_on_a_known_cocycle():
    # rho(r) = P D on Z_3 with scales (2, 1/4, 2): product 1 around the 3-cycle
    M = rs.perm_matrix([1, 2, 0]) * np.array([2.0, 0.25, 2.0])[:, None]
    assert_close(np.linalg.matrix_power(M, 3), np.eye(3), "M^3")
    t, cyc = rs.cycle_conjugator(M)
    assert cyc == pytest.approx(0.0, abs=1e-15)
    assert_close(t, [1.0, 2.0, 0.5], "t from the cycle")
    assert_close(t[:, None] * M / t[None, :], rs.perm_matrix([1, 2, 0]), "T M T^-1 (cycle)")
    tv = rs.fixed_vector_conjugator([np.eye(3), M, M @ M])
    assert_close(tv[:, None] * M / tv[None, :], rs.perm_matrix([1, 2, 0]), "T M T^-1 (fixed)")
    # a broken cocycle (product 1.5) cannot be conjugated to a permutation
    _, cyc = rs.cycle_conjugator(M * np.array([1.5, 1, 1])[:, None])
    assert cyc == pytest.approx(np.log(1.5))


# -- bk-symmetrise ---------------------------------------------------------------------------
def _flip_net(rng, d=16, hidden=5):
    return [(rng.normal(size=(hidden, d)), rng.normal(size=hidden)),
            (rng.normal(size=(1, hidden)), rng.normal(size=1))]


def test_symmetrise_matches_the_two_layer_formula():
    rng = np.random.default_rng(1)
    P = rs.flip_matrix(4)
    net = _flip_net(rng)
    (W1, b1), (W2, _) = net
    sym, reps = rs.symmetrise(net, [np.eye(16), P], [np.eye(1)] * 2)
    assert_close(sym[0][0], np.vstack([W1, W1 @ P]), "W1'")
    assert_close(sym[0][1], np.concatenate([b1, b1]), "b1'")
    assert_close(sym[1][0], 0.5 * np.hstack([W2, W2]), "W2'")
    assert_close(reps[0][1], np.kron(SWAP, np.eye(5)), "rho1 = block swap")


def test_symmetrise_planted_missing_half_is_detected():
    rng = np.random.default_rng(2)
    P = rs.flip_matrix(4)
    X = rng.normal(size=(100, 16))
    net = _flip_net(rng)
    ok, _ = lw.symmetrise_checks(net, [np.eye(16), P], [np.eye(1)] * 2, X, "net")
    assert _failed(ok) == []
    bad, err = lw.symmetrise_checks(net, [np.eye(16), P], [np.eye(1)] * 2, X, "net", weight=1.0)
    assert err > 0.1
    assert "net: |f_sym - Phi f|_inf" in _failed(bad)


# -- bk-two-layer ----------------------------------------------------------------------------
def _scrambled_pair_net(seed=3, rho2=None):
    rng = np.random.default_rng(seed)
    P = rs.flip_matrix(8)
    rho2 = np.eye(1) if rho2 is None else rho2
    net = rs.layerwise_pair_net(P, 16, rng, rho2)
    scr, (M,) = rs.scramble(net, rng)
    return scr, P, rho2, rng.normal(size=(500, 64)), M @ np.kron(np.eye(16), SWAP) @ \
        np.linalg.inv(M)


def test_scramble_does_not_change_the_function():
    rng = np.random.default_rng(0)
    net = [(rng.normal(size=(7, 4)), rng.normal(size=7)), (rng.normal(size=(6, 7)),
           rng.normal(size=6)), (rng.normal(size=(2, 6)), rng.normal(size=2))]
    X = rng.normal(size=(50, 4))
    scr, Ms = rs.scramble(net, rng)
    assert_close(rs.mlp(scr, X), rs.mlp(net, X), "scrambled f")
    assert all(np.all(np.sort(np.abs(M[M != 0])) >= 0.3) for M in Ms)


@pytest.mark.parametrize("rho2", [None, SWAP])
def test_two_layer_true_net_passes(rho2):
    scr, P, rho2, X, truth = _scrambled_pair_net(rho2=rho2)
    checks, data = lw.two_layer_checks(scr, P, rho2, X, "net", truth)
    assert _failed(checks) == [] and data["match"]


@pytest.mark.parametrize("rho2", [None, SWAP])
def test_two_layer_planted_weight_perturbation_is_detected(rho2):
    scr, P, rho2, X, truth = _scrambled_pair_net(rho2=rho2)
    (W1, b1), second = scr
    W1 = W1.copy()
    W1[3, 10] += 1e-3
    bad = [(W1, b1), second]
    eq = rs.max_abs(rs.mlp(bad, X @ P.T) - rs.mlp(bad, X) @ np.atleast_2d(rho2).T)
    assert eq >= 1e-4
    rep = rs.analyse_two_layer(W1, b1, second[0], P, rho2)
    assert not rep.match and rep.mismatch > 1e-9
    assert rs.two_layer_verdict(rep) == "not equivariant"
    failed = _failed(lw.two_layer_checks(bad, P, rho2, X, "net", truth)[0])
    assert "net: equivariance |f(rho0 x) - rho2 f(x)|" in failed
    assert "net: correspondence found, max(1 - |cos|)" in failed


def test_two_layer_planted_identity_constant_is_detected():
    scr, _, _, X, _ = _scrambled_pair_net()
    S = br.SYMBOLS
    wrong = br.two_layer_identity().replace(
        expr=sp.Sum(S["a"][S["i"]] * sp.Abs(S["u"][S["i"]]), (S["i"], 0, S["width"] - 1)) / 2
        + sp.Sum(S["a"][S["i"]] * S["u"][S["i"]], (S["i"], 0, S["width"] - 1)) / 3)
    assert lw.two_layer_identity_residual(scr, X) <= 1e-12
    assert lw.two_layer_identity_residual(scr, X, wrong) > 1e-3


# -- bk-counterexample -----------------------------------------------------------------------
def test_counterexample_symbolic_invariance_is_exactly_zero():
    for rows, rho0 in ((rs.C1_ROWS, -np.eye(2)), (rs.C2_ROWS, SWAP)):
        expr, res = lw.symbolic_invariance(rows, rho0)
        assert expr == 0 and res == 0.0


def test_counterexample_planted_c1_constant_is_detected():
    rows = ((sp.Rational(201, 100), 0), (-1, 1), (-1, -1))
    expr, res = lw.symbolic_invariance(rows, -np.eye(2))
    assert expr != 0 and res > 1e-3
    X = np.random.default_rng(0).normal(size=(100, 2))
    W1 = np.array(rows, dtype=float)
    checks, _ = lw.counterexample_checks("C1'", W1, -np.eye(2), (0, 1, 2), X, sym_rows=rows)
    assert "C1' (a): f(rho0 x) - f(x) symbolically (SymPy)" in _failed(checks)


def test_counterexample_signed_reps_and_width6():
    c1 = rs.analyse_two_layer(np.array(rs.C1_ROWS, float), None, np.ones((1, 3)), -np.eye(2),
                              np.eye(1))
    c2 = rs.analyse_two_layer(np.array(rs.C2_ROWS, float), None, np.ones((1, 3)), SWAP,
                              np.eye(1))
    assert list(c1.pi) == [0, 1, 2] and list(c1.signs) == [-1, -1, -1]
    assert list(c2.pi) == [0, 2, 1] and list(c2.signs) == [-1, -1, -1]
    assert rs.two_layer_verdict(c1) == rs.two_layer_verdict(c2) == "signed"
    # best positive cosine 1/sqrt 2 for every row: no ReLU-compatible rho_1
    for rows, rho0 in ((rs.C1_ROWS, -np.eye(2)), (rs.C2_ROWS, SWAP)):
        assert_close(lw.best_positive_cos(np.array(rows, float), rho0), np.full(3, 2**-0.5),
                     "best cos", tol=1e-15)
    # the width-6 realisation of C1 is layerwise with rho_1 swapping the +- pairs
    six = rs.width6_realisation(np.array(rs.C1_ROWS, float), np.ones((1, 3)))
    assert_close(six[0][0] @ -np.eye(2), np.kron(np.eye(3), SWAP) @ six[0][0], "W6 rho0")


# -- bk-signed-random ------------------------------------------------------------------------
def _constructions(n=20, seed=5):
    rng = np.random.default_rng(seed)
    P = rs.flip_matrix(8)
    cons = [rs.random_construction(rng, P, bool(i % 2), bool(i // 2 % 2)) for i in range(n)]
    return cons, rng.normal(size=(200, 64))


def test_signed_random_true_labels_pass():
    cons, X = _constructions()
    checks, data = bkr.signed_random_checks(cons, X)
    assert _failed(checks) == [] and data["mismatches"] == []
    assert {c.kind for c in cons} == {"-", "c3", "nullspace"}


@pytest.mark.parametrize("flip", [0, 7])
def test_signed_random_planted_label_flip_gives_exactly_one_mismatch(flip):
    cons, X = _constructions()
    truths = [c.truth for c in cons]
    truths[flip] = {"signed": "layerwise", "layerwise": "signed"}[truths[flip]]
    checks, data = bkr.signed_random_checks(cons, X, truths)
    assert data["mismatches"] == [flip]
    assert _failed(checks) == [checks[0].name]


def test_signed_constructions_really_are_not_layerwise_but_equivariant():
    cons, _ = _constructions(10, seed=9)
    for c in cons:
        (W1, b1), (W2, _) = c.layers
        rep = rs.analyse_two_layer(W1, b1, W2, c.rho0, c.rho2)
        assert rep.match and rep.residual <= 1e-10
        assert (rep.negative > 0) == (c.truth == "signed")


# -- bk-deep-recovery ------------------------------------------------------------------------
def test_deep_recovery_planted_negative_scale_is_reported_as_a_sign():
    rng = np.random.default_rng(0)
    layers, rho0, truth = bkr.deep_setup(rng, 6, (20, 24, 16), negative=(1, 7))
    checks, _ = bkr.deep_recovery_checks(layers, rho0, truth, rng.normal(size=(100, 36)))
    recs = [rs.recover_reps(layers, R, np.eye(2)) for R in rho0]
    assert recs[1].negative[1] > 0 and recs[1].negative[0] == recs[1].negative[2] == 0
    assert "negative signs in the recovered reps" in _failed(checks)


def test_deep_recovery_true_net_has_no_negative_signs():
    rng = np.random.default_rng(0)
    layers, rho0, truth = bkr.deep_setup(rng, 6, (20, 24, 16))
    checks, data = bkr.deep_recovery_checks(layers, rho0, truth, rng.normal(size=(100, 36)))
    assert _failed(checks) == []
    assert data["invariance"] <= 1e-12 and data["recovery"] <= 1e-12


def test_counterexample_planted_wrong_action_in_the_statement_fails_the_cosine_gap(monkeypatch):
    """The exact gap evaluated with rho0 = I (the wrong action: every row is its own positive
    match, gap 0) no longer equals the measured 1 - 1/sqrt 2."""
    true = br.best_positive_cosine
    monkeypatch.setattr(br, "best_positive_cosine",
                        lambda rows, rho0: true(rows, np.eye(len(rho0), dtype=int).tolist()))
    X = np.random.default_rng(0).normal(size=(100, 2))
    checks, _ = lw.counterexample_checks("C1", np.array(rs.C1_ROWS, float), -np.eye(2),
                                         (0, 1, 2), X, sym_rows=rs.C1_ROWS)
    assert [n for n in _failed(checks) if "(b)" in n] == [
        "C1 (b): max_i (1 - best positive cos) = 0 (SymPy, exact)"]
