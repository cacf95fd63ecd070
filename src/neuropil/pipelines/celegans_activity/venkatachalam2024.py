"""Venkatachalam lab 2024 (unpublished): brain-wide chemosensory recordings, one zipped CSV per worm.

Citation (as given by the reference pipeline): Seyedolmohadesin M, unpublished 2024, "Brain-wide
neural activity data in *C. elegans*", https://chemosensory-data.worm.world/ (accessed 3 Oct 2024).
Host: that site; the re-hosted archive holds ``Venkatachalam2024/*.zip`` (22 files).

Files: ``Venkatachalam2024/<stem>.zip``, each holding one CSV ``<stem>.csv`` at the archive root
(``__MACOSX/`` members ignored). The CSV is read **from the zip in memory**; nothing is extracted.

Columns (comma-separated, one header row, one row per neuron), by position:

* 0-8: descriptive columns, among them ``neuron`` (the label; an empty cell -> None). The names of
  the other eight are unknown and unused (kept in ``notes["metadata_columns"]``);
* 9-106: 98 "blank" columns. The reference's comment reads "9 columns + 98 columns of blank neural
  data"; our interpretation (unverified) is that they are frames 0-97 left empty, so the first used
  frame header is ~98. They are not read; a non-empty cell there is counted in
  ``notes["nonempty_blank_cells"]``;
* 107 .. second-to-last: time samples; each header parses as a number = frame index, time =
  frame x 0.375 s (2.67 Hz, hard-coded by the reference) -> ``time`` as published (starts at ~36.75 s);
* last column: ignored (meaning unknown; its header is kept in ``notes["ignored_last_column"]``).

Rows -> columns: traces (T, N). Empty cells and pandas' default NA strings (``NaN``, ``NA``, ``null``
...) are NaN; any other non-number raises :class:`~neuropil.errors.RawFormatError`, as do a missing
``neuron`` column, fewer than 109 columns, a row with a different number of fields than the header
(a truncated CSV) and an unreadable zip. Worm id = the zip stem; zips are processed in sorted order.

Reference (qsimeon/worm-data-preprocess) bugs we deliberately do not reproduce:

* it extracted every zip into the dataset folder on every run (rewriting the published files);
* it took labels from ``data["neuron"].unique()`` and then indexed them with the row mask, which
  misaligns labels and rows as soon as a name repeats; we keep one label per row as published
  (repeats counted in ``notes["duplicate_labels"]``; the common step decides);
* all-NaN row removal and imputation belong to the common step (data as published);
* listdir order: the processing order here is sorted and deterministic.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_activity.raw import RawLabel, RawRecording, study_files

STUDY = "Venkatachalam2024"
#: one worm per zip; hidden files (``._x.zip`` AppleDouble copies) are not worms
PATTERN = re.compile(r"^(?!\.).+\.zip$")
LABEL_COLUMN = "neuron"
#: columns 0..8 are descriptive, 9..106 "blank", 107..-2 time samples, -1 ignored
N_DESCRIPTIVE = 9
N_BLANK = 98
FIRST_TIME_COLUMN = N_DESCRIPTIVE + N_BLANK  # 107
#: seconds per frame, hard-coded by the reference
FRAME_INTERVAL = 0.375
#: pandas.read_csv's default NA strings (plus the empty cell)
NA_STRINGS = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
    "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
})


def _csv_text(path: Path) -> tuple[str, str]:
    """The member name and the decoded text of the zip's ``<stem>.csv``, read in memory."""
    member = f"{path.stem}.csv"
    try:
        with zipfile.ZipFile(path) as archive:
            names = [name for name in archive.namelist() if not name.startswith("__MACOSX/")]
            if member not in names:
                raise RawFormatError(
                    f"{STUDY} {path.name}: expected a member {member!r} at the archive root, found {names}."
                )
            data = archive.read(member)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise RawFormatError(f"{STUDY} {path.name}: not a readable zip archive (truncated?): {error}") from error
    try:
        return member, data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RawFormatError(f"{STUDY} {path.name}/{member}: not UTF-8 text ({error}).") from error


def _number(cell: str) -> float:
    stripped = cell.strip()
    return float("nan") if stripped in NA_STRINGS else float(stripped)


def _recording(path: Path) -> RawRecording:
    member, text = _csv_text(path)
    where = f"{STUDY} {path.name}/{member}"
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise RawFormatError(f"{where}: not a readable CSV: {error}") from error
    if not rows:
        raise RawFormatError(f"{where}: empty CSV; expected a header row.")
    # pandas skips blank lines; so do we. Row numbers below count data rows from 1 (after the header).
    header, body = rows[0], [row for row in rows[1:] if row]
    if len(header) < FIRST_TIME_COLUMN + 2:
        raise RawFormatError(
            f"{where}: {len(header)} columns; expected {N_DESCRIPTIVE} descriptive + {N_BLANK} blank columns, "
            f"at least one time column (from position {FIRST_TIME_COLUMN}) and a last ignored column."
        )
    if LABEL_COLUMN not in header[:FIRST_TIME_COLUMN]:
        raise RawFormatError(
            f"{where}: no column {LABEL_COLUMN!r} among the descriptive columns (header starts {header[:N_DESCRIPTIVE]})."
        )
    label_column = header.index(LABEL_COLUMN)
    for row_number, row in enumerate(body, start=1):
        if len(row) != len(header):
            raise RawFormatError(
                f"{where}: data row {row_number} has {len(row)} fields, expected {len(header)} (the header's; "
                f"truncated?)."
            )
    frames = []
    for position in range(FIRST_TIME_COLUMN, len(header) - 1):
        try:
            frame = float(header[position])
            if not math.isfinite(frame):
                raise ValueError(header[position])
            frames.append(frame)
        except ValueError:
            raise RawFormatError(
                f"{where}: time column {position} has header {header[position]!r}; expected a frame number."
            ) from None
    time = np.array(frames, dtype="float64") * FRAME_INTERVAL
    traces = np.empty((len(frames), len(body)), dtype="float64")
    for row_number, row in enumerate(body, start=1):
        try:
            traces[:, row_number - 1] = [_number(cell) for cell in row[FIRST_TIME_COLUMN:-1]]
        except ValueError:
            for offset, cell in enumerate(row[FIRST_TIME_COLUMN:-1]):
                try:
                    _number(cell)
                except ValueError:
                    raise RawFormatError(
                        f"{where}: data row {row_number} column {FIRST_TIME_COLUMN + offset} "
                        f"(frame {header[FIRST_TIME_COLUMN + offset]}) holds {cell!r}; expected a number or empty."
                    ) from None
            raise
    labels: list[RawLabel] = [row[label_column] if row[label_column].strip() not in NA_STRINGS else None for row in body]
    named = [label for label in labels if label is not None]
    notes: dict[str, Any] = {
        "csv_member": member,
        "metadata_columns": header[:N_DESCRIPTIVE],
        "nonempty_blank_cells": sum(1 for row in body for cell in row[N_DESCRIPTIVE:FIRST_TIME_COLUMN] if cell.strip()),
        "ignored_last_column": header[-1],
        "duplicate_labels": len(named) - len(set(named)),
    }
    return RawRecording(study=STUDY, file=path.name, worm=path.stem, traces=traces, time=time,
                        labels=labels, notes=notes)


def read(folder: Path) -> list[RawRecording]:
    """One :class:`RawRecording` per ``*.zip`` in ``folder`` (the study folder), sorted by name."""
    return [_recording(path) for path in study_files(folder, study=STUDY, match=PATTERN, description="*.zip")]
