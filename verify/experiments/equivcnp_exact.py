r"""EquivCNP, exact checks of the encoder and of the Lie groups (Kawano et al., ICLR 2021).

``equivcnp-encoder`` (sharp, L1–L2 of :mod:`bounds.equivcnp`).  The encoder
:math:`\mathrm{Enc}(Z)(t)=\sum_i(1,y_i)\psi(t,x_i)` on ``sets`` random context sets (10 points)
and 20 targets: its equivariance error :math:`\mathrm{Enc}(gZ)(gt)` vs :math:`\mathrm{Enc}(Z)(t)`
(the package's one metric, :func:`verify.symmetry.equivariance.equivariance_error`, largest
relative error over the sets, averaged over 20 sampled g) and its error under 20 random
permutations of the context, for T(1) with the RBF, Matérn-5/2 and periodic kernels, SE(2)
with the isotropic RBF, and R×SO(2) with the log-polar kernel.  Pass ≤ 1e-12.  Negative
controls (bound: error ≥ 1e-2): the RBF under scalings :math:`x\mapsto e^sx`, and
:math:`\mathrm{RBF}(t-x)\sqrt{1+t^2}\sqrt{1+x^2}` under translations.

``equivcnp-multiplicity`` (sharp, L3).  :math:`Z_A=\{(x,1),(x,-1)\}`, :math:`Z_B=\{(x,0),(x,0)\}`
encoded with :math:`\phi_K(y)=(y^0..y^K)` on a grid of 81 targets: the largest embedding
difference equals :func:`bounds.equivcnp.multiplicity_separation` (0 for K = 1, :math:`2\psi_{\max}`
for K = 2, asserted > 1), and :math:`\phi(y)=y` cannot tell :math:`\{(x,0)\}` from ∅ (0) while
:math:`(1,y)` can (:math:`\psi_{\max}`).  Tolerance 1e-12.

``equivcnp-lie`` (sharp).  For T(2), SO(2), SE(2), R×SO(2) (:mod:`verify.symmetry.lie`) on
``elements`` sampled elements (off the branch cut by 1e-6): exp/log round trips, the group
axioms, the left action, and left invariance of :math:`\log(u^{-1}v)` under
:math:`(u,v)\mapsto(wu,wv)` (the one metric, 20 elements w).  Pass ≤ 1e-10.
"""

from __future__ import annotations

import numpy as np

from bounds import equivcnp as eq

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, register
from ..engine.stats import Check
from ..models.set_encoders import point_kernel, set_conv_encode
from ..symmetry.equivariance import Action, equivariance_error
from ..symmetry.lie import RxSO2, lie_group

__all__ = ["encoder_task", "eq_worst", "lie_task", "multiplicity_task", "point_actions"]

TOL_ENC = 1e-12
TOL_LIE = 1e-10
N_ELEMENTS = 20
#: (label, group, kernel, data) for the invariant cases and the negative controls
ENCODER_CASES = (
    ("T(1) RBF", "T1", "rbf", "line"),
    ("T(1) Matern-5/2", "T1", "matern", "line"),
    ("T(1) periodic", "T1", "periodic", "line"),
    ("SE(2) isotropic RBF", "SE2", "rbf", "plane"),
    ("RxSO(2) log-polar", "RxSO2", "log_polar", "annulus"),
)
CONTROLS = (
    ("RBF under scalings e^s x", "scale", "rbf", "plane"),
    ("RBF sqrt(1+t^2) sqrt(1+x^2) under T(1)", "T1", "rbf_weighted", "line"),
)


def eq_worst(f, x, actions) -> tuple[float, float]:
    """(largest relative error over inputs, pooled ratio) from the one metric."""
    e = equivariance_error(f, x, actions, quantiles=(1.0,))
    return e.quantiles[1.0], e.ratio


def _points(rng, kind, shape):
    if kind == "line":
        return rng.uniform(-2, 2, shape + (1,))
    if kind == "plane":
        return rng.uniform(-2, 2, shape + (2,))
    r, th = rng.uniform(0.5, 2.0, shape), rng.uniform(-np.pi, np.pi, shape)
    return np.stack([r * np.cos(th), r * np.sin(th)], -1)


