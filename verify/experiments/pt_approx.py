r"""Petrache–Trivedi: the approximation error under an equivariance budget, solved exactly.

``pt-approx-budget`` (sharp, derived).  Two exact values of
:math:`A(\varepsilon)=\inf\{\|f-f^*\|:\ \text{f within the budget }\varepsilon\}`:

(a) :math:`L^2` Reynolds budget, LG setting: :math:`f_W(x)=W^\top x`,
    :math:`x\sim N(0,\sigma_X^2I_d)`, so :math:`\|f_W-f_\Theta\|=\sigma_X\|W-\Theta\|_F` and
    :math:`\mathrm{dist}_\Phi(f_W)=\sigma_X\|W_\perp\|_F` with :math:`W_\perp=W-\Phi(W)`, linear
    in W through the projector matrix P of :func:`verify.symmetry.projection.projector`.  The SOCP

    .. math:: A(\varepsilon)=\min_W\sigma_X\|W-\Theta\|_F\quad\text{s.t.}\quad
              \sigma_X\|(I-P)\,\mathrm{vec}W\|_2\le\varepsilon

    is solved by cvxpy (CLARABEL, gap and feasibility tolerances 1e-9) at ``eps_count`` values
    of ε on :math:`[0,\text{eps\_max}\cdot\eta]`, :math:`\eta=\sigma_X\|\Theta_\perp\|_F`, and
    compared with :func:`bounds.approximation.approx_error_l2`, :math:`(\eta-\varepsilon)_+`,
    within 1e-6 (absolute).  The minimiser is compared with
    :math:`\Phi\Theta+\min(1,\varepsilon/\eta)\Theta_\perp` (reported: the largest
    :math:`\sigma_X\|W_{\rm solver}-W^*\|_F` over the grid).  Θ has standard normal entries
    drawn with ``numpy.random.default_rng(theta_seed)``; the run seed does not enter (the
    experiment is deterministic).

(b) :math:`\mathbb Z_2` in the sup norm: an LP on the grid :math:`x_i=-1+2i/(N-1)` of
    :math:`[-1,1]` (N = ``grid`` points, symmetric under :math:`g:x\mapsto-x`),
    :math:`f^*=\cos2x+0.4\sin3x`, variables :math:`f_i` and t,

    .. math:: \min t\quad\text{s.t.}\quad|f_i-f^*_i|\le t,\quad|f_{i+1}-f_i|\le Lh,\quad
              |f(-x_i)-f(x_i)|\le\varepsilon,

    (h = 2/(N-1), L = ``lipschitz``), solved by HiGHS (``scipy.optimize.linprog``) at
    :math:`\varepsilon/\eta\in` ``lp_ratios`` with :math:`\eta=\max_i|f^*(-x_i)-f^*(x_i)|`
    (0.79995 for N = 201) and compared with :func:`bounds.approximation.approx_error_z2_sup`,
    :math:`\frac12(\eta-\varepsilon)_+`, within 1e-8.  The statement needs :math:`f^*` in the
    class, i.e. :math:`\max_i|f^*_{i+1}-f^*_i|\le Lh`; otherwise the run is refused.

``pt-approx-sup`` (bound with an exact kink, derived).  LG setting with the per-element budget:

.. math:: A_{\sup}(\varepsilon)=\min_W\sigma_X\|W-\Theta\|_F\quad\text{s.t.}\quad
          e_g(f_W)=\sigma_X\|\rho_X(g)^\top W\rho_Y(g)-W\|_F\le\varepsilon\ \ \forall g\ne e.

Derivation of :math:`e_g(f_W)`: :math:`f_W\circ\rho_X(g)(x)-\rho_Y(g)f_W(x)=Mx` with
:math:`M=W^\top\rho_X(g)-\rho_Y(g)W^\top`; for :math:`x\sim N(0,\sigma_X^2I)`,
:math:`\mathbb E\|Mx\|^2=\sigma_X^2\|M\|_F^2`, and since :math:`\rho_Y(g)` is orthogonal,
:math:`\|M\|_F=\|\rho_Y(g)^\top W^\top\rho_X(g)-W^\top\|_F=\|\rho_X(g)^\top W\rho_Y(g)-W\|_F`.
In row-major coordinates :math:`\mathrm{vec}(\rho_X^\top W\rho_Y)=(\rho_X^\top\otimes\rho_Y^\top)
\mathrm{vec}W`, so each element gives one second-order cone (the identity gives none).  With
:math:`\eta_{\sup}=\max_ge_g(f_\Theta)` the statements :func:`bounds.approximation.approx_sup_lower`
and :func:`~bounds.approximation.approx_sup_upper` give the sandwich

.. math:: \tfrac12(\eta_{\sup}-\varepsilon)_+\le A_{\sup}(\varepsilon)\le
          \sigma_X\|\Theta_\perp\|_F\,(1-\varepsilon/\eta_{\sup})_+ ,

asserted at the solver tolerance 1e-6 (absolute) at ``eps_count`` values of ε per group.  The
predicted kink, the smallest ε at which the upper bound vanishes (SymPy ``solveset`` on the
statement), is placed on the grid: :math:`\varepsilon_j=\varepsilon_{\rm kink}\,j/j_k`,
:math:`j_k=\mathrm{round}(0.8(\text{eps\_count}-1))`; the checks assert
:math:`A_{\sup}<10^{-7}` at the kink and :math:`>10^{-7}` at its left neighbour.
Groups: ``group`` is a comma-separated list (default C4 and S4, acting by permuting the d = 4
coordinates of input and output).

Statements and planted errors.  Each experiment checks several statements, kept in the
module-level dicts :data:`BUDGET_STATEMENTS` and :data:`SUP_STATEMENTS`.  The experiment's own
``statement`` (the L² formula, resp. the upper bound that fixes the kink) replaces the entry of
the same *name*, so a test plants a wrong version of any of them with
``exp.replace(statement=STATEMENTS[role].replace(expr=...))``.  Sup-budget statements are
evaluated with the values ``eta`` (σ_X‖Θ_⊥‖), ``eta_sup``, ``eta_avg`` (:math:`e_{\rm avg}(f^*)
=(\frac1{|G|}\sum_ge_g^2)^{1/2}`) and ``eps``; a planted statement may use any of them.
"""

