"""microns-minnie65 ingestion at scale: rows/s and peak RSS against a bare pyarrow scan (the floor)
and a naive pandas read + groupby (the peer), all on the same generated synapse table.

    python perf/microns_ingest.py --rows 100000000 --shards 50      # the issue's size (disk: ~8 GB)
    python perf/microns_ingest.py --rows 5000000                      # a quick look

    python perf/microns_ingest.py --dir /tmp/m --reuse                # again on the tables kept in /tmp/m

Each measurement runs in its own process so its peak RSS (ru_maxrss) is its own. The pandas peer is
run on at most ``--peer-rows`` rows (the first shards), where it fits in memory; rates are compared
per row. Targets (issue #5): peak RSS under 2 GB at any size, within 2x of the floor, faster than pandas.
A second floor, "scan + write", reads the same batches, converts them as the ingest does and writes
every row once to zstd Parquet (no spill, sort, nucleus mapping, edges or hashing): the least any
ingest that writes the synapses must spend.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLUMNS = ["id", "pre_pt_root_id", "post_pt_root_id", "size", "ctr_pt_position"]


def _child(kind: str, folder: str, shards: int) -> None:
    import resource

    start = time.perf_counter()
    cpu_start = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    files = sorted(Path(folder, "synapses_pni_2").glob("*.parquet"))[:shards]
    rows = 0
    if kind == "floor":
        import pyarrow.dataset as ds

        for batch in ds.dataset(files, format="parquet").to_batches(columns=COLUMNS, batch_size=1_000_000):
            rows += batch.num_rows
    elif kind == "write":
        # a second floor: the scan, the same column conversion and Parquet writing of every row as
        # the ingest does, with no spill, sort, nucleus mapping, edges or hashing
        from concurrent.futures import ThreadPoolExecutor

        import pyarrow.parquet as pq

        from neuropil.pipelines.microns_minnie65 import ROW_GROUP_ROWS, _batches

        out = Path(os.environ["PERF_HOME"]) / "write-floor"
        out.mkdir(parents=True, exist_ok=True)

        def copy(path: Path) -> int:
            with pq.ParquetWriter(out / path.name, _batches_schema(), compression="zstd",
                                  use_dictionary=False) as writer:
                done = 0
                for batch in _batches(path, 1_000_000):
                    writer.write_batch(batch, row_group_size=ROW_GROUP_ROWS)
                    done += batch.num_rows
            return done

        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            rows = sum(pool.map(copy, files))
        shutil.rmtree(out)
    elif kind == "pandas":
        import pandas as pd

        frame = pd.concat([pd.read_parquet(f, columns=COLUMNS) for f in files], ignore_index=True)
        rows = len(frame)
        frame.groupby(["pre_pt_root_id", "post_pt_root_id"])["size"].agg(["count", "sum"]).reset_index()
    elif kind == "neuropil":
        from neuropil.pipelines import ingest

        sub = Path(folder)
        if shards < len(sorted(Path(folder, "synapses_pni_2").glob("*.parquet"))):
            raise SystemExit("neuropil runs on every shard")
        result = ingest("microns-minnie65", tables=str(sub), materialization=661, home=os.environ["PERF_HOME"],
                        force=True, progress=False)
        rows = result.manifest["stats"]["minnie65"]["synapses"]
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_start,
                      "peak_rss_mb": usage.ru_maxrss / 1024}))


def _batches_schema() -> object:
    import pyarrow as pa

    return pa.schema([("id", pa.int64()), ("pre_root_id", pa.int64()), ("post_root_id", pa.int64()),
                      ("size", pa.int64()), ("x_nm", pa.float32()), ("y_nm", pa.float32()), ("z_nm", pa.float32())])


def _measure(kind: str, folder: Path, shards: int, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--dir", str(folder), "--shards", str(shards)],
                         check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--shards", type=int, default=50)
    parser.add_argument("--peer-rows", type=int, default=10_000_000, help="largest table handed to pandas")
    parser.add_argument("--dir", default=None, help="work folder (default: a temporary one, removed after)")
    parser.add_argument("--reuse", action="store_true", help="with --dir: keep the tables already generated there")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.dir, args.shards)
        return

    from neuropil.testing.microns import write_minnie65_tables

    work = Path(args.dir or tempfile.mkdtemp(prefix="neuropil-perf-microns-"))
    env = {**os.environ, "NEUROPIL_QUIET": "1", "PERF_HOME": str(work / "home")}
    try:
        start = time.perf_counter()
        if args.reuse and (work / "tables" / "synapses_pni_2").is_dir():
            print(f"reusing the tables in {work / 'tables'} (--rows ignored)")
        else:
            write_minnie65_tables(work / "tables", n_synapses=args.rows, n_nuclei=max(1000, args.rows // 2000),
                                  shards=args.shards, chunk_rows=1_000_000, seed=0)
        shards = len(list((work / "tables" / "synapses_pni_2").glob("*.parquet")))
        size_gb = sum(p.stat().st_size for p in (work / "tables").rglob("*")) / 1e9
        print(f"{shards} Parquet shards ({size_gb:.2f} GB) ready in {time.perf_counter() - start:.0f} s")
        floor = _measure("floor", work / "tables", shards, env)
        ours = _measure("neuropil", work / "tables", shards, env)
        written = _measure("write", work / "tables", shards, env)
        peer_shards = max(1, min(shards, shards * args.peer_rows // floor["rows"]))
        peer = _measure("pandas", work / "tables", peer_shards, env)
        runs = (("pyarrow scan (floor)", floor), ("scan + write (floor 2)", written), ("neuropil ingest", ours),
                ("pandas + groupby", peer))
        rate = {name: m["rows"] / m["seconds"] for name, m in runs}
        print(f"{'':24}{'rows':>14}{'seconds':>10}{'CPU s':>8}{'rows/s':>14}{'peak RSS MB':>13}")
        for name, m in runs:
            print(f"{name:24}{m['rows']:>14,}{m['seconds']:>10.1f}{m['cpu_seconds']:>8.1f}"
                  f"{m['rows'] / m['seconds']:>14,.0f}{m['peak_rss_mb']:>13,.0f}")
        ours_rate = rate["neuropil ingest"]
        print(f"neuropil time / floor time (per row): {rate['pyarrow scan (floor)'] / ours_rate:.2f}x  (target <= 2); "
              f"in CPU seconds: {ours['cpu_seconds'] / ours['rows'] / (floor['cpu_seconds'] / floor['rows']):.2f}x")
        print(f"neuropil time / scan + write time: {rate['scan + write (floor 2)'] / ours_rate:.2f}x; "
              f"scan + write / scan: {rate['pyarrow scan (floor)'] / rate['scan + write (floor 2)']:.2f}x")
        print(f"neuropil rate / pandas rate: {ours_rate / rate['pandas + groupby']:.2f}x  (target > 1; pandas on "
              f"{peer['rows']:,} rows)")
        print(f"neuropil peak RSS: {ours['peak_rss_mb'] / 1024:.2f} GB  (target < 2 GB); "
              f"pandas peak RSS per 1M rows: {peer['peak_rss_mb'] / (peer['rows'] / 1e6):.0f} MB")
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
