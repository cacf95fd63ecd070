"""Leaderboard submissions: a folder of data, validated and re-scored with the task's own evaluator, then stored.

A submission folder (``neuropil bench run TASK --model M --save-predictions --out DIR`` writes one)::

    DIR/result.json                            the runner's result document (``result.schema.json``)
    DIR/submission.json                        format, task, and every predictions file with its seed,
                                               part, rows, bytes and SHA-256
    DIR/predictions/seed-<s>-<part>.parquet    per seed, ``test`` and ``valid``: the task's ``ID_COLUMNS``
                                               (its stored example ids) + ``PREDICTION_COLUMNS``

:func:`check` validates everything (schema; task, dataset and split hashes equal the installed ones;
all seeds present; ids complete and unique; no NaN/inf; declared and actual sizes within limits;
SHA-256s as declared) and re-scores every table with ``Evaluator(task)``: a reported number that
differs from the re-scored one is rejected with both values shown.

Submissions are data, never code: JSON is parsed with :mod:`json`, tables are read with pyarrow's
Parquet reader, paths are checked against one pattern (no links, nothing outside the folder), and
the only code that runs is neuropil's own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neuropil import _json
from neuropil._fetch import sha256_of
from neuropil._util import utc_now
from neuropil.benchmarks.leaderboard.store import Store
from neuropil.benchmarks.protocol import SubmissionHook, implementation, submission_hook
from neuropil.benchmarks.registry import get_task
from neuropil.benchmarks.spec import RunConfig, TaskSpec
from neuropil.errors import InvalidArgumentError, NeuropilError, RawFormatError

FORMAT = "neuropil-submission"
FORMAT_VERSION = 1
RESULT = "result.json"
MANIFEST = "submission.json"
PARTS = ("test", "valid")
#: largest predictions file accepted (a full celegans-activity-forecast test file is ~4 MB)
MAX_FILE_BYTES = 64 * 2**20
#: largest submission folder accepted, all files together
MAX_TOTAL_BYTES = 2 * 2**30
#: largest JSON document accepted (result.json, submission.json)
MAX_JSON_BYTES = 8 * 2**20
#: the task's own seed count rule (OGB's 10) unless its TaskSpec asks for more
DEFAULT_MIN_SEEDS = 10
#: re-scored vs reported metric: the same arithmetic on the same numbers, so only float noise is allowed
RESCORE_RTOL, RESCORE_ATOL = 1e-9, 1e-12
logger = logging.getLogger(__name__)
_FILE_PATTERN = re.compile(r"^predictions/seed-(-?[0-9]{1,9})-(test|valid)\.parquet$")


class SubmissionError(NeuropilError, ValueError):
    """A submission folder that is incomplete, inconsistent, tampered with or over a limit."""


def hook(task: TaskSpec) -> SubmissionHook:
    """The task's submission hook (:class:`~.protocol.SubmissionHook`); raises when it takes none."""
    return submission_hook(task)[1]


def required_seeds(task: TaskSpec) -> int:
    return max(DEFAULT_MIN_SEEDS, int(task.min_seeds or DEFAULT_MIN_SEEDS))


def save_run(config: RunConfig, folder: str | os.PathLike[str], *, home: str | os.PathLike[str] | None = None,
             progress: bool = False, command: str | None = None) -> dict[str, Any]:
    """Run ``config`` (:func:`.runner.execute`) and write its submission folder; return the result."""
    from neuropil.benchmarks import runner

    task = get_task(config.task)
    hook(task)  # refused before any training when the task takes no submissions
    target = Path(folder).expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidArgumentError(f"Submission folder {target} exists and is not empty; choose a new --out folder.")
    outcome = runner.execute(config, home=home, progress=progress, command=command, keep_predictions=True)
    write_folder(target, outcome.document, module=hook(task), sets=outcome.sets, outputs=outcome.predictions)
    return outcome.document


def ids_sha256(ids: Any) -> str:
    """SHA-256 of an example-id table (column names, dtypes-free values, in order)."""
    digest = hashlib.sha256()
    for column in ids.columns:
        digest.update(column.encode() + b"\0")
        values = ids[column].to_numpy()
        digest.update(values.astype("int64").tobytes() if values.dtype.kind in "iub" else
                      "\0".join(map(str, values)).encode())
    return digest.hexdigest()


