"""C. elegans connectomes as PyG ``Data``/``HeteroData``, Hugging Face datasets, pandas and networkx.

Every graph uses the canonical 300-neuron axis: node ``i`` is ``neurons.parquet`` row ``i`` in
every connectome, so graphs of different connectomes can be compared position by position.

=================  =====  ==========================================================  ==========
graph              nodes  edges (directed, electrical expanded to both directions)    features
=================  =====  ==========================================================  ==========
``cook_2019``      300    chemical + electrical pairs, ``edge_attr`` = [electrical,     4 + K
                          chemical] EM section counts
any connectome     300    as above; ``functional=True`` adds a third column (dF/F)     4 + K
=================  =====  ==========================================================  ==========

Node features ``x``: one-hot neuron type (sensory, inter, motor, pharyngeal), then one-hot
neurotransmitter (``data.neurotransmitter_names``, K categories of the master sheet). ``pos``: x, y, z.
``y``: neuron type index (-1 where unknown). ``node_names``: canonical labels.

Example::

    >>> import neuropil
    >>> data = neuropil.load("celegans-connectomes", connectome="cook_2019", format="pyg")  # doctest: +SKIP
    >>> data.num_nodes, data.edge_attr.shape[1]                                            # doctest: +SKIP
    (300, 2)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil import _store
from neuropil.datasets.celegans_connectomes import (CONNECTOMES, EDGE_TYPES, FUNCTIONAL_CONNECTOMES, NEURON_TYPES, SPEC,
                                                    TRANSMITTER_CONNECTOMES, UNDIRECTED_TYPES)
from neuropil.errors import InvalidArgumentError, NotIngestedError, unknown_value

DEFAULT_CONNECTOME = "cook_2019"
TABLES = ("edges", "neurons", "consensus", "partner_edges", "unmapped", "cells", "cell_edges", "extrasynaptic",
          "transmitters")
#: PyG edge_attr column order: electrical first, as the issue and the published baselines have it
EDGE_ATTR_ORDER = ("electrical", "chemical", "functional")


def _store_path(home: str | os.PathLike[str] | None) -> Path:
    return _store.require_version(SPEC.id, SPEC.version, home)


def _check_connectome(connectome: str) -> str:
    valid = SPEC.configs["connectome"]
    if connectome not in valid:
        from neuropil.loaders.celegans_series import refuse_series_id

        refuse_series_id(connectome)
        raise InvalidArgumentError(unknown_value(connectome, "connectome", valid))
    return connectome


def _read(path: Path, name: str, *, connectome: str | None = None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    filters = [("connectome", "==", connectome)] if connectome is not None else None
    return pq.read_table(path / f"{name}.parquet", filters=filters).to_pandas()


def _ensure_available(path: Path, connectome: str) -> None:
    if connectome == "consensus":
        return
    manifest = _store.load_manifest(path / _store.MANIFEST, SPEC.id)
    if connectome not in manifest.get("connectomes", []):
        reason = manifest.get("missing_connectomes", {}).get(connectome, "not ingested")
        raise NotIngestedError(f"Connectome {connectome!r} was not ingested: {reason}")


def edge_table(*, connectome: str = DEFAULT_CONNECTOME, home: str | os.PathLike[str] | None = None,
               min_reporting: int = 1, min_series: int = 1) -> pd.DataFrame:
    """Edges of one connectome (or the consensus, weight = its mean over the reporting connectomes in
    synapses, or dF/F for functional edges) as ``pre_index, post_index, type, weight`` with electrical pairs stored once.
    On the consensus, ``min_reporting`` keeps edges reported by at least that many annotations and
    ``min_series`` those seen in at least that many independent EM series (animals; annotations that
    re-read the same micrographs count once)."""
    path = _store_path(home)
    _check_connectome(connectome)
    _ensure_available(path, connectome)
    if connectome == "consensus":
        table = _read(path, "consensus")
        table = table[(table["n_reporting"] >= int(min_reporting)) & (table["n_series"] >= int(min_series))]
        return table.rename(columns={"weight_mean": "weight"})
    return _read(path, "edges", connectome=connectome)


def to_pandas(*, connectome: str = DEFAULT_CONNECTOME, table: str = "edges", home: str | os.PathLike[str] | None = None,
              min_reporting: int = 1, min_series: int = 1) -> pd.DataFrame:
    """One homogenized table: ``edges`` (of ``connectome``), ``neurons``, ``consensus``,
    ``partner_edges`` (of ``connectome``) or ``unmapped``."""
    if table not in TABLES:
        raise InvalidArgumentError(unknown_value(table, "table", TABLES))
    if table == "edges":
        return edge_table(connectome=connectome, home=home, min_reporting=min_reporting, min_series=min_series)
    path = _store_path(home)
    if table in ("partner_edges", "cell_edges", "extrasynaptic"):
        return _read(path, table, connectome=_check_connectome(connectome))
    return _read(path, table)


def _directed(edges: pd.DataFrame, types: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pre, post, type code) arrays with electrical and contact pairs expanded to both directions."""
    edges = edges[edges["type"].isin(types)]
    pre = edges["pre_index"].to_numpy(dtype=np.int64)
    post = edges["post_index"].to_numpy(dtype=np.int64)
    kind = edges["type"].map({t: i for i, t in enumerate(types)}).to_numpy(dtype=np.int64)
    # a missing weight (one atlas pair has q but no dF/F) is 0 in a tensor: NaN would poison a model
    weight = np.nan_to_num(edges["weight"].to_numpy(dtype=np.float32), nan=0.0)
    mirror = np.isin(kind, [types.index(t) for t in UNDIRECTED_TYPES if t in types]) & (pre != post)
    pre = np.concatenate([pre, post[mirror]])
    post = np.concatenate([post, edges["pre_index"].to_numpy(dtype=np.int64)[mirror]])
    kind = np.concatenate([kind, kind[mirror]])
    weight = np.concatenate([weight, weight[mirror]])
    return np.stack([pre, post]), kind, weight


