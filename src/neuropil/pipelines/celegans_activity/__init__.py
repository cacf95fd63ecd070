"""C. elegans whole-brain activity: 12 studies -> one time base and one neuron axis.

Each study has a reader module here (``dag2023``, ``kato2015``, ...) returning
:class:`~neuropil.pipelines.celegans_activity.raw.RawRecording` objects as published. This module
is the common step, fixing what the reference pipeline got wrong:

1. time comes from each recording's own timestamps (made relative to its first sample);
2. resampling onto one grid (default dt = 1/3 s) by linear interpolation when upsampling and by
   window averaging (the mean of the piecewise-linear signal over a centred one-step window) when
   downsampling; never extrapolation: the grid stops at the last sample; a grid value next to a
   missing sample stays missing. The grid is not causal (a grid value mixes in the frame after it, and
   the downsampling window is centred): forecasting must read ``raw_traces``/``raw_time``, the frames
   as published, as ``celegans-activity-forecast`` does;
3. raw traces are kept beside processed ones; smoothing is an explicit option (``"reference"`` =
   the reference's causal 8-sample moving mean on the original grid, for comparability);
   z-scoring per neuron per recording stores its mean and std;
4. labels go through the spine's name table; ``?`` labels and class names without side (``AVA``)
   are *ambiguous*: unlabelled, with their canonical candidates recorded; two neurons claiming one
   label in a worm are both marked ``duplicate``; unlabelled neurons keep their per-recording
   ``local_id`` and never take a canonical slot;
5. missing samples stay NaN with a mask; ``impute="linear"`` is an explicit, recorded option;
6. unusable recordings (too short, no labelled neuron when labels are required, time not
   increasing) are skipped with a reason counted in the manifest;
7. deterministic: same inputs and parameters give byte-identical outputs.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil._fetch import sha256_of
from neuropil._home import get_raw_dir
from neuropil.errors import InvalidArgumentError, InvalidValueError, SourceUnavailableError, UnverifiedSourceError, unknown_value
from neuropil.pipelines._hdf5 import write_small
from neuropil.pipelines._values import require_values
from neuropil.pipelines.celegans_activity.raw import RawRecording
from neuropil.pipelines.celegans_names import CANONICAL_LABELS, LABEL_INDEX, map_label

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "1.0.0"
STUDY_MODULES = {
    "Kato2015": "kato2015", "Nichols2017": "nichols2017", "Skora2018": "skora2018", "Kaplan2020": "kaplan2020",
    "Nejatbakhsh2020": "nejatbakhsh2020", "Yemini2021": "yemini2021", "Uzel2022": "uzel2022", "Dag2023": "dag2023",
    "Flavell2023": "flavell2023", "Leifer2023": "leifer2023", "Lin2023": "lin2023",
    "Venkatachalam2024": "venkatachalam2024",
}
VERIFIED_STUDIES = ("Dag2023",)
SMOOTHING = ("none", "reference")
NORMALIZATION = ("zscore", "none")
IMPUTATION = ("none", "linear")
DT_RANGE = (1e-3, 60.0)


def parameters(*, source: str | list[str] | tuple[str, ...] = "Dag2023", dt: float = 1 / 3,
               smoothing: str = "none", normalize: str = "zscore", impute: str = "none",
               min_timesteps: int = 600, require_labels: bool = True, allow_unverified: bool = False) -> dict[str, Any]:
    """Validated ingest parameters (all part of the output's fingerprint)."""
    names = [source] if isinstance(source, str) else list(source)
    names = [part.strip() for name in names for part in name.split(",") if part.strip()]
    if not names:  # `--source ,,,` must not publish an empty dataset
        raise InvalidArgumentError(f"source {source!r} names no study; expected a name, a comma list or 'all' "
                                   f"(valid: {', '.join(STUDY_MODULES)}).")
    if names == ["all"]:
        names = list(STUDY_MODULES)
    for name in names:
        if name not in STUDY_MODULES:
            raise InvalidArgumentError(unknown_value(name, "source", [*STUDY_MODULES, "all"]))
    try:
        dt = float(dt)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"dt must be a positive number of seconds, got {dt!r}.") from None
    if not DT_RANGE[0] <= dt <= DT_RANGE[1]:  # inf and nan fail too; 1e-9 would ask for a 10^9-step grid
        raise InvalidArgumentError(f"dt must be a positive time step of {DT_RANGE[0]} to {DT_RANGE[1]} seconds "
                                   f"(recordings are sampled at 0.1-1 s), got {dt!r}.")
    for value, name, valid in ((smoothing, "smoothing", SMOOTHING), (normalize, "normalize", NORMALIZATION),
                               (impute, "impute", IMPUTATION)):
        if value not in valid:
            raise InvalidArgumentError(unknown_value(value, name, valid))
    if int(min_timesteps) < 2:
        raise InvalidArgumentError(f"min_timesteps must be at least 2, got {min_timesteps!r}.")
    return {"source": sorted(dict.fromkeys(names), key=list(STUDY_MODULES).index), "dt": dt, "smoothing": smoothing,
            "normalize": normalize, "impute": impute, "min_timesteps": int(min_timesteps),
            "require_labels": bool(require_labels), "allow_unverified": bool(allow_unverified)}


