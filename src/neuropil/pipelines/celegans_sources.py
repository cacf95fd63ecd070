"""Readers of the C. elegans sources beyond the first ten: one function per upstream layout.

Each returns a *source table* (``pre_raw, post_raw, type, weight``), as the readers of
:mod:`neuropil.pipelines.celegans_connectomes` do, so :func:`~neuropil.pipelines.celegans_connectomes.homogenize`
treats every source alike.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from neuropil.pipelines.celegans_spreadsheets import cook_sheets

COOK_MALE_SHEETS = {"chemical": "male chemical", "electrical": "male gap jn symmetric"}


def read_cook_male(path: Path) -> pd.DataFrame:
    """Cook et al. 2019 SI 5 (corrected July 2020), the male sheets: chemical and symmetric
    gap-junction matrices over 385 neurons plus muscles and end organs; EM section counts."""
    return cook_sheets(path, COOK_MALE_SHEETS)
