r"""Symmetry cloning (Huang et al., arXiv:2410.03989): exact teachers and the triangle bound.

``clone-teacher`` (sharp, construction).  Each teacher must be equivariant to float64 round-off:
the largest per-element mean relative error of :func:`verify.symmetry.equivariance_error` is
at most 1e-12 for

* circular convolution on :math:`\mathbb Z_{n}` (all n − 1 shifts);
* the tanh G-CNN :math:`C_2\tanh(C_1x)` on :math:`\mathbb Z_n`;
* a DeepSets layer on sets of 5 vectors of :math:`\mathbb R^3` (all of :math:`S_5`);
* a C4 layer on 8 × 8 images (circular correlation, kernel averaged over rot90; 3 turns).

``bias`` plants an error: a random per-position bias of that scale added to every teacher's
output breaks equivariance (the tests require the check to fail at bias = 0.1).

``clone-bound`` (bound, P1; :func:`bounds.cloning.triangle_bound`).  Teacher: circular
convolution on :math:`\mathbb Z_n`; inputs: 1 000 Gaussian vectors; every shift g.  For each
student H (random linear, random tanh MLP, the min-norm least-squares clone from n/2 samples,
and the tight student :math:`\Gamma+cu`, :math:`u=(1,-1,1,\dots)`) the metric's mean
equivariance error :math:`\frac1N\sum_i\|H(gx_i)-\rho(g)H(x_i)\|` must not exceed the mean
clone errors :math:`\frac1N\sum_i\|H(gx_i)-\Gamma(gx_i)\|+\frac1N\sum_i\|H(x_i)-\Gamma(x_i)\|`
(+1e-12); the inequality holds input by input, hence for the means.  For the tight student and
the odd shifts (:math:`\rho(g)u=-u`) both sides equal :math:`2c\|u\|`, and equality is
asserted within 1e-12.
"""

from __future__ import annotations

import numpy as np

from bounds.cloning import triangle_bound

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, UsageError, register
from ..engine.stats import Check
from ..models.cloning import (
    c4_teacher,
    circulant,
    deepsets_teacher,
    init_mlp,
    min_norm_linear,
)
from ..symmetry.equivariance import Action, equivariance_error
from ..symmetry.groups import symmetric
from .clone_common import EXACT, MEM, gcnn, shift_actions, zero

SET_SIZE, SET_DIM, IMAGE = 5, 3, 8
LIST = "Z_n is listed with its n x n shift matrices"


def _rows_perm_actions(group):
    """Permutations of axis 1 of (batch, n, c) arrays, on inputs and outputs alike."""
    acts = []
    for i, P in enumerate(group.rep().matrices[1:], start=1):
        def act(X, P=P):
            return np.einsum("ab,nbc->nac", P, X)
        acts.append(Action(f"{group.name}[{i}]", act, act))
    return acts


def _rot90_actions():
    acts = []
    for k in (1, 2, 3):
        def act(X, k=k):
            return np.rot90(X, k, axes=(1, 2))
        acts.append(Action(f"rot90^{k}", act, act))
    return acts


def _biased(f, b):
    return f if b is None else (lambda X: f(X) + b)


