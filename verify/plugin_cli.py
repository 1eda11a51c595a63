"""Command-line glue for plugins: the ``--plugin`` option and one stderr line per problem.

``--plugin path/to/file.py`` or ``--plugin package.module`` (repeatable) loads experiments from
outside the package before the command runs (see :mod:`verify.engine.plugins`).  A plugin that
fails to load is one line on stderr naming it; the command still runs the other experiments and
then exits 2 (the named plugin was bad input).  Installed plugins (entry points) that fail are
one line too, but do not change the exit code: the user did not name them.
"""

from __future__ import annotations

import sys
import warnings

from .engine.plugins import PROBLEMS, PluginError, PluginWarning, load_plugin

__all__ = ["load_plugins", "plugin_option", "report_problems"]

_PRINTED: set[str] = set()


def plugin_option(sp) -> None:
    """Add the repeatable ``--plugin FILE.py|MODULE`` option to the subparser ``sp``."""
    sp.add_argument("--plugin", action="append", default=[], metavar="FILE.py|MODULE",
                    help="load experiments from a file or module (repeatable)")


def report_problems(lines) -> None:
    """Print each problem once, on one line of stderr."""
    for line in lines:
        if line not in _PRINTED:
            _PRINTED.add(line)
            print(f"error: {line}", file=sys.stderr)


def _print_plugin_warnings() -> None:
    """Show a :class:`PluginWarning` (an installed plugin that failed while the registry was
    being discovered) as one ``error:`` line; other warnings as usual."""
    if getattr(warnings.showwarning, "_equibounds", False):
        return
    original = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, PluginWarning):
            report_problems([str(message)])
        else:
            original(message, category, filename, lineno, file, line)

    show._equibounds = True
    warnings.showwarning = show


def load_plugins(specs: list[str]) -> list[str]:
    """Load the ``--plugin`` s; return the lines of those that failed, after printing them.
    Installed plugins (entry points) load when the registry is first used, which a command
    that needs no experiment never does; their failures are printed then."""
    _print_plugin_warnings()
    bad = []
    for spec in specs:
        try:
            load_plugin(spec)
        except PluginError as e:
            bad.append(str(e))
    report_problems(PROBLEMS + bad)
    return bad
