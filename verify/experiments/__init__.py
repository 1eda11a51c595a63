"""Experiments, one module per family; importing this package registers them all."""

from . import (  # noqa: F401
    bk_layerwise,
    bk_merge,
    bk_reps,
    clone_exact,
    clone_linear,
    equivcnp_exact,
    equivcnp_models,
    ez,
    ez_overparam,
    pt_approx,
    pt_approx_lp,
    pt_constrained_erm,
    pt_cover,
    pt_optimal_eps,
    pt_relaxed_rf,
    pt_reynolds,
    pt_stab_eps,
    pt_wasserstein,
    wang,
)
