"""Shared test helpers: one assert with dtype-keyed tolerances that names the failing element."""

import numpy as np

TOL = {np.dtype("float64"): 1e-10, np.dtype("float32"): 1e-5}


def assert_close(actual, expected, what: str, tol: float | None = None) -> None:
    """Assert |actual - expected| <= tol * max(1, |expected|) elementwise; name the worst entry."""
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    t = TOL[a.dtype] if tol is None else tol
    err = np.abs(a - e) / np.maximum(1.0, np.abs(e))
    if err.size and err.max() > t:
        idx = np.unravel_index(np.argmax(err), err.shape)
        raise AssertionError(f"{what}: at index {idx} got {a[idx]!r}, expected {e[idx]!r} "
                             f"(relative error {err[idx]:.3g} > {t:g})")


def random_features(d: int, k: int, rng, p: int = 16):
    """A random ReLU random-features map R^d -> R^k acting on rows."""
    A, b, B = rng.normal(size=(p, d)), rng.normal(size=p), rng.normal(size=(k, p)) / np.sqrt(p)
    return lambda X: np.maximum(X @ A.T + b, 0.0) @ B.T
