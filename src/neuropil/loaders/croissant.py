"""Croissant 1.0 JSON-LD of an ingested dataset (``neuropil export ID --croissant FILE.json``).

The description names every published file of the store (``distribution``: one ``cr:FileObject`` per
file with its SHA-256 from the manifest) and one ``cr:RecordSet`` per Parquet file, whose fields carry
the Parquet column types and the meanings the dataset spec declares (a table split into parts,
``synapses/part-00000.parquet``, ..., has one record set per part). Non-tabular outputs
(HDF5 volumes, traces) are listed with their checksums but have no record set: Croissant 1.0 has no
HDF5 reader.

``contentUrl`` is the file's path relative to the JSON file, so ``mlcroissant.Dataset(FILE.json)``
reads the store in place; pass ``base_url=`` to describe the files where they will be published.

>>> from neuropil.loaders.croissant import export_croissant
>>> export_croissant("vesselgraph", "vesselgraph.croissant.json")   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from neuropil import _store
from neuropil.datasets import get_spec
from neuropil.errors import InvalidArgumentError

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
#: the @context every Croissant 1.0 file carries (the spec's, section "Dataset-level information")
CONTEXT: dict[str, Any] = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs", "column": "cr:column",
    "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"}, "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/", "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract", "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet", "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath", "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated",
    "replace": "cr:replace", "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source",
    "subField": "cr:subField", "transform": "cr:transform",
}
ENCODING = {".parquet": "application/x-parquet", ".h5": "application/x-hdf5", ".json": "application/json",
            ".csv": "text/csv"}


def _data_type(arrow_type: Any) -> tuple[str, bool]:
    """(Croissant dataType, repeated) of a Parquet column type."""
    import pyarrow as pa

    repeated = pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type)
    if repeated:
        arrow_type = arrow_type.value_type
    if pa.types.is_boolean(arrow_type):
        return "sc:Boolean", repeated
    if pa.types.is_integer(arrow_type):
        return "sc:Integer", repeated
    if pa.types.is_floating(arrow_type):
        return "sc:Float", repeated
    if pa.types.is_timestamp(arrow_type):
        return "sc:DateTime", repeated
    if pa.types.is_date(arrow_type):
        return "sc:Date", repeated
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or pa.types.is_dictionary(arrow_type):
        return "sc:Text", repeated
    raise InvalidArgumentError(f"Parquet column type {arrow_type} has no Croissant 1.0 dataType.")


def _meaning(spec: Any, table_file: str, column: str) -> str:
    """The column's meaning from the spec's schema (``"dtype: meaning"``), or its name."""
    for declared, columns in spec.schema.items():
        if declared == table_file or declared.split("/")[0] == table_file.split("/")[0]:
            text = columns.get(column)
            if text:
                return text.split(":", 1)[1].strip() if ":" in text else text
    return column


def _record_set(spec: Any, table: str, schema: Any, source: dict[str, str], table_file: str) -> dict[str, Any]:
    fields = []
    for name, arrow_type in zip(schema.names, schema.types):
        data_type, repeated = _data_type(arrow_type)
        field: dict[str, Any] = {
            "@type": "cr:Field", "@id": f"{table}/{name}", "name": name,
            "description": _meaning(spec, table_file, name), "dataType": data_type,
            "source": {**source, "extract": {"column": name}},
        }
        if repeated:
            field["repeated"] = True
        fields.append(field)
    return {"@type": "cr:RecordSet", "@id": table, "name": table,
            "description": f"Rows of {table_file} ({len(fields)} columns).", "field": fields}


def _url(name: str, base_url: str | None, store: Path, target_dir: Path) -> str:
    if base_url is not None:
        return base_url.rstrip("/") + "/" + name
    return Path(os.path.relpath(store / name, target_dir)).as_posix()


def croissant_metadata(dataset_id: str, *, home: str | os.PathLike[str] | None = None,
                       relative_to: str | os.PathLike[str] | None = None, base_url: str | None = None) -> dict[str, Any]:
    """The Croissant JSON-LD of an ingested dataset as a dict (see the module doc for ``contentUrl``)."""
    import pyarrow.parquet as pq

    spec = get_spec(dataset_id)
    manifest = _store.verify_outputs(dataset_id, spec.version, home)
    store = _store.require_version(dataset_id, spec.version, home).resolve()
    target_dir = Path(relative_to or Path.cwd()).resolve()
    distribution: list[dict[str, Any]] = []
    record_sets: list[dict[str, Any]] = []
    outputs = manifest.get("outputs", {})
    for name in sorted(outputs):
        suffix = Path(name).suffix
        distribution.append({
            "@type": "cr:FileObject", "@id": name, "name": name, "contentUrl": _url(name, base_url, store, target_dir),
            "encodingFormat": ENCODING.get(suffix, "application/octet-stream"), "sha256": outputs[name]["sha256"],
            "contentSize": f"{(store / name).stat().st_size} B",
        })
        if suffix != ".parquet" or pq.ParquetFile(store / name).metadata.num_rows == 0:
            continue  # HDF5 has no Croissant reader; mlcroissant cannot iterate a 0-row file (both stay listed)
        # a table split into parts gets one record set per part: mlcroissant reads no folder of Parquet files
        record_sets.append(_record_set(spec, name.removesuffix(".parquet").replace("/", "-"),
                                       pq.read_schema(store / name), {"fileObject": {"@id": name}}, name))
    if not record_sets:
        raise InvalidArgumentError(f"{dataset_id} has no non-empty Parquet table to describe as a record set.")
    return {
        "@context": CONTEXT, "@type": "sc:Dataset", "conformsTo": CONFORMS_TO,
        "name": re.sub(r"[^A-Za-z0-9_-]+", "-", dataset_id), "alternateName": spec.title,
        "description": spec.description, "license": spec.license, "citeAs": spec.citation, "url": spec.homepage,
        "version": spec.version, "datePublished": str(manifest.get("created", ""))[:10] or None,
        "creator": {"@type": "sc:Organization", "name": "neuropil (homogenized); see citeAs for the data's authors"},
        "keywords": ["connectomics", "neuroscience", "graph machine learning", "neuropil"],
        "isBasedOn": sorted({raw.url for raw in spec.raw_files if raw.url}) or None,
        "distribution": distribution, "recordSet": record_sets,
    }


def export_croissant(dataset_id: str, path: str | os.PathLike[str], *, home: str | os.PathLike[str] | None = None,
                     base_url: str | None = None) -> Path:
    """Write the Croissant 1.0 JSON-LD of ``dataset_id`` to ``path`` atomically (temp file + rename)."""
    target = Path(path).expanduser().resolve()
    if target.is_dir():
        raise InvalidArgumentError(f"Croissant output {target} is a folder; give a file name such as {dataset_id}.json.")
    target.parent.mkdir(parents=True, exist_ok=True)
    metadata = croissant_metadata(dataset_id, home=home, relative_to=target.parent, base_url=base_url)
    metadata = {key: value for key, value in metadata.items() if value is not None}
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(metadata, stream, indent=2, ensure_ascii=False)
            stream.write("\n")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
