"""Skora2018: whole-brain imaging of fasted and starved adults (a brain-wide sleep-like state).

**Citation** Skora S, Mende F, Zimmer M (2018) Energy scarcity promotes a brain-wide sleep state
modulated by insulin signaling in *C. elegans*. Cell Reports 22(4):953–966,
doi:10.1016/j.celrep.2017.12.091.

**Host** unverified; the reference pipeline reads the re-hosted copy in its Dropbox archive,
``Skora2018/`` folder.

**Files** ``WT_fasted.mat`` and ``WT_starved.mat``, MATLAB v7.3; 12 worms in all. Each holds one
top-level struct named like the file stem (``WT_fasted``, ``WT_starved``) with fields ``IDs``,
``traces`` (MATLAB T x N) and ``timeVectorSeconds`` (seconds); no alternate field names.

**Quirks (left to the common step)** as Kato2015: ``IDs{w}`` entries are ``[]`` or cells of
candidates (some ``[]``, ``'---'`` placeholders, zero-padded names). Time returned as published.
"""

from __future__ import annotations

from pathlib import Path

from neuropil.pipelines.celegans_activity._matlab73 import read_struct_recordings, require_files
from neuropil.pipelines.celegans_activity.raw import RawRecording

STUDY = "Skora2018"
FILES: tuple[str, ...] = ("WT_fasted.mat", "WT_starved.mat")
LABEL_FIELD = "IDs"
TRACE_FIELD = "traces"
TIME_FIELD = "timeVectorSeconds"


def read(folder: Path) -> list[RawRecording]:
    """One :class:`RawRecording` per worm, ``WT_fasted`` first; worm ids ``"WT_fasted/0"``, ...;
    condition = the file stem."""
    recordings: list[RawRecording] = []
    for path in require_files(folder, FILES, study=STUDY):
        recordings += read_struct_recordings(
            path, study=STUDY, key=path.stem, labels=(LABEL_FIELD,), traces=(TRACE_FIELD,), time=(TIME_FIELD,)
        )
    return recordings
