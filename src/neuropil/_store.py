"""Homogenized outputs: ``<home>/<dataset>/<version>/`` holding Parquet tables and ``manifest.json``.

Publishing is atomic: a build is written to a hidden folder ``.builds/<id>/`` and the version
path, a symbolic link, is swapped to it with one ``os.replace``. A reader therefore sees either the
previous complete version or the new complete one, never a partial one, and an ingest killed at any
point leaves the previous version in place. A lock file serialises ingests of one dataset.

Readers resolve the link once (:func:`require_version` returns the build folder itself, and inside
:func:`pinned` every resolution of one version returns the same build), so a load never mixes files
of two builds. A superseded build stays on disk for :data:`SUPERSEDED_GRACE_S` seconds after the swap
so that a reader that resolved it just before can finish; the next ingest removes it after that.

:func:`staged_folder` is the same build-beside-then-swap for folders written outside the store (the
Hugging Face export, the leaderboard site): it never replaces a folder that lacks its marker file.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from neuropil._fetch import sha256_of
from neuropil._home import get_home
from neuropil._util import LockBusy, file_lock, utc_now
from neuropil.errors import IngestLockedError, InvalidArgumentError, NotIngestedError, StoreCorruptedError

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
#: seconds a superseded build is kept for readers that resolved it just before the swap
SUPERSEDED_GRACE_S = 600.0
_SUPERSEDED = ".superseded"
_PINNED: contextvars.ContextVar[dict[tuple[str, str, str], Path] | None] = contextvars.ContextVar("pinned", default=None)


def dataset_root(dataset_id: str, home: str | os.PathLike[str] | None = None) -> Path:
    return get_home(home) / dataset_id


def version_path(dataset_id: str, version: str, home: str | os.PathLike[str] | None = None) -> Path:
    return dataset_root(dataset_id, home) / version


def fingerprint(pipeline_version: str, parameters: Mapping[str, Any], inputs: Mapping[str, str]) -> str:
    """One hash of everything an output depends on: code version, parameters and input hashes."""
    payload = json.dumps(
        {"pipeline_version": pipeline_version, "parameters": parameters, "inputs": dict(sorted(inputs.items()))},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@contextlib.contextmanager
def pinned() -> Iterator[None]:
    """Within this context every version resolves to the build it resolved to first (one load, one build)."""
    token = _PINNED.set({} if _PINNED.get() is None else _PINNED.get())
    try:
        yield
    finally:
        _PINNED.reset(token)


def resolve_version(dataset_id: str, version: str, home: str | os.PathLike[str] | None = None) -> Path | None:
    """The build folder ``<dataset>/<version>`` points to now (or the pinned one); None if not published."""
    link = version_path(dataset_id, version, home)
    cache = _PINNED.get()
    key = (str(link.parent.parent), dataset_id, version)
    if cache is not None and key in cache:
        return cache[key]
    build = Path(os.path.realpath(link))  # one readlink: every file read below comes from this build
    if not (build / MANIFEST).is_file():
        return None
    if cache is not None:
        cache[key] = build
    return build


def load_manifest(path: Path, dataset_id: str, *, shown: Path | None = None) -> dict[str, Any]:
    """Parse one ``manifest.json``; a truncated or corrupt one is a one-line :class:`StoreCorruptedError`
    naming ``shown`` (default ``path``)."""
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else type(error).__name__
        raise StoreCorruptedError(f"{shown or path} is not a valid manifest ({reason}; truncated or overwritten?). "
                                  f"Rebuild it with `neuropil ingest {dataset_id} --force`.") from None
    if not isinstance(manifest, dict):
        raise StoreCorruptedError(f"{shown or path} is not a valid manifest (a JSON {type(manifest).__name__}, "
                                  f"expected an object). Rebuild it with `neuropil ingest {dataset_id} --force`.")
    return manifest


def read_manifest(dataset_id: str, version: str, home: str | os.PathLike[str] | None = None) -> dict[str, Any] | None:
    build = resolve_version(dataset_id, version, home)
    if build is None:
        return None
    return load_manifest(build / MANIFEST, dataset_id, shown=version_path(dataset_id, version, home) / MANIFEST)


def require_version(dataset_id: str, version: str, home: str | os.PathLike[str] | None = None) -> Path:
    """The build folder of ``dataset_id`` ``version`` (resolved once; read every file from it)."""
    path = resolve_version(dataset_id, version, home)
    if path is None:
        raise NotIngestedError(
            f"Dataset {dataset_id!r} version {version} is not ingested in {get_home(home)}. "
            f"Run `neuropil ingest {dataset_id}` first (or pass home=... / set NEUROPIL_HOME)."
        )
    return path


def output_problems(path: Path, manifest: Mapping[str, Any], *, hashes: bool) -> dict[str, str]:
    """Output name -> what is wrong with it (missing, size, SHA-256); sizes only unless ``hashes``."""
    problems: dict[str, str] = {}
    for name, entry in (manifest.get("outputs") or {}).items():
        target = path / name
        if not target.is_file():
            problems[name] = "missing"
        elif entry.get("bytes") is not None and target.stat().st_size != entry["bytes"]:
            problems[name] = f"{target.stat().st_size} bytes, manifest says {entry['bytes']}"
        elif hashes and sha256_of(target) != entry.get("sha256"):
            problems[name] = f"SHA-256 differs from the manifest's {str(entry.get('sha256'))[:12]}…"
    return problems


def verify_outputs(dataset_id: str, version: str, home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Re-hash every output against the manifest; raise :class:`StoreCorruptedError` on a mismatch."""
    with pinned():
        path = require_version(dataset_id, version, home)
        manifest = read_manifest(dataset_id, version, home) or {}
    for name, problem in output_problems(path, manifest, hashes=True).items():
        raise StoreCorruptedError(f"Output {name!r} of {dataset_id} {version}: {problem}. "
                                  f"Re-run `neuropil ingest {dataset_id} --force`.")
    return manifest


