"""FISBe zarr folders -> one chunked, compressed HDF5 per image + instance and skeleton tables.

Input: every ``<name>.zarr`` folder under ``<raw-dir>/fisbe`` (or ``<raw-dir>`` itself when it has
no ``fisbe`` folder), e.g. the unpacked Zenodo archives (``completely/<split>/<sample>.zarr``) or
any subset of them. Each must hold ``volumes/gt_instances`` (uint8, CZYX); ``volumes/raw``
(uint16, 3 x ZYX) is copied when present. Folders whose tree digest is not registered
(:data:`neuropil.datasets.fisbe.REGISTERED_TREES`) ingest only with ``allow_unverified``; the
manifest records the digests computed then.

Output per image ``images/<stem>.h5``: ``/gt_instances`` exactly as published (one uint8 channel
per neuron, so overlaps are kept) and ``/raw``, chunked (1, 64, 64, 64), gzip level 1 with
shuffle, copied block by block (never a whole volume in memory). Tables: ``images.parquet``,
``instances.parquet`` (per neuron: voxel count, bounding box, dim flag, overlap voxels, skeleton
size and length, pruned graph size), ``skeleton_nodes.parquet`` and ``skeleton_edges.parquet``
(:mod:`neuropil.pipelines.fisbe_skeleton`).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil._fetch import sha256_of
from neuropil._home import get_raw_dir
from neuropil.errors import InvalidArgumentError, RawFormatError, SourceUnavailableError, UnverifiedSourceError
from neuropil.formats.fisbe_split import COMPLETENESS, SPLITS, parse_split_list  # noqa: F401 (re-exported)

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "1.0.0"
H5_CHUNKS = (1, 64, 64, 64)


def parameters(*, allow_unverified: bool = False, spur_length_um: float = 2.0,
               samples: str | list[str] | tuple[str, ...] | None = None) -> dict[str, Any]:
    """Validated ingest parameters (all part of the output's fingerprint)."""
    try:
        spur = float(spur_length_um)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"spur_length_um must be a number of micrometres, got {spur_length_um!r}.") from None
    if not 0 <= spur < float("inf"):
        raise InvalidArgumentError(f"spur_length_um must be >= 0, got {spur_length_um!r}.")
    names = [samples] if isinstance(samples, str) else list(samples or [])
    names = sorted({part.strip().removesuffix(".zarr") for name in names for part in name.split(",") if part.strip()})
    return {"allow_unverified": bool(allow_unverified), "spur_length_um": spur, "samples": names}


def tree_digest(folder: Path) -> str:
    """SHA-256 of the sorted lines ``<relative path>  <sha256>`` of every file under ``folder``."""
    lines = []
    for directory, subdirectories, files in os.walk(folder):
        subdirectories.sort()
        for name in files:
            path = Path(directory) / name
            lines.append(f"{path.relative_to(folder).as_posix()}  {sha256_of(path)}\n")
    return hashlib.sha256("".join(sorted(lines)).encode()).hexdigest()


def find_zarr_folders(raw_dir: Path) -> list[Path]:
    root = raw_dir / "fisbe" if (raw_dir / "fisbe").is_dir() else raw_dir
    found = []
    for directory, subdirectories, _ in os.walk(root):
        for name in list(subdirectories):
            if name.endswith(".zarr"):
                found.append(Path(directory) / name)
                subdirectories.remove(name)  # never walk into a zarr's chunk files
        subdirectories.sort()
    return sorted(found)


