"""The ``axis="all"`` tables: every cell the sources name on one extended axis, and their edges.

``cells.parquet`` is the axis (:mod:`neuropil.datasets.celegans_cells`): the 300 canonical neurons,
CANL/CANR, the 90 male-specific neurons, then every non-neuronal cell any ingested source names,
by class then label. ``cell_edges.parquet`` holds, per connectome, every edge with at least one end
off the 300-neuron axis (``edges.parquet`` keeps the rest), indexed on that axis; electrical
junctions and contacts once per unordered pair, the larger orientation, as in ``edges.parquet``. Built from
``partner_edges`` (labels already through the name table), so no source is read twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from neuropil.datasets.celegans_axis import CANONICAL_LABELS
from neuropil.datasets.celegans_connectomes import UNDIRECTED_TYPES
from neuropil.datasets.celegans_cells import (CELL_CLASSES, KIND_CLASS, MALE_SPECIFIC_NEURONS,
                                              OFF_AXIS_HERMAPHRODITE_NEURONS)
from neuropil.pipelines.celegans_names import cell_label

CELL_COLUMNS = ["index", "label", "cell_class"]
CELL_EDGE_COLUMNS = ["connectome", "pre_index", "post_index", "pre", "post", "type", "weight"]


def _labelled(partner_edges: pd.DataFrame) -> pd.DataFrame:
    """Partner edges with axis labels and classes for both ends."""
    out = partner_edges.copy()
    for end in ("pre", "post"):
        kinds = out[f"{end}_kind"]
        out[end] = [cell_label(label, kind) for label, kind in zip(out[end], kinds)]
        out[f"{end}_class"] = kinds.map(KIND_CLASS)
    return out


def build_cells(partner_edges: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, Any]]]:
    """(cells, cell_edges, per-connectome stats) from the homogenized ``partner_edges`` table."""
    edges = _labelled(partner_edges)
    fixed = [*CANONICAL_LABELS, *OFF_AXIS_HERMAPHRODITE_NEURONS, *MALE_SPECIFIC_NEURONS]
    fixed_classes = ["neuron"] * (len(CANONICAL_LABELS) + len(OFF_AXIS_HERMAPHRODITE_NEURONS)) + \
        ["male_neuron"] * len(MALE_SPECIFIC_NEURONS)
    seen = pd.concat([edges[["pre", "pre_class"]].set_axis(["label", "cell_class"], axis=1),
                      edges[["post", "post_class"]].set_axis(["label", "cell_class"], axis=1)]).drop_duplicates()
    known = set(fixed)
    others = seen[~seen["label"].isin(known)].drop_duplicates("label")
    order = {name: i for i, name in enumerate(CELL_CLASSES)}
    others = others.assign(rank=others["cell_class"].map(order)).sort_values(["rank", "label"], kind="stable")
    cells = pd.DataFrame({"label": [*fixed, *others["label"]],
                          "cell_class": [*fixed_classes, *others["cell_class"]]})
    cells.insert(0, "index", np.arange(len(cells), dtype="int32"))
    index = dict(zip(cells["label"], cells["index"]))

    pre = edges["pre"].map(index).to_numpy(dtype=np.int64)
    post = edges["post"].map(index).to_numpy(dtype=np.int64)
    table = pd.DataFrame({"connectome": edges["connectome"].to_numpy(), "pre_index": pre, "post_index": post,
                          "type": edges["type"].to_numpy(), "weight": edges["weight"].to_numpy(dtype="float64")})
    # spellings that name one cell (MDL05, dBWML5) add up per orientation, as records of one pair do
    table = table.groupby(["connectome", "type", "pre_index", "post_index"], as_index=False, sort=False)[
        "weight"].sum(min_count=1)
    swap = table["type"].isin(UNDIRECTED_TYPES).to_numpy() & (table["pre_index"] > table["post_index"]).to_numpy()
    table.loc[swap, ["pre_index", "post_index"]] = table.loc[swap, ["post_index", "pre_index"]].to_numpy()
    # both orientations of one junction restate it: keep the larger, as edges.parquet does
    table = table.sort_values("weight", ascending=False, kind="stable").drop_duplicates(
        ["connectome", "type", "pre_index", "post_index"])
    table = table.sort_values(["connectome", "type", "pre_index", "post_index"], kind="stable").reset_index(drop=True)
    labels = cells["label"].to_numpy(dtype=object)
    table["pre"] = labels[table["pre_index"].to_numpy()]
    table["post"] = labels[table["post_index"].to_numpy()]
    table["pre_index"] = table["pre_index"].astype("int32")
    table["post_index"] = table["post_index"].astype("int32")
    classes = cells["cell_class"].to_numpy(dtype=object)
    stats: dict[str, dict[str, Any]] = {}
    for connectome, group in table.groupby("connectome", sort=False):
        ends = np.unique(np.concatenate([group["pre_index"].to_numpy(), group["post_index"].to_numpy()]))
        counts = pd.Series(classes[ends]).value_counts()
        stats[connectome] = {"cell_edges": int(len(group)),
                             **{f"{name}s_with_cell_edges": int(counts.get(name, 0))
                                for name in ("male_neuron", "muscle", "other_cell")}}
    return cells[CELL_COLUMNS], table[CELL_EDGE_COLUMNS], stats