# -------------------------------------------------------------------------------------------- writing

def write_folder(folder: str | os.PathLike[str], result: dict[str, Any], *, module: SubmissionHook,
                 sets: dict[str, Any], outputs: list[tuple[int, dict[str, Any]]]) -> Path:
    """Write ``result.json``, the per-seed tables and ``submission.json`` into ``folder`` atomically
    (built in a hidden sibling, then renamed); ``outputs`` holds (seed, {part: model output})."""
    from neuropil.benchmarks.results import write as write_result

    target = Path(folder).expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidArgumentError(f"Submission folder {target} exists and is not empty; choose a new --out folder.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        (staging / "predictions").mkdir()
        files = []
        for seed, predictions in outputs:
            for part in PARTS:
                name = f"predictions/seed-{seed}-{part}.parquet"
                table = module.predictions_table(sets, part, predictions[part])
                table.to_parquet(staging / name, index=False, engine="pyarrow")
                files.append({"path": name, "seed": int(seed), "part": part, "rows": int(len(table)),
                              "bytes": (staging / name).stat().st_size, "sha256": sha256_of(staging / name)})
        write_result(result, staging / RESULT)
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "task": result["task"],
                    "id_columns": list(module.ID_COLUMNS), "prediction_columns": list(module.PREDICTION_COLUMNS),
                    "example_ids_sha256": {part: ids_sha256(module.example_ids(sets, part)) for part in PARTS},
                    "files": files}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


# ------------------------------------------------------------------------------------------- checking

@dataclass
class Checked:
    """A submission that passed every check: its documents and what the store records."""

    folder: Path
    task: TaskSpec
    result: dict[str, Any]
    manifest: dict[str, Any]
    files: dict[str, str]  # path -> SHA-256
    predictions_sha256: str
    required_seeds: int
    rescored: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict)


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if path.is_symlink() or not path.is_file():
        raise SubmissionError(f"{path} is missing (a submission folder holds {RESULT} and {MANIFEST}); "
                              "write one with `neuropil bench run ... --save-predictions --out DIR`.")
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise SubmissionError(f"{path} is {size} bytes; the limit for {what} is {MAX_JSON_BYTES} bytes.")
    try:  # 1e400, 10^400-digit integers and 200k-deep nesting are refused here, not met later
        document = _json.loads(path.read_bytes(), source=str(path), allow_nan=True)
    except RawFormatError as error:
        raise SubmissionError(str(error)) from None
    if not isinstance(document, dict):
        raise SubmissionError(f"{path} must hold a JSON object, got {type(document).__name__}.")
    return document


def _first(ids: Any, index: int, columns: tuple[str, ...]) -> str:
    values = [ids[c].iloc[index] for c in columns]
    return "(" + ", ".join(f"{c}={getattr(v, 'item', lambda: v)()!r}" for c, v in zip(columns, values)) + ")"


