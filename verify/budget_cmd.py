r"""``python -m verify budget``: the data equivariance error, the noise level and the
recommended model equivariance budget ε* of a regression data set.

Model (the LG setting of :mod:`bounds.approximation`): :math:`y=\Theta^\top x+\xi`,
:math:`\xi\sim N(0,\sigma^2I_k)`, x Gaussian with a G-invariant covariance Σ, and the family
:math:`W_t=\Phi\hat W+t(\hat W-\Phi\hat W)` around the least-squares fit :math:`\hat W`.

* **Noise.** :math:`\hat\sigma^2=\|Y-X\hat W\|_F^2/(k(n-d))`; given X,
  :math:`k(n-d)\hat\sigma^2/\sigma^2\sim\chi^2_{k(n-d)}`, so its CI is exact.
* **Data equivariance error** :math:`\eta^2=\mathrm{tr}(\Theta_\perp^\top\Sigma\Theta_\perp)`,
  :math:`\Theta_\perp=\Theta-\Phi(\Theta)`:
  :math:`\hat\eta^2=\mathrm{tr}(\hat W_\perp^\top\hat\Sigma\hat W_\perp)-\hat\sigma^2c(X)`, with
  :math:`\hat\Sigma` the G-symmetrised :math:`X^\top X/n` and
  :math:`c(X)=\mathrm{tr}\big(P_\perp((X^\top X)^{-1}\otimes I_k)P_\perp(\hat\Sigma\otimes I_k)\big)`
  the conditional mean of the noise's share (:math:`P_\perp` the projection onto
  :math:`E^\perp`), so :math:`\hat\eta^2` is unbiased given X for
  :math:`\mathrm{tr}(\Theta_\perp^\top\hat\Sigma\Theta_\perp)`, whose mean is η².  Its CI is the
  basic bootstrap over rows (pairs), which carries both the noise and the variation of
  :math:`\hat\Sigma`.
* **Predictions** (Statements of :mod:`bounds.approximation`, at the estimates):
  :math:`v=\sigma^2(dk-\dim E)/(n-d-1)`, :math:`a=\sigma^2\dim E/(n-d-1)`,
  :math:`t^*=\eta^2/(\eta^2+v)`, :math:`\varepsilon^*=\eta^2/\sqrt{\eta^2+v}`, the excess risks
  :math:`a+\eta^2` (exact symmetry, t = 0), :math:`a+v` (none, t = 1),
  :math:`a+\eta^2v/(\eta^2+v)` (the optimum), and the crossover
  :math:`n_\times=d+1+\sigma^2(dk-\dim E)/\eta^2` beyond which no symmetry beats exact symmetry.
  Each is monotone in (η², σ²), so its interval is the image of the box of the two intervals,
  each at level 1 − α/2 (joint level ≥ 1 − α).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.stats import chi2

from .engine.experiment import UsageError
from .symmetry.groups import CompactGroup, parse_group
from .symmetry.projection import equivariant_basis, reynolds_linear

__all__ = ["ASSUMPTIONS", "BudgetReport", "equivariance_budget", "load_xy"]

ASSUMPTIONS = (
    "linear model class: y = Theta^T x + noise, fitted by least squares",
    "Gaussian inputs with a G-invariant covariance (the inverse-Wishart mean behind n - d - 1)",
    "Gaussian noise of equal variance sigma^2 on every output, independent of x",
    "n > d + 1 training samples",
    "the family W_t = Phi(W) + t (W - Phi(W)) between the projected and the plain fit",
)


@dataclass
class BudgetReport:
    group: str
    n: int
    d: int
    k: int
    dim_e: int
    n_train: int
    alpha: float
    values: dict
    assumptions: tuple = ASSUMPTIONS
    statements: tuple = ()
    diagnostics: dict | None = None

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("group", "n", "d", "k", "dim_e", "n_train",
                                              "alpha")}
        out.update(self.values)
        out["assumptions"], out["statements"] = list(self.assumptions), list(self.statements)
        out["diagnostics"] = self.diagnostics
        return _finite(out)

    def format(self) -> str:
        v, lvl = self.values, f"{100 * (1 - self.alpha):g}%"

        def row(label, key, how=""):
            lo, hi = v[key + "_ci"]
            return f"  {label:<44} {v[key]:.4g} [{lo:.4g}, {hi:.4g}]{how}"

        head = (f"group {self.group}: n={self.n}, d={self.d}, k={self.k}, dim E={self.dim_e}; "
                f"predictions for n_train={self.n_train}")
        box = f"{100 * (1 - self.alpha / 2):g}%"
        lines = [head, "", f"estimates ({lvl} CIs)",
                 row("eta    (data equivariance error)", "eta", "   bootstrap over rows"),
                 row("sigma  (noise level)", "sigma", "   exact chi-square"), "",
                 f"predictions (intervals: image of the {box} box of eta and sigma)",
                 row("eps*  recommended model equivariance error", "eps_star"),
                 row("t*    weight of the non-equivariant part", "t_star"),
                 row("excess risk, exact symmetry (t = 0)", "risk_exact"),
                 row("excess risk, no symmetry (t = 1)", "risk_none"),
                 row("excess risk, optimum (t = t*)", "risk_opt"),
                 row("crossover n (no symmetry wins beyond)", "n_cross"), "",
                 "these predictions hold under:"]
        lines += [f"  - {a}" for a in self.assumptions]
        if self.diagnostics:
            nonin = self.diagnostics["cov_noninvariance"]
            lines.append(f"  (input covariance non-invariance ||S - Phi S||/||S|| = {nonin:.3g})")
        lines.append("statements (bounds.approximation): " + "; ".join(self.statements))
        return "\n".join(lines)


def _finite(v):
    """Non-finite floats (an infinite crossover n when eta = 0) become None (strict JSON)."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {key: _finite(x) for key, x in v.items()}
    if isinstance(v, list | tuple):
        return [_finite(x) for x in v]
    return v


