"""Issue 14, point 2 (archives): the FISBe and VesselGraph release archives are downloaded (pooch,
``doi:`` URLs too) and only the registered members extracted, atomically, into the cache.

Everything is served by a server on 127.0.0.1 from archives built here: a VesselGraph zip from the
Voreen fixture writer, a FISBe zip from the real ``shared/data`` zarr folder (whose registered tree
digest then proves the extraction byte-exact), and archives that are wrong on purpose (a wrong
SHA-256, an entry escaping the target, a missing member).
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import os
import threading
import zipfile
from pathlib import Path

import pytest

from neuropil._fetch import fetch_archive_members, locate
from neuropil.errors import ChecksumError, RawFormatError, SourceUnavailableError, UnverifiedSourceError
from neuropil.pipelines import ingest


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """(base URL, served folder, paths requested); downloads allowed (conftest turns them off), with
    every file the ingests need besides the archives in a mirror folder, so no public URL is tried."""
    from neuropil import _fetch

    monkeypatch.delenv("NEUROPIL_OFFLINE", raising=False)
    monkeypatch.setattr(_fetch.time, "sleep", lambda seconds: None)
    served = tmp_path / "served"
    served.mkdir()
    seen: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def do_GET(self):  # noqa: N802 (http.server's name)
            seen.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", served, seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def _zip(path: Path, files: dict[str, Path]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, source in files.items():
            archive.write(source, arcname=name)
    return path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*") if p.name.startswith((".download-", ".extract-", ".replaced-")))


def test_vesselgraph_whole_brain_is_downloaded_extracted_and_kept(server, shared_data: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from neuropil.datasets.vesselgraph import GRAPHS
    from neuropil.testing.vessels import write_vessel_graph

    base, served, seen = server
    nodes, edges = write_vessel_graph(tmp_path / "voreen", 300, name="BALBc_no1", seed=3)
    # the pair one folder down, beside a file that is not a member, as a zip of a Voreen run might be
    _zip(served / "BALBc_no1_raw.zip", {"BALBc_no1_raw/BALBc_no1_nodes.csv": nodes,
                                        "BALBc_no1_raw/BALBc_no1_edges.csv": edges,
                                        "BALBc_no1_raw/README.txt": nodes})
    monkeypatch.setitem(GRAPHS, "BALBc_no1", dataclasses.replace(GRAPHS["BALBc_no1"], url=f"{base}/BALBc_no1_raw.zip"))
    home = tmp_path / "home"
    with pytest.raises(UnverifiedSourceError, match="--allow-unverified"):  # no download without it
        ingest("vesselgraph", graph="BALBc_no1", raw_dir=shared_data, home=home, progress=False)
    assert seen == []
    result = ingest("vesselgraph", graph="BALBc_no1", raw_dir=shared_data, home=home, allow_unverified=True, progress=False)
    cache = home / "raw" / "vesselgraph" / "BALBc_no1"
    assert sorted(p.name for p in cache.iterdir()) == ["BALBc_no1_edges.csv", "BALBc_no1_nodes.csv"]
    assert (cache / "BALBc_no1_nodes.csv").read_bytes() == nodes.read_bytes()
    inputs = result.manifest["inputs"]
    assert inputs["BALBc_no1/nodes.csv"]["sha256"] == hashlib.sha256(nodes.read_bytes()).hexdigest()
    assert inputs["BALBc_no1/edges.csv"]["verified"] is False
    assert result.manifest["stats"]["BALBc_no1"]["nodes"] == 300
    assert _leftovers(home) == [] and seen == ["/BALBc_no1_raw.zip"]
    # the extracted pair is found again: no second download
    ingest("vesselgraph", graph="BALBc_no1", raw_dir=shared_data, home=home, allow_unverified=True, progress=False, force=True)
    assert seen == ["/BALBc_no1_raw.zip"]


def test_wrong_archive_hash_names_archive_expected_and_actual_and_extracts_nothing(server, shared_data: Path,
                                                                                    tmp_path: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from neuropil.datasets.vesselgraph import GRAPHS
    from neuropil.testing.vessels import write_vessel_graph

    base, served, _ = server
    nodes, edges = write_vessel_graph(tmp_path / "voreen", 50, name="BALBc_no2", seed=1)
    archive = _zip(served / "BALBc_no2_raw.zip", {"BALBc_no2_nodes.csv": nodes, "BALBc_no2_edges.csv": edges})
    registered = "0" * 64
    monkeypatch.setitem(GRAPHS, "BALBc_no2", dataclasses.replace(
        GRAPHS["BALBc_no2"], url=f"{base}/BALBc_no2_raw.zip", archive_sha256=registered))
    actual = hashlib.sha256(archive.read_bytes()).hexdigest()
    home = tmp_path / "home"
    with pytest.raises(ChecksumError, match=rf"archive 'BALBc_no2_raw.zip' downloaded from {base}/BALBc_no2_raw.zip "
                                            rf".*expected {registered}, got {actual}"):
        ingest("vesselgraph", graph="BALBc_no2", raw_dir=shared_data, home=home, allow_unverified=True, progress=False)
    cache = home / "raw" / "vesselgraph"
    assert [p for p in cache.rglob("*") if p.is_file()] == [] and _leftovers(home) == []
    assert not (home / "vesselgraph" / "1.0.0").exists()
    # with the right digest registered the same archive is accepted
    monkeypatch.setitem(GRAPHS, "BALBc_no2", dataclasses.replace(GRAPHS["BALBc_no2"], archive_sha256=actual))
    assert ingest("vesselgraph", graph="BALBc_no2", raw_dir=shared_data, home=home, allow_unverified=True, progress=False).status == "built"


def test_fisbe_sample_comes_out_of_its_release_archive_byte_exact(server, shared_data: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """VT011145-20171222_63_I2 is listed under 'partly', 'test': only partly/test/<sample>.zarr is extracted."""
    from neuropil.datasets import fisbe

    base, served, seen = server
    sample = "VT011145-20171222_63_I2"
    folder = shared_data / "fisbe" / "gt" / f"{sample}.zarr"
    files = {f"partly/test/{sample}.zarr/{p.relative_to(folder).as_posix()}": p for p in folder.rglob("*") if p.is_file()}
    other = shared_data / "fisbe" / "gt" / "R14A02-20180905_65_A6.zarr" / ".zgroup"
    _zip(served / "fisbe_v1.0_partly.zip", {**files, "partly/train/another.zarr/.zgroup": other})
    monkeypatch.setitem(fisbe.ARCHIVES, "partly", dataclasses.replace(
        fisbe.ARCHIVES["partly"], url=f"{base}/fisbe_v1.0_partly.zip"))
    raw = tmp_path / "raw" / "fisbe"
    raw.mkdir(parents=True)
    (raw / "sample_list_per_split.txt").write_bytes((shared_data / "fisbe" / "sample_list_per_split.txt").read_bytes())
    home = tmp_path / "home"
    with pytest.raises(UnverifiedSourceError, match=rf"\['{sample}'\].*--allow-unverified"):
        ingest("fisbe", raw_dir=raw.parent, samples=sample, home=home, progress=False)
    with pytest.raises(SourceUnavailableError, match=r"\['VT0-nope'\] are not in .*split list"):
        ingest("fisbe", raw_dir=raw.parent, samples="VT0-nope", home=home, progress=False, allow_unverified=True)
    assert seen == []
    result = ingest("fisbe", raw_dir=raw.parent, samples=sample, home=home, allow_unverified=True, progress=False)
    extracted = home / "raw" / "fisbe" / "partly" / "test" / f"{sample}.zarr"
    digest, count, _ = fisbe.REGISTERED_TREES[f"{sample}.zarr"]
    assert result.manifest["inputs"][f"zarr/{sample}.zarr"]["sha256"] == digest  # the registered tree digest
    assert sum(1 for p in extracted.rglob("*") if p.is_file()) == count
    assert not (home / "raw" / "fisbe" / "partly" / "train").exists() and _leftovers(home) == []
    assert seen == ["/fisbe_v1.0_partly.zip"]


def test_doi_urls_are_resolved_by_pooch(server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``doi:<DOI>/<file>`` goes through pooch's DOI downloader; its repository lookup (doi.org, the
    Zenodo API) is the one step replaced here, by the loopback server."""
    import pooch.downloaders

    base, served, seen = server
    payload = tmp_path / "member.txt"
    payload.write_text("a member\n")
    _zip(served / "release.zip", {"top/member.txt": payload})
    asked: list[str] = []

    class Repository:
        def download_url(self, file_name: str) -> str:
            asked.append(file_name)
            return f"{base}/release.zip"

    def resolve(doi: str, **kwargs: object) -> Repository:
        asked.append(doi)
        return Repository()

    monkeypatch.setattr(pooch.downloaders, "doi_to_repository", resolve)
    placed = fetch_archive_members("doi:10.5281/zenodo.10875063/release.zip", ["top/member.txt"], tmp_path / "out",
                                   progress=False)
    assert asked == ["10.5281/zenodo.10875063", "release.zip"] and seen == ["/release.zip"]
    assert placed["top/member.txt"].read_text() == "a member\n"
    assert placed["top/member.txt"] == tmp_path / "out" / "top" / "member.txt"