from __future__ import annotations

import warnings

import numpy as np
import sympy as sp
from scipy import sparse
from scipy.optimize import linprog

from bounds import approximation as ap
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
from ..symmetry.permutation import LIST_LIMIT, order_text
from ..symmetry.projection import projector
from .lg_setting import lg_setting

__all__ = [
    "BUDGET_STATEMENTS",
    "SUP_STATEMENTS",
    "fstar_z2",
    "kink_eps",
    "l2_budget_task",
    "lp_grid",
    "sup_budget_task",
    "sup_errors",
    "z2_lp_task",
]

#: absolute tolerances of pt-approx-budget and pt-approx-sup (solver accuracy, not statistics)
TOL_L2, TOL_LP, TOL_SUP, KINK_ZERO = 1e-6, 1e-8, 1e-6, 1e-7
#: CLARABEL settings: gap and feasibility tolerances well below the checks' 1e-6
CLARABEL = {"tol_gap_abs": 1e-9, "tol_gap_rel": 1e-9, "tol_feas": 1e-9}

#: statements of pt-approx-budget: (a) the L2 budget, (b) the Z2 sup-norm LP
BUDGET_STATEMENTS = {"l2": ap.approx_error_l2(), "z2": ap.approx_error_z2_sup()}
#: statements of pt-approx-sup: the two sides of the sandwich (the upper one fixes the kink)
SUP_STATEMENTS = {"lower": ap.approx_sup_lower(), "upper": ap.approx_sup_upper()}


def _statements(exp: Experiment, defaults: dict[str, Statement]) -> dict[str, Statement]:
    """The defaults with the experiment's statement in the slot of the same name."""
    out = dict(defaults)
    if exp.statement is not None:
        role = next((r for r, s in defaults.items() if s.name == exp.statement.name), None)
        if role is None:
            raise ValueError(f"{exp.slug}: statement {exp.statement.name!r} matches none of "
                             f"{[s.name for s in defaults.values()]}")
        out[role] = exp.statement
    return out


