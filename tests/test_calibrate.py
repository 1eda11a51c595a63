"""`python -m verify calibrate`: Wilson intervals, records, seeds as in every run, the CLI."""

import json

import pytest

from verify.cli import main
from verify.engine.calibrate import calibrate, planted_factor, wilson
from verify.engine.experiment import REGISTRY, get
from verify.engine.runner import run
from verify.engine.stats import Check

RECORD_KEYS = {"slug", "check", "size", "seeds", "false_failure_rate", "false_failure_ci",
               "detection_rate", "detection_ci", "half_width_rel"}


def test_wilson_interval_known_values():
    lo, hi = wilson(10, 1000)  # 1 %: (0.544 %, 1.831 %) at 95 %
    assert lo == pytest.approx(0.005441, abs=2e-6) and hi == pytest.approx(0.018309, abs=2e-6)
    assert wilson(0, 20)[0] == 0 and wilson(20, 20)[1] == 1
    lo, hi = wilson(0, 20)
    assert hi == pytest.approx(0.1611, abs=1e-4)


def test_plant_moves_a_bound_the_unfavourable_way():
    assert planted_factor(Check("a", "sharp", 1.0, 1.0, se=0.1), 0.05) == 1.05
    assert planted_factor(Check("b", "bound", 1.0, 1.0, se=0.1, relation="<="), 0.05) == 0.95
    assert planted_factor(Check("c", "bound", 1.0, 1.0, se=0.1, relation=">="), 0.05) == 1.05


def test_calibration_seeds_are_the_seeds_of_a_run_and_a_wrong_statement_fails(monkeypatch):
    (rec,) = calibrate(["ez-gap"], seeds=4, quick=True, workers=1, cache=False)
    assert rec.slug == "ez-gap" and rec.seeds == 4 and rec.m == 1
    assert RECORD_KEYS <= set(rec.to_dict())
    assert 0 < rec.half_width_rel < 0.05
    # the truth planted 20 % off: every seed fails "falsely", which is what the rate counts
    exp = get("ez-gap")
    monkeypatch.setitem(REGISTRY, "ez-gap", exp.replace(
        statement=exp.statement.replace(expr=exp.statement.expr * 1.2)))
    (bad,) = calibrate(["ez-gap"], seeds=4, quick=True, workers=1, cache=False)
    assert bad.false_failures == 4
    # seed s of a calibration is `verify run --seed s`: its verdict flips the same way
    assert run(REGISTRY["ez-gap"], quick=True, seed=3).verdict == "fail"


def test_calibrate_command_writes_records(tmp_path, capsys):
    out = tmp_path / "cal.json"
    assert main(["calibrate", "ez-overparam", "--seeds", "3", "--no-cache", "--workers", "1",
                 "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "false fail" in table and "ez-overparam" in table
    recs = json.loads(out.read_text())
    assert recs and all(RECORD_KEYS <= set(r) for r in recs)
    assert all(r["slug"] == "ez-overparam" and r["seeds"] == 3 for r in recs)


@pytest.mark.parametrize("argv,needle", [
    (["calibrate", "ez-gap", "--seeds", "0"], "--seeds"),
    (["calibrate", "ez-gap", "--plant", "0"], "--plant"),
    (["calibrate", "no-such"], "unknown experiment"),
    (["calibrate", "bk-perm-rep", "--seeds", "1"], "no asserted Monte Carlo check"),
    (["calibrate", "ez-gap", "--size", "huge"], "invalid choice"),
])
def test_calibrate_bad_usage_exits_2(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err
