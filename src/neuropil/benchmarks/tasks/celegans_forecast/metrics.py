"""Scores of ``celegans-activity-forecast``: masked MSE per horizon and skill against persistence."""

from __future__ import annotations

import numpy as np

from neuropil.errors import InvalidArgumentError

HORIZONS = (1, 3, 10)
EXPECTED_INPUT_FORMAT = (
    "==== Expected input format of Evaluator('celegans-activity-forecast')\n"
    "{'y_true': (W, H, N) float, 'y_pred': (W, H, N) float, 'mask': (W, H, N) bool,\n"
    " 'last_input': (W, N) float}\n"
    f"W windows, H = {len(HORIZONS)} horizons {HORIZONS} (steps of 1/3 s), N neurons. mask marks the\n"
    "entries that count (target observed and last input observed); y_pred must be finite there.\n"
    "numpy arrays or torch tensors."
)


def evaluate(arrays: dict[str, np.ndarray]) -> dict[str, float]:
    required = ("y_true", "y_pred", "mask", "last_input")
    missing = [k for k in required if k not in arrays]
    if missing:
        raise InvalidArgumentError(f"Evaluator input lacks {missing}.\n{EXPECTED_INPUT_FORMAT}")
    y_true, y_pred, mask, last = (arrays[k] for k in required)
    if y_true.ndim != 3 or y_true.shape[1] != len(HORIZONS):
        raise InvalidArgumentError(f"y_true must be (W, {len(HORIZONS)}, N), got {y_true.shape}.\n{EXPECTED_INPUT_FORMAT}")
    for name, value in (("y_pred", y_pred), ("mask", mask)):
        if value.shape != y_true.shape:
            raise InvalidArgumentError(f"{name} has shape {value.shape}, y_true {y_true.shape}; they must match.")
    if last.shape != (y_true.shape[0], y_true.shape[2]):
        raise InvalidArgumentError(f"last_input must be (W, N) = {(y_true.shape[0], y_true.shape[2])}, got {last.shape}.")
    if mask.dtype != bool:
        raise InvalidArgumentError(f"mask must be boolean, got dtype {mask.dtype}.")
    if not np.isfinite(y_pred[mask]).all():
        raise InvalidArgumentError("y_pred has NaN or inf where mask is True.")
    if mask.sum() == 0:
        raise InvalidArgumentError("mask selects no entry: nothing to score.")
    result: dict[str, float] = {}
    skills = []
    for index, horizon in enumerate(HORIZONS):
        selected = mask[:, index, :]
        truth = y_true[:, index, :][selected]
        mse = float(np.mean((y_pred[:, index, :][selected] - truth) ** 2))
        persistence = float(np.mean((last[selected] - truth) ** 2))
        skill = 1.0 - mse / persistence if persistence > 0 else float("nan")
        result[f"mse_h{horizon}"] = mse
        result[f"persistence_mse_h{horizon}"] = persistence
        result[f"skill_h{horizon}"] = skill
        skills.append(skill)
    result["skill_mean"] = float(np.mean(skills))
    return result