# --------------------------------------------------------------------------------------------- labels

_PLACEHOLDER = re.compile(r"^[^A-Za-z0-9]*$")
_NUMERIC = re.compile(r"^\d+(\.\d+)?$")


def resolve_label(raw: Any) -> tuple[str | None, str, list[str]]:
    """(canonical label or None, status, canonical candidates) for one published label."""
    if raw is None:
        return None, "unlabelled", []
    if isinstance(raw, (list, tuple)):
        texts = [str(c).strip() for c in raw if c is not None and not _PLACEHOLDER.match(str(c).strip())]
        if not texts:
            return None, "unlabelled", []
        resolved = [resolve_label(text) for text in dict.fromkeys(texts)]
        labels = {label for label, status, _ in resolved if status == "labelled"}
        if len(resolved) == 1:
            return resolved[0]
        candidates = sorted({c for label, status, cands in resolved for c in ([label] if label else cands)},
                            key=LABEL_INDEX.__getitem__)
        if len(labels) == 1 and all(status == "labelled" for _, status, _ in resolved):
            return labels.pop(), "labelled", []
        return None, "ambiguous", candidates
    text = str(raw).strip()
    if _PLACEHOLDER.match(text) or _NUMERIC.match(text):
        return None, "unlabelled", []
    if "?" in text:
        pattern = re.compile("^" + re.escape(text).replace(r"\?", "[A-Z0-9]{0,2}") + "$")
        candidates = [label for label in CANONICAL_LABELS if pattern.match(label)]
        return None, "ambiguous", candidates
    mapped = map_label(text)
    if mapped.kind == "neuron":
        return mapped.label, "labelled", []
    sided = [label for label in (text + "L", text + "R") if label in LABEL_INDEX]
    if sided:
        return None, "ambiguous", sided
    return None, "unmapped", []


# ------------------------------------------------------------------------------------------ resampling

def causal_moving_mean(values: np.ndarray, window: int = 8) -> np.ndarray:
    """The reference's smoothing: mean of the last ``window`` samples (fewer at the start), NaN-aware."""
    finite = np.isfinite(values)
    filled = np.where(finite, values, 0.0)
    csum = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(filled, axis=0)])
    ccount = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(finite, axis=0)])
    end = np.arange(1, values.shape[0] + 1)
    start = np.maximum(end - window, 0)
    count = ccount[end] - ccount[start]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (csum[end] - csum[start]) / count, np.nan)