def unverified_inputs(raw_dir: Any, params: Mapping[str, Any], *, home: Any = None,
                      progress: bool | None = None) -> dict[str, tuple[Path, str]]:
    """The zarr folders to ingest, with their tree digests; unregistered ones need ``allow_unverified``.

    Folders are looked for in the raw folder and in the cache ``<home>/raw/fisbe/``. A sample named
    in ``samples`` that is in neither is extracted there from its release archive (downloaded; its
    place in the archive from the split list), only with ``allow_unverified``: no archive digest is known.
    """
    from neuropil._home import get_home
    from neuropil.datasets.fisbe import REGISTERED_TREES

    root = get_raw_dir(raw_dir)
    cache = get_home(home) / "raw" / "fisbe"
    if root is not None and not root.is_dir():
        raise SourceUnavailableError(f"FISBe ingests zarr folders from --raw-dir (or NEUROPIL_RAW_DIR); {root} is "
                                     "not a folder.")
    folders = [*(find_zarr_folders(root) if root is not None else []),
               *(f for f in (find_zarr_folders(cache) if cache.is_dir() else [])
                 if root is None or not f.is_relative_to(root))]
    if params["samples"]:
        wanted = set(params["samples"])
        folders = [f for f in folders if f.name.removesuffix(".zarr") in wanted]
        absent = sorted(wanted - {f.name.removesuffix(".zarr") for f in folders})
        if absent:
            folders += _from_archives(absent, raw_dir, cache, params, home=home, progress=progress)
    if not folders:
        raise SourceUnavailableError(
            f"No <sample>.zarr folder under {root or 'any --raw-dir (unset)'} or {cache}; unpack the FISBe archives "
            "into the folder given as --raw-dir, or name samples with --samples (and --allow-unverified) to download them.")
    root = root if root is not None else cache
    stems: dict[str, Path] = {}
    found: dict[str, tuple[Path, str]] = {}
    unknown = []
    for folder in folders:
        stem = folder.name.removesuffix(".zarr")
        if stem in stems:
            raise RawFormatError(f"Sample {stem!r} found twice: {stems[stem]} and {folder}.")
        stems[stem] = folder
        digest = tree_digest(folder)
        registered = REGISTERED_TREES.get(folder.name)
        if registered is None or registered[0] != digest:
            unknown.append(str(folder.relative_to(root)) if folder.is_relative_to(root) else str(folder))
        found[f"zarr/{folder.name}"] = (folder, digest)
    if unknown and not params["allow_unverified"]:
        raise UnverifiedSourceError(
            f"{len(unknown)} zarr folder(s) have no registered SHA-256 (the Zenodo archives' checksums are unknown "
            f"here): {unknown[:5]}{' ...' if len(unknown) > 5 else ''}. Pass --allow-unverified "
            "(allow_unverified=True) to ingest them; the manifest records the digests computed now.")
    return found


def _from_archives(samples: list[str], raw_dir: Any, cache: Path, params: Mapping[str, Any], *, home: Any,
                   progress: bool | None) -> list[Path]:
    """Extract ``samples`` from the release archives into ``cache``; their places from the split list."""
    from neuropil._fetch import fetch_archive_members, locate
    from neuropil.datasets.fisbe import ARCHIVES, SPLIT_LIST, archive_member

    places = parse_split_list(locate(SPLIT_LIST, "fisbe", raw_dir=raw_dir, home=home, progress=progress))
    unknown = [s for s in samples if s not in places]
    if unknown:
        raise SourceUnavailableError(f"Samples {unknown} are not in --raw-dir, the cache {cache} or FISBe's split "
                                     "list; check the names (neuropil info fisbe).")
    if not params["allow_unverified"]:
        raise UnverifiedSourceError(
            f"Samples {samples} are not in --raw-dir or the cache {cache}, and the FISBe archives have no registered "
            "SHA-256. Pass --allow-unverified (allow_unverified=True) to download them from Zenodo; the manifest "
            "records the digests computed now.")
    extracted = []
    for labelling in COMPLETENESS:
        members = {archive_member(s, *places[s]): s for s in samples if places[s][0] == labelling}
        if members:
            archive = ARCHIVES[labelling]
            placed = fetch_archive_members(archive.url, list(members), cache, sha256=archive.archive_sha256,
                                           progress=progress, how_to_obtain=archive.how_to_obtain)
            extracted += [placed[member] for member in members]
    return extracted


