"""Pipelines: raw files -> homogenized files, one module per source family.

:func:`ingest` is the one driver: it resolves and verifies every declared raw file, skips the work
when the published manifest already records the same code version, parameters and input hashes,
and otherwise builds into a hidden folder that is published atomically under a per-dataset lock.
A pipeline module supplies ``PIPELINE_VERSION``, ``parameters(**given) -> dict`` and
``build(inputs, missing, parameters) -> (tables, manifest_extras)``; one with optional sources also
``skipped_parts(missing, parameters) -> {part: reason}``: what the output would lack, refused
unless ``allow_partial`` (never a silently smaller dataset).
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from neuropil import _store
from neuropil._fetch import locate
from neuropil.datasets import get_spec
from neuropil.errors import InvalidArgumentError, PartialIngestError, SourceUnavailableError

logger = logging.getLogger(__name__)

#: dataset id -> pipeline module
PIPELINES = {
    "celegans-connectomes": "neuropil.pipelines.celegans_connectomes",
    "celegans-activity": "neuropil.pipelines.celegans_activity",
    "fisbe": "neuropil.pipelines.fisbe",
    "vesselgraph": "neuropil.pipelines.vesselgraph",
    "microns-fields": "neuropil.pipelines.microns_fields",
    "microns-pinky100": "neuropil.pipelines.microns_pinky100",
    "microns-minnie65": "neuropil.pipelines.microns_minnie65",
}


@dataclass(frozen=True)
class IngestResult:
    dataset_id: str
    version: str
    path: Path
    status: str  # "built" or "up-to-date"
    manifest: dict[str, Any]


def pipeline_module(dataset_id: str) -> ModuleType:
    get_spec(dataset_id)  # one error format for unknown ids
    return importlib.import_module(PIPELINES[dataset_id])


def ingest(
    dataset_id: str,
    *,
    raw_dir: str | os.PathLike[str] | None = None,
    raw_url: str | None = None,
    home: str | os.PathLike[str] | None = None,
    force: bool = False,
    allow_partial: bool = False,
    progress: bool | None = None,
    **parameters: Any,
) -> IngestResult:
    """Build (or confirm up to date) the homogenized files of one dataset; returns what happened."""
    spec = get_spec(dataset_id)
    module = pipeline_module(dataset_id)
    try:
        params = module.parameters(**parameters)
    except TypeError as error:  # an option this dataset does not take
        raise InvalidArgumentError(f"{dataset_id}: {error}") from None
    with _store.ingest_lock(dataset_id, home):
        _store.collect_garbage(dataset_id, home)
        inputs: dict[str, Path] = {}
        missing: dict[str, str] = {}
        for raw in spec.raw_files:
            try:
                inputs[raw.name] = locate(raw, dataset_id, raw_dir=raw_dir, raw_url=raw_url, home=home,
                                          progress=progress)
            except SourceUnavailableError as error:
                if raw.name in spec.required:
                    raise
                missing[raw.name] = str(error)
                logger.warning("optional source missing: %s", error)
        skipped = module.skipped_parts(missing, params) if hasattr(module, "skipped_parts") else {}
        if skipped and not allow_partial:
            # the parts and the way out first: the command line caps an error line
            raise PartialIngestError(
                f"{dataset_id} would be partial: {len(skipped)} part(s) skipped ({', '.join(skipped)}); give the "
                "missing source(s), or pass --allow-partial (allow_partial=True) to publish without them. "
                f"First reason: {next(iter(skipped.values()))}"
            )
        hashes = {name: spec.raw_file(name).sha256 for name in inputs}
        unverified: dict[str, str] = {}
        if hasattr(module, "unverified_inputs"):
            # sources with no registered SHA-256: found by the module, hashed now, allowed only
            # when the user asked for it (the module raises otherwise)
            for name, (path, digest) in module.unverified_inputs(raw_dir, params).items():
                inputs[name], hashes[name], unverified[name] = path, digest, digest
        fingerprint = _store.fingerprint(module.PIPELINE_VERSION, params, hashes)
        current = _store.read_manifest(dataset_id, spec.version, home)
        if current is not None and current.get("fingerprint") == fingerprint and not force:
            logger.info("%s %s is up to date", dataset_id, spec.version)
            return IngestResult(dataset_id, spec.version, _store.version_path(dataset_id, spec.version, home),
                                "up-to-date", current)
        build = _store.Build(dataset_id, spec.version, home)
        try:
            if hasattr(module, "build_into"):  # streams outputs too large to pass as tables into the build
                tables, extras = {}, module.build_into(build, inputs, params)
            else:
                tables, extras = module.build(inputs, missing, params)
            for name, table in tables.items():
                if callable(table):  # a writer for a non-tabular file (HDF5)
                    build.write_file(name, table)
                else:
                    build.write_table(name, table)
            manifest = {
                "dataset": dataset_id,
                "version": spec.version,
                "pipeline": module.__name__,
                "pipeline_version": module.PIPELINE_VERSION,
                "parameters": params,
                "fingerprint": fingerprint,
                "inputs": {name: {"sha256": hashes[name], "path": str(path), "verified": name not in unverified}
                           for name, path in inputs.items()},
                "missing_sources": missing,
                "skipped": skipped,
                **extras,
            }
            path = build.publish(manifest)
        except BaseException:
            build.discard()  # also on KeyboardInterrupt: nothing partial stays behind
            raise
        return IngestResult(dataset_id, spec.version, path, "built", _store.read_manifest(dataset_id, spec.version, home) or {})
