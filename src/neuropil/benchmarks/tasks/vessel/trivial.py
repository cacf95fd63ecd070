"""vessel-link's trivial baselines: how much of a score is geometry.

* ``distance``: a pair's score is minus the Euclidean distance between its ends (no parameters);
* ``distance_degree``: a logistic regression on five features of a pair, ``d``, ``d**2`` (``d`` the
  distance over the spatial delta), the smaller and the larger end's degree and their product,
  fitted on the train positives and negatives only.

Degrees are counted in the train graph *without the pair's own edge*: every train positive is an edge
of that graph, a held-out one is not, so counting it would teach "degree + 1 means a vessel" on train
and fail on test (the same reason the GNN sampler drops a batch's own edges).
"""

from __future__ import annotations

from typing import Any

import numpy as np

FEATURES = ("distance/delta", "(distance/delta)^2", "min degree", "max degree", "min degree * max degree")


def distance_scores(pos: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    return -np.linalg.norm(pos[pairs[:, 0]] - pos[pairs[:, 1]], axis=1)


def _edge_keys(pairs: np.ndarray, num_nodes: int) -> np.ndarray:
    pairs = pairs.astype(np.int64)
    return np.minimum(pairs[:, 0], pairs[:, 1]) * num_nodes + np.maximum(pairs[:, 0], pairs[:, 1])


def pair_features(sets: dict[str, Any], pairs: np.ndarray) -> np.ndarray:
    """The five features of each pair (see the module docstring), in :data:`FEATURES` order."""
    train, n = sets["train"]["pos"], sets["num_nodes"]
    degree = np.bincount(train.ravel().astype(np.int64), minlength=n).astype(np.float64)
    own = np.isin(_edge_keys(pairs, n), _edge_keys(train, n)).astype(np.float64)  # 1 where the pair is a train edge
    a, b = degree[pairs[:, 0]] - own, degree[pairs[:, 1]] - own
    low, high = np.minimum(a, b), np.maximum(a, b)
    d = -distance_scores(sets["pos"], pairs) / sets["delta"]
    return np.stack([d, d * d, low, high, low * high], axis=1)


def fit_logistic(features: np.ndarray, labels: np.ndarray, *, ridge: float = 1e-4,
                 iterations: int = 50) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Newton's method (IRLS) on standardised features with a small L2 penalty (not on the intercept);
    returns (weights with the intercept last, feature mean, feature scale). Deterministic."""
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    design = np.hstack([(features - mean) / scale, np.ones((len(features), 1))])
    weights = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], ridge * len(features))
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-design @ weights))
        gradient = design.T @ (p - labels) + penalty * weights
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + np.diag(penalty) + 1e-9 * np.eye(design.shape[1])
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return weights, mean, scale


def logistic_scores(model: tuple[np.ndarray, np.ndarray, np.ndarray], features: np.ndarray) -> np.ndarray:
    weights, mean, scale = model
    return (features - mean) / scale @ weights[:-1] + weights[-1]  # the logit: same ranking as the probability


def predict(kind: str, sets: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``distance`` or ``distance_degree`` scores of the valid and test pairs (positives, negatives,
    the other flavour's negatives), as ``link._predict_heuristic`` returns them."""
    parts = ("pos", "neg", "neg_other")
    if kind == "distance":
        return ({name: tuple(distance_scores(sets["pos"], sets[name][k]) for k in parts) for name in ("valid", "test")},
                {"parameters": 0})
    train = np.concatenate([sets["train"]["pos"], sets["train"]["neg"]])
    labels = np.concatenate([np.ones(len(sets["train"]["pos"])), np.zeros(len(sets["train"]["neg"]))])
    model = fit_logistic(pair_features(sets, train), labels)
    out = {name: tuple(logistic_scores(model, pair_features(sets, sets[name][k])) for k in parts)
           for name in ("valid", "test")}
    info: dict[str, Any] = {"parameters": len(FEATURES) + 1}
    info.update({f"weight {name}": float(w) for name, w in zip(FEATURES, model[0])})
    return out, info