def point_actions(group: str, rng, n: int = N_ELEMENTS) -> list[Action]:
    """Actions on (xc, yc, t) tuples by sampled elements; ``scale`` is the scalings of R×SO(2)
    (angle 0, log scale uniform on [-1, 1])."""
    if group == "scale":
        G = RxSO2()
        g = G.sample(n, rng)
        g[:, 1] = 0.0
    else:
        G = lie_group(group)
        g = G.sample(n, rng)
    out = []
    for i in range(n):
        gi = g[i]

        def on_input(inp, gi=gi):
            xc, yc, t = inp
            return G.act(gi, xc), yc, G.act(gi, t)

        out.append(Action(f"{G.name}[{i}]", on_input, lambda y: y))
    return out


def _perm_actions(rng, n_ctx, n=N_ELEMENTS, values_too=True):
    """Permutations of the context; ``values_too=False`` permutes the inputs but not the values
    (a planted error: the pairs (x_i, y_i) are broken)."""
    acts = []
    for i in range(n):
        p = rng.permutation(n_ctx)
        q = p if values_too else np.arange(n_ctx)
        acts.append(Action(f"perm[{i}]", lambda inp, p=p, q=q: (inp[0][:, p], inp[1][:, q],
                                                               inp[2]), lambda y: y))
    return acts


def encoder_task(rng, sets, group, kernel, data, break_pairs=False):
    """Equivariance and permutation errors of the encoder for one (group, kernel) case."""
    xc, t = _points(rng, data, (sets, 10)), _points(rng, data, (sets, 20))
    yc = rng.normal(size=(sets, 10))
    psi = point_kernel(kernel)

    def f(inp):
        return set_conv_encode(inp[0], inp[1], inp[2], psi, K=1)

    x = (xc, yc, t)
    worst, ratio = eq_worst(f, x, point_actions(group, rng))
    pworst, pratio = eq_worst(f, x, _perm_actions(rng, 10, values_too=not break_pairs))
    return {"equiv": worst, "equiv_ratio": ratio, "perm": pworst, "perm_ratio": pratio,
            "S_phi": float(np.max(np.abs(phi_sum(yc))))}


def phi_sum(yc):
    r""":math:`S_\phi=\sum_i\|(1,y_i)\|_\infty` per set."""
    return np.maximum(1.0, np.abs(yc)).sum(-1)


#: planted error ``control_unbroken``: the controls with the symmetry they lack restored
#: (rotations instead of scalings; the plain RBF instead of the weighted one)
UNBROKEN = {"scale": "SE2", "rbf_weighted": "rbf"}


def plan_encoder(exp: Experiment, v: dict, controls_as_sharp: bool = False,
                 break_pairs: bool = False, control_unbroken: bool = False) -> Plan:
    """One task per (group, kernel) case and control.  Planted errors: ``controls_as_sharp``
    asserts the controls equivariant; ``break_pairs`` permutes x but not y;
    ``control_unbroken`` makes the controls invariant (their bound must then fail)."""
    def fix(name):
        return UNBROKEN.get(name, name) if control_unbroken else name

    tasks = [TaskSpec(encoder_task, dict(sets=v["sets"], group=g, kernel=k, data=d,
                                         break_pairs=break_pairs), key=lab)
             for lab, g, k, d in ENCODER_CASES]
    tasks += [TaskSpec(encoder_task, dict(sets=v["sets"], group=fix(g), kernel=fix(k), data=d,
                                          break_pairs=break_pairs), key=lab)
              for lab, g, k, d in CONTROLS]
    l1, l2 = eq.encoder_permutation_invariance(), exp.statement

    def reduce(outputs):
        checks, data = [], {}
        for (lab, *_), o in zip(ENCODER_CASES + CONTROLS, outputs):
            data[lab] = o
            control = (lab, *_) in CONTROLS
            note = f"pooled ratio {o['equiv_ratio']:.2g}"
            if control and not controls_as_sharp:
                checks.append(Check(f"negative control: {lab}: error >= 1e-2", "bound", 1e-2,
                                    o["equiv"], relation=">=", tol=0.0, note=note))
                continue
            checks.append(Check(f"{lab}: Enc(gZ)(gt) = Enc(Z)(t) (L2, delta_psi = 0)", "sharp",
                                l2.evaluate(S_phi=o["S_phi"], delta_psi=0.0), o["equiv"],
                                tol=TOL_ENC, note=note, group="L2 encoder equivariance"))
            if not control:
                checks.append(Check(f"{lab}: Enc(pi Z) = Enc(Z) (L1)", "sharp", l1.evaluate(),
                                    o["perm"], tol=TOL_ENC, group="L1 permutation invariance"))
        return checks, data

    return Plan(tasks, reduce, params={})


