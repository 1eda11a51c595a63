r"""Petrache–Trivedi beyond the linear model: random features under a relaxed equivariance budget.

``pt-relaxed-rf`` (trend, derived setting).  :math:`C_8` rotates :math:`\mathbb R^2`, the output
is an invariant scalar, :math:`x\sim N(0,I_2)` (an invariant law, so Φ is an orthogonal
projection in :math:`L^2(\mu)`).

Model.  A fixed dictionary of p ReLU features :math:`\varphi_j(x)=\mathrm{relu}(a_j^\top x+b_j)`
and :math:`f_\beta=\beta^\top\varphi`.  With ``basis=orbit`` (default) the dictionary is closed
under the group: p/8 base pairs :math:`(a_j,b_j)` and their rotations
:math:`a_j^\top R_h`, so :math:`\varphi(R_gx)` permutes the features, Φ maps the model class into
itself (:math:`\Phi f_\beta=f_{\bar\beta}`, :math:`\bar\beta` = orbit means) and the target below
lies in the class.  ``basis=generic`` draws p unrelated features: Φ then leaves the class and
the fit is misspecified (reported for comparison).  The dictionary and :math:`\beta_0` are part of
the setting, drawn once from ``SeedSequence(SETTING_SEED)`` (independent of ``--seed``) so that
η is one number per λ; base pairs and :math:`\beta_0\sqrt p` are standard normal.

Target.  :math:`f_0=\beta_0^\top\varphi` and :math:`f^*=\Phi f_0+\lambda(f_0-\Phi f_0)`, so
:math:`\eta=\mathrm{dist}_\Phi(f^*)=\lambda\,\mathrm{dist}_\Phi(f_0)`
(:math:`\mathrm{dist}_\Phi(f_0)\approx1.00`, :math:`\|\Phi f_0\|\approx0.78` at p = 64, orbit basis);
:math:`y=f^*(x)+\sigma\xi`, :math:`\xi\sim N(0,1)`.

Estimator.  Ridge least squares :math:`\hat\beta=(\Phi_X^\top\Phi_X/n+r I)^{-1}\Phi_X^\top y/n`
(r = ``ridge``, tiny: numerical stability only), then
:math:`\hat f_t=\Phi\hat f+t(\hat f-\Phi\hat f)` on t = 0, 0.05, …, 1.

Measurement.  One test sample per setting: N base points, orbit-augmented (8N points, an
invariant empirical measure on which Φ is exact), with its own noise.  Writing
:math:`U=\Phi\varphi` (the orbit mean, constant on orbits) and :math:`V=\varphi-\Phi\varphi`
(orbit mean zero, so :math:`U^\top V=0` exactly), the test risk of :math:`\hat f_t` is the
quadratic

.. math:: \hat R(\hat f_t)=\hat\beta^\top M_{UU}\hat\beta-2\hat\beta^\top c_U
          +t^2\hat\beta^\top M_{VV}\hat\beta-2t\,\hat\beta^\top c_V+\overline{y^2},

and :math:`\mathrm{dist}_\Phi(\hat f)^2=\hat\beta^\top M_{VV}\hat\beta`,
:math:`\eta^2=\lambda^2\beta_0^\top M_{VV}\beta_0` on the same sample.  Reported per (n, λ):
the mean risk curve with standard errors over datasets; :math:`\hat t^*` (grid argmin of the mean
curve); :math:`\hat\varepsilon^*=\hat t^*\hat s` with :math:`\hat s^2` the mean of
:math:`\mathrm{dist}_\Phi(\hat f)^2` (the root-mean-square model error of
:math:`\hat f_{\hat t^*}`, the package's ε of a random estimator); the plug-in
:math:`t^*=\eta^2/(\eta^2+\hat v)` with :math:`\hat v=\hat s^2-\eta^2` (the
``pt-optimal-eps`` formula; clipped to 1 when noise makes :math:`\hat v<0`);
:math:`\hat\varepsilon^*/\eta`.  For λ = 0 (η = 0) the ratio is
undefined and only :math:`\hat\varepsilon^*` is reported (t* = 0).

Soft claims (trend checks, reported, asserted only in the tests with fixed seeds):
:math:`\hat\varepsilon^*\le1.1\eta`; :math:`\hat\varepsilon^*/\eta` rising in n (strictly, as
reported; a fall smaller than one grid step :math:`0.05\hat s/\eta` is noted as a grid tie);
:math:`|\hat t^*-t^*|\le0.1`.

Full: n ∈ {500, 2000, 8000} × λ ∈ {0, 0.1, 0.3, 1}, 20 datasets each.  Quick: n = 2000,
λ = 0.3, 5 datasets.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from ..engine.experiment import Experiment, Param, Plan, TaskSpec, UsageError, register
from ..engine.stats import Check
from ..symmetry.groups import cyclic
from ..symmetry.projection import orbit_augment

#: Fixes the dictionary and f0 (PT's arXiv number); independent of the run's --seed.
SETTING_SEED = 230517592
ORDER = 8  # C8
NS = (500, 2000, 8000)
LAMS = (0.0, 0.1, 0.3, 1.0)
T_GRID = np.round(np.linspace(0.0, 1.0, 21), 12)
RATIO_MARGIN = 1.1  # eps_hat* <= 1.1 eta
T_MARGIN = 0.1  # |t_hat* - t*| <= 0.1

PARAMS = (
    Param("n", int, None, "training sample size; auto: the sweep 500, 2000, 8000 (needs "
          "n > features + 1)", quick=2000, high=100_000, why="the orbit-augmented n x features "
          "design must fit in memory"),
    Param("lam", float, None, "mixing weight lambda in f* = Phi f0 + lambda (f0 - Phi f0), in "
          "[0, 1]; auto: the sweep 0, 0.1, 0.3, 1", quick=0.3),
    Param("datasets", int, 20, "independent training sets per (n, lambda)", quick=5, low=2,
          high=1000, why="each data set is a fit per (n, lambda)"),
    Param("features", int, 64, "random ReLU features p (a multiple of 8 for basis=orbit)",
          low=1, high=512, why="the n x features and test x features arrays must fit in "
          "memory"),
    Param("sigma", float, 0.5, "noise standard deviation (> 0)", low=0.0, high=1e50,
          why="its square must stay inside float64 (1e300 gave nan)"),
    Param("ridge", float, 1e-6, "ridge r in (F^T F / n + r I) beta = F^T y / n", low=0.0),
    Param("test", int, 25_000, "base points of the orbit-augmented test sample (x 8)",
          quick=10_000, low=100, high=100_000, why="the 8 x test x features array must fit "
          "in memory"),
    Param("basis", str, "orbit", "orbit: dictionary closed under C8 (well specified); generic: "
          "p unrelated features (misspecified)", choices=("orbit", "generic")),
)


def _rotations() -> np.ndarray:
    return cyclic(ORDER).rep("rot").matrices


def dictionary(p: int, basis: str = "orbit") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The fixed dictionary (A, b) of :math:`\varphi(x)=\mathrm{relu}(Ax+b)` and :math:`\beta_0`.

    ``orbit``: rows :math:`a_j^\top R_h` (h-major), biases :math:`b_j`, for the first p/8 draws;
    ``generic``: the first p draws as they are."""
    g = np.random.default_rng(np.random.SeedSequence(SETTING_SEED))
    a, b, z = g.normal(size=(p, 2)), g.normal(size=p), g.normal(size=p)
    if basis == "orbit":
        if p % ORDER:
            raise UsageError(f"parameter features must be a multiple of {ORDER} for basis=orbit, "
                             f"got {p}")
        m = p // ORDER
        A = np.einsum("jk,hkl->hjl", a[:m], _rotations()).reshape(p, 2)
        b = np.tile(b[:m], ORDER)
    else:
        A = a
    return A, b, z / np.sqrt(p)  # dist_Phi(f0) = 1.00 at p = 64 (orbit)


