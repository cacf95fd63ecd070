"""MICrONS minnie65 (from CAVE table dumps) as PyG ``Data``/``HeteroData``, pandas and networkx.

==================  ========================  =================================  ======================
graph               nodes                     edges                              features
==================  ========================  =================================  ======================
full release        nuclei on a single root   nucleus-to-nucleus pairs with      one-hot cell type +
(v1300 upstream)    (~144k nuclei in all)     ``synapse_count``, ``size_sum``    position (mm)
any selection       ``nucleus_ids``,          pairs inside the selection
                    ``cell_types``, ``bbox``
==================  ========================  =================================  ======================

Node ``i`` is row ``i`` of the selected neurons sorted by nucleus id; ``nucleus_id``, ``root_id``
and ``data.cell_type_names`` come along. ``hetero=True`` gives one node type per cell type (nodes
without a type are ``"untyped"``) and one edge type per (pre type, "synapse", post type).
Edge parts are read with filters, so a selection never loads the whole table.

Example::

    >>> data = neuropil.load("microns-minnie65", format="pyg", cell_types=["23P", "BC"])  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from neuropil import _store
from neuropil.datasets.microns import MINNIE_SPEC
from neuropil.errors import InvalidArgumentError
from neuropil.loaders._microns import networkx_graph, pyg_data, read_table, store_path

TABLES = ("neurons", "coregistration", "synapses", "edges")
UNTYPED = "untyped"


def to_pandas(*, table: str = "neurons", pre_root_id: int | None = None,
              home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """A table; for ``synapses`` give ``pre_root_id`` to read the one part (and row groups) that hold it."""
    if table == "synapses" and pre_root_id is not None:
        import pyarrow.dataset as ds

        from neuropil.formats.partitions import bucket_of

        path = store_path(MINNIE_SPEC.id, home)
        buckets = _store.load_manifest(path / _store.MANIFEST, MINNIE_SPEC.id)["synapse_partitioning"]["buckets"]
        part = int(bucket_of(np.array([pre_root_id], dtype=np.int64), buckets)[0])
        source = path / "synapses" / f"part-{part:05d}.parquet"
        if not source.is_file():
            return ds.dataset(path / "synapses", format="parquet").schema.empty_table().to_pandas()
        from neuropil.loaders._microns import _nullable_int

        selected = ds.dataset(source, format="parquet").to_table(filter=ds.field("pre_root_id") == int(pre_root_id))
        return selected.to_pandas(types_mapper=_nullable_int)
    return read_table(MINNIE_SPEC.id, table, home=home, tables=TABLES, nullable_ints=True)


def node_key(home: str | os.PathLike[str] | None = None) -> str:
    """``nucleus_id`` (the default), or ``root_id`` for a version ingested with ``--no-nucleus``."""
    manifest = _store.load_manifest(store_path(MINNIE_SPEC.id, home) / _store.MANIFEST, MINNIE_SPEC.id)
    return manifest.get("node_key", "nucleus_id")


def select_neurons(*, nucleus_ids: Sequence[int] | None = None, cell_types: Sequence[str] | None = None,
                   bbox: Sequence[Sequence[float]] | None = None, root_ids: Sequence[int] | None = None,
                   home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Neurons that are graph nodes (a nucleus alone on its root; every root in a ``--no-nucleus``
    version) and match every given selector; ``bbox`` = ((x0, y0, z0), (x1, y1, z1)) in nm, inclusive."""
    key = node_key(home)
    neurons = to_pandas(table="neurons", home=home)
    neurons = neurons[neurons["root_id"] != 0]
    if key == "nucleus_id":
        neurons = neurons[neurons["nuclei_on_root"] == 1]
    elif nucleus_ids is not None:
        raise InvalidArgumentError("this microns-minnie65 version is keyed by root id (ingested with --no-nucleus): "
                                   "select with root_ids=[...], not nucleus_ids")
    for column, selected in (("nucleus_id", nucleus_ids), ("root_id", root_ids)):
        if selected is None:
            continue
        wanted = set(int(n) for n in selected)
        unknown = wanted - set(neurons[column].dropna().astype("int64").tolist())
        if unknown:
            raise InvalidArgumentError(f"{column.replace('_', ' ')}s not among the graph's nodes (unknown, merged or "
                                       f"without a segment): {sorted(unknown)[:10]}")
        neurons = neurons[neurons[column].isin(wanted)]
    if cell_types is not None:
        known = set(neurons["cell_type"].dropna().unique().tolist())
        unknown = set(cell_types) - known
        if unknown:
            raise InvalidArgumentError(f"cell types {sorted(unknown)} not in the table; known: {sorted(known)}")
        neurons = neurons[neurons["cell_type"].isin(list(cell_types))]
    if bbox is not None:
        low, high = np.asarray(bbox, dtype=np.float64)
        if low.shape != (3,) or high.shape != (3,):
            raise InvalidArgumentError(f"bbox must be ((x0, y0, z0), (x1, y1, z1)) in nm, got {bbox!r}")
        xyz = neurons[["x_nm", "y_nm", "z_nm"]].to_numpy()
        neurons = neurons[np.all((xyz >= low) & (xyz <= high), axis=1)]
    return neurons.sort_values(key).reset_index(drop=True).assign(index=lambda f: np.arange(len(f)))


def _edges_between(ids: np.ndarray, key: str, home: Any, min_synapses: int) -> pd.DataFrame:
    import pyarrow.dataset as ds

    path = store_path(MINNIE_SPEC.id, home)
    ids = ids.tolist()
    condition = ds.field(f"pre_{key}").isin(ids) & ds.field(f"post_{key}").isin(ids)
    if min_synapses > 1:
        condition = condition & (ds.field("synapse_count") >= int(min_synapses))
    return ds.dataset(path / "edges", format="parquet").to_table(filter=condition).to_pandas()


