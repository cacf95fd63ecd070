"""Readers of the NWB and MATLAB v5 activity studies (Nejatbakhsh2020, Yemini2021, Lin2023) on fake raw files.

Each fixture writer returns what a correct reader yields, so these tests compare against the writer's
record, never against the reader's own output.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import ModuleType

import h5py
import numpy as np
import pytest

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_activity import lin2023, nejatbakhsh2020, yemini2021
from neuropil.pipelines.celegans_activity.raw import RawRecording
from neuropil.testing import truncate_copy
from neuropil.testing.celegans_activity import lin2023 as fake_lin
from neuropil.testing.celegans_activity import nejatbakhsh2020 as fake_nejatbakhsh
from neuropil.testing.celegans_activity import yemini2021 as fake_yemini
from neuropil.testing.celegans_activity.yemini2021 import savemat_v5

STUDIES = [
    pytest.param(nejatbakhsh2020, fake_nejatbakhsh, id="Nejatbakhsh2020"),
    pytest.param(yemini2021, fake_yemini, id="Yemini2021"),
    pytest.param(lin2023, fake_lin, id="Lin2023"),
]


def assert_matches(recordings: list[RawRecording], expected: dict) -> None:
    """Every recording equals the writer's record: ids, shapes, labels, time base, values with NaN in place."""
    assert [r.worm for r in recordings] == [w["worm"] for w in expected["worms"]]
    for recording, worm in zip(recordings, expected["worms"]):
        assert recording.study == expected["study"]
        assert recording.file == worm["file"]
        assert recording.traces.shape == (worm["T"], worm["N"])
        assert recording.traces.dtype == np.float64
        assert recording.labels == worm["labels"]
        assert recording.condition == worm["condition"]
        assert recording.frame_interval == worm["frame_interval"]
        if worm["time"] is None:
            assert recording.time is None
        else:
            np.testing.assert_array_equal(recording.time, worm["time"])
        np.testing.assert_array_equal(recording.traces, worm["traces"])  # NaN positions must agree too
        assert recording.notes == worm["notes"]


def without_private(content: dict) -> dict:
    return {key: value for key, value in content.items() if not key.startswith("__")}


def rewrite_mat(path: Path, edit) -> None:
    """Load a v5 file, let ``edit`` change its variables, save it back in the same container."""
    from scipy.io import loadmat

    content = without_private(loadmat(path))
    edit(content)
    savemat_v5(path, content)


# ---------------------------------------------------------------- Nejatbakhsh2020


def test_nejatbakhsh_reads_each_nwb_file_as_published(tmp_path: Path) -> None:
    expected = fake_nejatbakhsh.write(tmp_path / "Nejatbakhsh2020")
    recordings = nejatbakhsh2020.read(tmp_path / "Nejatbakhsh2020")
    assert len(recordings) == 2  # dandiset.yaml at the top level is skipped
    assert_matches(recordings, expected)
    for recording, worm in zip(recordings, expected["worms"]):
        assert recording.traces.shape == (700, 6)
        assert recording.labels.count("") == 2 and "CANL" in recording.labels
        assert np.isnan(recording.traces[:, worm["all_nan_column"]]).all()  # kept, not dropped as the imputer did
        assert int(np.isnan(recording.traces).sum()) == worm["nan_count"] > 700
    first, second = recordings
    assert first.notes["time_source"] == "starting_time+rate" and first.time[1] == 0.25
    assert second.notes["time_source"] == "timestamps" and second.time[0] == 1.75


def test_nejatbakhsh_falls_back_to_the_reference_4hz_clock(tmp_path: Path) -> None:
    expected = fake_nejatbakhsh.write(tmp_path)
    with h5py.File(tmp_path / expected["files"][0], "r+") as handle:
        del handle[f"{fake_nejatbakhsh.SERIES}/starting_time"]
    recording = nejatbakhsh2020.read(tmp_path)[0]
    assert recording.time is None
    assert recording.frame_interval == 0.25
    assert recording.notes == {"time_source": "reference_4hz"}


