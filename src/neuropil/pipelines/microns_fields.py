"""microns-fields: the 56 coregistered imaging fields -> neurons / edges Parquet + functional HDF5.

Per field ``<session>_<scan>_<field>`` (all files verified by the driver, pickles re-verified here):

* ``connectome_<f>.csv``: N x N synapse counts, an index column and a header 0..N-1; rows are
  presynaptic, columns postsynaptic (the reference code's reading; ``row -> column``).
* ``positions_<f>.npy``: a pickled object array of N int [x, y, z] voxel triples (4 x 4 x 40 nm).
  Stacked row by row to (N, 3), never reshaped: ``np.array(p.tolist()).reshape(3, -1)`` (the seed
  notebook) interleaves the x, y and z of different neurons.
* ``root_ids``, ``unit_ids``, ``target_ids`` (nucleus ids): N int64 each, same order as the matrix.
* function, optional per field: ``corr_matrix.npy``, ``sttc_matrix.npy``, ``precision_matrix.npy``
  and ``spikes_<f>.npy`` (a pickled object array of N spike-time arrays, seconds). Upstream has all
  four for all 56 fields. Every functional file found without a download (mirror folder, cache,
  mirror URL) is used; those of the fields named by ``functional`` (or ``all``) are also downloaded:
  a named field without its Pearson and STTC matrices (what ``load(..., functional=True)`` returns)
  is a skipped part, its precision matrix and spikes are extras recorded as not downloaded when
  they cannot be fetched, like every file of the fields not named (:func:`local_only`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil.datasets import get_spec
from neuropil.datasets.microns import FIELDS, VOXEL_NM, field_file, functional_files
from neuropil.errors import InvalidArgumentError, RawFormatError, unknown_value
from neuropil.pipelines import microns_functional
from neuropil.pipelines._npy import load_verified_npy

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "1.2.0"


def _functional_fields(functional: str | list[str] | tuple[str, ...]) -> list[str]:
    """The fields whose function is fetched when missing: a comma list, ``all`` or ``local`` (none)."""
    names = [functional] if isinstance(functional, str) else list(functional)
    names = [part.strip() for name in names for part in str(name).split(",") if part.strip()]
    if not names:
        raise InvalidArgumentError(f"functional {functional!r} names no field; expected field names, a comma "
                                   "list, 'all' or 'local'.")
    if names == ["all"]:
        return list(FIELDS)
    if names == ["local"]:
        return []
    for name in names:
        if name not in FIELDS:
            raise InvalidArgumentError(unknown_value(name, "functional", [*FIELDS, "all", "local"]))
    return sorted(set(names), key=FIELDS.index)


def parameters(*, functional: str | list[str] | tuple[str, ...] = "local", recompute_functional: bool = True,
               pearson_bin_s: float = microns_functional.PEARSON_BIN_S,
               sttc_dt_s: float = microns_functional.STTC_DT_S) -> dict[str, Any]:
    """Ingest parameters: the fields whose function is downloaded when missing (``local``: none; the
    function of every field is used wherever it is found without a download), whether to rebuild
    Pearson / STTC from spikes, with which bin and window."""
    for name, value in (("pearson_bin_s", pearson_bin_s), ("sttc_dt_s", sttc_dt_s)):
        if not float(value) > 0:
            raise InvalidArgumentError(f"{name} must be positive seconds, got {value!r}.")
    return {"functional": _functional_fields(functional), "recompute_functional": bool(recompute_functional),
            "pearson_bin_s": float(pearson_bin_s), "sttc_dt_s": float(sttc_dt_s)}


def local_only(params: Mapping[str, Any]) -> frozenset[str]:
    """Functional files of the fields not asked for: used when found without a download, never fetched."""
    asked = set(params["functional"])
    return frozenset(name for field in FIELDS if field not in asked for name in functional_files(field))


def skipped_parts(missing: Mapping[str, str], params: Mapping[str, Any]) -> dict[str, str]:
    """The function of a field asked for whose Pearson or STTC matrix could not be fetched."""
    skipped = {}
    for field in params["functional"]:
        absent = [name for kind in ("corr", "sttc") if (name := field_file(field, kind)) in missing]
        if absent:
            skipped[f"{field} function"] = missing[absent[0]]
    return skipped


def _array(inputs: Mapping[str, Path], field: str, kind: str) -> np.ndarray | None:
    name = field_file(field, kind)
    if name is None or name not in inputs:  # optional functional files may be absent
        return None
    # the spec as registered now (a test may register fixture files), not as at import
    return load_verified_npy(inputs[name], get_spec("microns-fields").raw_file(name), name=name)


def positions_nm(positions: np.ndarray, *, name: str = "positions") -> np.ndarray:
    """(N, 3) float64 nm from the published object array of N voxel [x, y, z] triples."""
    rows = [np.asarray(row) for row in positions]
    if any(row.shape != (3,) for row in rows):
        shapes = sorted({row.shape for row in rows})
        raise RawFormatError(f"{name}: every position must be one [x, y, z] triple, found shapes {shapes}")
    return np.stack(rows).astype(np.float64) * np.asarray(VOXEL_NM)


def read_connectome(path: Path, *, name: str) -> np.ndarray:
    """The N x N synapse-count matrix (rows = pre); checks the 0..N-1 header and index."""
    table = pd.read_csv(path, index_col=0)
    n = len(table)
    if list(table.columns) != [str(i) for i in range(n)] or list(table.index) != list(range(n)):
        raise RawFormatError(f"{name}: expected an index column and a header 0..{n - 1} on an N x N matrix, "
                             f"got {table.shape[1]} columns starting {list(table.columns[:3])}")
    counts = table.to_numpy()
    if not np.issubdtype(counts.dtype, np.integer) or (counts < 0).any():
        raise RawFormatError(f"{name}: synapse counts must be non-negative integers, got dtype {counts.dtype}")
    return counts


def read_field(inputs: Mapping[str, Path], field: str) -> dict[str, Any]:
    """Every array of one field, checked for matching lengths."""
    counts = read_connectome(inputs[field_file(field, "connectome")], name=field_file(field, "connectome"))
    arrays: dict[str, Any] = {"synapse_counts": counts}
    for kind in ("positions", "root_ids", "unit_ids", "nucleus_ids", "corr", "sttc", "precision", "spikes"):
        arrays[kind] = _array(inputs, field, kind)
    n = counts.shape[0]
    for kind in ("positions", "root_ids", "unit_ids", "nucleus_ids", "spikes"):
        if arrays[kind] is not None and len(arrays[kind]) != n:
            raise RawFormatError(f"{field}: {kind} has {len(arrays[kind])} entries, the connectome {n} neurons")
    for kind in ("corr", "sttc", "precision"):
        if arrays[kind] is not None and arrays[kind].shape != (n, n):
            raise RawFormatError(f"{field}: {kind} has shape {arrays[kind].shape}, expected ({n}, {n})")
    if len(set(arrays["nucleus_ids"].tolist())) != n:
        raise RawFormatError(f"{field}: nucleus ids (target_ids) repeat within the field")
    arrays["positions_nm"] = positions_nm(arrays["positions"], name=field_file(field, "positions"))
    return arrays


def _neurons(field: str, arrays: Mapping[str, Any]) -> pd.DataFrame:
    session, scan, plane = (int(p) for p in field.split("_"))
    n = len(arrays["nucleus_ids"])
    pos = arrays["positions_nm"]
    return pd.DataFrame({
        "field": field, "session": np.int16(session), "scan_idx": np.int16(scan), "field_idx": np.int16(plane),
        "index": np.arange(n, dtype=np.int32),
        "nucleus_id": arrays["nucleus_ids"].astype(np.int64),
        "root_id": arrays["root_ids"].astype(np.int64),
        "unit_id": arrays["unit_ids"].astype(np.int32),
        "x_nm": pos[:, 0], "y_nm": pos[:, 1], "z_nm": pos[:, 2],
    })


def _edges(field: str, arrays: Mapping[str, Any]) -> pd.DataFrame:
    counts = arrays["synapse_counts"]
    pre, post = np.nonzero(counts)
    nucleus = arrays["nucleus_ids"].astype(np.int64)
    return pd.DataFrame({
        "field": field, "pre_index": pre.astype(np.int32), "post_index": post.astype(np.int32),
        "pre_nucleus_id": nucleus[pre], "post_nucleus_id": nucleus[post],
        "synapse_count": counts[pre, post].astype(np.int32),
    })


def _spike_csr(spikes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    trains = [np.asarray(train, dtype=np.float64).ravel() for train in spikes]
    indptr = np.concatenate([[0], np.cumsum([t.size for t in trains])]).astype(np.int64)
    return (np.concatenate(trains) if trains else np.zeros(0)), indptr


def matrix_agreement(ours: np.ndarray, stored: np.ndarray) -> dict[str, float]:
    """Recomputed vs published matrix over the off-diagonal pairs where both are finite."""
    both = np.isfinite(ours) & np.isfinite(stored)
    off = both & ~np.eye(len(ours), dtype=bool)
    return {"max_abs_diff": float(np.max(np.abs(ours[off] - stored[off]))) if off.any() else float("nan"),
            "pearson_r": float(np.corrcoef(ours[off], stored[off])[0, 1]) if off.sum() > 2 else float("nan"),
            "pairs_compared": int(off.sum() // 2)}


def build(inputs: Mapping[str, Path], missing: Mapping[str, str], params: Mapping[str, Any]):
    from tqdm.auto import tqdm

    from neuropil._home import is_quiet

    neurons, edges, groups = [], [], {}
    stats: dict[str, dict[str, Any]] = {}
    agreement: dict[str, dict[str, Any]] = {}
    for field in tqdm(FIELDS, desc="microns fields", disable=is_quiet()):
        arrays = read_field(inputs, field)
        neurons.append(_neurons(field, arrays))
        edges.append(_edges(field, arrays))
        group: dict[str, Any] = {"nucleus_id": arrays["nucleus_ids"].astype(np.int64)}
        attrs: dict[str, Any] = {}
        if arrays["corr"] is not None:
            group["corr"] = arrays["corr"]
        if arrays["sttc"] is not None:
            group["sttc_stored"] = arrays["sttc"]
            group["sttc"] = microns_functional.symmetrize_lower(arrays["sttc"])
        if arrays["precision"] is not None:
            group["precision"] = arrays["precision"]
        if arrays["spikes"] is not None:
            group["spike_times"], group["spike_indptr"] = _spike_csr(arrays["spikes"])
            if params["recompute_functional"]:
                trains = [np.asarray(t, dtype=np.float64) for t in arrays["spikes"]]
                group["corr_from_spikes"] = microns_functional.binned_pearson(trains, bin_s=params["pearson_bin_s"])
                group["sttc_from_spikes"] = microns_functional.sttc_matrix(trains, dt=params["sttc_dt_s"])
                attrs = {"pearson_bin_s": params["pearson_bin_s"], "pearson_t_start_s": 0.0,
                         "sttc_dt_s": params["sttc_dt_s"], "sttc_t_start_s": 0.0,
                         "last_spike_s": float(group["spike_times"].max())}
                agreement[field] = {
                    "corr": matrix_agreement(group["corr_from_spikes"], group["corr"]) if "corr" in group else None,
                    "sttc": matrix_agreement(group["sttc_from_spikes"], group["sttc"]) if "sttc" in group else None,
                }
        groups[field] = (group, attrs)
        counts = arrays["synapse_counts"]
        stats[field] = {"neurons": int(counts.shape[0]), "edges": int(np.count_nonzero(counts)),
                        "synapses": int(counts.sum()), "functional": "corr" in group and "sttc" in group,
                        "precision": "precision" in group, "spikes": "spike_times" in group}

    def fill_functional(handle: Any) -> None:
        handle.attrs["row_order"] = "nucleus_id (= neurons.parquet index order of the field)"
        for field, (group, attrs) in groups.items():
            target = handle.create_group(field)
            for key, value in group.items():
                target.create_dataset(key, data=value, compression="gzip" if np.ndim(value) == 2 else None)
            for key, value in attrs.items():
                target.attrs[key] = value

    def write_functional(path: Path) -> None:
        from neuropil.pipelines._hdf5 import write_small

        write_small(path, fill_functional)  # a full disk raises ENOSPC instead of crashing h5py

    neurons_table = pd.concat(neurons, ignore_index=True)
    edges_table = pd.concat(edges, ignore_index=True)
    totals = {"fields": len(FIELDS), "neurons": int(len(neurons_table)),
              "unique_nucleus_ids": int(neurons_table["nucleus_id"].nunique()),
              "edges": int(len(edges_table)), "synapses": int(edges_table["synapse_count"].sum()),
              "functional_fields": sum(s["functional"] for s in stats.values()),
              "precision_fields": sum(s["precision"] for s in stats.values()),
              "spike_fields": sum(s["spikes"] for s in stats.values())}
    extras = {
        "stats": stats,  # one row per field: `neuropil info microns-fields` marks the fields with function
        "totals": totals,
        "function_not_downloaded": [field for field, values in stats.items() if not values["functional"]],
        "functional_agreement": agreement,
        "position_convention": "x_nm, y_nm, z_nm = voxel (x, y, z) * (4, 4, 40) nm, minnie65 EM frame; "
                               "y is cortical depth, z the section axis",
    }
    return ({"neurons.parquet": neurons_table, "edges.parquet": edges_table, "functional.h5": write_functional},
            extras)
