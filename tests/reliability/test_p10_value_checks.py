"""Issue 14 point 10: unverified routes check values. A NaN in a required column, a negative or
infinite length, size or count, a repeated synapse id, an infinite trace, a missing zarr chunk of a
label volume: each is an error naming the file, the column and the count (exit 1, one line), and
the version published before stays as it was.

Bad inputs are written with the fixture writers of :mod:`neuropil.testing` and then damaged by one
value, so each test fails if that single value got through.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from neuropil.cli import main
from neuropil.errors import InvalidValueError, RawFormatError


def _fails(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.count("\n") == 1 and err.startswith("neuropil: error: ") and "Traceback" not in err, err
    return err


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------- VesselGraph

@pytest.mark.parametrize(("column", "value", "expected"), [
    ("length", np.nan, r"column 'length' is empty or NaN on 1 data row\(s\) \(first data row 8\)"),
    ("length", -4.5, r"column 'length' has 1 negative value\(s\) \(first on data row 8\); expected a finite value >= 0"),
    ("avgRadiusAvg", np.inf, r"column 'avgRadiusAvg' has 1 infinite value\(s\) \(first on data row 8\)"),
    ("volume", -3, r"column 'volume' has 1 negative value\(s\)"),
    ("pos_x", np.inf, r"nodes\.csv: column 'pos_x' has 1 infinite value\(s\)"),
])
def test_vessel_values_are_checked_and_the_published_graph_kept(
        column: str, value: float, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from neuropil.testing.vessels import vessel_graph, write_voreen_csv

    raw, home = tmp_path / "raw", tmp_path / "home"
    graph = vessel_graph(200, seed=1)
    write_voreen_csv(raw, graph, name="gen")
    argv = ["ingest", "vesselgraph", "--graph", "gen", "--raw-dir", str(raw), "--home", str(home),
            "--allow-unverified", "--quiet"]
    assert main(argv) == 0
    published = _files(home / "vesselgraph" / "1.0.0")
    table = graph.nodes if column.startswith("pos_") else graph.edges
    values = np.array(table[column], dtype=np.float64 if np.isnan(value) or np.isinf(value) else None)
    values[7] = value
    table[column] = values
    write_voreen_csv(raw, graph, name="gen")
    err = _fails(capsys, argv)
    assert re.search(expected, err), err
    assert "gen_" in err  # names the file
    assert _files(home / "vesselgraph" / "1.0.0") == published


def test_vtk_points_and_cell_values_are_checked(tmp_path: Path) -> None:
    from neuropil.pipelines.vesselgraph_vtk import read_legacy_vtk, voreen_tables
    from neuropil.testing.vessels import vessel_graph, write_legacy_vtk

    graph = vessel_graph(100, seed=2)
    positions = np.array(graph.nodes["pos_y"], dtype=np.float64)
    positions[3] = np.inf
    graph.nodes["pos_y"] = positions
    path = write_legacy_vtk(tmp_path / "g.vtk", graph)
    with pytest.raises(InvalidValueError, match=r"g\.vtk: column 'pos_y' has 1 infinite value\(s\) \(first on data row 4\)"):
        voreen_tables(read_legacy_vtk(path), source=str(path))
    graph = vessel_graph(100, seed=2)
    radius = np.array(graph.edges["avgRadiusAvg"], dtype=np.float64)
    radius[[5, 9]] = -1.0
    graph.edges["avgRadiusAvg"] = radius
    path = write_legacy_vtk(tmp_path / "r.vtk", graph)
    with pytest.raises(InvalidValueError, match=r"r\.vtk: column 'avgRadiusAvg' has 2 negative value\(s\)"):
        voreen_tables(read_legacy_vtk(path), source=str(path))


# ------------------------------------------------------------------------------------ minnie65 dumps

def _minnie(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from neuropil.testing.microns import write_minnie65_tables

    fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=3000, n_nuclei=120, fmt="parquet",
                                    shards=2, chunk_rows=1000, seed=5)
    home = tmp_path / "home"
    argv = ["ingest", "microns-minnie65", "--tables", str(fixture.folder), "--materialization", "661",
            "--home", str(home), "--quiet"]
    assert main(argv) == 0
    return fixture, argv, home, _files(home / "microns-minnie65" / "1.0.0")


def _rewrite(path: Path, change) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    pq.write_table(change(table), path)


def _set(table, column: str, rows: list[int], value):
    import pyarrow as pa

    values = table[column].to_pylist()
    for row in rows:
        values[row] = value
    return table.set_column(table.schema.get_field_index(column), column, pa.array(values, table.schema.field(column).type))


@pytest.mark.parametrize(("table", "column", "rows", "value", "expected"), [
    ("synapses", "size", [4, 17, 18], None, r"column 'size' has 3 null value\(s\) in rows 0-"),
    ("synapses", "pre_pt_root_id", [2], None, r"column 'pre_pt_root_id' has 1 null value\(s\)"),
    ("synapses", "id", [0, 1], None, r"column 'id' has 2 null value\(s\)"),
    ("synapses", "size", [9, 10], -7, r"column 'size' has 2 negative value\(s\)"),
    ("nuclei", "pt_root_id", [3, 4, 5, 6], None, r"column 'pt_root_id' of nucleus_detection_v0 has 4 null value\(s\)"),
    ("nuclei", "id", [8], None, r"column 'id' of nucleus_detection_v0 has 1 null value\(s\)"),
])
def test_minnie65_nulls_and_negative_sizes_are_refused(table: str, column: str, rows: list[int], value, expected: str,
                                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixture, argv, home, published = _minnie(tmp_path, capsys)
    if table == "synapses":
        target = fixture.synapse_files[0]
    else:
        target = next(fixture.folder.glob("nucleus_detection_v0*"))
        target = target if target.is_file() else sorted(target.iterdir())[0]
    _rewrite(target, lambda t: _set(t, column, rows, value))
    err = _fails(capsys, [*argv, "--force"])
    assert re.search(expected, err), err
    assert target.name in err or str(target.parent) in err
    assert _files(home / "microns-minnie65" / "1.0.0") == published


def test_minnie65_repeated_synapse_ids_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow.parquet as pq

    fixture, argv, home, published = _minnie(tmp_path, capsys)
    first = fixture.synapse_files[0]
    # a dump written twice: the first shard's rows again under another shard name
    shutil.copy(first, first.with_name("zz-again" + first.suffix))
    err = _fails(capsys, [*argv, "--force"])
    ids = pq.read_table(first)["id"].to_pylist()
    match = re.search(r"synapses_pni_2: column 'id' repeats ([\d,]+) value\(s\) \(e\.g\. id (\d+)\)", err)
    assert match, err
    assert int(match.group(1).replace(",", "")) == len(ids)  # 3000 rows fit one bucket: every copy counted
    assert int(match.group(2)) in set(ids)
    assert _files(home / "microns-minnie65" / "1.0.0") == published


# ------------------------------------------------------------------------------- activity traces

def test_infinite_trace_values_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from neuropil.testing.celegans_activity import leifer2023 as leifer_fixture

    raw, home = tmp_path / "raw", tmp_path / "home"
    leifer_fixture.write(raw / "Leifer2023", seed=3)
    argv = ["ingest", "celegans-activity", "--source", "Leifer2023", "--allow-unverified", "--raw-dir", str(raw),
            "--home", str(home), "--quiet"]
    assert main(argv) == 0
    published = _files(home / "celegans-activity" / "1.0.0")
    gcamp = raw / "Leifer2023" / "1_gcamp.txt"
    lines = gcamp.read_text().splitlines()
    for row in (10, 11, 400):
        values = lines[row].split(" ")
        values[0] = "inf" if row != 400 else "-inf"
        lines[row] = " ".join(values)
    gcamp.write_text("\n".join(lines) + "\n")
    err = _fails(capsys, argv)
    assert re.search(r"Leifer2023/1_gcamp\.txt \(worm [^)]*\): column 'traces' has 3 infinite value\(s\) \(first on "
                     r"data row 11, column 0\)", err), err
    assert _files(home / "celegans-activity" / "1.0.0") == published


# ------------------------------------------------------------------------------ FISBe label chunks

def test_missing_label_chunk_is_refused_not_read_as_background(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An instance of 12 voxels across two chunks; with one chunk file gone zarr reads 6 of them."""
    import zarr

    from neuropil.formats.fisbe_volumes import read_gt_instances
    from neuropil.testing.fisbe import label_lines, line_neurons, write_fisbe_zarr, write_prediction

    shape = (4, 8, 16)
    gt = write_fisbe_zarr(tmp_path / "s.zarr", line_neurons(shape, [[(1, 2, 2, 14)]]), chunks=(1, 4, 8, 8))
    assert [v.size for v in read_gt_instances(gt).voxels] == [12]
    chunk = gt / "volumes" / "gt_instances" / "0.0.0.1"
    assert chunk.is_file()
    chunk.unlink()
    array = zarr.open_group(str(gt), mode="r")["volumes/gt_instances"]
    assert int((np.asarray(array[:]) > 0).sum()) == 6  # what zarr alone would have scored
    with pytest.raises(RawFormatError, match=r"gt_instances: 1 of 2 chunks are missing"):
        read_gt_instances(gt)
    pred = write_prediction(tmp_path / "s.hdf", label_lines(shape, {5: [(1, 2, 2, 14)]}))
    err = _fails(capsys, ["fisbe", "eval", "--gt", str(gt), "--pred", str(pred), "--min-size", "0"])
    assert "s.zarr/volumes/gt_instances: 1 of 2 chunks are missing" in err


@pytest.mark.parametrize(("time", "interval", "expected"), [
    ("inf", None, r"S/w\.txt \(worm w0\): column 'time' has 1 infinite value\(s\) \(first on data row 700\)"),
    ("nan", None, r"column 'time' has 1 NaN value\(s\)"),
    (None, float("inf"), r"frame interval inf s; expected a positive, finite number of seconds"),
    (None, 0.0, r"frame interval 0.0 s"),
])
def test_time_vectors_and_frame_intervals_are_checked(time, interval, expected: str) -> None:
    from neuropil.pipelines.celegans_activity import homogenize, parameters
    from neuropil.pipelines.celegans_activity.raw import RawRecording

    frames = 800
    stamps = None
    if time is not None:
        stamps = np.arange(frames) * 0.5
        stamps[699] = float(time)
    recording = RawRecording(study="S", file="w.txt", worm="w0", traces=np.ones((frames, 2)), labels=["AVAL", "AVAR"],
                             time=stamps, frame_interval=interval)
    with pytest.raises(InvalidValueError, match=expected):
        homogenize([recording], parameters())
