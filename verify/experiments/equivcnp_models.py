r"""EquivCNP, exact checks of whole models (Kawano et al., ICLR 2021).

``equivcnp-model`` (sharp, :func:`bounds.equivcnp.invariant_kernel_model`).  Three layers
:math:`h\leftarrow\tanh(\tilde K(P,P)hW)` on the moving set :math:`P=X_c\cup X_t` (10 context and
20 target points, ``sets`` random sets, width 8), :math:`\tilde K` the row-normalised RBF of
:math:`\|p_i-p_j\|`.  Its equivariance error :math:`M(gZ)(gx_t)` vs :math:`M(Z)(x_t)` (the one
metric, largest relative error over sets, averaged over 20 elements) for T(1), SE(2) and
:math:`C_8` (rotations of the plane by multiples of π/4).  Pass ≤ 1e-12.  Negative control (bound,
≥ 1e-2): the same layers with the absolute coordinates appended as channels.

``equivcnp-grid`` (sharp, :func:`bounds.equivcnp.grid_shift_equivariance`; trend for the rate).
A fixed grid of spacing h on [−6, 6], the set-convolution (ℓ = 0.25) onto it, a random
5-tap convolution and tanh, linear interpolation back to 20 targets.  Shifts by m h
(m = 1, 3, 8): the grid features of Z + mh equal those of Z rolled by m cells, and the outputs
at t + mh equal those at t (the one metric, on_output the roll).  Pass ≤ 1e-13.  Half-cell
shifts (h/2) for h = 1/16, 1/32, 1/64: the output error falls by
:func:`bounds.equivcnp.grid_interpolation_rate` = 4 per halving, asymptotically (reported;
tests soft-assert ≥ 2.5).

``equivcnp-shift-exact`` (sharp, :func:`bounds.equivcnp.shift_invariant_likelihood`).  On
``tasks`` RBF-GP tasks on (−2, 2), the per-task log-likelihood of an exactly T(1)-equivariant
predictor is unchanged when the task is translated by each a in ``shifts``: the ConvCNP of
:mod:`verify.models.neural_processes` (random weights; its grid moves with the context) and
the true-kernel GP oracle, through the one metric (invariance of the vector of per-task
log-likelihoods, largest relative change over tasks).  Pass ≤ 1e-10.  Negative control
(bound, ≥ 1e-3): the ConvCNP with the absolute grid coordinate as a channel.
"""

from __future__ import annotations

import numpy as np

from bounds import equivcnp as eq

from ..engine.experiment import (
    Experiment,
    Param,
    Plan,
    TaskSpec,
    UsageError,
    parse_floats,
    register,
)
from ..engine.stats import Check
from ..models import neural_processes as npm
from ..models.gp import gp_log_likelihood, sample_tasks, shift_tasks
from ..models.set_encoders import fixed_grid_model, init_kernel_net, invariant_kernel_net
from ..symmetry.equivariance import Action
from ..symmetry.lie import rotation
from .equivcnp_exact import N_ELEMENTS, eq_worst, point_actions

__all__ = ["grid_task", "model_task", "shift_exact_task"]

TOL_MODEL, TOL_GRID, TOL_SHIFT = 1e-12, 1e-13, 1e-10
MODEL_GROUPS = ("T1", "SE2", "C8")


def _cn_actions(n_rot: int, rng, n: int = N_ELEMENTS) -> list[Action]:
    ks = rng.integers(1, n_rot, size=n)
    out = []
    for i, k in enumerate(ks):
        R = rotation(2 * np.pi * k / n_rot)
        out.append(Action(f"C{n_rot}[{k}]", lambda inp, R=R: (inp[0] @ R.T, inp[1], inp[2] @ R.T),
                          lambda y: y))
    return out


def model_task(rng, sets, group, absolute):
    """Equivariance error of the invariant-kernel layers for one group."""
    d = 1 if group == "T1" else 2
    xc = rng.uniform(-2, 2, (sets, 10, d))
    xt = rng.uniform(-2, 2, (sets, 20, d))
    yc = rng.normal(size=(sets, 10))
    W = init_kernel_net(rng, layers=3, width=8, extra_in=d if absolute else 0)
    acts = _cn_actions(8, rng) if group == "C8" else point_actions(group, rng)
    worst, ratio = eq_worst(lambda inp: invariant_kernel_net(W, *inp, absolute=absolute),
                            (xc, yc, xt), acts)
    return {"worst": worst, "ratio": ratio}


