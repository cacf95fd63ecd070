"""Negative pairs for vessel link prediction, vectorized so that whole brains take seconds.

* :func:`random_negatives`: uniform node pairs.
* :func:`spatial_negatives`: VesselGraph's "spatial" negatives: pick a random node, then a target
  node uniformly among the nodes inside the axis-aligned cube of half-width ``delta`` around it
  (``delta`` = mean + 2 std of the edge ``distance``).

Both drop self-pairs, true edges (``exclude``) and duplicates, and return ``(num, 2)`` int64 pairs
with the smaller node first. The spatial sampler bins nodes into grid cells so that the cube
around any node lies inside 9 contiguous runs of the cell-sorted node order; it draws uniformly
among the nodes of those runs and rejects targets outside the cube, which leaves the draw uniform
over the cube's nodes.
"""

from __future__ import annotations

import os

import numpy as np

from neuropil.errors import InvalidArgumentError

_MAX_CELLS = 1 << 26
_CHUNK = 1 << 18
#: threads drawing chunks of spatial candidates (bounded by the machine; results are the same for any value)
_THREADS = min(4, os.cpu_count() or 1)
_Z_SPLIT = 4


def pair_keys(pairs: np.ndarray, num_nodes: int) -> np.ndarray:
    """One int64 per undirected pair: ``min * num_nodes + max``."""
    u, v = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    return np.minimum(u, v) * num_nodes + np.maximum(u, v)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting (numpy 2.3's hash-based unique is ~10x slower on int64 keys)."""
    values = np.sort(values)
    return values[np.concatenate([[True], values[1:] != values[:-1]])] if values.size else values


def _fresh(keys: np.ndarray, exclude_sorted: np.ndarray) -> np.ndarray:
    """Mask of ``keys`` not in ``exclude_sorted`` (sorted int64)."""
    if exclude_sorted.size == 0:
        return np.ones(keys.size, dtype=bool)
    index = np.searchsorted(exclude_sorted, keys).clip(max=exclude_sorted.size - 1)
    return exclude_sorted[index] != keys


def _collect(draw, num: int, num_nodes: int, exclude: np.ndarray | None, what: str) -> np.ndarray:
    """Call ``draw(batch) -> (u, v)`` until ``num`` distinct fresh pairs exist; keep the draw order."""
    exclude_sorted = sorted_unique(exclude) if exclude is not None and exclude.size else np.empty(0, np.int64)
    parts: list[np.ndarray] = []
    want, fresh_ratio = num, 1.0
    for _ in range(200):
        # ask for 8% more than missing: an extra round (a sort of everything drawn) costs more than that
        u, v = draw(max(1024, int(want * 1.08 / fresh_ratio)))
        parts.append((np.minimum(u, v) * num_nodes + np.maximum(u, v))[u != v])
        candidates = np.concatenate(parts) if len(parts) > 1 else parts[0]
        # one sort: one draw of each pair (draws are i.i.d., so which one is immaterial; the kept ones
        # go back to draw order below) and cache-friendly (sorted) exclusion look-ups
        order = np.argsort(candidates)
        ordered = candidates[order]
        keep = np.concatenate([[True], ordered[1:] != ordered[:-1]]) if ordered.size else np.ones(0, bool)
        keep &= _fresh(ordered, exclude_sorted)
        have = int(keep.sum())
        if have >= num:
            keys = candidates[np.sort(order[keep])[:num]]  # in draw order
            return np.stack([keys // num_nodes, keys % num_nodes], axis=1)
        fresh_ratio = max(0.05, have / max(candidates.size, 1))
        want = num - have
    raise InvalidArgumentError(f"Could not find {num} {what} negative pairs (found {have}): the graph is too small "
                               "or too dense for that many.")


def random_negatives(num_nodes: int, num: int, *, rng: np.random.Generator,
                     exclude: np.ndarray | None = None) -> np.ndarray:
    """``num`` distinct uniform node pairs that are not self-pairs nor in ``exclude`` (pair keys)."""
    def draw_uniform(batch: int):
        return rng.integers(0, num_nodes, size=batch), rng.integers(0, num_nodes, size=batch)

    return _collect(draw_uniform, num, num_nodes, exclude, "random")


class SpatialGrid:
    """Nodes binned in cells (x, y: ``delta`` wide; z: ``delta / 4``); "a uniform node in the cube"."""

    def __init__(self, pos: np.ndarray, delta: float) -> None:
        if not np.isfinite(delta) or delta <= 0:
            raise InvalidArgumentError(f"delta must be a positive number of voxels, got {delta!r}.")
        self.pos = np.ascontiguousarray(pos, dtype=np.float64)
        self.delta = float(delta)
        low = self.pos.min(axis=0)
        extent = self.pos.max(axis=0) - low
        cell = self.delta
        # a run of 2q + 1 thin z cells spans (2 + 1/q) delta, so few draws fall outside the cube in z
        while np.prod(np.floor(extent / cell) + 3) * _Z_SPLIT > _MAX_CELLS:  # larger cells still cover it
            cell *= 1.5
        size = np.array([cell, cell, cell / _Z_SPLIT])
        cells = np.floor((self.pos - low) / size).astype(np.int64) + np.array([1, 1, _Z_SPLIT])
        dims = cells.max(axis=0) + np.array([2, 2, _Z_SPLIT + 1])
        self.key = (cells[:, 0] * dims[1] + cells[:, 1]) * dims[2] + cells[:, 2]
        self.order = np.argsort(self.key, kind="stable")
        self.slot_key = self.key[self.order]
        self.slot_pos = self.pos[self.order]
        counts = np.bincount(self.key, minlength=int(np.prod(dims)))
        #: prefix[k] = number of nodes in cells with key < k; z is the fastest axis, so the cells
        #: (x, y, z - q .. z + q) are one contiguous run of ``order``: the cube lies in 9 runs
        index_type = np.int32 if pos.shape[0] < 2**31 - 1 else np.int64  # half the memory traffic
        self.prefix = np.concatenate([[0], np.cumsum(counts)]).astype(index_type)
        self.slot_key = self.slot_key.astype(index_type) if np.prod(dims) < 2**31 - 1 else self.slot_key
        steps = np.array([-1, 0, 1])
        dx, dy = np.meshgrid(steps, steps, indexing="ij")
        self.row_offsets = ((dx * dims[1] + dy).ravel() * dims[2]).astype(self.slot_key.dtype)

    def draw(self, sources: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(sources, targets) of the accepted draws: targets inside the cube, != source.

        ``sources`` are uniform integers in [0, N) read as slots of the cell order (so the source
        node is still uniform); the accepted pairs come back shuffled. Chunks run on a thread pool
        (NumPy releases the GIL in these kernels), each with its own generator spawned from ``rng``
        in chunk order, so the result does not depend on the number of threads or their timing."""
        starts = range(0, sources.size, _CHUNK)
        generators = rng.spawn(len(starts))
        jobs = [(sources[begin:begin + _CHUNK], generator) for begin, generator in zip(starts, generators)]
        if len(jobs) > 1 and _THREADS > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(_THREADS, len(jobs))) as pool:
                parts = list(pool.map(lambda job: self._draw_chunk(*job), jobs))
        else:
            parts = [self._draw_chunk(*job) for job in jobs]
        u = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
        v = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.int64)
        shuffle = rng.permutation(u.size)  # undo the cell order, so a truncated list is not biased in space
        return u[shuffle], v[shuffle]

    def _draw_chunk(self, sources: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        # sources as sorted slots of the cell order: every gather below reads nearby memory
        slot = np.sort(sources).astype(self.prefix.dtype)
        rows = self.slot_key[slot][:, None] + self.row_offsets[None, :]
        low = self.prefix[rows - _Z_SPLIT]
        counts = self.prefix[rows + _Z_SPLIT + 1] - low
        cumulative = np.cumsum(counts, axis=1)
        pick = (rng.random(slot.size) * cumulative[:, -1]).astype(cumulative.dtype)
        which = (cumulative <= pick[:, None]).sum(axis=1)
        index = np.arange(slot.size)
        target = low[index, which] + pick - (cumulative[index, which] - counts[index, which])
        inside = (np.abs(self.slot_pos[target] - self.slot_pos[slot]) <= self.delta).all(axis=1)
        inside &= target != slot
        return self.order[slot[inside]], self.order[target[inside]]


def spatial_negatives(pos: np.ndarray, num: int, *, delta: float, rng: np.random.Generator,
                      exclude: np.ndarray | None = None, grid: SpatialGrid | None = None) -> np.ndarray:
    """``num`` distinct pairs (random node, uniform node in its cube of half-width ``delta``)."""
    grid = grid or SpatialGrid(pos, delta)
    num_nodes = pos.shape[0]
    acceptance = [0.35]

    def draw_spatial(batch: int):
        sources = rng.integers(0, num_nodes, size=int(batch / acceptance[0]) + 16)
        u, v = grid.draw(sources, rng)
        acceptance[0] = max(0.02, u.size / sources.size)
        return u, v

    return _collect(draw_spatial, num, num_nodes, exclude, "spatial")


def spatial_negatives_reference(pos: np.ndarray, num: int, *, delta: float, rng: np.random.Generator,
                                exclude: set[tuple[int, int]] | None = None) -> np.ndarray:
    """The straightforward per-node Python version (the peer of ``perf/vessels.py``): for each
    draw, scan all nodes for the cube and pick one uniformly."""
    exclude = exclude or set()
    chosen: set[tuple[int, int]] = set()
    out = []
    n = pos.shape[0]
    while len(out) < num:
        source = int(rng.integers(0, n))
        inside = np.flatnonzero((np.abs(pos - pos[source]) <= delta).all(axis=1))
        inside = inside[inside != source]
        if inside.size == 0:
            continue
        target = int(inside[rng.integers(0, inside.size)])
        pair = (min(source, target), max(source, target))
        if pair in exclude or pair in chosen:
            continue
        chosen.add(pair)
        out.append(pair)
    return np.array(out, dtype=np.int64).reshape(-1, 2)
