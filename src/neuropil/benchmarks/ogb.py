"""OGB's names for neuropil's OGB-shaped tasks, so that an OGB example script runs after changing
its import line and its dataset name::

    from neuropil.benchmarks.ogb import Evaluator, PygLinkPropPredDataset  # was: from ogb.linkproppred import ...
    dataset = PygLinkPropPredDataset("vessel-link")                        # was: "ogbl-vessel"
    evaluator = Evaluator(name="vessel-link")

The dataset's defaults (graph, negatives, node features) are the task's registered configuration
(its :class:`~neuropil.benchmarks.spec.TaskSpec`), the same the baselines run on.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from neuropil.benchmarks.evaluate import Evaluator
from neuropil.benchmarks.registry import get_task
from neuropil.errors import InvalidArgumentError, unknown_value

__all__ = ["LINK_DATASETS", "Evaluator", "PygLinkPropPredDataset"]

#: OGB-shaped link datasets, by task id
LINK_DATASETS = ("vessel-link",)
#: the dataset settings a task's registered configuration passes on
_DATASET_SETTINGS = ("graph", "negatives", "node_features")


def PygLinkPropPredDataset(name: str, root: str | os.PathLike[str] = "dataset",  # noqa: N802 (OGB's name)
                           transform: Callable | None = None, pre_transform: Callable | None = None,
                           **config: Any) -> Any:
    """OGB's ``PygLinkPropPredDataset(name, root, transform, pre_transform)``: the task's dataset with
    its processed files in ``root/<name with '_' for '-'>`` (OGB's folder name); ``config`` overrides
    the task's registered dataset configuration (e.g. ``graph="BALBc_no1"``) or passes ``home``."""
    if name not in LINK_DATASETS:
        raise InvalidArgumentError(unknown_value(name, "name", LINK_DATASETS))
    from neuropil.loaders.vesselgraph_pyg import VesselLinkDataset

    spec = get_task(name)
    registered = {**spec.dataset_config, **spec.default_config}
    settings = {key: registered[key] for key in _DATASET_SETTINGS if key in registered}
    return VesselLinkDataset(os.path.join(os.fspath(root), name.replace("-", "_")), transform, pre_transform,
                             **{**settings, **config})