def _predict(stmt: Statement, values: dict) -> float:
    """``stmt`` at the values it needs (extra values are ignored): the symbols' assumptions and
    the hypotheses are checked (:meth:`Statement.check`), then the numpy form is evaluated
    (:meth:`Statement.evaluate` on ``Max`` of floats costs ~0.1 s per call in SymPy)."""
    mine = {k: v for k, v in values.items() if k in stmt.symbol_names()}
    stmt.check(**mine)
    return float(stmt.lambdify()(**mine))


# -- shared ----------------------------------------------------------------------------------
def _setting(group: str):
    s = lg_setting(group, 1, None, "equivariant", None)
    if getattr(s.group, "by_generators", False) and s.group.order > LIST_LIMIT:
        raise UsageError(f"{group} has {order_text(s.group.order)} elements; the approximation "
                         f"experiments average over every element (at most {LIST_LIMIT})")
    if s.codim == 0:
        raise UsageError(f"every linear map is equivariant under {group} (dim E = d k = "
                         f"{s.dim_e}): the target has no non-equivariant part")
    return s


def _theta(theta_seed: int, d: int, k: int) -> np.ndarray:
    return np.random.default_rng(theta_seed).standard_normal((d, k))


def _solve(prob, param, values) -> tuple[list[float], list]:
    """Solve ``prob`` for each value of the cvxpy parameter; NaN where the solver fails."""
    from cvxpy.error import SolverError

    out, sols = [], []
    var = prob.variables()[0]
    for v in values:
        param.value = float(v)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                prob.solve(solver="CLARABEL", **CLARABEL)
            except SolverError:  # NaN: the check then fails
                out.append(float("nan"))
                sols.append(None)
                continue
        ok = prob.status in ("optimal", "optimal_inaccurate")
        out.append(float(prob.value) if ok else float("nan"))
        sols.append(np.array(var.value) if ok else None)
    return out, sols


# -- (a) L2 budget ---------------------------------------------------------------------------
def l2_budget_task(rng, theta, P, sigma_x, eps_values):
    r"""Solve :math:`\min\sigma_X\|w-\theta\|` s.t. :math:`\sigma_X\|(I-P)w\|\le\varepsilon`
    (row-major vec) at each ε; returns the optimal values and minimisers."""
    import cvxpy as cp

    theta = np.asarray(theta, float).ravel()
    perp = np.eye(theta.size) - P
    w, eps = cp.Variable(theta.size), cp.Parameter(nonneg=True)
    prob = cp.Problem(cp.Minimize(sigma_x * cp.norm(w - theta)),
                      [sigma_x * cp.norm(perp @ w) <= eps])
    vals, sols = _solve(prob, eps, eps_values)
    return {"values": vals, "solutions": sols}


# -- (b) Z2 sup-norm LP ----------------------------------------------------------------------
def fstar_z2(x: np.ndarray) -> np.ndarray:
    """The target of part (b): :math:`f^*(x)=\\cos2x+0.4\\sin3x`."""
    return np.cos(2 * x) + 0.4 * np.sin(3 * x)


def lp_grid(n: int) -> tuple[np.ndarray, float, float]:
    """Grid x of [-1, 1] (n points), f* on it and η = max_i |f*(-x_i) - f*(x_i)|."""
    x = np.linspace(-1.0, 1.0, n)
    f = fstar_z2(x)
    return x, f, float(np.max(np.abs(f[::-1] - f)))


def z2_lp_task(rng, n, lipschitz, eps_values):
    r"""The LP of part (b) (HiGHS) at each ε: :math:`\min t` over :math:`(f_0..f_{n-1},t)`."""
    _x, fs, _ = lp_grid(n)
    h = 2.0 / (n - 1)
    i = np.arange(n - 1)
    D = sparse.coo_matrix((np.r_[-np.ones(n - 1), np.ones(n - 1)], (np.r_[i, i], np.r_[i, i + 1])),
                          shape=(n - 1, n))
    m = n // 2  # pairs (x_j, -x_j) = (x_j, x_{n-1-j}); a middle point is fixed by g
    j = np.arange(m)
    S = sparse.coo_matrix((np.r_[np.ones(m), -np.ones(m)], (np.r_[j, j], np.r_[n - 1 - j, j])),
                          shape=(m, n))
    col = lambda rows, c: sparse.csr_matrix(np.full((rows, 1), c))
    A = sparse.vstack([
        sparse.hstack([D, col(n - 1, 0.0)]), sparse.hstack([-D, col(n - 1, 0.0)]),
        sparse.hstack([S, col(m, 0.0)]), sparse.hstack([-S, col(m, 0.0)]),
        sparse.hstack([sparse.identity(n), col(n, -1.0)]),
        sparse.hstack([-sparse.identity(n), col(n, -1.0)]),
    ]).tocsr()
    c = np.zeros(n + 1)
    c[-1] = 1.0
    out = []
    for eps in eps_values:
        b = np.r_[np.full(2 * (n - 1), lipschitz * h), np.full(2 * m, eps), fs, -fs]
        res = linprog(c, A_ub=A, b_ub=b, bounds=[(None, None)] * (n + 1), method="highs")
        out.append(float(res.fun) if res.status == 0 else float("nan"))
    return out


