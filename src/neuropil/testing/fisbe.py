"""Fake FISBe files in the upstream layout: a zarr v2 group per image and an HDF5 prediction.

``write_fisbe_zarr`` writes what the Zenodo release holds per image: ``volumes/raw`` (uint16,
CZYX) and ``volumes/gt_instances`` (uint8, CZYX, channel k holding {0, k+1}) with the attribute
``dim_neurons``; ``write_prediction`` writes a label volume as the Duan et al. baseline's HDF5
(``volumes/gmm_label_cleaned``, int32, ZYX). ``line_neurons`` draws one-voxel-thick segments,
whose skeleton is the segment itself, so metric values can be worked out by hand.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def write_fisbe_zarr(path: str | os.PathLike[str], gt_instances: np.ndarray | None, *,
                     raw: np.ndarray | None = None, dim_neurons: Sequence[int] = (),
                     chunks: tuple[int, ...] | None = None, gt_dtype: Any = np.uint8) -> Path:
    """A ``<sample>.zarr`` folder; ``gt_instances`` as given (pass binary masks to get the {0, k+1}
    coding applied), or no ``gt_instances`` at all when ``None`` (a bad-input case)."""
    import zarr

    path = Path(path)
    group = zarr.open_group(str(path), mode="w", zarr_version=2)
    volumes = group.require_group("volumes")
    if raw is not None:
        volumes.create_dataset("raw", data=np.asarray(raw, dtype=np.uint16), chunks=chunks or True,
                               compressor=zarr.GZip(level=1))
    if gt_instances is not None:
        labels = np.asarray(gt_instances)
        if labels.dtype == bool or (labels.size and labels.max() <= 1 and labels.shape[0] > 1):
            labels = labels.astype(np.uint8) * np.arange(1, labels.shape[0] + 1, dtype=np.uint8)[:, None, None, None]
        array = volumes.create_dataset("gt_instances", data=labels.astype(gt_dtype), chunks=chunks or True,
                                       compressor=zarr.Blosc(cname="zstd", clevel=3, shuffle=2))
        array.attrs["dim_neurons"] = [int(v) for v in dim_neurons]
    return path


def write_prediction(path: str | os.PathLike[str], labels: np.ndarray, *, key: str = "volumes/gmm_label_cleaned",
                     dtype: Any = np.int32) -> Path:
    """An HDF5 prediction as the Duan et al. baseline writes it (gzip, chunked)."""
    import h5py

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as handle:
        handle.create_dataset(key, data=np.asarray(labels, dtype=dtype), compression="gzip", chunks=True)
    return path


def line_neurons(shape: tuple[int, int, int], segments: Sequence[Sequence[tuple[int, int, int, int]]]) -> np.ndarray:
    """One binary channel per neuron; a neuron is a list of x-segments ``(z, y, x_start, x_stop)``."""
    masks = np.zeros((len(segments), *shape), dtype=bool)
    for channel, parts in enumerate(segments):
        for z, y, x0, x1 in parts:
            masks[channel, z, y, x0:x1] = True
    return masks


def label_lines(shape: tuple[int, int, int], labels: dict[int, Sequence[tuple[int, int, int, int]]]) -> np.ndarray:
    """One label volume; ``labels`` maps a label value to its x-segments ``(z, y, x_start, x_stop)``."""
    volume = np.zeros(shape, dtype=np.int32)
    for value, parts in labels.items():
        for z, y, x0, x1 in parts:
            volume[z, y, x0:x1] = value
    return volume
