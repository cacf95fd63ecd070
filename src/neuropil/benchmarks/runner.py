"""``run(RunConfig) -> result``: seeds, validation-based model selection, evaluation on test, one result JSON.

Every result carries the task id + version, the dataset id + version + manifest SHA-256, the split
SHA-256, the model name + configuration and parameter count, per-seed valid and test metrics, their
mean and unbiased standard deviation over seeds, wall time, hardware, neuropil version, git commit
(when run from a checkout), the :class:`RunConfig` that ``neuropil verify`` replays and, for
people, the command line; it is validated against ``result.schema.json``. The runner knows no
command line and no leaderboard (:mod:`.leaderboard` calls it, never the other way round).
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neuropil import __version__
from neuropil._util import format_mean_std, utc_now
from neuropil.benchmarks.evaluate import Evaluator
from neuropil.benchmarks.protocol import AnalysisTask, TrainedTask, implementation
from neuropil.benchmarks.registry import get_task
from neuropil.benchmarks.results import _finite as finite
from neuropil.benchmarks.results import validate, write
from neuropil.benchmarks.spec import RunConfig, TaskSpec
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


def run(task: RunConfig | str, model: str | None = None, *, seeds: int | list[int] = 10, quick: bool = False,
        home: str | os.PathLike[str] | None = None, out: str | os.PathLike[str] | None = None,
        progress: bool = False, config: dict[str, Any] | None = None, command: str | None = None) -> dict[str, Any]:
    """Run one :class:`RunConfig` for every seed; write the result JSON to ``out`` when given; return it.

    ``run(task_id, model, seeds=..., quick=..., config={option: value})`` builds the RunConfig from
    its parts. ``command`` is the command line a person typed, kept for display; the result's
    ``run_config`` is what ``verify`` replays.
    """
    run_config = _as_config(task, model, seeds=seeds, quick=quick, options=config or {})
    return execute(run_config, home=home, out=out, progress=progress, command=command).document


def _as_config(config: RunConfig | str, model: str | None, *, seeds: int | list[int], quick: bool,
               options: dict[str, Any]) -> RunConfig:
    if isinstance(config, RunConfig):
        return config
    if model is None:
        raise InvalidArgumentError("run() needs a RunConfig, or a task id and a model.")
    return RunConfig(task=config, model=model, seeds=tuple(range(seeds)) if isinstance(seeds, int) else tuple(seeds),
                     options=options, quick=quick)


@dataclass
class Result:
    """A run's result document; with ``keep_predictions``, also the sets and each seed's model output
    (what a leaderboard submission folder is written from)."""

    document: dict[str, Any]
    sets: Any = None
    predictions: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def execute(config: RunConfig, *, home: str | os.PathLike[str] | None = None,
            out: str | os.PathLike[str] | None = None, progress: bool = False, command: str | None = None,
            keep_predictions: bool = False) -> Result:
    """Run ``config``; the returned :class:`Result` holds the validated document (written to ``out``)."""
    task = get_task(config.task)
    if config.model not in task.baselines:
        raise InvalidArgumentError(unknown_value(config.model, f"model of {task.id}", task.baselines))
    options = task.check_options(config.options)
    config = RunConfig(task=task.id, model=config.model, seeds=config.seeds, options=options, quick=config.quick)
    settings = {**task.default_config, **task.dataset_config, **options}
    found = implementation(task)
    # a run may read its data from another dataset for some options (bio-rnn's --field celegans:<connectome>)
    identity = dataset_identity(task, home, found.dataset_for(settings))
    started = time.perf_counter()
    if task.kind == "analysis":
        outcome = _run_analysis(task, found.task, config, home, progress)
    else:
        outcome = _run_trained(task, found.trained, config, home, progress, settings, keep_predictions)
    per_seed = outcome.per_seed
    document = {
        "schema_version": "1.0",
        "task": {"id": task.id, "version": task.version},
        "dataset": {"id": identity["id"], "version": identity["version"],
                    "manifest_sha256": identity["manifest_sha256"], "fingerprint": identity["fingerprint"],
                    "config": {**task.dataset_config,
                               **{k: settings[k] for k in task.dataset_config if k in settings}}},
        "split_sha256": outcome.split_sha256,
        "model": {"name": config.model, "config": outcome.model_config},
        "parameter_count": int(outcome.parameters),
        "seeds": list(config.seeds),
        "per_seed": per_seed,
        "summary": {"valid": summarize(per_seed, "valid"), "test": summarize(per_seed, "test")},
        "primary_metric": task.primary_metric,
        "direction": task.direction,
        "wall_time_s": time.perf_counter() - started,
        "hardware": _hardware(),
        "neuropil_version": __version__,
        "git_commit": _git_commit(),
        "command": command or config.command(),
        "run_config": config.to_dict(),
        "created": utc_now(),
        "quick": config.quick,
    }
    if outcome.artifacts:
        document["artifacts"] = outcome.artifacts
    document = validate(finite(document))
    if out is not None:
        write(document, out)
    return Result(document=document, sets=outcome.sets, predictions=outcome.predictions)


@dataclass
class _Outcome:
    per_seed: list[dict[str, Any]]
    split_sha256: str
    model_config: dict[str, Any]
    parameters: int
    artifacts: dict[str, Any] = field(default_factory=dict)
    sets: Any = None
    predictions: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _run_analysis(task: TaskSpec, module: AnalysisTask, config: RunConfig, home: Any, progress: bool) -> _Outcome:
    """An analysis task scored by its own procedure (no train/valid/test)."""
    from tqdm.auto import tqdm

    per_seed, artifacts, parameters = [], {}, 0
    split_sha = load_or_make_split(task, [], home=home)[1]
    for seed in tqdm(config.seeds, desc=f"{task.id} {config.model}", disable=not progress):
        begin = time.perf_counter()
        outcome = module.run(home=home, seed=seed, quick=config.quick)
        per_seed.append({"seed": seed, "valid": {}, "test": outcome["metrics"], "info": outcome.get("config", {}),
                         "wall_time_s": time.perf_counter() - begin})
        if not artifacts:
            artifacts = outcome.get("artifacts", {})
            parameters = int(outcome.get("parameter_count", 0))
    return _Outcome(per_seed, split_sha, per_seed[0]["info"], parameters, artifacts)


def _run_trained(task: TaskSpec, module: TrainedTask, config: RunConfig, home: Any, progress: bool,
                 settings: dict[str, Any], keep_predictions: bool) -> _Outcome:
    from tqdm.auto import tqdm

    # the very sets a submission is re-scored on
    sets, split_sha = module.load_sets(home=home, config=settings, quick=config.quick)
    evaluator = Evaluator(task.id)
    per_seed, parameters, kept = [], 0, []
    entry = module.BASELINES[config.model]
    cached = None
    for seed in tqdm(config.seeds, desc=f"{task.id} {config.model}", disable=not progress):
        begin = time.perf_counter()
        if cached is None or not entry.get("deterministic", False):  # a seed-free model fits once
            cached = module.fit_predict(config.model, sets, seed=seed, quick=config.quick, progress=progress,
                                        home=home, config=settings)
        predictions, info = cached
        if keep_predictions:
            kept.append((seed, predictions))
        per_seed.append({"seed": seed,
                         "valid": evaluator.eval(module.eval_input(sets["valid"], predictions["valid"])),
                         "test": evaluator.eval(module.eval_input(sets["test"], predictions["test"])),
                         "info": {k: v for k, v in info.items() if isinstance(v, (int, float, str, bool))},
                         "wall_time_s": time.perf_counter() - begin})
        parameters = module.parameter_count(config.model, info)
    # the baseline's registered configuration, with the run's values of the keys it takes from the
    # run (``BASELINES[model]["run_keys"]``, e.g. connectome_gru's "connectome" from --connectome)
    model_config = {**entry["config"], **{key: settings[key] for key in entry.get("run_keys", ()) if key in settings}}
    return _Outcome(per_seed, split_sha, model_config, parameters, sets=sets if keep_predictions else None,
                    predictions=kept)


def run_all(task_id: str, *, seeds: int | list[int] = 10, quick: bool = False, home: Any = None,
            out_dir: Any = None, progress: bool = False, options: dict[str, Any] | None = None,
            config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every registered baseline of ``task_id`` with the same options; result files and a PNG plot in
    ``out_dir``. Each result stores its own RunConfig (what ``neuropil verify`` replays)."""
    task = get_task(task_id)
    options = {**(config or {}), **(options or {})}
    results = []
    for model in task.baselines:
        run_config = _as_config(task.id, model, seeds=seeds, quick=quick, options=options)
        out = Path(out_dir) / f"{task.id}-{model}.json" if out_dir is not None else None
        results.append(execute(run_config, home=home, out=out, progress=progress).document)
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
            row[metric] = format_mean_std(values["mean"], values["std"])
        rows.append(row)
    return rows