def _check_folder(folder: Path) -> dict[str, Any]:
    """Open a folder's arrays and check their layout before anything is written."""
    from neuropil.formats.fisbe_volumes import GT_KEY, RAW_KEY, open_zarr_group, require_all_chunks, zarr_array

    gt = zarr_array(folder, GT_KEY)
    require_all_chunks(gt, f"{folder}/{GT_KEY}")
    if gt.dtype != np.uint8:
        raise RawFormatError(f"{folder}/{GT_KEY} has dtype {gt.dtype}; FISBe publishes uint8 (channel k holds "
                             "{0, k+1}).")
    if gt.ndim != 4:
        raise RawFormatError(f"{folder}/{GT_KEY} has shape {gt.shape}; expected (neurons, z, y, x).")
    group = open_zarr_group(folder)
    raw = None
    if "raw" in group.get("volumes", {}):
        raw = zarr_array(folder, RAW_KEY)
        if raw.dtype != np.uint16:
            raise RawFormatError(f"{folder}/{RAW_KEY} has dtype {raw.dtype}; FISBe publishes uint16.")
        if raw.ndim != 4 or tuple(raw.shape[1:]) != tuple(gt.shape[1:]):
            raise RawFormatError(f"{folder}: volumes/raw has shape {tuple(raw.shape)} but volumes/gt_instances "
                                 f"{tuple(gt.shape)}; the spatial (z, y, x) shapes must agree.")
    dim = gt.attrs.get("dim_neurons", [])
    return {"gt": gt, "raw": raw, "dim_neurons": [int(v) for v in dim]}


def _copy_writer(arrays: dict[str, Any], dim_neurons: list[int]) -> Any:
    def writer(path: Path) -> None:
        from neuropil.pipelines._hdf5 import open_for_blocks
        from neuropil.formats.fisbe_volumes import read_block

        path.parent.mkdir(parents=True, exist_ok=True)
        with open_for_blocks(path, track_order=True) as handle:  # a full disk raises, never crashes
            for name, array in arrays.items():
                chunks = tuple(min(c, s) for c, s in zip(H5_CHUNKS, array.shape))
                target = handle.create_dataset(name, shape=array.shape, dtype=array.dtype, chunks=chunks,
                                               compression="gzip", compression_opts=1, shuffle=True,
                                               track_times=False)
                step_z, step_y = array.chunks[1], array.chunks[2]
                for z0 in range(0, array.shape[1], step_z):
                    for y0 in range(0, array.shape[2], step_y):
                        block = np.s_[:, z0:z0 + step_z, y0:y0 + step_y, :]
                        target[block] = read_block(array, block, f"{path.name}: {name}")
                if name == "gt_instances":
                    target.attrs["dim_neurons"] = np.asarray(dim_neurons, dtype=np.int64)
    return writer