@contextlib.contextmanager
def ingest_lock(dataset_id: str, home: str | os.PathLike[str] | None = None) -> Iterator[None]:
    """Exclusive, non-blocking lock on one dataset; the second ingest fails fast and clearly."""
    root = dataset_root(dataset_id, home)
    root.mkdir(parents=True, exist_ok=True)
    lock_path = root / ".lock"
    try:
        with file_lock(lock_path) as handle:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
    except LockBusy:
        holder = lock_path.read_text(errors="replace").strip() or "unknown"
        raise IngestLockedError(
            f"Another ingest of {dataset_id!r} is running (lock {lock_path}, held by pid {holder}). "
            "Wait for it to finish; the published version is untouched."
        ) from None


class Build:
    """A build folder that becomes ``<dataset>/<version>`` only on :meth:`publish`."""

    def __init__(self, dataset_id: str, version: str, home: str | os.PathLike[str] | None = None) -> None:
        self.dataset_id = dataset_id
        self.version = version
        self.root = dataset_root(dataset_id, home)
        self.builds = self.root / ".builds"
        self.builds.mkdir(parents=True, exist_ok=True)
        self.path = self.builds / f"{version}-{uuid.uuid4().hex[:12]}"
        self.path.mkdir()
        self.outputs: dict[str, dict[str, Any]] = {}

    def write_table(self, name: str, table: Any) -> None:
        """Write a pandas DataFrame as Parquet and record its row count and SHA-256."""
        target = self.path / name
        table.to_parquet(target, index=False, engine="pyarrow")
        self.outputs[name] = {"rows": int(len(table)), "sha256": sha256_of(target), "bytes": target.stat().st_size}

    def write_file(self, name: str, writer: Any, *, rows: int | None = None) -> Path:
        """Let ``writer(path)`` write one file (e.g. HDF5) into the build; record its SHA-256."""
        target = self.path / name
        writer(target)
        self.outputs[name] = {"sha256": sha256_of(target), "bytes": target.stat().st_size,
                              **({"rows": int(rows)} if rows is not None else {})}
        return target

    def publish(self, manifest: dict[str, Any]) -> Path:
        manifest = dict(manifest)
        manifest["outputs"] = self.outputs
        manifest.setdefault("created", utc_now())
        with open(self.path / MANIFEST, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=2, sort_keys=True, default=str)
            handle.flush()
            os.fsync(handle.fileno())
        link = self.root / self.version
        staged_link = self.root / f".{self.version}.{uuid.uuid4().hex[:8]}.link"
        os.symlink(os.path.relpath(self.path, self.root), staged_link)
        previous = link.resolve() if link.is_symlink() else None
        if link.exists() and not link.is_symlink():
            # a plain folder from an older layout: move it aside so the link can take its name
            shutil.rmtree(link)
        os.replace(staged_link, link)  # the atomic step
        if previous is not None and previous != self.path.resolve() and previous.is_dir():
            # kept for readers that resolved it just before the swap; collect_garbage removes it later
            (previous / _SUPERSEDED).write_text(str(time.time()))
        logger.info("published %s %s at %s", self.dataset_id, self.version, link)
        return link

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def collect_garbage(dataset_id: str, home: str | os.PathLike[str] | None = None) -> None:
    """Remove build folders that no version link points to: at once those left by killed ingests,
    superseded ones after :data:`SUPERSEDED_GRACE_S`; call under the lock."""
    root = dataset_root(dataset_id, home)
    builds = root / ".builds"
    if not builds.is_dir():
        return
    live = {p.resolve() for p in root.iterdir() if p.is_symlink()}
    for folder in builds.iterdir():
        if folder.resolve() in live:
            continue
        marker = folder / _SUPERSEDED
        if marker.is_file() and time.time() - marker.stat().st_mtime < SUPERSEDED_GRACE_S:
            continue
        shutil.rmtree(folder, ignore_errors=True)
    for stale in root.glob(".*.link"):
        stale.unlink(missing_ok=True)


