"""Experiments, one module per family; importing this package registers them all."""

from . import bk_exact, ez, pt_approx, pt_optimal_eps, pt_reynolds  # noqa: F401