def plan_model(exp: Experiment, v: dict, absolute_as_sharp: bool = False,
               control_unbroken: bool = False) -> Plan:
    """Tasks per group, invariant and with absolute coordinates.  Planted errors:
    ``absolute_as_sharp`` asserts the broken model equivariant; ``control_unbroken`` drops the
    absolute coordinates from the negative control (which must then fail)."""
    cases = [(g, False) for g in MODEL_GROUPS] + [(g, True) for g in MODEL_GROUPS]
    tasks = [TaskSpec(model_task, dict(sets=v["sets"], group=g,
                                       absolute=a and not control_unbroken), key=(g, a))
             for g, a in cases]
    zero = exp.statement.evaluate()

    def reduce(outputs):
        checks, data = [], {}
        for (g, a), o in zip(cases, outputs):
            data[f"{g}{' absolute' if a else ''}"] = o
            note = f"pooled ratio {o['ratio']:.2g}"
            if a and not absolute_as_sharp:
                checks.append(Check(f"negative control: {g} with absolute coordinates: "
                                    "error >= 1e-2", "bound", 1e-2, o["worst"], relation=">=",
                                    tol=0.0, note=note))
            else:
                checks.append(Check(f"{g}{' (absolute coordinates)' if a else ''}: "
                                    "M(gZ)(g x_t) = M(Z)(x_t)", "sharp", zero, o["worst"],
                                    tol=TOL_MODEL, note=note))
        return checks, data

    return Plan(tasks, reduce, params={})


MODEL = register(Experiment(
    slug="equivcnp-model", kind="sharp", family="EquivCNP",
    claim="invariant-kernel layers on the moving point set are exactly T(1)-, SE(2)-, "
          "C8-equivariant; an absolute-coordinate channel breaks it",
    params=(Param("sets", int, 20, "random context/target sets (inputs of the metric)",
                  low=2, high=10_000, why="what fits in memory and a minute"),),
    planner=plan_model, statement=eq.invariant_kernel_model(), details=__doc__,
))


# -- fixed grid --------------------------------------------------------------------------------
GRID_H = (1 / 16, 1 / 32, 1 / 64)
GRID_M = (1, 3, 8)
GRID_ELL = 0.25


def grid_task(rng, sets, roll_offset=0, target_offset=0):
    """Grid-feature and output errors for shifts by m h, and half-cell output errors.  Planted
    errors: ``roll_offset`` rolls the grid features by m + offset cells; ``target_offset``
    shifts the targets by (m + offset) h while the context moves by m h."""
    xc = rng.uniform(-1, 1, (sets, 10))
    yc = rng.normal(size=(sets, 10))
    xt = rng.uniform(-1, 1, (sets, 20))
    w = rng.normal(size=(5, 2, 3)) / np.sqrt(10)
    out = {"exact_grid": [], "exact_out": [], "half": []}
    for h in GRID_H:
        grid = np.arange(-6, 6 + h / 2, h)

        def model(inp, grid=grid):
            return fixed_grid_model(inp[0], inp[1], inp[2], grid, w, GRID_ELL)

        shift = [Action(f"+{m}h", lambda inp, a=m * h: (inp[0] + a, inp[1], inp[2] + a),
                        lambda y, m=m: np.roll(y, m + roll_offset, axis=1)) for m in GRID_M]
        x = (xc, yc, xt)
        out["exact_grid"].append(eq_worst(lambda inp: model(inp)[0], x, shift)[0])
        same = [Action(f"+{m}h", lambda inp, a=m * h, b=(m + target_offset) * h:
                       (inp[0] + a, inp[1], inp[2] + b), lambda y: y) for m in GRID_M]
        out["exact_out"].append(eq_worst(lambda inp: model(inp)[1], x, same)[0])
        half = [Action("+h/2", lambda inp, a=h / 2: (inp[0] + a, inp[1], inp[2] + a),
                       lambda y: y)]
        out["half"].append(eq_worst(lambda inp: model(inp)[1], x, half)[1])
    return out


def plan_grid(exp: Experiment, v: dict, roll_offset: int = 0, target_offset: int = 0) -> Plan:
    tasks = [TaskSpec(grid_task, dict(sets=v["sets"], roll_offset=roll_offset,
                                      target_offset=target_offset), key="grid")]
    zero = exp.statement.evaluate()
    rate = eq.grid_interpolation_rate().evaluate()

    def reduce(outputs):
        (o,) = outputs
        checks = []
        for h, eg, eo in zip(GRID_H, o["exact_grid"], o["exact_out"]):
            checks.append(Check(f"h = 1/{round(1 / h)}: grid features of Z + mh = rolled by m "
                                f"(m = {', '.join(map(str, GRID_M))})", "sharp", zero, eg,
                                tol=TOL_GRID, group="shifts by multiples of h"))
            checks.append(Check(f"h = 1/{round(1 / h)}: M(Z + mh)(t + mh) = M(Z)(t)", "sharp",
                                zero, eo, tol=TOL_GRID, group="shifts by multiples of h"))
        e = o["half"]
        for h, a, b in zip(GRID_H[1:], e[:-1], e[1:]):
            checks.append(Check(f"half-cell error ratio e(2h)/e(h) at h = 1/{round(1 / h)} "
                                f"({a:.3g} -> {b:.3g})", "trend", rate, a / b))
        return checks, {**o, "h": list(GRID_H)}

    return Plan(tasks, reduce, params={})


