"""Issue 14, point 7: readers never straddle a version swap. A load resolves the version link once
and reads every file from that build; the superseded build outlives the swap long enough for a
reader that resolved it just before; in-process caches are keyed by the build, so a re-ingest in the
same process is seen."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import neuropil
from neuropil import _store
from neuropil.loaders import celegans_activity as activity
from neuropil.pipelines import ingest

CONNECTOMES = "celegans-connectomes"


def test_a_reingest_in_the_same_process_is_seen(private_home, shared_data: Path) -> None:
    home = private_home("celegans-activity")
    recording = int(neuropil.load("celegans-activity", format="pandas", home=home)["recording"].iloc[0])
    values, _ = activity.canonical_arrays(recording, home=home)
    assert values.shape[0] == activity.read_arrays(recording, home=home)["traces"].shape[0]
    result = ingest("celegans-activity", raw_dir=shared_data, home=home, dt=0.5)  # a coarser grid: fewer steps
    assert result.status == "built"
    fresh, _ = activity.canonical_arrays(recording, home=home)
    steps = activity.read_arrays(recording, home=home)["traces"].shape[0]
    assert fresh.shape[0] == steps < values.shape[0]
    windows = neuropil.load("celegans-activity", format="torch", history=5, horizon=5, home=home)
    assert max(item["start"] for item in (windows[i] for i in range(len(windows)))) < steps


def test_a_resolved_build_outlives_the_swap(private_home, shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = private_home(CONNECTOMES)
    with _store.pinned():
        build = _store.require_version(CONNECTOMES, "1.0.0", home)
        manifest = _store.read_manifest(CONNECTOMES, "1.0.0", home)
        ingest(CONNECTOMES, raw_dir=shared_data, home=home, force=True)  # another process would do the same
        assert _store.require_version(CONNECTOMES, "1.0.0", home) == build  # pinned: one load, one build
    assert _store.require_version(CONNECTOMES, "1.0.0", home) != build  # unpinned: the new build
    assert _store.output_problems(build, manifest, hashes=True) == {}  # the old build is whole
    ingest(CONNECTOMES, raw_dir=shared_data, home=home)  # within the grace period: still kept
    assert build.is_dir()
    monkeypatch.setattr(_store, "SUPERSEDED_GRACE_S", 0.0)
    ingest(CONNECTOMES, raw_dir=shared_data, home=home)  # after it: removed by the next ingest
    assert not build.exists()
    assert len(list((home / CONNECTOMES / ".builds").iterdir())) == 1


REINGESTS = textwrap.dedent(
    """
    import sys
    from neuropil.pipelines import ingest
    for _ in range(int(sys.argv[3])):
        ingest("celegans-connectomes", raw_dir=sys.argv[1], home=sys.argv[2], force=True, progress=False)
        print("published", flush=True)
    """
)


def test_loads_during_reingests_never_fail(private_home, shared_data: Path) -> None:
    home = private_home(CONNECTOMES)
    expected = neuropil.load(CONNECTOMES, connectome="cook_2019", format="pandas", home=home)
    writer = subprocess.Popen([sys.executable, "-c", REINGESTS, str(shared_data), str(home), "4"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "NEUROPIL_OFFLINE": "1"})
    loads, failures = 0, []
    deadline = time.monotonic() + 120
    try:
        while (writer.poll() is None or loads < 200) and time.monotonic() < deadline:
            try:
                edges = neuropil.load(CONNECTOMES, connectome="cook_2019", format="pandas", home=home)
                neurons = neuropil.load(CONNECTOMES, table="neurons", format="pandas", home=home)
                if not (len(edges) == len(expected) and len(neurons) == 300):
                    failures.append(f"rows {len(edges)} / {len(neurons)}")
            except Exception as error:  # noqa: BLE001 (every failure is counted and shown)
                failures.append(f"{type(error).__name__}: {error}")
            loads += 1
    finally:
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert out.count("published") == 4
    assert loads >= 200
    assert failures == [], failures[:3]
    pd.testing.assert_frame_equal(neuropil.load(CONNECTOMES, connectome="cook_2019", format="pandas", home=home),
                                  expected)
