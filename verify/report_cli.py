"""``python -m verify report [SLUG ...] [--quick] [--out DIR]``: one verification report.

Runs the experiments (every one that ``verify all`` runs, or the SLUGs given, which may be
``FILE.py:SLUG``) exactly as ``verify all`` / ``verify run`` do: the same seeds, the same cache
(task outputs found there are reused, only missing ones are computed), the same Bonferroni
correction over the experiments of the run.  Writes into ``--out`` (default
``./equibounds-report`` in the working directory):

* ``report.md``, ``report.tex`` (standalone) and ``report.json`` (the exact numbers);
* ``report.pdf`` when ``pdflatex`` is on the PATH (``--no-pdf`` to skip);
* ``figures/``: each experiment's paper figure, copied from ``--figures`` (default
  ``./equibounds-figures``, where ``python -m figures`` writes) or made now with
  ``--make-figures``.

``--calibration FILE`` adds the rows of a ``python -m verify calibrate --json FILE``.  Exit code
as for ``verify all``: 0 when every asserted check passes, 1 otherwise (or when pdflatex fails),
2 on bad usage.
"""

from __future__ import annotations

import ast
import datetime
import importlib.util
import json
import platform
import shlex
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from .engine.experiment import VERSION, UsageError, discover, get
from .engine.plugins import origin, plannable, resolve_target
from .engine.report import Entry, Header, latex, markdown, to_json
from .engine.stats import ALPHA
from .plugin_cli import plugin_option, report_problems

__all__ = ["add_report_parser", "figure_index", "run_report_command"]

DEFAULT_OUT = "equibounds-report"
DEFAULT_FIGURES = "equibounds-figures"
_LIBS = ("numpy", "scipy", "sympy", "numba", "matplotlib", "joblib")


def add_report_parser(sub) -> None:
    """Add the ``report`` subparser to ``sub``."""
    r = sub.add_parser("report", help="Markdown + LaTeX (+ PDF) report of every experiment")
    r.add_argument("slugs", nargs="*", metavar="SLUG",
                   help="experiments (default: all that `verify all` runs); FILE.py:SLUG too")
    r.add_argument("--quick", action="store_true", help="quick sizes (each <= 5 s)")
    r.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    r.add_argument("--alpha", type=float, default=ALPHA)
    r.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"output directory (default ./{DEFAULT_OUT})")
    r.add_argument("--figures", default=DEFAULT_FIGURES, metavar="DIR",
                   help=f"where existing figures are (default ./{DEFAULT_FIGURES})")
    r.add_argument("--make-figures", action="store_true",
                   help="make the experiments' figures now (at the report's size and seed)")
    r.add_argument("--calibration", metavar="FILE", help="JSON of `verify calibrate --json`")
    r.add_argument("--no-pdf", action="store_true", help="do not run pdflatex")
    r.add_argument("--cache", metavar="DIR", help="task-output cache directory")
    r.add_argument("--no-cache", action="store_true", help="recompute every task")
    r.add_argument("--workers", type=int, help="local worker processes (default as `all`)")
    plugin_option(r)


