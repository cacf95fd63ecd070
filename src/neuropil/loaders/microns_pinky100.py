"""MICrONS pinky100 (L2/3 pyramidal cells) as PyG ``Data``, pandas and networkx.

============  =====  ================================================  ==========================
graph         nodes  edges                                             features
============  =====  ================================================  ==========================
pinky100      363    1,752 directed pairs (2 autapses), 1,981 synapses  ``pos`` nm; ``x`` = pos mm,
                                                                       axon, dendrite length (um)
============  =====  ================================================  ==========================

``edge_attr``: ``synapse_count``. ``root_id``: the pinky100 segment id of each node.

Example::

    >>> data = neuropil.load("microns-pinky100", format="pyg")   # doctest: +SKIP
    >>> data.num_nodes, data.num_edges                             # doctest: +SKIP
    (363, 1752)
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from neuropil.datasets.microns import PINKY_SPEC
from neuropil.loaders._microns import networkx_graph, pyg_data, read_table

TABLES = ("neurons", "edges", "synapses")


def to_pandas(*, table: str = "edges", home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """``neurons``, ``edges`` (one row per pair) or ``synapses`` (one row per synapse)."""
    return read_table(PINKY_SPEC.id, table, home=home, tables=TABLES)


def to_pyg(*, self_loops: bool = True, home: str | os.PathLike[str] | None = None) -> Any:
    """The connectome as a PyG ``Data``; ``self_loops=False`` drops the autapse pairs."""
    import torch

    neurons = to_pandas(table="neurons", home=home).sort_values("index")
    edges = to_pandas(table="edges", home=home)
    if not self_loops:
        edges = edges[edges["pre_index"] != edges["post_index"]]
    data = pyg_data(neurons, edges["pre_index"].to_numpy(), edges["post_index"].to_numpy(),
                    edge_attr=edges["synapse_count"].to_numpy(), edge_attr_names=["synapse_count"],
                    id_columns=("root_id",))
    lengths = neurons[["axon_len", "dendrite_len"]].to_numpy(dtype=np.float32, copy=True)
    data.x = torch.cat([data.x, torch.from_numpy(lengths)], dim=1)
    return data


def to_networkx(*, home: str | os.PathLike[str] | None = None) -> Any:
    """A ``DiGraph`` on node index with the soma attributes; edges carry ``synapse_count``."""
    neurons = to_pandas(table="neurons", home=home)
    edges = to_pandas(table="edges", home=home)
    return networkx_graph(neurons, edges, pre="pre_index", post="post_index", edge_columns=["synapse_count"])


def to_hf(*, home: str | os.PathLike[str] | None = None) -> Any:
    """A ``datasets.DatasetDict`` with splits ``neurons``, ``edges`` and ``synapses``."""
    from neuropil.loaders._microns import hf_dict

    return hf_dict({name: to_pandas(table=name, home=home) for name in TABLES})
