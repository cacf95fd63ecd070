"""Scores of ``celegans-activity-forecast``: masked MSE per horizon, skill against persistence,
per-worm skill and a bootstrap interval blocked by worm and time."""

from __future__ import annotations

import numpy as np

from neuropil.errors import InvalidArgumentError

HORIZONS = (1, 3, 10)
#: frames of one bootstrap block (30 s at Dag2023's 0.6 s): windows whose first inputs fall in one
#: block of one worm are resampled together, so overlapping windows never count as independent
BLOCK_FRAMES = 50
RESAMPLES = 2000
EXPECTED_INPUT_FORMAT = (
    "==== Expected input format of Evaluator('celegans-activity-forecast')\n"
    "{'y_true': (W, H, N) float, 'y_pred': (W, H, N) float, 'mask': (W, H, N) bool,\n"
    " 'last_input': (W, N) float, optional 'recording': (W,) int, 'start': (W,) int}\n"
    f"W windows, H = {len(HORIZONS)} horizons {HORIZONS} (frames of each recording), N neurons. mask marks the\n"
    "entries that count (target observed and last input observed); y_pred must be finite there.\n"
    "With recording and start (a window's worm and first frame): per-worm skills and a 95 % bootstrap\n"
    "interval over blocks of windows. numpy arrays or torch tensors."
)


def block_bootstrap(model_sq: np.ndarray, persistence_sq: np.ndarray, strata: np.ndarray, *,
                    resamples: int = RESAMPLES, seed: int = 0, level: float = 0.95) -> dict[str, np.ndarray]:
    """Percentile interval of skill = 1 - sum(model) / sum(persistence) per horizon and of their mean.

    ``model_sq``, ``persistence_sq``: (K, H) summed squared errors of K blocks; ``strata`` (K,): the
    worm of each block. Each resample draws, within every worm, as many blocks as it has, with
    replacement (the worms themselves are kept: with few test worms the interval is over time within
    them; per-worm skills show the spread between animals). Returns ``low``/``high`` (H + 1,), the
    last entry the mean over horizons.
    """
    model_sq, persistence_sq = np.asarray(model_sq, dtype=float), np.asarray(persistence_sq, dtype=float)
    if model_sq.shape != persistence_sq.shape or model_sq.ndim != 2 or len(strata) != len(model_sq):
        raise InvalidArgumentError(f"block sums must both be (K, H) with K = len(strata) = {len(strata)}, got "
                                   f"{model_sq.shape} and {persistence_sq.shape}.")
    rng = np.random.default_rng(seed)
    counts = np.zeros((resamples, len(strata)))
    for stratum in np.unique(strata):
        members = np.flatnonzero(strata == stratum)
        drawn = members[rng.integers(0, len(members), size=(resamples, len(members)))]
        np.add.at(counts, (np.repeat(np.arange(resamples), len(members)), drawn.ravel()), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        skill = 1 - (counts @ model_sq) / (counts @ persistence_sq)
    skill = np.hstack([skill, skill.mean(axis=1, keepdims=True)])
    tail = (1 - level) / 2 * 100
    return {"low": np.nanpercentile(skill, tail, axis=0), "high": np.nanpercentile(skill, 100 - tail, axis=0)}


def _skills(error: np.ndarray, persistence: np.ndarray) -> np.ndarray:
    """Skill per horizon from summed squared errors (H,) (the counts cancel: both share one mask)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(persistence > 0, 1 - error / persistence, np.nan)


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
    if "recording" in arrays and "start" in arrays:
        result.update(_by_worm_and_block(arrays, y_true, y_pred, mask, last))
    return result


def _by_worm_and_block(arrays: dict[str, np.ndarray], y_true: np.ndarray, y_pred: np.ndarray, mask: np.ndarray,
                       last: np.ndarray) -> dict[str, float]:
    """``skill_mean_recording_<id>`` per worm and ``skill_{h*,mean}_ci_{low,high}`` (blocked bootstrap)."""
    recording, start = np.asarray(arrays["recording"]), np.asarray(arrays["start"])
    for name, value in (("recording", recording), ("start", start)):
        if value.shape != (y_true.shape[0],) or not np.issubdtype(value.dtype, np.integer):
            raise InvalidArgumentError(f"{name} must be (W,) = ({y_true.shape[0]},) integers, got {value.shape} "
                                       f"{value.dtype}.")
    # (W, H) summed squared errors of the scored entries of each window
    model = np.where(mask, (y_pred - y_true) ** 2, 0.0).sum(axis=2)
    persistence = np.where(mask, (last[:, None, :] - y_true) ** 2, 0.0).sum(axis=2)
    blocks, block_of = np.unique(np.stack([recording, start // BLOCK_FRAMES], axis=1), axis=0, return_inverse=True)
    block_of = block_of.ravel()
    model_sq = np.zeros((len(blocks), len(HORIZONS)))
    persistence_sq = np.zeros_like(model_sq)
    np.add.at(model_sq, block_of, model)
    np.add.at(persistence_sq, block_of, persistence)
    result: dict[str, float] = {}
    for worm in np.unique(recording):
        mine = blocks[:, 0] == worm
        result[f"skill_mean_recording_{int(worm)}"] = float(np.nanmean(_skills(model_sq[mine].sum(0),
                                                                               persistence_sq[mine].sum(0))))
    interval = block_bootstrap(model_sq, persistence_sq, blocks[:, 0])
    for index, name in enumerate([f"skill_h{h}" for h in HORIZONS] + ["skill_mean"]):
        result[f"{name}_ci_low"] = float(interval["low"][index])
        result[f"{name}_ci_high"] = float(interval["high"][index])
    return result
