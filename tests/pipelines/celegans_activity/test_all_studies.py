"""Every study through the whole pipeline: fixtures (and Dag2023's real files) -> ingest -> loaders."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import numpy as np
import pytest

import neuropil
from neuropil.datasets.celegans_activity import STUDIES
from neuropil.pipelines import ingest
from neuropil.pipelines.celegans_activity import STUDY_MODULES

FIXTURE_STUDIES = [s for s in STUDIES if s != "Dag2023"]


def writer(study: str):
    try:
        return importlib.import_module(f"neuropil.testing.celegans_activity.{STUDY_MODULES[study]}").write
    except ModuleNotFoundError:
        pytest.fail(f"no fixture writer for {study}")


@pytest.fixture(scope="module")
def all_home(tmp_path_factory: pytest.TempPathFactory, shared_root: Path) -> tuple[Path, dict]:
    raw = tmp_path_factory.mktemp("raw")
    written = {study: writer(study)(raw / study, seed=0) for study in FIXTURE_STUDIES}
    shutil.copytree(shared_root / "celegans" / "dag2023", raw / "Dag2023")
    home = tmp_path_factory.mktemp("home")
    result = ingest("celegans-activity", raw_dir=raw, home=home, source="all", allow_unverified=True,
                    require_labels=False, progress=False)
    return home, {"written": written, "manifest": result.manifest}


@pytest.mark.parametrize("study", FIXTURE_STUDIES)
def test_study_ingests_from_its_fixture(all_home: tuple[Path, dict], study: str) -> None:
    home, info = all_home
    written = info["written"][study]
    recordings = neuropil.load("celegans-activity", table="recordings", source=study, format="pandas", home=home)
    skipped = neuropil.load("celegans-activity", table="skipped", format="pandas", home=home)
    skipped = skipped[skipped["study"] == study]
    assert len(recordings) + len(skipped) == len(written["worms"])
    assert len(recordings) > 0
    by_worm = {w["worm"]: w for w in written["worms"]}
    neurons = neuropil.load("celegans-activity", table="neurons", source=study, format="pandas", home=home)
    from neuropil.loaders.celegans_activity import read_arrays

    for row in recordings.itertuples():
        worm = by_worm[row.worm]
        arrays = read_arrays(row.recording, home=home)
        t = arrays["raw_traces"].shape[0]
        assert arrays["raw_traces"].shape[1] == row.neurons_recorded
        # time base: relative to the first sample, grid at dt = 1/3 s inside the recording
        assert arrays["raw_time"][0] == 0 and np.all(np.diff(arrays["raw_time"]) > 0)
        assert arrays["time"][-1] <= arrays["raw_time"][-1] + 1e-9
        assert np.allclose(np.diff(arrays["time"]), 1 / 3)
        if worm.get("time") is not None and len(worm["time"]) == t:
            assert np.allclose(arrays["raw_time"], np.asarray(worm["time"]) - worm["time"][0])
        cells = neurons[neurons["recording"] == row.recording]
        labelled = cells[cells["label_status"] == "labelled"]
        assert labelled["label"].is_unique and labelled["canonical_index"].notna().all()
        assert cells.loc[cells["label_status"] != "labelled", "canonical_index"].isna().all()


def test_manifest_records_unverified_hashes(all_home: tuple[Path, dict]) -> None:
    manifest = all_home[1]["manifest"]
    inputs = manifest["inputs"]
    assert any(not v["verified"] for v in inputs.values())
    assert all(v["verified"] for name, v in inputs.items() if name.startswith("Dag2023/"))
    assert all(len(v["sha256"]) == 64 for v in inputs.values())
    assert set(manifest["stats"]) == set(STUDIES)
