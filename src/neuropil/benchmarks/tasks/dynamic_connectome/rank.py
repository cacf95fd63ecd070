"""Stage 3: the NTF rank, chosen by masked cross-validation (held-out observed entries), then the
stability of the chosen rank measured across random initializations.

* Held-out units are blocks of ``block`` = 8 consecutive windows (80 s) of one pair in one worm,
  dealt at random (seeded) into ``n_folds`` folds; fold f is fitted on every observed entry outside
  it. Adjacent 30 s windows share 20 s of data (windows k and k + 3 share none), so a scattered
  held-out entry would be predicted from its neighbours: the ``buffer`` = 2 windows at each end of a
  block are held out but not scored. ``block=None`` holds out whole (pair, worm) fibres instead, a
  harder, cross-worm question (Dag2023, seed 0: held-out error lowest at rank 1, rising to rank 10;
  the worms are not time-locked to a stimulus, so a component's time course need not transfer).
* Score: the held-out relative error ``||H * (X - X_hat)|| / ||H * X||`` (H = the fold's observed
  entries), averaged over folds, for every candidate rank (one initialization per fold and rank;
  the folds are the same for every rank, so ranks are compared on the same entries).
* Choice: the smallest rank whose mean held-out error is within one standard error (over folds) of
  the lowest mean (the one-standard-error rule, Hastie, Tibshirani & Friedman 2009, 7.10): a larger
  rank must earn its components on held-out data. In-sample error always falls with the rank.
* Then :func:`.ntf.fit_ensemble` at the chosen rank on all observed entries: the best of
  ``n_seeds`` fits is the model; their factor match score is its stability, a *result* of the
  chosen rank (it plays no part in choosing it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuropil.benchmarks.tasks.dynamic_connectome.ntf import seed_for, cp_to_tensor, non_negative_cp
from neuropil.errors import InvalidArgumentError

FULL = {"ranks": (1, 2, 3, 4, 5, 6, 7, 8, 10), "n_folds": 5, "block": 8, "buffer": 2, "n_seeds": 10}
QUICK = {"ranks": (2, 4), "n_folds": 3, "block": 8, "buffer": 2, "n_seeds": 3}


def fibre_folds(mask: np.ndarray, n_folds: int, *, fibre_axis: int = 1, block: int | None = None,
                buffer: int = 0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(folds, scored)``. ``folds``: the fold of every entry (int array of ``mask``'s shape, -1 where
    unobserved). Units are the observed fibres along ``fibre_axis`` (those with at least one
    observed entry), or with ``block`` their runs of ``block`` consecutive entries, dealt at random
    into ``n_folds`` folds of equal size (+-1). ``scored``: the held-out entries that count in the
    score, i.e. observed and at least ``buffer`` positions from either end of their block (entries
    that share raw data with a neighbour left in training are held out but not scored)."""
    mask = np.asarray(mask, dtype=bool)
    if not 0 <= fibre_axis < mask.ndim:
        raise InvalidArgumentError(f"fibre_axis must be in [0, {mask.ndim}), got {fibre_axis}.")
    length = mask.shape[fibre_axis]
    block = length if block is None else int(block)
    if block < 1 or buffer < 0 or 2 * buffer >= block:
        raise InvalidArgumentError(f"block ({block}) must be >= 1 and exceed twice the buffer ({buffer}).")
    starts = np.arange(0, length, block)
    moved = np.moveaxis(mask, fibre_axis, -1)
    units = np.stack([moved[..., a:a + block].any(axis=-1) for a in starts], axis=-1)  # (..., blocks)
    n_units = int(units.sum())
    if n_folds < 2 or n_folds > n_units:
        raise InvalidArgumentError(f"n_folds must be in [2, {n_units}] (observed units), got {n_folds}.")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 7919]))
    fold_of_unit = -np.ones(units.shape, dtype=np.int64)
    fold_of_unit[units] = rng.permutation(n_units) % n_folds
    position = np.arange(length)
    unit_of_position = position // block
    offset = position - starts[unit_of_position]
    size = np.minimum(block, length - starts[unit_of_position])
    interior = (offset >= buffer) & (offset < size - buffer)
    folds = np.where(moved, fold_of_unit[..., unit_of_position], -1)
    scored = moved & interior
    return np.moveaxis(folds, -1, fibre_axis), np.moveaxis(scored, -1, fibre_axis)


def heldout_error(tensor: np.ndarray, cp, held: np.ndarray) -> float:
    """``||H * (X - X_hat)|| / ||H * X||`` over the held-out entries ``held``."""
    x = np.asarray(tensor, dtype=np.float64)
    residual = np.where(held, x - cp_to_tensor(*cp), 0.0)
    return float(np.linalg.norm(residual) / max(float(np.linalg.norm(np.where(held, x, 0.0))), 1e-300))


def one_standard_error(curve: list[dict[str, Any]]) -> int:
    """The smallest rank whose ``cv_error`` is <= the lowest ``cv_error`` plus the ``cv_se`` of the rank
    that has it (ties: the smaller rank)."""
    if not curve:
        raise InvalidArgumentError("the cross-validation curve is empty.")
    best = min(curve, key=lambda c: (c["cv_error"], c["rank"]))
    limit = best["cv_error"] + best["cv_se"]
    return min(c["rank"] for c in curve if c["cv_error"] <= limit)


def cross_validated_rank(tensor: np.ndarray, *, mask: np.ndarray | None = None, ranks=FULL["ranks"],
                         n_folds: int = FULL["n_folds"], fibre_axis: int = 1, block: int | None = None,
                         buffer: int = 0, seed: int = 0, **options) -> dict[str, Any]:
    """Held-out error of every candidate rank and the rank the one-standard-error rule picks.

    Folds from :func:`fibre_folds` (``fibre_axis``, ``block``, ``buffer``); ``options`` go to
    :func:`.ntf.non_negative_cp`. Returns ``{"rank", "curve": [{rank, cv_error, cv_se, fold_errors,
    train_error}, ...], ...}``; ``train_error`` is the mean in-sample relative error of the fold fits
    (for the record: it cannot choose a rank)."""
    x = np.asarray(tensor, dtype=np.float64)
    observed = np.ones(x.shape, dtype=bool) if mask is None else np.broadcast_to(np.asarray(mask, dtype=bool), x.shape)
    ranks = sorted({int(r) for r in ranks})
    if not ranks or ranks[0] < 1:
        raise InvalidArgumentError(f"ranks must be positive integers, got {ranks}.")
    folds, scored = fibre_folds(observed, n_folds, fibre_axis=fibre_axis, block=block, buffer=buffer, seed=seed)
    curve = []
    for rank in ranks:
        fold_errors, train_errors = [], []
        for f in range(n_folds):
            held = folds == f
            cp, train = non_negative_cp(x, rank, mask=observed & ~held, seed=seed_for(seed, rank, 1000 + f), **options)
            fold_errors.append(heldout_error(x, cp, held & scored))
            train_errors.append(train)
        errors = np.asarray(fold_errors)
        curve.append({"rank": rank, "cv_error": float(errors.mean()),
                      "cv_se": float(errors.std(ddof=1) / np.sqrt(n_folds)),
                      "fold_errors": [float(e) for e in errors], "train_error": float(np.mean(train_errors))})
    return {"rank": one_standard_error(curve), "curve": curve, "n_folds": n_folds, "fibre_axis": fibre_axis,
            "block": block, "buffer": buffer}
