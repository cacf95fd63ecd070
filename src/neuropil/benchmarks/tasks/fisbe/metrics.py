"""The FISBe instance-segmentation metrics (Mais et al., CVPR 2024), in a fraction of the memory.

Same numbers as the official evaluator (Kainmueller-Lab ``evaluate-instance-segmentation``,
``--app flylight``) on its own test image, computed per instance inside bounding boxes from
sparse voxel lists (:mod:`neuropil.loaders.fisbe_volumes`) instead of full-volume int64 stacks.

Definition (FISBe preset), for one image:

1. prediction labels with ``<= 800`` voxels are removed (instance size, not connected
   components); the rest are numbered by increasing label value;
2. skeleton = scikit-image ``skeletonize`` (Lee 1994 in 3-D) of each instance mask;
   clPrecision(p, g) = |skel(p) ∩ g| / |skel(p)|, clRecall(g, p) = |skel(g) ∩ p| / |skel(g)|,
   clDice = their harmonic mean (float32, as upstream);
3. F1 at t in 0.1 .. 0.9: greedy one-to-one matching of all pairs with clDice > t (best first;
   ties: lower neuron, then lower prediction); TP = matches, FN = unmatched neurons, FP =
   unmatched predictions, except on partly labelled images where an unmatched prediction is a FP
   only if its highest clPrecision is with a neuron rather than with background (background wins
   ties); F1 = 2 TP / (2 TP + FP + FN); avF1 = mean over the 9 thresholds;
4. C: each prediction goes to the neuron of highest clPrecision (background wins -> none);
   per neuron, clRecall of the union of its predictions; C = mean over neurons;
5. S = (avF1 + C) / 2; clDiceTP = mean clDice of the matches at 0.5; tp = TP(0.5) / neurons;
6. FS / FM: greedy many-to-many matching on clRecall (> 0.05 for FS, > 0.1 for FM), each accepted
   pair consuming the neuron skeleton covered by the prediction and the prediction voxels inside
   the neuron, the remaining pairs of either re-scored (dropped at or below the threshold);
   FS = sum over neurons of max(0, predictions - 1), FM = sum over predictions of max(0, neurons - 1).

A set of images pools its counts: F1 from summed TP/FP/FN per threshold, C and clDiceTP as means
over all neurons / matches of the set, FS and FM as sums.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neuropil.errors import InvalidArgumentError

logger = logging.getLogger(__name__)

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
MIN_PRED_SIZE = 800
FS_THRESHOLD = 0.05
FM_THRESHOLD = 0.1


@dataclass
class ImageScores:
    """Counts and per-instance values of one image; :func:`summarize` pools a list of them."""

    sample: str
    partly: bool
    num_gt: int
    num_pred: int
    tp: dict[float, int]
    fp: dict[float, int]
    fn: dict[float, int]
    tp_05_cldice: list[float]
    coverage: list[float]
    fs: int
    fm: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        summary = summarize([self])
        return {"sample": self.sample, "partly": self.partly, **summary,
                "TP_05_cldice": [float(v) for v in self.tp_05_cldice], "gt_coverage": [float(v) for v in self.coverage],
                **self.extra}


def _hits(points: np.ndarray, index_flat: np.ndarray, index_label: np.ndarray, n_labels: int) -> tuple[np.ndarray, int]:
    """Per label, how many of ``points`` lie in it (overlapping labels all count); and how many
    points lie in no label (background)."""
    lo = np.searchsorted(index_flat, points, "left")
    hi = np.searchsorted(index_flat, points, "right")
    per_point = hi - lo
    total = int(per_point.sum())
    if total:
        starts = np.repeat(lo, per_point)
        within = np.arange(total) - np.repeat(np.cumsum(per_point) - per_point, per_point)
        counts = np.bincount(index_label[starts + within], minlength=n_labels + 1)
    else:
        counts = np.zeros(n_labels + 1, dtype=np.int64)
    counts[0] = int(np.count_nonzero(per_point == 0))
    return counts, int(points.size)


def _count_in(points: np.ndarray, members: np.ndarray) -> int:
    """|points ∩ members| for sorted unique flat-index arrays."""
    if points.size == 0 or members.size == 0:
        return 0
    where = np.searchsorted(members, points)
    where[where == members.size] = members.size - 1
    return int(np.count_nonzero(members[where] == points))


def _without(points: np.ndarray, members: np.ndarray) -> np.ndarray:
    if points.size == 0 or members.size == 0:
        return points
    where = np.searchsorted(members, points)
    where[where == members.size] = members.size - 1
    return points[members[where] != points]


def centerline_matrices(gt: Any, pred: Any, gt_skeletons: Sequence[np.ndarray],
                        pred_skeletons: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clPrecision, clRecall, clDice), each (neurons + 1) x (predictions + 1) float32, row/column
    0 = background, as the official ``compute_localization_criterion``."""
    n_gt, n_pred = len(gt), len(pred)
    precision = np.zeros((n_gt + 1, n_pred + 1), dtype=np.float32)
    recall = np.zeros((n_gt + 1, n_pred + 1), dtype=np.float32)
    gt_flat, gt_label = gt.index()
    pred_flat, pred_label = pred.index()
    for p, skeleton in enumerate(pred_skeletons, start=1):
        counts, size = _hits(skeleton, gt_flat, gt_label, n_gt)
        if size:
            precision[:, p] = counts / float(size)
    for g, skeleton in enumerate(gt_skeletons, start=1):
        counts, size = _hits(skeleton, pred_flat, pred_label, n_pred)
        if size:
            recall[g, :] = counts / float(size)
    with np.errstate(invalid="ignore", divide="ignore"):
        cldice = np.nan_to_num(2 * precision * recall / (precision + recall))
    return precision, recall, cldice.astype(np.float32)


