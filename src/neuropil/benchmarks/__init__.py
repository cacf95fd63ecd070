"""Benchmarks: tasks, stored splits, evaluators, baselines, runner and results (objects -> scores).

One typed declaration per task (:class:`TaskSpec`, OGB's ``master.csv`` made typed) is the table of
truth that the evaluator, the runner and the docs read. A benchmark reads data only through
:mod:`neuropil.loaders`, never a Parquet file directly.

* ``splits``     written once by a seeded procedure, stored beside the homogenized data, identified
                 by a SHA-256 that every result carries;
* ``evaluate``   ``Evaluator(task).eval(dict)``: checks its input, returns a dict; never sees a model;
* ``results``    the published JSON Schema of a result file, and its validation;
* ``runner``     ``neuropil bench run``: seeds, validation-based model selection, one result JSON;
* one module per task family (``celegans_forecast``, ...) or one package under ``tasks/``
  (``tasks.bio_rnn``, ``tasks.dynamic_connectome``);
* ``submissions`` / ``leaderboard`` / ``site``  ``neuropil submit | leaderboard | verify | reproduce``.

Submission hook (a trained task takes leaderboard submissions when its module defines these; see
``celegans_forecast`` for a complete example, and ``neuropil.benchmarks.submissions`` for the checks)::

    ID_COLUMNS: tuple[str, ...]          columns that name one stored example (ints or strings)
    PREDICTION_COLUMNS: tuple[str, ...]  numeric columns a model predicts for it
    load_sets(*, home, config, quick) -> (sets, split_sha256)
        the data the runner trains and scores on, from the stored split; the runner and
        ``neuropil submit`` both call it, so a submission is re-scored on exactly those examples
    example_ids(sets, part) -> DataFrame
        ``ID_COLUMNS`` of every scored example of ``part`` ("test" or "valid"), in a fixed order
    predictions_table(sets, part, output) -> DataFrame
        a model's output (what ``fit_predict`` returns for ``part``) -> ``ID_COLUMNS`` + ``PREDICTION_COLUMNS``
    eval_input_from_predictions(sets, part, values) -> dict
        ``values``: an array (rows in ``example_ids`` order, one column per prediction column),
        already checked (complete, unique ids, finite) -> the input of ``Evaluator(task).eval``

``TaskSpec.min_seeds`` (default 10, OGB's rule) is the seed count a submission needs.

Baselines: each task module's ``BASELINES[name]`` holds ``config`` (the registered configuration a
result records), ``trained`` and, optionally, ``run_keys``: keys of the run configuration that are
part of the model (``connectome_gru``: ``("connectome",)``, set by ``--connectome``).
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
    #: seeds a leaderboard submission must report (never fewer than 10)
    min_seeds: int = 10

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
            module="neuropil.benchmarks.tasks.dynamic_connectome",
            baselines=("ntf",),
            citation=("Dyballa L, Lang S, Haslund-Gourley A, Yemini E, Zucker SW (2024) Learning dynamic "
                      "representations of the functional connectome in neurobiological networks. ICLR 2024"),
        ),
    ]
    tasks += _vessel_tasks()
    tasks += _bio_rnn_tasks()
    tasks.append(TaskSpec(
        id="fisbe-instance",
        version="1.0.0",
        description=("Instance segmentation of overlapping neurons in FISBe light-microscopy volumes, scored by the "
                     "official FISBe metrics (S = mean of avF1 and clDice coverage) on the ingested images with raw "
                     "data (test split first)."),
        dataset="fisbe",
        dataset_config={},
        split={"kind": "official", "source": "sample_list_per_split.txt"},
        metrics=("S", "avF1", "C", "clDiceTP", "tp", "FS", "FM"),
        primary_metric="S",
        direction="max",
        module="neuropil.benchmarks.fisbe_instance",
        baselines=("colour_clustering",),
        citation=("Mais L et al. (2024) FISBe: A real-world benchmark dataset for instance segmentation of long-range "
                  "thin filamentous structures. CVPR 2024"),
    ))
    return {task.id: task for task in tasks}


def _bio_rnn_tasks() -> list[TaskSpec]:
    """``microns-bio-rnn-t1|t2|t3`` (``neuropil.benchmarks.tasks.bio_rnn``): ``--protocol reference|corrected``."""
    from neuropil.benchmarks.tasks.bio_rnn import EXTRA_VARIANTS, TIMINGS, VARIANTS

    return [TaskSpec(
        id=f"microns-bio-rnn-{task}",
        version="1.0.0",
        description=(f"{timing.name} ({timing.steps} steps, {timing.classes} classes) solved by a ReLU RNN with one "
                     "unit per coregistered MICrONS neuron, initialised and regularised by the field's function, "
                     "wiring and geometry (Shakiba et al. 2026); held-out trial accuracy."),
        dataset="microns-fields",
        dataset_config={"field": "6_6_2"},
        split={"kind": "generated", "train": 5120, "valid": 2560, "test": 2560, "seed": 0},
        metrics=("accuracy", "train_accuracy", "updates_to_90", "modularity", "small_worldness", "assortativity",
                 "weight_entropy", "final_loss", "initial_penalty"),
        primary_metric="accuracy",
        direction="max",
        module="neuropil.benchmarks.tasks.bio_rnn",
        baselines=VARIANTS + EXTRA_VARIANTS,
        default_config={"task": task, "protocol": "corrected"},
        citation=("Shakiba M, Rokni R, Mohammadi M, Dehghani N (2026) Harnessing cortical geometry, wiring, and "
                  "function as inductive biases for recurrent neural networks. arXiv:2606.14975"),
        min_seeds=20,
    ) for task, timing in TIMINGS.items()]


def _vessel_tasks() -> list[TaskSpec]:
    citation = ("Paetzold JC et al. (2021) Whole Brain Vessel Graphs: A Dataset and Benchmark for Graph Learning "
                "and Neuroscience. NeurIPS 2021 Datasets and Benchmarks (OGB ogbl-vessel)")
    return [
        TaskSpec(
            id="vessel-link",
            version="1.0.0",
            description=("Link prediction on a VesselGraph graph: score held-out vessels against as many negatives "
                         "(spatial: a node in the cube of half-width mean + 2 std edge distance; or random)."),
            dataset="vesselgraph",
            dataset_config={"graph": "sample"},
            split={"kind": "stored with the dataset", "positives": [0.8, 0.1, 0.1], "seed": "split_seed (0)"},
            metrics=("rocauc",),
            primary_metric="rocauc",
            direction="max",
            module="neuropil.benchmarks.vessel_link",
            baselines=("common_neighbors", "adamic_adar", "resource_allocation", "mlp", "gcn", "sage"),
            default_config={"negatives": "spatial", "node_features": "xyz"},
            citation=citation,
        ),
        TaskSpec(
            id="vessel-node",
            version="1.0.0",
            description=("Vessel classification on the line graph of a VesselGraph graph: minRadiusAvg in 3 classes "
                         "(<= 5, (5, 13.33], > 13.33 voxels) from length, distance, curveness."),
            dataset="vesselgraph",
            dataset_config={"graph": "sample"},
            split={"kind": "stored with the dataset", "vessels": [0.8, 0.1, 0.1], "seed": "split_seed (0)"},
            metrics=("balanced_accuracy", "accuracy"),
            primary_metric="balanced_accuracy",
            direction="max",
            module="neuropil.benchmarks.vessel_node",
            baselines=("mlp", "gcn", "sage"),
            citation=citation,
        ),
    ]


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
