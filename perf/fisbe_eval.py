"""Wall time and peak RSS of ``neuropil fisbe eval`` on the real R14A02 image, as ratios.

Peers: the official evaluator (Kainmueller-Lab evaluate-instance-segmentation, ``--app flylight``)
needs about 293 s and 21-24 GB on this machine class for the same pair (it cannot run
here, so its figures are the published ones). Floor, measured in this run: the time and memory to
merely decompress the two input files once (every evaluator must do that). Targets: under 30 s and
2 GB, i.e. at least 10x below the official evaluator. Each figure is measured in a fresh child
process (peak RSS = that child's ``ru_maxrss``); CPU time is printed too, since wall time on shared
cores depends on what else runs.

    python perf/fisbe_eval.py [--data ../shared/data/fisbe] [--sample R14A02-20180905_65_A6] [--partly]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

OFFICIAL_SECONDS = 293.0
OFFICIAL_GB = (21.0, 24.0)

EVAL = """
import json, sys
from neuropil.benchmarks.tasks.fisbe.metrics import evaluate_set
result = evaluate_set([(sys.argv[1], sys.argv[2])], partly=sys.argv[3] == "1")
print(json.dumps({k: result[k] for k in ("S", "avF1", "C", "clDiceTP", "TP_05", "FS", "FM", "num_gt", "num_pred")}))
"""

FLOOR = """
import sys, h5py, numpy as np, zarr
gt = zarr.open(sys.argv[1], "r")["volumes/gt_instances"]
for z in range(0, gt.shape[1], gt.chunks[1]):  # one chunk row at a time: each chunk decompressed once
    np.count_nonzero(gt[:, z:z + gt.chunks[1]])
with h5py.File(sys.argv[2], "r") as f:
    d = f["volumes/gmm_label_cleaned"]
    for z in range(0, d.shape[0], d.chunks[0]):
        np.count_nonzero(d[z:z + d.chunks[0]])
"""


def child(code: str, *args: str) -> tuple[float, float, str, float]:
    """(wall seconds, peak RSS in GB, stdout, CPU seconds) of ``code`` run in a fresh interpreter."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kb = max(usage.ru_maxrss, before)  # ru_maxrss of children is the max over all children so far
    return wall, peak_kb / 1024**2, out.stdout.strip(), usage.ru_utime + usage.ru_stime - cpu_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "fisbe"))
    parser.add_argument("--sample", default="R14A02-20180905_65_A6")
    parser.add_argument("--partly", action="store_true", help="score as partly labelled (VT011145)")
    args = parser.parse_args()
    data = Path(args.data)
    gt, pred = str(data / "gt" / f"{args.sample}.zarr"), str(data / "pred" / f"{args.sample}.hdf")
    # the evaluation first, so that the children's max RSS after it is the evaluation's own
    wall, peak, out, cpu = child(EVAL, gt, pred, "1" if args.partly else "0")
    floor_wall, _, _, floor_cpu = child(FLOOR, gt, pred)
    print(f"sample {args.sample}: {json.loads(out)}")
    print(f"wall time   {wall:7.1f} s   = {wall / floor_wall:5.2f}x the read-only floor ({floor_wall:.1f} s); "
          f"official {OFFICIAL_SECONDS:.0f} s / ours = {OFFICIAL_SECONDS / wall:5.1f}x  (target < 30 s, >= 10x)")
    # CPU time barely moves when other jobs share the cores; wall time does
    print(f"CPU time    {cpu:7.1f} s   = {cpu / floor_cpu:5.2f}x the read-only floor's {floor_cpu:.1f} s")
    print(f"peak RSS    {peak:7.2f} GB  ; official {OFFICIAL_GB[0]:.0f}-{OFFICIAL_GB[1]:.0f} GB / ours = "
          f"{OFFICIAL_GB[0] / peak:5.1f}-{OFFICIAL_GB[1] / peak:5.1f}x  (target < 2 GB, >= 10x)")


if __name__ == "__main__":
    main()
