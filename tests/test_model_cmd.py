"""``verify model`` / ``verify.model_equivariance``: float floor, known errors, linear
distance, planted errors and bad input (one line, exit 2)."""

import json

import numpy as np
import pytest

import verify
from verify.cli import main
from verify.symmetry.actions import parse_rep
from verify.symmetry.groups import cyclic, dihedral
from verify.symmetry.projection import projector

C = 0.05


def _d4_model(x):
    """D4-equivariant on (H, W) images: a nonlinear pointwise map of the orbit sum."""
    s = sum(np.rot90(x, k, axes=(-2, -1)) for k in range(4))
    s = s + np.flip(s, axis=-1)
    return np.tanh(s) * 1.7 + s**3 / 10


def _c8_smooth(x):
    return np.tanh(0.5 * x + 0.25 * (np.roll(x, 1, axis=-1) + np.roll(x, -1, axis=-1)))


def _perturbation():
    return np.random.default_rng(7).normal(size=(8, 8))


def _perturbed(x):
    return _c8_smooth(x) + C * x @ _perturbation()


def _known_rms():
    """Exact rms of the perturbation under N(0, I): (mean_g ||V^T P_g - P_g V^T||_F^2)^(1/2)."""
    V, P = C * _perturbation(), cyclic(8).rep().matrices[1:]
    return np.sqrt(np.mean([np.sum((V.T @ A - A @ V.T) ** 2) for A in P]))


def test_exactly_equivariant_model_sits_at_the_float_floor():
    rep = verify.model_equivariance(_d4_model, "D4", shape=(6, 6), n=128)
    assert rep.floor is not None and rep.error["relative"] > 0  # rounding is visible
    assert rep.error["relative"] <= 10 * max(rep.floor["relative"], np.finfo(float).eps)
    assert rep.verdict.startswith("equivariant to working precision")
    # planted: a 1e-9 symmetry-breaking term is far above the floor and is flagged
    broken = verify.model_equivariance(lambda x: _d4_model(x) + 1e-9 * x[:, :1, :1], "D4",
                                       shape=(6, 6), n=128)
    assert broken.verdict.startswith("NOT equivariant")


def test_perturbed_model_ci_covers_the_known_value_at_its_rate():
    truth = _known_rms()
    covered, planted = 0, 0
    for seed in range(20):
        e = verify.model_equivariance(_perturbed, "C8", n=400, seed=seed, floor=False).error
        lo, hi = e["rms_ci"]
        covered += lo <= truth <= hi
        planted += lo <= 1.1 * truth <= hi  # planted: a 10 % larger "known" value
    assert covered >= 18  # nominal 99 %: P(<= 17 of 20) < 0.001
    assert planted <= 2


def test_linear_model_distance_matches_the_projection():
    G = cyclic(8)
    W = np.random.default_rng(2).normal(size=(8, 8))
    rep = verify.model_equivariance(W, "C8", n=4000, seed=1)
    P = projector(G.rep(), G.rep())
    dist = np.linalg.norm(W.reshape(-1) - P @ W.reshape(-1))
    lin = rep.linear
    assert lin["distance"] == pytest.approx(dist, rel=1e-12)
    # over the 7 non-identity elements: mean e_g^2 = 2 dist^2 |G| / (|G| - 1)
    assert lin["rms_exact"] ** 2 == pytest.approx(2 * dist**2 * 8 / 7, rel=1e-10)
    lo, hi = rep.error["rms_ci"]
    assert lo <= lin["rms_exact"] <= hi
    assert not lo <= 1.05 * lin["rms_exact"] <= hi  # planted 5 % error is outside the CI


def test_invariant_output_and_large_group_by_haar_sample():
    rep = verify.model_equivariance(lambda x: np.sort(x, axis=1)[:, -3:], "S40", n=64,
                                    n_elements=16)
    assert rep.output_rep.startswith("natural") is False and "trivial" in rep.output_rep
    assert rep.error["relative"] < 1e-15 and rep.floor is None
    assert "Haar" in rep.elements


def test_wrong_inverse_in_reynolds_average_is_caught_on_a_nonabelian_group():
    G = dihedral(5)
    r = parse_rep(G, "perm", (5,))
    every = np.arange(G.order)
    b = r.bind(every)
    f = lambda x: np.tanh(x @ np.random.default_rng(0).normal(size=(5, 5)))
    right = lambda x: sum(b.act(f(b.act(x, j)), j, inverse=True) for j in every) / 10
    wrong = lambda x: sum(b.act(f(b.act(x, j)), j) for j in every) / 10
    assert verify.model_equivariance(right, G, n=64).error["relative"] < 1e-14
    assert verify.model_equivariance(wrong, G, n=64).error["relative"] > 1e-3


def test_point_cloud_rotation_so3(tmp_path):
    x = np.random.default_rng(0).normal(size=(50, 10, 3))
    np.save(tmp_path / "pts.npy", x)
    f = lambda p: p - p.mean(axis=1, keepdims=True)
    rep = verify.model_equivariance(f, "SO3", inputs=x, n_elements=8)
    assert rep.error["relative"] < 1e-14 and "std" in rep.input_rep


