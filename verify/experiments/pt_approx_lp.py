r"""Petrache–Trivedi: generalization under approximate invariance, solved exactly by an LP.

``pt-approx-lp`` (bound with exact endpoints, derived).  Two samples :math:`x_1..x_n`,
:math:`y_1..y_n` of :math:`U[-1,1]^2`, :math:`\mu_n,\mu'_n` their empirical measures, G finite
acting on the plane by isometries (default :math:`C_4`, rotations by multiples of π/2), and the
G-closed set :math:`S=\{\rho(g)x_i,\rho(g)y_j\}` of :math:`N=2n|G|` points.  For the class
:math:`\mathcal F_\varepsilon=\{f\in\mathrm{Lip}_1:|f(\rho(g)x)-f(x)|\le\varepsilon\}` the
supremum of :math:`\mathbb E_{\mu_n}f-\mathbb E_{\mu'_n}f` is exactly the LP over the values
:math:`f_a=f(s_a)` on S:

.. math::
    \mathrm{LP}(\varepsilon)=\max_f\ \tfrac1n\textstyle\sum_if(x_i)-\tfrac1n\sum_jf(y_j)
    \quad\text{s.t.}\quad |f_a-f_b|\le w_{ab}(\varepsilon)\ \ (a<b),\qquad
    w_{ab}=\begin{cases}\min(d_X(s_a,s_b),\varepsilon)&s_b\in Gs_a\\ d_X(s_a,s_b)&\text{else,}
    \end{cases}

(the Lipschitz constraint on every pair and the invariance constraint on every orbit pair,
merged into one row pair; the McShane extension :math:`\min_af_a+d_X(x,s_a)` extends a solution
to all of X inside :math:`\mathcal F_\varepsilon`).  HiGHS (``scipy.optimize.linprog``) solves
it with primal and dual feasibility tolerances :math:`10^{-10}`; f is pinned to 0 at one point
(the objective ignores constants).  Checked against
:func:`bounds.stabilizer.approx_invariance_bound`:

* endpoints, sharp within :math:`10^{-8}`: :math:`\mathrm{LP}(0)=W_1^{X/G}` and
  :math:`\mathrm{LP}(\varepsilon_{\rm red})=W_1^X`, where
  :math:`\varepsilon_{\rm red}=\max_{a,g}d_X(s_a,\rho(g)s_a)` is the ε from which the invariance
  constraints are implied by the Lipschitz ones (it is appended to the ε grid).  Both
  Wasserstein distances are computed independently of the LP, by ``linear_sum_assignment`` on the
  n × n costs :math:`d_X(x_i,y_j)` and :math:`d_{X/G}(x_i,y_j)=\min_gd_X(x_i,\rho(g)y_j)`
  (uniform weights: an optimal plan is a permutation);
* the bound :math:`W_1^{X/G}\le\mathrm{LP}(\varepsilon)\le\min(W_1^X,W_1^{X/G}+2\varepsilon)` at
  every ε (slack reported) and monotonicity :math:`\mathrm{LP}(\varepsilon_i)\le
  \mathrm{LP}(\varepsilon_{i+1})`, within :math:`10^{-8}`;
* LP duality, sharp within :math:`10^{-8}` at every ε: :math:`\mathrm{LP}(\varepsilon)` is the
  transport cost (``linear_sum_assignment``) under the chain metric :math:`d_\varepsilon`, the
  shortest-path metric of the weights :math:`w_{ab}(\varepsilon)` on S (Floyd–Warshall): the
  1-Lipschitz functions of :math:`d_\varepsilon` are exactly the feasible f.

Word length (``generator_lp``): the same LP with the invariance constraint only for
:math:`s\in T` (T the generators: element 1 for :math:`C_m`; chosen greedily in the group's
element order), :math:`\mathrm{LP}_T(\varepsilon)`.  :math:`\mathsf{Stab}_\varepsilon` is
symmetric, so :math:`T\cup T^{-1}` generates G in words of length ≤ m (m from a breadth-first
search of the Cayley graph; m = 2 for :math:`C_4`), and
:func:`bounds.stabilizer.word_length_bound` gives
:math:`\mathrm{LP}_T(\varepsilon)\le\min(W_1^X,W_1^{X/G}+2m\varepsilon)`.  Also checked:
:math:`\mathrm{LP}_T(0)=W_1^{X/G}`, :math:`\mathrm{LP}_T\ge\mathrm{LP}` (fewer constraints) and
duality.  Reported: the largest grid ε's :math:`\mathrm{LP}` against :math:`W_1^X` (equal only
from :math:`\varepsilon_{\rm red}` in general) and the initial slope (the bound's is 2).

One task samples the points (from the run's seed) and solves every LP, so all checks share the
sample; every check is deterministic given it.
"""

