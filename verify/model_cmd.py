r"""``python -m verify model``: the equivariance error of a user's model, with a CI.

For inputs :math:`x_1..x_n` (a file, or i.i.d. N(0, I), an invariant law for orthogonal
actions) and group elements g (every element of a finite group that can be listed, a seeded
Haar sample otherwise), the package's one metric
(:func:`verify.symmetry.equivariance.equivariance_error`) measures
:math:`a_{ig}=\|f(g\cdot x_i)-\rho_Y(g)f(x_i)\|` and reports the mean relative and absolute
error and the RMS error with CIs over inputs, tail quantiles, the per-element breakdown and the
worst element.

* **Float floor.**  The Reynolds average
  :math:`\Phi f(x)=\frac1{|G|}\sum_h\rho_Y(h)^{-1}f(\rho_X(h)x)` is exactly equivariant; its
  measured error on the same inputs is the round-off floor of this model's arithmetic.  A model
  is *equivariant to working precision* when its relative error is within
  :data:`FLOOR_FACTOR` times the floor.  Needs a listed group of at most :data:`FLOOR_ORDER`
  elements.
* **Linear models** (a matrix W, :math:`f(x)=W^\top x`): the distance to the equivariant maps
  :math:`\|W-\Phi(W)\|_F` by the Reynolds projection, and, for N(0, I) inputs, the exact
  :math:`\mathbb E\,a_{ig}^2=\|W^\top\rho_X(g)-\rho_Y(g)W^\top\|_F^2`, whose group average is
  :math:`2\|W-\Phi(W)\|_F^2` (Elesedy & Zaidi 2021, Prop. on the Reynolds projection).
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .engine.experiment import UsageError
from .symmetry.actions import default_spec, elements, parse_rep
from .symmetry.equivariance import Action, equivariance_error
from .symmetry.groups import CompactGroup, FiniteGroup, parse_group
from .symmetry.permutation import order_text
from .symmetry.projection import reynolds_linear

__all__ = ["FLOOR_FACTOR", "FLOOR_ORDER", "ModelReport", "load_target", "model_equivariance"]

#: "equivariant to working precision": relative error at most this many times the floor
FLOOR_FACTOR = 10.0
#: the floor averages over every element: only for groups of at most this order
FLOOR_ORDER = 1024
_FLOOR_INPUTS, _FLOOR_ELEMENTS = 64, 16


@dataclass
class ModelReport:
    """Everything :func:`model_equivariance` measured (``to_dict`` for JSON)."""

    group: str
    input_rep: str
    output_rep: str
    input_shape: tuple
    output_shape: tuple
    n_inputs: int
    inputs: str
    elements: str
    error: dict
    floor: dict | None
    floor_note: str
    verdict: str
    linear: dict | None = None
    alpha: float = 0.01
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def format(self, top: int = 8) -> str:
        e = self.error
        ci = lambda lo_hi: f"[{lo_hi[0]:.3g}, {lo_hi[1]:.3g}]"
        lvl = f"{100 * (1 - self.alpha):g}% CI over inputs"
        out = [f"group {self.group}; {self.elements}",
               f"inputs: {self.n_inputs} x {self.input_shape}, {self.inputs}",
               f"input rep: {self.input_rep}", f"output rep: {self.output_rep}", ""]
        out += [(f"relative error  {e['relative']:.4g} {ci(e['relative_ci'])}  "
                f"(mean ||f(gx) - rho(g)f(x)|| / ||f(x)||; {lvl})"),
               f"absolute error  {e['absolute']:.4g} {ci(e['absolute_ci'])}",
               f"rms error       {e['rms']:.4g} {ci(e['rms_ci'])}",
               "tail over inputs (relative): " + ", ".join(
                   f"{'max' if float(q) == 1 else f'{100 * float(q):g}%'} {v:.3g}"
                   for q, v in e["quantiles"].items()),
               f"worst element   {e['worst'][0]} (relative {e['worst'][1]:.4g})"]
        if self.floor is not None:
            out.append(f"float floor     {self.floor['relative']:.3g} "
                       f"{ci(self.floor['relative_ci'])}  (Reynolds-averaged model, "
                       f"{self.floor['n_inputs']} inputs, {self.floor['n_elements']} elements)")
        else:
            out.append(f"float floor     not measured: {self.floor_note}")
        out.append(f"verdict         {self.verdict}")
        if self.linear is not None:
            lin = self.linear
            out.append(f"linear model    ||W - Phi(W)||_F = {lin['distance']:.6g} "
                       f"(relative {lin['relative_distance']:.4g})")
            if lin.get("rms_exact") is not None:
                out.append(f"                rms error under N(0, I), exact: "
                           f"{lin['rms_exact']:.6g}; measured {e['rms']:.6g} {ci(e['rms_ci'])}")
        per = sorted(e["per_element"], key=lambda p: -(p[2] if p[2] is not None else math.inf))
        head = f"per element (worst {min(top, len(per))} of {len(per)}): name, absolute, relative"
        out += ["", head]
        out += [f"  {n:<14} {a:.4g}  {r:.4g}" for n, a, r in per[:top]]
        return "\n".join(out)


# -- loading ---------------------------------------------------------------------------------
def load_target(target: str):
    """``MODULE:NAME``, ``path/file.py:NAME`` or ``W.npy`` (a matrix model) -> the object;
    UsageError with one line when it does not resolve."""
    if target.endswith(".npy") and ":" not in target:
        try:
            return np.load(target, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot read the matrix model {target}: {e}") from None
    mod_name, sep, attr = target.rpartition(":")
    if not sep or not mod_name or not attr:
        raise UsageError(f"model must be MODULE:CALLABLE, FILE.py:CALLABLE or W.npy; got "
                         f"{target!r}")
    try:
        if mod_name.endswith(".py"):
            path = Path(mod_name)
            if not path.is_file():
                raise UsageError(f"no such file: {mod_name}")
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            if "" not in sys.path and str(Path.cwd()) not in sys.path:
                sys.path.insert(0, str(Path.cwd()))
            module = importlib.import_module(mod_name)
    except UsageError:
        raise
    except Exception as e:  # noqa: BLE001 - a user's module may raise anything on import
        raise UsageError(f"cannot import {mod_name!r}: {type(e).__name__}: {e}") from None
    if not hasattr(module, attr):
        raise UsageError(f"module {mod_name!r} has no attribute {attr!r}")
    return getattr(module, attr)


def load_inputs(path: str) -> np.ndarray:
    """Inputs from ``.npy`` or ``.npz`` (array ``X`` or ``x``, or its only array)."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read inputs {path}: {e}") from None
    if isinstance(data, np.lib.npyio.NpzFile):
        keys = list(data.keys())
        key = next((k for k in ("X", "x") if k in keys), keys[0] if len(keys) == 1 else None)
        if key is None:
            raise UsageError(f"{path} holds {keys}; name the inputs X")
        data = data[key]
    return np.asarray(data)


