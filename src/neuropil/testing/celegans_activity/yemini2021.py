"""Fake ``Yemini2021/`` folder: the three MATLAB v5 files, neuron-class-major, written with scipy.

Follows the spec's minimal fixture (``shared/formats/celegans-activity.md`` section 6): each file
has ``fps`` = 4.0, ``files`` (2-3 worm names, Fx1 cell of char), ``neurons`` (Kx1 cell of char:
one bilateral class, one unpaired class, one bilateral class with one empty 0x0 trace), ``is_L``
(Kx1 cell: 1x2F ones-then-zeros, or 1xF NaN) and ``norm_traces`` (Kx1 cell of 1x2F / 1xF cells of
1xT doubles). Each worm has its own T in 926..931 and its first 4 samples are 0; worm 0 of every
file has two NaN samples. The unused ``stim_names``, ``stim_times`` and ``stims`` are written too.

Files are saved compressed (MATLAB's default ``-v7``, still the v5 container scipy reads) and the
116-byte header text is fixed, so the same seed gives the same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

STUDY = "Yemini2021"
FPS = 4.0
LEADING_ZEROS = 4
_HEADER = b"MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Tue Jan 14 10:00:00 2020"

#: file name -> (worm names, classes (bilateral, unpaired, bilateral with a gap), (class, slot) left empty)
_FILES = {
    "Head_Activity_OH15500.mat": (("0529_head_01", "0529_head_03"), ("AVA", "RIS", "RIM"), ("RIM", "R0")),
    "Head_Activity_OH16230.mat": (("0611_head_02", "0611_head_04", "0612_head_01"), ("AIY", "AVG", "RIA"),
                                  ("RIA", "L2")),
    "Tail_Activity_OH16230.mat": (("1007_tail_02", "1007_tail_05"), ("PVC", "DVA", "PVQ"), ("PVQ", "R1")),
}
_UNPAIRED = 1
_NAN_FRAMES = [LEADING_ZEROS + 10, LEADING_ZEROS + 200]


def savemat_v5(path: str | os.PathLike[str], variables: dict[str, Any]) -> Path:
    """``scipy.io.savemat`` (v5 container, compressed as MATLAB's ``-v7``) with a fixed header text."""
    from scipy.io import savemat

    savemat(path, variables, format="5", do_compression=True)
    with open(path, "r+b") as handle:
        handle.write(_HEADER.ljust(116, b" "))
    return Path(path)


def _cell(items: list[Any], shape: tuple[int, int]) -> np.ndarray:
    cell = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        cell[i] = item
    return cell.reshape(shape)


def write(folder: Path, *, seed: int = 0) -> dict:
    """Write the three files; return what a correct reader yields.

    Returns ``{"study", "files", "worms"}``; each worm is a dict with ``file``, ``worm``, ``T`` and
    ``N`` (as read: 4 frames fewer than written), ``frames_written``, ``labels``, ``time``,
    ``frame_interval`` (None), ``condition``, ``traces`` (as read), ``missing_labels`` and ``notes``.
    """
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    worms = []
    for name, (worm_names, classes, (gap_class, gap_slot)) in _FILES.items():
        n_worms = len(worm_names)
        lengths = [int(t) for t in rng.integers(926, 932, size=n_worms)]
        columns: list[list[tuple[str, np.ndarray]]] = [[] for _ in worm_names]
        missing: list[list[str]] = [[] for _ in worm_names]
        is_left, norm_traces = [], []
        for k, neuron in enumerate(classes):
            sides = ("",) if k == _UNPAIRED else ("L", "R")
            slots = []
            for side in sides:
                for f, frames in enumerate(lengths):
                    label = neuron + side
                    if neuron == gap_class and gap_slot == f"{side}{f}":
                        slots.append(np.zeros((0, 0)))
                        missing[f].append(label)
                        continue
                    trace = rng.random(frames)
                    trace[:LEADING_ZEROS] = 0.0
                    if f == 0 and not columns[0]:  # worm 0's first column carries the NaN samples
                        trace[_NAN_FRAMES] = np.nan
                    slots.append(trace[None, :])
                    columns[f].append((label, trace))
            norm_traces.append(_cell(slots, (1, len(slots))))
            flags = np.full((1, n_worms), np.nan) if k == _UNPAIRED else \
                np.concatenate([np.ones(n_worms), np.zeros(n_worms)])[None, :]
            is_left.append(flags)
        savemat_v5(folder / name, {
            "fps": np.array([[FPS]]),
            "files": _cell(list(worm_names), (n_worms, 1)),
            "neurons": _cell(list(classes), (len(classes), 1)),
            "is_L": _cell(is_left, (len(classes), 1)),
            "norm_traces": _cell(norm_traces, (len(classes), 1)),
            "stim_names": _cell(["buffer", "stimulus"], (1, 2)),
            "stim_times": np.array([[1.0, 240.0], [241.0, 480.0]]),
            "stims": _cell([np.array([[1.0, 2.0]]) for _ in worm_names], (n_worms, 1)),
        })
        stem = Path(name).stem
        for f, frames in enumerate(lengths):
            labels = [label for label, _ in columns[f]]
            traces = np.stack([trace for _, trace in columns[f]], axis=1)[LEADING_ZEROS:]
            worms.append({
                "file": name, "worm": f"{stem}/{f}", "T": frames - LEADING_ZEROS, "N": len(labels),
                "frames_written": frames, "labels": labels,
                "time": np.arange(frames, dtype="float64")[LEADING_ZEROS:] / FPS, "frame_interval": None,
                "condition": stem, "traces": traces, "missing_labels": list(missing[f]),
                "notes": {
                    "source_name": worm_names[f],
                    "lr_suffixed": sum(label not in classes for label in labels),
                    "missing_neurons": len(missing[f]),
                    "missing_labels": list(missing[f]),
                    "dropped_leading_frames": LEADING_ZEROS,
                    "dropped_nonzero_values": 0,
                },
            })
    return {"study": STUDY, "files": list(_FILES), "worms": worms}