from __future__ import annotations

import functools
from collections import deque

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment, linprog

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
from ..symmetry.groups import CompactGroup, FiniteGroup, parse_group

__all__ = [
    "STATEMENTS",
    "approx_lp",
    "cayley_word_length",
    "chain_metric",
    "generators",
    "lp_sweep_task",
    "make_plan",
    "orbit_closure",
    "plane_rep",
    "w1_assignment",
]

#: absolute tolerance of every check (LP solver accuracy: 1e-8)
TOL = 1e-8
#: HiGHS feasibility tolerances, well below TOL
HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
#: the dense LP has N(N - 1) rows for N = 2 n |G| points; refuse larger problems
MAX_POINTS = 1000

#: Statements checked here; tests plant wrong ones via Experiment.replace(statement=...) (the
#: F_eps bound) or ``make_plan(..., statements={"word": ...})``.
STATEMENTS = {"bound": stb.approx_invariance_bound(), "word": stb.word_length_bound()}


# -- the group on the plane ----------------------------------------------------------------------
def plane_rep(G: FiniteGroup) -> np.ndarray:
    """Matrices (|G|, 2, 2) of a 2-dimensional representation of G (``rot``, ``diag`` or
    ``perm``, in that order of preference); ValueError if G has none."""
    for name in ("rot", "diag", "perm"):
        if name in G.rep_names and G.rep(name).dim == 2:
            return G.rep(name).matrices
    raise ValueError(f"{G.name} has no representation on the plane (reps {G.rep_names})")


def generators(mul: np.ndarray) -> list[int]:
    """A generating set, greedily in element order: add element a when it is not yet in the
    subgroup generated so far (element 0 is the identity)."""
    order = mul.shape[0]
    gens: list[int] = []
    span = {0}
    for a in range(1, order):
        if a in span:
            continue
        gens.append(a)
        span, frontier = {0}, [0]
        while frontier:  # closure of the generators (finite group: products suffice)
            new = [int(mul[x, s]) for x in frontier for s in gens if int(mul[x, s]) not in span]
            span |= set(new)
            frontier = list(set(new))
        if len(span) == order:
            break
    return gens


def cayley_word_length(mul: np.ndarray, inv: np.ndarray, gens: list[int]) -> int:
    """Largest word length over :math:`T\\cup T^{-1}` of an element: the eccentricity of the
    identity in the Cayley graph (breadth-first search)."""
    letters = sorted({*gens, *(int(inv[s]) for s in gens)})
    dist = {0: 0}
    queue = deque([0])
    while queue:
        x = queue.popleft()
        for s in letters:
            y = int(mul[x, s])
            if y not in dist:
                dist[y] = dist[x] + 1
                queue.append(y)
    if len(dist) != mul.shape[0]:
        raise ValueError("the generators do not generate the group")
    return max(dist.values())


# -- geometry and transport ----------------------------------------------------------------------
def orbit_closure(base: np.ndarray, mats: np.ndarray) -> np.ndarray:
    """Points :math:`\\rho(g_a)b_i` at index :math:`a\\cdot B+i` (B base points); element 0 is
    the identity, so the first B rows are the base points themselves."""
    return np.einsum("gkl,il->gik", mats, base).reshape(-1, base.shape[1])


