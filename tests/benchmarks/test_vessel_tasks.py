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
    import torch

    os.environ.setdefault("OUTDATED_IGNORE", "1")  # ogb asks PyPI whether it is outdated; no network here
    ogb_linkproppred = pytest.importorskip("ogb.linkproppred", reason="ogb is a test dependency (pip install .[test])")
    rng = np.random.default_rng(3)
    positive = np.round(rng.normal(0.5, 1.0, 300), 1)  # rounded: many ties, which both must average
    negative = np.round(rng.normal(0.0, 1.0, 250), 1)
    ours = Evaluator("vessel-link").eval({"y_pred_pos": positive, "y_pred_neg": negative})
    theirs = ogb_linkproppred.Evaluator("ogbl-vessel").eval({"y_pred_pos": positive, "y_pred_neg": negative})
    assert set(theirs) == {"rocauc"} and set(ours) == {"rocauc", "hits@20", "hits@50", "hits@100", "mrr"}
    assert ours["rocauc"] == pytest.approx(theirs["rocauc"], abs=1e-12)
    assert ours["rocauc"] == pytest.approx(_pairwise_auc(positive, negative), abs=1e-12)
    # Hits@K: OGB's evaluators with K = 20 (ogbl-ddi), 50 (ogbl-collab), 100 (ogbl-ppa)
    for name, k in (("ogbl-ddi", 20), ("ogbl-collab", 50), ("ogbl-ppa", 100)):
        hits = ogb_linkproppred.Evaluator(name).eval({"y_pred_pos": positive, "y_pred_neg": negative})[f"hits@{k}"]
        assert ours[f"hits@{k}"] == pytest.approx(hits, abs=1e-12), name
    # MRR: ogbl-citation2's evaluator with every negative as each positive's candidate list
    lists = ogb_linkproppred.Evaluator("ogbl-citation2").eval({
        "y_pred_pos": torch.from_numpy(positive), "y_pred_neg": torch.from_numpy(np.tile(negative, (positive.size, 1)))})
    assert ours["mrr"] == pytest.approx(float(lists["mrr_list"].mean()), abs=1e-6)
    assert 0.0 < ours["mrr"] < 1.0 and ours["hits@20"] <= ours["hits@50"] <= ours["hits@100"]


def test_bootstrap_interval_has_the_width_of_the_sampling_error() -> None:
    from neuropil.benchmarks.tasks.vessel.metrics import bootstrap_interval

    rng = np.random.default_rng(0)
    positive, negative = rng.normal(0.0, 1.0, 300), rng.normal(0.0, 1.0, 300)
    low, high = bootstrap_interval(positive, negative, seed=1)
    # Hanley & McNeil's standard error at AUC 0.5 (Q1 = Q2 = 1/3): sqrt((1/4 + 2 * 299 / 12) / 300**2)
    expected_width = 2 * 1.96 * np.sqrt((0.25 + 2 * 299 / 12) / 300 ** 2)
    assert high - low == pytest.approx(expected_width, rel=0.2)
    assert low < 0.5 < high
    assert bootstrap_interval(positive + 10.0, negative, seed=1) == (1.0, 1.0)  # separated: no sampling error


