"""Our non-negative CP (masked HALS) against tensorly's default ``non_negative_parafac`` on the
Dag2023 differential-affinity tensor: wall time, relative error, speed ratio.

Both get the same tensor, rank and stopping tolerance (``tol``: stop when the relative error changes
by less than it between iterations). tensorly is called as its documentation shows, everything
else at its defaults (multiplicative updates, SVD init, ``n_iter_max=100``). Errors are measured by
one formula for both, ``||M * (X - X_hat)|| / ||M * X||`` (M = 1 for complete tensors).

Three cases:

* ``union, masked``: the benchmark's tensor (141 neurons, 9870 pairs; 52 % of the entries are
  missing) with its mask (tensorly: ``mask=``, which it fills by re-imputing the model each mode).
* ``union, as complete``: the same tensor with missing entries read as 0 and no mask (both).
* ``common, complete``: the 39 neurons labelled in all 7 worms (741 pairs, no missing entry).

Ours pins BLAS to one thread (see ``_single_thread_blas``); tensorly is timed with the default BLAS
threads *and* with one thread, and the faster of the two is its time (the conservative ratio).
Best of ``--repeats`` runs each.

    python perf/ntf.py [--raw-dir ../shared/data] [--rank 6] [--tol 1e-6] [--repeats 2] [--skip-masked]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from neuropil.benchmarks.tasks.dynamic_connectome import affinity, ntf
from neuropil.pipelines import ingest


def best_of(repeats: int, action):
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def tensorly_fit(x, rank, mask, tol, threads):
    import tensorly as tl
    from tensorly.decomposition import non_negative_parafac
    from threadpoolctl import threadpool_limits

    tl.set_backend("numpy")
    kwargs = {"tol": tol}
    if mask is not None:
        kwargs["mask"] = mask.astype(np.float64)
    if threads == 1:
        with threadpool_limits(limits=1, user_api="blas"):
            cp = non_negative_parafac(x, rank, **kwargs)
    else:
        cp = non_negative_parafac(x, rank, **kwargs)
    return np.asarray(cp.weights), [np.asarray(f) for f in cp.factors]


def compare(name, x, mask, rank, tol, repeats, seed):
    x0 = np.where(mask, x, 0.0) if mask is not None else x
    ours_time, (cp, _) = best_of(repeats, lambda: ntf.non_negative_cp(x0, rank, mask=mask, seed=seed, tol=tol,
                                                                      max_iter=1000))
    ours_error = ntf.relative_error(x0, cp, mask)
    rows = {}
    for threads in ("default", 1):
        t, tcp = best_of(repeats, lambda: tensorly_fit(x0, rank, mask, tol, threads))
        rows[threads] = (t, ntf.relative_error(x0, tcp, mask))
    tl_threads = min(rows, key=lambda k: rows[k][0])
    tl_time, tl_error = rows[tl_threads]
    ratio = tl_time / ours_time
    verdict = "met" if ratio >= 3 and ours_error <= tl_error + 1e-12 else "NOT met"
    print(f"{name:22s} shape {tuple(x.shape)} rank {rank}: ours {ours_time:7.2f} s (error {ours_error:.5f}); "
          f"tensorly {tl_time:7.2f} s (error {tl_error:.5f}; BLAS threads {tl_threads}; "
          f"other setting {rows['default' if tl_threads == 1 else 1][0]:.2f} s); "
          f"speed ratio {ratio:.1f}x; target >= 3x at <= error: {verdict}", flush=True)
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", default=os.environ.get("NEUROPIL_RAW_DIR", "../shared/data"))
    parser.add_argument("--rank", type=int, default=6)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-masked", action="store_true", help="skip the slow tensorly masked case")
    args = parser.parse_args()
    os.environ["NEUROPIL_OFFLINE"] = "1"
    import tensorly

    print(f"tensorly {tensorly.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as home:
        for dataset in ("celegans-connectomes", "celegans-activity"):
            ingest(dataset, raw_dir=Path(args.raw_dir), home=home, progress=False)
        union = affinity.affinity_tensor(home, neurons="union")
        common = affinity.affinity_tensor(home, neurons="common")
    cases = [("union, as complete", union["tensor"], None), ("common, complete", common["tensor"], None)]
    if not args.skip_masked:
        cases.insert(0, ("union, masked", union["tensor"], union["mask"]))
    for name, x, mask in cases:
        compare(name, x, mask, args.rank, args.tol, args.repeats if mask is None else 1, args.seed)


if __name__ == "__main__":
    main()