def features(X: np.ndarray, A: np.ndarray, b: np.ndarray) -> np.ndarray:
    r""":math:`\varphi(x)=\mathrm{relu}(Ax+b)` on rows: (N, 2) → (N, p)."""
    Z = X @ A.T
    Z += b
    return np.maximum(Z, 0.0, out=Z)


def sym_features(X: np.ndarray, A: np.ndarray, b: np.ndarray) -> np.ndarray:
    r""":math:`\Phi\varphi(x)=\frac1{|G|}\sum_g\varphi(R_gx)` on rows (the Reynolds operator of
    :func:`verify.symmetry.projection.reynolds_function` with a trivial output of dimension p)."""
    rots = _rotations()
    acc = features(X, A @ rots[0], b)  # phi(R x) = relu((A R) x + b)
    for R in rots[1:]:
        acc += features(X, A @ R, b)
    acc /= len(rots)
    return acc


def target(X: np.ndarray, A, b, beta0, lam: float) -> np.ndarray:
    r""":math:`f^*(x)=\beta_0^\top(\Phi\varphi(x)+\lambda(\varphi(x)-\Phi\varphi(x)))`."""
    u = sym_features(X, A, b)
    return (u + lam * (features(X, A, b) - u)) @ beta0


def orbit_mean(beta: np.ndarray) -> np.ndarray:
    r""":math:`\bar\beta` with :math:`\Phi f_\beta=f_{\bar\beta}` for the orbit dictionary: each
    coefficient replaced by the mean over its orbit (rows h-major, so orbit j is j, j+m, …)."""
    return np.tile(beta.reshape(ORDER, -1).mean(axis=0), ORDER)


