"""``vessel-link``: link prediction on whole-brain vessel graphs (VesselGraph / OGB ``ogbl-vessel``).

Data: ``neuropil.load("vesselgraph", graph=..., task="link")``: the train positives form the
message-passing graph; the split (positives 80/10/10, as many ``random`` and ``spatial`` negatives
as positives per split) is stored with the dataset and its SHA-256 goes into every result.
Metrics (:mod:`.metrics`): ROC-AUC over the test positives' and the test negatives' scores (OGB's
``ogbl-vessel`` metric, with its input format), Hits@20/50/100 and MRR in OGB's conventions. The
negatives scored are ``config["negatives"]`` (``spatial`` by default, the hard ones); the other
flavour's test ROC-AUC and a bootstrap 95 % interval of the test ROC-AUC over test edges are reported
in ``info``.

Baselines: minus the endpoint distance and a logistic regression on distance and degrees
(:mod:`.trivial`: how much is geometry); common neighbours, Adamic-Adar, resource allocation (on the
train graph); MLP, GCN and GraphSAGE encoders (``torch_geometric.nn`` layers on PyG-shaped sampled
mini-batches, :mod:`.models`) with one decoder that reads ``h_u * h_v``, ``|h_u - h_v|`` and the
endpoints' relative position ``|p_u - p_v| / delta``. ``protocol="ogb"`` trains MLP / GCN / SAGE as
OGB's ogbl-vessel reference scripts do instead (:mod:`.ogb_reference`).
"""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np

from neuropil._util import roc_auc
from neuropil.benchmarks.tasks.vessel.metrics import bootstrap_interval, link_metrics
from neuropil.errors import InvalidArgumentError, unknown_value

#: ``ours``: the baselines as documented above; ``ogb``: OGB's ogbl-vessel reference setup
PROTOCOLS = ("ours", "ogb")
EXPECTED_INPUT_FORMAT = (
    "==== Expected input format of Evaluator('vessel-link') (OGB's ogbl-vessel format)\n"
    "{'y_pred_pos': y_pred_pos, 'y_pred_neg': y_pred_neg}\n"
    "- y_pred_pos: numpy ndarray or torch tensor of shape (num_edges, ): scores of the positive edges\n"
    "- y_pred_neg: numpy ndarray or torch tensor of shape (num_edges, ): scores of the negative edges\n"
    "==== Output: {'rocauc': float, 'hits@20': float, 'hits@50': float, 'hits@100': float, 'mrr': float}"
)


def evaluate(arrays: dict[str, np.ndarray]) -> dict[str, float]:
    missing = [k for k in ("y_pred_pos", "y_pred_neg") if k not in arrays]
    if missing:
        raise InvalidArgumentError(f"Evaluator input lacks {missing}.\n{EXPECTED_INPUT_FORMAT}")
    positive, negative = np.asarray(arrays["y_pred_pos"]), np.asarray(arrays["y_pred_neg"])
    for name, value in (("y_pred_pos", positive), ("y_pred_neg", negative)):
        if value.ndim != 1:
            raise InvalidArgumentError(f"{name} must be 1-D (num_edges,), got shape {value.shape}.\n{EXPECTED_INPUT_FORMAT}")
        if value.size == 0:
            raise InvalidArgumentError(f"{name} is empty: ROC-AUC needs positive and negative scores.")
        if not np.issubdtype(value.dtype, np.number) or not np.isfinite(value).all():
            raise InvalidArgumentError(f"{name} must hold finite numbers (dtype {value.dtype}).")
    return link_metrics(positive, negative)


# ------------------------------------------------------------------------------------------------ data