# -- the measurement -------------------------------------------------------------------------
def _as_group(group):
    if isinstance(group, str):
        try:
            return parse_group(group)
        except ValueError as e:
            raise UsageError(str(e)) from None
    return group


def _checked_model(f):
    """Wrap f so a raise, a non-numeric or mis-shaped output is one UsageError."""
    def g(x):
        try:
            y = f(x)
        except Exception as e:  # noqa: BLE001 - the user's model may raise anything
            raise UsageError(f"the model raised {type(e).__name__}: {e}") from None
        y = np.asarray(y)
        if y.dtype.kind not in "fiu":
            raise UsageError(f"the model must return real numbers; got dtype {y.dtype}")
        if y.ndim == 0 or y.shape[0] != len(x):
            raise UsageError(f"the model must return a batch-first array with {len(x)} rows; "
                             f"got shape {y.shape}")
        if not np.all(np.isfinite(y)):
            raise UsageError("the model returned non-finite values")
        return y.astype(np.float64, copy=False)
    return g


def _linear(W: np.ndarray):
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or not np.all(np.isfinite(W)):
        raise UsageError(f"a matrix model must be a finite 2-D array (d, k); got shape {W.shape}")
    return W, (lambda x: np.asarray(x, dtype=np.float64) @ W)


def _actions(bin_, bout, names):
    return [Action(name, (lambda x, j=j: bin_.act(x, j)),
                   (lambda y, j=j: bout.act(y, j)) if bout is not None else
                   (lambda y: np.asarray(y, dtype=np.float64)))
            for j, name in enumerate(names)]


def _floor(f, group, rin, rout, x, names, handles, alpha):
    """Error of the Reynolds-averaged model on a subset of the inputs and elements."""
    if not isinstance(group, FiniteGroup) and not getattr(group, "by_generators", False):
        return None, "no exactly equivariant finite average for a compact group"
    if group.order > FLOOR_ORDER:
        return None, (f"{group.name} has {order_text(group.order)} elements; the Reynolds average "
                      f"needs every one (at most {FLOOR_ORDER})")
    every = elements(group, None, np.random.default_rng(0), include_identity=True)[0]
    ain, aout = rin.bind(every), (None if rout.is_trivial else rout.bind(every))

    def phi_f(z):
        acc = 0.0
        for j in range(len(every)):
            y = f(ain.act(z, j))
            acc = acc + (y if aout is None else aout.act(y, j, inverse=True))
        return acc / len(every)

    m = min(_FLOOR_ELEMENTS, len(names))
    bin_, bout = rin.bind(handles[:m]), (None if rout.is_trivial else rout.bind(handles[:m]))
    res = equivariance_error(phi_f, x[:_FLOOR_INPUTS], _actions(bin_, bout, names[:m]),
                             alpha=alpha)
    return res.to_dict(), ""