def fit_task(rng, n, lam, sigma, ridge, A, b, beta0, beta_star=None) -> np.ndarray:
    r"""One training set: :math:`x_i\sim N(0,I_2)`, :math:`y_i=f^*(x_i)+\sigma\xi_i`; returns the
    ridge coefficients :math:`\hat\beta=(F^\top F/n+rI)^{-1}F^\top y/n`.  ``beta_star`` (orbit
    dictionary): :math:`f^*=\beta_*^\top\varphi` with :math:`\beta_*=\bar\beta_0+\lambda(\beta_0-
    \bar\beta_0)`, the same function as :func:`target` at an eighth of the cost."""
    X = rng.normal(size=(n, 2))
    F = features(X, A, b)
    fx = F @ beta_star if beta_star is not None else target(X, A, b, beta0, lam)
    y = fx + sigma * rng.normal(size=n)
    if ridge > 0:
        return np.linalg.solve(F.T @ F / n + ridge * np.eye(F.shape[1]), F.T @ y / n)
    return np.linalg.lstsq(F, y, rcond=None)[0]


def test_task(rng, points, lam, sigma, A, b, beta0, chunk=4096) -> dict:
    r"""Sufficient statistics of one orbit-augmented test sample (8N points): the Gram blocks
    :math:`M_{UU},M_{VV}`, :math:`c_U,c_V` and :math:`\overline{y^2}` of the module docstring,
    accumulated over chunks of base points."""
    rot = cyclic(ORDER).rep("rot")
    p = len(b)
    MUU, MVV, cU, cV, y2 = np.zeros((p, p)), np.zeros((p, p)), np.zeros(p), np.zeros(p), 0.0
    for start in range(0, points, chunk):
        m = min(chunk, points - start)
        X = orbit_augment(rng.normal(size=(m, 2)), rot)  # g-major: row g*m + i
        F = features(X, A, b).reshape(ORDER, m, p)
        U = F.mean(axis=0)  # Phi phi on the orbit of base point i
        F -= U  # now V = phi - Phi phi, orbit mean zero
        y = (U @ beta0)[None, :] + lam * (F @ beta0) + sigma * rng.normal(size=(ORDER, m))
        V = F.reshape(-1, p)
        MUU += U.T @ U
        MVV += V.T @ V
        cU += U.T @ y.sum(axis=0)
        cV += V.T @ y.ravel()
        y2 += float(np.sum(y**2))
    N = ORDER * points
    return {"MUU": MUU / points, "MVV": MVV / N, "cU": cU / N, "cV": cV / N, "y2": y2 / N}


