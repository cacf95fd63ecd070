"""Issue 14 point 9: every failure reaches the command line as one capped line and exit code 1, never
a traceback, and a failed ingest leaves the published version as it was.

Each case is made for real where a test can (a file where a folder is expected, damaged zarr and
HDF5 files, hostile JSON, ``/dev/full`` for a full disk); where it cannot without root tricks (a
read-only mount for root, a full disk mid-ingest) the ``OSError`` the system would raise is injected
at the call that would meet it.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neuropil.cli import main
from neuropil.errors import MAX_LINE_CHARS, RawFormatError, error_line
from neuropil.testing.fisbe import label_lines, line_neurons, write_fisbe_zarr, write_prediction

DATASET = "celegans-connectomes"


def _one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI in process; it must exit 1 with exactly one stderr line and no traceback."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.count("\n") == 1 and err.startswith("neuropil: error: "), err
    assert "Traceback" not in err and len(err) <= MAX_LINE_CHARS + 20
    return err


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A home with celegans-connectomes published (the embedded default), and its files' bytes."""
    from neuropil.pipelines import ingest

    home = tmp_path / "home"
    ingest(DATASET, home=home, progress=False)
    return home, _snapshot(home)


def _snapshot(home: Path) -> dict[str, bytes]:
    version = home / DATASET / "1.0.0"
    return {p.name: p.read_bytes() for p in sorted(version.iterdir()) if p.is_file()}


def _assert_intact(home: Path, before: dict[str, bytes]) -> None:
    assert _snapshot(home) == before
    builds = home / DATASET / ".builds"
    assert len([p for p in builds.iterdir()]) == 1  # the published build only: the failed one is gone


# ------------------------------------------------------------------------------------------ disk full

