"""Data of ``celegans-activity-forecast``: windows of each recording's native frames on the stored split,
and the example ids a leaderboard submission names (the submission hook)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuropil.benchmarks.tasks.celegans_forecast.metrics import HORIZONS

@dataclass
class Windows:
    """All windows of a set of recordings: inputs (W, L, N), input mask, targets (W, H, N), mask."""

    x: np.ndarray
    x_mask: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    recording: np.ndarray
    #: frame of each window's first input (with ``recording``, names the window in submissions)
    start: np.ndarray | None = None

    @property
    def last(self) -> np.ndarray:
        return self.x[:, -1, :]

    def subset(self, index: np.ndarray) -> "Windows":
        return Windows(self.x[index], self.x_mask[index], self.y[index], self.mask[index], self.recording[index],
                       None if self.start is None else self.start[index])

    def subset_neurons(self, columns: np.ndarray) -> "Windows":
        return Windows(self.x[:, :, columns], self.x_mask[:, :, columns], self.y[:, :, columns],
                       self.mask[:, :, columns], self.recording, self.start)


def make_windows(arrays: list[tuple[int, np.ndarray, np.ndarray]], *, history: int, stride: int = 1) -> Windows:
    """``arrays``: (recording id, values (T, N) with NaN, mask (T, N)). NaN -> 0 in the inputs."""
    span = history + max(HORIZONS)
    xs, xms, ys, ms, rs, ss = [], [], [], [], [], []
    offsets = np.array(HORIZONS) - 1
    for recording, values, observed in arrays:
        filled = np.nan_to_num(values, nan=0.0).astype("float32")
        starts = np.arange(0, values.shape[0] - span + 1, stride)
        if starts.size == 0:
            continue
        index = starts[:, None] + np.arange(history)[None, :]
        target = starts[:, None] + history + offsets[None, :]
        xs.append(filled[index])
        xms.append(observed[index])
        ys.append(filled[target])
        # scored where the target and the last input are both observed
        ms.append(observed[target] & observed[starts + history - 1][:, None, :])
        rs.append(np.full(starts.size, recording))
        ss.append(starts)
    return Windows(np.concatenate(xs), np.concatenate(xms), np.concatenate(ys), np.concatenate(ms), np.concatenate(rs),
                   np.concatenate(ss))


def fit_scaling(arrays: list[np.ndarray], masks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per-neuron (mean, std) of the training recordings' observed frames, (N,) each; a neuron never
    observed (or constant) in training gets the statistics pooled over every training neuron. Fitted
    on training worms only: no valid or test sample enters the scaling."""
    values = np.concatenate(arrays).astype("float64")
    observed = np.concatenate(masks)
    safe = np.where(observed, values, 0.0)
    count = observed.sum(axis=0)
    pooled_mean = safe.sum() / max(observed.sum(), 1)
    pooled_std = float(np.sqrt((np.where(observed, values - pooled_mean, 0.0) ** 2).sum() / max(observed.sum(), 1)))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = safe.sum(axis=0) / count
        std = np.sqrt((np.where(observed, values - mean, 0.0) ** 2).sum(axis=0) / count)
    usable = (count > 1) & np.isfinite(std) & (std > 0)
    return (np.where(usable, mean, pooled_mean).astype("float32"),
            np.where(usable, std, pooled_std if pooled_std > 0 else 1.0).astype("float32"))


#: windows overlap heavily at stride 1: train on every 2nd, select on every 2nd, test on every 2nd
#: (quick: 8th / 8th / 4th); the same windows for every model
STRIDES = {False: {"train": 2, "valid": 2, "test": 2}, True: {"train": 8, "valid": 8, "test": 4}}


