"""Loaders: homogenized files -> PyTorch Geometric, Hugging Face, pandas and networkx objects.

A loader never parses a raw file: it reads the Parquet tables a pipeline published. What
``neuropil export ID --hf DIR`` publishes is declared by the loader module (``hf_tables``,
``HF_DEFAULT_CONFIG``; see :mod:`neuropil.loaders.hf_export`), by default every Parquet output.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

from neuropil import _store
from neuropil.datasets import get_spec
from neuropil.errors import InvalidArgumentError, unknown_value

FORMATS = ("pyg", "hf", "pandas", "networkx", "torch")


def loader_module(dataset_id: str) -> ModuleType:
    """The loader module of a registered dataset (named by its spec)."""
    return importlib.import_module(get_spec(dataset_id).loader_module)


def load(dataset_id: str, *, format: str = "pyg", home: str | os.PathLike[str] | None = None, **config: Any) -> Any:  # noqa: A002
    """Load ``dataset_id`` in ``format`` (one of ``pyg``, ``hf``, ``pandas``, ``networkx``).

    ``config`` selects within the dataset, e.g. ``connectome="cook_2019"``; see ``neuropil info <id>``.
    """
    spec = get_spec(dataset_id)
    if format not in FORMATS:
        raise InvalidArgumentError(unknown_value(format, "format", FORMATS))
    module = loader_module(spec.id)
    loader = getattr(module, f"to_{format}", None)
    if loader is None:
        offered = [f for f in FORMATS if hasattr(module, f"to_{f}")]
        raise InvalidArgumentError(unknown_value(format, f"format of {dataset_id}", offered))
    try:
        with _store.pinned():  # every file of one load comes from one build, even during a re-ingest
            return loader(home=home, **config)
    except TypeError as error:  # a config key this dataset does not take
        raise InvalidArgumentError(f"{dataset_id} ({format}): {error}") from None
