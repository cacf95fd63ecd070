"""Benchmarks: tasks, stored splits, evaluators, baselines, runner and results (objects -> scores).

One typed declaration per task (:class:`TaskSpec`, OGB's ``master.csv`` made typed) is the table of
truth that the evaluator, the runner and the docs read. A benchmark reads data only through
:mod:`neuropil.loaders`, never a Parquet file directly.

* ``splits``     written once by a seeded procedure, stored beside the homogenized data, identified
                 by a SHA-256 that every result carries;
* ``evaluate``   ``Evaluator(task).eval(dict)``: checks its input, returns a dict; never sees a model;
* ``results``    the published JSON Schema of a result file, and its validation;
* ``runner``     ``neuropil bench run``: seeds, validation-based model selection, one result JSON;
* one module per task family (``celegans_forecast``, ``celegans_dynamic_connectome``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neuropil.errors import DatasetNotFoundError, unknown_value

__all__ = ["TaskSpec", "get_task", "list_tasks", "task_ids"]


@dataclass(frozen=True)
class TaskSpec:
    id: str
    version: str
    description: str
    dataset: str
    dataset_config: dict[str, Any]
    #: how the split is made (stored; its SHA-256 goes into every result)
    split: dict[str, Any]
    metrics: tuple[str, ...]
    primary_metric: str
    direction: str  # "max" or "min"
    #: module implementing ``prepare``/``baselines``/``fit_predict`` (or ``run`` for analysis tasks)
    module: str
    baselines: tuple[str, ...] = ()
    default_config: dict[str, Any] = field(default_factory=dict)
    citation: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def _registry() -> dict[str, TaskSpec]:
    tasks = [
        TaskSpec(
            id="celegans-activity-forecast",
            version="1.0.0",
            description=("Predict future calcium activity of labelled neurons from the last 10 s of all recorded "
                         "neurons, at horizons of 1, 3 and 10 steps (dt = 1/3 s), on held-out worms."),
            dataset="celegans-activity",
            dataset_config={"source": "Dag2023"},
            split={"kind": "by_worm", "seed": 0, "valid": 1, "test": 2},
            metrics=("skill_mean", "skill_h1", "skill_h3", "skill_h10", "mse_h1", "mse_h3", "mse_h10"),
            primary_metric="skill_mean",
            direction="max",
            module="neuropil.benchmarks.celegans_forecast",
            baselines=("persistence", "mean", "ridge", "mlp", "lstm", "connectome_gru"),
            default_config={"history": 30, "horizons": [1, 3, 10]},
            citation="Simeon Q et al. (2024) Homogenized C. elegans neural activity and connectivity data. arXiv:2411.12091",
        ),
        TaskSpec(
            id="celegans-dynamic-connectome",
            version="1.0.0",
            description=("Time-localized functional communities of neurons by non-negative tensor factorization of "
                         "windowed pairwise affinities (Dyballa et al., ICLR 2024)."),
            dataset="celegans-activity",
            dataset_config={"source": "Dag2023"},
            split={"kind": "none"},
            metrics=("stability", "relative_error", "rank", "anatomical_auc_mean", "anatomical_auc_max",
                     "anatomical_auc_static", "modularity_mean", "communities_mean", "lfr_nmi"),
            primary_metric="stability",
            direction="max",
            module="neuropil.benchmarks.celegans_dynamic_connectome",
            baselines=("ntf",),
            citation=("Dyballa L, Lang S, Haslund-Gourley A, Yemini E, Zucker SW (2024) Learning dynamic "
                      "representations of the functional connectome in neurobiological networks. ICLR 2024"),
        ),
    ]
    return {task.id: task for task in tasks}


def task_ids() -> list[str]:
    return sorted(_registry())


def list_tasks() -> list[TaskSpec]:
    registry = _registry()
    return [registry[name] for name in sorted(registry)]


def get_task(task_id: str) -> TaskSpec:
    registry = _registry()
    if task_id not in registry:
        raise DatasetNotFoundError(unknown_value(task_id, "task", registry))
    return registry[task_id]
