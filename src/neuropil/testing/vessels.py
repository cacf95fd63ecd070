"""Vessel-like spatial graphs of any size, written in VesselGraph's raw Voreen CSV layout.

:func:`vessel_graph` builds the graph in memory (vectorized numpy: a 3.5M-node graph takes seconds);
:func:`write_voreen_csv` writes it as ``<name>_nodes.csv`` / ``<name>_edges.csv``, ``;``-separated,
with the upstream quirks: a few self-loops and duplicate edges, and degrees that count them.

Construction: nodes sit on a jittered cubic lattice (spacing chosen so that edge lengths look like
the real sample's, ~20 voxels); every node except the first links to one lattice neighbour with a
smaller index (that makes a spanning tree, so the graph is tree-like and connected); extra edges
between lattice neighbours close loops. Degrees are mostly 1-3. Radii follow a log-normal with a
heavy tail, so all three ``vessel-node`` classes (<= 5, (5, 13.33], > 13.33 voxels) occur, very
unbalanced, as in the whole-brain graphs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NODE_COLUMNS = ("id", "pos_x", "pos_y", "pos_z", "degree", "isAtSampleBorder")
EDGE_COLUMNS = ("id", "node1id", "node2id", "length", "distance", "curveness", "volume", "avgCrossSection",
                "minRadiusAvg", "minRadiusStd", "avgRadiusAvg", "avgRadiusStd", "maxRadiusAvg", "maxRadiusStd",
                "roundnessAvg", "roundnessStd", "node1_degree", "node2_degree", "num_voxels",
                "hasNodeAtSampleBorder")


@dataclass
class VesselGraphArrays:
    """A raw Voreen graph as arrays: ``nodes`` / ``edges`` map each CSV column to a 1-D array."""

    nodes: dict[str, np.ndarray]
    edges: dict[str, np.ndarray]
    #: what was injected, for tests that want to check a pipeline's counts (derive them yourself too)
    self_loops: int
    duplicates: int


def vessel_graph(num_nodes: int, *, seed: int = 0, extra_edge_fraction: float = 0.5, spacing: float = 20.0,
                 self_loop_fraction: float = 0.004, duplicate_fraction: float = 0.005) -> VesselGraphArrays:
    """A vessel-like graph with ``num_nodes`` nodes and about ``(1 + extra_edge_fraction) * num_nodes``
    edges (before the injected self-loops and duplicates)."""
    if num_nodes < 2:
        raise ValueError(f"num_nodes must be at least 2, got {num_nodes}.")
    rng = np.random.default_rng(seed)
    n = int(num_nodes)
    side = int(np.ceil(n ** (1 / 3)))
    a, b = side, side
    index = np.arange(n, dtype=np.int64)
    gx, gy, gz = index % a, (index // a) % b, index // (a * b)
    # tree: each node picks one existing lower neighbour (-x, -y or -z); every step lowers the index
    options = np.stack([gx > 0, gy > 0, gz > 0], axis=1)
    choice = rng.random((n, 3)) * options
    axis = choice.argmax(axis=1)
    step = np.array([1, a, a * b], dtype=np.int64)[axis]
    has_parent = options.any(axis=1)
    child = index[has_parent]
    parent = child - step[has_parent]
    # loops: extra edges to a random lower lattice neighbour
    extra = int(round(extra_edge_fraction * n))
    source = rng.integers(1, n, size=extra * 2)
    which = rng.integers(0, 3, size=source.size)
    sx, sy, sz = source % a, (source // a) % b, source // (a * b)
    valid = np.choose(which, [sx > 0, sy > 0, sz > 0])
    source, which = source[valid][:extra], which[valid][:extra]
    target = source - np.array([1, a, a * b], dtype=np.int64)[which]
    u = np.concatenate([child, source])
    v = np.concatenate([parent, target])
    key = np.minimum(u, v) * n + np.maximum(u, v)
    _, first = np.unique(key, return_index=True)
    first.sort()
    u, v = u[first], v[first]
    # quirks: self-loops and duplicate rows (the duplicates copy an existing edge's endpoints)
    loops = int(round(self_loop_fraction * u.size))
    dups = int(round(duplicate_fraction * u.size))
    loop_nodes = rng.integers(0, n, size=loops)
    dup_rows = rng.choice(u.size, size=dups, replace=False)
    flip = rng.random(dups) < 0.5
    du = np.where(flip, v[dup_rows], u[dup_rows])
    dv = np.where(flip, u[dup_rows], v[dup_rows])
    u = np.concatenate([u, loop_nodes, du])
    v = np.concatenate([v, loop_nodes, dv])
    order = rng.permutation(u.size)
    u, v = u[order], v[order]
    # node ids: a random relabelling, so the lattice order does not show in the ids
    relabel = rng.permutation(n)
    pos = np.stack([gx, gy, gz], axis=1) * spacing + rng.normal(0.0, 0.18 * spacing, size=(n, 3))
    pos = np.round(pos, 0) + 0.0  # Voreen writes voxel coordinates; + 0.0 turns -0.0 into 0.0
    new_pos = np.empty_like(pos)
    new_pos[relabel] = pos
    border = np.zeros(n, dtype=np.int64)
    on_face = (gx == 0) | (gy == 0) | (gz == 0) | (gx == a - 1) | (gy == b - 1) | (gz == gz.max())
    border[relabel[on_face]] = 1
    u, v = relabel[u], relabel[v]
    degree = np.bincount(np.concatenate([u, v]), minlength=n).astype(np.int64)  # self-loops count twice
    m = u.size
    distance = np.linalg.norm(new_pos[u] - new_pos[v], axis=1)
    curveness = 1.0 + rng.exponential(0.05, size=m)
    length = distance * curveness + np.where(u == v, rng.uniform(1.0, 6.0, size=m), 0.0)
    radius = np.exp(rng.normal(np.log(2.0), 0.55, size=m))
    radius = np.where(rng.random(m) < 0.01, rng.uniform(13.5, 25.0, size=m), radius)  # a few big vessels
    radius_std = radius * rng.uniform(0.05, 0.3, size=m)
    avg_radius = radius * rng.uniform(1.2, 1.5, size=m)
    max_radius = avg_radius * rng.uniform(1.1, 1.4, size=m)
    cross = np.pi * avg_radius ** 2
    num_voxels = np.maximum(1, np.round(length * 0.8)).astype(np.int64)
    volume = np.maximum(1, np.round(cross * length * 0.9)).astype(np.int64)
    r4 = lambda x: np.round(x, 4)  # noqa: E731 (Voreen prints 6 significant digits)
    nodes = {"id": np.arange(n, dtype=np.int64), "pos_x": new_pos[:, 0], "pos_y": new_pos[:, 1],
             "pos_z": new_pos[:, 2], "degree": degree, "isAtSampleBorder": border}
    edges = {"id": np.arange(m, dtype=np.int64), "node1id": u, "node2id": v, "length": r4(length),
             "distance": r4(distance), "curveness": r4(curveness), "volume": volume, "avgCrossSection": r4(cross),
             "minRadiusAvg": r4(radius), "minRadiusStd": r4(radius_std), "avgRadiusAvg": r4(avg_radius),
             "avgRadiusStd": r4(radius_std * 1.1), "maxRadiusAvg": r4(max_radius),
             "maxRadiusStd": r4(radius_std * 1.6), "roundnessAvg": r4(rng.uniform(0.4, 0.9, size=m)),
             "roundnessStd": r4(rng.uniform(0.05, 0.25, size=m)), "node1_degree": degree[u],
             "node2_degree": degree[v], "num_voxels": num_voxels,
             "hasNodeAtSampleBorder": (border[u] | border[v]).astype(np.int64)}
    return VesselGraphArrays(nodes, edges, loops, dups)


def write_voreen_csv(folder: str | os.PathLike[str], graph: VesselGraphArrays, *, name: str = "generated") -> tuple[Path, Path]:
    """Write ``<folder>/<name>_nodes.csv`` and ``<name>_edges.csv`` (``;``-separated, Voreen header)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # pyarrow quotes header names even with quoting_style="none": write Voreen's bare header ourselves
    options = pacsv.WriteOptions(delimiter=";", quoting_style="none", include_header=False, batch_size=1 << 16)
    paths = []
    for suffix, columns, arrays in (("nodes", NODE_COLUMNS, graph.nodes), ("edges", EDGE_COLUMNS, graph.edges)):
        table = pa.table({c: arrays[c] for c in columns})
        path = folder / f"{name}_{suffix}.csv"
        temporary = path.with_suffix(".csv.part")
        with pa.OSFile(str(temporary), "wb") as sink:
            sink.write((";".join(columns) + "\n").encode())
            pacsv.write_csv(table, sink, write_options=options)
        os.replace(temporary, path)
        paths.append(path)
    return paths[0], paths[1]