def _align(table: Any, expected: Any, module: Any, label: str) -> np.ndarray:
    """Check one predictions table against the expected ids; return its values in the expected order."""
    import pandas as pd

    id_columns, value_columns = tuple(module.ID_COLUMNS), tuple(module.PREDICTION_COLUMNS)
    wanted = [*id_columns, *value_columns]
    missing = [c for c in wanted if c not in table.columns]
    extra = [c for c in table.columns if c not in wanted]
    if missing or extra:
        raise SubmissionError(f"{label}: columns must be exactly {wanted}; missing {missing}, unexpected {extra}.")
    for column in value_columns:
        if table[column].dtype.kind not in "fiu":
            raise SubmissionError(f"{label}: column {column!r} must be numeric, got dtype {table[column].dtype}.")
    values = table[list(value_columns)].to_numpy()
    finite = np.isfinite(values).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise SubmissionError(f"{label}: {bad.size} row(s) with NaN or inf in {list(value_columns)}, first at "
                              f"{_first(table, int(bad[0]), id_columns)}.")
    submitted = pd.MultiIndex.from_frame(table[list(id_columns)])
    duplicated = submitted.duplicated()
    if duplicated.any():
        first = int(np.flatnonzero(duplicated)[0])
        raise SubmissionError(f"{label}: {int(duplicated.sum())} duplicated example id(s), first "
                              f"{_first(table, first, id_columns)}; each id must appear once.")
    reference = pd.MultiIndex.from_frame(expected[list(id_columns)])
    position = reference.get_indexer(submitted)
    unknown = np.flatnonzero(position < 0)
    if unknown.size:
        raise SubmissionError(f"{label}: {unknown.size} example id(s) not in the task's stored examples, first "
                              f"{_first(table, int(unknown[0]), id_columns)}.")
    covered = np.zeros(len(expected), dtype=bool)
    covered[position] = True
    if not covered.all():
        absent = np.flatnonzero(~covered)
        raise SubmissionError(f"{label}: {absent.size} of {len(expected)} example id(s) missing, first "
                              f"{_first(expected, int(absent[0]), id_columns)}; every stored example needs a "
                              "prediction.")
    aligned = np.empty_like(values)
    aligned[position] = values
    return aligned


def _compare(reported: dict[str, Any], rescored: dict[str, float], where: str) -> list[str]:
    problems = []
    for metric, value in rescored.items():
        claimed = reported.get(metric)
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            if claimed is not None:
                problems.append(f"{where} {metric}: reported {claimed!r}, re-scored {value!r}")
            continue
        if claimed is None:
            problems.append(f"{where} {metric}: not reported, re-scored {value:.6g}")
        elif not math.isclose(float(claimed), value, rel_tol=RESCORE_RTOL, abs_tol=RESCORE_ATOL):
            problems.append(f"{where} {metric}: reported {float(claimed):.6g}, re-scored {value:.6g} "
                            f"(difference {float(claimed) - value:+.3g})")
    unknown = sorted(set(reported) - set(rescored))
    if unknown:
        problems.append(f"{where}: reported metric(s) {unknown} that the evaluator does not produce")
    return problems


