"""Uzel2022: whole-brain imaging of wild-type adults used to map hub neurons.

**Citation** Uzel K, Kato S, Zimmer M (2022) A set of hub neurons and non-local connectivity
features support global brain dynamics in *C. elegans*. Current Biology 32(16):3443–3459.e8,
doi:10.1016/j.cub.2022.06.039.

**Host** unverified; the reference pipeline reads the re-hosted copy in its Dropbox archive,
``Uzel2022/`` folder.

**Files** ``Uzel_WT.mat``, MATLAB v7.3, 6 worms. Top-level ``Uzel_WT`` is a 1 x n struct array (the
lab's scripts build entries with ``traces``, ``derivatives``, ``IDs``, ``tv``, ``fps``,
``dataset``), so each field is a reference dataset with one entry per worm. Used: ``IDs``,
``traces`` (MATLAB T x N) and ``tv`` (seconds).

**Quirks** ``IDs{w}`` mixes char labels and numeric scalars; a number is the id of an unlabelled
neuron. The reader returns those as None and counts them in
``notes["numeric_ids_as_unlabelled"]`` (always present). Char labels are returned as published;
time as published.
"""

from __future__ import annotations

from pathlib import Path

from neuropil.pipelines.celegans_activity._matlab73 import read_struct_recordings, require_files
from neuropil.pipelines.celegans_activity.raw import RawRecording

STUDY = "Uzel2022"
FILES: tuple[str, ...] = ("Uzel_WT.mat",)
KEY = "Uzel_WT"
LABEL_FIELD = "IDs"
TRACE_FIELD = "traces"
TIME_FIELD = "tv"


def _label_notes(counts: dict[str, int]) -> dict[str, int]:
    notes = {"numeric_ids_as_unlabelled": counts["numeric_ids_as_unlabelled"]}
    notes.update({name: count for name, count in counts.items() if count and name not in notes})
    return notes


def read(folder: Path) -> list[RawRecording]:
    """One :class:`RawRecording` per worm; worm ids ``"Uzel_WT/0"``, ...; condition ``"Uzel_WT"``."""
    (path,) = require_files(folder, FILES, study=STUDY)
    return read_struct_recordings(
        path, study=STUDY, key=KEY, labels=(LABEL_FIELD,), traces=(TRACE_FIELD,), time=(TIME_FIELD,),
        label_notes=_label_notes,
    )
