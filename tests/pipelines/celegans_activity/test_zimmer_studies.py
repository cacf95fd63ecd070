"""The five Zimmer-lab MATLAB v7.3 studies: the h5py v7.3 decoder, the fixture writers and the
readers (Kato2015, Nichols2017, Skora2018, Kaplan2020, Uzel2022), bad inputs included."""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import h5py
import numpy as np
import pytest

from neuropil.errors import NeuropilError, RawFormatError
from neuropil.pipelines.celegans_activity import _matlab73 as mat
from neuropil.pipelines.celegans_activity import kaplan2020, kato2015
from neuropil.pipelines.celegans_activity.raw import RawRecording
from neuropil.testing import truncate_copy
from neuropil.testing.celegans_activity import _matlab73 as writer
from neuropil.testing.celegans_activity import kato2015 as kato_fixture

STUDIES = ["kato2015", "nichols2017", "skora2018", "kaplan2020", "uzel2022"]
EXPECTED_FILES = {
    "kato2015": ("WT_Stim.mat", "WT_NoStim.mat"),
    "nichols2017": ("n2_let.mat", "n2_prelet.mat", "npr1_let.mat", "npr1_prelet.mat"),
    "skora2018": ("WT_fasted.mat", "WT_starved.mat"),
    "kaplan2020": (
        "Neuron2019_Data_MNhisCl_RIShisCl.mat",
        "Neuron2019_Data_RIShisCl.mat",
        "Neuron2019_Data_SMDhisCl_RIShisCl.mat",
    ),
    "uzel2022": ("Uzel_WT.mat",),
}


