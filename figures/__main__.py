"""``python -m figures all [--quick] [--out DIR]``: write every paper figure (PDF + PNG)."""

from __future__ import annotations

import argparse
import sys

from . import (
    approx_budget,
    approx_lp,
    bk_merge,
    cloning,
    constrained_erm,
    equivcnp,
    ez_gap,
    optimal_eps,
    relaxed_rf,
    sample_gain,
    wang_lower_bound,
)

FIGURES = {"ez_gap": ez_gap.make, "optimal_eps": optimal_eps.make,
           "approx_budget": approx_budget.make, "constrained_erm": constrained_erm.make,
           "relaxed_rf": relaxed_rf.make, "approx_lp": approx_lp.make,
           "bk_merge": bk_merge.make, "wang_lower_bound": wang_lower_bound.make,
           "sample_gain": sample_gain.make, "cloning": cloning.make,
           "equivcnp": equivcnp.make, "equivcnp_image": equivcnp.make_image}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m figures")
    p.add_argument("which", choices=["all", *FIGURES], help="all, or one figure")
    p.add_argument("--quick", action="store_true", help="quick Monte Carlo sizes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None,
                   help="output directory (default ./equibounds-figures in the working directory)")
    args = p.parse_args(argv)
    names = list(FIGURES) if args.which == "all" else [args.which]
    failed = 0
    for name in names:
        paths, results = FIGURES[name](quick=args.quick, seed=args.seed, out=args.out)
        bad = [r for r in results if r.verdict == "fail"]
        failed += len(bad)
        print(f"{name}: {', '.join(str(x) for x in paths)}  ({len(results)} runs, "
              f"{len(bad)} failed checks)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
