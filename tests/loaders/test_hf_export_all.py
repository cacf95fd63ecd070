"""``neuropil export ID --hf DIR`` for every registered dataset, loaded back with
``datasets.load_dataset(DIR)`` offline: one config per declared table, row counts equal to the store's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from neuropil.cli import main
from neuropil.datasets import dataset_ids, get_spec
from neuropil.loaders.hf_export import declared_tables
from neuropil.pipelines import ingest
from neuropil.testing import in_ci

#: ingests that take more than ~10 s on 2 cores from the real files: run in CI only
SLOW = {"fisbe": "90 s", "microns-fields": "32 s"}


def _ingest(dataset_id: str, home: Path, shared_root: Path, tmp_path: Path) -> None:
    if dataset_id == "microns-minnie65":  # the CAVE dumps are not in shared/data: the schema-exact fixture
        from neuropil.testing.microns import write_minnie65_tables

        fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=2000, n_nuclei=100)
        ingest(dataset_id, tables=str(fixture.folder), materialization=661, home=home, progress=False)
        return
    ingest(dataset_id, raw_dir=shared_root, home=home, progress=False)


@pytest.mark.parametrize("dataset_id", dataset_ids())
def test_every_dataset_exports_and_loads_offline(dataset_id: str, tmp_path: Path, shared_root: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets
    import pyarrow.parquet as pq

    if dataset_id in SLOW and not in_ci():
        pytest.skip(f"ingesting {dataset_id} from the real files takes {SLOW[dataset_id]}; runs in CI (CI=true)")
    home = tmp_path / "home"
    _ingest(dataset_id, home, shared_root, tmp_path)
    tables = declared_tables(dataset_id, home=home)
    assert tables, f"{dataset_id} declares no table"
    out = tmp_path / "hf"
    assert main(["export", dataset_id, "--hf", str(out), "--home", str(home), "-q"]) == 0
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    readme = (out / "README.md").read_text()
    spec = get_spec(dataset_id)
    assert spec.license in readme and spec.citation.split(".")[0] in readme
    for config, table in tables.items():
        rows = pq.ParquetFile(table).metadata.num_rows if isinstance(table, (str, os.PathLike)) else len(table)
        if rows == 0:  # named in the card, not a config (load_dataset cannot read a 0-row file)
            assert f"`{config}`" in readme.split("## Empty tables")[1]
            continue
        expected = pq.ParquetFile(out / "data" / f"{config}.parquet").metadata.num_rows
        loaded = datasets.load_dataset(str(out), config, cache_dir=str(tmp_path / "hf-cache"))
        assert loaded["train"].num_rows == expected, config
        assert f"config_name: {config}" in readme
    default = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "hf-cache"))
    assert default["train"].num_rows >= 0
