"""Croissant 1.0 export, checked with mlcroissant itself: it validates, verifies every SHA-256 it
reads, and iterates records equal to what the pandas loader returns."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

import neuropil
from neuropil.datasets import get_spec
from neuropil.errors import InvalidArgumentError, NotIngestedError
from neuropil.loaders.croissant import export_croissant

mlc = pytest.importorskip("mlcroissant")

# every dataset ingestible from the shared real files, with a table to iterate in full
REAL = {
    "celegans-connectomes": "neurons",
    "celegans-activity": "recordings",
    "microns-fields": "edges",
    "microns-pinky100": "neurons",
    "vesselgraph": "nodes",
}


@pytest.fixture(scope="module")
def fisbe_home(tmp_path_factory, shared_root: Path) -> Path:
    """FISBe from its one real raw crop (1.5 s; the two whole test images take 45 s)."""
    from neuropil.pipelines import ingest

    home = tmp_path_factory.mktemp("fisbe-home")
    ingest("fisbe", raw_dir=shared_root, home=home, progress=False, samples=["patchperpix_crop"])
    return home


@pytest.fixture(scope="module")
def minnie65_home(tmp_path_factory) -> Path:
    """microns-minnie65 needs CAVE dumps that are not in the shared data: the shipped fake tables."""
    from neuropil.pipelines import ingest
    from neuropil.testing.microns import write_minnie65_tables

    root = tmp_path_factory.mktemp("minnie65")
    fixture = write_minnie65_tables(root / "tables", n_synapses=2000, n_nuclei=80, seed=3)
    ingest("microns-minnie65", tables=str(fixture.folder), materialization=661, home=root / "home", progress=False)
    return root / "home"


def _check(dataset_id: str, home: Path, table: str, out: Path) -> dict:
    logging.getLogger("absl").setLevel(logging.ERROR)
    path = export_croissant(dataset_id, out / f"{dataset_id}.json", home=home)
    document = json.loads(path.read_text())
    dataset = mlc.Dataset(jsonld=str(path))  # raises on a validation error
    assert not dataset.metadata.ctx.issues.errors
    assert document["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    manifest = json.loads((home / dataset_id / get_spec(dataset_id).version / "manifest.json").read_text())
    files = {d["@id"]: d["sha256"] for d in document["distribution"]}
    assert files == {name: entry["sha256"] for name, entry in manifest["outputs"].items()}
    expected = neuropil.load(dataset_id, format="pandas", table=table, home=home)
    records = list(dataset.records(record_set=table))
    assert len(records) == len(expected) == manifest["outputs"][f"{table}.parquet"]["rows"]
    first = {key.split("/", 1)[1]: value for key, value in records[0].items()}
    for column in expected.columns:
        value = expected[column].iloc[0]  # per column: a row Series would cast int64 ids to float
        got = first[column].decode() if isinstance(first[column], bytes) else first[column]
        if pd.isna(value):  # missing stays missing
            assert got is None or pd.isna(got)
        else:
            assert got == value, column
    field_types = {f["name"]: f["dataType"] for rs in document["recordSet"] if rs["@id"] == table for f in rs["field"]}
    assert set(field_types) == set(expected.columns)
    return document


@pytest.mark.parametrize("dataset_id", sorted(REAL))
def test_croissant_real_dataset_validates_and_iterates(dataset_id: str, real_home, _pristine_homes,
                                                      tmp_path: Path) -> None:
    # celegans-activity in a home of its own: tests/test_cli.py checks that real_home lacks it
    home = _pristine_homes(dataset_id) if dataset_id == "celegans-activity" else real_home(dataset_id)
    document = _check(dataset_id, home, REAL[dataset_id], tmp_path)
    spec = get_spec(dataset_id)
    assert document["license"] == spec.license and document["citeAs"] == spec.citation


def test_croissant_fisbe_lists_hdf5_volumes_with_checksums(fisbe_home: Path, tmp_path: Path) -> None:
    document = _check("fisbe", fisbe_home, "skeleton_nodes", tmp_path)
    volumes = [d for d in document["distribution"] if d["encodingFormat"] == "application/x-hdf5"]
    assert [d["@id"] for d in volumes] == ["images/patchperpix_crop.h5"]
    assert len(volumes[0]["sha256"]) == 64


def test_croissant_minnie65_part_files_are_record_sets(minnie65_home: Path, tmp_path: Path) -> None:
    document = _check("microns-minnie65", minnie65_home, "neurons", tmp_path)
    ids = {rs["@id"] for rs in document["recordSet"]}
    assert {"edges-part-00000", "synapses-part-00000"} <= ids
    types = {f["name"]: f["dataType"] for rs in document["recordSet"] if rs["@id"] == "edges-part-00000"
             for f in rs["field"]}
    assert types["synapse_count"] == "sc:Integer" and types["pre_root_id"] == "sc:Integer"


def test_croissant_wrong_checksum_is_caught_by_mlcroissant(real_home, tmp_path: Path) -> None:
    path = export_croissant("vesselgraph", tmp_path / "v.json", home=real_home("vesselgraph"))
    document = json.loads(path.read_text())
    for entry in document["distribution"]:
        if entry["@id"] == "nodes.parquet":
            entry["sha256"] = "0" * 64
    path.write_text(json.dumps(document))
    with pytest.raises(Exception, match=r"Download\(nodes.parquet\)") as caught:
        list(mlc.Dataset(jsonld=str(path)).records(record_set="nodes"))
    assert "Hash of downloaded file" in str(caught.value.__cause__)


def test_croissant_base_url_and_bad_inputs(real_home, tmp_path: Path) -> None:
    home = real_home("vesselgraph")
    path = export_croissant("vesselgraph", tmp_path / "pub.json", home=home, base_url="https://example.org/vg/")
    urls = {d["@id"]: d["contentUrl"] for d in json.loads(path.read_text())["distribution"]}
    assert urls["edges.parquet"] == "https://example.org/vg/edges.parquet"
    assert not list(tmp_path.glob(".pub.json.*"))  # the temporary file was renamed, not left behind
    with pytest.raises(InvalidArgumentError, match="is a folder"):
        export_croissant("vesselgraph", tmp_path, home=home)
    with pytest.raises(NotIngestedError, match="not ingested"):
        export_croissant("microns-pinky100", tmp_path / "p.json", home=tmp_path / "empty-home")
