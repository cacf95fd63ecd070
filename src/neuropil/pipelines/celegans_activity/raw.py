"""The contract between the per-study activity readers and the common homogenization step.

A reader takes the study's folder (the layout of the published archive, ``<root>/<Study>/...``) and
returns one :class:`RawRecording` per worm, **as published**: no resampling, no label mapping, no
imputation. It applies only what is a property of that study's file format (e.g. Yemini's L/R
suffix from ``is_L``, Lin's ``use_flag`` and first-frame ``F_0`` fill, Yemini's 4 leading zero
frames) and records each such step with counts in ``notes``. It raises
:class:`neuropil.errors.RawFormatError` naming the file, the field and what was expected for any
layout it cannot read (missing field, traces/time length mismatch, unreadable file).

The common step (``neuropil.pipelines.celegans_activity.__init__``) then maps labels through the spine's
name table, resamples onto one time grid, normalises, builds masks and skips unusable recordings
with a counted reason.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np

from neuropil.errors import RawFormatError

#: one published per-neuron label: None = unlabelled; a str (may contain '?', may be zero-padded,
#: may be a class name without side); or a list of candidate strs/None as the source stores them
#: (Kato-style cells: the common step decides, never the reader)
RawLabel = Union[None, str, list]


@dataclass
class RawRecording:
    study: str
    #: provenance: path of the source file relative to the study folder, e.g. ``"WT_Stim.mat"``
    file: str
    #: identifier unique within the study, deterministic (e.g. ``"WT_Stim/0"``, a uid)
    worm: str
    #: (T, N) float64 as published; NaN allowed
    traces: np.ndarray
    #: (T,) seconds as published (absolute start allowed); None when the study has no timestamps
    time: np.ndarray | None
    #: length N
    labels: list[RawLabel]
    #: seconds per frame, only when ``time`` is None and the study documents a fixed rate
    frame_interval: float | None = None
    #: e.g. ``"WT_Stim"``, ``"n2_let"``, a stimulus or strain, when the source says so
    condition: str | None = None
    #: per-study steps applied and counts (e.g. ``{"dropped_use_flag": 2}``)
    notes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.traces = np.asarray(self.traces, dtype="float64")
        if self.traces.ndim != 2:
            raise RawFormatError(f"{self.study} {self.file}: traces must be 2-D (T, N), got shape {self.traces.shape}.")
        t, n = self.traces.shape
        if len(self.labels) != n:
            raise RawFormatError(f"{self.study} {self.file} worm {self.worm}: {n} trace columns but {len(self.labels)} labels.")
        if self.time is not None:
            self.time = np.asarray(self.time, dtype="float64").reshape(-1)
            if self.time.shape[0] != t:
                raise RawFormatError(
                    f"{self.study} {self.file} worm {self.worm}: traces have {t} time points but the time "
                    f"vector has {self.time.shape[0]}."
                )
        elif self.frame_interval is None:
            raise RawFormatError(f"{self.study} {self.file}: neither a time vector nor a frame interval.")


def study_files(folder: str | os.PathLike[str], *, study: str, match: str | re.Pattern[str], description: str,
                hint: str = "") -> list[Path]:
    """The data files a reader takes from the study folder ``folder``, sorted (by sub-folder, then name).

    ``match`` is either a glob pattern relative to ``folder`` (``"*.mat"``, ``"*/*.nwb"``; hidden
    files and folders, ``.``-prefixed, are skipped) or a regular expression that the name of a file
    directly in ``folder`` must match. Raises :class:`~neuropil.errors.RawFormatError` when ``folder``
    is not a folder, or when nothing matches: ``"<study>: no <description> files in <folder><hint>."``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise RawFormatError(f"{study}: study folder {folder} does not exist or is not a folder.")
    if isinstance(match, str):
        found = (path for path in folder.glob(match)
                 if not any(part.startswith(".") for part in path.relative_to(folder).parts))
    else:
        found = (path for path in folder.iterdir() if match.match(path.name))
    paths = sorted(path for path in found if path.is_file())
    if not paths:
        raise RawFormatError(f"{study}: no {description} files in {folder}{hint}.")
    return paths
