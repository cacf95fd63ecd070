"""Atanas & Kim et al. 2023 (Cell 186:4134-4151): brain-wide NeuroPAL recordings, one JSON per worm.

Citation: Atanas AA, Kim J, Wang Z, Bueno E, Becker M, Kang D, Park J, Kramer TS, Wan FK, Baskoylu S,
Dag U, Kalogeropoulou E, Gomes MA, Estrem C, Cohen N, Mansinghka VK, Flavell SW (2023) Brain-wide
representations of behavior spanning multiple timescales and states in *C. elegans*. Cell
186(19):4134-4151.e31, doi:10.1016/j.cell.2023.07.035.
Host: Zenodo doi:10.5281/zenodo.8150515; the per-worm JSON files come from wormwideweb.org (the 40
NeuroPAL-labelled datasets).

Files: ``Flavell2023/<uid>.json`` with uid = ``YYYY-MM-DD-NN``, one worm per file (flat folder). A
``.h5`` with the same top-level keys is also accepted, as the reference loader did: datasets
``timestamp_confocal`` (T,) and ``trace_array`` (N, T), and a group ``labeled/<1-based index>/``
holding ``label`` (and the other record fields) as datasets or attributes.

Used keys:

* ``timestamp_confocal``: T floats, seconds, **absolute** (first values ~6500 s or ~10776 s) -> ``time``
  as published (the common step re-zeroes);
* ``trace_array``: **neurons x time** (N lists of T floats, z-scored) -> ``traces`` (T, N) float64
  (the reference used float32); a JSON ``null`` becomes NaN (counted in ``notes["null_values"]``);
* ``labeled``: dict keyed by the **1-based** trace index as a string, value
  ``{label, neuron_class, LR, region, roi_id, confidence, DV}`` (the same record fields as Dag2023's
  ``NeuroPAL_labels_dict.json``) -> ``labels[int(key) - 1] = label`` exactly as given (``SAAD?``,
  ``SIA?L``, ``VB02`` ...); unlisted columns are None. Of the other record fields only a summary is
  kept: ``notes["n_labeled"]`` and ``notes["confidence_counts"]`` (NeuroPAL confidence 1-5 -> count;
  ``"missing"`` for records without one), small enough for the ingest manifest;
* ``dataset_type`` (e.g. ``["baseline", "neuropal"]``), when present -> ``condition`` = the entries
  joined by ``","``. Every other key (``trace_original``, ``velocity``, ``rel_enc_str_θh`` ...) is unused.

T must equal ``len(trace_array[i])`` for every row and ``len(timestamp_confocal)``, else
:class:`~neuropil.errors.RawFormatError`. Worm id = the file stem; files are processed in sorted
name order.

Reference (qsimeon/worm-data-preprocess) behaviour we deliberately do not reproduce:

* the nearest-label matcher that rewrote every non-numeric label against the canonical labels not yet
  used in the worm (``SIA?L`` -> ``AIAL``, ``VB02`` -> ``VA12``, unknown names -> *some* canonical
  label): labels stay as published, the common step maps them;
* the float32 cast of the absolute timestamps (~0.5 ms resolution at 6500 s);
* its ``.h5`` branch handed h5py objects to ``str`` methods (it could not have read labels from an
  HDF5 file); ours decodes them;
* listdir order: the processing order here is sorted and deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from neuropil import _json
from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_activity.raw import RawLabel, RawRecording, study_files

STUDY = "Flavell2023"
#: one worm per file; hidden files (``._x.json`` AppleDouble copies) are not worms
PATTERN = re.compile(r"^(?!\.).+\.(json|h5)$")
#: the top-level keys the reader uses
REQUIRED_KEYS = ("timestamp_confocal", "trace_array", "labeled")
#: the fields of one ``labeled`` record (only ``label`` is required)
RECORD_FIELDS = ("label", "neuron_class", "LR", "region", "roi_id", "confidence", "DV")


def _plain(value: Any) -> Any:
    """An HDF5 value as the JSON loader would give it (str, int, float, list)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OS":
            return [_plain(v) for v in value.tolist()]
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _load_json(path: Path) -> Any:
    # NaN marks a missing sample in the published traces; 1e400, huge integers and deep nesting are refused
    return _json.loads(path.read_bytes(), source=f"{STUDY} {path.name}", allow_nan=True)


def _load_h5(path: Path) -> dict[str, Any]:
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            data: dict[str, Any] = {}
            for key in ("timestamp_confocal", "trace_array"):
                if key in handle:
                    if not isinstance(handle[key], h5py.Dataset):
                        raise RawFormatError(f"{STUDY} {path.name}: {key!r} must be an HDF5 dataset.")
                    data[key] = np.asarray(handle[key][()], dtype="float64")
            if "dataset_type" in handle and isinstance(handle["dataset_type"], h5py.Dataset):
                data["dataset_type"] = _plain(handle["dataset_type"][()])
            if "labeled" in handle:
                group = handle["labeled"]
                if not isinstance(group, h5py.Group):
                    raise RawFormatError(f"{STUDY} {path.name}: 'labeled' must be an HDF5 group of 1-based indices.")
                labeled: dict[str, Any] = {}
                for key in group:
                    entry = group[key]
                    if not isinstance(entry, h5py.Group):
                        raise RawFormatError(f"{STUDY} {path.name}: 'labeled/{key}' must be a group holding 'label'.")
                    record = {name: _plain(value) for name, value in entry.attrs.items()}
                    record.update({name: _plain(entry[name][()]) for name in entry
                                   if isinstance(entry[name], h5py.Dataset)})
                    labeled[key] = record
                data["labeled"] = labeled
            return data
    except OSError as error:
        raise RawFormatError(f"{STUDY} {path.name}: not a readable HDF5 file (truncated?): {error}") from error


