"""Time to ingest all 10 C. elegans connectomes and to load each as PyG, as ratios to a floor.

The floor is the time to merely read the same raw files with pandas (``engine="calamine"``, the
fastest pandas spreadsheet engine, on the same sheets; h5py for the one HDF5 file, which pandas
cannot read). Targets: ingest within 3x the floor; cached PyG load under 50 ms.

    python perf/connectomes.py [--raw-dir ../shared/data] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

import h5py
import pandas as pd

import neuropil
from neuropil._fetch import locate
from neuropil.datasets.celegans_connectomes import CONNECTOMES, SPEC
from neuropil.pipelines import ingest

from _timing import best_of

SHEETS = {
    "CElegansNeuronTables.xls": ["Connectome", "NeuronsToMuscle"],
    "NeuronConnect.xls": [0],
    "witvliet_2020_7 adult.xlsx": [0],
    "witvliet_2020_8 adult.xlsx": [0],
    "SI 5 Connectome adjacency matrices, corrected July 2020.xlsx": ["hermaphrodite chemical",
                                                                     "hermaphrodite gap jn symmetric"],
}


def read_floor(path: Path) -> None:
    """Read one raw file the cheapest way pandas offers, parsing nothing further."""
    if path.suffix in {".xls", ".xlsx"}:
        pd.read_excel(path, sheet_name=SHEETS[path.name], engine="calamine")
    elif path.suffix == ".h5":
        with h5py.File(path, "r") as handle:
            handle["neuron_ids"][()], handle["wt/dFF"][()], handle["wt/q"][()]
    elif path.name == "neuron_master_sheet.csv":
        pd.read_csv(path)
    else:
        pd.read_csv(path, sep=r"\s+")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", default=os.environ.get("NEUROPIL_RAW_DIR", "../shared/data"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    raw_dir = Path(args.raw_dir) if Path(args.raw_dir).is_dir() else None
    os.environ["NEUROPIL_OFFLINE"] = "1"
    os.environ["NEUROPIL_QUIET"] = "1"

    paths = {}
    for raw in SPEC.raw_files:
        try:
            paths[raw.name] = locate(raw, SPEC.id, raw_dir=raw_dir)
        except neuropil.NeuropilError as error:
            print(f"skipping {raw.name}: {error}")
    connectome_files = {c: s.raw_file for c, s in CONNECTOMES.items() if s.raw_file in paths}
    read_files = sorted(set(connectome_files.values()) | ({"neuron_master_sheet.csv"} & set(paths)))
    for name in read_files:  # warm the page cache and imports for both sides
        read_floor(paths[name])
    per_file = {name: best_of(args.repeats, lambda n=name: read_floor(paths[n])) for name in read_files}
    floor = sum(per_file.values())

    with tempfile.TemporaryDirectory() as home:
        ingest(SPEC.id, raw_dir=raw_dir, home=home, progress=False)  # warm-up (imports, caches)
        ingest_time = best_of(args.repeats, lambda: ingest(SPEC.id, raw_dir=raw_dir, home=home, force=True,
                                                           progress=False))
        noop_time = best_of(args.repeats, lambda: ingest(SPEC.id, raw_dir=raw_dir, home=home, progress=False))
        print(f"ingest all {len(connectome_files)} connectomes: {ingest_time:.2f} s; pandas floor {floor:.2f} s; "
              f"ratio {ingest_time / floor:.2f}x (target <= 3x)")
        print(f"re-ingest with identical inputs (no-op, hashes checked): {noop_time * 1000:.0f} ms")
        print(f"{'connectome':<18} {'pyg load ms':>11} {'floor ms':>9} {'ratio':>7}  (target: load < 50 ms)")
        neuropil.load(SPEC.id, connectome="cook_2019", format="pyg", home=home)  # import torch & PyG once
        worst = 0.0
        for connectome, name in connectome_files.items():
            load = best_of(args.repeats, lambda c=connectome: neuropil.load(SPEC.id, connectome=c, format="pyg", home=home))
            worst = max(worst, load)
            print(f"{connectome:<18} {load * 1000:>11.1f} {per_file[name] * 1000:>9.1f} {load / per_file[name]:>6.2f}x")
        print(f"slowest cached PyG load: {worst * 1000:.1f} ms ({worst / 0.050:.2f}x the 50 ms target)")


if __name__ == "__main__":
    main()