def w1_assignment(cost: np.ndarray) -> float:
    """:math:`W_1` between two uniform n-point measures: :math:`\\frac1n\\min_\\pi\\sum_i
    c_{i\\pi(i)}` (an optimal plan is a permutation, Birkhoff)."""
    r, c = linear_sum_assignment(cost)
    return float(cost[r, c].sum() / cost.shape[0])


def chain_metric(W: np.ndarray) -> np.ndarray:
    """Shortest-path metric of the symmetric weights W (Floyd–Warshall, float64, exact
    minima of sums)."""
    D = W.copy()
    np.fill_diagonal(D, 0.0)
    for k in range(D.shape[0]):
        np.minimum(D, D[:, k, None] + D[None, k, :], out=D)
    return D


def approx_lp(D: np.ndarray, weights_upper: np.ndarray, A: sparse.csr_matrix, c: np.ndarray
              ) -> float:
    """:math:`\\max c^\\top f` s.t. :math:`|f_a-f_b|\\le w_{ab}` (rows of A: :math:`f_a-f_b`
    for a < b, then their negatives), f pinned to 0 at point 0; NaN if HiGHS fails."""
    b = np.concatenate([weights_upper, weights_upper])
    bounds = [(0.0, 0.0)] + [(None, None)] * (D.shape[0] - 1)
    res = linprog(-c, A_ub=A, b_ub=b, bounds=bounds, method="highs", options=HIGHS)
    return float(-res.fun) if res.status == 0 else float("nan")


def lp_sweep_task(rng, n, mats, mul, gens, eps_values, generator_lp=True, invariance=True):
    r"""Sample two n-point samples of :math:`U[-1,1]^2`, then solve :math:`\mathrm{LP}(\varepsilon)`
    (and :math:`\mathrm{LP}_T(\varepsilon)`) and the chain-metric transport at every ε of
    ``eps_values`` and at :math:`\varepsilon_{\rm red}`.  ``invariance=False`` drops the
    invariance constraints (a planted error)."""
    mats, mul = np.asarray(mats, float), np.asarray(mul)
    order = mats.shape[0]
    x, y = rng.uniform(-1.0, 1.0, (n, 2)), rng.uniform(-1.0, 1.0, (n, 2))
    base = np.vstack([x, y])
    B = base.shape[0]
    P = orbit_closure(base, mats)
    N = P.shape[0]
    D = np.sqrt(((P[:, None, :] - P[None, :, :]) ** 2).sum(-1))
    # independent Wasserstein distances: cost x_i -> y_j and x_i -> orbit of y_j (identity
    # first, so the quotient cost is elementwise <= the Euclidean one exactly)
    cost_x = D[:n, n:B]
    cost_q = np.min(D[:n].reshape(n, order, B)[:, :, n:], axis=1)
    w1x, w1q = w1_assignment(cost_x), w1_assignment(cost_q)

    elem, point = np.divmod(np.arange(N), B)  # index a = g * B + i
    same_orbit = point[:, None] == point[None, :]
    # orbit pairs (s_a, t s_a) for generators t, both orientations
    gen_pair = np.zeros((N, N), bool)
    for t in gens:
        img = mul[t, elem] * B + point
        gen_pair[np.arange(N), img] = True
    gen_pair |= gen_pair.T
    eps_red = float(D[same_orbit].max())

    iu, ju = np.triu_indices(N, 1)
    rows = np.arange(iu.size)
    A1 = sparse.csr_matrix((np.r_[np.ones(iu.size), -np.ones(iu.size)],
                            (np.r_[rows, rows], np.r_[iu, ju])), shape=(iu.size, N))
    A = sparse.vstack([A1, -A1]).tocsr()
    c = np.zeros(N)
    c[:n], c[n:B] = 1.0 / n, -1.0 / n

    grid = sorted(set(eps_values) | {eps_red})
    out = {"eps": grid, "eps_red": eps_red, "red_index": grid.index(eps_red),
           "W1X": w1x, "W1Q": w1q, "N": N,
           "lp": [], "chain": [], "lp_gen": [], "chain_gen": []}
    variants = [("lp", "chain", same_orbit)] + ([("lp_gen", "chain_gen", gen_pair)]
                                                if generator_lp else [])
    for e in grid:
        for key_lp, key_chain, mask in variants:
            W = np.where(mask, np.minimum(D, e), D)
            lp_w = W if invariance else D
            out[key_lp].append(approx_lp(D, lp_w[iu, ju], A, c))
            out[key_chain].append(w1_assignment(chain_metric(W)[:n, n:B]))
    return out


