"""Analysis of trained networks: graph metrics of U, lambda tuning on validation, paired tests
between variants (Wilcoxon signed-rank, Holm, TOST equivalence)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from neuropil.benchmarks.tasks.bio_rnn.model import accuracy, train_variant
from neuropil.benchmarks.tasks.bio_rnn.sources import Field
from neuropil.benchmarks.tasks.bio_rnn.trials import trial_sets
from neuropil.errors import InvalidArgumentError

LAMBDA_GRID = (0.0, 1e-5, 1e-4, 1e-3, 1e-2)


def graph_metrics(recurrent: np.ndarray, *, seed: int = 0, nulls: int = 20, top: float = 0.10) -> dict[str, float]:
    """On ``|U|``: top ``top`` fraction of entries -> binary undirected graph (no self-loops);
    greedy modularity, small-worldness ``(C / C_null) / (E_null / E)`` (clustering and global
    efficiency against ``nulls`` density-matched G(n, m) graphs), degree assortativity; and the
    entropy (bits) of a Gaussian KDE of the raw weights on a 100-point grid (as the reference)."""
    import networkx as nx
    from scipy.sparse.csgraph import shortest_path
    from scipy.stats import entropy, gaussian_kde

    magnitude = np.abs(recurrent)
    if not np.all(np.isfinite(magnitude)):
        return {"modularity": float("nan"), "small_worldness": float("nan"), "assortativity": float("nan"),
                "weight_entropy": float("nan")}
    binary = magnitude > np.quantile(magnitude, 1.0 - top)
    adjacency = (binary | binary.T).astype(float)
    np.fill_diagonal(adjacency, 0.0)
    graph = nx.from_numpy_array(adjacency)

    def clustering_efficiency(a: np.ndarray) -> tuple[float, float]:
        degree = a.sum(1)
        triangles = np.einsum("ij,jk,ki->i", a, a, a) / 2.0
        pairs = degree * (degree - 1) / 2.0
        clustering = np.divide(triangles, pairs, out=np.zeros_like(triangles), where=pairs > 0).mean()
        hops = shortest_path(a, unweighted=True, directed=False)
        n = a.shape[0]
        with np.errstate(divide="ignore"):
            inverse = np.where(np.isfinite(hops) & (hops > 0), 1.0 / hops, 0.0)
        return float(clustering), float(inverse.sum() / (n * (n - 1)))

    clustering, efficiency = clustering_efficiency(adjacency)
    rng = np.random.default_rng(seed)
    edges = int(adjacency.sum() // 2)
    null_c, null_e = [], []
    for _ in range(nulls):
        null = nx.to_numpy_array(nx.gnm_random_graph(adjacency.shape[0], edges, seed=int(rng.integers(2 ** 31))))
        c, e = clustering_efficiency(null)
        null_c.append(c)
        null_e.append(e)
    communities = nx.community.greedy_modularity_communities(graph)
    flat = np.asarray(recurrent, dtype=np.float64).ravel()
    grid = np.linspace(flat.min(), flat.max(), 100)
    probability = gaussian_kde(flat)(grid)
    return {"modularity": float(nx.community.modularity(graph, communities)),
            "small_worldness": float((clustering / np.mean(null_c)) / (np.mean(null_e) / efficiency)),
            "assortativity": float(nx.degree_assortativity_coefficient(graph)),
            "weight_entropy": float(entropy(probability / probability.sum(), base=2))}


def validation_loss(prob: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy (nats) of predicted class probabilities; probabilities floored at 1e-12."""
    picked = np.asarray(prob, dtype=np.float64)[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.maximum(picked, 1e-12))))


