"""Experiments, one module per family; importing this package registers them all."""

from . import ez, pt_reynolds  # noqa: F401