def test_nejatbakhsh_reads_sorted_and_skips_hidden_and_loose_files(tmp_path: Path) -> None:
    expected = fake_nejatbakhsh.write(tmp_path)
    source = tmp_path / expected["files"][0]
    (tmp_path / ".cache").mkdir()
    shutil.copyfile(source, tmp_path / ".cache" / "copy.nwb")
    shutil.copyfile(source, tmp_path / "loose.nwb")
    shutil.copyfile(source, source.parent / "._appledouble.nwb")
    (source.parent / "notes.txt").write_text("not an NWB file", encoding="utf-8")
    shutil.copytree(source.parent, tmp_path / "sub-00000000-00")  # sorts first
    worms = [r.worm for r in nejatbakhsh2020.read(tmp_path)]
    assert worms == [f"sub-00000000-00/{source.stem}"] + [w["worm"] for w in expected["worms"]]


def test_nejatbakhsh_missing_labels_dataset_is_named(tmp_path: Path) -> None:
    expected = fake_nejatbakhsh.write(tmp_path)
    with h5py.File(tmp_path / expected["files"][1], "r+") as handle:
        del handle["processing/CalciumActivity/NeuronIDs/labels"]
    with pytest.raises(RawFormatError, match=r"sub-20191104-03.* lacks dataset '.*NeuronIDs/labels'"):
        nejatbakhsh2020.read(tmp_path)


def test_nejatbakhsh_timestamps_of_another_length_are_rejected(tmp_path: Path) -> None:
    expected = fake_nejatbakhsh.write(tmp_path)
    with h5py.File(tmp_path / expected["files"][1], "r+") as handle:
        series = handle[fake_nejatbakhsh.SERIES]
        del series["timestamps"]
        series.create_dataset("timestamps", data=np.arange(650) / 4.0)
    with pytest.raises(RawFormatError, match=r"timestamps has 650 entries but data has 700 frames"):
        nejatbakhsh2020.read(tmp_path)


def test_nejatbakhsh_label_count_must_match_columns(tmp_path: Path) -> None:
    expected = fake_nejatbakhsh.write(tmp_path)
    with h5py.File(tmp_path / expected["files"][0], "r+") as handle:
        del handle["processing/CalciumActivity/NeuronIDs/labels"]
        handle.create_dataset("processing/CalciumActivity/NeuronIDs/labels", data=["AVAL", "AVAR"],
                              dtype=h5py.string_dtype())
    with pytest.raises(RawFormatError, match=r"labels has 2 entries but .*data has 6 columns"):
        nejatbakhsh2020.read(tmp_path)


# ---------------------------------------------------------------- Yemini2021


def test_yemini_splits_classes_into_left_right_worms(tmp_path: Path) -> None:
    expected = fake_yemini.write(tmp_path)
    recordings = yemini2021.read(tmp_path)
    assert len(recordings) == 7  # 2 + 3 + 2 worms, in FILES order
    assert_matches(recordings, expected)
    first = recordings[0]
    assert first.worm == "Head_Activity_OH15500/0" and first.condition == "Head_Activity_OH15500"
    assert first.labels == ["AVAL", "AVAR", "RIS", "RIML"]  # RIMR is the empty 0x0 trace: left out, not zeros
    assert first.notes["missing_neurons"] == 1 and first.notes["missing_labels"] == ["RIMR"]
    assert recordings[1].labels == ["AVAL", "AVAR", "RIS", "RIML", "RIMR"]
    assert recordings[4].labels == ["AIYL", "AIYR", "AVG", "RIAR"]
    assert recordings[6].labels == ["PVCL", "PVCR", "DVA", "PVQL"]
    for recording, worm in zip(recordings, expected["worms"]):
        assert recording.traces.shape[0] == worm["frames_written"] - 4
        assert recording.time[0] == 1.0  # arange(T) / 4 Hz with 4 leading frames dropped
        np.testing.assert_allclose(np.diff(recording.time), 0.25)
        assert not (recording.traces == 0).all(axis=0).any()  # no zero column stands in for a missing neuron
    assert int(np.isnan(first.traces).sum()) == 2  # NaN preserved, not imputed


