"""Shared fixtures: one quick run of every registered experiment per test session."""

import pytest


@pytest.fixture(scope="session")
def quick_runs():
    """``{slug: Result}``: every registered experiment at quick size, seed 0 (shared by the
    quick-mode test and the planted-coverage registry test, so each runs once)."""
    from verify.engine.experiment import discover
    from verify.engine.runner import run

    return {slug: run(exp, quick=True, seed=0) for slug, exp in discover().items()}
