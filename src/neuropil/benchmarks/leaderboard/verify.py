"""``neuropil verify``: replay an entry's stored :class:`~neuropil.benchmarks.spec.RunConfig` and compare.

A re-run agrees when every test and valid metric's mean is within ``VERIFY_SE`` standard errors of
the difference (from both seed spreads), or within ``VERIFY_RTOL`` of the value for seed-free models.
"""

from __future__ import annotations

import math
import os
from typing import Any

from neuropil._util import utc_now
from neuropil.benchmarks.leaderboard.store import Store, find_entry
from neuropil.benchmarks.registry import get_task
from neuropil.benchmarks.spec import RunConfig
from neuropil.errors import InvalidArgumentError

#: agreement of a re-run: |difference of means| <= VERIFY_SE * standard error of that difference
VERIFY_SE = 3.0
#: floor of the tolerance, relative to the value (deterministic models have zero seed spread)
VERIFY_RTOL = 1e-6


def recorded_run(entry: dict[str, Any]) -> RunConfig:
    """The :class:`RunConfig` an entry stored (never a command string); raises when the entry has none
    or it does not run one registered baseline of the entry's task."""
    stored = entry.get("run_config")
    if stored is None:
        raise InvalidArgumentError(f"Entry {entry['id']} stores no run configuration (it was not produced by "
                                   "neuropil's runner, or by a version before 0.x stored one); it cannot be re-run.")
    config = RunConfig.from_dict(stored)
    task = get_task(entry["task"]["id"])
    if config.task != task.id or config.model not in task.baselines:
        raise InvalidArgumentError(f"Entry {entry['id']}: its run configuration ({config.task}, {config.model}) does "
                                   f"not run one registered baseline of {task.id}.")
    return config


def compare(entry_summary: dict[str, Any], rerun_summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Per metric: both means ± stds, the difference and the tolerance from the seed spread."""
    rows = []
    for metric in sorted(set(entry_summary) | set(rerun_summary)):
        mine, theirs = entry_summary.get(metric) or {}, rerun_summary.get(metric) or {}
        a, b = mine.get("mean"), theirs.get("mean")
        if a is None or b is None:
            rows.append({"metric": metric, "entry_mean": a, "rerun_mean": b, "agree": a is None and b is None})
            continue
        spread = sum(((s.get("std") or 0.0) ** 2) / max(int(s.get("n") or 1), 1) for s in (mine, theirs))
        tolerance = max(VERIFY_SE * math.sqrt(spread), VERIFY_RTOL * max(1.0, abs(a), abs(b)))
        rows.append({"metric": metric, "entry_mean": a, "entry_std": mine.get("std"), "rerun_mean": b,
                     "rerun_std": theirs.get("std"), "difference": a - b, "tolerance": tolerance,
                     "agree": abs(a - b) <= tolerance})
    return rows


def verify(entry_id: str, *, home: str | os.PathLike[str] | None = None, progress: bool = False,
           record: bool = True) -> dict[str, Any]:
    """Re-run an entry's recorded command on its seeds and compare every test and valid metric."""
    from neuropil.benchmarks import runner
    from neuropil.benchmarks.splits import dataset_identity

    entry = find_entry(entry_id, home)
    config = recorded_run(entry)
    task = get_task(config.task)
    rerun = runner.execute(config, home=home, progress=progress, command=entry["command"]).document
    notes = []
    if entry["integrity"] != "ok":
        notes.append("the entry's document was edited after it was submitted (its SHA-256 no longer matches)")
    identity = dataset_identity(task, home)
    if entry["dataset"].get("manifest_sha256") != identity["manifest_sha256"]:
        notes.append(f"the entry was computed on dataset manifest {entry['dataset'].get('manifest_sha256')}, "
                     f"the re-run on {identity['manifest_sha256']}")
    if entry["split_sha256"] != rerun["split_sha256"]:
        notes.append(f"split {entry['split_sha256']} in the entry, {rerun['split_sha256']} installed")
    metrics = [{"part": part, **row} for part in ("test", "valid")
               for row in compare(entry["summary"][part], rerun["summary"][part])]
    report = {"entry": entry["id"], "task": task.id, "name": entry["name"], "command": entry["command"],
              "seeds": entry["seeds"], "verified": utc_now(), "agree": all(r["agree"] for r in metrics) and not notes,
              "metrics": metrics, "notes": notes, "rerun_wall_time_s": rerun["wall_time_s"]}
    if record:
        Store(task.id, home).add_verification(entry["id"], report)
    return report
