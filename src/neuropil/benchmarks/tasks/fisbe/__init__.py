"""``fisbe-instance``: instance segmentation of overlapping neurons in FISBe volumes."""

from __future__ import annotations

from neuropil.benchmarks.spec import TaskSpec

SPECS = (TaskSpec(
    id="fisbe-instance",
    version="1.0.0",
    description=("Instance segmentation of overlapping neurons in FISBe light-microscopy volumes, scored by the "
                 "official FISBe metrics (S = mean of avF1 and clDice coverage) on the ingested images with raw "
                 "data (test split first)."),
    dataset="fisbe",
    dataset_config={},
    split={"kind": "official", "source": "sample_list_per_split.txt"},
    metrics=("S", "avF1", "C", "clDiceTP", "tp", "FS", "FM"),
    primary_metric="S",
    direction="max",
    module="neuropil.benchmarks.tasks.fisbe.instance",
    kind="analysis",
    baselines=("colour_clustering",),
    citation=("Mais L et al. (2024) FISBe: A real-world benchmark dataset for instance segmentation of long-range "
              "thin filamentous structures. CVPR 2024"),
),)
