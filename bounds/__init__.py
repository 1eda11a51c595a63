"""equibounds' theorems as SymPy objects.

The public names (a contract; ``tests/test_public_api.py`` lists them)::

    from bounds import Statement, Hypothesis, Source, HypothesisError

A :class:`Statement` is ``quantity relation expr`` under :class:`Hypothesis` es, with a
:class:`Source` (paper, family, provenance label).  ``Statement.evaluate(**values)`` checks every
hypothesis (raising :class:`HypothesisError` naming the first one violated) and returns the
prediction; ``Statement.latex()`` renders it.  One module per result family
(:mod:`bounds.generalization`, :mod:`bounds.approximation`, ...) builds the package's own
statements.
"""

from .core import Hypothesis, HypothesisError, Source, Statement

__all__ = ["Hypothesis", "HypothesisError", "Source", "Statement"]
