"""Extrasynaptic and contact layers in PyG: monoamine and neuropeptide signalling, membrane contact,
each as an edge type of its own.

``neuropil.load("celegans-connectomes", connectome="bentley_2016_monoamine", format="pyg", hetero=True)``
has the edge type ``("neuron", "monoamine", "neuron")`` with one edge per ligand-receptor pair
(``extrasynaptic.parquet``): ``edge_ligand`` / ``edge_receptor`` index ``ligand_names`` /
``receptor_names``. ``Data`` graphs (``hetero=False``) carry the same layer as one ``edge_attr``
column: the number of ligand-receptor pairs per ordered neuron pair (Bentley) or the number of
neuropeptide-GPCR pairs (Ripoll-Sanchez 2023, which names no ligand per edge). A contactome
(``brittin_2021``) gives ``("neuron", "contact", "neuron")``, both directions of each contact, weight the
contact area; its ``Data`` graph has the column ``"contact"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

EXTRASYNAPTIC_TYPES = ("monoamine", "neuropeptide")
#: the edge types a connectome can add with ``layers=``: not synapses, so never an edge_attr column of a wiring diagram
LAYER_TYPES = (*EXTRASYNAPTIC_TYPES, "contact")


def present_types(edges: pd.DataFrame) -> tuple[str, ...]:
    """The layer edge types (extrasynaptic, contact) this connectome's edges hold."""
    found = set(edges["type"].unique())
    return tuple(t for t in LAYER_TYPES if t in found)


def attach_ligands(data: Any, path: Path, connectome: str) -> Any:
    """Replace each extrasynaptic edge store of ``data`` (``HeteroData``) by one edge per
    ligand-receptor record, where the source names them."""
    import pyarrow.parquet as pq
    import torch

    file = path / "extrasynaptic.parquet"
    if not file.is_file():
        return data
    records = pq.read_table(file, filters=[("connectome", "==", connectome)]).to_pandas()
    for kind, group in records.groupby("type"):
        store = data["neuron", kind, "neuron"]
        ligands = sorted(group["ligand"].unique())
        receptors = sorted(group["receptor"].unique())
        store.edge_index = torch.from_numpy(np.stack([group["pre_index"].to_numpy(dtype=np.int64),
                                                      group["post_index"].to_numpy(dtype=np.int64)]))
        store.edge_weight = torch.ones(len(group), dtype=torch.float32)
        store.edge_ligand = torch.from_numpy(group["ligand"].map({n: i for i, n in enumerate(ligands)}).to_numpy(dtype=np.int64))
        store.edge_receptor = torch.from_numpy(
            group["receptor"].map({n: i for i, n in enumerate(receptors)}).to_numpy(dtype=np.int64))
        store.ligand_names = ligands
        store.receptor_names = receptors
    return data


def add_layer(data: Any, layer: str, edges: pd.DataFrame, path: Path) -> Any:
    """Add the extrasynaptic or contact layer ``layer`` (its ``edges``) to ``data`` (``HeteroData``) as edge
    types of their own: a multilayer connectome (e.g. Cook 2019 synapses + Bentley 2016 monoamines, or
    White 1986 N2U synapses + Brittin 2021 contact)."""
    from neuropil.datasets.celegans_connectomes import UNDIRECTED_TYPES
    import torch

    from neuropil.errors import InvalidArgumentError

    kinds = present_types(edges)
    if not kinds:
        raise InvalidArgumentError(f"layers: {layer!r} has no extrasynaptic edges nor contact edges; a layer is one "
                                   "of the bentley_2016_*, ripoll_sanchez_2023_* or contactome (brittin_2021, "
                                   "yim_2024_dauer_contact*) connectomes.")
    for kind in kinds:
        key = ("neuron", kind, "neuron")
        if key in data.edge_types and data[key].edge_index.shape[1]:
            raise InvalidArgumentError(f"layers: {layer!r} gives edge type {kind!r}, which the graph already has; "
                                       "take one layer per edge type.")
        chosen = edges[edges["type"] == kind]
        pre, post = chosen["pre_index"].to_numpy(dtype=np.int64), chosen["post_index"].to_numpy(dtype=np.int64)
        weight = chosen["weight"].to_numpy(dtype=np.float32)
        if kind in UNDIRECTED_TYPES:  # stored once per unordered pair; a graph has both directions
            mirror = pre != post
            pre, post, weight = (np.concatenate([pre, post[mirror]]), np.concatenate([post, pre[mirror]]),
                                 np.concatenate([weight, weight[mirror]]))
        data[key].edge_index = torch.from_numpy(np.stack([pre, post]))
        data[key].edge_weight = torch.from_numpy(weight)
        data[key].layer = layer
    return attach_ligands(data, path, layer)
