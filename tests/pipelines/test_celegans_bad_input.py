"""Every bad input gets its documented error, and the previously ingested version stays intact."""

from __future__ import annotations

import importlib.resources
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import neuropil
from neuropil import _store
from neuropil.datasets import celegans_connectomes as registry
from neuropil.errors import (
    ChecksumError,
    IngestLockedError,
    NeuropilError,
    RawFormatError,
    UnmappedLabelError,
)
from neuropil.pipelines import celegans_connectomes as pipeline
from neuropil.pipelines import ingest
from neuropil.testing import registered_fixtures, truncate_copy, write_edge_table_xlsx

DATASET = "celegans-connectomes"
COOK = "SI 5 Connectome adjacency matrices, corrected July 2020.xlsx"
WITVLIET_7 = "witvliet_2020_7 adult.xlsx"


def cect_file(name: str) -> Path:
    return Path(str(importlib.resources.files("cect").joinpath("data", name)))


@pytest.fixture
def home(ingested_home: Path, tmp_path: Path) -> Path:
    """A private copy of a complete ingest: the 'previous version' every failure must leave intact."""
    target = tmp_path / "home"
    shutil.copytree(ingested_home, target, symlinks=True)
    return target


def snapshot(home: Path) -> dict:
    manifest = _store.read_manifest(DATASET, "1.0.0", home)
    edges = neuropil.load(DATASET, connectome="cook_2019", format="pandas", home=home)
    return {"fingerprint": manifest["fingerprint"], "outputs": manifest["outputs"], "edges": edges}


def assert_intact(home: Path, before: dict) -> None:
    after = snapshot(home)
    assert after["fingerprint"] == before["fingerprint"]
    assert after["outputs"] == before["outputs"]
    pd.testing.assert_frame_equal(after["edges"], before["edges"])
    _store.verify_outputs(DATASET, "1.0.0", home)  # every output still matches its SHA-256
    graph = neuropil.load(DATASET, connectome="cook_2019", format="pyg", home=home)
    assert graph.num_nodes == 300
    # no half-built folder is visible beside the published one
    assert [p.name for p in (home / DATASET).iterdir() if not p.name.startswith(".")] == ["1.0.0"]


def test_wrong_sha256_names_file_and_both_hashes(home: Path, tmp_path: Path, shared_data: Path) -> None:
    before = snapshot(home)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    text = cect_file("white_1986_jsh.csv").read_text()
    (mirror / "white_1986_jsh.csv").write_text(text.replace("ADAL\tAIBR\tchemical\t1", "ADAL\tAIBR\tchemical\t9", 1))
    expected = registry.SPEC.raw_file("white_1986_jsh.csv").sha256
    with pytest.raises(ChecksumError, match=rf"white_1986_jsh\.csv.*expected {expected}, got [0-9a-f]{{64}}"):
        ingest(DATASET, raw_dir=mirror, home=home)
    assert_intact(home, before)


def test_truncated_xlsx_fails_checksum_then_format(home: Path, tmp_path: Path) -> None:
    before = snapshot(home)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    truncated = truncate_copy(cect_file(COOK), mirror / COOK, fraction=0.6)
    # as registered: the hash catches the truncation before any parsing
    with pytest.raises(ChecksumError, match="truncated, corrupted or a different version"):
        ingest(DATASET, raw_dir=mirror, home=home)
    assert_intact(home, before)
    # registered as a fixture (hash accepted): the reader reports an unreadable workbook
    with registered_fixtures(registry, {COOK: truncated}):
        with pytest.raises(RawFormatError, match="not a readable spreadsheet"):
            ingest(DATASET, raw_dir=mirror, home=home)
    assert_intact(home, before)


def test_missing_column_is_named(home: Path, tmp_path: Path) -> None:
    before = snapshot(home)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    fixture = write_edge_table_xlsx(mirror / WITVLIET_7, [("ADAL", "AIBL", "chemical")], header=("pre", "post", "type"))
    with registered_fixtures(registry, {WITVLIET_7: fixture}):
        with pytest.raises(RawFormatError, match=r"lacks column\(s\) \['synapses'\]"):
            ingest(DATASET, raw_dir=mirror, home=home)
    assert_intact(home, before)