def test_yemini_missing_field_is_named(tmp_path: Path) -> None:
    fake_yemini.write(tmp_path)
    rewrite_mat(tmp_path / "Head_Activity_OH16230.mat", lambda content: content.pop("is_L"))
    with pytest.raises(RawFormatError, match=r"Head_Activity_OH16230\.mat lacks field 'is_L'"):
        yemini2021.read(tmp_path)


def test_yemini_traces_of_one_worm_must_share_their_length(tmp_path: Path) -> None:
    fake_yemini.write(tmp_path)

    def shorten(content: dict) -> None:
        slot = content["norm_traces"][0, 0][0, 0]  # AVAL of worm 0
        content["norm_traces"][0, 0][0, 0] = slot[:, :-7]

    rewrite_mat(tmp_path / "Tail_Activity_OH16230.mat", shorten)
    message = r"Tail_Activity_OH16230\.mat: worm 0 \('1007_tail_02'\) has traces of different lengths"
    with pytest.raises(RawFormatError, match=message):
        yemini2021.read(tmp_path)


def test_yemini_is_l_and_traces_must_agree(tmp_path: Path) -> None:
    fake_yemini.write(tmp_path)

    def drop_right_flags(content: dict) -> None:
        content["is_L"][0, 0] = content["is_L"][0, 0][:, :2]

    rewrite_mat(tmp_path / "Head_Activity_OH15500.mat", drop_right_flags)
    with pytest.raises(RawFormatError, match=r"class 'AVA' has 2 'is_L' entries and 4 'norm_traces' entries"):
        yemini2021.read(tmp_path)


def test_yemini_needs_all_three_files(tmp_path: Path) -> None:
    fake_yemini.write(tmp_path)
    (tmp_path / "Tail_Activity_OH16230.mat").unlink()
    with pytest.raises(RawFormatError, match=r"Tail_Activity_OH16230\.mat not found"):
        yemini2021.read(tmp_path)


# ---------------------------------------------------------------- Lin2023


def test_lin_keeps_use_flag_neurons_and_fills_the_first_frame(tmp_path: Path) -> None:
    expected = fake_lin.write(tmp_path)
    recordings = lin2023.read(tmp_path)
    assert [r.file for r in recordings] == ["run301_prfrd_data.mat", "run303_prfrd_data 13.mat"]
    assert_matches(recordings, expected)
    first, second = recordings
    assert second.worm == "run303_prfrd_data 13"
    assert first.labels == ["ASHL", "AWCL", "reassigned"]  # use_flag [1, 1, 0, -1, 1], names as published
    assert second.labels == ["AWAL", "ASKR", "ADFR"]
    for recording, worm in zip(recordings, expected["worms"]):
        assert recording.traces.shape == (650, 3)
        np.testing.assert_array_equal(recording.traces[0], worm["f0"])  # the NaN first column became F_0
        assert int(np.isnan(recording.traces).sum()) == 1  # the mid-trace NaN is kept
        assert recording.time.shape == (650,) and recording.time[0] == 0.0
        assert recording.notes["dropped_use_flag"] == 2 and recording.notes["f0_first_frame_fill"] == 3


def test_lin_ignores_other_files_and_accepts_a_row_time_vector(tmp_path: Path) -> None:
    expected = fake_lin.write(tmp_path)
    (tmp_path / "README.txt").write_text("not a recording", encoding="utf-8")
    shutil.copyfile(tmp_path / expected["files"][0], tmp_path / "._run301_prfrd_data.mat")
    rewrite_mat(tmp_path / expected["files"][0],
                lambda content: content.update(times={"times": expected["worms"][0]["time"][None, :]}))
    recordings = lin2023.read(tmp_path)
    assert len(recordings) == 2
    np.testing.assert_array_equal(recordings[0].time, expected["worms"][0]["time"])