# -- estimation ------------------------------------------------------------------------------
def _ols_batch(X, Y, idx):
    """OLS fits on row subsets idx (B, n): W (B, d, k), residual SS (B,), X^T X (B, d, d)."""
    Xb, Yb = X[idx], Y[idx]
    G = np.einsum("bni,bnj->bij", Xb, Xb)
    W = np.linalg.solve(G, np.einsum("bni,bnj->bij", Xb, Yb))
    R = Yb - np.einsum("bni,bij->bnj", Xb, W)
    return W, np.einsum("bnj,bnj->b", R, R), G


def _eta2(W, rss, G, n, rep_in, rep_out, Qm):
    """Bias-corrected eta^2 and sigma^2 for a batch of fits (see the module docstring)."""
    d, k = W.shape[-2:]
    s2 = rss / (k * (n - d))
    S = reynolds_linear(G / n, rep_in, rep_in)  # symmetrised covariance
    Wp = W - reynolds_linear(W, rep_in, rep_out)
    quad = np.einsum("bij,bil,blj->b", Wp, S, Wp)
    M = np.linalg.inv(G)
    MS = M @ S
    t1 = k * np.trace(MS, axis1=1, axis2=2)
    if len(Qm):
        t2 = np.einsum("rij,bil,rlj->b", Qm, MS, Qm)
        QA = np.einsum("rij,bil,slj->brs", Qm, M, Qm)
        QB = np.einsum("rij,bil,slj->brs", Qm, S, Qm)
        t4 = np.einsum("brs,bsr->b", QA, QB)
    else:
        t2 = t4 = 0.0
    c = t1 - 2 * t2 + t4
    return quad - s2 * c, s2


def load_xy(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Arrays ``X`` (n, d) and ``Y`` (n, k) or (n,) from an ``.npz`` file; UsageError else."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read {path}: {e}") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise UsageError(f"{path} must be an .npz file with arrays X and Y")
    missing = [key for key in ("X", "Y") if key not in data.files]
    if missing:
        raise UsageError(f"{path} has no array {' or '.join(missing)} (it holds "
                         f"{', '.join(data.files) or 'nothing'}); save it with "
                         "np.savez(path, X=X, Y=Y)")
    return data["X"], data["Y"]


def _reps(G, d, k, input_rep, output_rep):
    try:
        rin = G.rep(input_rep) if input_rep not in (None, "natural") else G.rep()
    except KeyError as e:
        raise UsageError(str(e).strip('"')) from None
    if rin.dim != d:
        raise UsageError(f"input representation {rin.label} has dimension {rin.dim}, but X has "
                         f"d={d} columns")
    try:
        if output_rep is None:
            rout = rin if k == d else G.trivial(k)
        elif output_rep == "trivial":
            rout = G.trivial(k)
        else:
            rout = G.rep(None if output_rep == "natural" else output_rep)
    except KeyError as e:
        raise UsageError(str(e).strip('"')) from None
    if rout.dim != k:
        raise UsageError(f"output representation {rout.label} has dimension {rout.dim}, but Y "
                         f"has k={k} columns")
    return rin, rout


@cache
def _statements():
    """The Statements used, built and lambdified once."""
    from bounds import approximation as ap

    return {"eps": ap.optimal_eps(), "t": ap.optimal_t(), "curve": ap.lg_risk_curve(),
            "min": ap.min_risk(), "cross": _crossover()}


