"""microns-minnie65 table readers: CAVE dumps (Parquet, Feather, CSV; one file or a folder of shards)
read column by column, with every value the pipeline relies on checked.

Checked values (each failure an :class:`~neuropil.errors.InvalidValueError` naming the file, the
column and the count): no null ids, root ids, nucleus ids or synapse sizes; no negative synapse
size; coregistration keys (session, scan, field, unit) present. Repeated synapse ids are refused by
the pipeline's second pass (:func:`repeated_ids`), within a bucket: rows with the same id and the same
presynaptic root, which is what a dump written twice holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil.datasets.microns import MINNIE_REQUIRED_TABLES, MINNIE_TABLES, VOXEL_NM
from neuropil.errors import InvalidValueError, RawFormatError, SourceUnavailableError

SUFFIXES = {".parquet": "parquet", ".feather": "feather", ".arrow": "feather", ".ipc": "feather", ".csv": "csv"}
#: columns that must never be null, per table (the pipeline keys and sorts on them)
REQUIRED_VALUES = {
    "nucleus_detection_v0": ("id", "pt_root_id"),
    "aibs_metamodel_celltypes_v661": ("id", "target_id"),
    "coregistration_manual_v4": ("target_id", "session", "scan_idx", "field", "unit_id"),
    "proofreading_status_and_strategy": ("pt_root_id",),
    "synapses_pni_2": ("id", "pre_pt_root_id", "post_pt_root_id", "size"),
}


def check_values(table: Any, name: str, where: str, first_row: int = 0) -> None:
    """Refuse nulls in the key columns of ``name`` and negative synapse sizes (an Arrow table or batch)."""
    import pyarrow.compute as pc

    for column in REQUIRED_VALUES.get(name, ()):
        if column in table.schema.names and table[column].null_count:
            count = table[column].null_count
            raise InvalidValueError(f"{where}: column {column!r} has {count:,} null value(s) in rows "
                                    f"{first_row:,}-{first_row + table.num_rows - 1:,}; every row needs one "
                                    "(a damaged or partial dump? dump the table again).")
    if name == "synapses_pni_2" and "size" in table.schema.names and table.num_rows:
        negative = int(pc.sum(pc.less(table["size"], 0)).as_py() or 0)
        if negative:
            raise InvalidValueError(f"{where}: column 'size' has {negative:,} negative value(s) in rows "
                                    f"{first_row:,}-{first_row + table.num_rows - 1:,}; a synapse size is a voxel "
                                    "count (>= 0).")


# ----------------------------------------------------------------------------------------- finding

#: what a --no-nucleus ingest needs: the synapses and one cell table carrying pt_root_id
ROOT_KEYED_REQUIRED = ("synapses_pni_2",)
ROOT_KEYED_CELL_TABLES = ("nucleus_detection_v0", "aibs_metamodel_celltypes_v661")


def find_tables(folder: Path, *, no_nucleus: bool = False) -> dict[str, list[Path]]:
    """Table name -> its files (one file, or the sorted shards of a folder)."""
    found: dict[str, list[Path]] = {}
    for table in MINNIE_TABLES:
        files = [folder / f"{table}{suffix}" for suffix in SUFFIXES if (folder / f"{table}{suffix}").is_file()]
        if (folder / table).is_dir():
            files += sorted(p for p in (folder / table).iterdir() if p.suffix in SUFFIXES and p.is_file())
        if files:
            kinds = {SUFFIXES[p.suffix] for p in files}
            if len(kinds) > 1:
                raise RawFormatError(f"{table}: mixed formats {sorted(kinds)} in {folder}; keep one")
            found[table] = files
    absent = [t for t in (ROOT_KEYED_REQUIRED if no_nucleus else MINNIE_REQUIRED_TABLES) if t not in found]
    if no_nucleus and not any(t in found for t in ROOT_KEYED_CELL_TABLES):
        absent.append(" or ".join(ROOT_KEYED_CELL_TABLES))
    if absent:
        raise SourceUnavailableError(
            f"{folder} lacks the table(s) {absent} (as <table>.parquet/.feather/.csv or a <table>/ folder of "
            f"shards); found {sorted(found) or 'none'}.")
    return found


def _format(path: Path) -> Any:
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    kind = SUFFIXES[path.suffix]
    if kind == "csv":
        # positions arrive as "[x y z]" text; ids must stay int64 whatever the first block looks like
        return ds.CsvFileFormat(convert_options=pacsv.ConvertOptions(column_types={
            "id": "int64", "pre_pt_root_id": "int64", "post_pt_root_id": "int64", "size": "int64",
            "pt_root_id": "int64", "target_id": "int64", "valid_id": "int64"}))
    return "ipc" if kind == "feather" else "parquet"


def _names(path: Path) -> list[str]:
    import pyarrow.dataset as ds

    try:
        return ds.dataset(path, format=_format(path)).schema.names
    except Exception as error:  # noqa: BLE001 (pyarrow raises several kinds for a damaged file)
        raise RawFormatError(f"could not read {path}: {error}") from None


#: how exports people share name a position: CAVE's array column, or split into x/y/z columns under
#: CAVE's prefix or a short one (``ctr_pt_x``; pandas and Neuroglancer exports). Declared, never guessed.
POSITION_ALIASES = {"ctr_pt_position": ("ctr_pt",), "pt_position": ("pt",)}
#: a pandas index written with the table (``to_csv`` / ``to_parquet`` defaults): carries no data
INDEX_COLUMNS = ("", "Unnamed: 0", "__index_level_0__")


def position_candidates(prefix: str) -> list[list[str]]:
    """The accepted column sets for one position, in order: the array, then each split form."""
    return [[prefix]] + [[f"{base}_{axis}" for axis in "xyz"] for base in (prefix, *POSITION_ALIASES.get(prefix, ()))]


def _position_columns(names: list[str], prefix: str, table: str) -> list[str]:
    for columns in position_candidates(prefix):
        if all(c in names for c in columns):
            return columns
    accepted = " or ".join(str(c if len(c) > 1 else c[0]) for c in position_candidates(prefix))
    raise RawFormatError(f"{table}: no position column: expected {accepted}; columns: {names}")


def has_position(names: list[str], prefix: str) -> bool:
    return any(all(c in names for c in columns) for columns in position_candidates(prefix))


def _positions_nm(table: Any, columns: list[str], where: str) -> np.ndarray:
    """(n, 3) float64 nm from an array column (list or ``"[x y z]"`` text) or three split columns."""
    import pyarrow as pa

    if len(columns) == 3:
        voxels = np.stack([np.asarray(table[c].to_numpy(zero_copy_only=False), dtype=np.float64) for c in columns], axis=1)
    else:
        column = table[columns[0]]
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            import pyarrow.compute as pc

            parts = pc.split_pattern_regex(pc.utf8_trim(column, "[] "), r"[\s,]+")
            lengths = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
            if np.any(lengths != 3):
                bad = int(np.flatnonzero(lengths != 3)[0])
                raise RawFormatError(f"{where}: position {column[bad].as_py()!r} is not '[x y z]'")
            voxels = pc.cast(parts.flatten(), pa.float64()).to_numpy().reshape(-1, 3)
        else:
            flat = column.flatten().to_numpy(zero_copy_only=False)
            if flat.size != 3 * len(column):
                raise RawFormatError(f"{where}: array positions must hold 3 values each")
            voxels = np.asarray(flat, dtype=np.float64).reshape(-1, 3)
    return voxels * np.asarray(VOXEL_NM)


def _positions_nm32(batch: Any, columns: list[str], where: str) -> list[np.ndarray]:
    """x, y, z in nm as three contiguous float32 arrays (the synapse columns), the same values as
    ``_positions_nm(...).astype(np.float32)`` with fewer full-size copies on the common layouts."""
    import pyarrow as pa

    scale = np.asarray(VOXEL_NM, dtype=np.float64)
    if len(columns) == 1 and pa.types.is_list(batch[columns[0]].type) and batch[columns[0]].null_count == 0:
        column = batch[columns[0]]
        offsets = column.offsets.to_numpy()
        flat = column.values.to_numpy(zero_copy_only=False)
        if len(column) and np.array_equal(np.diff(offsets), np.full(len(column), 3)):
            axes = flat[offsets[0]:offsets[-1]].reshape(-1, 3)
            return [(axes[:, k] * scale[k]).astype(np.float32) for k in range(3)]
    if len(columns) == 3:
        return [(np.asarray(batch[c].to_numpy(zero_copy_only=False), dtype=np.float64) * scale[k]).astype(np.float32)
                for k, c in enumerate(columns)]
    xyz = _positions_nm(batch, columns, where).astype(np.float32)
    return [np.ascontiguousarray(xyz[:, k]) for k in range(3)]


def _read_small(files: list[Path], table: str, required: tuple[str, ...], position: bool = True) -> pd.DataFrame:
    """A small table (nuclei, cell types, coregistration, proofreading) whole, ``valid`` rows only."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    names = _names(files[0])
    absent = [c for c in required if c not in names]
    if absent:
        raise RawFormatError(f"{table}: missing column(s) {absent}; found {names}")
    pos_cols = _position_columns(names, "pt_position", table) if position and has_position(names, "pt_position") else []
    wanted = [c for c in names if not c.startswith(("pt_position", "bb_")) and c not in pos_cols
              and c not in INDEX_COLUMNS]
    try:
        arrow = pa.concat_tables([ds.dataset(f, format=_format(f)).to_table(columns=wanted + pos_cols) for f in files])
    except Exception as error:  # noqa: BLE001
        raise RawFormatError(f"{table}: could not read {files}: {error}") from None
    frame = arrow.drop_columns(pos_cols).to_pandas()
    if pos_cols:
        xyz = _positions_nm(arrow, pos_cols, table)
        frame["x_nm"], frame["y_nm"], frame["z_nm"] = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    if "valid" in frame.columns:
        frame = frame[frame["valid"].astype(str).str.lower().isin(["true", "t", "1"])]
    where = str(files[0]) if len(files) == 1 else f"{files[0].parent} ({len(files)} shards)"
    for column in REQUIRED_VALUES.get(table, ()):
        nulls = int(frame[column].isna().sum()) if column in frame else 0
        if nulls:
            raise InvalidValueError(f"{where}: column {column!r} of {table} has {nulls:,} null value(s) in "
                                    f"{len(frame):,} valid rows; every row needs one (dump the table again).")
    return frame.reset_index(drop=True)


