"""Skeleton graphs of FISBe neurons: Lee skeleton -> branch graph -> pruned graph.

1. The skeleton (``fisbe_volumes.skeleton_voxels``) is a set of voxels, adjacent in the
   26-neighbourhood; a step between neighbours is 1, sqrt 2 or sqrt 3 voxels long (x 0.44 um).
2. Nodes are the voxels whose neighbour count is not 2: endpoints (1), isolated voxels (0), and
   junctions (3+), adjacent junction voxels merged into one node at their mean position. A ring
   with no such voxel gets one node (its first voxel in raster order) and a self-loop.
3. Edges are the branches, traced through the degree-2 voxels from node to node; their length is
   the sum of the steps (steps inside a junction cluster are not counted). The unpruned total is
   the ``skeleton_length_um`` of ``instances.parquet``.
4. Pruning: a spur (a branch from a junction to an endpoint) shorter than ``spur_length_um``
   (default 2 um, about 4.5 voxels: the side twigs that Lee thinning leaves on a thick branch) is
   removed, repeatedly; then nodes left with exactly two branches are collapsed into one edge
   (lengths and voxel counts add up, the node's voxel counted in).
5. A node's radius is its distance to the nearest background voxel of the neuron's mask
   (Euclidean, in um; for a junction cluster the largest over its voxels), looked up within a
   window of ``RADIUS_WINDOW`` voxels (capped there).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from neuropil.formats.fisbe_volumes import VOXEL_SIZE_UM

SPUR_LENGTH_UM = 2.0
RADIUS_WINDOW = 10
_OFFSETS = np.array([o for o in product((-1, 0, 1), repeat=3) if o != (0, 0, 0)], dtype=np.int64)


@dataclass(frozen=True)
class SkeletonGraph:
    """One neuron's graph; node coordinates are voxel (z, y, x) of the full image."""

    node_zyx: np.ndarray  # (n, 3) float64
    node_radius_um: np.ndarray  # (n,)
    node_kind: tuple[str, ...]
    edges: np.ndarray  # (m, 2) int64, undirected, source <= target
    edge_length_um: np.ndarray  # (m,)
    edge_voxels: np.ndarray  # (m,) int64
    total_length_um: float  # unpruned

    @property
    def degree(self) -> np.ndarray:
        degree = np.zeros(len(self.node_zyx), dtype=np.int64)
        np.add.at(degree, self.edges[:, 0], 1)
        np.add.at(degree, self.edges[:, 1], 1)
        return degree


