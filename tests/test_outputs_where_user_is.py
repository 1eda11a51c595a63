"""Figures, reports and caches go to the working directory; nothing is written in the package."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def package_files() -> dict[str, int]:
    out = {}
    for pkg in ("bounds", "verify", "figures"):
        for p in (ROOT / pkg).rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts:
                out[str(p)] = p.stat().st_mtime_ns
    return out


def test_figure_and_report_write_only_under_the_working_directory(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1",
           "MPLBACKEND": "Agg"}
    for var in ("EQUIBOUNDS_CACHE", "NUMBA_CACHE_DIR"):
        env.pop(var, None)
    before = package_files()
    for cmd in (["figures", "wang_lower_bound", "--quick"],
                ["verify", "report", "wang-cls-lb", "--quick", "--no-pdf"]):
        proc = subprocess.run([sys.executable, "-m", *cmd], cwd=tmp_path, env=env,
                              capture_output=True, text=True, check=False, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert package_files() == before, "something was written inside the package"
    made = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file()}
    assert made == {"equibounds-figures", "equibounds-report", ".equibounds-cache"}, made
    assert (tmp_path / "equibounds-figures" / "wang_lower_bound.png").exists()
    assert (tmp_path / "equibounds-report" / "report.md").exists()
    # the report found the figure where `python -m figures` put it
    assert (tmp_path / "equibounds-report" / "figures" / "wang_lower_bound.pdf").exists()