def _instance_rows(stem: str, split: str | None, labelling: str | None, folder: Path, dim_neurons: list[int],
                   spur_length_um: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    from neuropil.pipelines.fisbe_skeleton import skeleton_graph
    from neuropil.formats.fisbe_volumes import bounding_box, read_gt_instances, skeleton_voxels

    gt = read_gt_instances(folder)
    all_flat, all_label = gt.index()
    shared = np.zeros(all_flat.size, dtype=bool)
    if all_flat.size > 1:
        duplicate = all_flat[1:] == all_flat[:-1]
        shared[1:] |= duplicate
        shared[:-1] |= duplicate
    overlap = np.bincount(all_label[shared], minlength=len(gt) + 1)
    rows, nodes, edges = [], [], []
    for number, (channel, voxels) in enumerate(zip(gt.source_ids, gt.voxels), start=1):
        instance = channel + 1
        lower, upper = bounding_box(voxels, gt.shape)
        skeleton = skeleton_voxels(voxels, gt.shape)
        graph = skeleton_graph(skeleton, voxels, gt.shape, spur_length_um=spur_length_um)
        rows.append({"sample": stem, "split": split, "labelling": labelling, "instance": instance, "channel": channel,
                     "voxel_count": int(voxels.size),
                     **{f"bbox_{a}0": lower[i] for i, a in enumerate("zyx")},
                     **{f"bbox_{a}1": upper[i] for i, a in enumerate("zyx")},
                     "dim": instance in dim_neurons, "overlap_voxels": int(overlap[number]),
                     "skeleton_voxels": int(skeleton.size), "skeleton_length_um": graph.total_length_um,
                     "graph_nodes": len(graph.node_zyx), "graph_edges": len(graph.edges)})
        degree = graph.degree
        for node, (zyx, radius, kind) in enumerate(zip(graph.node_zyx, graph.node_radius_um, graph.node_kind)):
            nodes.append({"sample": stem, "instance": instance, "node": node, "z": zyx[0], "y": zyx[1], "x": zyx[2],
                          "radius_um": float(radius), "degree": int(degree[node]), "kind": kind})
        for (source, target), length, count in zip(graph.edges, graph.edge_length_um, graph.edge_voxels):
            edges.append({"sample": stem, "instance": instance, "source": int(source), "target": int(target),
                          "length_um": float(length), "voxels": int(count)})
    return rows, nodes, edges


_INSTANCE_TYPES = {"instance": "int32", "channel": "int32", "voxel_count": "int64", "bbox_z0": "int32",
                   "bbox_y0": "int32", "bbox_x0": "int32", "bbox_z1": "int32", "bbox_y1": "int32", "bbox_x1": "int32",
                   "dim": "bool", "overlap_voxels": "int64", "skeleton_voxels": "int64",
                   "skeleton_length_um": "float64", "graph_nodes": "int32", "graph_edges": "int32"}


def build(inputs: Mapping[str, Path], missing: Mapping[str, str], params: Mapping[str, Any]):
    from tqdm.auto import tqdm

    from neuropil._home import is_quiet
    from neuropil.datasets.fisbe import TREE_SAMPLES

    split_list = parse_split_list(inputs["sample_list_per_split.txt"])
    folders = {name: path for name, path in inputs.items() if name.startswith("zarr/")}
    checked = {name: _check_folder(path) for name, path in folders.items()}  # every layout before any write
    outputs: dict[str, Any] = {}
    images, instances, nodes, edges = [], [], [], []
    for name, path in tqdm(sorted(folders.items()), desc="fisbe ingest", disable=is_quiet()):
        info = checked[name]
        stem = path.name.removesuffix(".zarr")
        image_of = TREE_SAMPLES.get(path.name, stem)
        labelling, split = split_list.get(image_of, (None, None))
        arrays = {"gt_instances": info["gt"], **({"raw": info["raw"]} if info["raw"] is not None else {})}
        outputs[f"images/{stem}.h5"] = _copy_writer(arrays, info["dim_neurons"])
        rows, node_rows, edge_rows = _instance_rows(stem, split, labelling, path, info["dim_neurons"],
                                                    params["spur_length_um"])
        instances += rows
        nodes += node_rows
        edges += edge_rows
        shape = info["gt"].shape
        images.append({"sample": stem, "image_of": image_of, "split": split, "labelling": labelling,
                       "file": f"images/{stem}.h5", "shape_z": shape[1], "shape_y": shape[2], "shape_x": shape[3],
                       "neurons": shape[0], "has_raw": info["raw"] is not None, "source": str(path)})
    outputs["images.parquet"] = pd.DataFrame(images).astype({"shape_z": "int32", "shape_y": "int32",
                                                             "shape_x": "int32", "neurons": "int32"})
    outputs["instances.parquet"] = pd.DataFrame(instances).astype(_INSTANCE_TYPES)
    outputs["skeleton_nodes.parquet"] = pd.DataFrame(
        nodes, columns=["sample", "instance", "node", "z", "y", "x", "radius_um", "degree", "kind"]).astype(
        {"instance": "int32", "node": "int32", "degree": "int32"})
    outputs["skeleton_edges.parquet"] = pd.DataFrame(
        edges, columns=["sample", "instance", "source", "target", "length_um", "voxels"]).astype(
        {"instance": "int32", "source": "int32", "target": "int32", "voxels": "int32"})
    from neuropil.datasets.fisbe import REGISTERED_TREES

    provenance = {}
    for name, path in sorted(folders.items()):
        registered = REGISTERED_TREES.get(path.name)
        # only the small registered folders are re-hashed here; the driver already hashed every input
        matches = registered is not None and tree_digest(path) == registered[0]
        provenance[name] = (f"registered tree digest matches ({registered[2]})" if matches
                            else "no registered digest: ingested with --allow-unverified")
    unlisted = sorted(i["sample"] for i in images if i["split"] is None)
    stats = {image["sample"]: {"neurons": image["neurons"], "split": image["split"], "labelling": image["labelling"]}
             for image in images}
    return outputs, {"stats": stats, "not_in_split_list": unlisted, "zarr_folders": provenance,
                     "split_list_counts": {f"{c}/{s}": sum(1 for v in split_list.values() if v == (c, s))
                                           for c in COMPLETENESS for s in SPLITS}}
