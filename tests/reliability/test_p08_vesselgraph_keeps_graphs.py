"""Issue 14, point 8: `ingest vesselgraph --graph X` keeps the graphs ingested earlier (their rows
are copied from the published version, byte for byte the same tables), instead of replacing them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import neuropil
from neuropil import _store, cli
from neuropil.testing.vessels import write_vessel_graph

DATASET = "vesselgraph"


@pytest.fixture
def home(private_home) -> Path:
    return private_home(DATASET)


def tables(home: Path, graph: str) -> dict[str, pd.DataFrame]:
    return {name: neuropil.load(DATASET, table=name, graph=graph, format="pandas", home=home)
            for name in ("nodes", "edges", "link_split")}


def assert_same(first: dict[str, pd.DataFrame], second: dict[str, pd.DataFrame]) -> None:
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_a_second_graph_keeps_the_first(home: Path, shared_data: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    sample_before = tables(home, "sample")
    stats_before = _store.read_manifest(DATASET, "1.0.0", home)["stats"]["sample"]
    raw = tmp_path / "raw"
    nodes_csv, edges_csv = write_vessel_graph(raw, 1500, name="gen", seed=2)

    code = cli.main(["ingest", DATASET, "--graph", "gen", "--raw-dir", str(raw), "--allow-unverified",
                     "--home", str(home)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0] == f"{DATASET} 1.0.0: built at {home / DATASET / '1.0.0'}"
    assert "missing source" not in out  # the sample's raw files are not in this raw folder, and need not be
    manifest = _store.read_manifest(DATASET, "1.0.0", home)
    assert manifest["graphs"] == ["sample", "gen"]
    assert manifest["stats"]["sample"] == stats_before
    assert {"example_nodes.csv", "example_edges.csv", "gen/nodes.csv", "gen/edges.csv"} <= set(manifest["inputs"])
    assert_same(sample_before, tables(home, "sample"))
    generated = tables(home, "gen")
    raw_edges = pd.read_csv(edges_csv, sep=";")
    assert len(generated["nodes"]) == len(pd.read_csv(nodes_csv, sep=";"))
    assert len(generated["edges"]) == manifest["stats"]["gen"]["edges"] < len(raw_edges)  # loops/duplicates cleaned
    assert neuropil.load(DATASET, graph="sample", task="link", format="pyg", home=home) is not None

    # the same request again is a no-op; the sample again keeps the generated graph
    assert cli.main(["ingest", DATASET, "--graph", "gen", "--raw-dir", str(raw), "--allow-unverified",
                     "--home", str(home), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "up-to-date"
    assert cli.main(["ingest", DATASET, "--raw-dir", str(shared_data), "--home", str(home), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["status"] == "built" and sorted(again["graphs"]) == ["gen", "sample"]
    assert_same(sample_before, tables(home, "sample"))
    assert_same(generated, tables(home, "gen"))


def test_a_graph_that_cannot_be_kept_is_not_dropped_silently(home: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    sample_before = tables(home, "sample")
    raw = tmp_path / "raw"
    write_vessel_graph(raw, 1500, name="gen", seed=2)
    # another split seed: the sample's stored split is not this one, so it cannot be copied over
    code = cli.main(["ingest", DATASET, "--graph", "gen", "--raw-dir", str(raw), "--allow-unverified",
                     "--home", str(home)])
    capsys.readouterr()
    assert code == 0
    from neuropil.pipelines import ingest
    from neuropil.errors import PublishRefusedError

    with pytest.raises(PublishRefusedError, match=r"would lose graphs sample; input files example_edges.csv"):
        ingest(DATASET, graph="gen", raw_dir=raw, allow_unverified=True, split_seed=1, home=home)
    assert _store.read_manifest(DATASET, "1.0.0", home)["graphs"] == ["sample", "gen"]
    assert_same(sample_before, tables(home, "sample"))
    result = ingest(DATASET, graph="gen", raw_dir=raw, allow_unverified=True, split_seed=1, home=home, force=True)
    assert result.manifest["graphs"] == ["gen"]
