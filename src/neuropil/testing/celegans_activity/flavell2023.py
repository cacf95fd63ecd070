"""Fake ``Flavell2023/`` folder: two WormWideWeb-style per-worm JSON files.

Follows the spec's minimal fixture (``shared/formats/celegans-activity.md`` section 8): per file
``timestamp_confocal`` (T=700 absolute seconds starting at ~6500 s, steps 0.58-0.62 s),
``trace_array`` (N lists of T z-scored floats, neurons x time) and ``labeled`` keyed by the 1-based
trace index as a string (keys written in a non-numeric order, the highest equal to N) with records
``{label, neuron_class, LR, region, roi_id, confidence, DV}`` (the fields of Dag2023's
``NeuroPAL_labels_dict.json``). Worm 1 has the label quirks: ``SAAD?`` twice, the mid-string ``SIA?L``
and the zero-padded ``VB02``; worm 2 has ``RMF?`` and ``DB01``. A few unused keys are written too
(``avg_timestep``, ``dataset_type``, ``max_t``, ``num_neurons``, ``ranges``, ``rel_enc_str_θh``
with its non-ASCII ``θ``, ``trace_original``, ``uid``, ``velocity``), top-level keys in alphabetical
order, UTF-8 without ASCII escaping.

:func:`write_h5` writes the same content in the ``.h5`` layout the reader also accepts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

STUDY = "Flavell2023"
FRAMES = 700
START_RANGE = (6480.0, 6530.0)
STEP_RANGE = (0.58, 0.62)

#: (uid, N, dataset_type, {1-based key: (label, neuron_class, LR, DV, region)} in writing order)
_WORMS: tuple[tuple[str, int, list[str], dict[str, tuple[str, str, str, str, str | None]]], ...] = (
    ("2022-06-14-01", 12, ["baseline", "neuropal"], {
        "7": ("AVAL", "AVA", "L", "undefined", None),
        "1": ("SAAD?", "SAA", "missing", "D", None),
        "10": ("SAAD?", "SAA", "missing", "D", None),
        "3": ("SIA?L", "SIA", "L", "missing", None),
        "12": ("VB02", "VB", "undefined", "undefined", "ventral cord"),
        "5": ("RIMR", "RIM", "R", "undefined", None),
    }),
    ("2022-07-15-06", 10, ["heat", "neuropal"], {
        "2": ("AVAR", "AVA", "R", "undefined", None),
        "10": ("DB01", "DB", "undefined", "undefined", "ventral cord"),
        "4": ("RMF?", "RMF", "missing", "undefined", None),
        "8": ("ASEL", "ASE", "L", "undefined", None),
    }),
)


def _record(label: str, neuron_class: str, lr: str, dv: str, region: str | None, rng: np.random.Generator) -> dict[str, Any]:
    return {"label": label, "neuron_class": neuron_class, "LR": lr, "region": region,
            "roi_id": [int(rng.integers(1, 200))], "confidence": int(rng.integers(1, 6)), "DV": dv}


def write(folder: Path, *, seed: int = 0) -> dict:
    """Write the fake study folder; return what a correct reader yields.

    Returns ``{"study", "files", "worms"}``; each worm is a dict with ``file`` (relative to
    ``folder``), ``worm``, ``T``, ``N``, ``labels`` (length N, None where unlabelled, the raw label
    strings), ``time`` (absolute seconds), ``frame_interval`` (None), ``condition``, ``traces``
    ((T, N)), ``content`` (the JSON object written) and ``notes`` (the reader's expected notes).
    """
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    worms: list[dict[str, Any]] = []
    for uid, n, dataset_type, labeled_spec in _WORMS:
        start = float(rng.uniform(*START_RANGE))
        time = start + np.concatenate([[0.0], np.cumsum(rng.uniform(*STEP_RANGE, FRAMES - 1))])
        original = 0.5 + rng.random(n)[:, None] + 0.1 * rng.standard_normal((n, FRAMES))
        zscored = (original - original.mean(axis=1, keepdims=True)) / original.std(axis=1, keepdims=True)
        labeled = {key: _record(*fields, rng) for key, fields in labeled_spec.items()}
        content: dict[str, Any] = {
            "avg_timestep": float(np.diff(time).mean() / 60.0),
            "dataset_type": dataset_type,
            "labeled": labeled,
            "max_t": FRAMES,
            "num_neurons": n,
            "ranges": [[1, FRAMES]],
            "rel_enc_str_θh": rng.random(n).tolist(),
            "timestamp_confocal": time.tolist(),
            "trace_array": zscored.tolist(),
            "trace_original": original.tolist(),
            "uid": uid,
            "velocity": (0.02 * rng.standard_normal(FRAMES)).tolist(),
        }
        name = f"{uid}.json"
        (folder / name).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        labels: list[str | None] = [None] * n
        for key, record in labeled.items():
            labels[int(key) - 1] = record["label"]
        confidence: dict[str, int] = {}
        for record in labeled.values():
            confidence[str(record["confidence"])] = confidence.get(str(record["confidence"]), 0) + 1
        worms.append({
            "file": name, "worm": uid, "T": FRAMES, "N": n, "labels": labels, "time": time, "frame_interval": None,
            "condition": ",".join(dataset_type), "traces": zscored.T.copy(), "content": content,
            "notes": {"n_labeled": len(labeled), "confidence_counts": dict(sorted(confidence.items())),
                      "null_values": 0},
        })
    return {"study": STUDY, "files": [w["file"] for w in worms], "worms": worms}


def write_h5(path: Path, content: dict[str, Any]) -> Path:
    """The ``.h5`` form of one worm's JSON ``content``: datasets ``timestamp_confocal`` (T,),
    ``trace_array`` (N, T), ``dataset_type`` (strings) and a group ``labeled/<key>/`` holding one
    dataset per record field (``region`` only when not null)."""
    import h5py

    text = h5py.string_dtype("utf-8")
    with h5py.File(path, "w") as handle:
        handle.create_dataset("timestamp_confocal", data=np.asarray(content["timestamp_confocal"], dtype="float64"))
        handle.create_dataset("trace_array", data=np.asarray(content["trace_array"], dtype="float64"))
        if "dataset_type" in content:
            handle.create_dataset("dataset_type", data=np.array(content["dataset_type"], dtype=object), dtype=text)
        group = handle.create_group("labeled")
        for key, record in content["labeled"].items():
            entry = group.create_group(key)
            for field, value in record.items():
                if value is None:
                    continue
                if isinstance(value, str):
                    entry.create_dataset(field, data=value, dtype=text)
                else:
                    entry.create_dataset(field, data=np.asarray(value))
    return Path(path)
