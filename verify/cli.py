"""The command line: ``python -m verify {all,list,run,show,bench,calibrate}``.

``run``, ``show`` and ``calibrate`` take ``FILE.py:SLUG`` (or ``module:SLUG``) for an experiment of your own;
``--plugin`` loads more (:mod:`verify.plugin_cli`).

Exit codes: 0 when every asserted sharp and bound check passes, 1 when one fails, 2 on bad usage
(one line on stderr naming the problem, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from pathlib import Path

from .engine.experiment import UsageError, discover, get
from .engine.plugins import ORIGINS, plannable, resolve_target
from .engine.stats import ALPHA
from .plugin_cli import load_plugins, plugin_option, report_problems
from .report_cli import add_report_parser, run_report_command
from .user_args import add_budget_parser, add_model_parser

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m verify", description="Check theorems of equivariant learning "
                "against measurements.")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)

    def common(sp):
        plugin_option(sp)
        sp.add_argument("--quick", action="store_true", help="quick sizes (each <= 5 s)")
        sp.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
        sp.add_argument("--json", metavar="FILE", help="write the results as JSON")
        sp.add_argument("--alpha", type=float, default=ALPHA,
                        help="family-wise false-failure rate, Bonferroni over the run's checks")
        sp.add_argument("--verbose", action="store_true", help="list every exact identity")
        c = sp.add_mutually_exclusive_group()
        c.add_argument("--cache", metavar="DIR",
                       help="task-output cache directory (default: $EQUIBOUNDS_CACHE, else "
                       ".equibounds-cache); each task is stored as it finishes, so an "
                       "interrupted run resumes")
        c.add_argument("--no-cache", action="store_true", help="recompute every task")
        g = sp.add_mutually_exclusive_group()
        g.add_argument("--workers", type=int,
                       help="local worker processes (default: all cores; 1 with --quick, where "
                       "process start-up would dominate and Numba kernels still use every core)")
        g.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster")

    common(sub.add_parser("all", help="run every experiment"))
    r = sub.add_parser("run", help="run one experiment")
    r.add_argument("slug", help="a slug, or FILE.py:SLUG / module:SLUG for your own")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter (repeatable)")
    common(r)
    ls = sub.add_parser("list", help="slug, kind, family, claim (and origin for plugins)")
    ls.add_argument("--markdown", action="store_true", help="as a Markdown table (the README's)")
    plugin_option(ls)
    sh = sub.add_parser("show", help="the statement and parameters of one experiment")
    sh.add_argument("slug", help="a slug, or FILE.py:SLUG / module:SLUG")
    plugin_option(sh)
    c = sub.add_parser("calibrate", help="false-failure rate and power of every asserted "
                       "Monte Carlo check over many seeds")
    c.add_argument("slugs", nargs="*", metavar="SLUG",
                   help="experiments (default: every one with an asserted Monte Carlo check)")
    c.add_argument("--seeds", type=int, default=200, help="seeds per experiment (default 200)")
    c.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    c.add_argument("--size", choices=("quick", "full"), default="quick")
    c.add_argument("--plant", type=float, default=0.05,
                   help="relative error planted in one prediction at a time (default 0.05)")
    c.add_argument("--alpha", type=float, default=ALPHA)
    c.add_argument("--json", metavar="FILE", help="write one record per check as JSON")
    c.add_argument("--no-cache", action="store_true", help="recompute every task")
    c.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    plugin_option(c)
    add_report_parser(sub)
    add_model_parser(sub)
    add_budget_parser(sub)
    b = sub.add_parser("bench", help="numba vs numpy throughput, as ratios from one run")
    b.add_argument("--quick", action="store_true")
    b.add_argument("--basis", action="store_true", help="only the S_n equivariant-basis "
                   "timings (generators vs listing vs emlp)")
    b.add_argument("--runtime", action="store_true", help="only the runtime ratios (2 workers "
                   "vs 1 on verify all, local Dask vs local workers, cold start, start-up)")
    return p


def _overrides(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"--set expects KEY=VALUE, got {pair!r}")
        k, v = pair.split("=", 1)
        k = k.strip()
        if not k:
            raise UsageError(f"--set needs a parameter name before '=', got {pair!r}")
        if k in out:
            raise UsageError(f"--set {k} given twice ({out[k]!r} and {v!r}); give it once")
        out[k] = v
    return out


def _check_json_target(path: str | None) -> None:
    """Fail before the run, not after it, when ``--json`` cannot be written."""
    if path is None or path == "-":
        return
    if not path.strip():
        raise UsageError("--json is empty; give a file name, or - for standard output")
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise UsageError(f"--json {path!r} is a directory")
    if not parent.is_dir():
        raise UsageError(f"--json {path!r}: directory {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UsageError(f"--json {path!r} is not writable")


_ADDRESS = re.compile(r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}")


def _check_scheduler(address: str) -> None:
    """A Dask scheduler address must look like ``[tcp://]host:port`` (checked before the run)."""
    if not address.strip():
        raise UsageError("--scheduler is empty; give an address such as tcp://host:8786")
    if not _ADDRESS.fullmatch(address.strip()) or int(address.rsplit(":", 1)[1]) > 65535:
        raise UsageError(f"--scheduler {address!r} is not a scheduler address; give "
                         "[tcp://]host:port, e.g. tcp://127.0.0.1:8786")


def _strict(x):
    """JSON-safe: non-finite floats become null, numpy scalars and arrays plain Python."""
    if isinstance(x, dict):
        return {str(k): _strict(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_strict(v) for v in x]
    if isinstance(x, (str, bool)) or x is None:
        return x
    if isinstance(x, int):
        return x
    if hasattr(x, "tolist"):  # numpy scalar or array
        return _strict(x.tolist())
    if isinstance(x, (frozenset, set)):
        return sorted(_strict(v) for v in x)
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    return f if math.isfinite(f) else None


def _write_json(path: str, results) -> None:
    text = json.dumps([_strict(r.to_dict()) for r in results], indent=2, allow_nan=False)
    if path == "-":
        sys.stdout.write(text + "\n")
        return
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as fh:
        fh.write(text + "\n")
    os.replace(tmp, path)


def _fmt(x) -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and (x == 0 or 1e-3 <= abs(x) < 1e5):
        return f"{x:.5g}"
    return f"{x:.3g}" if isinstance(x, float) and math.isfinite(x) else str(x)


def _collapse_key(c, verbose: bool):
    if verbose or c.verdict != "pass":
        return None
    if c.group:
        return c.group
    if c.kind == "sharp" and not c.is_mc:
        return "deterministic checks"
    return None


def format_table(results, verbose: bool = False) -> str:
    """One row per experiment, then its checks.  Passing checks of one ``group`` (and passing
    deterministic identities) collapse into one summary row unless ``verbose``."""
    rows = [("experiment / check", "kind", "predicted", "measured [CI]", "verdict", "s")]
    for r in results:
        rows.append((f"{r.slug}", r.kind, "", "", r.verdict.upper(), f"{r.seconds:.2f}"))
        groups: dict[str, list] = {}
        for c in r.checks:
            key = _collapse_key(c, verbose)
            if key is not None:
                groups.setdefault(key, []).append(c)
        shown = set()
        for c in r.checks:
            key = _collapse_key(c, verbose)
            if key is not None and len(groups[key]) > 1:
                if key not in shown:
                    shown.add(key)
                    rows.append(_summary_row(key, groups[key]))
                continue
            ci = _fmt(c.measured) + ("" if c.ci_low is None else
                                     f" [{_fmt(c.ci_low)}, {_fmt(c.ci_high)}]")
            rel = {"<=": "<= ", ">=": ">= "}.get(c.relation, "") if c.kind == "bound" else ""
            rows.append((f"  {c.name}", c.kind, rel + _fmt(c.predicted), ci, _shown(c), ""))
    widths = [min(70, max(len(row[i]) for row in rows)) for i in range(len(rows[0]))]
    lines = []
    for j, row in enumerate(rows):
        lines.append("  ".join(cell[:widths[i]].ljust(widths[i]) for i, cell in enumerate(row)))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


#: a passing bound with more room than this is shown as "loose (slack s)": it holds, but no
#: small error in it could make it fail
LOOSE_SLACK = 3.0


def _shown(c) -> str:
    """The verdict as the table shows it."""
    if c.verdict == "pass" and c.kind == "bound" and c.slack is not None \
            and c.slack > LOOSE_SLACK:
        return f"loose (slack {c.slack:.3g})"
    return c.verdict


def _summary_row(key: str, checks: list) -> tuple:
    if checks[0].kind == "bound":
        slack = min((c.slack for c in checks if c.slack is not None), default=None)
        what = "no slack ratio (bounds are 0)" if slack is None else f"min slack = {slack:.3g}"
    elif all(c.is_mc for c in checks):
        z = max(abs(c.measured - c.predicted) / max((c.ci_high - c.ci_low) / 2, 1e-300)
                for c in checks)
        what = f"max |meas - pred| / half-width = {z:.2f}"
    else:
        what = f"max |meas - pred| = {max(abs(c.measured - c.predicted) for c in checks):.2g}"
    status = "pass" if all(c.verdict == "pass" for c in checks) else "reported"
    if status == "pass" and checks[0].kind == "bound" and slack is not None \
            and slack > LOOSE_SLACK:
        status = f"loose (slack {slack:.3g})"
    return (f"  {key}: {len(checks)} checks (--verbose lists them)", checks[0].kind, "", what,
            status, "")


def _show(slug: str) -> str:
    exp = get(resolve_target(slug))
    out = [f"{exp.slug}  ({exp.kind}, {exp.family})", f"claim: {exp.claim}", ""]
    if exp.statement is not None:
        s = exp.statement
        out += [f"statement: {s.name}", f"  {s}", f"  LaTeX: {s.latex()}",
                f"  source: {s.source}", f"  {s.description}", ""]
    if exp.details:
        out += [exp.details.strip(), ""]
    out.append("parameters (default; quick):")
    for p in exp.params:
        q = p.value(True)
        quick = "" if q == p.default else f"; quick {q}"
        dflt = "auto" if p.default is None else p.default
        out.append(f"  {p.name:<14} {str(dflt) + quick:<22} {p.help}")
    return "\n".join(out)


def _list_text(markdown: bool) -> str:
    lines = ["| slug | kind | family | claim |\n|---|---|---|---|"] if markdown else []
    for e in discover().values():
        lines.append(f"| `{e.slug}` | {e.kind} | {e.family} | {e.claim} |" if markdown
                     else f"{e.slug:<20} {e.kind:<6} {e.family:<9} {e.claim}"
                     + (f"  [{ORIGINS[e.slug]}]" if e.slug in ORIGINS else ""))
    return "\n".join(lines)


def _save_catalog(args) -> None:
    """Save list/show text for the next start (:mod:`verify.catalog`) unless plugins are in."""
    if not getattr(args, "plugin", None) and not args.bad_plugins:
        from .catalog import save

        save(_list_text, _show)


def _execute(args) -> int:
    from .engine.runner import Interrupted, SchedulerLost, run_many

    _check_json_target(args.json)
    if args.scheduler is not None:
        _check_scheduler(args.scheduler)
    if args.cmd == "all":
        items = [(e, e.resolve(args.quick)) for e in discover().values() if e.in_all]
        items, problems = plannable(items)
        report_problems(problems)
    else:
        exp = get(resolve_target(args.slug))
        items = [(exp, exp.resolve(args.quick, _overrides(args.set)))]
    cache = False
    if not args.no_cache:
        from .engine.cache import open_cache

        cache = open_cache(args.cache)
    t0 = time.perf_counter()
    workers = args.workers if args.workers is not None else (1 if args.quick else None)
    to_stdout = args.json == "-"
    from .progress import make_progress

    progress = make_progress([e.slug for e, _ in items], enabled=not to_stdout)
    try:
        results = run_many(items, seed=args.seed, workers=workers, scheduler=args.scheduler,
                           alpha=args.alpha, cache=cache, progress=progress)
    except Interrupted as e:
        name = "SIGINT" if e.exit_code == 130 else "SIGTERM"
        where = (f"{e.saved} of {e.total} tasks saved in {e.cache}; run the same command again "
                 "to resume" if e.cache else "nothing saved (--no-cache)")
        print(f"interrupted by {name}: {where}", file=sys.stderr)
        return e.exit_code
    except SchedulerLost as e:
        saved = "; finished tasks are in the cache, rerun to resume" if cache else ""
        print(f"error: {e}{saved}", file=sys.stderr)
        return 3
    failed = [r.slug for r in results if r.verdict in ("fail", "invalid")]
    summary = (f"{len(results)} experiment(s), {len(failed)} failed or invalid, "
               f"{time.perf_counter() - t0:.1f} s wall (alpha={args.alpha}, Bonferroni over "
               "the run)")
    if to_stdout:
        print(summary, file=sys.stderr)
    else:
        print(format_table(results, args.verbose))
        print(f"\n{summary}")
    if args.json:
        _write_json(args.json, results)
    return 2 if args.bad_plugins else (1 if failed else 0)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # e.g. `verify list | head -1`: quiet, like other tools
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
    except KeyboardInterrupt:
        print("interrupted by SIGINT", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    try:
        args = _parser().parse_args(argv)
        args.bad_plugins = load_plugins(getattr(args, "plugin", []))
        if args.cmd == "list":
            print(_list_text(args.markdown))
            _save_catalog(args)
            return 2 if args.bad_plugins else 0
        if args.cmd == "show":
            print(_show(args.slug))
            _save_catalog(args)
            return 2 if args.bad_plugins else 0
        if args.cmd == "bench":
            from .bench import format_bench, run_bench

            if not (args.basis or args.runtime):
                print(format_bench(run_bench(quick=args.quick)) + "\n", flush=True)
            if not args.runtime:
                from .bench_basis import format_basis_bench, run_basis_bench

                print(format_basis_bench(run_basis_bench(quick=args.quick)) + "\n", flush=True)
            if not args.basis:
                from .bench_runtime import format_runtime_bench, run_runtime_bench

                print(format_runtime_bench(run_runtime_bench(quick=args.quick)))
            return 0
        if args.cmd == "report":
            return max(run_report_command(args, argv), 2 if args.bad_plugins else 0)
        if args.cmd == "calibrate":
            args.slugs = [resolve_target(s) for s in args.slugs]
            from .engine.calibrate import run_calibrate_command

            return run_calibrate_command(args)
        if args.cmd == "model":
            from .model_cmd import run_model_command

            return run_model_command(args)
        if args.cmd == "budget":
            from .budget_cmd import run_budget_command

            return run_budget_command(args)
        if not (1e-12 <= args.alpha < 1):  # also rejects nan
            raise UsageError(f"--alpha must lie in [1e-12, 1) (a family-wise false-failure "
                             f"rate), got {args.alpha}")
        if args.seed < 0:
            raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
        return _execute(args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise
    except OSError as e:  # e.g. --json into a directory that vanished during the run
        print(f"error: {e}", file=sys.stderr)
        return 2
