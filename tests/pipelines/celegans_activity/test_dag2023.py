"""Dag2023 from the real files: stats derived independently from the raw HDF5 and JSON, skips,
determinism, bad inputs, and the loaders."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

import neuropil
from neuropil import _store
from neuropil.cli import main
from neuropil.datasets import celegans_activity as registry
from neuropil.errors import ChecksumError, RawFormatError, UnverifiedSourceError
from neuropil.pipelines import ingest
from neuropil.testing import registered_fixtures, truncate_copy

DATASET = "celegans-activity"


@pytest.fixture(scope="module")
def activity_home(tmp_path_factory: pytest.TempPathFactory, shared_root: Path) -> Path:
    home = tmp_path_factory.mktemp("activity")
    ingest("celegans-connectomes", raw_dir=shared_root, home=home, progress=False)
    ingest(DATASET, raw_dir=shared_root, home=home, progress=False)
    return home


def expected_from_raw(shared: Path) -> dict[str, dict]:
    """Independent route: h5py + json + the canonical list file, with the documented rules
    (exact canonical names after removing zero padding; '?' labels and labels claimed twice in a
    worm are not labelled)."""
    folder = shared / "celegans" / "dag2023"
    canonical = set((shared / "celegans" / "worm-graph" / "neuron_labels_generated.txt").read_text().split())
    labels = json.loads((folder / "NeuroPAL_labels_dict.json").read_text())
    expected = {}
    for path in sorted((folder / "swf702_with_id").glob("*-data.h5")):
        uid = path.name[: -len("-data.h5")]
        with h5py.File(path, "r") as handle:
            traces = handle["gcamp/traces_array_F_F20"][()]
            stamps = handle["timing/timestamp_confocal"][()][: traces.shape[0]]
        names = []
        for record in labels[uid][0].values():
            name = re.sub(r"^(AS|DA|DB|DD|VA|VB|VC|VD)0+(\d+)$", r"\1\2", record["label"].strip())
            if "?" not in name and name in canonical:
                names.append(name)
        unique = [n for n in names if names.count(n) == 1]
        expected[uid] = {"worm": uid, "timesteps": traces.shape[0], "median_dt": float(np.median(np.diff(stamps))),
                         "labelled_neurons": len(unique), "recorded_neurons": traces.shape[1]}
    return expected


def test_stats_match_the_raw_files(activity_home: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", DATASET, "--json", "--home", str(activity_home)]) == 0
    stats = json.loads(capsys.readouterr().out)["stats"]["Dag2023"]
    expected = expected_from_raw(shared_data)
    assert stats["recordings"] == 7 == len(expected)
    assert stats["skipped"] == 2 and stats["skip_reasons"] == {"no labelled neuron": 2}
    for row in stats["per_recording"]:
        want = expected[row["worm"]]
        assert row["timesteps"] == want["timesteps"]
        assert row["median_dt"] == pytest.approx(want["median_dt"], abs=1e-6)
        assert row["labelled_neurons"] == want["labelled_neurons"]
        assert row["recorded_neurons"] == want["recorded_neurons"]
    # the worm the reference lost to str.strip("-data.h5") keeps its labels here
    assert expected["2022-07-27-45"]["labelled_neurons"] > 0
    skipped = neuropil.load(DATASET, table="skipped", format="pandas", home=activity_home)
    assert sorted(skipped["worm"]) == ["2022-01-16-01", "2022-05-02-01"]


def test_ambiguous_labels_keep_candidates_and_no_canonical_slot(activity_home: Path) -> None:
    neurons = neuropil.load(DATASET, table="neurons", format="pandas", home=activity_home)
    saad = neurons[neurons["raw_label"] == "SAAD?"]
    assert len(saad) > 0 and (saad["label_status"] == "ambiguous").all()
    assert all(sorted(c) == ["SAADL", "SAADR"] for c in saad["candidates"])
    unlabelled = neurons[neurons["label_status"] != "labelled"]
    assert unlabelled["canonical_index"].isna().all()
    vb2 = neurons[neurons["raw_label"] == "VB02"]
    assert len(vb2) > 0 and set(vb2["label"]) == {"VB2"}  # not VA12, as the reference's matcher had it
    per_worm = neurons[neurons["label_status"] == "labelled"].groupby("recording")["canonical_index"]
    assert (per_worm.nunique() == per_worm.size()).all()  # one neuron per canonical slot per worm


def test_processed_traces_map_back_to_raw(activity_home: Path) -> None:
    from neuropil.loaders.celegans_activity import read_arrays
    from neuropil.pipelines.celegans_activity import resample

    neurons = neuropil.load(DATASET, table="neurons", format="pandas", home=activity_home)
    arrays = read_arrays(0, home=activity_home)
    assert arrays["raw_traces"].shape == (800, 146) and arrays["raw_time"][0] == 0
    grid, expected = resample(arrays["raw_time"], arrays["raw_traces"], 1 / 3)
    assert np.array_equal(arrays["time"], grid)
    first = neurons[(neurons["recording"] == 0)].iloc[:5]
    restored = arrays["traces"][:, first["local_id"]] * first["std"].to_numpy() + first["mean"].to_numpy()
    assert np.allclose(restored, expected[:, first["local_id"]], atol=1e-4)


def test_reingest_is_byte_identical(activity_home: Path, shared_data: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    ingest(DATASET, raw_dir=shared_data, home=other, progress=False)
    first = _store.read_manifest(DATASET, "1.0.0", activity_home)["outputs"]
    second = _store.read_manifest(DATASET, "1.0.0", other)["outputs"]
    assert first == second


def test_truncated_hdf5_and_wrong_hash(activity_home: Path, shared_data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(activity_home, home, symlinks=True)
    before = _store.read_manifest(DATASET, "1.0.0", home)
    mirror = tmp_path / "mirror" / "Dag2023"
    shutil.copytree(shared_data / "celegans" / "dag2023", mirror)
    target = mirror / "swf702_with_id" / "2022-07-26-31-data.h5"
    target.chmod(0o644)
    truncate_copy(shared_data / "celegans" / "dag2023" / "swf702_with_id" / target.name, target, fraction=0.5)
    with pytest.raises(ChecksumError, match="2022-07-26-31-data.h5"):
        ingest(DATASET, raw_dir=tmp_path / "mirror", home=home, force=True)
    with registered_fixtures(registry, {f"Dag2023/swf702_with_id/{target.name}": target}):
        with pytest.raises(RawFormatError, match="not a readable HDF5 file"):
            ingest(DATASET, raw_dir=tmp_path / "mirror", home=home, force=True)
    assert _store.read_manifest(DATASET, "1.0.0", home) == before
    _store.verify_outputs(DATASET, "1.0.0", home)


def test_unverified_source_needs_explicit_permission(tmp_path: Path) -> None:
    (tmp_path / "raw" / "Kato2015").mkdir(parents=True)
    (tmp_path / "raw" / "Kato2015" / "WT_Stim.mat").write_bytes(b"placeholder")
    with pytest.raises(UnverifiedSourceError, match="--allow-unverified"):
        ingest(DATASET, raw_dir=tmp_path / "raw", home=tmp_path / "home", source="Kato2015")
    assert main(["ingest", DATASET, "--raw-dir", str(tmp_path / "raw"), "--home", str(tmp_path / "home"),
                 "--source", "Kato2015", "--quiet"]) == 1


def test_hf_torch_and_pyg(activity_home: Path) -> None:
    dataset = neuropil.load(DATASET, source="Dag2023", format="hf", home=activity_home)
    neurons = neuropil.load(DATASET, table="neurons", format="pandas", home=activity_home)
    assert dataset.num_rows == len(neurons)
    assert dataset.features["calcium_data"].feature.dtype == "float32"
    row = dataset[0]
    assert len(row["calcium_data"]) == len(row["time_in_seconds"]) == len(row["mask"])
    assert (row["slot"] == -1) == (not row["is_labeled_neuron"])

    windows = neuropil.load(DATASET, format="torch", history=30, horizon=10, home=activity_home)
    item = windows[5]
    assert item["x"].shape == (30, 300) and item["y"].shape == (10, 300)
    assert torch.equal(item["x"][1:], windows[6]["x"][:-1])  # stride 1: consecutive windows overlap
    labelled = neurons[(neurons["recording"] == item["recording"]) & (neurons["label_status"] == "labelled")]
    assert set(torch.nonzero(item["x_mask"].all(0)).flatten().tolist()) == set(labelled["canonical_index"].astype(int))
    splits = {s: neuropil.load(DATASET, format="torch", split=s, home=activity_home) for s in ("train", "valid", "test")}
    assert sum(len(d) for d in splits.values()) == len(windows)
    recordings = [{splits[s][i]["recording"] for i in range(0, len(splits[s]), 200)} for s in splits]
    assert not (recordings[0] & recordings[1]) and not (recordings[0] & recordings[2])

    graph = neuropil.load(DATASET, source="Dag2023", worm=0, format="pyg", connectome="cook_2019", home=activity_home)
    assert graph.x.shape[0] == 300 and graph.mask.shape == graph.x.shape and graph.edge_index.shape[1] > 0
    assert int(graph.mask.any(1).sum()) == int(((neurons["recording"] == 0) & (neurons["label_status"] == "labelled")).sum())


def test_export_loads_with_load_dataset(activity_home: Path, tmp_path: Path) -> None:
    import datasets

    assert main(["export", DATASET, "--hf", str(tmp_path / "hf"), "--home", str(activity_home), "--quiet"]) == 0
    long = datasets.load_dataset(str(tmp_path / "hf"))["train"]
    assert long.num_rows == len(neuropil.load(DATASET, table="neurons", format="pandas", home=activity_home))
    assert {"source_dataset", "worm", "neuron", "slot", "calcium_data", "time_in_seconds"} <= set(long.column_names)
    assert datasets.load_dataset(str(tmp_path / "hf"), "recordings")["train"].num_rows == 7
