"""VesselGraph raw Voreen CSVs -> cleaned node and edge tables, plus the stored task splits.

Raw layout (both files ``;``-separated, one header line):

* ``*_nodes.csv``: ``id;pos_x;pos_y;pos_z;degree;isAtSampleBorder``
* ``*_edges.csv``: ``id;node1id;node2id;length;distance;curveness;volume;avgCrossSection;minRadiusAvg;
  minRadiusStd;avgRadiusAvg;avgRadiusStd;maxRadiusAvg;maxRadiusStd;roundnessAvg;roundnessStd;
  node1_degree;node2_degree;num_voxels;hasNodeAtSampleBorder`` (graphs not made with Voreen carry
  only ``id;node1id;node2id``; the attribute columns are then null)

Upstream quirks, handled here: self-loops, duplicate edges (the same unordered pair on several
rows, in either orientation), and ``degree`` / ``node1_degree`` / ``node2_degree`` that count both
(a self-loop twice).

**Cleaning rule** (counted in ``stats.<graph>``): (1) drop every self-loop row
(``self_loops_removed``); (2) of the rows that name the same unordered node pair keep the first in
file order, drop the others (``duplicates_removed``; the kept edge records ``duplicate_rows``);
(3) recompute ``degree`` from the cleaned edges (the published value stays as ``raw_degree``).
Nodes are kept even when cleaning isolates them; border flags are kept as published.

Per graph the pipeline also stores, seeded by ``split_seed``:

* ``link_split.parquet``: the ``vessel-link`` split: positives 80/10/10 of the cleaned undirected
  edges; per split as many ``random`` and as many ``spatial`` negatives as positives
  (:mod:`neuropil.pipelines.vesselgraph_sampling`), none a true edge, no pair twice;
* ``edges.parquet`` column ``line_split``: the ``vessel-node`` split (80/10/10 of the vessels).

Their SHA-256s (over the split's content) are in ``stats.<graph>.link_split_sha256`` /
``node_split_sha256``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil._fetch import sha256_of
from neuropil._home import get_raw_dir
from neuropil.datasets.vesselgraph import GRAPHS, SAMPLE, SAMPLE_VTK
from neuropil.errors import (InvalidArgumentError, RawFormatError, SourceUnavailableError, UnverifiedSourceError,
                             unknown_value)
from neuropil.pipelines._values import VESSEL_NONNEGATIVE, require_values
from neuropil.pipelines.vesselgraph_sampling import pair_keys, random_negatives, spatial_negatives

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "1.2.0"  # 1.2.0: Poisson sources in cell order, negatives a random subset in random order
NODE_COLUMNS = ("id", "pos_x", "pos_y", "pos_z", "degree", "isAtSampleBorder")
EDGE_KEY_COLUMNS = ("id", "node1id", "node2id")
EDGE_FLOAT_COLUMNS = ("length", "distance", "curveness", "avgCrossSection", "minRadiusAvg", "minRadiusStd",
                      "avgRadiusAvg", "avgRadiusStd", "maxRadiusAvg", "maxRadiusStd", "roundnessAvg", "roundnessStd")
EDGE_INT_COLUMNS = ("volume", "num_voxels")
EDGE_COLUMNS = ("id", "node1id", "node2id", "length", "distance", "curveness", "volume", "avgCrossSection",
                "minRadiusAvg", "minRadiusStd", "avgRadiusAvg", "avgRadiusStd", "maxRadiusAvg", "maxRadiusStd",
                "roundnessAvg", "roundnessStd", "node1_degree", "node2_degree", "num_voxels",
                "hasNodeAtSampleBorder")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
SPLITS = ("train", "valid", "test")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
SAMPLE_NODES, SAMPLE_EDGES, SAMPLE_VTK_FILE = "example_nodes.csv", "example_edges.csv", "example_graph.vtk"


def parameters(*, graph: str | list[str] | tuple[str, ...] = SAMPLE, split_seed: int = 0,
               allow_unverified: bool = False) -> dict[str, Any]:
    """Validated ingest parameters. ``graph``: a name, a comma list, or several names; registered
    graphs (``neuropil info vesselgraph``) or any Voreen output found in the raw folder."""
    names = [graph] if isinstance(graph, str) else list(graph)
    names = [part.strip() for name in names for part in str(name).split(",") if part.strip()]
    if not names:
        raise InvalidArgumentError(unknown_value("", "graph", [SAMPLE, *GRAPHS]))
    for name in names:
        if name not in (SAMPLE, SAMPLE_VTK) and name not in GRAPHS and not _NAME.match(name):
            raise InvalidArgumentError(unknown_value(name, "graph", [SAMPLE, SAMPLE_VTK, *GRAPHS]))
    try:
        split_seed = int(split_seed)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"split_seed must be an integer, got {split_seed!r}.") from None
    return {"graph": list(dict.fromkeys(names)), "split_seed": split_seed, "allow_unverified": bool(allow_unverified)}


def _find_pair(root: Path | None, graph: str) -> tuple[Path, Path] | None:
    if root is None:
        return None
    for folder in (root, root / graph, root / "vessels" / graph):
        nodes, edges = folder / f"{graph}_nodes.csv", folder / f"{graph}_edges.csv"
        if nodes.is_file() and edges.is_file():
            return nodes, edges
    return None


def _find_vtk(root: Path | None, graph: str) -> Path | None:
    """``<graph>.vtk`` or ``<graph>_graph.vtk`` (legacy VTK polydata), where no CSV pair is."""
    if root is None:
        return None
    for folder in (root, root / graph, root / "vessels" / graph):
        for name in (f"{graph}.vtk", f"{graph}_graph.vtk"):
            if (folder / name).is_file():
                return folder / name
    return None


def unverified_inputs(raw_dir: Any, params: Mapping[str, Any], *, home: Any = None,
                      progress: bool | None = None) -> dict[str, tuple[Path, str]]:
    """The file pairs of the requested non-sample graphs (no registered SHA-256), hashed now.

    Looked for in the raw folder, then in the cache ``<home>/raw/vesselgraph/<graph>/``; a registered
    graph found in neither is downloaded there from its archive, only with ``allow_unverified``
    (:class:`UnverifiedSourceError` otherwise, before any download; offline, :class:`SourceUnavailableError`).
    """
    from neuropil._fetch import fetch_archive_members
    from neuropil._home import get_home

    root = get_raw_dir(raw_dir)
    cache = get_home(home) / "raw" / "vesselgraph"
    found: dict[str, tuple[Path, str]] = {}
    for graph in params["graph"]:
        if graph in (SAMPLE, SAMPLE_VTK):
            continue
        pair = _find_pair(root, graph) or _find_pair(cache, graph)
        vtk = _find_vtk(root, graph) if pair is None else None
        if pair is None and vtk is None:
            if graph not in GRAPHS:
                raise InvalidArgumentError(
                    unknown_value(graph, "graph", [SAMPLE, *GRAPHS])
                    + f" (an unregistered graph needs {graph}_nodes.csv and {graph}_edges.csv, or {graph}.vtk, in --raw-dir"
                    + (f", here {root}" if root else ", which is not set") + ")")
            source = GRAPHS[graph]
            if not params["allow_unverified"]:
                raise UnverifiedSourceError(
                    f"{graph}: {graph}_nodes.csv and {graph}_edges.csv are not in "
                    + (f"{root} (or {root}/{graph}/)" if root else "any --raw-dir") + f" nor in {cache / graph}, and its "
                    f"archive {source.url} has no registered SHA-256. Pass --allow-unverified (allow_unverified=True) "
                    "to download and ingest it; the manifest records the hashes computed now.")
            fetch_archive_members(source.url, list(source.members), cache / graph, sha256=source.archive_sha256,
                                  progress=progress, how_to_obtain="VesselGraph on LRZ Sync+Share, zip of the raw graph")
            pair = _find_pair(cache, graph)
        if not params["allow_unverified"]:
            raise UnverifiedSourceError(
                f"{graph} has no registered SHA-256 (only the sample is verified byte for byte). Pass "
                "--allow-unverified (allow_unverified=True) to ingest it; the manifest records the hashes computed now.")
        if pair is None:
            found[f"{graph}/graph.vtk"] = (vtk, sha256_of(vtk))
            continue
        for kind, path in zip(("nodes", "edges"), pair):
            found[f"{graph}/{kind}.csv"] = (path, sha256_of(path))
    return found


# ---------------------------------------------------------------------------------------------- reading

def _read_csv(path: Path, *, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(path, "rb") as handle:
        header = handle.readline().decode("utf-8", errors="replace").strip()
    if not header:
        raise RawFormatError(f"{path} is empty: expected a ';'-separated Voreen header {';'.join(required)}.")
    columns = [c.strip().strip('"') for c in header.split(";")]
    missing = [c for c in required if c not in columns]
    if missing:
        raise RawFormatError(f"{path} lacks column(s) {missing}; header is {header!r}, expected the "
                             f"';'-separated Voreen columns {';'.join((*required, *optional))}.")
    wanted = [c for c in (*required, *optional) if c in columns]
    types = {c: (pa.int64() if c in ("id", "node1id", "node2id", "degree", "isAtSampleBorder", "node1_degree",
                                     "node2_degree", "hasNodeAtSampleBorder", *EDGE_INT_COLUMNS) else pa.float64())
             for c in wanted}
    try:
        table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=";"),
                               convert_options=pacsv.ConvertOptions(include_columns=wanted, column_types=types),
                               read_options=pacsv.ReadOptions(block_size=1 << 24))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise RawFormatError(f"{path} is not a valid Voreen CSV: {error}") from None
    frame = table.to_pandas()
    for column in wanted:
        if frame[column].isna().any():
            empty = frame[column].isna().to_numpy()
            raise RawFormatError(f"{path}: column {column!r} is empty or NaN on {int(empty.sum())} data row(s) "
                                 f"(first data row {int(np.flatnonzero(empty)[0]) + 1}); expected a number.")
    require_values(frame, str(path), finite=("pos_x", "pos_y", "pos_z"), nonnegative=VESSEL_NONNEGATIVE)
    return frame


def clean_graph(nodes: pd.DataFrame, edges: pd.DataFrame, *, graph: str, source: str = "") -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Apply the cleaning rule; return (nodes table, edges table, stats)."""
    raw_ids = nodes["id"].to_numpy(np.int64)
    order = np.argsort(raw_ids, kind="stable")
    sorted_ids = raw_ids[order]
    if sorted_ids.size and (sorted_ids[1:] == sorted_ids[:-1]).any():
        duplicate = int(sorted_ids[1:][sorted_ids[1:] == sorted_ids[:-1]][0])
        raise RawFormatError(f"{source or graph}: node id {duplicate} appears on several rows; node ids must be unique.")
    endpoints = []
    for column in ("node1id", "node2id"):
        ids = edges[column].to_numpy(np.int64)
        where = np.searchsorted(sorted_ids, ids).clip(max=max(sorted_ids.size - 1, 0))
        bad = sorted_ids[where] != ids if sorted_ids.size else np.ones(ids.size, bool)
        if bad.any():
            raise RawFormatError(f"{source or graph}: edge {int(edges['id'].iloc[int(np.flatnonzero(bad)[0])])} names "
                                 f"{column} {int(ids[bad][0])}, which is not a node id ({int(bad.sum())} such rows); "
                                 "the edge file does not belong to this node file.")
        endpoints.append(order[where])
    u, v = endpoints
    num_nodes = raw_ids.size
    recount = np.bincount(np.concatenate([u, v]), minlength=num_nodes)
    loops = u == v
    keys = np.minimum(u, v) * num_nodes + np.maximum(u, v)
    kept_rows = np.flatnonzero(~loops)
    row_order = kept_rows[np.argsort(keys[kept_rows], kind="stable")]  # file order within each pair
    sorted_keys = keys[row_order]
    first = np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]]) if row_order.size else np.ones(0, bool)
    group = np.cumsum(first) - 1
    multiplicity = np.bincount(group) if row_order.size else np.zeros(0, np.int64)
    keep = np.sort(row_order[first])
    rows_of_kept = dict(zip(row_order[first].tolist(), multiplicity.tolist())) if keep.size < 2_000_000 else None
    if rows_of_kept is None:  # vectorized for whole brains
        lookup = np.zeros(u.size, np.int64)
        lookup[row_order[first]] = multiplicity
        duplicate_rows = lookup[keep]
    else:
        duplicate_rows = np.array([rows_of_kept[r] for r in keep.tolist()], dtype=np.int64)
    source_node = np.minimum(u[keep], v[keep])
    target_node = np.maximum(u[keep], v[keep])
    degree = np.bincount(np.concatenate([source_node, target_node]), minlength=num_nodes)
    has_attributes = all(c in edges for c in EDGE_FLOAT_COLUMNS)
    edge_table = pd.DataFrame({
        "graph": graph, "edge": np.arange(keep.size, dtype=np.int64),
        "raw_id": edges["id"].to_numpy(np.int64)[keep], "source": source_node, "target": target_node,
        **{c: (edges[c].to_numpy(np.float64)[keep] if c in edges else np.full(keep.size, np.nan))
           for c in EDGE_FLOAT_COLUMNS},
        **{c: (edges[c].to_numpy(np.int64)[keep] if c in edges else np.full(keep.size, -1, np.int64))
           for c in EDGE_INT_COLUMNS},
        "has_node_at_sample_border": (edges["hasNodeAtSampleBorder"].to_numpy()[keep] != 0
                                      if "hasNodeAtSampleBorder" in edges else np.zeros(keep.size, bool)),
        "duplicate_rows": duplicate_rows.astype(np.int32),
    })
    node_table = pd.DataFrame({
        "graph": graph, "node": np.arange(num_nodes, dtype=np.int64), "raw_id": raw_ids,
        "pos_x": nodes["pos_x"].to_numpy(np.float64), "pos_y": nodes["pos_y"].to_numpy(np.float64),
        "pos_z": nodes["pos_z"].to_numpy(np.float64), "degree": degree.astype(np.int32),
        "raw_degree": nodes["degree"].to_numpy(np.int32), "is_at_sample_border": nodes["isAtSampleBorder"].to_numpy() != 0,
    })
    distance = edge_table["distance"].to_numpy()
    stats = {
        "nodes": int(num_nodes),
        "edges": int(keep.size),
        "raw_edge_rows": int(u.size),
        "self_loops_removed": int(loops.sum()),
        "duplicates_removed": int(u.size - loops.sum() - keep.size),
        "duplicate_pairs": int((multiplicity > 1).sum()),
        "isolated_nodes": int((degree == 0).sum()),
        "nodes_whose_degree_changed": int((degree != node_table["raw_degree"].to_numpy()).sum()),
        # the published degree is the raw row count per endpoint (self-loops twice): 0 means it held
        "raw_degree_mismatches": int((recount != node_table["raw_degree"].to_numpy()).sum()),
        "border_nodes": int(node_table["is_at_sample_border"].sum()),
        "edge_attributes": bool(has_attributes),
        "spatial_delta": float(distance.mean() + 2 * distance.std()) if has_attributes and distance.size else None,
    }
    return node_table, edge_table, stats


