"""Planted errors for every asserted check: a generic 5 % plant for the sharp Monte Carlo checks,
and a registry-wide test that every other asserted check has a hand-written planted test
(``tests/planted.py``)."""

import dataclasses
import importlib
import re

import pytest

from tests.planted import HAND, UNPLANTED
from verify.engine.calibrate import planted_factor
from verify.engine.experiment import Experiment, Plan, discover
from verify.engine.runner import run
from verify.engine.stats import Check, z_value

PLANT = 0.05
#: fixed seeds at which every true check passes (at alpha = 0.01 about 1 % of seeds fail one)
SEEDS = (0, 2)


@pytest.fixture(scope="module")
def quick_results(quick_runs):
    """Every registered experiment at quick size, seed 0 (``tests/conftest.py``)."""
    return quick_runs


def generic(c: Check) -> bool:
    """Covered by the generic plant: an asserted sharp Monte Carlo check."""
    return c.asserted and c.kind == "sharp" and c.is_mc


def _hand(slug: str, name: str) -> bool:
    return any(s == slug and re.search(rx, name) for s, rx, _ in HAND)


def _debt(slug: str, name: str) -> bool:
    _, patterns = UNPLANTED.get(slug, ("", []))
    return any(re.search(rx.replace("#", r"\d+(?:\.\d+)?"), name) for rx in patterns)


def uncovered(results: dict) -> list[str]:
    """Asserted checks that neither the generic plant nor a declared test reaches."""
    return [f"{slug}: {c.name}" for slug, r in results.items() for c in r.checks
            if c.asserted and not generic(c) and not _hand(slug, c.name)
            and not _debt(slug, c.name)]


def test_every_asserted_check_is_covered_by_a_planted_test(quick_results):
    missing = uncovered(quick_results)
    assert not missing, "asserted checks without a planted-error test:\n" + "\n".join(missing)


def test_declared_planted_tests_exist_and_match_a_check(quick_results):
    for slug, rx, test in HAND:
        path, name = test.split("::")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert callable(getattr(module, name, None)), f"{test} does not exist"
        names = [c.name for c in quick_results[slug].checks if c.asserted]
        assert any(re.search(rx, n) for n in names), f"{slug}: {rx!r} matches no check"


def test_a_new_unplanted_asserted_check_is_caught(quick_results):
    """An experiment that adds an asserted deterministic check nobody plants fails the
    registry test (here on a copy of bk-perm-rep with one extra check)."""
    exp = discover()["bk-perm-rep"]

    def planner(e, v):
        plan = exp.planner(e, v)

        def reduce(outputs):
            checks, data = plan.reduce(outputs)
            return checks + [Check("a brand-new identity", "sharp", 0.0, 0.0, tol=1e-10)], data

        return Plan(plan.tasks, reduce, plan.params)

    extra = run(exp.replace(planner=planner), quick=True, seed=0)
    before = uncovered({"bk-perm-rep": quick_results["bk-perm-rep"]})
    assert uncovered({"bk-perm-rep": extra}) == before + ["bk-perm-rep: a brand-new identity"]


def _mc_slugs(results) -> list[str]:
    return [s for s, r in results.items() if any(generic(c) for c in r.checks)]


@pytest.fixture(scope="module")
def full_results(quick_results):
    """Each experiment with a sharp Monte Carlo check at full size, fixed seeds: one set of
    task outputs per (experiment, seed), reused for every plant."""
    exps = discover()
    return {(s, seed): run(exps[s], quick=False, seed=seed)
            for s in _mc_slugs(quick_results) for seed in SEEDS}


def test_generic_plant_of_5_percent_is_detected_at_full_size(full_results):
    """Every asserted sharp Monte Carlo check: the true prediction passes, and the
    prediction scaled by 1.05 (one check at a time, the run's Bonferroni m unchanged) fails,
    for seeds 0 and 2."""
    assert {s for s, _ in full_results} >= {"ez-gap", "ez-overparam", "pt-optimal-eps",
                                             "wang-reg-lb"}
    missed = []
    for (slug, seed), res in full_results.items():
        mc = [c for c in res.checks if c.is_mc and c.asserted]
        z = z_value(0.01, len(mc))
        for c in (c for c in res.checks if generic(c)):
            assert c.verdict == "pass", f"{slug} seed {seed}: {c.name} fails with the truth"
            planted = dataclasses.replace(c, predicted=c.predicted * planted_factor(c, PLANT))
            if planted.decide(z).verdict != "fail":
                missed.append(f"{slug} seed {seed}: {c.name}")
    assert not missed, "a 5 % planted error is not detected:\n" + "\n".join(missed)


def test_generic_plant_is_the_statement_value(full_results):
    """The generic plant scales the prediction the Statement returned: for ez-gap that is
    ``statement.evaluate`` at the check's setting."""
    res = full_results[("ez-gap", 0)]
    stmt = discover()["ez-gap"].statement
    first = res.checks[0]
    assert first.predicted == pytest.approx(stmt.evaluate(n=20, d=6, k=1, dimE=1, sigma=0.7),
                                            rel=1e-15)


def test_registry_is_an_experiment_map():
    assert all(isinstance(e, Experiment) for e in discover().values())