def _parse_ratios(text: str) -> list[float]:
    return parse_floats("lp_ratios", text, what="eps / eta")


def plan_budget(exp: Experiment, v: dict) -> Plan:
    st = _statements(exp, BUDGET_STATEMENTS)
    if v["sigma_x"] <= 0:
        raise UsageError(f"parameter sigma_x must be positive, got {v['sigma_x']}")
    s = _setting(v["group"])
    theta = _theta(v["theta_seed"], s.d, s.k)
    P = projector(s.rep_in, s.rep_out)
    th = theta.ravel()
    eta = v["sigma_x"] * float(np.linalg.norm(th - P @ th))
    eps_a = np.linspace(0.0, v["eps_max"] * eta, v["eps_count"])
    pred_a = [_predict(st["l2"], {"eta": eta, "eps": e}) for e in eps_a]

    n, L = v["grid"], v["lipschitz"]
    _x, fs, eta_b = lp_grid(n)
    slope = float(np.max(np.abs(np.diff(fs)))) / (2.0 / (n - 1))
    if slope > L * (1 + 1e-12):
        raise UsageError(f"lipschitz={L:g} is below the slope of f* on the grid ({slope:.4g}); "
                         "the statement needs f* inside the Lipschitz class")
    ratios = _parse_ratios(v["lp_ratios"])
    eps_b = [r * eta_b for r in ratios]
    pred_b = [_predict(st["z2"], {"eta": eta_b, "eps": e}) for e in eps_b]
    tasks = [TaskSpec(l2_budget_task, {"theta": theta, "P": P, "sigma_x": v["sigma_x"],
                                       "eps_values": eps_a}, key="a"),
             TaskSpec(z2_lp_task, {"n": n, "lipschitz": L, "eps_values": eps_b}, key="b")]
    g = v["group"]

    def reduce(outputs):
        a, b = outputs
        checks, gaps = [], []
        for e, p, m, w in zip(eps_a, pred_a, a["values"], a["solutions"]):
            checks.append(Check(f"(a) {g} L2 budget eps/eta={e / eta:.3g}: A = (eta - eps)+",
                                "sharp", p, m, tol=TOL_L2, group="(a) L2 budget, SOCP"))
            if w is not None:
                target = P @ th + min(1.0, e / eta) * (th - P @ th)
                gaps.append(v["sigma_x"] * float(np.linalg.norm(w - target)))
        checks.append(Check(f"(a) {g} minimiser = Phi Theta + min(1, eps/eta) Theta_perp "
                            "(max sigma_x |W - W*| over eps)", "sharp", 0.0,
                            max(gaps) if gaps else float("nan"), asserted=False))
        for r, e, p, m in zip(ratios, eps_b, pred_b, b):
            checks.append(Check(f"(b) Z2 sup-norm LP eps/eta={r:g}: A = (eta - eps)+/2",
                                "sharp", p, m, tol=TOL_LP, group="(b) Z2 sup-norm LP"))
        data = {"a": {"group": g, "eta": eta, "eps": list(map(float, eps_a)),
                      "predicted": pred_a, "measured": a["values"], "minimiser_gap": gaps},
                "b": {"eta": eta_b, "grid": n, "lipschitz": L, "ratios": ratios,
                      "eps": eps_b, "predicted": pred_b, "measured": b}}
        return checks, data

    return Plan(tasks, reduce, params={"eta": eta, "eta_lp": eta_b})