def _known_sets(pos: np.ndarray, train: np.ndarray, parts: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:
    from neuropil.benchmarks.tasks.vessel.models import CSR

    sets = {"num_nodes": len(pos), "pos": pos.astype(np.float64), "delta": 1.0, "other": "random",
            "csr": CSR.from_undirected(train, len(pos))}
    for name, (positive, negative) in parts.items():
        sets[name] = {"pos": positive, "neg": negative, "neg_other": negative}
    return sets


def test_distance_baseline_scores_minus_the_endpoint_distance() -> None:
    from neuropil.benchmarks.tasks.vessel import link

    pos = np.array([[0, 0, 0], [1, 0, 0], [3, 0, 0], [0, 4, 0], [10, 0, 0], [0, 0, 12]], dtype=float)
    short, far = np.array([[0, 1], [1, 2]]), np.array([[0, 4], [3, 5]])
    sets = _known_sets(pos, np.array([[0, 1]]), {"train": (short, far), "valid": (short, far), "test": (short, far)})
    scores, info = link.fit_predict("distance", sets, seed=0, quick=True, progress=False, home=None, config={})
    assert scores["test"][0].tolist() == [-1.0, -2.0] and scores["test"][1].tolist() == [-10.0, -np.sqrt(16 + 144)]
    assert link.evaluate({"y_pred_pos": scores["test"][0], "y_pred_neg": scores["test"][1]})["rocauc"] == 1.0
    assert info["parameters"] == 0


def test_distance_degree_baseline_learns_degree_where_distance_cannot() -> None:
    from neuropil.benchmarks.tasks.vessel import link, trivial

    # train graph: a star around node 0 (degree 6); nodes 7-14 isolated, in pairs at distance 1
    pos = np.array([[0, 0, 0], [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]
                   + [[20 * i + j, 0, 0] for i in range(1, 5) for j in (0, 1)], float)
    star = np.array([[0, i] for i in range(1, 7)])
    # every scored pair has length 1: positives touch the hub, negatives join isolated nodes
    positive, negative = star[:3], np.array([[7, 8], [9, 10], [11, 12], [13, 14]])
    sets = _known_sets(pos, star, {"train": (star, negative), "valid": (positive, negative),
                                   "test": (positive, negative)})
    features = trivial.pair_features(sets, positive)
    assert features[:, 0].tolist() == [1.0] * 3 and features[:, 2:4].tolist() == [[0, 5]] * 3
    assert trivial.pair_features(sets, np.array([[0, 7]]))[0, 2:4].tolist() == [0, 6]  # not an edge: all 6 count
    degree, _ = link.fit_predict("distance_degree", sets, seed=0, quick=True, progress=False, home=None, config={})
    distance, _ = link.fit_predict("distance", sets, seed=0, quick=True, progress=False, home=None, config={})
    auc = lambda s: link.evaluate({"y_pred_pos": s["test"][0], "y_pred_neg": s["test"][1]})["rocauc"]  # noqa: E731
    assert auc(distance) == 0.5 and auc(degree) == 1.0


def test_link_evaluator_checks_its_input() -> None:
    import torch

    evaluator = Evaluator("vessel-link")
    assert evaluator.eval({"y_pred_pos": torch.tensor([2.0, 3.0]), "y_pred_neg": torch.tensor([1.0])})["rocauc"] == 1.0
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


def test_sampler_yields_pyg_batches_a_pyg_model_reads_unchanged() -> None:
    import torch
    from torch_geometric.data import Data
    from torch_geometric.nn import SAGEConv

    from neuropil.benchmarks.tasks.vessel.models import CSR, sample_subgraph

    pairs = np.array([[0, 1], [1, 2], [2, 3], [1, 4], [4, 5], [5, 6]])
    csr = CSR.from_undirected(pairs, 7)
    x = torch.randn(7, 4, generator=torch.Generator().manual_seed(0))
    batch = sample_subgraph(csr, torch.tensor([1]), [10, 10], x=x)
    assert isinstance(batch, Data) and batch.batch_size == 1 and batch.n_id[:1].tolist() == [1]
    assert torch.equal(batch.x, x[batch.n_id]) and batch.num_sampled_nodes == [1, 3, 2]
    messages = {(int(batch.n_id[s]), int(batch.n_id[d])) for s, d in batch.edge_index.t()}
    expected = {(nb, n) for n in (0, 1, 2, 4) for a, b in pairs for nb in ((b,) if a == n else (a,) if b == n else ())}
    assert messages == expected  # two hops, exactly the graph's edges into {1} and its neighbours (source -> target)
    # a PyG model on the mini-batch gives the seed what it gives it on the whole graph (mean aggregation)
    torch.manual_seed(0)
    convs = [SAGEConv(4, 8), SAGEConv(8, 8)]
    full = torch.from_numpy(np.concatenate([pairs, pairs[:, ::-1]]).T.copy())
    whole, mini = x, batch.x
    for conv in convs:
        whole, mini = conv(whole, full).relu(), conv(mini, batch.edge_index).relu()
    assert torch.allclose(mini[0], whole[1], atol=1e-6)
    excluded = torch.tensor([1 * 7 + 2])  # the pair (1, 2)
    batch = sample_subgraph(csr, torch.tensor([1]), [10], exclude=excluded)
    assert sorted(batch.n_id[batch.edge_index[0]].tolist()) == [0, 4]


def test_encoders_are_built_from_pyg_layers() -> None:
    from torch_geometric.nn import GCNConv, SAGEConv

    from neuropil.benchmarks.tasks.vessel.models import build_encoder

    assert all(isinstance(layer, GCNConv) for layer in build_encoder("gcn", 3, 8, 2, 0.0).layers)
    assert all(isinstance(layer, SAGEConv) for layer in build_encoder("sage", 3, 8, 2, 0.0).layers)


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
    info = sage["per_seed"][0]["info"]
    assert info["test_rocauc_ci95_low"] <= sage["per_seed"][0]["test"]["rocauc"] <= info["test_rocauc_ci95_high"]


def test_ogb_protocol_normalises_coordinates_and_is_a_generated_flag(generated_home: Path, capsys) -> None:
    import json

    from neuropil.benchmarks.tasks.vessel.ogb_reference import normalised_coordinates
    from neuropil.cli import main

    x = np.array([[3.0, 100.0, 1.0], [4.0, 0.0, 1.0]])
    assert np.allclose(normalised_coordinates(x).numpy(), [[0.6, 1.0, 2 ** -0.5], [0.8, 0.0, 2 ** -0.5]])
    main(["bench", "run", "vessel-link", "--model", "gcn", "--protocol", "ogb", "--graph", "gen2k", "--seeds", "1",
          "--quick", "--json", "--home", str(generated_home), "-q"])
    result = json.loads(capsys.readouterr().out)[0]
    assert result["run_config"]["options"] == {"graph": "gen2k", "protocol": "ogb"}
    assert result["model"]["config"]["protocol"] == "ogb"
    info = result["per_seed"][0]["info"]
    assert info["ogb_lr"] == 1e-6 and info["ogb_hidden"] == 256 and info["parameters"] > 100_000
    with pytest.raises(SystemExit):  # argparse: not one of the choices
        main(["bench", "run", "vessel-link", "--model", "gcn", "--protocol", "pyg", "--home", str(generated_home)])


def test_vessel_node_runs_on_a_generated_graph(generated_home: Path) -> None:
    import neuropil
    from neuropil.benchmarks.tasks.vessel.tables import node_status, node_table

    result = runner.run("vessel-node", "gcn", seeds=1, quick=True, home=generated_home, config={"graph": "gen2k"})
    test = result["summary"]["test"]
    assert 0.0 <= test["balanced_accuracy"]["mean"] <= 1.0 and 0.0 <= test["accuracy"]["mean"] <= 1.0
    data = neuropil.load("vesselgraph", graph="gen2k", task="node", format="pyg", home=generated_home)
    expected = np.bincount(data.y[data.test_mask].numpy(), minlength=3)
    info = result["per_seed"][0]["info"]
    assert [info[f"test_vessels_class{c}"] for c in range(3)] == expected.tolist()
    assert node_status(result, generated=True).startswith("smoke check (the generator")
    # the same counts from a real graph: a result only with >= 30 test vessels in every class
    real = {**result, "per_seed": [{**result["per_seed"][0], "info": {**info, "test_vessels_class0": 303,
                                                                          "test_vessels_class1": 1,
                                                                          "test_vessels_class2": 0}}]}
    assert node_status(real, generated=False) == "smoke check (< 30 test vessels in class 1: 1, class 2: 0)"
    assert "*" in node_table([real], generated=False).splitlines()[2]  # smoke numbers in italics
    enough = {**real, "per_seed": [{**real["per_seed"][0], "info": {**info, "test_vessels_class0": 30,
                                                                        "test_vessels_class1": 30,
                                                                        "test_vessels_class2": 31}}]}
    assert node_status(enough, generated=False) == "result"


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
