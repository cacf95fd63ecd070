"""Extrasynaptic layers in PyG: monoamine and neuropeptide signalling as their own edge types.

``neuropil.load("celegans-connectomes", connectome="bentley_2016_monoamine", format="pyg", hetero=True)``
has the edge type ``("neuron", "monoamine", "neuron")`` with one edge per ligand-receptor pair
(``extrasynaptic.parquet``): ``edge_ligand`` / ``edge_receptor`` index ``ligand_names`` /
``receptor_names``. ``Data`` graphs (``hetero=False``) carry the same layer as one ``edge_attr``
column: the number of ligand-receptor pairs per ordered neuron pair (Bentley) or the number of
neuropeptide-GPCR pairs (Ripoll-Sanchez 2023, which names no ligand per edge).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

EXTRASYNAPTIC_TYPES = ("monoamine", "neuropeptide")


def present_types(edges: pd.DataFrame) -> tuple[str, ...]:
    """The extrasynaptic edge types this connectome's edges hold."""
    found = set(edges["type"].unique())
    return tuple(t for t in EXTRASYNAPTIC_TYPES if t in found)


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
