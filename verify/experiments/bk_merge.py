r"""Bökman–Kahl: flip symmetry of ReLU networks, exact GCNN midpoints, and merging on digits.

Exact checks (sharp, deterministic, float64):

* ``bk-gradcheck``: hand-written backprop (:mod:`verify.models.nets`) equals central differences
  (step 1e-6) on 20 coordinates per tensor, for an MLP with three hidden layers, a CNN
  (conv–ReLU–avgpool ×2, dense) and a CNN with a hidden dense layer: per tensor
  :math:`\|g_{\rm fd}-g\|/\|g\|\le10^{-6}`.  A coordinate whose ±step straddles a ReLU kink
  (some hidden pre-activation changes sign) is replaced by another one.
  Planted (``plant=relu-mask``): the ReLU mask of the first hidden layer is dropped in the
  backward pass.
* ``bk-cnn-flip``: :math:`f_{F\theta}(x)=f_\theta(\mathrm{flip}\,x)` for a (briefly trained)
  CNN and an MLP; :math:`F^2=\mathrm{id}`; :math:`\mathcal L(\theta)=\mathcal L(F\theta)` on the
  flip-closed test set.  Planted (``plant=head-reindex``): the head is not re-indexed.
* ``bk-flip-match``: for a trained net θ and :math:`F\theta`, matched on flip-closed data
  (train ∪ flip(train)): the activation costs are symmetric, :math:`\max|C-C^\top|\le10^{-12}`;
  the weight costs too, with involutive :math:`\Pi`; with involutive Π (the exact matcher
  :func:`verify.models.merge.involution_match`) the midpoint :math:`\frac12(\theta+\Pi F\theta)` is an
  exact GCNN, invariance error :math:`\le10^{-10}`.  Reported: the fraction of units on which
  plain LSA is already involutive, and the midpoint error with plain LSA.  MLP (trained as in
  ``bk-merge-mlp``) and a small CNN.  Planted (``plant=train-only``): match on train only.

Merging (trend; Bökman & Kahl 2024, merging), digits, SGD as in the prototype: for each (size, arm,
seed) train θ_A and θ_B (independent seeds), then compare the **flip pair** (θ_A, F θ_A) with
the **two-net pair** (θ_A, θ_B), each aligned by activation matching on train ∪ flip(train):
loss and error barriers on the flip-closed test set, merged accuracy at α = ½ plain and after
REPAIR (statistics on train ∪ flip(train)), activation alignment :math:`a_l`, invariance errors,
weight-space errors, and unaligned controls.

* ``bk-merge-mlp``: sizes {1×64, 2×16, 2×32, 2×64, 2×128}, arms none / hflip p = ½, 6 seeds,
  40 epochs (quick: 2×64, augmented, 6 seeds).  Soft claim (asserted in the tests with fixed
  seeds): the mean over seeds of :math:`B_{\rm 2net}-B_{\rm flip}` (loss) at 2×64 is > 0.
* ``bk-merge-cnn``: conv 32 → 64, avgpool, dense, augmented, 4 seeds, 30 epochs, 5 % warm-up
  (quick: 16 / 32 channels, 2 seeds, 5 epochs).  Exploratory, report only: the prototype did
  not reproduce the effect at this scale.
"""

from __future__ import annotations

import re

import numpy as np

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, UsageError, register
from ..engine.stats import Check, mean_se
from ..models import digits, merge, nets

GRAD_TOL = 1e-6
EXACT_TOL = 1e-12
MID_TOL = 1e-10
#: Training hyper-parameters (those of the independent prototype whose barriers are ``PROTOTYPE``).
MOMENTUM, WEIGHT_DECAY = 0.9, 5e-4
#: Peak learning rates beyond 1 make SGD with momentum 0.9 blow up (lr = 1e6 overflows to inf)
LR_WHY = ("ten times the default; at lr = 1, SGD with momentum 0.9 killed every ReLU of a "
          "hidden layer in the quick run, so a_l = 0/0")
#: Training limits: widths, channels, epochs, seeds, and the run's optimiser steps in all.
WIDTH_MAX, DEPTH_MAX, EPOCHS_MAX, SEEDS_MAX, STEPS_MAX = 1024, 8, 1000, 100, 250_000
CNN_EPOCHS_MAX = 100  # the identities of bk-cnn-flip / bk-flip-match hold for any weights
TRAIN_WHY = "training time on 2 cores"


