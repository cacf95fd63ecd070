"""C. elegans whole-brain activity as pandas tables, a Hugging Face dataset (the long schema of the
published ``celegans_neural_data``), torch windows on the canonical axis, and PyG graphs joined to a
connectome of the spine.

Every format reads the homogenized files of ``neuropil ingest celegans-activity``: the Parquet
tables and ``activity.h5`` (raw and processed traces, time bases, masks per recording).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil import _store
from neuropil.datasets.celegans_activity import SPEC, STUDIES
from neuropil.errors import InvalidArgumentError, NotIngestedError, unknown_value
from neuropil.datasets.celegans_axis import CANONICAL_LABELS

TABLES = ("recordings", "neurons", "skipped")
SPLITS = ("train", "valid", "test")
FRAMES = ("grid", "native")
N_CANONICAL = len(CANONICAL_LABELS)


def _path(home: str | os.PathLike[str] | None) -> Path:
    return _store.require_version(SPEC.id, SPEC.version, home)


def _table(home, name: str, source: str | None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    table = pq.read_table(_path(home) / f"{name}.parquet").to_pandas()
    if source is not None and source != "all":
        if source not in STUDIES:
            raise InvalidArgumentError(unknown_value(source, "source", [*STUDIES, "all"]))
        table = table[table["study"] == source]
        if name == "recordings" and table.empty:
            manifest = _store.read_manifest(SPEC.id, SPEC.version, home) or {}
            raise NotIngestedError(f"No recording of {source} is ingested (ingested sources: {manifest.get('sources')}); "
                                   f"run `neuropil ingest celegans-activity --source {source}`.")
    return table.reset_index(drop=True)


def read_arrays(recording: int, *, home: str | os.PathLike[str] | None = None) -> dict[str, np.ndarray]:
    """The dense arrays of one recording: raw_traces, raw_time, traces, time, mask."""
    import h5py

    with h5py.File(_path(home) / "activity.h5", "r") as handle:
        group = handle[f"recordings/{int(recording)}"]
        return {name: group[name][()] for name in group}


def to_pandas(*, table: str = "recordings", source: str | None = None,
              home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """``recordings``, ``neurons`` or ``skipped`` (filtered to ``source`` when given)."""
    if table not in TABLES:
        raise InvalidArgumentError(unknown_value(table, "table", TABLES))
    return _table(home, table, source)


def long_table(*, source: str | None = None, home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per (study, worm, neuron) with list columns: the published long schema
    (``source_dataset, raw_data_file, worm, neuron, slot, is_labeled_neuron, ...``) plus ours.
    Unlabelled neurons have ``slot = -1`` (the reference gave them random canonical slots)."""
    recordings = _table(home, "recordings", source)
    neurons = _table(home, "neurons", source)
    manifest = _store.read_manifest(SPEC.id, SPEC.version, home) or {}
    params = manifest.get("parameters", {})
    rows = []
    for recording in recordings.itertuples():
        arrays = read_arrays(recording.recording, home=home)
        cells = neurons[neurons["recording"] == recording.recording]
        for cell in cells.itertuples():
            j = int(cell.local_id)
            labelled = cell.label_status == "labelled"
            rows.append({
                "source_dataset": recording.study, "raw_data_file": recording.file, "worm": recording.worm,
                "neuron": cell.label if labelled else str(j), "slot": int(cell.canonical_index) if labelled else -1,
                "is_labeled_neuron": labelled, "smooth_method": params.get("smoothing", "none"),
                "interpolate_method": "linear / window mean", "normalization_method": params.get("normalize", "zscore"),
                "original_calcium_data": arrays["raw_traces"][:, j].astype("float32"),
                "calcium_data": arrays["traces"][:, j].astype("float32"),
                "mask": arrays["mask"][:, j],
                "original_time_in_seconds": arrays["raw_time"].astype("float32"),
                "time_in_seconds": arrays["time"].astype("float32"),
                "original_max_timesteps": int(recording.timesteps), "max_timesteps": int(recording.grid_timesteps),
                "original_median_dt": float(recording.median_dt), "median_dt": float(params.get("dt", np.nan)),
                "local_id": j, "label_status": cell.label_status, "candidates": list(cell.candidates),
                "mean": float(cell.mean), "std": float(cell.std),
            })
    return pd.DataFrame(rows)


def export_tables(*, home: str | os.PathLike[str] | None = None) -> dict[str, pd.DataFrame]:
    """Tables an HF export adds to the Parquet outputs: ``traces``, the published long schema."""
    return {"traces": long_table(home=home)}


