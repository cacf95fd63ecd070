"""Stage 6: the run the benchmark calls (:func:`run`) and its plot.

Metrics: ``rank`` (chosen by masked cross-validation, :mod:`.rank`) and its held-out ``cv_error``;
``relative_error`` (masked, in-sample) and ``stability`` of the best of ``n_seeds`` fits at that
rank (a result of the chosen rank, not a criterion); the ``anatomical_auc_*`` comparison of
:mod:`.anatomy` (static affinity, its rank-matched factorization, the NTF reconstruction, one
component chosen on held-out pairs, the mean component, co-observation alone; on the seen pairs, the
pairs seen in all worms and stratified by co-observation count); ``modularity_mean`` and
``communities_mean`` over components; ``lfr_nmi`` (:func:`.communities.lfr_nmi`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from neuropil.benchmarks.tasks.dynamic_connectome.affinity import affinity_tensor, pair_matrix
from neuropil.benchmarks.tasks.dynamic_connectome.anatomy import (EDGE_TYPES, anatomical_adjacency, compare,
                                                                  pair_scores)
from neuropil.benchmarks.tasks.dynamic_connectome.communities import LFR_PARAMS, lfr_nmi, louvain
from neuropil.benchmarks.tasks.dynamic_connectome.ntf import fit_ensemble
from neuropil.benchmarks.tasks.dynamic_connectome.rank import FULL, QUICK, cross_validated_rank

__all__ = ["TASK_ID", "plot", "run"]

TASK_ID = "celegans-dynamic-connectome"
L2 = 10.0  # ridge of the benchmark's fits (see .ntf)


def _rounded(a, digits: int = 5):
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


def run(*, home=None, seed: int = 0, quick: bool = False, rank: int | None = None,
        window_s: float = 30.0, step_s: float = 10.0, neurons: str = "union", max_iter: int = 1000,
        tol: float = 1e-6, l2: float = L2) -> dict[str, Any]:
    """The benchmark: affinities -> cross-validated rank -> NTF at that rank -> communities -> metrics.

    ``rank`` fixes the rank (no cross-validation; its stability is still measured over the seeds);
    ``quick`` uses :data:`.rank.QUICK` (ranks 2 and 4, 3 folds, 3 seeds) instead of :data:`.rank.FULL`
    (ranks 1-8 and 10, 5 folds of 8-window blocks, 10 seeds). Returns ``{"metrics": {name: float},
    "config": {...}, "artifacts": {...}}``, all JSON-serialisable. Artifacts, per component r (sorted by
    weight): ``affinity[r]`` the N x N pair factor scaled to a maximum of 1, ``time_profiles[r]`` (one
    value per window, centred at ``window_centre_s``) and ``worm_loadings[r]`` (per worm, in ``worms``
    order) with unit norm, ``weights[r]``, ``communities[r]`` (lists of neuron names, largest first),
    ``modularity[r]``, ``anatomical_auc[r]`` (seen pairs); plus ``neurons``, ``rank_selection``
    (held-out and in-sample error per candidate rank) and ``anatomy`` (every AUC, per-component AUCs per
    pair set, the components chosen on each held-out half, pair counts).
    """
    plan = QUICK if quick else FULL
    data = affinity_tensor(home, window_s=window_s, step_s=step_s, neurons=neurons)
    x, mask, pairs = data["tensor"], data["mask"], data["pairs"]
    n = len(data["neurons"])
    options = {"max_iter": max_iter, "tol": tol, "l2": l2}
    if rank is None:
        selection = cross_validated_rank(x, mask=mask, ranks=plan["ranks"], n_folds=plan["n_folds"],
                                         block=plan["block"], buffer=plan["buffer"], seed=seed, **options)
        rank = selection["rank"]
        curve = selection["curve"]
        held_out = {"cv_error": next(c["cv_error"] for c in curve if c["rank"] == rank)}
    else:
        curve, held_out = [], {}
    chosen = fit_ensemble(x, int(rank), mask=mask, seed=seed, n_seeds=plan["n_seeds"], **options)
    weights, (pair_f, time_f, worm_f) = chosen["best"]

    adjacency = anatomical_adjacency(home, data["neuron_index"])
    labels = adjacency[pairs[:, 0], pairs[:, 1]]
    scores = pair_scores(x, mask, chosen["best"], l2=l2, seed=seed, max_iter=max_iter, tol=tol)
    anatomy = compare(scores, labels, mask, seed=seed)
    modularities, n_communities, communities, affinities = [], [], [], []
    for r in range(len(weights)):
        matrix = pair_matrix(pair_f[:, r], pairs, n)
        found, q = louvain(matrix, seed=seed)
        modularities.append(q)
        n_communities.append(sum(len(c) > 1 for c in found))
        communities.append([[data["neurons"][i] for i in c] for c in found])
        affinities.append(_rounded(matrix / max(float(matrix.max()), 1e-300)))
    metrics = {
        "rank": float(len(weights)),
        **held_out,
        "relative_error": chosen["error"],
        "stability": chosen["stability"],
        **anatomy["metrics"],
        "modularity_mean": float(np.mean(modularities)),
        "communities_mean": float(np.mean(n_communities)),
        "lfr_nmi": lfr_nmi(seed),
    }
    window_centre = (np.asarray(data["window_start_s"]) + data["window_s"] / 2).tolist()
    config = {
        "task": TASK_ID, "seed": int(seed), "quick": bool(quick), "source": data["source"],
        "neurons": neurons, "window_s": data["window_s"], "step_s": data["step_s"], "sigma_s": data["sigma_s"],
        "min_observed": data["min_observed"], "dt": data["dt"], "affinity": "differential (weighted Jaccard of "
        "rising/falling derivative parts)", "rank": int(len(weights)), "rank_fixed": not curve,
        "rank_selection": "masked cross-validation: held-out blocks of windows of a (pair, worm) fibre, "
        "one-standard-error rule", "candidate_ranks": [c["rank"] for c in curve],
        "cv_errors": [c["cv_error"] for c in curve], "n_folds": plan["n_folds"], "cv_block": plan["block"],
        "cv_buffer": plan["buffer"], "n_seeds": plan["n_seeds"], "max_iter": max_iter, "tol": tol,
        "l2": l2, "init": "random", "max_inner": 3, "extrapolate": True, "louvain_resolution": 1.0,
        "anatomy": {"connectome": "consensus", "edge_types": list(EDGE_TYPES), "min_reporting": 1,
                    "pairs": anatomy["pairs"]},
        "lfr": dict(LFR_PARAMS), "shape": list(x.shape), "observed_fraction": float(mask.mean()),
        "worms": data["worms"], "n_neurons": n, "n_pairs": int(len(pairs)),
    }
    artifacts = {
        "neurons": data["neurons"], "worms": data["worms"], "window_centre_s": window_centre,
        "weights": _rounded(weights), "time_profiles": _rounded(time_f.T), "worm_loadings": _rounded(worm_f.T),
        "affinity": affinities, "communities": communities, "modularity": _rounded(modularities),
        "anatomical_auc": _rounded(anatomy["components"]["seen"]),
        "rank_selection": [{**{k: float(v) for k, v in c.items() if k != "fold_errors"},
                            "fold_errors": [float(e) for e in c["fold_errors"]]} for c in curve],
        "stability_scores": [float(s) for s in chosen["scores"]],
        "anatomy": {"metrics": anatomy["metrics"], "chosen": anatomy["chosen"], "pairs": anatomy["pairs"],
                    "components": {k: _rounded(v) for k, v in anatomy["components"].items()}},
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
