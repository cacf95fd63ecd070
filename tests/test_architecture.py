"""The house rules that keep neuropil maintainable, checked on the source tree itself.

* The intra-package import graph (every ``import``, also inside functions; ``if TYPE_CHECKING:``
  blocks excluded, they never run) has no cycle.
* Data flows one way: ``datasets -> pipelines -> loaders -> benchmarks``. A loader or a benchmark
  never imports a pipeline (it reads what a pipeline published; ingesting is the user's step).
* No module is over 500 lines.
* Every registered dataset id has a spec, a pipeline, a loader, a card and a fixture writer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import neuropil

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "src" / "neuropil"
MAX_LINES = 500
#: subpackages that sit downstream of the pipelines and must never import them
DOWNSTREAM_OF_PIPELINES = ("neuropil.loaders", "neuropil.benchmarks")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The neuropil modules ``name`` imports: ``from a import b`` counts as ``a.b`` when that is a
    module, else as ``a``; relative imports are resolved against ``name``'s package."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            # `import neuropil.a.b.c` where c is an attribute: the longest prefix that is a module
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target.startswith("neuropil") and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = source_modules()
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def strongly_connected_components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the graph has ~150 nodes, but no recursion limit to worry about)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
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
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
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
                components.append(sorted(component))
    return components


def cycle_in(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One concrete import loop through the component's first module (for a readable failure)."""
    members = set(component)
    start = component[0]
    parents = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & members):
            if child == start:
                path = [node]
                while parents[path[-1]] is not None:
                    path.append(parents[path[-1]])
                return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, node, start]
            if child not in parents:
                parents[child] = node
                queue.append(child)
    return component


def test_the_graph_sees_imports_inside_functions_and_relative_imports(tmp_path: Path) -> None:
    modules = {"neuropil": Path(), "neuropil.a": Path(), "neuropil.a.b": Path(), "neuropil.c": Path()}
    source = tmp_path / "b.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from neuropil import c\n"
        "def f():\n    from . import b\n    from neuropil.c import thing\n    import neuropil.a\n",
        encoding="utf-8")
    assert imported_modules("neuropil.a.b", source, modules) == {"neuropil.c", "neuropil.a"}
    graph = {"x": {"y"}, "y": {"z"}, "z": {"x"}, "w": {"x"}}
    loops = [c for c in strongly_connected_components(graph) if len(c) > 1]
    assert loops == [["x", "y", "z"]]
    assert cycle_in(loops[0], graph) == ["x", "y", "z", "x"]


def test_no_import_cycle() -> None:
    graph = import_graph()
    loops = [component for component in strongly_connected_components(graph) if len(component) > 1]
    described = ["  " + " -> ".join(cycle_in(component, graph)) + f"  ({len(component)} modules in the loop)"
                 for component in loops]
    assert not loops, "import cycles in src/neuropil:\n" + "\n".join(described)


def test_loaders_and_benchmarks_never_import_pipelines() -> None:
    graph = import_graph()
    upward = sorted(f"  {name} imports {target}" for name, targets in graph.items()
                    if name.startswith(DOWNSTREAM_OF_PIPELINES)
                    for target in targets if target == "neuropil.pipelines" or target.startswith("neuropil.pipelines."))
    assert not upward, "loaders / benchmarks read published files and never import a pipeline:\n" + "\n".join(upward)


def test_no_module_over_500_lines() -> None:
    long = sorted((len(path.read_text(encoding="utf-8").splitlines()), name) for name, path in source_modules().items())
    over = [f"  {name}: {lines} lines" for lines, name in long if lines > MAX_LINES]
    assert not over, f"modules over {MAX_LINES} lines (split them by responsibility):\n" + "\n".join(over)


def _dataset_parts(dataset_id: str) -> list[str]:
    """What is missing for ``dataset_id``: spec, pipeline, loader, card, fixture writer."""
    from neuropil import loaders, pipelines, testing
    from neuropil.datasets import card_text, get_spec

    missing = []
    spec = get_spec(dataset_id)
    if spec.id != dataset_id:
        missing.append(f"spec id {spec.id!r}")
    try:
        pipeline = pipelines.pipeline_module(dataset_id)
    except ImportError as error:
        missing.append(f"pipeline ({error!r})")
    else:
        if not hasattr(pipeline, "PIPELINE_VERSION") or not hasattr(pipeline, "parameters") or not (
                hasattr(pipeline, "build") or hasattr(pipeline, "build_into")):
            missing.append(f"pipeline {pipeline.__name__} lacks PIPELINE_VERSION / parameters / build")
    try:
        loader = loaders.loader_module(dataset_id)
    except ImportError as error:
        missing.append(f"loader ({error!r})")
    else:
        if not any(hasattr(loader, f"to_{fmt}") for fmt in loaders.FORMATS):
            missing.append(f"loader {loader.__name__} offers no to_<format>")
    try:
        if not card_text(dataset_id).strip():
            missing.append("card (empty)")
    except (FileNotFoundError, OSError) as error:
        missing.append(f"card ({error!r})")
    try:
        if not callable(testing.fixture_writer(dataset_id)):
            missing.append("fixture writer (not callable)")
    except (LookupError, ImportError) as error:
        missing.append(f"fixture writer ({error!r})")
    return missing


@pytest.mark.parametrize("dataset_id", neuropil.list_datasets())
def test_every_dataset_has_spec_pipeline_loader_card_and_fixture_writer(dataset_id: str) -> None:
    missing = _dataset_parts(dataset_id)
    assert not missing, f"{dataset_id}: " + "; ".join(missing)
