"""Lin et al. 2023 (Science Advances 9:eade1249): multineuronal olfactory responses, one file per worm.

Citation: Lin A, Qin S, Casademunt H, Wu M, Hung W, Cain G, Tan NZ, Valenzuela R, Lesanpezeshki L,
Venkatachalam V, Pehlevan C, Zhen M, Samuel ADT (2023) Functional imaging and quantification of
multineuronal olfactory responses in *C. elegans*. Science Advances 9(9):eade1249,
doi:10.1126/sciadv.ade1249.

Host: not identified; the files are the output of the Samuel lab's proofreader
(``samuellab/celegans-sensory-code``, ``matlab_traces/CTX_dataset_proofreader.m``), re-hosted in the
reference pipeline's archive as a flat ``Lin2023/`` folder.

Files (:data:`PATTERN`): ``Lin2023/*.mat``, MATLAB v5 (``scipy.io.loadmat``), one recording each,
named ``<run>_prfrd_data.mat``; the re-hosted copy has de-duplication suffixes with a space
(``run303_prfrd_data 13.mat``). Files not ending in ``.mat`` and names starting with ``.`` are
ignored. Files are read in sorted name order (the reference used ``os.listdir`` order). Worm id =
file stem, ``file`` = file name.

Variables read: ``use_flag`` (N: 1 good, 0 auto, -1 don't use), ``proofread_neurons`` (N-cell of
char, may hold ``'reassigned'``), ``corrected_F`` (**N x T**, first sample NaN), ``F_0`` (N x N, only
column 1 filled: the baseline), ``times`` (struct; its **last field** is the time vector in
seconds, a Tx1 column in the published files; any vector shape is accepted). ``tracked_IDs``,
``positions`` and ``stimulus`` are not used.

Format-inherent steps, as the reference does them, counted in ``notes``:

* keep only neurons with ``use_flag > 0`` (``dropped_use_flag``, with ``dropped_use_flag_values``);
* write ``F_0[:, 0]`` of the kept neurons into the first frame (``f0_first_frame_fill``;
  ``f0_first_frame_was_nan`` says how many of those were NaN).

Labels are returned as published (``'reassigned'`` included; an empty char is ``''``). A non-char
entry (a number or ``[]``; none is known in the published files) is returned as None and counted
in ``notes["non_char_labels"]``, where the reference would have kept ``str()`` of it. Remaining
NaNs are kept.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_activity._matv5 import loadmat
from neuropil.pipelines.celegans_activity.raw import RawLabel, RawRecording, study_files

STUDY = "Lin2023"
#: flat folder, one recording per file
PATTERN = "*.mat"
FIELDS = ("use_flag", "proofread_neurons", "corrected_F", "F_0", "times")


def _label(value: Any, name: str, index: int) -> str | None:
    array = np.asarray(value)
    if array.dtype.kind == "U":
        return "".join(array.reshape(-1).tolist())
    if array.size > 1:
        raise RawFormatError(f"{STUDY} {name}: proofread_neurons{{{index + 1}}} must be char, got {array.dtype} "
                             f"of shape {array.shape}.")
    return None  # a number or [] where a name belongs: no name (the reference would have kept str(number))


def _time_vector(content: dict[str, Any], name: str) -> np.ndarray:
    times = content["times"]
    if not (isinstance(times, np.ndarray) and times.dtype.names):
        got = getattr(times, "dtype", type(times))
        raise RawFormatError(f"{STUDY} {name}: field 'times' must be a struct, got {got}.")
    if times.size != 1:
        raise RawFormatError(f"{STUDY} {name}: field 'times' must be a 1x1 struct, got shape {times.shape}.")
    last = times.dtype.names[-1]
    vector = np.asarray(times.reshape(-1)[0][last])
    if vector.dtype.kind not in "fiu" or sum(d > 1 for d in vector.shape) > 1:
        raise RawFormatError(f"{STUDY} {name}: times.{last} (last field of 'times') must be a numeric vector, "
                             f"got {vector.dtype} of shape {vector.shape}.")
    return vector.astype("float64").reshape(-1)


def _read_file(path: Path) -> RawRecording:
    name = path.name
    content = loadmat(path, study=STUDY, fields=FIELDS)
    use_flag = np.asarray(content["use_flag"], dtype="float64").reshape(-1)
    neurons = content["proofread_neurons"]
    if not (isinstance(neurons, np.ndarray) and neurons.dtype == object):
        raise RawFormatError(f"{STUDY} {name}: field 'proofread_neurons' must be a cell array of char.")
    names = [_label(v, name, i) for i, v in enumerate(neurons.reshape(-1))]
    corrected = np.asarray(content["corrected_F"], dtype="float64")
    baseline = np.asarray(content["F_0"], dtype="float64")
    n = use_flag.shape[0]
    if corrected.ndim != 2 or corrected.shape[0] != n:
        raise RawFormatError(f"{STUDY} {name}: field 'corrected_F' has shape {corrected.shape}, expected "
                             f"N x T with N = {n} (length of 'use_flag').")
    if len(names) != n:
        raise RawFormatError(f"{STUDY} {name}: field 'proofread_neurons' has {len(names)} entries, expected {n} "
                             f"(length of 'use_flag').")
    if baseline.ndim != 2 or baseline.shape[0] != n or baseline.shape[1] < 1:
        raise RawFormatError(f"{STUDY} {name}: field 'F_0' has shape {baseline.shape}, expected N x N with N = {n}.")
    time = _time_vector(content, name)
    frames = corrected.shape[1]
    if time.shape[0] != frames:
        raise RawFormatError(f"{STUDY} {name}: 'times' (last field) has {time.shape[0]} entries but 'corrected_F' "
                             f"has {frames} time points.")
    keep = use_flag > 0
    traces = corrected[keep].T.copy()
    labels: list[RawLabel] = [label for label, kept in zip(names, keep) if kept]
    dropped = Counter(str(int(v)) if np.isfinite(v) else str(v) for v in use_flag[~keep])
    notes: dict[str, Any] = {
        "dropped_use_flag": int((~keep).sum()),
        "dropped_use_flag_values": dict(sorted(dropped.items())),
    }
    if None in labels:
        notes["non_char_labels"] = labels.count(None)
    if frames:
        notes["f0_first_frame_was_nan"] = int(np.isnan(traces[0]).sum())
        traces[0] = baseline[keep, 0]
        notes["f0_first_frame_fill"] = int(keep.sum())
    return RawRecording(study=STUDY, file=name, worm=path.stem, traces=traces, time=time, labels=labels, notes=notes)


def read(folder: Path) -> list[RawRecording]:
    """One recording per ``.mat`` file in ``folder`` (the study folder), in sorted name order."""
    paths = study_files(folder, study=STUDY, match=PATTERN, description=PATTERN,
                        hint=" (expected <run>_prfrd_data.mat)")
    return [_read_file(path) for path in paths]