# -- plan ----------------------------------------------------------------------------------------
def _parse_eps(text: str) -> list[float]:
    return sorted(set(parse_floats("eps", text)) | {0.0})


def _predict(stmt: Statement, values: dict) -> float:
    """``stmt`` at the values it needs: assumptions and hypotheses checked, numpy form used."""
    mine = {k: v for k, v in values.items() if k in stmt.symbol_names()}
    stmt.check(**mine)
    return float(stmt.lambdify()(**mine))


def _vals(o: dict, e: float, **kw) -> dict:
    return {"W1": o["W1X"], "W1q": o["W1Q"], "eps": e, **kw}


def lp_checks(o: dict, st: dict, gname: str, n: int) -> list[Check]:
    """Endpoints, the sandwich bound, duality and monotonicity of LP(ε) on the ε grid."""
    w1x, w1q, grid = o["W1X"], o["W1Q"], o["eps"]
    bound = [_predict(st["bound"], _vals(o, e)) for e in grid]
    o["bound"] = bound
    checks = [
        Check(f"LP(0) = W1^(X/G) (invariant Lip_1 = Lip_1 on X/G), {gname}, n={n}",
              "sharp", w1q, o["lp"][0], tol=TOL),
        Check(f"LP(eps_red = {o['eps_red']:.4g}) = W1^X (invariance constraints implied)",
              "sharp", w1x, o["lp"][o["red_index"]], tol=TOL),
    ]
    for e, b, lp, ch in zip(grid, bound, o["lp"], o["chain"]):
        checks.append(Check(f"LP({e:.4g}) <= min(W1^X, W1^(X/G) + 2 eps) = {b:.4g}",
                            "bound", b, lp, relation="<=", tol=TOL,
                            group="LP(eps) <= min(W1^X, W1^(X/G) + 2 eps)"))
        checks.append(Check(f"LP({e:.4g}) >= W1^(X/G)", "bound", w1q, lp, relation=">=",
                            tol=TOL, group="LP(eps) >= W1^(X/G)"))
        checks.append(Check(f"LP({e:.4g}) = transport cost under the chain metric d_eps",
                            "sharp", ch, lp, tol=TOL,
                            group="LP(eps) = W1 under the chain metric (duality)"))
    for e0, e1, a, b in zip(grid, grid[1:], o["lp"], o["lp"][1:]):
        checks.append(Check(f"LP({e0:.4g}) <= LP({e1:.4g})", "bound", b, a, relation="<=",
                            tol=TOL, group="LP(eps) nondecreasing"))
    top = o["red_index"] - 1  # the largest grid eps below eps_red
    if top > 0:
        checks.append(Check(f"LP({grid[top]:.4g}) vs W1^X (equal from eps_red on)",
                            "sharp", w1x, o["lp"][top], asserted=False))
    if len(grid) > 2 and grid[1] > 0:
        slope = (o["lp"][1] - o["lp"][0]) / grid[1]
        checks.append(Check(f"initial slope (LP({grid[1]:.4g}) - LP(0))/eps (bound: 2)",
                            "trend", 2.0, slope, relation="<="))
    return checks


