"""Issue 17, point 3: vessel-link as an OGB dataset, checked against the ``ogb`` package itself.

``VesselLinkDataset`` is a PyG ``InMemoryDataset`` with OGB's ``get_edge_split()`` layout,
``eval_metric`` and ``meta_info`` (the keys of ogb's own ``master.csv`` row for ``ogbl-vessel``);
``Evaluator(name="vessel-link")`` takes OGB's keyword and agrees with ``ogb``'s evaluator; the OGB-style
example script runs with ``--quick`` on the real sample graph.
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import neuropil
from neuropil.errors import InvalidArgumentError

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "ogb_style_vessel_link.py"


def ogb_master_row(name: str) -> dict[str, str]:
    import ogb.linkproppred

    master = pd.read_csv(Path(ogb.linkproppred.__file__).parent / "master.csv", index_col=0, keep_default_na=False)
    return master[name].to_dict()


def pairs(table: pd.DataFrame, split: str, kind: str) -> np.ndarray:
    chosen = table[(table["split"] == split) & (table["kind"] == kind)]
    return chosen[["source", "target"]].to_numpy(np.int64)


def test_vessel_link_dataset_is_an_ogb_shaped_in_memory_dataset(real_home, tmp_path: Path) -> None:
    from torch_geometric.data import InMemoryDataset

    from neuropil.benchmarks.registry import get_task
    from neuropil.loaders.vesselgraph import VesselLinkDataset

    home = real_home("vesselgraph")
    dataset = VesselLinkDataset(tmp_path / "vessel_link", home=home)
    assert isinstance(dataset, InMemoryDataset) and len(dataset) == 1
    split = dataset.get_edge_split()
    stored = neuropil.load("vesselgraph", table="link_split", format="pandas", home=home)
    assert set(split) == {"train", "valid", "test"}
    for name, part in split.items():
        assert {"edge", "edge_neg"} <= set(part)
        assert part["edge"].dtype == torch.long and part["edge"].shape[1] == 2
        np.testing.assert_array_equal(part["edge"].numpy(), pairs(stored, name, "pos"))
        np.testing.assert_array_equal(part["edge_neg"].numpy(), pairs(stored, name, "neg_spatial"))
        assert len(part["edge"]) > 0 and part["edge"].shape == part["edge_neg"].shape
    random = dataset.get_edge_split("random")["test"]["edge_neg"].numpy()
    np.testing.assert_array_equal(random, pairs(stored, "test", "neg_random"))
    # the message-passing graph is the train positives, both directions; no held-out vessel in it
    graph = dataset[0]
    assert graph.edge_index.shape[1] == 2 * len(split["train"]["edge"])
    held_out = {tuple(p) for p in split["test"]["edge"].tolist()}
    assert not held_out & {tuple(p) for p in graph.edge_index.t().tolist()}

    # OGB's attributes, and every key of ogb's own master.csv row for ogbl-vessel
    ogb_row = ogb_master_row("ogbl-vessel")
    assert dataset.eval_metric == ogb_row["eval metric"] == get_task("vessel-link").primary_metric
    assert dataset.task_type == ogb_row["task type"]
    assert set(ogb_row) <= set(dataset.meta_info)
    assert dataset.meta_info["split"] == ogb_row["split"] == "spatial"
    assert dataset.meta_info["split_sha256"] and dataset.split_sha256 == dataset.meta_info["split_sha256"]

    # read back from the processed file, through pickle and through neuropil.load: the same split
    for again in (VesselLinkDataset(tmp_path / "vessel_link", home=home), pickle.loads(pickle.dumps(dataset)),
                  neuropil.load("vesselgraph", task="link", format="pyg", home=home)):
        assert type(again) is type(dataset)
        assert torch.equal(again.get_edge_split()["valid"]["edge_neg"], split["valid"]["edge_neg"])
        assert torch.equal(again[0].edge_attr, graph.edge_attr)
    with pytest.raises(InvalidArgumentError, match="Unknown value 'hard' for argument split_type"):
        dataset.get_edge_split("hard")


def test_evaluator_takes_ogbs_keyword_and_agrees_with_ogb() -> None:
    from ogb.linkproppred import Evaluator as OGBEvaluator

    from neuropil.benchmarks.evaluate import Evaluator
    from neuropil.benchmarks.spec import UnknownTaskError

    generator = torch.Generator().manual_seed(0)
    positive, negative = torch.rand(300, generator=generator) + 0.2, torch.rand(300, generator=generator)
    ours = Evaluator(name="vessel-link")
    theirs = OGBEvaluator(name="ogbl-vessel")
    assert ours.eval_metric == theirs.eval_metric
    result = ours.eval({"y_pred_pos": positive, "y_pred_neg": negative})
    assert result["rocauc"] == pytest.approx(theirs.eval({"y_pred_pos": positive, "y_pred_neg": negative})["rocauc"])
    with pytest.raises(UnknownTaskError, match="Did you mean 'vessel-link'"):
        Evaluator(name="vessel-lnk")


def test_ogb_names_build_the_dataset_in_ogbs_folder(real_home, tmp_path: Path) -> None:
    from neuropil.benchmarks.ogb import PygLinkPropPredDataset

    home = real_home("vesselgraph")
    dataset = PygLinkPropPredDataset("vessel-link", root=tmp_path, home=home)
    assert (tmp_path / "vessel_link" / "processed").is_dir()  # OGB's folder: the name with '_' for '-'
    assert dataset.graph == "sample" and dataset.negatives == "spatial"  # the task's registered configuration
    with pytest.raises(InvalidArgumentError, match="Unknown value 'ogbl-vessel' for argument name"):
        PygLinkPropPredDataset("ogbl-vessel", root=tmp_path, home=home)


def test_ogb_style_example_runs_quick(real_home, tmp_path: Path) -> None:
    """The example as CI runs it: its two OGB lines changed, on the real sample graph, ``--quick``."""
    source = EXAMPLE.read_text()
    assert len(re.findall(r"# OGB: ", source)) == 2  # the import line and the name line
    env = {**os.environ, "NEUROPIL_HOME": str(real_home("vesselgraph")), "NEUROPIL_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, str(EXAMPLE), "--quick", "--root", str(tmp_path / "dataset")], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    epochs = re.findall(r"Epoch: (\d+), Loss: ([\d.]+), Train: ([\d.]+), Valid: ([\d.]+), Test: ([\d.]+)", run.stdout)
    assert [int(e[0]) for e in epochs] == [1, 2]
    for _, loss, *scores in epochs:
        assert float(loss) > 0 and all(0.0 <= float(s) <= 1.0 for s in scores)
    assert re.search(r"GCN on vessel-link: rocauc test [\d.]+ ", run.stdout)
    assert (tmp_path / "dataset" / "vessel_link" / "processed").is_dir()
