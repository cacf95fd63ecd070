"""``neuropil export celegans-activity --nwb DIR``: one NWB file per recording, checked with DANDI's
own tools: ``nwbinspector`` finds nothing critical and no best-practice violation, pynwb validates
the files and reading them back gives the stored traces, labels and time bases."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pytest

import neuropil
from neuropil.cli import main
from neuropil.errors import InvalidArgumentError
from neuropil.loaders import celegans_activity
from neuropil.testing import in_ci

# the test extra installs them: CI fails rather than skips without them
pynwb = importlib.import_module("pynwb") if in_ci() else pytest.importorskip("pynwb")
nwbinspector = importlib.import_module("nwbinspector") if in_ci() else pytest.importorskip("nwbinspector")

DATASET = "celegans-activity"
#: what a DANDI upload must not carry (nwbinspector's importance levels; ERROR = a check that crashed)
BLOCKING = {"ERROR", "PYNWB_VALIDATION", "CRITICAL", "BEST_PRACTICE_VIOLATION"}


@pytest.fixture(scope="module")
def exported(_pristine_homes, tmp_path_factory) -> tuple[Path, Path]:
    home = _pristine_homes(DATASET)
    out = tmp_path_factory.mktemp("nwb") / "dandiset"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEUROPIL_QUIET", "1")
        code = main(["export", DATASET, "--nwb", str(out), "--home", str(home), "--json", "-q"])
    assert code == 0
    return home, out


def test_one_file_per_recording_in_dandi_layout(exported) -> None:
    home, out = exported
    recordings = celegans_activity.to_pandas(table="recordings", home=home)
    files = sorted(out.rglob("*.nwb"))
    assert len(files) == len(recordings) == 7
    for path in files:
        assert path.parent.name.startswith("sub-") and path.name.startswith(path.parent.name + "_ses-")
        assert path.name.endswith("_ophys.nwb")
    assert not list(out.parent.glob(".dandiset*"))  # built beside and swapped in: nothing staged left


def test_nwbinspector_finds_nothing_blocking(exported) -> None:
    _, out = exported
    messages = list(nwbinspector.inspect_all(path=str(out)))
    blocking = [f"{m.importance.name} {m.check_function_name}: {m.message}" for m in messages
                if m.importance.name in BLOCKING]
    assert blocking == []
    assert all(pynwb.validate(path=str(p)) == [] for p in sorted(out.rglob("*.nwb")))


def test_reading_back_gives_the_stored_traces_labels_and_metadata(exported) -> None:
    home, out = exported
    recordings = celegans_activity.to_pandas(table="recordings", home=home)
    neurons = celegans_activity.to_pandas(table="neurons", home=home)
    for recording in recordings.itertuples():
        path = next(out.rglob(f"*_ses-{recording.study}-{recording.recording}_ophys.nwb"))
        arrays = celegans_activity.read_arrays(recording.recording, home=home)
        cells = neurons[neurons["recording"] == recording.recording].sort_values("local_id")
        with pynwb.NWBHDF5IO(str(path), "r") as io:
            nwb = io.read()
            fluorescence = nwb.processing["ophys"]["Fluorescence"]
            raw, processed = fluorescence["raw_traces"], fluorescence["processed_traces"]
            assert np.array_equal(raw.data[:], arrays["raw_traces"][:, cells["local_id"].to_numpy()], equal_nan=True)
            assert np.array_equal(raw.timestamps[:], arrays["raw_time"])
            assert np.array_equal(processed.data[:], arrays["traces"][:, cells["local_id"].to_numpy()], equal_nan=True)
            assert np.allclose(processed.get_timestamps(), arrays["time"], atol=1e-9)
            table = raw.rois.table.to_dataframe()
            assert raw.rois.table.neurodata_type == "PlaneSegmentation"
            assert table["local_id"].tolist() == cells["local_id"].tolist()
            assert table["label"].tolist() == cells["label"].fillna("").tolist()
            assert nwb.subject.subject_id == recording.worm and nwb.subject.species == "Caenorhabditis elegans"
            assert recording.study in nwb.session_description and "Dag U" in nwb.experiment_description
            assert list(nwb.related_publications) == ["doi:10.1016/j.cell.2023.04.023"]
            assert nwb.session_start_time.date().isoformat() == recording.worm[:10]


def test_other_datasets_and_foreign_folders_are_refused(real_home, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InvalidArgumentError, match="--nwb exports celegans-activity only"):
        neuropil.export("vesselgraph", nwb=tmp_path / "n", home=real_home("vesselgraph"))
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep")
    assert main(["export", DATASET, "--nwb", str(foreign), "--force"]) == 1
    assert "neuropil: error:" in capsys.readouterr().err and (foreign / "notes.txt").read_text() == "keep"


def test_export_json_lists_the_files(_pristine_homes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = _pristine_homes(DATASET)
    out = tmp_path / "n"
    assert main(["export", DATASET, "--nwb", str(out), "--home", str(home), "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["dataset"] == DATASET and result["hf"] is None and len(result["nwb"]) == 7
    assert all(Path(p).is_file() for p in result["nwb"])
    assert "states no licence" in result["licence_notice"] and "states no licence" in captured.err
