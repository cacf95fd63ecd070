"""Issue 14, point 1: the README's first command is complete offline, from the installed packages only.

The command runs in a fresh process with only PATH, a new HOME and ``NEUROPIL_OFFLINE=1`` (no
mirror folder or URL), so every raw file must come from cect, wormneuroatlas or neuropil's own
package data. The real worm-graph files in ``shared/data`` are read only to compare against.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import neuropil
from neuropil import _fetch
from neuropil.cli import main
from neuropil.datasets.celegans_connectomes import CONNECTOMES, SPEC
from neuropil.pipelines.celegans_names import map_label

DATASET = "celegans-connectomes"
SHIPPED = ("white_1986_jse.csv", "neuron_master_sheet.csv")
PACKAGE_DIR = Path(neuropil.__file__).resolve().parent
SITE_PACKAGES_OR_SRC = PACKAGE_DIR.parent


@pytest.fixture(scope="module")
def offline_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The README's first command as a new user runs it: a fresh process whose environment holds
    only PATH, a new HOME (so the default home ``~/.cache/neuropil`` is empty) and NEUROPIL_OFFLINE=1:
    no mirror folder or URL, no proxy. Returns the default home and its published manifest."""
    import os
    import subprocess
    import sys

    user = tmp_path_factory.mktemp("fresh-user")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(user), "NEUROPIL_OFFLINE": "1"}
    if os.environ.get("PYTHONPATH"):  # a source checkout run without installing (CI installs with pip -e)
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    done = subprocess.run([sys.executable, "-m", "neuropil.cli", "ingest", DATASET], env=env, cwd=user,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    home = user / ".cache" / "neuropil"
    manifest = json.loads((home / DATASET / SPEC.version / "manifest.json").read_text())
    return home, {"status": "built" if " built at " in done.stdout else done.stdout, **manifest}


def test_offline_first_command_ingests_every_connectome(offline_home: tuple[Path, dict]) -> None:
    home, manifest = offline_home
    assert manifest["status"] == "built"
    assert manifest["connectomes"] == list(CONNECTOMES) and len(manifest["connectomes"]) == 34
    assert manifest["missing_sources"] == {} and manifest["missing_connectomes"] == {}
    assert manifest["skipped"] == {}
    assert manifest["neuron_attributes"] == "worm-graph master sheet"
    # package data only: every input lies inside an installed package, none in the shared mirror
    for name, entry in manifest["inputs"].items():
        path = Path(entry["path"]).resolve()
        assert entry["verified"] and "shared" not in path.parts, name
        assert path.is_relative_to(SITE_PACKAGES_OR_SRC) or "site-packages" in path.parts, (name, path)
    for name in SHIPPED:
        assert Path(manifest["inputs"][name]["path"]).resolve().is_relative_to(PACKAGE_DIR / "datasets" / "data")


def test_offline_default_has_neuron_attributes_in_pyg(offline_home: tuple[Path, dict], shared_data: Path) -> None:
    home, _ = offline_home
    sheet = pd.read_csv(shared_data / "celegans" / "worm-graph" / "neuron_master_sheet.csv")
    data = neuropil.load(DATASET, connectome="cook_2019", format="pyg", home=home)
    # 4 neuron types + one column per distinct neurotransmitter spelling of the real sheet
    assert tuple(data.x.shape) == (300, 4 + sheet["neurotransmitter"].nunique())
    assert (data.x.sum(dim=1) == 2).all()  # one type and one transmitter per neuron, no zero rows
    assert not np.isnan(data.pos.numpy()).any()
    assert (data.y >= 0).all()


def test_offline_default_matches_the_real_worm_graph_files(offline_home: tuple[Path, dict], shared_data: Path) -> None:
    home, _ = offline_home
    folder = shared_data / "celegans" / "worm-graph"
    # the neuron table holds exactly the real master sheet's attributes
    sheet = pd.read_csv(folder / "neuron_master_sheet.csv")
    sheet["label"] = [map_label(label).label for label in sheet["label"]]
    neurons = neuropil.load(DATASET, table="neurons", format="pandas", home=home)
    merged = neurons.merge(sheet, on="label", suffixes=("", "_real"), validate="one_to_one")
    assert len(merged) == 300
    for column in ("class", "neurotransmitter", "type"):
        assert (merged[column].astype(str) == merged[f"{column}_real"].astype(str)).all(), column
    for column in ("x", "y", "z"):
        assert np.array_equal(merged[column].to_numpy(), merged[f"{column}_real"].to_numpy()), column
    # White 1986 JSE: the same neuron pairs with the same synapse counts as the real file
    real = pd.read_csv(folder / "white_1986_jse.csv", sep=r"\s+")
    real_pairs = {(map_label(pre).label, map_label(post).label, kind): float(count)
                  for pre, post, kind, count in real.itertuples(index=False)}
    jse = neuropil.load(DATASET, connectome="white_1986_jse", table="edges", format="pandas", home=home)
    ours = {(r.pre, r.post, r.type): r.weight for r in jse.itertuples()}
    assert len(real) == len(real_pairs) == 94 and ours == real_pairs  # 94 rows (shared/data MANIFEST)


def test_shipped_files_are_byte_copies_with_licence(shared_data: Path) -> None:
    for name in SHIPPED:
        raw = SPEC.raw_file(name)
        shipped = PACKAGE_DIR / "datasets" / "data" / "worm-graph" / name
        assert raw.package == "neuropil.datasets" and raw.package_path == f"data/worm-graph/{name}"
        assert _fetch.sha256_of(shipped) == raw.sha256 == _fetch.sha256_of(shared_data / "celegans" / "worm-graph" / name)
    licence = (PACKAGE_DIR / "datasets" / "data" / "worm-graph" / "LICENSE").read_text()
    assert licence.startswith("MIT License") and "MetaConscious Group" in licence
    # the wheel carries them: pyproject's package-data globs match every shipped file
    pyproject = tomllib.loads((PACKAGE_DIR.parents[1] / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["neuropil.datasets"]
    for name in (*SHIPPED, "LICENSE"):
        assert any((PACKAGE_DIR / "datasets").glob(g) and Path(f"data/worm-graph/{name}").match(g) for g in globs), name


def test_missing_optional_source_is_refused_unless_allow_partial(
    offline_home: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the shipped files (a damaged install), the default run exits 1 naming what it would
    lack and publishes nothing; --allow-partial publishes and the summary names the skipped parts."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(offline_home[0], home, symlinks=True)
    published = json.loads((home / DATASET / SPEC.version / "manifest.json").read_text())
    real_candidate = _fetch._package_candidate
    monkeypatch.setattr(_fetch, "_package_candidate",
                        lambda raw: None if raw.name in SHIPPED else real_candidate(raw))
    assert main(["ingest", DATASET, "--home", str(home), "--force"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "would be partial" in err and "white_1986_jse" in err and "neuron attributes" in err
    assert "--allow-partial" in err
    # the published version is intact
    assert json.loads((home / DATASET / SPEC.version / "manifest.json").read_text()) == published

    assert main(["ingest", DATASET, "--home", str(home), "--force", "--allow-partial"]) == 0
    out = capsys.readouterr().out
    assert "skipped white_1986_jse (--allow-partial)" in out and "skipped neuron attributes" in out
    manifest = json.loads((home / DATASET / SPEC.version / "manifest.json").read_text())
    assert set(manifest["skipped"]) == {"white_1986_jse", "neuron attributes"}
    assert "white_1986_jse" not in manifest["connectomes"] and len(manifest["connectomes"]) == 33


def test_requested_study_that_is_absent_is_refused_unless_allow_partial(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--source Dag2023,Kato2015` with no Kato2015 folder: not a silent Dag2023-only dataset."""
    home = tmp_path / "home"
    argv = ["ingest", "celegans-activity", "--source", "Dag2023,Kato2015", "--raw-dir", str(shared_data),
            "--home", str(home), "--quiet"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "would be partial" in err and "(Kato2015)" in err and "--allow-partial" in err
    assert not (home / "celegans-activity" / "1.0.0").exists()
    assert main([*argv, "--allow-partial", "--json"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert list(manifest["skipped"]) == ["Kato2015"] and manifest["stats"]["Dag2023"]["recordings"] == 7