# -- pt-approx-sup ---------------------------------------------------------------------------
def sup_errors(theta: np.ndarray, rep_in, rep_out, sigma_x: float) -> np.ndarray:
    r""":math:`e_g(f_\Theta)=\sigma_X\|\rho_X(g)^\top\Theta\rho_Y(g)-\Theta\|_F` per element."""
    A, B = rep_in.matrices, rep_out.matrices
    moved = np.einsum("gia,ij,gjb->gab", A, theta, B)
    return sigma_x * np.linalg.norm(moved - theta, axis=(1, 2))


def kink_eps(stmt: Statement, values: dict) -> float:
    r"""The smallest ε ≥ 0 at which ``stmt`` predicts :math:`A_{\sup}(\varepsilon)=0`.

    SymPy ``solveset`` of expr = 0 over :math:`[0,\infty)` after substituting the other values
    (17-digit floats); its infimum.  Raises ValueError if the statement never vanishes."""
    e = stmt.symbol("eps")
    subs = {stmt.symbol(k): sp.Float(v, 17) for k, v in values.items()
            if k != "eps" and k in stmt.symbol_names()}
    zeros = sp.solveset(stmt.expr.subs(subs), e, sp.Interval(0, sp.oo))
    if zeros is sp.S.EmptySet or not zeros.is_subset(sp.Reals):
        raise ValueError(f"{stmt.name} does not vanish for eps >= 0")
    return float(zeros.inf)


def sup_budget_task(rng, theta, rep_mats_in, rep_mats_out, sigma_x, eps_values):
    r"""Solve the sup-budget SOCP (one cone per non-identity element) at each ε."""
    import cvxpy as cp

    theta = np.asarray(theta, float)
    dk = theta.size
    ops = [np.kron(a.T, b.T) - np.eye(dk) for a, b in zip(rep_mats_in[1:], rep_mats_out[1:])]
    w, eps = cp.Variable(dk), cp.Parameter(nonneg=True)
    prob = cp.Problem(cp.Minimize(sigma_x * cp.norm(w - theta.ravel())),
                      [sigma_x * cp.norm(M @ w) <= eps for M in ops])
    vals, _ = _solve(prob, eps, eps_values)
    return vals


def _groups(text: str) -> list[str]:
    groups = [g.strip() for g in str(text).split(",") if g.strip()]
    if not groups:
        raise UsageError(f"parameter group must name at least one group, got {text!r}")
    return groups


def plan_sup(exp: Experiment, v: dict) -> Plan:
    st = _statements(exp, SUP_STATEMENTS)
    if v["sigma_x"] <= 0:
        raise UsageError(f"parameter sigma_x must be positive, got {v['sigma_x']}")
    count = v["eps_count"]
    jk = round(0.8 * (count - 1))
    cases, tasks = [], []
    for g in _groups(v["group"]):
        s = _setting(g)
        theta = _theta(v["theta_seed"], s.d, s.k)
        P = projector(s.rep_in, s.rep_out)
        th = theta.ravel()
        e = sup_errors(theta, s.rep_in, s.rep_out, v["sigma_x"])
        vals = {"eta": v["sigma_x"] * float(np.linalg.norm(th - P @ th)),
                "eta_sup": float(e.max()), "eta_avg": float(np.sqrt(np.mean(e**2)))}
        kink = kink_eps(st["upper"], vals)
        eps = [kink * j / jk for j in range(count)]
        eps[jk] = kink
        lower = [_predict(st["lower"], {**vals, "eps": x}) for x in eps]
        upper = [_predict(st["upper"], {**vals, "eps": x}) for x in eps]
        cases.append(dict(group=g, **vals, kink=kink, eps=eps, lower=lower, upper=upper,
                          e_g=e.tolist(), order=len(e)))
        kwargs = {"theta": theta, "rep_mats_in": s.rep_in.matrices,
                  "rep_mats_out": s.rep_out.matrices, "sigma_x": v["sigma_x"], "eps_values": eps}
        tasks.append(TaskSpec(sup_budget_task, kwargs, key=g))

    def reduce(outputs):
        checks = []
        for c, meas in zip(cases, outputs):
            g = c["group"]
            c["measured"] = meas
            for x, lo, hi, m in zip(c["eps"], c["lower"], c["upper"], meas):
                r = x / c["kink"]
                checks.append(Check(f"{g} eps/kink={r:.3g}: A_sup >= (eta_sup - eps)+/2",
                                    "bound", lo, m, relation=">=", tol=TOL_SUP,
                                    group=f"{g} sandwich, lower side"))
                checks.append(Check(f"{g} eps/kink={r:.3g}: A_sup <= eta (1 - eps/eta_sup)+",
                                    "bound", hi, m, relation="<=", tol=TOL_SUP,
                                    group=f"{g} sandwich, upper side"))
            checks.append(Check(f"{g} A_sup < 1e-7 at the kink eps = {c['kink']:.6g} "
                                f"(eta_sup = {c['eta_sup']:.6g})", "bound", KINK_ZERO,
                                meas[jk], relation="<=", tol=0.0))
            checks.append(Check(f"{g} A_sup > 1e-7 at the left neighbour eps = "
                                f"{c['eps'][jk - 1]:.6g}", "bound", KINK_ZERO, meas[jk - 1],
                                relation=">=", tol=0.0))
        return checks, {"cases": cases, "kink_index": jk}

    return Plan(tasks, reduce, params={"groups": len(cases)})


