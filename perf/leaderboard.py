"""Cost of trusting a submission: validating + re-scoring a full 10-seed celegans-activity-forecast
submission, as a ratio to its floor, scoring the same predictions in memory with the evaluator (what
the runner does anyway). Also: folder size, and the time to add the entry to the store and to render
the site.

    python perf/leaderboard.py [--raw-dir ../shared/data] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from neuropil.benchmarks import RunConfig
from neuropil.benchmarks.evaluate import Evaluator
from neuropil.benchmarks.leaderboard import Store, check, save_run, submit
from neuropil.benchmarks.leaderboard.site import write_site
from neuropil.pipelines import ingest

from _timing import best_of

TASK = "celegans-activity-forecast"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw-dir", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("NEUROPIL_QUIET", "1")
    home = Path(tempfile.mkdtemp(prefix="neuropil-perf-leaderboard-"))
    try:
        ingest("celegans-connectomes", raw_dir=args.raw_dir, home=home, progress=False)
        ingest("celegans-activity", raw_dir=args.raw_dir, home=home, progress=False)
        folder = home / "submission"
        started = time.perf_counter()
        save_run(RunConfig(task=TASK, model="ridge", seeds=10), folder, home=home,
                 command=f"neuropil bench run {TASK} --model ridge --seeds 10 --save-predictions --out {folder}")
        run_s = time.perf_counter() - started
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

        # floor: the evaluator on the same 20 prediction arrays, already in memory
        module = __import__("neuropil.benchmarks.tasks.celegans_forecast.task", fromlist=["x"])
        sets, _ = module.load_sets(home=home, config={"history": 30, "source": "Dag2023"}, quick=False)
        outputs, _ = module.fit_predict("ridge", sets, seed=0, quick=False, progress=False, home=home,
                                        config={"history": 30})
        evaluator = Evaluator(TASK)

        def floor() -> None:
            for _ in range(10):
                for part in ("test", "valid"):
                    evaluator.eval(module.eval_input(sets[part], outputs[part]))

        floor_s = best_of(args.repeats, floor)
        check_s = best_of(args.repeats, lambda: check(folder, home=home))
        started = time.perf_counter()
        entry = submit(folder, name="ridge", home=home)
        submit_s = time.perf_counter() - started
        store = Store(TASK, home)
        for index in range(200):  # a store with 200 more entries for the site
            store.append({**entry, "id": f"{index:012x}", "predictions_sha256": f"{index:064x}",
                          "name": f"entry {index}"})
        site_s = best_of(args.repeats, lambda: write_site(home / "site", home=home))
        rows = sum(len(np.asarray(sets[p].mask).nonzero()[0]) for p in ("test", "valid"))
        print(f"submission: 10 seeds x (test + valid), {rows:,} predictions per seed, {size / 2**20:.1f} MiB "
              f"(bench run --save-predictions: {run_s:.1f} s)")
        print(f"check (validate + re-score): {check_s:.2f} s = {check_s / floor_s:.1f}x the {floor_s:.2f} s floor "
              "(the evaluator on the same arrays in memory)")
        print(f"submit (check + store append): {submit_s:.2f} s")
        print(f"site for {len(store.entries())} entries: {site_s * 1000:.0f} ms")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