# ------------------------------------------------------------------------------ folders outside the store

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    return done == 0


def replaceable_folder(directory: str | os.PathLike[str], *, marker: str, overwrite: bool, command: str) -> Path:
    """The resolved ``directory`` if it may be (re)written: new, empty, or holding ``marker`` (written by
    ``command``) and ``overwrite``; else a one-line :class:`InvalidArgumentError`. Never a foreign folder."""
    target = Path(directory).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise InvalidArgumentError(f"{target} is a file where a folder is expected; choose a new or empty folder for {command}.")
    if target.is_dir() and any(target.iterdir()):
        if not (target / marker).is_file():
            raise InvalidArgumentError(
                f"{target} is not empty and was not written by {command} (no {marker} file in it); neuropil never "
                "replaces such a folder, even with --force. Choose a new or empty folder.")
        if not overwrite:
            raise InvalidArgumentError(f"{target} holds an earlier {command} output; pass --force to replace it.")
    return target


@contextlib.contextmanager
def staged_folder(directory: str | os.PathLike[str], *, marker: str, overwrite: bool, command: str) -> Iterator[Path]:
    """Write a folder atomically: yields an empty staging folder beside ``directory``; on a clean exit
    the marker file is written and the staging folder swapped in (the old one removed only after the
    swap), on any exception (a kill, Ctrl-C) it is removed and ``directory`` is left as it was.
    Refuses (see :func:`replaceable_folder`) before anything is written."""
    target = replaceable_folder(directory, marker=marker, overwrite=overwrite, command=command)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as error:
        raise InvalidArgumentError(f"Cannot write {target} for {command}: {error.strerror or error}.") from None
    try:
        yield staging
        (staging / marker).write_text(f"written by `{command}`; replaced on rewrite\n", encoding="utf-8")
        replaceable_folder(target, marker=marker, overwrite=overwrite, command=command)  # unchanged meanwhile
        if target.is_dir() and not _exchange(staging, target):
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old)  # fallback where the swap is two renames: a kill here leaves it in `old`
            os.replace(staging, target)
            staging = old
        elif not target.is_dir():
            os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # after a swap this is the previous folder
