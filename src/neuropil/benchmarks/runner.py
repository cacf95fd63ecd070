"""``neuropil bench run``: seeds, validation-based model selection, evaluation on test, one result JSON.

Every result carries the task id + version, the dataset id + version + manifest SHA-256, the split
SHA-256, the model name + configuration and parameter count, per-seed valid and test metrics, their
mean and unbiased standard deviation over seeds, wall time, hardware, neuropil version, git commit
(when run from a checkout) and the exact command; it is validated against ``result.schema.json``.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from neuropil import __version__
from neuropil.benchmarks import TaskSpec, get_task
from neuropil.benchmarks.evaluate import Evaluator
from neuropil.benchmarks.results import _finite, validate, write
from neuropil.benchmarks.splits import dataset_identity, load_or_make_split
from neuropil.errors import InvalidArgumentError, unknown_value


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def _hardware() -> dict[str, Any]:
    import torch

    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count() or 1, "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(), "torch": torch.__version__}


def summarize(per_seed: list[dict[str, Any]], part: str) -> dict[str, dict[str, Any]]:
    """Mean and unbiased (ddof=1) standard deviation over seeds; std is null for a single seed."""
    names = sorted({k for row in per_seed for k in row[part]})
    summary = {}
    for name in names:
        values = np.array([row[part][name] for row in per_seed if row[part].get(name) is not None], dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0:
            continue
        summary[name] = {"mean": float(values.mean()),
                         "std": float(values.std(ddof=1)) if values.size > 1 else None, "n": int(values.size)}
    return summary


def run(task_id: str, model: str, *, seeds: int | list[int] = 10, quick: bool = False,
        home: str | os.PathLike[str] | None = None, out: str | os.PathLike[str] | None = None,
        progress: bool = False, config: dict[str, Any] | None = None, command: str | None = None,
        save_predictions: bool = False) -> dict[str, Any]:
    """Run ``model`` on ``task_id`` for every seed; write the result JSON to ``out`` when given.

    ``save_predictions``: ``out`` is a folder that receives a leaderboard submission (``result.json``,
    per-seed test and valid predictions keyed by the task's example ids; :mod:`.submissions`).
    """
    task = get_task(task_id)
    if model not in task.baselines:
        raise InvalidArgumentError(unknown_value(model, f"model of {task.id}", task.baselines))
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise InvalidArgumentError("seeds must name at least one seed.")
    config = {**task.default_config, **task.dataset_config, **(config or {})}
    module = importlib.import_module(task.module)
    outputs: list | None = None
    if save_predictions:
        from neuropil.benchmarks.submissions import hook

        hook(task)
        if out is None:
            raise InvalidArgumentError("save_predictions needs out=<folder> (--out DIR).")
        outputs = []
    # a task module may read its data from another dataset for some configurations (bio-rnn's
    # --field celegans:<connectome>): ``dataset_for(config)`` names it
    identity = dataset_identity(task, home, getattr(module, "dataset_for", lambda _: None)(config))
    started = time.perf_counter()
    per_seed, model_config, parameters, artifacts = _run_seeds(task, module, model, seed_list, quick, home, progress,
                                                               config, outputs)
    result = {
        "schema_version": "1.0",
        "task": {"id": task.id, "version": task.version},
        "dataset": {"id": identity["id"], "version": identity["version"],
                    "manifest_sha256": identity["manifest_sha256"], "fingerprint": identity["fingerprint"],
                    "config": {**task.dataset_config,
                               **{k: config[k] for k in task.dataset_config if k in config}}},
        "split_sha256": per_seed[0].pop("_split_sha256"),
        "model": {"name": model, "config": model_config},
        "parameter_count": int(parameters),
        "seeds": seed_list,
        "per_seed": [{k: v for k, v in row.items() if not k.startswith("_")} for row in per_seed],
        "summary": {"valid": summarize(per_seed, "valid"), "test": summarize(per_seed, "test")},
        "primary_metric": task.primary_metric,
        "direction": task.direction,
        "wall_time_s": time.perf_counter() - started,
        "hardware": _hardware(),
        "neuropil_version": __version__,
        "git_commit": _git_commit(),
        "command": command or shlex.join(sys.argv),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "quick": bool(quick),
    }
    if artifacts:
        result["artifacts"] = artifacts
    for row in result["per_seed"]:
        row.pop("_split_sha256", None)
    if outputs is not None:
        from neuropil.benchmarks.submissions import write_folder

        sets, outputs = outputs[0], outputs[1:]
        write_folder(out, result, module=module, sets=sets, outputs=outputs)
        result = validate(_finite(result))
    elif out is not None:
        write(result, out)
    else:
        result = validate(_finite(result))
    return result


def _run_seeds(task: TaskSpec, module: Any, model: str, seeds: list[int], quick: bool, home: Any, progress: bool,
               config: dict[str, Any], outputs: list | None = None):
    """``outputs``, when a list, receives the sets and then (seed, predictions) per seed."""
    from tqdm.auto import tqdm

    if hasattr(module, "run"):  # an analysis task scored by its own procedure (no train/valid/test)
        per_seed, artifacts, parameters = [], {}, 0
        split_sha = load_or_make_split(task, [], home=home)[1]
        for seed in tqdm(seeds, desc=f"{task.id} {model}", disable=not progress):
            begin = time.perf_counter()
            outcome = module.run(home=home, seed=seed, quick=quick)
            per_seed.append({"seed": seed, "valid": {}, "test": outcome["metrics"], "info": outcome.get("config", {}),
                             "wall_time_s": time.perf_counter() - begin, "_split_sha256": split_sha})
            if not artifacts:
                artifacts = outcome.get("artifacts", {})
                parameters = int(outcome.get("parameter_count", 0))
        return per_seed, per_seed[0]["info"], parameters, artifacts
    if hasattr(module, "load_sets"):  # the submission hook: the very sets a submission is re-scored on
        sets, split_sha = module.load_sets(home=home, config=config, quick=quick)
    else:
        import neuropil

        recordings = neuropil.load(task.dataset, table="recordings", source=config.get("source"), format="pandas",
                                   home=home)
        split, split_sha = load_or_make_split(task, recordings["worm"].tolist(), home=home)
        sets = module.prepare(home=home, split=split, config=config, quick=quick)
    if outputs is not None:
        outputs.append(sets)
    evaluator = Evaluator(task.id)
    per_seed, parameters, info = [], 0, {}
    deterministic = module.BASELINES[model].get("deterministic", False)
    cached = None
    for seed in tqdm(seeds, desc=f"{task.id} {model}", disable=not progress):
        begin = time.perf_counter()
        if cached is None or not deterministic:  # a seed-free model gives the same fit for every seed
            cached = module.fit_predict(model, sets, seed=seed, quick=quick, progress=progress, home=home,
                                        config=config)
        predictions, info = cached
        if outputs is not None:
            outputs.append((seed, predictions))
        row = {"seed": seed,
               "valid": evaluator.eval(module.eval_input(sets["valid"], predictions["valid"])),
               "test": evaluator.eval(module.eval_input(sets["test"], predictions["test"])),
               "info": {k: v for k, v in info.items() if isinstance(v, (int, float, str, bool))},
               "wall_time_s": time.perf_counter() - begin, "_split_sha256": split_sha}
        per_seed.append(row)
        parameters = module.parameter_count(model, info)
    # the baseline's registered configuration, with the run's values of the keys it takes from the
    # run (``BASELINES[model]["run_keys"]``, e.g. connectome_gru's "connectome" from --connectome)
    entry = module.BASELINES[model]
    model_config = {**entry["config"], **{key: config[key] for key in entry.get("run_keys", ()) if config and key in config}}
    return per_seed, model_config, parameters, {}


def run_all(task_id: str, *, seeds: int = 10, quick: bool = False, home: Any = None, out_dir: Any = None,
            progress: bool = False, command: str | None = None,
            config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every registered baseline of ``task_id``; result files and a PNG plot in ``out_dir``. Each result
    records the one-model ``neuropil bench run`` command that repeats it (what ``neuropil verify`` re-runs)
    unless ``command`` is given."""
    task = get_task(task_id)
    results = []
    for model in task.baselines:
        out = Path(out_dir) / f"{task.id}-{model}.json" if out_dir is not None else None
        words = ["bench", "run", task.id, "--model", model, "--seeds", str(seeds), *(["--quick"] if quick else []),
                 *(["--graph", str(config["graph"])] if config and "graph" in config else []),
                 *(f"--{key}={config[key]}" for key in ("protocol", "field") if config and key in config)]
        results.append(run(task.id, model, seeds=seeds, quick=quick, home=home, out=out, progress=progress,
                           command=command or "neuropil " + shlex.join(words), config=config))
    if out_dir is not None:
        plot_results(results, Path(out_dir) / f"{task.id}.png")
    return results


def results_table(results: list[dict[str, Any]]) -> list[dict[str, str]]:
    rows = []
    for result in results:
        test = result["summary"]["test"]
        row = {"model": result["model"]["name"], "seeds": str(len(result["seeds"]))}
        order = get_task(result["task"]["id"]).metrics  # the task's own metric order
        for metric in sorted(test, key=lambda m: order.index(m) if m in order else len(order)):
            values = test[metric]
            if metric.startswith("persistence_"):
                continue
            std = values["std"]
            row[metric] = f"{values['mean']:.4f}" + (f" ± {std:.4f}" if std is not None else "")
        rows.append(row)
    return rows


def plot_results(results: list[dict[str, Any]], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    primary = results[0]["primary_metric"]
    names = [r["model"]["name"] for r in results]
    means = [r["summary"]["test"].get(primary, {}).get("mean", np.nan) for r in results]
    stds = [r["summary"]["test"].get(primary, {}).get("std") or 0.0 for r in results]
    figure, axis = plt.subplots(figsize=(1.2 * len(names) + 2, 3.5))
    axis.bar(names, means, yerr=stds, capsize=4, color="#4c72b0")
    axis.axhline(0, color="black", linewidth=0.8)
    axis.set_ylabel(f"test {primary} (mean ± std over seeds)")
    axis.set_title(results[0]["task"]["id"])
    axis.tick_params(axis="x", rotation=30)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
