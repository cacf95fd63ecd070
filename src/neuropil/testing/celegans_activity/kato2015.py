"""Fake Kato2015 files (``WT_Stim.mat``, ``WT_NoStim.mat``) in the published v7.3 layout.

Follows the spec's minimal fixture (``celegans-activity.md`` §1): ``WT_Stim`` holds ``IDs``,
``traces``, ``timeVectorSeconds`` (plus ``fps`` and ``dataset``, which readers ignore) for 2 worms;
``WT_NoStim`` uses **only** ``NeuronNames``, ``deltaFOverF_bc``, ``tv`` so the fallback path runs.
``IDs{w}`` mixes ``[]``, one-, two- and three-candidate cells, a cell whose first candidate is
``[]``, ``'---'`` cells and zero-padded names; a ``WT_NoStim`` worm repeats a name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neuropil.testing.celegans_activity._matlab73 import write_worm_struct, zimmer_worm

STUDY = "Kato2015"
#: mixed into the seed so that two studies written with one seed do not share their numbers
SEED_SALT = 2015
FILES: tuple[str, ...] = ("WT_Stim.mat", "WT_NoStim.mat")

#: per file, per worm: the IDs as written (a list is a cell of candidates, None is [])
LABELS: dict[str, list[list[Any]]] = {
    "WT_Stim": [
        [["AVAL"], None, ["OLQVR", "URYVR"], [None, "RIGR"], ["---"], ["VB02"], ["SMDVL", "SMDVR", "RMEV"], ["---", "---"]],
        [["AVAR"], ["DB01"], None, [None, "AIBL"], ["RIML"], ["---"], None],
    ],
    "WT_NoStim": [
        [["AVAL"], ["AVAL"], None, ["VA01"], [None, "RIBL"], ["---"]],
        [["RIS"], ["ASKR", "ASKL"], None, ["DB02"], ["SMBDL"]],
    ],
}


def write(folder: Path, *, seed: int = 0) -> dict[str, Any]:
    """Write both files into the study folder ``folder``; return what was written:
    ``{"study", "files", "worms": [{"file", "key", "worm", "condition", "T", "N", "fps", "labels",
    "expected_labels", "time", "traces"}, ...]}`` in the order a reader returns the worms."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, SEED_SALT])
    worms: list[dict[str, Any]] = []

    key = "WT_Stim"
    stim = [zimmer_worm(rng, file="WT_Stim.mat", key=key, index=i, labels=labels) for i, labels in enumerate(LABELS[key])]
    write_worm_struct(
        folder / "WT_Stim.mat", key, stim, label_field="IDs", trace_field="traces", time_field="timeVectorSeconds",
        extra={"fps": [round(worm["fps"], 4) for worm in stim],
               "dataset": [f"AN2015{i:02d}a_ZIM504_1mMTF_O2_s_21_12" for i in range(len(stim))]},
    )
    worms += stim

    key = "WT_NoStim"
    no_stim = [zimmer_worm(rng, file="WT_NoStim.mat", key=key, index=i, labels=labels) for i, labels in enumerate(LABELS[key])]
    write_worm_struct(
        folder / "WT_NoStim.mat", key, no_stim, label_field="NeuronNames", trace_field="deltaFOverF_bc", time_field="tv",
    )
    worms += no_stim
    return {"study": STUDY, "files": list(FILES), "worms": worms}
