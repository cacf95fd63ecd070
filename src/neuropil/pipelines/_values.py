"""One check for the values a raw file must hold, and one message format for what breaks it.

Unverified routes (user dumps, ``--allow-unverified`` studies, fixture-checked formats) reach the
pipelines with nothing but their layout checked; these rules refuse the values that would turn
into wrong numbers downstream instead of an error: NaN where a value is required, infinities,
negative lengths, sizes and counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from neuropil.errors import InvalidValueError

#: VesselGraph node and edge attributes that are lengths, radii, volumes or counts (never negative)
VESSEL_NONNEGATIVE = ("length", "distance", "curveness", "volume", "avgCrossSection", "minRadiusAvg", "minRadiusStd",
                      "avgRadiusAvg", "avgRadiusStd", "maxRadiusAvg", "maxRadiusStd", "roundnessAvg", "roundnessStd",
                      "num_voxels", "degree", "node1_degree", "node2_degree")


def require_values(columns: Any, where: str, *, finite: Iterable[str] = (), nonnegative: Iterable[str] = (),
                   allow_nan: Iterable[str] = ()) -> None:
    """Refuse NaN (unless in ``allow_nan``) and infinities in ``finite`` columns, and negative values in
    ``nonnegative`` ones (which must be finite too) of a DataFrame or a name -> array mapping.

    The error names ``where`` (the file), the column, how many values break the rule and the first row."""
    nonnegative = tuple(nonnegative)
    for column in dict.fromkeys((*finite, *nonnegative)):
        if column not in columns:
            continue
        values = np.asarray(columns[column], dtype=np.float64)
        bad_nan = np.isnan(values) if column not in allow_nan else np.zeros(values.shape, bool)
        problems = (("NaN", bad_nan), ("infinite", np.isinf(values)))
        if column in nonnegative:
            problems += (("negative", values < 0),)
        for kind, bad in problems:
            count = int(bad.sum())
            if count:
                first = np.unravel_index(int(np.flatnonzero(bad.ravel())[0]), bad.shape)
                at = f"data row {first[0] + 1}" + (f", column {first[1]}" if len(first) > 1 else "")
                expected = "a finite value >= 0" if column in nonnegative else "a finite value"
                raise InvalidValueError(f"{where}: column {column!r} has {count:,} {kind} value(s) (first on "
                                        f"{at}); expected {expected}.")