def tune_lambda(variant: str, task: str, source: Field, *, grid: tuple[float, ...] = LAMBDA_GRID,
                seeds: tuple[int, ...] = (100, 101, 102, 103, 104), data_seed: int = 0, epochs: int = 10,
                criterion: str = "loss", home: Any = None, sizes: dict[str, int] | None = None,
                on_seed: Callable[[dict[str, Any]], None] | None = None,
                resume: dict[str, Any] | None = None) -> dict[str, Any]:
    """Corrected protocol: validation loss (cross-entropy, the penalty not included) and accuracy per
    lambda and tuning seed (``seeds`` distinct from the evaluation seeds 0..19), seed by seed (every
    lambda of a seed, then the next; ``on_seed`` gets the table so far after each). ``best`` minimises
    the mean loss (``criterion="loss"``: graded where accuracy is all-or-nothing) or maximises the mean
    accuracy (``"accuracy"``, the first tuning's criterion: ties -> the smaller lambda).

    ``resume``: an earlier table of the same variant and task (a stopped tuning); its seeds that were run at
    every lambda of ``grid`` are kept as they are and not run again."""
    if criterion not in ("loss", "accuracy"):
        raise InvalidArgumentError(f"Unknown value {criterion!r} for argument criterion. Valid values are "
                                   "{'accuracy', 'loss'}.")
    sets = trial_sets(task, seed=data_seed, **(sizes or {}))
    per_seed: dict[float, list[dict[str, float]]] = {strength: [] for strength in grid}
    if resume is not None:
        if (resume.get("variant"), resume.get("task")) != (variant, task):
            raise InvalidArgumentError(f"resume holds the tuning of {(resume.get('variant'), resume.get('task'))!r}; "
                                       f"expected {(variant, task)!r}.")
        stored = {float(k): {int(r["seed"]): r for r in v} for k, v in resume.get("per_seed", {}).items()}
        kept = [s for s in seeds if all(s in stored.get(float(k), {}) for k in grid)]
        for strength in grid:
            per_seed[strength] = [stored[float(strength)][s] for s in kept]
        seeds = tuple(s for s in seeds if s not in kept)
    result: dict[str, Any] = lambda_table(variant, task, per_seed, criterion=criterion) if per_seed[grid[0]] else {}
    for s in seeds:
        for strength in grid:
            prob = train_variant(variant, sets, source, seed=s, protocol="corrected", epochs=epochs,
                                 strength=strength, curve_every=0, home=home, task=task).valid_prob
            per_seed[strength].append({"seed": s, "loss": validation_loss(prob, sets["valid"].y),
                                       "accuracy": accuracy(prob, sets["valid"].y)})
        result = lambda_table(variant, task, per_seed, criterion=criterion)
        if on_seed is not None:
            on_seed(result)
    return result


def lambda_table(variant: str, task: str, per_seed: dict[float, list[dict[str, float]]], *,
                 criterion: str = "loss") -> dict[str, Any]:
    """The tuning table of :func:`tune_lambda` from per-lambda lists of ``{"seed", "loss", "accuracy"}``."""
    loss = {k: float(np.mean([r["loss"] for r in v])) for k, v in per_seed.items()}
    scores = {k: float(np.mean([r["accuracy"] for r in v])) for k, v in per_seed.items()}
    if criterion == "loss":
        best = min(sorted(loss), key=lambda k: loss[k])
    else:
        best = max(sorted(scores), key=lambda k: (round(scores[k], 4), -k))
    seeds = sorted({r["seed"] for v in per_seed.values() for r in v})
    return {"variant": variant, "task": task, "criterion": criterion, "seeds": seeds, "grid": list(per_seed),
            "valid_loss": loss, "valid_loss_std": {k: float(np.std([r["loss"] for r in v], ddof=1)) if len(v) > 1
                                                   else 0.0 for k, v in per_seed.items()},
            "valid_accuracy": scores, "per_seed": {str(k): [dict(r) for r in v] for k, v in per_seed.items()},
            "best": best}  # copies: a table reported mid-tuning does not change as later seeds run


#: TOST equivalence margin on held-out accuracy (absolute): one of 20 seeds failing moves a mean by about
#: 0.02 on T1 and 0.025 on T2, so +-0.05 is "within about two failed seeds in 20"
EQUIVALENCE_MARGIN = 0.05


