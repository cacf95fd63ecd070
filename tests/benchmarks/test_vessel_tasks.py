"""vessel-link / vessel-node: evaluators against OGB and hand computation, the sampler, the line graph,
and the runner end to end on a generated graph (quick configuration)."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest

from neuropil.benchmarks import runner
from neuropil.benchmarks.evaluate import Evaluator
from neuropil.errors import InvalidArgumentError
from neuropil.pipelines import ingest
from neuropil.testing.vessels import write_vessel_graph


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Small graphs: one thread is faster, and far faster on a shared, oversubscribed CI machine."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _pairwise_auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """ROC-AUC by its definition: over all (positive, negative) pairs, 1 if pos > neg, 1/2 if equal."""
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(positive, negative))
    return wins / (len(positive) * len(negative))


def test_link_evaluator_matches_ogb_and_the_definition() -> None:
    os.environ.setdefault("OUTDATED_IGNORE", "1")  # ogb asks PyPI whether it is outdated; no network here
    ogb_linkproppred = pytest.importorskip("ogb.linkproppred", reason="ogb is a test dependency (pip install .[test])")
    rng = np.random.default_rng(3)
    positive = np.round(rng.normal(0.5, 1.0, 300), 1)  # rounded: many ties, which both must average
    negative = np.round(rng.normal(0.0, 1.0, 250), 1)
    ours = Evaluator("vessel-link").eval({"y_pred_pos": positive, "y_pred_neg": negative})
    theirs = ogb_linkproppred.Evaluator("ogbl-vessel").eval({"y_pred_pos": positive, "y_pred_neg": negative})
    assert set(ours) == set(theirs) == {"rocauc"}
    assert ours["rocauc"] == pytest.approx(theirs["rocauc"], abs=1e-12)
    assert ours["rocauc"] == pytest.approx(_pairwise_auc(positive, negative), abs=1e-12)


def test_link_evaluator_checks_its_input() -> None:
    import torch

    evaluator = Evaluator("vessel-link")
    assert evaluator.eval({"y_pred_pos": torch.tensor([2.0, 3.0]), "y_pred_neg": torch.tensor([1.0])}) == {"rocauc": 1.0}
    with pytest.raises(InvalidArgumentError, match="y_pred_neg"):
        evaluator.eval({"y_pred_pos": np.ones(3)})
    with pytest.raises(InvalidArgumentError, match="1-D"):
        evaluator.eval({"y_pred_pos": np.ones((3, 1)), "y_pred_neg": np.ones(3)})


def test_node_evaluator_balanced_accuracy_by_hand() -> None:
    y_true = np.array([0, 0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 0, 1, 1, 0, 0])
    # recalls: class 0 3/4, class 1 1/2, class 2 0/1 -> mean 5/12; accuracy 4/7
    out = Evaluator("vessel-node").eval({"y_true": y_true[:, None], "y_pred": y_pred[:, None]})
    assert out["accuracy"] == pytest.approx(4 / 7)
    assert out["balanced_accuracy"] == pytest.approx(5 / 12)
    with pytest.raises(InvalidArgumentError, match="classes 0..2"):
        Evaluator("vessel-node").eval({"y_true": y_true, "y_pred": y_pred + 2})


def test_radius_classes_are_three_with_the_published_boundaries() -> None:
    from neuropil.loaders.vesselgraph import NUM_CLASSES, radius_class

    assert NUM_CLASSES == 3
    assert radius_class(np.array([0.5, 5.0, 5.01, 13.33, 13.34, 40.0])).tolist() == [0, 0, 1, 1, 2, 2]


def test_sampler_takes_whole_neighbourhoods_and_drops_excluded_edges() -> None:
    import torch

    from neuropil.benchmarks.tasks.vessel.models import CSR, sample_blocks

    pairs = np.array([[0, 1], [1, 2], [2, 3], [1, 4], [4, 5], [5, 6]])
    csr = CSR.from_undirected(pairs, 7)
    blocks = sample_blocks(csr, torch.tensor([1]), [10, 10])
    inner = blocks[-1]
    assert inner.nodes[:inner.num_dst].tolist() == [1]
    assert sorted(inner.nodes[inner.src_local].tolist()) == [0, 2, 4]  # all of node 1's neighbours
    outer = blocks[0]
    messages = {(int(outer.nodes[s]), int(outer.nodes[d])) for s, d in zip(outer.src_local, outer.dst_local)}
    expected = {(nb, n) for n in (0, 1, 2, 4) for a, b in pairs for nb in ((b,) if a == n else (a,) if b == n else ())}
    assert messages == expected  # two hops, exactly the graph's edges into {1} and its neighbours
    excluded = torch.tensor([1 * 7 + 2])  # the pair (1, 2)
    blocks = sample_blocks(csr, torch.tensor([1]), [10], exclude=excluded)
    assert sorted(blocks[-1].nodes[blocks[-1].src_local].tolist()) == [0, 4]


def test_line_graph_matches_networkx() -> None:
    import networkx as nx

    from neuropil.loaders.vesselgraph import line_graph_edges

    rng = np.random.default_rng(0)
    g = nx.gnm_random_graph(60, 90, seed=1)
    edges = np.array(sorted(g.edges()))
    pairs = line_graph_edges(edges[:, 0], edges[:, 1], 60)
    ours = {frozenset((tuple(edges[a]), tuple(edges[b]))) for a, b in pairs}
    theirs = {frozenset(pair) for pair in nx.line_graph(g).edges()}
    assert ours == theirs and len(pairs) == len(theirs)  # each adjacent pair once
    assert rng is not None


@pytest.fixture
def generated_home(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    write_vessel_graph(raw, 2000, name="gen2k", seed=5)
    home = tmp_path / "home"
    ingest("vesselgraph", graph="gen2k", raw_dir=raw, home=home, allow_unverified=True, progress=False)
    return home


def test_vessel_link_runs_and_a_trained_model_beats_chance_on_spatial_negatives(generated_home: Path,
                                                                                tmp_path: Path) -> None:
    config = {"graph": "gen2k"}
    heuristic = runner.run("vessel-link", "common_neighbors", seeds=1, quick=True, home=generated_home, config=config)
    sage = runner.run("vessel-link", "sage", seeds=[0, 1], quick=True, home=generated_home, config=config,
                      out=tmp_path / "sage.json")
    assert heuristic["dataset"]["config"] == {"graph": "gen2k"}
    assert heuristic["split_sha256"] == sage["split_sha256"]
    assert sage["per_seed"][0]["test"]["rocauc"] != sage["per_seed"][1]["test"]["rocauc"]  # seeds differ
    assert sage["summary"]["test"]["rocauc"]["mean"] > 0.6
    assert sage["parameter_count"] > 0 and "test_rocauc_random_negatives" in sage["per_seed"][0]["info"]


def test_vessel_node_runs_on_a_generated_graph(generated_home: Path) -> None:
    result = runner.run("vessel-node", "gcn", seeds=1, quick=True, home=generated_home, config={"graph": "gen2k"})
    test = result["summary"]["test"]
    assert 0.0 <= test["balanced_accuracy"]["mean"] <= 1.0 and 0.0 <= test["accuracy"]["mean"] <= 1.0


def test_gloo_data_parallel_training_keeps_two_processes_in_step(generated_home: Path) -> None:
    import torch

    from neuropil.benchmarks.tasks.vessel import link as vessel_link

    sets, _ = vessel_link.load_sets(home=generated_home, config={"graph": "gen2k"})
    states = vessel_link.train_link_data_parallel("sage", sets, world_size=2, seed=0, steps=4, batch=128)
    assert len(states) == 2 and states[0].keys() == states[1].keys()
    for name in states[0]:
        assert torch.equal(states[0][name], states[1][name]), name  # all-reduced gradients: identical models
    torch.manual_seed(0)
    untrained = vessel_link._build_model("sage", sets["x"].shape[1], 64, 2, 0.0).state_dict()
    assert any(not torch.equal(untrained[name], states[0][name]) for name in untrained)  # it did train
