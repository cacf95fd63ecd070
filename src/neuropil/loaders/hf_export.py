"""Export an ingested dataset as a Hugging Face dataset folder: Parquet files written by ``datasets``
(so the declared ``Features`` travel in the files: ``ClassLabel`` survives ``load_dataset(DIR)``,
int32 / float32 stay int32 / float32) plus a README.md whose YAML lists ``configs:`` (no loading
script), so ``datasets.load_dataset(DIR)`` loads it offline and ``huggingface-cli upload`` publishes it
as it is. A table with a stored ``split`` column becomes one real split per value; any other table is
the ``train`` split of its config.

Every dataset exports the same way; its loader module declares what (all optional):

* ``hf_tables(*, home) -> {config: DataFrame | Path}``: the tables to publish, one config each (a
  Path names a Parquet file of the store). Without it: every Parquet output of the manifest, plus
  ``export_tables(home=...)`` (tables built from non-tabular outputs, e.g. the long traces table).
* ``HF_DEFAULT_CONFIG``: the config ``load_dataset(DIR)`` picks when none is named.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

from neuropil import _store
from neuropil.datasets import get_spec
from neuropil.errors import InvalidArgumentError
from neuropil.loaders import hf_card

logger = logging.getLogger(__name__)

#: the config ``load_dataset(DIR)`` picks when none is named
DEFAULT_CONFIG = {"celegans-connectomes": "edges", "celegans-activity": "traces"}
#: stored split names in the order the card lists them (others follow, sorted)
SPLIT_ORDER = ("train", "valid", "val", "validation", "test")
#: the file that marks a folder as a neuropil export (only such a folder is ever replaced)
EXPORT_MARKER = ".neuropil-export"


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


def declared_features(dataset_id: str) -> dict[str, dict[str, Any]]:
    """config -> {column: Feature} where the dataset declares more than the Parquet types say:
    ``ClassLabel`` for categorical columns, float32 lists for traces."""
    from datasets import ClassLabel

    if dataset_id == "celegans-connectomes":
        from neuropil.datasets.celegans_connectomes import EDGE_TYPES, NEURON_TYPES

        edge_type = {"type": ClassLabel(names=list(EDGE_TYPES))}
        return {"neurons": {"type": ClassLabel(names=list(NEURON_TYPES))}, "edges": edge_type,
                "consensus": edge_type, "partner_edges": edge_type}
    if dataset_id == "celegans-activity":
        from neuropil.loaders.celegans_activity import hf_features

        return {"traces": dict(hf_features())}
    return {}


def features_of(table: Any, declared: dict[str, Any]) -> Any:
    """The ``Features`` of an Arrow table: its own column types (large strings as strings), with the
    declared features in place of the columns they name."""
    from datasets import Features, LargeList, List, Value

    def plain(feature: Any) -> Any:
        if isinstance(feature, Value) and feature.dtype == "large_string":
            return Value("string")
        if isinstance(feature, (List, LargeList)):
            return List(plain(feature.feature))
        return feature

    inferred = Features.from_arrow_schema(table.schema)
    return Features({name: declared.get(name, plain(feature)) for name, feature in inferred.items()})


def to_dataset(table: Any, features: Any, *, what: str) -> Any:
    """An Arrow table as a ``datasets.Dataset`` with ``features`` (class names -> ids; an unknown
    class raises, naming it)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from datasets import ClassLabel, Dataset, DatasetInfo
    from datasets.table import InMemoryTable

    for name, feature in features.items():
        column = table.column(name)
        if isinstance(feature, ClassLabel) and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            ids = pc.index_in(column, value_set=pa.array(feature.names))
            unknown = sorted(set(pc.filter(column, pc.and_(pc.is_null(ids), pc.is_valid(column))).to_pylist()))
            if unknown:
                raise InvalidArgumentError(f"{what}: column {name!r} holds {unknown}, not among the declared "
                                           f"classes {feature.names}.")
            table = table.set_column(table.schema.get_field_index(name), name, ids.cast(pa.int64()))
    return Dataset(InMemoryTable(table.cast(features.arrow_schema)), info=DatasetInfo(features=features))


