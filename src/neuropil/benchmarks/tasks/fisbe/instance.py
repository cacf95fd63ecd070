"""``fisbe-instance``: neuron instance segmentation of FISBe images, scored by the official metrics.

The baseline is non-learned and runs on CPU, in the spirit of Duan et al.'s colour clustering
(the FISBe paper's non-learned baseline): multicolor FlyLight labels each neuron with a mix of the
three channels, so foreground voxels are grouped by colour and then split into spatially
connected pieces.

1. foreground: brightest channel above ``median + k * 1.4826 * MAD`` of that channel maximum over
   the whole image (a robust background estimate; ``k = 3``);
2. colour: chromaticity (each channel / the sum of the three) of the foreground voxels;
3. k-means (k-means++ seeding, ``seed``) into ``n_clusters`` colours;
4. per colour, 26-connected components; components of at most ``min_size`` voxels are dropped.

Everything after step 1 works on the foreground voxels only (sparse), and step 1 reads the image
one chunk row at a time, so full 3 x 400 x 700 x 700 volumes run in memory proportional to their
foreground. Scores: :mod:`neuropil.benchmarks.tasks.fisbe.metrics` on the ingested images that have a
raw volume, test split first (partly labelled images scored as such).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np

from neuropil.errors import InvalidArgumentError, NotIngestedError

logger = logging.getLogger(__name__)

EXPECTED_INPUT_FORMAT = "scored by run(): the baseline segments each ingested image that has volumes/raw"
DEFAULTS = {"n_clusters": 6, "mad_factor": 3.0, "min_size": 800, "max_iter": 50}
_BLOCK = 1 << 18
_HALF_OFFSETS = np.array([o for o in np.ndindex(3, 3, 3) if o > (1, 1, 1)], dtype=np.int64) - 1  # 13 of 26


def foreground(raw: Any, *, mad_factor: float = 3.0) -> tuple[np.ndarray, np.ndarray, float]:
    """(sorted flat indices, (n, 3) float32 channel values) of the foreground voxels, and the threshold."""
    channels, depth, height, width = raw.shape
    step = int(raw.chunks[1]) if getattr(raw, "chunks", None) else 16
    histogram = np.zeros(1 << 16, dtype=np.int64)
    for z0 in range(0, depth, step):
        histogram += np.bincount(np.asarray(raw[:, z0:z0 + step]).max(axis=0).ravel(), minlength=1 << 16)
    cumulative = np.cumsum(histogram)
    median = float(np.searchsorted(cumulative, cumulative[-1] / 2))
    deviation = np.abs(np.arange(1 << 16) - median)
    order = np.argsort(deviation, kind="stable")
    mad = float(deviation[order][np.searchsorted(np.cumsum(histogram[order]), cumulative[-1] / 2)])
    threshold = median + mad_factor * 1.4826 * max(mad, 1.0)
    flats, values = [], []
    for z0 in range(0, depth, step):
        slab = np.asarray(raw[:, z0:z0 + step])
        selected = slab.max(axis=0) > threshold
        local = np.flatnonzero(selected)
        flats.append(local + z0 * height * width)
        values.append(slab.reshape(channels, -1)[:, local].T.astype(np.float32))
    return np.concatenate(flats).astype(np.int64), np.concatenate(values), threshold


def kmeans(points: np.ndarray, n_clusters: int, *, seed: int, max_iter: int = 50) -> np.ndarray:
    """Cluster index per point: Lloyd's algorithm from k-means++ seeds (deterministic given ``seed``)."""
    rng = np.random.default_rng(seed)
    n = len(points)
    k = min(n_clusters, n)
    sample = points[rng.choice(n, size=min(n, 20000), replace=False)] if n > 20000 else points
    centres = [sample[rng.integers(len(sample))]]
    for _ in range(1, k):
        distance = np.min(((sample[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        total = distance.sum()
        centres.append(sample[rng.choice(len(sample), p=distance / total)] if total > 0 else sample[0])
    centres = np.array(centres, dtype=np.float64)
    assignment = np.zeros(n, dtype=np.int64)
    for iteration in range(max_iter):
        new = np.concatenate([  # in blocks: a full image has millions of foreground voxels
            ((points[i:i + _BLOCK, None, :] - centres[None]) ** 2).sum(-1).argmin(axis=1)
            for i in range(0, n, _BLOCK)])
        if iteration and np.array_equal(new, assignment):
            break
        assignment = new
        for c in range(k):
            members = points[assignment == c]
            if len(members):
                centres[c] = members.mean(axis=0)
    return assignment


def connected_components(flat: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """26-connected component id (0..) of each voxel of ``flat`` (sorted flat indices)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components as components

    if flat.size == 0:
        return np.zeros(0, dtype=np.int64)
    coords = np.stack(np.unravel_index(flat, shape), axis=1)
    rows, cols = [], []
    for offset in _HALF_OFFSETS:
        moved = coords + offset
        inside = np.all((moved >= 0) & (moved < np.array(shape)), axis=1)
        target = np.ravel_multi_index(tuple(moved[inside].T), shape)
        where = np.clip(np.searchsorted(flat, target), 0, flat.size - 1)
        hit = flat[where] == target
        rows.append(np.flatnonzero(inside)[hit])
        cols.append(where[hit])
    rows_all, cols_all = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(rows_all.size, dtype=np.int8), (rows_all, cols_all)), shape=(flat.size, flat.size))
    return components(graph, directed=False)[1]


def colour_clustering(raw: Any, *, seed: int = 0, n_clusters: int = 6, mad_factor: float = 3.0,
                      min_size: int = 800, max_iter: int = 50) -> Any:
    """Segment one (3, z, y, x) volume (numpy, h5py or zarr); returns sparse instances."""
    from neuropil.loaders.fisbe_volumes import SparseInstances

    if raw.ndim != 4 or raw.shape[0] < 2:
        raise InvalidArgumentError(f"colour_clustering needs a (channels >= 2, z, y, x) volume, got {raw.shape}.")
    shape = tuple(int(s) for s in raw.shape[1:])
    flat, values, threshold = foreground(raw, mad_factor=mad_factor)
    instances: list[np.ndarray] = []
    if flat.size:
        colour = values / np.maximum(values.sum(axis=1, keepdims=True), 1.0)
        cluster = kmeans(colour.astype(np.float64), n_clusters, seed=seed, max_iter=max_iter)
        for c in np.unique(cluster):
            members = flat[cluster == c]
            component = connected_components(members, shape)
            sizes = np.bincount(component)
            for piece in np.flatnonzero(sizes > min_size):
                instances.append(members[component == piece])
    instances.sort(key=lambda v: int(v[0]))  # label order = raster order of first voxel
    return SparseInstances(shape, tuple(range(1, len(instances) + 1)), tuple(instances),
                           {"threshold": threshold, "foreground_voxels": int(flat.size)})


def _images(home: Any) -> list[dict[str, Any]]:
    import neuropil

    images = neuropil.load("fisbe", table="images", format="pandas", home=home)
    images = images[images["has_raw"]]
    if images.empty:
        raise NotIngestedError("No ingested FISBe image has volumes/raw; ingest the Zenodo zarr folders (or the "
                               "real crop patchperpix_crop.zarr of shared/data) first.")
    test = images[images["split"] == "test"]
    return (test if not test.empty else images).to_dict("records")


def run(*, home: str | os.PathLike[str] | None = None, seed: int = 0, quick: bool = False,
        **options: Any) -> dict[str, Any]:
    """Segment every scored image with the baseline and pool the official metrics over them."""
    from neuropil.benchmarks.tasks.fisbe.metrics import evaluate_instances, summarize
    from neuropil.loaders.fisbe import open_volume

    config = {**DEFAULTS, **options}
    scores = []
    images = _images(home)
    for image in images:
        with open_volume(image["sample"], name="raw", home=home) as raw:
            prediction = colour_clustering(raw, seed=seed, **config)
        with open_volume(image["sample"], name="gt_instances", home=home) as gt_array:
            from neuropil.loaders.fisbe_volumes import gt_instances_from_array

            gt = gt_instances_from_array(gt_array, where=f"{image['sample']}/gt_instances")
        scores.append(evaluate_instances(gt, prediction, partly=image["labelling"] == "partly", sample=image["sample"]))
    summary = summarize(scores)
    metrics = {name: float(summary[name]) for name in ("S", "avF1", "C", "clDiceTP", "tp", "FS", "FM")}
    splits = sorted({str(image["split"]) for image in images})
    return {"metrics": metrics,
            "config": {**config, "images": [image["sample"] for image in images], "scored_split": ",".join(splits),
                       "num_gt": summary["num_gt"], "num_pred": summary["num_pred"]},
            "parameter_count": 0}
