"""equivcnp-image (trend, optional): the completion models' features are exactly invariant
under their group (the one metric) and not under the other; the seeded quick run is reported
and shows the R×SO(2) model ahead on rotated digits (soft assert)."""

import numpy as np
import pytest

from verify.engine.experiment import UsageError, get
from verify.engine.runner import run
from verify.models.image_completion import basis_features, pixel_grid, render_digits
from verify.symmetry.equivariance import Action, equivariance_error
from verify.symmetry.lie import T2, RxSO2


def _features(group):
    def f(inp):
        t, xc, yc = inp
        return np.stack([basis_features(group, t[b], xc[b], yc[b]) for b in range(t.shape[0])])
    return f


def _inputs(rng, n=4):
    P = pixel_grid()
    imgs = render_digits(rng.integers(0, 10, n), rng.uniform(0.06, 0.09, n))
    idx = [rng.choice(P.shape[0], 60, replace=False) for _ in range(n)]
    return (np.stack([P[:40]] * n), np.stack([P[i] for i in idx]),
            np.stack([im[i] for im, i in zip(imgs, idx)]))


def _actions(G, g):
    return [Action(f"g{k}", lambda inp, gk=gk: (G.act(gk, inp[0]), G.act(gk, inp[1]), inp[2]),
                   lambda y: y) for k, gk in enumerate(g)]


def test_features_are_invariant_under_their_group_only():
    rng = np.random.default_rng(0)
    x = _inputs(rng)
    rs = RxSO2(log_scale=0.3)
    g_rs = rs.sample(5, rng)
    t2 = T2(half_width=0.3)
    g_t2 = t2.sample(5, rng)
    assert equivariance_error(_features("RxSO2"), x, _actions(rs, g_rs)).ratio < 1e-12
    assert equivariance_error(_features("T2"), x, _actions(t2, g_t2)).ratio < 1e-12
    assert equivariance_error(_features("T2"), x, _actions(rs, g_rs)).ratio > 1e-2
    assert equivariance_error(_features("RxSO2"), x, _actions(t2, g_t2)).ratio > 1e-2


def test_quick_run_is_reported_and_rotation_favours_rxso2():
    exp = get("equivcnp-image")
    assert not exp.in_all
    res = run(exp, quick=True, seed=0)
    assert res.verdict == "reported"
    o = res.data["outputs"]
    assert np.mean(o["T2"]["rotated"]) > np.mean(o["RxSO2"]["rotated"])  # soft (seeded)
    with pytest.raises(UsageError):
        run(exp, quick=True, overrides={"context": "1.5"})
