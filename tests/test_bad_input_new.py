"""Bad input to the cloning and EquivCNP experiments and to ``verify model`` / ``budget`` /
``report``: one clear line on stderr and exit 2, before any work (the runner is stubbed to
fail if reached).  Every case here was a traceback, a hang or an out-of-memory kill before the
limit was added."""

import numpy as np
import pytest

from verify.cli import main


def _run(slug, *sets):
    argv = ["run", slug, "--quick"]
    for s in sets:
        argv += ["--set", s]
    return argv


CASES = [
    # sizes that would not fit in memory or time (each reached the workers before)
    (_run("clone-teacher", "n=1e9"), "must lie in [2, 200]"),
    (_run("clone-teacher", "inputs=1e9"), "must lie in [20, 100000]"),
    (_run("clone-bound", "n=1e18"), "must lie in [2, 200]"),
    (_run("clone-bound", "inputs=1e9"), "must lie in [2, 100000]"),
    (_run("clone-linear", "d=1e9"), "must lie in [2, 200]"),
    (_run("clone-linear", "sizes=1,1000000000"), "integers <= 100000"),
    (_run("clone-linear", "repeats=1e9"), "must lie in [2, 10000]"),
    (_run("clone-linear", "test=1e9"), "must lie in [2, 100000]"),
    (_run("clone-bilinear", "n=1e9"), "must lie in [2, 32]"),
    (_run("clone-bilinear", "N=1e9"), "must lie in [1, 20000]"),
    (_run("clone-bilinear", "unseen=1e9"), "must lie in [2, 100000]"),
    (_run("clone-retain-break", "seeds=1e9"), "must lie in [1, 100]"),  # was a MemoryError
    (_run("clone-retain-break", "classes=1e9"), "must lie in [2, 64]"),
    (_run("clone-retain-break", "train=1e9"), "must lie in [8, 100000]"),
    (_run("clone-retain-break", "steps=1e18"), "must lie in [1, 20000]"),
    (_run("clone-retain-break", "clone_N=1e9"), "must lie in [1, 20000]"),
    (_run("clone-mlp", "steps=1e9"), "must lie in [1, 20000]"),
    (_run("clone-mlp", "sizes=64,1000000000"), "integers <= 100000"),
    (_run("clone-break", "N=1e9"), "must lie in [2, 100000]"),
    (_run("clone-break", "ft_steps=1e9"), "must lie in [1, 20000]"),
    (_run("clone-break", "ft_N=1e9"), "must lie in [2, 100000]"),
    (_run("clone-off-dist", "N=1e18"), "must lie in [2, 100000]"),
    (_run("equivcnp-encoder", "sets=1e9"), "must lie in [2, 10000]"),
    (_run("equivcnp-multiplicity", "targets=1e9"), "must lie in [3, 100000]"),
    (_run("equivcnp-lie", "elements=1e9"), "must lie in [10, 1e+06]"),
    (_run("equivcnp-image", "train=1e9"), "must lie in [2, 5000]"),
    (_run("equivcnp-image", "test=1e9"), "must lie in [2, 5000]"),
    (_run("equivcnp-model", "sets=1e9"), "must lie in [2, 10000]"),
    (_run("equivcnp-grid", "sets=1e9"), "must lie in [2, 10000]"),
    (_run("equivcnp-shift-exact", "tasks=1e9"), "must lie in [2, 10000]"),
    (_run("equivcnp-shift", "steps_convcnp=1e9"), "must lie in [1, 20000]"),
    (_run("equivcnp-shift", "tasks=1e9"), "must lie in [2, 10000]"),
    (_run("equivcnp-gp", "steps_cnp=1e18"), "must lie in [1, 20000]"),
    (_run("equivcnp-gp", "tasks=1e9"), "must lie in [2, 10000]"),
    # values with which a run gave non-finite numbers, a traceback or a wrong verdict
    (_run("clone-retain-break", "lr=1e18"), "must lie in [1e-06, 1]"),
    (_run("clone-retain-break", "lr=0"), "must lie in [1e-06, 1]"),
    (_run("clone-retain-break", "sigma=1e18"), "must lie in [0, 1000]"),
    (_run("clone-mlp", "lr=1e9"), "must lie in [1e-06, 1]"),
    (_run("clone-break", "lr=1e-300"), "must lie in [1e-06, 1]"),
    (_run("clone-break", "lam=1e18"), "must lie in [0, 1000]"),
    (_run("clone-break", "eps=0,1e9"), "eps must list numbers in [0, 1000]"),
    (_run("clone-off-dist", "scales=1e-300"), "scales must lie in [0.001, 1000]"),  # 0/0
    (_run("clone-off-dist", "scales=1e9"), "scales must lie in [0.001, 1000]"),
    (_run("equivcnp-image", "context=1e-300"), "must lie in [0.05, 0.95]"),  # LinAlgError
    (_run("equivcnp-image", "context=0.999"), "must lie in [0.05, 0.95]"),  # all nan
    (_run("equivcnp-multiplicity", "targets=2"), "must lie in [3, 100000]"),  # false FAIL
    (_run("equivcnp-shift-exact", "shifts=1e9"), "must lie in [0.01, 100]"),  # false FAIL
    (_run("equivcnp-shift-exact", "shifts=1e-300"), "must lie in [0.01, 100]"),  # false FAIL
    (_run("equivcnp-shift", "shifts=0,1e9"), "must lie in [0, 100]"),
    # the generic parser, on the new experiments
    (_run("clone-bound", "c=nan"), "finite number"),
    (_run("clone-teacher", "bias=inf"), "finite number"),
    (_run("clone-linear", "sizes="), "is empty"),
    (_run("clone-linear", "sizes=abc"), "comma-separated integers"),
    (_run("clone-bilinear", "below=maybe"), "true or false"),
    (_run("equivcnp-gp", "kernels=nope"), "kernels"),
    (_run("equivcnp-lie", "elements=2.5"), "must be an integer"),
    # verify model (each was a traceback, a hang, or work done before the error)
    (["model", "W.npy", "--group", "C4", "--n", "100000000"], "at most 3.2e+07 fit"),
    (["model", "W.npy", "--group", "C4", "--shape", "100000,100000"], "at most 3.2e+07 fit"),
    (["model", "W.npy", "--group", "C4", "--shape", "0,4"], "must be positive"),
    (["model", "W.npy", "--group", "C4", "--seed", "-1"], "--seed must be a non-negative"),
    (["model", "W.npy", "--group", "C4", "--json", "/no/such/dir/x.json"], "does not exist"),
    (["model", "W3.npy", "--group", "SO3", "--elements", "0"], "must lie in [1, 4096]"),
    (["model", "W3.npy", "--group", "SO3", "--elements", "1000000000"], "must lie in [1, 4096]"),
    (["model", "W.npy", "--group", "C1000000000"], "m must be at most 200"),
    (["model", "W.npy", "--group", "D1000"], "m must be at most 100"),
    # verify budget
    (["budget", "d.npz", "--group", "C4", "--n-boot", "1000000000"], "must lie in [20, 100000]"),
    (["budget", "d.npz", "--group", "C4", "--seed", "-1"], "--seed must be a non-negative"),
    (["budget", "d.npz", "--group", "C4", "--json", "/no/such/dir/x.json"], "does not exist"),
    # verify report
    (["report", "--quick", "--out", "", "clone-linear"], "--out is empty"),
]


@pytest.fixture(autouse=True)
def no_work(monkeypatch, tmp_path):
    """Any case that reaches the workers fails; files for model/budget in the current folder."""
    from verify.engine import runner

    def refuse(*a, **k):
        raise AssertionError("work started for bad input")

    monkeypatch.setattr(runner, "execute", refuse)
    monkeypatch.setenv("EQUIBOUNDS_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "W.npy", np.eye(4))
    np.save(tmp_path / "W3.npy", np.eye(3))
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", X=rng.normal(size=(50, 4)), Y=rng.normal(size=(50, 4)))


@pytest.mark.parametrize("argv,needle", CASES, ids=[" ".join(a)[:70] for a, _ in CASES])
def test_bad_input_is_one_line_and_exit_2(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith("error: ") and needle in err, err
