"""The leaderboard store: one append-only SQLite file per task, and its rankings.

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
import hashlib
import json
import logging
import math
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from typing import Any

from neuropil._home import get_home
from neuropil._util import LockBusy, canonical_json, file_lock, format_mean_std, utc_now
from neuropil.benchmarks.registry import get_task, task_ids
from neuropil.errors import InvalidArgumentError, NeuropilError, StoreCorruptedError

logger = logging.getLogger(__name__)

FORMAT = "neuropil-leaderboard"
FORMAT_VERSION = "1"
SQLITE_HEADER = b"SQLite format 3\x00"
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
        try:
            with file_lock(self.lock_path, timeout=self.timeout):
                yield
        except LockBusy:
            raise LeaderboardLockedError(
                f"The leaderboard of {self.task.id} is locked by another submit ({self.lock_path}) for "
                f"more than {self.timeout:g} s; nothing was written. Try again.") from None

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
                                        ("task", self.task.id), ("created", utc_now())])
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
                document = {"id": entry_id, "_unreadable": f"its stored record is not JSON ({error.msg})"}
            if not isinstance(document, dict):
                document = {"id": entry_id, "_unreadable": "its stored record is not a JSON object"}
            document["integrity"] = "ok" if hashlib.sha256(text.encode()).hexdigest() == digest else "edited"
            document["verification"] = latest.get(entry_id)
            document["invalid"] = entry_problem(document)
            out.append(document)
        return out

    def append(self, document: dict[str, Any]) -> str:
        """Add one entry (its ``id`` and ``predictions_sha256`` must be new); return its id."""
        text = canonical_json(document)
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
                                   (entry_id, report["verified"], int(report["agree"]), canonical_json(report)))
                connection.execute("COMMIT")
            except sqlite3.DatabaseError as error:
                raise self._corrupt(str(error)) from None
            finally:
                connection.close()


# -------------------------------------------------------------------------------------------- reading

#: fields a stored entry needs to be ranked (``submit`` writes them all); an entry without one is invalid
RANK_FIELDS = ("id", "task", "name", "model", "summary", "seeds", "submitted", "parameter_count", "baseline",
               "quick", "hardware")
#: and to be re-run by ``neuropil verify``
VERIFY_FIELDS = (*RANK_FIELDS, "command", "dataset", "split_sha256")


def _incomplete(document: dict[str, Any], fields: tuple[str, ...] = RANK_FIELDS) -> str | None:
    """What a stored record lacks for ranking (or re-running, with ``VERIFY_FIELDS``) it, or None."""
    if "_unreadable" in document:
        return document["_unreadable"]
    missing = [name for name in fields if name not in document]
    if missing:
        return f"missing field(s) {missing} in its stored record"
    summary = document["summary"]
    if not isinstance(summary, dict) or not all(isinstance(summary.get(part), dict) for part in ("test", "valid")):
        return "its stored summary lacks the test and valid parts"
    if not isinstance(document["model"], dict) or "name" not in document["model"]:
        return "its stored model has no name"
    return None


def entry_problem(document: dict[str, Any]) -> str | None:
    """Why a stored entry fails its check (never ranked, shown as invalid), or None when it passes."""
    if document.get("integrity", "ok") != "ok":
        return "edited after submission (its record no longer matches the SHA-256 stored with it)"
    return _incomplete(document)


def require_valid(entry: dict[str, Any]) -> None:
    """Refuse to act on an entry whose stored record is incomplete (one error line, never a KeyError);
    an edited but complete entry can still be re-run, to show what changed."""
    problem = _incomplete(entry, VERIFY_FIELDS)
    if problem:
        raise StoreCorruptedError(f"Leaderboard entry {entry.get('id')!r} is invalid: {problem}.")


def find_entry(entry_id: str, home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    for task_id in task_ids():
        for entry in Store(task_id, home).entries():
            if entry["id"] == entry_id:
                require_valid(entry)
                return entry
    raise InvalidArgumentError(f"No leaderboard entry {entry_id!r} in {get_home(home) / 'leaderboard'} "
                               "(`neuropil leaderboard TASK` lists the entry ids).")


def _mean_std(summary: dict[str, Any], metric: str) -> tuple[float | None, float | None]:
    values = summary.get(metric) or {}
    return values.get("mean"), values.get("std")


def ranked(task_id: str, home: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """Entries best first by the mean test primary metric; one flat row each."""
    task = get_task(task_id)
    rows, invalid = [], []
    for entry in Store(task.id, home).entries():
        if entry["invalid"]:
            verification = entry.get("verification")
            invalid.append({"id": entry["id"], "name": str(entry.get("name", "")), "rank": None,
                            "invalid": entry["invalid"], "model": str((entry.get("model") or {}).get("name", ""))
                            if isinstance(entry.get("model"), dict) else "", "primary_metric": task.primary_metric,
                            "test_mean": None, "test_std": None, "valid_mean": None, "metrics": {},
                            "parameters": None, "seeds": None, "date": str(entry.get("submitted", ""))[:10],
                            "baseline": bool(entry.get("baseline")), "quick": bool(entry.get("quick")),
                            "verified": None if verification is None else verification["agree"],
                            "integrity": entry["integrity"], "code": None, "paper": None, "hardware": ""})
            continue
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
               "hardware": entry["hardware"].get("processor", ""), "invalid": None}
        rows.append(row)
    sign = -1.0 if task.direction == "max" else 1.0
    rows.sort(key=lambda r: (r["test_mean"] is None or not math.isfinite(r["test_mean"]),
                             sign * (r["test_mean"] or 0.0)))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows + invalid  # shown, never ranked


def table_rows(task_id: str, rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, str]]]:
    """Display columns and string cells (terminal and Markdown)."""
    task = get_task(task_id)
    others = [m for m in task.metrics if m != task.primary_metric]
    columns = ["rank", "id", "name", "model", f"test {task.primary_metric}", f"valid {task.primary_metric}",
               *others, "params", "seeds", "date", "verified"]
    out = []
    for row in rows:
        if row.get("invalid"):
            cells = {column: "" for column in columns}
            cells.update({"rank": "invalid", "id": row["id"], "name": row["name"], "model": row["model"],
                          "date": row["date"], "verified": row["invalid"]})
            out.append(cells)
            continue
        cells = {"rank": str(row["rank"]), "id": row["id"], "name": row["name"], "model": row["model"],
                 f"test {task.primary_metric}": format_mean_std(row["test_mean"], row["test_std"]),
                 f"valid {task.primary_metric}": format_mean_std(row["valid_mean"], None),
                 "params": str(row["parameters"]), "seeds": str(row["seeds"]) + (" (quick)" if row["quick"] else ""),
                 "date": row["date"],
                 "verified": {None: "no", True: "yes", False: "DIFFERS"}[row["verified"]]
                 + ("" if row["integrity"] == "ok" else " (edited)")}
        cells.update({m: format_mean_std(row["metrics"].get(m), None) for m in others})
        out.append(cells)
    return columns, out


def markdown(task_id: str, rows: list[dict[str, Any]]) -> str:
    columns, cells = table_rows(task_id, rows)

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(escape(row[c]) for c in columns) + " |" for row in cells]
    return "\n".join(lines)
