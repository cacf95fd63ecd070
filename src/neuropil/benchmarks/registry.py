"""Task id -> :class:`~.spec.TaskSpec`, collected from the task packages ``benchmarks/tasks/*/``.

Each task package declares its tasks in its ``__init__`` as ``SPECS`` (a tuple of TaskSpec); the
registry imports nothing else of the package, so listing tasks stays cheap. A package without
``SPECS`` declares no task; ``tests/benchmarks/test_registry.py`` pins the registered ids.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from neuropil.benchmarks.spec import TaskSpec, UnknownTaskError
from neuropil.errors import InvalidArgumentError, unknown_value

__all__ = ["get_task", "list_tasks", "task_ids"]


def _registry() -> dict[str, TaskSpec]:
    """A fresh dict per call (callers may change it); the packages are scanned once."""
    return dict(_collect())


@functools.cache
def _collect() -> dict[str, TaskSpec]:
    from neuropil.benchmarks import tasks

    registry: dict[str, TaskSpec] = {}
    for package in sorted(info.name for info in pkgutil.iter_modules(tasks.__path__) if info.ispkg):
        module = importlib.import_module(f"{tasks.__name__}.{package}")
        specs = vars(module).get("SPECS")
        if specs is None:  # a helper package that declares no task
            continue
        if not isinstance(specs, tuple) or not all(isinstance(spec, TaskSpec) for spec in specs):
            raise InvalidArgumentError(f"Task package {module.__name__} must declare SPECS, a tuple of TaskSpec.")
        for spec in specs:
            if spec.id in registry:
                raise InvalidArgumentError(f"Task {spec.id!r} is declared twice (again in {module.__name__}).")
            registry[spec.id] = spec
    return registry


def task_ids() -> list[str]:
    return sorted(_registry())


def list_tasks() -> list[TaskSpec]:
    registry = _registry()
    return [registry[name] for name in sorted(registry)]


def get_task(task_id: str) -> TaskSpec:
    registry = _registry()
    if task_id not in registry:
        raise UnknownTaskError(unknown_value(task_id, "task", registry))
    return registry[task_id]
