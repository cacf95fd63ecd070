"""Nejatbakhsh et al. 2020 (bioRxiv 2020.07.07.192120, v4): NeuroPAL recordings as NWB files.

Citation: Nejatbakhsh A, Varol E, Yemini E, Venkatachalam V, Lin A, Samuel ADT, Paninski L (2020)
Extracting neural signals from semi-immobilized animals with deformable non-negative matrix
factorization. bioRxiv 2020.07.07.192120.

Host: NWB 2.x files in the NWBelegans/WormID convention (DANDI; the dandiset is not identified),
re-hosted in the reference pipeline's archive as ``Nejatbakhsh2020/<sub-folder>/<name>.nwb`` (one
level of sub-folders, as a DANDI download ``sub-<id>/...nwb`` has).

Files: every ``*.nwb`` one level down (:data:`PATTERN`). Top-level entries that are not folders
(``dandiset.yaml``) and folders whose name starts with ``.`` are skipped, as the reference does;
we also skip ``*.nwb`` names starting with ``.`` (AppleDouble ``._x.nwb``), which the reference
would have tried to open. Files are read in sorted order (sub-folder, then name); the reference
used ``os.listdir`` order, so its worm numbering depended on the filesystem.

Layout read (h5py, no pynwb: the extension namespace need not be importable):

* ``processing/CalciumActivity/SignalRawFluor/SignalCalciumImResponseSeries/data``: (T, N) raw
  fluorescence, NaN allowed (whole NaN columns occur; the reference's imputer dropped them, we keep
  them as published);
* ``processing/CalciumActivity/NeuronIDs/labels``: N strings (ndx-multichannel-volume
  ``SegmentationLabels``); ``''`` marks an unlabelled ROI and is returned as ``''``.

Time base, and why it differs from the reference: the reference ignores the file's clock and uses
frame / 4 Hz. An NWB ``TimeSeries`` must carry either ``timestamps`` or ``starting_time`` with a
``rate`` attribute, and those are the authors' own statement of when each frame was taken, so we
prefer them: ``timestamps`` as stored, else ``starting_time + arange(T) / rate`` (note
``time_source``; ``file_rate_hz`` when a rate is used). Only a series with neither falls back to
the reference's assumption: ``time=None``, ``frame_interval=0.25`` (note
``time_source="reference_4hz"``). On files written at 4 Hz the two agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_activity.raw import RawLabel, RawRecording, study_files

STUDY = "Nejatbakhsh2020"
#: one level of sub-folders, NWB files inside (loose files and ``.``-folders at the top are skipped)
PATTERN = "*/*.nwb"
SERIES = "processing/CalciumActivity/SignalRawFluor/SignalCalciumImResponseSeries"
DATA = f"{SERIES}/data"
LABELS = "processing/CalciumActivity/NeuronIDs/labels"
#: the reference pipeline's hard-coded frame interval (4 Hz), used only when the series has no clock
REFERENCE_FRAME_INTERVAL = 0.25


def _text(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _series_time(series: Any, relative: str, frames: int) -> tuple[np.ndarray | None, float | None, dict]:
    if "timestamps" in series:
        time = np.asarray(series["timestamps"][()], dtype="float64").reshape(-1)
        if time.shape[0] != frames:
            raise RawFormatError(
                f"{STUDY} {relative}: {SERIES}/timestamps has {time.shape[0]} entries but data has {frames} frames."
            )
        return time, None, {"time_source": "timestamps"}
    if "starting_time" in series:
        start = series["starting_time"]
        if "rate" not in start.attrs:
            raise RawFormatError(f"{STUDY} {relative}: {SERIES}/starting_time lacks the 'rate' attribute (Hz).")
        rate = float(np.asarray(start.attrs["rate"]).reshape(-1)[0])
        if not np.isfinite(rate) or rate <= 0:
            raise RawFormatError(f"{STUDY} {relative}: {SERIES}/starting_time rate is {rate}, "
                                 "expected a positive rate in Hz.")
        time = float(np.asarray(start[()]).reshape(-1)[0]) + np.arange(frames, dtype="float64") / rate
        return time, None, {"time_source": "starting_time+rate", "file_rate_hz": rate}
    return None, REFERENCE_FRAME_INTERVAL, {"time_source": "reference_4hz"}


def _read_file(path: Path, relative: str) -> tuple[np.ndarray, list[RawLabel], np.ndarray | None, float | None, dict]:
    import h5py

    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise RawFormatError(f"{STUDY} {relative} is not a readable HDF5/NWB file (truncated?): {error}") from error
    with handle:
        for key in (DATA, LABELS):
            if key not in handle:
                raise RawFormatError(f"{STUDY} {relative} lacks dataset {key!r}.")
        try:
            traces = np.asarray(handle[DATA][()], dtype="float64")
            raw_labels = handle[LABELS][()]
        except OSError as error:
            message = f"{STUDY} {relative}: cannot read {DATA} or {LABELS} (truncated?): {error}"
            raise RawFormatError(message) from error
        if traces.ndim != 2:
            raise RawFormatError(f"{STUDY} {relative}: {DATA} has shape {traces.shape}, expected (T, N).")
        labels: list[RawLabel] = [_text(value) for value in np.asarray(raw_labels, dtype=object).reshape(-1)]
        if len(labels) != traces.shape[1]:
            raise RawFormatError(
                f"{STUDY} {relative}: {LABELS} has {len(labels)} entries but {DATA} has {traces.shape[1]} columns."
            )
        time, frame_interval, notes = _series_time(handle[SERIES], relative, traces.shape[0])
    return traces, labels, time, frame_interval, notes


def read(folder: Path) -> list[RawRecording]:
    """One recording per NWB file under ``folder`` (the study folder), sorted by sub-folder and name."""
    folder = Path(folder)
    paths = study_files(folder, study=STUDY, match=PATTERN, description=PATTERN,
                        hint=" (expected <sub-folder>/<name>.nwb)")
    recordings = []
    for path in paths:
        relative = path.relative_to(folder).as_posix()
        traces, labels, time, frame_interval, notes = _read_file(path, relative)
        recordings.append(RawRecording(study=STUDY, file=relative, worm=f"{path.parent.name}/{path.stem}",
                                       traces=traces, time=time, labels=labels,
                                       frame_interval=frame_interval, notes=notes))
    return recordings