def _neighbour_pairs(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, step length in voxels) for every adjacent pair i < j of skeleton voxels."""
    lower = coords.min(axis=0) - 1
    box = coords.max(axis=0) - lower + 2
    flat = np.ravel_multi_index(tuple((coords - lower).T), tuple(box))
    order = np.argsort(flat)
    sorted_flat = flat[order]
    strides = np.array([box[1] * box[2], box[2], 1])
    pairs_i, pairs_j, steps = [], [], []
    for offset in _OFFSETS:
        shifted = flat + int(offset @ strides)
        where = np.clip(np.searchsorted(sorted_flat, shifted), 0, flat.size - 1)
        hit = sorted_flat[where] == shifted
        i = np.flatnonzero(hit)
        j = order[where[hit]]
        keep = i < j
        pairs_i.append(i[keep])
        pairs_j.append(j[keep])
        steps.append(np.full(int(keep.sum()), float(np.sqrt(offset @ offset))))
    return np.concatenate(pairs_i), np.concatenate(pairs_j), np.concatenate(steps)


def _radius(mask: np.ndarray, lower: np.ndarray, voxels_zyx: np.ndarray) -> float:
    """Largest distance to background over ``voxels_zyx`` (full-image coordinates), in um."""
    best = 0.0
    w = RADIUS_WINDOW
    for point in voxels_zyx - lower:
        lo = np.maximum(point - w, 0)
        hi = np.minimum(point + w + 1, mask.shape)
        window = mask[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        background = np.argwhere(~window)
        # voxels just outside the box are background too: the box is the mask's bounding box
        outside = [d for axis in range(3) for d in (point[axis] + 1, mask.shape[axis] - point[axis])]
        distance = float(min(outside + [w]))
        if background.size:
            distance = min(distance, float(np.sqrt(((background + lo - point) ** 2).sum(axis=1)).min()))
        best = max(best, distance)
    return best * VOXEL_SIZE_UM


def skeleton_graph(skeleton: np.ndarray, voxels: np.ndarray, shape: tuple[int, int, int], *,
                   spur_length_um: float = SPUR_LENGTH_UM) -> SkeletonGraph:
    """The pruned branch graph of one neuron from its skeleton and mask (sorted flat indices)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from neuropil.formats.fisbe_volumes import dense_crop

    if skeleton.size == 0:
        empty = np.empty((0, 3))
        return SkeletonGraph(empty, np.empty(0), (), np.empty((0, 2), np.int64), np.empty(0), np.empty(0, np.int64), 0.0)
    coords = np.stack(np.unravel_index(skeleton, shape), axis=1).astype(np.int64)
    n = len(coords)
    pi, pj, step = _neighbour_pairs(coords)
    neighbours: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, s in zip(pi.tolist(), pj.tolist(), step.tolist()):
        neighbours[a].append((b, s))
        neighbours[b].append((a, s))
    degree = np.array([len(x) for x in neighbours])
    is_node = degree != 2
    junction = degree >= 3
    # junction clusters: components of the junction-junction adjacency
    both = junction[pi] & junction[pj]
    graph = coo_matrix((np.ones(int(both.sum())), (pi[both], pj[both])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    node_of = np.full(n, -1, dtype=np.int64)
    members: list[list[int]] = []
    cluster_node: dict[int, int] = {}
    for v in np.flatnonzero(is_node):
        key = int(component[v]) if junction[v] else -1 - int(v)
        if key not in cluster_node:
            cluster_node[key] = len(members)
            members.append([])
        node_of[v] = cluster_node[key]
        members[node_of[v]].append(int(v))
    edges: list[list[float]] = []  # [a, b, length, voxels]
    seen_steps: set[tuple[int, int]] = set()

    def trace(start: int, first: int, first_step: float) -> None:
        if (start, first) in seen_steps:
            return
        previous, current, length, count = start, first, first_step, 0
        while not is_node[current]:
            count += 1
            (n1, s1), (n2, s2) = neighbours[current]
            previous, current, length = (current, n2, length + s2) if n1 == previous else (current, n1, length + s1)
        seen_steps.add((current, previous))
        seen_steps.add((start, first))
        edges.append([node_of[start], node_of[current], length, count])

    for v in np.flatnonzero(is_node):
        for u, s in neighbours[v]:
            if is_node[u] and node_of[u] == node_of[v]:
                continue  # a step inside a junction cluster
            trace(int(v), u, s)
    # rings without any node voxel: one node each, on the ring's first voxel
    reached = _reachable_from_nodes(neighbours, is_node)
    for v in range(n):
        if not reached[v]:
            ring = _ring(neighbours, v)
            reached[ring] = True
            node_of[v] = len(members)
            members.append([v])
            edges.append([node_of[v], node_of[v], _ring_length(neighbours, ring), len(ring) - 1])
    total_length = float(sum(e[2] for e in edges)) * VOXEL_SIZE_UM
    node_zyx = np.array([coords[m].mean(axis=0) for m in members], dtype=np.float64)
    edge_array = np.array([[e[0], e[1]] for e in edges], dtype=np.int64).reshape(-1, 2)
    lengths = np.array([e[2] for e in edges], dtype=np.float64) * VOXEL_SIZE_UM
    counts = np.array([e[3] for e in edges], dtype=np.int64)
    keep_nodes, edge_array, lengths, counts = _prune(len(members), edge_array, lengths, counts, spur_length_um)
    mask, lower = dense_crop(voxels, shape)
    radius = np.array([_radius(mask, np.array(lower), coords[members[i]]) for i in keep_nodes])
    remap = {old: new for new, old in enumerate(keep_nodes)}
    edge_array = np.array([[remap[a], remap[b]] for a, b in edge_array], dtype=np.int64).reshape(-1, 2)
    edge_array.sort(axis=1)
    pruned_degree = np.zeros(len(keep_nodes), dtype=np.int64)
    np.add.at(pruned_degree, edge_array.ravel(), 1)
    kinds = tuple("junction" if d >= 3 else "endpoint" if d == 1 else "isolated" if d == 0 else "loop"
                  for d in pruned_degree)  # of the pruned graph: a loop node carries only its self-loop
    order = np.lexsort((edge_array[:, 1], edge_array[:, 0])) if len(edge_array) else np.empty(0, np.int64)
    return SkeletonGraph(node_zyx[keep_nodes], radius, kinds, edge_array[order],
                         lengths[order], counts[order], total_length)


def _reachable_from_nodes(neighbours: list[list[tuple[int, float]]], is_node: np.ndarray) -> np.ndarray:
    seen = is_node.copy()
    stack = list(np.flatnonzero(is_node))
    while stack:
        v = stack.pop()
        for u, _ in neighbours[v]:
            if not seen[u]:
                seen[u] = True
                stack.append(u)
    return seen


def _ring(neighbours: list[list[tuple[int, float]]], start: int) -> list[int]:
    ring, previous, current = [start], -1, start
    while True:
        nxt = neighbours[current][0][0] if neighbours[current][0][0] != previous else neighbours[current][1][0]
        if nxt == start:
            return ring
        ring.append(nxt)
        previous, current = current, nxt


def _ring_length(neighbours: list[list[tuple[int, float]]], ring: list[int]) -> float:
    total = 0.0
    for a, b in zip(ring, ring[1:] + ring[:1]):
        total += next(s for u, s in neighbours[a] if u == b)
    return total


def _prune(n_nodes: int, edges: np.ndarray, lengths: np.ndarray, counts: np.ndarray,
           spur_length_um: float) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
    """Remove short spurs repeatedly, then collapse degree-2 nodes; returns kept node ids."""
    alive_edges = {i: (int(a), int(b), float(lengths[i]), int(counts[i])) for i, (a, b) in enumerate(edges)}
    alive_nodes = set(range(n_nodes))
    next_id = len(alive_edges)

    def degrees() -> dict[int, int]:
        degree = dict.fromkeys(alive_nodes, 0)
        for a, b, _, _ in alive_edges.values():
            degree[a] += 1
            degree[b] += 1
        return degree

    changed = True
    while changed:
        changed = False
        degree = degrees()
        for key, (a, b, length, _) in sorted(alive_edges.items(), key=lambda item: item[1][2]):
            if length >= spur_length_um:
                continue
            if a == b and degree[a] > 2:  # a short loop hanging off a junction (a thick spot's trace)
                del alive_edges[key]
                changed = True
                break
            if a != b and 1 in (degree[a], degree[b]) and max(degree[a], degree[b]) >= 3:
                leaf = a if degree[a] == 1 else b
                del alive_edges[key]
                alive_nodes.discard(leaf)
                changed = True
                break
    changed = True
    while changed:
        changed = False
        degree = degrees()
        for node in sorted(alive_nodes):
            if degree[node] != 2:
                continue
            incident = [(k, e) for k, e in alive_edges.items() if node in (e[0], e[1])]
            if len(incident) != 2:
                continue  # a self-loop alone counts twice
            (k1, (a1, b1, l1, c1)), (k2, (a2, b2, l2, c2)) = incident
            end1 = b1 if a1 == node else a1
            end2 = b2 if a2 == node else a2
            del alive_edges[k1], alive_edges[k2]
            alive_edges[next_id] = (end1, end2, l1 + l2, c1 + c2 + 1)
            next_id += 1
            alive_nodes.discard(node)
            changed = True
            break
    keep = sorted(alive_nodes)
    values = list(alive_edges.values())
    return (keep, np.array([[a, b] for a, b, _, _ in values], dtype=np.int64).reshape(-1, 2),
            np.array([v[2] for v in values], dtype=np.float64), np.array([v[3] for v in values], dtype=np.int64))
