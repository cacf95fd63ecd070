"""Pictures of the data: one figure per dataset family, drawn only from what the loaders return.

>>> import neuropil
>>> fig = neuropil.plot("celegans-connectomes", connectome="cook_2019", out="cook.png")  # doctest: +SKIP

======================  =============================================================  ======================
dataset                 figure                                                         config (defaults)
======================  =============================================================  ======================
celegans-connectomes    adjacency heatmaps, neurons ordered by type and class,         connectome=cook_2019
                        one panel per edge type (chemical, electrical)
celegans-activity       raster of one recording, neuron labels on the y axis           recording=0
microns-fields          soma positions coloured by correlation to one cell (2 views)   field=6_6_2, cell=0,
                                                                                       measure=corr
fisbe                   ``kind=mip``: maximum-intensity projection with instance        sample=(first with raw),
                        outlines; ``kind=skeleton``: skeleton graphs by radius         kind=mip
vesselgraph             the vessel graph in 3-D, edges coloured by radius              graph=sample
======================  =============================================================  ======================

Every panel has axis labels and a colour bar. matplotlib is imported inside the functions and draws
with its Agg canvas (no display needed).
"""

from __future__ import annotations

import importlib
import inspect
import os
from typing import Any

from neuropil.datasets import get_spec
from neuropil.errors import InvalidArgumentError, unknown_value

#: dataset id -> {kind: "module:function"}; the first kind is the default
PLOTS: dict[str, dict[str, str]] = {
    "celegans-connectomes": {"adjacency": "connectome:plot_adjacency"},
    "celegans-activity": {"raster": "activity:plot_raster"},
    "microns-fields": {"correlation": "microns:plot_field_correlation"},
    "fisbe": {"mip": "fisbe:plot_mip", "skeleton": "fisbe:plot_skeletons"},
    "vesselgraph": {"graph": "vessels:plot_vessel_graph"},
}


def plot_function(dataset_id: str, kind: str | None = None) -> Any:
    """The drawing function of ``dataset_id`` (and ``kind``, where a dataset has several)."""
    get_spec(dataset_id)
    if dataset_id not in PLOTS:
        raise InvalidArgumentError(unknown_value(dataset_id, "dataset with a plot", PLOTS))
    kinds = PLOTS[dataset_id]
    kind = kind or next(iter(kinds))
    if kind not in kinds:
        raise InvalidArgumentError(unknown_value(kind, f"kind of {dataset_id} plot", kinds))
    module_name, function = kinds[kind].split(":")
    return getattr(importlib.import_module(f"neuropil.plotting.{module_name}"), function)


def plot(dataset_id: str, *, out: str | os.PathLike[str] | None = None, home: str | os.PathLike[str] | None = None,
         kind: str | None = None, **config: Any) -> Any:
    """Draw ``dataset_id`` as a ``matplotlib.figure.Figure``; also save it to ``out`` (PNG, PDF, SVG) if given."""
    function = plot_function(dataset_id, kind)
    accepted = [name for name, p in inspect.signature(function).parameters.items()
                if p.kind is inspect.Parameter.KEYWORD_ONLY and name != "home"]
    for key in config:
        if key not in accepted:
            raise InvalidArgumentError(unknown_value(key, f"config of the {dataset_id} plot", accepted))
    figure = function(home=home, **config)
    if out is not None:
        from neuropil.plotting._common import save_figure

        save_figure(figure, out)
    return figure
