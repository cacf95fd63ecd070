"""A fake Uzel2022 file (``Uzel_WT.mat``) in the published v7.3 layout.

Follows the spec's minimal fixture (``celegans-activity.md`` §7): the top-level ``Uzel_WT`` is a
1 x 2 struct array (each field a reference dataset without ``MATLAB_class``) with the fields the
lab's helper builds (``traces``, ``derivatives``, ``IDs``, ``tv``, ``fps``, ``dataset``); ``IDs{w}``
mixes char names and 1 x 1 doubles (ids of unlabelled neurons), which a reader returns as None.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neuropil.testing.celegans_activity._matlab73 import write_worm_struct, zimmer_worm

STUDY = "Uzel2022"
#: mixed into the seed so that two studies written with one seed do not share their numbers
SEED_SALT = 2022
FILES: tuple[str, ...] = ("Uzel_WT.mat",)
KEY = "Uzel_WT"

#: IDs as written: a float is a 1 x 1 double
LABELS: list[list[Any]] = [
    ["AVAL", 3.0, "RIS", "VB02", 5.0, "SMDVL", "RIML"],
    [1.0, "AVAR", "ALA", 4.0, "DB01", 6.0],
]


def write(folder: Path, *, seed: int = 0) -> dict[str, Any]:
    """Write ``Uzel_WT.mat`` into the study folder ``folder``; return what was written (see
    :func:`neuropil.testing.celegans_activity.kato2015.write`; ``expected_labels`` has None for
    the numeric ids)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, SEED_SALT])
    worms = [
        zimmer_worm(rng, file="Uzel_WT.mat", key=KEY, index=i, labels=labels,
                    expected_labels=[label if isinstance(label, str) else None for label in labels])
        for i, labels in enumerate(LABELS)
    ]
    write_worm_struct(
        folder / "Uzel_WT.mat", KEY, worms, label_field="IDs", trace_field="traces", time_field="tv",
        struct_array=True, time_as_row=True,
        extra={"derivatives": [np.gradient(worm["traces"], axis=0) for worm in worms],
               "fps": [round(worm["fps"], 4) for worm in worms],
               "dataset": [f"uzel_wt_{i:02d}" for i in range(len(worms))]},
    )
    for worm in worms:
        worm["numeric_ids"] = sum(not isinstance(label, str) for label in worm["labels"])
    return {"study": STUDY, "files": list(FILES), "worms": worms}
