r"""EquivCNP, zero-shot image completion (Kawano et al., ICLR 2021; optional, not in ``verify all``).

``equivcnp-image`` (trend).  16×16 synthetic seven-segment digits
(:mod:`verify.models.image_completion`; random digit, stroke width U(0.06, 0.09)); a fraction
``context`` of the pixels is observed and every other pixel is predicted.  Two one-layer
LieConv-style completion models with a learned kernel of the pair encoding
:math:`\log(u_t^{-1}u_x)`, one T(2)-equivariant and one R×SO(2)-equivariant (about the image
centre), are fitted (ridge least squares) on ``train`` upright digits and tested zero-shot on
``test`` digits of each kind: upright; rotated by θ ~ U(−π, π); scaled by :math:`e^s`,
s ~ U(−0.3, 0.3); rotated and scaled.  Reported: the mean squared error over the unobserved
pixels (mean over test images, CI from the standard error), and the paired difference
T(2) − R×SO(2) per test set.  Expected (the paper's claim): the group that contains the test
transformation completes best, i.e. R×SO(2) on rotated and scaled digits.

The pixel grid is not invariant under arbitrary rotations and scalings, so even the
R×SO(2) model sees its context at other relative positions on transformed digits (and scaled
digits are cropped or thinned in pixel units): its exact equivariance holds for the continuous
model, not for the pixelised task.
"""

from __future__ import annotations

import numpy as np

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, UsageError, register
from ..engine.stats import Check, mean_se
from ..models.image_completion import fit_completion, predict_completion, render_digits

__all__ = ["TEST_SETS", "image_task", "make_digits"]

TEST_SETS = ("upright", "rotated", "scaled", "rotated+scaled")
GROUP_NAMES = {"T2": "T(2)", "RxSO2": "RxSO(2)"}


def make_digits(rng, n, kind, context):
    """Images, context masks and the transformation (s, theta) of each image."""
    dig = rng.integers(0, 10, n)
    w = rng.uniform(0.06, 0.09, n)
    s = rng.uniform(-0.3, 0.3, n) if "scaled" in kind else np.zeros(n)
    th = rng.uniform(-np.pi, np.pi, n) if "rotated" in kind else np.zeros(n)
    g = np.column_stack([s, th])
    imgs = render_digits(dig, w, None if kind == "upright" else g)
    return imgs, rng.random(imgs.shape) < context, g


def image_task(rng, group, train, test, context, data_seed):
    """Fit one model on upright digits; per-image MSE on every test set; one example each."""
    drng = np.random.default_rng(data_seed)  # the same digits for both models
    imgs, masks, _ = make_digits(drng, train, "upright", context)
    theta = fit_completion(group, imgs, masks)
    out = {}
    for kind in TEST_SETS:
        ti, tm, _ = make_digits(drng, test, kind, context)
        preds = np.array([predict_completion(group, theta, im, m) for im, m in zip(ti, tm)])
        out[kind] = [float(np.mean((p - im)[~m] ** 2)) for p, im, m in zip(preds, ti, tm)]
        out[f"example {kind}"] = {"image": ti[0].tolist(), "mask": tm[0].astype(float).tolist(),
                                  "prediction": preds[0].tolist()}
    return out


def plan_image(exp: Experiment, v: dict) -> Plan:
    if not 0 < v["context"] < 1:
        raise UsageError(f"parameter context must lie in (0, 1), got {v['context']}")
    groups = ("T2", "RxSO2")
    tasks = [TaskSpec(image_task, dict(group=g, train=v["train"], test=v["test"],
                                       context=v["context"], data_seed=v["data_seed"]), key=g)
             for g in groups]

    def reduce(outputs):
        o = dict(zip(groups, outputs))
        checks = []
        for kind in TEST_SETS:
            for g in groups:
                m, se = mean_se(o[g][kind])
                checks.append(Check(f"{GROUP_NAMES[g]} model, {kind} test digits: MSE", "trend",
                                    None, m, se=se))
            d = np.asarray(o["T2"][kind]) - np.asarray(o["RxSO2"][kind])
            m, se = mean_se(d)
            better = "RxSO(2)" if m > 0 else "T(2)"
            checks.append(Check(f"{kind}: MSE T(2) - RxSO(2) (> 0: RxSO(2) completes better)",
                                "trend", 0.0, m, se=se, relation=">=",
                                note=f"paired over images; {better} better"))
        return checks, {"outputs": o}

    return Plan(tasks, reduce, params={})


IMAGE = register(Experiment(
    slug="equivcnp-image", kind="trend", family="EquivCNP",
    claim="zero-shot completion of rotated/scaled digits: T(2)- vs RxSO(2)-equivariant model "
          "(optional, not in verify all)",
    params=(Param("train", int, 300, "upright training digits", quick=40, low=2, high=5000,
                  why="what fits in a few minutes"),
            Param("test", int, 100, "test digits per test set", quick=20, low=2, high=5000,
                  why="what fits in a few minutes"),
            Param("context", float, 0.3, "fraction of observed pixels", low=0.05, high=0.95,
                  why="below, the fit is singular; above, no pixel is left to predict"),
            Param("data_seed", int, 7, "seed of the digits (shared by both models)", low=0)),
    planner=plan_image, details=__doc__, in_all=False,
))
