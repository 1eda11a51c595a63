"""``verify budget`` / ``verify.equivariance_budget`` on synthetic LG data with known η, σ:
coverage of the CIs, unbiasedness of η̂², planted errors, and bad input (exit 2)."""

import json

import numpy as np
import pytest

import verify
from bounds import approximation as ap
from verify.cli import main
from verify.symmetry.groups import cyclic
from verify.symmetry.projection import equivariant_basis

SIGMA, N, D = 0.5, 2000, 6


def _data(eta, n, seed, sigma=SIGMA):
    """C6 on R^6, invariant output: Theta = Theta_E + eta u, u a unit vector of E-perp."""
    G = cyclic(D)
    Q = equivariant_basis(G.rep(), G.trivial(1))
    g = np.random.default_rng(99).normal(size=D)
    u = g - Q @ (Q.T @ g)
    theta = (0.8 * Q[:, 0] + eta * u / np.linalg.norm(u))[:, None]
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, D))
    return X, X @ theta + sigma * rng.normal(size=(n, 1))


@pytest.mark.parametrize("eta", [0.3, 1.0])
def test_cis_cover_known_eta_sigma_and_eps_star_at_the_stated_rate(eta):
    eps_true = ap.optimal_eps().evaluate(n=N, d=D, k=1, dimE=1, sigma=SIGMA, eta=eta)
    seeds, hits, planted = 40, {"eta": 0, "sigma": 0, "eps_star": 0}, 0
    for seed in range(seeds):
        v = verify.equivariance_budget(*_data(eta, N, seed), "C6", n_boot=200, seed=seed).values
        truth = {"eta": eta, "sigma": SIGMA, "eps_star": eps_true}
        for key in hits:
            lo, hi = v[key + "_ci"]
            hits[key] += lo <= truth[key] <= hi
        planted += v["eta_ci"][0] <= 1.1 * eta <= v["eta_ci"][1]  # planted: a 10 % wrong eta
    # nominal 95 %: with 40 seeds, P(fewer than 32 covers) < 0.01 even at 92 % true coverage
    assert min(hits.values()) >= 32, hits
    assert planted <= 8, planted


def test_eta2_estimate_is_unbiased_and_the_noise_correction_matters():
    n, seeds = 100, 150
    raw, planted = [], []
    for seed in range(seeds):
        rep = verify.equivariance_budget(*_data(0.0, n, seed), "C6", n_boot=20, seed=seed)
        e2, s = rep.values["eta2_raw"], rep.values["sigma"]
        raw.append(e2)
        planted.append(e2 + s**2 * 5 / n)  # planted: no noise correction (c = (dk - dimE)/n)
    se = np.std(raw, ddof=1) / np.sqrt(seeds)
    assert abs(np.mean(raw)) < 3 * se  # E eta2_hat = eta^2 = 0
    assert np.mean(planted) > 3 * se


def test_predictions_come_from_the_statements():
    v = verify.equivariance_budget(*_data(0.3, 500, 0), "C6", n_boot=50).values
    kw = dict(n=500, d=D, k=1, dimE=1, sigma=v["sigma"], eta=v["eta"])
    assert v["eps_star"] == pytest.approx(ap.optimal_eps().evaluate(**kw), rel=1e-10)
    assert v["risk_opt"] == pytest.approx(ap.min_risk().evaluate(**kw), rel=1e-10)
    vv = v["sigma"] ** 2 * 5 / (500 - D - 1)
    assert v["risk_none"] - v["risk_exact"] == pytest.approx(vv - v["eta"] ** 2, rel=1e-9)
    assert v["n_cross"] == pytest.approx(D + 1 + v["sigma"] ** 2 * 5 / v["eta"] ** 2, rel=1e-10)
    for key in ("eps_star", "t_star", "risk_exact", "risk_none", "risk_opt", "n_cross"):
        lo, hi = v[key + "_ci"]
        assert lo <= v[key] <= hi, key


def test_equivariant_output_at_a_group_by_generators():
    rng = np.random.default_rng(0)
    m, n = 12, 400
    X = rng.normal(size=(n, m))
    Y = 0.7 * X + 0.1 * X.sum(1, keepdims=True) + 0.3 * rng.normal(size=(n, m))
    v = verify.equivariance_budget(X, Y, "S12", n_boot=50).values  # Theta in E: eta = 0
    assert v["eta_ci"][0] == 0.0  # the CI covers the true eta = 0
    assert v["sigma_ci"][0] <= 0.3 <= v["sigma_ci"][1]


def test_cli_budget_json(tmp_path, capsys):
    X, Y = _data(0.3, 1000, 0)
    np.savez(tmp_path / "d.npz", X=X, Y=Y)
    out = tmp_path / "b.json"
    assert main(["budget", str(tmp_path / "d.npz"), "--group", "C6", "--n-boot", "50",
                 "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "eps*" in printed and "Gaussian noise" in printed
    d = json.loads(out.read_text())
    for key in ("eta", "eta_ci", "sigma", "sigma_ci", "eps_star", "eps_star_ci"):
        assert key in d
    assert d["eta_ci"][0] <= d["eta"] <= d["eta_ci"][1]


@pytest.fixture()
def files(tmp_path):
    X, Y = _data(0.3, 50, 0)
    np.savez(tmp_path / "ok.npz", X=X, Y=Y)
    np.savez(tmp_path / "noy.npz", X=X)
    np.savez(tmp_path / "small.npz", X=X[:7], Y=Y[:7])
    np.savez(tmp_path / "rows.npz", X=X, Y=Y[:-1])
    np.savez(tmp_path / "nan.npz", X=X * np.nan, Y=Y)
    np.savez(tmp_path / "cols.npz", X=X[:, :5], Y=Y)
    np.save(tmp_path / "plain.npy", X)
    return tmp_path


@pytest.mark.parametrize("name,extra,needle", [
    ("noy.npz", [], "no array Y"),
    ("small.npz", [], "n > d + 1"),
    ("rows.npz", [], "same n"),
    ("nan.npz", [], "finite"),
    ("cols.npz", [], "has d=5 columns"),
    ("plain.npy", [], "must be an .npz"),
    ("missing.npz", [], "cannot read"),
    ("ok.npz", ["--group", "SO3"], "finite group"),
    ("ok.npz", ["--output-rep", "spin"], "not 'spin'"),
    ("ok.npz", ["--group", "C1"], "dimension 1"),
    ("ok.npz", ["--n-train", "5"], "n_train must exceed"),
])
def test_budget_bad_input_one_line_exit_2(files, name, extra, needle, capsys):
    argv = ["budget", str(files / name), "--n-boot", "20"]
    argv += extra if "--group" in extra else ["--group", "C6", *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err, err
