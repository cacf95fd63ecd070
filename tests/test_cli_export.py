"""The export and info commands and their library twins: ``neuropil export ID --croissant FILE.json``
read by mlcroissant, ``--json`` on export, ``neuropil info --bibtex``, ``neuropil.info()`` and
``neuropil.export()``."""

from __future__ import annotations

import importlib
import json
import logging
from pathlib import Path

import pytest

import neuropil
from neuropil.cli import main
from neuropil.datasets import dataset_ids, get_spec
from neuropil.datasets.bibtex import REFERENCES, bibtex_entries, reference_key
from neuropil.errors import DatasetNotFoundError, InvalidArgumentError
from neuropil.testing import in_ci

# the test extra installs it: CI fails rather than skips without it
mlc = importlib.import_module("mlcroissant") if in_ci() else pytest.importorskip("mlcroissant")


def test_export_croissant_from_the_command_line_is_read_by_mlcroissant(real_home, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    home = real_home("vesselgraph")
    target = tmp_path / "meta" / "vesselgraph.json"
    assert main(["export", "vesselgraph", "--croissant", str(target), "--home", str(home), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["croissant"] == str(target) and result["hf"] is None and result["licence_notice"] is None
    logging.getLogger("absl").setLevel(logging.ERROR)
    dataset = mlc.Dataset(jsonld=str(target))
    assert not dataset.metadata.ctx.issues.errors
    records = list(dataset.records(record_set="nodes"))
    nodes = pd.read_parquet(home / "vesselgraph" / "1.0.0" / "nodes.parquet")
    assert len(records) == len(nodes)
    assert records[5]["nodes/pos_x"] == nodes["pos_x"].iloc[5]


def test_export_hf_and_croissant_in_one_call(ingested_home: Path, tmp_path: Path) -> None:
    result = neuropil.export("celegans-connectomes", hf=tmp_path / "hf", croissant=tmp_path / "cc.json",
                             home=ingested_home)
    assert Path(result["hf"], "README.md").is_file() and Path(result["croissant"]).is_file()
    assert json.loads(Path(result["croissant"]).read_text())["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    with pytest.raises(InvalidArgumentError, match="Nothing to export"):
        neuropil.export("celegans-connectomes", home=ingested_home)


def test_export_without_a_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "vesselgraph"])
    assert exit_info.value.code == 2 and "--croissant" in capsys.readouterr().err


def test_info_bibtex_prints_one_entry_per_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "celegans-connectomes", "--bibtex"]) == 0
    out = capsys.readouterr().out
    sources = get_spec("celegans-connectomes").citation.split("; ")
    # Varshney 2011 is cited twice (the OpenWorm tables follow it): one entry fewer than sources
    assert out.count("\n@") + out.startswith("@") == len(sources) - 1
    assert "@article{Cook2019," in out and "doi = {10.1038/s41586-019-1352-7}" in out
    assert out.count("{") == out.count("}")  # balanced braces: a BibTeX parser reads it
    assert main(["info", "vesselgraph", "--bibtex", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["dataset"] == "vesselgraph" and "eprint = {2108.13233}" in document["bibtex"]


@pytest.mark.parametrize("dataset_id", dataset_ids())
def test_every_cited_source_has_a_bibtex_entry(dataset_id: str) -> None:
    citation = get_spec(dataset_id).citation
    entries = bibtex_entries(citation)
    for source in citation.split("; "):
        key = reference_key(source)
        year = REFERENCES[key][1]["year"]
        assert f"({year})" in source  # the entry's year is the one the citation states
        assert any(entry.startswith(f"@{REFERENCES[key][0]}{{{key},") for entry in entries)


def test_a_citation_without_an_entry_raises() -> None:
    with pytest.raises(DatasetNotFoundError, match="No BibTeX entry"):
        bibtex_entries("Nobody N (1999) A paper not in the table. J 1:1")
    with pytest.raises(DatasetNotFoundError, match="no 'Surname"):
        bibtex_entries("an unstructured note")


def test_info_is_public_and_matches_the_command(ingested_home: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    info = neuropil.info("celegans-connectomes", home=ingested_home)
    assert info["ingested"] is True and info["stats"]["cook_2019"]["chemical_pairs"] > 0
    assert info["bibtex"].startswith("@article{Varshney2011,")
    assert main(["info", "celegans-connectomes", "--json", "--home", str(ingested_home)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["outputs"] == info["outputs"] and printed["fingerprint"] == info["fingerprint"]
    assert neuropil.info("vesselgraph", home=tmp_path / "empty") == {**neuropil.info("vesselgraph", home=tmp_path / "e2"),
                                                                     "ingested": False, "path": None}


def test_bench_plot_json(bench_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = tmp_path / "r.json"
    assert main(["bench", "run", "celegans-activity-forecast", "--model", "persistence", "--seeds", "1", "--quick",
                 "--home", str(bench_home), "--out", str(result), "-q"]) == 0
    capsys.readouterr()
    assert main(["bench", "plot", str(result), "--out", str(tmp_path / "r.png"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"out": str(tmp_path / "r.png"), "results": [str(result)]}
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_microns_dump_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from neuropil.pipelines import microns_cave
    from neuropil.testing.microns import FakeCaveClient, write_minnie65_tables

    fixture = write_minnie65_tables(tmp_path / "tables", n_synapses=300, n_nuclei=40)
    monkeypatch.setattr(microns_cave, "make_client", lambda datastack: FakeCaveClient(fixture.folder, version=1300))
    assert main(["microns", "dump", "--materialization", "1300", "--out", str(tmp_path / "d"),
                 "--tables", "nucleus_detection_v0", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["folder"] == str(tmp_path / "d" / "v1300") and printed["rows"] == {"nucleus_detection_v0": 40}
