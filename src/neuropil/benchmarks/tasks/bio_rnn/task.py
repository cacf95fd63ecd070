"""The hooks the benchmark runner calls for ``microns-bio-rnn-t1|t2|t3``: baselines, data, fit,
evaluation."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from neuropil.benchmarks.tasks.bio_rnn.analysis import graph_metrics
from neuropil.benchmarks.tasks.bio_rnn.model import EXTRA_VARIANTS, INPUT_NOISE, VARIANTS, accuracy, train_variant
from neuropil.benchmarks.tasks.bio_rnn.sources import CELEGANS_PREFIX, load_source
from neuropil.benchmarks.tasks.bio_rnn.trials import T1_GOAL_STEPS, TIMINGS, Trials, check_task, trial_sets
from neuropil.errors import InvalidArgumentError

#: published means over 20 runs (final-epoch training accuracy), Shakiba et al. 2026, field 6_6_2
PUBLISHED = {"W*D*C*": (0.985, 0.951, 0.880), "W*D*C": (0.917, 0.948, 0.865), "W": (0.625, 0.511, 0.500),
             "W!D*C": (0.950, 0.951, 0.866), "W*DC*": (0.963, 0.927, 0.862)}

EXPECTED_INPUT_FORMAT = (
    "==== Expected input format of Evaluator('microns-bio-rnn-t1|t2|t3')\n"
    "{'y_true': (n,) int class, 'y_prob': (n, C) float class scores (probabilities or logits)}\n"
    "optional scalars passed through as metrics: train_accuracy, updates_to_90, modularity,\n"
    "small_worldness, assortativity, weight_entropy, final_loss. numpy arrays or torch tensors."
)
PASS_THROUGH = ("train_accuracy", "updates_to_90", "modularity", "small_worldness", "assortativity",
                "weight_entropy", "final_loss", "initial_penalty")

BASELINES: dict[str, dict[str, Any]] = {
    name: {"config": {"variant": name, "epochs": 10, "batch": 128, "lr": 1e-3, "input_noise": INPUT_NOISE,
                      "train_trials": 5120}, "trained": True}
    for name in VARIANTS + EXTRA_VARIANTS
}


def evaluate(arrays: dict[str, np.ndarray]) -> dict[str, float]:
    for key in ("y_true", "y_prob"):
        if key not in arrays:
            raise InvalidArgumentError(f"Evaluator input lacks {key!r}.\n{EXPECTED_INPUT_FORMAT}")
    y_true, y_prob = arrays["y_true"], arrays["y_prob"]
    if y_true.ndim != 1 or y_prob.ndim != 2 or y_prob.shape[0] != y_true.shape[0]:
        raise InvalidArgumentError(f"y_true must be (n,) and y_prob (n, C); got {y_true.shape} and {y_prob.shape}."
                                   f"\n{EXPECTED_INPUT_FORMAT}")
    metrics = {"accuracy": accuracy(y_prob, y_true)}
    for key in PASS_THROUGH:
        if key in arrays:
            metrics[key] = float(arrays[key])
    return metrics


def dataset_for(config: dict[str, Any]) -> str | None:
    """The dataset a run reads: celegans-connectomes for ``field="celegans:<connectome>"``."""
    return "celegans-connectomes" if str(config.get("field", "")).startswith(CELEGANS_PREFIX) else None


def load_sets(*, home: Any, config: dict[str, Any], quick: bool = False) -> tuple[dict[str, Any], str]:
    """Trial sets of ``config["task"]`` (seeded by ``config["data_seed"]``) and the source field; the
    'split' hash covers the generator version, seed and set sizes."""
    from neuropil.benchmarks.splits import sha256_json

    task = check_task(config.get("task", "t1"))
    sizes = {"train": 256, "valid": 128, "test": 128} if quick else {"train": 5120, "valid": 2560, "test": 2560}
    seed = int(config.get("data_seed", 0))
    held_out = config.get("held_out") or None
    sets: dict[str, Any] = dict(trial_sets(task, seed=seed, held_out=held_out, **sizes))
    sets["field"] = load_source(config.get("field", "6_6_2"), home=home)
    # the generator string is hashed into split_sha256: keep it, so stored results stay comparable
    split = {"generator": "neuropil.benchmarks.bio_rnn 1", "task": task, "seed": seed, **sizes}
    if held_out:
        split["held_out"] = {"kind": held_out, "goal_steps": {k: list(v) for k, v in T1_GOAL_STEPS.items()}}
    return sets, sha256_json(split)


def fit_predict(name: str, sets: dict[str, Any], *, seed: int, quick: bool, progress: bool = False,
                home: Any = None, config: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    config = config or {}
    import torch

    threads = torch.get_num_threads()
    if config.get("threads"):  # one thread is faster than oversubscribed cores on a shared machine
        torch.set_num_threads(int(config["threads"]))
    protocol = config.get("protocol", "corrected")
    epochs = int(config.get("epochs", 2 if quick else 10))
    try:
        fit = train_variant(name, sets, sets["field"], seed=seed, protocol=protocol, epochs=epochs,
                            strength=config.get("lambda"), home=home, progress=progress,
                            task=config.get("task", "t1"),
                            curve_every=int(config.get("curve_every", 2 if quick else 10)))
    finally:
        torch.set_num_threads(threads)
    extra: dict[str, float] = {"train_accuracy": fit.train_accuracy, "updates_to_90": fit.updates_to_90,
                               "final_loss": fit.final_loss, "initial_penalty": fit.initial_penalty}
    if config.get("graph_metrics", not quick):
        extra.update(graph_metrics(fit.recurrent, seed=seed, nulls=int(config.get("nulls", 20))))
    if config.get("save_weights"):
        folder = os.path.join(config["save_weights"])
        os.makedirs(folder, exist_ok=True)
        np.save(os.path.join(folder, f"{config.get('task')}-{protocol}-{name}-seed{seed}.npy"), fit.recurrent)
    predictions = {"valid": {"y_prob": fit.valid_prob}, "test": {"y_prob": fit.test_prob, **extra}}
    info = {"protocol": protocol, "lambda": fit.strength, "field": sets["field"].name, "train_seconds": fit.seconds,
            "epochs": epochs, "units": sets["field"].n, "task": config.get("task", "t1")}
    return predictions, info


def eval_input(trials: Trials, prediction: dict[str, Any]) -> dict[str, Any]:
    return {"y_true": trials.y, **prediction}


def parameter_count(name: str, info: dict[str, Any]) -> int:
    units = int(info.get("units", 312))
    timing = TIMINGS[info.get("task", "t1")]
    inputs, classes = timing.inputs, timing.classes
    return units * units + inputs * units + units + units * classes + classes
