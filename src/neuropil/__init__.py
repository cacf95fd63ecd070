"""neuropil: connectome and neural-dataset hub with graph-ML benchmarks.

>>> import neuropil
>>> neuropil.list_datasets()                          # doctest: +SKIP
>>> g = neuropil.load("celegans-connectomes", connectome="cook_2019", format="pyg")  # doctest: +SKIP
>>> neuropil.export("celegans-connectomes", hf="out/hf", croissant="out/cc.json")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any, Literal, overload

from neuropil._home import get_home, set_home
from neuropil.errors import NeuropilError

if TYPE_CHECKING:
    import datasets
    import networkx
    import pandas
    import torch
    import torch_geometric

__version__ = "0.1.0"
__all__ = ["__version__", "load", "list_datasets", "info", "ingest", "export", "plot", "get_home", "set_home",
           "NeuropilError"]

logging.getLogger(__name__).addHandler(logging.NullHandler())

Home = str | os.PathLike[str] | None


def list_datasets() -> list[str]:
    """Ids of every registered dataset."""
    from neuropil.datasets import dataset_ids

    return dataset_ids()


def info(dataset_id: str, *, home: Home = None) -> dict[str, Any]:
    """What ``neuropil info ID --json`` prints: sources, licence, citation and ``bibtex``, configs,
    schema, and the local ingest (``ingested``, ``path``, ``stats``, ``outputs``, ...)."""
    from neuropil._info import dataset_info

    return dataset_info(dataset_id, home=home)


@overload
def load(dataset_id: str, *, format: Literal["pandas"], home: Home = None, **config: Any) -> pandas.DataFrame: ...
@overload
def load(dataset_id: str, *, format: Literal["hf"], home: Home = None,
         **config: Any) -> datasets.Dataset | datasets.DatasetDict: ...
@overload
def load(dataset_id: str, *, format: Literal["networkx"], home: Home = None, **config: Any) -> networkx.Graph: ...
@overload
def load(dataset_id: str, *, format: Literal["torch"], home: Home = None,
         **config: Any) -> torch.utils.data.Dataset | dict[str, Any]: ...
@overload
def load(dataset_id: str, *, format: Literal["pyg"] = ..., home: Home = None,
         **config: Any) -> torch_geometric.data.Data | torch_geometric.data.Dataset | list[torch_geometric.data.Data]: ...
def load(dataset_id: str, *, format: str = "pyg", home: Home = None, **config: Any) -> Any:  # noqa: A002 (HF/pandas users say format)
    """Load an ingested dataset as ``pyg``, ``hf``, ``pandas``, ``networkx`` or ``torch``; see :mod:`neuropil.loaders`."""
    from neuropil.loaders import load as _load

    return _load(dataset_id, format=format, home=home, **config)


def export(dataset_id: str, *, hf: str | os.PathLike[str] | None = None,
           croissant: str | os.PathLike[str] | None = None, nwb: str | os.PathLike[str] | None = None,
           home: Home = None, overwrite: bool = False) -> dict[str, Any]:
    """Write a Hugging Face folder (``hf``), Croissant JSON-LD (``croissant``) and / or NWB files
    (``nwb``, celegans-activity); see :func:`neuropil.loaders.export.export`."""
    from neuropil.loaders.export import export as _export

    return _export(dataset_id, hf=hf, croissant=croissant, nwb=nwb, home=home, overwrite=overwrite)


def plot(dataset_id: str, *, out: str | os.PathLike[str] | None = None, home: Home = None, **config: Any) -> Any:
    """Draw an ingested dataset as a matplotlib Figure (saved to ``out`` if given); see :mod:`neuropil.plotting`."""
    from neuropil.plotting import plot as _plot

    return _plot(dataset_id, out=out, home=home, **config)


def ingest(dataset_id: str, **options: Any) -> Any:
    """Build the homogenized files of one dataset; see :func:`neuropil.pipelines.ingest`."""
    from neuropil.pipelines import ingest as _ingest

    return _ingest(dataset_id, **options)
