"""Readers of the C. elegans sources beyond the first ten: one function per upstream layout.

Each returns a *source table* (``pre_raw, post_raw, type, weight``), as the readers of
:mod:`neuropil.pipelines.celegans_connectomes` do, so :func:`~neuropil.pipelines.celegans_connectomes.homogenize`
treats every source alike.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_spreadsheets import cook_sheets, sheet_rows

COOK_MALE_SHEETS = {"chemical": "male chemical", "electrical": "male gap jn symmetric"}


def read_cook_male(path: Path) -> pd.DataFrame:
    """Cook et al. 2019 SI 5 (corrected July 2020), the male sheets: chemical and symmetric
    gap-junction matrices over 385 neurons plus muscles and end organs; EM section counts."""
    return cook_sheets(path, COOK_MALE_SHEETS)


def _labelled_matrix(path: Path, sheet: str, kind: str) -> pd.DataFrame:
    """Yim et al. 2024 layout: post labels in the first row and pre labels in the first column, from
    the third cell on (the second row / column number the cells); a 0 cell is no edge."""
    rows = sheet_rows(path, [sheet])[sheet]
    if len(rows) < 3 or len(rows[0]) < 3:
        raise RawFormatError(f"{path.name}: sheet {sheet!r} has {len(rows)} rows, too few for an adjacency matrix.")
    post_labels = [str(v).strip() for v in rows[0][2:]]
    records = []
    for row in rows[2:]:
        pre = str(row[0]).strip()
        if not pre:
            continue
        for post, value in zip(post_labels, row[2:]):
            if value in ("", None) or not post:
                continue
            if not isinstance(value, (int, float)):
                raise RawFormatError(f"{path.name}: sheet {sheet!r} has a non-numeric cell {value!r} ({pre} -> {post}).")
            if value != 0:
                records.append((pre, post, kind, float(value)))
    table = pd.DataFrame(records, columns=["pre_raw", "post_raw", "type", "weight"])
    table.attrs["covered_raw"] = sorted({str(r[0]).strip() for r in rows[2:] if str(r[0]).strip()} | set(post_labels) - {""})
    return table


def read_yim_dauer(path: Path) -> pd.DataFrame:
    """Yim et al. 2024 dauer (``41467_2024_45943_MOESM6_ESM.xlsx``, sheet ``Dauer``): chemical
    synapses weighted by the summed active-zone volume of each pre/post pair."""
    return _labelled_matrix(path, "Dauer", "chemical")


def read_yim_dauer_normalized(path: Path) -> pd.DataFrame:
    """Sheet ``Dauer_normalized``: the same weights divided by the standard deviation of the weights
    without the top 5 % (the authors' normalisation, for comparison across datasets)."""
    return _labelled_matrix(path, "Dauer_normalized", "chemical")
