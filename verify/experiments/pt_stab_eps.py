r"""Petrache–Trivedi: the ε-stabilizer
:math:`\mathsf{Stab}_\varepsilon(f)=\{g:e_g(f)\le\varepsilon\}`.

``pt-stab-eps`` (sharp, derived; the name is PT's, the definition common form).
:math:`G=C_m` (default m = 360) acting on the plane by the rotations :math:`\rho(g_k)` by
:math:`2\pi k/m`; the invariant function :math:`\|x\|^2` plus a non-invariant bump,

.. math::
    f(x)=\|x\|^2+\alpha\cos(2\theta)\,\chi(\|x\|),\qquad
    \chi(r)=\exp\Bigl(1-\frac1{1-((r-r_0)/w)^2}\Bigr)\ \text{for}\ |r-r_0|<w,\ 0\ \text{else},

(:math:`r_0=0.6`, :math:`w=0.3`, :math:`\max\chi=1`), on the polar grid
:math:`x_{ij}=r_i(\cos\theta_j,\sin\theta_j)`, :math:`r_i=(i+\frac12)/R`, :math:`\theta_j=2\pi j/m`
(R = ``radii``), which is :math:`C_m`-closed.  The grid measure has weights :math:`\propto r_i`
(area), uniform in θ, so it is invariant.  Since :math:`\rho(g_k)x_{ij}=x_{i,j+k}`, the values
of :math:`f\circ\rho(g_k)` are the grid values rolled by k along θ: every :math:`e_{g_k}` comes
from index rolls,

.. math::
    e^\infty_k=\max_{ij}|F_{i,j+k}-F_{ij}|,\qquad
    e^2_k=\Bigl(\sum_{ij}\tfrac{w_i}{m}(F_{i,j+k}-F_{ij})^2\Bigr)^{1/2},

and :math:`g_kg_l=g_{k+l}`, :math:`g_k^{-1}=g_{-k}` (indices mod m).  ``cos 2θ_j`` is evaluated at
the reduced angle :math:`2\pi(2j\bmod m)/m`, so the values repeat exactly where f does
(:math:`\mathsf{Stab}_0\supset\{e,g_{m/2}\}` for even m).

Checks, in :math:`L^\infty` and in :math:`L^2` of the grid measure, with absolute tolerance
:math:`10^{-12}` (float64 round-off on values O(1)):

* the rolls are the action: :math:`\max_{k,i,j}|f(\rho(g_k)x_{ij})-F_{i,j+k}|`, f evaluated in
  Cartesian coordinates at the rotated points (sharp, 0);
* :math:`e\in\mathsf{Stab}_\varepsilon`: :math:`e_e=0` (sharp);
* :func:`bounds.stabilizer.inverse_error`: :math:`\max_k|e_{-k}-e_k|=0` (sharp), and at each ε
  :math:`\max_{k\in\mathsf{Stab}_\varepsilon}e_{-k}\le\varepsilon` (bound), so
  :math:`\mathsf{Stab}_\varepsilon^{-1}=\mathsf{Stab}_\varepsilon`;
* :func:`bounds.stabilizer.stabilizer_closure`: :math:`e_{k+l}\le e_k+e_l` on all :math:`m^2`
  pairs (bound; the largest ratio :math:`e_{k+l}/(e_k+e_l)` is reported), and for every ordered
  pair of the ε values :math:`\max\{e_{k+l}:k\in\mathsf{Stab}_\varepsilon,
  l\in\mathsf{Stab}_{\varepsilon'}\}\le\varepsilon+\varepsilon'` (bound; the number of violating
  pairs is recorded).

The ε values are fractions ``eps_rel`` of :math:`e_{\sup}=\max_ke_k` (per norm).  Reported:
:math:`\lambda_G(\mathsf{Stab}_\varepsilon)=|\mathsf{Stab}_\varepsilon|/m`.  Planted error
(theory): the closure into :math:`\mathsf{Stab}_{\max(\varepsilon,\varepsilon')}` has violating
pairs, except where the stabilizer is a subgroup (ε = 0 here).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from bounds import stabilizer as stb
from bounds.core import Statement

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

__all__ = ["STATEMENTS", "bump", "element_errors", "f_cartesian", "f_grid", "make_plan",
           "polar_grid", "stab_task"]

#: absolute tolerance (float64 identities: 1e-12)
TOL = 1e-12
#: centre and half-width of the radial bump chi
R0, WIDTH = 0.6, 0.3
NORMS = ("Linf", "L2")

#: Statements checked here; tests plant wrong ones via Experiment.replace(statement=...) (the
#: closure) or ``make_plan(..., statements={"inverse": ...})``.
STATEMENTS = {"closure": stb.stabilizer_closure(), "inverse": stb.inverse_error()}


def bump(r: np.ndarray) -> np.ndarray:
    r""":math:`\chi(r)=\exp(1-1/(1-u^2))` for :math:`u=(r-r_0)/w\in(-1,1)`, else 0."""
    u2 = ((np.asarray(r, float) - R0) / WIDTH) ** 2
    inside = u2 < 1
    return np.where(inside, np.exp(1.0 - 1.0 / np.where(inside, 1.0 - u2, 1.0)), 0.0)


def polar_grid(order: int, radii: int) -> tuple[np.ndarray, np.ndarray]:
    """Radii :math:`(i+1/2)/R` and the angle indices 0..m-1."""
    return (np.arange(radii) + 0.5) / radii, np.arange(order)


def f_grid(order: int, radii: int, alpha: float) -> np.ndarray:
    r""":math:`F_{ij}=r_i^2+\alpha\cos(2\pi(2j\bmod m)/m)\chi(r_i)` (R, m)."""
    r, j = polar_grid(order, radii)
    cos2 = np.cos(2 * np.pi * ((2 * j) % order) / order)
    return (r**2)[:, None] + alpha * bump(r)[:, None] * cos2[None, :]


def f_cartesian(x: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    r"""f at Cartesian points: :math:`x^2+y^2+\alpha\frac{x^2-y^2}{x^2+y^2}\chi(\sqrt{x^2+y^2})`."""
    r2 = x * x + y * y
    return r2 + alpha * (x * x - y * y) / r2 * bump(np.sqrt(r2))


def element_errors(F: np.ndarray, weights: np.ndarray, shift: int = 0) -> dict[str, np.ndarray]:
    r""":math:`e_k` for every k in :math:`L^\infty` and in :math:`L^2` (weights (R, m), summing
    to 1; the sup runs over the grid points of positive weight).  ``shift`` offsets the roll (a
    planted error: :math:`f\circ\rho(g_{k+{\rm shift}})` in place of :math:`f\circ\rho(g_k)`)."""
    order = F.shape[1]
    support = weights > 0
    out = {"Linf": np.empty(order), "L2": np.empty(order)}
    for k in range(order):
        diff = np.roll(F, -(k + shift), axis=1) - F
        out["Linf"][k] = np.abs(diff[support]).max()
        out["L2"][k] = math.sqrt(float(np.sum(weights * diff * diff)))
    return out


def _action_gap(F: np.ndarray, alpha: float, shift: int) -> float:
    r""":math:`\max_{k,i,j}|f(\rho(g_k)x_{ij})-F_{i,j+k+{\rm shift}}|` with f in Cartesian
    coordinates and :math:`\rho(g_k)` the rotation matrix."""
    radii, order = F.shape
    r, j = polar_grid(order, radii)
    th = 2 * np.pi * j / order
    x, y = r[:, None] * np.cos(th)[None], r[:, None] * np.sin(th)[None]
    gap = 0.0
    for k in range(order):
        c, s = math.cos(2 * math.pi * k / order), math.sin(2 * math.pi * k / order)
        rotated = f_cartesian(c * x - s * y, s * x + c * y, alpha)
        gap = max(gap, float(np.abs(rotated - np.roll(F, -(k + shift), axis=1)).max()))
    return gap


def stab_task(rng, order, radii, alpha, angular_weight=None, shift=0):
    """Grid values, the action check, and :math:`e_k` in both norms (deterministic: ``rng`` is
    unused).  ``angular_weight`` (m,) replaces the uniform angular weights (a planted,
    non-invariant measure)."""
    F = f_grid(order, radii, alpha)
    r, _ = polar_grid(order, radii)
    ang = np.ones(order) if angular_weight is None else np.asarray(angular_weight, float)
    weights = r[:, None] * ang[None, :]
    weights /= weights.sum()
    errs = element_errors(F, weights, shift)
    return {"errors": errs, "action_gap": _action_gap(F, alpha, shift)}


def _predict(stmt: Statement, **values):
    """The statement's numpy form at array values (assumptions checked at one entry)."""
    mine = {k: v for k, v in values.items() if k in stmt.symbol_names()}
    stmt.check(**{k: float(np.ravel(v)[0]) for k, v in mine.items()})
    arrays = np.broadcast_arrays(*(np.asarray(v, float) for v in mine.values()))
    return stmt.lambdify()(**dict(zip(mine, arrays)))


