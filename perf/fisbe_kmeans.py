"""The k-means of fisbe-instance's colour clustering against its maintained peer, scipy's
``kmeans2`` (k-means++ start, 50 iterations), on the same chromaticity points and seeds.

Prints, per seed, the wall-time ratio (ours / kmeans2) and the inertia ratio (ours / kmeans2);
a maintained library replaces the hand-written loop only where it measures no worse on both.
Points: 600,000 three-channel chromaticities around 6 colours (the scale of a full FISBe image's
foreground after thresholding is millions; the ratio is what matters).

    python perf/fisbe_kmeans.py [--points 600000] [--seeds 3]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np


def inertia(points: np.ndarray, labels: np.ndarray) -> float:
    return float(sum(((points[labels == c] - points[labels == c].mean(0)) ** 2).sum() for c in np.unique(labels)))


def main() -> None:
    from scipy.cluster.vq import kmeans2

    from neuropil.benchmarks.tasks.fisbe.instance import kmeans

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=600_000)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    colours = rng.random((6, 3))
    per = args.points // len(colours)
    points = np.concatenate([c + 0.03 * rng.standard_normal((per, 3)) for c in colours])
    points /= points.sum(axis=1, keepdims=True)
    for seed in range(args.seeds):
        start = time.perf_counter()
        ours = kmeans(points, 6, seed=seed)
        ours_s = time.perf_counter() - start
        start = time.perf_counter()
        with warnings.catch_warnings():  # an empty cluster warns; the inertia shows its cost
            warnings.simplefilter("ignore")
            _, peer = kmeans2(points, 6, iter=50, minit="++", seed=np.random.default_rng(seed))
        peer_s = time.perf_counter() - start
        print(f"seed {seed}: time ours / kmeans2 = {ours_s / peer_s:.2f} ({ours_s:.2f} s / {peer_s:.2f} s); "
              f"inertia ours / kmeans2 = {inertia(points, ours) / inertia(points, peer):.3f}")


if __name__ == "__main__":
    main()
