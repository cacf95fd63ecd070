"""FISBe metrics: the official evaluator's numbers on R14A02, hand-computed cases, skeletons, bad input."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from neuropil.cli import main
from neuropil.testing.fisbe import label_lines, line_neurons, write_fisbe_zarr, write_prediction

R14 = "R14A02-20180905_65_A6"
TOL = 1e-6


def _run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["-q", "fisbe", "eval", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def r14_result(shared_root: Path) -> dict:
    """The CLI's JSON on the real R14A02 pair (computed once: about 15 s)."""
    import contextlib
    import io

    fisbe = shared_root / "fisbe"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["-q", "fisbe", "eval", "--gt", str(fisbe / "gt" / f"{R14}.zarr"),
                     "--pred", str(fisbe / "pred" / f"{R14}.hdf"), "--pred-key", "volumes/gmm_label_cleaned", "--json"])
    assert code == 0
    return json.loads(out.getvalue())


def test_r14a02_reproduces_every_official_number(r14_result: dict, shared_root: Path) -> None:
    expected_dir = shared_root / "fisbe" / "expected"
    with open(expected_dir / f"{R14}_summary.csv", newline="") as handle:
        row = next(r for r in csv.DictReader(handle, delimiter=";") if r["sample"] == R14)
    toml = tomllib.loads((expected_dir / f"{R14}_volumes_gmm_label_cleaned_cldice_greedy_rm800.toml").read_text())
    got = r14_result
    assert got["S"] == pytest.approx(float(row["general avg_f1_cov_score"]), abs=TOL)
    assert got["avF1"] == pytest.approx(float(row["confusion_matrix avFscore"]), abs=TOL)
    assert got["C"] == pytest.approx(float(row["general avg_gt_skel_coverage"]), abs=TOL)
    assert got["clDiceTP"] == pytest.approx(float(row["general avg_TP_05_cldice"]), abs=TOL)
    assert got["tp"] == pytest.approx(float(row["general TP_05_rel"]), abs=TOL)
    assert got["TP_05"] == int(float(row["general TP_05"])) == 3
    assert got["FS"] == int(float(row["general FS"])) and got["FM"] == int(float(row["general FM"]))
    assert got["num_gt"] == int(float(row["general Num GT"])) == 7
    assert got["num_pred"] == int(float(row["general Num Pred"])) == 9
    assert got["FP_05"] == toml["confusion_matrix"]["th_0_5"]["AP_FP"]
    assert got["FN_05"] == toml["confusion_matrix"]["th_0_5"]["AP_FN"]
    for threshold, f1 in got["f1_per_threshold"].items():
        key = "th_" + threshold.replace(".", "_")
        assert f1 == pytest.approx(float(row[f"{key} fscore"]), abs=TOL), threshold
        counts = got["counts_per_threshold"][threshold]
        assert counts == {"TP": toml["confusion_matrix"][key]["AP_TP"], "FP": toml["confusion_matrix"][key]["AP_FP"],
                          "FN": toml["confusion_matrix"][key]["AP_FN"]}
    image = got["images"][0]
    assert image["gt_coverage"] == pytest.approx([float(v) for v in toml["general"]["gt_skel_coverage"]], abs=TOL)
    assert image["TP_05_cldice"] == pytest.approx([float(v) for v in toml["general"]["TP_05_cldice"]], abs=TOL)
    assert image["removed_small_predictions"] == 2  # labels of 32 and 128 voxels in the file


# --------------------------------------------------------------------------- hand-computed cases

SHAPE = (6, 6, 40)
# neuron 1: 30 voxels; neuron 2: 40 voxels (never predicted)
GT_SPLIT = line_neurons(SHAPE, [[(1, 1, 0, 30)], [(4, 4, 0, 40)]])
# label 5 covers 21 of neuron 1's 30 skeleton voxels, label 7 the other 9, label 9 lies on background,
# label 3 has 2 voxels (removed with --min-size 2: sizes <= min_size go)
PRED_SPLIT = label_lines(SHAPE, {5: [(1, 1, 0, 21)], 7: [(1, 1, 21, 30)], 9: [(4, 1, 0, 10)], 3: [(3, 3, 0, 2)]})
# a merger: one label over two whole neurons
GT_MERGE = line_neurons(SHAPE, [[(1, 1, 0, 20)], [(4, 4, 0, 20)]])
PRED_MERGE = label_lines(SHAPE, {1: [(1, 1, 0, 20), (4, 4, 0, 20)]})


@pytest.fixture
def split_pair(tmp_path: Path) -> tuple[Path, Path]:
    return (write_fisbe_zarr(tmp_path / "gt" / "split.zarr", GT_SPLIT, dim_neurons=[2]),
            write_prediction(tmp_path / "pred" / "split.hdf", PRED_SPLIT))


