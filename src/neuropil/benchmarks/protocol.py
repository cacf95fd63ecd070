"""What a task module provides, as typed protocols, and the one lookup that checks it.

* :class:`TrainedTask`: train / valid / test sets, baselines, an Evaluator (``TaskSpec.kind == "trained"``);
* :class:`AnalysisTask`: scored by its own ``run`` (``TaskSpec.kind == "analysis"``);
* :class:`SubmissionHook` (optional, trained tasks): what a leaderboard submission is checked against;
* :class:`DatasetSwitch` / :class:`ResultPlotter` (optional): a run that reads another dataset for
  some options (bio-rnn's ``--field celegans:<connectome>``); a task-specific plot of a result.

:func:`implementation` imports a task's module once and returns it checked against the protocol
of its kind, with its optional parts, so no caller probes a module with ``hasattr``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from neuropil.benchmarks.spec import TaskSpec
from neuropil.errors import InvalidArgumentError

__all__ = ["AnalysisTask", "DatasetSwitch", "Implementation", "ResultPlotter", "SubmissionHook", "TrainedTask",
           "implementation", "submission_hook"]


@runtime_checkable
class TrainedTask(Protocol):
    #: name -> {"config": registered configuration, "trained": bool, optional "run_keys", "deterministic"}
    BASELINES: dict[str, dict[str, Any]]
    EXPECTED_INPUT_FORMAT: str

    def load_sets(self, *, home: Any, config: dict[str, Any], quick: bool = False) -> tuple[dict[str, Any], str]:
        """The sets trained and scored on, from the stored split, and the split's SHA-256."""

    def fit_predict(self, name: str, sets: dict[str, Any], *, seed: int, quick: bool, progress: bool, home: Any,
                    config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """({"valid": output, "test": output}, info) of baseline ``name``."""

    def eval_input(self, part: Any, prediction: Any) -> dict[str, Any]:
        """One part's examples and a model output -> the input of ``Evaluator(task).eval``."""

    def evaluate(self, arrays: dict[str, Any]) -> dict[str, float]:
        """The task's metrics (called by :class:`~.evaluate.Evaluator`, which checks the input first)."""

    def parameter_count(self, name: str, info: dict[str, Any]) -> int: ...


@runtime_checkable
class AnalysisTask(Protocol):
    def run(self, *, home: Any = None, seed: int = 0, quick: bool = False) -> dict[str, Any]:
        """{"metrics": {...}, optional "config", "artifacts", "parameter_count"} of one seed."""


@runtime_checkable
class SubmissionHook(Protocol):
    """A trained task that takes leaderboard submissions (see :mod:`neuropil.benchmarks.leaderboard`)."""

    #: columns that name one stored example (ints or strings)
    ID_COLUMNS: tuple[str, ...]
    #: numeric columns a model predicts for it
    PREDICTION_COLUMNS: tuple[str, ...]

    def example_ids(self, sets: dict[str, Any], part: str) -> Any:
        """``ID_COLUMNS`` of every scored example of ``part`` ("test" or "valid"), in a fixed order."""

    def predictions_table(self, sets: dict[str, Any], part: str, output: Any) -> Any:
        """A model's output for ``part`` -> ``ID_COLUMNS`` + ``PREDICTION_COLUMNS``."""

    def eval_input_from_predictions(self, sets: dict[str, Any], part: str, values: Any) -> dict[str, Any]:
        """Checked values (rows in ``example_ids`` order) -> the input of ``Evaluator(task).eval``."""


@runtime_checkable
class DatasetSwitch(Protocol):
    def dataset_for(self, config: dict[str, Any]) -> str | None:
        """The dataset a run with ``config`` reads, when it is not the task's."""


@runtime_checkable
class ResultPlotter(Protocol):
    def plot(self, artifacts: dict[str, Any], path: Path) -> Any: ...


_REQUIRED = {"trained": TrainedTask, "analysis": AnalysisTask}


@dataclass(frozen=True)
class Implementation:
    spec: TaskSpec
    task: Any  # TrainedTask or AnalysisTask, as spec.kind says
    submission: SubmissionHook | None
    dataset_switch: DatasetSwitch | None
    plotter: ResultPlotter | None

    @property
    def trained(self) -> TrainedTask:
        if self.spec.kind != "trained":
            raise InvalidArgumentError(f"Task {self.spec.id!r} is scored by its own run(), not by an Evaluator.")
        return self.task

    def dataset_for(self, config: dict[str, Any]) -> str | None:
        return self.dataset_switch.dataset_for(config) if self.dataset_switch is not None else None


def _members(protocol: type) -> list[str]:
    names = set(vars(protocol).get("__annotations__", {}))
    names |= {name for name, value in vars(protocol).items() if callable(value) and not name.startswith("_")}
    return sorted(names)


def implementation(spec: TaskSpec) -> Implementation:
    """``spec.module`` imported and checked against the protocol of ``spec.kind``; raises
    :class:`InvalidArgumentError` naming what the module lacks."""
    module = importlib.import_module(spec.module)
    protocol = _REQUIRED[spec.kind]
    if not isinstance(module, protocol):
        missing = sorted(set(_members(protocol)) - set(dir(module)))
        raise InvalidArgumentError(f"Task {spec.id!r} is declared {spec.kind} but {spec.module} lacks "
                                   f"{', '.join(missing)} ({protocol.__name__} in neuropil.benchmarks.protocol).")
    return Implementation(
        spec=spec, task=module,
        submission=module if spec.kind == "trained" and isinstance(module, SubmissionHook) else None,
        dataset_switch=module if isinstance(module, DatasetSwitch) else None,
        plotter=module if isinstance(module, ResultPlotter) else None)


def submission_hook(spec: TaskSpec) -> tuple[TrainedTask, SubmissionHook]:
    """The trained task and its submission hook; :class:`InvalidArgumentError` when it takes none."""
    found = implementation(spec)
    if found.submission is None:
        missing = sorted(set(_members(SubmissionHook)) - set(dir(found.task)))
        raise InvalidArgumentError(f"Task {spec.id!r} takes no prediction submissions: {spec.module} lacks "
                                   f"{', '.join(missing) or 'a train/valid/test protocol'} (SubmissionHook in "
                                   "neuropil.benchmarks.protocol).")
    return found.trained, found.submission
