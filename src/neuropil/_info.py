"""What ``neuropil.info(ID)`` and ``neuropil info ID`` report: the catalogue entry and the local state
of its ingest (manifest, stats, outputs), read without touching any data file."""

from __future__ import annotations

import os
from typing import Any

from neuropil import _store


def local_state(dataset_id: str, version: str, home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """``{"ingested": False, "path": None}``, or the manifest's figures of the published version."""
    manifest = _store.read_manifest(dataset_id, version, home)
    if manifest is None:
        return {"ingested": False, "path": None}
    return {
        "ingested": True,
        "path": str(_store.version_path(dataset_id, version, home)),
        "created": manifest.get("created"),
        "pipeline_version": manifest.get("pipeline_version"),
        "parameters": manifest.get("parameters"),
        "fingerprint": manifest.get("fingerprint"),
        "connectomes": manifest.get("connectomes"),
        "stats": manifest.get("stats", {}),
        "unmapped": manifest.get("unmapped", {}),
        "missing_sources": manifest.get("missing_sources", {}),
        "outputs": manifest.get("outputs", {}),
        "inputs": manifest.get("inputs", {}),
    }


def dataset_info(dataset_id: str, *, home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The spec (sources, licence, citation, configs, schema), its BibTeX and the local ingest state."""
    from neuropil.datasets import get_spec
    from neuropil.datasets.bibtex import bibtex

    spec = get_spec(dataset_id)
    return {**spec.to_dict(), "bibtex": bibtex(dataset_id), **local_state(spec.id, spec.version, home)}
