"""The leaderboard: one append-only SQLite store per task, submissions, rankings and verification.

``<home>/leaderboard/<task>.sqlite`` holds ``entries`` (one JSON document per accepted submission,
with the SHA-256 of each prediction file and of the predictions themselves) and ``verifications``
(one row per ``neuropil verify``). Triggers refuse UPDATE and DELETE, so the store only grows. A
store is created complete in a temporary file and linked into place; each write is one SQLite
transaction taken under an exclusive lock file, so concurrent submits land one after the other
(or one is refused after ``timeout`` seconds). A file that is not such a store raises
:class:`~neuropil.errors.StoreCorruptedError` and is never rewritten.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import fcntl
import hashlib
import json
import logging
import math
import os
import re
import shlex
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from neuropil._home import get_home
from neuropil.benchmarks import get_task, task_ids
from neuropil.benchmarks.submissions import SubmissionError, check
from neuropil.errors import InvalidArgumentError, NeuropilError, StoreCorruptedError

logger = logging.getLogger(__name__)

FORMAT = "neuropil-leaderboard"
FORMAT_VERSION = "1"
SQLITE_HEADER = b"SQLite format 3\x00"
#: agreement of a re-run: |difference of means| <= VERIFY_SE * standard error of that difference
VERIFY_SE = 3.0
#: floor of the tolerance, relative to the value (deterministic models have zero seed spread)
VERIFY_RTOL = 1e-6
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    predictions_sha256 TEXT NOT NULL UNIQUE,
    submitted TEXT NOT NULL,
    document TEXT NOT NULL,
    document_sha256 TEXT NOT NULL
);
CREATE TABLE verifications (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id TEXT NOT NULL REFERENCES entries(id),
    verified TEXT NOT NULL,
    agree INTEGER NOT NULL,
    report TEXT NOT NULL
);
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries BEGIN SELECT RAISE(ABORT, 'append-only store'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries BEGIN SELECT RAISE(ABORT, 'append-only store'); END;
CREATE TRIGGER verifications_no_update BEFORE UPDATE ON verifications
    BEGIN SELECT RAISE(ABORT, 'append-only store'); END;
CREATE TRIGGER verifications_no_delete BEFORE DELETE ON verifications
    BEGIN SELECT RAISE(ABORT, 'append-only store'); END;
"""


class LeaderboardLockedError(NeuropilError, RuntimeError):
    """Another process held the leaderboard's lock for longer than the timeout."""


class DuplicateSubmissionError(NeuropilError, ValueError):
    """The same predictions are already on the leaderboard."""


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


