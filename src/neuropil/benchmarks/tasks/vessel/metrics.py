"""vessel-link's metrics in OGB's conventions, and the bootstrap interval over test edges.

* ``rocauc``: OGB's ``ogbl-vessel`` metric (Mann-Whitney, ties averaged);
* ``hits@K`` (K = 20, 50, 100): the fraction of positives scored strictly above the K-th highest
  negative, as OGB's ``ogbl-ddi`` / ``ogbl-collab`` / ``ogbl-ppa`` evaluators (1.0 when there are fewer
  than K negatives);
* ``mrr``: each positive ranked against every negative of the split, rank = 1 + (optimistic +
  pessimistic count of negatives at or above it) / 2, as OGB's ``ogbl-citation2`` evaluator does with
  its per-positive negatives (here the negatives are shared, so the ranks come from one sorted array).

The bootstrap resamples the positives and the negatives independently (each with replacement, its own
size) and reports the 2.5 / 97.5 percentiles of the metric: the sampling error of a test set of this
size, which on the sample (304 test positives) exceeds the spread over training seeds.
"""

from __future__ import annotations

import numpy as np

from neuropil._util import roc_auc

HITS_K = (20, 50, 100)
METRICS = ("rocauc", *(f"hits@{k}" for k in HITS_K), "mrr")


def hits_at(positive: np.ndarray, negative: np.ndarray, k: int) -> float:
    if negative.size < k:
        return 1.0
    kth = np.partition(negative, negative.size - k)[negative.size - k]
    return float(np.mean(positive > kth))


def mean_reciprocal_rank(positive: np.ndarray, negative: np.ndarray) -> float:
    ordered = np.sort(negative)
    above = negative.size - np.searchsorted(ordered, positive, side="right")  # strictly higher negatives
    at_or_above = negative.size - np.searchsorted(ordered, positive, side="left")
    return float(np.mean(1.0 / (0.5 * (above + at_or_above) + 1.0)))


def link_metrics(positive: np.ndarray, negative: np.ndarray) -> dict[str, float]:
    positive, negative = positive.astype(np.float64), negative.astype(np.float64)
    out = {"rocauc": roc_auc(positive, negative)}
    out.update({f"hits@{k}": hits_at(positive, negative, k) for k in HITS_K})
    out["mrr"] = mean_reciprocal_rank(positive, negative)
    return out


def bootstrap_interval(positive: np.ndarray, negative: np.ndarray, *, resamples: int | None = None,
                       seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the ROC-AUC over test edges (positives and negatives resampled
    separately). ``resamples`` defaults to 1,000, 200 above 200,000 scored pairs (whole brains)."""
    positive, negative = np.asarray(positive, np.float64), np.asarray(negative, np.float64)
    if resamples is None:
        resamples = 1000 if positive.size + negative.size <= 200_000 else 200
    rng = np.random.default_rng(seed)
    values = np.empty(resamples)
    for index in range(resamples):
        values[index] = roc_auc(positive[rng.integers(0, positive.size, positive.size)],
                                negative[rng.integers(0, negative.size, negative.size)])
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return float(low), float(high)