@pytest.fixture
def merge_pair(tmp_path: Path) -> tuple[Path, Path]:
    return (write_fisbe_zarr(tmp_path / "gt" / "merge.zarr", GT_MERGE),
            write_prediction(tmp_path / "pred" / "merge.hdf", PRED_MERGE))


def test_hand_computed_completely_labelled(split_pair, capsys) -> None:
    gt, pred = split_pair
    got = _run_json(capsys, "--gt", str(gt), "--pred", str(pred), "--min-size", "2")
    # clDice(n1, p5) = 2 * 1 * 0.7 / 1.7 = 0.823529; (n1, p7) = 2 * 0.3 / 1.3 = 0.461538
    # t = 0.1 .. 0.8: TP 1 (n1-p5), FP 2 (p7, p9), FN 1 -> F1 = 2 / 5; t = 0.9: F1 = 0
    assert got["num_pred"] == 3 and got["num_gt"] == 2
    assert got["f1_per_threshold"]["0.8"] == pytest.approx(0.4) and got["f1_per_threshold"]["0.9"] == 0.0
    assert got["avF1"] == pytest.approx(8 * 0.4 / 9, abs=TOL)
    assert got["C"] == pytest.approx((21 / 30 + 9 / 30 + 0.0) / 2, abs=TOL)  # p5 and p7 both go to n1
    assert got["S"] == pytest.approx((8 * 0.4 / 9 + 0.5) / 2, abs=TOL)
    assert got["clDiceTP"] == pytest.approx(2 * 0.7 / 1.7, abs=TOL)
    assert got["tp"] == 0.5 and got["TP_05"] == 1
    # FS: n1 takes p5 (clRecall 0.7), keeps 9 free skeleton voxels, then p7 (9/30 > 0.05): one false split
    assert got["FS"] == 1 and got["FM"] == 0


def test_hand_computed_partly_labelled(split_pair, capsys) -> None:
    gt, pred = split_pair
    got = _run_json(capsys, "--gt", str(gt), "--pred", str(pred), "--min-size", "2", "--partly")
    # p9 lies on background: not a false positive on a partly labelled image; p7 (on n1) still is
    assert got["counts_per_threshold"]["0.5"] == {"TP": 1, "FP": 1, "FN": 1}
    assert got["avF1"] == pytest.approx(8 * 0.5 / 9, abs=TOL)
    assert got["S"] == pytest.approx((8 * 0.5 / 9 + 0.5) / 2, abs=TOL)


def test_min_size_removes_instances_of_at_most_that_size(split_pair, capsys) -> None:
    gt, pred = split_pair
    assert _run_json(capsys, "--gt", str(gt), "--pred", str(pred), "--min-size", "1")["num_pred"] == 4
    assert _run_json(capsys, "--gt", str(gt), "--pred", str(pred), "--min-size", "9")["num_pred"] == 2  # 9 voxels go


def test_set_pools_counts_not_scores(split_pair, merge_pair, capsys, tmp_path: Path) -> None:
    got = _run_json(capsys, "--gt", str(split_pair[0]), "--pred", str(split_pair[1]),
                    "--gt", str(merge_pair[0]), "--pred", str(merge_pair[1]), "--min-size", "2")
    # merge image: clDice 2/3 with both neurons (clPrecision 1/2 each, tie -> neuron 1)
    # pooled: t 0.1-0.6 TP 2 FP 2 FN 2 -> 0.5; t 0.7, 0.8 TP 1 FP 3 FN 3 -> 0.25; t 0.9 -> 0
    assert got["num_images"] == 2 and got["num_gt"] == 4 and got["num_pred"] == 4
    assert got["avF1"] == pytest.approx((6 * 0.5 + 2 * 0.25) / 9, abs=TOL)
    assert got["C"] == pytest.approx(0.5, abs=TOL)  # neuron coverages 1, 0, 1, 0
    assert got["clDiceTP"] == pytest.approx((2 * 0.7 / 1.7 + 2 / 3) / 2, abs=TOL)
    assert got["tp"] == 0.5 and got["TP_05"] == 2
    assert got["FS"] == 1 and got["FM"] == 1  # the merger covers both neurons' whole skeletons
    folder = _run_json(capsys, "--gt", str(tmp_path / "gt"), "--pred", str(tmp_path / "pred"), "--min-size", "2")
    assert {k: folder[k] for k in ("S", "avF1", "C", "FS", "FM")} == {k: got[k] for k in ("S", "avF1", "C", "FS", "FM")}


# --------------------------------------------------------------------------- skeletons


