"""Test set-up: every test gets its own neuropil home, downloads are off, nothing is prompted.

Real upstream files live in ``../shared/data`` (or ``$NEUROPIL_TEST_DATA``). Tests that need them
use the ``shared_data`` fixture: on a user's machine without that folder they skip with the reason;
in CI (``CI`` set) a missing folder fails the test instead, because a skip there would hide a gap.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from neuropil.testing import in_ci

SHARED_DATA = Path(os.environ.get("NEUROPIL_TEST_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data")).resolve()


@pytest.fixture
def shared_data() -> Path:
    """The real upstream files; skip (locally) or fail (CI) when absent."""
    if not (SHARED_DATA / "MANIFEST.md").is_file():
        message = f"real upstream data not found at {SHARED_DATA} (set NEUROPIL_TEST_DATA to its folder)"
        if in_ci():
            pytest.fail("CI must run the real-data tests: " + message)
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "neuropil-home"
    monkeypatch.setenv("NEUROPIL_HOME", str(home))
    monkeypatch.setenv("NEUROPIL_OFFLINE", "1")
    monkeypatch.setenv("NEUROPIL_QUIET", "1")
    monkeypatch.delenv("NEUROPIL_RAW_DIR", raising=False)
    import neuropil

    neuropil.set_home(None)
    return home


@pytest.fixture(scope="session")
def shared_root() -> Path:
    """Session-scoped twin of ``shared_data`` for module- and session-scoped fixtures."""
    if not (SHARED_DATA / "MANIFEST.md").is_file():
        if in_ci():
            pytest.fail(f"CI must run the real-data tests: {SHARED_DATA} not found")
        pytest.skip(f"real upstream data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_home(tmp_path_factory: pytest.TempPathFactory):
    """``real_home("microns-fields", ...)``: one session-wide home where each named dataset is
    ingested from the real files once, on first request. Read-only: a test that changes a home
    copies it first."""
    home = tmp_path_factory.mktemp("real-ingests")
    done: set[str] = set()

    def ingested(*datasets: str) -> Path:
        if not (SHARED_DATA / "MANIFEST.md").is_file():
            if in_ci():
                pytest.fail(f"CI must run the real-data tests: {SHARED_DATA} not found")
            pytest.skip(f"real upstream data not found at {SHARED_DATA}")
        from neuropil.pipelines import ingest

        previous = os.environ.get("NEUROPIL_OFFLINE")
        os.environ["NEUROPIL_OFFLINE"] = "1"
        try:
            for name in datasets:
                if name not in done:
                    ingest(name, raw_dir=SHARED_DATA, home=home, progress=False)
                    done.add(name)
        finally:
            if previous is None:
                os.environ.pop("NEUROPIL_OFFLINE", None)
            else:
                os.environ["NEUROPIL_OFFLINE"] = previous
        return home

    return ingested


@pytest.fixture(scope="session")
def ingested_home(real_home) -> Path:
    """One full ingest of celegans-connectomes from the real files, shared by read-only tests."""
    return real_home("celegans-connectomes")


@pytest.fixture(scope="session")
def _pristine_homes(tmp_path_factory: pytest.TempPathFactory):
    """dataset -> a home holding only that dataset, ingested from the real files once per session."""
    homes: dict[str, Path] = {}

    def home_of(dataset: str) -> Path:
        if not (SHARED_DATA / "MANIFEST.md").is_file():
            if in_ci():
                pytest.fail(f"CI must run the real-data tests: {SHARED_DATA} not found")
            pytest.skip(f"real upstream data not found at {SHARED_DATA}")
        if dataset not in homes:
            from neuropil.pipelines import ingest

            homes[dataset] = tmp_path_factory.mktemp(f"pristine-{dataset}")
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("NEUROPIL_OFFLINE", "1")
                ingest(dataset, raw_dir=SHARED_DATA, home=homes[dataset], progress=False)
        return homes[dataset]

    return home_of


@pytest.fixture
def private_home(_pristine_homes, tmp_path: Path):
    """``private_home("vesselgraph")``: a copy of a real ingest of that one dataset that a test may
    change (re-ingest, corrupt, export onto); the copy keeps the version links."""
    import shutil

    def copied(dataset: str) -> Path:
        target = tmp_path / "home"
        shutil.copytree(_pristine_homes(dataset), target, symlinks=True)
        return target

    return copied


@pytest.fixture(scope="session")
def bench_home(tmp_path_factory: pytest.TempPathFactory, shared_root: Path) -> Path:
    """One real ingest (connectomes + Dag2023 activity) shared by the benchmark and leaderboard tests;
    tests that change the home copy it first."""
    from neuropil.pipelines import ingest

    home = tmp_path_factory.mktemp("bench")
    ingest("celegans-connectomes", raw_dir=shared_root, home=home, progress=False)
    ingest("celegans-activity", raw_dir=shared_root, home=home, progress=False)
    return home
