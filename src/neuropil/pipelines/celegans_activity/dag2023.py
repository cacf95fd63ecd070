"""Dag et al. 2023 (Cell 186:2574-2592): NeuroPAL-labelled whole-brain recordings, real files.

Layout (flavell-lab/NSM_5HTR_analysis ``data/``): ``swf702_with_id/<uid>-data.h5`` (labelled) and
``swf415_no_id/<uid>-data.h5`` (no labels), HDF5 written by Julia with time-first shapes:
``gcamp/traces_array_F_F20`` (T, N) dF/F20 and ``timing/timestamp_confocal`` (absolute s). Labels:
``NeuroPAL_labels_dict.json`` = ``{uid: [index_map, class_map]}``, ``index_map`` keyed by the
**1-based** trace index as a string, value ``{label, neuron_class, LR, DV, roi_id, confidence, region}``.

Quirks: ``2022-05-02-01`` has 1137 trace frames but 1600 timestamps: the time vector is cut to T,
as the reference does (counted in ``notes``). The reference derived the uid with
``str.strip("-data.h5")``, which strips a character *set* and turned ``2022-07-27-45`` into
``2022-07-27-4`` (so that worm lost its labels); we remove the suffix.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_activity.raw import RawRecording

STUDY = "Dag2023"
LABELS_FILE = "NeuroPAL_labels_dict.json"
FOLDERS = ("swf702_with_id", "swf415_no_id")
SUFFIX = "-data.h5"


def _read_h5(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            for key in ("gcamp/traces_array_F_F20", "timing/timestamp_confocal"):
                if key not in handle:
                    raise RawFormatError(f"{STUDY} {path.name} lacks dataset {key!r}.")
            return np.asarray(handle["gcamp/traces_array_F_F20"][()], dtype="float64"), \
                np.asarray(handle["timing/timestamp_confocal"][()], dtype="float64").reshape(-1)
    except OSError as error:
        raise RawFormatError(f"{STUDY} {path.name} is not a readable HDF5 file (truncated?): {error}") from error


def read(folder: Path, files: list[Path] | None = None) -> list[RawRecording]:
    """Every recording under ``folder`` (the study folder), sorted by sub-folder and uid."""
    folder = Path(folder)
    labels_path = folder / LABELS_FILE
    if not labels_path.is_file():
        raise RawFormatError(f"{STUDY}: {LABELS_FILE} not found in {folder}.")
    try:
        label_maps = json.loads(labels_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RawFormatError(f"{STUDY}: {LABELS_FILE} is not valid JSON: {error}") from error
    paths = files if files is not None else [p for sub in FOLDERS for p in sorted((folder / sub).glob(f"*{SUFFIX}"))]
    if not paths:
        raise RawFormatError(f"{STUDY}: no *{SUFFIX} files in {folder}/{{{','.join(FOLDERS)}}}.")
    recordings = []
    for path in paths:
        uid = path.name.removesuffix(SUFFIX)
        traces, timestamps = _read_h5(path)
        if traces.ndim != 2:
            raise RawFormatError(f"{STUDY} {path.name}: gcamp/traces_array_F_F20 has shape {traces.shape}, expected (T, N).")
        t, n = traces.shape
        notes = {}
        if timestamps.shape[0] < t:
            raise RawFormatError(f"{STUDY} {path.name}: {t} trace frames but only {timestamps.shape[0]} timestamps.")
        if timestamps.shape[0] > t:
            notes["timestamps_cut_to_traces"] = int(timestamps.shape[0] - t)
            timestamps = timestamps[:t]
        labels: list = [None] * n
        if uid in label_maps:
            index_map = label_maps[uid][0]
            for key, record in index_map.items():
                position = int(key) - 1
                if not 0 <= position < n:
                    raise RawFormatError(f"{STUDY} {LABELS_FILE}: uid {uid} labels trace {key} (1-based) but there are {n}.")
                labels[position] = record.get("label")
        else:
            notes["no_label_map"] = True
        recordings.append(RawRecording(study=STUDY, file=str(path.relative_to(folder)), worm=uid, traces=traces,
                                       time=timestamps, labels=labels, condition=path.parent.name, notes=notes))
    return recordings