def test_skeleton_of_a_line_is_the_line_and_of_a_tube_its_axis() -> None:
    from neuropil.formats.fisbe_volumes import skeletonize_mask

    line = np.zeros((5, 5, 20), bool)
    line[2, 2, 3:17] = True
    assert np.array_equal(skeletonize_mask(line), line)
    tube = np.zeros((7, 7, 30), bool)
    tube[2:5, 2:5, 2:28] = True  # 3 x 3 cross-section, 26 long
    skeleton = skeletonize_mask(tube)
    z, y, x = np.nonzero(skeleton)
    assert set(z) == {3} and set(y) == {3}  # the central axis only
    assert x.max() - x.min() + 1 == x.size >= 22  # one unbroken run, ends shortened by at most 2 each
    single = np.zeros((3, 3, 3), bool)
    single[1, 1, 1] = True
    assert np.array_equal(skeletonize_mask(single), single)


def test_skeleton_in_bounding_box_equals_full_volume_skeleton() -> None:
    from skimage.morphology import skeletonize

    from neuropil.formats.fisbe_volumes import skeleton_voxels

    rng = np.random.default_rng(0)
    volume = np.zeros((30, 40, 50), bool)
    # a branching blob: three thick random walks from one point
    for _ in range(3):
        point = np.array([15, 20, 25])
        for _ in range(40):
            point = np.clip(point + rng.integers(-1, 2, size=3), 2, np.array(volume.shape) - 3)
            volume[point[0] - 1:point[0] + 2, point[1] - 1:point[1] + 2, point[2] - 1:point[2] + 2] = True
    full = np.flatnonzero(skeletonize(volume))
    cropped = skeleton_voxels(np.flatnonzero(volume), volume.shape)
    assert full.size > 10 and np.array_equal(full, cropped)


# --------------------------------------------------------------------------- bad input


def _fails(capsys, *argv: str) -> str:
    assert main(["-q", "fisbe", "eval", *argv]) == 1
    return capsys.readouterr().err


def test_prediction_of_another_shape_is_refused(split_pair, tmp_path: Path, capsys) -> None:
    pred = write_prediction(tmp_path / "small.hdf", PRED_SPLIT[:, :, :30])
    err = _fails(capsys, "--gt", str(split_pair[0]), "--pred", str(pred))
    assert "(6, 6, 30)" in err and "(6, 6, 40)" in err


def test_empty_prediction_is_refused_unless_allowed(split_pair, tmp_path: Path, capsys) -> None:
    pred = write_prediction(tmp_path / "empty.hdf", np.zeros(SHAPE, np.int32))
    assert "empty" in _fails(capsys, "--gt", str(split_pair[0]), "--pred", str(pred))
    got = _run_json(capsys, "--gt", str(split_pair[0]), "--pred", str(pred), "--allow-empty")
    assert got["S"] == 0.0 and got["num_pred"] == 0 and got["counts_per_threshold"]["0.5"]["FN"] == 2


def test_zarr_without_gt_instances_is_refused(split_pair, tmp_path: Path, capsys) -> None:
    gt = write_fisbe_zarr(tmp_path / "raw_only.zarr", None, raw=np.zeros((3, *SHAPE), np.uint16))
    err = _fails(capsys, "--gt", str(gt), "--pred", str(split_pair[1]))
    assert "volumes/gt_instances" in err and "volumes/raw" in err


def test_labels_of_unexpected_dtype_are_refused(split_pair, tmp_path: Path, capsys) -> None:
    gt = write_fisbe_zarr(tmp_path / "float.zarr", GT_SPLIT.astype(np.float32) * 1.0, gt_dtype=np.float32)
    assert "float32" in _fails(capsys, "--gt", str(gt), "--pred", str(split_pair[1]))
    pred = write_prediction(tmp_path / "float.hdf", PRED_SPLIT, dtype=np.float64)
    assert "float64" in _fails(capsys, "--gt", str(split_pair[0]), "--pred", str(pred))


def test_missing_prediction_key_names_the_datasets(split_pair, capsys) -> None:
    err = _fails(capsys, "--gt", str(split_pair[0]), "--pred", str(split_pair[1]), "--pred-key", "volumes/labels")
    assert "volumes/labels" in err and "volumes/gmm_label_cleaned" in err


def test_split_list_decides_partly_per_image(split_pair, tmp_path: Path, capsys) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("(1) samples for FlyLight completely:\n\ntest:\nother\n\n"
                       "(2) samples for FlyLight partly:\n\ntest:\nsplit\n")
    got = _run_json(capsys, "--gt", str(split_pair[0]), "--pred", str(split_pair[1]), "--min-size", "2",
                    "--split-list", str(listing))
    assert got["images"][0]["partly"] is True and got["counts_per_threshold"]["0.5"]["FP"] == 1
    listing.write_text("(1) samples for FlyLight completely:\n\ntest:\nother\n")
    assert "not in the split list" in _fails(capsys, "--gt", str(split_pair[0]), "--pred", str(split_pair[1]),
                                             "--split-list", str(listing))