class Store:
    """The leaderboard file of one task."""

    def __init__(self, task_id: str, home: str | os.PathLike[str] | None = None, *, timeout: float = 60.0) -> None:
        self.task = get_task(task_id)
        self.folder = get_home(home) / "leaderboard"
        self.path = self.folder / f"{self.task.id}.sqlite"
        self.lock_path = self.folder / f"{self.task.id}.lock"
        self.timeout = timeout

    # ------------------------------------------------------------------ file handling
    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_path, "a+")  # noqa: SIM115 (held for the duration of the context)
        try:
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as error:
                    if error.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise LeaderboardLockedError(
                            f"The leaderboard of {self.task.id} is locked by another submit ({self.lock_path}) for "
                            f"more than {self.timeout:g} s; nothing was written. Try again.") from None
                    time.sleep(0.05)
            yield
        finally:
            handle.close()

    def _create(self) -> None:
        """A complete empty store, built in a temporary file and linked into place (never over a file)."""
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{self.task.id}.", suffix=".sqlite")
        os.close(handle)
        try:
            connection = sqlite3.connect(temporary)
            with connection:
                connection.executescript(_SCHEMA)
                connection.executemany("INSERT INTO meta VALUES (?, ?)",
                                       [("format", FORMAT), ("format_version", FORMAT_VERSION),
                                        ("task", self.task.id), ("created", _now())])
            connection.close()
            os.link(temporary, self.path)
        except FileExistsError:
            pass  # made meanwhile by another process: use that one
        finally:
            os.unlink(temporary)

    def _corrupt(self, why: str) -> StoreCorruptedError:
        return StoreCorruptedError(
            f"Leaderboard store {self.path} is not a readable {FORMAT} file ({why}). It was left untouched; "
            "restore it from a backup or move it aside to start a new leaderboard.")

    def _open(self, *, write: bool) -> sqlite3.Connection:
        if not self.path.is_file():
            raise self._corrupt("missing")
        with open(self.path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header != SQLITE_HEADER:
            raise self._corrupt("no SQLite header")
        try:
            connection = sqlite3.connect(f"file:{self.path}?mode={'rw' if write else 'ro'}", uri=True,
                                         timeout=self.timeout, isolation_level=None)
            check = connection.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                connection.close()
                raise self._corrupt(f"integrity check: {check}")
            meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as error:
            raise self._corrupt(str(error)) from None
        if meta.get("format") != FORMAT or meta.get("task") != self.task.id or not {"entries", "verifications"} <= tables:
            connection.close()
            raise self._corrupt(f"format {meta.get('format')!r}, task {meta.get('task')!r}")
        if meta.get("format_version") != FORMAT_VERSION:
            connection.close()
            raise self._corrupt(f"format version {meta.get('format_version')!r}, this neuropil reads {FORMAT_VERSION}")
        return connection

    # ------------------------------------------------------------------ reading and writing
    def entries(self) -> list[dict[str, Any]]:
        """Every entry in submission order; each with ``integrity`` ("ok" or "edited") and ``verification``."""
        if not self.path.exists():
            return []
        connection = self._open(write=False)
        try:
            rows = connection.execute("SELECT id, document, document_sha256 FROM entries ORDER BY seq").fetchall()
            checks = connection.execute("SELECT entry_id, verified, agree, report FROM verifications ORDER BY seq"
                                        ).fetchall()
        except sqlite3.DatabaseError as error:
            raise self._corrupt(str(error)) from None
        finally:
            connection.close()
        latest = {entry_id: {"verified": when, "agree": bool(agree), "report": json.loads(report)}
                  for entry_id, when, agree, report in checks}
        out = []
        for entry_id, text, digest in rows:
            try:
                document = json.loads(text)
            except json.JSONDecodeError as error:
                raise self._corrupt(f"entry {entry_id}: {error}") from None
            document["integrity"] = "ok" if hashlib.sha256(text.encode()).hexdigest() == digest else "edited"
            document["verification"] = latest.get(entry_id)
            out.append(document)
        return out

    def append(self, document: dict[str, Any]) -> str:
        """Add one entry (its ``id`` and ``predictions_sha256`` must be new); return its id."""
        text = _canonical(document)
        with self._lock():
            if not self.path.exists():
                self._create()
            connection = self._open(write=True)
            try:
                connection.execute("BEGIN IMMEDIATE")
                same = connection.execute("SELECT id, document FROM entries WHERE predictions_sha256 = ? OR id = ?",
                                          (document["predictions_sha256"], document["id"])).fetchone()
                if same is not None:
                    connection.execute("ROLLBACK")
                    name = json.loads(same[1]).get("name")
                    raise DuplicateSubmissionError(f"Duplicate submission: the same predictions are already entry "
                                                   f"{same[0]} ({name!r}) of {self.task.id}; nothing was added.")
                connection.execute("INSERT INTO entries (id, predictions_sha256, submitted, document, document_sha256) "
                                   "VALUES (?, ?, ?, ?, ?)",
                                   (document["id"], document["predictions_sha256"], document["submitted"], text,
                                    hashlib.sha256(text.encode()).hexdigest()))
                connection.execute("COMMIT")
            except sqlite3.DatabaseError as error:
                raise self._corrupt(str(error)) from None
            finally:
                connection.close()
        return document["id"]

    def add_verification(self, entry_id: str, report: dict[str, Any]) -> None:
        with self._lock():
            connection = self._open(write=True)
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT INTO verifications (entry_id, verified, agree, report) VALUES (?, ?, ?, ?)",
                                   (entry_id, report["verified"], int(report["agree"]), _canonical(report)))
                connection.execute("COMMIT")
            except sqlite3.DatabaseError as error:
                raise self._corrupt(str(error)) from None
            finally:
                connection.close()


