"""FISBe volumes as sparse instances: readers of the upstream zarr / HDF5 files, and skeletons.

A FISBe image is about 400 x 700 x 700 voxels, but each neuron fills well under 1 % of it. The
official evaluator materialises full-volume ``int64`` label stacks per step (21-24 GB for one
image); here every instance is kept as the sorted flat indices (C order) of its voxels, read
block by block, and skeletonized inside its own bounding box. Lee's thinning is local (26
neighbourhood) and scans voxels in raster order, which a bounding-box crop preserves, so the
skeleton of a crop is exactly the skeleton of the full volume.

Upstream layout (Mais et al. 2024, Zenodo 10875063): one zarr v2 group per image with
``volumes/raw`` (uint16, CZYX, 3 colour channels) and ``volumes/gt_instances`` (uint8, CZYX, one
channel per neuron, channel k holding {0, k+1}; attribute ``dim_neurons``). Predictions are label
volumes (ZYX, integer) in HDF5 or zarr, e.g. ``volumes/gmm_label_cleaned`` of the Duan et al. baseline.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neuropil import _json
from neuropil.errors import InvalidArgumentError, RawFormatError

logger = logging.getLogger(__name__)

VOXEL_SIZE_UM = 0.44
GT_KEY = "volumes/gt_instances"
RAW_KEY = "volumes/raw"
PRED_KEY = "volumes/gmm_label_cleaned"
HDF5_SUFFIXES = (".hdf", ".h5", ".hdf5")
MAX_VOXELS = 2 ** 34  # 13x the largest FISBe array (7 x 385 x 685 x 686 = 1.3e9 voxels)
MAX_CHUNK_BYTES = 2 ** 30


@dataclass(frozen=True)
class SparseInstances:
    """The instances of one image; instance ``i`` (0-based) is ``voxels[i]``, sorted flat indices."""

    shape: tuple[int, int, int]
    #: the id each instance had in its file: gt = 0-based channel, prediction = label value
    source_ids: tuple[int, ...]
    voxels: tuple[np.ndarray, ...]
    attrs: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.voxels)

    def index(self) -> tuple[np.ndarray, np.ndarray]:
        """All voxels of all instances sorted by position, with their 1-based instance number."""
        if not self.voxels:
            return np.empty(0, np.int64), np.empty(0, np.int32)
        flat = np.concatenate(self.voxels)
        label = np.repeat(np.arange(1, len(self.voxels) + 1, dtype=np.int32), [v.size for v in self.voxels])
        order = np.argsort(flat, kind="stable")
        return flat[order], label[order]


def _integer_labels(dtype: np.dtype, what: str, path: Any) -> None:
    if dtype.kind not in "uib":
        raise RawFormatError(f"{what} in {path} has dtype {dtype}; expected integer labels (uint8 for FISBe "
                             "gt_instances, any integer type for a prediction).")


def open_zarr_group(path: str | os.PathLike[str]) -> Any:
    import zarr

    path = Path(path)
    if not (path / ".zgroup").is_file():
        raise RawFormatError(f"{path} is not a zarr v2 group (no .zgroup file); expected a FISBe <sample>.zarr folder.")
    _json.read(path / ".zgroup")
    return zarr.open_group(str(path), mode="r")


def _check_header(folder: Path, key: str) -> None:
    """Read the JSON of ``key``'s path (``.zgroup``, ``.zattrs``, ``.zarray``) before zarr does: a
    damaged file, or an array declaring more than :data:`MAX_VOXELS`, is refused before any read."""
    node = folder
    for part in key.split("/"):
        node = node / part
        for name in (".zgroup", ".zattrs", ".zarray"):
            if (node / name).is_file():
                _json.read(node / name)
    header = node / ".zarray"
    if not header.is_file():
        return
    meta = _json.read(header)
    try:
        shape = [int(s) for s in meta["shape"]]
        chunks = [int(c) for c in meta["chunks"]]
        itemsize = np.dtype(meta["dtype"]).itemsize
    except (KeyError, TypeError, ValueError) as error:
        raise RawFormatError(f"{header}: not a zarr v2 array header ({error!r}); the file is damaged.") from None
    if any(s < 0 for s in shape) or any(c < 1 for c in chunks) or len(chunks) != len(shape):
        raise RawFormatError(f"{header}: shape {shape} with chunks {chunks} is not a valid array layout.")
    voxels, chunk_bytes = math.prod(shape), math.prod(chunks) * itemsize
    if voxels > MAX_VOXELS or chunk_bytes > MAX_CHUNK_BYTES:
        raise RawFormatError(f"{header}: declares shape {shape} ({voxels:.3g} voxels) with chunks of "
                             f"{chunk_bytes:,} bytes; refused unread (a FISBe image is about 1.3e9 voxels, the "
                             f"limit {MAX_VOXELS:.3g} voxels and {MAX_CHUNK_BYTES:,} bytes a chunk).")


def zarr_array(path: str | os.PathLike[str], key: str) -> Any:
    group = open_zarr_group(path)
    _check_header(Path(path), key)
    try:
        array = group[key]
    except KeyError:
        found: list[str] = []
        group.visititems(lambda name, item: found.append(name) if hasattr(item, "dtype") else None)
        raise RawFormatError(f"{path} has no array {key!r} (arrays found: {found or 'none'}); "
                             "a FISBe ground-truth zarr holds volumes/gt_instances.") from None
    if not hasattr(array, "dtype"):
        raise RawFormatError(f"{path}/{key} is a group, not an array.")
    return array


def require_all_chunks(array: Any, where: str) -> None:
    """A zarr label volume must hold every chunk: zarr reads a missing one as background, which
    would silently cut the neurons crossing it (an instance of 12 voxels read as 6)."""
    if not hasattr(array, "nchunks_initialized"):  # h5py: a missing chunk cannot go unnoticed
        return
    present, expected = int(array.nchunks_initialized), int(array.nchunks)
    if present < expected:
        raise RawFormatError(f"{where}: {expected - present} of {expected} chunks are missing (read as "
                             "background they would cut the instances crossing them); re-download the image.")


def read_block(array: Any, index: Any, where: str) -> np.ndarray:
    """One block of a zarr or HDF5 array; a chunk that cannot be decoded is a RawFormatError."""
    try:
        return np.asarray(array[index])
    except (RuntimeError, ValueError, OSError, KeyError) as error:  # blosc / gzip / h5py failures
        raise RawFormatError(f"{where}: a damaged chunk in block {_describe(index)} could not be decoded "
                             f"({type(error).__name__}: {error}); re-download the file.") from None


def _describe(index: Any) -> str:
    parts = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(f"{'' if p.start is None else p.start}:{'' if p.stop is None else p.stop}"
                           if isinstance(p, slice) else str(p) for p in parts) + "]"


def _global_flat(local: np.ndarray, offset: tuple[int, int, int], block: tuple[int, int, int],
                 shape: tuple[int, int, int]) -> np.ndarray:
    z, y, x = np.unravel_index(local, block)
    return np.ravel_multi_index((z + offset[0], y + offset[1], x + offset[2]), shape).astype(np.int64)


def read_gt_instances(path: str | os.PathLike[str], *, key: str = GT_KEY) -> SparseInstances:
    """Read ``volumes/gt_instances`` of a FISBe zarr block by block (see :func:`gt_instances_from_array`);
    every FISBe image shows at least one neuron, so an all-zero one is refused."""
    instances = gt_instances_from_array(zarr_array(path, key), where=f"{path}/{key}")
    if not len(instances):
        raise RawFormatError(f"{path}/{key} holds no neuron (every voxel is 0): wrong file, or a download that "
                             "lost its chunks? Every FISBe image labels at least one neuron.")
    return instances


def gt_instances_from_array(array: Any, *, where: str = "gt_instances") -> SparseInstances:
    """Sparse instances of a chunked (channels, z, y, x) array (zarr or h5py): one instance per
    (channel, label value) in the channel order of the file (as the official evaluator relabels
    them); empty channels dropped. Reads one chunk row at a time, never the whole array."""
    _integer_labels(array.dtype, "the instance labels", where)
    if array.ndim == 3:
        channels, spatial = 1, tuple(int(s) for s in array.shape)
    elif array.ndim == 4:
        channels, spatial = int(array.shape[0]), tuple(int(s) for s in array.shape[1:])
    else:
        raise RawFormatError(f"{where} has shape {array.shape}; expected (channels, z, y, x).")
    require_all_chunks(array, where)
    chunks = tuple(array.chunks[-3:]) if getattr(array, "chunks", None) else (16, spatial[1], spatial[2])
    per_channel: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(channels)]
    for z0 in range(0, spatial[0], chunks[0]):
        for y0 in range(0, spatial[1], chunks[1]):
            if array.ndim == 4:
                block = read_block(array, np.s_[:, z0:z0 + chunks[0], y0:y0 + chunks[1], :], where)
            else:
                block = read_block(array, np.s_[z0:z0 + chunks[0], y0:y0 + chunks[1], :], where)[None]
            if block.dtype.kind == "i" and block.size and block.min() < 0:
                raise RawFormatError(f"{where} holds negative labels; expected 0 = background, >0 = neuron.")
            for channel in range(channels):
                if not block[channel].any():  # most blocks miss most neurons; any() is cheaper than nonzero
                    continue
                local = np.flatnonzero(block[channel])
                if local.size:
                    values = block[channel].ravel()[local]
                    per_channel[channel].append(
                        (_global_flat(local, (z0, y0, 0), block.shape[1:], spatial), values.astype(np.int64)))
    source_ids, voxels = [], []
    for channel, parts in enumerate(per_channel):
        if not parts:
            continue
        flat = np.concatenate([p[0] for p in parts])
        values = np.concatenate([p[1] for p in parts])
        order = np.lexsort((flat, values))
        flat, values = flat[order], values[order]
        bounds = np.flatnonzero(np.diff(values)) + 1
        for group in np.split(flat, bounds):
            source_ids.append(channel)
            voxels.append(group)
    attrs = {name: (value.tolist() if hasattr(value, "tolist") else value) for name, value in getattr(array, "attrs", {}).items()}
    return SparseInstances(spatial, tuple(source_ids), tuple(voxels), attrs)


def _open_prediction(path: Path, key: str) -> tuple[Any, Any]:
    if path.suffix.lower() in HDF5_SUFFIXES:
        import h5py

        if not path.is_file():
            raise InvalidArgumentError(f"Prediction file {path} does not exist.")
        try:
            handle = h5py.File(path, "r")
        except OSError as error:  # truncated, or not HDF5 at all
            raise RawFormatError(f"Prediction {path} is not a readable HDF5 file ({error}); expected the "
                                 "complete .hdf written by the model.") from None
        if key not in handle or not isinstance(handle[key], h5py.Dataset):
            found: list[str] = []
            handle.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset) else None)
            what = "a group, not a dataset" if key in handle else "missing"
            handle.close()
            raise RawFormatError(f"{path}: {key!r} is {what} (datasets found: {found or 'none'}); "
                                 "pass --pred-key naming the label volume.")
        return handle, handle[key]
    if path.suffix.lower() == ".zarr" or (path / ".zgroup").is_file():
        return None, zarr_array(path, key)
    raise InvalidArgumentError(f"Prediction {path}: unknown format {path.suffix!r}; expected .hdf/.h5/.hdf5 or .zarr.")


def read_prediction(path: str | os.PathLike[str], *, key: str = PRED_KEY, min_size: int = 800,
                    allow_empty: bool = False) -> SparseInstances:
    """Read a label volume (ZYX, or 1ZYX) slab by slab; drop labels with ``<= min_size`` voxels
    (instance size over the whole volume, as the official ``filter_components``, not connected
    components); number the rest by increasing label value (``relabel_sequential``)."""
    path = Path(path)
    handle, array = _open_prediction(path, key)
    try:
        _integer_labels(array.dtype, key, path)
        shape = tuple(int(s) for s in array.shape)
        if len(shape) == 4 and shape[0] == 1:
            squeeze = True
            shape = shape[1:]
        elif len(shape) == 3:
            squeeze = False
        else:
            raise RawFormatError(f"Prediction {path}/{key} has shape {tuple(array.shape)}; expected one label "
                                 "volume (z, y, x) (overlapping predicted instances are not supported).")
        chunks = getattr(array, "chunks", None)
        step = int(chunks[-3]) if chunks else 16
        flats, labels = [], []
        for z0 in range(0, shape[0], step):
            slab = read_block(array, np.s_[0, z0:z0 + step] if squeeze else np.s_[z0:z0 + step], f"{path}/{key}")
            if not slab.any():
                continue
            local = np.flatnonzero(slab)
            if local.size:
                values = slab.ravel()[local]
                if values.dtype.kind == "i" and values.min() < 0:
                    raise RawFormatError(f"Prediction {path}/{key} holds negative labels; expected 0 = background.")
                flats.append(local.astype(np.int64) + z0 * shape[1] * shape[2])
                labels.append(values.astype(np.int64))
    finally:
        if handle is not None:
            handle.close()
    if not flats:
        if not allow_empty:
            raise RawFormatError(f"Prediction {path}/{key} is empty (every voxel is 0): wrong key or wrong file? "
                                 "Pass allow_empty=True (--allow-empty) to score it as predicting nothing.")
        return SparseInstances(shape, (), (), {"removed_small": 0})
    flat = np.concatenate(flats)  # raster order: already sorted
    label = np.concatenate(labels)
    values, counts = np.unique(label, return_counts=True)
    kept = values[counts > min_size]
    order = np.argsort(label, kind="stable")  # stable: each label's voxels stay sorted
    sorted_labels = label[order]
    voxels = []
    for value in kept:
        lo, hi = np.searchsorted(sorted_labels, [value, value + 1])
        voxels.append(flat[order[lo:hi]])
    removed = int(values.size - kept.size)
    logger.info("%s: %d labels, %d removed (<= %d voxels)", path.name, values.size, removed, min_size)
    return SparseInstances(shape, tuple(int(v) for v in kept), tuple(voxels),
                           {"removed_small": removed, "labels_in_file": int(values.size)})


def bounding_box(voxels: np.ndarray, shape: tuple[int, int, int]) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(lower corner, upper corner exclusive) of a non-empty instance."""
    coords = np.unravel_index(voxels, shape)
    return tuple(int(c.min()) for c in coords), tuple(int(c.max()) + 1 for c in coords)  # type: ignore[return-value]


