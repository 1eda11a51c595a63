"""Importing this module loads the installed plugins (entry-point group
``equibounds.experiments``); :data:`verify.engine.experiment.PROVIDERS` names it after the
built-in experiments.  A plugin that fails is one line in
:data:`verify.engine.plugins.PROBLEMS`; see :mod:`verify.engine.plugins`."""

from .plugins import load_entry_points

LOADED = load_entry_points()