# -------------------------------------------------------------------------------------------- submit

_URL = re.compile(r"^https?://[^\s<>\"']+$")


def _url(value: str | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not _URL.match(value) or len(value) > 2000:
        raise InvalidArgumentError(f"{what} must be an http(s) URL without spaces or quotes, got {value!r}.")
    return value


def is_baseline(result: dict[str, Any]) -> bool:
    """A registered baseline with its registered configuration, produced by neuropil's runner."""
    import importlib

    task = get_task(result["task"]["id"])
    name = result["model"]["name"]
    args = _bench_run_args(result["command"])
    if name not in task.baselines or args is None or args.model != name or args.task != task.id:
        return False
    registered = getattr(importlib.import_module(task.module), "BASELINES", {}).get(name, {}).get("config")
    config = result["model"]["config"]
    return registered is None or all(config.get(key) == value for key, value in registered.items())


def submit(folder: str | os.PathLike[str], *, name: str, code: str | None = None, paper: str | None = None,
           home: str | os.PathLike[str] | None = None, min_seeds: int | None = None, allow_quick: bool = False,
           max_file_bytes: int | None = None, timeout: float = 60.0) -> dict[str, Any]:
    """Validate and re-score a submission folder (:func:`.submissions.check`), then append it."""
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
        "submitted": _now(), "model": result["model"], "parameter_count": result["parameter_count"],
        "hardware": result["hardware"], "command": result["command"], "neuropil_version": result["neuropil_version"],
        "git_commit": result["git_commit"], "dataset": result["dataset"], "split_sha256": result["split_sha256"],
        "seeds": result["seeds"], "required_seeds": checked.required_seeds, "quick": result["quick"],
        "primary_metric": result["primary_metric"], "direction": result["direction"],
        "summary": result["summary"], "per_seed": result["per_seed"], "wall_time_s": result["wall_time_s"],
        "result_created": result["created"], "files": checked.files,
        "predictions_sha256": checked.predictions_sha256,
    }
    Store(checked.task.id, home, timeout=timeout).append(document)
    logger.info("added entry %s to the %s leaderboard", document["id"], checked.task.id)
    return document


# -------------------------------------------------------------------------------------------- reading