def load_sets(*, home: str | os.PathLike[str] | None, config: dict[str, Any],
              quick: bool = False) -> tuple[dict[str, Any], str]:
    """Train / valid / test pairs of the split stored with the dataset, and that split's SHA-256."""
    import neuropil
    from neuropil.benchmarks.tasks.vessel.models import CSR, standardize

    negatives = config.get("negatives", "spatial")
    ds = neuropil.load("vesselgraph", graph=config.get("graph", "sample"), task="link", negatives=negatives,
                       node_features=config.get("node_features", "xyz"), format="pyg", home=home)
    parts = ds.get_edge_split()
    other = "random" if negatives == "spatial" else "spatial"
    data = ds[0]
    x = data.x.numpy()
    sets: dict[str, Any] = {
        "num_nodes": int(data.num_nodes), "x": standardize(x, x), "x_raw": x.astype(np.float64), "pos": data.pos.numpy().astype(np.float64),
        "delta": float(ds.spatial_delta or 1.0), "negatives": negatives, "other": other,
        "csr": CSR.from_undirected(parts["train"]["edge"], int(data.num_nodes)),
    }
    for name in ("train", "valid", "test"):
        sets[name] = {"pos": parts[name]["edge"].numpy(), "neg": parts[name]["edge_neg"].numpy(),
                      "neg_other": parts[name][f"edge_neg_{other}"].numpy()}
    return sets, ds.split_sha256


def eval_input(part: dict[str, np.ndarray], prediction: tuple[np.ndarray, np.ndarray]) -> dict[str, np.ndarray]:
    return {"y_pred_pos": prediction[0], "y_pred_neg": prediction[1]}


# --------------------------------------------------------------------- leaderboard submission hook
#: one stored example = one scored pair: ``label`` 1 for a held-out vessel, 0 for a pre-sampled negative
ID_COLUMNS = ("label", "src", "dst")
PREDICTION_COLUMNS = ("score",)


def example_ids(sets: dict[str, Any], part: str) -> Any:
    """Every scored pair of ``part``: the positives, then the negatives of the task's flavour."""
    import pandas as pd

    pos, neg = sets[part]["pos"], sets[part]["neg"]
    pairs = np.concatenate([pos, neg]).astype(np.int64)
    return pd.DataFrame({"label": np.concatenate([np.ones(len(pos), np.int8), np.zeros(len(neg), np.int8)]),
                         "src": pairs[:, 0], "dst": pairs[:, 1]})


def predictions_table(sets: dict[str, Any], part: str, output: tuple[np.ndarray, np.ndarray]) -> Any:
    """``fit_predict``'s (positive scores, negative scores) -> ``example_ids`` + ``score``."""
    table = example_ids(sets, part)
    table["score"] = np.concatenate([np.asarray(output[0], dtype=np.float64).ravel(),
                                     np.asarray(output[1], dtype=np.float64).ravel()])
    return table


def eval_input_from_predictions(sets: dict[str, Any], part: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """``values`` in ``example_ids`` order -> the Evaluator's ``y_pred_pos`` / ``y_pred_neg``."""
    n = len(sets[part]["pos"])
    scores = np.asarray(values, dtype=np.float64)[:, 0]
    return {"y_pred_pos": scores[:n], "y_pred_neg": scores[n:]}


# ------------------------------------------------------------------------------------------ heuristics

def _adjacency(sets: dict[str, Any]) -> Any:
    import scipy.sparse as sp

    train = sets["train"]["pos"]
    n = sets["num_nodes"]
    rows = np.concatenate([train[:, 0], train[:, 1]])
    cols = np.concatenate([train[:, 1], train[:, 0]])
    return sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))


def heuristic_scores(kind: str, adjacency: Any, pairs: np.ndarray) -> np.ndarray:
    """Common neighbours, Adamic-Adar (sum 1/log deg), resource allocation (sum 1/deg) of each pair."""
    import scipy.sparse as sp

    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    if kind == "common_neighbors":
        weight = np.ones_like(degree)
    elif kind == "adamic_adar":
        weight = np.where(degree > 1, 1.0 / np.log(np.maximum(degree, 2)), 0.0)
    else:
        weight = np.where(degree > 0, 1.0 / np.maximum(degree, 1), 0.0)
    weighted = adjacency @ sp.diags(weight)
    scores = np.empty(len(pairs))
    for start in range(0, len(pairs), 200_000):
        chunk = pairs[start:start + 200_000]
        scores[start:start + len(chunk)] = np.asarray(
            adjacency[chunk[:, 0]].multiply(weighted[chunk[:, 1]]).sum(axis=1)).ravel()
    return scores


