"""The Witvliet et al. 2021 developmental series as a list of PyG graphs ordered by age."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import neuropil
from neuropil.errors import InvalidArgumentError

DATASET = "celegans-connectomes"
#: Witvliet et al. 2021 (Nature 596:257), Fig. 1a: dataset number -> (stage, hours after birth)
PAPER_AGES = {1: ("L1", 0.0), 2: ("L1", 5.0), 3: ("L1", 8.0), 4: ("L1", 16.0), 5: ("L2", 23.0), 6: ("L3", 27.0),
              7: ("adult", 50.0), 8: ("adult", 50.0)}


def test_series_is_ordered_by_age_with_the_age_on_each_graph(ingested_home: Path) -> None:
    graphs = neuropil.load(DATASET, connectome="witvliet_2021", format="pyg", series=True, home=ingested_home)
    assert [g.connectome for g in graphs] == [f"witvliet_{n}" for n in sorted(PAPER_AGES)]
    assert [(g.stage, g.age_hours) for g in graphs] == [PAPER_AGES[n] for n in sorted(PAPER_AGES)]
    ages = [g.age_hours for g in graphs]
    assert ages == sorted(ages)
    assert {g.num_nodes for g in graphs} == {300}  # one index space across the whole series


def test_each_graph_of_the_series_is_the_single_connectome_graph(ingested_home: Path) -> None:
    graphs = neuropil.load(DATASET, connectome="witvliet_2021", format="pyg", series=True, home=ingested_home)
    for graph in graphs:
        alone = neuropil.load(DATASET, connectome=graph.connectome, format="pyg", home=ingested_home)
        assert torch.equal(graph.edge_index, alone.edge_index) and torch.equal(graph.edge_attr, alone.edge_attr)
    # the L1 worm has far fewer synapses than the adult: the series is not one graph repeated
    assert graphs[0].edge_attr[:, 1].sum() < graphs[-1].edge_attr[:, 1].sum() / 3


def test_hetero_series(ingested_home: Path) -> None:
    graphs = neuropil.load(DATASET, connectome="witvliet_2021", format="pyg", series=True, hetero=True,
                           home=ingested_home)
    assert len(graphs) == 8 and graphs[3].age_hours == 16.0
    assert graphs[3]["neuron", "chemical", "neuron"].edge_index.shape[1] > 0


def test_series_id_and_series_flag_misuse_say_what_to_do(ingested_home: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="series=True"):
        neuropil.load(DATASET, connectome="witvliet_2021", format="pyg", home=ingested_home)
    with pytest.raises(InvalidArgumentError, match="Did you mean 'witvliet_2021'"):
        neuropil.load(DATASET, connectome="witvliet_2020", format="pyg", series=True, home=ingested_home)
    with pytest.raises(InvalidArgumentError, match="witvliet_2021"):
        neuropil.load(DATASET, connectome="cook_2019", format="pyg", series=True, home=ingested_home)
