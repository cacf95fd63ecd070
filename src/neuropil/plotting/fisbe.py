"""FISBe: maximum-intensity projection with instance outlines, and the neurons' skeleton graphs."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from neuropil.errors import InvalidArgumentError, unknown_value
from neuropil.plotting._common import as_int, colorbar, new_figure

SLAB = 32  # z-slices read at a time: a whole FISBe label volume is ~1 GB


def _default_sample(images: Any, sample: str | None) -> Any:
    if sample is None:
        with_raw = images[images["has_raw"]]
        return (with_raw if len(with_raw) else images).iloc[0]
    if sample not in set(images["sample"]):
        raise InvalidArgumentError(unknown_value(sample, "sample (ingested)", images["sample"]))
    return images[images["sample"] == sample].iloc[0]


def _projections(sample: str, neurons: int, home: Any) -> tuple[np.ndarray, np.ndarray]:
    """(instance masks projected along z: neurons x Y x X bool, deepest labelled z per pixel or -1)."""
    from neuropil.loaders.fisbe import open_volume

    with open_volume(sample, name="gt_instances", home=home) as volume:
        depth_z = volume.shape[1]
        masks = np.zeros((neurons, *volume.shape[2:]), dtype=bool)
        top = np.full(volume.shape[2:], -1, dtype=np.int64)
        for k in range(neurons):
            for start in range(0, depth_z, SLAB):
                slab = volume[k, start:start + SLAB] > 0
                masks[k] |= slab.any(axis=0)
                hit = slab.any(axis=0)
                last = start + slab.shape[0] - 1 - np.argmax(slab[::-1], axis=0)
                top = np.where(hit, np.maximum(top, last), top)
    return masks, top


def plot_mip(*, sample: str | None = None, home: str | os.PathLike[str] | None = None) -> Any:
    """Left: the raw image's MIP (max over channels and z) or, where no raw image is published, the
    depth of the labelled voxels; right: the instances' MIP. Both with every instance outlined."""
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm, ListedColormap

    from neuropil.loaders import load
    from neuropil.loaders.fisbe import VOXEL_SIZE_UM, read_volume

    images = load("fisbe", format="pandas", table="images", home=home)
    row = _default_sample(images, sample)
    name, neurons = row["sample"], int(row["neurons"])
    masks, top = _projections(name, neurons, home)
    extent = (0, masks.shape[2] * VOXEL_SIZE_UM, masks.shape[1] * VOXEL_SIZE_UM, 0)
    figure = new_figure(12.0, 5.4)
    left, right = figure.subplots(1, 2)
    if bool(row["has_raw"]):
        raw = read_volume(name, name="raw", home=home)
        projection = raw.reshape(-1, *raw.shape[-2:]).max(axis=0).astype(float)
        shown = left.imshow(projection, cmap="gray", extent=extent, interpolation="nearest")
        colorbar(figure, shown, left, "raw intensity (max over channels and z)")
        left.set_title(f"{name}\nraw maximum-intensity projection", fontsize=10)
    else:
        depth = np.where(top >= 0, top * VOXEL_SIZE_UM, np.nan)
        shown = left.imshow(depth, cmap="viridis", extent=extent, interpolation="nearest")
        colorbar(figure, shown, left, "depth of the deepest labelled voxel (µm)")
        left.set_title(f"{name}\ndepth-coded projection (no raw image published)", fontsize=10)
    palette = colormaps["tab10" if neurons <= 10 else "tab20"]
    colours = [palette(k % palette.N) for k in range(neurons)]
    labels = np.zeros(masks.shape[1:], dtype=float)
    for k in range(neurons):  # the higher instance wins where projections overlap
        labels[masks[k]] = k + 1
    labels[labels == 0] = np.nan
    instance_map = ListedColormap(colours)
    shown = right.imshow(labels, cmap=instance_map, norm=BoundaryNorm(np.arange(0.5, neurons + 1.5), neurons),
                         extent=extent, interpolation="nearest")
    bar = colorbar(figure, shown, right, "instance")
    bar.set_ticks(np.arange(1, neurons + 1))
    right.set_title(f"{neurons} instances ({row['labelling']} labelled)")
    y = (np.arange(masks.shape[1]) + 0.5) * VOXEL_SIZE_UM
    x = (np.arange(masks.shape[2]) + 0.5) * VOXEL_SIZE_UM
    for ax in (left, right):
        for k in range(neurons):
            if masks[k].any():
                ax.contour(x, y, masks[k].astype(float), levels=[0.5], colors=[colours[k]], linewidths=0.8)
        ax.set_xlabel("x (µm)")
        ax.set_ylabel("y (µm)")
        ax.set_facecolor("black" if ax is left else "white")
    return figure


def plot_skeletons(*, sample: str | None = None, instance: int | str | None = None,
                   home: str | os.PathLike[str] | None = None) -> Any:
    """The branch graphs of a sample's neurons (or of one ``instance``) in two projections,
    nodes and branches coloured by radius."""
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize

    from neuropil.loaders import load
    from neuropil.loaders.fisbe import VOXEL_SIZE_UM

    images = load("fisbe", format="pandas", table="images", home=home)
    name = _default_sample(images, sample)["sample"]
    nodes = load("fisbe", format="pandas", table="skeleton_nodes", sample=name, home=home)
    edges = load("fisbe", format="pandas", table="skeleton_edges", sample=name, home=home)
    if instance is not None:
        instance = as_int(instance, "instance")
        if instance not in set(nodes["instance"]):
            raise InvalidArgumentError(unknown_value(str(instance), f"instance of {name}",
                                                     [str(i) for i in sorted(set(nodes["instance"]))]))
        nodes, edges = nodes[nodes["instance"] == instance], edges[edges["instance"] == instance]
    if nodes.empty:
        raise InvalidArgumentError(f"Sample {name} has no skeleton nodes to draw.")
    key = dict(zip(zip(nodes["instance"], nodes["node"]), range(len(nodes))))
    um = nodes[["x", "y", "z"]].to_numpy(dtype=float) * VOXEL_SIZE_UM
    radius = nodes["radius_um"].to_numpy(dtype=float)
    source = np.array([key[pair] for pair in zip(edges["instance"], edges["source"])], dtype=np.int64)
    target = np.array([key[pair] for pair in zip(edges["instance"], edges["target"])], dtype=np.int64)
    norm = Normalize(vmin=float(radius.min()), vmax=float(radius.max()) if radius.max() > radius.min() else radius.min() + 1)
    figure = new_figure(12.0, 5.4)
    axes = figure.subplots(1, 2)
    for ax, (column, label) in zip(axes, [(1, "y (µm)"), (2, "z (µm)")]):
        segments = np.stack([um[source][:, [0, column]], um[target][:, [0, column]]], axis=1)
        lines = LineCollection(segments, cmap="plasma", norm=norm, linewidths=1.2)
        lines.set_array((radius[source] + radius[target]) / 2)
        ax.add_collection(lines)
        ax.scatter(um[:, 0], um[:, column], c=radius, cmap="plasma", norm=norm, s=8, zorder=3)
        ax.autoscale()
        ax.set_aspect("equal", adjustable="datalim")
        ax.invert_yaxis()
        ax.set_xlabel("x (µm)")
        ax.set_ylabel(label)
        colorbar(figure, lines, ax, "radius (µm)")
    count = nodes["instance"].nunique()
    figure.suptitle(f"FISBe {name}: skeleton graphs of {count} neuron{'s' if count > 1 else ''} "
                    f"({len(nodes)} nodes, {len(edges)} branches)")
    return figure
