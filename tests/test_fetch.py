"""Raw files: package, mirror, cache and download routes, each verified by SHA-256."""

from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from neuropil._fetch import RawFile, cache_path, locate, sha256_of
from neuropil.datasets import celegans_connectomes as registry
from neuropil.errors import ChecksumError, SourceUnavailableError

PAYLOAD = b"pre\tpost\ttype\tsynapses\nADAL\tAIBL\tchemical\t2\n"


@pytest.fixture
def server(tmp_path: Path):
    """A loopback HTTP server serving tmp_path/served (never any other address)."""
    served = tmp_path / "served"
    served.mkdir()
    (served / "table.csv").write_bytes(PAYLOAD)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def raw(url: str, sha256: str | None = None) -> RawFile:
    return RawFile(name="table.csv", sha256=sha256 or hashlib.sha256(PAYLOAD).hexdigest(), url=url)


def test_download_verifies_and_caches(server: str, tmp_path: Path) -> None:
    spec = raw(f"{server}/table.csv")
    path = locate(spec, "demo", home=tmp_path, offline=False, progress=False)
    assert path == cache_path(spec, "demo", tmp_path)
    assert path.read_bytes() == PAYLOAD
    # the second call finds the verified cache and does not need the network
    assert locate(spec, "demo", home=tmp_path, offline=True) == path


def test_download_with_wrong_hash_leaves_nothing(server: str, tmp_path: Path) -> None:
    spec = raw(f"{server}/table.csv", sha256="0" * 64)
    with pytest.raises(ChecksumError, match=r"'table.csv'.*expected 0{64}, got " + hashlib.sha256(PAYLOAD).hexdigest()):
        locate(spec, "demo", home=tmp_path, offline=False, progress=False)
    folder = cache_path(spec, "demo", tmp_path).parent
    assert list(folder.iterdir()) == []  # neither the file nor its .part temporary


def test_unreachable_url_is_a_clear_error(server: str, tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailableError, match=r"Could not download raw file 'table.csv'.*--raw-dir"):
        locate(raw(f"{server}/missing.csv"), "demo", home=tmp_path, offline=False, progress=False)


def test_offline_without_copy_says_how_to_obtain(tmp_path: Path) -> None:
    from neuropil.datasets.celegans_activity import SPEC as activity

    spec = activity.raw_file("Dag2023/swf702_with_id/2022-07-26-31-data.h5")
    with pytest.raises(SourceUnavailableError, match=r"2022-07-26-31-data.h5.*downloads are off.*flavell-lab"):
        locate(spec, "celegans-activity", home=tmp_path)


def test_mirror_folder_stands_in_for_download(shared_data: Path, tmp_path: Path) -> None:
    spec = registry.SPEC.raw_file("white_1986_jse.csv")
    path = locate(spec, "celegans-connectomes", raw_dir=shared_data, home=tmp_path)
    assert path == (shared_data / spec.mirror_path).resolve()
    assert sha256_of(path) == spec.sha256


def test_package_files_are_found_and_verified(tmp_path: Path) -> None:
    for spec in registry.SPEC.raw_files:
        if spec.package == "cect":
            path = locate(spec, "celegans-connectomes", home=tmp_path)
            assert "cect" in path.parts and sha256_of(path) == spec.sha256


def test_corrupted_cache_is_refused(tmp_path: Path) -> None:
    spec = raw("http://127.0.0.1:9/never")
    target = cache_path(spec, "demo", tmp_path)
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOAD[:-3])
    with pytest.raises(ChecksumError, match="table.csv"):
        locate(spec, "demo", home=tmp_path, offline=True)
