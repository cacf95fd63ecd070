"""VesselGraph as pandas tables, PyG graphs, the ``vessel-link`` and ``vessel-node`` task views.

=========================  ============================  ===============================  =========
view                       nodes                         edges                            features
=========================  ============================  ===============================  =========
``task=None``              bifurcations                  cleaned vessels, both directions x, y, z; 5 edge
``task="link"``            bifurcations                  train positives, both directions x, y, z (+ options)
``task="node"`` (line g.)  vessels                       vessels sharing a bifurcation    length, distance,
                                                                                          curveness
=========================  ============================  ===============================  =========

Example::

    >>> import neuropil
    >>> from neuropil.loaders.vesselgraph import VesselLinkDataset                       # doctest: +SKIP
    >>> ds = VesselLinkDataset("data/vessel_link", graph="sample")  # an OGB-shaped InMemoryDataset
    >>> split = ds.get_edge_split()             # OGB: {'train': {'edge', 'edge_neg'}, 'valid': ..., 'test': ...}
    >>> split["test"]["edge"].shape                                                       # doctest: +SKIP
    torch.Size([305, 2])

Node features ``x`` of the link view: ``pos_x, pos_y, pos_z`` (voxels, as published) and, with
``node_features="xyz+degree+border"``, the degree **in the training graph** (the full-graph degree
would leak held-out edges) and the sample-border flag. Edge features: ``length, distance,
avgRadiusAvg, roundnessAvg, curveness`` (float32; never cast to integers).

Line graph (``task="node"``): one node per cleaned vessel, features ``length, distance, curveness``
(each vessel once: no doubled-then-halved features), ``y`` = class of ``minRadiusAvg``: 0 for
<= 5, 1 for (5, 13.33], 2 for > 13.33 voxels (3 classes, declared as 3 even when a graph lacks
one), masks ``train_mask`` / ``valid_mask`` / ``test_mask`` from the stored split.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil import _store
from neuropil.datasets.vesselgraph import SAMPLE, SPEC
from neuropil.errors import InvalidArgumentError, NotIngestedError, unknown_value

TABLES = ("nodes", "edges", "link_split")
TASKS = ("link", "node")
LINK_EDGE_FEATURES = ("length", "distance", "avgRadiusAvg", "roundnessAvg", "curveness")
LINE_FEATURES = ("length", "distance", "curveness")
#: minRadiusAvg class boundaries in voxels (VesselGraph's "pb" choice 5, 13.33): <= 5, (5, 13.33], > 13.33
RADIUS_BOUNDARIES = (5.0, 13.33)
NUM_CLASSES = len(RADIUS_BOUNDARIES) + 1


def _path(home: str | os.PathLike[str] | None) -> Path:
    return _store.require_version(SPEC.id, SPEC.version, home)


def ingested_graphs(home: str | os.PathLike[str] | None = None) -> list[str]:
    manifest = _store.read_manifest(SPEC.id, SPEC.version, home) or {}
    return list(manifest.get("graphs", []))


def _read(name: str, graph: str, home: str | os.PathLike[str] | None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    path = _path(home)
    graphs = ingested_graphs(home)
    if graph not in graphs:
        raise NotIngestedError(f"VesselGraph graph {graph!r} is not ingested in {path} (ingested: {graphs}). Run "
                               f"`neuropil ingest vesselgraph --graph {graph}` (add --raw-dir / --allow-unverified "
                               "for graphs other than the sample).")
    return pq.read_table(path / f"{name}.parquet", filters=[("graph", "==", graph)]).to_pandas()


def to_pandas(*, table: str = "edges", graph: str = SAMPLE, home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One homogenized table (``nodes``, ``edges``, ``link_split``) of one graph."""
    if table not in TABLES:
        raise InvalidArgumentError(unknown_value(table, "table", TABLES))
    return _read(table, graph, home)


def radius_class(min_radius: np.ndarray) -> np.ndarray:
    """0 (<= 5), 1 (5, 13.33], 2 (> 13.33) voxels."""
    return np.searchsorted(np.asarray(RADIUS_BOUNDARIES), np.asarray(min_radius, dtype=np.float64), side="left")


def line_graph_edges(source: np.ndarray, target: np.ndarray, num_nodes: int) -> np.ndarray:
    """Undirected pairs of vessels (edge indices) that share a bifurcation, each pair once per shared node."""
    endpoints = np.concatenate([source, target])
    vessel = np.concatenate([np.arange(source.size), np.arange(source.size)])
    order = np.argsort(endpoints, kind="stable")
    endpoints, vessel = endpoints[order], vessel[order]
    degree = np.bincount(endpoints, minlength=num_nodes)
    start = np.concatenate([[0], np.cumsum(degree)])
    pairs = []
    for d in np.unique(degree[degree >= 2]):
        nodes_d = np.flatnonzero(degree == d)
        incident = vessel[start[nodes_d][:, None] + np.arange(d)[None, :]]  # (n_d, d)
        i, j = np.triu_indices(int(d), k=1)
        pairs.append(np.stack([incident[:, i].ravel(), incident[:, j].ravel()], axis=1))
    return np.concatenate(pairs) if pairs else np.zeros((0, 2), np.int64)


