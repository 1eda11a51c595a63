"""The experiment contract, parameters, results, and the registry.

An experiment is a small object:

* ``params``: typed :class:`Param` s with defaults and quick-size values (``--set`` overrides);
* ``plan(params) -> Plan``: validate the setting (raise :class:`UsageError` with one clear line),
  and describe independent :class:`TaskSpec` s (Monte Carlo batches, sweep points) plus a
  ``reduce(outputs) -> (checks, data)`` step;
* ``statement``: the :class:`bounds.core.Statement` it checks (tests swap it for a planted one).

Task functions are module-level (picklable) and are called as ``fn(rng, **kwargs)`` with a
``numpy.random.Generator`` built from a seed spawned per task, so results do not depend on the
number of workers or on the scheduler.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bounds.core import HypothesisError, Statement

from .stats import Check

__all__ = [
    "REGISTRY",
    "DuplicateSlug",
    "Experiment",
    "Param",
    "Plan",
    "Result",
    "TaskSpec",
    "UsageError",
    "discover",
    "gather",
    "get",
    "parse_floats",
    "register",
    "slug_entropy",
]

VERSION = "0.1.0"


class UsageError(ValueError):
    """Bad input: unknown experiment or parameter, ill-typed value, or a setting outside the
    theorem's hypotheses.  The command line prints its message on one line and exits 2."""


class _Same:
    def __repr__(self):
        return "same as default"


_SAME = _Same()
_BOOL = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _exact_int(t: str) -> int:
    """``t`` as an integer, exactly: ``9007199254740993`` stays itself, ``1e3`` is 1000, and
    ``2.5`` or anything beyond 10**18 in size raise ValueError."""
    try:
        v = int(t)
    except ValueError:
        v = None
    if v is not None:
        if abs(v) > 10**18:
            raise ValueError(t)
        return v
    from decimal import Decimal, InvalidOperation

    try:
        d = Decimal(t)
    except InvalidOperation:
        raise ValueError(t) from None
    if not d.is_finite() or abs(d) > 10**18 or d != d.to_integral_value():
        raise ValueError(t)
    return int(d)


@dataclass(frozen=True)
class Param:
    """A settable parameter: ``type`` is int, float, str or bool; ``quick`` is the quick-size
    value (defaults to ``default``); ``choices`` restricts str values; ``None`` means automatic."""

    name: str
    type: type
    default: Any
    help: str
    quick: Any = _SAME
    choices: tuple | None = None
    low: float | None = None  # inclusive lower limit for numbers
    high: float | None = None  # inclusive upper limit (what fits in memory, time, float64)
    why: str = ""  # why the limits are what they are (shown when one is crossed)

    def value(self, quick: bool) -> Any:
        return self.default if (not quick or isinstance(self.quick, _Same)) else self.quick

    def parse(self, text: str) -> Any:
        t = text.strip()
        if not t:
            raise UsageError(f"parameter {self.name} is empty")
        if t.lower() in ("auto", "none") and self.default is None:
            return None
        try:
            if self.type is bool:
                v = _BOOL[t.lower()]
            elif self.type is int:
                v = _exact_int(t)
            elif self.type is float:
                v = float(t)
                if not math.isfinite(v):
                    raise ValueError
            else:
                v = t
        except (KeyError, ValueError, OverflowError):
            kind = {int: "an integer", float: "a finite number", bool: "true or false"}
            raise UsageError(f"parameter {self.name} must be {kind.get(self.type, 'a string')}, "
                             f"got {text!r}") from None
        if self.choices is not None and v not in self.choices:
            raise UsageError(f"parameter {self.name} must be one of {', '.join(self.choices)}; "
                             f"got {text!r}")
        if (self.low is not None and v < self.low) or (self.high is not None and v > self.high):
            lim = (f"lie in [{self.low:g}, {self.high:g}]" if self.low is not None and
                   self.high is not None else f"be at least {self.low:g}" if self.high is None
                   else f"be at most {self.high:g}")
            why = f" ({self.why})" if self.why else ""
            raise UsageError(f"parameter {self.name} must {lim}{why}, got {text!r}")
        return v


@dataclass(frozen=True)
class TaskSpec:
    """One independent unit of work: ``fn(rng, **kwargs)``; ``key`` labels it for reduce."""

    fn: Callable[..., Any]
    kwargs: dict
    key: Any = None


def parse_floats(name: str, text, positive: bool = False, what: str = "") -> list[float]:
    """A ``--set`` value that is a comma-separated list of finite numbers (> 0 if ``positive``,
    else >= 0), in the order given; :class:`UsageError` naming the parameter otherwise."""
    try:
        vals = [float(t) for t in str(text).split(",") if t.strip()]
    except ValueError:
        vals = []
    if not vals or not all(math.isfinite(x) and (x > 0 if positive else x >= 0) for x in vals):
        sign = "positive numbers" if positive else "numbers >= 0"
        raise UsageError(f"parameter {name} must be a comma-separated list of {sign}"
                         f"{f' ({what})' if what else ''}, got {text!r}")
    return vals


def gather(tasks: list[TaskSpec], outputs: list, count: int) -> list[list]:
    """Outputs grouped by integer task key: ``[[outputs of tasks with key i] for i < count]``
    (Monte Carlo batches of one setting share a key)."""
    per: list[list] = [[] for _ in range(count)]
    for t, out in zip(tasks, outputs):
        per[t.key].append(out)
    return per


