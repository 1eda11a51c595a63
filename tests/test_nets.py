"""verify.models.nets (numpy ReLU networks, backprop, SGD) and verify.models.digits (data and its fallback)."""

import importlib.util
import itertools

import numpy as np
import pytest

from tests.helpers import assert_close
from verify.models import digits, nets

STEP = 1e-6


def _fd_rel_errors(net, X, y, rng, coords=12, skip_mask=None):
    """Per tensor ||g_fd - g|| / ||g|| on random coordinates (central differences)."""
    _, grads = nets.loss_and_grad(net, X, y, skip_mask=skip_mask)
    out = []
    for k, p in enumerate(net.params):
        idx = rng.choice(p.size, min(coords, p.size), replace=False)
        fd = []
        for i in idx:
            old = p.flat[i]
            p.flat[i] = old + STEP
            lp = nets.cross_entropy(nets.forward(net, X), y)[0]
            p.flat[i] = old - STEP
            lm = nets.cross_entropy(nets.forward(net, X), y)[0]
            p.flat[i] = old
            fd.append((lp - lm) / (2 * STEP))
        fd, an = np.array(fd), grads[k].flat[idx]
        out.append(np.linalg.norm(fd - an) / max(np.linalg.norm(an), 1e-300))
    return np.array(out)


NETS = {
    "mlp 1 hidden": lambda rng: nets.init_mlp([64, 16, 10], rng),
    "mlp 3 hidden": lambda rng: nets.init_mlp([64, 20, 12, 8, 10], rng),
    "cnn conv-conv-dense": lambda rng: nets.init_cnn([3, 4], rng),
    "cnn conv-dense-dense": lambda rng: nets.init_cnn([3], rng, hidden=(7,)),
    "cnn rgb 4x6 input": lambda rng: nets.init_cnn([2, 3], rng, image=(4, 8, 3), classes=5),
}


@pytest.mark.parametrize("name", sorted(NETS))
def test_backprop_matches_central_differences(name):
    rng = np.random.default_rng(11)
    net = NETS[name](rng)
    d_in = int(np.prod(net.image)) if net.image else net.W(0).shape[1]
    k = net.b(net.depth - 1).size
    X, y = rng.normal(size=(8, d_in)), rng.integers(0, k, 8)
    rel = _fd_rel_errors(net, X, y, rng)
    assert rel.max() <= 1e-6, dict(enumerate(rel))


@pytest.mark.parametrize("name", ["mlp 3 hidden", "cnn conv-conv-dense"])
def test_dropping_a_relu_mask_is_detected(name):
    rng = np.random.default_rng(11)
    net = NETS[name](rng)
    d_in = int(np.prod(net.image)) if net.image else net.W(0).shape[1]
    X, y = rng.normal(size=(8, d_in)), rng.integers(0, 10, 8)
    rel = _fd_rel_errors(net, X, y, rng, skip_mask=0)
    assert rel[:2].min() > 1e-3  # the first layer's W and b are wrong
    assert rel[-2:].max() <= 1e-6  # the last layer's are not affected


def test_conv_equals_direct_sum_and_adjoints():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 4, 6, 3))
    K = rng.normal(size=(3, 3, 3, 5))
    z = nets._im2col(X) @ K.reshape(-1, 5)
    Xp = np.pad(X, ((0, 0), (1, 1), (1, 1), (0, 0)))
    ref = np.zeros((2, 4, 6, 5))
    for h in range(4):
        for w in range(6):
            ref[:, h, w] = np.einsum("nijc,ijco->no", Xp[:, h:h + 3, w:w + 3], K)
    assert_close(z, ref, "conv via im2col vs direct sum", tol=1e-13)
    Y = rng.normal(size=(2, 4, 6, 27))  # <im2col X, Y> = <X, col2im Y>
    assert np.isclose(np.sum(nets._im2col(X) * Y), np.sum(X * nets._col2im(Y, 3)), rtol=1e-13)
    G = rng.normal(size=(2, 2, 3, 3))  # <pool a, G> = <a, unpool G>
    a = rng.normal(size=(2, 4, 6, 3))
    assert np.isclose(np.sum(nets._pool(a) * G), np.sum(a * nets._unpool(G)), rtol=1e-13)


def test_forward_shapes_and_preactivations():
    rng = np.random.default_rng(0)
    cnn = nets.init_cnn([4, 6], rng)
    X = rng.normal(size=(5, 64))
    z = nets.preactivations(cnn, X)
    assert [a.shape for a in z] == [(5, 8, 8, 4), (5, 4, 4, 6)]
    assert nets.forward(cnn, X).shape == (5, 10)
    assert_close(nets.predict(cnn, X, chunk=2), nets.forward(cnn, X), "chunked predict")
    mlp = nets.init_mlp([64, 7, 9, 10], rng)
    assert [a.shape for a in nets.preactivations(mlp, X)] == [(5, 7), (5, 9)]
    assert cnn.widths() == [4, 6] and mlp.widths() == [7, 9]


