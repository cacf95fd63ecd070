"""Loaders: PyG Data / HeteroData / InMemoryDataset, Hugging Face, networkx and pandas views of one ingest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import neuropil
from neuropil.errors import InvalidArgumentError, NotIngestedError

DATASET = "celegans-connectomes"


def edges(home: Path, connectome: str) -> pd.DataFrame:
    return neuropil.load(DATASET, connectome=connectome, format="pandas", home=home)


def test_pyg_data_matches_edge_table(ingested_home: Path) -> None:
    data = neuropil.load(DATASET, connectome="cook_2019", format="pyg", home=ingested_home)
    table = edges(ingested_home, "cook_2019")
    assert data.num_nodes == 300 and data.x.shape[0] == 300 and data.pos.shape == (300, 3)
    assert data.edge_attr_names == ["electrical", "chemical"]
    chemical = table[table["type"] == "chemical"]
    electrical = table[table["type"] == "electrical"]
    # chemical column carries each directed pair once; electrical each unordered pair in both directions
    assert data.edge_attr[:, 1].sum().item() == pytest.approx(chemical["weight"].sum())
    loops = electrical["pre_index"] == electrical["post_index"]
    expected_electrical = 2 * electrical.loc[~loops, "weight"].sum() + electrical.loc[loops, "weight"].sum()
    assert data.edge_attr[:, 0].sum().item() == pytest.approx(expected_electrical)
    assert int((data.edge_attr[:, 0] > 0).sum()) == 2 * int((~loops).sum()) + int(loops.sum())
    ei = data.edge_index.numpy()
    assert len({(a, b) for a, b in ei.T}) == ei.shape[1]  # one column per ordered pair
    row = chemical.iloc[0]
    hit = np.flatnonzero((ei[0] == row["pre_index"]) & (ei[1] == row["post_index"]))
    assert data.edge_attr[hit[0], 1].item() == row["weight"]
    assert data.node_names[row["pre_index"]] == row["pre"]


def test_node_labels_and_positions(ingested_home: Path, shared_data: Path) -> None:
    data = neuropil.load(DATASET, connectome="cook_2019", format="pyg", home=ingested_home)
    sheet = pd.read_csv(shared_data / "celegans" / "worm-graph" / "neuron_master_sheet.csv").set_index("label")
    types = ["sensory", "inter", "motor", "pharyngeal"]
    for i in (0, 57, 299):
        label = data.node_names[i]
        assert types[int(data.y[i])] == sheet.loc[label, "type"]
        assert data.pos[i].tolist() == pytest.approx(sheet.loc[label, ["x", "y", "z"]].astype(float).tolist(), rel=1e-6)
        assert data.x[i, int(data.y[i])] == 1.0


def test_hetero_has_one_edge_type_per_synapse_type(ingested_home: Path) -> None:
    data = neuropil.load(DATASET, connectome="witvliet_7", format="pyg", hetero=True, functional=True, home=ingested_home)
    table = edges(ingested_home, "witvliet_7")
    assert set(data.edge_types) == {("neuron", t, "neuron") for t in ("electrical", "chemical", "functional")}
    assert data["neuron", "chemical", "neuron"].edge_index.shape[1] == (table["type"] == "chemical").sum()
    assert data["neuron", "functional", "neuron"].edge_index.shape[1] == 0
    assert data["neuron"].num_nodes == 300


def test_functional_atlas_is_its_own_channel(ingested_home: Path) -> None:
    data = neuropil.load(DATASET, connectome="randi_2023", format="pyg", home=ingested_home)
    assert data.edge_attr_names == ["electrical", "chemical", "functional"]
    assert data.edge_attr[:, :2].abs().sum() == 0
    table = edges(ingested_home, "randi_2023")
    # every q < 0.05 pair is an edge, including ADER -> URYDL, which has no dF/F (NaN in the table, 0 here)
    assert data.edge_index.shape[1] == (table["type"] == "functional").sum()
    assert table["weight"].isna().sum() == 1
    assert torch.isfinite(data.edge_attr).all()
    assert data.edge_attr[:, 2].sum().item() == pytest.approx(table["weight"].sum(skipna=True), rel=1e-5)


def test_two_layer_gcn_forward(ingested_home: Path) -> None:
    from torch_geometric.nn import GCNConv

    data = neuropil.load(DATASET, connectome="cook_2019", format="pyg", home=ingested_home)
    torch.manual_seed(0)
    conv1, conv2 = GCNConv(data.num_features, 16), GCNConv(16, 4)
    weight = data.edge_attr.sum(dim=1)
    hidden = conv1(data.x, data.edge_index, weight).relu()
    out = conv2(hidden, data.edge_index, weight)
    assert out.shape == (300, 4) and torch.isfinite(out).all()
    loss = torch.nn.functional.cross_entropy(out, data.y)
    loss.backward()
    assert conv1.lin.weight.grad is not None and conv1.lin.weight.grad.abs().sum() > 0


def test_consensus_graph_and_min_reporting(ingested_home: Path) -> None:
    table = neuropil.load(DATASET, table="consensus", format="pandas", home=ingested_home)
    strong = neuropil.load(DATASET, connectome="consensus", format="pandas", min_reporting=5, home=ingested_home)
    assert len(strong) == (table["n_reporting"] >= 5).sum() > 0
    assert (table["n_reporting"] <= table["n_covering"]).all()
    data = neuropil.load(DATASET, connectome="consensus", format="pyg", min_reporting=5, home=ingested_home)
    assert data.edge_index.shape[1] > 0


def test_hf_dataset_has_real_features(ingested_home: Path) -> None:
    from datasets import ClassLabel

    dataset = neuropil.load(DATASET, connectome="cook_2019", format="hf", home=ingested_home)
    assert set(dataset) == {"neurons", "edges"}
    assert isinstance(dataset["edges"].features["type"], ClassLabel)
    assert dataset["neurons"].num_rows == 300
    assert dataset["edges"].num_rows == len(edges(ingested_home, "cook_2019"))
    first = dataset["edges"][0]
    assert dataset["edges"].features["type"].int2str(first["type"]) in {"chemical", "electrical"}


def test_hf_export_loads_offline_with_load_dataset(ingested_home: Path, tmp_path: Path) -> None:
    import datasets

    from neuropil.cli import main

    target = tmp_path / "hf"
    assert main(["export", DATASET, "--hf", str(target), "--home", str(ingested_home), "--quiet"]) == 0
    readme = (target / "README.md").read_text()
    assert readme.startswith("---\n") and "configs:" in readme and "license:" in readme and "Cook SJ" in readme
    # a private cache: the shared one keys an export by folder name, so another run's "hf" would be reused
    cache = str(tmp_path / "hf-cache")
    default = datasets.load_dataset(str(target), cache_dir=cache)  # the default config is the full edge table
    every_edge = pd.read_parquet(ingested_home / DATASET / "1.0.0" / "edges.parquet")
    assert default["train"].num_rows == len(every_edge)
    assert sorted(set(default["train"]["connectome"])) == sorted(set(every_edge["connectome"]))
    neurons = datasets.load_dataset(str(target), "neurons", cache_dir=cache)["train"]
    assert neurons.num_rows == 300 and neurons[0]["label"] == "ADAL"
    # exporting again over a non-empty folder needs --force
    assert main(["export", DATASET, "--hf", str(target), "--home", str(ingested_home), "--quiet"]) == 1
    assert main(["export", DATASET, "--hf", str(target), "--home", str(ingested_home), "--quiet", "--force"]) == 0


def test_networkx_multidigraph(ingested_home: Path) -> None:
    graph = neuropil.load(DATASET, connectome="white_1986_whole", format="networkx", home=ingested_home)
    table = edges(ingested_home, "white_1986_whole")
    assert graph.number_of_nodes() == 300
    chemical = table[table["type"] == "chemical"].iloc[3]
    assert graph[chemical["pre"]][chemical["post"]]["chemical"]["weight"] == chemical["weight"]
    electrical = table[(table["type"] == "electrical") & (table["pre"] != table["post"])].iloc[0]
    assert graph.has_edge(electrical["post"], electrical["pre"], key="electrical")
    assert graph.nodes["ADAL"]["type"] == "inter"


def test_bad_arguments_name_the_closest_value(ingested_home: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="Did you mean 'cook_2019'"):
        neuropil.load(DATASET, connectome="cook2019", format="pyg", home=ingested_home)
    with pytest.raises(InvalidArgumentError, match="Did you mean 'pyg'"):
        neuropil.load(DATASET, format="pyh", home=ingested_home)


def test_loading_before_ingest_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(NotIngestedError, match="neuropil ingest celegans-connectomes"):
        neuropil.load(DATASET, format="pandas", home=tmp_path / "empty")


def test_consensus_min_series_counts_animals_not_annotations(ingested_home: Path) -> None:
    """min_series filters on independent EM series: an edge re-read from the same micrographs by
    several annotations (n_reporting high, n_series 1) is dropped by min_series=2, kept by min_reporting=2."""
    table = neuropil.load(DATASET, table="consensus", format="pandas", home=ingested_home)
    two_animals = neuropil.load(DATASET, connectome="consensus", format="pandas", min_series=2, home=ingested_home)
    assert len(two_animals) == (table["n_series"] >= 2).sum() > 0
    assert (two_animals["n_series"] >= 2).all()
    re_read = table[(table["n_reporting"] >= 2) & (table["n_series"] == 1)]
    assert len(re_read) > 0  # such edges exist in the real sources
    by_reporting = neuropil.load(DATASET, connectome="consensus", format="pandas", min_reporting=2, home=ingested_home)
    key = ["pre_index", "post_index", "type"]
    kept = set(map(tuple, by_reporting[key].to_numpy().tolist()))
    dropped = set(map(tuple, two_animals[key].to_numpy().tolist()))
    sample = set(map(tuple, re_read[key].to_numpy().tolist()))
    assert sample <= kept and not (sample & dropped)
    graph = neuropil.load(DATASET, connectome="consensus", format="networkx", min_series=2, home=ingested_home)
    assert graph.number_of_edges() >= len(two_animals)
    data = neuropil.load(DATASET, connectome="consensus", format="pyg", min_series=3, home=ingested_home)
    assert 0 < data.edge_index.shape[1] <= 2 * (table["n_series"] >= 3).sum()