def risk_curves(B: np.ndarray, st: dict, t=T_GRID) -> np.ndarray:
    """Test risks of :math:`\\hat f_t` for coefficient rows B (D, p) at each t: (D, len(t))."""
    t = np.asarray(t, dtype=float)
    q_u = np.einsum("dp,pq,dq->d", B, st["MUU"], B) - 2 * B @ st["cU"]
    q_v = np.einsum("dp,pq,dq->d", B, st["MVV"], B)
    l_v = B @ st["cV"]
    return q_u[:, None] + np.outer(q_v, t**2) - 2 * np.outer(l_v, t) + st["y2"]


def summarize(B: np.ndarray, st: dict, beta0: np.ndarray, lam: float) -> dict:
    """Everything reported for one (n, λ) setting from the fits B and the test statistics."""
    curves = risk_curves(B, st)
    mean = curves.mean(axis=0)
    se = curves.std(axis=0, ddof=1) / np.sqrt(len(B))
    i = int(np.argmin(mean))
    t_hat = float(T_GRID[i])
    dist2 = np.einsum("dp,pq,dq->d", B, st["MVV"], B)
    s = float(np.sqrt(dist2.mean()))
    eta2 = float(lam**2 * beta0 @ st["MVV"] @ beta0)
    eta = float(np.sqrt(eta2))
    v_hat = s**2 - eta2
    # v_hat < 0 (cross-term noise when v << eta^2) would put t* above 1: the family ends at 1
    t_plug = min(1.0, eta2 / (eta2 + v_hat)) if eta2 > 0 and eta2 + v_hat > 0 else 0.0
    # exact minimiser of the mean quadratic (the grid argmin refines towards it)
    qv = float(dist2.mean())
    lv = float((B @ st["cV"]).mean())
    t_cont = float(np.clip(lv / qv, 0.0, 1.0)) if qv > 0 else 0.0
    eps = t_hat * s
    # oracle: Z_perp = f_hat_perp - f*_perp = (beta_hat - lam beta0).V in either basis
    Zc = B - lam * beta0
    v_oracle = float(np.einsum("dp,pq,dq->d", Zc, st["MVV"], Zc).mean())
    # f* = beta0.U + lam beta0.V is the member of the family at t = lam
    risk_star = float(risk_curves(beta0[None, :], st, [lam])[0, 0])
    return {
        "lam": lam, "eta": eta, "t": T_GRID.tolist(), "risk": mean.tolist(), "risk_se": se.tolist(),
        "risk_fstar": risk_star, "t_hat": t_hat, "t_cont": t_cont, "t_plug": float(t_plug),
        "s": s, "v_hat": float(v_hat), "v_oracle": v_oracle, "eps_hat": float(eps),
        "ratio": float(eps / eta) if eta > 0 else None,
        "ratio_cont": float(t_cont * s / eta) if eta > 0 else None,
        "ratio_plug": float(t_plug * s / eta) if eta > 0 else None,
        "risk_phi": float(mean[0]), "risk_full": float(mean[-1]), "risk_min": float(mean[i]),
        "dist_fhat": np.sqrt(dist2).tolist(),
    }


