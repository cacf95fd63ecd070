"""Spreadsheet helpers for the C. elegans connectome readers: calamine reads, header tables,
numeric columns and Cook-style adjacency matrices (labels in the third row and column).

Shared by :mod:`neuropil.pipelines.celegans_connectomes` and :mod:`neuropil.pipelines.celegans_sources`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil.errors import RawFormatError


def require_columns(table: pd.DataFrame, columns: list[str], path: Path, where: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise RawFormatError(
            f"{path.name} ({where}) lacks column(s) {missing}; expected {columns}, found {list(table.columns)}."
        )


def sheet_rows(path: Path, sheets: list[str | int]) -> dict[str | int, list[list[Any]]]:
    """Cell values of the named (or numbered) sheets, read with calamine directly: pandas'
    per-cell conversion costs more than the parse itself on the 473 x 473 Cook matrices.
    Empty cells are ``""``; numbers are floats. One clear error for an unreadable workbook."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        result = {}
        for sheet in sheets:
            names = workbook.sheet_names
            if isinstance(sheet, int) and sheet >= len(names) or isinstance(sheet, str) and sheet not in names:
                raise RawFormatError(f"{path.name} has no sheet {sheet!r}; its sheets are {names}.")
            name = names[sheet] if isinstance(sheet, int) else sheet
            result[sheet] = workbook.get_sheet_by_name(name).to_python()
        return result
    except RawFormatError:
        raise
    except Exception as error:  # calamine raises CalamineError / ZipError / XmlError, or OSError
        raise RawFormatError(
            f"{path.name} is not a readable spreadsheet (truncated or corrupted?): {type(error).__name__}: {error}"
        ) from error


def read_excel(path: Path, sheets: list[str | int]) -> dict[str | int, pd.DataFrame]:
    """Header-row sheets as DataFrames (first row = column names, empty cells missing)."""
    frames = {}
    for sheet, rows in sheet_rows(path, sheets).items():
        if not rows:
            raise RawFormatError(f"{path.name}: sheet {sheet!r} is empty.")
        header = [str(c).strip() for c in rows[0]]
        frame = pd.DataFrame(rows[1:], columns=header, dtype=object)
        frames[sheet] = frame.replace("", None)
    return frames


def numeric(values: pd.Series, path: Path, column: str) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = values[numbers.isna() & values.notna()]
    if len(bad):
        raise RawFormatError(f"{path.name}: column {column!r} has non-numeric value {bad.iloc[0]!r}; expected a number.")
    return numbers.astype("float64")


def cook_matrix(rows: list[list[Any]], path: Path, name: str) -> pd.DataFrame:
    """Post labels in the third row, pre labels in the third column, values from the fourth
    row/column on; the sheet repeats the labels in a last row and column, which we ignore."""
    if len(rows) < 4 or len(rows[0]) < 4:
        raise RawFormatError(f"{path.name}: sheet {name!r} has {len(rows)} rows, too few for an adjacency matrix.")
    cells = np.array(rows, dtype=object)
    post_labels, pre_labels = cells[2, 3:], cells[3:, 2]
    post_columns = np.flatnonzero(post_labels != "")
    pre_rows = np.flatnonzero(pre_labels != "")
    if post_columns.size == 0 or pre_rows.size == 0:
        raise RawFormatError(f"{path.name}: sheet {name!r} has no labels in its third row / third column.")
    block = cells[3:, 3:][np.ix_(pre_rows, post_columns)]
    filled = block != ""
    values = block[filled]
    try:
        weights = values.astype("float64")
    except (TypeError, ValueError):
        bad = next(v for v in values if not isinstance(v, (int, float)))
        raise RawFormatError(f"{path.name}: sheet {name!r} has a non-numeric cell {bad!r}.") from None
    row, column = np.nonzero(filled)
    table = pd.DataFrame({"pre_raw": pre_labels[pre_rows][row].astype(str), "post_raw": post_labels[post_columns][column].astype(str),
                          "weight": weights})
    table.attrs["covered_raw"] = sorted({str(v) for v in pre_labels[pre_rows]} | {str(v) for v in post_labels[post_columns]})
    return table


def cook_sheets(path: Path, sheets: dict[str, str]) -> pd.DataFrame:
    """Cook-style workbooks: one adjacency matrix per edge type (``{type: sheet name}``); the
    source table of every filled cell, with the matrix axes (zero rows included) as ``covered_raw``."""
    rows = sheet_rows(path, list(sheets.values()))
    parts = []
    covered: set[str] = set()
    for kind, name in sheets.items():
        part = cook_matrix(rows[name], path, name)
        covered |= set(part.attrs["covered_raw"])
        part["type"] = kind
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)[["pre_raw", "post_raw", "type", "weight"]]
    table.attrs["covered_raw"] = sorted(covered)
    return table