def bootstrap_interval(values: Sequence[float], *, level: float = 0.95, resamples: int = 10_000,
                       seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (seeds resampled with replacement)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise InvalidArgumentError("bootstrap_interval needs at least one value, got none.")
    means = np.random.default_rng(seed).choice(data, size=(resamples, data.size)).mean(axis=1)
    tail = (1.0 - level) / 2.0
    return float(np.quantile(means, tail)), float(np.quantile(means, 1.0 - tail))


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the input order: the k-th smallest of m is multiplied by
    ``m - k + 1``, made non-decreasing, capped at 1. NaNs stay NaN and do not count in m."""
    values = np.asarray(pvalues, dtype=float)
    adjusted = np.full(values.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(values))
    order = finite[np.argsort(values[finite], kind="stable")]
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * values[index]))
        adjusted[index] = running
    return adjusted.tolist()


def signed_rank_p(differences: np.ndarray, alternative: str = "two-sided") -> float:
    """Wilcoxon signed-rank p of paired differences (zero differences dropped, Wilcoxon's convention;
    exact null distribution when scipy can, normal approximation with ties); no non-zero difference
    gives 1.0 (no evidence either way)."""
    from scipy.stats import wilcoxon

    nonzero = np.asarray(differences, dtype=float)
    nonzero = nonzero[nonzero != 0]
    if nonzero.size == 0:
        return 1.0
    return float(wilcoxon(nonzero, alternative=alternative).pvalue)


def paired_comparison(first: dict[int, float], second: dict[int, float], *,
                      margin: float = EQUIVALENCE_MARGIN) -> dict[str, Any]:
    """Per-seed scores of two variants (seed -> value), paired by seed (the seeds both have, finite):
    the two-sided Wilcoxon signed-rank p of ``first - second`` and the TOST equivalence p for
    ``|shift| < margin`` (two one-sided signed-rank tests on ``d + margin > 0`` and ``d - margin < 0``;
    the larger p)."""
    if margin <= 0:
        raise InvalidArgumentError(f"margin must be > 0, got {margin}.")
    seeds = sorted(s for s in set(first) & set(second) if np.isfinite(first[s]) and np.isfinite(second[s]))
    a = np.array([first[s] for s in seeds], dtype=float)
    b = np.array([second[s] for s in seeds], dtype=float)
    if len(seeds) < 2:
        return {"n": len(seeds), "seeds": seeds, "mean_a": float("nan"), "mean_b": float("nan"),
                "mean_difference": float("nan"), "median_difference": float("nan"), "p": float("nan"),
                "p_tost": float("nan"), "margin": margin}
    d = a - b
    return {"n": len(seeds), "seeds": seeds, "mean_a": float(a.mean()), "mean_b": float(b.mean()),
            "mean_difference": float(d.mean()), "median_difference": float(np.median(d)),
            "p": signed_rank_p(d), "margin": margin,
            "p_tost": max(signed_rank_p(d + margin, "greater"), signed_rank_p(d - margin, "less"))}


def paired_table(scores: dict[Any, dict[int, float]], comparisons: Sequence[tuple[Any, Any]], *,
                 margin: float = EQUIVALENCE_MARGIN, alpha: float = 0.05, min_pairs: int = 5
                 ) -> list[dict[str, Any]]:
    """One table's comparisons (keys of ``scores``, e.g. ``(task, variant)``): :func:`paired_comparison`
    each (those with fewer than ``min_pairs`` paired seeds are left out), then Holm across the table,
    separately for the difference and the equivalence p. ``verdict``: ``"a > b"`` / ``"a < b"`` (Holm
    p < alpha), ``"equivalent"`` (Holm TOST p < alpha: within +-margin), both when a consistent
    difference is smaller than the margin, else ``"inconclusive"`` (no claim either way)."""
    rows = []
    for a, b in comparisons:
        if a in scores and b in scores:
            row = paired_comparison(scores[a], scores[b], margin=margin)
            if row["n"] >= min_pairs:
                rows.append({"a": a, "b": b, **row})
    for key, adjusted in (("p", "p_holm"), ("p_tost", "p_tost_holm")):
        for row, value in zip(rows, holm([r[key] for r in rows])):
            row[adjusted] = value
    for row in rows:
        claims = []
        if row["p_holm"] < alpha:
            shift = row["median_difference"] if row["median_difference"] != 0 else row["mean_difference"]
            claims.append("a > b" if shift > 0 else "a < b")
        if row["p_tost_holm"] < alpha:
            claims.append("equivalent")
        row["verdict"] = ", ".join(claims) or "inconclusive"
    return rows