def plan(exp: Experiment, v: dict) -> Plan:
    p = v["features"]
    ns = NS if v["n"] is None else (v["n"],)
    lams = LAMS if v["lam"] is None else (v["lam"],)
    if v["lam"] is not None and not 0.0 <= v["lam"] <= 1.0:
        raise UsageError(f"parameter lam must lie in [0, 1], got {v['lam']:g}")
    if v["sigma"] <= 0:
        raise UsageError(f"parameter sigma must be positive (the plug-in t* needs noise), got "
                         f"{v['sigma']:g}")
    for n in ns:
        if n <= p + 1:
            raise UsageError(f"parameter n must exceed features + 1 = {p + 1} (least squares on "
                             f"{p} features), got {n}")
    A, b, beta0 = dictionary(p, v["basis"])
    settings = [(n, lam) for lam in lams for n in ns]
    tasks = []
    for si, (n, lam) in enumerate(settings):
        common = {"lam": lam, "sigma": v["sigma"], "A": A, "b": b, "beta0": beta0}
        beta_star = (orbit_mean(beta0) + lam * (beta0 - orbit_mean(beta0))
                     if v["basis"] == "orbit" else None)
        tasks.append(TaskSpec(test_task, {"points": v["test"], **common}, key=(si, "test")))
        tasks += [TaskSpec(fit_task, {"n": n, "ridge": v["ridge"], "beta_star": beta_star,
                                      **common}, key=(si, d)) for d in range(v["datasets"])]

    def reduce(outputs):
        tests, fits = {}, {si: [] for si in range(len(settings))}
        for spec, out in zip(tasks, outputs):
            si, what = spec.key
            if what == "test":
                tests[si] = out
            else:
                fits[si].append(out)
        rows = []
        for si, (n, lam) in enumerate(settings):
            row = summarize(np.array(fits[si]), tests[si], beta0, lam)
            rows.append({"n": n, **row})
        return _checks(rows), {"settings": rows, "grid_step": float(T_GRID[1])}

    return Plan(tasks, reduce, params={"settings": len(settings), "basis": v["basis"]})


def _holds(ok: bool) -> str:
    return "holds" if ok else "does NOT hold"


def _checks(rows: list[dict]) -> list[Check]:
    """Trend checks; each name ends in [holds] / [NOT] so the table shows the soft verdict."""
    checks = []
    for r in rows:
        tag = f"n={r['n']} lam={r['lam']:g}"
        if r["ratio"] is not None:
            ok = r["ratio"] <= RATIO_MARGIN
            checks.append(Check(
                f"{tag}: eps^*/eta <= {RATIO_MARGIN:g}, eta={r['eta']:.3f} "
                f"[{'holds' if ok else 'NOT'}]", "trend", RATIO_MARGIN, r["ratio"],
                relation="<=", note=f"eps_hat*={r['eps_hat']:.4g}; {_holds(ok)}"))
        else:
            checks.append(Check(f"{tag}: eps^* (eta = 0, no ratio)", "trend", 0.0,
                                r["eps_hat"], note="eta = 0: only eps_hat* is reported"))
        gap = abs(r["t_hat"] - r["t_plug"])
        ok = gap <= T_MARGIN + 1e-12
        checks.append(Check(
            f"{tag}: |t^ - t*| <= {T_MARGIN:g}, t^={r['t_hat']:.2f} t*={r['t_plug']:.3f} "
            f"[{'holds' if ok else 'NOT'}]", "trend", T_MARGIN, gap, relation="<=",
            note=_holds(ok)))
    for lam in sorted({r["lam"] for r in rows if r["ratio"] is not None}):
        rs = sorted((r for r in rows if r["lam"] == lam), key=lambda r: r["n"])
        if len(rs) < 2:
            continue
        steps = [b["ratio"] - a["ratio"] for a, b in pairwise(rs)]
        tie = [T_GRID[1] * a["s"] / a["eta"] for a in rs[:-1]]  # one grid step in the ratio
        strict = all(d > 0 for d in steps)
        within = all(d > -h for d, h in zip(steps, tie))
        tag = "holds" if strict else ("NOT; grid tie" if within else "NOT")
        note = _holds(strict) + ("" if strict else
                                 ("; every fall is below one grid step (grid tie)" if within
                                  else "; a fall exceeds one grid step"))
        checks.append(Check(
            f"lam={lam:g}: eps^*/eta rising in n: "
            + ", ".join(f"{r['ratio']:.3f}" for r in rs) + f" [{tag}]", "trend", 0.0,
            min(steps), relation=">=", note=note))
    return checks


PT_RELAXED_RF = register(Experiment(
    slug="pt-relaxed-rf", kind="trend", family="PT",
    claim="nonlinear model: optimal eps <= eta, rising with n",
    params=PARAMS, planner=plan, statement=None, details=__doc__,
))
