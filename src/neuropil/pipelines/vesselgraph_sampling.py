"""Negative pairs for vessel link prediction, vectorized so that whole brains take seconds.

* :func:`random_negatives`: uniform node pairs.
* :func:`spatial_negatives`: VesselGraph's "spatial" negatives: pick a random node, then a target
  node uniformly among the nodes inside the axis-aligned cube of half-width ``delta`` around it
  (``delta`` = mean + 2 std of the edge ``distance``).

Both drop self-pairs, true edges (``exclude``) and duplicates, and return ``(num, 2)`` int64 pairs
with the smaller node first, a uniform random subset of the distinct fresh pairs drawn, in random
order. The spatial sampler bins nodes into grid cells so that the cube around any node lies inside
9 contiguous runs of the cell-sorted node order; it draws uniformly among the nodes of those runs
and rejects targets outside the cube, which leaves the draw uniform over the cube's nodes (tested
by a chi-square over every cube). Sources are drawn as a Poisson number per node, so they arrive
already in cell order: the per-source work (the 9 runs) is done once per node, not per draw.
5.37M pairs at BALBc_no1's size take about 2.4 s on 2 threads (``perf/vessels.py``).
"""

from __future__ import annotations

import os

import numpy as np

from neuropil.errors import InvalidArgumentError

_MAX_CELLS = 1 << 26
_CHUNK_SLOTS = 1 << 16  # source nodes per chunk (about 4 draws each at whole-brain size)
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