def hf_features() -> Any:
    from datasets import Features, Sequence, Value

    return Features({
        "source_dataset": Value("string"), "raw_data_file": Value("string"), "worm": Value("string"),
        "neuron": Value("string"), "slot": Value("int32"), "is_labeled_neuron": Value("bool"),
        "smooth_method": Value("string"), "interpolate_method": Value("string"),
        "normalization_method": Value("string"),
        "original_calcium_data": Sequence(Value("float32")), "calcium_data": Sequence(Value("float32")),
        "mask": Sequence(Value("bool")),
        "original_time_in_seconds": Sequence(Value("float32")), "time_in_seconds": Sequence(Value("float32")),
        "original_max_timesteps": Value("int32"), "max_timesteps": Value("int32"),
        "original_median_dt": Value("float32"), "median_dt": Value("float32"),
        "local_id": Value("int32"), "label_status": Value("string"), "candidates": Sequence(Value("string")),
        "mean": Value("float64"), "std": Value("float64"),
    })


def to_hf(*, source: str | None = None, home: str | os.PathLike[str] | None = None) -> Any:
    """A ``datasets.Dataset`` in the long schema with real ``Features``."""
    from datasets import Dataset

    return Dataset.from_pandas(long_table(source=source, home=home), features=hf_features(), preserve_index=False)


#: the held-out-animal split shared by ``to_torch(split=...)`` and ``celegans-activity-forecast``
SPLIT = {"seed": 0, "valid": 0.15, "test": 0.3}


def worm_key(study: str, worm: str) -> str:
    """The id of one animal across studies (worm ids are only unique within a study)."""
    return f"{study}/{worm}"


def worm_split(worms: Any, *, seed: int = SPLIT["seed"], valid: float = SPLIT["valid"],
               test: float = SPLIT["test"]) -> dict[str, list[str]]:
    """Held-out animals: ``{"train", "valid", "test"}`` -> sorted :func:`worm_key` ids.

    ``worms``: (study, worm) pairs. Within each study, worms are ranked by a SHA-256 of
    ``seed:study:worm``; the first ``max(1, round(test * n))`` are test, the next
    ``max(1, round(valid * n))`` valid, the rest train (7 Dag2023 worms: 2 test, 1 valid, 4 train).
    Stratified by study, so the split of one study does not depend on which other studies are
    ingested; a study of fewer than 3 worms cannot be split and goes to train whole.
    """
    for value, name in ((valid, "valid"), (test, "test")):
        if not 0 < float(value) < 1:
            raise InvalidArgumentError(f"split fraction {name} must be in (0, 1), got {value!r}.")
    if float(valid) + float(test) >= 1:
        raise InvalidArgumentError(f"split fractions valid {valid} + test {test} leave no training worm.")
    by_study: dict[str, set[str]] = {}
    for study, worm in worms:
        by_study.setdefault(str(study), set()).add(str(worm))
    split: dict[str, list[str]] = {"train": [], "valid": [], "test": []}
    for study, members in by_study.items():
        order = sorted(members, key=lambda w: hashlib.sha256(f"{seed}:{study}:{w}".encode()).hexdigest())
        keys = [worm_key(study, w) for w in order]
        if len(keys) < 3:
            split["train"].extend(keys)
            continue
        n_test = max(1, round(test * len(keys)))
        n_valid = max(1, round(valid * len(keys)))
        if n_test + n_valid >= len(keys):
            n_test, n_valid = len(keys) - 2, 1
        split["test"].extend(keys[:n_test])
        split["valid"].extend(keys[n_test:n_test + n_valid])
        split["train"].extend(keys[n_test + n_valid:])
    return {part: sorted(keys) for part, keys in split.items()}


def canonical_arrays(recording: int, *, home=None) -> tuple[np.ndarray, np.ndarray]:
    """(T', 300) processed traces on the canonical axis (NaN where not recorded) and its mask.

    The processed grid is interpolated between neighbouring frames (or window-averaged): a grid
    value can depend on a frame recorded after it, so forecasting inputs use :func:`canonical_frames`.
    """
    return _canonical_arrays(str(_path(home)), int(recording), "traces")


