"""The architecture's invariants (ARCHITECTURE.md): what never imports what, and no cycles.

import-linter checks the contracts written in `.importlinter`; grimp's graph checks that no
module of playground/ or pages/ reaches itself through its imports; app.py's own imports
are read with `ast` (import-linter only takes packages).
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    lint = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--no-logo",
                           "--config", str(ROOT / ".importlinter")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert " 0 broken" in lint.stdout


def _cycles(graph, modules) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. import cycles."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v) & modules:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles_between_modules():
    import grimp

    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph("playground", "pages", cache_dir=None)
    modules = set(graph.modules)
    assert len(modules) > 40          # the graph really holds the project
    assert _cycles(graph, modules) == []


def test_cycle_finder_finds_a_planted_cycle():
    import grimp

    graph = grimp.ImportGraph()
    for a, b in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")]:
        graph.add_import(importer=a, imported=b)
    assert _cycles(graph, set(graph.modules)) == [["p.a", "p.b", "p.c"]]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_app_never_imports_scripts():
    imported = _imported_modules(ROOT / "app.py")
    assert not any(name == "scripts" or name.startswith("scripts.") for name in imported)
    assert "pages" in {name.split(".")[0] for name in imported}   # the reader reads imports


def test_no_page_reaches_a_private_name_of_another_module():
    """`from pages.x import _name` or `from playground... import _name` is a copy waiting to
    happen: shared pieces get a public name in their one home."""
    offenders = []
    for path in [*sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in {"pages", "playground"}:
                offenders += [f"{path.name}: {node.module}.{a.name}" for a in node.names
                              if a.name.startswith("_")]
    assert offenders == []


def test_no_module_imports_through_its_own_packages_init():
    """`from playground.backends import gguf` inside playground/backends/ reads as an import of
    the package's __init__, which imports its submodules back: a cycle to the readers and
    tools that see it. Siblings are imported by their full path instead. (The other packages'
    __init__ files hold a docstring only, so importing through them loops nowhere.)"""
    offenders = []
    for path in sorted((ROOT / "playground" / "backends").rglob("*.py")):
        package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
        if path.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == package:
                offenders.append(f"{path.relative_to(ROOT)}: from {package} import ...")
    assert offenders == []
