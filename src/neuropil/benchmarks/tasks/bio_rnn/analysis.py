"""Analysis of trained networks: graph metrics of U, lambda tuning on validation, rank tests
between variants."""

from __future__ import annotations

from typing import Any

import numpy as np

from neuropil.benchmarks.tasks.bio_rnn.model import accuracy, train_variant
from neuropil.benchmarks.tasks.bio_rnn.sources import Field
from neuropil.benchmarks.tasks.bio_rnn.trials import trial_sets

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


def tune_lambda(variant: str, task: str, source: Field, *, grid: tuple[float, ...] = LAMBDA_GRID,
                seeds: tuple[int, ...] = (100, 101), data_seed: int = 0, epochs: int = 10,
                home: Any = None) -> dict[str, Any]:
    """Corrected protocol: mean validation accuracy per lambda over ``seeds`` (distinct from the
    evaluation seeds 0..19); returns the table and the best lambda (ties -> the smaller)."""
    sets = trial_sets(task, seed=data_seed)
    table = {}
    for strength in grid:
        scores = [accuracy(train_variant(variant, sets, source, seed=s, protocol="corrected", epochs=epochs,
                                          strength=strength, curve_every=0, home=home).valid_prob, sets["valid"].y)
                  for s in seeds]
        table[strength] = float(np.mean(scores))
    best = max(sorted(table), key=lambda s: (round(table[s], 4), -s))
    return {"variant": variant, "task": task, "valid_accuracy": table, "best": best}


def rank_tests(scores: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Two-sided Mann-Whitney U test for every pair of variants (e.g. W*, W! and W~ of one task):
    ``scores`` maps a variant to its per-seed values; NaNs are dropped."""
    from itertools import combinations

    from scipy.stats import mannwhitneyu

    rows = []
    for first, second in combinations(sorted(scores), 2):
        a = np.asarray(scores[first], dtype=float)
        c = np.asarray(scores[second], dtype=float)
        a, c = a[np.isfinite(a)], c[np.isfinite(c)]
        if len(a) < 2 or len(c) < 2:
            continue
        test = mannwhitneyu(a, c, alternative="two-sided")
        rows.append({"a": first, "b": second, "n_a": len(a), "n_b": len(c), "median_a": float(np.median(a)),
                     "median_b": float(np.median(c)), "U": float(test.statistic), "p": float(test.pvalue)})
    return rows
