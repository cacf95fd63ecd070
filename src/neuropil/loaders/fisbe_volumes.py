"""FISBe label volumes as objects for scoring: ground truth and predictions as sparse instances,
their skeletons, and the official split list. The benchmarks (``tasks/fisbe``) read FISBe files
only through this module; the readers themselves are shared with the FISBe pipeline."""

from __future__ import annotations

from neuropil.pipelines.fisbe import parse_split_list
from neuropil.pipelines.fisbe_volumes import (GT_KEY, PRED_KEY, SparseInstances, gt_instances_from_array,
                                              read_gt_instances, read_prediction, skeleton_voxels)

__all__ = ["GT_KEY", "PRED_KEY", "SparseInstances", "gt_instances_from_array", "parse_split_list",
           "read_gt_instances", "read_prediction", "skeleton_voxels"]
