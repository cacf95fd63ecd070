"""Issue 14, point 6: `ingest` of an up-to-date version checks its outputs against the manifest
(sizes; SHA-256s with `--verify`) and rebuilds what is missing or corrupt; a truncated manifest is
a one-line error naming the file, and `ingest --force` repairs it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import neuropil
from neuropil import _store, cli

DATASET = "celegans-connectomes"


@pytest.fixture
def home(private_home) -> Path:
    return private_home(DATASET)


def ingest_cli(capsys: pytest.CaptureFixture[str], home: Path, shared_data: Path, *flags: str) -> tuple[int, dict, str]:
    code = cli.main(["ingest", DATASET, "--raw-dir", str(shared_data), "--home", str(home), "--json", *flags])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else {}), captured.err


def edges(home: Path) -> pd.DataFrame:
    return neuropil.load(DATASET, connectome="cook_2019", format="pandas", home=home)


def test_a_missing_output_is_rebuilt(home: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = edges(home)
    outputs = _store.read_manifest(DATASET, "1.0.0", home)["outputs"]
    (home / DATASET / "1.0.0" / "edges.parquet").unlink()
    code, result, _ = ingest_cli(capsys, home, shared_data)
    assert code == 0 and result["status"] == "repaired" and result["repaired"] == {"edges.parquet": "missing"}
    assert result["outputs"] == outputs  # the same bytes as the first build
    pd.testing.assert_frame_equal(edges(home), before)
    code, result, _ = ingest_cli(capsys, home, shared_data)
    assert code == 0 and result["status"] == "up-to-date"


def test_sizes_by_default_hashes_with_verify(home: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = edges(home)
    target = home / DATASET / "1.0.0" / "edges.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF  # a flipped bit: same size, different SHA-256
    target.write_bytes(bytes(data))
    code, result, _ = ingest_cli(capsys, home, shared_data)
    assert code == 0 and result["status"] == "up-to-date"  # sizes match: the cheap check passes
    code, result, _ = ingest_cli(capsys, home, shared_data, "--verify")
    assert code == 0 and result["status"] == "repaired"
    assert "SHA-256 differs" in result["repaired"]["edges.parquet"]
    _store.verify_outputs(DATASET, "1.0.0", home)
    pd.testing.assert_frame_equal(edges(home), before)

    size = target.stat().st_size
    with open(target, "ab") as handle:  # a changed size is caught without --verify
        handle.write(b"junk")
    code, result, _ = ingest_cli(capsys, home, shared_data)
    assert code == 0 and result["status"] == "repaired"
    assert result["repaired"] == {"edges.parquet": f"{size + 4} bytes, manifest says {size}"}
    _store.verify_outputs(DATASET, "1.0.0", home)


def test_a_truncated_manifest_is_one_line_and_force_repairs_it(home: Path, shared_data: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    before = edges(home)
    manifest = home / DATASET / "1.0.0" / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:100])
    for argv in (["info", DATASET], ["list"], ["ingest", DATASET, "--raw-dir", str(shared_data)],
                 ["export", DATASET, "--hf", str(home.parent / "out")]):
        code = cli.main([*argv, "--home", str(home)])
        err = capsys.readouterr().err
        assert code == 1, argv
        assert err.count("\n") == 1 and f"{manifest} is not a valid manifest" in err, (argv, err)
        assert f"neuropil ingest {DATASET} --force" in err
    with pytest.raises(neuropil.errors.StoreCorruptedError, match="not a valid manifest"):
        edges(home)
    code, result, _ = ingest_cli(capsys, home, shared_data, "--force")
    assert code == 0 and result["status"] == "built"
    json.loads(manifest.read_text())
    pd.testing.assert_frame_equal(edges(home), before)
