"""Stage 5: how well pair scores predict anatomical adjacency, compared fairly.

* Labels: a pair is positive when the ``consensus`` connectome has a chemical or electrical edge
  between the two neurons (either direction, any ``n_reporting``).
* Scores, all from the same data: ``static`` (each pair's affinity averaged over its observed
  windows and worms), ``static_rank_matched`` (a masked non-negative matrix factorization of the
  pairs x worms time-averaged affinity at the NTF's rank, averaged over worms: the same number of
  components without the time mode), ``reconstruction`` (the NTF model at the chosen rank averaged
  over windows and worms), each NTF ``component``'s pair factor, and ``co_observation`` (the number
  of worms in which the pair is observed: no activity at all).
* Pair sets: ``seen`` (observed in at least one worm), ``all_worms`` (observed in every worm, so the
  co-observation count is constant), and ``stratified``: the seen pairs, comparing only positives
  and negatives with the same co-observation count (:func:`stratified_auc`), which removes what the
  count alone predicts.
* A single component is never chosen on the labels it is scored on: :func:`heldout_component_auc`
  chooses on one random half of the pairs and scores on the other, both ways round, and averages.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuropil._util import roc_auc as _mann_whitney
from neuropil.errors import InvalidArgumentError

EDGE_TYPES = ("chemical", "electrical")
SCORES = ("static", "static_rank_matched", "reconstruction", "component_heldout")
PAIR_SETS = ("seen", "all_worms", "stratified")


def roc_auc(scores, labels) -> float:
    """Area under the ROC curve: the probability that a random positive scores above a random
    negative, ties counted one half (Mann-Whitney U / (n_pos n_neg)). NaN without both classes."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels, dtype=bool).ravel()
    if y.all() or not y.any():
        return float("nan")
    return _mann_whitney(s[y], s[~y])