def test_unsafe_or_incomplete_archives_are_refused(server, tmp_path: Path) -> None:
    base, served, _ = server
    payload = tmp_path / "x.csv"
    payload.write_text("id\n1\n")
    _zip(served / "escape.zip", {"../escaped.csv": payload, "ok/x.csv": payload})
    with pytest.raises(RawFormatError, match=r"escape.zip: entry '../escaped.csv' would be written outside"):
        fetch_archive_members(f"{base}/escape.zip", ["escaped.csv"], tmp_path / "out", progress=False)
    assert not (tmp_path / "escaped.csv").exists() and _leftovers(tmp_path / "out") == []
    _zip(served / "twice.zip", {"a/x.csv": payload, "b/x.csv": payload})
    with pytest.raises(RawFormatError, match=r"holds 'x.csv' twice"):
        fetch_archive_members(f"{base}/twice.zip", ["x.csv"], tmp_path / "out", progress=False)
    with pytest.raises(SourceUnavailableError, match=rf"archive at {base}/twice.zip does not hold 'y.csv'"):
        fetch_archive_members(f"{base}/twice.zip", ["a/x.csv", "y.csv"], tmp_path / "out", progress=False)
    assert [p for p in (tmp_path / "out").rglob("*") if p.is_file()] == []
    os.environ["NEUROPIL_OFFLINE"] = "1"
    try:
        with pytest.raises(SourceUnavailableError, match="downloads are off.*twice.zip"):
            fetch_archive_members(f"{base}/twice.zip", ["a/x.csv"], tmp_path / "out", progress=False)
    finally:
        del os.environ["NEUROPIL_OFFLINE"]