def test_bad_architectures_raise():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        nets.init_mlp([64], rng)
    with pytest.raises(ValueError):
        nets.init_cnn([4, 4, 4, 4], rng)  # 8 -> 4 -> 2 -> 1: odd size before the 4th pooling
    with pytest.raises(ValueError):
        nets.init_cnn([], rng)


def test_cross_entropy_value_and_gradient():
    logits = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5]])
    y = np.array([0, 2])
    loss, g = nets.cross_entropy(logits, y)
    p0 = np.exp(logits[0]) / np.exp(logits[0]).sum()
    assert loss == pytest.approx((-np.log(p0[0]) + np.log(3)) / 2, rel=1e-14)
    assert_close(g.sum(axis=1), np.zeros(2), "softmax - onehot rows sum to 0", tol=1e-15)


def test_learning_rate_schedule():
    lrs = [nets.lr_at(t, 100, 0.05, warmup=5) for t in range(100)]
    assert lrs[0] == pytest.approx(0.01) and lrs[4] == pytest.approx(0.05)
    assert lrs[5] == pytest.approx(0.05) and lrs[-1] == pytest.approx(0.05 / 95)
    assert all(a >= b for a, b in itertools.pairwise(lrs[4:]))
    assert nets.lr_at(0, 10, 0.1) == pytest.approx(0.1)


def test_training_is_seeded_and_learns():
    d = digits.load()
    runs = [nets.train(nets.init_mlp([64, 32, 10], np.random.default_rng(3)), d.X_train,
                       d.y_train, np.random.default_rng(4), epochs=10, flip=d.flip, p_flip=0.5)
            for _ in range(2)]
    for a, b in zip(runs[0].params, runs[1].params):
        assert np.array_equal(a, b)
    loss, err = nets.evaluate(runs[0], d.X_test, d.y_test)
    assert err < 0.2 and loss < 0.7
    init = nets.init_mlp([64, 32, 10], np.random.default_rng(3))
    assert nets.evaluate(init, d.X_test, d.y_test)[1] > 0.5  # training did something
    other = nets.train(init, d.X_train, d.y_train, np.random.default_rng(5), epochs=1)
    assert not np.array_equal(other.W(0), runs[0].W(0))


# -- digits ----------------------------------------------------------------------------------------
def test_digits_split_shapes_centring_and_flip():
    d = digits.load()
    assert d.X_train.shape == (1300, 64) and d.X_test.shape == (497, 64)
    assert d.y_train.shape == (1300,) and set(np.unique(d.y_train)) == set(range(10))
    assert d.X_train.dtype == np.float64
    assert np.array_equal(d.flip, np.arange(64).reshape(8, 8)[:, ::-1].ravel())
    m = d.X_train.mean(axis=0)  # centred by the flip-symmetrised mean
    assert_close(0.5 * (m + m[d.flip]), np.zeros(64), "symmetrised mean", tol=1e-14)
    Xc, yc = d.flip_closed("test")
    assert Xc.shape == (994, 64) and np.array_equal(Xc[497:], d.X_test[:, d.flip])
    assert np.array_equal(yc[:497], yc[497:])
    if d.source == "sklearn":
        assert d.X_train.min() >= -1 and d.X_train.max() <= 1


def test_digits_fallback_without_sklearn(monkeypatch):
    digits.load.cache_clear()
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",  # scikit-learn "not installed"
                        lambda name, *a: None if name == "sklearn" else real_find_spec(name, *a))
    try:
        d = digits.load()
        assert d.source == "synthetic"
        assert d.X_train.shape == (1300, 64) and d.X_test.shape == (497, 64)
        assert set(np.unique(d.y_train)) == set(range(10))
        with pytest.raises(ImportError):
            digits.load("sklearn")
        net = nets.train(nets.init_mlp([64, 32, 10], np.random.default_rng(0)), d.X_train,
                         d.y_train, np.random.default_rng(1), epochs=10, flip=d.flip,
                         p_flip=0.5)
        assert nets.evaluate(net, *d.flip_closed("test"))[1] < 0.3  # learnable
    finally:
        digits.load.cache_clear()
    with pytest.raises(ValueError):
        digits.load("mnist")


def test_digits_fast_path_equals_load_digits():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = digits._sklearn_digits()
    ref = datasets.load_digits()
    assert np.array_equal(X, ref.data) and np.array_equal(y, ref.target)


def test_synthetic_digits_is_deterministic_and_in_range():
    a, ya = digits.synthetic_digits(200, seed=1)
    b, yb = digits.synthetic_digits(200, seed=1)
    assert np.array_equal(a, b) and np.array_equal(ya, yb)
    assert a.min() >= 0 and a.max() <= 16
