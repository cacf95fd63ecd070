"""Legacy VTK polydata: the real sample against its own CSVs, and the fixture writer's four layouts.

Expected values come from the CSV text (``csv.reader``), never from neuropil's readers."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from neuropil import load
from neuropil.errors import RawFormatError
from neuropil.pipelines import ingest
from neuropil.pipelines.vesselgraph_vtk import read_legacy_vtk, voreen_tables
from neuropil.testing.vessels import vessel_graph, write_legacy_vtk, write_voreen_csv


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def test_the_real_sample_vtk_matches_its_csvs(shared_data: Path) -> None:
    folder = shared_data / "vessels" / "vesselgraph_sample"
    nodes = _csv_rows(folder / "example_nodes.csv")
    edges = _csv_rows(folder / "example_edges.csv")
    data = read_legacy_vtk(folder / "example_graph.vtk")
    assert data.version == "4.2" and data.points.shape == (len(nodes), 3) == (2970, 3)
    expected_pos = np.array([[float(r[c]) for c in ("pos_x", "pos_y", "pos_z")] for r in nodes])
    assert np.abs(data.points - expected_pos).max() < 1e-3  # the CSV prints 6 significant digits
    assert [tuple(map(int, line)) for line in data.lines] == [(int(r["node1id"]), int(r["node2id"])) for r in edges]
    assert np.allclose(data.cell_data["radius"], [float(r["avgRadiusAvg"]) for r in edges], rtol=1e-5)
    assert np.array_equal(data.point_data["degree"], [float(r["degree"]) for r in nodes])

    # ingested as "sample_vtk", it cleans to the same graph as the CSV sample (13 self-loops, 14 duplicates)
    result = ingest("vesselgraph", graph="sample,sample_vtk", raw_dir=shared_data, progress=False)
    stats = result.manifest["stats"]
    for key in ("nodes", "edges", "self_loops_removed", "duplicates_removed", "raw_degree_mismatches"):
        assert stats["sample_vtk"][key] == stats["sample"][key], key
    assert (stats["sample_vtk"]["nodes"], stats["sample_vtk"]["edges"]) == (2970, 3035)
    assert stats["sample_vtk"]["spatial_delta"] is None  # no `distance` in the VTK: no spatial negatives
    frame = load("vesselgraph", table="edges", graph="sample_vtk", format="pandas")
    reference = load("vesselgraph", table="edges", graph="sample", format="pandas")
    assert np.array_equal(frame[["source", "target"]].to_numpy(), reference[["source", "target"]].to_numpy())
    assert np.allclose(frame["avgRadiusAvg"], reference["avgRadiusAvg"], rtol=1e-5)
    assert frame["length"].isna().all()


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("version", ["4.2", "5.1"])
def test_fixture_layouts_round_trip(tmp_path: Path, binary: bool, version: str) -> None:
    graph = vessel_graph(400, seed=4)
    path = write_legacy_vtk(tmp_path / "g.vtk", graph, binary=binary, version=version)
    data = read_legacy_vtk(path)
    nodes, edges = voreen_tables(data, source=str(path))
    row_of = {int(raw): i for i, raw in enumerate(graph.nodes["id"])}
    assert np.array_equal(edges["node1id"], [row_of[int(a)] for a in graph.edges["node1id"]])
    assert np.array_equal(edges["node2id"], [row_of[int(b)] for b in graph.edges["node2id"]])
    assert np.array_equal(nodes["pos_x"], graph.nodes["pos_x"])
    assert np.array_equal(nodes["degree"], graph.nodes["degree"])
    assert np.array_equal(edges["avgRadiusAvg"], graph.edges["avgRadiusAvg"])


def test_an_unregistered_vtk_graph_ingests_like_its_csv_twin(tmp_path: Path) -> None:
    graph = vessel_graph(800, seed=6)
    raw = tmp_path / "raw"
    write_voreen_csv(raw, graph, name="twin_csv")
    write_legacy_vtk(raw / "twin_vtk.vtk", graph)
    result = ingest("vesselgraph", graph="twin_csv,twin_vtk", raw_dir=raw, home=tmp_path / "h",
                    allow_unverified=True, progress=False)
    stats = result.manifest["stats"]
    for key in ("nodes", "edges", "self_loops_removed", "duplicates_removed"):
        assert stats["twin_vtk"][key] == stats["twin_csv"][key]
    assert stats["twin_vtk"]["self_loops_removed"] > 0 and stats["twin_vtk"]["duplicates_removed"] > 0
    assert not result.manifest["inputs"]["twin_vtk/graph.vtk"]["verified"]


def test_damaged_vtk_files_raise_typed_errors(tmp_path: Path) -> None:
    graph = vessel_graph(100, seed=1)
    good = write_legacy_vtk(tmp_path / "good.vtk", graph).read_bytes()
    cases = {
        "truncated": good[: len(good) // 2],
        "not vtk": b"id;pos_x\n1;2\n",
        "unstructured": good.replace(b"DATASET POLYDATA", b"DATASET UNSTRUCTURED_GRID"),
        "bad count": good.replace(b"CELL_DATA ", b"CELL_DATA 9"),
    }
    for name, content in cases.items():
        path = tmp_path / f"{name.replace(' ', '_')}.vtk"
        path.write_bytes(content)
        with pytest.raises(RawFormatError, match=str(path.name)):
            voreen_tables(read_legacy_vtk(path))
    polyline = tmp_path / "polyline.vtk"
    text = ("# vtk DataFile Version 4.2\nx\nASCII\nDATASET POLYDATA\nPOINTS 3 double\n0 0 0 1 0 0 2 0 0\n"
            "LINES 1 4\n3 0 1 2\n")
    polyline.write_text(text)
    with pytest.raises(RawFormatError, match="exactly 2 points"):
        voreen_tables(read_legacy_vtk(polyline), source=str(polyline))


def test_metadata_blocks_are_skipped_wherever_they_stand(tmp_path: Path) -> None:
    path = tmp_path / "meta.vtk"
    path.write_text("# vtk DataFile Version 5.1\nx\nASCII\nDATASET POLYDATA\nPOINTS 2 double\n0 0 0 1 1 1\n"
                    "METADATA\nINFORMATION 0\n\nLINES 2 2\nOFFSETS vtktypeint64\n0 2\nCONNECTIVITY vtktypeint64\n0 1\n"
                    "CELL_DATA 1\nSCALARS radius double\nLOOKUP_TABLE default\n2.5\nMETADATA\nINFORMATION 0\n\n")
    data = read_legacy_vtk(path)
    assert [line.tolist() for line in data.lines] == [[0, 1]] and data.cell_data["radius"].tolist() == [2.5]