def figure_index() -> dict[str, dict[str, list[str]]]:
    """``{figure module: {"slugs": [...], "names": [...]}}``, read from the source of the
    ``figures`` package (the slugs it passes to ``get`` and the names it passes to ``save``);
    nothing is imported or run."""
    spec = importlib.util.find_spec("figures")
    if spec is None or not spec.submodule_search_locations:
        return {}
    index = {}
    for path in sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.py")):
        if path.stem in ("__init__", "__main__", "style"):
            continue
        slugs, names = [], []
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            consts = [a.value for a in node.args
                      if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id == "get" and consts:
                slugs.append(consts[0])
            elif node.func.id == "save" and consts:
                names.append(consts[0])
        if slugs and names:
            index[path.stem] = {"slugs": slugs, "names": names}
    return index


def _environment() -> dict[str, str]:
    env = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    for lib in _LIBS:
        try:
            env[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            pass
    return env


def _calibration(path: str | None) -> dict[str, list[dict]]:
    if path is None:
        return {}
    try:
        recs = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise UsageError(f"--calibration {path}: cannot read it ({e})") from None
    if not isinstance(recs, list) or not all(isinstance(r, dict) and "slug" in r for r in recs):
        raise UsageError(f"--calibration {path}: expected the JSON of `verify calibrate --json`")
    out: dict[str, list[dict]] = {}
    for rec in recs:
        out.setdefault(rec["slug"], []).append(rec)
    return out


def _figures(slugs: list[str], args, out: Path) -> dict[str, list[str]]:
    """slug -> figure paths relative to ``out`` (no extension), copied or made into
    ``out/figures``."""
    index = figure_index()
    wanted = {m: v for m, v in index.items() if set(v["slugs"]) & set(slugs)}
    dest = out / "figures"
    if args.make_figures and wanted:
        from figures.__main__ import FIGURES

        for module in wanted:
            if module in FIGURES:
                FIGURES[module](quick=args.quick, seed=args.seed, out=dest)
    src = Path(args.figures)
    found: dict[str, list[str]] = {}
    for v in wanted.values():
        for name in v["names"]:
            have = dest / f"{name}.pdf"
            if not have.exists() and (src / f"{name}.pdf").exists():
                dest.mkdir(parents=True, exist_ok=True)
                for ext in ("pdf", "png"):
                    if (src / f"{name}.{ext}").exists():
                        shutil.copy2(src / f"{name}.{ext}", dest / f"{name}.{ext}")
            if have.exists():
                for slug in v["slugs"]:
                    found.setdefault(slug, []).append(f"figures/{name}")
    return found


def _pdflatex(out: Path) -> tuple[Path | None, str]:
    exe = shutil.which("pdflatex")
    if exe is None:
        return None, "pdflatex not found: report.pdf not made"
    cmd = [exe, "-interaction=nonstopmode", "-halt-on-error", "report.tex"]
    for _ in range(2):  # longtable settles its column widths on the second pass
        try:
            proc = subprocess.run(cmd, cwd=out, capture_output=True, text=True, timeout=300,
                                  check=False)
        except subprocess.TimeoutExpired:
            return None, "pdflatex timed out"
        if proc.returncode != 0:
            return None, f"pdflatex failed; see {out / 'report.log'}"
        if "Rerun" not in proc.stdout:
            break
    return out / "report.pdf", ""


def run_report_command(args, argv: list[str] | None = None) -> int:
    """Run the experiments, write the documents; ``argv`` (default ``sys.argv[1:]``) is the
    command line shown in the header."""
    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha must lie in (0, 1), got {args.alpha}")
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if not str(args.out).strip():
        raise UsageError("--out is empty")
    calibration = _calibration(args.calibration)
    if args.slugs:
        exps = {e.slug: e for e in (get(resolve_target(s)) for s in args.slugs)}
        items = [(e, e.resolve(args.quick)) for e in exps.values()]
    else:
        items = [(e, e.resolve(args.quick)) for e in discover().values() if e.in_all]
    items, problems = plannable(items)
    report_problems(problems)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"--out {args.out!r} is not a usable directory ({e.strerror})") from None
    cache = False
    if not args.no_cache:
        from .engine.cache import open_cache

        cache = open_cache(args.cache)
    from .engine.runner import run_many

    workers = args.workers if args.workers is not None else (1 if args.quick else None)
    results = run_many(items, seed=args.seed, workers=workers, alpha=args.alpha, cache=cache)
    figs = _figures([r.slug for r in results], args, out)
    header = Header(version=VERSION, environment=_environment(),
                    command=shlex.join(["python", "-m", "verify",
                                        *(sys.argv[1:] if argv is None else argv)]),
                    date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                    seed=args.seed, alpha=args.alpha, size="quick" if args.quick else "full")
    entries = [Entry(r, exp, origin(r.slug), figs.get(r.slug, []), calibration.get(r.slug, []))
               for r, (exp, _) in zip(results, items)]
    (out / "report.md").write_text(markdown(header, entries))
    (out / "report.tex").write_text(latex(header, entries))
    (out / "report.json").write_text(json.dumps(to_json(header, entries), indent=2,
                                                allow_nan=False))
    written = [out / "report.md", out / "report.tex", out / "report.json"]
    failed = [r.slug for r in results if r.verdict in ("fail", "invalid")]
    code = 1 if failed else 0
    if not args.no_pdf:
        pdf, why = _pdflatex(out)
        if pdf is not None:
            written.append(pdf)
        elif why.startswith("pdflatex not found"):
            print(f"note: {why}", file=sys.stderr)
        else:
            print(f"error: {why}", file=sys.stderr)
            code = 1
    nfig = sum(len(v) for v in figs.values())
    print(f"{len(results)} experiment(s), {len(failed)} failed or invalid, {nfig} figure(s); "
          f"wrote {', '.join(str(p) for p in written)}")
    return code
