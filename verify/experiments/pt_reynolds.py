r"""Petrache–Trivedi: the Reynolds projection and the equivariance errors it defines.

``pt-reynolds`` (sharp, derived).  On an orbit-augmented sample (an invariant empirical measure
:math:`\mu_N`) and for orthogonal representations, with f a random-features model:

* :math:`\Phi^2=\Phi` and :math:`\langle\Phi f,h\rangle=\langle f,\Phi h\rangle`;
* :math:`\mathrm{dist}_\Phi(f)^2=\tfrac12e_{\rm avg}(f)^2`;
* :math:`e_g(f)\le2\,\mathrm{dist}_\Phi(f)` for every g, with equality for odd f under the
  rotation by π;
* :math:`\mathrm{dist}_\Phi(\Phi f+t(f-\Phi f))=t\,\mathrm{dist}_\Phi(f)`;
* dim E from characters equals the rank of Φ on linear maps.

Each identity is checked to a relative tolerance of 1e-10 (float64 round-off).
"""

from __future__ import annotations

import functools

import numpy as np

from bounds.approximation import reynolds_distance, reynolds_error_bound

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, UsageError, register
from ..engine.stats import Check
from ..symmetry.groups import FiniteGroup, fixed_dim, parse_group
from ..symmetry.projection import function_errors, orbit_augment, projector, reynolds_function

RTOL = 1e-10


@functools.cache
def _statement(which: str):
    """The Statements checked here (built on first use, not at import)."""
    return {"dist": reynolds_distance, "bound": reynolds_error_bound}[which]()

#: (group, representation on X, output): the default cases, "every group" of the catalogue.
CASES = (
    ("C6", "perm", "invariant"), ("C6", "perm", "equivariant"), ("D4", "rot", "equivariant"),
    ("D5", "perm", "invariant"), ("S4", "perm", "equivariant"), ("Z2^3", "diag", "invariant"),
    ("C8", "rot", "equivariant"), ("C2", "rot", "invariant"),
)

PARAMS = (
    Param("group", str, "all", "all (the catalogue's groups) or one group: C<m>, D<m>, S<m>, "
          "Z2^<d>"),
    Param("points", int, 2000, "base points before orbit augmentation", quick=200, low=2,
          high=10_000, why="the orbit-augmented points x features arrays must fit in memory"),
    Param("features", int, 32, "random features of the model f", low=1, high=1024,
          why="the orbit-augmented points x features arrays must fit in memory"),
    Param("t", float, 0.3, "interpolation weight in dist(Phi f + t (f - Phi f)) = t dist(f)"),
)


def random_features(d: int, k: int, p: int, rng: np.random.Generator):
    """:math:`f(x)=B\\,\\mathrm{relu}(Ax+b)`, rows in, rows out."""
    A, b, B = rng.normal(size=(p, d)), rng.normal(size=p), rng.normal(size=(k, p)) / np.sqrt(p)
    return lambda X: np.maximum(X @ A.T + b, 0.0) @ B.T


def _inner(u, v) -> float:
    return float(np.mean(np.sum(u * v, axis=1)))