def find_entry(entry_id: str, home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    for task_id in task_ids():
        for entry in Store(task_id, home).entries():
            if entry["id"] == entry_id:
                return entry
    raise InvalidArgumentError(f"No leaderboard entry {entry_id!r} in {get_home(home) / 'leaderboard'} "
                               "(`neuropil leaderboard TASK` lists the entry ids).")


def _mean_std(summary: dict[str, Any], metric: str) -> tuple[float | None, float | None]:
    values = summary.get(metric) or {}
    return values.get("mean"), values.get("std")


def ranked(task_id: str, home: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """Entries best first by the mean test primary metric; one flat row each."""
    task = get_task(task_id)
    rows = []
    for entry in Store(task.id, home).entries():
        test, valid = entry["summary"]["test"], entry["summary"]["valid"]
        mean, std = _mean_std(test, task.primary_metric)
        verification = entry.get("verification")
        row = {"id": entry["id"], "name": entry["name"], "model": entry["model"]["name"],
               "primary_metric": task.primary_metric, "test_mean": mean, "test_std": std,
               "valid_mean": _mean_std(valid, task.primary_metric)[0],
               "metrics": {m: _mean_std(test, m)[0] for m in task.metrics if m in test},
               "parameters": entry["parameter_count"], "seeds": len(entry["seeds"]),
               "date": entry["submitted"][:10], "baseline": entry["baseline"], "quick": entry["quick"],
               "verified": None if verification is None else verification["agree"],
               "integrity": entry["integrity"], "code": entry.get("code"), "paper": entry.get("paper"),
               "hardware": entry["hardware"].get("processor", "")}
        rows.append(row)
    sign = -1.0 if task.direction == "max" else 1.0
    rows.sort(key=lambda r: (r["test_mean"] is None or not math.isfinite(r["test_mean"]),
                             sign * (r["test_mean"] or 0.0)))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def _pm(mean: float | None, std: float | None) -> str:
    if mean is None:
        return "n/a"
    return f"{mean:.4f}" + (f" ± {std:.4f}" if std is not None else "")


def table_rows(task_id: str, rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, str]]]:
    """Display columns and string cells (terminal and Markdown)."""
    task = get_task(task_id)
    others = [m for m in task.metrics if m != task.primary_metric]
    columns = ["rank", "id", "name", "model", f"test {task.primary_metric}", f"valid {task.primary_metric}",
               *others, "params", "seeds", "date", "verified"]
    out = []
    for row in rows:
        cells = {"rank": str(row["rank"]), "id": row["id"], "name": row["name"], "model": row["model"],
                 f"test {task.primary_metric}": _pm(row["test_mean"], row["test_std"]),
                 f"valid {task.primary_metric}": _pm(row["valid_mean"], None),
                 "params": str(row["parameters"]), "seeds": str(row["seeds"]) + (" (quick)" if row["quick"] else ""),
                 "date": row["date"],
                 "verified": {None: "no", True: "yes", False: "DIFFERS"}[row["verified"]]
                 + ("" if row["integrity"] == "ok" else " (edited)")}
        cells.update({m: _pm(row["metrics"].get(m), None) for m in others})
        out.append(cells)
    return columns, out


def markdown(task_id: str, rows: list[dict[str, Any]]) -> str:
    columns, cells = table_rows(task_id, rows)

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(escape(row[c]) for c in columns) + " |" for row in cells]
    return "\n".join(lines)


# -------------------------------------------------------------------------------------------- verify

def _bench_run_args(command: str) -> Any:
    """``command`` parsed by neuropil's own parser when it is a ``neuropil bench run``, else None."""
    from neuropil.cli import build_parser

    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if not words or words[0] != "neuropil":
        return None
    try:
        args = build_parser().parse_args(words[1:])
    except SystemExit:  # argparse's way of saying the words are not a valid command
        return None
    if getattr(args, "command", None) != "bench" or getattr(args, "bench_command", None) != "run":
        return None
    return args


def recorded_run(entry: dict[str, Any]) -> dict[str, Any]:
    """The runner arguments of an entry's recorded command, parsed by neuropil's own parser (never run
    as a shell command); raises if the entry was not produced by ``neuropil bench run`` on a baseline."""
    command = entry.get("command", "")
    args = _bench_run_args(command)
    if args is None:
        raise InvalidArgumentError(f"Entry {entry['id']} was not produced by `neuropil bench run` (its command is "
                                   f"{command!r}); only runner entries can be re-run.")
    task = get_task(entry["task"]["id"])
    if args.task != task.id or args.all_baselines or args.model not in task.baselines:
        raise InvalidArgumentError(f"Entry {entry['id']}: recorded command {command!r} does not run one registered "
                                   f"baseline of {task.id}.")
    config = {key: getattr(args, key) for key in ("connectome", "graph") if getattr(args, key, None)}
    return {"task": task.id, "model": args.model, "quick": bool(args.quick), "config": config or None}


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
    arguments = recorded_run(entry)
    task = get_task(arguments["task"])
    rerun = runner.run(task.id, arguments["model"], seeds=entry["seeds"], quick=arguments["quick"], home=home,
                       progress=progress, config=arguments["config"], command=entry["command"])
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
              "seeds": entry["seeds"], "verified": _now(), "agree": all(r["agree"] for r in metrics) and not notes,
              "metrics": metrics, "notes": notes, "rerun_wall_time_s": rerun["wall_time_s"]}
    if record:
        Store(task.id, home).add_verification(entry["id"], report)
    return report
