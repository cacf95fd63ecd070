"""Synthetic MICrONS minnie65 CAVE table dumps in the exact published column layout, at any size.

:func:`write_minnie65_tables` writes ``synapses_pni_2``, ``nucleus_detection_v0``,
``aibs_metamodel_celltypes_v661``, ``coregistration_manual_v4`` and
``proofreading_status_and_strategy`` as Parquet, Feather or CSV, with positions either as one
array column (``pre_pt_position`` = [x, y, z]) or as ``_x/_y/_z`` columns (CAVE's
``split_positions=True``). Upstream quirks are reproduced on request: duplicated coregistration and
cell-type rows, nuclei that share a root id (merges), root id 0 (no segment), proofreading rows whose
``valid_id`` is an older root. Degrees are heavy-tailed (lognormal weights on pre and post roots) and
synapse sizes lognormal (median about 400 voxels), as in the real table. The synapse table is
written in chunks, so 100M rows need no more memory than one chunk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT_BASE = 864691135000000000
CELL_TYPES = (("excitatory_neuron", "23P"), ("excitatory_neuron", "4P"), ("excitatory_neuron", "5P-IT"),
              ("excitatory_neuron", "6P-IT"), ("inhibitory_neuron", "BC"), ("inhibitory_neuron", "MC"),
              ("inhibitory_neuron", "BPC"), ("nonneuron", "astrocyte"), ("nonneuron", "microglia"))
SYNAPSE_COLUMNS = ("id", "created", "superceded_id", "valid", "pre_pt_supervoxel_id", "pre_pt_root_id",
                   "post_pt_supervoxel_id", "post_pt_root_id", "size", "pre_pt_position", "post_pt_position",
                   "ctr_pt_position")


@dataclass(frozen=True)
class Minnie65Fixture:
    """What was written, for tests to derive expectations from."""

    folder: Path
    synapse_files: tuple[Path, ...]
    n_synapses: int
    nucleus_roots: dict[int, int]  # nucleus id -> root id
    duplicate_coregistration_rows: int
    duplicate_celltype_rows: int
    conflicting_celltype_nuclei: int


def _with_index(table: Any, fmt: str, first: int = 0) -> Any:
    """The table as pandas writes it with its index: a leading unnamed column (CSV header ``""``,
    Parquet / Feather ``__index_level_0__``)."""
    import pyarrow as pa

    name = "" if fmt == "csv" else "__index_level_0__"
    return table.add_column(0, name, pa.array(np.arange(first, first + table.num_rows, dtype=np.int64)))


def _write(table: Any, path: Path, fmt: str) -> Path:
    import pyarrow.csv as pacsv
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    if fmt == "parquet":
        pq.write_table(table, path.with_suffix(".parquet"))
        return path.with_suffix(".parquet")
    if fmt == "feather":
        feather.write_feather(table, path.with_suffix(".feather"))
        return path.with_suffix(".feather")
    if fmt == "csv":
        pacsv.write_csv(_csv_ready(table), path.with_suffix(".csv"))
        return path.with_suffix(".csv")
    raise ValueError(f"unknown format {fmt!r}")


def _csv_ready(table: Any) -> Any:
    """CSV cannot hold lists: CAVE's pandas dumps print array positions as ``"[x y z]"``."""
    import pyarrow as pa

    columns = {}
    for name in table.column_names:
        column = table[name]
        if pa.types.is_list(column.type) or pa.types.is_fixed_size_list(column.type):
            values = np.asarray(column.combine_chunks().flatten()).reshape(-1, 3)
            column = pa.array([f"[{x} {y} {z}]" for x, y, z in values.tolist()], type=pa.string())
        columns[name] = column
    return pa.table(columns)


def _positions(rng: np.random.Generator, n: int) -> np.ndarray:
    low, high = np.array([100_000, 50_000, 14_000]), np.array([400_000, 250_000, 28_000])
    return rng.integers(low, high, size=(n, 3), dtype=np.int64)


def _position_columns(prefix: str, values: np.ndarray, encoding: str) -> dict[str, Any]:
    import pyarrow as pa

    if encoding == "array":
        return {prefix: pa.FixedSizeListArray.from_arrays(pa.array(values.reshape(-1)), 3).cast(pa.list_(pa.int64()))}
    if encoding == "split":
        return {f"{prefix}_{axis}": pa.array(values[:, k]) for k, axis in enumerate("xyz")}
    if encoding == "split_short":  # pandas / Neuroglancer exports: ctr_pt_x, pt_x
        short = prefix.removesuffix("_position")
        return {f"{short}_{axis}": pa.array(values[:, k]) for k, axis in enumerate("xyz")}
    raise ValueError(f"position encoding must be 'array', 'split' or 'split_short', got {encoding!r}")


