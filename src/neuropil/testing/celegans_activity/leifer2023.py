"""Fake ``Leifer2023/`` folder: the lab exporter's flat text layout, six files per recording.

Follows the spec's minimal fixture (``shared/formats/celegans-activity.md`` section 9): recordings
0..2, each ``{i}_gcamp.txt`` (T=800 lines of N=8 floats, ``np.savetxt`` default ``%.18e`` and single
spaces, ``nan`` written as numpy does), ``{i}_labels.txt`` (one label per line, every line ended by a
newline), ``{i}_t.txt`` (``np.savetxt`` default e-notation, ~0.5 s steps from 0),
``{i}_stim_neurons.txt`` / ``{i}_stim_volume_i.txt`` (``%d``) and ``{i}_ds_name.txt`` (a source
folder path without newline).

Per recording the gcamp has one all-NaN column, one column with a long NaN gap (120 frames, > 5 % of
T), one with a short gap (10 frames). Labels include ``''`` twice, the class name ``AVA`` twice, a
duplicated canonical name (``RIML``) and ``merge``. Recording 1 has two label lines more than
columns (``AVEL``, ``smthng else``); recording 2 ends with two ``''`` labels (so its label file ends
in blank lines).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

STUDY = "Leifer2023"
FRAMES = 800
N_NEURONS = 8
#: column roles, the same in every recording
ALL_NAN_COLUMN = 2
LONG_GAP_COLUMN = 5
LONG_GAP = (200, 320)
SHORT_GAP_COLUMN = 6
SHORT_GAP = (500, 510)

#: per recording: the label lines written (first N = the columns' labels, then extra lines)
_LABEL_LINES = (
    ["AVA", "", "RIML", "AVA", "merge", "RIML", "", "AIBL"],
    ["RIML", "AVA", "", "SMDVR", "AVA", "", "merge", "RIML", "AVEL", "smthng else"],
    ["AIBL", "AVA", "RIML", "merge", "AVA", "RIML", "", ""],
)
_DS_NAMES = (
    "/fixture/pumpprobe/pumpprobe_20211104_110437/",
    "/fixture/pumpprobe/pumpprobe_20211105_141010/",
    "/fixture/pumpprobe_unc31/pumpprobe_20220110_093502/",
)


def write(folder: Path, *, seed: int = 0) -> dict:
    """Write the fake study folder; return what a correct reader yields.

    Returns ``{"study", "files", "worms"}``; each worm is a dict with ``file`` (the gcamp file,
    relative to ``folder``), ``worm``, ``T``, ``N``, ``labels`` (as the reader returns them: first N
    lines, ``''`` -> None), ``label_lines`` (as written), ``time``, ``frame_interval`` (None),
    ``condition`` (the ds_name), ``traces`` ((T, N), NaN where written), ``files`` (the six names)
    and ``notes`` (the reader's expected notes).
    """
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    worms: list[dict[str, Any]] = []
    files: list[str] = []
    for index, (label_lines, ds_name) in enumerate(zip(_LABEL_LINES, _DS_NAMES)):
        traces = 1.0 + 0.5 * rng.random(N_NEURONS) + 0.1 * rng.standard_normal((FRAMES, N_NEURONS))
        traces[:, ALL_NAN_COLUMN] = np.nan
        traces[LONG_GAP[0]:LONG_GAP[1], LONG_GAP_COLUMN] = np.nan
        traces[SHORT_GAP[0]:SHORT_GAP[1], SHORT_GAP_COLUMN] = np.nan
        time = np.concatenate([[0.0], np.cumsum(rng.uniform(0.49, 0.51, FRAMES - 1))])
        names = {kind: f"{index}_{kind}.txt" for kind in ("gcamp", "labels", "t", "stim_neurons", "stim_volume_i", "ds_name")}
        np.savetxt(folder / names["gcamp"], traces)
        np.savetxt(folder / names["t"], time)
        (folder / names["labels"]).write_text("".join(f"{label}\n" for label in label_lines), encoding="utf-8")
        stim_neurons = np.sort(rng.choice(N_NEURONS, size=3, replace=False))
        stim_volumes = np.sort(rng.choice(np.arange(50, FRAMES - 50), size=3, replace=False))
        np.savetxt(folder / names["stim_neurons"], stim_neurons, fmt="%d")
        np.savetxt(folder / names["stim_volume_i"], stim_volumes, fmt="%d")
        (folder / names["ds_name"]).write_text(ds_name, encoding="utf-8")
        files.extend(names.values())
        worms.append({
            "file": names["gcamp"], "worm": str(index), "T": FRAMES, "N": N_NEURONS,
            "labels": [label or None for label in label_lines[:N_NEURONS]], "label_lines": list(label_lines),
            "time": time, "frame_interval": None, "condition": ds_name, "traces": traces,
            "files": list(names.values()),
            "notes": {"extra_label_lines": len(label_lines) - N_NEURONS, "files": list(names.values())},
        })
    return {"study": STUDY, "files": files, "worms": worms}
