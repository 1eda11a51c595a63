r"""The 8×8 digits data of the Bökman–Kahl merging experiments.

scikit-learn's ``load_digits`` (1 797 images, shipped with scikit-learn, no download): pixels
divided by 16, shuffled with seed 123, split 1 300 train / 497 test, centred by the
flip-symmetrised training mean :math:`\bar m=\tfrac12(m+Pm)`, so centring commutes with the
horizontal flip :math:`P` (``FLIP``).  The evaluation set is flip-closed,
:math:`T\cup PT`, so :math:`\mathcal L(\theta)=\mathcal L(F\theta)` there exactly.

Without scikit-learn a synthetic stand-in of the same shape is used: 10 random templates; each
example of class c is template c or its mirror (probability ½), shifted by up to one pixel, plus
Gaussian noise, clipped to [0, 16].  ``Digits.source`` says which one was loaded.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["FLIP", "Digits", "load", "synthetic_digits"]

#: Horizontal flip of a row-major flattened 8×8 image: :math:`(Px)_{r,c}=x_{r,7-c}`.
FLIP = np.arange(64).reshape(8, 8)[:, ::-1].ravel()
N_TRAIN, N_TEST, SHUFFLE_SEED = 1300, 497, 123


@dataclass(frozen=True)
class Digits:
    """Centred data: ``X_train`` (1300, 64), ``X_test`` (497, 64); labels 0..9; ``flip`` the
    pixel permutation; ``source`` is ``"sklearn"`` or ``"synthetic"``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    flip: np.ndarray
    mean: np.ndarray
    source: str

    def flip_closed(self, which: str = "test") -> tuple[np.ndarray, np.ndarray]:
        """:math:`S\\cup PS` for ``which`` in {train, test}: (2n, 64) inputs and labels."""
        X, y = (self.X_test, self.y_test) if which == "test" else (self.X_train, self.y_train)
        return np.concatenate([X, X[:, self.flip]]), np.concatenate([y, y])


def synthetic_digits(n: int = 1797, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stand-in for ``load_digits``: (n, 64) pixels in [0, 16] and labels 0..9 (see module)."""
    rng = np.random.default_rng(seed)
    raw = rng.random((10, 10, 10)) ** 3  # sparse bright strokes on a 10×10 canvas
    box = sum(raw[:, i:i + 8, j:j + 8] for i in range(3) for j in range(3)) / 9.0
    templates = 16 * box / box.max(axis=(1, 2), keepdims=True)
    y = np.arange(n) % 10
    rng.shuffle(y)
    imgs = templates[y].copy()
    mirror = rng.random(n) < 0.5
    imgs[mirror] = imgs[mirror][:, :, ::-1]
    shifts = rng.integers(-1, 2, size=(n, 2))
    out = np.zeros_like(imgs)
    for k, (dr, dc) in enumerate(shifts):  # shift by (dr, dc) with zero fill
        src = imgs[k][max(0, -dr):8 - max(0, dr), max(0, -dc):8 - max(0, dc)]
        out[k][max(0, dr):max(0, dr) + src.shape[0], max(0, dc):max(0, dc) + src.shape[1]] = src
    out += rng.normal(0.0, 1.5, size=out.shape)
    return np.clip(out, 0.0, 16.0).reshape(n, 64), y


def _sklearn_digits():
    """scikit-learn's digits, or None without scikit-learn.  The CSV that ``load_digits`` reads
    is read directly when it is where scikit-learn keeps it (importing sklearn.datasets costs
    seconds per worker process); otherwise ``load_digits`` is called."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    if path.is_file():
        a = np.loadtxt(path, delimiter=",")
        if a.shape == (1797, 65):
            return a[:, :-1], a[:, -1].astype(np.int64)
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        return None
    d = load_digits()
    return np.asarray(d.data, dtype=np.float64), np.asarray(d.target, dtype=np.int64)


@functools.lru_cache(maxsize=4)
def load(source: str = "auto") -> Digits:
    """The digits split of the module docstring; ``source`` is auto (scikit-learn if installed,
    else synthetic), sklearn or synthetic."""
    if source not in ("auto", "sklearn", "synthetic"):
        raise ValueError(f"source must be auto, sklearn or synthetic, got {source!r}")
    raw = None if source == "synthetic" else _sklearn_digits()
    if raw is None:
        if source == "sklearn":
            raise ImportError("scikit-learn is not installed: pip install 'equibounds[digits]'")
        raw, used = synthetic_digits(), "synthetic"
    else:
        used = "sklearn"
    X, y = raw
    order = np.random.default_rng(SHUFFLE_SEED).permutation(len(X))
    X, y = X[order] / 16.0, y[order]
    Xtr, ytr = X[:N_TRAIN], y[:N_TRAIN]
    Xte, yte = X[N_TRAIN:N_TRAIN + N_TEST], y[N_TRAIN:N_TRAIN + N_TEST]
    m = Xtr.mean(axis=0)
    m = 0.5 * (m + m[FLIP])
    arrays = (Xtr - m, ytr, Xte - m, yte, FLIP.copy(), m)
    for a in arrays:  # shared by the cache: read-only
        a.flags.writeable = False
    return Digits(*arrays, used)
