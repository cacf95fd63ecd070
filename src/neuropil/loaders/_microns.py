"""Pieces shared by the MICrONS loaders (fields, pinky100, minnie65)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil import _store
from neuropil.datasets import get_spec
from neuropil.errors import InvalidArgumentError, unknown_value


def store_path(dataset_id: str, home: str | os.PathLike[str] | None) -> Path:
    spec = get_spec(dataset_id)
    return _store.require_version(spec.id, spec.version, home)


def read_table(dataset_id: str, name: str, *, home: str | os.PathLike[str] | None, filters: Any = None,
               tables: Sequence[str], nullable_ints: bool = False) -> pd.DataFrame:
    """One homogenized Parquet table (a file or a folder of parts), optionally filtered."""
    import pyarrow.dataset as ds

    if name not in tables:
        raise InvalidArgumentError(unknown_value(name, "table", tables))
    path = store_path(dataset_id, home)
    source = path / f"{name}.parquet" if (path / f"{name}.parquet").is_file() else path / name
    table = ds.dataset(source, format="parquet").to_table(filter=filters)
    return table.to_pandas(types_mapper=_nullable_int) if nullable_ints else table.to_pandas()


def _nullable_int(arrow_type: Any) -> Any:
    """int64 columns with nulls (nucleus ids of synapses) stay integers: pandas ``Int64``."""
    import pyarrow as pa

    return pd.Int64Dtype() if arrow_type == pa.int64() else None


def pyg_data(neurons: pd.DataFrame, pre: np.ndarray, post: np.ndarray, *, edge_attr: np.ndarray,
             edge_attr_names: Sequence[str], id_columns: Sequence[str], extra: Mapping[str, Any] | None = None) -> Any:
    """A PyG ``Data``: ``pos`` in nm (x, y, z), ``x`` = the same position in mm (a neutral default
    feature), ``edge_index`` from ``pre``/``post`` node indices, one int64 tensor per id column."""
    import torch
    from torch_geometric.data import Data

    pos = neurons[["x_nm", "y_nm", "z_nm"]].to_numpy(dtype=np.float32, copy=True)
    data = Data(x=torch.from_numpy(pos / 1e6), pos=torch.from_numpy(pos),
                edge_index=torch.from_numpy(np.stack([pre, post]).astype(np.int64)),
                edge_attr=torch.from_numpy(  # (0, k) too: a selection with no synapse among its cells
                    np.asarray(edge_attr, dtype=np.float32).reshape(len(pre), len(edge_attr_names))),
                num_nodes=len(neurons))
    data.edge_attr_names = list(edge_attr_names)
    for column in id_columns:
        data[column] = torch.from_numpy(neurons[column].to_numpy(dtype=np.int64, copy=True))
    for key, value in (extra or {}).items():
        data[key] = value
    return data


def networkx_graph(neurons: pd.DataFrame, edges: pd.DataFrame, *, pre: str, post: str,
                   edge_columns: Sequence[str], node_key: str = "index") -> Any:
    """A ``networkx.DiGraph``: nodes keyed by ``node_key`` with every neuron column as attributes."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from((row[node_key], row) for row in neurons.to_dict("records"))
    graph.add_edges_from(
        (int(a), int(b), {c: v for c, v in zip(edge_columns, values)})
        for a, b, *values in edges[[pre, post, *edge_columns]].itertuples(index=False, name=None)
    )
    return graph


def hf_dict(tables: Mapping[str, pd.DataFrame]) -> Any:
    """A ``datasets.DatasetDict`` with one split per table (Arrow types carried over)."""
    import pyarrow as pa
    from datasets import Dataset, DatasetDict

    return DatasetDict({name: Dataset(pa.Table.from_pandas(table, preserve_index=False)) for name, table in tables.items()})
