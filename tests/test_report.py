"""``python -m verify report``: its numbers are those of ``verify all --json`` (same seed),
built from the cache; the documents hold every check; the LaTeX compiles where pdflatex is."""

import json
import re
import shutil

import pytest

from verify.cli import main
from verify.engine import plugins
from verify.engine.experiment import REGISTRY, discover
from verify.engine.report import fmt, tex_text
from verify.report_cli import figure_index

#: a few quick built-ins: Monte Carlo sharp checks, bounds with slack, exact identities
SUBSET = ("wang-cls-lb", "pt-approx-sup", "bk-perm-rep")
NUMBERS = ("predicted", "measured", "ci_low", "ci_high", "slack")


@pytest.fixture
def subset_registry():
    """The registry restricted to SUBSET (so `verify all` is fast), restored afterwards."""
    discover()
    saved = dict(REGISTRY), dict(plugins.ORIGINS)
    for slug in [s for s in REGISTRY if s not in SUBSET]:
        del REGISTRY[slug]
    yield
    REGISTRY.clear()
    REGISTRY.update(saved[0])
    plugins.ORIGINS.clear()
    plugins.ORIGINS.update(saved[1])


def entries(cache_dir):
    return sorted(p.name for p in cache_dir.rglob("*") if p.is_file())


def test_report_numbers_equal_verify_all_json(tmp_path, subset_registry, capsys):
    cache, out, js = tmp_path / "cache", tmp_path / "rep", tmp_path / "all.json"
    seed = "3"
    assert main(["all", "--quick", "--seed", seed, "--cache", str(cache), "--json",
                 str(js)]) == 0
    before = entries(cache)
    assert before, "verify all stored its task outputs"
    assert main(["report", "--quick", "--seed", seed, "--cache", str(cache), "--out", str(out),
                 "--no-pdf"]) == 0
    assert entries(cache) == before, "the report recomputed tasks that were cached"
    assert "wrote" in capsys.readouterr().out
    ref = {r["slug"]: r for r in json.loads(js.read_text())}
    rep = json.loads((out / "report.json").read_text())
    got = {r["slug"]: r for r in rep["experiments"]}
    assert list(got) == list(ref) and set(ref) == set(SUBSET)
    md, tex = (out / "report.md").read_text(), (out / "report.tex").read_text()
    for slug, r in ref.items():
        g = got[slug]
        for key in ("params", "seed", "verdict", "predicted", "measured", "ci_low", "ci_high"):
            assert g[key] == r[key], (slug, key)
        assert len(g["checks"]) == len(r["checks"])
        for cg, cr in zip(g["checks"], r["checks"]):
            assert {k: cg[k] for k in (*NUMBERS, "verdict", "name")} == \
                   {k: cr[k] for k in (*NUMBERS, "verdict", "name")}
            name = cr["name"].replace("|", "\\|")  # a Markdown table cell escapes |
            row = [ln for ln in md.splitlines() if ln.startswith(f"| {name}")]
            assert row, cr["name"]
            for k in ("predicted", "measured"):
                assert fmt(cr[k]) in row[0], (slug, cr["name"], k)
            if cr["ci_low"] is not None:
                assert f"[{fmt(cr['ci_low'])}, {fmt(cr['ci_high'])}]" in row[0]
            assert f"| {cr['verdict']} |" in row[0]
            assert fmt(cr["measured"]) in tex
        stmt = REGISTRY[slug].statement
        if stmt is not None:
            assert stmt.latex() in md and stmt.latex() in tex
            assert stmt.source.label in md
    assert rep["header"]["seed"] == 3 and rep["header"]["size"] == "quick"
    assert "equibounds 0.1.0" in md and "--seed 3" in md and "numpy" in md


def test_report_bad_usage_is_one_line(tmp_path, capsys):
    assert main(["report", "no-such-slug", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown experiment" in err and "\n" not in err
    assert main(["report", "--calibration", str(tmp_path / "missing.json")]) == 2
    assert "--calibration" in capsys.readouterr().err


def test_tex_text_is_ascii_and_escapes_specials():
    discover()
    texts = [e.claim for e in REGISTRY.values()] + ["ε* ≤ η_sup, 100 % of |G|, Bökman–Kahl"]
    for t in texts:
        out = tex_text(t)
        assert out.isascii(), (t, out)
        assert not re.search(r"(?<!\\)[%&#_]", out.replace("$", "")), (t, out)
    assert tex_text("σ²") == r"$\sigma^2$"


def test_figure_index_maps_slugs_to_figure_files():
    index = figure_index()
    assert index["ez_gap"] == {"slugs": ["ez-gap"], "names": ["ez_gap"]}
    assert set(index["optimal_eps"]["names"]) == {"optimal_eps_risk", "optimal_eps_sweep"}


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_report_latex_compiles_with_a_figure(tmp_path, subset_registry, capsys):
    figs = tmp_path / "figs"
    figs.mkdir()
    # a figure as `python -m figures` would have left it (the report copies, never runs it)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    for ext in ("pdf", "png"):
        fig.savefig(figs / f"wang_lower_bound.{ext}")
    plt.close(fig)
    out = tmp_path / "rep"
    assert main(["report", "wang-cls-lb", "--quick", "--out", str(out), "--figures",
                 str(figs), "--cache", str(tmp_path / "cache")]) == 0
    assert (out / "report.pdf").stat().st_size > 10_000
    assert (out / "figures" / "wang_lower_bound.pdf").exists()
    assert "figures/wang_lower_bound.pdf" in (out / "report.tex").read_text()
    assert "figures/wang_lower_bound.png" in (out / "report.md").read_text()


def test_report_includes_a_calibration_run(tmp_path, subset_registry, capsys, monkeypatch):
    cal, out = tmp_path / "cal.json", tmp_path / "rep"
    monkeypatch.setenv("EQUIBOUNDS_CACHE", str(tmp_path / "cache"))
    assert main(["calibrate", "wang-cls-lb", "--seeds", "2", "--json", str(cal)]) == 0
    recs = json.loads(cal.read_text())
    assert recs and all(r["slug"] == "wang-cls-lb" for r in recs)
    assert main(["report", "wang-cls-lb", "--quick", "--out", str(out), "--no-pdf",
                 "--calibration", str(cal)]) == 0
    md = (out / "report.md").read_text()
    assert "**Calibration**" in md
    for r in recs:
        row = [ln for ln in md.splitlines() if ln.startswith(f"| {r['check']} | {r['size']} |")]
        assert row and f"{100 * r['false_failure_rate']:.1f} %" in row[0]
        assert f"{100 * r['detection_rate']:.1f} %" in row[0]
    assert json.loads((out / "report.json").read_text())["experiments"][0]["calibration"] == recs