def resample(time: np.ndarray, values: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Values (T, N) sampled at ``time`` (s, from 0, increasing) onto ``arange(0, time[-1], dt)``.

    Upsampling (median source step >= dt): linear interpolation between the two neighbouring
    samples. Downsampling: the mean of the piecewise-linear signal over the window
    [g - dt/2, g + dt/2] (clipped to the recording) -- an anti-aliasing box filter that, unlike a
    plain mean of the samples that fall in the window, is not biased by irregular sample times.
    A value whose interpolation or window touches a missing sample is missing. Never extrapolates.
    """
    grid = np.arange(0.0, time[-1] + dt * 1e-9, dt)
    step = np.diff(time)
    left = np.clip(np.searchsorted(time, grid, side="right") - 1, 0, len(time) - 2)
    weight = ((grid - time[left]) / step[left])[:, None]
    lower, upper = values[left], values[left + 1]
    with np.errstate(invalid="ignore"):
        interpolated = np.where(weight == 0, lower, np.where(weight == 1, upper, lower * (1 - weight) + upper * weight))
    if np.median(step) >= dt:
        return grid, interpolated
    segment = (values[:-1] + values[1:]) / 2 * step[:, None]  # integral of each linear piece
    bad = ~np.isfinite(segment)
    cumulative = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(np.where(bad, 0.0, segment), axis=0)])
    bad_count = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(bad, axis=0)])

    def integral_to(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        piece = np.clip(np.searchsorted(time, x, side="right") - 1, 0, len(time) - 2)
        u = (x - time[piece])[:, None]
        slope = (values[piece + 1] - values[piece]) / step[piece][:, None]
        with np.errstate(invalid="ignore"):
            partial = values[piece] * u + slope * u * u / 2
        return cumulative[piece] + partial, bad_count[piece], piece

    # a centred window, narrowed at the recording's ends so that it stays centred (unbiased)
    half = np.minimum(dt / 2, np.minimum(grid, time[-1] - grid))
    start, end = grid - half, grid + half
    upper_integral, upper_bad, _ = integral_to(end)
    lower_integral, lower_bad, _ = integral_to(start)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (upper_integral - lower_integral) / (end - start)[:, None]
    out[(upper_bad - lower_bad) > 0] = np.nan
    point = half < dt * 1e-6  # the first and last grid points: no window left, interpolate
    out[point] = interpolated[point]
    return grid, out


def _impute_linear(values: np.ndarray) -> np.ndarray:
    out = values.copy()
    index = np.arange(values.shape[0])
    for column in range(values.shape[1]):
        finite = np.isfinite(values[:, column])
        if 2 <= finite.sum() < len(finite):
            inside = (index >= index[finite][0]) & (index <= index[finite][-1]) & ~finite
            out[inside, column] = np.interp(index[inside], index[finite], values[finite, column])
    return out


# ------------------------------------------------------------------------------------------- homogenize

def homogenize(recordings: list[RawRecording], params: Mapping[str, Any]) -> dict[str, Any]:
    """Raw recordings -> tables, dense arrays and per-study stats (pure; no I/O)."""
    recording_rows, neuron_rows, skipped_rows, arrays = [], [], [], []
    for raw in recordings:
        t, n = raw.traces.shape
        # NaN marks a missing sample; an infinity is a broken file, and resampling would spread it
        where = f"{raw.study}/{raw.file} (worm {raw.worm})"
        require_values({"traces": raw.traces}, where, finite=["traces"], allow_nan=["traces"])
        if raw.time is not None:
            require_values({"time": raw.time}, where, finite=["time"])
        elif not 0 < float(raw.frame_interval) < float("inf"):
            raise InvalidValueError(f"{where}: frame interval {raw.frame_interval!r} s; expected a positive, finite "
                                    "number of seconds.")
        time = raw.time - raw.time[0] if raw.time is not None else np.arange(t) * raw.frame_interval
        reason = None
        if t < params["min_timesteps"]:
            reason = f"too short: {t} samples < min_timesteps {params['min_timesteps']}"
        elif not np.all(np.diff(time) > 0):
            reason = "time vector not strictly increasing"
        resolved = [resolve_label(label) for label in raw.labels]
        counts = Counter(label for label, status, _ in resolved if status == "labelled")
        resolved = [(None, "duplicate", [label]) if status == "labelled" and counts[label] > 1 else (label, status, c)
                    for label, status, c in resolved]
        labelled = sum(status == "labelled" for _, status, _ in resolved)
        if reason is None and params["require_labels"] and labelled == 0:
            reason = "no labelled neuron"
        if reason is not None:
            skipped_rows.append({"study": raw.study, "worm": raw.worm, "file": raw.file, "reason": reason})
            continue
        values = raw.traces
        if params["smoothing"] == "reference":
            values = causal_moving_mean(values, 8)
        grid, processed = resample(time, values, params["dt"])
        observed = np.isfinite(processed)
        any_observed = observed.any(axis=0)
        safe = np.where(observed, processed, 0.0)
        counts = np.maximum(observed.sum(axis=0), 1)
        means = np.where(any_observed, safe.sum(axis=0) / counts, np.nan)  # over observed samples only
        stds = np.where(any_observed, np.sqrt((np.where(observed, processed - means, 0.0) ** 2).sum(axis=0) / counts), np.nan)
        if params["impute"] == "linear":
            processed = _impute_linear(processed)
        if params["normalize"] == "zscore":
            scale = np.where(np.isfinite(stds) & (stds > 0), stds, 1.0)
            processed = (processed - np.nan_to_num(means)) / scale
        index = len(recording_rows)
        recording_rows.append({
            "recording": index, "study": raw.study, "worm": raw.worm, "file": raw.file, "condition": raw.condition,
            "timesteps": t, "median_dt": float(np.median(np.diff(time))), "duration": float(time[-1]),
            "neurons_recorded": n, "neurons_labelled": labelled, "grid_timesteps": len(grid),
        })
        for j, (label, status, candidates) in enumerate(resolved):
            raw_label = raw.labels[j]
            neuron_rows.append({
                "recording": index, "study": raw.study, "worm": raw.worm, "local_id": j,
                "raw_label": None if raw_label is None else raw_label if isinstance(raw_label, str) else json.dumps(raw_label, default=str),
                "label": label, "canonical_index": LABEL_INDEX[label] if label else None, "label_status": status,
                "candidates": candidates, "mean": float(means[j]), "std": float(stds[j]),
                "all_nan": bool(not np.isfinite(raw.traces[:, j]).any()),
                "missing_fraction": float(1 - observed[:, j].mean()),
            })
        arrays.append({"raw_traces": raw.traces, "raw_time": time, "traces": processed.astype("float32"),
                       "time": grid, "mask": observed})
    recordings_table = pd.DataFrame(recording_rows, columns=list(_RECORDING_COLUMNS))
    neurons_table = pd.DataFrame(neuron_rows, columns=list(_NEURON_COLUMNS))
    neurons_table["canonical_index"] = neurons_table["canonical_index"].astype("Int32")
    for column in ("recording", "timesteps", "neurons_recorded", "neurons_labelled", "grid_timesteps"):
        recordings_table[column] = recordings_table[column].astype("int32")
    for column in ("recording", "local_id"):
        neurons_table[column] = neurons_table[column].astype("int32")
    skipped_table = pd.DataFrame(skipped_rows, columns=["study", "worm", "file", "reason"])
    return {"recordings": recordings_table, "neurons": neurons_table, "skipped": skipped_table, "arrays": arrays,
            "stats": _stats(recordings_table, neurons_table, skipped_table)}


_RECORDING_COLUMNS = ("recording", "study", "worm", "file", "condition", "timesteps", "median_dt", "duration",
                      "neurons_recorded", "neurons_labelled", "grid_timesteps")
_NEURON_COLUMNS = ("recording", "study", "worm", "local_id", "raw_label", "label", "canonical_index", "label_status",
                   "candidates", "mean", "std", "all_nan", "missing_fraction")


def _stats(recordings: pd.DataFrame, neurons: pd.DataFrame, skipped: pd.DataFrame) -> dict[str, Any]:
    stats = {}
    for study in dict.fromkeys([*recordings["study"], *skipped["study"]]):
        kept = recordings[recordings["study"] == study]
        dropped = skipped[skipped["study"] == study]
        cells = neurons[neurons["study"] == study]
        stats[study] = {
            "recordings": int(len(kept)),
            "skipped": int(len(dropped)),
            "skip_reasons": {str(k): int(v) for k, v in Counter(r.split(":")[0] for r in dropped["reason"]).items()},
            "per_recording": [
                {"worm": row.worm, "timesteps": int(row.timesteps), "median_dt": round(float(row.median_dt), 6),
                 "labelled_neurons": int(row.neurons_labelled), "recorded_neurons": int(row.neurons_recorded)}
                for row in kept.itertuples()
            ],
            "label_status": {str(k): int(v) for k, v in cells["label_status"].value_counts().sort_index().items()},
            "all_nan_neurons": int(cells["all_nan"].sum()),
            "distinct_labels": int(cells["label"].nunique()),
        }
    return stats


def _write_arrays(arrays: list[dict[str, np.ndarray]]):
    def fill(handle: Any) -> None:
        group = handle.create_group("recordings", track_order=True)
        for index, arrays_of_one in enumerate(arrays):
            sub = group.create_group(str(index))
            for name, array in arrays_of_one.items():
                # track_times=False: no timestamps in the file, so identical inputs give identical bytes
                sub.create_dataset(name, data=array, track_times=False,
                                   **({"compression": "gzip", "compression_opts": 1, "shuffle": True}
                                      if array.ndim == 2 else {}))

    def writer(path: Path) -> None:
        write_small(path, fill, track_order=True)  # a full disk raises ENOSPC instead of crashing h5py
    return writer


# ------------------------------------------------------------------------------------------- sources

def _study_folder(path: Path, name: str) -> Path:
    """The study folder that holds ``path``, registered as ``<Study>/<relative>`` (the mirror may
    name the folder differently, e.g. ``celegans/dag2023``)."""
    inside = Path(*Path(name).parts[1:])
    return path.parents[len(inside.parts) - 1]


def unverified_inputs(raw_dir: Any, params: Mapping[str, Any]) -> dict[str, tuple[Path, str]]:
    """Files of requested studies that have no registered SHA-256, hashed now.

    Raises :class:`UnverifiedSourceError` unless ``allow_unverified``; a study folder that is
    absent is reported as missing by :func:`build` (an error if it was the only one asked for).
    """
    root = get_raw_dir(raw_dir)
    found: dict[str, tuple[Path, str]] = {}
    for study in params["source"]:
        if study in VERIFIED_STUDIES or root is None or not (root / study).is_dir():
            continue
        files = sorted(p for p in (root / study).rglob("*") if p.is_file() and not p.name.startswith("."))
        if not params["allow_unverified"]:
            raise UnverifiedSourceError(
                f"{study} has no registered SHA-256 (its format was checked against a fixture only). "
                "Pass --allow-unverified (allow_unverified=True) to ingest it; the manifest records the "
                "hashes computed now."
            )
        for path in files:
            found[f"{study}/{path.relative_to(root / study)}"] = (path, sha256_of(path))
    return found


def build(inputs: Mapping[str, Path], missing: Mapping[str, str], params: Mapping[str, Any]):
    recordings: list[RawRecording] = []
    missing_studies: dict[str, str] = {}
    for study in params["source"]:
        names = [name for name in inputs if name.split("/", 1)[0] == study]
        if not names:
            missing_studies[study] = (
                f"no files of {study} found: put the study folder at <raw-dir>/{study}/"
                + (" (or the shared/data mirror)" if study in VERIFIED_STUDIES else
                   " and pass --allow-unverified")
            )
            continue
        module = importlib.import_module(f"{__name__}.{STUDY_MODULES[study]}")
        folder = _study_folder(inputs[names[0]], names[0])
        if study == "Dag2023":
            files = [inputs[name] for name in names if name.endswith(".h5")]
            recordings.extend(module.read(folder, files=files))
        else:
            recordings.extend(module.read(folder))
    if not recordings and missing_studies:
        raise SourceUnavailableError("No activity source could be read: " + "; ".join(missing_studies.values()))
    result = homogenize(recordings, params)
    outputs = {
        "recordings.parquet": result["recordings"],
        "neurons.parquet": result["neurons"],
        "skipped.parquet": result["skipped"],
        "activity.h5": _write_arrays(result["arrays"]),
    }
    notes = {f"{r.study}/{r.worm}": r.notes for r in recordings if r.notes}
    return outputs, {"sources": list(params["source"]), "missing_studies": missing_studies,
                     "skipped": dict(missing_studies),
                     "stats": result["stats"], "reader_notes": notes}


def skipped_parts(missing: Mapping[str, str], params: Mapping[str, Any]) -> dict[str, str]:
    """Registered files of requested studies that were not found (each a recording the output would lack)."""
    return {name: reason for name, reason in missing.items() if name.split("/", 1)[0] in params["source"]}