def write_vessel_graph(folder: str | os.PathLike[str], num_nodes: int, *, name: str = "generated",
                       seed: int = 0, **options: float) -> tuple[Path, Path]:
    """:func:`vessel_graph` then :func:`write_voreen_csv`; returns (nodes path, edges path)."""
    return write_voreen_csv(folder, vessel_graph(num_nodes, seed=seed, **options), name=name)


def write_legacy_vtk(path: str | os.PathLike[str], graph: VesselGraphArrays, *, binary: bool = True,
                     version: str = "4.2") -> Path:
    """The graph as VesselGraph's legacy VTK polydata: ``POINTS`` (double, node row order), ``LINES``
    (2 point indices per edge row, self-loops and duplicates included), ``CELL_DATA`` ``radius``
    (= ``avgRadiusAvg``), ``POINT_DATA`` ``degree``; ``BINARY`` (big-endian) or ``ASCII``; file version
    4.2 (cell lists ``2 i j``) as the sample, or 5.1 (``OFFSETS`` / ``CONNECTIVITY`` vtktypeint64)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = np.asarray(graph.nodes["id"], np.int64)
    order = np.argsort(ids, kind="stable")
    index = lambda raw: order[np.searchsorted(ids[order], np.asarray(raw, np.int64))]  # noqa: E731
    ends = np.stack([index(graph.edges["node1id"]), index(graph.edges["node2id"])], axis=1)
    points = np.stack([graph.nodes[c] for c in ("pos_x", "pos_y", "pos_z")], axis=1).astype(np.float64)
    chunks: list[bytes] = [f"# vtk DataFile Version {version}\nvtk output\n{'BINARY' if binary else 'ASCII'}\n"
                           "DATASET POLYDATA\n".encode()]

    def block(values: np.ndarray, dtype: str, per_line: int = 9) -> None:
        if binary:
            chunks.append(np.ascontiguousarray(values, dtype=dtype).tobytes() + b"\n")
        else:
            flat = np.asarray(values).ravel()
            text = [" ".join(repr(float(v)) if dtype.endswith("f8") else str(int(v)) for v in flat[i:i + per_line])
                    for i in range(0, flat.size, per_line)]
            chunks.append(("\n".join(text) + "\n").encode())

    chunks.append(f"POINTS {points.shape[0]} double\n".encode())
    block(points, ">f8")
    if version.startswith("5"):
        chunks.append(f"LINES {ends.shape[0] + 1} {ends.size}\nOFFSETS vtktypeint64\n".encode())
        block(np.arange(0, ends.size + 1, 2), ">i8")
        chunks.append(b"CONNECTIVITY vtktypeint64\n")
        block(ends, ">i8")
    else:
        chunks.append(f"LINES {ends.shape[0]} {ends.shape[0] * 3}\n".encode())
        block(np.concatenate([np.full((ends.shape[0], 1), 2), ends], axis=1), ">i4")
    chunks.append(f"CELL_DATA {ends.shape[0]}\nSCALARS radius double\nLOOKUP_TABLE default\n".encode())
    block(np.asarray(graph.edges["avgRadiusAvg"], np.float64), ">f8")
    chunks.append(f"POINT_DATA {points.shape[0]}\nSCALARS degree double\nLOOKUP_TABLE default\n".encode())
    block(np.asarray(graph.nodes["degree"], np.float64), ">f8")
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(b"".join(chunks))
    os.replace(temporary, path)
    return path
