"""Nichols2017: whole-brain imaging across lethargus (developmentally timed sleep) in L4 larvae.

**Citation** Nichols ALA, Eichler T, Latham R, Zimmer M (2017) A global brain state underlies
*C. elegans* sleep behavior. Science 356(6344):eaam6851, doi:10.1126/science.aam6851.

**Host** Zimmer lab data release (exact location unverified); the reference pipeline reads the
re-hosted copy in its Dropbox archive, ``Nichols2017/`` folder.

**Files** ``n2_let.mat``, ``n2_prelet.mat``, ``npr1_let.mat``, ``npr1_prelet.mat`` (strain N2 or
npr-1; lethargus vs pre-lethargus), MATLAB v7.3; 44 worms over the four files. Each holds one
top-level struct named like the file stem with fields ``IDs``, ``traces`` (MATLAB T x N) and
``timeVectorSeconds`` (seconds); no alternate field names.

**Quirks (left to the common step)** as Kato2015: ``IDs{w}`` entries are ``[]`` or cells of
candidates (some ``[]``, ``'---'`` placeholders, zero-padded names). Time returned as published.
"""

from __future__ import annotations

from pathlib import Path

from neuropil.pipelines.celegans_activity._matlab73 import read_struct_recordings, require_files
from neuropil.pipelines.celegans_activity.raw import RawRecording

STUDY = "Nichols2017"
FILES: tuple[str, ...] = ("n2_let.mat", "n2_prelet.mat", "npr1_let.mat", "npr1_prelet.mat")
LABEL_FIELD = "IDs"
TRACE_FIELD = "traces"
TIME_FIELD = "timeVectorSeconds"


def read(folder: Path) -> list[RawRecording]:
    """One :class:`RawRecording` per worm, files in :data:`FILES` order; worm ids ``"n2_let/0"``,
    ...; condition = the file stem (strain and stage)."""
    recordings: list[RawRecording] = []
    for path in require_files(folder, FILES, study=STUDY):
        recordings += read_struct_recordings(
            path, study=STUDY, key=path.stem, labels=(LABEL_FIELD,), traces=(TRACE_FIELD,), time=(TIME_FIELD,)
        )
    return recordings
