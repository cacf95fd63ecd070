"""Homogenized outputs: ``<home>/<dataset>/<version>/`` holding Parquet tables and ``manifest.json``.

Publishing is atomic: a build is written to a hidden folder ``.builds/<id>/`` and the version
path, a symbolic link, is swapped to it with one ``os.replace``. A reader therefore sees either the
previous complete version or the new complete one, never a partial one, and an ingest killed at any
point leaves the previous version in place. A lock file serialises ingests of one dataset.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from neuropil._fetch import sha256_of
from neuropil._home import get_home
from neuropil.errors import IngestLockedError, NotIngestedError, StoreCorruptedError

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"


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


def read_manifest(dataset_id: str, version: str, home: str | os.PathLike[str] | None = None) -> dict[str, Any] | None:
    path = version_path(dataset_id, version, home) / MANIFEST
    if not path.is_file():
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def require_version(dataset_id: str, version: str, home: str | os.PathLike[str] | None = None) -> Path:
    path = version_path(dataset_id, version, home)
    if not (path / MANIFEST).is_file():
        raise NotIngestedError(
            f"Dataset {dataset_id!r} version {version} is not ingested in {get_home(home)}. "
            f"Run `neuropil ingest {dataset_id}` first (or pass home=... / set NEUROPIL_HOME)."
        )
    return path


def verify_outputs(dataset_id: str, version: str, home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Re-hash every output against the manifest; raise :class:`StoreCorruptedError` on a mismatch."""
    path = require_version(dataset_id, version, home)
    manifest = read_manifest(dataset_id, version, home) or {}
    for name, entry in manifest.get("outputs", {}).items():
        actual = sha256_of(path / name) if (path / name).is_file() else "missing"
        if actual != entry["sha256"]:
            raise StoreCorruptedError(
                f"Output {name!r} of {dataset_id} {version} has SHA-256 {actual}, manifest says "
                f"{entry['sha256']}. Re-run `neuropil ingest {dataset_id} --force`."
            )
    return manifest


@contextlib.contextmanager
def ingest_lock(dataset_id: str, home: str | os.PathLike[str] | None = None) -> Iterator[None]:
    """Exclusive, non-blocking lock on one dataset; the second ingest fails fast and clearly."""
    root = dataset_root(dataset_id, home)
    root.mkdir(parents=True, exist_ok=True)
    lock_path = root / ".lock"
    handle = open(lock_path, "a+")  # noqa: SIM115 (held for the duration of the context)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise IngestLockedError(
                f"Another ingest of {dataset_id!r} is running (lock {lock_path}, held by pid {holder}). "
                "Wait for it to finish; the published version is untouched."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the flock


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
        self.outputs[name] = {"rows": int(len(table)), "sha256": sha256_of(target)}

    def write_file(self, name: str, writer: Any, *, rows: int | None = None) -> Path:
        """Let ``writer(path)`` write one file (e.g. HDF5) into the build; record its SHA-256."""
        target = self.path / name
        writer(target)
        self.outputs[name] = {"sha256": sha256_of(target), **({"rows": int(rows)} if rows is not None else {})}
        return target

    def publish(self, manifest: dict[str, Any]) -> Path:
        manifest = dict(manifest)
        manifest["outputs"] = self.outputs
        manifest.setdefault("created", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
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
        if previous is not None and previous != self.path.resolve():
            shutil.rmtree(previous, ignore_errors=True)
        logger.info("published %s %s at %s", self.dataset_id, self.version, link)
        return link

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def collect_garbage(dataset_id: str, home: str | os.PathLike[str] | None = None) -> None:
    """Remove build folders that no version link points to (left by killed ingests); call under the lock."""
    root = dataset_root(dataset_id, home)
    builds = root / ".builds"
    if not builds.is_dir():
        return
    live = {p.resolve() for p in root.iterdir() if p.is_symlink()}
    for folder in builds.iterdir():
        if folder.resolve() not in live:
            shutil.rmtree(folder, ignore_errors=True)
    for stale in root.glob(".*.link"):
        stale.unlink(missing_ok=True)
