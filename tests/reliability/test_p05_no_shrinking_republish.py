"""Issue 14, point 5: a re-ingest that holds less than the published version (a raw folder missing
files the published version was built from, a `--source` list naming nothing) is not published
unless `--force`; the refusal is one line naming what would be lost."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import neuropil
from neuropil import _store, cli
from neuropil.errors import InvalidArgumentError
from neuropil.pipelines import ingest, lost_content

DATASET = "celegans-activity"
DROPPED = "Dag2023/swf702_with_id/2022-08-02-38-data.h5"


@pytest.fixture
def home(private_home) -> Path:
    return private_home(DATASET)


def snapshot(home: Path) -> dict:
    manifest = _store.read_manifest(DATASET, "1.0.0", home)
    recordings = neuropil.load(DATASET, format="pandas", home=home)
    return {"manifest": manifest, "recordings": recordings.to_dict("records")}


def partial_mirror(shared_data: Path, tmp_path: Path) -> Path:
    """The real raw folder with one Dag2023 recording missing (files linked, not copied)."""
    mirror = tmp_path / "mirror"
    shutil.copytree(shared_data / "celegans", mirror / "celegans", copy_function=os.symlink)
    dropped = mirror / "celegans" / "dag2023" / DROPPED.removeprefix("Dag2023/")
    assert dropped.is_symlink()
    dropped.unlink()
    return mirror


def test_a_raw_folder_missing_a_source_file_does_not_replace_the_version(
        home: Path, shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(home)
    assert DROPPED in before["manifest"]["inputs"] and len(before["recordings"]) == 7
    mirror = partial_mirror(shared_data, tmp_path)
    command = ["ingest", DATASET, "--raw-dir", str(mirror), "--home", str(home), "-q"]
    assert cli.main(command) == 1  # first line of defence (point 1): a partial ingest needs --allow-partial
    assert "would be partial" in capsys.readouterr().err
    # allowed to be partial, it still may not replace a version that holds more
    code = cli.main([*command, "--allow-partial"])
    err = capsys.readouterr().err
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("neuropil: error")]
    assert len(lines) == 1 and "holds less than the published version" in lines[0]
    assert f"input files {DROPPED}" in lines[0] and "--force" in lines[0]
    assert snapshot(home) == before
    _store.verify_outputs(DATASET, "1.0.0", home)
    assert len(list((home / DATASET / ".builds").iterdir())) == 1  # the refused build was discarded
    # asked for: --force publishes the smaller version
    assert cli.main([*command, "--allow-partial", "--force"]) == 0
    after = snapshot(home)
    assert DROPPED not in after["manifest"]["inputs"] and len(after["recordings"]) == 6


@pytest.mark.parametrize("sources", [",,,", "", " , "])
def test_an_empty_source_list_is_a_usage_error(home: Path, shared_data: Path, sources: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(home)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["ingest", DATASET, "--source", sources, "--raw-dir", str(shared_data), "--home", str(home)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (f"neuropil ingest {DATASET}: error: argument --source: {sources!r} names "
                                            "no study "
                                            "(expected a name, a comma list or 'all')")
    with pytest.raises(InvalidArgumentError, match="names no study"):
        ingest(DATASET, source=sources, raw_dir=shared_data, home=home)
    assert snapshot(home) == before


def test_less_is_defined_from_the_manifests() -> None:
    published = {"sources": ["Dag2023"], "inputs": {"a.h5": {}, "b.h5": {}},
                 "outputs": {"recordings.parquet": {"rows": 7}, "neurons.parquet": {"rows": 976}, "x.h5": {}}}
    same = {**published, "outputs": {**published["outputs"], "neurons.parquet": {"rows": 900}}}
    assert lost_content(published, same) == []  # fewer rows (other options) is not a loss
    empty = {"sources": [], "inputs": {}, "outputs": {"recordings.parquet": {"rows": 0}, "neurons.parquet": {"rows": 0}}}
    assert lost_content(published, empty) == [
        "sources Dag2023", "input files a.h5, b.h5", "outputs x.h5",
        "all rows of neurons.parquet (976 -> 0), recordings.parquet (7 -> 0)"]
