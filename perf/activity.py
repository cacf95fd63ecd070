"""Dag2023 ingest time and torch-window throughput, as ratios to merely reading the raw HDF5.

The floor reads every Dag2023 file's ``gcamp/traces_array_F_F20`` and ``timing/timestamp_confocal``
with h5py plus the labels JSON. Windows/s: iterating a DataLoader over every training window
(history 30 = 10 s, horizon 10) of the ingested store, compared with the windows/s of slicing the
same windows out of arrays already in memory (the floor for loading).

    python perf/activity.py [--raw-dir ../shared/data] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

import neuropil
from neuropil.pipelines import ingest

from _timing import best_of


def read_floor(folder: Path) -> list[np.ndarray]:
    json.loads((folder / "NeuroPAL_labels_dict.json").read_text())
    arrays = []
    for path in sorted(folder.glob("swf*/*-data.h5")):
        with h5py.File(path, "r") as handle:
            arrays.append(handle["gcamp/traces_array_F_F20"][()])
            handle["timing/timestamp_confocal"][()]
    return arrays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", default=os.environ.get("NEUROPIL_RAW_DIR", "../shared/data"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ["NEUROPIL_OFFLINE"] = "1"
    raw_dir = Path(args.raw_dir)
    folder = raw_dir / "celegans" / "dag2023"
    read_floor(folder)
    floor = best_of(args.repeats, lambda: read_floor(folder))
    with tempfile.TemporaryDirectory() as home:
        ingest("celegans-activity", raw_dir=raw_dir, home=home, progress=False)
        ingest_time = best_of(args.repeats, lambda: ingest("celegans-activity", raw_dir=raw_dir, home=home,
                                                           force=True, progress=False))
        print(f"Dag2023 ingest: {ingest_time:.2f} s; raw HDF5 read floor {floor:.3f} s; ratio {ingest_time / floor:.1f}x")

        import torch

        start = time.perf_counter()
        windows = neuropil.load("celegans-activity", format="torch", history=30, horizon=10, home=home)
        build = time.perf_counter() - start
        loader = torch.utils.data.DataLoader(windows, batch_size=256, shuffle=True,
                                             generator=torch.Generator().manual_seed(0))
        start = time.perf_counter()
        count = sum(batch["x"].shape[0] for batch in loader)
        rate = count / (time.perf_counter() - start)
        memory = [values for values, _ in windows.arrays.values()]
        index = windows.index

        def slice_all() -> None:
            for recording, begin in index:
                np.nan_to_num(memory[recording][begin:begin + 40])
        in_memory = len(index) / best_of(args.repeats, slice_all)
        print(f"torch windows: {count} windows, dataset built in {build * 1000:.0f} ms "
              f"({build / floor:.1f}x the raw read floor); DataLoader {rate:,.0f} windows/s")
        print(f"  = {rate / (count / floor):.3f}x the rate at which merely reading the raw HDF5 yields them "
              f"({count / floor:,.0f} windows/s); {rate / in_memory:.2f}x slicing NaN-filled in-memory arrays "
              f"({in_memory:,.0f} windows/s)")


if __name__ == "__main__":
    main()