def test_a_registered_archive_member_checks_the_archive_then_the_member(server, shared_data: Path,
                                                                        tmp_path: Path) -> None:
    """locate(): funatlas.h5 from an archive whose SHA-256 is registered; a wrong one names the archive."""
    from neuropil.datasets import get_spec

    base, served, _ = server
    raw = get_spec("celegans-connectomes").raw_file("funatlas.h5")
    archive = _zip(served / "sdist.zip", {raw.archive_member: shared_data / raw.mirror_path})
    good = hashlib.sha256(archive.read_bytes()).hexdigest()
    moved = dataclasses.replace(raw, url=f"{base}/sdist.zip", package=None, package_path=None, archive_sha256=good)
    path = locate(moved, "celegans-connectomes", home=tmp_path / "a", progress=False)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == raw.sha256
    assert sorted(p.name for p in path.parent.iterdir()) == ["funatlas.h5"]
    wrong = dataclasses.replace(moved, archive_sha256="f" * 64)
    with pytest.raises(ChecksumError, match=rf"archive 'sdist.zip' .* \(it holds funatlas.h5\): expected f{{64}}, got {good}"):
        locate(wrong, "celegans-connectomes", home=tmp_path / "b", progress=False)
    assert list((tmp_path / "b" / "raw" / "celegans-connectomes").iterdir()) == []
