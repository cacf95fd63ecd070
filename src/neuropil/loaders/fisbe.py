"""FISBe as pandas tables, per-neuron skeleton graphs (PyG ``Data`` / networkx), and volumes.

Reads what ``neuropil ingest fisbe`` published: ``images.parquet``, ``instances.parquet``,
``skeleton_nodes.parquet``, ``skeleton_edges.parquet`` and ``images/<sample>.h5``.

>>> graphs = neuropil.load("fisbe", sample="R14A02-20180905_65_A6", format="pyg")  # doctest: +SKIP
>>> graphs[0]          # one Data per neuron                                           # doctest: +SKIP
Data(x=[229, 5], edge_index=[2, 616], edge_attr=[308, 1], pos=[229, 3], ...)

============  =========================================================================
per neuron    nodes: endpoints / junctions / loop seeds of the pruned Lee skeleton
x             (z, y, x) in um, radius in um, degree
pos           (z, y, x) in um (0.44 um isotropic voxels)
edge_index    both directions of every branch (multi-edges and self-loops kept)
edge_attr     branch length in um
============  =========================================================================
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil import _store
from neuropil.datasets.fisbe import SPEC
from neuropil.errors import InvalidArgumentError, unknown_value
from neuropil.formats.fisbe_volumes import VOXEL_SIZE_UM

TABLES = ("instances", "images", "skeleton_nodes", "skeleton_edges")


def _path(home: str | os.PathLike[str] | None) -> Path:
    return _store.require_version(SPEC.id, SPEC.version, home)


def _read(home: Any, table: str, sample: str | None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    if table not in TABLES:
        raise InvalidArgumentError(unknown_value(table, "table", TABLES))
    frame = pq.read_table(_path(home) / f"{table}.parquet").to_pandas()
    if sample is not None:
        samples = sorted(pq.read_table(_path(home) / "images.parquet", columns=["sample"]).column(0).to_pylist())
        if sample not in samples:
            raise InvalidArgumentError(unknown_value(sample, "sample (ingested)", samples))
        frame = frame[frame["sample"] == sample]
    return frame.reset_index(drop=True)


def to_pandas(*, table: str = "instances", sample: str | None = None,
              home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One of ``instances``, ``images``, ``skeleton_nodes``, ``skeleton_edges`` (one sample if given)."""
    return _read(home, table, sample)


def to_pyg(*, sample: str, instance: int | None = None, home: str | os.PathLike[str] | None = None) -> Any:
    """The skeleton graph of every neuron of ``sample`` as a list of ``torch_geometric.data.Data``
    (only neuron ``instance``, a label value, when given: then one ``Data``)."""
    import torch
    from torch_geometric.data import Data

    nodes = _read(home, "skeleton_nodes", sample)
    edges = _read(home, "skeleton_edges", sample)
    instances = _read(home, "instances", sample)
    wanted = instances["instance"].tolist()
    if instance is not None:
        if int(instance) not in wanted:
            raise InvalidArgumentError(unknown_value(str(instance), f"instance of {sample}", [str(i) for i in wanted]))
        wanted = [int(instance)]
    graphs = []
    for number in wanted:
        row = instances[instances["instance"] == number].iloc[0]
        own_nodes = nodes[nodes["instance"] == number].sort_values("node")
        own_edges = edges[edges["instance"] == number]
        pos = torch.tensor(own_nodes[["z", "y", "x"]].to_numpy() * VOXEL_SIZE_UM, dtype=torch.float32).reshape(-1, 3)
        x = torch.cat([pos, torch.tensor(own_nodes[["radius_um", "degree"]].to_numpy(), dtype=torch.float32)
                       .reshape(-1, 2)], dim=1)
        pairs = own_edges[["source", "target"]].to_numpy().astype(np.int64).reshape(-1, 2)
        edge_index = torch.tensor(np.concatenate([pairs, pairs[:, ::-1]]).T.copy(), dtype=torch.long).reshape(2, -1)
        length = torch.tensor(np.concatenate([own_edges["length_um"].to_numpy()] * 2), dtype=torch.float32)
        graphs.append(Data(x=x, pos=pos, edge_index=edge_index, edge_attr=length.reshape(-1, 1),
                           sample=sample, instance=int(number), dim=bool(row["dim"]),
                           skeleton_length_um=float(row["skeleton_length_um"]), labelling=row["labelling"],
                           split=row["split"]))
    return graphs[0] if instance is not None else graphs


def to_networkx(*, sample: str, instance: int | None = None, home: str | os.PathLike[str] | None = None) -> Any:
    """The same skeleton graphs as ``networkx.MultiGraph`` objects (node attrs z, y, x, radius_um, kind)."""
    import networkx as nx

    nodes = _read(home, "skeleton_nodes", sample)
    edges = _read(home, "skeleton_edges", sample)
    wanted = sorted(nodes["instance"].unique()) if instance is None else [int(instance)]
    graphs = []
    for number in wanted:
        graph = nx.MultiGraph(sample=sample, instance=int(number))
        for row in nodes[nodes["instance"] == number].itertuples():
            graph.add_node(int(row.node), z=row.z, y=row.y, x=row.x, radius_um=row.radius_um, kind=row.kind)
        for row in edges[edges["instance"] == number].itertuples():
            graph.add_edge(int(row.source), int(row.target), length_um=row.length_um, voxels=int(row.voxels))
        graphs.append(graph)
    return graphs[0] if instance is not None else graphs


@contextlib.contextmanager
def open_volume(sample: str, *, name: str = "raw", home: str | os.PathLike[str] | None = None) -> Iterator[Any]:
    """One array of an ingested image as an open, chunked ``h5py.Dataset`` (read it slab by slab)."""
    import h5py

    images = _read(home, "images", sample)
    with h5py.File(_path(home) / images["file"].iloc[0], "r") as handle:
        if name not in handle:
            raise InvalidArgumentError(unknown_value(name, f"array of {sample}", list(handle)))
        yield handle[name]


def read_volume(sample: str, *, name: str = "gt_instances", home: str | os.PathLike[str] | None = None) -> np.ndarray:
    """One whole array of an ingested image: ``gt_instances`` (neurons, z, y, x) uint8 or ``raw``."""
    import h5py

    images = _read(home, "images", sample)
    with h5py.File(_path(home) / images["file"].iloc[0], "r") as handle:
        if name not in handle:
            raise InvalidArgumentError(unknown_value(name, f"array of {sample}", list(handle)))
        return handle[name][()]


def to_hf(*, sample: str | None = None, home: str | os.PathLike[str] | None = None) -> Any:
    """A ``datasets.DatasetDict`` with splits ``images``, ``instances``, ``skeleton_nodes`` and
    ``skeleton_edges`` (one sample if given); the volumes stay in HDF5 (:func:`open_volume`)."""
    from neuropil.loaders.hf_export import tables_to_hf

    return tables_to_hf({name: _read(home, name, sample) for name in TABLES})