def write_minnie65_tables(folder: str | os.PathLike[str], *, n_synapses: int = 10_000, n_nuclei: int = 300,
                          n_fragments: int | None = None, fmt: str = "parquet", position_encoding: str = "array",
                          shards: int = 1, chunk_rows: int = 1_000_000, merged_nuclei: int = 2,
                          duplicate_coregistration: int = 3, duplicate_celltypes: int = 2,
                          conflicting_celltypes: int = 1, index_column: bool = False, with_nucleus_ids: bool = True,
                          seed: int = 0) -> Minnie65Fixture:
    """Write the five tables into ``folder``; ``shards > 1`` writes ``synapses_pni_2/part-K.<ext>``.

    ``n_fragments`` roots without a nucleus (axon pieces) take part in synapses too (default: as many
    as nuclei). ``merged_nuclei`` pairs of nuclei share one root id. ``index_column`` writes every table
    with a pandas index column first, as ``DataFrame.to_csv`` / ``to_parquet`` exports do.
    ``with_nucleus_ids=False`` writes what many shared exports hold: the synapses and a cell-type table
    keyed by ``pt_root_id`` with no ``target_id``, and no nucleus or coregistration table.
    """
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n_fragments = n_nuclei if n_fragments is None else n_fragments

    def _indexed(table: Any, first: int = 0) -> Any:
        return _with_index(table, fmt, first) if index_column else table

    # nuclei and roots: nucleus ids are sparse, as upstream; a few nuclei share a root (merge)
    nucleus_ids = np.sort(rng.choice(np.arange(100_000, 100_000 + 20 * n_nuclei), n_nuclei, replace=False))
    roots = ROOT_BASE + rng.choice(10 ** 9, n_nuclei + n_fragments, replace=False).astype(np.int64)
    nucleus_root = roots[:n_nuclei].copy()
    for k in range(merged_nuclei):
        nucleus_root[2 * k + 1] = nucleus_root[2 * k]
    nucleus_root[-1] = 0  # a nucleus with no segment
    nucleus_positions = _positions(rng, n_nuclei)
    nucleus = {"id": pa.array(nucleus_ids), "valid": pa.array(np.ones(n_nuclei, bool)),
               "volume": pa.array(rng.lognormal(5.5, 0.4, n_nuclei)),
               "pt_supervoxel_id": pa.array(rng.integers(1, 10 ** 17, n_nuclei)),
               "pt_root_id": pa.array(nucleus_root), **_position_columns("pt_position", nucleus_positions, position_encoding)}
    if with_nucleus_ids:
        _write(_indexed(pa.table(nucleus)), folder / "nucleus_detection_v0", fmt)

    # cell types: one row per nucleus, plus exact duplicates and conflicting re-labels
    types = rng.integers(0, len(CELL_TYPES), n_nuclei)
    rows = list(range(n_nuclei)) + list(rng.choice(n_nuclei, duplicate_celltypes, replace=False))
    labels = [CELL_TYPES[types[i]] for i in rows]
    conflict_targets = rng.choice(n_nuclei, conflicting_celltypes, replace=False)
    for i in conflict_targets:
        rows.append(int(i))
        labels.append(CELL_TYPES[(types[i] + 1) % len(CELL_TYPES)])
    celltypes = {"id": pa.array(np.arange(1, len(rows) + 1)), "valid": pa.array(np.ones(len(rows), bool)),
                 "target_id": pa.array(nucleus_ids[rows]),
                 "classification_system": pa.array([label[0] for label in labels]),
                 "cell_type": pa.array([label[1] for label in labels]),
                 "pt_root_id": pa.array(nucleus_root[rows]),
                 **_position_columns("pt_position", nucleus_positions[rows], position_encoding)}
    if not with_nucleus_ids:
        del celltypes["target_id"]
    _write(_indexed(pa.table(celltypes)), folder / "aibs_metamodel_celltypes_v661", fmt)

    # coregistration: a third of the nuclei matched to units; some matched in two scans; duplicates
    matched = rng.choice(n_nuclei, max(1, n_nuclei // 3), replace=False)
    co_rows = [(int(nucleus_ids[i]), 6, 6, 2, 1000 + k) for k, i in enumerate(matched)]
    co_rows += [(int(nucleus_ids[i]), 7, 3, 4, 5000 + k) for k, i in enumerate(matched[: len(matched) // 4])]
    co_rows += [co_rows[k] for k in range(min(duplicate_coregistration, len(co_rows)))]
    co = np.array(co_rows, dtype=np.int64)
    coregistration = {"id": pa.array(np.arange(1, len(co) + 1)), "valid": pa.array(np.ones(len(co), bool)),
                      "target_id": pa.array(co[:, 0]), "session": pa.array(co[:, 1]), "scan_idx": pa.array(co[:, 2]),
                      "field": pa.array(co[:, 3]), "unit_id": pa.array(co[:, 4]),
                      "residual": pa.array(rng.uniform(0, 10, len(co))), "score": pa.array(rng.uniform(0, 20, len(co)))}
    if with_nucleus_ids:
        _write(_indexed(pa.table(coregistration)), folder / "coregistration_manual_v4", fmt)

    # proofreading: a few neurons; one judged on an older root (valid_id != pt_root_id)
    proofread = rng.choice(np.flatnonzero(nucleus_root > 0), max(2, n_nuclei // 10), replace=False)
    valid_id = nucleus_root[proofread].copy()
    valid_id[0] = ROOT_BASE + 7  # stale
    proofreading = {"id": pa.array(np.arange(1, len(proofread) + 1)), "valid": pa.array(np.ones(len(proofread), bool)),
                    "pt_supervoxel_id": pa.array(rng.integers(1, 10 ** 17, len(proofread))),
                    "pt_root_id": pa.array(nucleus_root[proofread]), "valid_id": pa.array(valid_id),
                    "status_dendrite": pa.array(["extended"] * len(proofread)),
                    "status_axon": pa.array(["extended" if k % 2 else "clean" for k in range(len(proofread))]),
                    "strategy_dendrite": pa.array(["dendrite_extended"] * len(proofread)),
                    "strategy_axon": pa.array(["axon_partially_extended"] * len(proofread)),
                    **_position_columns("pt_position", nucleus_positions[proofread], position_encoding)}
    _write(_indexed(pa.table(proofreading)), folder / "proofreading_status_and_strategy", fmt)

    # synapses: heavy-tailed partner choice over all roots (nuclei and fragments), lognormal sizes
    all_roots = np.concatenate([nucleus_root[nucleus_root > 0], roots[n_nuclei:]])
    out_weight = rng.lognormal(0.0, 1.2, all_roots.size)
    in_weight = rng.lognormal(0.0, 1.0, all_roots.size)
    out_cdf, in_cdf = np.cumsum(out_weight / out_weight.sum()), np.cumsum(in_weight / in_weight.sum())
    target = folder / "synapses_pni_2"
    ext = {"parquet": ".parquet", "feather": ".feather", "csv": ".csv"}[fmt]
    if shards > 1:
        target.mkdir(exist_ok=True)
    per_shard = -(-n_synapses // shards)
    files, written = [], 0
    for shard in range(shards):
        rows_here = min(per_shard, n_synapses - written)
        path = (target / f"part-{shard:05d}{ext}") if shards > 1 else target.with_suffix(ext)
        writer = None
        done = 0
        while done < rows_here:
            n = min(chunk_rows, rows_here - done)
            pre = all_roots[np.minimum(np.searchsorted(out_cdf, rng.random(n)), all_roots.size - 1)]
            post = all_roots[np.minimum(np.searchsorted(in_cdf, rng.random(n)), all_roots.size - 1)]
            ctr = _positions(rng, n)
            columns = {"id": pa.array(np.arange(written + done + 1, written + done + n + 1, dtype=np.int64)),
                       "created": pa.array(np.full(n, "2020-11-04 06:48:38.231000+00:00")),
                       "superceded_id": pa.nulls(n, pa.int64()), "valid": pa.array(np.ones(n, bool)),
                       "pre_pt_supervoxel_id": pa.array(rng.integers(1, 10 ** 17, n)), "pre_pt_root_id": pa.array(pre),
                       "post_pt_supervoxel_id": pa.array(rng.integers(1, 10 ** 17, n)), "post_pt_root_id": pa.array(post),
                       "size": pa.array(np.maximum(1, rng.lognormal(6.0, 0.9, n)).astype(np.int64)),
                       **_position_columns("pre_pt_position", ctr + rng.integers(-20, 20, (n, 3)), position_encoding),
                       **_position_columns("post_pt_position", ctr + rng.integers(-20, 20, (n, 3)), position_encoding),
                       **_position_columns("ctr_pt_position", ctr, position_encoding)}
            table = _indexed(pa.table(columns), written + done)
            writer = _append(writer, table, path, fmt)
            done += n
        if writer is not None:
            writer.close()
        files.append(path)
        written += rows_here
    return Minnie65Fixture(folder=folder, synapse_files=tuple(files), n_synapses=n_synapses,
                           nucleus_roots=dict(zip(nucleus_ids.tolist(), nucleus_root.tolist())),
                           duplicate_coregistration_rows=min(duplicate_coregistration, len(co_rows)),
                           duplicate_celltype_rows=duplicate_celltypes, conflicting_celltype_nuclei=conflicting_celltypes)


class _CsvAppender:
    def __init__(self, path: Path, schema: Any) -> None:
        import pyarrow.csv as pacsv

        self._writer = pacsv.CSVWriter(str(path), _csv_ready(schema.empty_table()).schema)

    def write_table(self, table: Any) -> None:
        self._writer.write_table(_csv_ready(table))

    def close(self) -> None:
        self._writer.close()


def _append(writer: Any, table: Any, path: Path, fmt: str) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if writer is None:
        if fmt == "parquet":
            writer = pq.ParquetWriter(path, table.schema)
        elif fmt == "feather":
            writer = pa.ipc.new_file(str(path), table.schema)
        else:
            writer = _CsvAppender(path, table.schema)
    writer.write_table(table)
    return writer


class FakeCaveClient:
    """A stand-in for ``caveclient.CAVEclient`` serving the tables of a fixture folder (as written by
    :func:`write_minnie65_tables`) through ``client.materialize``, the way the CAVE server does:
    a row cap per query (``server_limit``), id-window filters, ``split_positions`` (``_x/_y/_z``
    columns), a materialization version that must be the one served. ``fail_after`` raises
    ``ConnectionError`` on that query (an interrupted download). ``calls`` records every query."""

    def __init__(self, folder: str | os.PathLike[str], *, version: int = 1300, server_limit: int = 500,
                 fail_after: int | None = None) -> None:
        self.folder, self.version, self.server_limit, self.fail_after = Path(folder), version, server_limit, fail_after
        self.calls: list[dict[str, Any]] = []
        self.materialize = self
        self._tables: dict[str, Any] = {}

    def _table(self, name: str) -> Any:
        import pyarrow.dataset as ds

        if name not in self._tables:
            single = self.folder / f"{name}.parquet"
            frame = ds.dataset(single if single.is_file() else self.folder / name, format="parquet").to_table().to_pandas()
            self._tables[name] = frame
        return self._tables[name]

    def _check_version(self, version: int | None) -> None:
        if version != self.version:
            raise ValueError(f"materialization {version} is not served (only {self.version})")

    def get_annotation_count(self, table: str, datastack_name: str | None = None, version: int | None = None) -> int:
        self._check_version(version)
        return len(self._table(table))

    def query_table(self, table: str, *, filter_greater_equal_dict: dict | None = None,
                    filter_less_dict: dict | None = None, limit: int | None = None,
                    materialization_version: int | None = None, split_positions: bool = False,
                    desired_resolution: Any = None, merge_reference: bool = True, **other: Any) -> Any:
        self.calls.append({"table": table, "ge": filter_greater_equal_dict, "lt": filter_less_dict, "limit": limit,
                           "version": materialization_version, "split_positions": split_positions,
                           "desired_resolution": desired_resolution, "merge_reference": merge_reference})
        if self.fail_after is not None and len(self.calls) > self.fail_after:
            raise ConnectionError("connection reset by peer (simulated)")
        self._check_version(materialization_version)
        frame = self._table(table)
        keep = np.ones(len(frame), bool)
        for column, value in (filter_greater_equal_dict or {}).items():
            keep &= frame[column].to_numpy() >= value
        for column, value in (filter_less_dict or {}).items():
            keep &= frame[column].to_numpy() < value
        # the server returns rows in no promised order, capped at min(limit, its own cap)
        out = frame[keep].sample(frac=1.0, random_state=len(self.calls)).head(min(limit or self.server_limit,
                                                                                  self.server_limit))
        if split_positions:
            for column in [c for c in out.columns if c.endswith("_position")]:
                values = np.stack(out[column].to_numpy()) if len(out) else np.empty((0, 3))
                out = out.drop(columns=column)
                for axis, suffix in enumerate("xyz"):
                    out[f"{column}_{suffix}"] = values[:, axis].astype(np.int64) if len(out) else []
        return out.reset_index(drop=True)