def canonical_frames(recording: int, *, home=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The recording as published, on the canonical axis: frame times (T,) in s from the first frame,
    raw traces (T, 300) (NaN where not recorded) and their mask. Nothing is resampled or scaled,
    so the value at a frame depends on no later frame."""
    path = str(_path(home))
    values, observed = _canonical_arrays(path, int(recording), "raw_traces")
    return _raw_time(path, int(recording)), values, observed


@lru_cache(maxsize=64)
def _raw_time(path: str, recording: int) -> np.ndarray:
    import h5py

    with h5py.File(Path(path) / "activity.h5", "r") as handle:
        return handle[f"recordings/{recording}/raw_time"][()]


@lru_cache(maxsize=128)
def _canonical_arrays(path: str, recording: int, name: str = "traces") -> tuple[np.ndarray, np.ndarray]:
    import h5py
    import pyarrow.parquet as pq

    neurons = pq.read_table(Path(path) / "neurons.parquet", filters=[("recording", "==", recording)]).to_pandas()
    with h5py.File(Path(path) / "activity.h5", "r") as handle:
        traces = handle[f"recordings/{recording}/{name}"][()]
        mask = handle[f"recordings/{recording}/mask"][()] if name == "traces" else np.isfinite(traces)
    labelled = neurons[neurons["label_status"] == "labelled"]
    values = np.full((traces.shape[0], N_CANONICAL), np.nan, dtype="float32")
    observed = np.zeros((traces.shape[0], N_CANONICAL), dtype=bool)
    slots = labelled["canonical_index"].to_numpy(dtype=np.int64)
    columns = labelled["local_id"].to_numpy(dtype=np.int64)
    values[:, slots] = traces[:, columns]
    observed[:, slots] = mask[:, columns]
    return values, observed


def to_torch(*, source: str | None = None, history: int = 30, horizon: int = 10, stride: int = 1,
             split: str | None = None, split_seed: int = SPLIT["seed"], frames: str = "grid",
             home: str | os.PathLike[str] | None = None) -> Any:
    """A ``torch.utils.data.Dataset`` of windows on the canonical axis: each item is a dict with
    ``x`` (history, 300), ``y`` (horizon, 300), masks ``x_mask``/``y_mask`` (NaN replaced by 0 where
    the mask is False), ``recording``, ``start``. ``split`` selects held-out worms with
    :func:`worm_split`, the split ``celegans-activity-forecast`` stores. ``frames="grid"``: the
    processed traces on the common grid (interpolated: not causal); ``"native"``: each recording's own
    frames as published, unscaled (what the forecasting benchmark windows)."""
    from neuropil.loaders._activity_torch import ActivityWindows

    if split is not None and split not in SPLITS:
        raise InvalidArgumentError(unknown_value(split, "split", SPLITS))
    if frames not in FRAMES:
        raise InvalidArgumentError(unknown_value(frames, "frames", FRAMES))
    for value, name in ((history, "history"), (horizon, "horizon"), (stride, "stride")):
        if int(value) < 1:
            raise InvalidArgumentError(f"{name} must be a positive number of steps, got {value!r}.")
    recordings = _table(home, "recordings", source)
    if split is not None:
        # the split of every study in the store, so that it does not depend on ``source``
        everything = _table(home, "recordings", None)
        chosen = set(worm_split(zip(everything["study"], everything["worm"]), seed=split_seed)[split])
        recordings = recordings[[worm_key(r.study, r.worm) in chosen for r in recordings.itertuples()]]
    path = str(_path(home))
    arrays = {int(r): _canonical_arrays(path, int(r), "traces" if frames == "grid" else "raw_traces")
              for r in recordings["recording"]}
    return ActivityWindows(arrays, history=int(history), horizon=int(horizon), stride=int(stride))


def to_pyg(*, source: str = "Dag2023", worm: int | str = 0, connectome: str = "cook_2019",
           home: str | os.PathLike[str] | None = None) -> Any:
    """One recording as a PyG ``Data`` on the 300 canonical neurons: ``x`` = processed traces
    (300, T') with NaN -> 0, ``mask`` (300, T'), ``time``; edges, ``edge_attr`` and node features of
    ``connectome`` from the spine (``celegans-connectomes`` must be ingested in the same home).
    ``worm`` is a position among the source's recordings or a worm id."""
    import torch

    from neuropil.loaders import celegans_connectomes

    recordings = _table(home, "recordings", source)
    if isinstance(worm, int):
        if not 0 <= worm < len(recordings):
            raise InvalidArgumentError(f"worm must be in 0..{len(recordings) - 1} for {source}, got {worm}.")
        row = recordings.iloc[worm]
    else:
        matches = recordings[recordings["worm"] == worm]
        if matches.empty:
            raise InvalidArgumentError(unknown_value(worm, "worm", recordings["worm"].tolist()))
        row = matches.iloc[0]
    graph = celegans_connectomes.to_pyg(connectome=connectome, home=home)
    values, observed = canonical_arrays(int(row["recording"]), home=home)
    arrays = read_arrays(int(row["recording"]), home=home)
    graph.x_structure = graph.x
    graph.x = torch.from_numpy(np.nan_to_num(values.T, nan=0.0).copy())
    graph.mask = torch.from_numpy(observed.T.copy())
    graph.time = torch.from_numpy(arrays["time"].astype("float32"))
    graph.study, graph.worm = str(row["study"]), str(row["worm"])
    return graph
