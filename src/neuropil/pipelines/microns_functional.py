"""Functional matrices from spike times: binned Pearson correlation and the spike time tiling
coefficient (STTC, Cutts & Eglen 2014, J Neurosci 34:14288-14303).

Defaults reproduce the matrices published with the MICrONS imaging fields (checked on the four
fields with spikes, see ``neuropil info microns-fields``):

==================  ==========================================================================
Pearson             spike counts in bins ``[t_start + k bin_s, t_start + (k + 1) bin_s)`` for
                    k = 0 .. round((t_stop - t_start) / bin_s) - 1, ``bin_s`` = 0.2 s, ``t_start``
                    = 0, ``t_stop`` = the last spike of the field (a spike past the last whole bin
                    is not counted); Pearson r of every pair of count vectors (``np.corrcoef``).
                    A train with constant counts (e.g. no spike) gives NaN for its row.
STTC                ``dt`` = 0.1 s, recording ``[t_start, t_stop]`` = [0, last spike of the field
                    + dt]. ``T_A``: fraction of the recording within +-dt of a spike of A (merged,
                    clipped to the recording); ``P_A``: fraction of A's spikes within +-dt
                    (inclusive) of a spike of B. STTC = 1/2 [(P_A - T_B)/(1 - P_A T_B) +
                    (P_B - T_A)/(1 - P_B T_A)]. A term whose denominator is 0 (P = T = 1) is 1;
                    an empty train gives NaN. Symmetric by construction; diagonal 1.
==================  ==========================================================================

Spike trains are sequences of sorted spike times in seconds (one array per neuron).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from neuropil.errors import InvalidArgumentError

PEARSON_BIN_S = 0.2
STTC_DT_S = 0.1


def _trains(spikes: Sequence[np.ndarray]) -> list[np.ndarray]:
    trains = [np.asarray(train, dtype=np.float64) for train in spikes]
    for index, train in enumerate(trains):
        if train.ndim != 1:
            raise InvalidArgumentError(f"spike train {index} must be 1-D spike times, got shape {train.shape}.")
        if train.size > 1 and np.any(np.diff(train) < 0):
            raise InvalidArgumentError(f"spike train {index} is not sorted in time.")
    return trains


def _last_spike(trains: list[np.ndarray]) -> float:
    ends = [train[-1] for train in trains if train.size]
    if not ends:
        raise InvalidArgumentError("every spike train is empty: give t_stop.")
    return float(max(ends))


def binned_counts(spikes: Sequence[np.ndarray], *, bin_s: float = PEARSON_BIN_S, t_start: float = 0.0,
                  t_stop: float | None = None) -> np.ndarray:
    """(N, B) spike counts in bins of ``bin_s`` seconds from ``t_start`` to ``t_stop`` (last spike)."""
    if bin_s <= 0:
        raise InvalidArgumentError(f"bin_s must be positive seconds, got {bin_s!r}.")
    trains = _trains(spikes)
    stop = _last_spike(trains) if t_stop is None else float(t_stop)
    n_bins = int(round((stop - t_start) / bin_s))
    if n_bins < 1:
        raise InvalidArgumentError(f"[t_start, t_stop] = [{t_start}, {stop}] holds no whole bin of {bin_s} s.")
    counts = np.zeros((len(trains), n_bins))
    for row, train in enumerate(trains):
        index = np.floor((train - t_start) / bin_s).astype(np.int64)
        index = index[(index >= 0) & (index < n_bins)]
        counts[row] = np.bincount(index, minlength=n_bins)
    return counts


def binned_pearson(spikes: Sequence[np.ndarray], *, bin_s: float = PEARSON_BIN_S, t_start: float = 0.0,
                   t_stop: float | None = None) -> np.ndarray:
    """(N, N) Pearson correlation of binned spike counts (module docstring for the parameters)."""
    counts = binned_counts(spikes, bin_s=bin_s, t_start=t_start, t_stop=t_stop)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.corrcoef(counts)


def tiled_fraction(train: np.ndarray, dt: float, t_start: float, t_stop: float) -> float:
    """T: fraction of [t_start, t_stop] lying within +-dt of a spike of ``train``."""
    if train.size == 0:
        return 0.0
    low = np.maximum(train - dt, t_start)
    high = np.minimum(train + dt, t_stop)
    # spikes are sorted, so the windows' ends never decrease: each adds what lies past the previous end
    covered = high[0] - low[0] + np.sum(np.maximum(0.0, high[1:] - np.maximum(low[1:], high[:-1])))
    return float(covered / (t_stop - t_start))


def proportion_within(a: np.ndarray, b: np.ndarray, dt: float) -> float:
    """P: fraction of spikes of ``a`` within +-dt (inclusive) of some spike of ``b``."""
    if a.size == 0:
        return float("nan")
    if b.size == 0:
        return 0.0
    right = np.searchsorted(b, a)
    after = np.abs(b[np.minimum(right, b.size - 1)] - a)
    before = np.abs(a - b[np.maximum(right - 1, 0)])
    return float(np.mean(np.minimum(after, before) <= dt))


def _term(p: float, t: float) -> float:
    denominator = 1.0 - p * t
    if denominator == 0.0:  # P = T = 1: both trains tile everything; perfect agreement
        return 1.0
    return (p - t) / denominator


def sttc(a: np.ndarray, b: np.ndarray, *, dt: float = STTC_DT_S, t_start: float = 0.0, t_stop: float) -> float:
    """STTC of two sorted spike trains (seconds) over the recording [t_start, t_stop]."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        return float("nan")
    t_a = tiled_fraction(a, dt, t_start, t_stop)
    t_b = tiled_fraction(b, dt, t_start, t_stop)
    return 0.5 * (_term(proportion_within(a, b, dt), t_b) + _term(proportion_within(b, a, dt), t_a))


