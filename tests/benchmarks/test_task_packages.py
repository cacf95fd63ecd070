"""The task packages under ``neuropil.benchmarks.tasks`` keep the house rules: they read data only
through ``neuropil.loaders`` (no ``neuropil.pipelines`` import, no Parquet/HDF5 reader) and no
module is over 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import neuropil.benchmarks.tasks as tasks

MODULES = sorted(Path(tasks.__file__).parent.rglob("*.py"))
FORBIDDEN = ("neuropil.pipelines", "pyarrow", "h5py", "zarr")


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_task_packages_are_found() -> None:
    packages = {path.parent.name for path in MODULES if path.name == "__init__.py"}
    assert {"bio_rnn", "dynamic_connectome"} <= packages


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_task_module_reads_data_only_through_loaders(path: Path) -> None:
    source = path.read_text()
    imported = _imports(ast.parse(source))
    upward = sorted(name for name in imported if name.startswith(FORBIDDEN))
    assert not upward, f"{path} imports {upward}"
    assert "read_parquet" not in source and ".parquet" not in source, path
    assert len(source.splitlines()) <= 500, f"{path} has {len(source.splitlines())} lines"