def _traces(value: Any, name: str) -> tuple[np.ndarray, int]:
    """``trace_array`` (N x T) -> (T, N) float64 and the number of nulls."""
    if isinstance(value, np.ndarray):
        if value.ndim != 2 or value.shape[0] == 0:
            raise RawFormatError(f"{STUDY} {name}: 'trace_array' has shape {value.shape}, expected (N, T) with N >= 1.")
        return np.ascontiguousarray(value.T, dtype="float64"), 0
    if not isinstance(value, list) or not value:
        raise RawFormatError(f"{STUDY} {name}: 'trace_array' must be a non-empty list of N lists (neurons x time).")
    t = None
    nulls = 0
    for row_index, row in enumerate(value):
        if not isinstance(row, list):
            raise RawFormatError(
                f"{STUDY} {name}: 'trace_array'[{row_index}] is {type(row).__name__}, expected a list of T floats."
            )
        if t is None:
            t = len(row)
        elif len(row) != t:
            raise RawFormatError(
                f"{STUDY} {name}: 'trace_array'[{row_index}] has {len(row)} values but 'trace_array'[0] has {t}; "
                f"expected every neuron to have T values."
            )
        for item in row:
            if item is None:
                nulls += 1
            elif isinstance(item, bool) or not isinstance(item, (int, float)):
                raise RawFormatError(f"{STUDY} {name}: 'trace_array'[{row_index}] holds {item!r}, expected numbers.")
    return np.ascontiguousarray(np.array(value, dtype="float64").T), nulls


def _timestamps(value: Any, name: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value.reshape(-1)
    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value):
        raise RawFormatError(f"{STUDY} {name}: 'timestamp_confocal' must be a list of T numbers (seconds).")
    return np.array(value, dtype="float64")


def _confidence_key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "missing" if value is None else str(value)


def _labels(value: Any, n: int, name: str) -> tuple[list[RawLabel], dict[str, int]]:
    if not isinstance(value, Mapping):
        raise RawFormatError(f"{STUDY} {name}: 'labeled' must be an object keyed by 1-based trace index.")
    labels: list[RawLabel] = [None] * n
    confidence: dict[str, int] = {}
    for key in value:
        if not (isinstance(key, str) and key.isdecimal() and key == str(int(key)) and 1 <= int(key) <= n):
            raise RawFormatError(
                f"{STUDY} {name}: 'labeled' key {key!r} is not a 1-based trace index in 1..{n}."
            )
    for key in sorted(value, key=int):
        record = value[key]
        if not isinstance(record, Mapping) or "label" not in record:
            raise RawFormatError(f"{STUDY} {name}: 'labeled'[{key!r}] lacks field 'label'.")
        label = record["label"]
        if label is not None and not isinstance(label, str):
            raise RawFormatError(f"{STUDY} {name}: 'labeled'[{key!r}]['label'] is {label!r}, expected a string.")
        column = int(key) - 1
        labels[column] = label
        key_confidence = _confidence_key(record.get("confidence"))
        confidence[key_confidence] = confidence.get(key_confidence, 0) + 1
    return labels, dict(sorted(confidence.items()))


def _condition(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return ",".join(value)
    return None


def _recording(path: Path) -> RawRecording:
    data = _load_h5(path) if path.suffix == ".h5" else _load_json(path)
    if not isinstance(data, Mapping):
        raise RawFormatError(f"{STUDY} {path.name}: top level is {type(data).__name__}, expected a JSON object.")
    for key in REQUIRED_KEYS:
        if key not in data:
            raise RawFormatError(f"{STUDY} {path.name}: missing key {key!r} (expected {', '.join(REQUIRED_KEYS)}).")
    traces, nulls = _traces(data["trace_array"], path.name)
    t, n = traces.shape
    time = _timestamps(data["timestamp_confocal"], path.name)
    if time.shape[0] != t:
        raise RawFormatError(
            f"{STUDY} {path.name}: 'timestamp_confocal' has {time.shape[0]} values but 'trace_array' rows have "
            f"{t}; expected equal lengths."
        )
    labels, confidence = _labels(data["labeled"], n, path.name)
    notes: dict[str, Any] = {"n_labeled": sum(confidence.values()), "confidence_counts": confidence,
                             "null_values": nulls}
    return RawRecording(study=STUDY, file=path.name, worm=path.stem, traces=traces, time=time, labels=labels,
                        condition=_condition(data.get("dataset_type")), notes=notes)


def read(folder: Path) -> list[RawRecording]:
    """One :class:`RawRecording` per ``*.json`` / ``*.h5`` in ``folder`` (the study folder), sorted by name."""
    paths = study_files(folder, study=STUDY, match=PATTERN, description="<uid>.json (or .h5)")
    stems: dict[str, str] = {}
    for path in paths:
        if path.stem in stems:
            raise RawFormatError(
                f"{STUDY}: {stems[path.stem]} and {path.name} are the same worm {path.stem!r}; expected one file per worm."
            )
        stems[path.stem] = path.name
    return [_recording(path) for path in paths]