def synapse_files(found: Mapping[str, list[Path]]) -> list[Path]:
    return found["synapses_pni_2"]


def count_rows(files: list[Path]) -> int:
    """Row count from metadata (Parquet, Feather); CSV is estimated from bytes (60 per row, rounded up)."""
    import pyarrow.dataset as ds

    total = 0
    for path in files:
        if SUFFIXES[path.suffix] == "csv":
            total += path.stat().st_size // 60 + 1
        else:
            try:
                total += ds.dataset(path, format=_format(path)).count_rows()
            except Exception as error:  # noqa: BLE001
                raise RawFormatError(f"synapses_pni_2: could not read {path}: {error}") from None
    return total


def _batches(path: Path, batch_rows: int) -> Iterator[Any]:
    """Record batches of the needed columns, as (id, pre, post, size, x_nm, y_nm, z_nm)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    names = _names(path)
    absent = [c for c in ("id", "pre_pt_root_id", "post_pt_root_id", "size") if c not in names]
    if absent:
        raise RawFormatError(f"synapses_pni_2 {path.name}: missing column(s) {absent}; found {names}")
    position = _position_columns(names, "ctr_pt_position", f"synapses_pni_2 {path.name}")
    columns = ["id", "pre_pt_root_id", "post_pt_root_id", "size", *position]
    try:
        first_row = 0
        for batch in ds.dataset(path, format=_format(path)).to_batches(columns=columns, batch_size=batch_rows):
            check_values(batch, "synapses_pni_2", str(path), first_row)
            first_row += batch.num_rows
            x, y, z = _positions_nm32(batch, position, f"synapses_pni_2 {path.name}")
            yield pa.record_batch({
                "id": batch["id"].cast(pa.int64()), "pre_root_id": batch["pre_pt_root_id"].cast(pa.int64()),
                "post_root_id": batch["post_pt_root_id"].cast(pa.int64()), "size": batch["size"].cast(pa.int64()),
                "x_nm": x, "y_nm": y, "z_nm": z})
    except (RawFormatError, InvalidValueError):
        raise
    except Exception as error:  # noqa: BLE001 (ArrowInvalid, OSError, ... from a damaged chunk)
        raise RawFormatError(f"synapses_pni_2: damaged chunk in {path}: {error}") from None




def repeated_ids(ids: np.ndarray) -> tuple[int, int | None]:
    """(how many rows repeat an earlier id, one such id) of one bucket's synapse ids."""
    if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])):  # a dump's ids usually ascend: one pass
        return 0, None
    ordered = np.sort(ids)
    same = ordered[1:] == ordered[:-1]
    count = int(same.sum())
    return count, (int(ordered[1:][same][0]) if count else None)
