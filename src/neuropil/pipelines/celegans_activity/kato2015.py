"""Kato2015: whole-brain imaging of immobilised young adults, with and without O2 stimulation.

**Citation** Kato S, Kaplan HS, Schrödel T, Skora S, Lindsay TH, Yemini E, Lockery S, Zimmer M
(2015) Global brain dynamics embed the motor command sequence of *C. elegans*. Cell
163(3):656–669, doi:10.1016/j.cell.2015.09.034.

**Host** Zimmer lab on OSF (project https://osf.io/2395t, files from https://osf.io/y8a6e/); the
reference pipeline reads the re-hosted copy in its Dropbox archive, ``Kato2015/`` folder.

**Files** ``WT_Stim.mat`` and ``WT_NoStim.mat``, MATLAB v7.3. Each holds one top-level struct named
like the file stem whose fields hold one entry per worm (7 and 5 worms upstream):

* labels ``IDs`` (else ``NeuronNames``): per worm an N x 1 cell; entry ``[]`` (unlabelled) or a cell
  of 1–3 char candidates, some candidates ``[]``, placeholder ``'---'``;
* traces ``traces`` (else ``deltaFOverF_bc``): MATLAB T x N double (bleach-corrected ΔF/F);
* time ``timeVectorSeconds`` (else ``tv``): seconds, ~2.8–3.1 Hz, length T.

The re-hosted ``WT_NoStim`` is a "wbstruct"-style export with only the alternate names
``NeuronNames``/``deltaFOverF_bc``/``tv``; the alternates are accepted for both files, first name
present wins.

**Quirks (left to the common step)** candidate lists (the first non-None is used), ``'---'``
placeholders, zero-padded motor names (``VB02``, ``DB01``), duplicate names in one worm. The time
vector is returned as published (its start offset is not removed).
"""

from __future__ import annotations

from pathlib import Path

from neuropil.pipelines.celegans_activity._matlab73 import read_struct_recordings, require_files
from neuropil.pipelines.celegans_activity.raw import RawRecording

STUDY = "Kato2015"
FILES: tuple[str, ...] = ("WT_Stim.mat", "WT_NoStim.mat")
#: accepted field names per quantity, in order of preference
LABEL_FIELDS: tuple[str, ...] = ("IDs", "NeuronNames")
TRACE_FIELDS: tuple[str, ...] = ("traces", "deltaFOverF_bc")
TIME_FIELDS: tuple[str, ...] = ("timeVectorSeconds", "tv")


def read(folder: Path) -> list[RawRecording]:
    """One :class:`RawRecording` per worm, ``WT_Stim`` worms first; worm ids ``"WT_Stim/0"``, ...;
    condition = the file stem."""
    recordings: list[RawRecording] = []
    for path in require_files(folder, FILES, study=STUDY):
        recordings += read_struct_recordings(
            path, study=STUDY, key=path.stem, labels=LABEL_FIELDS, traces=TRACE_FIELDS, time=TIME_FIELDS
        )
    return recordings
