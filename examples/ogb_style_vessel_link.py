"""An OGB ``ogbl-vessel`` GNN script run on neuropil's ``vessel-link``, modelled on OGB's
``examples/linkproppred/vessel/gnn.py``.

From an OGB script, two lines change (marked ``# OGB:`` below): the import, and the dataset name.
Other differences from OGB's script: messages pass over ``data.edge_index`` rather than
``T.ToSparseTensor()``'s ``adj_t`` (which needs torch-sparse; the PyG layers normalise themselves),
a plain summary replaces OGB's ``Logger``, and ``--lr`` defaults to 1e-3 (OGB's: 1e-6).

    neuropil ingest vesselgraph                  # once: the sample graph (or --graph NAME)
    python examples/ogb_style_vessel_link.py --use_sage
    python examples/ogb_style_vessel_link.py --quick     # a 2-epoch smoke run (what CI runs)
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torch_geometric.nn import GCNConv, SAGEConv

from neuropil.benchmarks.ogb import Evaluator, PygLinkPropPredDataset  # OGB: from ogb.linkproppred import ...

DATASET = "vessel-link"  # OGB: "ogbl-vessel"


class Encoder(torch.nn.Module):
    """``num_layers`` GCN or GraphSAGE layers with ReLU and dropout between them."""

    def __init__(self, conv: type, in_channels: int, hidden_channels: int, num_layers: int, dropout: float) -> None:
        super().__init__()
        sizes = [in_channels] + [hidden_channels] * num_layers
        self.convs = torch.nn.ModuleList(conv(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.dropout = dropout

    def reset_parameters(self) -> None:
        for conv in self.convs:
            conv.reset_parameters()

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        for conv in self.convs[:-1]:
            x = F.dropout(F.relu(conv(x, edge_index)), p=self.dropout, training=self.training)
        return self.convs[-1](x, edge_index)


class LinkPredictor(torch.nn.Module):
    """An MLP over ``h_u * h_v``, as OGB's: the probability that (u, v) is a vessel."""

    def __init__(self, hidden_channels: int, num_layers: int, dropout: float) -> None:
        super().__init__()
        self.lins = torch.nn.ModuleList(torch.nn.Linear(hidden_channels, hidden_channels)
                                        for _ in range(num_layers - 1))
        self.lins.append(torch.nn.Linear(hidden_channels, 1))
        self.dropout = dropout

    def reset_parameters(self) -> None:
        for lin in self.lins:
            lin.reset_parameters()

    def forward(self, h_u: torch.Tensor, h_v: torch.Tensor) -> torch.Tensor:
        x = h_u * h_v
        for lin in self.lins[:-1]:
            x = F.dropout(F.relu(lin(x)), p=self.dropout, training=self.training)
        return torch.sigmoid(self.lins[-1](x)).view(-1)


def train(model, predictor, data, split_edge, optimizer, batch_size: int) -> float:
    model.train()
    predictor.train()
    positive, negative = split_edge["train"]["edge"], split_edge["train"]["edge_neg"]
    total_loss = total_examples = 0
    for perm in DataLoader(range(positive.size(0)), batch_size, shuffle=True):
        optimizer.zero_grad()
        h = model(data.x, data.edge_index)
        pos_out = predictor(h[positive[perm, 0]], h[positive[perm, 1]])
        neg_out = predictor(h[negative[perm, 0]], h[negative[perm, 1]])
        loss = -torch.log(pos_out + 1e-15).mean() - torch.log(1 - neg_out + 1e-15).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        torch.nn.utils.clip_grad_norm_(predictor.parameters(), 1.0)
        optimizer.step()
        total_loss += loss.item() * pos_out.size(0)
        total_examples += pos_out.size(0)
    return total_loss / total_examples


@torch.no_grad()
def score(predictor, h: torch.Tensor, edges: torch.Tensor, batch_size: int) -> torch.Tensor:
    return torch.cat([predictor(h[edges[perm, 0]], h[edges[perm, 1]]) for perm in DataLoader(range(edges.size(0)),
                                                                                               batch_size)])


@torch.no_grad()
def test(model, predictor, data, split_edge, evaluator, batch_size: int) -> tuple[float, float, float]:
    model.eval()
    predictor.eval()
    h = model(data.x, data.edge_index)
    return tuple(evaluator.eval({
        "y_pred_pos": score(predictor, h, split_edge[part]["edge"], batch_size),
        "y_pred_neg": score(predictor, h, split_edge[part]["edge_neg"], batch_size),
    })["rocauc"] for part in ("train", "valid", "test"))


def main(argv: list[str] | None = None) -> list[tuple[float, float, float]]:
    parser = argparse.ArgumentParser(description=f"{DATASET} (GNN), after OGB's ogbl-vessel example")
    parser.add_argument("--root", default="dataset", help="the dataset's folder (processed files)")
    parser.add_argument("--use_sage", action="store_true")
    parser.add_argument("--num_layers", type=int, default=2)
    parser.add_argument("--hidden_channels", type=int, default=256)
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--batch_size", type=int, default=64 * 1024)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--eval_steps", type=int, default=10)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="2 epochs, 1 run, 32 channels: a smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.eval_steps, args.runs, args.hidden_channels = 2, 1, 1, 32
    print(args)

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dataset = PygLinkPropPredDataset(DATASET, root=args.root)
    data = dataset[0]
    # unit-norm coordinate columns, as OGB's script does
    data.x = F.normalize(data.x.to(torch.float), dim=0)
    data = data.to(device)
    split_edge = {part: {key: value.to(device) for key, value in edges.items()}
                  for part, edges in dataset.get_edge_split().items()}

    conv = SAGEConv if args.use_sage else GCNConv
    model = Encoder(conv, data.num_features, args.hidden_channels, args.num_layers, args.dropout).to(device)
    predictor = LinkPredictor(args.hidden_channels, args.num_layers, args.dropout).to(device)
    evaluator = Evaluator(name=DATASET)

    finals = []
    for run in range(args.runs):
        torch.manual_seed(run)
        model.reset_parameters()
        predictor.reset_parameters()
        optimizer = torch.optim.Adam(list(model.parameters()) + list(predictor.parameters()), lr=args.lr)
        result = (float("nan"),) * 3
        for epoch in range(1, 1 + args.epochs):
            loss = train(model, predictor, data, split_edge, optimizer, args.batch_size)
            if epoch % args.eval_steps == 0 or epoch == args.epochs:
                result = test(model, predictor, data, split_edge, evaluator, args.batch_size)
                print(f"Run: {run + 1:02d}, Epoch: {epoch:02d}, Loss: {loss:.4f}, "
                      f"Train: {result[0]:.4f}, Valid: {result[1]:.4f}, Test: {result[2]:.4f}")
        finals.append(result)
    test_scores = torch.tensor([final[2] for final in finals])
    print(f"{'SAGE' if args.use_sage else 'GCN'} on {DATASET}: {evaluator.eval_metric} test "
          f"{test_scores.mean():.4f} ± {test_scores.std() if len(finals) > 1 else 0.0:.4f} over {len(finals)} run(s)")
    return finals


if __name__ == "__main__":
    main()
