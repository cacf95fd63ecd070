"""The catalogue: one frozen declaration per dataset (what exists and where it comes from).

Nothing here reads data. ``pipelines`` turns the declared raw files into homogenized outputs and
``loaders`` turns those into PyG / Hugging Face / pandas / networkx objects.
"""

from __future__ import annotations

from importlib.resources import files

from neuropil._fetch import RawFile
from neuropil._option import Option
from neuropil.datasets._spec import DatasetSpec
from neuropil.errors import DatasetNotFoundError, unknown_value

__all__ = ["DatasetSpec", "Option", "RawFile", "get_spec", "list_specs", "dataset_ids", "card_text"]


def _registry() -> dict[str, DatasetSpec]:
    from neuropil.datasets import celegans_activity, celegans_connectomes, vesselgraph

    specs = [celegans_connectomes.SPEC, celegans_activity.SPEC, vesselgraph.SPEC]
    from neuropil.datasets import microns

    specs += [microns.FIELDS_SPEC, microns.PINKY_SPEC, microns.MINNIE_SPEC]
    from neuropil.datasets import fisbe

    specs += [fisbe.SPEC]
    return {spec.id: spec for spec in specs}


def dataset_ids() -> list[str]:
    return sorted(_registry())


def list_specs() -> list[DatasetSpec]:
    registry = _registry()
    return [registry[name] for name in sorted(registry)]


def get_spec(dataset_id: str) -> DatasetSpec:
    registry = _registry()
    if dataset_id not in registry:
        raise DatasetNotFoundError(unknown_value(dataset_id, "dataset", registry))
    return registry[dataset_id]


def card_text(dataset_id: str) -> str:
    spec = get_spec(dataset_id)
    return files("neuropil.datasets").joinpath("cards", spec.card).read_text(encoding="utf-8")
