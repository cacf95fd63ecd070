"""microns-minnie65: CAVE table dumps (``--tables DIR``) -> neurons keyed by nucleus id, partitioned
synapses and per-pair edges, streamed so that the 337M-row synapse table never sits in memory.

Tables are found in DIR as ``<table>.parquet|.feather|.arrow|.csv`` or as a folder ``<table>/`` of
such shards. Positions may be one array column (``ctr_pt_position``: a list, or ``"[x y z]"`` text in
CSV) or ``_x/_y/_z`` columns; both are accepted, in voxels of 4 x 4 x 40 nm.

Synapses, in two streaming passes (pyarrow; or Dask with ``engine="dask"``):

1. every input file is read in record batches of ``batch_rows`` with only the needed columns; each
   batch is split by ``bucket = hash(pre_root_id) % buckets`` and appended to Arrow IPC spill files;
2. each bucket (at most ``bucket_rows`` rows, so bounded memory) is sorted by (pre_root_id,
   post_root_id, id), root ids are mapped to nucleus ids, and written as ``synapses/part-B.parquet``;
   its pairs are aggregated (synapse count, summed size) into ``edges/part-B.parquet``. A pair never
   spans two buckets, so the edges are exact. Output bytes depend only on the rows, not on the order
   they were read in, so the Dask path writes byte-identical files.

Pass 2 does no multi-column sort: pre and post roots are hash-ranked (``dictionary_encode``, then a
sort of the few distinct roots), packed with the id's rank into one unique int64 and argsorted once;
the nucleus lookup runs on the distinct roots only; parts are hashed by the worker that wrote them.
Parts are zstd Parquet, dictionary-encoded only in the columns constant over long runs
(``pre_root_id``, ``pre_nucleus_id``), in row groups of 65,536 rows (min/max statistics let a reader
skip to one presynaptic root).

Documented rules (each counted in the manifest's ``stats``):

* root -> nucleus: a root id maps to a nucleus only when exactly one valid nucleus has it; root 0
  (no segment) and roots of merged nuclei map to none (``pre_nucleus_id`` null).
* coregistration: exact duplicate rows (same nucleus, session, scan, field, unit) are dropped; a
  nucleus matched to several units keeps all in ``coregistration.parquet``, and neurons.parquet shows
  the best (highest score, then lowest residual, then lowest row id).
* cell types: exact duplicates dropped; a nucleus with conflicting labels keeps the row with the
  highest id (the latest annotation).
* proofreading: a status applies to the nucleus on its ``pt_root_id``; it is current when
  ``valid_id == pt_root_id`` (judged on this very root), else stale (reported, kept).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil._fetch import sha256_of
from neuropil.errors import InvalidArgumentError, InvalidValueError, RawFormatError, SourceUnavailableError, unknown_value
from neuropil.formats.partitions import bucket_of
from neuropil.pipelines.microns_minnie65_tables import (  # noqa: F401 (_batches: perf/microns_ingest.py)
    _batches, _read_small, count_rows, find_tables, repeated_ids, synapse_files)

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "1.1.0"
ENGINES = ("pyarrow", "dask")
ROW_GROUP_ROWS = 65_536


def parameters(*, tables: str | os.PathLike[str] | None = None, materialization: int | None = None,
               engine: str = "pyarrow", scheduler: str | None = None, batch_rows: int = 1_000_000,
               bucket_rows: int = 2_000_000, compression: str = "zstd", no_nucleus: bool = False) -> dict[str, Any]:
    """``tables``: the dump folder; ``materialization``: the CAVE version its root ids belong to
    (read from a ``v<N>`` folder name when not given); ``no_nucleus``: key neurons by root id, for
    exports whose cell table has ``pt_root_id`` and no nucleus id (see :func:`build_neurons_by_root`)."""
    if tables is None:
        raise InvalidArgumentError("microns-minnie65 needs the folder of CAVE table dumps: --tables DIR.")
    folder = Path(tables).expanduser().resolve()
    if not folder.is_dir():
        raise SourceUnavailableError(f"--tables {folder}: no such folder.")
    if materialization is None:
        match = re.fullmatch(r"v(\d+)", folder.name)
        if match is None:
            raise InvalidArgumentError(
                f"Give the materialization version of the dumps in {folder} (--materialization N, e.g. 1300); "
                "root ids change with proofreading, so the version is kept with every root id.")
        materialization = int(match.group(1))
    if engine not in ENGINES:
        raise InvalidArgumentError(unknown_value(engine, "engine", ENGINES))
    for name, value in (("batch_rows", batch_rows), ("bucket_rows", bucket_rows)):
        if int(value) < 1:
            raise InvalidArgumentError(f"{name} must be a positive number of rows, got {value!r}.")
    return {"tables": str(folder), "materialization": int(materialization), "engine": engine,
            "scheduler": scheduler, "batch_rows": int(batch_rows), "bucket_rows": int(bucket_rows),
            "compression": compression, **({"no_nucleus": True} if no_nucleus else {})}


def unverified_inputs(raw_dir: Any, params: Mapping[str, Any]) -> dict[str, tuple[Path, str]]:
    """Every table file, hashed now (user dumps have no registered SHA-256; the manifest records these)."""
    from concurrent.futures import ThreadPoolExecutor

    folder = Path(params["tables"])
    paths = [path for files in find_tables(folder, no_nucleus=params.get("no_nucleus", False)).values() for path in files]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:  # hashlib releases the GIL
        digests = list(pool.map(sha256_of, paths))
    return {str(path.relative_to(folder)): (path, digest) for path, digest in zip(paths, digests)}


# ------------------------------------------------------------------------------------------ neurons

def build_neurons(found: Mapping[str, list[Path]], materialization: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """neurons (one row per nucleus), coregistration (every kept match) and the counts of each rule."""
    stats: dict[str, int] = {}
    nuclei = _read_small(found["nucleus_detection_v0"], "nucleus_detection_v0", ("id", "pt_root_id"))
    if not nuclei["id"].is_unique:
        raise RawFormatError("nucleus_detection_v0: nucleus ids repeat")
    root = nuclei["pt_root_id"].astype(np.int64)
    on_root = root.map(root[root != 0].value_counts()).fillna(0).astype(np.int32)
    neurons = pd.DataFrame({
        "nucleus_id": nuclei["id"].astype(np.int64), "root_id": root,
        "materialization_version": np.int32(materialization), "nuclei_on_root": on_root,
        "x_nm": nuclei.get("x_nm"), "y_nm": nuclei.get("y_nm"), "z_nm": nuclei.get("z_nm"),
        "volume": nuclei["volume"].astype(np.float64) if "volume" in nuclei else np.nan,
    })
    stats["nuclei"] = len(neurons)
    stats["nuclei_without_segment"] = int((root == 0).sum())
    stats["nuclei_on_merged_roots"] = int((on_root > 1).sum())

    known = set(neurons["nucleus_id"].tolist())
    if "aibs_metamodel_celltypes_v661" in found:
        types = _read_small(found["aibs_metamodel_celltypes_v661"], "aibs_metamodel_celltypes_v661",
                            ("id", "target_id", "cell_type"), position=False)
        system = types["classification_system"] if "classification_system" in types else pd.Series(None, index=types.index)
        types = types.assign(classification_system=system)
        before = len(types)
        types = types.drop_duplicates(["target_id", "classification_system", "cell_type"])
        stats["celltype_duplicate_rows"] = before - len(types)
        labels = types.groupby("target_id")["cell_type"].nunique()
        stats["celltype_conflicting_nuclei"] = int((labels > 1).sum())
        types = types.sort_values("id").drop_duplicates("target_id", keep="last")  # latest annotation wins
        stats["celltype_rows_without_nucleus"] = int((~types["target_id"].isin(known)).sum())
        neurons = neurons.merge(types[["target_id", "classification_system", "cell_type"]].rename(
            columns={"target_id": "nucleus_id"}), on="nucleus_id", how="left")
    else:
        neurons["classification_system"], neurons["cell_type"] = None, None
    stats["typed_nuclei"] = int(neurons["cell_type"].notna().sum())

    co = _read_small(found["coregistration_manual_v4"], "coregistration_manual_v4",
                     ("target_id", "session", "scan_idx", "field", "unit_id"), position=False)
    key = ["target_id", "session", "scan_idx", "field", "unit_id"]
    before = len(co)
    co = co.drop_duplicates(key)
    stats["coregistration_duplicate_rows"] = before - len(co)
    stats["coregistration_units_on_several_nuclei"] = int(
        (co.groupby(["session", "scan_idx", "unit_id"])["target_id"].nunique() > 1).sum())
    stats["coregistration_rows_without_nucleus"] = int((~co["target_id"].isin(known)).sum())
    for column, default in (("score", np.nan), ("residual", np.nan), ("id", 0)):
        if column not in co:
            co[column] = default
    coregistration = pd.DataFrame({
        "nucleus_id": co["target_id"].astype(np.int64), "session": co["session"].astype(np.int16),
        "scan_idx": co["scan_idx"].astype(np.int16), "field": co["field"].astype(np.int16),
        "unit_id": co["unit_id"].astype(np.int32), "residual": co["residual"].astype(np.float64),
        "score": co["score"].astype(np.float64), "row_id": co["id"].astype(np.int64)})
    best = (coregistration.sort_values(["nucleus_id", "score", "residual", "row_id"],
                                       ascending=[True, False, True, True], na_position="last")
            .drop_duplicates("nucleus_id"))
    neurons = neurons.merge(best[["nucleus_id", "session", "scan_idx", "field", "unit_id"]], on="nucleus_id", how="left")
    for column, dtype in (("session", "Int16"), ("scan_idx", "Int16"), ("field", "Int16"), ("unit_id", "Int32")):
        neurons[column] = neurons[column].astype(dtype)
    stats["coregistered_nuclei"] = int(neurons["unit_id"].notna().sum())

    neurons["status_axon"], neurons["status_dendrite"] = None, None
    neurons["proofreading_current"] = pd.array([pd.NA] * len(neurons), dtype="boolean")
    if "proofreading_status_and_strategy" in found:
        proof = _read_small(found["proofreading_status_and_strategy"], "proofreading_status_and_strategy",
                            ("pt_root_id",), position=False)
        single = neurons[(neurons["nuclei_on_root"] == 1)].set_index("root_id")["nucleus_id"]
        proof = proof[proof["pt_root_id"].isin(single.index)].drop_duplicates("pt_root_id", keep="last")
        current = (proof["valid_id"] == proof["pt_root_id"]) if "valid_id" in proof else pd.Series(True, index=proof.index)
        stats["proofreading_rows_matched"] = len(proof)
        stats["proofreading_stale"] = int((~current).sum())
        status = pd.DataFrame({"nucleus_id": single.loc[proof["pt_root_id"]].to_numpy(),
                               "status_axon": proof.get("status_axon"), "status_dendrite": proof.get("status_dendrite"),
                               "proofreading_current": current.to_numpy()})
        neurons = neurons.drop(columns=["status_axon", "status_dendrite", "proofreading_current"]).merge(
            status, on="nucleus_id", how="left")
        neurons["proofreading_current"] = neurons["proofreading_current"].astype("boolean")
    return neurons.sort_values("nucleus_id").reset_index(drop=True), coregistration.drop(columns="row_id"), stats


ROOT_KEY_WARNING = ("neurons are keyed by root id (--no-nucleus): root ids change with every proofreading edit, so "
                    "this version matches only data of materialization {m}; nucleus ids are stable across versions")


def build_neurons_by_root(found: Mapping[str, list[Path]], materialization: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """neurons keyed by root id (one row per distinct non-zero ``pt_root_id`` of the cell table), for
    exports without nucleus ids; ``nucleus_id`` is null and no coregistration can be joined."""
    source = next(t for t in ("nucleus_detection_v0", "aibs_metamodel_celltypes_v661") if t in found)
    cells = _read_small(found[source], source, ("pt_root_id",))
    stats = {"cell_table_rows": len(cells), "cells_without_segment": int((cells["pt_root_id"] == 0).sum())}
    cells = cells[cells["pt_root_id"] != 0]
    order = "id" if "id" in cells else None
    if order:
        cells = cells.sort_values(order)
    on_root = cells.groupby("pt_root_id").size()
    first = cells.drop_duplicates("pt_root_id", keep="first").set_index("pt_root_id")
    neurons = pd.DataFrame({
        "nucleus_id": pd.array([pd.NA] * len(first), dtype="Int64"), "root_id": first.index.to_numpy(np.int64),
        "materialization_version": np.int32(materialization),
        "nuclei_on_root": on_root.loc[first.index].to_numpy(np.int32),
        "x_nm": first.get("x_nm", pd.Series(np.nan, index=first.index)).to_numpy(np.float64),
        "y_nm": first.get("y_nm", pd.Series(np.nan, index=first.index)).to_numpy(np.float64),
        "z_nm": first.get("z_nm", pd.Series(np.nan, index=first.index)).to_numpy(np.float64),
        "volume": first["volume"].to_numpy(np.float64) if "volume" in first else np.nan,
    })
    stats["roots"] = len(neurons)
    stats["rows_sharing_a_root"] = int((on_root > 1).sum())
    neurons["classification_system"], neurons["cell_type"] = None, None
    if "aibs_metamodel_celltypes_v661" in found:
        types = _read_small(found["aibs_metamodel_celltypes_v661"], "aibs_metamodel_celltypes_v661",
                            ("pt_root_id", "cell_type"), position=False)
        types = types.sort_values("id") if "id" in types else types
        latest = types[types["pt_root_id"] != 0].drop_duplicates("pt_root_id", keep="last").set_index("pt_root_id")
        stats["celltype_conflicting_roots"] = int((types.groupby("pt_root_id")["cell_type"].nunique() > 1).sum())
        neurons["cell_type"] = neurons["root_id"].map(latest["cell_type"]).to_numpy()
        if "classification_system" in latest:
            neurons["classification_system"] = neurons["root_id"].map(latest["classification_system"]).to_numpy()
    stats["typed_roots"] = int(neurons["cell_type"].notna().sum())
    for column, dtype in (("session", "Int16"), ("scan_idx", "Int16"), ("field", "Int16"), ("unit_id", "Int32")):
        neurons[column] = pd.array([pd.NA] * len(neurons), dtype=dtype)
    stats["coregistration_skipped"] = int("coregistration_manual_v4" in found)  # keyed by nucleus: cannot join
    neurons["status_axon"], neurons["status_dendrite"] = None, None
    neurons["proofreading_current"] = pd.array([pd.NA] * len(neurons), dtype="boolean")
    coregistration = pd.DataFrame({"nucleus_id": pd.Series(dtype=np.int64), "session": pd.Series(dtype=np.int16),
                                   "scan_idx": pd.Series(dtype=np.int16), "field": pd.Series(dtype=np.int16),
                                   "unit_id": pd.Series(dtype=np.int32), "residual": pd.Series(dtype=np.float64),
                                   "score": pd.Series(dtype=np.float64)})
    return neurons.sort_values("root_id").reset_index(drop=True), coregistration, stats


def root_to_nucleus(neurons: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(sorted roots, their nucleus ids) for roots that carry exactly one nucleus."""
    single = neurons[(neurons["nuclei_on_root"] == 1) & (neurons["root_id"] != 0) & neurons["nucleus_id"].notna()]
    order = np.argsort(single["root_id"].to_numpy())
    return single["root_id"].to_numpy(np.int64)[order], single["nucleus_id"].to_numpy(np.int64)[order]