def greedy_one_to_one(cldice: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Pairs (neuron, prediction), 1-based, with clDice > threshold, best first, both free."""
    fg = cldice[1:, 1:]
    g_idx, p_idx = np.nonzero(fg > threshold)
    order = np.lexsort((p_idx, g_idx, -fg[g_idx, p_idx]))
    used_g, used_p, matches = set(), set(), []
    for g, p in zip(g_idx[order], p_idx[order]):
        if g not in used_g and p not in used_p:
            used_g.add(g)
            used_p.add(p)
            matches.append((int(g) + 1, int(p) + 1))
    return matches


def greedy_many_to_many(recall: np.ndarray, threshold: float, gt: Any, pred: Any,
                        gt_skeletons: Sequence[np.ndarray]) -> dict[int, list[int]]:
    """Neuron -> matched predictions (1-based). Pairs enter with clRecall > threshold; the best is
    accepted, the neuron's skeleton covered by the prediction and the prediction's voxels inside
    the neuron are consumed, and the other queued pairs of that neuron or prediction are re-scored
    (the neuron side on its remaining skeleton, the prediction side on its remaining voxels, as
    upstream) and dropped once at or below the threshold."""
    fg = recall[1:, 1:]
    candidates = fg > threshold
    counter = itertools.count()
    heap: list[tuple[float, int, int, int]] = []
    current: dict[tuple[int, int], float] = {}

    def push(g: int, p: int, value: float) -> None:
        current[(g, p)] = value
        heapq.heappush(heap, (-value, next(counter), g, p))

    for g, p in zip(*np.nonzero(candidates)):
        push(int(g), int(p), float(fg[g, p]))
    gt_avail = {g: gt_skeletons[g] for g in range(len(gt_skeletons))}
    pred_avail = {p: pred.voxels[p] for p in range(len(pred))}
    matches: dict[int, list[int]] = {}
    while heap:
        negative, _, g, p = heapq.heappop(heap)
        if current.get((g, p)) != -negative:
            continue  # stale entry, superseded or dropped
        del current[(g, p)]
        matches.setdefault(g + 1, []).append(p + 1)
        gt_avail[g] = _without(gt_avail[g], pred.voxels[p])
        pred_avail[p] = _without(pred_avail[p], gt.voxels[g])
        for other in np.flatnonzero(candidates[g]):
            other = int(other)
            if (g, other) in current:
                value = _count_in(gt_avail[g], pred.voxels[other]) / max(1.0, float(gt_skeletons[g].size))
                if value > threshold:
                    push(g, other, value)
                else:
                    del current[(g, other)]
        for other in np.flatnonzero(candidates[:, p]):
            other = int(other)
            if (other, p) in current:
                value = _count_in(gt_skeletons[other], pred_avail[p]) / max(1.0, float(gt_skeletons[other].size))
                if value > threshold:
                    push(other, p, value)
                else:
                    del current[(other, p)]
    return matches


def evaluate_instances(gt: Any, pred: Any, *, partly: bool = False, sample: str = "") -> ImageScores:
    """Score one image given its sparse ground truth and (already size-filtered) prediction."""
    from neuropil.loaders.fisbe_volumes import skeleton_voxels

    if tuple(gt.shape) != tuple(pred.shape):
        raise InvalidArgumentError(f"{sample or 'image'}: prediction shape {tuple(pred.shape)} differs from the "
                                   f"ground truth's {tuple(gt.shape)} (z, y, x); they must cover the same volume.")
    gt_skeletons = [skeleton_voxels(v, gt.shape) for v in gt.voxels]
    pred_skeletons = [skeleton_voxels(v, pred.shape) for v in pred.voxels]
    precision, recall, cldice = centerline_matrices(gt, pred, gt_skeletons, pred_skeletons)
    n_gt, n_pred = len(gt), len(pred)
    best_gt = np.argmax(precision, axis=0)  # per prediction; argmax's first index: background wins ties
    tp, fp, fn = {}, {}, {}
    tp_05_cldice: list[float] = []
    for threshold in THRESHOLDS:
        matches = greedy_one_to_one(cldice, threshold) if n_gt and n_pred else []
        matched = {p for _, p in matches}
        tp[threshold] = len(matches)
        fn[threshold] = n_gt - len(matches)
        if partly:
            fp[threshold] = sum(1 for p in range(1, n_pred + 1) if p not in matched and best_gt[p] > 0)
        else:
            fp[threshold] = n_pred - len(matches)
        if threshold == 0.5:
            tp_05_cldice = [float(cldice[g, p]) for g, p in matches]
    coverage = []
    for g in range(1, n_gt + 1):
        assigned = np.flatnonzero(best_gt[1:] == g) + 1
        # predictions do not overlap, so the union's clRecall is the sum of the parts' (upstream's sum)
        coverage.append(float(np.sum(recall[g, assigned], dtype=np.float32)) if assigned.size else 0.0)
    fs_matches = greedy_many_to_many(recall, FS_THRESHOLD, gt, pred, gt_skeletons)
    fm_matches = greedy_many_to_many(recall, FM_THRESHOLD, gt, pred, gt_skeletons)
    fs = sum(max(0, len(v) - 1) for v in fs_matches.values())
    per_pred = np.zeros(n_pred + 1, dtype=np.int64)
    for predictions in fm_matches.values():
        for p in predictions:
            per_pred[p] += 1
    fm = int(np.maximum(per_pred - 1, 0).sum())
    return ImageScores(sample=sample, partly=partly, num_gt=n_gt, num_pred=n_pred, tp=tp, fp=fp, fn=fn,
                       tp_05_cldice=tp_05_cldice, coverage=coverage, fs=fs, fm=fm)


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2.0 * tp / (2 * tp + fp + fn) if tp > 0 else 0.0


def summarize(images: Sequence[ImageScores]) -> dict[str, Any]:
    """Pool a set of images: summed counts per threshold, means over all neurons / matches."""
    if not images:
        raise InvalidArgumentError("No image to summarize.")
    num_gt = sum(i.num_gt for i in images)
    counts = {t: (sum(i.tp[t] for i in images), sum(i.fp[t] for i in images), sum(i.fn[t] for i in images))
              for t in THRESHOLDS}
    f1 = {t: _f1(*counts[t]) for t in THRESHOLDS}
    av_f1 = float(np.mean([f1[t] for t in THRESHOLDS]))
    coverage = [c for i in images for c in i.coverage]
    cov = float(np.mean(coverage)) if coverage else 0.0
    cldices = [c for i in images for c in i.tp_05_cldice]
    tp_05 = counts[0.5][0]
    return {
        "S": 0.5 * av_f1 + 0.5 * cov,
        "avF1": av_f1,
        "C": cov,
        "clDiceTP": float(np.mean(np.asarray(cldices, dtype=np.float32))) if cldices else 0.0,
        "tp": tp_05 / num_gt if num_gt else 0.0,
        "TP_05": int(tp_05),
        "FP_05": int(counts[0.5][1]),
        "FN_05": int(counts[0.5][2]),
        "FS": int(sum(i.fs for i in images)),
        "FM": int(sum(i.fm for i in images)),
        "num_gt": int(num_gt),
        "num_pred": int(sum(i.num_pred for i in images)),
        "num_images": len(images),
        "f1_per_threshold": {f"{t:.1f}": f1[t] for t in THRESHOLDS},
        "counts_per_threshold": {f"{t:.1f}": {"TP": int(c[0]), "FP": int(c[1]), "FN": int(c[2])}
                                 for t, c in counts.items()},
    }


def evaluate_file(gt_path: str | os.PathLike[str], pred_path: str | os.PathLike[str], *,
                  pred_key: str | None = None, gt_key: str | None = None, partly: bool = False,
                  min_size: int = MIN_PRED_SIZE, allow_empty: bool = False) -> ImageScores:
    """Score one prediction file against one FISBe ground-truth zarr."""
    from neuropil.loaders.fisbe_volumes import GT_KEY, PRED_KEY, read_gt_instances, read_prediction

    gt = read_gt_instances(gt_path, key=gt_key or GT_KEY)
    pred = read_prediction(pred_path, key=pred_key or PRED_KEY, min_size=min_size, allow_empty=allow_empty)
    if tuple(gt.shape) != tuple(pred.shape):
        raise InvalidArgumentError(f"Prediction {pred_path} has shape {tuple(pred.shape)} (z, y, x) but the ground "
                                   f"truth {gt_path} has {tuple(gt.shape)}; they must cover the same volume.")
    sample = Path(gt_path).name.split(".")[0]
    scores = evaluate_instances(gt, pred, partly=partly, sample=sample)
    scores.extra["removed_small_predictions"] = int(pred.attrs.get("removed_small", 0))
    return scores


def pair_folders(gt_dir: str | os.PathLike[str], pred_dir: str | os.PathLike[str]) -> list[tuple[Path, Path]]:
    """``<gt_dir>/<sample>.zarr`` with ``<pred_dir>/<sample>.{hdf,h5,hdf5,zarr}``; an unpaired
    prediction is an error (it would silently drop out of the pooled score)."""
    gt_dir, pred_dir = Path(gt_dir), Path(pred_dir)
    gts = {p.name.split(".")[0]: p for p in sorted(gt_dir.glob("*.zarr"))}
    preds = {p.name.split(".")[0]: p for p in sorted(pred_dir.iterdir())
             if p.suffix.lower() in (".hdf", ".h5", ".hdf5", ".zarr")}
    if not preds:
        raise InvalidArgumentError(f"No prediction (.hdf/.h5/.hdf5/.zarr) in {pred_dir}.")
    missing = sorted(set(preds) - set(gts))
    if missing:
        raise InvalidArgumentError(f"Predictions without ground truth in {gt_dir}: {missing}.")
    return [(gts[name], preds[name]) for name in sorted(preds)]


def partly_flags(gt_paths: Sequence[str | os.PathLike[str]], split_list: str | os.PathLike[str]) -> list[bool]:
    """Per ground-truth zarr, whether the official split list calls its sample partly labelled."""
    from neuropil.loaders.fisbe_volumes import parse_split_list

    listed = parse_split_list(split_list)
    flags = []
    for path in gt_paths:
        sample = Path(path).name.split(".")[0]
        if sample not in listed:
            raise InvalidArgumentError(f"Sample {sample!r} ({path}) is not in the split list {split_list}; "
                                       "pass --partly or leave the split list out.")
        flags.append(listed[sample][0] == "partly")
    return flags


def evaluate_set(pairs: Sequence[tuple[str | os.PathLike[str], str | os.PathLike[str]]], *,
                 pred_key: str | None = None, partly: bool | Sequence[bool] = False,
                 min_size: int = MIN_PRED_SIZE, allow_empty: bool = False,
                 progress: bool = False) -> dict[str, Any]:
    """Score (ground truth, prediction) pairs as one pooled set; per-image results under ``images``."""
    from tqdm.auto import tqdm

    if not pairs:
        raise InvalidArgumentError("No (ground truth, prediction) pair to evaluate.")
    partly_list = [partly] * len(pairs) if isinstance(partly, bool) else list(partly)
    if len(partly_list) != len(pairs):
        raise InvalidArgumentError(f"{len(partly_list)} partly flags for {len(pairs)} image pairs.")
    images = [evaluate_file(gt, pred, pred_key=pred_key, partly=flag, min_size=min_size, allow_empty=allow_empty)
              for (gt, pred), flag in tqdm(list(zip(pairs, partly_list)), desc="fisbe eval", disable=not progress)]
    return {**summarize(images), "images": [image.to_dict() for image in images]}
