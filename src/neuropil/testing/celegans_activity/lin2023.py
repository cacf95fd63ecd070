"""Fake ``Lin2023/`` folder: two proofreader outputs (MATLAB v5), one with a space in its name.

Follows the spec's minimal fixture (``shared/formats/celegans-activity.md`` section 10): files
``run301_prfrd_data.mat`` and ``run303_prfrd_data 13.mat`` (the re-hosted copy's de-duplication
suffix), each with the variables the Samuel-lab proofreader saves: ``tracked_IDs``,
``proofread_neurons`` (5x1 cell of char, one ``'reassigned'``), ``use_flag`` (5x1, [1, 1, 0, -1, 1]),
``corrected_F`` (5 x 650, first column NaN, one more NaN in a kept neuron), ``F_0`` (5 x 5, only
column 1 filled), ``positions``, ``times`` (1x1 struct, single field ``times`` = 650x1 column,
about 0.4 s apart with jitter, starting at 0) and ``stimulus`` (cell rows: name, start, end).
In the first file ``'reassigned'`` is a kept neuron, in the second a dropped one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuropil.testing.celegans_activity.yemini2021 import savemat_v5

STUDY = "Lin2023"
FRAMES = 650
USE_FLAG = (1, 1, 0, -1, 1)
_FILES = {
    "run301_prfrd_data.mat": ("ASHL", "AWCL", "ADLL", "ASER", "reassigned"),
    "run303_prfrd_data 13.mat": ("AWAL", "ASKR", "reassigned", "ASGL", "ADFR"),
}
_NAN_FRAME = 321


def _cell(items: list, shape: tuple[int, int]) -> np.ndarray:
    cell = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        cell[i] = item
    return cell.reshape(shape)


def write(folder: Path, *, seed: int = 0) -> dict:
    """Write the two files; return what a correct reader yields.

    Returns ``{"study", "files", "worms"}``; each worm is a dict with ``file``, ``worm``, ``T``,
    ``N`` (kept neurons), ``labels``, ``time``, ``frame_interval`` (None), ``condition`` (None),
    ``traces`` (as read: kept rows, transposed, first frame = ``F_0``), ``f0`` (the kept baselines),
    ``names_written`` and ``notes``.
    """
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    use_flag = np.array(USE_FLAG, dtype="float64")
    keep = use_flag > 0
    n_neurons = len(USE_FLAG)
    worms = []
    for name, names in _FILES.items():
        baseline = 80.0 + 40.0 * rng.random(n_neurons)
        corrected = baseline[:, None] * (1.0 + 0.2 * rng.standard_normal((n_neurons, FRAMES)))
        corrected[:, 0] = np.nan
        corrected[0, _NAN_FRAME] = np.nan  # a kept neuron: the reader must not impute it
        f_0 = np.zeros((n_neurons, n_neurons))
        f_0[:, 0] = baseline
        time = np.arange(FRAMES) * 0.4 + rng.uniform(-0.02, 0.02, FRAMES)
        time[0] = 0.0
        savemat_v5(folder / name, {
            "tracked_IDs": _cell(list(names), (n_neurons, 1)),
            "proofread_neurons": _cell(list(names), (n_neurons, 1)),
            "use_flag": use_flag[:, None],
            "corrected_F": corrected,
            "F_0": f_0,
            "positions": rng.random((n_neurons, 3)) * 100.0,
            "times": {"times": time[:, None]},
            "stimulus": _cell(["buffer", 1.0, 60.0, "diacetyl 1e-6", 61.0, 120.0], (2, 3)),
        })
        traces = corrected[keep].T.copy()
        traces[0] = baseline[keep]
        labels = [label for label, kept in zip(names, keep) if kept]
        worms.append({
            "file": name, "worm": Path(name).stem, "T": FRAMES, "N": int(keep.sum()), "labels": labels,
            "time": time, "frame_interval": None, "condition": None, "traces": traces, "f0": baseline[keep],
            "names_written": list(names),
            "notes": {"dropped_use_flag": 2, "dropped_use_flag_values": {"-1": 1, "0": 1},
                      "f0_first_frame_was_nan": int(keep.sum()), "f0_first_frame_fill": int(keep.sum())},
        })
    return {"study": STUDY, "files": list(_FILES), "worms": worms}