def _max(a: np.ndarray) -> float:
    """Largest entry, 0 for an empty array (an empty stabilizer satisfies every inclusion)."""
    return float(a.max()) if a.size else 0.0


def _parse_rel(text: str) -> list[float]:
    return sorted(set(parse_floats("eps_rel", text, what="fractions of max_g e_g")))


def norm_checks(E: np.ndarray, st: dict, rel: list[float], tag: str
                ) -> tuple[list[Check], dict]:
    """Checks of one norm's per-element errors ``E[k] = e_{g_k}`` on C_m (m = len(E)):
    e_e = 0, e_{g⁻¹} = e_g, e_{gh} ≤ e_g + e_h, Stab_ε⁻¹ = Stab_ε, Stab_ε Stab_ε′ ⊂ Stab_{ε+ε′}."""
    order = E.size
    k = np.arange(order)
    e_sup = float(E.max())
    eps = [q * e_sup for q in rel]
    inv = _predict(st["inverse"], e_g=E)
    checks = [Check(f"{tag} e in Stab_eps: e_e = 0", "sharp", 0.0, float(E[0]), tol=TOL),
              Check(f"{tag} e_(g^-1) = e_g: max_k |e_(-k) - e_k|", "sharp", 0.0,
                    float(np.abs(E[(-k) % order] - inv).max()), tol=TOL)]
    pair = E[(k[:, None] + k[None, :]) % order]
    bound = _predict(st["closure"], e_g=E[:, None], e_h=E[None, :])
    checks.append(Check(f"{tag} e_(gh) <= e_g + e_h on all {order}^2 pairs: "
                        "max (e_gh - bound)", "bound", 0.0, float((pair - bound).max()),
                        relation="<=", tol=TOL))
    pos = (E[:, None] > 0) & (E[None, :] > 0)
    ratio = float((pair[pos] / bound[pos]).max()) if pos.any() else 0.0
    checks.append(Check(f"{tag} tightness: max e_gh / (e_g + e_h) over e_g, e_h > 0",
                        "trend", 1.0, ratio, relation="<="))
    stabs = [np.flatnonzero(E <= e) for e in eps]
    lam = [s.size / order for s in stabs]
    viol = {}
    for q, e, s in zip(rel, eps, stabs):
        checks.append(Check(f"{tag} Stab^-1 in Stab at eps = {q:g} e_sup: "
                            "max e_(g^-1) over Stab_eps", "bound",
                            float(_predict(st["inverse"], e_g=e)),
                            _max(E[(-s) % order]), relation="<=", tol=TOL,
                            group=f"{tag} Stab_eps^-1 = Stab_eps"))
    for q1, e1, s1 in zip(rel, eps, stabs):
        for q2, e2, s2 in zip(rel, eps, stabs):
            prod = E[(s1[:, None] + s2[None, :]) % order]
            b = float(_predict(st["closure"], e_g=e1, e_h=e2))
            viol[(q1, q2)] = int(np.sum(prod > b + TOL))
            checks.append(Check(f"{tag} Stab_eps Stab_eps' in Stab_(eps+eps') at "
                                f"(eps, eps') = ({q1:g}, {q2:g}) e_sup ({viol[(q1, q2)]}"
                                " violating pairs)", "bound", b, _max(prod),
                                relation="<=", tol=TOL,
                                group=f"{tag} Stab_eps Stab_eps' in Stab_(eps+eps')"))
    for q, lm in zip(rel, lam):
        checks.append(Check(f"{tag} lambda_G(Stab_eps) at eps = {q:g} e_sup "
                            f"(>= 1/|G|: e in Stab)", "trend", 1.0 / order, lm,
                            relation=">="))
    data = {"errors": E.tolist(), "e_sup": e_sup, "eps": eps, "lambda": lam,
            "violations": {f"{a:g},{b:g}": c for (a, b), c in viol.items()}}
    return checks, data