def dense_crop(voxels: np.ndarray, shape: tuple[int, int, int]) -> tuple[np.ndarray, tuple[int, int, int]]:
    """The instance as a boolean array over its bounding box, and the box's lower corner."""
    coords = np.unravel_index(voxels, shape)
    lower = tuple(int(c.min()) for c in coords)
    upper = tuple(int(c.max()) + 1 for c in coords)
    mask = np.zeros(tuple(u - lo for u, lo in zip(upper, lower)), dtype=bool)
    mask[tuple(c - lo for c, lo in zip(coords, lower))] = True
    return mask, lower  # type: ignore[return-value]


def skeletonize_mask(mask: np.ndarray) -> np.ndarray:
    """Lee (1994) 3-D thinning, scikit-image's ``skeletonize`` of a 3-D array (``skeletonize_3d``
    before 0.23); the FISBe preset's skeleton. Never squeeze a one-slice box: 3-D input keeps Lee."""
    from skimage.morphology import skeletonize

    if mask.ndim != 3:
        raise InvalidArgumentError(f"skeletonize_mask needs a 3-D mask, got shape {mask.shape}.")
    return np.asarray(skeletonize(mask)) > 0


def skeleton_voxels(voxels: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """Sorted flat indices of the skeleton of one instance, computed inside its bounding box."""
    if voxels.size == 0:
        return voxels
    mask, lower = dense_crop(voxels, shape)
    local = np.nonzero(skeletonize_mask(mask))
    return np.ravel_multi_index(tuple(c + lo for c, lo in zip(local, lower)), shape).astype(np.int64)