def _node_view(graph: str, home: Any) -> Any:
    import torch
    from torch_geometric.data import Data

    nodes = _read("nodes", graph, home)
    edges = _read("edges", graph, home)
    if edges["minRadiusAvg"].isna().any():
        raise InvalidArgumentError(f"Graph {graph!r} has no minRadiusAvg (no edge attributes): no vessel-node labels.")
    pairs = line_graph_edges(edges["source"].to_numpy(), edges["target"].to_numpy(), len(nodes))
    edge_index = torch.from_numpy(np.concatenate([pairs, pairs[:, ::-1]]).T.copy())
    data = Data(x=torch.from_numpy(edges[list(LINE_FEATURES)].to_numpy(np.float32, copy=True)), edge_index=edge_index,
                y=torch.from_numpy(radius_class(edges["minRadiusAvg"].to_numpy()).astype(np.int64)),
                num_nodes=len(edges))
    for name in ("train", "valid", "test"):
        setattr(data, f"{name}_mask", torch.from_numpy((edges["line_split"] == name).to_numpy(copy=True)))
    data.num_classes = NUM_CLASSES
    data.feature_names = list(LINE_FEATURES)
    return data


def to_pyg(*, graph: str = SAMPLE, task: str | None = None, negatives: str = "spatial", node_features: str = "xyz",
           home: str | os.PathLike[str] | None = None) -> Any:
    """The graph (``task=None``), the link view (``task="link"``: a :class:`VesselLinkDataset` held in
    memory; give it a ``root`` to cache it on disk) or the line graph (``task="node"``)."""
    import torch
    from torch_geometric.data import Data

    if task == "link":
        from neuropil.loaders.vesselgraph_pyg import VesselLinkDataset

        return VesselLinkDataset(None, graph=graph, negatives=negatives, node_features=node_features, home=home)
    if task == "node":
        return _node_view(graph, home)
    if task is not None:
        raise InvalidArgumentError(unknown_value(task, "task", TASKS))
    nodes = _read("nodes", graph, home)
    edges = _read("edges", graph, home)
    pairs = edges[["source", "target"]].to_numpy(np.int64)
    attr = torch.from_numpy(edges[list(LINK_EDGE_FEATURES)].to_numpy(np.float32, copy=True))
    return Data(x=torch.from_numpy(nodes[["pos_x", "pos_y", "pos_z"]].to_numpy(np.float32, copy=True)),
                edge_index=torch.from_numpy(np.concatenate([pairs, pairs[:, ::-1]]).T.copy()),
                edge_attr=torch.cat([attr, attr]), num_nodes=len(nodes),
                is_at_sample_border=torch.from_numpy(nodes["is_at_sample_border"].to_numpy(copy=True)))


def to_networkx(*, graph: str = SAMPLE, home: str | os.PathLike[str] | None = None) -> Any:
    """An undirected ``networkx.Graph`` with node positions and all edge attributes (small graphs)."""
    import networkx as nx

    nodes = _read("nodes", graph, home)
    edges = _read("edges", graph, home)
    g = nx.Graph()
    g.add_nodes_from((int(r.node), {"pos": (r.pos_x, r.pos_y, r.pos_z), "border": bool(r.is_at_sample_border)})
                     for r in nodes.itertuples())
    attributes = [c for c in edges.columns if c not in ("graph", "source", "target")]
    g.add_edges_from((int(s), int(t), dict(zip(attributes, values)))
                     for s, t, *values in edges[["source", "target", *attributes]].itertuples(index=False))
    return g


def __getattr__(name: str) -> Any:
    # the PyG class lives in its own module so that importing this one never imports torch_geometric
    if name == "VesselLinkDataset":
        from neuropil.loaders.vesselgraph_pyg import VesselLinkDataset

        return VesselLinkDataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_hf(*, graph: str = SAMPLE, home: str | os.PathLike[str] | None = None) -> Any:
    """A ``datasets.DatasetDict`` of one graph: splits ``nodes``, ``edges`` and ``link_split`` (the
    stored vessel-link split, one row per positive or negative pair), Parquet types kept."""
    from neuropil.loaders.hf_export import tables_to_hf

    return tables_to_hf({name: _read(name, graph, home) for name in TABLES})