def tables_to_hf(tables: dict[str, Any], declared: dict[str, dict[str, Any]] | None = None) -> Any:
    """A ``datasets.DatasetDict`` with one split per DataFrame, typed as :func:`features_of` says."""
    import pyarrow as pa
    from datasets import DatasetDict

    result = {}
    for name, frame in tables.items():
        table = pa.Table.from_pandas(frame, preserve_index=False)
        result[name] = to_dataset(table, features_of(table, (declared or {}).get(name, {})), what=name)
    return DatasetDict(result)


def _write_parquet(dataset: Any, path: Path) -> None:
    """Through ``datasets``, so the file's schema carries the Features (the one place files are written)."""
    import datasets

    from neuropil._home import is_quiet

    path.parent.mkdir(parents=True, exist_ok=True)
    silence = is_quiet() and not datasets.are_progress_bars_disabled()
    if silence:
        datasets.disable_progress_bars()
    try:
        dataset.to_parquet(str(path))
    finally:
        if silence:
            datasets.enable_progress_bars()


def _split_names(values: list[str]) -> list[str]:
    return sorted(set(values), key=lambda s: (SPLIT_ORDER.index(s) if s in SPLIT_ORDER else len(SPLIT_ORDER), s))


def export_hf(dataset_id: str, directory: str | os.PathLike[str], *, home: str | os.PathLike[str] | None = None,
              overwrite: bool = False) -> Path:
    """Write ``directory`` atomically (built in a hidden sibling folder, then swapped in); returns its path.

    An existing non-empty folder is replaced only when it is an earlier export (it holds
    :data:`EXPORT_MARKER`) and ``overwrite``; any other folder is refused, ``overwrite`` or not. A
    dataset whose source states no licence is exported with that said in the card (and logged)."""
    spec = get_spec(dataset_id)
    command = f"neuropil export {dataset_id} --hf"
    target = _store.replaceable_folder(directory, marker=EXPORT_MARKER, overwrite=overwrite, command=command)
    notice = hf_card.licence_notice(dataset_id)
    if notice:
        logger.warning(notice)
    with _store.pinned(), _store.staged_folder(target, marker=EXPORT_MARKER, overwrite=overwrite,
                                               command=command) as staging:
        manifest = _store.verify_outputs(dataset_id, spec.version, home)
        _write_export(dataset_id, staging, manifest, home=home)
    return target


def _write_export(dataset_id: str, staging: Path, manifest: dict[str, Any], *,
                  home: str | os.PathLike[str] | None) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    declared = declared_features(dataset_id)
    written: dict[str, list[dict[str, str]]] = {}
    empty: list[str] = []  # load_dataset cannot read a 0-row Parquet file: named in the card instead
    largest = 0
    for name, source in declared_tables(dataset_id, home=home).items():
        if isinstance(source, (str, os.PathLike)):
            table = pq.read_table(source)
        else:
            table = pa.Table.from_pandas(source, preserve_index=False)
        if table.num_rows == 0:
            empty.append(name)
            continue
        largest = max(largest, table.num_rows)
        if "split" in table.column_names:  # a stored split: one real split per value, the column dropped
            splits = _split_names(table.column("split").to_pylist())
            parts = {s: table.filter(pc.equal(table.column("split"), s)).drop_columns(["split"]) for s in splits}
        else:
            parts = {"train": table}
        written[name] = []
        for split, part in parts.items():
            relative = f"data/{name}.parquet" if len(parts) == 1 and split == "train" else f"data/{name}/{split}.parquet"
            features = features_of(part, declared.get(name, {}))
            _write_parquet(to_dataset(part, features, what=f"{dataset_id} {name}"), staging / relative)
            written[name].append({"split": split, "path": relative})
    if not written:
        raise InvalidArgumentError(f"{dataset_id} declares no table to export (its loader's hf_tables() is "
                                   "empty and it has no Parquet output).")
    loader = _loader(dataset_id)
    default = getattr(loader, "HF_DEFAULT_CONFIG", None) or DEFAULT_CONFIG.get(dataset_id, sorted(written)[0])
    configs = [{"config_name": name, "data_files": written[name], **({"default": True} if name == default else {})}
               for name in sorted(written, key=lambda t: (t != default, t))]
    text = hf_card.card(dataset_id, configs=configs, rows=largest, empty=empty, manifest=manifest)
    (staging / "README.md").write_text(text, encoding="utf-8")
