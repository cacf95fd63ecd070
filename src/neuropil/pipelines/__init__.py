"""Pipelines: raw files -> homogenized files, one module per source family.

:func:`ingest` is the one driver: it resolves and verifies every declared raw file, skips the work
when the published manifest already records the same code version, parameters and input hashes,
and otherwise builds into a hidden folder that is published atomically under a per-dataset lock.
A pipeline module supplies ``PIPELINE_VERSION``, ``parameters(**given) -> dict`` and
``build(inputs, missing, parameters) -> (tables, manifest_extras)``; one with optional sources also
``skipped_parts(missing, parameters) -> {part: reason}``: what the output would lack, refused
unless ``allow_partial`` (never a silently smaller dataset).

What is published is never silently lost or degraded:

* an up-to-date version is checked (output sizes, or SHA-256s with ``verify``) and rebuilt when an
  output is missing or corrupt;
* a build that holds *less* than the published version (:func:`lost_content`) is not published
  unless ``force``;
* optional files a module's ``local_only(params)`` names (parts the user did not ask for) are used
  when found without a download and otherwise listed as ``not_downloaded``, never fetched;
* a module that accumulates (``vesselgraph``: graphs ingested earlier) declares
  ``carried_over(previous_manifest, params)`` and ``merge_carried(tables, extras, previous_path, carried)``
  to copy what the new parameters do not rebuild from the published version into the new one.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from neuropil import _store
from neuropil._fetch import locate
from neuropil.datasets import get_spec
from neuropil.errors import (InvalidArgumentError, PartialIngestError, PublishRefusedError, SourceUnavailableError,
                             StoreCorruptedError)

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class IngestResult:
    dataset_id: str
    version: str
    path: Path
    status: str  # "built", "up-to-date" or "repaired" (outputs were missing or corrupt)
    manifest: dict[str, Any]


def pipeline_module(dataset_id: str) -> ModuleType:
    """The pipeline module of a registered dataset (named by its spec; an unknown id is one error line)."""
    return importlib.import_module(get_spec(dataset_id).pipeline_module)


def ingest(
    dataset_id: str,
    *,
    raw_dir: str | os.PathLike[str] | None = None,
    raw_url: str | None = None,
    home: str | os.PathLike[str] | None = None,
    force: bool = False,
    allow_partial: bool = False,
    verify: bool = False,
    progress: bool | None = None,
    **parameters: Any,
) -> IngestResult:
    """Build (or confirm up to date) the homogenized files of one dataset; returns what happened.

    An up-to-date version has its outputs checked against the manifest (sizes; SHA-256s with
    ``verify``) and is rebuilt if one is missing or corrupt. ``force`` rebuilds regardless, repairs
    an unreadable manifest, and publishes even a build that holds less than the published one."""
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
        # optional files the parameters did not ask for: used when on disk or a mirror, never downloaded
        local_only = module.local_only(params) if hasattr(module, "local_only") else frozenset()
        not_downloaded: list[str] = []
        for raw in spec.raw_files:
            try:
                inputs[raw.name] = locate(raw, dataset_id, raw_dir=raw_dir, raw_url=raw_url, home=home,
                                          progress=progress, offline=True if raw.name in local_only else None)
            except SourceUnavailableError as error:
                if raw.name in spec.required:
                    raise
                if raw.name in local_only:
                    not_downloaded.append(raw.name)
                    continue
                missing[raw.name] = str(error)
                logger.warning("optional source missing: %s", error)
        skipped = module.skipped_parts(missing, params) if hasattr(module, "skipped_parts") else {}
        if skipped and not allow_partial:
            raise _partial(dataset_id, skipped)
        hashes = {name: spec.raw_file(name).digest for name in inputs}
        unverified: dict[str, str] = {}
        if hasattr(module, "unverified_inputs"):
            # sources with no registered SHA-256: found by the module, hashed now, allowed only
            # when the user asked for it (the module raises otherwise); a module that can download
            # them (from an archive) takes the home and progress too
            hook = module.unverified_inputs
            context = ({"home": home, "progress": progress}
                       if "home" in inspect.signature(hook).parameters else {})
            for name, (path, digest) in hook(raw_dir, params, **context).items():
                inputs[name], hashes[name], unverified[name] = path, digest, digest
        previous_path = _store.resolve_version(dataset_id, spec.version, home)
        try:
            current = _store.read_manifest(dataset_id, spec.version, home)
        except StoreCorruptedError:
            if not force:
                raise
            logger.warning("%s %s: rebuilding an unreadable manifest", dataset_id, spec.version)
            current = None
        carried = (module.carried_over(current, params)
                   if current is not None and hasattr(module, "carried_over") else {})
        fingerprint = _store.fingerprint(module.PIPELINE_VERSION, {**params, "carried_over": carried} if carried
                                         else params, hashes)
        problems: dict[str, str] = {}
        if current is not None and current.get("fingerprint") == fingerprint and not force:
            problems = _store.output_problems(previous_path, current, hashes=verify)
            if not problems:
                logger.info("%s %s is up to date", dataset_id, spec.version)
                return IngestResult(dataset_id, spec.version, previous_path, "up-to-date", current)
            logger.warning("%s %s: rebuilding %d missing or corrupt output(s): %s", dataset_id, spec.version,
                           len(problems), problems)
        build = _store.Build(dataset_id, spec.version, home)
        try:
            if hasattr(module, "build_into"):  # streams outputs too large to pass as tables into the build
                tables, extras = {}, module.build_into(build, inputs, params)
            else:
                tables, extras = module.build(inputs, missing, params)
            late = extras.pop("skipped", {})  # parts a module finds absent only while building
            if late and not allow_partial:
                raise _partial(dataset_id, late)
            skipped = {**skipped, **late}
            if carried:
                tables, extras = module.merge_carried(tables, extras, previous_path, carried)
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
                **({"not_downloaded": not_downloaded} if not_downloaded else {}),
                "skipped": skipped,
                **extras,
            }
            for kept in carried.values():  # the inputs of what was copied from the published version
                manifest["inputs"].update({k: v for k, v in kept.get("inputs", {}).items() if k not in manifest["inputs"]})
                manifest["missing_sources"] = {k: v for k, v in manifest["missing_sources"].items()
                                               if k not in kept.get("inputs", {})}
            if problems:
                manifest["repaired"] = problems
            lost = lost_content(current, {**manifest, "outputs": build.outputs}) if current is not None else []
            if lost and not force:
                # the way out first: the command line caps an error line
                raise PublishRefusedError(
                    f"{dataset_id} {spec.version}: not published (check --raw-dir and the options, or pass --force to "
                    f"replace it anyway): this ingest holds less than the published version, it would lose "
                    f"{'; '.join(lost)}. The published version is untouched.")
            path = build.publish(manifest)
        except BaseException:
            build.discard()  # also on KeyboardInterrupt: nothing partial stays behind
            raise
        status = "repaired" if problems else "built"
        return IngestResult(dataset_id, spec.version, path, status, _store.read_manifest(dataset_id, spec.version, home) or {})


def _partial(dataset_id: str, skipped: dict[str, str]) -> PartialIngestError:
    # the parts and the way out first: the command line caps an error line
    return PartialIngestError(
        f"{dataset_id} would be partial: {len(skipped)} part(s) skipped ({_names(list(skipped))}); give the "
        "missing source(s), or pass --allow-partial (allow_partial=True) to publish without them. "
        f"First reason: {next(iter(skipped.values()))}"
    )


#: manifest keys listing what a user selects in a version (a connectome, a study, a graph)
CONTENT_KEYS = ("connectomes", "sources", "graphs")


def _names(items: list[str], limit: int = 5) -> str:
    return ", ".join(items[:limit]) + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def lost_content(previous: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What ``previous`` (a published manifest) holds that ``new`` does not, one phrase per kind:
    entries of :data:`CONTENT_KEYS`, raw inputs, output files, and outputs whose rows fell to zero."""
    lost = []
    for key in CONTENT_KEYS:
        before, after = previous.get(key), new.get(key)
        if isinstance(before, list):
            gone = [str(v) for v in before if v not in (after if isinstance(after, list) else [])]
            if gone:
                lost.append(f"{key} {_names(gone)}")
    gone = sorted(set(previous.get("inputs") or {}) - set(new.get("inputs") or {}))
    if gone:
        lost.append(f"input files {_names(gone)}")
    outputs_before, outputs_after = previous.get("outputs") or {}, new.get("outputs") or {}
    gone = sorted(set(outputs_before) - set(outputs_after))
    if gone:
        lost.append(f"outputs {_names(gone)}")
    emptied = [f"{name} ({entry['rows']} -> 0)" for name, entry in sorted(outputs_before.items())
               if (entry.get("rows") or 0) > 0 and (outputs_after.get(name) or {}).get("rows") == 0]
    if emptied:
        lost.append(f"all rows of {_names(emptied)}")
    return lost
