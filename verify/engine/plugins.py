"""Experiments from outside the package: a user's file, a module, or an installed package.

Three ways in, all ending in :func:`verify.register`:

* ``load_plugin("path/to/file.py")`` executes that file (the user asked for it by naming it)
  under a module name carrying a digest of its source, so an edited file never meets task
  outputs cached for the old one;
* ``load_plugin("package.module")`` imports a module by name;
* an installed distribution declares an entry point in the group ``equibounds.experiments``
  (``[project.entry-points."equibounds.experiments"] name = "pkg.module"`` or
  ``"pkg.module:function"``); the registry loads them once, after the built-ins
  (:mod:`verify.engine.entry_points`).  A module registers on import; a function is called
  with no arguments and may register, or return experiments to be registered.

A plugin either loads whole or not at all: if it raises (an import error, a duplicate slug, an
exception in its code), what it had registered is removed and a :class:`PluginError` names the
plugin in one line; the built-in experiments are untouched.  A plugin experiment's planner is
guarded: an exception in it becomes a :class:`PluginError` naming the plugin, and an exception
in its reduce step becomes one invalid check (exit 1), so one bad experiment cannot stop a run of the
others.  :data:`ORIGINS` records where each plugin experiment came from (built-ins have none).
Nothing here reads code from the cache: a plugin runs only because it was named or installed.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import math
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from bounds.core import HypothesisError

from .experiment import REGISTRY, DuplicateSlug, Experiment, Plan, UsageError, discover, register
from .stats import Check

__all__ = ["ENTRY_POINT_GROUP", "ORIGINS", "PROBLEMS", "PluginError", "PluginWarning",
           "load_entry_points", "load_plugin", "origin", "plannable", "resolve_target"]

ENTRY_POINT_GROUP = "equibounds.experiments"
#: slug -> where it came from ("plugin path/to/file.py", "entry point dist:name (module)")
ORIGINS: dict[str, str] = {}
#: one line per plugin that failed to load or to plan, in order (the CLI prints them)
PROBLEMS: list[str] = []
_LOADED: dict[str, list[str]] = {}  # resolved plugin spec -> its slugs


class PluginError(UsageError):
    """A plugin could not be loaded or one of its experiments could not be planned."""


class PluginWarning(UserWarning):
    """An installed plugin (entry point) failed to load; the others and the built-ins run."""


def origin(slug: str) -> str:
    """Where an experiment comes from: ``"equibounds"`` for built-ins, else the plugin."""
    return ORIGINS.get(slug, "equibounds")


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _is_path(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or "\\" in spec or Path(spec).is_file()


def _load(label: str, loader: Callable[[], object]) -> list[Experiment]:
    """Run ``loader`` (which registers experiments); all or nothing, origin recorded."""
    before = dict(REGISTRY)
    try:
        returned = loader()
        if isinstance(returned, Experiment):
            returned = [returned]
        if isinstance(returned, (list, tuple)):
            for exp in returned:
                if isinstance(exp, Experiment) and exp.slug not in REGISTRY:
                    register(exp)
    except DuplicateSlug as e:
        _rollback(before)
        raise PluginError(f"{label}: duplicate experiment slug {e.slug!r} (already "
                          f"registered by {origin(e.slug)})") from None
    except PluginError:
        _rollback(before)
        raise
    except (Exception, SystemExit) as e:  # noqa: BLE001 (the plugin's own code: report it)
        _rollback(before)
        raise PluginError(f"{label}: {_one_line(e)}") from None
    new = [s for s in REGISTRY if s not in before]
    if not new:
        raise PluginError(f"{label}: registers no experiment (it should call "
                          "verify.register(Experiment(...)))")
    for slug in new:
        ORIGINS[slug] = label
        REGISTRY[slug] = _guard(REGISTRY[slug], label)
    return [REGISTRY[s] for s in new]


def _rollback(before: dict) -> None:
    for slug in [s for s in REGISTRY if s not in before]:
        del REGISTRY[slug]
        ORIGINS.pop(slug, None)


def load_plugin(spec: str) -> list[Experiment]:
    """Load a plugin: a ``.py`` file by path or a module by name; return its experiments.

    Loading one twice returns the same experiments.  Raises :class:`PluginError` (a
    :class:`verify.UsageError`: one line naming the plugin) when it cannot be loaded, in which
    case it registers nothing."""
    discover()  # built-ins first, so a plugin reusing one of their slugs is caught
    if _is_path(spec):
        path = Path(spec).expanduser()
        if not path.is_file():
            raise PluginError(f"plugin {spec}: no such file")
        key, label = str(path.resolve()), f"plugin {spec}"
        loader = lambda: _import_file(path)
    else:
        key, label = spec, f"plugin {spec}"
        loader = lambda: importlib.import_module(spec)
    if key not in _LOADED:
        _LOADED[key] = [e.slug for e in _load(label, loader)]
    return [REGISTRY[s] for s in _LOADED[key]]


def _import_file(path: Path):
    src = path.read_bytes()
    stem = re.sub(r"\W", "_", path.stem)
    name = f"equibounds_plugin_{stem}_{hashlib.sha256(src).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    folder = str(path.resolve().parent)
    if folder not in sys.path:  # like running it as a script: its siblings import
        sys.path.append(folder)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    _pickle_by_value(module)
    return module


def _pickle_by_value(module) -> None:
    """Worker processes cannot import a file-loaded module by name: send its functions by
    value (cloudpickle, as joblib's loky and Dask use it)."""
    for name in ("joblib.externals.cloudpickle", "cloudpickle"):
        try:
            importlib.import_module(name).register_pickle_by_value(module)
        except (ImportError, AttributeError, ValueError):
            pass


def load_entry_points() -> list[Experiment]:
    """Load every installed plugin of the entry-point group :data:`ENTRY_POINT_GROUP`.

    One that fails is recorded in :data:`PROBLEMS` and warned about (:class:`PluginWarning`);
    the rest load."""
    from importlib.metadata import entry_points

    loaded = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(getattr(ep, "dist", None), "name", None) or "?"
        label = f"entry point {dist}:{ep.name} ({ep.value})"
        if label in _LOADED:
            continue

        def loader(ep=ep):
            obj = ep.load()
            return obj() if callable(obj) and not isinstance(obj, type(sys)) else obj

        try:
            _LOADED[label] = [e.slug for e in _load(label, loader)]
            loaded += [REGISTRY[s] for s in _LOADED[label]]
        except PluginError as e:
            _LOADED[label] = []
            PROBLEMS.append(str(e))
            warnings.warn(str(e), PluginWarning, stacklevel=2)
    return loaded


def resolve_target(target: str) -> str:
    """``FILE.py:SLUG`` or ``module:SLUG`` loads the plugin and returns SLUG; a bare slug is
    returned as it is."""
    if ":" not in target:
        return target
    spec, _, slug = target.rpartition(":")
    if not spec or not slug:
        raise UsageError(f"expected FILE.py:SLUG or module:SLUG, got {target!r}")
    slugs = [e.slug for e in load_plugin(spec)]
    if slug not in slugs:
        raise UsageError(f"plugin {spec} has no experiment {slug!r}; it registers "
                         f"{', '.join(slugs)}")
    return slug


def plannable(items: list[tuple[Experiment, dict]]) -> tuple[list, list[str]]:
    """Split ``(experiment, values)`` pairs into those that plan and one line per plugin
    experiment whose planner fails (built-ins are passed through: their errors are the
    user's bad input and stop the run as usual)."""
    keep, problems = [], []
    for exp, values in items:
        if exp.slug in ORIGINS:
            try:
                exp.plan(values)
            except UsageError as e:
                msg = str(e)
                problems.append(msg if msg.startswith("plugin ") else
                                f"{ORIGINS[exp.slug]}: experiment {exp.slug}: {msg}")
                continue
        keep.append((exp, values))
    return keep, problems


def _guard(exp: Experiment, label: str) -> Experiment:
    planner = exp.planner

    def guarded(e: Experiment, values: dict) -> Plan:
        try:
            plan = planner(e, values)
        except (UsageError, HypothesisError):
            raise
        except Exception as err:  # noqa: BLE001
            raise PluginError(f"{label}: experiment {e.slug}: planner raised "
                              f"{_one_line(err)}") from None
        reduce = plan.reduce

        def safe_reduce(outputs):
            try:
                return reduce(outputs)
            except Exception as err:  # noqa: BLE001
                return [Check(f"reduce raised {_one_line(err)}", "sharp", math.nan, math.nan,
                              tol=0.0, note=f"{label}: experiment {e.slug}")], {}

        plan.reduce = safe_reduce
        return plan

    guarded.__doc__ = planner.__doc__
    return exp.replace(planner=guarded)
