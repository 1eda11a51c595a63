"""The repository stands alone: its users have no planning notes beside it.

Code, docstrings (hence ``verify show``), figures and the README cite the papers and the
package's own docstrings, never a file outside the repository.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"theory/[A-Za-z_]+\.md|\.\./shared|shared/theory")


def offending_lines(paths) -> list[str]:
    out = []
    for p in paths:
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                out.append(f"{p.relative_to(ROOT)}:{i}: {line.strip()}")
    return out


def test_no_reference_outside_the_repository():
    paths = [p for d in ("bounds", "verify", "figures", "tests") for p in (ROOT / d).rglob("*.py")
             if p.name != "test_standalone.py"]
    assert offending_lines([*paths, ROOT / "README.md"]) == []


def test_the_scan_finds_a_planted_reference(tmp_path):
    global ROOT
    f = tmp_path / "x.py"
    f.write_text('"""see theory/generalization.md"""\nok = 1\n')
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(offending_lines([f])) == 1
    finally:
        ROOT = saved
