"""The import graph of `xborder`, read from the source with `ast` (imports inside functions count too): no cycle
anywhere, and the cross-cutting `core` and the pure `law` import no feature package — dependencies run one way,
views → operations → domain → law/core."""

from __future__ import annotations

import ast
import pathlib

import xborder

PACKAGE = pathlib.Path(xborder.__file__).resolve().parent
# What core/ and law/ may import of xborder: each other, the unbound extensions and the settings. Not a feature
# package (accounts, cases, dossiers, inventory, notifications, assess, web), nor the app factory or the sweep.
FOUNDATION = ("xborder.core", "xborder.law", "xborder.extensions", "xborder.config")


def _modules() -> dict[str, tuple[pathlib.Path, bool]]:
    """Every module of xborder by dotted name, with its file and whether it is a package's __init__."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, modules) -> list[str]:
    """The xborder modules an import statement names (`from pkg import mod` names pkg.mod when it is a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]


def import_graph() -> dict[str, set[str]]:
    """Module → the xborder modules it imports anywhere in its source (top level, functions, TYPE_CHECKING)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, (path, is_package) in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in _imported(node, module, is_package, modules):
                while name and name not in modules:  # `import xborder.cases.models.case` or a name in a module
                    name = name.rpartition(".")[0]
                if name:
                    targets.add(name)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected component of more than one module (or a module importing itself),
    as a path that ends where it starts."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(root: str) -> None:  # Tarjan's algorithm, iteratively (the graph is deeper than it is wide)
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    components.append(component)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return [_cycle_in(graph, component) for component in components]


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the component's first module (breadth-first inside the component)."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & component):
            if child == start:
                return paths[node] + [start]
            if child not in paths:
                paths[child] = paths[node] + [child]
                queue.append(child)
    raise AssertionError(f"no cycle in {component}")


def test_the_graph_sees_every_kind_of_import():
    graph = import_graph()
    assert "xborder.cases.models" in graph["xborder.cases.operations"]  # from xborder.cases.models import Case
    assert "xborder.cases.workflow" in graph["xborder.dossiers"]  # in init_app: from xborder.cases import workflow
    assert "xborder.extensions" in graph["xborder.core.errors"]  # inside a function
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"a"}, "b": set()}) == [["a", "a"]]


def test_no_import_cycle():
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" → ".join(cycle) for cycle in found)


def test_core_and_law_import_no_feature_package():
    graph = import_graph()
    wrong = sorted(f"{module} → {target}" for module, targets in graph.items()
                   if module.startswith(("xborder.core", "xborder.law"))
                   for target in targets if not target.startswith(FOUNDATION))
    assert not wrong, "core/ and law/ may import only core, law, extensions and config:\n" + "\n".join(wrong)
