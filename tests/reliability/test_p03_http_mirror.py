"""Issue 14, point 3: an HTTP mirror (``--raw-url`` / ``NEUROPIL_RAW_URL``) laid out like ``--raw-dir``.

``python -m http.server`` on 127.0.0.1 serves ``shared/data``; microns-fields (the 330 files it holds) and
celegans-activity (Dag2023, names with ``/``) are ingested from it into an empty home with no raw
dir. ``NEUROPIL_OFFLINE=1`` stays set (conftest): offline forbids the public URLs, while a mirror URL
the user names is used, as a mirror folder is; so these ingests also prove no public URL was tried.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from neuropil.cli import main
from neuropil.datasets import get_spec


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def http_mirror(shared_data: Path):
    """``python -m http.server`` serving shared/data on 127.0.0.1; killed at the end."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(shared_data)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/MANIFEST.md", timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("the loopback http.server did not start")
        yield base
    finally:
        server.kill()
        server.wait(timeout=10)


def _ingest_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main([*argv, "--json", "--quiet"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_ingest_from_http_mirror_into_empty_home(http_mirror: str, tmp_path: Path, real_home,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "empty-home"
    fields = _ingest_json(["ingest", "microns-fields", "--home", str(home), "--raw-url", http_mirror], capsys)
    spec = get_spec("microns-fields")
    # the 330 files the mirror holds; the other 174 registered (function of 36 fields) are not downloaded
    assert fields["status"] == "built" and len(fields["inputs"]) == 330 and len(spec.raw_files) == 504
    assert sorted(fields["not_downloaded"]) == sorted(set(r.name for r in spec.raw_files) - set(fields["inputs"]))
    for name, entry in fields["inputs"].items():
        # every input was downloaded into the home's cache (no raw dir, no package ships them)
        assert Path(entry["path"]).is_relative_to(home / "raw" / "microns-fields"), name
        assert entry["sha256"] == spec.raw_file(name).sha256
    # the same inputs and parameters as an ingest from the mirror folder
    reference = json.loads((real_home("microns-fields") / "microns-fields" / spec.version / "manifest.json").read_text())
    assert fields["fingerprint"] == reference["fingerprint"]

    # the environment variable does the same; Dag2023 names hold '/' and one file is derived (JSON)
    import os

    os.environ["NEUROPIL_RAW_URL"] = http_mirror + "/"  # a trailing slash is fine
    try:
        activity = _ingest_json(["ingest", "celegans-activity", "--source", "Dag2023", "--home", str(home)], capsys)
    finally:
        os.environ.pop("NEUROPIL_RAW_URL")
    assert activity["status"] == "built" and activity["skipped"] == {} and activity["missing_sources"] == {}
    dag = get_spec("celegans-activity").raw_files
    assert set(activity["inputs"]) == {raw.name for raw in dag}
    labels = home / "raw" / "celegans-activity" / "Dag2023" / "NeuroPAL_labels_dict.json"
    assert Path(activity["inputs"]["Dag2023/NeuroPAL_labels_dict.json"]["path"]) == labels and labels.is_file()
    # 7 labelled recordings read, 2 unlabelled ones skipped with a reason (shared/data MANIFEST)
    assert activity["stats"]["Dag2023"]["recordings"] == 7 and activity["stats"]["Dag2023"]["skipped"] == 2


def test_mirror_url_without_the_file_falls_back_then_says_what_was_tried(http_mirror: str, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A mirror that lacks a file (404) is not the end: offline, the error names the mirror URL tried
    and the public URL to obtain it from; one line, exit 1, nothing published."""
    home = tmp_path / "home"
    assert main(["ingest", "microns-pinky100", "--home", str(home), "--raw-url", http_mirror + "/nothing-here",
                 "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"the mirror URL {http_mirror}/nothing-here/microns/pinky100/soma.csv (404)" in err
    assert "downloads are off" in err and "raw.githubusercontent.com/AllenInstitute/MicronsBinder" in err
    assert not (home / "microns-pinky100" / get_spec("microns-pinky100").version).exists()


def test_bad_mirror_url_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "microns-pinky100", "--home", str(tmp_path), "--raw-url", "/some/folder"]) == 1
    err = capsys.readouterr().err
    assert "raw_url must be an http:// or https:// URL, got '/some/folder'" in err and "--raw-dir" in err
