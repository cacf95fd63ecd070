"""Graph learning for the vessel tasks: a pure-torch CSR neighbour sampler that yields PyG-shaped
mini-batches, and MLP / GCN / GraphSAGE encoders built from ``torch_geometric.nn`` layers.

PyG's ``NeighborLoader`` needs pyg-lib or torch-sparse (not installable everywhere); this sampler
works on a CSR (``rowptr``, ``col``) with vectorized torch ops, so one mini-batch costs O(sampled
edges) and a whole-brain graph (3.5M nodes) trains in bounded memory. Its output is what
``NeighborLoader`` yields: a ``Data`` with ``n_id`` (global ids, the seeds first), ``edge_index``
(local ids, neighbour -> node, i.e. PyG's source -> target), ``batch_size`` (the number of seeds),
``num_sampled_nodes`` / ``num_sampled_edges`` per hop and ``x`` when given; a model computes
``model(batch.x, batch.edge_index)[:batch.batch_size]``, so any PyG model plugs in unchanged. With
``fanout >= degree`` a node keeps all its neighbours (vessel graphs have degree 1-4, so the default
fanouts sample exactly); above it neighbours are drawn with replacement.

``exclude`` (pair keys ``min * N + max``) drops edges from the sampled neighbourhoods: link
prediction passes the batch's own positive edges, so a model never sees the edge it must predict
(without this a GNN learns "v is already my neighbour" on train and fails on test).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class CSR:
    rowptr: Any  # torch.LongTensor (N + 1)
    col: Any  # torch.LongTensor (nnz)
    num_nodes: int

    @classmethod
    def from_undirected(cls, pairs: Any, num_nodes: int) -> "CSR":
        """From (E, 2) undirected pairs: both directions, sorted by row."""
        import torch

        pairs = torch.as_tensor(pairs, dtype=torch.long)
        row = torch.cat([pairs[:, 0], pairs[:, 1]])
        col = torch.cat([pairs[:, 1], pairs[:, 0]])
        order = torch.argsort(row, stable=True)
        counts = torch.bincount(row, minlength=num_nodes)
        rowptr = torch.zeros(num_nodes + 1, dtype=torch.long)
        rowptr[1:] = torch.cumsum(counts, 0)
        return cls(rowptr, col[order].contiguous(), num_nodes)

    def degree(self) -> Any:
        return self.rowptr[1:] - self.rowptr[:-1]


def sample_subgraph(csr: CSR, seeds: Any, fanouts: list[int], *, x: Any = None, generator: Any = None,
                    exclude: Any = None) -> Any:
    """A ``NeighborLoader``-shaped ``torch_geometric.data.Data`` around the unique ``seeds`` (sorted,
    ``n_id[:batch_size]``): hop k expands the nodes hop k - 1 added, keeping the edges to nodes
    already sampled."""
    import torch
    from torch_geometric.data import Data

    seeds = torch.unique(torch.as_tensor(seeds, dtype=torch.long))
    n_id, frontier = seeds, torch.arange(seeds.numel())
    rows, cols, num_nodes, num_edges = [], [], [seeds.numel()], []
    for fanout in fanouts:
        nodes = n_id[frontier]
        start, degree = csr.rowptr[nodes], csr.rowptr[nodes + 1] - csr.rowptr[nodes]
        full = degree <= fanout
        # all neighbours of low-degree nodes
        counts = torch.where(full, degree, torch.zeros_like(degree))
        dst_full = torch.repeat_interleave(torch.arange(nodes.numel()), counts)
        offsets = torch.arange(int(counts.sum())) - torch.repeat_interleave(torch.cumsum(counts, 0) - counts, counts)
        idx_full = torch.repeat_interleave(start, counts) + offsets
        # fanout draws with replacement for the others
        many = torch.nonzero(~full).flatten()
        dst_many = torch.repeat_interleave(many, fanout)
        draws = (torch.rand(dst_many.numel(), generator=generator) * degree[dst_many]).long()
        dst = torch.cat([dst_full, dst_many])
        neighbour = csr.col[torch.cat([idx_full, start[dst_many] + draws])]
        if exclude is not None and exclude.numel():
            a, b = nodes[dst], neighbour
            keep = ~torch.isin(torch.minimum(a, b) * csr.num_nodes + torch.maximum(a, b), exclude)
            dst, neighbour = dst[keep], neighbour[keep]
        # local ids: nodes already sampled keep theirs, new ones are appended in id order
        known, inverse = torch.unique(torch.cat([n_id, neighbour]), return_inverse=True)
        local = torch.full((known.numel(),), -1, dtype=torch.long)
        local[inverse[:n_id.numel()]] = torch.arange(n_id.numel())
        new = local < 0
        local[new] = torch.arange(n_id.numel(), n_id.numel() + int(new.sum()))
        rows.append(local[inverse[n_id.numel():]])
        cols.append(frontier[dst])
        frontier = torch.arange(n_id.numel(), n_id.numel() + int(new.sum()))
        n_id = torch.cat([n_id, known[new]])
        num_nodes.append(int(new.sum()))
        num_edges.append(int(dst.numel()))
    edge_index = torch.stack([torch.cat(rows), torch.cat(cols)]) if rows else torch.zeros((2, 0), dtype=torch.long)
    batch = Data(n_id=n_id, edge_index=edge_index, num_nodes=n_id.numel())
    batch.batch_size, batch.num_sampled_nodes, batch.num_sampled_edges = seeds.numel(), num_nodes, num_edges
    if x is not None:
        batch.x = x[n_id]
    return batch


def build_encoder(kind: str, in_dim: int, hidden: int, layers: int, dropout: float) -> Any:
    import torch
    from torch_geometric.nn import GCNConv, SAGEConv

    class Encoder(torch.nn.Module):
        """A linear input layer, then ``layers`` residual layers ``h + relu(layer(h))``: per-node
        linear (``mlp``), ``torch_geometric.nn.GCNConv`` (symmetric normalisation with self-loops over
        the mini-batch's edges) or ``SAGEConv`` (mean aggregator, root weight); ``forward(x, edge_index)``
        as every PyG model."""

        def __init__(self) -> None:
            super().__init__()
            self.kind = kind
            self.input = torch.nn.Linear(in_dim, hidden)
            make = {"mlp": lambda: torch.nn.Linear(hidden, hidden), "gcn": lambda: GCNConv(hidden, hidden),
                    "sage": lambda: SAGEConv(hidden, hidden)}[kind]
            self.layers = torch.nn.ModuleList(make() for _ in range(layers))
            self.dropout = dropout

        def forward(self, x: Any, edge_index: Any = None) -> Any:
            h = torch.relu(self.input(x))
            for layer in self.layers:
                inner = torch.nn.functional.dropout(h, self.dropout, self.training)
                out = layer(inner) if self.kind == "mlp" else layer(inner, edge_index)
                h = torch.relu(out) + h  # residual: keeps each vessel's own features at depth
            return h

    return Encoder()


def embed(encoder: Any, csr: CSR, x: Any, seeds: Any, fanouts: list[int], *, generator: Any = None,
          exclude: Any = None) -> tuple[Any, Any]:
    """(sorted unique ``seeds``, their embeddings): one sampled mini-batch through ``encoder`` (an MLP
    reads no neighbours)."""
    batch = sample_subgraph(csr, seeds, [] if encoder.kind == "mlp" else fanouts, x=x, generator=generator,
                            exclude=exclude)
    return batch.n_id[:batch.batch_size], encoder(batch.x, batch.edge_index)[:batch.batch_size]


def count_parameters(module: Any) -> int:
    return int(sum(p.numel() for p in module.parameters()))


def standardize(x: np.ndarray, reference: np.ndarray) -> np.ndarray:
    mean, std = reference.mean(axis=0), reference.std(axis=0)
    return ((x - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)