@pytest.fixture()
def user_module(tmp_path, monkeypatch):
    (tmp_path / "usermods.py").write_text(
        "import numpy as np\n"
        "def smooth(x):\n    return 0.5 * x + 0.25 * (np.roll(x, 1, -1) + np.roll(x, -1, -1))\n"
        "def raises(x):\n    raise RuntimeError('boom')\n"
        "def short(x):\n    return x[:1]\n"
        "def strings(x):\n    return np.array(['a'] * len(x))\n"
        "def cplx(x):\n    return x * 1j\n"
        "def nans(x):\n    return x * np.nan\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_cli_model_json(user_module, capsys):
    out = user_module / "m.json"
    assert main(["model", "usermods:smooth", "--group", "C8", "--json", str(out)]) == 0
    assert "equivariant to working precision" in capsys.readouterr().out
    d = json.loads(out.read_text())
    assert d["error"]["relative"] == 0.0 and d["floor"]["relative"] == 0.0


@pytest.mark.parametrize("argv,needle", [
    (["model", "nosuchmodule:f", "--group", "C8"], "cannot import 'nosuchmodule'"),
    (["model", "usermods:nothere", "--group", "C8"], "has no attribute 'nothere'"),
    (["model", "usermods", "--group", "C8"], "MODULE:CALLABLE"),
    (["model", "usermods:raises", "--group", "C8"], "raised RuntimeError: boom"),
    (["model", "usermods:short", "--group", "C8"], "batch-first array with 2 rows"),
    (["model", "usermods:strings", "--group", "C8"], "real numbers"),
    (["model", "usermods:cplx", "--group", "C8"], "real numbers"),
    (["model", "usermods:nans", "--group", "C8"], "non-finite"),
    (["model", "usermods:smooth", "--group", "C8", "--shape", "7"], "dimension 8"),
    (["model", "usermods:smooth", "--group", "C8", "--input-rep", "rot"], "dimension 2"),
    (["model", "usermods:smooth", "--group", "C8", "--input-rep", "spin"],
     "unknown representation"),
    (["model", "usermods:smooth", "--group", "C8", "--shape", "8,8", "--input-rep", "image"],
     "pixel grid"),
    (["model", "usermods:smooth", "--group", "X3"], "unknown group"),
    (["model", "usermods:smooth", "--group", "C8", "--inputs", "missing.npy"], "cannot read"),
    (["model", "usermods:smooth", "--group", "C8", "--n", "1"], "at least 2"),
])
def test_model_bad_input_one_line_exit_2(user_module, argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err, err


def test_model_inputs_not_matching_the_rep(user_module, capsys):
    np.save(user_module / "x7.npy", np.zeros((10, 7)))
    assert main(["model", "usermods:smooth", "--group", "C8", "--inputs", "x7.npy"]) == 2
    assert "dimension 8" in capsys.readouterr().err


@pytest.mark.parametrize("spec,shape", [("image", (5, 5)), ("rot*image", (2, 4, 4)),
                                        ("perm*id", (4, 3)), ("id*image", (3, 4, 4))])
def test_array_actions_are_homomorphisms(spec, shape):
    G = dihedral(4)
    b = parse_rep(G, spec, shape).bind(np.arange(G.order))
    x = np.random.default_rng(0).normal(size=(3, *shape))
    mul = G.mul
    for i in range(G.order):
        for j in range(G.order):
            # rho(g_i) rho(g_j) x = rho(g_i g_j) x, and the inverse undoes the action
            np.testing.assert_allclose(b.act(b.act(x, j), i), b.act(x, mul[i, j]), atol=1e-14)
        np.testing.assert_allclose(b.act(b.act(x, i), i, inverse=True), x, atol=1e-14)


def test_planted_inverted_image_action_breaks_the_homomorphism():
    G = dihedral(4)
    b = parse_rep(G, "image", (5, 5)).bind(np.arange(G.order))
    b._ops = [(Pinv, P) for P, Pinv in b._ops]  # planted: g acts as g^-1 (an anti-homomorphism)
    x = np.random.default_rng(0).normal(size=(2, 5, 5))
    bad = [(i, j) for i in range(8) for j in range(8)
           if not np.allclose(b.act(b.act(x, j), i), b.act(x, G.mul[i, j]))]
    assert bad


def test_permutation_axis_action_matches_the_matrices():
    from verify.symmetry.permutation import symmetric_group

    G = symmetric_group(9)
    E = G.sample(5, np.random.default_rng(0))
    b = parse_rep(G, "perm*id", (9, 2)).bind(E)
    M = G.rep().at(E)
    x = np.random.default_rng(1).normal(size=(3, 9, 2))
    for j in range(5):
        np.testing.assert_array_equal(b.act(x, j), np.einsum("ab,nbc->nac", M[j], x))
        np.testing.assert_array_equal(b.act(x, j, inverse=True),
                                      np.einsum("ba,nbc->nac", M[j], x))


def test_readme_section_model_runs_as_shown(tmp_path, monkeypatch, capsys):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    sec = text[text.index("## Measure your own model"):]
    code = sec[sec.index("```python\n") + 10:sec.index("```", sec.index("```python\n") + 10)]
    code += "\ndef broken(x):\n    return smooth(x) + 1e-3 * x[:, :1]\n"
    (tmp_path / "mymodels.py").write_text(code)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["model", "mymodels:smooth", "--group", "C8"]) == 0
    assert "equivariant to working precision" in capsys.readouterr().out
    assert main(["model", "mymodels:broken", "--group", "C8"]) == 0
    out = capsys.readouterr().out
    shown = sec[sec.index("relative error  "):].splitlines()[0]
    assert shown in out  # the README's numbers are this run's