def _bar_limits(values: np.ndarray, lows: np.ndarray, highs: np.ndarray) -> tuple[float, float] | None:
    """y-limits that keep the bars near the median readable: a value further than 5 median absolute
    deviations from the median (e.g. a trivial baseline at -1.9 beside models within 0.2 of zero) is
    clipped; None when nothing needs clipping."""
    finite = np.isfinite(values)
    if finite.sum() < 3:
        return None
    median = np.median(values[finite])
    spread = max(np.median(np.abs(values[finite] - median)), 1e-12)
    core = finite & (np.abs(values - median) <= 5 * spread)
    if core.all() or not core.any():
        return None
    low, high = min(0.0, np.nanmin(lows[core])), max(0.0, np.nanmax(highs[core]))
    margin = 0.15 * max(high - low, 1e-9)
    return low - margin, high + margin


def plot_results(results: list[dict[str, Any]], path: Path) -> Path:
    """One bar per result: the test primary metric's mean over seeds with its 95 % interval where the
    task reports one (``<metric>_ci_low`` / ``_ci_high``), else ± the std over seeds; a bar far outside
    the others' range is clipped at the axis and labelled with its value."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    primary = results[0]["primary_metric"]
    summaries = [r["summary"]["test"] for r in results]
    names = [r["model"]["name"] for r in results]
    means = np.array([s.get(primary, {}).get("mean", np.nan) for s in summaries], dtype=float)
    interval = all(f"{primary}_ci_low" in s and f"{primary}_ci_high" in s for s in summaries)
    if interval:
        lows = np.array([s[f"{primary}_ci_low"]["mean"] for s in summaries], dtype=float)
        highs = np.array([s[f"{primary}_ci_high"]["mean"] for s in summaries], dtype=float)
        label = f"test {primary} (95 % interval)"
    else:
        stds = np.array([s.get(primary, {}).get("std") or 0.0 for s in summaries], dtype=float)
        lows, highs = means - stds, means + stds
        label = f"test {primary} (mean ± std over seeds)"
    figure, axis = plt.subplots(figsize=(1.2 * len(names) + 2, 3.5))
    errors = np.vstack([np.clip(means - lows, 0, None), np.clip(highs - means, 0, None)])
    axis.bar(names, means, yerr=errors, capsize=4, color="#4c72b0")
    axis.axhline(0, color="black", linewidth=0.8)
    limits = _bar_limits(means, lows, highs)
    if limits is not None:
        axis.set_ylim(*limits)
        for k, value in enumerate(means):
            if np.isfinite(value) and not limits[0] <= value <= limits[1]:
                edge = limits[0] if value < limits[0] else limits[1]
                axis.annotate(f"{value:.3f} (clipped)", (k, edge), xytext=(0, 6 if value < limits[0] else -12),
                              textcoords="offset points", ha="center", fontsize=8,
                              bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    axis.set_ylabel(label)
    axis.set_title(results[0]["task"]["id"])
    axis.tick_params(axis="x", rotation=30)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
