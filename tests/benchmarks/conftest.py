"""One real ingest (connectomes + Dag2023 activity) shared by the benchmark tests; tests that
change the home copy it first."""

from __future__ import annotations

from pathlib import Path

import pytest

from neuropil.pipelines import ingest


@pytest.fixture(scope="session")
def bench_home(tmp_path_factory: pytest.TempPathFactory, shared_root: Path) -> Path:
    home = tmp_path_factory.mktemp("bench")
    ingest("celegans-connectomes", raw_dir=shared_root, home=home, progress=False)
    ingest("celegans-activity", raw_dir=shared_root, home=home, progress=False)
    return home
