"""``axis="all"``: C. elegans graphs over every cell, not only the 300 canonical neurons.

``neuropil.load("celegans-connectomes", connectome="cook_2019_male", format="pyg", axis="all")``
gives one node per row of ``cells.parquet`` (the 300 neurons first, in the same order as
``axis="neurons"``, then CANL/CANR, the 90 male-specific neurons, then muscles and other cells),
with the edges of ``edges.parquet`` plus those of ``cell_edges.parquet``. Node features: the
neuron features (zero beyond row 300), then one-hot ``cell_class``; ``cell_class`` lists the class
names; ``has_pos`` marks the rows whose ``pos`` is known (the 300 neurons).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil.datasets.celegans_cells import AXES, CELL_CLASSES
from neuropil.errors import InvalidArgumentError, NotIngestedError, unknown_value


def check_axis(axis: str) -> str:
    if axis not in AXES:
        raise InvalidArgumentError(unknown_value(axis, "axis", AXES))
    return axis


def _table(path: Path, name: str, connectome: str | None = None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    file = path / f"{name}.parquet"
    if not file.is_file():
        raise NotIngestedError(f"{file} is missing: this ingest predates it; run "
                               "`neuropil ingest celegans-connectomes --force`.")
    filters = [("connectome", "==", connectome)] if connectome is not None else None
    return pq.read_table(file, filters=filters).to_pandas()


def cells(path: Path) -> pd.DataFrame:
    """The ``axis="all"`` table: ``index, label, cell_class``."""
    return _table(path, "cells")


def extend_to_all_cells(path: Path, connectome: str, edges: pd.DataFrame,
                        nodes: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any], int]:
    """(edges over every cell, node tensors over every cell, node count) from the 300-neuron ones."""
    import torch

    axis = cells(path)
    n, n_neurons = len(axis), int(nodes["x"].shape[0])
    if connectome != "consensus":  # the consensus is a neuron-axis table
        extra = _table(path, "cell_edges", connectome)
        edges = pd.concat([edges[["pre_index", "post_index", "type", "weight"]],
                           extra[["pre_index", "post_index", "type", "weight"]]], ignore_index=True)
    classes = axis["cell_class"].map({c: i for i, c in enumerate(CELL_CLASSES)}).to_numpy(dtype=np.int64)
    one_hot = np.zeros((n, len(CELL_CLASSES)), dtype=np.float32)
    one_hot[np.arange(n), classes] = 1.0
    x = np.zeros((n, nodes["x"].shape[1]), dtype=np.float32)
    x[:n_neurons] = nodes["x"].numpy()
    pos = np.zeros((n, 3), dtype=np.float32)
    pos[:n_neurons] = np.nan_to_num(nodes["pos"].numpy())
    y = np.full(n, -1, dtype=np.int64)
    y[:n_neurons] = nodes["y"].numpy()
    has_pos = np.zeros(n, dtype=bool)
    has_pos[:n_neurons] = ~np.isnan(nodes["pos"].numpy()).any(axis=1)
    extended = {**nodes, "x": torch.from_numpy(np.concatenate([x, one_hot], axis=1)), "pos": torch.from_numpy(pos),
                "y": torch.from_numpy(y), "has_pos": torch.from_numpy(has_pos),
                "node_names": axis["label"].tolist(), "cell_class": axis["cell_class"].tolist(),
                "cell_class_names": list(CELL_CLASSES)}
    return edges, extended, n


def transmitter_nodes(path: Path, sex: str, node_names: list[str]) -> dict[str, Any]:
    """The Wang et al. 2024 atlas (``transmitters.parquet``) of ``sex`` as node attributes:
    ``transmitters`` [num_nodes, k] multi-hot over ``transmitter_names`` (every transmitter the
    atlas names, both sexes, sorted); a neuron the atlas does not list (muscles, glia) is all zero."""
    import torch

    atlas = _table(path, "transmitters")
    names = sorted(atlas["transmitter"].unique())
    chosen = atlas[atlas["sex"] == sex]
    row = {label: i for i, label in enumerate(node_names)}
    hits = [(row[label], names.index(t)) for label, t in zip(chosen["label"], chosen["transmitter"]) if label in row]
    multi_hot = np.zeros((len(node_names), len(names)), dtype=np.float32)
    if hits:
        multi_hot[tuple(np.array(hits).T)] = 1.0
    return {"transmitters": torch.from_numpy(multi_hot), "transmitter_names": names}
