"""Yemini et al. 2021 (Cell 184:272-288): NeuroPAL whole-brain activity, head and tail.

Citation: Yemini E, Lin A, Nejatbakhsh A, Varol E, Sun R, Mena GE, Samuel ADT, Paninski L,
Venkatachalam V, Hobert O (2021) NeuroPAL: a multicolor atlas for whole-brain neuronal
identification in *C. elegans*. Cell 184(1):272-288.e11, doi:10.1016/j.cell.2020.12.012.

Host: the NeuroPAL "Whole-Brain Calcium Activity / Young Adults" release (public URL not
identified), re-hosted in the reference pipeline's archive as ``Yemini2021/``.

Files (:data:`FILES`, MATLAB v5, read with ``scipy.io.loadmat``): ``Head_Activity_OH15500.mat``
(NaCl stimulus), ``Head_Activity_OH16230.mat`` (pentanedione/butanone, +NaCl),
``Tail_Activity_OH16230.mat``. One file holds several worms, neuron-class-major:

* ``fps`` 1x1; ``files`` Fx1 cell of char (one per worm, e.g. ``'1007_tail_02'``);
* ``neurons`` Kx1 cell of char: class names without side (``AVA``, ``DVA``);
* ``is_L`` K cells, each 1x2F (bilateral class: F left flags then F right flags) or 1xF all NaN
  (unpaired class);
* ``norm_traces`` K cells shaped like ``is_L``, each entry a 1xT double or an empty 0x0 (neuron not
  found in that worm).

Per worm f and class k (the reference loader's rules): with 2F entries, a NaN left flag gives one
unpaired column ``X`` from the left slot; a left flag of 1 gives ``XL`` from slot f; the right slot
F+f always gives ``XR``. With F entries, NaN gives ``X``, 1 gives ``XL``. The two flags the
reference silently drops (a left-slot flag that is neither NaN nor 1, an F-entry flag that is
neither) are dropped too and counted in ``notes["dropped_by_is_L"]``; the published files have none.

Quirks, each counted in ``notes``:

* L/R suffix appended from ``is_L`` (``lr_suffixed``);
* a missing neuron (empty trace) is **left out** of that worm (``missing_neurons``, with its would-be
  label in ``missing_labels``); the reference stacked an all-zero column labelled None instead;
* the first 4 frames are dropped (``dropped_leading_frames``; they are zeros in the published
  files, ``dropped_nonzero_values`` counts values that are not, NaN included): ``time = arange(T) / fps`` cut the same
  way, so it starts at ``4 / fps`` seconds.

Every non-empty trace of a worm must have the same length T (the reference stacks them); otherwise
:class:`~neuropil.errors.RawFormatError`. Worm ids are ``"<file stem>/<f>"``, ``condition`` is the
file stem (body region and strain), and ``notes["source_name"]`` keeps the entry of ``files``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_activity._matv5 import loadmat
from neuropil.pipelines.celegans_activity.raw import RawLabel, RawRecording

STUDY = "Yemini2021"
FILES = ("Head_Activity_OH15500.mat", "Head_Activity_OH16230.mat", "Tail_Activity_OH16230.mat")
FIELDS = ("fps", "files", "neurons", "is_L", "norm_traces")
#: leading frames the reference drops ("observed empirically" to be 0.0)
LEADING_FRAMES = 4


def _cells(content: dict[str, Any], field: str, name: str) -> list[Any]:
    value = content[field]
    if not (isinstance(value, np.ndarray) and value.dtype == object):
        raise RawFormatError(f"{STUDY} {name}: field {field!r} must be a cell array, got {type(value).__name__} "
                             f"{getattr(value, 'dtype', '')}.")
    return list(value.reshape(-1))


def _char(value: Any, name: str, field: str) -> str:
    array = np.asarray(value)
    if array.dtype.kind != "U":
        raise RawFormatError(f"{STUDY} {name}: entries of {field!r} must be char, got {array.dtype}.")
    return "".join(array.reshape(-1).tolist())


def _numeric(value: Any, name: str, where: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype="float64")
    except (TypeError, ValueError) as error:
        raise RawFormatError(f"{STUDY} {name}: {where} must be a double array: {error}") from error


def _read_file(path: Path) -> list[RawRecording]:
    name = path.name
    content = loadmat(path, study=STUDY, fields=FIELDS)
    fps_array = np.asarray(content["fps"], dtype="float64").reshape(-1)
    if fps_array.size != 1 or not np.isfinite(fps_array[0]) or fps_array[0] <= 0:
        raise RawFormatError(f"{STUDY} {name}: field 'fps' must be one positive number, got {fps_array.tolist()}.")
    fps = float(fps_array[0])
    worm_names = [_char(v, name, "files") for v in _cells(content, "files", name)]
    classes = [_char(v, name, "neurons") for v in _cells(content, "neurons", name)]
    flags = [_numeric(v, name, f"is_L{{{k + 1}}}").reshape(-1) for k, v in enumerate(_cells(content, "is_L", name))]
    slots = []
    for k, cell in enumerate(_cells(content, "norm_traces", name)):
        if not (isinstance(cell, np.ndarray) and cell.dtype == object):
            raise RawFormatError(f"{STUDY} {name}: norm_traces{{{k + 1}}} must be a cell of traces.")
        slots.append([_numeric(v, name, f"norm_traces{{{k + 1}}}{{{i + 1}}}") for i, v in enumerate(cell.reshape(-1))])
    n_worms = len(worm_names)
    if not len(classes) == len(flags) == len(slots):
        raise RawFormatError(f"{STUDY} {name}: 'neurons', 'is_L' and 'norm_traces' must have one entry per class, "
                             f"got {len(classes)}, {len(flags)} and {len(slots)}.")
    for k, neuron in enumerate(classes):
        if len(flags[k]) != len(slots[k]) or len(flags[k]) not in (n_worms, 2 * n_worms):
            raise RawFormatError(f"{STUDY} {name}: class {neuron!r} has {len(flags[k])} 'is_L' entries and "
                                 f"{len(slots[k])} 'norm_traces' entries; expected {n_worms} or {2 * n_worms} "
                                 "of each.")
    recordings = []
    for f, worm_name in enumerate(worm_names):
        columns: list[np.ndarray] = []
        labels: list[RawLabel] = []
        missing: list[str] = []
        dropped = suffixed = 0
        for k, neuron in enumerate(classes):
            bilateral = len(flags[k]) == 2 * n_worms
            left_flag = flags[k][f]
            picks: list[tuple[str, np.ndarray]] = []
            if np.isnan(left_flag):
                picks.append((neuron, slots[k][f]))
            elif left_flag == 1:
                picks.append((neuron + "L", slots[k][f]))
            else:
                dropped += 1
            if bilateral and not np.isnan(left_flag):
                picks.append((neuron + "R", slots[k][n_worms + f]))
            for label, trace in picks:
                if trace.size == 0:
                    missing.append(label)
                    continue
                suffixed += label != neuron
                columns.append(trace.reshape(-1))
                labels.append(label)
        lengths = {column.shape[0] for column in columns}
        if len(lengths) > 1:
            raise RawFormatError(f"{STUDY} {name}: worm {f} ({worm_name!r}) has traces of different lengths "
                                 f"{sorted(lengths)} in 'norm_traces'; expected one length T per worm.")
        frames = lengths.pop() if lengths else 0
        traces = np.stack(columns, axis=1) if columns else np.empty((frames, 0))
        time = np.arange(frames, dtype="float64") / fps
        leading = traces[:LEADING_FRAMES]
        notes: dict[str, Any] = {
            "source_name": worm_name,
            "lr_suffixed": suffixed,
            "missing_neurons": len(missing),
            "missing_labels": missing,
            "dropped_leading_frames": int(leading.shape[0]),
            "dropped_nonzero_values": int(np.count_nonzero(leading)),  # NaN counts as non-zero
        }
        if dropped:
            notes["dropped_by_is_L"] = dropped
        recordings.append(RawRecording(study=STUDY, file=name, worm=f"{path.stem}/{f}",
                                       traces=traces[LEADING_FRAMES:], time=time[LEADING_FRAMES:],
                                       labels=labels, condition=path.stem, notes=notes))
    return recordings


def read(folder: Path) -> list[RawRecording]:
    """One recording per worm of the three files in ``folder`` (the study folder), in :data:`FILES` order."""
    folder = Path(folder)
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise RawFormatError(f"{STUDY}: {', '.join(missing)} not found in {folder} (expected {', '.join(FILES)}).")
    return [recording for name in FILES for recording in _read_file(folder / name)]
