"""``neuropil.export(ID, hf=DIR, croissant=FILE, nwb=DIR)``: every export format behind one call
(Hugging Face folder, Croissant JSON-LD, NWB files), each written atomically by its own module."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from neuropil.datasets import get_spec
from neuropil.errors import InvalidArgumentError


def export(dataset_id: str, *, hf: str | os.PathLike[str] | None = None,
           croissant: str | os.PathLike[str] | None = None, nwb: str | os.PathLike[str] | None = None,
           home: str | os.PathLike[str] | None = None, overwrite: bool = False) -> dict[str, Any]:
    """Write the requested exports; returns ``{"dataset", "hf", "croissant", "nwb", "licence_notice"}``
    (paths as strings, ``nwb`` the list of files, None for a format not asked for)."""
    get_spec(dataset_id)
    if hf is None and croissant is None and nwb is None:
        raise InvalidArgumentError("Nothing to export: give at least one of hf=DIR, croissant=FILE.json, nwb=DIR "
                                   "(--hf, --croissant, --nwb).")
    from neuropil.loaders.hf_card import licence_notice

    result: dict[str, Any] = {"dataset": dataset_id, "hf": None, "croissant": None, "nwb": None,
                              "licence_notice": licence_notice(dataset_id)}
    if nwb is not None:  # checked first: it refuses every dataset but celegans-activity before writing anything
        from neuropil.loaders.nwb_export import export_nwb

        result["nwb"] = [str(path) for path in export_nwb(dataset_id, nwb, home=home, overwrite=overwrite)]
    if hf is not None:
        from neuropil.loaders.hf_export import export_hf

        result["hf"] = str(export_hf(dataset_id, hf, home=home, overwrite=overwrite))
    if croissant is not None:
        from neuropil.loaders.croissant import export_croissant

        result["croissant"] = str(export_croissant(dataset_id, Path(croissant), home=home))
    return result