def modules(name: str) -> tuple[ModuleType, ModuleType]:
    return (
        importlib.import_module(f"neuropil.pipelines.celegans_activity.{name}"),
        importlib.import_module(f"neuropil.testing.celegans_activity.{name}"),
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Every study's fixture, written once for the read-only tests."""
    root = tmp_path_factory.mktemp("zimmer")
    result = {}
    for name in STUDIES:
        reader, fixture = modules(name)
        folder = root / reader.STUDY
        result[name] = (folder, fixture.write(folder))
    return result


# -- the v7.3 decoder on hand-built HDF5 (independent of our writer) ----------------------------
def _cls(node: h5py.HLObject, name: str) -> None:
    node.attrs.create("MATLAB_class", np.bytes_(name))


def _char(group: h5py.Group, name: str, text: str) -> h5py.Dataset:
    node = group.create_dataset(name, data=np.array([ord(c) for c in text], dtype="uint16").reshape(-1, 1))
    _cls(node, "char")
    return node


def _empty(group: h5py.Group, name: str, matlab_class: str = "double") -> h5py.Dataset:
    node = group.create_dataset(name, data=np.zeros(2, dtype="uint64"))
    _cls(node, matlab_class)
    node.attrs.create("MATLAB_empty", np.uint8(1))
    return node


def _cell(group: h5py.Group, name: str, targets: list[h5py.HLObject | None], shape: tuple[int, ...]) -> h5py.Dataset:
    refs = np.empty(len(targets), dtype=h5py.ref_dtype)
    for k, target in enumerate(targets):
        refs[k] = target.ref if target is not None else h5py.Reference()
    node = group.create_dataset(name, data=refs.reshape(shape), dtype=h5py.ref_dtype)
    _cls(node, "cell")
    return node


@pytest.fixture
def handmade(tmp_path: Path) -> Path:
    path = tmp_path / "handmade.mat"
    with h5py.File(path, "w", userblock_size=512) as f:
        refs = f.create_group("#refs#")
        double = f.create_dataset("matrix", data=np.arange(6, dtype="float64").reshape(2, 3))  # MATLAB 3 x 2
        _cls(double, "double")
        scalar = f.create_dataset("scalar", data=np.array([[2.5]]))
        _cls(scalar, "double")
        integers = f.create_dataset("integers", data=np.array([[1], [2], [3]], dtype="int32"))  # MATLAB 1 x 3
        _cls(integers, "int32")
        logical = f.create_dataset("flags", data=np.array([[1, 0, 1]], dtype="uint8"))  # MATLAB 3 x 1
        _cls(logical, "logical")
        _char(f, "name", "AVAL")
        _char(f, "unicode", "Schrödel")
        rows = f.create_dataset("rows", data=np.array([[ord("a"), ord("c")], [ord("b"), ord("d")]], dtype="uint16"))
        _cls(rows, "char")  # MATLAB ['ab'; 'cd'] (2 x 2), stored transposed
        _empty(f, "nothing")
        _empty(f, "empty_char", "char")
        _empty(f, "empty_cell", "cell")
        # cell {'AVAL'; []; {[], 'RIGR'}} with a nested cell and an empty candidate
        inner = _cell(refs, "inner", [_empty(refs, "e1"), _char(refs, "c1", "RIGR")], (2, 1))
        _cell(f, "ids", [_char(refs, "c2", "AVAL"), _empty(refs, "e2"), inner], (3, 1))
        # the same cell stored the way MATLAB stores a k x 1 column: HDF5 (1, k)
        _cell(f, "ids_row", [_char(refs, "c3", "VB02"), _char(refs, "c4", "---")], (1, 2))
        _cell(f, "with_null", [_char(refs, "c5", "RIS"), None], (2, 1))
        grid = [_char(refs, f"g{k}", text) for k, text in enumerate("abcdef")]
        _cell(f, "grid", grid, (3, 2))  # a MATLAB 2 x 3 cell
        # a 1 x 2 struct array: fields are reference datasets without MATLAB_class
        worms = f.create_group("worms")
        _cls(worms, "struct")
        traces = [refs.create_dataset(f"t{w}", data=np.full((3, 5 + w), float(w))) for w in range(2)]
        for node in traces:
            _cls(node, "double")
        refs_array = np.empty((2, 1), dtype=h5py.ref_dtype)
        for w, node in enumerate(traces):
            refs_array[w, 0] = node.ref
        worms.create_dataset("traces", data=refs_array, dtype=h5py.ref_dtype)
        _char(worms, "dataset", "scalar field")
    return path


def test_decoder_numeric_types_keep_matlab_shape(handmade: Path) -> None:
    with mat.Mat73File(handmade) as m:
        matrix = m.variable("matrix")
        assert matrix.shape == (3, 2) and matrix.dtype == np.float64
        np.testing.assert_array_equal(matrix, np.arange(6, dtype="float64").reshape(2, 3).T)
        scalar = m.variable("scalar")
        assert scalar.shape == (1, 1) and scalar[0, 0] == 2.5
        integers = m.variable("integers")
        assert integers.dtype == np.int32 and integers.shape == (1, 3)
        flags = m.variable("flags")
        assert flags.dtype == np.bool_ and flags.ravel().tolist() == [True, False, True]


def test_decoder_char_and_empty(handmade: Path) -> None:
    with mat.Mat73File(handmade) as m:
        assert m.variable("name") == "AVAL"
        assert m.variable("unicode") == "Schrödel"
        assert m.variable("rows") == ["ab", "cd"]
        assert m.variable("nothing") is None
        assert m.variable("empty_char") == ""
        assert m.variable("empty_cell") == []


def test_decoder_cells_nested_and_oriented(handmade: Path) -> None:
    with mat.Mat73File(handmade) as m:
        assert m.variable("ids") == ["AVAL", None, [None, "RIGR"]]
        assert m.variable("ids_row") == ["VB02", "---"]
        assert m.variable("with_null") == ["RIS", None]
        # HDF5 (3, 2) = MATLAB 2 x 3; MATLAB element (i, j) is HDF5 [j, i]
        assert m.variable("grid") == [["a", "c", "e"], ["b", "d", "f"]]
        assert "#refs#" not in m.variables()


def test_decoder_struct_array_fields_per_worm(handmade: Path) -> None:
    with mat.Mat73File(handmade) as m:
        assert m.fields("worms") == ["dataset", "traces"]
        traces = m.field("worms", "traces")
        assert [t.shape for t in traces] == [(5, 3), (6, 3)]
        assert m.field("worms", "dataset") == ["scalar field"]
        decoded = m.variable("worms")
        assert decoded["dataset"] == "scalar field" and len(decoded["traces"]) == 2


def test_decoder_errors_name_file_key_and_field(handmade: Path) -> None:
    with mat.Mat73File(handmade) as m:
        with pytest.raises(RawFormatError, match=r"handmade\.mat.*no top-level variable 'Uzel_WT'.*'worms'"):
            m.field("Uzel_WT", "IDs")
        with pytest.raises(RawFormatError, match=r"handmade\.mat.*'worms' has no field 'IDs'.*\['dataset', 'traces'\]"):
            m.field("worms", "IDs")
        with pytest.raises(RawFormatError, match=r"'name' should be a MATLAB struct"):
            m.fields("name")


def test_writer_round_trip_and_header(tmp_path: Path) -> None:
    path = writer.write_mat73(tmp_path / "x.mat", {
        "s": {
            "ids": [["AVAL"], None, [None, "RIGR"], "VB02", 3.0, writer.Empty("cell"), ""],
            "m": np.arange(12.0).reshape(4, 3),
            "column": np.arange(5.0),
            "flag": True,
            "column_cell": writer.Cell(["a", "b"], hdf5_shape=(1, 2)),
        },
        "arr": writer.StructArray({"tv": [np.arange(3.0), np.arange(4.0)]}),
    })
    head = path.read_bytes()[:128]
    assert head.startswith(b"MATLAB 7.3 MAT-file") and head[124:128] == b"\x00\x02IM"
    with h5py.File(path, "r") as f:
        assert f.userblock_size == 512
        assert f["s"].attrs["MATLAB_class"] == b"struct"
        assert isinstance(f["s"].attrs["MATLAB_class"], np.bytes_)
        assert f["s/m"].shape == (3, 4) and f["s/column"].shape == (1, 5)
        assert f["s/ids"].shape == (7, 1) and "MATLAB_class" not in f["arr/tv"].attrs
        assert f["arr/tv"].shape == (2, 1)
    loaded = mat.loadmat73(path)
    ids = loaded["s"]["ids"]
    assert ids[:4] == [["AVAL"], None, [None, "RIGR"], "VB02"]
    assert isinstance(ids[4], np.ndarray) and ids[4].shape == (1, 1) and ids[4][0, 0] == 3.0
    assert ids[5:] == [[], ""]
    np.testing.assert_array_equal(loaded["s"]["m"], np.arange(12.0).reshape(4, 3))
    assert loaded["s"]["column"].shape == (5, 1)
    assert loaded["s"]["flag"].dtype == np.bool_
    assert loaded["s"]["column_cell"] == ["a", "b"]
    assert [t.ravel().tolist() for t in loaded["arr"]["tv"]] == [[0, 1, 2], [0, 1, 2, 3]]


# -- the readers on the fixtures ----------------------------------------------------------------
@pytest.mark.parametrize("name", STUDIES)
def test_reader_returns_what_was_written(name: str, written: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    reader, fixture = modules(name)
    folder, info = written[name]
    assert reader.FILES == EXPECTED_FILES[name] == fixture.FILES
    assert sorted(p.name for p in folder.iterdir()) == sorted(reader.FILES)
    recordings = reader.read(folder)
    assert len(recordings) == len(info["worms"])
    assert len({r.worm for r in recordings}) == len(recordings)
    for recording, worm in zip(recordings, info["worms"], strict=True):
        assert isinstance(recording, RawRecording)
        assert recording.study == reader.STUDY
        assert (recording.file, recording.worm, recording.condition) == (worm["file"], worm["worm"], worm["condition"])
        assert recording.traces.shape == (worm["T"], worm["N"]) and recording.traces.dtype == np.float64
        np.testing.assert_array_equal(recording.traces, worm["traces"])
        assert recording.time is not None
        np.testing.assert_array_equal(recording.time, worm["time"])  # exact, offset kept
        assert recording.time[0] == worm["time"][0] > 0
        assert recording.labels == worm["expected_labels"]
        assert recording.frame_interval is None


@pytest.mark.parametrize("name", STUDIES)
def test_fixtures_are_realistic(name: str, written: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    for worm in written[name][1]["worms"]:
        assert worm["T"] >= 600 and 5 <= worm["N"] <= 10
        steps = np.diff(worm["time"])
        assert (steps > 0).all() and steps.std() > 0  # irregular but increasing
        assert abs(np.median(steps) - 1 / 3) < 0.03  # ~3 Hz Zimmer rig
        assert worm["time"][0] > 0


def test_kato_labels_as_published(written: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    recordings = kato2015.read(written["kato2015"][0])
    assert [r.worm for r in recordings] == ["WT_Stim/0", "WT_Stim/1", "WT_NoStim/0", "WT_NoStim/1"]
    assert [r.condition for r in recordings] == ["WT_Stim", "WT_Stim", "WT_NoStim", "WT_NoStim"]
    labels = recordings[0].labels
    assert labels[0] == ["AVAL"]  # single candidate stays a list
    assert labels[1] is None  # [] -> None
    assert labels[2] == ["OLQVR", "URYVR"]
    assert labels[3] == [None, "RIGR"]  # empty first candidate
    assert labels[4] == ["---"] and labels[7] == ["---", "---"]  # placeholder kept
    assert labels[5] == ["VB02"]  # zero padding kept
    assert recordings[1].labels[1] == ["DB01"]
    assert recordings[2].labels[:2] == [["AVAL"], ["AVAL"]]  # duplicates kept
    assert all(r.notes == {} for r in recordings)


def test_kato_no_stim_uses_the_alternate_fields(written: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    folder = written["kato2015"][0]
    with mat.Mat73File(folder / "WT_NoStim.mat") as m:
        assert m.fields("WT_NoStim") == ["NeuronNames", "deltaFOverF_bc", "tv"]
    with mat.Mat73File(folder / "WT_Stim.mat") as m:
        assert {"IDs", "traces", "timeVectorSeconds", "fps", "dataset"} == set(m.fields("WT_Stim"))


def test_kaplan_key_rule_and_plain_string_labels(written: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    assert {name: kaplan2020.key_for(name) for name in kaplan2020.FILES} == kaplan2020.KEYS
    assert list(kaplan2020.KEYS.values()) == [
        "MNhisCl_RIShisCl_Neuron2019", "RIShisCl_Neuron2019", "SMDhisCl_RIShisCl_Neuron2019"]
    recordings = kaplan2020.read(written["kaplan2020"][0])
    assert recordings[0].worm == "MNhisCl_RIShisCl_Neuron2019/0"
    assert recordings[0].labels == ["AVAL", "RIS", "12", "VA01", "13", "SMDDR"]
    assert all(isinstance(label, str) for r in recordings for label in r.labels)


def test_uzel_numeric_ids_become_none_and_are_counted(written: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    reader, _ = modules("uzel2022")
    folder, info = written["uzel2022"]
    recordings = reader.read(folder)
    assert [r.worm for r in recordings] == ["Uzel_WT/0", "Uzel_WT/1"]
    assert recordings[0].labels == ["AVAL", None, "RIS", "VB02", None, "SMDVL", "RIML"]
    for recording, worm in zip(recordings, info["worms"], strict=True):
        assert recording.notes == {"numeric_ids_as_unlabelled": worm["numeric_ids"]}
    assert [r.notes["numeric_ids_as_unlabelled"] for r in recordings] == [2, 3]


def test_fixtures_are_deterministic(tmp_path: Path) -> None:
    first = kato_fixture.write(tmp_path / "a", seed=3)
    again = kato_fixture.write(tmp_path / "b", seed=3)
    other = kato_fixture.write(tmp_path / "c", seed=4)
    for name in kato_fixture.FILES:
        assert hashlib.sha256((tmp_path / "a" / name).read_bytes()).digest() == \
            hashlib.sha256((tmp_path / "b" / name).read_bytes()).digest()
    np.testing.assert_array_equal(first["worms"][0]["time"], again["worms"][0]["time"])
    assert not np.array_equal(first["worms"][0]["time"][:600], other["worms"][0]["time"][:600])


# -- bad inputs -----------------------------------------------------------------------------------
def _kato_worms(frames: int = 600, time_frames: int | None = None) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    worm = writer.zimmer_worm(rng, file="WT_Stim.mat", key="WT_Stim", index=0,
                              labels=[["AVAL"], None, ["VB02"], ["---"], [None, "RIGR"]], frames=(frames, frames))
    if time_frames is not None:
        worm["time"] = worm["time"][:time_frames]
    return [worm]


def _kato_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "Kato2015"
    kato_fixture.write(folder)
    return folder


def test_missing_field_names_the_field(tmp_path: Path) -> None:
    folder = _kato_folder(tmp_path)
    worms = _kato_worms()
    writer.write_mat73(folder / "WT_Stim.mat", {"WT_Stim": {
        "IDs": [w["labels"] for w in worms], "timeVectorSeconds": [w["time"] for w in worms]}})
    with pytest.raises(RawFormatError, match=r"WT_Stim\.mat.*'WT_Stim' has no field 'traces' or 'deltaFOverF_bc'.*"
                                             r"\['IDs', 'timeVectorSeconds'\]"):
        kato2015.read(folder)


def test_missing_field_without_alternates(tmp_path: Path) -> None:
    reader, fixture = modules("nichols2017")
    folder = tmp_path / "Nichols2017"
    fixture.write(folder)
    worms = _kato_worms()
    writer.write_mat73(folder / "npr1_let.mat", {"npr1_let": {
        "NeuronNames": [w["labels"] for w in worms], "traces": [w["traces"] for w in worms],
        "timeVectorSeconds": [w["time"] for w in worms]}})
    with pytest.raises(RawFormatError, match=r"npr1_let\.mat.*'npr1_let' has no field 'IDs'"):
        reader.read(folder)


def test_wrong_top_level_key_lists_the_variables(tmp_path: Path) -> None:
    folder = tmp_path / "Kaplan2020"
    modules("kaplan2020")[1].write(folder)
    worms = _kato_worms()
    # the key as a naive prefix strip would guess it is not what upstream reads
    writer.write_mat73(folder / "Neuron2019_Data_RIShisCl.mat", {"Neuron2019_Data_RIShisCl": {
        "neuron_ID": [["AVAL", "12", "VB02", "13", "RIS"]], "traces_bleach_corrected": [w["traces"] for w in worms],
        "time_vector": [w["time"] for w in worms]}})
    with pytest.raises(RawFormatError, match=r"no top-level variable 'RIShisCl_Neuron2019'.*'Neuron2019_Data_RIShisCl'"):
        kaplan2020.read(folder)


def test_traces_and_time_of_different_lengths(tmp_path: Path) -> None:
    folder = _kato_folder(tmp_path)
    worms = _kato_worms(frames=620, time_frames=610)
    writer.write_worm_struct(folder / "WT_Stim.mat", "WT_Stim", worms, label_field="IDs", trace_field="traces",
                             time_field="timeVectorSeconds")
    with pytest.raises(RawFormatError, match=r"WT_Stim\.mat worm WT_Stim/0: traces have 620 time points but the "
                                             r"time vector has 610"):
        kato2015.read(folder)


def test_labels_and_columns_of_different_lengths(tmp_path: Path) -> None:
    folder = _kato_folder(tmp_path)
    worms = _kato_worms()
    worms[0]["traces"] = worms[0]["traces"].T  # stored the wrong way round: HDF5 (T, N)
    writer.write_worm_struct(folder / "WT_Stim.mat", "WT_Stim", worms, label_field="IDs", trace_field="traces",
                             time_field="timeVectorSeconds")
    with pytest.raises(RawFormatError, match=r"600 trace columns but 5 labels"):
        kato2015.read(folder)


def test_one_worm_with_one_neuron_keeps_two_dimensions(tmp_path: Path) -> None:
    folder = _kato_folder(tmp_path)
    rng = np.random.default_rng(1)
    worm = writer.zimmer_worm(rng, file="WT_NoStim.mat", key="WT_NoStim", index=0, labels=[["AVAL"]])
    writer.write_worm_struct(folder / "WT_NoStim.mat", "WT_NoStim", [worm], label_field="NeuronNames",
                             trace_field="deltaFOverF_bc", time_field="tv")
    (recording,) = [r for r in kato2015.read(folder) if r.file == "WT_NoStim.mat"]
    assert recording.traces.shape == (worm["T"], 1) and recording.labels == [["AVAL"]]
    np.testing.assert_array_equal(recording.time, worm["time"])


def test_fields_with_different_worm_counts(tmp_path: Path) -> None:
    folder = _kato_folder(tmp_path)
    worms = _kato_worms()
    writer.write_mat73(folder / "WT_Stim.mat", {"WT_Stim": {
        "IDs": [w["labels"] for w in worms] * 2, "traces": [w["traces"] for w in worms],
        "timeVectorSeconds": [w["time"] for w in worms]}})
    with pytest.raises(RawFormatError, match=r"different numbers of worms.*'IDs': 2"):
        kato2015.read(folder)


def test_traces_not_a_matrix(tmp_path: Path) -> None:
    folder = _kato_folder(tmp_path)
    worms = _kato_worms()
    writer.write_mat73(folder / "WT_Stim.mat", {"WT_Stim": {
        "IDs": [w["labels"] for w in worms], "traces": ["not numbers"],
        "timeVectorSeconds": [w["time"] for w in worms]}})
    with pytest.raises(RawFormatError, match=r"WT_Stim\.traces\{1\} should be a real MATLAB T x N matrix"):
        kato2015.read(folder)


def test_truncated_file(tmp_path: Path) -> None:
    folder = _kato_folder(tmp_path)
    whole = tmp_path / "whole.mat"
    (folder / "WT_NoStim.mat").rename(whole)
    truncate_copy(whole, folder / "WT_NoStim.mat", fraction=0.6)
    with pytest.raises(RawFormatError, match=r"WT_NoStim\.mat is a MATLAB v7\.3 MAT-file whose HDF5 content is unreadable"):
        kato2015.read(folder)


@pytest.mark.parametrize(("content", "message"), [
    (b"MATLAB 5.0 MAT-file, Platform: GLNXA64" + b" " * 100, "MATLAB v5/v7 MAT-file, not the v7.3"),
    (b"pre,post\nAVAL,AVAR\n", "not a MATLAB v7.3"),
    (b"", "not a MATLAB v7.3"),
])
def test_not_a_v73_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "Uzel_WT.mat"
    path.write_bytes(content)
    reader, _ = modules("uzel2022")
    with pytest.raises(RawFormatError, match=message) as caught:
        reader.read(tmp_path)
    assert isinstance(caught.value, NeuropilError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize("name", STUDIES)
def test_missing_file_is_named(name: str, tmp_path: Path) -> None:
    reader, fixture = modules(name)
    folder = tmp_path / reader.STUDY
    fixture.write(folder)
    gone = reader.FILES[-1]
    (folder / gone).unlink()
    with pytest.raises(RawFormatError, match=rf"{reader.STUDY}: missing file\(s\) \[{gone!r}\]"):
        reader.read(folder)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(RawFormatError, match=r"Kato2015: missing file\(s\) \['WT_Stim\.mat', 'WT_NoStim\.mat'\]"):
        kato2015.read(tmp_path / "Kato2015")


# -- the peer check: the maintained reader (mat73, the reference pipeline's) decodes the same values --
@pytest.mark.parametrize("name", STUDIES)
def test_decoder_equals_mat73_on_every_fixture(name: str, written: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    """Ours differs from mat73 only by keeping MATLAB's 2-D shapes (mat73 squeezes); the values agree
    on every field of every file. perf/matlab73_reader.py times the two (ours is the faster)."""
    mat73 = pytest.importorskip("mat73")
    folder, _ = written[name]
    for path in sorted(folder.glob("*.mat")):
        with mat.Mat73File(path) as m:
            (key,) = m.variables()
            ours = {field: m.field(key, field) for field in m.fields(key)}
        theirs = mat73.loadmat(str(path), verbose=False)[key]
        assert set(theirs) == set(ours)
        for field, values in ours.items():
            expected = theirs[field] if isinstance(theirs[field], list) else [theirs[field]]
            assert writer.same_decoded(writer.squeezed_like_mat73(values), expected), (path.name, field)