def _graph_parts(nucleus_ids: Sequence[int] | None, cell_types: Sequence[str] | None, bbox: Any, home: Any,
                 min_synapses: int, root_ids: Sequence[int] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    key = node_key(home)
    neurons = select_neurons(nucleus_ids=nucleus_ids, cell_types=cell_types, bbox=bbox, root_ids=root_ids, home=home)
    ids = neurons[key].to_numpy(np.int64)
    edges = _edges_between(ids, key, home, min_synapses)
    position = pd.Series(neurons["index"].to_numpy(), index=ids)
    edges = edges.assign(pre_index=position.loc[edges[f"pre_{key}"].to_numpy()].to_numpy(),
                         post_index=position.loc[edges[f"post_{key}"].to_numpy()].to_numpy())
    return neurons, edges.sort_values(["pre_index", "post_index"]).reset_index(drop=True), key


def to_pyg(*, nucleus_ids: Sequence[int] | None = None, cell_types: Sequence[str] | None = None,
           bbox: Sequence[Sequence[float]] | None = None, hetero: bool = False, min_synapses: int = 1,
           root_ids: Sequence[int] | None = None, home: str | os.PathLike[str] | None = None) -> Any:
    """The selected neurons and the synapses among them (module docstring)."""
    import torch

    neurons, edges, key = _graph_parts(nucleus_ids, cell_types, bbox, home, min_synapses, root_ids)
    types = neurons["cell_type"].fillna(UNTYPED)
    names = sorted(types.unique().tolist())
    code = types.map({name: k for k, name in enumerate(names)}).to_numpy(dtype=np.int64)
    attr = edges[["synapse_count", "size_sum"]].to_numpy(dtype=np.float32)
    if not hetero:
        data = pyg_data(neurons, edges["pre_index"].to_numpy(), edges["post_index"].to_numpy(), edge_attr=attr,
                        edge_attr_names=["synapse_count", "size_sum"],
                        id_columns=("nucleus_id", "root_id") if key == "nucleus_id" else ("root_id",))
        one_hot = np.eye(len(names), dtype=np.float32)[code] if len(names) else np.zeros((len(neurons), 0), np.float32)
        data.x = torch.cat([torch.from_numpy(one_hot), data.x], dim=1)
        data.y = torch.from_numpy(code.copy())
        data.cell_type_names = names
        return data
    from torch_geometric.data import HeteroData

    data = HeteroData()
    local = np.zeros(len(neurons), dtype=np.int64)
    for k, name in enumerate(names):
        members = np.flatnonzero(code == k)
        local[members] = np.arange(len(members))
        part = neurons.iloc[members]
        pos = part[["x_nm", "y_nm", "z_nm"]].to_numpy(dtype=np.float32, copy=True)
        data[name].pos = torch.from_numpy(pos)
        data[name].x = torch.from_numpy(pos / 1e6)
        data[name][key] = torch.from_numpy(part[key].to_numpy(dtype=np.int64, copy=True))
    pre, post = edges["pre_index"].to_numpy(), edges["post_index"].to_numpy()
    for (a, b), rows in edges.groupby([code[pre], code[post]]).groups.items():
        rows = np.asarray(rows)
        store = data[names[a], "synapse", names[b]]
        store.edge_index = torch.from_numpy(np.stack([local[pre[rows]], local[post[rows]]]))
        store.edge_attr = torch.from_numpy(attr[rows])
    return data


def to_networkx(*, nucleus_ids: Sequence[int] | None = None, cell_types: Sequence[str] | None = None,
                bbox: Sequence[Sequence[float]] | None = None, min_synapses: int = 1,
                root_ids: Sequence[int] | None = None, home: str | os.PathLike[str] | None = None) -> Any:
    """A ``DiGraph`` keyed by nucleus id (root id for a ``--no-nucleus`` version) with every neuron
    column; edges carry count and summed size."""
    neurons, edges, key = _graph_parts(nucleus_ids, cell_types, bbox, home, min_synapses, root_ids)
    return networkx_graph(neurons, edges, pre=f"pre_{key}", post=f"post_{key}",
                          edge_columns=["synapse_count", "size_sum"], node_key=key)


def to_hf(*, nucleus_ids: Sequence[int] | None = None, cell_types: Sequence[str] | None = None,
          bbox: Sequence[Sequence[float]] | None = None, min_synapses: int = 1,
          root_ids: Sequence[int] | None = None, home: str | os.PathLike[str] | None = None) -> Any:
    """A ``datasets.DatasetDict``: the selected ``neurons`` and the ``edges`` among them (the full
    synapse table is read with :func:`to_pandas` per presynaptic root, or straight from its parts)."""
    from neuropil.loaders._microns import hf_dict

    neurons, edges, _ = _graph_parts(nucleus_ids, cell_types, bbox, home, min_synapses, root_ids)
    return hf_dict({"neurons": neurons, "edges": edges})


#: what ``neuropil export microns-minnie65 --hf DIR`` publishes: neurons, coregistration and the
#: nucleus-to-nucleus edges (the synapse parts stay Parquet in the store; a config is one file)
HF_DEFAULT_CONFIG = "neurons"


def hf_tables(*, home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    path = store_path(MINNIE_SPEC.id, home)
    _, edges, _ = _graph_parts(None, None, None, home, 1)
    return {"neurons": path / "neurons.parquet", "coregistration": path / "coregistration.parquet",
            "edges": edges.drop(columns=["pre_index", "post_index"])}
