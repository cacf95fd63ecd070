"""The Wang et al. 2024 neurotransmitter atlas (``transmitters.parquet``) and its connectomes
``wang_2024_herm`` / ``wang_2024_male``. Counts against cect: test_celegans_peer_cect.py
(``test_wang_2024_equals_cect_reader``); the male's by an independent read: test_celegans_stats.py."""

from __future__ import annotations

from pathlib import Path

import pytest

import neuropil

DATASET = "celegans-connectomes"


def test_atlas_rows_as_the_sheets_write_them(ingested_home: Path) -> None:
    atlas = neuropil.load(DATASET, table="transmitters", format="pandas", home=ingested_home)
    herm, male = atlas[atlas["sex"] == "hermaphrodite"], atlas[atlas["sex"] == "male"]
    # supplementary file 2 lists the 302 hermaphrodite neurons, file 3 the male-specific ones
    assert herm["label"].nunique() == 302 and {"CANL", "CANR", "HSNL"} <= set(herm["label"])
    assert set(herm["label"]) < set(male["label"]) and {"SPVR", "CP0", "DX4", "EF4"} <= set(male["label"])

    def given(frame, label: str) -> list[str]:
        return frame.loc[frame["label"] == label, "transmitter"].tolist()
    assert given(herm, "ADAL") == ["glutamate"] and given(herm, "ADEL") == ["dopamine"]
    assert given(herm, "DB1") == ["acetylcholine"] and set(herm.loc[herm["label"] == "DB1", "raw_label"]) == {"DB1/3"}
    # a 'male -' entry is the male's only
    assert given(herm, "PVWL") == ["orphan", "serotonin (male only)"] and given(male, "PVWL") == ["orphan", "serotonin"]
    assert set(atlas["edge_type"].dropna()) == {"chemical", "monoamine"}
    assert atlas.loc[atlas["transmitter"] == "serotonin uptake", "edge_type"].isna().all()


def test_wang_connectomes_are_layers_with_their_own_edge_types(ingested_home: Path) -> None:
    graph = neuropil.load(DATASET, connectome="wang_2024_male", format="pyg", hetero=True, axis="all",
                          home=ingested_home)
    assert {key[1] for key in graph.edge_types} >= {"chemical", "monoamine"}
    assert graph["neuron", "chemical", "neuron"].edge_index.max() >= 300  # male-specific neurons and muscles
    synapses = neuropil.load(DATASET, connectome="cook_2019", format="pyg", hetero=True,
                             layers=("wang_2024_herm",), home=ingested_home)
    assert synapses["neuron", "monoamine", "neuron"].edge_index.shape[1] > 1000
    from neuropil.loaders.celegans_connectomes_pyg import CElegansConnectomes

    with pytest.raises(neuropil.errors.NeuropilError, match="wang_2024_herm"):
        CElegansConnectomes(root=str(ingested_home), connectomes=("wang_2024_herm",))


def test_wang_graphs_carry_the_atlas_as_node_attributes(ingested_home: Path) -> None:
    herm = neuropil.load(DATASET, connectome="wang_2024_herm", format="pyg", hetero=True, home=ingested_home)
    names, transmitters = herm["neuron"].transmitter_names, herm["neuron"].transmitters
    assert transmitters.shape == (300, len(names)) and {"acetylcholine", "betaine", "orphan"} <= set(names)

    def given(store, label: str) -> set[str]:
        row = store.transmitters[store.node_names.index(label)]
        return {names[i] for i in row.nonzero().flatten().tolist()}

    assert given(herm["neuron"], "ADAL") == {"glutamate"}
    assert given(herm["neuron"], "ADFL") == {"acetylcholine", "serotonin"}
    # every chemical edge leaves a neuron with a classical transmitter (its weight counts them)
    pre = herm["neuron", "chemical", "neuron"].edge_index[0]
    classical = transmitters[:, [names.index(t) for t in ("acetylcholine", "glutamate", "GABA", "betaine")]]
    assert bool((classical[pre].sum(dim=1) == herm["neuron", "chemical", "neuron"].edge_weight).all())
    male = neuropil.load(DATASET, connectome="wang_2024_male", format="pyg", axis="all", home=ingested_home)
    assert male.transmitters.shape == (male.num_nodes, len(names)) and male.transmitter_names == names
    assert given(male, "SPVR") == {"acetylcholine"} and given(male, "dBWML5") == set()
