"""fisbe-instance: the CPU colour-clustering baseline and ``neuropil bench run`` on the real raw crop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuropil.benchmarks.tasks.fisbe import instance as fisbe_instance
from neuropil.benchmarks.tasks.fisbe.metrics import evaluate_instances, summarize
from neuropil.formats.fisbe_volumes import gt_instances_from_array


def _synthetic_image() -> tuple[np.ndarray, np.ndarray]:
    """Three 3 x 3 tubes on a noisy background: red, green, and a second red one far from the first."""
    rng = np.random.default_rng(1)
    raw = rng.integers(20, 40, size=(3, 12, 20, 60)).astype(np.uint16)
    gt = np.zeros((3, 12, 20, 60), np.uint8)
    for channel, (colour, z, y) in enumerate([(0, 2, 3), (1, 5, 10), (0, 8, 16)]):
        gt[channel, z:z + 3, y:y + 3, 5:55] = channel + 1
        raw[colour, z:z + 3, y:y + 3, 5:55] = 900
    return raw, gt


def test_baseline_separates_colours_and_pieces_exactly() -> None:
    raw, gt_array = _synthetic_image()
    prediction = fisbe_instance.colour_clustering(raw, seed=0, n_clusters=2, min_size=10)
    gt = gt_instances_from_array(gt_array)
    assert len(prediction) == 3
    assert sorted(v.size for v in prediction.voxels) == [450, 450, 450]
    got = summarize([evaluate_instances(gt, prediction)])
    assert got["S"] == 1.0 and got["avF1"] == 1.0 and got["C"] == 1.0 and got["FS"] == 0 and got["FM"] == 0


def test_sparse_components_equal_ndimage_label() -> None:
    from scipy import ndimage

    rng = np.random.default_rng(0)
    mask = rng.random((15, 16, 17)) > 0.75
    flat = np.flatnonzero(mask)
    ours = fisbe_instance.connected_components(flat, mask.shape)
    labels, count = ndimage.label(mask, structure=np.ones((3, 3, 3)))
    theirs = labels.ravel()[flat]
    assert ours.max() + 1 == count
    # the same partition: a one-to-one map between the two labellings
    pairs = set(zip(ours.tolist(), theirs.tolist()))
    assert len(pairs) == count


def test_bench_run_on_the_real_crop(shared_root: Path, tmp_path: Path) -> None:
    from neuropil.benchmarks import runner
    from neuropil.pipelines import ingest

    home = tmp_path / "home"
    ingest("fisbe", raw_dir=shared_root, home=home, progress=False, samples=["patchperpix_crop"])
    result = runner.run("fisbe-instance", "colour_clustering", seeds=2, home=home)
    assert result["task"]["id"] == "fisbe-instance" and result["seeds"] == [0, 1]
    test = result["summary"]["test"]
    assert set(test) >= {"S", "avF1", "C", "clDiceTP", "tp", "FS", "FM"}
    assert 0.0 <= test["S"]["mean"] <= 1.0
    # the three labelled neurons have distinct colours: the baseline finds at least one of them at clDice 0.5
    assert all(row["test"]["tp"] > 0 for row in result["per_seed"])
    assert result["per_seed"][0]["info"]["images"] == ["patchperpix_crop"]
    with pytest.raises(Exception, match="colour_clustering"):
        runner.run("fisbe-instance", "unet", seeds=1, home=home)