def sttc_matrix(spikes: Sequence[np.ndarray], *, dt: float = STTC_DT_S, t_start: float = 0.0,
                t_stop: float | None = None) -> np.ndarray:
    """(N, N) symmetric STTC; ``t_stop`` defaults to the last spike of all trains + ``dt``."""
    if dt <= 0:
        raise InvalidArgumentError(f"dt must be positive seconds, got {dt!r}.")
    trains = _trains(spikes)
    stop = _last_spike(trains) + dt if t_stop is None else float(t_stop)
    if stop <= t_start:
        raise InvalidArgumentError(f"t_stop ({stop}) must be after t_start ({t_start}).")
    n = len(trains)
    tiled = np.array([tiled_fraction(train, dt, t_start, stop) for train in trains])
    proportion = proportions_within(trains, dt)
    result = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(i, n):
            if trains[i].size and trains[j].size:
                result[i, j] = result[j, i] = 0.5 * (_term(proportion[i, j], tiled[j]) + _term(proportion[j, i], tiled[i]))
    return result


def proportions_within(trains: Sequence[np.ndarray], dt: float) -> np.ndarray:
    """(N, N) matrix P with P[i, j] = fraction of spikes of i within +-dt of a spike of j (one
    vectorized search of every spike into each train, instead of one search per pair)."""
    trains = [np.asarray(train, dtype=np.float64) for train in trains]
    lengths = np.array([train.size for train in trains])
    every = np.concatenate(trains) if lengths.sum() else np.zeros(0)
    owner = np.repeat(np.arange(len(trains)), lengths)
    result = np.full((len(trains), len(trains)), np.nan)
    for j, target in enumerate(trains):
        if target.size == 0:
            result[lengths > 0, j] = 0.0
            continue
        right = np.searchsorted(target, every)
        after = np.abs(target[np.minimum(right, target.size - 1)] - every)
        before = np.abs(every - target[np.maximum(right - 1, 0)])
        near = np.bincount(owner, weights=np.minimum(after, before) <= dt, minlength=len(trains))
        with np.errstate(invalid="ignore", divide="ignore"):
            result[:, j] = near / lengths
    return result


def symmetrize_lower(matrix: np.ndarray) -> np.ndarray:
    """Copy the strict lower triangle onto the upper one (the published STTC stores only the lower,
    and the reference code does exactly this before use)."""
    result = np.array(matrix, dtype=np.float64, copy=True)
    lower = np.tril_indices(result.shape[0], -1)
    result[lower[1], lower[0]] = result[lower]
    return result
