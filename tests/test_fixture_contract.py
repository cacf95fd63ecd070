"""Every dataset through fixture -> pipeline -> loader (torchvision's contract test): the fixture
writer of each registered id writes files its pipeline ingests and its loaders read back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import neuropil
from neuropil.datasets import get_spec
from neuropil.pipelines import ingest
from neuropil.testing import fixture_writer, registered_for

#: what a user loads first, per dataset (a table every pipeline run of the fixture publishes)
FIRST_LOAD = {
    "celegans-connectomes": {"connectome": "witvliet_7"},
    "celegans-activity": {"table": "recordings"},
    "vesselgraph": {"graph": "fixture"},
    "fisbe": {},
    "microns-fields": {"field": "4_7_2"},
    "microns-pinky100": {},
    "microns-minnie65": {"table": "neurons"},
}


def test_every_dataset_has_a_first_load_here() -> None:
    assert set(FIRST_LOAD) == set(neuropil.list_datasets())


@pytest.mark.parametrize("dataset_id", sorted(FIRST_LOAD))
def test_fixture_ingests_and_loads(dataset_id: str, tmp_path: Path) -> None:
    fixture = fixture_writer(dataset_id)(tmp_path / "raw", seed=1)
    registered = {raw.name for raw in get_spec(dataset_id).raw_files}
    assert set(fixture.registered) <= registered, "a fixture replaces registered files only"
    assert all(path.is_file() for path in fixture.registered.values())
    home = tmp_path / "home"
    with registered_for(dataset_id, fixture.registered):
        result = ingest(dataset_id, raw_dir=fixture.raw_dir, home=home, progress=False, **fixture.options)
    assert result.status == "built"
    assert all(entry["sha256"] for entry in result.manifest["inputs"].values())
    table = neuropil.load(dataset_id, format="pandas", home=home, **FIRST_LOAD[dataset_id])
    assert isinstance(table, pd.DataFrame) and len(table) > 0
    _check_expected(dataset_id, fixture.expected, result.manifest, home)


def _check_expected(dataset_id: str, expected: dict, manifest: dict, home: Path) -> None:
    """What the writer put in comes back (counted independently of the pipeline's own stats)."""
    if dataset_id == "microns-pinky100":
        neurons = neuropil.load(dataset_id, table="neurons", format="pandas", home=home)
        edges = neuropil.load(dataset_id, table="edges", format="pandas", home=home)
        assert (len(neurons), len(edges), int(edges["synapse_count"].sum())) == (
            expected["neurons"], expected["pairs"], expected["synapses"])
    elif dataset_id == "microns-fields":
        neurons = neuropil.load(dataset_id, table="neurons", format="pandas", home=home)
        assert neurons.groupby("field").size().to_dict() == expected["neurons"]
    elif dataset_id == "celegans-activity":
        recordings = neuropil.load(dataset_id, table="recordings", format="pandas", home=home)
        skipped = neuropil.load(dataset_id, table="skipped", format="pandas", home=home)
        assert len(recordings) + len(skipped) == expected["worms"]
    elif dataset_id == "fisbe":
        assert sorted(manifest["stats"]["samples"] if "samples" in manifest.get("stats", {}) else
                      [name.removeprefix("zarr/").removesuffix(".zarr") for name in manifest["inputs"]
                       if name.startswith("zarr/")]) == sorted(expected["samples"])
    elif dataset_id == "celegans-connectomes":
        edges = neuropil.load(dataset_id, connectome=expected["connectome"], format="pandas", home=home)
        chemical = edges[edges["type"] == "chemical"]
        assert chemical["weight"].sum() == sum(row[3] for row in expected["rows"] if row[2] == "chemical")
        assert {"DA1", "VA1"} <= set(edges["pre"]) | set(edges["post"])  # zero-padded DA01 mapped, not dropped
