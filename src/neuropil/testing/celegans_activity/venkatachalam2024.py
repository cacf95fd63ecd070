"""Fake ``Venkatachalam2024/`` folder: two zips, each holding one CSV of the same stem.

Follows the spec's minimal fixture (``shared/formats/celegans-activity.md`` section 11): CSV header =
``neuron`` + 8 other descriptive columns (their real names are unknown; ``meta1`` .. ``meta8`` here),
then the 98 "blank" frame headers ``0`` .. ``97`` with empty cells, then frame headers ``98`` ..
``797`` with data (T = 700), then one trailing column (empty header and empty cells, as a trailing
comma on every line would give). 6 rows with canonical names, one of them all-NaN, and a few
scattered NaN cells (written empty, as ``DataFrame.to_csv`` does). Floats are written with
``repr`` so they read back exactly. Zip members carry a fixed date so the bytes are deterministic.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

STUDY = "Venkatachalam2024"
N_BLANK = 98
FIRST_FRAME = 98
FRAMES = 700
FRAME_INTERVAL = 0.375
METADATA = ["neuron"] + [f"meta{k}" for k in range(1, 9)]
_SCATTERED_NAN = 5

#: (zip stem, row labels, index of the all-NaN row)
_WORMS = (
    ("chemosensory_worm01", ["AWCL", "AWCR", "ASHL", "AIYL", "AVAL", "RIAR"], 3),
    ("chemosensory_worm02", ["ASEL", "ASER", "AWAL", "AIBR", "AVAR", "SMDVL"], 0),
)


def header() -> list[str]:
    """The CSV header: 9 descriptive, 98 blank frame columns, T frame columns, one trailing column."""
    frames = [str(frame) for frame in range(FIRST_FRAME + FRAMES)]
    return METADATA + frames + [""]


def csv_text(labels: list[str], traces: np.ndarray, metadata: list[list[str]]) -> str:
    """One worm's CSV: rows = neurons, ``traces`` (T, N) with NaN written as empty cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header())
    for column, label in enumerate(labels):
        values = ["" if np.isnan(v) else repr(float(v)) for v in traces[:, column]]
        writer.writerow([label] + metadata[column] + [""] * N_BLANK + values + [""])
    return buffer.getvalue()


def write_zip(path: Path, member: str, text: str) -> Path:
    """A deflated zip holding ``text`` as ``member`` (fixed timestamp: deterministic bytes)."""
    info = zipfile.ZipInfo(member, date_time=(2024, 10, 3, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, text.encode("utf-8"))
    return Path(path)


def write(folder: Path, *, seed: int = 0) -> dict:
    """Write the fake study folder; return what a correct reader yields.

    Returns ``{"study", "files", "worms"}``; each worm is a dict with ``file`` (the zip, relative to
    ``folder``), ``worm``, ``T``, ``N``, ``labels``, ``time`` (frame x 0.375 s, from frame 98),
    ``frame_interval`` (None), ``condition`` (None), ``traces`` ((T, N), NaN where written),
    ``all_nan_row``, ``nan_count``, ``csv`` (the member's text) and ``notes`` (the reader's
    expected notes).
    """
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    worms: list[dict[str, Any]] = []
    time = np.arange(FIRST_FRAME, FIRST_FRAME + FRAMES, dtype="float64") * FRAME_INTERVAL
    for stem, labels, nan_row in _WORMS:
        n = len(labels)
        traces = 0.2 * rng.random(n) + 0.05 * rng.standard_normal((FRAMES, n))
        traces[:, nan_row] = np.nan
        columns = [c for c in range(n) if c != nan_row]
        traces[rng.choice(FRAMES, size=_SCATTERED_NAN, replace=False), rng.choice(columns, size=_SCATTERED_NAN)] = np.nan
        metadata = [[stem, str(row)] + [repr(float(v)) for v in rng.random(3)] + ["", "head", "1"]
                    for row in range(n)]
        member = f"{stem}.csv"
        text = csv_text(labels, traces, metadata)
        write_zip(folder / f"{stem}.zip", member, text)
        worms.append({
            "file": f"{stem}.zip", "worm": stem, "T": FRAMES, "N": n, "labels": list(labels), "time": time.copy(),
            "frame_interval": None, "condition": None, "traces": traces, "all_nan_row": nan_row,
            "nan_count": int(np.isnan(traces).sum()), "csv": text,
            "notes": {"csv_member": member, "metadata_columns": list(METADATA), "nonempty_blank_cells": 0,
                      "ignored_last_column": "", "duplicate_labels": 0},
        })
    return {"study": STUDY, "files": [w["file"] for w in worms], "worms": worms}