def reynolds_checks(f, h, X, rep_in, rep_out, t=0.3, phi_op=None, label="") -> list[Check]:
    """The identities of the module docstring for functions f, h on the sample X.

    ``phi_op(f) -> Φf`` defaults to :func:`verify.symmetry.projection.reynolds_function`; tests pass a
    wrong one (a planted error) and expect failures."""
    phi_op = phi_op or (lambda fn: reynolds_function(fn, rep_in, rep_out))
    pf, ph = phi_op(f), phi_op(h)
    fx, pfx = f(X), pf(X)
    scale = max(1.0, float(np.sqrt(_inner(fx, fx))))
    tol = RTOL * scale**2
    err = function_errors(f, X, rep_in, rep_out)  # e_g computed directly from the action
    dist = float(np.sqrt(_inner(fx - pfx, fx - pfx)))
    # Phi^2 = Phi and the t-scaling hold pointwise, so they are checked on the first (at most)
    # 100 points: Phi of a composite costs |G|^2 evaluations of f.
    xs = X[:100]
    mix = lambda Y: pf(Y) + t * (f(Y) - pf(Y))
    mixx, pmix = mix(xs), phi_op(mix)(xs)
    pfs, fs = pf(xs), f(xs)
    rank = int(np.linalg.matrix_rank(projector(rep_in, rep_out), tol=1e-9))
    checks = [
        Check(f"{label} Phi^2 f = Phi f (max abs)", "sharp", 0.0,
              float(np.max(np.abs(phi_op(pf)(xs) - pfs))), tol=RTOL * scale),
        Check(f"{label} <Phi f, h> - <f, Phi h>", "sharp", 0.0,
              _inner(pfx, h(X)) - _inner(fx, ph(X)), tol=tol),
        Check(f"{label} dist^2 = e_avg^2 / 2", "sharp",
              _statement('dist').evaluate(e_avg=err["e_avg"]), dist**2, tol=tol),
        Check(f"{label} max_g e_g <= 2 dist", "bound", _statement('bound').evaluate(dist=dist),
              err["e_sup"], relation="<=", tol=RTOL * scale, group="bound e_g <= 2 dist"),
        Check(f"{label} |(Phi f + t(f - Phi f)) - Phi(.)| = t |f - Phi f| (pointwise)", "sharp",
              t * float(np.sqrt(_inner(fs - pfs, fs - pfs))),
              float(np.sqrt(_inner(mixx - pmix, mixx - pmix))), tol=RTOL * scale),
        Check(f"{label} dim E (characters) = rank Phi", "sharp", float(fixed_dim(rep_in, rep_out)),
              float(rank), tol=0.0),
    ]
    return checks


def case_task(rng, group, rep, output, points, features, t):
    """All identities for one (group, representation, output) case."""
    G = parse_group(group)
    rep_in = G.rep(rep)
    rep_out = rep_in if output == "equivariant" else G.trivial(1 if rep_in.dim > 2 else 2)
    X = orbit_augment(rng.normal(size=(points, rep_in.dim)), rep_in)
    k = rep_out.dim
    f = random_features(rep_in.dim, k, features, rng)
    h = random_features(rep_in.dim, k, features, rng)
    label = f"{group}:{rep}->{output[:3]}"
    checks = reynolds_checks(f, h, X, rep_in, rep_out, t, label=label)
    if group == "C2" and rep == "rot":  # rotation by pi, odd f: e_g = 2 dist exactly
        g = random_features(rep_in.dim, k, features, rng)
        odd = lambda Y: g(Y) - g(-Y)
        e = function_errors(odd, X, rep_in, rep_out)
        checks.append(Check(f"{label} odd f: e_g(pi) = 2 dist", "sharp",
                            _statement('bound').evaluate(dist=e["dist"]),
                            float(e["e_g"][1]), tol=RTOL * max(1.0, e["dist"])))
    return checks


def plan(exp: Experiment, v: dict) -> Plan:
    if v["group"] == "all":
        cases = CASES
    else:
        try:
            G = parse_group(v["group"])
        except ValueError as e:
            raise UsageError(str(e)) from None
        if not isinstance(G, FiniteGroup):
            what = ("given by generators, not listed (use S<m> with m <= 7, C<m>, D<m>)"
                    if getattr(G, "by_generators", False) else
                    "compact (use C<m> as a finite subgroup of SO(2))")
            raise UsageError(f"pt-reynolds averages exactly over listed finite groups; "
                             f"{v['group']} is {what}")
        if G.order == 1:
            raise UsageError(f"{v['group']} is the trivial group: every f is equivariant, so "
                             "e_avg = dist = 0 and the identities have nothing to measure")
        cases = [(v["group"], G.rep_names[0], o) for o in ("invariant", "equivariant")]
    if not 0 <= v["t"] <= 1:
        raise UsageError(f"parameter t must lie in [0, 1], got {v['t']}")
    tasks = [TaskSpec(case_task, dict(group=g, rep=r, output=o, points=v["points"],
                                      features=v["features"], t=v["t"])) for g, r, o in cases]
    return Plan(tasks, lambda outs: ([c for out in outs for c in out], {}),
                params={"cases": len(cases)})


PT_REYNOLDS = register(Experiment(
    slug="pt-reynolds", kind="sharp", family="PT",
    claim="Phi projects orthogonally; dist^2 = e_avg^2/2; e_g <= 2 dist; dim E by characters",
    params=PARAMS, planner=plan, statement=reynolds_distance(), details=__doc__,
))