ENCODER = register(Experiment(
    slug="equivcnp-encoder", kind="sharp", family="EquivCNP",
    claim="Enc(gZ)(t) = Enc(Z)(g^-1 t) iff psi is invariant; Enc is permutation invariant",
    params=(Param("sets", int, 50, "random context sets (inputs of the metric)", quick=20,
                  low=2, high=10_000, why="what fits in memory and a minute"),),
    planner=plan_encoder, statement=eq.encoder_equivariance(), details=__doc__,
))


# -- multiplicity -----------------------------------------------------------------------------
MULT_X = 0.3
MULT_CASES = (  # (label, K, ys_a, ys_b, channel0)
    ("{(x,1),(x,-1)} vs {(x,0),(x,0)}, K = 1", 1, (1.0, -1.0), (0.0, 0.0), True),
    ("{(x,1),(x,-1)} vs {(x,0),(x,0)}, K = 2", 2, (1.0, -1.0), (0.0, 0.0), True),
    ("{(x,0)} vs empty, phi(y) = y", 1, (0.0,), (), False),
    ("{(x,0)} vs empty, phi(y) = (1, y)", 1, (0.0,), (), True),
)


def _encode_at_x(ys, K, channel0, t, jitter=0.0):
    k = 0 if channel0 else 1
    if not ys:
        return np.zeros((1, t.shape[1], K + 1 - k))
    xc = (MULT_X + jitter * np.arange(len(ys)))[None, :, None]
    return set_conv_encode(xc, np.asarray([ys], float), t, point_kernel("rbf"), K, channel0)


def multiplicity_task(rng, targets, plant=""):
    """Largest embedding differences of :data:`MULT_CASES`.  Planted errors: ``"channels-1"``
    encodes with K channels instead of K + 1; ``"jitter"`` stacks the points at x, x + 0.05;
    ``"keep-y0"`` keeps the y^0 channel where the case drops it; ``"drop-y0"`` drops it
    everywhere."""
    t = np.linspace(-2, 2, targets)[None, :, None]
    psi_max = float(point_kernel("rbf")(t, np.full((1, 1, 1), MULT_X)).max())
    diffs = []
    for _, K, a, b, c0 in MULT_CASES:
        KK = K - 1 if plant == "channels-1" else K
        cc = {"keep-y0": True, "drop-y0": False}.get(plant, c0)
        jit = 0.05 if plant == "jitter" else 0.0
        d = np.abs(_encode_at_x(a, KK, cc, t, jit) - _encode_at_x(b, KK, cc, t, jit))
        diffs.append(float(d.max()) if d.size else 0.0)
    return {"psi_max": psi_max, "diffs": diffs}


def plan_multiplicity(exp: Experiment, v: dict, claim_k1_separates: bool = False,
                      plant: str = "") -> Plan:
    tasks = [TaskSpec(multiplicity_task, dict(targets=v["targets"], plant=plant), key="mult")]

    def reduce(outputs):
        (o,) = outputs
        checks = []
        for (lab, K, a, b, c0), d in zip(MULT_CASES, o["diffs"]):
            kk = 2 if (claim_k1_separates and K == 1 and c0) else K
            pred = eq.multiplicity_separation(kk, a, b, c0).evaluate(psi_max=o["psi_max"])
            checks.append(Check(f"{lab}: max |Enc(Z_A) - Enc(Z_B)|", "sharp", pred, d,
                                tol=TOL_ENC))
        checks.append(Check("K = 2 separates: difference > 1", "bound", 1.0, o["diffs"][1],
                            relation=">=", tol=0.0))
        return checks, o

    return Plan(tasks, reduce, params={})


MULTIPLICITY = register(Experiment(
    slug="equivcnp-multiplicity", kind="sharp", family="EquivCNP",
    claim="K + 1 power channels separate sets of multiplicity <= K; K = 1 cannot, y alone "
          "cannot see an observed 0",
    params=(Param("targets", int, 81, "target grid points on [-2, 2]", low=3,
                  high=100_000, why="3 puts a target within 1 length scale of x; more is memory"),),
    planner=plan_multiplicity, statement=eq.multiplicity_separation(2, (1, -1), (0, 0)),
    details=__doc__,
))


