"""Kaplan2020: whole-brain imaging with HisCl silencing of motor neurons, RIS or SMD.

**Citation** Kaplan HS, Salazar Thula O, Khoss N, Zimmer M (2020) Nested neuronal dynamics
orchestrate a behavioral hierarchy across timescales. Neuron 105(3):562–576.e9,
doi:10.1016/j.neuron.2019.10.037.

**Host** unverified; the reference pipeline reads the re-hosted copy in its Dropbox archive,
``Kaplan2020/`` folder.

**Files** ``Neuron2019_Data_MNhisCl_RIShisCl.mat``, ``Neuron2019_Data_RIShisCl.mat``,
``Neuron2019_Data_SMDhisCl_RIShisCl.mat`` (HisCl silencing lines), MATLAB v7.3; 19 worms in all.

**Key rule** the top-level struct is *not* named like the file: upstream builds the key as
``stem.strip("Neuron2019_Data_") + "_Neuron2019"`` — a strip of that *set of characters* from both
ends, not a prefix removal — giving ``MNhisCl_RIShisCl_Neuron2019``, ``RIShisCl_Neuron2019`` and
``SMDhisCl_RIShisCl_Neuron2019`` (:data:`KEYS`, checked against :func:`key_for`).

**Fields** ``neuron_ID`` (per worm a cell of char: plain strings, not candidate cells),
``traces_bleach_corrected`` (MATLAB T x N), ``time_vector`` (seconds).

**Quirks (left to the common step)** unlabelled neurons carry distinct non-empty strings
(numeric-looking ids such as ``'12'``; exact form unverified), zero-padded motor names (``VA01``).
Labels are returned as the published strings; ``[]`` entries (tolerated) become None. Time returned
as published.
"""

from __future__ import annotations

from pathlib import Path

from neuropil.pipelines.celegans_activity._matlab73 import read_struct_recordings, require_files
from neuropil.pipelines.celegans_activity.raw import RawRecording

STUDY = "Kaplan2020"
FILES: tuple[str, ...] = (
    "Neuron2019_Data_MNhisCl_RIShisCl.mat",
    "Neuron2019_Data_RIShisCl.mat",
    "Neuron2019_Data_SMDhisCl_RIShisCl.mat",
)
LABEL_FIELD = "neuron_ID"
TRACE_FIELD = "traces_bleach_corrected"
TIME_FIELD = "time_vector"


def key_for(file_name: str) -> str:
    """The top-level struct name upstream reads from ``file_name`` (its character-set strip, kept
    as is: for these three files it equals removing the ``Neuron2019_Data_`` prefix)."""
    # a character-set strip on purpose: it is what upstream does
    return Path(file_name).stem.strip("Neuron2019_Data_") + "_Neuron2019"  # noqa: B005


#: file name -> top-level struct name
KEYS: dict[str, str] = {
    "Neuron2019_Data_MNhisCl_RIShisCl.mat": "MNhisCl_RIShisCl_Neuron2019",
    "Neuron2019_Data_RIShisCl.mat": "RIShisCl_Neuron2019",
    "Neuron2019_Data_SMDhisCl_RIShisCl.mat": "SMDhisCl_RIShisCl_Neuron2019",
}


def read(folder: Path) -> list[RawRecording]:
    """One :class:`RawRecording` per worm, files in :data:`FILES` order; worm ids
    ``"MNhisCl_RIShisCl_Neuron2019/0"``, ...; condition = the struct name (the silenced line)."""
    recordings: list[RawRecording] = []
    for path in require_files(folder, FILES, study=STUDY):
        recordings += read_struct_recordings(
            path, study=STUDY, key=KEYS[path.name], labels=(LABEL_FIELD,), traces=(TRACE_FIELD,), time=(TIME_FIELD,)
        )
    return recordings
