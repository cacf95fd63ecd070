"""``vessel-link --protocol ogb``: MLP / GCN / SAGE trained as OGB's ogbl-vessel reference scripts do
(snap-stanford/ogb ``examples/linkproppred/vessel/gnn.py`` and ``mlp.py``), on our graph and split.

What is reproduced: node features are the raw x, y, z coordinates L2-normalised per column over all
nodes (``torch.nn.functional.normalize(x[:, c], dim=0)``), so on a whole brain every coordinate is of
order 1e-3; full-batch message passing over the train graph; GCN = two ``GCNConv`` with symmetric
normalisation and self-loops, SAGE = two ``SAGEConv``, hidden 256, dropout 0.5, ReLU between layers;
the decoder sees only ``h_u * h_v`` (``LinkPredictor``: two linear layers, dropout 0.5, sigmoid);
loss ``-log p(pos) - log(1 - p(neg))`` over the train positives and as many train negatives, batch
65,536, Adam at lr 1e-6 for 100 epochs with gradient norms clipped to 1. The MLP is the reference's
``mlp.py``: the ``LinkPredictor`` alone (4 layers, hidden 256, dropout 0) on the normalised
coordinates, lr 1e-3, 100 epochs; its node2vec embeddings are not used (none exist for our graphs).
The epoch with the best validation ROC-AUC is kept, as the reference's logger reports it.

One deliberate difference: the decoder is evaluated in eval mode (no dropout at test time). The
reference's ``gnn.py`` left it in training mode (snap-stanford/ogb#359; with it fixed the reporter saw
GCN reach 70+ % test ROC-AUC at hidden size 3).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from neuropil._util import roc_auc

#: the reference scripts' defaults (gnn.py for gcn / sage, mlp.py for mlp)
SETTINGS: dict[str, dict[str, Any]] = {
    "gcn": {"hidden": 256, "layers": 2, "dropout": 0.5, "lr": 1e-6, "epochs": 100, "batch": 65536, "clip": 1.0},
    "sage": {"hidden": 256, "layers": 2, "dropout": 0.5, "lr": 1e-6, "epochs": 100, "batch": 65536, "clip": 1.0},
    "mlp": {"hidden": 256, "layers": 4, "dropout": 0.0, "lr": 1e-3, "epochs": 100, "batch": 65536, "clip": None},
}


def normalised_coordinates(x: np.ndarray) -> Any:
    """Each column divided by its L2 norm over all nodes (the reference's feature preprocessing)."""
    import torch

    return torch.nn.functional.normalize(torch.as_tensor(x, dtype=torch.float64), dim=0).float()


def _modules(kind: str, in_dim: int, setting: dict[str, Any]) -> tuple[Any, Any]:
    import torch
    from torch_geometric.nn import GCNConv, SAGEConv

    hidden, dropout = setting["hidden"], setting["dropout"]

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            conv = GCNConv if kind == "gcn" else SAGEConv
            self.convs = torch.nn.ModuleList([conv(in_dim, hidden)] + [conv(hidden, hidden)
                                                                        for _ in range(setting["layers"] - 1)])

        def forward(self, x: Any, edge_index: Any) -> Any:
            for conv in self.convs[:-1]:
                x = torch.nn.functional.dropout(torch.relu(conv(x, edge_index)), dropout, self.training)
            return self.convs[-1](x, edge_index)

    class LinkPredictor(torch.nn.Module):
        def __init__(self, width: int, layers: int) -> None:
            super().__init__()
            sizes = [width] + [hidden] * (layers - 1) + [1]
            self.lins = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

        def forward(self, hu: Any, hv: Any) -> Any:
            h = hu * hv
            for lin in self.lins[:-1]:
                h = torch.nn.functional.dropout(torch.relu(lin(h)), dropout, self.training)
            return torch.sigmoid(self.lins[-1](h)).squeeze(-1)

    if kind == "mlp":
        return None, LinkPredictor(in_dim, setting["layers"])
    return Encoder(), LinkPredictor(hidden, setting["layers"])


def predict(kind: str, sets: dict[str, Any], *, seed: int, quick: bool,
            progress: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """Valid and test scores (positives, negatives, other negatives) and info, as ``link`` expects."""
    import torch
    from tqdm.auto import tqdm

    setting = dict(SETTINGS[kind])
    if quick:
        setting["epochs"] = 3
    torch.manual_seed(seed)
    x = normalised_coordinates(sets["x_raw"])
    train = torch.from_numpy(sets["train"]["pos"].astype(np.int64))
    edge_index = torch.cat([train.t(), train.t().flip(0)], dim=1)
    encoder, predictor = _modules(kind, x.shape[1], setting)
    parameters = list(predictor.parameters()) + (list(encoder.parameters()) if encoder is not None else [])
    optimizer = torch.optim.Adam(parameters, lr=setting["lr"])
    negatives = torch.from_numpy(sets["train"]["neg"].astype(np.int64))
    generator = torch.Generator().manual_seed(seed)

    def embeddings() -> Any:
        return encoder(x, edge_index) if encoder is not None else x

    def scores(h: Any, pairs: np.ndarray) -> np.ndarray:
        ends = torch.from_numpy(pairs.astype(np.int64))
        return predictor(h[ends[:, 0]], h[ends[:, 1]]).numpy().astype(np.float64)

    def set_mode(training: bool) -> None:
        for module in (encoder, predictor):
            if module is not None:
                module.train(training)

    best = (-1.0, None, 0)
    for epoch in tqdm(range(1, setting["epochs"] + 1), desc=f"vessel-link ogb {kind}", leave=False,
                      disable=not progress):
        set_mode(True)
        for chunk in torch.randperm(train.shape[0], generator=generator).split(setting["batch"]):
            optimizer.zero_grad()
            h = embeddings()
            pos, neg = train[chunk], negatives[chunk % negatives.shape[0]]
            loss = -torch.log(predictor(h[pos[:, 0]], h[pos[:, 1]]) + 1e-15).mean() \
                - torch.log(1 - predictor(h[neg[:, 0]], h[neg[:, 1]]) + 1e-15).mean()
            loss.backward()
            if setting["clip"]:
                for module in (encoder, predictor):
                    torch.nn.utils.clip_grad_norm_(module.parameters(), setting["clip"])
            optimizer.step()
        set_mode(False)
        with torch.no_grad():
            h = embeddings()
            auc = roc_auc(scores(h, sets["valid"]["pos"]), scores(h, sets["valid"]["neg"]))
        if auc > best[0]:
            best = (auc, copy.deepcopy([m.state_dict() if m is not None else None for m in (encoder, predictor)]), epoch)
    for module, state in zip((encoder, predictor), best[1]):
        if module is not None:
            module.load_state_dict(state)
    set_mode(False)
    with torch.no_grad():
        h = embeddings()
        out = {name: tuple(scores(h, sets[name][k]) for k in ("pos", "neg", "neg_other")) for name in ("valid", "test")}
    info = {"best_epoch": best[2], "valid_rocauc_selected": best[0],
            "parameters": int(sum(p.numel() for p in parameters)),
            **{f"ogb_{key}": value for key, value in setting.items() if value is not None}}
    return out, info
