"""Fake Skora2018 files (``WT_fasted.mat``, ``WT_starved.mat``) in the published v7.3 layout.

Follows the spec's minimal fixture (``celegans-activity.md`` §3): two files shaped like Kato
``WT_Stim`` (struct named like the stem; ``IDs``, ``traces``, ``timeVectorSeconds``; Kato-style
``IDs``), 2 worms each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neuropil.testing.celegans_activity._matlab73 import write_zimmer_study

STUDY = "Skora2018"
#: mixed into the seed so that two studies written with one seed do not share their numbers
SEED_SALT = 2018
FILES: tuple[str, ...] = ("WT_fasted.mat", "WT_starved.mat")

LABELS: dict[str, list[list[Any]]] = {
    "WT_fasted": [
        [["AVAL"], ["RIS"], None, ["OLQVL", "URYVL"], [None, "RIGL"], ["---"], ["VB02"]],
        [["AVAR"], None, ["ALA"], ["DB01"], ["---", "---"]],
    ],
    "WT_starved": [
        [["RIS"], ["AVBR"], None, ["SMDVR", "SMDVL", "RMEV"], ["VA01"], ["---"]],
        [None, ["AVAL"], [None, "AIBL"], ["RMED"], ["DA01"], ["RID"]],
    ],
}


def write(folder: Path, *, seed: int = 0) -> dict[str, Any]:
    """Write both files into the study folder ``folder``; return what was written (see
    :func:`neuropil.testing.celegans_activity.kato2015.write`)."""
    return write_zimmer_study(folder, study=STUDY, files=FILES, labels=LABELS, seed=seed, salt=SEED_SALT,
                              label_field="IDs", trace_field="traces", time_field="timeVectorSeconds")
