r"""EquivCNP, trained models on 1D GP regression (Kawano et al., ICLR 2021, Table 1).

Models (:mod:`verify.models.neural_processes`, numpy + Adam, trained on fresh GP tasks on
(−2, 2), context and extra-target sizes from U{3..49}, targets include the context):

* **EquivCNP T(1)** (ConvCNP-style: set-conv onto a grid that moves with the context, a 4-layer
  1D CNN with 8 channels and 7 taps, set-conv back; learnable length scales);
* **CNP** (DeepSets encoder, MLP decoder, width 64);
* **GP oracle**: the true-kernel GP posterior, scored exactly (diagonal: per point, as the
  neural models are; joint: full covariance divided by the number of targets, as the paper's
  GP reference).

The score is the per-target Gaussian log-likelihood averaged within a task; the tables give
its mean over tasks with a CI from the standard error over tasks.  Evaluation tasks come from
a fixed seed (``eval_seed``), the same for every model, so models are compared on identical
tasks.  Observation noise 0.05 (the published protocol has none; its GP is fitted).

``equivcnp-shift`` (trend).  RBF kernel; windows (−2, 2) + a for a in ``shifts`` (the same
tasks translated) and the paper's (−4, 4) window with 400 targets.  Expected: the equivariant
model is flat in a (exactly, by ``equivcnp-shift-exact``), the CNP collapses outside the
training range, and the equivariant model beats it there.

``equivcnp-gp`` (trend).  RBF, Matérn-5/2 and periodic kernels on (−2, 2) and (−4, 4), with
the published Table 1 values (−4, 4) printed beside ours.
"""

from __future__ import annotations

import numpy as np

from ..engine.experiment import (
    Experiment,
    Param,
    Plan,
    TaskSpec,
    UsageError,
    parse_floats,
    register,
)
from ..engine.stats import Check, mean_se
from ..models import neural_processes as npm
from ..models.gp import gp_log_likelihood, gp_posterior, sample_tasks, shift_tasks

__all__ = ["PUBLISHED", "gp_score_task", "make_eval_tasks", "train_score_task"]

#: Kawano et al. 2021, Table 1 (from the authors' repository), per-point LL on (-4, 4):
#: kernel -> model -> (mean, std over tasks)
PUBLISHED = {
    "rbf": {"GP": (3.93, 0.55), "CNP": (-1.75, 1.54), "ConvCNP": (1.33, 1.03),
            "EquivCNP": (1.29, 1.01)},
    "matern": {"GP": (3.77, 0.35), "CNP": (-1.78, 1.31), "ConvCNP": (0.82, 0.94),
               "EquivCNP": (0.66, 0.67)},
    "periodic": {"GP": (1.22, 5.67), "CNP": (-1.00, 0.52), "ConvCNP": (-0.48, 0.54),
                 "EquivCNP": (-0.40, 0.50)},
}
KERNEL_NAMES = {"rbf": "RBF", "matern": "Matern-5/2", "periodic": "periodic"}
MODEL_NAMES = {"convcnp": "EquivCNP T(1)", "cnp": "CNP", "gp": "GP oracle (diag)",
               "gp_joint": "GP oracle (joint)"}
HYPER = {"convcnp": dict(lr=1e-2, init=dict(channels=8, layers=4, kernel=7, h=0.2)),
         "cnp": dict(lr=3e-3, init=dict(width=64))}
EXAMPLE_X = np.linspace(-4.0, 8.0, 241)


def make_eval_tasks(kernel, n_tasks, eval_seed, shifts, wide: bool = True):
    """{window label: tasks}: (-2, 2) + a for each shift (the same tasks), and (-4, 4)."""
    rng = np.random.default_rng([eval_seed, sorted(KERNEL_NAMES).index(kernel)])
    base = sample_tasks(rng, kernel, n_tasks)
    out = {f"shift {a:g}": shift_tasks(base, a) for a in shifts}
    if wide:
        out["(-4, 4)"] = sample_tasks(rng, kernel, n_tasks, -4.0, 4.0, n_total=400)
    return out


def _half_width(tasks):
    return max(float(np.max(np.abs(t.xt - t.xc.mean()))) for t in tasks) + 1.0