def _reduce(outputs, *, st, order, radii, alpha, rel):
    (o,) = outputs
    checks = [Check(f"rolls = the action: max |f(rho(g_k) x) - F rolled by k| "
                    f"(C{order}, {radii} x {order} grid)", "sharp", 0.0, o["action_gap"],
                    tol=TOL)]
    data = {"order": order, "radii": radii, "alpha": alpha, "eps_rel": rel, "norms": {}}
    for norm in NORMS:
        c, data["norms"][norm] = norm_checks(o["errors"][norm], st, rel, f"[{norm}]")
        checks += c
    return checks, data


def make_plan(exp: Experiment, v: dict, statements: dict | None = None,
              angular_weight=None, shift: int = 0) -> Plan:
    st = {**STATEMENTS, "closure": exp.statement, **(statements or {})}
    order, radii, alpha = v["order"], v["radii"], v["alpha"]
    if order < 2:
        raise UsageError(f"parameter order must be at least 2 (C_1 is trivial), got {order}")
    if alpha < 0:
        raise UsageError(f"parameter alpha must be >= 0, got {alpha}")
    rel = _parse_rel(v["eps_rel"])
    kwargs = {"order": order, "radii": radii, "alpha": alpha,
              "angular_weight": angular_weight, "shift": shift}
    tasks = [TaskSpec(stab_task, kwargs, key="grid")]

    reduce = functools.partial(_reduce, st=st, order=order, radii=radii, alpha=alpha, rel=rel)
    return Plan(tasks, reduce, params={})


PARAMS = (
    Param("order", int, 360, "m: the group C_m of rotations by 2 pi k/m (= angular grid points)",
          low=2, high=3600, why="every one of the m rotations is compared on the m x radii "
          "grid: m^2 radii work"),
    Param("radii", int, 50, "radial grid points r_i = (i + 1/2)/R", quick=10, low=1, high=500),
    Param("alpha", float, 0.3, "amplitude of the non-invariant bump alpha cos(2 theta) chi",
          low=0.0, high=10.0, why="the exact checks have an absolute tolerance, which "
          "round-off exceeds at alpha = 1e9"),
    Param("eps_rel", str, "0,0.1,0.3,0.6,0.9", "eps values as fractions of max_g e_g (per "
          "norm), comma-separated"),
)

PT_STAB_EPS = register(Experiment(
    slug="pt-stab-eps", kind="sharp", family="PT",
    claim="Stab_eps contains e, is symmetric, and Stab_eps Stab_eps' is in Stab_(eps+eps')",
    params=PARAMS, planner=make_plan, statement=STATEMENTS["closure"], details=__doc__,
))
