"""VesselGraph ingestion: counts re-derived from the raw CSVs with the ``csv`` module and plain sets.

Nothing here uses neuropil's reader: every expected number is computed from the file with
``csv.reader(delimiter=";")``, dicts and sets, then compared with what ``neuropil info --json``
reports and with the published tables. On the real sample this gives 2,970 nodes, 3,062 edge rows,
13 self-loops, 14 duplicate rows and 3,035 undirected edges after cleaning.
"""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import numpy as np
import pytest

from neuropil import cli, load
from neuropil.errors import InvalidArgumentError, RawFormatError, SourceUnavailableError, UnverifiedSourceError
from neuropil.pipelines import ingest
from neuropil.testing.vessels import write_vessel_graph


def _derive(nodes_path: Path, edges_path: Path) -> dict:
    """Everything the tests expect, from the CSV text alone."""
    with open(nodes_path, newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, node_rows = rows[0], rows[1:]
    column = {name: i for i, name in enumerate(header)}
    node_ids = [int(r[column["id"]]) for r in node_rows]
    raw_degree = {int(r[column["id"]]): int(r[column["degree"]]) for r in node_rows}
    border = {int(r[column["id"]]): r[column["isAtSampleBorder"]] == "1" for r in node_rows}
    with open(edges_path, newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, edge_rows = rows[0], rows[1:]
    column = {name: i for i, name in enumerate(header)}
    loops, seen, duplicates, classes = 0, {}, 0, [0, 0, 0]
    for r in edge_rows:
        a, b = int(r[column["node1id"]]), int(r[column["node2id"]])
        if a == b:
            loops += 1
            continue
        pair = (min(a, b), max(a, b))
        if pair in seen:
            duplicates += 1
            continue
        seen[pair] = float(r[column["distance"]])
        radius = float(r[column["minRadiusAvg"]])
        classes[0 if radius <= 5 else 1 if radius <= 13.33 else 2] += 1
    degree = {i: 0 for i in node_ids}
    for a, b in seen:
        degree[a] += 1
        degree[b] += 1
    distances = list(seen.values())
    return {"nodes": len(node_ids), "rows": len(edge_rows), "self_loops": loops, "duplicates": duplicates,
            "pairs": set(seen), "degree": degree, "classes": classes, "raw_degree": raw_degree, "border": border,
            "delta": statistics.fmean(distances) + 2 * statistics.pstdev(distances)}


def _info(capsys: pytest.CaptureFixture, home: Path) -> dict:
    capsys.readouterr()
    assert cli.main(["info", "vesselgraph", "--json", "--home", str(home)]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def sample_home(shared_data: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    ingest("vesselgraph", raw_dir=shared_data, home=home, progress=False)
    return home


def test_sample_stats_match_the_csv_files(shared_data: Path, sample_home: Path, capsys) -> None:
    folder = shared_data / "vessels" / "vesselgraph_sample"
    expected = _derive(folder / "example_nodes.csv", folder / "example_edges.csv")
    stats = _info(capsys, sample_home)["stats"]["sample"]
    assert stats["nodes"] == expected["nodes"] == 2970
    assert stats["raw_edge_rows"] == expected["rows"] == 3062
    assert stats["self_loops_removed"] == expected["self_loops"] == 13
    assert stats["duplicates_removed"] == expected["duplicates"] == 14
    assert stats["edges"] == len(expected["pairs"]) == 3035
    assert stats["spatial_delta"] == pytest.approx(expected["delta"], rel=1e-9)


def test_sample_tables_recompute_degrees_and_keep_border_flags(shared_data: Path, sample_home: Path) -> None:
    folder = shared_data / "vessels" / "vesselgraph_sample"
    expected = _derive(folder / "example_nodes.csv", folder / "example_edges.csv")
    nodes = load("vesselgraph", table="nodes", format="pandas", home=sample_home)
    edges = load("vesselgraph", table="edges", format="pandas", home=sample_home)
    raw_ids = nodes["raw_id"].tolist()
    assert dict(zip(raw_ids, nodes["degree"].tolist())) == expected["degree"]
    assert dict(zip(raw_ids, nodes["raw_degree"].tolist())) == expected["raw_degree"]
    assert dict(zip(raw_ids, nodes["is_at_sample_border"].tolist())) == expected["border"]
    pairs = {(raw_ids[s], raw_ids[t]) for s, t in zip(edges["source"], edges["target"])}
    assert {(min(p), max(p)) for p in pairs} == expected["pairs"]
    # float attributes stay floats (a published defect cast them to integers)
    assert edges["distance"].dtype == np.float64 and not np.allclose(edges["distance"], edges["distance"].round())


def test_sample_line_graph_has_three_classes_from_min_radius(shared_data: Path, sample_home: Path) -> None:
    folder = shared_data / "vessels" / "vesselgraph_sample"
    expected = _derive(folder / "example_nodes.csv", folder / "example_edges.csv")
    data = load("vesselgraph", task="node", format="pyg", home=sample_home)
    assert data.num_classes == 3
    assert np.bincount(data.y.numpy(), minlength=3).tolist() == expected["classes"] == [3008, 27, 0]
    degree = np.array(list(expected["degree"].values()))
    assert data.edge_index.shape[1] == 2 * int((degree * (degree - 1) // 2).sum())  # vessel pairs per bifurcation
    assert (data.train_mask.sum(), data.valid_mask.sum(), data.test_mask.sum()) == (2427, 304, 304)


def test_generated_graph_ingests_with_counts_from_its_csv(tmp_path: Path, capsys) -> None:
    raw = tmp_path / "raw"
    nodes_path, edges_path = write_vessel_graph(raw, 3000, name="gen3k", seed=4)
    expected = _derive(nodes_path, edges_path)
    assert expected["self_loops"] > 0 and expected["duplicates"] > 0  # the quirks are there to clean
    home = tmp_path / "home"
    with pytest.raises(UnverifiedSourceError, match="--allow-unverified"):
        ingest("vesselgraph", graph="gen3k", raw_dir=raw, home=home, progress=False)
    ingest("vesselgraph", graph="gen3k", raw_dir=raw, home=home, allow_unverified=True, progress=False)
    stats = _info(capsys, home)["stats"]["gen3k"]
    assert (stats["nodes"], stats["edges"]) == (expected["nodes"], len(expected["pairs"]))
    assert (stats["self_loops_removed"], stats["duplicates_removed"]) == (expected["self_loops"], expected["duplicates"])
    assert stats["raw_degree_mismatches"] == 0
    degrees = np.array(list(expected["degree"].values()))
    assert np.mean((degrees >= 1) & (degrees <= 3)) > 0.6  # vessel-like: mostly 1-3


def test_link_split_is_seeded_complete_and_spatial_negatives_respect_the_cube(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    nodes_path, edges_path = write_vessel_graph(raw, 2500, name="gen", seed=1)
    expected = _derive(nodes_path, edges_path)
    hashes = []
    for run, seed in enumerate((0, 0, 1)):
        home = tmp_path / f"home{run}"
        result = ingest("vesselgraph", graph="gen", raw_dir=raw, home=home, allow_unverified=True, split_seed=seed,
                        progress=False)
        hashes.append(result.manifest["stats"]["gen"]["link_split_sha256"])
    assert hashes[0] == hashes[1] != hashes[2]
    nodes = load("vesselgraph", table="nodes", graph="gen", format="pandas", home=tmp_path / "home0")
    split = load("vesselgraph", table="link_split", graph="gen", format="pandas", home=tmp_path / "home0")
    raw_id = nodes["raw_id"].to_numpy()
    pos = {int(raw_id[i]): p for i, p in enumerate(nodes[["pos_x", "pos_y", "pos_z"]].to_numpy())}
    to_raw = lambda frame: {(min(a, b), max(a, b)) for a, b in zip(raw_id[frame["source"]], raw_id[frame["target"]])}  # noqa: E731
    positives = {name: to_raw(split[(split["split"] == name) & (split["kind"] == "pos")])
                 for name in ("train", "valid", "test")}
    assert positives["train"] | positives["valid"] | positives["test"] == expected["pairs"]
    total = len(expected["pairs"])
    assert [len(positives[n]) for n in ("train", "valid", "test")] == [total - 2 * round(total / 10)] + [round(total / 10)] * 2
    all_negatives = set()
    for name in ("train", "valid", "test"):
        for kind in ("neg_random", "neg_spatial"):
            frame = split[(split["split"] == name) & (split["kind"] == kind)]
            pairs = to_raw(frame)
            assert len(pairs) == len(frame) == len(positives[name])  # as many as positives, none twice
            assert not pairs & expected["pairs"]  # no negative is a true edge
            assert all(a != b for a, b in pairs)
            all_negatives |= {(kind, p) for p in pairs}
            if kind == "neg_spatial":
                for a, b in pairs:  # every spatial pair lies inside the cube of half-width delta
                    assert max(abs(pos[a][k] - pos[b][k]) for k in range(3)) <= expected["delta"] + 1e-9
    assert len(all_negatives) == 2 * total  # negatives never repeat across splits


def test_link_view_is_ogb_shaped(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_vessel_graph(raw, 1500, name="gen", seed=2)
    ingest("vesselgraph", graph="gen", raw_dir=raw, home=tmp_path / "h", allow_unverified=True, progress=False)
    ds = load("vesselgraph", graph="gen", task="link", format="pyg", home=tmp_path / "h")
    split = ds.get_edge_split()
    assert set(split) == {"train", "valid", "test"}
    for part in split.values():
        assert part["edge"].shape == part["edge_neg"].shape and part["edge"].shape[1] == 2
        assert part["edge_attr"].shape == (part["edge"].shape[0], 5)
    # the message-passing graph holds the train positives only, in both directions
    assert ds[0].edge_index.shape[1] == 2 * split["train"]["edge"].shape[0]


def test_bad_inputs_raise_typed_errors(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    nodes_path, edges_path = write_vessel_graph(raw, 200, name="bad", seed=0)
    text = edges_path.read_text().splitlines()
    edges_path.write_text("\n".join([text[0].replace("node2id", "nodeTwo")] + text[1:]) + "\n")
    with pytest.raises(RawFormatError, match="node2id"):
        ingest("vesselgraph", graph="bad", raw_dir=raw, home=tmp_path / "h1", allow_unverified=True, progress=False)
    lines = [text[0], "0;0;999999;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;0"] + text[2:]
    edges_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RawFormatError, match="999999"):
        ingest("vesselgraph", graph="bad", raw_dir=raw, home=tmp_path / "h2", allow_unverified=True, progress=False)
    # a whole brain is downloaded only with --allow-unverified (tests/reliability/test_p02_archives.py)
    with pytest.raises(UnverifiedSourceError, match="BALBc_no1_raw.zip has no registered SHA-256"):
        ingest("vesselgraph", graph="BALBc_no1", raw_dir=raw, home=tmp_path / "h4", progress=False)
    with pytest.raises(SourceUnavailableError, match="downloads are off.*BALBc_no1_raw.zip"):  # conftest: offline
        ingest("vesselgraph", graph="BALBc_no1", raw_dir=raw, home=tmp_path / "h4", allow_unverified=True,
               progress=False)
    with pytest.raises(InvalidArgumentError, match="Unknown value 'nope' for argument graph"):
        ingest("vesselgraph", graph="nope", raw_dir=raw, home=tmp_path / "h3", progress=False)


def test_spatial_negatives_do_not_depend_on_the_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of candidates are drawn on a thread pool, each with a generator spawned in chunk order:
    1 thread and 3 threads must give the same pairs (several chunks here), all inside the cube."""
    from neuropil.pipelines import vesselgraph_sampling as sampling
    from neuropil.testing.vessels import vessel_graph

    graph = vessel_graph(60_000, seed=3)
    pos = np.stack([graph.nodes[c] for c in ("pos_x", "pos_y", "pos_z")], axis=1)
    delta = 40.0
    runs = []
    monkeypatch.setattr(sampling, "_CHUNK_SLOTS", 4096)  # 15 chunks of source nodes
    for threads in (1, 3):
        monkeypatch.setattr(sampling, "_THREADS", threads)
        runs.append(sampling.spatial_negatives(pos, 150_000, delta=delta, rng=np.random.default_rng(5)))
    assert runs[0].shape == (150_000, 2) and np.array_equal(runs[0], runs[1])
    assert (np.abs(pos[runs[0][:, 0]] - pos[runs[0][:, 1]]) <= delta).all()


def test_spatial_targets_are_uniform_over_the_cube_and_cover_it() -> None:
    """Conditional on its source, an accepted target is uniform over the other nodes of the cube
    (chi-square summed over sources, clustered positions so that a per-cell or per-run bias would
    show), and every node of every cube can be drawn."""
    from neuropil.pipelines.vesselgraph_sampling import SpatialGrid

    rng = np.random.default_rng(11)
    centres = rng.uniform(0, 100, size=(6, 3))
    pos = np.round(np.concatenate([centres[rng.integers(0, 6, 300)] + rng.normal(0, 8, (300, 3)),
                                   rng.uniform(0, 100, (100, 3))]))
    delta = 9.0
    grid = SpatialGrid(pos, delta)
    u, v, drawn = grid.draw(2_000_000, np.random.default_rng(3))
    assert drawn > 1_900_000 and u.size > 0
    assert (np.abs(pos[u] - pos[v]) <= delta).all() and (u != v).all()
    counts = np.zeros((pos.shape[0], pos.shape[0]))
    np.add.at(counts, (u, v), 1)
    chi2, dof = 0.0, 0
    for source in range(pos.shape[0]):
        cube = np.flatnonzero((np.abs(pos - pos[source]) <= delta).all(axis=1))
        cube = cube[cube != source]
        row = counts[source]
        assert row.sum() == row[cube].sum()  # nothing outside the cube
        if cube.size < 2:
            continue
        assert (row[cube] > 0).all()  # every node of the cube is reachable
        expected = row.sum() / cube.size
        chi2 += float(((row[cube] - expected) ** 2 / expected).sum())
        dof += cube.size - 1
    assert dof > 1000
    assert abs(chi2 - dof) < 5 * np.sqrt(2 * dof), (chi2, dof)