def train_score_task(rng, model, kernel, steps, n_eval, eval_seed, shifts, wide=True):
    """Train one model on one kernel; per-task LLs on every window; the example predictions."""
    hp = HYPER[model]
    init = npm.init_convcnp if model == "convcnp" else npm.init_cnp
    p = init(rng, **hp["init"])
    p, losses = npm.train(model, p, rng, kernel=kernel, steps=steps, lr=hp["lr"])
    windows = make_eval_tasks(kernel, n_eval, eval_seed, shifts, wide)
    out = {"loss": losses[:: max(1, steps // 200)].tolist()}
    for lab, ts in windows.items():
        kw = {"half_width": _half_width(ts)} if model == "convcnp" else {}
        out[lab] = npm.log_likelihoods(model, p, ts, **kw).tolist()
    ex = windows[f"shift {shifts[0]:g}"][0]
    for tag, a in (("in", 0.0), ("out", 4.0)):
        t = shift_tasks([ex], a - shifts[0])[0]
        probe = type(t)(t.xc, t.yc, EXAMPLE_X, np.zeros_like(EXAMPLE_X))
        kw = {"half_width": 13.0} if model == "convcnp" else {}
        mu, var = npm.predict(model, p, probe, **kw)
        out[f"example_{tag}"] = {"mean": mu.tolist(), "var": var.tolist(),
                                 "xc": t.xc.tolist(), "yc": t.yc.tolist()}
    if model == "convcnp":
        out["ell"] = [float(np.exp(p["log_ell_e"])), float(np.exp(p["log_ell_d"]))]
    return out


def gp_score_task(rng, kernel, n_eval, eval_seed, shifts, wide=True):
    """The oracle's per-task LLs (diagonal and joint) on every window, and its examples."""
    windows = make_eval_tasks(kernel, n_eval, eval_seed, shifts, wide)
    out = {}
    for lab, ts in windows.items():
        out[lab] = [gp_log_likelihood(t, kernel, joint=False) for t in ts]
        out[f"{lab} joint"] = [gp_log_likelihood(t, kernel) for t in ts]
    ex = windows[f"shift {shifts[0]:g}"][0]
    for tag, a in (("in", 0.0), ("out", 4.0)):
        t = shift_tasks([ex], a - shifts[0])[0]
        mu, var = gp_posterior(t, kernel, EXAMPLE_X)
        out[f"example_{tag}"] = {"mean": mu.tolist(), "var": var.tolist(),
                                 "xc": t.xc.tolist(), "yc": t.yc.tolist()}
    return out


def _tasks(v, kernels, shifts, wide=True):
    specs = []
    for k in kernels:
        for m in ("convcnp", "cnp"):
            specs.append(TaskSpec(train_score_task, dict(
                model=m, kernel=k, steps=v[f"steps_{m}"], n_eval=v["tasks"],
                eval_seed=v["eval_seed"], shifts=shifts, wide=wide), key=(k, m)))
        specs.append(TaskSpec(gp_score_task, dict(kernel=k, n_eval=v["tasks"],
                                                  eval_seed=v["eval_seed"], shifts=shifts,
                                                  wide=wide), key=(k, "gp")))
    return specs


def _ll_check(name, values, reference=None, relation="=", note=""):
    """Mean LL over tasks with its se; ``reference`` goes in the predicted column (empty when
    None: a measured number with nothing to compare it with)."""
    m, se = mean_se(np.asarray(values))
    ref = None if reference is None else float(reference)
    if relation != "=" and ref is not None:
        ok = m <= ref if relation == "<=" else m >= ref
        note = (note + "; " if note else "") + ("holds" if ok else "does NOT hold")
    return Check(name, "trend", ref, m, se=se, relation=relation, note=note)


def _diff_check(name, a, b, reference=0.0, relation="="):
    return _ll_check(name, np.asarray(a) - np.asarray(b), reference, relation,
                     note="paired over tasks")


def _published_rows(o: dict, kernel: str, label: str) -> list[Check]:
    """Our (−4, 4) log-likelihoods of the GP oracle (joint), the CNP and the EquivCNP beside
    :data:`PUBLISHED` (reported); ``label`` is formatted with ``key``, ``mean``, ``std``."""
    pub = PUBLISHED[kernel]
    rows = []
    for key, name in (("GP", "gp_joint"), ("CNP", "cnp"), ("EquivCNP", "convcnp")):
        vals = (o[(kernel, "gp")]["(-4, 4) joint"] if name == "gp_joint"
                else o[(kernel, name)]["(-4, 4)"])
        rows.append(_ll_check(label.format(key=key, mean=pub[key][0], std=pub[key][1]), vals,
                              reference=pub[key][0]))
    return rows


def _model_rows(lab, win, src_eqv, src_cnp, src_gp, prefix=""):
    """EquivCNP and CNP rows (predicted column: the oracle's diagonal LL, a ceiling) and the
    oracle rows on one window."""
    ceiling = float(np.mean(src_gp[lab]))
    rows = [_ll_check(f"{prefix}{MODEL_NAMES[k]} LL, {win} (pred: GP ceiling)", src[lab],
                      ceiling, "<=") for k, src in (("convcnp", src_eqv), ("cnp", src_cnp))]
    rows += [_ll_check(f"{prefix}{MODEL_NAMES['gp']} LL, {win}", src_gp[lab]),
             _ll_check(f"{prefix}{MODEL_NAMES['gp_joint']} LL, {win}", src_gp[f"{lab} joint"])]
    return rows


def _by_key(tasks, outputs):
    return {t.key: o for t, o in zip(tasks, outputs)}


SHARED_PARAMS = (
    Param("steps_convcnp", int, 2000, "Adam steps of the EquivCNP", quick=40, low=1, high=20_000,
          why="what fits in a few minutes"),
    Param("steps_cnp", int, 3000, "Adam steps of the CNP", quick=40, low=1, high=20_000,
          why="what fits in a few minutes"),
    Param("tasks", int, 500, "evaluation tasks per window", quick=16, low=2, high=10_000,
          why="what fits in a few minutes"),
    Param("eval_seed", int, 2021, "seed of the evaluation tasks (the same for every model)",
          low=0),
)


def plan_shift(exp: Experiment, v: dict) -> Plan:
    shifts = parse_floats("shifts", v["shifts"], what="translations of the window")
    if max(shifts) > 100:
        raise UsageError(f"parameter shifts must lie in [0, 100] (beyond, float64 round-off of "
                         f"x + a is visible), got {v['shifts']!r}")
    if 0.0 not in shifts:
        shifts = [0.0] + shifts
    tasks = _tasks(v, ["rbf"], shifts)

    def reduce(outputs):
        o = _by_key(tasks, outputs)
        eqv, cnp, gp = o[("rbf", "convcnp")], o[("rbf", "cnp")], o[("rbf", "gp")]
        checks = []
        for lab in [f"shift {a:g}" for a in shifts] + ["(-4, 4)"]:
            checks += _model_rows(lab, lab, eqv, cnp, gp)
        first, last = "shift 0", f"shift {shifts[-1]:g}"
        checks.append(_diff_check(f"EquivCNP LL({last}) - LL({first}) (flat)", eqv[last],
                                  eqv[first]))
        checks.append(_diff_check(f"CNP LL({last}) - LL({first}) (collapse: < -1)", cnp[last],
                                  cnp[first], -1.0, "<="))
        for a in shifts[1:]:
            lab = f"shift {a:g}"
            checks.append(_diff_check(f"EquivCNP - CNP, {lab} (> 0)", eqv[lab], cnp[lab], 0.0,
                                      ">="))
        checks += _published_rows(o, "rbf", "published {key} {mean:+.2f} +- {std:.2f} vs ours, "
                                  "(-4, 4)")
        return checks, {"shifts": shifts, "outputs": {f"{k[0]}/{k[1]}": x for k, x in
                                                       o.items()}}

    return Plan(tasks, reduce, params={"shifts": shifts})


SHIFT = register(Experiment(
    slug="equivcnp-shift", kind="trend", family="EquivCNP",
    claim="trained on (-2, 2): the T(1)-EquivCNP is flat under window shifts, the CNP "
          "collapses",
    params=(Param("shifts", str, "0,2,4", "window translations a (comma-separated)"),)
    + SHARED_PARAMS,
    planner=plan_shift, details=__doc__,
))


def plan_gp(exp: Experiment, v: dict) -> Plan:
    kernels = [k.strip() for k in v["kernels"].split(",") if k.strip()]
    bad = [k for k in kernels if k not in KERNEL_NAMES]
    if not kernels or bad:
        raise UsageError(f"parameter kernels must list some of {', '.join(KERNEL_NAMES)}; "
                         f"got {v['kernels']!r}")
    tasks = _tasks(v, kernels, [0.0])

    def reduce(outputs):
        o = _by_key(tasks, outputs)
        checks = []
        for k in kernels:
            kn = KERNEL_NAMES[k]
            src = [o[(k, m)] for m in ("convcnp", "cnp", "gp")]
            checks += _model_rows("shift 0", "(-2, 2)", *src, prefix=f"{kn} ")
            checks += _model_rows("(-4, 4)", "(-4, 4)", *src, prefix=f"{kn} ")
            checks.append(_diff_check(f"{kn} EquivCNP - CNP, (-4, 4) (> 0)",
                                      src[0]["(-4, 4)"], src[1]["(-4, 4)"], 0.0, ">="))
            checks += _published_rows(o, k, kn + ": published {key} {mean:+.2f} +- {std:.2f} "
                                      "(pred) vs ours, (-4, 4)")
        return checks, {"kernels": kernels, "outputs": {f"{k[0]}/{k[1]}": x for k, x in
                                                         o.items()}}

    return Plan(tasks, reduce, params={"kernels": kernels})


GP = register(Experiment(
    slug="equivcnp-gp", kind="trend", family="EquivCNP",
    claim="1D GP regression (RBF, Matern-5/2, periodic): EquivCNP T(1) vs CNP vs the GP "
          "oracle, beside the published Table 1",
    params=(Param("kernels", str, "rbf,matern,periodic", "GP kernels (comma-separated)"),
            Param("steps_convcnp", int, 1000, "Adam steps of the EquivCNP", quick=25, low=1, high=20_000,
          why="what fits in a few minutes"),
            Param("steps_cnp", int, 1000, "Adam steps of the CNP", quick=25, low=1, high=20_000,
          why="what fits in a few minutes"),
            Param("tasks", int, 200, "evaluation tasks per window", quick=10, low=2, high=10_000,
          why="what fits in a few minutes"),
            Param("eval_seed", int, 2021, "seed of the evaluation tasks", low=0)),
    planner=plan_gp, details=__doc__,
))
