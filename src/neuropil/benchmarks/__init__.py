"""Benchmarks: tasks, stored splits, evaluators, baselines, runner and results (objects -> scores).

* ``spec``       :class:`TaskSpec` (one typed declaration per task, OGB's ``master.csv`` made typed,
                 with its run options) and :class:`RunConfig` (one run; stored in every result);
* ``protocol``   what a task module provides (``TrainedTask`` / ``AnalysisTask``, optional
                 ``SubmissionHook``), checked by one lookup;
* ``registry``   task id -> TaskSpec, collected from the task packages ``tasks/*/__init__.py``;
* ``splits``     written once by a seeded procedure, stored beside the homogenized data, identified
                 by a SHA-256 that every result carries;
* ``evaluate``   ``Evaluator(task).eval(dict)``: checks its input, returns a dict; never sees a model;
* ``results``    the published JSON Schema of a result file, and its validation;
* ``runner``     ``run(RunConfig) -> result``: seeds, validation-based model selection, one result JSON;
                 knows no command line and no leaderboard;
* ``leaderboard``  package: ``submit`` (folders, checks, re-scoring), ``store`` (SQLite, rankings),
                 ``verify`` (replays a stored RunConfig), ``site`` (static HTML).

A benchmark reads data only through :mod:`neuropil.loaders`, never a Parquet file directly.

Baselines: each task module's ``BASELINES[name]`` holds ``config`` (the registered configuration a
result records), ``trained`` and, optionally, ``run_keys``: run options that are part of the model
(``connectome_gru``: ``("connectome",)``, set by ``--connectome``). ``TaskSpec.min_seeds`` (default
10, OGB's rule) is the seed count a submission needs.
"""

from __future__ import annotations

from neuropil.benchmarks.registry import get_task, list_tasks, task_ids
from neuropil.benchmarks.spec import Option, RunConfig, TaskSpec

__all__ = ["Option", "RunConfig", "TaskSpec", "get_task", "list_tasks", "task_ids"]
