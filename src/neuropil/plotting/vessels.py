"""A vessel graph in 3-D, each vessel segment coloured by its radius."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from neuropil.errors import InvalidArgumentError, unknown_value
from neuropil.plotting._common import colorbar, new_figure

RADII = {"avgRadiusAvg": "mean radius", "minRadiusAvg": "minimum radius", "maxRadiusAvg": "maximum radius"}


def plot_vessel_graph(*, graph: str = "sample", radius: str = "avgRadiusAvg",
                      home: str | os.PathLike[str] | None = None) -> Any:
    """Edges as straight segments between their nodes, coloured by ``radius`` (Voreen voxel units)."""
    from matplotlib.colors import Normalize
    from mpl_toolkits.mplot3d.art3d import Line3DCollection

    from neuropil.loaders import load

    if radius not in RADII:
        raise InvalidArgumentError(unknown_value(radius, "radius", RADII))
    nodes = load("vesselgraph", format="pandas", table="nodes", graph=graph, home=home)
    edges = load("vesselgraph", format="pandas", table="edges", graph=graph, home=home)
    position = np.full(int(nodes["node"].max()) + 1, -1, dtype=np.int64)
    position[nodes["node"].to_numpy()] = np.arange(len(nodes))
    xyz = nodes[["pos_x", "pos_y", "pos_z"]].to_numpy(dtype=float)
    segments = np.stack([xyz[position[edges["source"].to_numpy()]], xyz[position[edges["target"].to_numpy()]]], axis=1)
    values = edges[radius].to_numpy(dtype=float)
    low, high = np.nanpercentile(values, [1, 99])  # a few outlier radii would flatten the colour scale
    figure = new_figure(8.5, 7.0)
    ax = figure.add_subplot(projection="3d")
    lines = Line3DCollection(segments, cmap="viridis", norm=Normalize(vmin=low, vmax=max(high, low + 1e-9)),
                             linewidths=0.4 + 2.0 * (np.clip(values, low, high) - low) / max(high - low, 1e-9))
    lines.set_array(values)
    ax.add_collection3d(lines)
    for axis, column in zip("xyz", range(3)):
        getattr(ax, f"set_{axis}lim")(float(xyz[:, column].min()), float(xyz[:, column].max()))
    ax.set_xlabel("x (voxels)")
    ax.set_ylabel("y (voxels)")
    ax.set_zlabel("z (voxels)")
    ax.set_title(f"vesselgraph {graph}: {len(nodes)} nodes, {len(edges)} vessel segments")
    colorbar(figure, lines, ax, f"{RADII[radius]} (voxels; 1st-99th percentile)", shrink=0.7, pad=0.1)
    return figure
