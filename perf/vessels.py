"""VesselGraph at whole-brain scale: a generated graph of BALBc_no1's size (3,538,495 nodes, ~5.3M edges).

Measures, in one process: generation + raw CSV writing, ``neuropil ingest`` (read, clean, 80/10/10
split, random + spatial negatives for every split, Parquet), the spatial negative sampling rate
(pairs/s) with its ratio to the straightforward per-node Python implementation on a 100k-node
slice (both measured here, on the same slice), the benchmark's data loading, one epoch of sampled
GraphSAGE link training over all train positives, and the peak RSS after each phase.

    python perf/vessels.py                      # full size (needs ~10 GB of disk in --workdir)
    python perf/vessels.py --nodes 1000000      # smaller
Targets: spatial negatives >= 1M pairs/s; peak RSS < 8 GB through one training epoch.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

BALBC_NODES, BALBC_EDGES = 3_538_495, 5_345_897


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=BALBC_NODES)
    parser.add_argument("--workdir", default=None, help="scratch folder (default: a temporary one, removed)")
    parser.add_argument("--batch", type=int, default=8192, help="positive pairs per training step")
    parser.add_argument("--reference-pairs", type=int, default=200)
    parser.add_argument("--sampling-only", action="store_true",
                        help="stop after the spatial-negative figures (no CSV, ingest or training)")
    args = parser.parse_args()
    os.environ.setdefault("NEUROPIL_QUIET", "1")
    import torch

    from neuropil.benchmarks.tasks.vessel import link as vessel_link
    from neuropil.pipelines import ingest
    from neuropil.pipelines.vesselgraph_sampling import (SpatialGrid, pair_keys, spatial_negatives,
                                                         spatial_negatives_reference)
    from neuropil.testing.vessels import vessel_graph, write_voreen_csv

    work = Path(args.workdir or tempfile.mkdtemp(prefix="vessels-perf-"))
    rows = []
    try:
        start = time.perf_counter()
        # 0.875 extra edges per node gives BALBc_no1's edge/node ratio (1.51) after de-duplication
        graph = vessel_graph(args.nodes, seed=0, extra_edge_fraction=0.875)
        generated = time.perf_counter() - start
        rows.append(("generate graph", f"{generated:.1f} s", f"{graph.edges['id'].size:,} edge rows"))
        if not args.sampling_only:
            write_voreen_csv(work / "raw", graph, name="balbc_size")
            written = time.perf_counter() - start - generated
            rows.append(("write raw Voreen CSVs", f"{written:.1f} s",
                         f"{sum(p.stat().st_size for p in (work / 'raw').iterdir()) / 1e9:.2f} GB"))
        pos = np.stack([graph.nodes[c] for c in ("pos_x", "pos_y", "pos_z")], axis=1)
        true_keys = pair_keys(np.stack([graph.edges["node1id"], graph.edges["node2id"]], axis=1), args.nodes)
        distance = graph.edges["distance"][graph.edges["node1id"] != graph.edges["node2id"]]
        delta = float(distance.mean() + 2 * distance.std())
        del graph
        rows.append(("peak RSS after generation", f"{peak_rss_gb():.2f} GB", ""))

        # spatial negatives: full size, then the per-node Python peer on a 100k-node slice
        rng = np.random.default_rng(0)
        begin, cpu = time.perf_counter(), time.process_time()
        grid = SpatialGrid(pos, delta)
        # as many as the graph has edges (what ingest samples per flavour)
        negatives = spatial_negatives(pos, true_keys.size, delta=delta, rng=rng, exclude=true_keys, grid=grid)
        full_rate = negatives.shape[0] / (time.perf_counter() - begin)
        cpu_rate = negatives.shape[0] / (time.process_time() - cpu)
        rows.append(("spatial negatives, full graph", f"{full_rate:,.0f} pairs/s",
                     f"{negatives.shape[0]:,} pairs incl. grid build ({cpu_rate:,.0f} pairs per CPU-second); "
                     "target >= 1,000,000 pairs/s"))
        del negatives, grid
        slice_nodes = np.argsort(pos[:, 2], kind="stable")[:100_000]  # a 100k-node slab of the volume
        print(f"spatial negatives: {full_rate:,.0f} pairs/s on the full graph", flush=True)
        slab = pos[slice_nodes]
        begin = time.perf_counter()
        fast = spatial_negatives(slab, min(100_000, slab.shape[0]), delta=delta, rng=np.random.default_rng(1))
        fast_rate = fast.shape[0] / (time.perf_counter() - begin)
        begin = time.perf_counter()
        slow = spatial_negatives_reference(slab, args.reference_pairs, delta=delta, rng=np.random.default_rng(1))
        slow_rate = slow.shape[0] / (time.perf_counter() - begin)
        rows.append(("spatial negatives, 100k slice", f"{fast_rate:,.0f} pairs/s",
                     f"per-node Python peer {slow_rate:,.0f} pairs/s: ratio {fast_rate / slow_rate:,.0f}x"))
        del pos, true_keys
        if args.sampling_only:
            return _report(args, rows)

        home = work / "home"
        begin = time.perf_counter()
        result = ingest("vesselgraph", graph="balbc_size", raw_dir=work / "raw", home=home, allow_unverified=True,
                        progress=False)
        stats = result.manifest["stats"]["balbc_size"]
        rows.append(("ingest (read, clean, split, negatives, Parquet)", f"{time.perf_counter() - begin:.1f} s",
                     f"{stats['nodes']:,} nodes, {stats['edges']:,} edges, {stats['self_loops_removed']:,} self-loops "
                     f"and {stats['duplicates_removed']:,} duplicates removed"))
        rows.append(("peak RSS after ingest", f"{peak_rss_gb():.2f} GB", ""))

        begin = time.perf_counter()
        sets, _ = vessel_link.load_sets(home=home, config={"graph": "balbc_size"})
        rows.append(("load link task (loader + CSR)", f"{time.perf_counter() - begin:.1f} s", ""))
        steps = int(np.ceil(len(sets["train"]["pos"]) / args.batch))
        begin = time.perf_counter()
        vessel_link.train_link_model("sage", sets, seed=0, quick=False, batch=args.batch, steps=steps, eval_every=0)
        epoch = time.perf_counter() - begin
        rows.append(("one epoch sampled GraphSAGE (2 layers, fanout 10)", f"{epoch:.1f} s",
                     f"{steps} steps x {args.batch} positive + {args.batch} negative pairs, "
                     f"{torch.get_num_threads()} torch threads"))
        rows.append(("peak RSS through one training epoch", f"{peak_rss_gb():.2f} GB", "target < 8 GB"))
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    _report(args, rows)


def _report(args: argparse.Namespace, rows: list[tuple[str, str, str]]) -> None:
    print(f"perf/vessels.py: {args.nodes:,} nodes (BALBc_no1: {BALBC_NODES:,} nodes, {BALBC_EDGES:,} edges)")
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"  {name.ljust(width)}  {value:>18}  {note}")


if __name__ == "__main__":
    main()