def test_disk_full_mid_ingest_is_one_line_and_keeps_the_published_version(
        published, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    home, before = published
    calls = []

    def full(self, path, *args, **kwargs):  # the third table written meets a full disk
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return original(self, path, *args, **kwargs)

    original = pd.DataFrame.to_parquet
    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    err = _one_line(capsys, ["ingest", DATASET, "--home", str(home), "--force"])
    assert "no space left on the device" in err and str(calls[2]) in err
    assert "published version is untouched" in err
    _assert_intact(home, before)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is Linux only")
def test_hdf5_writer_raises_enospc_instead_of_crashing() -> None:
    """h5py segfaults (exit 139) when a compressed dataset cannot be flushed; the in-memory writer
    turns a full disk into an OSError. /dev/full fails every write with ENOSPC, as a full disk does."""
    code = (
        "import errno, numpy as np\n"
        "from pathlib import Path\n"
        "from neuropil.pipelines._hdf5 import write_small\n"
        "def fill(h):\n"
        "    h.create_dataset('x', data=np.random.default_rng(0).random((800, 150)), compression='gzip', shuffle=True)\n"
        "try:\n"
        "    write_small(Path('/dev/full'), fill, track_order=True)\n"
        "except OSError as error:\n"
        "    print('ENOSPC' if error.errno == errno.ENOSPC else error)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "ENOSPC"


# ------------------------------------------------------------------------------------ read-only home

def test_read_only_home_loads_but_ingest_says_why(published, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import neuropil
    from neuropil import _store

    home, before = published
    for folder in (home, home / DATASET, home / DATASET / ".builds"):
        folder.chmod(0o555)
    try:
        if os.geteuid() == 0:  # root writes through permissions: inject what a read-only mount raises
            def read_only(dataset_id, home=None):
                raise OSError(errno.EROFS, "Read-only file system", str(_store.dataset_root(dataset_id, home) / ".lock"))
            monkeypatch.setattr(_store, "ingest_lock", read_only)
        frame = neuropil.load(DATASET, home=home, format="pandas")
        assert len(frame) > 0
        err = _one_line(capsys, ["ingest", DATASET, "--home", str(home), "--force"])
        assert ("read-only" in err or "permission denied" in err) and ".lock" in err
        assert "loads still work" in err
    finally:
        for folder in (home, home / DATASET, home / DATASET / ".builds"):
            folder.chmod(0o755)
    _assert_intact(home, before)


# ---------------------------------------------------------------------- a file where a folder belongs

def test_export_to_a_file_is_one_line(published, capsys: pytest.CaptureFixture[str]) -> None:
    home, before = published
    err = _one_line(capsys, ["export", DATASET, "--hf", "/dev/null", "--home", str(home)])
    assert "/dev/null" in err and "a file where a folder is expected" in err
    err = _one_line(capsys, ["export", DATASET, "--hf", "/dev/null", "--home", str(home), "--force"])
    assert "/dev/null" in err
    assert Path("/dev/null").exists() and not Path("/dev/null").is_dir()
    _assert_intact(home, before)


def test_home_that_is_a_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "passwd"
    a_file.write_text("root:x:0:0\n")
    for command in (["list"], ["ingest", DATASET], ["info", DATASET]):
        err = _one_line(capsys, [*command, "--home", str(a_file)])
        assert f"neuropil home {a_file} is a file; expected a folder" in err
    assert a_file.read_text() == "root:x:0:0\n"


# ---------------------------------------------------------------------------------- bad arguments

def test_missing_split_list_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gt, pred = _fisbe_pair(tmp_path / "ok")
    err = _one_line(capsys, ["fisbe", "eval", "--gt", str(gt), "--pred", str(pred),
                             "--split-list", str(tmp_path / "nowhere.txt")])
    assert "Split list" in err and "nowhere.txt" in err and "does not exist" in err


@pytest.mark.parametrize("dt", ["inf", "nan", "1e-9", "-1", "0"])
def test_bad_dt_is_refused_before_reading(dt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    err = _one_line(capsys, ["ingest", "celegans-activity", "--dt", dt, "--home", str(home),
                             "--raw-dir", str(tmp_path / "no-such-mirror")])
    assert "dt must be a positive time step of 0.001 to 60.0 seconds" in err
    assert not (home / "celegans-activity").exists()  # refused before the lock or any read


# ------------------------------------------------------------------------------------- FISBe faults

SHAPE = (8, 16, 16)


def _fisbe_pair(folder: Path, gt: np.ndarray | None = None) -> tuple[Path, Path]:
    if gt is None:
        gt = line_neurons(SHAPE, [[(1, 2, 1, 14)], [(5, 8, 2, 12)]])
    zarr_path = write_fisbe_zarr(folder / "s.zarr", gt, chunks=(2, 4, 8, 8))
    pred = write_prediction(folder / "s.hdf", label_lines(SHAPE, {3: [(1, 2, 1, 14)], 7: [(5, 8, 2, 12)]}))
    return zarr_path, pred


def _break(case: str, gt: Path, pred: Path) -> list[str]:
    array = gt / "volumes" / "gt_instances"
    if case == "broken .zarray":
        (array / ".zarray").write_text('{"shape": [2, 8')
    elif case == "corrupt chunk":
        sorted(array.glob("0.*"))[0].write_bytes(b"not a blosc frame")
    elif case == "all-zero ground truth":
        write_fisbe_zarr(gt, np.zeros((2, *SHAPE), np.uint8), chunks=(2, 4, 8, 8))
    elif case == "pred-key names a group":
        return ["--pred-key", "volumes"]
    elif case == "truncated HDF5":
        data = pred.read_bytes()
        pred.write_bytes(data[: len(data) // 2])
    elif case == "1e5^3 shape":
        header = json.loads((array / ".zarray").read_text())
        header["shape"] = [2, 100_000, 100_000, 100_000]
        (array / ".zarray").write_text(json.dumps(header))
    elif case == "200k nesting":
        (array / ".zattrs").write_text("[" * 200_000 + "]" * 200_000)
    elif case == "10^400":
        (array / ".zattrs").write_text('{"dim_neurons": [1e400]}')
    elif case == "10^400 integer":
        (array / ".zattrs").write_text('{"dim_neurons": [1' + "0" * 400 + "]}")
    return []


@pytest.mark.parametrize(("case", "expected"), [
    ("broken .zarray", r"gt_instances/\.zarray: not valid JSON"),
    ("corrupt chunk", r"gt_instances: a damaged chunk in block \[:, 0:4, 0:8, :\] could not be decoded"),
    ("all-zero ground truth", r"holds no neuron \(every voxel is 0\)"),
    ("pred-key names a group", r"s\.hdf: 'volumes' is a group, not a dataset"),
    ("truncated HDF5", r"Prediction .*s\.hdf is not a readable HDF5 file \(.*truncated"),
    ("1e5^3 shape", r"declares shape \[2, 100000, 100000, 100000\] \(2e\+15 voxels\).*refused unread"),
    ("200k nesting", r"\.zattrs: JSON nested more than 64 levels deep"),
    ("10^400", r"\.zattrs: JSON number 1e400 overflows a float"),
    ("10^400 integer", r"\.zattrs: JSON integer with 401 digits"),
])
def test_fisbe_faults_are_one_line(case: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import re

    gt, pred = _fisbe_pair(tmp_path)
    extra = _break(case, gt, pred)
    err = _one_line(capsys, ["fisbe", "eval", "--gt", str(gt), "--pred", str(pred), "--min-size", "0", *extra])
    assert re.search(expected, err), err


def test_fisbe_reingest_of_a_damaged_chunk_keeps_the_published_version(
        tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from neuropil.pipelines import ingest

    raw = tmp_path / "raw"
    gt, _ = _fisbe_pair(raw / "fisbe")
    shutil.copy(shared_data / "fisbe" / "sample_list_per_split.txt", raw / "fisbe")
    home = tmp_path / "home"
    ingest("fisbe", raw_dir=raw, home=home, progress=False, allow_unverified=True)
    version = home / "fisbe" / "1.0.0"
    before = {p.relative_to(version): p.read_bytes() for p in sorted(version.rglob("*")) if p.is_file()}
    sorted((gt / "volumes" / "gt_instances").glob("0.*"))[-1].write_bytes(b"\x00" * 5)
    err = _one_line(capsys, ["ingest", "fisbe", "--raw-dir", str(raw), "--home", str(home), "--allow-unverified"])
    assert "damaged chunk" in err and "s.zarr/volumes/gt_instances" in err
    assert {p.relative_to(version): p.read_bytes() for p in sorted(version.rglob("*")) if p.is_file()} == before


# ------------------------------------------------------------------------------------- capped lines

def test_error_lines_are_capped_and_single() -> None:
    line, code = error_line(RawFormatError("bad value " + "x" * (1 << 20) + "\nsecond line"))
    assert code == 1 and "\n" not in line and len(line) <= MAX_LINE_CHARS
    assert line.startswith("bad value xxx") and line.endswith("more characters)")
    assert f"({(1 << 20) + len('bad value  second line') - MAX_LINE_CHARS + 40} more characters)" in line


def test_a_long_user_value_gives_a_capped_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gt, pred = _fisbe_pair(tmp_path)
    err = _one_line(capsys, ["fisbe", "eval", "--gt", str(gt), "--pred", str(pred), "--pred-key", "k" * (1 << 20)])
    assert len(err) <= MAX_LINE_CHARS + len("neuropil: error: \n")


def test_an_unexpected_exception_is_one_line_naming_a_bug(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import neuropil.cli.data as cli  # the data commands' module (the parser is built on each main())

    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "_cmd_list", broken)
    err = _one_line(capsys, ["list"])
    assert "internal error ZeroDivisionError: division by zero (a bug in neuropil" in err
