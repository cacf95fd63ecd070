"""neuropil's MATLAB v7.3 decoder (h5py, ``pipelines/celegans_activity/_matlab73.py``) against its
maintained peer ``mat73`` (the reference pipeline's reader), on the same Zimmer-study files.

For every study's fixture, each file's struct is rewritten with ``--worms`` worms (the fixture's worms
repeated; the published files hold 1-12 worms each), then both decoders read the three per-worm fields
the readers use (labels, traces, time). Prints the wall-time ratio mat73 / ours and whether the decoded
values are identical once ours is squeezed the way mat73 squeezes (vectors and 1 x 1 values). A
maintained library replaces the hand-written piece only where it measures no worse.

    pip install mat73
    python perf/matlab73_reader.py [--worms 12] [--repeats 3]
"""

from __future__ import annotations

import argparse
import importlib
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

STUDIES = ("kato2015", "nichols2017", "skora2018", "kaplan2020", "uzel2022")
FIELDS = {"kaplan2020": ("neuron_ID", "traces_bleach_corrected", "time_vector"), "uzel2022": ("IDs", "traces", "tv")}


def best_of(repeats: int, work) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = work()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    import mat73

    from neuropil.pipelines.celegans_activity._matlab73 import Mat73File
    from neuropil.testing.celegans_activity._matlab73 import same_decoded, squeezed_like_mat73
    from neuropil.testing.celegans_activity import _matlab73 as writer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worms", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.CRITICAL)
    root = Path(tempfile.mkdtemp())
    total = {"ours": 0.0, "mat73": 0.0}
    for study in STUDIES:
        fixture = importlib.import_module(f"neuropil.testing.celegans_activity.{study}")
        folder = root / study
        by_file: dict[str, list] = {}
        for worm in fixture.write(folder)["worms"]:
            by_file.setdefault(worm["file"], []).append(worm)
        times = {"ours": 0.0, "mat73": 0.0}
        identical = True
        for name, worms in by_file.items():
            key = worms[0]["key"]
            fields = FIELDS.get(study, ("NeuronNames", "deltaFOverF_bc", "tv") if name == "WT_NoStim.mat"
                                else ("IDs", "traces", "timeVectorSeconds"))
            path = writer.write_worm_struct(folder / name, key, [worms[k % len(worms)] for k in range(args.worms)],
                                            label_field=fields[0], trace_field=fields[1], time_field=fields[2],
                                            struct_array=study == "uzel2022",
                                            time_as_row=study in ("uzel2022", "kaplan2020"))

            def ours() -> dict[str, Any]:
                with Mat73File(path) as mat:
                    return {field: mat.field(key, field) for field in fields}

            def peer() -> dict[str, Any]:
                return mat73.loadmat(str(path), only_include=[f"{key}/{f}" for f in fields], verbose=False)[key]

            t_ours, got_ours = best_of(args.repeats, ours)
            t_peer, got_peer = best_of(args.repeats, peer)
            times["ours"] += t_ours
            times["mat73"] += t_peer
            identical &= all(same_decoded(squeezed_like_mat73(got_ours[f]), got_peer[f]) for f in fields)
        total["ours"] += times["ours"]
        total["mat73"] += times["mat73"]
        print(f"{study}: {len(by_file)} file(s) x {args.worms} worms: mat73 / ours = "
              f"{times['mat73'] / times['ours']:.1f}x ({times['mat73']:.3f} s / {times['ours']:.3f} s); "
              f"identical values: {identical}")
    print(f"all five studies: mat73 / ours = {total['mat73'] / total['ours']:.1f}x")


if __name__ == "__main__":
    main()