def generator_lp_checks(o: dict, st: dict, m: int, gens) -> list[Check]:
    """The word-length variant LP_T(ε) (invariance imposed on generators only)."""
    grid = o["eps"]
    word = [_predict(st["word"], _vals(o, e, m=m)) for e in grid]
    o["word_bound"], o["m"], o["gens"] = word, m, list(gens)
    tag = f"T={{{', '.join(map(str, gens))}}}, m={m}"
    checks = [Check(f"LP_T(0) = W1^(X/G) ({tag}: invariance from generators)",
                    "sharp", o["W1Q"], o["lp_gen"][0], tol=TOL)]
    for e, b, lpt, lp, ch in zip(grid, word, o["lp_gen"], o["lp"], o["chain_gen"]):
        checks.append(Check(f"LP_T({e:.4g}) <= min(W1^X, W1^(X/G) + 2 m eps) = {b:.4g}",
                            "bound", b, lpt, relation="<=", tol=TOL,
                            group=f"LP_T(eps) <= min(W1^X, W1^(X/G) + 2 m eps), {tag}"))
        checks.append(Check(f"LP_T({e:.4g}) >= LP({e:.4g})", "bound", lp, lpt,
                            relation=">=", tol=TOL, group="LP_T(eps) >= LP(eps)"))
        checks.append(Check(f"LP_T({e:.4g}) = transport cost under its chain metric",
                            "sharp", ch, lpt, tol=TOL,
                            group="LP_T(eps) = W1 under its chain metric (duality)"))
    return checks


def _reduce(outputs, *, st, gname, n, m, gens, generator_lp):
    (o,) = outputs
    checks = lp_checks(o, st, gname, n)
    if generator_lp:
        checks += generator_lp_checks(o, st, m, gens)
    return checks, {**o, "group": gname, "n": n}


def make_plan(exp: Experiment, v: dict, statements: dict | None = None,
              invariance: bool = True) -> Plan:
    st = {**STATEMENTS, "bound": exp.statement, **(statements or {})}
    try:
        G = parse_group(v["group"])
    except ValueError as e:
        raise UsageError(str(e)) from None
    if isinstance(G, CompactGroup):
        raise UsageError(f"{v['group']} is infinite; the LP over F_eps needs a finite group")
    try:
        mats = plane_rep(G)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if G.order == 1:
        raise UsageError(f"{v['group']} is the trivial group: every function is invariant, so "
                         "W1^(X/G) = W1^X and there is no generator (word length 0) to bound")
    points = 2 * v["n"] * G.order
    if points > MAX_POINTS:
        raise UsageError(f"2 n |G| = {points} orbit points exceed {MAX_POINTS} (the dense LP "
                         f"has N(N - 1) rows); lower n")
    eps = _parse_eps(v["eps"])
    mul = G.mul
    gens = generators(mul)
    m = cayley_word_length(mul, G.inv, gens)
    kwargs = {"n": v["n"], "mats": mats, "mul": mul, "gens": gens, "eps_values": eps,
              "generator_lp": v["generator_lp"], "invariance": invariance}
    tasks = [TaskSpec(lp_sweep_task, kwargs, key="sweep")]
    reduce = functools.partial(_reduce, st=st, gname=v["group"], n=v["n"], m=m, gens=gens,
                               generator_lp=v["generator_lp"])
    return Plan(tasks, reduce, params={"order": G.order, "points": points, "m": m})


PARAMS = (
    Param("group", str, "C4", "finite group acting on the plane: C<m>, D<m> (rotations, "
          "reflection), Z2^2 (sign flips)"),
    Param("n", int, 40, "points per sample (two samples; 2 n |G| orbit points)", quick=15,
          low=1),
    Param("eps", str, "0,0.02,0.05,0.1,0.3,1", "eps values, comma-separated (0 and eps_red "
          "are always added)", quick="0,0.1,1"),
    Param("generator_lp", bool, True, "also solve the LP with invariance constraints for the "
          "generators only (word-length bound 2 m eps)"),
)

PT_APPROX_LP = register(Experiment(
    slug="pt-approx-lp", kind="bound", family="PT",
    claim="W1^(X/G) <= LP(eps) <= min(W1^X, W1^(X/G) + 2 eps), exact at both ends",
    params=PARAMS, planner=make_plan, statement=STATEMENTS["bound"], details=__doc__,
))
