"""Live CAVE download of the minnie65 tables into the dump layout ``microns-minnie65`` ingests.

``neuropil microns dump --materialization 1300 --out DIR`` (extra ``neuropil[cave]``) writes
``DIR/v1300/<table>/part-NNNNNN.parquet`` for each table of ``MINNIE_TABLES``, then
``neuropil ingest microns-minnie65 --tables DIR/v1300`` builds the homogenized files.

* **Version pinned**: every query names ``materialization_version``; root ids change with
  proofreading, so the version is the folder name the ingest reads it from.
* **Token from the environment**: ``$CAVE_TOKEN`` if set, else caveclient's own secret file
  (``~/.cloudvolume/secrets/cave-secret.json``). Nothing prompts.
* **Chunked queries**: the server caps rows per query, so each query asks for an ``id`` window
  ``[lo, lo + span)`` with ``limit = chunk_rows``; a window that comes back full may have been
  truncated, so it is halved and asked again (never kept); sparse windows double the span. A
  table is complete when the rows fetched equal ``get_annotation_count`` (a shortfall, e.g. from a
  ``chunk_rows`` above the server's cap of about 200k rows, is an error, never a silent gap).
* caveclient 8 pins ``pandas < 3``: the ``cave`` extra may install pandas 2.x (neuropil declares
  ``pandas >= 2.1``; its tests run on 3.1), or run the dump in its own environment and ingest the folder anywhere.
* **Resumable and atomic**: each window is written as one part (temp file + rename) and
  ``_state.json`` records the next id; an interrupted dump resumes where it stopped and a finished
  table is skipped. ``_dump.json`` (datastack, version, rows per table, caveclient version) is
  written last.
* Positions come split into ``_x/_y/_z`` columns (``split_positions=True``, faster upstream) in
  voxels of 4 x 4 x 40 nm (``desired_resolution`` pinned), which the ingest accepts; reference
  tables are not merged with their target table (``merge_reference=False``), as in the static dumps.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neuropil._util import utc_now
from neuropil.datasets.microns import MINNIE_TABLES
from neuropil.errors import InvalidArgumentError, RawFormatError, SourceUnavailableError, unknown_value

logger = logging.getLogger(__name__)

DATASTACK = "minnie65_public"
VOXEL_RESOLUTION = (4, 4, 40)
TOKEN_ENV = "CAVE_TOKEN"
_MAX_SPAN = 1 << 62


@dataclass
class DumpResult:
    folder: Path
    rows: dict[str, int]
    queries: int


def make_client(datastack: str = DATASTACK) -> Any:
    """A ``caveclient.CAVEclient`` for ``datastack`` with the token of ``$CAVE_TOKEN`` (if set)."""
    try:
        import caveclient
    except ImportError:
        raise InvalidArgumentError("Live CAVE download needs the cave extra: pip install 'neuropil[cave]' "
                                   "(or use static dumps with --tables DIR).") from None
    token = os.environ.get(TOKEN_ENV)
    return caveclient.CAVEclient(datastack, auth_token=token) if token else caveclient.CAVEclient(datastack)


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    temporary = path.with_name(path.name + ".part")
    temporary.write_text(json.dumps(payload, indent=1, sort_keys=True))
    os.replace(temporary, path)


def _write_part(frame: Any, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    temporary = path.with_name(path.name + ".part")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), temporary, compression="zstd")
    os.replace(temporary, path)


def dump_table(client: Any, table: str, folder: Path, *, materialization: int, chunk_rows: int = 100_000,
               first_span: int = 1_000_000, progress: bool = False) -> tuple[int, int]:
    """Dump one table into ``folder/table/``; returns (rows, queries made now). Resumes from
    ``_state.json``."""
    out = folder / table
    out.mkdir(parents=True, exist_ok=True)
    state_path = out / "_state.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    if state and state.get("materialization") != materialization:
        raise InvalidArgumentError(f"{out} holds a dump of materialization {state.get('materialization')}, "
                                   f"not {materialization}: use another --out folder.")
    expected = int(client.materialize.get_annotation_count(table, version=materialization))
    rows, part, lo, span = (int(state.get(k, d)) for k, d in (("rows", 0), ("parts", 0), ("next_id", 0),
                                                                 ("span", first_span)))
    if state.get("complete"):
        return rows, 0
    queries = 0

    def save(complete: bool = False) -> None:
        _write_json(state_path, {"materialization": materialization, "rows": rows, "parts": part, "next_id": lo,
                                 "span": span, "expected": expected, "complete": complete})

    from tqdm.auto import tqdm

    bar = tqdm(total=expected, initial=rows, desc=table, unit="rows",
               disable=not progress or os.environ.get("NEUROPIL_QUIET") == "1")
    while rows < expected:
        if span >= _MAX_SPAN:
            raise RawFormatError(f"CAVE table {table} (materialization {materialization}) reports {expected:,} rows "
                                 f"but ids up to 2^62 gave {rows:,}; the table changed during the dump or ids are "
                                 "not integers. Start again in a fresh --out folder.")
        frame = client.materialize.query_table(
            table, filter_greater_equal_dict={"id": lo}, filter_less_dict={"id": lo + span}, limit=chunk_rows,
            materialization_version=materialization, split_positions=True, desired_resolution=VOXEL_RESOLUTION,
            merge_reference=False)
        queries += 1
        if len(frame) >= chunk_rows:  # may be truncated: ask again for half the window
            if span == 1:
                raise RawFormatError(f"CAVE returned {len(frame)} rows for the single id {lo} of {table}.")
            span //= 2
            save()
            continue
        if "id" not in frame.columns:
            raise RawFormatError(f"CAVE table {table} came back without an 'id' column: {list(frame.columns)[:12]}")
        if len(frame):
            ids = frame["id"].to_numpy()
            if ids.min() < lo or ids.max() >= lo + span:
                raise RawFormatError(f"CAVE returned ids outside the window [{lo}, {lo + span}) of {table}: "
                                     "the id filters were not applied.")
            _write_part(frame.sort_values("id", kind="stable"), out / f"part-{part:06d}.parquet")
            part += 1
        rows += len(frame)
        lo += span
        bar.update(len(frame))
        if len(frame) < chunk_rows // 4:
            span = min(span * 2, _MAX_SPAN)
        save()
    bar.close()
    if rows != expected:
        raise RawFormatError(f"CAVE table {table}: {rows:,} rows fetched, {expected:,} announced; the table changed "
                             "during the dump. Start again in a fresh --out folder.")
    save(complete=True)
    return rows, queries


def dump_tables(out: str | os.PathLike[str], *, materialization: int, tables: Iterable[str] | None = None,
                datastack: str = DATASTACK, client: Any = None, chunk_rows: int = 100_000,
                progress: bool = False) -> DumpResult:
    """Dump ``tables`` (default: all of ``MINNIE_TABLES``) of one materialization into
    ``out/v<materialization>/``; ``client`` defaults to :func:`make_client`."""
    try:
        materialization = int(materialization)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"materialization must be an integer version, got {materialization!r}.") from None
    names = list(MINNIE_TABLES) if tables is None else [t.strip() for t in tables if t.strip()]
    for name in names:
        if name not in MINNIE_TABLES:
            raise InvalidArgumentError(unknown_value(name, "table", tuple(MINNIE_TABLES)))
    if chunk_rows < 2:
        raise InvalidArgumentError(f"chunk_rows must be at least 2, got {chunk_rows}.")
    client = client if client is not None else make_client(datastack)
    folder = Path(out).expanduser() / f"v{materialization}"
    folder.mkdir(parents=True, exist_ok=True)
    rows, queries = {}, 0
    for name in names:
        try:
            rows[name], made = dump_table(client, name, folder, materialization=materialization,
                                          chunk_rows=chunk_rows, progress=progress)
        except (ConnectionError, TimeoutError, OSError) as error:
            raise SourceUnavailableError(f"CAVE download of {name} stopped: {error}. Run the same command again: "
                                         "it resumes from the last complete part.") from error
        queries += made
    try:
        from importlib.metadata import version

        client_version = version("caveclient")
    except Exception:  # noqa: BLE001 - a test double, or caveclient installed oddly
        client_version = None
    _write_json(folder / "_dump.json", {"datastack": datastack, "materialization": materialization, "rows": rows,
                                        "voxel_resolution_nm": list(VOXEL_RESOLUTION), "caveclient": client_version,
                                        "finished": utc_now()})
    return DumpResult(folder, rows, queries)
