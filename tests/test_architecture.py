"""The import graph of ``dossier/`` has no cycle and keeps the layering rules.

Built from the source (AST), so it sees lazy imports inside functions too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "dossier"

# Modules that judge or model the data: they never import a builder, a renderer or a command.
JUDGES = ("dossier.check", "dossier.score", "dossier.project", "dossier.scan", "dossier.manifest",
          "dossier.standard", "dossier.folders", "dossier.archive")
NEVER = ("dossier.builders", "dossier.render", "dossier.cli", "dossier.web", "dossier.review")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def _is_package_parent(a: str, b: str) -> bool:
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    # a package's __init__ importing its own submodules is not a layering cycle
    pruned = {m: {t for t in ts if not _is_package_parent(m, t)} for m, ts in graph.items()}
    assert _cycles(pruned) == []


def test_judges_never_import_builders_renderers_or_commands():
    graph = _graph()
    offences = [(m, t) for m, ts in graph.items() for t in ts
                if m.startswith(JUDGES) and t.startswith(NEVER)]
    assert offences == []


def test_the_model_never_imports_a_command():
    graph = _graph()
    offences = [(m, t) for m, ts in graph.items() for t in ts
                if not m.startswith(("dossier.cli", "dossier.__main__")) and t == "dossier.cli"]
    assert offences == []


def test_every_module_is_in_the_architecture_page():
    """Each file by its path under dossier/ (``outputs.py`` is not ``web/outputs.py``)."""
    page = (PACKAGE.parent / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = [rel for rel in sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py"))
               if not re.search(r"(?<![\w/.])" + re.escape(rel), page)]
    assert missing == []
