"""The package's layering: no import cycle, no module reaching into a private part of
another package, and ``bot`` depending on ``retrieval``, never the reverse."""

from __future__ import annotations

import ast

from tests.support.paths import ROOT


def _module_imports(package: str) -> dict[str, set[str]]:
    """Each module of ``package`` and the project modules it imports at module level
    (imports inside functions or under TYPE_CHECKING do not run at import time)."""
    graph: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        is_package = parts[-1] == "__init__"
        found: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")
                    base = base[: len(base) - node.level + (1 if is_package else 0)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
        graph[name] = found
    return graph


def _project_graph() -> dict[str, set[str]]:
    graph = {**_module_imports("retrieval"), **_module_imports("bot")}
    return {m: {t for t in targets if t in graph and t != m} for m, targets in graph.items()}


def test_no_import_cycles() -> None:
    graph = _project_graph()
    # Importing a module runs its package's __init__ first; a cycle through one is a
    # cycle too, so each module also depends on its parent packages.
    for module in list(graph):
        parent = module.rsplit(".", 1)[0]
        while "." in module and parent in graph and parent != module:
            graph[module].add(parent)
            if "." not in parent:
                break
            parent = parent.rsplit(".", 1)[0]
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            # A package's __init__ importing its own submodules is how packages work.
            if target.startswith(module + "."):
                continue
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target] if target in path else [target]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if state.get(target) is None:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_retrieval_never_imports_bot() -> None:
    for module, targets in _module_imports("retrieval").items():
        assert not [t for t in targets if t == "bot" or t.startswith("bot.")], module


def test_bot_uses_only_the_public_retrieval_api() -> None:
    allowed = {"retrieval"}
    for module, targets in _module_imports("bot").items():
        reached = {t.rsplit(".", 1)[0] if t.count(".") > 1 else t for t in targets}
        private = {t for t in reached if t.startswith("retrieval.") and t not in allowed} - {
            f"retrieval.{name}" for name in __import__("retrieval").__all__
        }
        assert not private, f"{module} reaches into {sorted(private)}"