GRID = register(Experiment(
    slug="equivcnp-grid", kind="sharp", family="EquivCNP",
    claim="fixed-grid ConvCNP: exact for shifts by multiples of h; half-cell error falls "
          "~4x per halving of h",
    params=(Param("sets", int, 20, "random context/target sets", low=2, high=10_000,
                  why="what fits in memory and a minute"),),
    planner=plan_grid, statement=eq.grid_shift_equivariance(), details=__doc__,
))


# -- shifted tasks -----------------------------------------------------------------------------
def _task_actions(shifts):
    return [Action(f"+{a:g}", lambda ts, a=a: shift_tasks(ts, a), lambda y: y) for a in shifts]


class _Tasks(list):
    """A list of tasks with a batch-first shape (what the metric reads as the input count)."""

    @property
    def shape(self):
        return (len(self),)


def _warp(task, c):
    """The task with inputs warped x -> x + c x^2 (a planted non-stationary oracle)."""
    return type(task)(task.xc + c * task.xc**2, task.yc, task.xt + c * task.xt**2, task.yt)


def shift_exact_task(rng, tasks, shifts, absolute=False, warp=0.0):
    """Largest relative change of the per-task LL under the shifts for the ConvCNP (with an
    absolute-coordinate channel if ``absolute``) and the GP oracle (on inputs warped by
    ``warp``, a planted error)."""
    ts = sample_tasks(rng, "rbf", tasks)
    p = npm.init_convcnp(rng, channels=8, layers=3, kernel=5, absolute=absolute)
    for k in p:
        if k.startswith("b"):
            p[k] = 0.1 * rng.normal(size=p[k].shape)

    def conv_ll(x):
        return npm.log_likelihoods("convcnp", p, list(x))[:, None]

    def gp_ll(x):
        return np.array([[gp_log_likelihood(_warp(t, warp), "rbf")] for t in x])

    acts = _task_actions(shifts)
    out = {"convcnp": eq_worst(conv_ll, _Tasks(ts), acts)[0]}
    if not absolute:
        out["gp"] = eq_worst(gp_ll, _Tasks(ts), acts)[0]
    out["ll0"] = float(npm.log_likelihoods("convcnp", p, ts).mean())
    return out


#: translations a of equivcnp-shift-exact: below, the negative control cannot see the shift;
#: above, float64 round-off of x + a exceeds the 1e-10 tolerance (a = 1e9 gives 1e-7)
SHIFT_RANGE = (0.01, 100.0)


def _parse_shifts(text):
    vals = parse_floats("shifts", text, positive=True, what="translations a")
    lo, hi = SHIFT_RANGE
    if not all(lo <= a <= hi for a in vals):
        raise UsageError(f"parameter shifts must lie in [{lo:g}, {hi:g}] (below, the control "
                         f"cannot see the shift; above, round-off of x + a exceeds the "
                         f"tolerance), got {text!r}")
    return vals


def plan_shift_exact(exp: Experiment, v: dict, absolute_as_sharp: bool = False,
                     control_unbroken: bool = False,
                     gp_warp: float = 0.0) -> Plan:
    shifts = _parse_shifts(v["shifts"])
    tasks = [TaskSpec(shift_exact_task, dict(tasks=v["tasks"], shifts=shifts,
                                             absolute=a and not control_unbroken, warp=gp_warp),
                      key=a) for a in (False, True)]
    zero = exp.statement.evaluate()
    tag = f"a in {{{', '.join(f'{a:g}' for a in shifts)}}}"

    def reduce(outputs):
        good, bad = outputs
        checks = [Check(f"ConvCNP (grid moves with the context): max |LL(a) - LL(0)|/|LL(0)|, "
                        f"{tag}", "sharp", zero, good["convcnp"], tol=TOL_SHIFT),
                  Check(f"true-kernel GP oracle: max |LL(a) - LL(0)|/|LL(0)|, {tag}", "sharp",
                        zero, good["gp"], tol=TOL_SHIFT)]
        if absolute_as_sharp:
            checks.append(Check(f"ConvCNP with an absolute-coordinate channel, {tag}", "sharp",
                                zero, bad["convcnp"], tol=TOL_SHIFT))
        else:
            checks.append(Check(f"negative control: absolute-coordinate channel, {tag}: "
                                "change >= 1e-3", "bound", 1e-3, bad["convcnp"], relation=">=",
                                tol=0.0))
        return checks, {"good": good, "absolute": bad, "shifts": shifts}

    return Plan(tasks, reduce, params={"shifts": shifts})


SHIFT_EXACT = register(Experiment(
    slug="equivcnp-shift-exact", kind="sharp", family="EquivCNP",
    claim="an exactly T(1)-equivariant predictor scores translated GP tasks identically",
    params=(Param("tasks", int, 100, "RBF-GP tasks on (-2, 2)", quick=20, low=2, high=10_000,
                  why="what fits in memory and a minute"),
            Param("shifts", str, "2,4", "translations a (comma-separated, > 0)")),
    planner=plan_shift_exact, statement=eq.shift_invariant_likelihood(), details=__doc__,
))