def check(folder: str | os.PathLike[str], *, home: str | os.PathLike[str] | None = None,
          min_seeds: int | None = None, allow_quick: bool = False, max_file_bytes: int = MAX_FILE_BYTES,
          max_total_bytes: int = MAX_TOTAL_BYTES) -> Checked:
    """Validate and re-score a submission folder; raise :class:`SubmissionError` on the first problem.

    ``min_seeds`` lowers the seed count the task requires (10 by default, OGB's rule) and
    ``allow_quick`` accepts ``--quick`` runs: both exist for tests and local dry runs only, and the
    store records them with the entry.
    """
    import pyarrow.parquet as pq

    from neuropil.benchmarks.evaluate import Evaluator
    from neuropil.benchmarks.results import ResultSchemaError, validate
    from neuropil.benchmarks.runner import summarize
    from neuropil.benchmarks.splits import dataset_identity

    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise SubmissionError(f"Submission folder {root} does not exist.")
    manifest = _read_json(root / MANIFEST, MANIFEST)
    result = _read_json(root / RESULT, RESULT)
    try:
        validate(result)
    except ResultSchemaError as error:
        raise SubmissionError(f"{RESULT}: {error}") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise SubmissionError(f"{MANIFEST}: format {manifest.get('format')!r} version "
                              f"{manifest.get('format_version')!r}; expected {FORMAT!r} version {FORMAT_VERSION}.")
    task = get_task(result["task"]["id"])
    trained, module = submission_hook(task)
    if manifest.get("task") != result["task"]:
        raise SubmissionError(f"{MANIFEST} names task {manifest.get('task')!r}, {RESULT} {result['task']!r}.")
    if result["task"]["version"] != task.version:
        raise SubmissionError(f"Task {task.id} version {result['task']['version']} in the submission; the installed "
                              f"version is {task.version}.")
    if result["quick"] and not allow_quick:
        raise SubmissionError("This is a --quick (CI-sized) run, not a leaderboard result; re-run without --quick "
                              "(allow_quick / --allow-quick exist for local dry runs only).")
    needed = required_seeds(task) if min_seeds is None else int(min_seeds)
    if needed < 1:
        raise InvalidArgumentError(f"min_seeds must be >= 1, got {needed}.")
    seeds = result["seeds"]
    if len(set(seeds)) != len(seeds):
        raise SubmissionError(f"{RESULT}: seeds {seeds} repeat a seed.")
    if len(seeds) < needed:
        raise SubmissionError(f"{RESULT}: {len(seeds)} seed(s) {seeds}; {task.id} requires at least {needed}.")
    if [row["seed"] for row in result["per_seed"]] != seeds:
        raise SubmissionError(f"{RESULT}: per_seed covers seeds {[row['seed'] for row in result['per_seed']]}, "
                              f"seeds lists {seeds}.")
    identity = dataset_identity(task, home)
    for key in ("id", "version", "manifest_sha256"):
        if result["dataset"].get(key) != identity[key]:
            raise SubmissionError(f"{RESULT}: dataset {key} {result['dataset'].get(key)!r} differs from the installed "
                                  f"{identity[key]!r}; the predictions were made on other data.")

    # the files: listed once each, named by the one pattern, declared sizes within the limits
    listed = manifest.get("files")
    if not isinstance(listed, list) or not all(isinstance(item, dict) for item in listed):
        raise SubmissionError(f"{MANIFEST}: 'files' must be a list of objects.")
    by_key: dict[tuple[int, str], dict[str, Any]] = {}
    declared_total = 0
    for item in listed:
        name = item.get("path")
        match = _FILE_PATTERN.match(name) if isinstance(name, str) else None
        if match is None:
            raise SubmissionError(f"{MANIFEST}: file path {name!r} is not of the form "
                                  "predictions/seed-<seed>-<test|valid>.parquet.")
        key = (int(match.group(1)), match.group(2))
        if key in by_key:
            raise SubmissionError(f"{MANIFEST}: {name} is listed twice.")
        if item.get("seed") != key[0] or item.get("part") != key[1]:
            raise SubmissionError(f"{MANIFEST}: {name} declares seed {item.get('seed')!r} part {item.get('part')!r}.")
        declared = item.get("bytes")
        if not isinstance(declared, int) or declared < 0:
            raise SubmissionError(f"{MANIFEST}: {name} declares size {declared!r}; a byte count is required.")
        if declared > max_file_bytes:
            raise SubmissionError(f"{name} declares {declared} bytes; the limit per predictions file is "
                                  f"{max_file_bytes} bytes.")
        declared_total += declared
        by_key[key] = item
    if declared_total > max_total_bytes:
        raise SubmissionError(f"The submission declares {declared_total} bytes in all; the limit is {max_total_bytes}.")
    for seed in seeds:
        for part in PARTS:
            if (seed, part) not in by_key:
                raise SubmissionError(f"Seed {seed} has no {part} predictions: predictions/seed-{seed}-{part}.parquet "
                                      f"is not listed in {MANIFEST} (every seed needs test and valid predictions).")
    stray = sorted({f"predictions/seed-{s}-{p}.parquet" for s, p in by_key} - {
        f"predictions/seed-{s}-{p}.parquet" for s in seeds for p in PARTS})
    if stray:
        raise SubmissionError(f"{MANIFEST} lists predictions of seeds not in {RESULT}: {stray}.")
    if (root / "predictions").is_symlink():  # as for a linked file: the folder must hold what it submits
        raise SubmissionError(f"{root / 'predictions'} is a link; a submission folder holds its predictions/ "
                              "folder itself, not a link to one.")
    present = sorted(str(p.relative_to(root)) for p in (root / "predictions").rglob("*")) \
        if (root / "predictions").is_dir() else []
    unlisted = sorted(set(present) - {item["path"] for item in by_key.values()})
    if unlisted:
        raise SubmissionError(f"Files not listed in {MANIFEST}: {unlisted}.")

    files: dict[str, str] = {}
    for (seed, part), item in sorted(by_key.items()):
        path = root / item["path"]
        if path.is_symlink() or not path.is_file():
            raise SubmissionError(f"{item['path']} is listed in {MANIFEST} but is {'a link' if path.is_symlink() else 'missing'}.")
        size = path.stat().st_size
        if size > max_file_bytes:
            raise SubmissionError(f"{item['path']} is {size} bytes; the limit per predictions file is "
                                  f"{max_file_bytes} bytes.")
        if size != item["bytes"]:
            raise SubmissionError(f"{item['path']} is {size} bytes; {MANIFEST} declares {item['bytes']}.")
        digest = sha256_of(path)
        if digest != item.get("sha256"):
            raise SubmissionError(f"{item['path']} has SHA-256 {digest}; {MANIFEST} declares {item.get('sha256')!r}.")
        files[item["path"]] = digest
        with open(path, "rb") as handle:
            if handle.read(4) != b"PAR1":
                raise SubmissionError(f"{item['path']} is not a Parquet file.")

    # the installed split and examples: what the task scores today
    recorded = result["dataset"].get("config") or {}  # e.g. which ingested graph; only the task's dataset keys
    config = {**task.default_config, **task.dataset_config,
              **{key: recorded[key] for key in task.dataset_config if key in recorded}}
    sets, split_sha256 = trained.load_sets(home=home, config=config, quick=bool(result["quick"]))
    if result["split_sha256"] != split_sha256:
        raise SubmissionError(f"{RESULT}: split_sha256 {result['split_sha256']} differs from the installed split of "
                              f"{task.id}, {split_sha256}; the predictions were made on another split.")
    expected = {part: module.example_ids(sets, part) for part in PARTS}
    declared_ids = manifest.get("example_ids_sha256", {})
    for part in PARTS:
        actual = ids_sha256(expected[part])
        if declared_ids.get(part) != actual:
            raise SubmissionError(f"{MANIFEST}: {part} example ids SHA-256 {declared_ids.get(part)!r}; the installed "
                                  f"task's {part} examples hash to {actual}.")

    evaluator = Evaluator(task.id)
    fingerprint = hashlib.sha256(f"{task.id} {task.version} {split_sha256}".encode())
    rescored: dict[int, dict[str, dict[str, float]]] = {}
    problems: list[str] = []
    for index, seed in enumerate(seeds):
        rescored[seed] = {}
        for part in PARTS:
            name = f"predictions/seed-{seed}-{part}.parquet"
            wanted = [*module.ID_COLUMNS, *module.PREDICTION_COLUMNS]
            try:
                # the footer first: a small file may still decode to billions of rows
                footer = pq.ParquetFile(root / name)
                if sorted(footer.schema_arrow.names) != sorted(wanted):
                    raise SubmissionError(f"{name}: columns must be exactly {wanted}, got {footer.schema_arrow.names}.")
                if footer.metadata.num_rows > len(expected[part]):
                    raise SubmissionError(f"{name} has {footer.metadata.num_rows} rows; the task has "
                                          f"{len(expected[part])} {part} examples, one row each.")
                table = footer.read().to_pandas()
            except SubmissionError:
                raise
            except Exception as error:  # pyarrow raises several types for a damaged file
                raise SubmissionError(f"{name} is not a readable Parquet table: {error}") from None
            expected_rows = by_key[(seed, part)].get("rows")
            if expected_rows != len(table):
                raise SubmissionError(f"{name} has {len(table)} rows; {MANIFEST} declares {expected_rows!r}.")
            values = _align(table, expected[part], module, name)
            fingerprint.update(f"|{seed}|{part}|".encode() + np.ascontiguousarray(values, dtype="float64").tobytes())
            metrics = evaluator.eval(module.eval_input_from_predictions(sets, part, values))
            rescored[seed][part] = metrics
            problems += _compare(result["per_seed"][index][part], metrics, f"seed {seed} {part}")
    for part in PARTS:
        recomputed = summarize([{part: rescored[s][part]} for s in seeds], part)
        unknown = sorted(set(result["summary"][part]) - set(recomputed))
        if unknown:
            problems.append(f"summary {part}: metric(s) {unknown} that the evaluator does not produce")
        for metric, values in recomputed.items():
            claimed = result["summary"][part].get(metric) or {}
            for stat in ("mean", "std"):
                a, b = claimed.get(stat), values[stat]
                if (a is None) != (b is None) or (a is not None and not math.isclose(
                        a, b, rel_tol=RESCORE_RTOL, abs_tol=RESCORE_ATOL)):
                    problems.append(f"summary {part} {metric} {stat}: reported {a!r}, from the re-scored seeds {b!r}")
    if problems:
        shown = "\n  ".join(problems[:12]) + (f"\n  ... and {len(problems) - 12} more" if len(problems) > 12 else "")
        raise SubmissionError(f"Reported numbers differ from the re-scored predictions ({len(problems)} "
                              f"difference(s)):\n  {shown}")
    return Checked(folder=root, task=task, result=result, manifest=manifest, files=files,
                   predictions_sha256=fingerprint.hexdigest(), required_seeds=needed, rescored=rescored)


