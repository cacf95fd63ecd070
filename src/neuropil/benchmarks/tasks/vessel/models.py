"""Pure-torch graph learning for the vessel tasks: a CSR neighbour sampler, GCN / GraphSAGE layers on
sampled blocks, and the training loops shared by ``vessel-link`` and ``vessel-node``.

No pyg-lib / torch-sparse: the sampler works on a CSR (``rowptr``, ``col``) with vectorized torch ops,
so one mini-batch costs O(sampled edges) and a whole-brain graph (3.5M nodes) trains in bounded
memory. With ``fanout >= degree`` a node keeps all its neighbours (vessel graphs have degree 1-4,
so the default fanouts sample exactly); above it neighbours are drawn with replacement.

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


@dataclass
class Block:
    """One hop: ``dst`` nodes are the first ``num_dst`` of ``nodes``; messages ``src_local -> dst_local``."""

    nodes: Any  # global ids of every node this hop reads (dst first)
    num_dst: int
    src_local: Any
    dst_local: Any


def sample_blocks(csr: CSR, seeds: Any, fanouts: list[int], *, generator: Any = None,
                  exclude: Any = None) -> list[Block]:
    """Blocks from the outermost hop to the seeds (``blocks[-1].nodes[:num_dst]`` == unique seeds)."""
    import torch

    nodes = torch.unique(torch.as_tensor(seeds, dtype=torch.long))
    blocks = []
    for fanout in fanouts:
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
        idx_many = start[dst_many] + draws
        dst = torch.cat([dst_full, dst_many])
        neighbour = csr.col[torch.cat([idx_full, idx_many])]
        if exclude is not None and exclude.numel():
            a, b = nodes[dst], neighbour
            keys = torch.minimum(a, b) * csr.num_nodes + torch.maximum(a, b)
            keep = ~torch.isin(keys, exclude)
            dst, neighbour = dst[keep], neighbour[keep]
        # local ids: dst nodes first, new neighbours after
        everything, inverse = torch.unique(torch.cat([nodes, neighbour]), return_inverse=True)
        is_new = torch.ones(everything.numel(), dtype=torch.bool)
        is_new[inverse[:nodes.numel()]] = False
        new_nodes = everything[is_new]
        position = torch.empty(everything.numel(), dtype=torch.long)
        position[inverse[:nodes.numel()]] = torch.arange(nodes.numel())
        position[is_new] = torch.arange(nodes.numel(), nodes.numel() + new_nodes.numel())
        block_nodes = torch.cat([nodes, new_nodes])
        blocks.append(Block(block_nodes, nodes.numel(), position[inverse[nodes.numel():]], dst))
        nodes = block_nodes
    return blocks[::-1]


def build_encoder(kind: str, in_dim: int, hidden: int, layers: int, dropout: float) -> Any:
    import torch

    class Encoder(torch.nn.Module):
        """``mlp``: per-node MLP; ``sage``: h' = W1 h + W2 mean(h_nbr); ``gcn``: h' = W mean(h, h_nbr),
        both on sampled blocks (GCN's symmetric normalisation replaced by the mean over the node and
        its sampled neighbours, which is what sampling can estimate without full degrees)."""

        def __init__(self) -> None:
            super().__init__()
            self.kind = kind
            self.input = torch.nn.Linear(in_dim, hidden)
            self.self_lin = torch.nn.ModuleList(torch.nn.Linear(hidden, hidden) for _ in range(layers))
            self.nbr_lin = torch.nn.ModuleList(torch.nn.Linear(hidden, hidden, bias=False) for _ in range(layers)
                                               ) if kind == "sage" else None
            self.dropout = dropout

        def forward(self, x: Any, blocks: list[Block] | None = None) -> Any:
            h = torch.relu(self.input(x))
            if self.kind == "mlp":
                for lin in self.self_lin:
                    h = torch.relu(lin(torch.nn.functional.dropout(h, self.dropout, self.training))) + h
                return h
            for index, block in enumerate(blocks or []):
                h = torch.nn.functional.dropout(h, self.dropout, self.training)
                total = torch.zeros(block.num_dst, h.shape[1], dtype=h.dtype)
                total.index_add_(0, block.dst_local, h[block.src_local])
                count = torch.bincount(block.dst_local, minlength=block.num_dst).to(h.dtype).unsqueeze(1)
                target = h[:block.num_dst]
                if self.kind == "sage":
                    out = self.self_lin[index](target) + self.nbr_lin[index](total / count.clamp(min=1))
                else:
                    out = self.self_lin[index]((total + target) / (count + 1))
                h = torch.relu(out) + target  # residual: keeps each vessel's own features at depth
            return h

    return Encoder()


def count_parameters(module: Any) -> int:
    return int(sum(p.numel() for p in module.parameters()))


def standardize(x: np.ndarray, reference: np.ndarray) -> np.ndarray:
    mean, std = reference.mean(axis=0), reference.std(axis=0)
    return ((x - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)
