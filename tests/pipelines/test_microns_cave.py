"""Live CAVE download (`neuropil microns dump`) against a stand-in server with CAVE's behaviour:
row cap per query, unordered rows, split positions, one served materialization. Never the network."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from neuropil import cli
from neuropil.errors import InvalidArgumentError, SourceUnavailableError
from neuropil.pipelines import ingest
from neuropil.pipelines import microns_cave
from neuropil.testing.microns import FakeCaveClient, write_minnie65_tables


@pytest.fixture()
def fixture(tmp_path: Path):
    return write_minnie65_tables(tmp_path / "server", n_synapses=3000, n_nuclei=120, seed=5)


def _tables(path: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(path / name) for name in ("neurons.parquet", "edges", "synapses")}


def test_a_dump_ingests_to_the_same_files_as_the_static_tables(tmp_path: Path, fixture) -> None:
    client = FakeCaveClient(fixture.folder, version=1300, server_limit=500)
    result = microns_cave.dump_tables(tmp_path / "out", materialization=1300, client=client, chunk_rows=400)
    assert result.folder == tmp_path / "out" / "v1300"
    assert result.rows["synapses_pni_2"] == fixture.n_synapses
    # pinned version, split positions, voxel resolution, no reference merge, on every query
    assert {(c["version"], c["split_positions"], tuple(c["desired_resolution"]), c["merge_reference"])
            for c in client.calls} == {(1300, True, (4, 4, 40), False)}
    # a full answer (possibly truncated by the server) is never kept: every part is below the limit
    for part in (result.folder / "synapses_pni_2").glob("part-*.parquet"):
        assert len(pd.read_parquet(part)) < 400
    assert any(len(pd.read_parquet(p)) > 0 for p in (result.folder / "synapses_pni_2").glob("part-*.parquet"))
    assert json.loads((result.folder / "_dump.json").read_text())["materialization"] == 1300

    dumped = ingest("microns-minnie65", tables=str(result.folder), home=tmp_path / "a", progress=False)
    static = ingest("microns-minnie65", tables=str(fixture.folder), materialization=1300, home=tmp_path / "b",
                    progress=False)
    assert dumped.manifest["parameters"]["materialization"] == 1300  # read from the v1300 folder name
    assert dumped.manifest["stats"] == static.manifest["stats"]
    for name, frame in _tables(dumped.path).items():
        pd.testing.assert_frame_equal(frame, _tables(static.path)[name], check_like=True)


def test_an_interrupted_dump_resumes_and_loses_nothing(tmp_path: Path, fixture) -> None:
    out = tmp_path / "out"
    fresh = FakeCaveClient(fixture.folder, server_limit=500)
    full = microns_cave.dump_tables(tmp_path / "full", materialization=1300, client=fresh, chunk_rows=400)
    with pytest.raises(SourceUnavailableError, match="resumes"):
        microns_cave.dump_tables(out, materialization=1300, client=FakeCaveClient(fixture.folder, fail_after=15),
                                 chunk_rows=400)
    assert not (out / "v1300" / "_dump.json").exists()
    assert not list(out.rglob("*.part"))  # nothing half-written
    again = FakeCaveClient(fixture.folder, server_limit=500)
    resumed = microns_cave.dump_tables(out, materialization=1300, client=again, chunk_rows=400)
    assert resumed.rows == full.rows
    assert 0 < len(again.calls) < len(fresh.calls)  # it did not start over
    for table in full.rows:
        ids = pd.concat([pd.read_parquet(p) for p in sorted((out / "v1300" / table).glob("part-*.parquet"))])["id"]
        assert ids.is_unique and len(ids) == full.rows[table]
    # a finished dump is not fetched again
    idle = FakeCaveClient(fixture.folder)
    microns_cave.dump_tables(out, materialization=1300, client=idle, chunk_rows=400)
    assert idle.calls == []


def test_bad_requests_raise_typed_errors(tmp_path: Path, fixture, monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeCaveClient(fixture.folder, version=1300)
    with pytest.raises(InvalidArgumentError, match="nucleus_v99"):
        microns_cave.dump_tables(tmp_path, materialization=1300, tables=["nucleus_v99"], client=client)
    microns_cave.dump_tables(tmp_path, materialization=1300, tables=["nucleus_detection_v0"], client=client)
    (tmp_path / "v1301").symlink_to(tmp_path / "v1300")  # the same folder named for another version
    with pytest.raises(InvalidArgumentError, match="materialization 1300"):
        microns_cave.dump_tables(tmp_path, materialization=1301, tables=["nucleus_detection_v0"], client=client)
    monkeypatch.setitem(sys.modules, "caveclient", None)  # not installed
    with pytest.raises(InvalidArgumentError, match=r"neuropil\[cave\]"):
        microns_cave.make_client()


def test_cli_dump(tmp_path: Path, fixture, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    client = FakeCaveClient(fixture.folder, version=1300)
    monkeypatch.setattr(microns_cave, "make_client", lambda datastack: client)
    code = cli.main(["microns", "dump", "--materialization", "1300", "--out", str(tmp_path / "d"),
                     "--tables", "nucleus_detection_v0,coregistration_manual_v4", "--chunk-rows", "300"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "nucleus_detection_v0: 120 rows" in printed and str(tmp_path / "d" / "v1300") in printed


def test_a_server_cap_below_chunk_rows_is_an_error_not_a_gap(tmp_path: Path, fixture) -> None:
    from neuropil.errors import RawFormatError

    client = FakeCaveClient(fixture.folder, server_limit=100)  # truncates every answer to 100 rows
    with pytest.raises(RawFormatError, match="3,000 rows"):
        microns_cave.dump_tables(tmp_path, materialization=1300, tables=["synapses_pni_2"], client=client,
                                 chunk_rows=400)
    assert not (tmp_path / "v1300" / "_dump.json").exists()