def _edge_types(connectome: str, functional: bool) -> tuple[str, ...]:
    if functional or connectome in FUNCTIONAL_CONNECTOMES:
        return EDGE_ATTR_ORDER
    return EDGE_ATTR_ORDER[:2]


def _node_tensors(neurons: pd.DataFrame) -> dict[str, Any]:
    import torch

    type_index = neurons["type"].map({t: i for i, t in enumerate(NEURON_TYPES)})
    y = torch.from_numpy(type_index.fillna(-1).to_numpy(dtype=np.int64, copy=True))
    transmitters = sorted(neurons["neurotransmitter"].dropna().unique().tolist())
    one_hot_type = np.zeros((len(neurons), len(NEURON_TYPES)), dtype=np.float32)
    known = type_index.notna().to_numpy()
    one_hot_type[np.flatnonzero(known), type_index[known].to_numpy(dtype=np.int64)] = 1.0
    one_hot_nt = np.zeros((len(neurons), len(transmitters)), dtype=np.float32)
    nt_index = neurons["neurotransmitter"].map({t: i for i, t in enumerate(transmitters)})
    has_nt = nt_index.notna().to_numpy()
    one_hot_nt[np.flatnonzero(has_nt), nt_index[has_nt].to_numpy(dtype=np.int64)] = 1.0
    return {
        "x": torch.from_numpy(np.concatenate([one_hot_type, one_hot_nt], axis=1)),
        "pos": torch.from_numpy(neurons[["x", "y", "z"]].to_numpy(dtype=np.float32, copy=True)),
        "y": y,
        "node_names": neurons["label"].tolist(),
        "neurotransmitter_names": transmitters,
    }