# -------------------------------------------------------------------------------------------- storing

_URL = re.compile(r"^https?://[^\s<>\"']+$")


def _url(value: str | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not _URL.match(value) or len(value) > 2000:
        raise InvalidArgumentError(f"{what} must be an http(s) URL without spaces or quotes, got {value!r}.")
    return value


def is_baseline(result: dict[str, Any]) -> bool:
    """A registered baseline with its registered configuration, produced by neuropil's runner."""
    task = get_task(result["task"]["id"])
    name = result["model"]["name"]
    try:
        config = RunConfig.from_dict(result.get("run_config"))
    except InvalidArgumentError:
        return False
    if name not in task.baselines or config.model != name or config.task != task.id:
        return False
    entry = implementation(task).trained.BASELINES[name]
    recorded = result["model"]["config"]
    # run options that are part of the model (connectome_gru's connectome) may take any value
    return all(recorded.get(key) == value for key, value in entry["config"].items()
               if key not in entry.get("run_keys", ()))


def submit(folder: str | os.PathLike[str], *, name: str, code: str | None = None, paper: str | None = None,
           home: str | os.PathLike[str] | None = None, min_seeds: int | None = None, allow_quick: bool = False,
           max_file_bytes: int | None = None, timeout: float = 60.0) -> dict[str, Any]:
    """Validate and re-score a submission folder (:func:`check`), then append it to the task's store."""
    name = (name or "").strip()
    if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise InvalidArgumentError(f"--name must be 1-200 printable characters, got {name!r}.")
    code, paper = _url(code, "--code"), _url(paper, "--paper")
    options = {} if max_file_bytes is None else {"max_file_bytes": int(max_file_bytes)}
    checked = check(folder, home=home, min_seeds=min_seeds, allow_quick=allow_quick, **options)
    result = checked.result
    baseline = is_baseline(result)
    if not baseline and code is None:
        raise SubmissionError(f"Model {result['model']['name']!r} is not a registered baseline of {checked.task.id} "
                              "with its registered configuration: a code link is required (--code URL).")
    document = {
        "id": checked.predictions_sha256[:12],
        "task": result["task"], "name": name, "code": code, "paper": paper, "baseline": baseline,
        "submitted": utc_now(), "model": result["model"], "parameter_count": result["parameter_count"],
        "hardware": result["hardware"], "command": result["command"], "neuropil_version": result["neuropil_version"],
        "git_commit": result["git_commit"], "run_config": result.get("run_config"), "dataset": result["dataset"], "split_sha256": result["split_sha256"],
        "seeds": result["seeds"], "required_seeds": checked.required_seeds, "quick": result["quick"],
        "primary_metric": result["primary_metric"], "direction": result["direction"],
        "summary": result["summary"], "per_seed": result["per_seed"], "wall_time_s": result["wall_time_s"],
        "result_created": result["created"], "files": checked.files,
        "predictions_sha256": checked.predictions_sha256,
    }
    Store(checked.task.id, home, timeout=timeout).append(document)
    logger.info("added entry %s to the %s leaderboard", document["id"], checked.task.id)
    return document