@dataclass
class Plan:
    """Tasks and the reduce step that turns their outputs (same order) into checks + data."""

    tasks: list[TaskSpec]
    reduce: Callable[[list[Any]], tuple[list[Check], dict]]
    params: dict = field(default_factory=dict)  # the resolved parameters (d from group, ...)


@dataclass(frozen=True)
class Experiment:
    """An experiment: a setting, how to measure it, and the Statement it checks.

    Parameters
    ----------
    slug : str
        Stable name on the command line (``python -m verify run SLUG``).
    kind : {"sharp", "bound", "trend"}
        What its headline check asserts (see :class:`verify.Check`).
    family : str
        Short result-family label (a paper, or your own).
    claim : str
        One line shown by ``python -m verify list``.
    params : tuple of Param
        Settable parameters with full and quick defaults.
    planner : callable
        ``planner(experiment, values) -> Plan``; ``values`` maps every parameter name to its
        parsed value (plus ``_quick`` and ``_overridden``).  Raise :class:`UsageError` (or let
        ``statement.evaluate`` raise :class:`bounds.HypothesisError`) for a bad setting.
    statement : bounds.Statement, optional
        The theorem; the planner takes its predictions from it, so a test can plant an error
        with ``experiment.replace(statement=...)``.
    details : str
        Longer text for ``python -m verify show``.
    in_all : bool
        Whether ``python -m verify all`` runs it.
    """

    slug: str
    kind: str
    family: str
    claim: str
    params: tuple[Param, ...]
    planner: Callable[[Experiment, dict], Plan]
    statement: Statement | None = None
    details: str = ""
    in_all: bool = True

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise UsageError(f"{self.slug} has no parameter {name!r}; its parameters are "
                         f"{', '.join(p.name for p in self.params)}")

    def resolve(self, quick: bool = False, overrides: dict[str, str] | None = None) -> dict:
        """Defaults (quick or full) with ``--set`` overrides parsed and type-checked."""
        values = {p.name: p.value(quick) for p in self.params}
        for k, text in (overrides or {}).items():
            values[k] = self.param(k).parse(text) if isinstance(text, str) else text
        values["_overridden"] = frozenset(overrides or ())
        values["_quick"] = quick
        return values

    def plan(self, values: dict) -> Plan:
        try:
            return self.planner(self, values)
        except HypothesisError as e:
            raise UsageError(f"{self.slug}: {e}") from None

    def replace(self, **changes) -> Experiment:
        """A copy with fields changed (tests plant a wrong statement this way)."""
        return dataclasses.replace(self, **changes)


@dataclass
class Result:
    """What one experiment run produced."""

    slug: str
    kind: str
    family: str
    params: dict
    seed: int
    checks: list[Check]
    seconds: float
    data: dict = field(default_factory=dict)
    version: str = VERSION

    @property
    def verdict(self) -> str:
        asserted = [c for c in self.checks if c.asserted]
        if any(c.verdict == "fail" for c in self.checks):
            return "fail"
        if any(c.verdict == "invalid" and c.asserted for c in self.checks):
            return "invalid"
        if any(c.verdict == "pending" for c in self.checks):
            return "pending"
        # a trend experiment is reported even when some of its sub-checks are asserted
        return "pass" if asserted and self.kind != "trend" else "reported"

    def to_dict(self) -> dict:
        head = self.checks[0] if self.checks else None
        return {
            "slug": self.slug, "kind": self.kind, "family": self.family,
            "params": {k: v for k, v in self.params.items() if not k.startswith("_")},
            "seed": self.seed,
            "predicted": head.predicted if head else None,
            "measured": head.measured if head else None,
            "ci_low": head.ci_low if head else None,
            "ci_high": head.ci_high if head else None,
            "verdict": self.verdict, "seconds": self.seconds, "version": self.version,
            "checks": [c.to_dict() for c in self.checks],
        }


REGISTRY: dict[str, Experiment] = {}


class DuplicateSlug(ValueError):
    """:func:`register` was given a slug that is already registered (``.slug`` names it)."""

    def __init__(self, slug: str):
        super().__init__(f"duplicate experiment slug {slug!r}")
        self.slug = slug


def register(exp: Experiment) -> Experiment:
    """Add ``exp`` to the registry under its slug and return it; a slug already registered is
    a ``ValueError`` (plugins report it as one line naming the plugin)."""
    if exp.slug in REGISTRY:
        raise DuplicateSlug(exp.slug)
    REGISTRY[exp.slug] = exp
    return exp


#: Modules imported on first use of the registry; importing one registers its experiments.
#: The engine names them as strings, so it never imports a layer above it.  The built-ins come
#: first, then the installed plugins (entry-point group ``equibounds.experiments``), so a
#: plugin reusing a built-in slug is caught.
PROVIDERS: list[str] = ["verify.experiments", "verify.engine.entry_points"]


def discover() -> dict[str, Experiment]:
    """Import every provider module (once) and return the registry."""
    for name in PROVIDERS:
        importlib.import_module(name)
    return REGISTRY


def get(slug: str) -> Experiment:
    """The registered experiment called ``slug`` (built-in or from a plugin); an unknown slug is
    a :class:`UsageError` listing the known ones."""
    discover()
    if slug not in REGISTRY:
        raise UsageError(f"unknown experiment {slug!r}; `python -m verify list` shows "
                         f"{', '.join(sorted(REGISTRY))}")
    return REGISTRY[slug]


def slug_entropy(slug: str) -> int:
    """A stable (not Python-hash-randomised) integer from the slug, mixed into the seed."""
    return zlib.crc32(slug.encode())