def stratified_auc(scores, labels, strata) -> float:
    """ROC-AUC over the positive-negative pairs that share a stratum: the per-stratum AUCs weighted
    by their number of positive-negative pairs (strata without both classes drop out). NaN when
    no stratum has both classes."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels, dtype=bool).ravel()
    g = np.asarray(strata).ravel()
    if not s.shape == y.shape == g.shape:
        raise InvalidArgumentError(f"scores, labels and strata differ in length: {s.size}, {y.size}, {g.size}.")
    total = weight = 0.0
    for value in np.unique(g):
        here = g == value
        pos, neg = int(y[here].sum()), int((~y[here]).sum())
        if pos and neg:
            total += roc_auc(s[here], y[here]) * pos * neg
            weight += pos * neg
    return total / weight if weight else float("nan")


def select_on_half(components: np.ndarray, labels, choose, score, *, strata=None) -> tuple[int, float]:
    """The component (column of ``components``) with the highest AUC on the pairs ``choose`` and its
    AUC on the pairs ``score`` (plain AUC, or :func:`stratified_auc` when ``strata`` is given).
    Ties go to the lower component index."""
    components = np.asarray(components, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)

    def auc(column, rows):
        if strata is None:
            return roc_auc(components[rows, column], y[rows])
        return stratified_auc(components[rows, column], y[rows], np.asarray(strata)[rows])

    fitted = np.array([auc(r, choose) for r in range(components.shape[1])])
    if np.isnan(fitted).all():
        return -1, float("nan")
    chosen = int(np.nanargmax(fitted))
    return chosen, auc(chosen, score)


def heldout_component_auc(components: np.ndarray, labels, rows, *, seed: int = 0, strata=None) -> dict[str, Any]:
    """The AUC of one component chosen without the labels it is scored on: ``rows`` (indices of the
    evaluated pairs) are split at random (seeded) into two halves; a component is chosen on one
    half (:func:`select_on_half`) and scored on the other, both ways round. Returns ``{"auc": mean
    of the two, "chosen": [component chosen on half A, on half B], "halves": [auc on B, auc on A]}``."""
    rows = np.asarray(rows, dtype=np.int64)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 104729]))
    shuffled = rng.permutation(rows)
    a, b = np.sort(shuffled[: len(rows) // 2]), np.sort(shuffled[len(rows) // 2:])
    first = select_on_half(components, labels, a, b, strata=strata)
    second = select_on_half(components, labels, b, a, strata=strata)
    return {"auc": float(np.nanmean([first[1], second[1]])), "chosen": [first[0], second[0]],
            "halves": [first[1], second[1]]}


def anatomical_adjacency(home, neuron_index, *, edge_types=EDGE_TYPES, min_reporting: int = 1) -> np.ndarray:
    """(N, N) bool: neurons joined by an edge of ``edge_types`` in the consensus connectome (either
    direction) reported by at least ``min_reporting`` connectomes; the diagonal is False."""
    from neuropil.loaders import load

    edges = load("celegans-connectomes", connectome="consensus", format="pandas", home=home)
    edges = edges[edges["type"].isin(edge_types) & (edges["n_reporting"] >= min_reporting)]
    full = np.zeros((300, 300), dtype=bool)
    full[edges["pre_index"].to_numpy(int), edges["post_index"].to_numpy(int)] = True
    full |= full.T
    index = np.asarray(neuron_index, dtype=int)
    out = full[np.ix_(index, index)]
    np.fill_diagonal(out, False)
    return out


def pair_scores(x: np.ndarray, mask: np.ndarray, model, *, l2: float, seed: int, **options) -> dict[str, np.ndarray]:
    """The pair scores of the module docstring from the (pairs, windows, worms) tensor, its mask and
    the chosen NTF model ``(weights, [pair, window, worm factors])``."""
    from neuropil.benchmarks.tasks.dynamic_connectome.ntf import non_negative_cp

    weights, (pair_f, time_f, worm_f) = model
    counts = mask.sum(axis=(1, 2))
    static = np.where(counts > 0, np.where(mask, x, 0.0).sum(axis=(1, 2)) / np.maximum(counts, 1), 0.0)
    per_worm_counts = mask.sum(axis=1)                                        # (pairs, worms)
    per_worm = np.where(per_worm_counts > 0, np.where(mask, x, 0.0).sum(axis=1) / np.maximum(per_worm_counts, 1), 0.0)
    rank = len(weights)
    (w2, (pairs2, worms2)), _ = non_negative_cp(per_worm, rank, mask=per_worm_counts > 0, seed=seed, l2=l2, **options)
    return {
        "static": static,
        "static_rank_matched": (pairs2 * w2) @ worms2.mean(axis=0),
        "reconstruction": (pair_f * weights) @ (time_f.mean(axis=0) * worm_f.mean(axis=0)),
        "components": pair_f,
        "co_observation": mask.any(axis=1).sum(axis=1).astype(np.float64),
    }


def compare(scores: dict[str, np.ndarray], labels: np.ndarray, mask: np.ndarray, *, seed: int = 0) -> dict[str, Any]:
    """Every score's AUC on every pair set (module docstring). Returns ``{"metrics": {name: float},
    "components": {"seen": [AUC per component], ...}, "chosen": {...}, "pairs": {set: (n_pairs,
    n_positive)}}``; metric names are ``anatomical_auc_<score>`` for the ``seen`` pairs and
    ``anatomical_auc_<score>_<all_worms|stratified>`` for the others."""
    labels = np.asarray(labels, dtype=bool)
    n_worms = mask.any(axis=1).sum(axis=1)
    rows = {"seen": np.flatnonzero(n_worms > 0), "all_worms": np.flatnonzero(n_worms == mask.shape[2])}
    rows["stratified"] = rows["seen"]
    components = scores["components"]
    metrics: dict[str, float] = {}
    per_component: dict[str, list[float]] = {}
    chosen: dict[str, list[int]] = {}
    for name, idx in rows.items():
        strata = n_worms if name == "stratified" else None
        suffix = "" if name == "seen" else f"_{name}"

        def auc(values, idx=idx, strata=strata):
            return (roc_auc(values[idx], labels[idx]) if strata is None
                    else stratified_auc(values[idx], labels[idx], strata[idx]))

        for score in ("static", "static_rank_matched", "reconstruction"):
            metrics[f"anatomical_auc_{score}{suffix}"] = auc(scores[score])
        held = heldout_component_auc(components, labels, idx, seed=seed, strata=strata)
        metrics[f"anatomical_auc_component_heldout{suffix}"] = held["auc"]
        chosen[name] = held["chosen"]
        per_component[name] = [auc(components[:, r]) for r in range(components.shape[1])]
    metrics["anatomical_auc_component_mean"] = float(np.nanmean(per_component["seen"]))
    metrics["anatomical_auc_co_observation"] = roc_auc(scores["co_observation"][rows["seen"]], labels[rows["seen"]])
    pairs = {name: [int(len(idx)), int(labels[idx].sum())] for name, idx in rows.items() if name != "stratified"}
    return {"metrics": metrics, "components": per_component, "chosen": chosen, "pairs": pairs}
