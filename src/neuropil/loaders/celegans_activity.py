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


def worm_split(study: str, worm: str, *, seed: int = 0, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)) -> str:
    """Deterministic held-out-animal split: a worm's hash decides its split, so adding worms never
    moves existing ones."""
    digest = hashlib.sha256(f"{seed}:{study}:{worm}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    return "train" if u < fractions[0] else "valid" if u < fractions[0] + fractions[1] else "test"


def canonical_arrays(recording: int, *, home=None) -> tuple[np.ndarray, np.ndarray]:
    """(T', 300) processed traces on the canonical axis (NaN where not recorded) and its mask."""
    return _canonical_arrays(str(_path(home)), int(recording))


@lru_cache(maxsize=64)
def _canonical_arrays(path: str, recording: int) -> tuple[np.ndarray, np.ndarray]:
    import h5py
    import pyarrow.parquet as pq

    neurons = pq.read_table(Path(path) / "neurons.parquet", filters=[("recording", "==", recording)]).to_pandas()
    with h5py.File(Path(path) / "activity.h5", "r") as handle:
        traces = handle[f"recordings/{recording}/traces"][()]
        mask = handle[f"recordings/{recording}/mask"][()]
    labelled = neurons[neurons["label_status"] == "labelled"]
    values = np.full((traces.shape[0], N_CANONICAL), np.nan, dtype="float32")
    observed = np.zeros((traces.shape[0], N_CANONICAL), dtype=bool)
    slots = labelled["canonical_index"].to_numpy(dtype=np.int64)
    columns = labelled["local_id"].to_numpy(dtype=np.int64)
    values[:, slots] = traces[:, columns]
    observed[:, slots] = mask[:, columns]
    return values, observed


def to_torch(*, source: str | None = None, history: int = 30, horizon: int = 10, stride: int = 1,
             split: str | None = None, split_seed: int = 0, home: str | os.PathLike[str] | None = None) -> Any:
    """A ``torch.utils.data.Dataset`` of windows on the canonical axis: each item is a dict with
    ``x`` (history, 300), ``y`` (horizon, 300), masks ``x_mask``/``y_mask`` (NaN replaced by 0 where
    the mask is False), ``recording``, ``start``. ``split`` selects held-out worms
    (:func:`worm_split`)."""
    import torch

    if split is not None and split not in SPLITS:
        raise InvalidArgumentError(unknown_value(split, "split", SPLITS))
    for value, name in ((history, "history"), (horizon, "horizon"), (stride, "stride")):
        if int(value) < 1:
            raise InvalidArgumentError(f"{name} must be a positive number of steps, got {value!r}.")
    recordings = _table(home, "recordings", source)
    if split is not None:
        keep = [worm_split(r.study, r.worm, seed=split_seed) == split for r in recordings.itertuples()]
        recordings = recordings[keep]
    path = str(_path(home))

    class ActivityWindows(torch.utils.data.Dataset):
        def __init__(self) -> None:
            self.arrays = {int(r): _canonical_arrays(path, int(r)) for r in recordings["recording"]}
            # filled once here, so an item is two slices (NaN -> 0 where the mask is False)
            self._tensors = {r: (torch.from_numpy(np.nan_to_num(values, nan=0.0)), torch.from_numpy(observed.copy()))
                             for r, (values, observed) in self.arrays.items()}
            span = history + horizon
            self.index = [(r, start) for r, (values, _) in self.arrays.items()
                          for start in range(0, values.shape[0] - span + 1, stride)]

        def __len__(self) -> int:
            return len(self.index)

        def __getitem__(self, item: int) -> dict[str, Any]:
            recording, start = self.index[item]
            values, mask = self._tensors[recording]
            middle, end = start + history, start + history + horizon
            return {"x": values[start:middle], "y": values[middle:end], "x_mask": mask[start:middle],
                    "y_mask": mask[middle:end], "recording": recording, "start": start}

    return ActivityWindows()


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