def _check_steps(nets_count: int, epochs: int, batch: int) -> None:
    """Refuse a run whose SGD steps, nets x epochs x ceil(N_train / batch), exceed STEPS_MAX."""
    steps = nets_count * epochs * -(-digits.N_TRAIN // batch)
    if steps > STEPS_MAX:
        raise UsageError(f"{steps} SGD steps (nets x epochs x ceil({digits.N_TRAIN}/batch)) "
                         f"exceed the limit of {STEPS_MAX} ({TRAIN_WHY}, several minutes); "
                         f"use fewer epochs, seeds or sizes, or a larger batch")
#: The prototype's augmented-arm numbers (loss barrier flip / two-net), theory §3.
PROTOTYPE = {"1x64": (0.021, 0.047), "2x16": (0.043, 0.319), "2x32": (0.044, 0.137),
             "2x64": (0.042, 0.095), "2x128": (0.041, 0.077), "2x256": (0.035, 0.059)}


def _plant_param(*choices: str) -> Param:
    return Param("plant", str, "none", "plant a known error, so the check must fail (tests): "
                 + ", ".join(("none",) + choices), choices=("none",) + choices)


def _channels(text: str, name: str = "channels") -> tuple[int, ...]:
    try:
        out = tuple(int(c) for c in text.split(","))
    except ValueError:
        out = ()
    if not out or min(out) < 1:
        raise UsageError(f"parameter {name} must be comma-separated positive integers, "
                         f"got {text!r}")
    if len(out) > 4 or max(out) > 256:
        raise UsageError(f"parameter {name} takes at most 4 conv layers of <= 256 channels "
                         f"({TRAIN_WHY}), got {text!r}")
    return out


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """``"1x64,2x16"`` → [(1, 64), (2, 16)]: hidden layers × width."""
    out = []
    for part in text.split(","):
        m = re.fullmatch(r"\s*(\d+)\s*[x×]\s*(\d+)\s*", part)
        if not m or int(m[1]) < 1 or int(m[2]) < 1:
            raise UsageError(f"parameter sizes must look like 1x64,2x32 (hidden layers x "
                             f"width, both >= 1); got {part.strip()!r}")
        if int(m[1]) > DEPTH_MAX or int(m[2]) > WIDTH_MAX:
            raise UsageError(f"parameter sizes takes at most {DEPTH_MAX} hidden layers of width "
                             f"<= {WIDTH_MAX} ({TRAIN_WHY}); got {part.strip()!r}")
        out.append((int(m[1]), int(m[2])))
    return out


def size_name(depth: int, width: int) -> str:
    return f"{depth}x{width}"


# -- bk-gradcheck -------------------------------------------------------------------------------
def _loss_masks(net, X, y):
    """Loss and the ReLU masks :math:`\\mathbb 1[z_l>0]` of every hidden layer."""
    logits, cache = nets.forward(net, X, keep=True)
    return nets.cross_entropy(logits, y)[0], [z > 0 for _, z in cache[:-1]]


def gradcheck_checks(net, X, y, rng, label, step=1e-6, coords=20, skip_mask=None):
    """One check per tensor: :math:`\\|g_{\\rm fd}-g\\|/\\|g\\|` on ``coords`` coordinates,
    :math:`g_{\\rm fd}=(\\mathcal L(\\theta+he_i)-\\mathcal L(\\theta-he_i))/2h`."""
    _, grads = nets.loss_and_grad(net, X, y, skip_mask=skip_mask)
    checks, replaced = [], 0
    for k, p in enumerate(net.params):
        fd, an = [], []
        for i in rng.permutation(p.size):
            old = p.flat[i]
            p.flat[i] = old + step
            lp, mp = _loss_masks(net, X, y)
            p.flat[i] = old - step
            lm, mm = _loss_masks(net, X, y)
            p.flat[i] = old
            if any((a != b).any() for a, b in zip(mp, mm)):  # straddles a ReLU kink
                replaced += 1
                continue
            fd.append((lp - lm) / (2 * step))
            an.append(grads[k].flat[i])
            if len(fd) == coords:
                break
        fd, an = np.array(fd), np.array(an)
        den = max(np.linalg.norm(an), np.linalg.norm(fd))
        rel = float(np.linalg.norm(fd - an) / den) if den > 0 else 0.0
        kind = "W" if k % 2 == 0 else "b"
        checks.append(Check(f"{label} {kind}{k // 2 + 1} {tuple(p.shape)}: |g_fd - g|/|g| "
                            f"({len(fd)} coords)", "sharp", 0.0, rel, tol=GRAD_TOL,
                            group=f"{label}: backprop = central differences (rel. <= 1e-6)"))
    if replaced:
        checks[-1].note = f"{replaced} coordinate(s) at a ReLU kink replaced"
    return checks


GRAD_NETS = {
    "mlp": lambda rng: nets.init_mlp([64, 24, 16, 12, 10], rng),
    "cnn": lambda rng: nets.init_cnn([4, 6], rng),
    "cnn+fc": lambda rng: nets.init_cnn([3, 5], rng, hidden=(12,)),
}


def gradcheck_task(rng, arch, samples, step, coords, plant):
    d = digits.load()
    net = GRAD_NETS[arch](rng)
    idx = rng.choice(len(d.X_train), samples, replace=False)
    return gradcheck_checks(net, d.X_train[idx], d.y_train[idx], rng, arch, step, coords,
                            skip_mask=0 if plant == "relu-mask" else None)


def plan_gradcheck(exp, v):
    if v["samples"] > digits.N_TRAIN:
        raise UsageError(f"parameter samples must be at most {digits.N_TRAIN} (the training "
                         f"images), got {v['samples']}")
    kw = {k: v[k] for k in ("samples", "step", "coords", "plant")}
    tasks = [TaskSpec(gradcheck_task, {"arch": a, **kw}) for a in GRAD_NETS]
    return Plan(tasks, lambda outs: ([c for o in outs for c in o], {}))


BK_GRADCHECK = register(Experiment(
    slug="bk-gradcheck", kind="sharp", family="BK",
    claim="hand-written backprop (MLP, CNN) matches central differences",
    params=(Param("samples", int, 16, "training images in the loss", low=1),
            Param("step", float, 1e-6, "central-difference step", low=1e-12, high=1e-3,
                  why="the truncation error grows as step^2; round-off as 1e-16/step"),
            Param("coords", int, 20, "coordinates checked per tensor", low=1),
            _plant_param("relu-mask")),
    planner=plan_gradcheck, details=__doc__,
))


# -- bk-cnn-flip --------------------------------------------------------------------------------
def _max_rel(a, b) -> float:
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


def cnn_flip_task(rng, channels, epochs, plant):
    d = digits.load()
    Xt, yt = d.flip_closed("test")
    cnn = nets.train(nets.init_cnn(channels, rng), d.X_train, d.y_train, rng, epochs,
                     warmup=0.05, flip=d.flip, p_flip=0.5)
    F = merge.flip_net(cnn, reindex_head=plant != "head-reindex")
    tag = f"CNN {'-'.join(map(str, channels))}"
    fx = nets.predict(cnn, d.X_test[:, d.flip])
    checks = [
        Check(f"{tag}: max|f_Ftheta(x) - f_theta(flip x)| / max(1, max|f|)", "sharp", 0.0,
              _max_rel(nets.predict(F, d.X_test), fx), tol=EXACT_TOL),
        Check(f"{tag}: F(F(theta)) = theta (max abs)", "sharp", 0.0,
              max(float(np.max(np.abs(a - b))) for a, b in
                  zip(merge.flip_net(F, reindex_head=plant != "head-reindex").params,
                      cnn.params)), tol=0.0),
        Check(f"{tag}: L(theta) - L(F theta) on the flip-closed test set", "sharp", 0.0,
              nets.evaluate(cnn, Xt, yt)[0] - nets.evaluate(F, Xt, yt)[0], tol=EXACT_TOL),
    ]
    mlp = nets.init_mlp([64, 32, 32, 10], rng)
    Fm = merge.flip_net(mlp, d.flip)
    checks.append(Check("MLP 2x32: max|f_Ftheta(x) - f_theta(flip x)| / max(1, max|f|)",
                        "sharp", 0.0, _max_rel(nets.predict(Fm, d.X_test),
                                               nets.predict(mlp, d.X_test[:, d.flip])),
                        tol=EXACT_TOL))
    return checks, {"logit_scale": float(np.max(np.abs(fx)))}


def plan_cnn_flip(exp, v):
    ch = _channels(v["channels"])
    task = TaskSpec(cnn_flip_task, {"channels": ch, "epochs": v["epochs"], "plant": v["plant"]})
    return Plan([task], lambda outs: outs[0], params={"channels": ch})


BK_CNN_FLIP = register(Experiment(
    slug="bk-cnn-flip", kind="sharp", family="BK",
    claim="f_{F theta}(x) = f_theta(flip x) for the flipped CNN (kernels and head re-indexed)",
    params=(Param("channels", str, "8,16", "conv channels, comma-separated"),
            Param("epochs", int, 3, "training epochs (the identity holds for any weights)",
                  low=0, high=CNN_EPOCHS_MAX, why=TRAIN_WHY),
            _plant_param("head-reindex")),
    planner=plan_cnn_flip, details=__doc__,
))


# -- bk-flip-match ------------------------------------------------------------------------------
def _train(arch, spec, d, rng, epochs, aug, lr=0.05, batch=64, warmup=None):
    if arch == "mlp":
        depth, width = spec
        net = nets.init_mlp([64] + [width] * depth + [10], rng)
        warm = 0.0 if warmup is None else warmup
    else:
        net = nets.init_cnn(spec, rng)
        warm = 0.05 if warmup is None else warmup
    return nets.train(net, d.X_train, d.y_train, rng, epochs, lr, MOMENTUM, WEIGHT_DECAY, batch,
                      warm, flip=d.flip, p_flip=0.5 if aug else 0.0)


def flip_match_checks(net, Xm, Xt, flip, tag):
    """The checks of ``bk-flip-match`` for one trained net (module docstring)."""
    F = merge.flip_net(net, flip)
    perms, costs = merge.activation_match(net, F, Xm)
    inv = [merge.involution_match(C) for C in costs]
    wperms, wcosts = merge.weight_match(net, F, involution=True)
    asym = max(float(np.max(np.abs(C - C.T))) for C in costs)
    wscale = max(1.0, max(float(np.max(np.abs(C))) for C in wcosts))
    wasym = max(float(np.max(np.abs(C - C.T))) for C in wcosts) / wscale

    def mid_err(P):
        return merge.invariance_error(merge.interpolate(net, merge.permute(F, P), 0.5), Xt, flip)

    frac = float(np.mean(np.concatenate([p[p] == np.arange(len(p)) for p in perms])))
    inv_frac = min(merge.involution_fraction(p) for p in inv + wperms)
    # symmetric C: σ^{-1} scores as σ does, so a non-involutive LSA optimum is never unique
    rows = [np.arange(len(p)) for p in perms]
    tie = max(abs(float(C[r, p].sum() - C[r, np.argsort(p)].sum()))
              for C, p, r in zip(costs, perms, rows))
    paths = []
    for C in costs:
        info = {}
        merge.involution_match(C, info)
        paths.append(info["path"])
    g = f"{tag}: exact symmetry (<= 1e-12) and GCNN midpoints (<= 1e-10)"
    checks = [
        Check(f"{tag}: activation cost max|C - C^T| (flip-closed data)", "sharp", 0.0, asym,
              tol=EXACT_TOL, group=g),
        Check(f"{tag}: weight cost max|C - C^T| / max(1, max|C|) (involutive Pi)", "sharp", 0.0,
              wasym, tol=EXACT_TOL, group=g),
        Check(f"{tag}: involution matcher returns involutions (fraction)", "sharp", 1.0,
              inv_frac, tol=0.0, group=g),
        Check(f"{tag}: midpoint invariance error, involutive Pi (activation)", "sharp", 0.0,
              mid_err(inv), tol=MID_TOL, group=g),
        Check(f"{tag}: midpoint invariance error, involutive Pi (weight)", "sharp", 0.0,
              mid_err(wperms), tol=MID_TOL, group=g),
        Check(f"{tag}: LSA value of sigma minus that of sigma^-1", "sharp", 0.0, tie,
              tol=EXACT_TOL * max(len(p) for p in perms), group=g),
        Check(f"{tag}: plain LSA involution fraction (matcher: {'/'.join(paths)})", "sharp",
              1.0, frac, asserted=False, note="theory: 0.98-1.00"),
        Check(f"{tag}: midpoint invariance error, plain-LSA Pi", "sharp", 0.0,
              mid_err(perms), asserted=False),
    ]
    return checks


def flip_match_task(rng, arch, spec, epochs, plant):
    d = digits.load()
    net = _train(arch, spec, d, rng, epochs, aug=True)
    Xm = d.X_train if plant == "train-only" else d.flip_closed("train")[0]
    Xt = d.flip_closed("test")[0]
    tag = (f"MLP {size_name(*spec)}" if arch == "mlp"
           else f"CNN {'-'.join(map(str, spec))}")
    return flip_match_checks(net, Xm, Xt, d.flip, tag)


def plan_flip_match(exp, v):
    sizes = parse_sizes(v["size"])
    if len(sizes) != 1:
        raise UsageError(f"parameter size takes one size, e.g. 2x64; got {v['size']!r}")
    spec = sizes[0]
    tasks = [TaskSpec(flip_match_task,
                      {"arch": "mlp", "spec": spec, "epochs": v["epochs"], "plant": v["plant"]})]
    if v["cnn_channels"] != "none":
        tasks.append(TaskSpec(flip_match_task, {
            "arch": "cnn", "spec": _channels(v["cnn_channels"], "cnn_channels"),
            "epochs": v["cnn_epochs"], "plant": v["plant"]}))
    return Plan(tasks, lambda outs: ([c for o in outs for c in o], {}))


BK_FLIP_MATCH = register(Experiment(
    slug="bk-flip-match", kind="sharp", family="BK",
    claim="flip-closed matching cost symmetric; involutive Pi => exact GCNN midpoint",
    params=(Param("size", str, "2x64", "MLP size: hidden layers x width"),
            Param("epochs", int, 40, "MLP training epochs (augmented arm)", low=0,
                  high=EPOCHS_MAX, why=TRAIN_WHY),
            Param("cnn_channels", str, "8,16", "CNN channels, or none to skip the CNN"),
            Param("cnn_epochs", int, 3, "CNN training epochs", low=0, high=CNN_EPOCHS_MAX,
                  why=TRAIN_WHY),
            _plant_param("train-only")),
    planner=plan_flip_match, details=__doc__,
))


# -- merging ------------------------------------------------------------------------------------
def _pair_metrics(P, Q, cache, Xm, Xt, yt, flip, unaligned_curve: bool):
    """Align Q to P by activation matching, then barriers, mid accuracies, REPAIR, a_l.

    ``cache[net name]`` holds (pre-activations on Xm, on Xt, (loss, err) on Xt); the aligned
    net's pre-activations are the permuted ones of Q (:func:`merge.permute_preactivations`)."""
    (zPm, zPt, evP), (zQm, zQt, evQ) = cache
    perms, _ = merge.activation_match(P, Q, zA=zPm, zB=zQm)
    Qa = merge.permute(Q, perms)
    zQam, zQat = (merge.permute_preactivations(z, perms) for z in (zQm, zQt))
    br = merge.barrier(P, Qa, Xt, yt, ends=(evP, evQ))
    mid = merge.interpolate(P, Qa, 0.5)
    rep_loss, rep_err = nets.evaluate(merge.repair(P, Qa, 0.5, Xm, zPm, zQam), Xt, yt)
    raw = merge.barrier(P, Q, Xt, yt, merge.ALPHAS if unaligned_curve else [0.0, 0.5, 1.0],
                        ends=(evP, evQ))  # the CNN: midpoint only (evaluation dominates)
    half = len(br["err"]) // 2
    Xo, yo = Xt[:len(Xt) // 2], yt[:len(yt) // 2]  # the original test set (first half)
    return {
        "mid_acc_orig": 1 - nets.evaluate(mid, Xo, yo)[1],
        "loss_barrier": br["loss_barrier"], "err_barrier": br["err_barrier"],
        "loss_curve": br["loss"].tolist(), "err_curve": br["err"].tolist(),
        "mid_acc": 1 - float(br["err"][half]), "mid_loss": float(br["loss"][half]),
        "repair_acc": 1 - rep_err, "repair_loss": rep_loss,
        "a": merge.alignment_errors(P, Qa, zA=zPt, zB=zQat),
        "w_err": merge.weight_errors(P, Qa),
        "mid_inv": merge.invariance_error(mid, Xt, flip),
        "invol": float(np.mean(np.concatenate([p[p] == np.arange(len(p)) for p in perms]))),
        "raw_loss_barrier": raw["loss_barrier"], "raw_err_barrier": raw["err_barrier"],
        "raw_mid_acc": 1 - float(raw["err"][len(raw["err"]) // 2]),
        "raw_loss_curve": raw["loss"].tolist(),
    }


def merge_task(rng, arch, spec, arm, epochs, lr, batch, data="auto"):
    """Train θ_A, θ_B; metrics of the flip pair (θ_A, Fθ_A) and the two-net pair
    (θ_A, θ_B).  ``data`` is the digits source (part of the cache key)."""
    d = digits.load(data)
    rng_a, rng_b = rng.spawn(2)
    aug = arm == "aug"
    A = _train(arch, spec, d, rng_a, epochs, aug, lr, batch)
    B = _train(arch, spec, d, rng_b, epochs, aug, lr, batch)
    FA = merge.flip_net(A, d.flip)
    Xm = d.flip_closed("train")[0]
    Xt, yt = d.flip_closed("test")
    cache = {k: (nets.preactivations(N, Xm), nets.preactivations(N, Xt),
                 nets.evaluate(N, Xt, yt)) for k, N in (("A", A), ("B", B), ("FA", FA))}
    out = {"acc": [1 - cache[k][2][1] for k in ("A", "B")],
           "acc_orig": [1 - nets.evaluate(N, d.X_test, d.y_test)[1] for N in (A, B)],
           "inv": [merge.invariance_error(N, Xt, d.flip) for N in (A, B)]}
    for name, Q, key in (("flip", FA, "FA"), ("2net", B, "B")):
        out[name] = _pair_metrics(A, Q, (cache["A"], cache[key]), Xm, Xt, yt, d.flip,
                                  unaligned_curve=arch == "mlp")
    return out


def _ms(x) -> tuple[float, float]:
    """(mean, standard error) over seeds; se is nan for one seed."""
    x = np.asarray(x, float)
    return mean_se(x) if x.size > 1 else (float(x.mean()), float("nan"))


#: Scalar metrics of a pair, summarised over seeds.
PAIR_KEYS = ("loss_barrier", "err_barrier", "mid_acc", "mid_acc_orig", "mid_loss", "repair_acc",
             "repair_loss", "mid_inv", "invol", "raw_loss_barrier", "raw_err_barrier",
             "raw_mid_acc")


def _summary(records: list[dict]) -> dict:
    """Means and standard errors over seeds of one (size, arm); ``d_*`` are the paired
    differences two-net minus flip (per seed, then averaged)."""
    s = {"seeds": len(records)}
    for key in ("acc", "acc_orig", "inv"):
        s[key] = _ms([np.mean(r[key]) for r in records])
    for pair in ("flip", "2net"):
        for key in PAIR_KEYS:
            s[f"{pair}_{key}"] = _ms([r[pair][key] for r in records])
        s[f"{pair}_a"] = [_ms(x) for x in np.array([r[pair]["a"] for r in records]).T]
        s[f"{pair}_a_mean"] = _ms([np.mean(r[pair]["a"]) for r in records])
        s[f"{pair}_w_err"] = [_ms(x) for x in np.array([r[pair]["w_err"] for r in records]).T]
        for curve in ("loss_curve", "err_curve"):
            c = np.array([r[pair][curve] for r in records])
            s[f"{pair}_{curve}"] = c.mean(axis=0).tolist()
            s[f"{pair}_{curve}_se"] = (c.std(axis=0, ddof=1) / np.sqrt(len(c))).tolist() \
                if len(c) > 1 else [float("nan")] * c.shape[1]
    diff = {k: [r["2net"][k] - r["flip"][k] for r in records]
            for k in ("loss_barrier", "err_barrier", "mid_acc", "repair_acc", "repair_loss")}
    diff["a_mean"] = [np.mean(r["2net"]["a"]) - np.mean(r["flip"]["a"]) for r in records]
    for k, v in diff.items():
        s[f"d_{k}"] = _ms(v)
    s["diff_per_seed"] = diff["loss_barrier"]
    s["flip_drop_orig"] = _ms([np.mean(r["acc_orig"]) - r["flip"]["mid_acc_orig"]
                               for r in records])
    return s


def _trend(name, predicted, ms_pair, relation=">="):
    m, se = ms_pair
    ok = m >= predicted if relation == ">=" else m <= predicted
    return Check(name, "trend", predicted, m, se=se if np.isfinite(se) else None,
                 relation=relation, note="holds" if ok else "does NOT hold", asserted=False)


def merge_checks(summary: dict, arch: str, focus: str) -> list[Check]:
    """Trend rows (paired differences two-net minus flip, mean ± se over seeds): per (size,
    arm) the loss barrier; at ``focus`` also mid accuracy, REPAIR, alignment, invariance."""
    checks = []
    for (size, arm), s in summary.items():
        tag = f"{size} {arm}"
        f, t = s["flip_loss_barrier"][0], s["2net_loss_barrier"][0]
        proto = PROTOTYPE.get(size) if (arm == "aug" and arch == "mlp") else None
        c = _trend(f"{tag}: B_loss 2net-flip > 0 ({f:.3f}/{t:.3f})", 0.0,
                   s["d_loss_barrier"])
        if proto:
            c.note += f"; prototype flip/2net {proto[0]:.3f}/{proto[1]:.3f}"
        checks.append(c)
        if size != focus:
            continue
        g = {k: s[k][0] for k in ("flip_mid_acc", "2net_mid_acc", "flip_repair_acc",
                                  "2net_repair_acc", "flip_repair_loss", "2net_repair_loss",
                                  "flip_a_mean", "2net_a_mean", "acc", "acc_orig",
                                  "flip_err_barrier", "2net_err_barrier")}
        checks += [
            _trend(f"{tag}: B_err 2net-flip > 0 ({g['flip_err_barrier']:.3f}/"
                   f"{g['2net_err_barrier']:.3f})", 0.0, s["d_err_barrier"]),
            _trend(f"{tag}: mid acc 2net-flip <= 0 ({g['flip_mid_acc']:.3f}/"
                   f"{g['2net_mid_acc']:.3f})", 0.0, s["d_mid_acc"], "<="),
            _trend(f"{tag}: REPAIR mid acc 2net-flip <= 0 ({g['flip_repair_acc']:.3f}/"
                   f"{g['2net_repair_acc']:.3f})", 0.0, s["d_repair_acc"], "<="),
            _trend(f"{tag}: REPAIR mid loss 2net-flip > 0 ({g['flip_repair_loss']:.3f}/"
                   f"{g['2net_repair_loss']:.3f})", 0.0, s["d_repair_loss"]),
            _trend(f"{tag}: a_l 2net-flip > 0 ({g['flip_a_mean']:.2f}/{g['2net_a_mean']:.2f})",
                   0.0, s["d_a_mean"]),
            _trend(f"{tag}: endpoint invariance error (acc {g['acc']:.3f})", 0.0, s["inv"]),
        ]
        if arm == "none":  # the (near-GCNN) flip-merge loses accuracy without augmentation
            checks.append(_trend(f"{tag}: test acc endpoint - flip-merge > 0 "
                                 f"({g['acc_orig']:.3f}/{s['flip_mid_acc_orig'][0]:.3f})", 0.0,
                                 s["flip_drop_orig"]))
    return checks


def _merge_reduce(tasks, arch, focus):
    def reduce(outputs):
        groups: dict = {}
        for t, o in zip(tasks, outputs):
            groups.setdefault(t.key[:2], []).append(o)
        summary = {k: _summary(v) for k, v in groups.items()}
        data = {"records": [{"size": t.key[0], "arm": t.key[1], "seed": t.key[2], **o}
                            for t, o in zip(tasks, outputs)],
                "summary": [{"size": k[0], "arm": k[1], **s} for k, s in summary.items()],
                "alphas": merge.ALPHAS.tolist()}
        return merge_checks(summary, arch, focus), data
    return reduce


def _arms(text: str) -> tuple[str, ...]:
    return ("none", "aug") if text == "both" else (text,)


def plan_merge_mlp(exp, v):
    sizes = parse_sizes(v["sizes"])
    kw = {k: v[k] for k in ("epochs", "lr", "batch")}
    kw["data"] = digits.load().source
    tasks = [TaskSpec(merge_task, {"arch": "mlp", "spec": (dp, w), "arm": arm, **kw},
                      key=(size_name(dp, w), arm, s))
             for (dp, w) in sizes for arm in _arms(v["arms"]) for s in range(v["seeds"])]
    _check_steps(2 * len(tasks), v["epochs"], v["batch"])
    names = [size_name(*s) for s in sizes]
    focus = "2x64" if "2x64" in names else names[-1]
    return Plan(tasks, _merge_reduce(tasks, "mlp", focus),
                params={"focus": focus, "data": kw["data"]})


BK_MERGE_MLP = register(Experiment(
    slug="bk-merge-mlp", kind="trend", family="BK",
    claim="flip-merge loss barrier < two-net barrier (ReLU MLPs on digits)",
    params=(Param("sizes", str, "1x64,2x16,2x32,2x64,2x128", "hidden layers x width, "
                  "comma-separated", quick="2x64"),
            Param("arms", str, "both", "training arm: none (no augmentation), aug (hflip p=1/2) "
                  "or both", quick="aug", choices=("both", "none", "aug")),
            Param("seeds", int, 6, "seeds (pairs of independently trained nets) per size and "
                  "arm", low=2, high=SEEDS_MAX, why=TRAIN_WHY),
            Param("epochs", int, 40, "training epochs", low=1, high=EPOCHS_MAX, why=TRAIN_WHY),
            Param("lr", float, 0.05, "peak learning rate (linear decay to 0)", low=1e-6,
                  high=0.5, why=LR_WHY),
            Param("batch", int, 64, "minibatch size", low=1, high=digits.N_TRAIN,
                  why=f"the {digits.N_TRAIN} training images")),
    planner=plan_merge_mlp, details=__doc__,
))


def plan_merge_cnn(exp, v):
    ch = _channels(v["channels"])
    kw = {k: v[k] for k in ("epochs", "lr", "batch")}
    kw["data"] = digits.load().source
    tasks = [TaskSpec(merge_task, {"arch": "cnn", "spec": ch, "arm": arm, **kw},
                      key=("-".join(map(str, ch)), arm, s))
             for arm in _arms(v["arms"]) for s in range(v["seeds"])]
    _check_steps(2 * len(tasks), v["epochs"], v["batch"])
    return Plan(tasks, _merge_reduce(tasks, "cnn", "-".join(map(str, ch))),
                params={"channels": ch, "data": kw["data"]})


BK_MERGE_CNN = register(Experiment(
    slug="bk-merge-cnn", kind="trend", family="BK",
    claim="the same for a tiny CNN (exploratory; not reproduced at this scale)",
    params=(Param("channels", str, "32,64", "conv channels, comma-separated", quick="16,32"),
            Param("arms", str, "aug", "training arm: none, aug or both", quick="aug",
                  choices=("both", "none", "aug")),
            Param("seeds", int, 4, "seeds per arm", quick=2, low=2, high=SEEDS_MAX,
                  why=TRAIN_WHY),
            Param("epochs", int, 30, "training epochs (5 % warm-up)", quick=5, low=1,
                  high=EPOCHS_MAX, why=TRAIN_WHY),
            Param("lr", float, 0.05, "peak learning rate", low=1e-6, high=0.5, why=LR_WHY),
            Param("batch", int, 64, "minibatch size", low=1, high=digits.N_TRAIN,
                  why=f"the {digits.N_TRAIN} training images")),
    planner=plan_merge_cnn, details=__doc__,
))