def _predict(eta2, s2, n, d, k, dim_e):
    """The Statements of bounds.approximation at (eta^2, sigma^2), vectorised."""
    from bounds.core import HypothesisError

    st = _statements()
    try:
        st["eps"].check(n=n, d=d, k=k, dimE=dim_e, sigma=1.0, eta=1.0)
    except HypothesisError as e:
        raise UsageError(f"outside the LG statements' hypotheses: {e}") from None
    eta = np.sqrt(np.maximum(eta2, 1e-300))
    sig = np.sqrt(s2)
    kw = dict(n=n, d=d, k=k, dimE=dim_e, sigma=sig, eta=eta)
    curve = st["curve"].lambdify()
    out = {"eps_star": st["eps"].lambdify()(**kw), "t_star": st["t"].lambdify()(**kw),
           "risk_exact": curve(**kw, t=0.0), "risk_none": curve(**kw, t=1.0),
           "risk_opt": st["min"].lambdify()(**kw),
           "n_cross": st["cross"](d=d, k=k, dimE=dim_e, sigma=sig, eta=eta)}
    zero = np.asarray(eta2) <= 0  # eta = 0: exact symmetry is optimal, eps* = t* = 0
    for key in ("eps_star", "t_star"):
        out[key] = np.where(zero, 0.0, out[key])
    out["risk_opt"] = np.where(zero, out["risk_exact"], out["risk_opt"])
    out["n_cross"] = np.where(zero, np.inf, out["n_cross"])
    return out


def _crossover():
    """:math:`n_\\times`: the n where the misspecified gap v - η² changes sign (SymPy solve)."""
    import sympy as sp

    from bounds import approximation as ap

    S = ap.SYMBOLS
    gap = ap.misspecified_gap().expr
    (root,) = sp.solve(sp.Eq(gap, 0), S["n"])
    names = ("d", "k", "dimE", "sigma", "eta")
    f = sp.lambdify([S[s] for s in names], root, "numpy")
    return lambda **kw: f(*(kw[s] for s in names))


