"""The 56 MICrONS imaging fields as arrays, PyG ``Data``, pandas and networkx.

=========  =======  ==================================  =========================================
field      nodes    edges (directed, >= 1 synapse)      functional
=========  =======  ==================================  =========================================
``6_6_2``  312      316 pairs, 338 synapses              Pearson + STTC (312 x 312), precision
all 56     42-632   27,674 pairs, 30,721 synapses        every field upstream; here those downloaded
=========  =======  ==================================  =========================================

Node ``i`` of a field is row/column ``i`` of every matrix of that field. ``pos``: soma position in nm
(x, y, z of the minnie65 EM volume: voxel x 4, y 4, z 40; y is cortical depth). ``edge_attr``:
``synapse_count`` (and, with ``functional=True``, the Pearson and STTC values of each EM pair; the
dense matrices come as ``data.corr`` and ``data.sttc``).

The simplest access, e.g. to build a connectome-constrained RNN::

    >>> from neuropil.loaders.microns_fields import load_field
    >>> f = load_field("6_6_2")                                         # doctest: +SKIP
    >>> f.positions_nm.shape, f.synapse_counts.shape, f.corr.shape, f.sttc.shape   # doctest: +SKIP
    ((312, 3), (312, 312), (312, 312), (312, 312))
    >>> data = neuropil.load("microns-fields", field="6_6_2", format="pyg", functional=True)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from neuropil.datasets.microns import DEFAULT_FIELD, FIELDS, FIELDS_SPEC, fetch_command
from neuropil.errors import InvalidArgumentError, NotIngestedError, unknown_value
from neuropil.loaders._microns import networkx_graph, pyg_data, read_table, store_path

TABLES = ("neurons", "edges")


@dataclass(frozen=True)
class FieldArrays:
    """Every array of one field, rows in the same (published) order; ``synapse_counts[i, j]`` counts
    synapses from neuron ``i`` onto neuron ``j``. ``corr``/``sttc``/``precision`` are None where the
    field has none; ``sttc`` is the symmetrized matrix."""

    field: str
    nucleus_id: np.ndarray
    root_id: np.ndarray
    unit_id: np.ndarray
    positions_nm: np.ndarray
    synapse_counts: np.ndarray
    corr: np.ndarray | None
    sttc: np.ndarray | None
    spike_times: list[np.ndarray] | None
    precision: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.nucleus_id)


def _check_field(field: str) -> str:
    if field not in FIELDS:
        raise InvalidArgumentError(unknown_value(field, "field", FIELDS))
    return field


def functional_fields(*, home: str | os.PathLike[str] | None = None) -> list[str]:
    """Fields that carry Pearson and STTC matrices."""
    import h5py

    with h5py.File(store_path(FIELDS_SPEC.id, home) / "functional.h5", "r") as handle:
        return [field for field in FIELDS if "corr" in handle[field]]


def to_pandas(*, table: str = "neurons", field: str | None = None,
              home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """``neurons`` or ``edges`` of every field, or of one ``field``."""
    filters = None
    if field is not None:
        import pyarrow.dataset as ds

        filters = ds.field("field") == _check_field(field)
    return read_table(FIELDS_SPEC.id, table, home=home, filters=filters, tables=TABLES)


def load_field(field: str = DEFAULT_FIELD, *, home: str | os.PathLike[str] | None = None) -> FieldArrays:
    """Positions (nm), N x N synapse counts, Pearson and STTC (or None) and spikes of one field."""
    import h5py

    neurons = to_pandas(table="neurons", field=field, home=home).sort_values("index")
    edges = to_pandas(table="edges", field=field, home=home)
    n = len(neurons)
    counts = np.zeros((n, n), dtype=np.int64)
    counts[edges["pre_index"].to_numpy(), edges["post_index"].to_numpy()] = edges["synapse_count"].to_numpy()
    with h5py.File(store_path(FIELDS_SPEC.id, home) / "functional.h5", "r") as handle:
        group = handle[field]
        corr = group["corr"][()] if "corr" in group else None
        sttc = group["sttc"][()] if "sttc" in group else None
        precision = group["precision"][()] if "precision" in group else None
        spikes = None
        if "spike_times" in group:
            times, indptr = group["spike_times"][()], group["spike_indptr"][()]
            spikes = [times[indptr[i]:indptr[i + 1]] for i in range(n)]
    return FieldArrays(field=field, nucleus_id=neurons["nucleus_id"].to_numpy(), root_id=neurons["root_id"].to_numpy(),
                       unit_id=neurons["unit_id"].to_numpy(),
                       positions_nm=neurons[["x_nm", "y_nm", "z_nm"]].to_numpy(dtype=np.float64),
                       synapse_counts=counts, corr=corr, sttc=sttc, spike_times=spikes,
                       precision=precision)


def not_downloaded(field: str, *, home: Any = None, what: str = "functional matrices (corr, sttc)") -> NotIngestedError:
    """The error for a field whose function is not here: upstream publishes it for all 56 fields,
    so it was not downloaded; names the command that fetches it."""
    here = functional_fields(home=home)
    return NotIngestedError(
        f"Field {field!r}: {what} not downloaded; get them with `{fetch_command([field])}` (or "
        f"--functional all; add --raw-dir DIR for a local copy). Fields with function here: "
        f"{', '.join(here) if here else 'none'}.")


def _require_functional(arrays: FieldArrays, home: Any) -> None:
    if arrays.corr is None or arrays.sttc is None:
        raise not_downloaded(arrays.field, home=home)


def to_pyg(*, field: str = DEFAULT_FIELD, functional: bool = False,
           home: str | os.PathLike[str] | None = None) -> Any:
    """One field as a PyG ``Data`` (module docstring); ``functional=True`` adds ``corr``, ``sttc``
    (dense N x N float32; ``precision`` too where ingested) and their values on each EM edge as
    ``edge_attr`` columns 2 and 3."""
    import torch

    arrays = load_field(field, home=home)
    neurons = to_pandas(table="neurons", field=field, home=home).sort_values("index")
    pre, post = np.nonzero(arrays.synapse_counts)
    columns = [arrays.synapse_counts[pre, post].astype(np.float32)]
    names = ["synapse_count"]
    extra: dict[str, Any] = {"field": field}
    if functional:
        _require_functional(arrays, home)
        columns += [arrays.corr[pre, post], arrays.sttc[pre, post]]
        names += ["corr", "sttc"]
        extra["corr"] = torch.from_numpy(arrays.corr.astype(np.float32))
        extra["sttc"] = torch.from_numpy(arrays.sttc.astype(np.float32))
        if arrays.precision is not None:  # beside corr / sttc where its file was ingested
            extra["precision"] = torch.from_numpy(arrays.precision.astype(np.float32))
    return pyg_data(neurons, pre, post, edge_attr=np.stack(columns, axis=1), edge_attr_names=names,
                    id_columns=("nucleus_id", "root_id", "unit_id"), extra=extra)


def to_torch(*, field: str = DEFAULT_FIELD, home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Dense float32 tensors of one field: ``positions_nm`` (N, 3), ``synapse_counts``, and where
    present ``corr``, ``sttc`` and ``precision`` (N, N); ``nucleus_id`` int64."""
    import torch

    arrays = load_field(field, home=home)
    out = {"positions_nm": torch.from_numpy(arrays.positions_nm.astype(np.float32)),
           "synapse_counts": torch.from_numpy(arrays.synapse_counts.astype(np.float32)),
           "nucleus_id": torch.from_numpy(arrays.nucleus_id.astype(np.int64))}
    for key in ("corr", "sttc", "precision"):
        if getattr(arrays, key) is not None:
            out[key] = torch.from_numpy(getattr(arrays, key).astype(np.float32))
    return out


