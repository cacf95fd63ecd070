"""The ``axis="all"`` table (every cell) and its graphs. The counts are cross-checked elsewhere:
every cell pair of Cook 2019 (both sexes) against cect's readers in test_celegans_peer_cect.py, the
male's counts by an independent openpyxl route in test_celegans_stats.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import neuropil

DATASET = "celegans-connectomes"


# ------------------------------------------------------------------ the axis and the loader

def test_cells_axis_extends_the_neuron_axis(ingested_home: Path) -> None:
    cells = neuropil.load(DATASET, table="cells", format="pandas", home=ingested_home)
    neurons = neuropil.load(DATASET, table="neurons", format="pandas", home=ingested_home)
    assert cells["label"].is_unique and cells["index"].tolist() == list(range(len(cells)))
    assert cells["label"].iloc[:300].tolist() == neurons["label"].tolist()
    classes = cells["cell_class"].tolist()
    assert classes[:302] == ["neuron"] * 302 and classes[302:392] == ["male_neuron"] * 90
    assert cells["label"].iloc[300:302].tolist() == ["CANL", "CANR"]
    rest = cells.iloc[392:]
    assert set(rest["cell_class"]) <= {"muscle", "other_cell", "model_neuron", "unknown"} and len(rest) > 100
    # Haspel & O'Donovan's model extends the cord to a twelfth AS and VB, cells no animal has
    assert cells.loc[cells["cell_class"] == "model_neuron", "label"].tolist() == ["AS12", "VB12"]
    # one body-wall muscle, one row: OpenWorm's MDL05 and White's BWM-DL05 are Cook's dBWML5
    assert "dBWML5" in set(cells["label"]) and not {"MDL05", "BWM-DL05"} & set(cells["label"])


def test_all_axis_graph_holds_the_neuron_graph(ingested_home: Path) -> None:
    neurons_only = neuropil.load(DATASET, connectome="cook_2019", format="pyg", home=ingested_home)
    every_cell = neuropil.load(DATASET, connectome="cook_2019", format="pyg", axis="all", home=ingested_home)
    assert every_cell.num_nodes > 600 and every_cell.node_names[:300] == neurons_only.node_names
    inside = (every_cell.edge_index < 300).all(dim=0)
    assert torch.equal(every_cell.edge_index[:, inside], neurons_only.edge_index)
    assert torch.equal(every_cell.edge_attr[inside], neurons_only.edge_attr)
    assert (~inside).sum() > 1000  # neuromuscular and glial edges are there
    assert every_cell.x.shape == (every_cell.num_nodes, neurons_only.x.shape[1] + 6)  # one-hot of 6 cell classes
    assert bool(every_cell.has_pos[:300].all()) and not bool(every_cell.has_pos[300:].any())


def test_male_graph_has_male_neurons_and_neuron_axis_default(ingested_home: Path) -> None:
    male = neuropil.load(DATASET, connectome="cook_2019_male", format="pyg", axis="all", home=ingested_home)
    names = male.node_names
    hits = {names[i] for i in male.edge_index.flatten().tolist()}
    assert {"CA2", "SPCL", "R1AL", "HOA"} <= hits
    default = neuropil.load(DATASET, connectome="cook_2019_male", format="pyg", home=ingested_home)
    assert default.num_nodes == 300


def test_unknown_axis_names_the_valid_ones(ingested_home: Path) -> None:
    with pytest.raises(neuropil.errors.InvalidArgumentError, match="Did you mean 'all'"):
        neuropil.load(DATASET, connectome="cook_2019", format="pyg", axis="al", home=ingested_home)


def test_monoamine_layer_is_its_own_hetero_edge_type_with_ligand_and_receptor(ingested_home: Path) -> None:
    records = neuropil.load(DATASET, connectome="bentley_2016_monoamine", table="extrasynaptic", format="pandas",
                            home=ingested_home)
    data = neuropil.load(DATASET, connectome="bentley_2016_monoamine", format="pyg", hetero=True, home=ingested_home)
    store = data["neuron", "monoamine", "neuron"]
    assert store.edge_index.shape[1] == len(records) > 2000
    assert set(store.ligand_names) == {"dopamine", "octopamine", "serotonin", "tyramine"}
    # every edge decodes back to one record: (pre, post, ligand, receptor)
    decoded = sorted(zip(store.edge_index[0].tolist(), store.edge_index[1].tolist(),
                         [store.ligand_names[i] for i in store.edge_ligand.tolist()],
                         [store.receptor_names[i] for i in store.edge_receptor.tolist()]))
    assert decoded == sorted(zip(records["pre_index"], records["post_index"], records["ligand"], records["receptor"]))
    flat = neuropil.load(DATASET, connectome="ripoll_sanchez_2023_long", format="pyg", home=ingested_home)
    assert flat.edge_attr_names == ["electrical", "chemical", "neuropeptide"] and flat.edge_attr[:, 2].min() > 0


def test_multilayer_connectome_adds_extrasynaptic_edge_types(ingested_home: Path) -> None:
    layers = ("bentley_2016_monoamine", "bentley_2016_neuropeptide")
    data = neuropil.load(DATASET, connectome="cook_2019", format="pyg", hetero=True, layers=layers, home=ingested_home)
    alone = neuropil.load(DATASET, connectome="cook_2019", format="pyg", hetero=True, home=ingested_home)
    assert set(data.edge_types) == set(alone.edge_types) | {("neuron", "monoamine", "neuron"),
                                                            ("neuron", "neuropeptide", "neuron")}
    assert torch.equal(data["neuron", "chemical", "neuron"].edge_index, alone["neuron", "chemical", "neuron"].edge_index)
    for layer, kind in zip(layers, ("monoamine", "neuropeptide")):
        records = neuropil.load(DATASET, connectome=layer, table="extrasynaptic", format="pandas", home=ingested_home)
        assert data["neuron", kind, "neuron"].edge_index.shape[1] == len(records) > 2000
    with pytest.raises(neuropil.errors.InvalidArgumentError, match="already has"):
        neuropil.load(DATASET, connectome="cook_2019", format="pyg", hetero=True, home=ingested_home,
                      layers=("bentley_2016_neuropeptide", "ripoll_sanchez_2023_short"))
    with pytest.raises(neuropil.errors.InvalidArgumentError, match="hetero=True"):
        neuropil.load(DATASET, connectome="cook_2019", format="pyg", layers=layers, home=ingested_home)
    with pytest.raises(neuropil.errors.InvalidArgumentError, match="no extrasynaptic edges"):
        neuropil.load(DATASET, connectome="cook_2019", format="pyg", hetero=True, layers=("witvliet_8",),
                      home=ingested_home)
