"""Small raw-file writers shared by the fixture writers and the tests (re-exported by neuropil.testing)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from neuropil._fetch import sha256_of

EDGE_TABLE_HEADER = ("pre", "post", "type", "synapses")


def write_edge_table_xlsx(path: str | os.PathLike[str], rows: Iterable[Sequence[object]], *,
                          header: Sequence[str] = EDGE_TABLE_HEADER, sheet: str = "Sheet1") -> Path:
    """A Witvliet 2020-style workbook: one sheet, header ``pre, post, type, synapses``."""
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(list(header))
    for row in rows:
        worksheet.append(list(row))
    workbook.save(path)
    return Path(path)


def write_edge_table_text(path: str | os.PathLike[str], rows: Iterable[Sequence[object]], *,
                          header: Sequence[str] = EDGE_TABLE_HEADER, line_end: str = "\n") -> Path:
    """A White 1986-style text table: tab-separated ``pre post type synapses`` (cect's copy of the
    whole-animal file ends lines with CRLF; pass ``line_end="\\r\\n"`` for that quirk)."""
    lines = ["\t".join(header)] + ["\t".join(str(v) for v in row) for row in rows]
    Path(path).write_bytes((line_end.join(lines) + line_end).encode())
    return Path(path)


def truncate_copy(source: str | os.PathLike[str], target: str | os.PathLike[str], *, fraction: float = 0.5) -> Path:
    """Copy the first ``fraction`` of ``source``'s bytes: an interrupted download."""
    data = Path(source).read_bytes()
    Path(target).write_bytes(data[: int(len(data) * fraction)])
    return Path(target)


def spec_with_files(spec, files: Mapping[str, str | os.PathLike[str]]):
    """A copy of ``spec`` whose raw files named in ``files`` are registered with those files' SHA-256
    (and no package route), so that a pipeline reads a fixture placed in a mirror folder."""
    raw_files = tuple(
        dataclasses.replace(raw, sha256=sha256_of(files[raw.name]), package=None, package_path=None)
        if raw.name in files else raw
        for raw in spec.raw_files
    )
    return dataclasses.replace(spec, raw_files=raw_files)