def to_networkx(*, field: str = DEFAULT_FIELD, functional: bool = False,
                home: str | os.PathLike[str] | None = None) -> Any:
    """A ``DiGraph`` of one field: nodes = index 0..N-1 with nucleus/root/unit id and position (nm);
    edges carry ``synapse_count`` (and ``corr``, ``sttc`` with ``functional=True``)."""
    neurons = to_pandas(table="neurons", field=field, home=home).sort_values("index")
    edges = to_pandas(table="edges", field=field, home=home)
    columns = ["synapse_count"]
    if functional:
        arrays = load_field(field, home=home)
        _require_functional(arrays, home)
        pre, post = edges["pre_index"].to_numpy(), edges["post_index"].to_numpy()
        edges = edges.assign(corr=arrays.corr[pre, post], sttc=arrays.sttc[pre, post])
        columns += ["corr", "sttc"]
    return networkx_graph(neurons, edges, pre="pre_index", post="post_index", edge_columns=columns)


def to_hf(*, field: str | None = None, home: str | os.PathLike[str] | None = None) -> Any:
    """A ``datasets.DatasetDict`` with splits ``neurons`` and ``edges`` (every field, or one)."""
    from neuropil.loaders._microns import hf_dict

    return hf_dict({name: to_pandas(table=name, field=field, home=home) for name in TABLES})