def prepare(*, home: str | os.PathLike[str] | None, split: dict[str, list[str]], config: dict[str, Any],
            quick: bool = False) -> dict[str, Any]:
    """Windows for train / valid / test from the loaders (never from files directly).

    Each recording's own frames as published (no resampling: no input depends on a later frame),
    scaled per neuron by :func:`fit_scaling` of the training worms."""
    import neuropil
    from neuropil.loaders.celegans_activity import canonical_frames, worm_key

    recordings = neuropil.load("celegans-activity", table="recordings", source=config.get("source", "all"),
                               format="pandas", home=home)
    by_worm = {worm_key(r.study, r.worm): int(r.recording) for r in recordings.itertuples()}
    history = int(config.get("history", 30))
    frames = {name: [(by_worm[w], *canonical_frames(by_worm[w], home=home)[1:]) for w in split[name]]
              for name in ("train", "valid", "test")}
    mean, std = fit_scaling([values for _, values, _ in frames["train"]],
                            [observed for _, _, observed in frames["train"]])
    sets = {}
    for name, arrays in frames.items():
        scaled = [(recording, (values - mean) / std, observed) for recording, values, observed in arrays]
        sets[name] = make_windows(scaled, history=history, stride=STRIDES[bool(quick)][name])
    return sets


def eval_input(w: Windows, prediction: np.ndarray) -> dict[str, np.ndarray]:
    """The Evaluator's input; ``recording`` and ``start`` give per-worm skills and the blocked bootstrap."""
    return {"y_true": w.y, "y_pred": prediction, "mask": w.mask, "last_input": w.last, "recording": w.recording,
            "start": w.start}


# ------------------------------------------------------------------------------ leaderboard submissions
# The submission hook (see ``neuropil.benchmarks``): one predictions row per scored target entry.

#: an example: worm recording, frame of the window's first input, horizon in steps, canonical neuron index
ID_COLUMNS = ("recording", "start", "horizon", "neuron")
PREDICTION_COLUMNS = ("y_pred",)


def load_sets(*, home: str | os.PathLike[str] | None, config: dict[str, Any], quick: bool = False
              ) -> tuple[dict[str, Windows], str]:
    """The stored split and its windows: what the runner trains on and what a submission is scored on."""
    import neuropil
    from neuropil.benchmarks.registry import get_task
    from neuropil.benchmarks.splits import load_or_make_split

    recordings = neuropil.load("celegans-activity", table="recordings", source=config.get("source", "all"),
                               format="pandas", home=home)
    split, split_sha256 = load_or_make_split(get_task("celegans-activity-forecast"),
                                             list(zip(recordings["study"], recordings["worm"])), home=home)
    return prepare(home=home, split=split, config=config, quick=quick), split_sha256


def example_ids(sets: dict[str, Windows], part: str) -> Any:
    """``ID_COLUMNS`` of every scored entry of ``part``, in (window, horizon, neuron) order."""
    import pandas as pd

    w = sets[part]
    window, horizon, neuron = np.nonzero(w.mask)
    return pd.DataFrame({"recording": w.recording[window].astype("int16"), "start": w.start[window].astype("int32"),
                         "horizon": np.asarray(HORIZONS, dtype="int8")[horizon], "neuron": neuron.astype("int16")})


def predictions_table(sets: dict[str, Windows], part: str, output: np.ndarray) -> Any:
    """A model's (W, H, N) output -> ``example_ids`` + ``y_pred`` in the output's own float type, so that
    re-scoring the table repeats the runner's arithmetic bit for bit."""
    output = np.asarray(output)
    table = example_ids(sets, part)
    table["y_pred"] = output.astype(output.dtype if output.dtype in (np.float32, np.float64) else np.float64)[
        sets[part].mask]
    return table


def eval_input_from_predictions(sets: dict[str, Windows], part: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """``values`` (rows in ``example_ids`` order, ``PREDICTION_COLUMNS``) -> the Evaluator's input."""
    w = sets[part]
    prediction = np.zeros(w.y.shape, dtype=values.dtype)  # unscored entries are never read
    prediction[w.mask] = values[:, 0]
    return eval_input(w, prediction)