def test_unmappable_label_is_reported_or_refused_in_strict_mode(home: Path, tmp_path: Path) -> None:
    before = snapshot(home)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    rows = [("ADAL", "AIBL", "chemical", 2), ("ADA1", "AIBR", "chemical", 3), ("DA01", "ADAL", "electrical", 1)]
    fixture = write_edge_table_xlsx(mirror / WITVLIET_7, rows)
    with registered_fixtures(registry, {WITVLIET_7: fixture}):
        with pytest.raises(UnmappedLabelError, match=r"witvliet_7: 1 label\(s\).*'ADA1'"):
            ingest(DATASET, raw_dir=mirror, home=home, strict=True)
        assert_intact(home, before)
        # this mirror lacks optional sources the published version holds: replacing it needs force
        result = ingest(DATASET, raw_dir=mirror, home=home, force=True)
    assert result.status == "built"
    stats = result.manifest["stats"]["witvliet_7"]
    assert stats["unmapped_labels"] == 1
    assert result.manifest["unmapped"]["witvliet_7"] == {"ADA1": 1}
    unmapped = neuropil.load(DATASET, table="unmapped", format="pandas", home=home)
    assert unmapped.to_dict("records") == [{"connectome": "witvliet_7", "raw_label": "ADA1", "rows": 1}]
    # the record is kept (as a partner edge of kind 'unmapped'), never silently dropped
    partners = neuropil.load(DATASET, connectome="witvliet_7", table="partner_edges", format="pandas", home=home)
    assert partners[["pre", "pre_kind", "weight"]].values.tolist() == [["ADA1", "unmapped", 3.0]]
    # the zero-padded DA01 is mapped, not dropped
    edges = neuropil.load(DATASET, connectome="witvliet_7", format="pandas", home=home)
    assert set(map(tuple, edges[["pre", "post", "type"]].values)) == {("ADAL", "AIBL", "chemical"), ("ADAL", "DA1", "electrical")}