def to_pyg(*, connectome: str = DEFAULT_CONNECTOME, hetero: bool = False, functional: bool = False,
           min_reporting: int = 1, min_series: int = 1, series: bool = False, axis: str = "neurons", layers: tuple[str, ...] = (),
           home: str | os.PathLike[str] | None = None) -> Any:
    """One connectome as a PyG ``Data`` (``hetero=True``: ``HeteroData`` with one edge type per
    synapse type). ``edge_attr`` columns: electrical, chemical (and functional when asked for or
    for ``randi_2023``); ``edge_attr_names`` lists them. ``series=True`` with a series id (e.g.
    ``witvliet_2021``): a list of graphs ordered by age, each with ``age_hours`` (see
    :mod:`neuropil.loaders.celegans_series`). ``axis="all"``: one node per cell, male-specific
    neurons, muscles and other cells after the 300 neurons (see :mod:`neuropil.loaders.celegans_cells`).
    ``layers=("bentley_2016_monoamine", "brittin_2021", ...)`` with ``hetero=True``: extrasynaptic and
    contact layers added as edge types of their own (see :mod:`neuropil.loaders.celegans_extrasynaptic`)."""
    from neuropil.loaders.celegans_cells import check_axis, extend_to_all_cells

    check_axis(axis)
    if series:
        from neuropil.loaders.celegans_series import series_members, stamp

        return [stamp(to_pyg(connectome=member, hetero=hetero, functional=functional, axis=axis, layers=layers,
                             home=home), member)
                for member in series_members(connectome)]
    if layers and not hetero:
        raise InvalidArgumentError("layers= adds edge types: pass hetero=True (a Data graph has one edge set).")
    import torch
    from torch_geometric.data import Data, HeteroData

    edges = edge_table(connectome=connectome, home=home, min_reporting=min_reporting, min_series=min_series)
    neurons = _read(_store_path(home), "neurons")
    nodes = _node_tensors(neurons)
    n = len(neurons)
    if axis == "all":
        edges, nodes, n = extend_to_all_cells(_store_path(home), connectome, edges, nodes)
    if connectome in TRANSMITTER_CONNECTOMES:  # the atlas these edges are typed by, as node attributes
        from neuropil.loaders.celegans_cells import transmitter_nodes

        nodes = {**nodes, **transmitter_nodes(_store_path(home), CONNECTOMES[connectome].sex, nodes["node_names"])}
    from neuropil.loaders.celegans_extrasynaptic import add_layer, attach_ligands, present_types

    types = _edge_types(connectome, functional) + present_types(edges)
    index, kind, weight = _directed(edges, types)
    if hetero:
        data = HeteroData()
        for key, value in nodes.items():
            data["neuron"][key] = value
        data["neuron"].num_nodes = n
        for code, name in enumerate(types):
            chosen = kind == code
            data["neuron", name, "neuron"].edge_index = torch.from_numpy(np.ascontiguousarray(index[:, chosen]))
            data["neuron", name, "neuron"].edge_weight = torch.from_numpy(weight[chosen])
        data.connectome = connectome
        data = attach_ligands(data, _store_path(home), connectome)
        for layer in ([layers] if isinstance(layers, str) else layers):
            data = add_layer(data, layer, edge_table(connectome=layer, home=home), _store_path(home))
        return data
    # one edge per ordered pair; a pair with several synapse types gets several non-zero columns
    key = index[0] * n + index[1]
    unique_keys, slot = np.unique(key, return_inverse=True)
    edge_attr = np.zeros((len(unique_keys), len(types)), dtype=np.float32)
    np.add.at(edge_attr, (slot, kind), weight)
    edge_index = np.stack([unique_keys // n, unique_keys % n])
    return Data(edge_index=torch.from_numpy(edge_index), edge_attr=torch.from_numpy(edge_attr),
                num_nodes=n, edge_attr_names=list(types), connectome=connectome, **nodes)


def _hf_features() -> dict[str, Any]:
    from datasets import ClassLabel, Features, Sequence, Value

    neurons = Features({
        "index": Value("int32"), "label": Value("string"), "class": Value("string"),
        "type": ClassLabel(names=list(NEURON_TYPES)), "neurotransmitter": Value("string"),
        "x": Value("float64"), "y": Value("float64"), "z": Value("float64"),
    })
    edges = Features({
        "connectome": Value("string"), "pre_index": Value("int32"), "post_index": Value("int32"),
        "pre": Value("string"), "post": Value("string"), "type": ClassLabel(names=list(EDGE_TYPES)),
        "weight": Value("float64"), "pre_raw": Value("string"), "post_raw": Value("string"),
        "q": Value("float64"), "polyadic_synapses": Value("float64"), "sign": Value("float64"),
    })
    consensus = Features({
        "pre_index": Value("int32"), "post_index": Value("int32"), "pre": Value("string"), "post": Value("string"),
        "type": ClassLabel(names=list(EDGE_TYPES)), "n_reporting": Value("int32"), "n_series": Value("int32"),
        "n_covering": Value("int32"), "weight_mean": Value("float64"), "weight_median": Value("float64"),
        "weight_std": Value("float64"), "sources": Sequence(Value("string")),
        "series": Sequence(Value("string")),
    })
    return {"neurons": neurons, "edges": edges, "consensus": consensus}


def to_hf(*, connectome: str = DEFAULT_CONNECTOME, home: str | os.PathLike[str] | None = None) -> Any:
    """A ``datasets.DatasetDict`` with splits ``neurons`` and ``edges`` (or ``consensus``), typed
    with real ``Features`` (``type`` columns are ``ClassLabel``)."""
    from datasets import Dataset, DatasetDict

    features = _hf_features()
    path = _store_path(home)
    neurons = _read(path, "neurons")
    neurons["type"] = neurons["type"].map({t: i for i, t in enumerate(NEURON_TYPES)}).astype("Int64")
    if connectome == "consensus":
        name, table = "consensus", _read(path, "consensus")
    else:
        name, table = "edges", edge_table(connectome=connectome, home=home)
    table = table.assign(type=table["type"].map({t: i for i, t in enumerate(EDGE_TYPES)}))
    return DatasetDict({
        "neurons": Dataset.from_pandas(neurons, features=features["neurons"], preserve_index=False),
        name: Dataset.from_pandas(table, features=features[name], preserve_index=False),
    })


def to_networkx(*, connectome: str = DEFAULT_CONNECTOME, functional: bool = True, min_reporting: int = 1,
                min_series: int = 1, home: str | os.PathLike[str] | None = None) -> Any:
    """A ``networkx.MultiDiGraph`` keyed by canonical label; one edge per (pre, post, type) with
    ``weight`` and ``type`` attributes (key = type); electrical junctions in both directions."""
    import networkx as nx

    edges = edge_table(connectome=connectome, home=home, min_reporting=min_reporting, min_series=min_series)
    neurons = _read(_store_path(home), "neurons")
    graph = nx.MultiDiGraph(connectome=connectome)
    for row in neurons.itertuples(index=False):
        graph.add_node(row.label, index=int(row.index), cls=row[2], type=row.type,
                       neurotransmitter=row.neurotransmitter, pos=(row.x, row.y, row.z))
    types = EDGE_TYPES if functional else ("chemical", "electrical")
    for row in edges[edges["type"].isin(types)].itertuples(index=False):
        graph.add_edge(row.pre, row.post, key=row.type, type=row.type, weight=float(row.weight))
        if row.type in UNDIRECTED_TYPES and row.pre != row.post:
            graph.add_edge(row.post, row.pre, key=row.type, type=row.type, weight=float(row.weight))
    return graph


def __getattr__(name: str) -> Any:
    # the PyG class lives in its own module so that importing this one never imports torch_geometric
    if name == "CElegansConnectomes":
        from neuropil.loaders.celegans_connectomes_pyg import CElegansConnectomes

        return CElegansConnectomes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
