"""neuropil: connectome and neural-dataset hub with graph-ML benchmarks.

>>> import neuropil
>>> neuropil.list_datasets()                          # doctest: +SKIP
>>> g = neuropil.load("celegans-connectomes", connectome="cook_2019", format="pyg")  # doctest: +SKIP
"""

from __future__ import annotations

import logging

from neuropil._home import get_home, set_home
from neuropil.errors import NeuropilError

__version__ = "0.1.0"
__all__ = ["__version__", "load", "list_datasets", "ingest", "plot", "get_home", "set_home", "NeuropilError"]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def list_datasets() -> list[str]:
    """Ids of every registered dataset."""
    from neuropil.datasets import dataset_ids

    return dataset_ids()


def load(dataset_id: str, *, format: str = "pyg", home=None, **config):  # noqa: A002 (HF/pandas users say format)
    """Load an ingested dataset as ``pyg``, ``hf``, ``pandas`` or ``networkx``; see :mod:`neuropil.loaders`."""
    from neuropil.loaders import load as _load

    return _load(dataset_id, format=format, home=home, **config)


def plot(dataset_id: str, *, out=None, home=None, **config):
    """Draw an ingested dataset as a matplotlib Figure (saved to ``out`` if given); see :mod:`neuropil.plotting`."""
    from neuropil.plotting import plot as _plot

    return _plot(dataset_id, out=out, home=home, **config)


def ingest(dataset_id: str, **options):
    """Build the homogenized files of one dataset; see :func:`neuropil.pipelines.ingest`."""
    from neuropil.pipelines import ingest as _ingest

    return _ingest(dataset_id, **options)