def test_lin_non_char_name_is_unlabelled_and_counted(tmp_path: Path) -> None:
    expected = fake_lin.write(tmp_path)

    def number_for_name(content: dict) -> None:
        content["proofread_neurons"][1, 0] = np.array([[7.0]])

    rewrite_mat(tmp_path / expected["files"][0], number_for_name)
    recording = lin2023.read(tmp_path)[0]
    assert recording.labels == ["ASHL", None, "reassigned"]
    assert recording.notes["non_char_labels"] == 1


def test_lin_missing_field_is_named(tmp_path: Path) -> None:
    fake_lin.write(tmp_path)
    rewrite_mat(tmp_path / "run303_prfrd_data 13.mat", lambda content: content.pop("F_0"))
    with pytest.raises(RawFormatError, match=r"run303_prfrd_data 13\.mat lacks field 'F_0'"):
        lin2023.read(tmp_path)


def test_lin_time_and_traces_of_different_lengths_are_rejected(tmp_path: Path) -> None:
    expected = fake_lin.write(tmp_path)
    short_time = expected["worms"][0]["time"][:600, None]  # in the last field, after a decoy: the last one is read
    rewrite_mat(tmp_path / "run301_prfrd_data.mat",
                lambda content: content.update(times={"start": 0.0, "times": short_time}))
    with pytest.raises(RawFormatError, match=r"'times' \(last field\) has 600 entries but 'corrected_F' has 650"):
        lin2023.read(tmp_path)


def test_lin_use_flag_and_traces_must_agree(tmp_path: Path) -> None:
    fake_lin.write(tmp_path)
    rewrite_mat(tmp_path / "run301_prfrd_data.mat",
                lambda content: content.update(use_flag=content["use_flag"][:4]))
    with pytest.raises(RawFormatError, match=r"'corrected_F' has shape \(5, 650\), expected N x T with N = 4"):
        lin2023.read(tmp_path)


# ---------------------------------------------------------------- all three


@pytest.mark.parametrize(("reader", "fake"), STUDIES)
def test_truncated_file_is_a_raw_format_error(tmp_path: Path, reader: ModuleType, fake: ModuleType) -> None:
    expected = fake.write(tmp_path / "study")
    victim = tmp_path / "study" / expected["files"][-1]
    truncate_copy(victim, victim, fraction=0.6)  # an interrupted download, in place
    with pytest.raises(RawFormatError, match=r"is not a readable .* file \(truncated\?\)") as caught:
        reader.read(tmp_path / "study")
    assert Path(expected["files"][-1]).name in str(caught.value)


@pytest.mark.parametrize(("reader", "fake"), STUDIES)
def test_empty_or_absent_folder_is_a_raw_format_error(tmp_path: Path, reader: ModuleType, fake: ModuleType) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(RawFormatError, match=fake.STUDY):
        reader.read(tmp_path / "empty")
    with pytest.raises(RawFormatError, match=fake.STUDY):
        reader.read(tmp_path / "absent")


@pytest.mark.parametrize(("reader", "fake"), STUDIES)
def test_modules_declare_their_files_and_fixtures_are_deterministic(tmp_path: Path, reader: ModuleType,
                                                                    fake: ModuleType) -> None:
    assert reader.STUDY == fake.STUDY and reader.__doc__ and "Citation" in reader.__doc__
    declared = getattr(reader, "FILES", None) or getattr(reader, "PATTERN")
    first, second = fake.write(tmp_path / "a", seed=3), fake.write(tmp_path / "b", seed=3)
    if isinstance(declared, tuple):
        assert tuple(first["files"]) == declared
    else:
        assert all(Path(tmp_path / "a" / name).match(declared) for name in first["files"])
    for name in first["files"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    other = fake.write(tmp_path / "c", seed=4)
    assert not np.array_equal(first["worms"][0]["traces"], other["worms"][0]["traces"], equal_nan=True)
