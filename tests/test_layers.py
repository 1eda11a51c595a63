"""The layers of ``verify/`` depend downward only (README, "Layout").

Every import statement of every module is read from its source (nothing is executed) and
resolved to the layer it names: ``bounds`` < ``verify.engine`` and ``verify.symmetry`` (mutually
independent) < ``verify.models`` < ``verify.experiments`` < the commands at the top of
``verify``. A module may import its own layer and the ones listed for it below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: layer -> the layers it may import (besides itself and third-party packages)
ALLOWED = {
    "bounds": set(),
    "engine": {"bounds"},
    "symmetry": set(),
    "models": {"symmetry"},
    "experiments": {"bounds", "engine", "symmetry", "models"},
    "top": {"bounds", "engine", "symmetry", "models", "experiments"},
}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "bounds":
        return "bounds"
    if parts[0] != "verify":
        return None
    if len(parts) > 1 and parts[1] in ("engine", "symmetry", "models", "experiments"):
        return parts[1]
    return "top"


def module_name(path: Path, root: Path = ROOT) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            # `from verify import experiments` names a submodule: resolve each alias too
            out += [(node.lineno, f"{mod}.{a.name}") for a in node.names]
    return out


SOURCES = sorted([*ROOT.joinpath("verify").rglob("*.py"), *ROOT.joinpath("bounds").rglob("*.py")])


def upward_imports(path: Path, root: Path = ROOT) -> list[str]:
    here = layer_of(module_name(path, root))
    bad = []
    for line, mod in imported_modules(path, root):
        there = layer_of(mod)
        if there is None or there == here:
            continue
        if there not in ALLOWED[here]:
            bad.append(f"{path.relative_to(root)}:{line} ({here}) imports {mod} ({there})")
    return bad


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_downward(path):
    assert upward_imports(path) == []


def test_the_checker_catches_an_upward_import(tmp_path):
    """Planted: a symmetry module importing the engine, a model importing an experiment."""
    (tmp_path / "verify" / "symmetry").mkdir(parents=True)
    (tmp_path / "verify" / "models").mkdir()
    sym = tmp_path / "verify" / "symmetry" / "bad.py"
    sym.write_text("from ..engine.stats import Check\nfrom .groups import cyclic\n")
    mod = tmp_path / "verify" / "models" / "bad.py"
    mod.write_text("import verify.experiments.ez\nfrom verify import symmetry\n")
    assert [b.split(" imports ")[1] for b in upward_imports(sym, tmp_path)] == [
        "verify.engine.stats.Check (engine)"]
    assert [b.split(" imports ")[1] for b in upward_imports(mod, tmp_path)] == [
        "verify.experiments.ez (experiments)"]


def test_no_import_circle_between_modules():
    """The module graph of verify/ and bounds/ (static imports) has no cycle."""
    names = {module_name(p): p for p in SOURCES}
    graph = {}
    for name, path in names.items():
        deps = set()
        for _, mod in imported_modules(path):
            while mod and mod not in names:
                mod = mod.rpartition(".")[0]
            # a package's __init__ importing its own children is not a circle
            if mod and mod != name and not mod.startswith(name + "."):
                deps.add(mod)
        graph[name] = deps
    state: dict[str, int] = {}

    def visit(n, stack):
        state[n] = 1
        for m in graph[n]:
            if state.get(m) == 1:
                raise AssertionError("import circle: " + " -> ".join([*stack, n, m]))
            if m not in state:
                visit(m, [*stack, n])
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n, [])