def equivariance_budget(X, Y, group, *, input_rep: str | None = None,
                        output_rep: str | None = None, alpha: float = 0.05,
                        n_boot: int = 400, seed: int = 0,
                        n_train: int | None = None) -> BudgetReport:
    r"""Estimate η and σ from a regression data set and recommend the budget ε*.

    :math:`\hat\eta^2=\mathrm{tr}(\hat W_\perp^\top\hat\Sigma\hat W_\perp)-\hat\sigma^2c(X)`,
    :math:`\hat\sigma^2=\mathrm{RSS}/(k(n-d))`, then
    :math:`\varepsilon^*=\eta^2/\sqrt{\eta^2+\sigma^2(dk-\dim E)/(n-d-1)}` and the excess risks
    of :mod:`bounds.approximation`, with CIs at level 1 − α.

    Parameters
    ----------
    X, Y : ndarray
        (n, d) inputs and (n, k) or (n,) targets, n > d + 1.
    group : str or group
        A finite group (``C6``, ``D4``, ``S24``, ...) acting linearly on rows of X and Y.
    input_rep, output_rep : str, optional
        Named representations; defaults: the natural one on X, on Y too when k = d, else
        trivial.
    n_boot : int
        Bootstrap replicates for the CI of η.
    n_train : int, optional
        Training-set size for the predictions (default: the data's n).
    """
    G = parse_group(group) if isinstance(group, str) else group
    if isinstance(G, CompactGroup):
        raise UsageError("verify budget needs a finite group (the LG formulas count dim E)")
    X, Y = np.asarray(X), np.asarray(Y)
    if Y.ndim == 1:
        Y = Y[:, None]
    if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y):
        raise UsageError(f"X must be (n, d) and Y (n, k) with the same n; got {X.shape} and "
                         f"{Y.shape}")
    if X.dtype.kind not in "fiu" or Y.dtype.kind not in "fiu":
        raise UsageError(f"X and Y must be real arrays; got {X.dtype} and {Y.dtype}")
    X, Y = X.astype(np.float64), Y.astype(np.float64)
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise UsageError("X and Y must be finite")
    n, d = X.shape
    k = Y.shape[1]
    if n <= d + 1:
        raise UsageError(f"the LG formulas need n > d + 1; got n={n}, d={d}")
    if not 0 < alpha < 1:
        raise UsageError(f"alpha must lie in (0, 1), got {alpha}")
    n_train = n if n_train is None else int(n_train)
    if n_train <= d + 1:
        raise UsageError(f"n_train must exceed d + 1 = {d + 1}; got {n_train}")
    rin, rout = _reps(G, d, k, input_rep, output_rep)
    Q = equivariant_basis(rin, rout)
    dim_e = Q.shape[1]
    if dim_e == d * k:
        raise UsageError(f"every linear map is equivariant under {G.name} here (dim E = d k = "
                         f"{dim_e}): there is no equivariance error to estimate")
    if np.linalg.matrix_rank(X) < d:
        raise UsageError(f"X has rank {np.linalg.matrix_rank(X)} < d = {d}: least squares is "
                         "not unique")
    Qm = Q.T.reshape(dim_e, d, k)
    eta2_hat, s2_hat = (float(v[0]) for v in _eta2(*_ols_batch(X, Y, np.arange(n)[None]), n,
                                                    rin, rout, Qm))
    rng = np.random.default_rng(seed)
    boot = []
    for lo in range(0, n_boot, 50):  # chunks bound the (B, n, d) arrays
        idx = rng.integers(0, n, size=(min(50, n_boot - lo), n))
        boot.append(_eta2(*_ols_batch(X, Y, idx), n, rin, rout, Qm)[0])
    boot = np.concatenate(boot)

    def eta2_ci(level_alpha):
        q_lo, q_hi = np.quantile(boot, [level_alpha / 2, 1 - level_alpha / 2])
        return max(2 * eta2_hat - q_hi, 0.0), max(2 * eta2_hat - q_lo, 0.0)

    dof = k * (n - d)

    def s2_ci(level_alpha):
        return (dof * s2_hat / chi2.ppf(1 - level_alpha / 2, dof),
                dof * s2_hat / chi2.ppf(level_alpha / 2, dof))

    e_lo, e_hi = eta2_ci(alpha)
    s_lo, s_hi = s2_ci(alpha)
    values = {"eta": math.sqrt(max(eta2_hat, 0.0)), "eta_ci": [math.sqrt(e_lo), math.sqrt(e_hi)],
              "eta2_raw": eta2_hat, "sigma": math.sqrt(s2_hat),
              "sigma_ci": [math.sqrt(s_lo), math.sqrt(s_hi)]}
    point = _predict(max(eta2_hat, 0.0), s2_hat, n_train, d, k, dim_e)
    (e_lo, e_hi), (s_lo, s_hi) = eta2_ci(alpha / 2), s2_ci(alpha / 2)
    corners = _predict(np.array([e_lo, e_lo, e_hi, e_hi]), np.array([s_lo, s_hi, s_lo, s_hi]),
                       n_train, d, k, dim_e)
    for key, val in point.items():
        c = np.asarray(corners[key], dtype=float)
        values[key] = float(val)
        values[key + "_ci"] = [float(c.min()), float(c.max())]
    S = X.T @ X / n
    diag = {"cov_noninvariance": float(np.linalg.norm(S - reynolds_linear(S, rin, rin))
                                       / np.linalg.norm(S)), "n_boot": n_boot}
    stmts = ("optimal model equivariance error (eps*)", "optimal mixing weight t*",
             "LG risk curve at t = 0 and t = 1", "minimum risk over W_t",
             "misspecified Elesedy-Zaidi gap = 0 (crossover n)")
    return BudgetReport(G.name, n, d, k, dim_e, n_train, alpha, values, ASSUMPTIONS, stmts, diag)


#: the most bootstrap replicates, and replicates x n x d (time: ~5 s per 1e7 at d = 4)
MAX_BOOT = 100_000
MAX_BOOT_FLOATS = 100_000_000


def run_budget_command(args) -> int:
    """The ``verify budget`` subcommand (argparse namespace from :mod:`verify.cli`)."""
    X, Y = load_xy(args.data)
    try:
        G = parse_group(args.group)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if not 20 <= args.n_boot <= MAX_BOOT:
        raise UsageError(f"--n-boot must lie in [20, {MAX_BOOT}] (20 000 replicates take "
                         f"~5 s at n = 50, d = 4), got {args.n_boot}")
    if args.n_boot * X.size > MAX_BOOT_FLOATS:
        raise UsageError(f"--n-boot x n x d = {args.n_boot * X.size:.3g} resampled floats; at "
                         f"most {MAX_BOOT_FLOATS:.3g} fit in a minute: lower --n-boot")
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    if args.json:
        from .model_cmd import _check_writable

        _check_writable(args.json)
    rep = equivariance_budget(X, Y, G, input_rep=args.input_rep, output_rep=args.output_rep,
                              alpha=args.alpha, n_boot=args.n_boot, seed=args.seed,
                              n_train=args.n_train)
    print(rep.format())
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rep.to_dict(), fh, indent=2, default=float)
    return 0
