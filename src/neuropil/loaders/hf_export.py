"""Export an ingested dataset as a Hugging Face dataset folder: Parquet files plus a README.md whose
YAML front matter lists ``configs:`` (no loading script), so ``datasets.load_dataset(DIR)`` loads it
offline.

Every dataset exports the same way; its loader module declares what (all optional):

* ``hf_tables(*, home) -> {config: DataFrame | Path}``: the tables to publish, one config each (a
  Path names a Parquet file of the store). Without it: every Parquet output of the manifest, plus
  ``export_tables(home=...)`` (tables built from non-tabular outputs, e.g. the long traces table).
* ``HF_DEFAULT_CONFIG``: the config ``load_dataset(DIR)`` picks when none is named.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from neuropil import _store
from neuropil.datasets import card_text, get_spec
from neuropil.errors import InvalidArgumentError

#: the config ``load_dataset(DIR)`` picks when none is named
DEFAULT_CONFIG = {"celegans-connectomes": "edges", "celegans-activity": "traces"}


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _loader(dataset_id: str) -> Any:
    from neuropil.loaders import loader_module

    return loader_module(dataset_id)


def config_name(output: str) -> str:
    """A manifest output name -> a config name (``graphs/a.parquet`` -> ``graphs-a``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", output.removesuffix(".parquet")).strip("-")


def declared_tables(dataset_id: str, *, home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """config -> DataFrame or Parquet path: what an export of ``dataset_id`` publishes (see module doc)."""
    spec = get_spec(dataset_id)
    source = _store.require_version(dataset_id, spec.version, home)
    loader = _loader(dataset_id)
    if hasattr(loader, "hf_tables"):
        return dict(loader.hf_tables(home=home))
    manifest = _store.read_manifest(dataset_id, spec.version, home) or {}
    tables: dict[str, Any] = {config_name(name): source / name for name in sorted(manifest.get("outputs", {}))
                              if name.endswith(".parquet")}
    tables.update(getattr(loader, "export_tables", lambda **_: {})(home=home))
    return tables


#: the file that marks a folder as a neuropil export (only such a folder is ever replaced)
EXPORT_MARKER = ".neuropil-export"


def export_hf(dataset_id: str, directory: str | os.PathLike[str], *, home: str | os.PathLike[str] | None = None,
              overwrite: bool = False) -> Path:
    """Write ``directory`` atomically (built in a hidden sibling folder, then swapped in); returns its path.

    An existing non-empty folder is replaced only when it is an earlier export (it holds
    :data:`EXPORT_MARKER`) and ``overwrite``; any other folder is refused, ``overwrite`` or not."""
    spec = get_spec(dataset_id)
    command = f"neuropil export {dataset_id} --hf"
    target = _store.replaceable_folder(directory, marker=EXPORT_MARKER, overwrite=overwrite, command=command)
    with _store.pinned(), _store.staged_folder(target, marker=EXPORT_MARKER, overwrite=overwrite,
                                               command=command) as staging:
        manifest = _store.verify_outputs(dataset_id, spec.version, home)
        _write_export(dataset_id, staging, manifest, home=home)
    return target


def _write_export(dataset_id: str, staging: Path, manifest: dict[str, Any], *,
                  home: str | os.PathLike[str] | None) -> None:
    spec = get_spec(dataset_id)
    extra_sources: dict[str, Path] = {}
    (staging / "data").mkdir()
    loader = _loader(dataset_id)
    import pyarrow.parquet as pq

    copied: dict[str, Path] = {}
    empty: list[str] = []  # load_dataset cannot read a 0-row Parquet file: named in the card instead
    for name, table in declared_tables(dataset_id, home=home).items():
        rows = pq.ParquetFile(table).metadata.num_rows if isinstance(table, (str, os.PathLike)) else len(table)
        if rows == 0:
            empty.append(name)
        elif isinstance(table, (str, os.PathLike)):
            copied[name] = Path(table)
        else:
            extra_sources[name] = staging / f".{name}.parquet"
            table.to_parquet(extra_sources[name], index=False)
    tables = sorted([*copied, *extra_sources])
    if not tables:
        raise InvalidArgumentError(f"{dataset_id} declares no table to export (its loader's hf_tables() is "
                                   "empty and it has no Parquet output).")
    default = getattr(loader, "HF_DEFAULT_CONFIG", None) or DEFAULT_CONFIG.get(dataset_id, tables[0])
    lines = ["---", f"pretty_name: {_yaml_string(spec.title)}", "license: other",
             f"license_name: {_yaml_string(spec.license)}", "configs:"]
    for table in sorted(tables, key=lambda t: t != default):
        if table in extra_sources:
            os.replace(extra_sources[table], staging / "data" / f"{table}.parquet")
        else:
            shutil.copyfile(copied[table], staging / "data" / f"{table}.parquet")
        lines += [f"- config_name: {table}", "  data_files:", "  - split: train", f"    path: data/{table}.parquet"]
        if table == default:
            lines.append("  default: true")
    lines += ["---", "", card_text(dataset_id), "", "## Citation", "", spec.citation, "", "## Schema", ""]
    for table, columns in spec.schema.items():
        lines += [f"### {table}", "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{column}` | {meaning} |" for column, meaning in columns.items()]
        lines.append("")
    if empty:
        lines += ["## Empty tables", "", "These tables have no rows in this version and are not configs: "
                  + ", ".join(f"`{name}`" for name in sorted(empty)) + ".", ""]
    lines += ["## Provenance", "", f"Exported by neuropil from {dataset_id} {spec.version}, pipeline "
              f"{manifest.get('pipeline_version')}, fingerprint `{manifest.get('fingerprint')}`.", ""]
    (staging / "README.md").write_text("\n".join(lines), encoding="utf-8")