def _linear_report(W, group, rin, rout, handles, drawn_normal):
    def one_rep(r, dim):
        if r.is_trivial:
            return group.trivial(dim)
        if len(r.factors) == 1 and r.factors[0].kind == "mat" and len(r.shape) == 1:
            return group.rep(r.factors[0].name)
        return None

    Rin, Rout = one_rep(rin, W.shape[0]), one_rep(rout, W.shape[1])
    if Rin is None or Rout is None:
        return None
    dist = float(np.linalg.norm(W - reynolds_linear(W, Rin, Rout)))
    out = {"distance": dist, "relative_distance": dist / max(np.linalg.norm(W), 1e-300),
           "rms_exact": None}
    if drawn_normal:
        bi, bo = rin.bind(handles), (None if rout.is_trivial else rout.bind(handles))
        eye_in = np.eye(W.shape[0])
        sq = []
        for j in range(len(handles)):
            A = bi.act(eye_in, j)          # rows: rho_X(g) e_i, i.e. A = rho_X(g)^T
            M = A @ W                      # rows: f(rho_X(g) e_i)
            target = W if bo is None else bo.act(W, j)  # rows: rho_Y(g) f(e_i)
            sq.append(np.sum((M - target) ** 2))
        out["rms_exact"] = float(np.sqrt(np.mean(sq)))
        out["note"] = ("rms_exact = (mean_g ||W^T rho_X(g) - rho_Y(g) W^T||_F^2)^(1/2), the "
                       "exact value under N(0, I) inputs; over all of G it is sqrt(2) * distance")
    return out


def model_equivariance(f, group, *, input_rep: str | None = None,
                       output_rep: str | None = None, inputs=None, n: int = 256,
                       shape=None, n_elements: int | None = None, alpha: float = 0.01,
                       seed: int = 0, floor: bool = True) -> ModelReport:
    r"""Measure the equivariance error of a batch-first model f under a group.

    :math:`a_{ig}=\|f(g\cdot x_i)-\rho_Y(g)f(x_i)\|` by the package's one metric, with CIs at
    level 1 − α over inputs, the float floor of the Reynolds-averaged model, and, for a matrix
    W, the distance :math:`\|W-\Phi(W)\|_F`.

    Parameters
    ----------
    f : callable or ndarray
        ``f(x)`` maps a batch (n, *shape) to (n, ...); a 2-D array W is the linear model x ↦ xW.
    group : str or group
        ``C8``, ``D4``, ``S24``, ``SO3``, ... or a group object of :mod:`verify.symmetry`.
    input_rep, output_rep : str, optional
        Specs of :mod:`verify.symmetry.actions`; defaults: the natural action on inputs, and on
        outputs too when they have the inputs' shape (trivial otherwise).
    inputs : ndarray, optional
        Batch-first inputs; default n draws from N(0, I) of ``shape`` (default: the natural
        representation's dimension).
    n_elements : int, optional
        Haar sample size for groups that are compact or too large to list (default 64).

    Raises
    ------
    UsageError
        A bad group or representation, inputs not matching it, or a model that raises or
        returns a wrong shape, dtype or non-finite values.
    """
    G = _as_group(group)
    W = None
    if isinstance(f, np.ndarray | list):
        W, f = _linear(f)
    elif not callable(f):
        raise UsageError(f"the model must be callable or a matrix; got {type(f).__name__}")
    if seed < 0:
        raise UsageError(f"seed must be a non-negative integer, got {seed}")
    rng = np.random.default_rng(seed)
    drawn = inputs is None
    if drawn:
        if shape is None:
            shape = (W.shape[0],) if W is not None else (
                G.dim if isinstance(G, CompactGroup) else G.rep().dim,)
        if n < 2:
            raise UsageError(f"need at least 2 inputs for a CI, got n={n}")
        _check_sizes(n, shape, n_elements)
        x = rng.standard_normal((n, *tuple(shape)))
        source = "i.i.d. N(0, I) (invariant under orthogonal actions)"
    else:
        _check_sizes(1, None, n_elements)
        x = np.asarray(inputs)
        if x.dtype.kind not in "fiu" or x.ndim < 2 or len(x) < 2:
            raise UsageError(f"inputs must be a real array (n >= 2, ...) batch first; got "
                             f"dtype {x.dtype}, shape {x.shape}")
        x = x.astype(np.float64)
        source = "from the given array"
    try:
        rin = parse_rep(G, input_rep or default_spec(G, x.shape[1:]), x.shape[1:])
    except ValueError as e:
        raise UsageError(f"inputs: {e}") from None
    model = _checked_model(f)
    y = model(x[:2])
    try:
        out_spec = output_rep or (rin.spec if y.shape[1:] == x.shape[1:] else "trivial")
        rout = parse_rep(G, out_spec, y.shape[1:])
    except ValueError as e:
        raise UsageError(f"outputs: {e}") from None
    handles, names, exhaustive = elements(G, n_elements, rng)
    if names is None:
        names = [f"{G.name}[{i}]" for i in handles]
    bin_, bout = rin.bind(handles), (None if rout.is_trivial else rout.bind(handles))
    err = equivariance_error(model, x, _actions(bin_, bout, names), alpha=alpha,
                             quantiles=(0.5, 0.9, 0.99, 1.0)).to_dict()
    fl, note = (_floor(model, G, rin, rout, x, names, handles, alpha) if floor
                else (None, "not requested"))
    verdict = _verdict(err, fl)
    what = (f"all {len(names)} non-identity elements" if exhaustive else
            f"{len(names)} Haar-random elements (seed {seed}; CIs are conditional on them)")
    linear = _linear_report(W, G, rin, rout, handles, drawn) if W is not None else None
    return ModelReport(G.name, rin.describe(), rout.describe(), tuple(x.shape[1:]),
                       tuple(y.shape[1:]), len(x), source, what, err, fl, note, verdict,
                       linear, alpha)