# -- Lie groups ------------------------------------------------------------------------------
LIE_NAMES = ("T2", "SO2", "SE2", "RxSO2")


class _Planted:
    r"""A group with a planted error: ``"compose"`` adds :math:`10^{-3}u\odot u` to every
    product uv (not associative, no inverses, not an action); ``"log"`` scales the logarithm
    by :math:`1+10^{-3}`."""

    def __init__(self, G, plant):
        self.G, self.plant = G, plant

    def __getattr__(self, name):
        return getattr(self.G, name)

    def compose(self, u, v):
        w = self.G.compose(u, v)
        return w + 1e-3 * np.asarray(u) ** 2 if self.plant == "compose" else w

    def log(self, u):
        return self.G.log(u) * (1 + 1e-3) if self.plant == "log" else self.G.log(u)

    def pair_log(self, u, v):
        return self.log(self.compose(self.inverse(u), v))


def lie_task(rng, group, elements, log_sign=1.0, plant=""):
    """Largest residuals of exp(log u) = u, log(exp a) = a, (uv)w = u(vw), u u^-1 = e,
    (uv).x = u.(v.x) and of the left invariance log((wu)^-1 wv) = log(u^-1 v)."""
    G = lie_group(group) if group != "SE2" else lie_group(group, log_sign=log_sign)
    if plant:
        G = _Planted(G, plant)
    u, v, w3 = (G.sample(elements, rng) for _ in range(3))
    keep = ~G.near_cut(u, 1e-6)
    a = G.log(u[keep])
    x = rng.normal(size=(elements, G.space_dim))
    e = G.identity(elements)
    out = {
        "exp(log u) = u": float(G.equal(G.exp(a), u[keep]).max()),
        "log(exp a) = a": float(np.abs(G.log(G.exp(a)) - a).max()),
        "(uv)w = u(vw)": float(G.equal(G.compose(G.compose(u, v), w3),
                                       G.compose(u, G.compose(v, w3))).max()),
        "u u^-1 = u^-1 u = e": float(max(G.equal(G.compose(u, G.inverse(u)), e).max(),
                                         G.equal(G.compose(G.inverse(u), u), e).max())),
        "(uv).x = u.(v.x)": float(np.abs(G.act(G.compose(u, v), x)
                                         - G.act(u, G.act(v, x))).max()),
    }
    pair_keep = ~G.near_cut(G.compose(G.inverse(u), v), 1e-6)
    uu, vv = u[pair_keep], v[pair_keep]
    ws = G.sample(N_ELEMENTS, rng)
    acts = [Action(f"w[{i}]", lambda p, wi=wi: (G.compose(wi, p[0]), G.compose(wi, p[1])),
                   lambda y: y) for i, wi in enumerate(ws)]
    worst, _ratio = eq_worst(lambda p: G.pair_log(p[0], p[1]), (uu, vv), acts)
    out["log(u^-1 v) left invariant"] = worst
    return out


def plan_lie(exp: Experiment, v: dict, se2_log_sign: float = 1.0, plant: str = "") -> Plan:
    tasks = [TaskSpec(lie_task, dict(group=g, elements=v["elements"], log_sign=se2_log_sign,
                                     plant=plant), key=g) for g in LIE_NAMES]
    zero = exp.statement.evaluate()

    def reduce(outputs):
        checks, data = [], {}
        for g, o in zip(LIE_NAMES, outputs):
            data[g] = o
            name = lie_group(g).name
            for what, val in o.items():
                checks.append(Check(f"{name}: {what}", "sharp", zero, val, tol=TOL_LIE,
                                    group=f"{name} identities"))
        return checks, data

    return Plan(tasks, reduce, params={})


LIE = register(Experiment(
    slug="equivcnp-lie", kind="sharp", family="EquivCNP",
    claim="T(2), SO(2), SE(2), RxSO(2): exp/log round trip, axioms, left-invariant log(u^-1 v)",
    params=(Param("elements", int, 1000, "sampled group elements", quick=100, low=10,
                  high=1_000_000, why="what fits in memory and a minute"),),
    planner=plan_lie, statement=eq.lie_identities(), details=__doc__,
))
