"""FISBe label volumes as objects for scoring: ground truth and predictions as sparse instances,
their skeletons, and the official split list. The benchmarks (``tasks/fisbe``) read FISBe files
only through this module; the readers live in :mod:`neuropil.formats` (shared with the pipeline)."""

from __future__ import annotations

from neuropil.formats.fisbe_split import parse_split_list
from neuropil.formats.fisbe_volumes import (GT_KEY, PRED_KEY, SparseInstances, gt_instances_from_array,
                                            read_gt_instances, read_prediction, skeleton_voxels)

__all__ = ["GT_KEY", "PRED_KEY", "SparseInstances", "gt_instances_from_array", "parse_split_list",
           "read_gt_instances", "read_prediction", "skeleton_voxels"]
