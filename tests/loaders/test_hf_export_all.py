"""``neuropil export ID --hf DIR`` for every registered dataset, loaded back with
``datasets.load_dataset(DIR)`` offline: one config per declared table, the store's column types
(int32 / float32 stay so), ``ClassLabel`` where declared, stored splits as real splits, and a card
that the Hub's own ``DatasetCard`` parses (Hub licence ids, task and size categories, BibTeX)."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pytest

import neuropil
from neuropil.cli import main
from neuropil.datasets import dataset_ids, get_spec
from neuropil.loaders.hf_export import declared_tables
from neuropil.pipelines import ingest
from neuropil.testing import in_ci

#: ingests that take more than ~10 s on 2 cores from the real files: run in CI only
SLOW = {"microns-fields": "32 s"}
#: licence ids the Hub offers (https://huggingface.co/docs/hub/repositories-licenses), those we use
HUB_IDS = {"mit", "gpl-3.0", "cc-by-4.0", "cc-by-nc-4.0", "unknown", "other"}


def _ingest(dataset_id: str, home: Path, shared_root: Path, tmp_path: Path) -> None:
    if dataset_id == "microns-minnie65":  # the CAVE dumps are not in shared/data: the schema-exact fixture
        from neuropil.testing.microns import write_minnie65_tables

        fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=2000, n_nuclei=100)
        ingest(dataset_id, tables=str(fixture.folder), materialization=661, home=home, progress=False)
        return
    options = {"samples": ["patchperpix_crop"]} if dataset_id == "fisbe" else {}  # its one real crop: 1.5 s
    ingest(dataset_id, raw_dir=shared_root, home=home, progress=False, **options)


def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))


def _arrow_table(table) -> pa.Table:
    import pyarrow.parquet as pq

    if isinstance(table, (str, os.PathLike)):
        return pq.read_table(table)
    return pa.Table.from_pandas(table, preserve_index=False)


def _same_type(stored: pa.DataType, loaded: pa.DataType) -> bool:
    """Equal up to large / plain strings and lists (a storage detail, not a type change)."""
    def plain(t: pa.DataType) -> pa.DataType:
        if pa.types.is_large_string(t):
            return pa.string()
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return pa.list_(plain(t.value_type))
        return t

    return plain(stored) == plain(loaded)


@pytest.mark.parametrize("dataset_id", dataset_ids())
def test_every_dataset_exports_and_loads_offline_with_its_types(dataset_id: str, tmp_path: Path, shared_root: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets
    from huggingface_hub import DatasetCard

    if dataset_id in SLOW and not in_ci():
        pytest.skip(f"ingesting {dataset_id} from the real files takes {SLOW[dataset_id]}; runs in CI (CI=true)")
    home = tmp_path / "home"
    _ingest(dataset_id, home, shared_root, tmp_path)
    tables = declared_tables(dataset_id, home=home)
    assert tables, f"{dataset_id} declares no table"
    in_memory = neuropil.load(dataset_id, format="hf", home=home)  # every dataset loads as HF objects too
    assert isinstance(in_memory, (datasets.Dataset, datasets.DatasetDict)) and len(in_memory) > 0
    out = tmp_path / "hf"
    assert main(["export", dataset_id, "--hf", str(out), "--home", str(home), "-q"]) == 0
    _offline(monkeypatch, tmp_path)

    card = DatasetCard.load(out / "README.md")
    spec = get_spec(dataset_id)
    licences = card.data.license if isinstance(card.data.license, list) else [card.data.license]
    assert set(licences) <= HUB_IDS, licences
    if "other" in licences:  # the Hub then needs a name and a link
        assert card.data.license_name and card.data.license_link
    assert card.data.task_categories and card.data.size_categories
    assert spec.license in card.text and spec.citation.split(".")[0] in card.text
    assert card.text.count("```bibtex") == len(dict.fromkeys(spec.citation.split("; "))) - (
        dataset_id == "celegans-connectomes")  # its OpenWorm tables cite Varshney 2011, cited again after them
    configs = {c["config_name"]: c for c in card.data.configs}
    for config, table in tables.items():
        stored = _arrow_table(table)
        if stored.num_rows == 0:  # named in the card, not a config (load_dataset cannot read a 0-row file)
            assert f"`{config}`" in card.text.split("## Empty tables")[1] and config not in configs
            continue
        loaded = datasets.load_dataset(str(out), config, cache_dir=str(tmp_path / "hf-cache"))
        assert sum(split.num_rows for split in loaded.values()) == stored.num_rows, config
        if "split" in stored.column_names:  # a stored split is a real split, not a column
            assert set(loaded) == set(stored.column("split").to_pylist()), config
        else:
            assert list(loaded) == ["train"]
        first = next(iter(loaded.values()))
        for field in stored.schema:
            if field.name == "split":
                assert field.name not in first.features
                continue
            feature = first.features[field.name]
            if isinstance(feature, datasets.ClassLabel):  # stored as text, exported as class ids
                names = set(stored.column(field.name).drop_null().to_pylist())
                assert names <= set(feature.names), (config, field.name)
            elif isinstance(table, (str, os.PathLike)):  # a store file: its types (tables built in memory: below)
                assert _same_type(field.type, first.data.schema.field(field.name).type), (config, field.name)


def test_connectome_export_keeps_class_labels_and_int32(ingested_home: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets
    import pandas as pd

    out = tmp_path / "hf"
    neuropil.export("celegans-connectomes", hf=out, home=ingested_home)
    _offline(monkeypatch, tmp_path)
    edges = datasets.load_dataset(str(out), "edges", cache_dir=str(tmp_path / "c"))["train"]
    assert isinstance(edges.features["type"], datasets.ClassLabel)
    assert edges.features["type"].names[:2] == ["chemical", "electrical"]
    assert edges.features["pre_index"] == datasets.Value("int32")
    stored = pd.read_parquet(ingested_home / "celegans-connectomes" / "1.0.0" / "edges.parquet")
    decoded = [edges.features["type"].int2str(i) for i in edges["type"]]
    assert decoded == stored["type"].tolist()  # same rows, same order, every class id decodes to the stored text
    neurons = datasets.load_dataset(str(out), "neurons", cache_dir=str(tmp_path / "c"))["train"]
    assert isinstance(neurons.features["type"], datasets.ClassLabel) and neurons.num_rows == 300


def test_activity_traces_stay_float32_and_the_missing_licence_is_said(real_home, _pristine_homes, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import datasets

    home = _pristine_homes("celegans-activity")
    out = tmp_path / "hf"
    assert main(["export", "celegans-activity", "--hf", str(out), "--home", str(home), "-q"]) == 0
    err = capsys.readouterr().err
    assert "states no licence" in err and "Dag2023" in err  # on the command line, even with -q
    readme = (out / "README.md").read_text()
    assert "license: unknown" in readme and "**No licence stated.**" in readme
    _offline(monkeypatch, tmp_path)
    traces = datasets.load_dataset(str(out), "traces", cache_dir=str(tmp_path / "c"))["train"]
    assert traces.features["calcium_data"] == datasets.List(datasets.Value("float32"))
    assert traces.features["slot"] == datasets.Value("int32")


def test_vesselgraph_link_split_is_three_real_splits(real_home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets
    import pandas as pd

    home = real_home("vesselgraph")
    out = tmp_path / "hf"
    neuropil.export("vesselgraph", hf=out, home=home)
    _offline(monkeypatch, tmp_path)
    split = datasets.load_dataset(str(out), "link_split", cache_dir=str(tmp_path / "c"))
    stored = pd.read_parquet(home / "vesselgraph" / "1.0.0" / "link_split.parquet")
    assert set(split) == {"train", "valid", "test"}
    for name, part in split.items():
        assert part.num_rows == int((stored["split"] == name).sum())
        assert "split" not in part.column_names


@pytest.mark.parametrize("dataset_id", ["vesselgraph", "fisbe"])
def test_load_format_hf_for_the_datasets_that_refused(dataset_id: str, tmp_path: Path, shared_root: Path) -> None:
    import datasets

    home = tmp_path / "home"
    _ingest(dataset_id, home, shared_root, tmp_path)
    loaded = neuropil.load(dataset_id, format="hf", home=home)
    assert isinstance(loaded, datasets.DatasetDict)
    tables = {"vesselgraph": ("nodes", "edges", "link_split"),
              "fisbe": ("images", "instances", "skeleton_nodes", "skeleton_edges")}[dataset_id]
    assert set(loaded) == set(tables)
    for table in tables:
        assert loaded[table].num_rows == len(neuropil.load(dataset_id, format="pandas", table=table, home=home))


def test_a_value_outside_the_declared_classes_is_named() -> None:
    from datasets import ClassLabel, Features, Value

    from neuropil.errors import InvalidArgumentError
    from neuropil.loaders.hf_export import to_dataset

    features = Features({"type": ClassLabel(names=["chemical", "electrical"]), "weight": Value("float32")})
    table = pa.table({"type": ["electrical", None, "chemical"], "weight": [1.0, 2.0, 3.5]})
    dataset = to_dataset(table, features, what="edges")
    assert dataset["type"] == [1, None, 0] and dataset.features["weight"] == Value("float32")
    with pytest.raises(InvalidArgumentError, match=r"edges: column 'type' holds \['synaptic'\]"):
        to_dataset(pa.table({"type": ["chemical", "synaptic"], "weight": [1.0, 2.0]}), features, what="edges")
