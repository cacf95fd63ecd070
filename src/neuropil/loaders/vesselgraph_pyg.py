"""``VesselLinkDataset``: the ``vessel-link`` view of a VesselGraph graph as an OGB-shaped PyG
``InMemoryDataset`` (OGB's ``PygLinkPropPredDataset`` for ``ogbl-vessel``, on our stored split).

Defined at module level (picklable); imported lazily by :mod:`neuropil.loaders.vesselgraph`, so
importing neuropil does not import ``torch_geometric``. Conventions (``root``, the cache, ``home``):
:mod:`neuropil.loaders._pyg`. OGB's names (``PygLinkPropPredDataset("vessel-link")``, ``Evaluator``):
:mod:`neuropil.benchmarks.ogb`.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np

from neuropil import _store
from neuropil.datasets.vesselgraph import SAMPLE, SPEC
from neuropil.errors import InvalidArgumentError, StoreCorruptedError, unknown_value
from neuropil.loaders import load
from neuropil.loaders._pyg import PublishedInMemoryDataset

__all__ = ["EVAL_METRIC", "NEGATIVES", "NODE_FEATURES", "VesselLinkDataset"]

NEGATIVES = ("spatial", "random")
NODE_FEATURES = ("xyz", "xyz+degree+border")
#: OGB's ``eval metric`` of ogbl-vessel; the ``vessel-link`` TaskSpec's primary metric (a test pins both)
EVAL_METRIC = "rocauc"
_PARTS = ("train", "valid", "test")
_KINDS = (("pos", "edge"), ("neg_random", "edge_neg_random"), ("neg_spatial", "edge_neg_spatial"))


class VesselLinkDataset(PublishedInMemoryDataset):
    r"""Link prediction on a VesselGraph graph, OGB-shaped: ``dataset[0]`` is the message-passing graph
    (the train positives, both directions), ``get_edge_split()`` OGB's dict of held-out pairs,
    ``eval_metric`` / ``meta_info`` / ``task_type`` as on OGB's ``PygLinkPropPredDataset``.

    ``root`` is this dataset's folder (processed files in ``root/processed``; ``None``: in memory
    only); the graph comes from ``vesselgraph`` published in the neuropil home (``home=``), so run
    ``neuropil ingest vesselgraph [--graph NAME]`` once. ``negatives`` picks what ``edge_neg`` holds
    (``spatial``: a node within the cube of half-width delta, OGB's choice; ``random``); both flavours
    stay available as ``edge_neg_spatial`` / ``edge_neg_random``. ``node_features="xyz+degree+border"``
    adds the train-graph degree and the sample-border flag to ``x``.

    **STATS** (``graph="sample"``):

    .. list-table::
        :header-rows: 1

        * - #nodes
          - #train edges (both directions)
          - #valid / #test positives
          - #features
          - metric
        * - 2,970
          - 4,854 (2 x 2,427 train positives)
          - 304 / 304 (as many negatives of each flavour)
          - 3 (x, y, z) or 5
          - ROC-AUC

    Example::

        >>> from neuropil.loaders.vesselgraph import VesselLinkDataset
        >>> dataset = VesselLinkDataset("data/vessel_link")                   # doctest: +SKIP
        >>> split = dataset.get_edge_split()                                  # doctest: +SKIP
        >>> sorted(split["test"])                                             # doctest: +SKIP
        ['edge', 'edge_attr', 'edge_neg', 'edge_neg_random', 'edge_neg_spatial']
    """

    dataset_id = SPEC.id
    version = SPEC.version
    task_type = "link prediction"
    eval_metric = EVAL_METRIC
    is_hetero = False
    binary = True

    def __init__(self, root: str | os.PathLike[str] | None = None, transform: Callable | None = None,
                 pre_transform: Callable | None = None, *, graph: str = SAMPLE, negatives: str = "spatial",
                 node_features: str = "xyz", force_reload: bool = False,
                 home: str | os.PathLike[str] | None = None) -> None:
        if negatives not in NEGATIVES:
            raise InvalidArgumentError(unknown_value(negatives, "negatives", NEGATIVES))
        if node_features not in NODE_FEATURES:
            raise InvalidArgumentError(unknown_value(node_features, "node_features", NODE_FEATURES))
        self.graph, self.negatives, self.node_features = graph, negatives, node_features
        self.name = "vessel-link"
        super().__init__(root, transform, pre_transform, force_reload=force_reload, home=home)

    # ------------------------------------------------------------------ OGB's surface
    def get_edge_split(self, split_type: str | None = None) -> dict[str, dict[str, Any]]:
        """``{'train'|'valid'|'test': {'edge': (E, 2), 'edge_neg': (E, 2), 'edge_attr',
        'edge_neg_random', 'edge_neg_spatial'}}``; ``split_type`` (OGB's argument; ``spatial`` is
        ogbl-vessel's) picks the negatives in ``edge_neg``, by default ``negatives``."""
        flavour = self.negatives if split_type is None else split_type
        if flavour not in NEGATIVES:
            raise InvalidArgumentError(unknown_value(flavour, "split_type", NEGATIVES))
        out = {}
        for name in _PARTS:
            part = dict(self._split[name])
            part["edge_neg"] = part[f"edge_neg_{flavour}"]
            if part["edge_neg"].shape[0] == 0:
                raise InvalidArgumentError(f"Graph {self.graph!r} has no {flavour} negatives (no edge distances).")
            out[name] = part
        return out

    @property
    def meta_info(self) -> dict[str, Any]:
        """OGB's ``master.csv`` row for this dataset (real booleans, not OGB's strings) plus our split's
        provenance."""
        return {
            "eval metric": self.eval_metric, "task type": self.task_type, "version": self.version,
            "split": self.negatives, "add_inverse_edge": True, "has_node_attr": True, "has_edge_attr": True,
            "is hetero": self.is_hetero, "binary": self.binary, "additional node files": None,
            "additional edge files": None, "download_name": None, "url": None,
            "graph": self.graph, "node_features": self.node_features, "split_sha256": self.split_sha256,
            "spatial_delta": self.spatial_delta, "home": str(self.home),
        }

    # ------------------------------------------------------------------ the cache
    def processed_stem(self) -> str:
        return f"link_{self.graph}_{self.node_features.replace('+', '_')}"

    def build(self) -> list[Any]:
        import torch

        # through the public loader (not an import of vesselgraph, which re-exports this class)
        full = load(SPEC.id, graph=self.graph, format="pyg", home=self.home)
        link = load(SPEC.id, table="link_split", graph=self.graph, format="pandas", home=self.home)
        stats = ((_store.read_manifest(SPEC.id, SPEC.version, self.home) or {}).get("stats") or {}).get(self.graph, {})
        n = int(full.num_nodes)
        vessels = full.edge_index.shape[1] // 2  # the first half is each cleaned vessel once, as stored
        keys = (full.edge_index[0, :vessels] * n + full.edge_index[1, :vessels]).numpy()
        order = np.argsort(keys, kind="stable")
        split: dict[str, dict[str, Any]] = {}
        for name in _PARTS:
            part = link[link["split"] == name]
            entry = {}
            for kind, field in _KINDS:
                pairs = part.loc[part["kind"] == kind, ["source", "target"]].to_numpy(np.int64).reshape(-1, 2)
                entry[field] = torch.from_numpy(np.ascontiguousarray(pairs))
            wanted = entry["edge"][:, 0].numpy() * n + entry["edge"][:, 1].numpy()
            slot = np.minimum(np.searchsorted(keys, wanted, sorter=order), len(keys) - 1)
            found = order[slot]
            if not np.array_equal(keys[found], wanted):
                raise StoreCorruptedError(f"vesselgraph {self.graph!r}: link_split.parquet names {name} positives "
                                          "that edges.parquet lacks; re-ingest with `neuropil ingest vesselgraph "
                                          f"--graph {self.graph} --force`.")
            entry["edge_attr"] = full.edge_attr[:vessels][torch.from_numpy(found)]
            split[name] = entry
        train = split["train"]["edge"]
        x = [full.x]
        if self.node_features == "xyz+degree+border":
            degree = torch.bincount(train.reshape(-1), minlength=n).to(torch.float32)
            x += [degree[:, None], full.is_at_sample_border.to(torch.float32)[:, None]]
        from torch_geometric.data import Data

        self._split = split
        self.split_sha256 = str(stats.get("link_split_sha256", ""))
        self.spatial_delta = stats.get("spatial_delta")
        graph = Data(x=torch.cat(x, dim=1), edge_index=torch.cat([train.t(), train.t().flip(0)], dim=1),
                     edge_attr=torch.cat([split["train"]["edge_attr"]] * 2, dim=0), pos=full.x.clone(), num_nodes=n)
        return [graph]

    def extras(self) -> dict[str, Any]:
        return {"split": self._split, "graph": self.graph, "split_sha256": self.split_sha256,
                "spatial_delta": self.spatial_delta}

    def restore_extras(self, extras: dict[str, Any]) -> None:
        self._split = extras["split"]
        self.split_sha256 = extras["split_sha256"]
        self.spatial_delta = extras["spatial_delta"]

    def __repr__(self) -> str:
        return f"VesselLinkDataset(graph={self.graph!r}, negatives={self.negatives!r}, {self._data})"
