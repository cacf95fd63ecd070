"""Fake Nichols2017 files (``n2_let.mat``, ``n2_prelet.mat``, ``npr1_let.mat``,
``npr1_prelet.mat``) in the published v7.3 layout.

Follows the spec's minimal fixture (``celegans-activity.md`` §2): four files, each with a struct
named like the stem holding ``IDs``, ``traces``, ``timeVectorSeconds``; 1–2 worms per file with
Kato-style ``IDs`` (``[]``, candidate cells, a first candidate ``[]``, ``'---'``, zero-padded names).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neuropil.testing.celegans_activity._matlab73 import write_zimmer_study

STUDY = "Nichols2017"
#: mixed into the seed so that two studies written with one seed do not share their numbers
SEED_SALT = 2017
FILES: tuple[str, ...] = ("n2_let.mat", "n2_prelet.mat", "npr1_let.mat", "npr1_prelet.mat")

LABELS: dict[str, list[list[Any]]] = {
    "n2_let": [
        [["RIS"], None, ["AVAL"], ["VB02", "VB03"], [None, "RMED"], ["---"]],
        [["AVAR"], ["ALA"], None, ["---", "---"], ["DB01"]],
    ],
    "n2_prelet": [
        [["AVAL"], ["AVAR"], None, ["RIML", "RIMR"], ["SMDDL"], ["VA01"], ["---"]],
    ],
    "npr1_let": [
        [["RIS"], [None, "AIBR"], None, ["OLQDL"], ["VB01"]],
        [None, ["AVBL"], ["---"], ["RMEL", "RMER"], ["RID"], ["DA01"], None, ["AQR"]],
    ],
    "npr1_prelet": [
        [["URXL"], ["AVAL"], None, ["---"], [None, "SMBVR"], ["VB02"]],
    ],
}


def write(folder: Path, *, seed: int = 0) -> dict[str, Any]:
    """Write the four files into the study folder ``folder``; return what was written (see
    :func:`neuropil.testing.celegans_activity.kato2015.write`)."""
    return write_zimmer_study(folder, study=STUDY, files=FILES, labels=LABELS, seed=seed, salt=SEED_SALT,
                              label_field="IDs", trace_field="traces", time_field="timeVectorSeconds")