def teacher_task(rng, n: int, inputs: int, bias: float):
    """Worst per-element relative equivariance error of each teacher (and the full metric)."""
    def plant(shape):
        return None if bias == 0 else bias * rng.normal(size=shape)

    C = circulant(rng.normal(size=n) / np.sqrt(n))
    cases = [
        (f"circular convolution on Z_{n}", _biased(lambda X: X @ C.T, plant(n)),
         rng.normal(size=(inputs, n)), shift_actions(n)),
        (f"tanh G-CNN C2 tanh(C1 x) on Z_{n}", _biased(gcnn(rng, n), plant(n)),
         rng.normal(size=(inputs, n)), shift_actions(n)),
        (f"DeepSets layer, sets of {SET_SIZE} in R^{SET_DIM}, S_{SET_SIZE}",
         _biased(deepsets_teacher(rng.normal(size=(SET_DIM, 4)), rng.normal(size=(SET_DIM, 4))),
                 plant((SET_SIZE, 4))),
         rng.normal(size=(inputs, SET_SIZE, SET_DIM)), _rows_perm_actions(symmetric(SET_SIZE))),
        (f"C4 layer on {IMAGE}x{IMAGE} images (kernel averaged over rot90)",
         _biased(c4_teacher(rng.normal(size=(3, 3)), 0.1), plant((IMAGE, IMAGE))),
         rng.normal(size=(max(inputs // 10, 2), IMAGE, IMAGE)), _rot90_actions()),
    ]
    return [(name, equivariance_error(f, X, acts).to_dict()) for name, f, X, acts in cases]


def plan_teacher(exp: Experiment, v: dict) -> Plan:
    if v["n"] < 2:
        raise UsageError(f"parameter n must be at least 2 (Z_1 is trivial), got {v['n']}")

    def reduce(outputs):
        rows = outputs[0]
        checks = [zero(f"{name}: max_g relative error", err["worst"][1],
                       note=f"worst element {err['worst'][0]} of {err['n_elements']}, "
                            f"{err['n_inputs']} inputs")
                  for name, err in rows]
        return checks, {"teachers": rows}

    return Plan([TaskSpec(teacher_task, dict(n=v["n"], inputs=v["inputs"],
                                             bias=v["bias"]))], reduce)


CLONE_TEACHER = register(Experiment(
    slug="clone-teacher", kind="sharp", family="Clone",
    claim="conv, tanh G-CNN, DeepSets and C4 teachers are equivariant to round-off",
    params=(
        Param("n", int, 16, "Z_n of the convolution teachers", low=2, high=200, why=LIST),
        Param("inputs", int, 1000, "Gaussian inputs per teacher (C4: a tenth)", low=20,
              high=100_000, why=MEM),
        Param("bias", float, 0.0, "planted error: scale of a per-position output bias (0 = "
              "none; any visible value must make the check fail)", low=0.0),
    ),
    planner=plan_teacher, statement=None, details=__doc__,
))


# -- clone-bound -----------------------------------------------------------------------------------
def _students(rng, n, C, c):
    W_rand = rng.normal(size=(n, n)) / np.sqrt(n)
    mlp = init_mlp((n, 4 * n, n), rng)
    Xtr = rng.normal(size=(n // 2, n))
    W_ls = min_norm_linear(Xtr, Xtr @ C.T)
    u = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    return {"random linear": lambda X: X @ W_rand, "random tanh MLP": mlp,
            f"min-norm LS clone, N={n // 2}": lambda X: X @ W_ls,
            f"tight: Gamma + {c:g} u": lambda X: X @ C.T + c * u}


def bound_task(rng, n: int, inputs: int, c: float):
    """Per student and element: (name, metric's mean error, mean clone error at gx, at x)."""
    C = circulant(rng.normal(size=n) / np.sqrt(n))
    X = rng.normal(size=(inputs, n))
    acts = shift_actions(n)
    out = {}
    for sname, H in _students(rng, n, C, c).items():
        err = equivariance_error(H, X, acts)
        e_x = float(np.mean(np.linalg.norm(H(X) - X @ C.T, axis=1)))
        rows = []
        for (name, mean_abs, _), act in zip(err.per_element, acts):
            gX = act.on_input(X)
            e_gx = float(np.mean(np.linalg.norm(H(gX) - gX @ C.T, axis=1)))
            rows.append((name, mean_abs, e_gx, e_x))
        out[sname] = rows
    return out


def plan_bound(exp: Experiment, v: dict) -> Plan:
    n = v["n"]
    if n < 2 or n % 2:
        raise UsageError(f"parameter n must be even and >= 2 (the tight student needs "
                         f"rho(g) u = -u for odd shifts), got {n}")
    rhs = exp.statement.lambdify()

    def reduce(outputs):
        checks = []
        for sname, rows in outputs[0].items():
            for name, lhs, e_gx, e_x in rows:
                bound = float(rhs(e_gx=e_gx, e_x=e_x))
                checks.append(Check(f"{sname}, {name}: eq err <= clone(gx) + clone(x)",
                                    "bound", bound, lhs, tol=EXACT, relation="<=",
                                    group=f"{sname}: triangle bound, every g"))
                shift = int(name.split("[")[1].rstrip("]"))
                if sname.startswith("tight") and shift % 2:
                    checks.append(Check(f"{sname}, {name}: equality", "sharp", bound, lhs,
                                        tol=EXACT, group=f"{sname}: equality, odd shifts"))
        return checks, {"students": outputs[0]}

    return Plan([TaskSpec(bound_task, dict(n=n, inputs=v["inputs"], c=v["c"]))], reduce)


CLONE_BOUND = register(Experiment(
    slug="clone-bound", kind="bound", family="Clone",
    claim="eq error <= clone error at gx + at x (P1); equality for Gamma + cu",
    params=(
        Param("n", int, 16, "Z_n of the convolution teacher (even)", low=2, high=200,
              why=LIST),
        Param("inputs", int, 1000, "Gaussian inputs", low=2, high=100_000, why=MEM),
        Param("c", float, 0.3, "amplitude of the tight student's antisymmetric part", low=0.0),
    ),
    planner=plan_bound, statement=triangle_bound(), details=__doc__,
))

__all__ = ["CLONE_BOUND", "CLONE_TEACHER"]
