"""Issue 14, point 2: downloads work, through pooch, against a server on 127.0.0.1 only.

Names with ``/`` (all celegans-activity and microns-fields files) download into their folders; a
wrong hash is a ChecksumError naming the file, the expected and the actual hash, and nothing stays
behind; every registered file has a URL that serves exactly it (or an archive member, or it is
marked derived and never downloaded); transient server errors are retried, a 404 is not.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import posixpath
import tarfile
import threading
import urllib.parse
from pathlib import Path

import pytest

from neuropil import _fetch
from neuropil._fetch import cache_path, locate
from neuropil.cli import main
from neuropil.datasets import dataset_ids, get_spec
from neuropil.errors import ChecksumError, SourceUnavailableError

DAG_H5 = "Dag2023/swf702_with_id/2022-07-26-31-data.h5"


@pytest.fixture
def server(tmp_path: Path):
    """Serves tmp_path/served on 127.0.0.1; ``fail_first[path] = n`` answers 503 n times first.
    Yields (base URL, served folder, requests seen as a list of paths, fail_first)."""
    served = tmp_path / "served"
    served.mkdir()
    seen: list[str] = []
    fail_first: dict[str, int] = {}

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def do_GET(self):  # noqa: N802 (http.server's name)
            seen.append(self.path)
            if fail_first.get(self.path, 0) > 0:
                fail_first[self.path] -= 1
                self.send_error(503, "try again")
                return
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", served, seen, fail_first
    finally:
        httpd.shutdown()
        httpd.server_close()


def _serve(served: Path, relative: str, data: bytes) -> None:
    (served / relative).parent.mkdir(parents=True, exist_ok=True)
    (served / relative).write_bytes(data)


def test_name_with_slash_downloads_into_its_folder(server, shared_data: Path, tmp_path: Path) -> None:
    base, served, seen, _ = server
    raw = get_spec("celegans-activity").raw_file(DAG_H5)
    _serve(served, "dag/file.h5", (shared_data / raw.mirror_path).read_bytes())
    moved = dataclasses.replace(raw, url=f"{base}/dag/file.h5")
    home = tmp_path / "home"
    path = locate(moved, "celegans-activity", home=home, offline=False, progress=False)
    assert path == home / "raw" / "celegans-activity" / "Dag2023" / "swf702_with_id" / "2022-07-26-31-data.h5"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == raw.sha256
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary left beside it
    assert seen == ["/dag/file.h5"]


def test_wrong_hash_names_file_expected_and_actual_and_leaves_nothing(server, tmp_path: Path) -> None:
    base, served, _, _ = server
    payload = b"not the registered recording\n"
    _serve(served, "x.h5", payload)
    raw = dataclasses.replace(get_spec("celegans-activity").raw_file(DAG_H5), url=f"{base}/x.h5")
    home = tmp_path / "home"
    actual = hashlib.sha256(payload).hexdigest()
    with pytest.raises(ChecksumError, match=rf"'{DAG_H5}' downloaded from {base}/x.h5: expected {raw.sha256}, got {actual}"):
        locate(raw, "celegans-activity", home=home, offline=False, progress=False)
    folder = cache_path(raw, "celegans-activity", home).parent
    assert list(folder.iterdir()) == []  # neither the file nor pooch's staging folder


def test_cli_wrong_hash_on_a_mirror_url_is_one_line_exit_1(server, shared_data: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    base, served, _, _ = server
    _serve(served, "microns/pinky100/soma.csv", (shared_data / "microns/pinky100/soma.csv").read_bytes()[:-10])
    _serve(served, "microns/pinky100/synapses.csv", (shared_data / "microns/pinky100/synapses.csv").read_bytes())
    home = tmp_path / "home"
    assert main(["ingest", "microns-pinky100", "--home", str(home), "--raw-url", base, "--quiet"]) == 1
    err = capsys.readouterr().err
    actual = hashlib.sha256((served / "microns/pinky100/soma.csv").read_bytes()).hexdigest()
    expected = get_spec("microns-pinky100").raw_file("soma.csv").sha256
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"'soma.csv' downloaded from {base}/microns/pinky100/soma.csv: expected {expected}, got {actual}" in err
    assert not (home / "microns-pinky100" / get_spec("microns-pinky100").version).exists()
    assert not (home / "raw" / "microns-pinky100" / "soma.csv").exists()


def test_every_registered_url_serves_that_file_or_is_marked() -> None:
    """The URL's last segment is the file (or the archive member is), or the file is derived."""
    for dataset in dataset_ids():
        for raw in get_spec(dataset).raw_files:
            served = urllib.parse.unquote(posixpath.basename(urllib.parse.urlparse(raw.url).path))
            if raw.derived_from:
                assert raw.derive_with, raw.name
            elif raw.archive_member:
                assert posixpath.basename(raw.archive_member) == posixpath.basename(raw.name), raw.name
            else:
                assert served == posixpath.basename(raw.name), (dataset, raw.name, raw.url)
    labels = get_spec("celegans-activity").raw_file("Dag2023/NeuroPAL_labels_dict.json")
    assert labels.derived_from and labels.derived_from.endswith(".jld2") and "JLD2" in labels.derive_with
    # `neuropil info` shows it
    shown = {s["name"]: s for s in get_spec("celegans-activity").to_dict()["sources"]}[labels.name]
    assert shown["derived_from"] == labels.derived_from and shown["derive_with"] == labels.derive_with


