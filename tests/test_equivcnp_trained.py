"""equivcnp-shift and equivcnp-gp (trend): soft asserts at quick size with fixed seeds.
They are never asserted in the experiment (no PASS); here the seeded quick run must show the
shapes the theory predicts: the EquivCNP flat under window shifts, the CNP collapsing by more
than 1 nat at shift 4, and the EquivCNP above the CNP outside the training range."""

import numpy as np
import pytest

from verify.engine.experiment import UsageError, get
from verify.engine.runner import run


@pytest.fixture(scope="module")
def shift():
    return run(get("equivcnp-shift"), quick=True, seed=0)


def _out(res, key):
    return res.data["outputs"][key]


def test_shift_is_reported_never_passed(shift):
    assert shift.verdict == "reported" and all(not c.asserted for c in shift.checks)
    assert all(np.isfinite(c.measured) for c in shift.checks)


def test_shift_soft_asserts(shift):
    eqv, cnp = _out(shift, "rbf/convcnp"), _out(shift, "rbf/cnp")
    base = np.asarray(eqv["shift 0"])
    for a in (2, 4):
        d = np.asarray(eqv[f"shift {a}"]) - base
        se = base.std(ddof=1) / np.sqrt(base.size)
        assert abs(d.mean()) <= 3 * se  # flat up to its CI (exactly, in fact)
        assert np.mean(eqv[f"shift {a}"]) > np.mean(cnp[f"shift {a}"])
    assert np.mean(cnp["shift 4"]) < np.mean(cnp["shift 0"]) - 1
    gp = _out(shift, "rbf/gp")
    assert np.mean(gp["shift 0"]) > np.mean(eqv["shift 0"])  # the oracle is the ceiling


def test_gp_soft_asserts():
    res = run(get("equivcnp-gp"), quick=True, seed=0, overrides={"kernels": "matern"})
    assert res.verdict == "reported"
    for k in ("matern",):
        assert np.mean(_out(res, f"{k}/convcnp")["(-4, 4)"]) > \
            np.mean(_out(res, f"{k}/cnp")["(-4, 4)"])


def test_bad_settings():
    with pytest.raises(UsageError):
        run(get("equivcnp-gp"), quick=True, overrides={"kernels": "laplace"})
    with pytest.raises(UsageError):
        run(get("equivcnp-shift"), quick=True, overrides={"shifts": "a,b"})