def _predict_heuristic(kind: str, sets: dict[str, Any], **_: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    adjacency = _adjacency(sets)
    out = {name: tuple(heuristic_scores(kind, adjacency, sets[name][k]) for k in ("pos", "neg", "neg_other"))
           for name in ("valid", "test")}
    return out, {"parameters": 0}


# ---------------------------------------------------------------------------------------------- models

def _build_model(kind: str, in_dim: int, hidden: int, layers: int, dropout: float) -> Any:
    import torch

    from neuropil.benchmarks.tasks.vessel.models import build_encoder

    class LinkModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = build_encoder(kind, in_dim, hidden, layers, dropout)
            self.decoder = torch.nn.Sequential(torch.nn.Linear(2 * hidden + 4, hidden), torch.nn.ReLU(),
                                               torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
                                               torch.nn.Linear(hidden, 1))

        def score(self, hu: Any, hv: Any, geometry: Any) -> Any:
            return self.decoder(torch.cat([hu * hv, (hu - hv).abs(), geometry], dim=1)).squeeze(1)

    return LinkModel()


def _geometry(sets: dict[str, Any], pairs: np.ndarray) -> Any:
    import torch

    offset = np.abs(sets["pos"][pairs[:, 0]] - sets["pos"][pairs[:, 1]]) / sets["delta"]
    distance = np.linalg.norm(offset, axis=1, keepdims=True)
    return torch.from_numpy(np.concatenate([offset, distance], axis=1).astype(np.float32))


def _embed(model: Any, sets: dict[str, Any], nodes: Any, fanouts: list[int], *, exclude: Any = None,
           generator: Any = None) -> tuple[Any, Any]:
    """Embeddings of ``nodes`` (sorted unique ids returned with them)."""
    import torch

    from neuropil.benchmarks.tasks.vessel.models import embed

    return embed(model.encoder, sets["csr"], torch.from_numpy(sets["x"]), nodes, fanouts, generator=generator,
                 exclude=exclude)


def _score_pairs(model: Any, sets: dict[str, Any], pairs: np.ndarray, fanouts: list[int], batch: int = 20_000) -> np.ndarray:
    import torch

    out = []
    with torch.no_grad():
        for start in range(0, len(pairs), batch):
            chunk = pairs[start:start + batch]
            ends = torch.from_numpy(chunk.astype(np.int64))
            # inference uses every neighbour of the train graph (degrees are small)
            unique, h = _embed(model, sets, ends.flatten(), [max(f, 64) for f in fanouts])
            u, v = torch.searchsorted(unique, ends[:, 0].contiguous()), torch.searchsorted(unique, ends[:, 1].contiguous())
            out.append(model.score(h[u], h[v], _geometry(sets, chunk)).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def train_link_model(kind: str, sets: dict[str, Any], *, seed: int, quick: bool, progress: bool = False,
                     hidden: int = 64, layers: int = 2, fanouts: tuple[int, ...] = (10, 10), batch: int = 1024,
                     steps: int = 300, eval_every: int = 50, lr: float = 3e-3, dropout: float = 0.0,
                     rank: int = 0, world_size: int = 1) -> tuple[Any, dict[str, Any]]:
    """Adam on binary cross-entropy over the stored train positives and negatives; the state with the
    best validation ROC-AUC is kept. With ``world_size > 1`` (an initialised ``torch.distributed``
    process group, e.g. gloo) each rank takes its slice of every step's batch and the gradients are
    averaged by all-reduce, so every rank holds the same model after each step (data parallel)."""
    import torch
    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = core = _build_model(kind, sets["x"].shape[1], hidden, layers, dropout)
    if world_size > 1:
        import torch.distributed as dist

        for parameter in core.parameters():  # identical start on every rank
            dist.broadcast(parameter.data, src=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    positives, negatives = sets["train"]["pos"], sets["train"]["neg"]
    n = sets["num_nodes"]
    steps, eval_every, batch = (15, 5, min(batch, 256)) if quick else (steps, eval_every, batch)
    fanout_list = list(fanouts)[:layers]
    best = (-1.0, copy.deepcopy(core.state_dict()), 0)
    rng = np.random.default_rng(seed)
    # model selection on a fixed subset of at most 5,000 valid positives and negatives (whole brains
    # have 500k each); the reported valid metric is computed on the full split afterwards
    valid = {k: v[np.random.default_rng(0).permutation(len(v))[:5000]] for k, v in sets["valid"].items()}
    for step in tqdm(range(1, steps + 1), desc=f"vessel-link {kind}", leave=False, disable=not progress):
        model.train()
        pos = positives[rng.integers(0, len(positives), batch)]
        neg = negatives[rng.integers(0, len(negatives), batch)]
        if world_size > 1:  # the same draw on every rank (same seed); each keeps its slice
            pos, neg = np.array_split(pos, world_size)[rank], np.array_split(neg, world_size)[rank]
        pairs = np.concatenate([pos, neg])
        labels = torch.cat([torch.ones(len(pos)), torch.zeros(len(neg))])
        ends = torch.from_numpy(pairs.astype(np.int64))
        exclude = torch.from_numpy(np.minimum(pos[:, 0], pos[:, 1]).astype(np.int64) * n
                                   + np.maximum(pos[:, 0], pos[:, 1]))
        unique, h = _embed(core, sets, ends.flatten(), fanout_list, exclude=exclude, generator=generator)
        u, v = torch.searchsorted(unique, ends[:, 0].contiguous()), torch.searchsorted(unique, ends[:, 1].contiguous())
        logits = core.score(h[u], h[v], _geometry(sets, pairs))
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        if world_size > 1:  # data-parallel: average the gradients of all ranks (gloo all-reduce)
            for parameter in core.parameters():
                if parameter.grad is None:
                    parameter.grad = torch.zeros_like(parameter)
                dist.all_reduce(parameter.grad)
                parameter.grad /= world_size
        optimizer.step()
        if eval_every and (step % eval_every == 0 or step == steps):  # eval_every=0: no selection (timing)
            model.eval()
            auc = roc_auc(_score_pairs(core, sets, valid["pos"], fanout_list),
                          _score_pairs(core, sets, valid["neg"], fanout_list))
            if auc > best[0]:
                best = (auc, copy.deepcopy(core.state_dict()), step)
    if best[2]:
        core.load_state_dict(best[1])
    core.eval()
    return core, {"best_step": best[2], "valid_rocauc_selected": best[0], "parameters": _count(core)}


def _count(model: Any) -> int:
    from neuropil.benchmarks.tasks.vessel.models import count_parameters

    return count_parameters(model)


def _predict_trained(kind: str, sets: dict[str, Any], *, seed: int, quick: bool, progress: bool,
                     **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    model, info = train_link_model(kind, sets, seed=seed, quick=quick, progress=progress, **options)
    fanouts = list(options.get("fanouts", (10, 10)))[:options.get("layers", 2)]
    out = {name: tuple(_score_pairs(model, sets, sets[name][k], fanouts) for k in ("pos", "neg", "neg_other"))
           for name in ("valid", "test")}
    return out, info


_TRAINED = {"hidden": 64, "layers": 2, "fanouts": [10, 10], "batch": 1024, "steps": 300, "eval_every": 50,
            "lr": 3e-3, "decoder": "mlp([h_u*h_v, |h_u-h_v|, |p_u-p_v|/delta, ||p_u-p_v||/delta])",
            "inputs": "standardised x, y, z"}
_UNTRAINED = {"trained": False, "deterministic": True}

BASELINES: dict[str, dict[str, Any]] = {
    "distance": {"config": {"score": "-||p_u - p_v||"}, **_UNTRAINED},
    "distance_degree": {"config": {"model": "logistic regression (IRLS, L2 1e-4) fitted on train pairs",
                                   "features": "d, d^2, min/max train degree without the pair's edge, their product"},
                        **_UNTRAINED},
    "common_neighbors": {"config": {"graph": "train positives"}, **_UNTRAINED},
    "adamic_adar": {"config": {"graph": "train positives"}, **_UNTRAINED},
    "resource_allocation": {"config": {"graph": "train positives"}, **_UNTRAINED},
    "mlp": {"config": {**_TRAINED, "encoder": "mlp"}, "trained": True, "run_keys": ("protocol",)},
    "gcn": {"config": {**_TRAINED, "encoder": "torch_geometric.nn.GCNConv on sampled mini-batches"}, "trained": True,
            "run_keys": ("protocol",)},
    "sage": {"config": {**_TRAINED, "encoder": "torch_geometric.nn.SAGEConv (mean) on sampled mini-batches"},
             "trained": True, "run_keys": ("protocol",)},
}


def fit_predict(name: str, sets: dict[str, Any], *, seed: int, quick: bool, progress: bool, home: Any,
                config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    from neuropil.benchmarks.tasks.vessel import ogb_reference, trivial

    if name not in BASELINES:
        raise InvalidArgumentError(unknown_value(name, "model", BASELINES))
    protocol = config.get("protocol", "ours")
    if protocol not in PROTOCOLS:
        raise InvalidArgumentError(unknown_value(protocol, "protocol", PROTOCOLS))
    if name in ("distance", "distance_degree"):
        scores, info = trivial.predict(name, sets)
    elif not BASELINES[name]["trained"]:
        scores, info = _predict_heuristic(name, sets)
    elif protocol == "ogb":
        scores, info = ogb_reference.predict(name, sets, seed=seed, quick=quick, progress=progress)
    else:
        scores, info = _predict_trained(name, sets, seed=seed, quick=quick, progress=progress)
    positive, negative, other = scores["test"]
    low, high = bootstrap_interval(positive, negative, seed=seed)
    info = {**info, "protocol": protocol if BASELINES[name]["trained"] else "any",
            "test_rocauc_ci95_low": low, "test_rocauc_ci95_high": high,
            f"test_rocauc_{sets['other']}_negatives": roc_auc(positive, other)}
    return {name_: (pos, neg) for name_, (pos, neg, _) in scores.items()}, info


def parameter_count(name: str, info: dict[str, Any]) -> int:
    return int(info.get("parameters", 0))


# ------------------------------------------------------------------------------------ data parallel

def _data_parallel_worker(rank: int, world_size: int, init_method: str, sets: dict[str, Any], kind: str, seed: int,
                          options: dict[str, Any], out_dir: str) -> None:
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=init_method, rank=rank, world_size=world_size)
    try:
        model, _ = train_link_model(kind, sets, seed=seed, quick=False, rank=rank, world_size=world_size,
                                    **{"eval_every": 0, **options})
        torch.save(model.state_dict(), os.path.join(out_dir, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


def train_link_data_parallel(kind: str, sets: dict[str, Any], *, world_size: int = 2, seed: int = 0,
                             **options: Any) -> list[dict[str, Any]]:
    """Train on ``world_size`` local processes with ``torch.distributed`` (gloo); returns each rank's
    final state dict (they are identical: the point of the all-reduce). On several machines, run
    :func:`train_link_model` with ``rank`` / ``world_size`` inside your own process group instead."""
    import tempfile

    import torch
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory(prefix="vessel-ddp-") as folder:
        init_method = "file://" + os.path.join(folder, "rendezvous")
        mp.spawn(_data_parallel_worker, args=(world_size, init_method, sets, kind, seed, options, folder),
                 nprocs=world_size, join=True)
        # our own files from this run, loaded tensors-only
        return [torch.load(os.path.join(folder, f"rank{rank}.pt"), weights_only=True) for rank in range(world_size)]