# ----------------------------------------------------------------------------------------- synapses

def spill(files: list[Path], spill_dir: Path, buckets: int, batch_rows: int, tag: str = "") -> int:
    """Pass 1: split every batch by bucket into Arrow IPC files ``b<bucket><tag>.arrow``; returns rows."""
    import pyarrow as pa

    writers: dict[int, Any] = {}
    rows = 0
    try:
        for path in files:
            for batch in _batches(path, batch_rows):
                bucket = bucket_of(batch["pre_root_id"].to_numpy(), buckets)
                # a stable sort of small integers is a radix sort in numpy: one linear pass
                order = np.argsort(bucket.astype(np.uint16) if buckets <= 1 << 16 else bucket, kind="stable")
                sorted_batch = batch.take(pa.array(order))
                bounds = np.searchsorted(bucket[order], np.arange(buckets + 1))
                for b in np.flatnonzero(np.diff(bounds)):
                    part = sorted_batch.slice(bounds[b], bounds[b + 1] - bounds[b])
                    if b not in writers:
                        writers[b] = pa.ipc.new_stream(str(spill_dir / f"b{b:05d}{tag}.arrow"), part.schema)
                    writers[b].write_batch(part)
                rows += batch.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    return rows


def _dense_rank(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """(rank of each value among the distinct ones, the sorted distinct values): a hash pass, then a
    sort of the few distinct values only."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(values)
    distinct = encoded.dictionary.to_numpy()
    order = np.argsort(distinct)
    rank = np.empty(len(distinct), np.int32 if len(distinct) < 2 ** 31 else np.int64)
    rank[order] = np.arange(len(distinct))
    return rank[encoded.indices.to_numpy()], distinct[order]


def sort_order(pre_rank: np.ndarray, post_rank: np.ndarray, posts: int, ids: np.ndarray) -> np.ndarray:
    """The permutation that sorts rows by (pre, post, id, position), given the dense ranks of pre and post.

    The keys become one unique int64, ``(rank(pre) * posts + rank(post)) * n + rank(id)``, sorted by
    one argsort; ``rank(id)`` is the row position when ids already ascend (one check), else their
    stable sort position, so equal ids keep their input order as in a stable lexicographic sort.
    Where the key would not fit 63 bits, a lexicographic sort does the same."""
    n = len(ids)
    if n < 2:
        return np.arange(n)
    pair = pre_rank.astype(np.int64) * max(posts, 1) + post_rank
    if (int(pair.max()) + 1) * n >= 2 ** 63:
        return np.lexsort((np.arange(n), ids, post_rank, pre_rank))
    if bool(np.all(ids[1:] > ids[:-1])):
        position = np.arange(n, dtype=np.int64)
    else:
        position = np.empty(n, np.int64)
        position[np.argsort(ids, kind="stable")] = np.arange(n)
    return np.argsort(pair * n + position)


def _write_part(table: Any, path: Path, compression: str, dictionary: list[str]) -> str:
    """One Parquet part (dictionary pages only for the low-cardinality grouped columns); its SHA-256."""
    import pyarrow.parquet as pq

    pq.write_table(table, path, row_group_size=ROW_GROUP_ROWS, compression=compression, use_dictionary=dictionary)
    return sha256_of(path)


def finish_bucket(bucket: int, spill_dir: Path, out_dir: Path, roots: np.ndarray, nuclei: np.ndarray,
                  compression: str) -> dict[str, Any]:
    """Pass 2 for one bucket: sort, map nuclei, write its synapse and edge parts (hashed here, in the
    worker); delete its spill."""
    import pyarrow as pa

    spills = sorted(spill_dir.glob(f"b{bucket:05d}*.arrow"))
    if not spills:
        return {"synapses": 0, "edges": 0, "sha256": {}}
    # memory-mapped spills: the one copy is the concatenation into contiguous columns
    table = pa.concat_tables([pa.ipc.open_stream(pa.memory_map(str(p))).read_all() for p in spills])
    columns = {name: table.column(name).combine_chunks() for name in table.column_names}
    del table
    repeats, example = repeated_ids(columns["id"].to_numpy())
    if repeats:
        raise InvalidValueError(f"synapses_pni_2: column 'id' repeats {repeats:,} value(s) (e.g. id {example}) "
                                f"among the synapses of bucket {bucket}; CAVE synapse ids are unique (a table "
                                "dumped twice into the folder?).")
    pre_rank, pres = _dense_rank(columns["pre_root_id"])
    post_rank, posts = _dense_rank(columns["post_root_id"])
    order = sort_order(pre_rank, post_rank, len(posts), columns["id"].to_numpy())
    sorted_np = {name: column.to_numpy()[order] for name, column in columns.items()}
    del columns
    pre_rank, post_rank = pre_rank[order], post_rank[order]
    pre, post, size = sorted_np["pre_root_id"], sorted_np["post_root_id"], sorted_np["size"]
    new_pair = (pre_rank[1:] != pre_rank[:-1]) | (post_rank[1:] != post_rank[:-1])
    starts = np.flatnonzero(np.concatenate([[True], new_pair]))

    def nucleus(distinct: np.ndarray, rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # look up the few distinct roots only, then spread to the rows
        if not len(roots):
            return np.zeros(len(rank), np.int64), np.zeros(len(rank), bool)
        at = np.minimum(np.searchsorted(roots, distinct), len(roots) - 1)
        return nuclei[at][rank], (roots[at] == distinct)[rank]

    pre_nucleus, pre_hit = nucleus(pres, pre_rank)
    post_nucleus, post_hit = nucleus(posts, post_rank)
    synapses = pa.table({"id": sorted_np["id"], "pre_root_id": pre, "post_root_id": post,
                         "pre_nucleus_id": pa.array(pre_nucleus, mask=~pre_hit),
                         "post_nucleus_id": pa.array(post_nucleus, mask=~post_hit), "size": size,
                         "x_nm": sorted_np["x_nm"], "y_nm": sorted_np["y_nm"], "z_nm": sorted_np["z_nm"]})
    names = {"synapses": f"synapses/part-{bucket:05d}.parquet", "edges": f"edges/part-{bucket:05d}.parquet"}
    digests = {names["synapses"]: _write_part(synapses, out_dir / names["synapses"], compression,
                                              ["pre_root_id", "pre_nucleus_id"])}
    counts = np.diff(np.append(starts, len(pre)))
    edges = pa.table({"pre_root_id": pre[starts], "post_root_id": post[starts],
                      "pre_nucleus_id": pa.array(pre_nucleus[starts], mask=~pre_hit[starts]),
                      "post_nucleus_id": pa.array(post_nucleus[starts], mask=~post_hit[starts]),
                      "synapse_count": counts.astype(np.int32),
                      "size_sum": np.add.reduceat(size, starts).astype(np.int64)})  # a spill is never empty
    digests[names["edges"]] = _write_part(edges, out_dir / names["edges"], compression,
                                          ["pre_root_id", "pre_nucleus_id"])
    for path in spills:
        path.unlink()
    return {"synapses": len(pre), "edges": len(starts), "synapses_between_nuclei": int(np.sum(pre_hit & post_hit)),
            "autapse_synapses": int(np.sum(pre == post)), "sha256": digests}


def _stream_pyarrow(files: list[Path], work: Path, out: Path, buckets: int, params: Mapping[str, Any],
                    roots: np.ndarray, nuclei: np.ndarray) -> list[dict[str, int]]:
    from concurrent.futures import ThreadPoolExecutor

    import time

    from tqdm.auto import tqdm

    from neuropil._home import is_quiet

    workers = min(4, os.cpu_count() or 1)
    start = time.perf_counter()
    # pass 1: one spill task per input file (reading and decoding release the GIL)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda k: spill([files[k]], work, buckets, params["batch_rows"], f"-f{k:05d}"), range(len(files))))
    middle = time.perf_counter()
    # pass 2: sorting and Parquet encoding release the GIL: a few buckets at once, memory still bounded
    with ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = pool.map(lambda b: finish_bucket(b, work, out, roots, nuclei, params["compression"]), range(buckets))
        parts = list(tqdm(jobs, total=buckets, desc="synapse buckets", disable=is_quiet()))
    logger.info("minnie65 synapses: pass 1 (read, split, spill) %.1f s, pass 2 (sort, map, write) %.1f s",
                middle - start, time.perf_counter() - middle)
    return parts


def _stream_dask(files: list[Path], work: Path, out: Path, buckets: int, params: Mapping[str, Any],
                 roots: np.ndarray, nuclei: np.ndarray) -> list[dict[str, int]]:
    """The same two passes as Dask tasks: one spill task per input file, one finish task per bucket.
    Workers must see ``work`` and ``out`` (one machine, or a shared file system)."""
    try:
        from distributed import Client
    except ImportError:
        raise InvalidArgumentError("engine='dask' needs the dask extra: pip install 'neuropil[dask]'") from None
    client = Client(params["scheduler"]) if params["scheduler"] else Client(processes=False)
    try:
        spills = [client.submit(spill, [path], work, buckets, params["batch_rows"], f"-f{k:05d}", pure=False)
                  for k, path in enumerate(files)]
        client.gather(spills)
        finished = [client.submit(finish_bucket, b, work, out, roots, nuclei, params["compression"], pure=False)
                    for b in range(buckets)]
        return client.gather(finished)
    finally:
        client.close()


def build_into(build: Any, inputs: Mapping[str, Path], params: Mapping[str, Any]) -> dict[str, Any]:
    """Write every output straight into the build folder (the synapse parts are too many and too large
    to pass around as tables); returns the manifest extras."""
    folder = Path(params["tables"])
    no_nucleus = params.get("no_nucleus", False)
    found = find_tables(folder, no_nucleus=no_nucleus)
    if no_nucleus:
        logger.warning(ROOT_KEY_WARNING.format(m=params["materialization"]))
        neurons, coregistration, stats = build_neurons_by_root(found, params["materialization"])
    else:
        neurons, coregistration, stats = build_neurons(found, params["materialization"])
    build.write_table("neurons.parquet", neurons)
    build.write_table("coregistration.parquet", coregistration)
    roots, nuclei = root_to_nucleus(neurons)
    files = synapse_files(found)
    buckets = max(1, -(-count_rows(files) // params["bucket_rows"]))
    if buckets > 1:  # a multiple of 4, so that 2 or 4 workers finish the last round together
        buckets = -(-buckets // 4) * 4
    out = Path(build.path)
    (out / "synapses").mkdir()
    (out / "edges").mkdir()
    work = out / ".spill"
    work.mkdir()
    stream = _stream_dask if params["engine"] == "dask" else _stream_pyarrow
    try:
        parts = stream(files, work, out, buckets, params, roots, nuclei)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    digests = {name: digest for part in parts for name, digest in part.get("sha256", {}).items()}
    for name in sorted(digests):  # hashed by the workers as each part was written
        build.outputs[name] = {"sha256": digests[name]}
    totals = {key: int(sum(p.get(key, 0) for p in parts))
              for key in ("synapses", "edges", "synapses_between_nuclei", "autapse_synapses")}
    stats.update(totals)
    return {"stats": {"minnie65": stats}, "tables": {t: [str(p.relative_to(folder)) for p in f] for t, f in found.items()},
            "synapse_partitioning": {"buckets": buckets, "key": "pre_root_id",
                                     "hash": "((pre_root_id as uint64) * 0x9E3779B97F4A7C15 >> 33) % buckets",
                                     "sort": ["pre_root_id", "post_root_id", "id"]},
            "materialization_version": params["materialization"],
            "node_key": "root_id" if no_nucleus else "nucleus_id",
            **({"warnings": [ROOT_KEY_WARNING.format(m=params["materialization"])]} if no_nucleus else {})}