def _collect(draw, num: int, num_nodes: int, exclude: np.ndarray | None, what: str,
             rng: np.random.Generator) -> np.ndarray:
    """Call ``draw(batch) -> (u, v)`` until ``num`` distinct fresh pairs exist; return a uniform
    random subset of ``num`` of them, in random order.

    Draws are i.i.d., so which copy of a repeated pair is kept is immaterial; the random order
    means a split cut from the list (train / valid / test) is not biased in space or id."""
    exclude_sorted = sorted_unique(exclude) if exclude is not None and exclude.size else np.empty(0, np.int64)
    found = np.empty(0, np.int64)  # sorted distinct fresh keys so far
    want, fresh_ratio, have = num, 1.0, 0
    for _ in range(200):
        # ask for 8% more than missing: an extra round (a sort of everything drawn) costs more than that
        u, v = draw(max(1024, int(want * 1.08 / fresh_ratio)))
        keys = sorted_unique((np.minimum(u, v) * num_nodes + np.maximum(u, v))[u != v])
        keys = keys[_fresh(keys, exclude_sorted)]
        before = found.size
        found = sorted_unique(np.concatenate([found, keys])) if found.size else keys
        have = int(found.size)
        if have >= num:
            keys = found[rng.permutation(have)[:num]]
            return np.stack([keys // num_nodes, keys % num_nodes], axis=1)
        fresh_ratio = max(0.05, (have - before) / max(u.size, 1))
        want = num - have
    raise InvalidArgumentError(f"Could not find {num} {what} negative pairs (found {have}): the graph is too small "
                               "or too dense for that many.")


def random_negatives(num_nodes: int, num: int, *, rng: np.random.Generator,
                     exclude: np.ndarray | None = None) -> np.ndarray:
    """``num`` distinct uniform node pairs that are not self-pairs nor in ``exclude`` (pair keys)."""
    def draw_uniform(batch: int):
        return rng.integers(0, num_nodes, size=batch), rng.integers(0, num_nodes, size=batch)

    return _collect(draw_uniform, num, num_nodes, exclude, "random", rng)


class SpatialGrid:
    """Nodes binned in cells (x, y: ``delta`` wide; z: ``delta / 4``); "a uniform node in the cube"."""

    def __init__(self, pos: np.ndarray, delta: float) -> None:
        if not np.isfinite(delta) or delta <= 0:
            raise InvalidArgumentError(f"delta must be a positive number of voxels, got {delta!r}.")
        pos = np.asarray(pos, dtype=np.float64)
        self.delta = float(delta)
        low = pos.min(axis=0)
        extent = pos.max(axis=0) - low
        cell = self.delta
        # a run of 2q + 1 thin z cells spans (2 + 1/q) delta, so few draws fall outside the cube in z
        while np.prod(np.floor(extent / cell) + 3) * _Z_SPLIT > _MAX_CELLS:  # larger cells still cover it
            cell *= 1.5
        size = np.array([cell, cell, cell / _Z_SPLIT])
        cells = np.floor((pos - low) / size).astype(np.int64) + np.array([1, 1, _Z_SPLIT])
        dims = cells.max(axis=0) + np.array([2, 2, _Z_SPLIT + 1])
        num_cells, num_nodes = int(np.prod(dims)), pos.shape[0]
        #: int32 where it fits: half the memory traffic of every gather below
        self.index_type = np.int32 if num_cells < 2**31 - 1 and num_nodes * 10 < 2**31 - 1 else np.int64
        key = (cells[:, 0] * dims[1] + cells[:, 1]) * dims[2] + cells[:, 2]
        # the cell order, ties by node id: sorting unique composite keys gives the same order with any
        # sort algorithm (numpy picks SIMD sorts per CPU) and is ~5x faster than a stable argsort
        composite = np.sort(key * num_nodes + np.arange(num_nodes))
        self.order = (composite % num_nodes).astype(self.index_type)
        self.slot_key = (composite // num_nodes).astype(self.index_type)
        del composite
        #: one contiguous array per axis, in cell order: the cube test gathers 1-D
        self.coords = [np.ascontiguousarray(pos[:, axis])[self.order] for axis in range(3)]
        #: prefix[k] = number of nodes in cells with key < k; z is the fastest axis, so the cells
        #: (x, y, z - q .. z + q) are one contiguous run of ``order``: the cube lies in 9 runs
        self.prefix = np.zeros(num_cells + 1, dtype=self.index_type)
        np.cumsum(np.bincount(key, minlength=num_cells), out=self.prefix[1:])
        steps = np.array([-1, 0, 1])
        dx, dy = np.meshgrid(steps, steps, indexing="ij")
        self.row_offsets = ((dx * dims[1] + dy).ravel() * dims[2]).astype(self.index_type)

    @property
    def num_nodes(self) -> int:
        return int(self.order.size)

    def draw(self, candidates: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
        """About ``candidates`` i.i.d. draws (source uniform over the nodes, target uniform over the
        nodes of the 9 runs around it); returns ``(sources, targets, drawn)`` of the accepted ones
        (target inside the cube, != source), grouped by source cell, and the number drawn.

        Each node is the source of Poisson(``candidates / N``) draws, independently: a Poisson
        number of i.i.d. uniform sources, already in cell order (no sort) and cache-friendly. The
        slots are cut in fixed chunks, each with its own generator spawned from ``rng`` in chunk
        order, run on a thread pool (NumPy releases the GIL in these kernels): the result does not
        depend on the number of threads or their timing."""
        rate = float(candidates) / max(self.num_nodes, 1)
        starts = range(0, self.num_nodes, _CHUNK_SLOTS)
        jobs = list(zip(starts, rng.spawn(len(starts))))
        if len(jobs) > 1 and _THREADS > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(_THREADS, len(jobs))) as pool:
                parts = list(pool.map(lambda job: self._draw_chunk(job[0], rate, job[1]), jobs))
        else:
            parts = [self._draw_chunk(begin, rate, generator) for begin, generator in jobs]
        if not parts:
            return np.empty(0, np.int64), np.empty(0, np.int64), 0
        return (np.concatenate([p[0] for p in parts]).astype(np.int64),
                np.concatenate([p[1] for p in parts]).astype(np.int64), sum(p[2] for p in parts))

    def _draw_chunk(self, begin: int, rate: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
        end = min(begin + _CHUNK_SLOTS, self.num_nodes)
        # per source slot (not per draw): the 9 runs, their sizes and where each starts
        rows = self.slot_key[begin:end, None] + self.row_offsets[None, :]
        low = self.prefix[rows - _Z_SPLIT]
        counts = self.prefix[rows + _Z_SPLIT + 1] - low
        cumulative = np.cumsum(counts, axis=1, dtype=self.index_type)
        shift = (low - cumulative + counts).ravel()  # target slot = pick + shift of the chosen run
        local = np.repeat(np.arange(end - begin, dtype=self.index_type), rng.poisson(rate, size=end - begin))
        # per draw: a uniform position among the run nodes (a source's own cell holds it: total >= 1)
        pick = (rng.random(local.size) * cumulative[:, -1][local]).astype(self.index_type)
        which = (cumulative[local] <= pick[:, None]).sum(axis=1, dtype=self.index_type)
        target = pick + shift[local * len(self.row_offsets) + which]
        source = local + self.index_type(begin)
        inside = target != source
        for coord in self.coords:
            inside &= np.abs(coord[target] - coord[source]) <= self.delta
        return self.order[source[inside]], self.order[target[inside]], int(local.size)


def spatial_negatives(pos: np.ndarray, num: int, *, delta: float, rng: np.random.Generator,
                      exclude: np.ndarray | None = None, grid: SpatialGrid | None = None) -> np.ndarray:
    """``num`` distinct pairs (random node, uniform node in its cube of half-width ``delta``)."""
    grid = grid or SpatialGrid(pos, delta)
    num_nodes = pos.shape[0]
    acceptance = [0.35]

    def draw_spatial(batch: int):
        u, v, drawn = grid.draw(batch / acceptance[0] + 16, rng)
        acceptance[0] = max(0.02, u.size / max(drawn, 1))
        return u, v

    return _collect(draw_spatial, num, num_nodes, exclude, "spatial", rng)


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