# ----------------------------------------------------------------------------------------------- splits

def content_sha256(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over names, dtypes, shapes and bytes (independent of the file format that stores them)."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def split_counts(total: int) -> tuple[int, int, int]:
    valid = int(round(total * SPLIT_FRACTIONS[1]))
    test = int(round(total * SPLIT_FRACTIONS[2]))
    return total - valid - test, valid, test


def make_link_split(pos: np.ndarray, edges: np.ndarray, *, seed: int, delta: float | None) -> pd.DataFrame:
    """Rows ``split, kind (pos | neg_random | neg_spatial), source, target``; seeded, deterministic."""
    rng = np.random.default_rng(seed)
    num_nodes, total = pos.shape[0], edges.shape[0]
    if total < 10:
        raise InvalidArgumentError(f"A link split needs at least 10 edges, this graph has {total}.")
    permutation = rng.permutation(total)
    counts = split_counts(total)
    bounds = np.cumsum([0, *counts])
    true_keys = pair_keys(edges, num_nodes)
    negatives = {"neg_random": random_negatives(num_nodes, total, rng=rng, exclude=true_keys)}
    if delta is not None:
        negatives["neg_spatial"] = spatial_negatives(pos, total, delta=delta, rng=rng, exclude=true_keys)
    parts = []
    for index, name in enumerate(SPLITS):
        chosen = {"pos": edges[permutation[bounds[index]:bounds[index + 1]]]}
        for kind, pairs in negatives.items():
            chosen[kind] = pairs[bounds[index]:bounds[index + 1]]
        for kind, pairs in chosen.items():
            parts.append(pd.DataFrame({"split": name, "kind": kind, "source": pairs[:, 0].astype(np.int64),
                                       "target": pairs[:, 1].astype(np.int64)}))
    return pd.concat(parts, ignore_index=True)


def make_node_split(num_vessels: int, *, seed: int) -> np.ndarray:
    """``train`` / ``valid`` / ``test`` per vessel (line-graph node), 80/10/10, seeded."""
    rng = np.random.default_rng(seed + 1)  # not the link split's stream
    labels = np.empty(num_vessels, dtype=object)
    counts = split_counts(num_vessels)
    bounds = np.cumsum([0, *counts])
    permutation = rng.permutation(num_vessels)
    for index, name in enumerate(SPLITS):
        labels[permutation[bounds[index]:bounds[index + 1]]] = name
    return labels


# ------------------------------------------------------------------------------------------------ build

def build(inputs: Mapping[str, Path], missing: Mapping[str, str], params: Mapping[str, Any]):
    node_tables, edge_tables, split_tables, stats = [], [], [], {}
    for graph in params["graph"]:
        vtk_path = inputs.get(SAMPLE_VTK_FILE) if graph == SAMPLE_VTK else inputs.get(f"{graph}/graph.vtk")
        if graph == SAMPLE_VTK and vtk_path is None:
            raise SourceUnavailableError(f"The VesselGraph sample VTK is not available: "
                                         f"{missing.get(SAMPLE_VTK_FILE, 'not found')}")
        if graph == SAMPLE:
            if SAMPLE_NODES not in inputs or SAMPLE_EDGES not in inputs:
                reason = missing.get(SAMPLE_NODES) or missing.get(SAMPLE_EDGES) or "not found"
                raise SourceUnavailableError(f"The VesselGraph sample is not available: {reason}")
            nodes_path, edges_path = inputs[SAMPLE_NODES], inputs[SAMPLE_EDGES]
        elif vtk_path is None:
            nodes_path, edges_path = inputs[f"{graph}/nodes.csv"], inputs[f"{graph}/edges.csv"]
        logger.info("reading %s", graph)
        if vtk_path is not None:
            from neuropil.pipelines.vesselgraph_vtk import read_legacy_vtk, voreen_tables

            nodes, edges = voreen_tables(read_legacy_vtk(vtk_path), source=str(vtk_path))
            edges_path = vtk_path
        else:
            nodes = _read_csv(nodes_path, required=NODE_COLUMNS)
            edges = _read_csv(edges_path, required=EDGE_KEY_COLUMNS,
                              optional=tuple(c for c in EDGE_COLUMNS if c not in EDGE_KEY_COLUMNS))
        node_table, edge_table, graph_stats = clean_graph(nodes, edges, graph=graph, source=str(edges_path))
        pos = node_table[["pos_x", "pos_y", "pos_z"]].to_numpy()
        pairs = edge_table[["source", "target"]].to_numpy()
        link = make_link_split(pos, pairs, seed=params["split_seed"], delta=graph_stats["spatial_delta"])
        link.insert(0, "graph", graph)
        edge_table["line_split"] = make_node_split(len(edge_table), seed=params["split_seed"])
        graph_stats["link_split_sha256"] = link_split_sha256(link)
        graph_stats["node_split_sha256"] = content_sha256({"line_split": edge_table["line_split"].to_numpy().astype("U5")})
        graph_stats["split_seed"] = params["split_seed"]
        node_tables.append(node_table)
        edge_tables.append(edge_table)
        split_tables.append(link)
        stats[graph] = graph_stats
    outputs = {"nodes.parquet": pd.concat(node_tables, ignore_index=True),
               "edges.parquet": pd.concat(edge_tables, ignore_index=True),
               "link_split.parquet": pd.concat(split_tables, ignore_index=True)}
    return outputs, {"graphs": list(params["graph"]), "stats": stats,
                     "cleaning_rule": ("drop self-loop rows; of rows naming the same unordered node pair keep the "
                                       "first in file order; recompute degree from the cleaned edges")}


def link_split_sha256(link: pd.DataFrame) -> str:
    """The content hash of one graph's link split (what every vessel-link result carries)."""
    return content_sha256({f"{s}/{k}": link.loc[(link["split"] == s) & (link["kind"] == k), ["source", "target"]]
                           .to_numpy(np.int64) for s in SPLITS for k in ("pos", "neg_random", "neg_spatial")})


# ------------------------------------------------------------------------- graphs ingested earlier

def carried_over(previous: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """The graphs of the published version that this ingest does not rebuild and keeps as they are:
    graph -> its input entries and stats. Only from a version built by this code with the same split
    seed (else nothing is kept, and a build that lacks them is refused as a shrink unless ``force``)."""
    if previous.get("pipeline_version") != PIPELINE_VERSION:
        return {}
    stats = previous.get("stats") or {}
    kept = {}
    for graph in previous.get("graphs") or []:
        if graph in params["graph"] or (stats.get(graph) or {}).get("split_seed") != params["split_seed"]:
            continue
        # the sample's three files are one download: keeping either sample graph keeps all three
        files = (SAMPLE_NODES, SAMPLE_EDGES, SAMPLE_VTK_FILE) if graph in (SAMPLE, SAMPLE_VTK) else None
        inputs = {name: entry for name, entry in (previous.get("inputs") or {}).items()
                  if (name in files if files else name.startswith(f"{graph}/"))}
        kept[graph] = {"inputs": inputs, "stats": stats[graph]}
    return kept


def merge_carried(tables: dict[str, Any], extras: dict[str, Any], previous_path: Path,
                  carried: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Append the carried graphs' rows, read from the published build, to the new tables."""
    import pyarrow.parquet as pq

    kept = list(carried)
    merged = {name: pd.concat([pq.read_table(previous_path / name, filters=[("graph", "in", kept)]).to_pandas(),
                               table], ignore_index=True)
              for name, table in tables.items()}
    stats = {graph: carried[graph]["stats"] for graph in kept}
    return merged, {**extras, "graphs": [*kept, *extras["graphs"]], "stats": {**stats, **extras["stats"]}}
