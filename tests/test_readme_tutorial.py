"""README "Check your own theorem": its file passes, its planted twin fails, its figure is made.

The code is taken from the README itself (the first ``python`` block of the section is the
file, the ``diff`` block the planted error, the second ``python`` block the figure script) and
run as a user would: ``python -m verify run FILE.py:SLUG`` in a fresh folder.
"""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import bounds
import verify

ROOT = Path(__file__).resolve().parents[1]
SLUG = "inv-wishart"
ALLOWED_TOP = {"numpy", "sympy", "matplotlib", "bounds", "verify"}


def section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Check your own theorem")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", section(), flags=re.DOTALL)


def planted(source: str) -> str:
    (diff,) = blocks("diff")
    minus = [ln[1:] for ln in diff.splitlines() if ln.startswith("-")]
    plus = [ln[1:] for ln in diff.splitlines() if ln.startswith("+")]
    assert len(minus) == len(plus) == 1
    assert source.count(minus[0]) == 1, "the diff must name one line of the file"
    return source.replace(minus[0], plus[0])


def run_cli(args, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("EQUIBOUNDS_CACHE", None)
    return subprocess.run([sys.executable, "-m", "verify", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, check=False, timeout=120)


def test_tutorial_file_is_short_and_imports_only_public_names():
    source = blocks("python")[0]
    assert len(source.splitlines()) <= 60
    for code in blocks("python"):
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Import):
                tops = {a.name.split(".")[0] for a in node.names}
                assert tops <= ALLOWED_TOP and all("." not in a.name or a.name.startswith(
                    "matplotlib.") for a in node.names), ast.unparse(node)
            elif isinstance(node, ast.ImportFrom):
                assert node.module in ALLOWED_TOP, ast.unparse(node)
                public = {"bounds": bounds.__all__, "verify": verify.__all__}.get(node.module)
                if public is not None:
                    assert {a.name for a in node.names} <= set(public), ast.unparse(node)


def shown_row(output_block: str) -> list[str]:
    """The numbers of the check row shown in the README (predicted, measured, CI)."""
    row = [ln for ln in output_block.splitlines() if ln.startswith("  d=")]
    assert len(row) == 1
    return re.findall(r"\d+\.\d+", row[0])


def test_tutorial_passes_and_its_planted_twin_fails(tmp_path):
    source = blocks("python")[0]
    (tmp_path / "inv_wishart.py").write_text(source)
    (tmp_path / "planted.py").write_text(planted(source))
    texts = blocks("text")
    ok = run_cli(["run", f"inv_wishart.py:{SLUG}", "--quick"], tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert re.search(r"inv-wishart\s+sharp\s+PASS", ok.stdout)
    bad = run_cli(["run", f"planted.py:{SLUG}", "--quick"], tmp_path)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert re.search(r"inv-wishart\s+sharp\s+FAIL", bad.stdout)
    # the README shows what these commands print (same seed, same numbers)
    shown = {t.splitlines()[0]: t for t in texts if t.startswith("$ python -m verify run")}
    for cmd, out in ((f"$ python -m verify run inv_wishart.py:{SLUG} --quick", ok.stdout),
                     (f"$ python -m verify run planted.py:{SLUG} --quick", bad.stdout)):
        assert shown_row(shown[cmd]) == shown_row(out), cmd
    hyp = run_cli(["run", f"inv_wishart.py:{SLUG}", "--set", "n=5"], tmp_path)
    assert hyp.returncode == 2 and "needs n > d + 1" in hyp.stderr
    assert hyp.stderr.strip() in section()


def test_tutorial_figure_script_writes_its_png(tmp_path):
    (tmp_path / "inv_wishart.py").write_text(blocks("python")[0])
    (tmp_path / "figure.py").write_text(blocks("python")[1])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "figure.py"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "inv_wishart.png").stat().st_size > 10_000
