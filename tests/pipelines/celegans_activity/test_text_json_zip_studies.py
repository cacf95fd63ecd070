"""Leifer2023 (flat text), Flavell2023 (per-worm JSON) and Venkatachalam2024 (zipped CSV) readers,
run on the fake-raw fixtures written in the published layouts (``neuropil.testing.celegans_activity``)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_activity import flavell2023, leifer2023, venkatachalam2024
from neuropil.pipelines.celegans_activity.raw import RawRecording
from neuropil.testing import truncate_copy
from neuropil.testing.celegans_activity import flavell2023 as flavell_fixture
from neuropil.testing.celegans_activity import leifer2023 as leifer_fixture
from neuropil.testing.celegans_activity import venkatachalam2024 as venkatachalam_fixture


def _check_against(recordings: list[RawRecording], written: dict) -> None:
    assert [r.worm for r in recordings] == [w["worm"] for w in written["worms"]]
    for recording, worm in zip(recordings, written["worms"]):
        assert recording.study == written["study"]
        assert recording.file == worm["file"]
        assert recording.traces.dtype == np.float64
        assert recording.traces.shape == (worm["T"], worm["N"])
        np.testing.assert_array_equal(recording.traces, worm["traces"])  # NaN == NaN here
        np.testing.assert_array_equal(recording.time, worm["time"])
        assert recording.frame_interval == worm["frame_interval"]
        assert recording.labels == worm["labels"]
        assert recording.condition == worm["condition"]
        assert recording.notes == worm["notes"]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# --------------------------------------------------------------------------------------------
# Leifer2023


@pytest.fixture
def leifer(tmp_path: Path) -> tuple[Path, dict]:
    folder = tmp_path / "Leifer2023"
    return folder, leifer_fixture.write(folder, seed=3)


def test_leifer_reads_the_fixture_as_published(leifer: tuple[Path, dict]) -> None:
    folder, written = leifer
    recordings = leifer2023.read(folder)
    _check_against(recordings, written)
    assert [r.worm for r in recordings] == ["0", "1", "2"]
    first = recordings[0]
    assert first.labels == ["AVA", None, "RIML", "AVA", "merge", "RIML", None, "AIBL"]
    assert first.condition == "/fixture/pumpprobe/pumpprobe_20211104_110437/"
    # data as published: the all-NaN column and both gaps are still there (filters are the common step's)
    assert np.isnan(first.traces[:, leifer_fixture.ALL_NAN_COLUMN]).all()
    start, stop = leifer_fixture.LONG_GAP
    assert np.isnan(first.traces[start:stop, leifer_fixture.LONG_GAP_COLUMN]).all()
    start, stop = leifer_fixture.SHORT_GAP
    assert np.isnan(first.traces[start:stop, leifer_fixture.SHORT_GAP_COLUMN]).all()
    assert first.time[0] == 0.0 and np.all(np.diff(first.time) > 0.48)
    # more label lines than columns: the first N are kept, the extra count is noted
    assert recordings[1].notes["extra_label_lines"] == 2
    assert recordings[1].labels == ["RIML", "AVA", None, "SMDVR", "AVA", None, "merge", "RIML"]
    # a label file ending in blank lines keeps its trailing '' labels
    assert recordings[2].labels[-2:] == [None, None]


def test_leifer_extra_files_do_not_shift_the_recordings(leifer: tuple[Path, dict]) -> None:
    folder, written = leifer
    baseline = leifer2023.read(folder)
    (folder / "README.txt").write_text("exported with the Leifer lab exporter\n", encoding="utf-8")
    (folder / "0_notes.txt").write_text("a seventh file of recording 0\n", encoding="utf-8")
    (folder / "7_labels.txt").write_text("AVAL\n", encoding="utf-8")  # orphan companion, no gcamp
    (folder / "._0_gcamp.txt").write_bytes(b"\x00\x05\x16\x07")  # AppleDouble junk
    (folder / "sub").mkdir()
    recordings = leifer2023.read(folder)
    _check_against(recordings, written)
    assert [(r.worm, r.traces.shape) for r in recordings] == [(r.worm, r.traces.shape) for r in baseline]


def test_leifer_recordings_are_in_numeric_order(leifer: tuple[Path, dict]) -> None:
    folder, _ = leifer
    for kind in ("gcamp", "labels", "t"):
        shutil.copyfile(folder / f"0_{kind}.txt", folder / f"10_{kind}.txt")
    assert [r.worm for r in leifer2023.read(folder)] == ["0", "1", "2", "10"]
    assert leifer2023.read(folder)[3].condition is None
    assert leifer2023.read(folder)[3].notes["missing_optional_files"] == ["10_stim_neurons.txt", "10_stim_volume_i.txt",
                                                                          "10_ds_name.txt"]


@pytest.mark.parametrize("missing", ["1_labels.txt", "2_t.txt"])
def test_leifer_missing_companion_is_named(leifer: tuple[Path, dict], missing: str) -> None:
    folder, _ = leifer
    (folder / missing).unlink()
    with pytest.raises(RawFormatError, match=missing.replace(".", r"\.")):
        leifer2023.read(folder)


def test_leifer_time_and_traces_of_different_lengths(leifer: tuple[Path, dict]) -> None:
    folder, _ = leifer
    lines = (folder / "1_t.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "1_t.txt").write_text("".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(RawFormatError, match=r"1_t\.txt.*799 time values.*1_gcamp\.txt has 800"):
        leifer2023.read(folder)


def test_leifer_bad_gcamp_and_labels(leifer: tuple[Path, dict]) -> None:
    folder, _ = leifer
    gcamp = folder / "0_gcamp.txt"
    lines = gcamp.read_text(encoding="utf-8").splitlines(keepends=True)
    gcamp.write_text("".join(lines[:5] + [" ".join(lines[5].split()[:-1]) + "\n"] + lines[6:]), encoding="utf-8")
    with pytest.raises(RawFormatError, match=r"0_gcamp\.txt.*line 6 has 7 values, expected 8"):
        leifer2023.read(folder)
    gcamp.write_text("".join(lines[:5] + [lines[5].replace("nan", "n/a")] + lines[6:]), encoding="utf-8")
    with pytest.raises(RawFormatError, match=r"0_gcamp\.txt.*line 6 column 2.*'n/a'"):
        leifer2023.read(folder)
    gcamp.write_text("", encoding="utf-8")
    with pytest.raises(RawFormatError, match=r"0_gcamp\.txt.*empty"):
        leifer2023.read(folder)
    gcamp.write_text("".join(lines), encoding="utf-8")
    (folder / "2_labels.txt").write_text("AVAL\nAVAR\n", encoding="utf-8")
    with pytest.raises(RawFormatError, match=r"2_labels\.txt.*2 label lines.*8 columns"):
        leifer2023.read(folder)


def test_leifer_reads_what_the_reference_could_not(leifer: tuple[Path, dict]) -> None:
    """Plain-decimal times (the reference split on 'e') and double spaces (it split on ' ')."""
    folder, written = leifer
    time = written["worms"][0]["time"]
    (folder / "0_t.txt").write_text("".join(f"{float(t)!r}\n" for t in time), encoding="utf-8")
    gcamp = folder / "0_gcamp.txt"
    gcamp.write_text(gcamp.read_text(encoding="utf-8").replace(" ", "  "), encoding="utf-8")
    first = leifer2023.read(folder)[0]
    np.testing.assert_array_equal(first.time, time)
    np.testing.assert_array_equal(first.traces, written["worms"][0]["traces"])


def test_leifer_empty_or_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(RawFormatError, match="no"):
        leifer2023.read(tmp_path)
    with pytest.raises(RawFormatError, match="does not exist"):
        leifer2023.read(tmp_path / "absent")


# --------------------------------------------------------------------------------------------
# Flavell2023


@pytest.fixture
def flavell(tmp_path: Path) -> tuple[Path, dict]:
    folder = tmp_path / "Flavell2023"
    return folder, flavell_fixture.write(folder, seed=5)


def _rewrite(path: Path, change) -> None:
    content = json.loads(path.read_text(encoding="utf-8"))
    change(content)
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")


def test_flavell_reads_the_fixture_as_published(flavell: tuple[Path, dict]) -> None:
    folder, written = flavell
    recordings = flavell2023.read(folder)
    _check_against(recordings, written)
    assert [r.worm for r in recordings] == ["2022-06-14-01", "2022-07-15-06"]
    assert [r.traces.shape for r in recordings] == [(700, 12), (700, 10)]
    first = recordings[0]
    # labels exactly as published: '?' kept, zero padding kept, no nearest-label matching
    assert first.labels == ["SAAD?", None, "SIA?L", None, "RIMR", None, "AVAL", None, None, "SAAD?", None, "VB02"]
    assert recordings[1].labels == [None, "AVAR", None, "RMF?", None, None, None, "ASEL", None, "DB01"]
    # absolute timestamps at ~6500 s, 0.58-0.62 s steps
    for recording in recordings:
        assert 6400.0 < recording.time[0] < 6600.0
        steps = np.diff(recording.time)
        assert steps.min() >= 0.58 - 1e-9 and steps.max() <= 0.62 + 1e-9
    # the record fields are summarised (confidence 1-5 -> count), JSON-friendly for the manifest
    assert first.notes["n_labeled"] == 6 and sum(first.notes["confidence_counts"].values()) == 6
    assert set(first.notes["confidence_counts"]) <= {"1", "2", "3", "4", "5"}
    json.dumps(first.notes, sort_keys=True)
    assert first.condition == "baseline,neuropal" and recordings[1].condition == "heat,neuropal"
    # the θ key really is in the file, as UTF-8
    assert "rel_enc_str_θh" in (folder / "2022-06-14-01.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("key", ["timestamp_confocal", "trace_array", "labeled"])
def test_flavell_missing_key_is_named(flavell: tuple[Path, dict], key: str) -> None:
    folder, _ = flavell
    _rewrite(folder / "2022-07-15-06.json", lambda content: content.pop(key))
    with pytest.raises(RawFormatError, match=rf"2022-07-15-06\.json.*missing key '{key}'"):
        flavell2023.read(folder)


def test_flavell_time_and_traces_of_different_lengths(flavell: tuple[Path, dict]) -> None:
    folder, _ = flavell
    path = folder / "2022-06-14-01.json"
    original = path.read_text(encoding="utf-8")
    _rewrite(path, lambda content: content["timestamp_confocal"].pop())
    with pytest.raises(RawFormatError, match=r"'timestamp_confocal' has 699 values.*700"):
        flavell2023.read(folder)
    path.write_text(original, encoding="utf-8")
    _rewrite(path, lambda content: content["trace_array"][4].pop())
    with pytest.raises(RawFormatError, match=r"'trace_array'\[4\] has 699 values"):
        flavell2023.read(folder)


def test_flavell_truncated_json(flavell: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = flavell
    path = folder / "2022-06-14-01.json"
    truncate_copy(path, tmp_path / "cut.json", fraction=0.6)
    shutil.copyfile(tmp_path / "cut.json", path)
    with pytest.raises(RawFormatError, match=r"2022-06-14-01\.json.*not valid JSON"):
        flavell2023.read(folder)


def test_flavell_bad_labeled_entries(flavell: tuple[Path, dict]) -> None:
    folder, _ = flavell
    path = folder / "2022-07-15-06.json"
    original = path.read_text(encoding="utf-8")
    for change, message in (
        (lambda c: c["labeled"].update({"11": c["labeled"]["2"]}), r"key '11' is not a 1-based trace index in 1\.\.10"),
        (lambda c: c["labeled"].update({"0": c["labeled"]["2"]}), r"key '0' is not a 1-based"),
        (lambda c: c["labeled"]["4"].pop("label"), r"'labeled'\['4'\] lacks field 'label'"),
    ):
        path.write_text(original, encoding="utf-8")
        _rewrite(path, change)
        with pytest.raises(RawFormatError, match=message):
            flavell2023.read(folder)


def test_flavell_null_trace_values_become_nan(flavell: tuple[Path, dict]) -> None:
    folder, _ = flavell

    def null_one(content: dict) -> None:
        content["trace_array"][3][17] = None

    _rewrite(folder / "2022-06-14-01.json", null_one)
    first = flavell2023.read(folder)[0]
    assert np.isnan(first.traces[17, 3]) and first.notes["null_values"] == 1
    assert np.isnan(first.traces).sum() == 1


def test_flavell_h5_variant_and_unrelated_files(flavell: tuple[Path, dict]) -> None:
    folder, written = flavell
    worm = written["worms"][0]
    flavell_fixture.write_h5(folder / "2022-12-01-02.h5", worm["content"])
    (folder / "README.md").write_text("WormWideWeb export\n", encoding="utf-8")
    recordings = flavell2023.read(folder)
    assert [r.worm for r in recordings] == ["2022-06-14-01", "2022-07-15-06", "2022-12-01-02"]
    from_h5 = recordings[2]
    assert from_h5.file == "2022-12-01-02.h5"
    np.testing.assert_array_equal(from_h5.traces, worm["traces"])
    np.testing.assert_array_equal(from_h5.time, worm["time"])
    assert from_h5.labels == worm["labels"]
    assert from_h5.condition == "baseline,neuropal"
    assert from_h5.notes == worm["notes"]
    # the same worm as JSON and as HDF5 is ambiguous
    flavell_fixture.write_h5(folder / "2022-06-14-01.h5", worm["content"])
    with pytest.raises(RawFormatError, match="same worm"):
        flavell2023.read(folder)


def test_flavell_truncated_h5(flavell: tuple[Path, dict], tmp_path: Path) -> None:
    folder, written = flavell
    flavell_fixture.write_h5(tmp_path / "whole.h5", written["worms"][1]["content"])
    truncate_copy(tmp_path / "whole.h5", folder / "2022-12-01-02.h5", fraction=0.5)
    with pytest.raises(RawFormatError, match=r"2022-12-01-02\.h5.*not a readable HDF5"):
        flavell2023.read(folder)


# --------------------------------------------------------------------------------------------
# Venkatachalam2024


@pytest.fixture
def venkatachalam(tmp_path: Path) -> tuple[Path, dict]:
    folder = tmp_path / "Venkatachalam2024"
    return folder, venkatachalam_fixture.write(folder, seed=7)


def _rezip(folder: Path, stem: str, text: str, member: str | None = None) -> None:
    venkatachalam_fixture.write_zip(folder / f"{stem}.zip", member or f"{stem}.csv", text)


def test_venkatachalam_reads_the_fixture_in_memory(venkatachalam: tuple[Path, dict]) -> None:
    folder, written = venkatachalam
    before = _snapshot(folder)
    recordings = venkatachalam2024.read(folder)
    assert _snapshot(folder) == before  # nothing extracted, nothing rewritten
    _check_against(recordings, written)
    assert [r.worm for r in recordings] == ["chemosensory_worm01", "chemosensory_worm02"]
    first = recordings[0]
    assert first.traces.shape == (700, 6)
    # time = frame header x 0.375 s, from the first data frame (98) on
    np.testing.assert_array_equal(first.time, np.arange(98, 798) * 0.375)
    assert first.time[0] == 36.75
    assert first.labels == ["AWCL", "AWCR", "ASHL", "AIYL", "AVAL", "RIAR"]
    # as published: the all-NaN row is kept (the common step drops it)
    assert np.isnan(first.traces[:, written["worms"][0]["all_nan_row"]]).all()
    assert int(np.isnan(first.traces).sum()) == written["worms"][0]["nan_count"]


def test_venkatachalam_missing_neuron_column(venkatachalam: tuple[Path, dict]) -> None:
    folder, written = venkatachalam
    text = written["worms"][1]["csv"]
    _rezip(folder, "chemosensory_worm02", text.replace("neuron,", "cell,", 1))
    with pytest.raises(RawFormatError, match=r"chemosensory_worm02\.zip.*no column 'neuron'"):
        venkatachalam2024.read(folder)


def test_venkatachalam_truncated_zip(venkatachalam: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = venkatachalam
    path = folder / "chemosensory_worm01.zip"
    truncate_copy(path, tmp_path / "cut.zip", fraction=0.7)
    shutil.copyfile(tmp_path / "cut.zip", path)
    with pytest.raises(RawFormatError, match=r"chemosensory_worm01\.zip.*not a readable zip"):
        venkatachalam2024.read(folder)


def test_venkatachalam_truncated_csv_row(venkatachalam: tuple[Path, dict]) -> None:
    """A CSV cut mid-row inside an intact zip: its last row has fewer fields than the header."""
    folder, written = venkatachalam
    text = written["worms"][0]["csv"]
    _rezip(folder, "chemosensory_worm01", text[: len(text) - 400])
    with pytest.raises(RawFormatError, match=r"data row 6 has \d+ fields, expected 808"):
        venkatachalam2024.read(folder)


def test_venkatachalam_member_must_share_the_stem(venkatachalam: tuple[Path, dict]) -> None:
    folder, written = venkatachalam
    _rezip(folder, "chemosensory_worm01", written["worms"][0]["csv"], member="data/other.csv")
    with pytest.raises(RawFormatError, match=r"expected a member 'chemosensory_worm01\.csv'"):
        venkatachalam2024.read(folder)


def test_venkatachalam_bad_headers_and_cells(venkatachalam: tuple[Path, dict]) -> None:
    folder, written = venkatachalam
    text = written["worms"][0]["csv"]
    header, rest = text.split("\n", 1)
    columns = header.split(",")
    bad_header = columns[:200] + ["frame200"] + columns[201:]
    _rezip(folder, "chemosensory_worm01", ",".join(bad_header) + "\n" + rest)
    with pytest.raises(RawFormatError, match=r"time column 200 has header 'frame200'"):
        venkatachalam2024.read(folder)
    _rezip(folder, "chemosensory_worm01", ",".join(columns[:100]) + "\n")
    with pytest.raises(RawFormatError, match=r"100 columns; expected 9 descriptive"):
        venkatachalam2024.read(folder)
    rows = rest.split("\n")
    cells = rows[1].split(",")
    cells[300] = "oops"
    _rezip(folder, "chemosensory_worm01", header + "\n" + "\n".join([rows[0], ",".join(cells)] + rows[2:]))
    with pytest.raises(RawFormatError, match=r"data row 2 column 300 \(frame 291\) holds 'oops'"):
        venkatachalam2024.read(folder)


def test_venkatachalam_duplicate_names_stay_per_row(venkatachalam: tuple[Path, dict]) -> None:
    """The reference took ``neuron.unique()`` (misaligned with rows on a repeat); we keep one label per row."""
    folder, written = venkatachalam
    text = written["worms"][0]["csv"].replace("\nAWCR,", "\nAWCL,", 1)
    _rezip(folder, "chemosensory_worm01", text)
    first = venkatachalam2024.read(folder)[0]
    assert first.labels == ["AWCL", "AWCL", "ASHL", "AIYL", "AVAL", "RIAR"]
    assert first.notes["duplicate_labels"] == 1
    np.testing.assert_array_equal(first.traces, written["worms"][0]["traces"])


# --------------------------------------------------------------------------------------------
# all three


@pytest.mark.parametrize("fixture", [leifer_fixture, flavell_fixture, venkatachalam_fixture])
def test_fixtures_are_deterministic(fixture, tmp_path: Path) -> None:
    fixture.write(tmp_path / "a", seed=11)
    fixture.write(tmp_path / "b", seed=11)
    fixture.write(tmp_path / "c", seed=12)
    assert _snapshot(tmp_path / "a") == _snapshot(tmp_path / "b")
    assert _snapshot(tmp_path / "a") != _snapshot(tmp_path / "c")


@pytest.mark.parametrize("module", [flavell2023, venkatachalam2024])
def test_empty_folder_is_a_format_error(module, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here\n", encoding="utf-8")
    with pytest.raises(RawFormatError, match="no"):
        module.read(tmp_path)


def test_zip_fixture_member_is_a_plain_csv(venkatachalam: tuple[Path, dict]) -> None:
    folder, written = venkatachalam
    with zipfile.ZipFile(folder / "chemosensory_worm02.zip") as archive:
        assert archive.namelist() == ["chemosensory_worm02.csv"]
        assert archive.read("chemosensory_worm02.csv").decode("utf-8") == written["worms"][1]["csv"]