#: Input scales the convex solves handle: their tolerances are absolute, so at sigma_x = 1e6
#: the L2 budget solve misses (eta - eps)+ beyond its tolerance (a FAIL) and at 1e9 gives nan.
SIGMA_X = (1e-6, 1e3)
SIGMA_X_WHY = "the solver's tolerances are absolute; at 1e6 the L2 solve misses, at 1e9 nan"

# -- registration ----------------------------------------------------------------------------
BUDGET_PARAMS = (
    Param("group", str, "C4", "(a): group permuting the d = k coordinates of input and output: "
          "C<m>, D<m>, S<m>"),
    Param("sigma_x", float, 1.3, "(a): input standard deviation", low=SIGMA_X[0],
          high=SIGMA_X[1], why=SIGMA_X_WHY),
    Param("theta_seed", int, 0, "(a): seed of the random target Theta (standard normal)",
          low=0),
    Param("eps_count", int, 10, "(a): values of eps on [0, eps_max * eta]", quick=3, low=2,
          high=100, why="one convex solve per value"),
    Param("eps_max", float, 1.5, "(a): largest eps as a multiple of eta", low=0.0, high=100.0,
          why="beyond eps = eta every value gives A = 0; eps_max = 1e300 gave nan"),
    Param("grid", int, 201, "(b): grid points on [-1, 1]", low=3, high=2001,
          why="the LP has one variable and two constraints per grid point"),
    Param("lipschitz", float, 4.0, "(b): Lipschitz constant on adjacent grid points", low=0.0,
          high=1e6, why="the LP's constraints are solved to absolute tolerances"),
    Param("lp_ratios", str, "0,0.25,0.5,1,1.5", "(b): eps / eta values, comma-separated",
          quick="0,0.5,1"),
)

SUP_PARAMS = (
    Param("group", str, "C4,S4", "groups permuting the d = k coordinates, comma-separated: "
          "C<m>, D<m>, S<m>"),
    Param("sigma_x", float, 1.3, "input standard deviation", low=SIGMA_X[0], high=SIGMA_X[1],
          why=SIGMA_X_WHY),
    Param("theta_seed", int, 0, "seed of the random target Theta (standard normal)", low=0),
    Param("eps_count", int, 20, "values of eps per group; the kink is value number "
          "round(0.8 (eps_count - 1))", quick=5, low=3, high=100,
          why="one convex solve per value and group"),
)

PT_APPROX_BUDGET = register(Experiment(
    slug="pt-approx-budget", kind="sharp", family="PT",
    claim="approximation error under a budget: (eta - eps)+ in L2; (eta - eps)+/2 for Z2 sup norm",
    params=BUDGET_PARAMS, planner=plan_budget, statement=BUDGET_STATEMENTS["l2"],
    details=__doc__,
))

PT_APPROX_SUP = register(Experiment(
    slug="pt-approx-sup", kind="bound", family="PT",
    claim="sup-over-g budget: (eta_sup - eps)+/2 <= A_sup <= eta (1 - eps/eta_sup)+, zero from "
          "eta_sup exactly",
    params=SUP_PARAMS, planner=plan_sup, statement=SUP_STATEMENTS["upper"], details=__doc__,
))
