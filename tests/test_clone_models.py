"""verify.models.cloning (teachers, linear/bilinear students, tanh MLP backprop) and
verify.models.nets.Adam."""

import numpy as np
import pytest

from tests.helpers import assert_close
from verify.models import cloning as mc
from verify.models.nets import Adam
from verify.symmetry.groups import cyclic


def test_mlp_backprop_matches_central_differences():
    rng = np.random.default_rng(0)
    net = mc.init_mlp((5, 7, 3), rng)
    net.theta += 0.3 * rng.normal(size=net.theta.size)  # nonzero biases too
    X, Y = rng.normal(size=(11, 5)), rng.normal(size=(11, 3))
    out, a = mc.mlp_forward(net, X)
    g = mc.mlp_grad(net, X, a, 2 * (out - Y) / len(X))
    h = 1e-6
    fd = np.empty_like(g)
    for i in range(g.size):
        old = net.theta[i]
        net.theta[i] = old + h
        lp = mc.mse(net, X, Y)
        net.theta[i] = old - h
        lm = mc.mse(net, X, Y)
        net.theta[i] = old
        fd[i] = (lp - lm) / (2 * h)
    assert np.linalg.norm(fd - g) / np.linalg.norm(g) < 1e-7
    # a planted error (tanh' dropped) is visible to the same check
    da = (2 * (out - Y) / len(X)) @ net.W2
    wrong = np.concatenate([(da.T @ X).ravel(), da.sum(0), g[net.W1.size + net.b1.size:]])
    assert np.linalg.norm(fd - wrong) / np.linalg.norm(g) > 1e-2


def test_adam_matches_a_hand_unrolled_reference():
    g1, g2 = np.array([0.5, -2.0, 1e-3]), np.array([-1.0, 1.0, 2.0])
    theta = np.zeros(3)
    opt = Adam(3, lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8)
    opt.step(theta, g1)
    # first step: m^ = g, v^ = g^2, so the move is lr * g / (|g| + eps)
    assert_close(theta, -0.1 * g1 / (np.abs(g1) + 1e-8), "Adam step 1")
    opt.step(theta, g2)
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.99 * 0.01 * g1**2 + 0.01 * g2**2
    ref = -0.1 * g1 / (np.abs(g1) + 1e-8) - 0.1 * (m / 0.19) / (np.sqrt(v / (1 - 0.99**2)) + 1e-8)
    assert_close(theta, ref, "Adam step 2")


def test_adam_minimises_a_quadratic_and_takes_a_schedule():
    A = np.diag([1.0, 10.0, 100.0])
    theta = np.array([1.0, -1.0, 0.5])
    opt = Adam(3, lr=lambda t: 0.05 * 0.999**t)
    for _ in range(3000):
        opt.step(theta, A @ theta)
    assert np.abs(theta).max() < 1e-3


def test_teacher_and_tensor_identities():
    rng = np.random.default_rng(1)
    n = 9
    C = mc.orthogonal_circulant(n, rng)
    P = cyclic(n).rep().matrices[1]
    assert_close(C @ C.T, np.eye(n), "orthogonal")
    assert_close(C @ P, P @ C, "commutes with the shift")
    x, tau = rng.normal(size=(4, n)), rng.normal(size=(4, n))
    conv = np.stack([mc.circulant(xi) @ ti for xi, ti in zip(x, tau)])
    assert_close(mc.bilinear_apply(mc.conv_tensor(n), x, tau), conv, "T_conv is tau * x")
    T, rank = mc.fit_bilinear(x, tau, conv)  # 4 pairs: rank 4, not identified
    assert rank == 4 and np.abs(T - mc.conv_tensor(n)).max() > 0.1


def test_fit_mlp_learns_and_the_penalty_holds_it_at_the_anchor():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(256, 4))
    Y = np.tanh(X @ rng.normal(size=(4, 2)))
    net0 = mc.init_mlp((4, 16, 2), rng)
    start = net0.theta.copy()
    before = mc.mse(net0, X, Y)
    net, trace = mc.fit_mlp(net0, X, Y, rng, 400, lr=1e-2, every=100,
                            probe=lambda m: mc.mse(m, X, Y))
    assert mc.mse(net, X, Y) < 0.05 * before
    assert [t for t, _ in trace] == [0, 100, 200, 300, 400]
    held, _ = mc.fit_mlp(net0, X, Y, rng, 400, lr=1e-2, anchor=net0.theta, lam=100.0)
    assert np.linalg.norm(held.theta - net0.theta) < 0.1 * np.linalg.norm(net.theta - net0.theta)
    assert np.array_equal(net0.theta, start)  # fit_mlp trains a copy
    with pytest.raises(ValueError, match="sizes"):
        mc.init_mlp((4, 16), rng)
