"""C. elegans connectome adjacency heatmaps, neurons ordered by type, then class, then label."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from neuropil.plotting._common import colorbar, new_figure

TYPE_ORDER = ("sensory", "inter", "motor", "pharyngeal")
PANEL_TYPES = ("chemical", "electrical", "functional")
UNITS = {"chemical": "synapse count", "electrical": "gap-junction count", "functional": "dF/F"}


def neuron_order(neurons: Any) -> np.ndarray:
    """Row indices of ``neurons`` sorted by type (sensory, inter, motor, pharyngeal, other), class, label."""
    rank = {name: i for i, name in enumerate(TYPE_ORDER)}
    keys = neurons.assign(_type=neurons["type"].map(lambda t: rank.get(t, len(rank))).astype(int),
                          _class=neurons["class"].fillna("").astype(str))
    return keys.sort_values(["_type", "_class", "label"]).index.to_numpy()


def plot_adjacency(*, connectome: str = "cook_2019", home: str | os.PathLike[str] | None = None) -> Any:
    """One heatmap per edge type present (chemical, electrical; functional for the Randi atlas), log colour scale."""
    from matplotlib.colors import LogNorm, SymLogNorm

    from neuropil.loaders import load

    neurons = load("celegans-connectomes", format="pandas", table="neurons", home=home).reset_index(drop=True)
    edges = load("celegans-connectomes", format="pandas", table="edges", connectome=connectome, home=home)
    order = neuron_order(neurons)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    types = [t for t in PANEL_TYPES if (edges["type"] == t).any()]
    figure = new_figure(6.2 * len(types), 6.0)
    axes = figure.subplots(1, len(types), squeeze=False)[0]
    sorted_types = neurons.loc[order, "type"].fillna("other").to_numpy()
    bounds = np.flatnonzero(sorted_types[1:] != sorted_types[:-1]) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(order)]])
    centres = (starts + ends) / 2
    for ax, edge_type in zip(axes, types):
        part = edges[edges["type"] == edge_type]
        matrix = np.full((len(order), len(order)), np.nan)
        pre = position[part["pre_index"].to_numpy()]
        post = position[part["post_index"].to_numpy()]
        weight = part["weight"].to_numpy(dtype=float)
        matrix[pre, post] = weight
        if edge_type == "electrical":  # stored once per pair; a gap junction couples both ways
            matrix[post, pre] = weight
        values = matrix[np.isfinite(matrix)]
        if edge_type == "functional":
            limit = float(np.nanmax(np.abs(values))) if values.size else 1.0
            norm = SymLogNorm(linthresh=max(limit / 100, 1e-6), vmin=-limit, vmax=limit)
            cmap = "RdBu_r"
        else:
            positive = values[values > 0]
            norm = LogNorm(vmin=max(float(positive.min()) if positive.size else 1.0, 1e-3),
                           vmax=float(positive.max()) if positive.size else 10.0)
            cmap = "magma_r"
            matrix[~(matrix > 0)] = np.nan  # log scale: absent and zero-weight pairs stay blank
        image = ax.imshow(matrix, cmap=cmap, norm=norm, interpolation="nearest")
        ax.set_facecolor("white")
        for bound in bounds:
            ax.axhline(bound - 0.5, color="0.6", linewidth=0.6)
            ax.axvline(bound - 0.5, color="0.6", linewidth=0.6)
        labels = [sorted_types[s] for s in starts]
        ax.set_xticks(centres - 0.5, labels, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(centres - 0.5, labels, fontsize=8)
        # the Randi atlas is indexed [stimulated, responding] in the edge table's pre/post columns
        pre_name, post_name = ("stimulated", "responding") if edge_type == "functional" else ("presynaptic", "postsynaptic")
        ax.set_xlabel(f"{post_name} neuron (by type, class)")
        ax.set_ylabel(f"{pre_name} neuron (by type, class)")
        ax.set_title(f"{connectome}: {edge_type} ({len(part)} {'pairs' if edge_type == 'electrical' else 'edges'})")
        colorbar(figure, image, ax, UNITS[edge_type], shrink=0.8)
    return figure
