"""microns-pinky100: MicronsBinder's ``soma.csv`` and ``synapses.csv`` -> neurons / synapses / edges.

``soma.csv``: ``segmentation, segment_id, manual_id, loc, axon_len, dendrite_len``; ``loc`` is a
numpy-printed ``"[x y z]"`` already in nm. ``synapses.csv``: ``pre, post`` segment ids, one row per
synapse, so pairs repeat (1,981 rows, 1,752 pairs) and 2 rows are autapses (pre == post). Autapses
are kept (they are synapses) and counted; every synapse must name a listed soma.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil.errors import RawFormatError

PIPELINE_VERSION = "1.0.0"
SOMA_COLUMNS = ("segmentation", "segment_id", "manual_id", "loc", "axon_len", "dendrite_len")
_LOC = re.compile(r"^\[\s*(-?\d+(?:\.\d*)?)\s+(-?\d+(?:\.\d*)?)\s+(-?\d+(?:\.\d*)?)\s*\]$")


def parameters() -> dict[str, Any]:
    return {}


def _require(table: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    absent = [c for c in columns if c not in table.columns]
    if absent:
        raise RawFormatError(f"{name}: missing column(s) {absent}; expected {list(columns)}, found {list(table.columns)}")


def parse_loc(values: pd.Series) -> np.ndarray:
    """(N, 3) float64 from ``"[x y z]"`` strings; a malformed one is named in the error."""
    rows = []
    for row, text in enumerate(values.astype(str)):
        match = _LOC.match(text.strip())
        if match is None:
            raise RawFormatError(f"soma.csv row {row}: loc {text!r} is not '[x y z]'")
        rows.append([float(v) for v in match.groups()])
    return np.asarray(rows, dtype=np.float64).reshape(-1, 3)


def build(inputs: Mapping[str, Path], missing: Mapping[str, str], params: Mapping[str, Any]):
    soma = pd.read_csv(inputs["soma.csv"])
    _require(soma, SOMA_COLUMNS, "soma.csv")
    if not soma["segment_id"].is_unique:
        raise RawFormatError(f"soma.csv: segment_id repeats: {soma['segment_id'][soma['segment_id'].duplicated()].tolist()[:5]}")
    synapses = pd.read_csv(inputs["synapses.csv"])
    _require(synapses, ("pre", "post"), "synapses.csv")
    position = parse_loc(soma["loc"])
    neurons = pd.DataFrame({
        "index": np.arange(len(soma), dtype=np.int32), "root_id": soma["segment_id"].astype(np.int64),
        "manual_id": soma["manual_id"].astype(np.int32), "segmentation": soma["segmentation"].astype(np.int32),
        "x_nm": position[:, 0], "y_nm": position[:, 1], "z_nm": position[:, 2],
        "axon_len": soma["axon_len"].astype(np.float64), "dendrite_len": soma["dendrite_len"].astype(np.float64),
    })
    index_of = pd.Series(neurons["index"].to_numpy(), index=neurons["root_id"].to_numpy())
    for side in ("pre", "post"):
        unknown = ~synapses[side].isin(index_of.index)
        if unknown.any():
            raise RawFormatError(f"synapses.csv: {int(unknown.sum())} {side} ids are not in soma.csv, "
                                 f"e.g. {synapses[side][unknown].iloc[0]}")
    table = pd.DataFrame({
        "synapse": np.arange(len(synapses), dtype=np.int32),
        "pre_index": index_of.loc[synapses["pre"].to_numpy()].to_numpy(dtype=np.int32),
        "post_index": index_of.loc[synapses["post"].to_numpy()].to_numpy(dtype=np.int32),
        "pre_root_id": synapses["pre"].astype(np.int64).to_numpy(),
        "post_root_id": synapses["post"].astype(np.int64).to_numpy(),
    })
    edges = (table.groupby(["pre_index", "post_index", "pre_root_id", "post_root_id"], sort=True)
             .size().rename("synapse_count").astype(np.int32).reset_index())
    stats = {"pinky100": {"neurons": int(len(neurons)), "synapses": int(len(table)), "edges": int(len(edges)),
                          "autapse_synapses": int((table["pre_index"] == table["post_index"]).sum()),
                          "autapse_pairs": int((edges["pre_index"] == edges["post_index"]).sum()),
                          "neurons_with_synapses": int(len(set(table["pre_index"]) | set(table["post_index"])))}}
    return {"neurons.parquet": neurons, "synapses.parquet": table, "edges.parquet": edges}, {"stats": stats}