#: the most input floats a run may hold (n x prod(shape)); 256 MB of float64
MAX_INPUT_FLOATS = 32_000_000
#: the most sampled group elements (each one evaluates the model on every input)
MAX_ELEMENTS = 4096


def _check_sizes(n: int, shape, n_elements) -> None:
    """UsageError naming the limit when the drawn inputs or the element sample would not fit."""
    if n_elements is not None and not 1 <= n_elements <= MAX_ELEMENTS:
        raise UsageError(f"--elements must lie in [1, {MAX_ELEMENTS}] (each element evaluates "
                         f"the model on every input), got {n_elements}")
    if shape is not None:
        if any(int(s) < 1 for s in shape):
            raise UsageError(f"--shape entries must be positive, got {tuple(shape)}")
        size = n * math.prod(int(s) for s in shape)
        if size > MAX_INPUT_FLOATS:
            raise UsageError(f"n x prod(shape) = {size:.3g} input floats; at most "
                             f"{MAX_INPUT_FLOATS:.3g} fit (256 MB of float64)")


def _check_writable(path: str) -> None:
    """UsageError unless ``path`` can be written (checked before any work)."""
    import os

    folder = os.path.dirname(os.path.abspath(path))
    if not path.strip():
        raise UsageError("--json is empty")
    if os.path.isdir(path):
        raise UsageError(f"--json {path} is a directory")
    if not os.path.isdir(folder):
        raise UsageError(f"--json {path}: the folder {folder} does not exist")


def _verdict(err: dict, floor: dict | None) -> str:
    r = err["relative"]
    if floor is None:
        return f"relative error {r:.3g} (no floor to compare with)"
    fl = max(floor["relative"], np.finfo(np.float64).eps)
    if r <= FLOOR_FACTOR * fl:
        return (f"equivariant to working precision (error = {r / fl:.2g} x max(floor, "
                f"machine eps) <= {FLOOR_FACTOR:g})")
    return (f"NOT equivariant: relative error {r:.3g} is {r / fl:.3g} x max(floor, machine "
            "eps)")


def run_model_command(args) -> int:
    """The ``verify model`` subcommand (argparse namespace from :mod:`verify.cli`)."""
    import json

    f = load_target(args.target)
    inputs = load_inputs(args.inputs) if args.inputs else None
    shape = None
    if args.shape:
        try:
            shape = tuple(int(s) for s in args.shape.split(","))
        except ValueError:
            raise UsageError(f"--shape expects integers like 8,8; got {args.shape!r}") from None
    if args.n < 2:
        raise UsageError(f"--n must be at least 2, got {args.n}")
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    if args.json:
        _check_writable(args.json)
    rep = model_equivariance(f, args.group, input_rep=args.input_rep,
                             output_rep=args.output_rep, inputs=inputs, n=args.n, shape=shape,
                             n_elements=args.elements, seed=args.seed)
    print(rep.format())
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rep.to_dict(), fh, indent=2, default=float)
    return 0