def test_interrupted_ingest_leaves_previous_version(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(home)
    written = []
    original = _store.Build.write_table

    def interrupted(self, name, table):
        if written:
            raise KeyboardInterrupt  # Ctrl-C after the first table is on disk
        written.append(name)
        original(self, name, table)

    monkeypatch.setattr(_store.Build, "write_table", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ingest(DATASET, home=home, force=True)
    assert written
    assert_intact(home, before)
    assert len(list((home / DATASET / ".builds").iterdir())) == 1  # the half-written build was discarded


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from neuropil import _store
    from neuropil.pipelines import ingest
    original = _store.Build.write_table
    def write_then_die(self, name, table):
        original(self, name, table)
        os.kill(os.getpid(), signal.SIGKILL)  # killed half-way: one table written, nothing published
    _store.Build.write_table = write_then_die
    ingest("celegans-connectomes", home=sys.argv[1], force=True)
    """
)


def test_killed_ingest_leaves_previous_version_and_next_ingest_recovers(home: Path, shared_data: Path) -> None:
    before = snapshot(home)
    process = subprocess.run([sys.executable, "-c", KILLER, str(home)], capture_output=True, text=True,
                             env={**os.environ, "NEUROPIL_OFFLINE": "1"}, timeout=120)
    assert process.returncode == -signal.SIGKILL, process.stderr
    builds = list((home / DATASET / ".builds").iterdir())
    assert len(builds) == 2  # the published build and the orphan the killed run left
    assert_intact(home, before)
    # the lock died with the process; the next ingest is a no-op that also removes the orphan
    result = ingest(DATASET, raw_dir=shared_data, home=home)
    assert result.status == "up-to-date"
    assert len(list((home / DATASET / ".builds").iterdir())) == 1
    assert_intact(home, before)


HOLDER = textwrap.dedent(
    """
    import sys, time
    from neuropil import _store
    with _store.ingest_lock("celegans-connectomes", sys.argv[1]):
        print("locked", flush=True)
        time.sleep(60)
    """
)


def test_two_ingests_at_once(home: Path, shared_data: Path) -> None:
    before = snapshot(home)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(home)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(IngestLockedError, match=rf"Another ingest of 'celegans-connectomes' is running.*pid {holder.pid}"):
            ingest(DATASET, raw_dir=shared_data, home=home, force=True)
        from neuropil.cli import main

        assert main(["ingest", DATASET, "--home", str(home), "--force", "--quiet"]) == 1
    finally:
        holder.kill()
        holder.wait()
    assert_intact(home, before)
    assert ingest(DATASET, raw_dir=shared_data, home=home).status == "up-to-date"


def test_errors_inherit_builtins() -> None:
    assert issubclass(ChecksumError, ValueError) and issubclass(ChecksumError, NeuropilError)
    assert issubclass(RawFormatError, ValueError)
    assert issubclass(IngestLockedError, RuntimeError)
    from neuropil.errors import DatasetNotFoundError

    with pytest.raises(KeyError, match="Did you mean 'celegans-connectomes'"):
        neuropil.load("celegans-connectome", format="pyg")


def test_reader_errors_on_real_layouts(tmp_path: Path) -> None:
    with pytest.raises(RawFormatError, match="unknown type"):
        pipeline.read_edge_table(write_edge_table_xlsx(tmp_path / "w.xlsx", [("ADAL", "AIBL", "chem", 1)]))
    with pytest.raises(RawFormatError, match="non-numeric value 'many'"):
        pipeline.read_edge_table(write_edge_table_xlsx(tmp_path / "n.xlsx", [("ADAL", "AIBL", "chemical", "many")]))
    (tmp_path / "bad.h5").write_bytes(b"not hdf5")
    with pytest.raises(RawFormatError, match="not a readable HDF5"):
        pipeline.read_funatlas(tmp_path / "bad.h5")


def test_durbin_reader_names_the_bad_line(tmp_path: Path) -> None:
    from neuropil.pipelines.celegans_sources_more import read_durbin

    cases = {
        "ADAL\tAIBL\tSend\tN2U\n": "line 1: 'ADAL\\\\tAIBL\\\\tSend\\\\tN2U' has 4 fields",
        "ADAL\tAIBL\tSendd\tN2U\t1\n": "line 1: unknown code 'Sendd'",
        "ADAL\tAIBL\tSend\tN2X\t1\n": "line 1: unknown animal 'N2X'",
        "# comment\nADAL\tAIBL\tSend\tN2U\tmany\n": "line 2: count 'many' is not a whole number",
        "ADAL\tAIBL\tGap_junction\t\t3\n": "unknown animal ''",  # only Durbin's one known record may lack it
    }
    for number, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"neurodata_{number}.txt"
        path.write_text(text)
        with pytest.raises(RawFormatError, match=message):
            read_durbin(path, "N2U")
    with pytest.raises(ValueError, match="Unknown Durbin animal 'N2'"):
        read_durbin(path, "N2")
    path.write_text("ADAL\tAIBL\tSend\tN2U\t2\nAIBL\tADAL\tReceive_joint\tN2U\t1\nADAL\tAIBL\tSend\tJSH\t5\n")
    table = read_durbin(path, "N2U")
    assert table.to_dict("records") == [{"pre_raw": "ADAL", "post_raw": "AIBL", "type": "chemical", "weight": 2.0}]
    assert table.attrs["receive_mismatches"] == [
        {"pre_raw": "ADAL", "post_raw": "AIBL", "weight_send": 2.0, "weight_receive": 1.0}]


def test_haspel_reader_errors(tmp_path: Path) -> None:
    import numpy as np
    import scipy.io

    from neuropil.pipelines.celegans_sources_more import read_haspel_odonovan

    (tmp_path / "text.mat").write_text("not a MAT file")
    with pytest.raises(RawFormatError, match="text.mat is not a MATLAB v5 file"):
        read_haspel_odonovan(tmp_path / "text.mat")
    names = np.array([["DA01"], ["VD01"]], dtype=object)
    scipy.io.savemat(tmp_path / "partial.mat", {"Names_conn_full": names, "A_conn_full": np.zeros((2, 2))})
    with pytest.raises(RawFormatError, match=r"lacks variable\(s\) \['J_conn_full'\]"):
        read_haspel_odonovan(tmp_path / "partial.mat")
    scipy.io.savemat(tmp_path / "shape.mat", {"Names_conn_full": names, "A_conn_full": np.zeros((2, 2)),
                                              "J_conn_full": np.zeros((3, 3))})
    with pytest.raises(RawFormatError, match=r"J_conn_full \(3, 3\) must both be \(2, 2\)"):
        read_haspel_odonovan(tmp_path / "shape.mat")
    # [post, pre]: DA1 -> VD1 excitatory 2, VD1 -> DA1 inhibitory 1.5 (magnitude and sign kept apart)
    scipy.io.savemat(tmp_path / "ok.mat", {"Names_conn_full": names, "A_conn_full": np.array([[0, -1.5], [2, 0]]),
                                           "J_conn_full": np.zeros((2, 2))})
    table = read_haspel_odonovan(tmp_path / "ok.mat")
    assert sorted(map(tuple, table[["pre_raw", "post_raw", "weight", "sign"]].values.tolist())) == [
        ("DA01", "VD01", 2.0, 1.0), ("VD01", "DA01", 1.5, -1.0)]


def test_wang_atlas_reader_names_the_bad_value(tmp_path: Path) -> None:
    import openpyxl

    from neuropil.pipelines.celegans_sources_more import read_wang_atlas

    def sheet(rows: list[list[object]]) -> Path:
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        path = tmp_path / f"atlas_{len(list(tmp_path.iterdir()))}.xlsx"
        book.save(path)
        return path

    header = [None, "Class", "Neuron", "Lineage", "eat-4", "Neurotransmitter(s)", None, None]
    with pytest.raises(RawFormatError, match="no header row with 'Neuron', 'Lineage' and 'Neurotransmitter"):
        read_wang_atlas(sheet([[None, "Class", "Cell", "Lineage"], [None, "ADA", "ADAL", "AB p", None, "Glu"]]),
                        "hermaphrodite")
    with pytest.raises(RawFormatError, match="neuron ADAL: unknown transmitter 'glutamine'"):
        read_wang_atlas(sheet([header, [None, "ADA", "ADAL", "AB p", None, "glutamine"]]), "hermaphrodite")
    with pytest.raises(RawFormatError, match="no neuron row with a transmitter"):
        read_wang_atlas(sheet([header, [None, "HEAD"]]), "male")
    atlas = read_wang_atlas(sheet([header, [None, "DX", "DX1/2", "B p", None, "*Glu - NEW", "5-HT (uptake)"],
                                   [None, None, "DX1/2", "B q", None, "ACh (new)"],
                                   [None, "blue:", "different from previous reports"]]), "male")
    assert atlas.fillna({"edge_type": "none"})[["label", "rank", "transmitter", "edge_type"]].values.tolist() == [
        ["DX1", 1, "glutamate", "chemical"], ["DX1", 2, "serotonin uptake", "none"], ["DX2", 1, "acetylcholine", "chemical"]]
