"""Stored splits: made once by a seeded procedure, saved with the homogenized data, hashed.

``<home>/benchmarks/<task>/<task version>/split-<dataset fingerprint[:16]>.json`` holds the split and
the identity of the data it was made from; its SHA-256 (of the canonical JSON) goes into every
result, so a changed split or dataset version changes the result's hashes.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from neuropil import _store
from neuropil._home import get_home
from neuropil._util import canonical_json
from neuropil.benchmarks.spec import TaskSpec
from neuropil.datasets import get_spec
from neuropil.errors import StoreCorruptedError


def sha256_json(payload: Any) -> str:
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def dataset_identity(task: TaskSpec, home: str | os.PathLike[str] | None = None,
                     dataset: str | None = None) -> dict[str, str]:
    """Dataset id, version and the SHA-256 of its manifest (what a result was computed on);
    ``dataset`` overrides the task's (a run whose data come from another dataset)."""
    spec = get_spec(dataset or task.dataset)
    path = _store.require_version(spec.id, spec.version, home) / _store.MANIFEST
    return {"id": spec.id, "version": spec.version,
            "manifest_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "fingerprint": (_store.read_manifest(spec.id, spec.version, home) or {}).get("fingerprint", "")}


def load_or_make_split(task: TaskSpec, worms: list[tuple[str, str]], *,
                       home: str | os.PathLike[str] | None = None) -> tuple[dict, str]:
    """The stored split of ``task`` for the current dataset version (made and stored on first use).

    ``by_worm`` splits are made by :func:`neuropil.loaders.celegans_activity.worm_split` from
    ``worms`` = (study, worm) pairs, so ``load(..., format="torch", split=...)`` gives the same worms."""
    identity = dataset_identity(task, home)
    folder = get_home(home) / "benchmarks" / task.id / task.version
    path = folder / f"split-{identity['fingerprint'][:16]}.json"
    if path.is_file():
        stored = json.loads(path.read_text())
        if sha256_json(stored["split"]) != stored["sha256"]:
            raise StoreCorruptedError(f"Stored split {path} does not match its SHA-256; delete it to remake it.")
        return stored["split"], stored["sha256"]
    if task.split.get("kind") != "by_worm":
        split: dict[str, Any] = {"kind": task.split.get("kind", "none")}
    else:
        from neuropil.loaders.celegans_activity import worm_split

        split = worm_split(worms, seed=task.split["seed"], valid=task.split["valid"], test=task.split["test"])
    digest = sha256_json(split)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(handle, "w") as out:
        json.dump({"task": task.id, "task_version": task.version, "dataset": identity, "procedure": task.split,
                   "split": split, "sha256": digest}, out, indent=2, sort_keys=True)
    os.replace(temporary, path)
    return split, digest
