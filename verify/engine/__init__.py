"""The engine: how a check runs, knowing nothing of groups or models.

``experiment`` (the contract and the registry), ``runner`` (local processes / Dask, seeds, per-task persistence), ``cache``
(task outputs on disk) and ``stats`` (estimators, confidence intervals, verdicts). Imports
nothing else from :mod:`verify`.
"""
