"""Stage 5: the run the benchmark calls (:func:`run`) and its plot.

Metrics: ``relative_error`` (masked) and ``stability`` of the best fit at the selected rank;
``anatomical_auc_mean`` / ``_max``: ROC-AUC (:func:`roc_auc`, ties counted half) of each component's
pair affinities for predicting the pairs joined by a chemical or electrical edge of the ``consensus``
connectome (either direction, any ``n_reporting``), over the pairs co-observed in at least one worm;
``anatomical_auc_static``: the same for the time-and-worm-averaged affinity (the static reference a
dynamic component is compared with); ``modularity_mean`` and ``communities_mean`` over components;
``lfr_nmi`` (:func:`.communities.lfr_nmi`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from neuropil.benchmarks.tasks.dynamic_connectome.affinity import affinity_tensor, pair_matrix
from neuropil.benchmarks.tasks.dynamic_connectome.communities import LFR_PARAMS, lfr_nmi, louvain
from neuropil.benchmarks.tasks.dynamic_connectome.ntf import FULL, QUICK, fit_ensemble, select_rank

TASK_ID = "celegans-dynamic-connectome"
EDGE_TYPES = ("chemical", "electrical")
L2 = 10.0  # ridge of the benchmark's fits (see .ntf)


def roc_auc(scores, labels) -> float:
    """Area under the ROC curve: the probability that a random positive scores above a random
    negative, ties counted one half (Mann-Whitney U / (n_pos n_neg)). NaN without both classes."""
    from scipy.stats import rankdata

    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels, dtype=bool).ravel()
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = rankdata(s)  # average ranks for ties
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


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


def _rounded(a, digits: int = 5):
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


def run(*, home=None, seed: int = 0, quick: bool = False, rank: int | None = None,
        window_s: float = 30.0, step_s: float = 10.0, neurons: str = "union", max_iter: int = 1000,
        tol: float = 1e-6, l2: float = L2) -> dict[str, Any]:
    """The benchmark: affinities -> rank selection -> NTF -> communities -> metrics.

    ``rank`` fixes the rank (its stability is still measured over the seeds); ``quick`` uses
    :data:`QUICK` (ranks 3 and 5, 3 seeds; ~20 s on 2 cores) instead of :data:`FULL` (8 ranks,
    10 seeds; several minutes). Returns ``{"metrics": {name: float}, "config": {...},
    "artifacts": {...}}``, all JSON-serialisable. Artifacts, per component r (sorted by weight):
    ``affinity[r]`` the N x N pair factor scaled to a maximum of 1, ``time_profiles[r]`` (one value
    per window, centred at ``window_centre_s``) and ``worm_loadings[r]`` (per worm, in ``worms``
    order) with unit norm, ``weights[r]``, ``communities[r]`` (lists of neuron names, largest
    first), ``modularity[r]``, ``anatomical_auc[r]``; plus ``neurons`` and ``rank_selection``
    (error and stability per candidate rank)."""
    plan = QUICK if quick else FULL
    data = affinity_tensor(home, window_s=window_s, step_s=step_s, neurons=neurons)
    x, mask, pairs = data["tensor"], data["mask"], data["pairs"]
    n = len(data["neurons"])
    options = {"max_iter": max_iter, "tol": tol, "l2": l2}
    if rank is None:
        selection = select_rank(x, mask=mask, ranks=plan["ranks"], seed=seed, n_seeds=plan["n_seeds"], **options)
        chosen = selection["fits"][selection["rank"]]
        curve = selection["curve"]
    else:
        chosen = fit_ensemble(x, int(rank), mask=mask, seed=seed, n_seeds=plan["n_seeds"], **options)
        curve = [{"rank": int(rank), "error": chosen["error"], "stability": chosen["stability"]}]
    weights, (pair_f, time_f, worm_f) = chosen["best"]

    adjacency = anatomical_adjacency(home, data["neuron_index"])
    labels = adjacency[pairs[:, 0], pairs[:, 1]]
    seen = mask.any(axis=(1, 2))
    counts = mask.sum(axis=(1, 2))
    static = np.where(counts > 0, x.sum(axis=(1, 2)) / np.maximum(counts, 1), 0.0)
    aucs, modularities, n_communities, communities, affinities = [], [], [], [], []
    for r in range(len(weights)):
        aucs.append(roc_auc(pair_f[seen, r], labels[seen]))
        matrix = pair_matrix(pair_f[:, r], pairs, n)
        found, q = louvain(matrix, seed=seed)
        modularities.append(q)
        n_communities.append(sum(len(c) > 1 for c in found))
        communities.append([[data["neurons"][i] for i in c] for c in found])
        affinities.append(_rounded(matrix / max(float(matrix.max()), 1e-300)))
    metrics = {
        "rank": float(len(weights)),
        "relative_error": chosen["error"],
        "stability": chosen["stability"],
        "anatomical_auc_mean": float(np.nanmean(aucs)),
        "anatomical_auc_max": float(np.nanmax(aucs)),
        "anatomical_auc_static": roc_auc(static[seen], labels[seen]),
        "modularity_mean": float(np.mean(modularities)),
        "communities_mean": float(np.mean(n_communities)),
        "lfr_nmi": lfr_nmi(seed),
    }
    window_centre = (np.asarray(data["window_start_s"]) + data["window_s"] / 2).tolist()
    config = {
        "task": TASK_ID, "seed": int(seed), "quick": bool(quick), "source": data["source"],
        "neurons": neurons, "window_s": data["window_s"], "step_s": data["step_s"], "sigma_s": data["sigma_s"],
        "min_observed": data["min_observed"], "dt": data["dt"], "affinity": "differential (weighted Jaccard of "
        "rising/falling derivative parts)", "rank": int(len(weights)), "rank_fixed": rank is not None,
        "candidate_ranks": [c["rank"] for c in curve], "n_seeds": plan["n_seeds"], "max_iter": max_iter, "tol": tol,
        "l2": l2, "init": "random", "max_inner": 3, "extrapolate": True,
        "stability_threshold": 0.8, "min_error_gain": 0.005, "louvain_resolution": 1.0,
        "anatomy": {"connectome": "consensus", "edge_types": list(EDGE_TYPES), "min_reporting": 1},
        "lfr": dict(LFR_PARAMS), "shape": list(x.shape), "observed_fraction": float(mask.mean()),
        "worms": data["worms"], "n_neurons": n, "n_pairs": int(len(pairs)),
    }
    artifacts = {
        "neurons": data["neurons"], "worms": data["worms"], "window_centre_s": window_centre,
        "weights": _rounded(weights), "time_profiles": _rounded(time_f.T), "worm_loadings": _rounded(worm_f.T),
        "affinity": affinities, "communities": communities, "modularity": _rounded(modularities),
        "anatomical_auc": _rounded(aucs), "rank_selection": [{k: float(v) for k, v in c.items()} for c in curve],
    }
    return {"metrics": {k: float(v) for k, v in metrics.items()}, "config": config, "artifacts": artifacts}


def plot(artifacts: dict[str, Any], path: str | os.PathLike[str]) -> str:
    """A PNG: per component, its affinity matrix (neurons ordered by community), its time profile
    and its worm loadings. Returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    affinities = artifacts["affinity"]
    rank = len(affinities)
    names = artifacts["neurons"]
    position = {name: i for i, name in enumerate(names)}
    fig, axes = plt.subplots(3, rank, figsize=(2.6 * rank + 0.6, 6.8), squeeze=False,
                             gridspec_kw={"height_ratios": [2.2, 1, 1]})
    times = artifacts.get("window_centre_s") or list(range(len(artifacts["time_profiles"][0])))
    for r in range(rank):
        matrix = np.asarray(affinities[r])
        order = [position[name] for community in artifacts["communities"][r] for name in community]
        ax = axes[0, r]
        ax.imshow(matrix[np.ix_(order, order)], cmap="magma", interpolation="nearest", aspect="auto")
        quality = f"\nQ = {artifacts['modularity'][r]:.2f}" if "modularity" in artifacts else ""
        ax.set_title(f"component {r + 1}{quality}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        axes[1, r].plot(times, artifacts["time_profiles"][r], color="C0", lw=1)
        axes[1, r].set_xlabel("time (s)", fontsize=7)
        axes[1, r].tick_params(labelsize=6)
        loadings = artifacts["worm_loadings"][r]
        axes[2, r].bar(range(len(loadings)), loadings, color="C1")
        axes[2, r].set_xlabel("worm", fontsize=7)
        axes[2, r].tick_params(labelsize=6)
    axes[1, 0].set_ylabel("time profile", fontsize=8)
    axes[2, 0].set_ylabel("worm loading", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)