def test_derived_file_is_never_downloaded(server, tmp_path: Path) -> None:
    base, served, seen, _ = server
    raw = get_spec("celegans-activity").raw_file("Dag2023/NeuroPAL_labels_dict.json")
    _serve(served, "labels.jld2", b"jld2 bytes")
    moved = dataclasses.replace(raw, url=f"{base}/labels.jld2")
    with pytest.raises(SourceUnavailableError, match=r"NeuroPAL_labels_dict.json.*derived, not downloaded.*julia"):
        locate(moved, "celegans-activity", home=tmp_path, offline=False, progress=False)
    assert seen == []


def test_archive_member_is_unpacked_and_verified(server, shared_data: Path, tmp_path: Path) -> None:
    """funatlas.h5's registered URL is the wormneuroatlas sdist: pooch unpacks the one member."""
    base, served, _, _ = server
    raw = get_spec("celegans-connectomes").raw_file("funatlas.h5")
    with tarfile.open(served / "sdist.tar.gz", "w:gz", compresslevel=1) as archive:
        archive.add(shared_data / raw.mirror_path, arcname=raw.archive_member)
        archive.add(shared_data / "celegans/wormneuroatlas/LICENSE.wormneuroatlas", arcname="wormneuroatlas-0.0.7.3/LICENSE")
    moved = dataclasses.replace(raw, url=f"{base}/sdist.tar.gz", package=None, package_path=None)
    home = tmp_path / "home"
    path = locate(moved, "celegans-connectomes", home=home, offline=False, progress=False)
    assert path == home / "raw" / "celegans-connectomes" / "funatlas.h5"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == raw.sha256
    assert sorted(p.name for p in path.parent.iterdir()) == ["funatlas.h5"]
    # an archive without the member is a clear error, not a wrong file
    with tarfile.open(served / "other.tar.gz", "w:gz") as archive:
        archive.add(shared_data / "celegans/wormneuroatlas/LICENSE.wormneuroatlas", arcname="x/LICENSE")
    with pytest.raises(SourceUnavailableError, match=r"funatlas.h5"):
        locate(dataclasses.replace(moved, url=f"{base}/other.tar.gz"), "celegans-connectomes",
               home=tmp_path / "other", offline=False, progress=False)


def test_server_errors_are_retried_and_404_is_not(server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base, served, seen, fail_first = server
    monkeypatch.setattr(_fetch.time, "sleep", lambda seconds: None)
    payload = b"pre\tpost\ttype\tsynapses\n"
    _serve(served, "flaky.csv", payload)
    fail_first["/flaky.csv"] = _fetch.DOWNLOAD_ATTEMPTS - 1
    raw = _fetch.RawFile(name="sub/flaky.csv", sha256=hashlib.sha256(payload).hexdigest(), url=f"{base}/flaky.csv")
    path = locate(raw, "demo", home=tmp_path, offline=False, progress=False)
    assert path.read_bytes() == payload and seen.count("/flaky.csv") == _fetch.DOWNLOAD_ATTEMPTS
    gone = dataclasses.replace(raw, name="gone.csv", url=f"{base}/gone.csv")
    with pytest.raises(SourceUnavailableError, match=r"Could not download raw file 'gone.csv'.*404"):
        locate(gone, "demo", home=tmp_path, offline=False, progress=False)
    assert seen.count("/gone.csv") == 1
