"""Theorem statements as objects.

A :class:`Statement` holds one result of the theory in SymPy: the quantity it is about, the
expression that quantity equals (or is bounded by), the hypotheses under which it holds, and
where it comes from.  ``verify`` evaluates statements to get predictions; ``tests`` check their
symbolic properties (limits, signs, special cases).

Example
-------
>>> import sympy as sp
>>> n, d = sp.symbols("n d", positive=True, integer=True)
>>> s = Statement("inverse chi-square mean", "E[1/chi^2_n]", 1 / (n - 2), "=",
...               hypotheses=(Hypothesis(n > 2, "n > 2"),),
...               source=Source("textbook", "chi-square", "paper"))
>>> s.evaluate(n=12)
0.1
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sympy as sp

__all__ = ["RELATIONS", "Hypothesis", "HypothesisError", "Source", "Statement"]

#: Relation of the measured quantity to the expression: equality, upper bound, lower bound.
RELATIONS = {"=": "equals", "<=": "is at most", ">=": "is at least"}
_LATEX_REL = {"=": "=", "<=": r"\le", ">=": r"\ge"}
#: LaTeX for symbol names that SymPy would print literally.
LATEX_NAMES = {"dimE": r"\dim E", "sigma_x": r"\sigma_X", "theta2": r"\|\theta\|^2",
               "eta": r"\eta", "eps": r"\varepsilon", "eta_sup": r"\eta_{\sup}",
               "order": r"|G|", "width": r"c_j", "W1": r"W_1^X", "W1q": r"W_1^{X/G}"}


class HypothesisError(ValueError):
    """A value lies outside a statement's hypotheses (or a symbol's assumptions)."""


@dataclass(frozen=True)
class Hypothesis:
    """A condition on the symbols, e.g. ``n > d + 1``, with the text shown to users."""

    condition: sp.Basic
    text: str

    def holds(self, values: Mapping[sp.Symbol, object]) -> bool:
        result = self.condition.subs(values)
        if result not in (sp.true, sp.false):
            raise HypothesisError(f"cannot decide hypothesis {self.text} with the values given")
        return bool(result)


@dataclass(frozen=True)
class Source:
    """Provenance: the paper (short key), the result family, and a provenance label.

    ``label`` is one of ``paper``, ``common form`` or ``derived``.
    """

    paper: str
    family: str
    label: str
    note: str = ""

    def __str__(self) -> str:
        s = f"{self.paper} ({self.family}; {self.label})"
        return f"{s}: {self.note}" if self.note else s


@dataclass(frozen=True)
class Statement:
    r"""A theorem: ``quantity relation expr`` under ``hypotheses``.

    Parameters
    ----------
    name : str
        Short name ("Elesedy-Zaidi gap").
    quantity : str
        What the measured side is, in words or LaTeX (``\Delta``).
    expr : sympy.Expr
        The right-hand side.
    relation : {"=", "<=", ">="}
        ``quantity = expr`` (sharp), ``quantity <= expr`` (upper bound) or ``>=`` (lower bound).
    hypotheses : tuple of Hypothesis
        Checked by :meth:`evaluate` before any number is returned.
    source : Source
        Paper, family and provenance label.
    description : str
        One paragraph in words, shown by ``python -m verify show``.
    """

    name: str
    quantity: str
    expr: sp.Expr
    relation: str = "="
    hypotheses: tuple[Hypothesis, ...] = ()
    source: Source | None = None
    description: str = ""
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        if self.relation not in RELATIONS:
            raise ValueError(f"relation must be one of {sorted(RELATIONS)}, got {self.relation!r}")

    # -- symbols -------------------------------------------------------------------------------
    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        """Free symbols of the expression and the hypotheses, sorted by name."""
        syms = set(self.expr.free_symbols)
        for h in self.hypotheses:
            syms |= h.condition.free_symbols
        return tuple(sorted(syms, key=lambda s: s.name))

    def symbol(self, name: str) -> sp.Symbol:
        for s in self.symbols:
            if s.name == name:
                return s
        raise KeyError(f"{self.name} has no symbol {name!r}; it has {self.symbol_names()}")

    def symbol_names(self) -> list[str]:
        return [s.name for s in self.symbols]

    # -- rendering -----------------------------------------------------------------------------
    def latex(self) -> str:
        """``quantity \\rel expr`` followed by the hypotheses, as LaTeX."""
        names = {s: LATEX_NAMES[s.name] for s in self.symbols if s.name in LATEX_NAMES}
        tex = lambda e: sp.latex(e, symbol_names=names)
        body = f"{self.quantity} {_LATEX_REL[self.relation]} {tex(self.expr)}"
        if self.hypotheses:
            hyp = ",\\ ".join(tex(h.condition) for h in self.hypotheses)
            body += rf" \qquad ({hyp})"
        return body

    def __str__(self) -> str:
        hyp = ", ".join(h.text for h in self.hypotheses)
        s = f"{self.quantity} {self.relation} {self.expr}"
        return f"{s}   [for {hyp}]" if hyp else s

    # -- numbers -------------------------------------------------------------------------------
    def _bind(self, values: Mapping[str, object]) -> dict[sp.Symbol, object]:
        names = set(self.symbol_names())
        missing = names - set(values)
        if missing:
            raise HypothesisError(f"{self.name}: missing values for {sorted(missing)}")
        bound = {}
        for s in self.symbols:
            v = values[s.name]
            _check_assumptions(s, v, self.name)
            bound[s] = sp.nsimplify(v) if isinstance(v, int) else v
        return bound

    def check(self, **values) -> None:
        """Raise :class:`HypothesisError` naming the first hypothesis the values violate."""
        bound = self._bind(values)
        for h in self.hypotheses:
            if not h.holds(bound):
                shown = ", ".join(f"{k}={values[k]}" for k in sorted(values)
                                  if k in _names(h.condition))
                raise HypothesisError(f"{self.name} needs {h.text}; got {shown}")

    def evaluate(self, **values) -> float:
        """The expression at ``values`` as a float, after checking every hypothesis."""
        self.check(**values)
        out = self.expr.subs(self._bind(values))
        out = sp.N(out, 17)
        if not out.is_real:
            raise HypothesisError(f"{self.name} is not real at {values}")
        return float(out)

    def lambdify(self, modules: str = "numpy") -> Callable[..., float]:
        """A fast numpy function of the symbols (keyword arguments); no hypothesis checks.
        ``modules="scipy"`` evaluates an ``Integral`` by ``scipy.integrate.quad`` and Bessel
        functions by ``scipy.special``."""
        key = "f" if modules == "numpy" else f"f:{modules}"
        if key not in self._cache:
            syms = self.symbols
            f = sp.lambdify(syms, self.expr, modules)
            names = [s.name for s in syms]

            def call(**values):
                return f(*(values[k] for k in names))

            self._cache[key] = call
        return self._cache[key]

    # -- transformations -----------------------------------------------------------------------
    def replace(self, **changes) -> Statement:
        """A copy with some fields changed (used by tests to plant wrong constants)."""
        return dataclasses.replace(self, _cache={}, **changes)

    def argmin(self, var: sp.Symbol, domain: sp.Interval | None = None) -> sp.Expr:
        """Closed-form minimiser of ``expr`` in ``var``: the stationary point where ``expr'' > 0``.

        Solves :math:`\\partial_{var}\\,\\mathrm{expr} = 0`; when ``domain`` is given the unique
        stationary point inside it is returned.  Raises ``ValueError`` if no unique minimiser.
        """
        d1 = sp.diff(self.expr, var)
        roots = sp.solve(sp.Eq(d1, 0), var)
        d2 = sp.diff(self.expr, var, 2)
        cands = [sp.simplify(r) for r in roots if sp.simplify(d2.subs(var, r)).is_positive]
        if domain is not None:
            cands = [r for r in cands if domain.contains(r) is not sp.false]
        if len(cands) != 1:
            raise ValueError(f"{self.name}: no unique minimiser in {var} (candidates {cands})")
        return cands[0]


def _names(expr: sp.Basic) -> set[str]:
    return {s.name for s in expr.free_symbols}


def _check_assumptions(sym: sp.Symbol, value: object, where: str) -> None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise HypothesisError(f"{where}: {sym.name} must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise HypothesisError(f"{where}: {sym.name} must be finite, got {value!r}")
    if sym.is_integer and x != int(x):
        raise HypothesisError(f"{where}: {sym.name} must be an integer, got {value!r}")
    if sym.is_positive and not x > 0:
        raise HypothesisError(f"{where}: {sym.name} must be positive, got {value!r}")
    if sym.is_nonnegative and not x >= 0:
        raise HypothesisError(f"{where}: {sym.name} must be nonnegative, got {value!r}")
