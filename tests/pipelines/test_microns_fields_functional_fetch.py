"""microns-fields: function is fetched per field (``--functional``); what was not asked for is used
when found without a download and otherwise recorded as not downloaded, never fetched.

A mirror folder of symlinks to the real files, minus chosen functional files, stands for "what is
here"; the driver's calls to ``locate`` are recorded to see which files were allowed a download.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from neuropil.errors import InvalidArgumentError, PartialIngestError

FIELD_DIR = "microns/cortical_blueprint_fields"


def _mirror(shared_root: Path, target: Path, *, without: tuple[str, ...] = (), spikes: bool = False) -> Path:
    """Symlinks to every real field file except ``without`` (and the spikes, slow to recompute, unless asked)."""
    for source in (shared_root / FIELD_DIR).glob("*_*_*/*"):
        name = f"{source.parent.name}/{source.name}"
        if name in without or ("/spikes_" in name and not spikes):
            continue
        link = target / FIELD_DIR / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(source)
    return target


@pytest.fixture
def recorded_locate(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    import neuropil.pipelines as pipelines

    calls: dict[str, object] = {}
    real = pipelines.locate

    def recording(raw, dataset_id, **kwargs):
        calls[raw.name] = kwargs.get("offline")
        return real(raw, dataset_id, **kwargs)

    monkeypatch.setattr(pipelines, "locate", recording)
    return calls


def test_default_uses_what_is_here_and_never_downloads_function(shared_root: Path, tmp_path: Path,
                                                                  recorded_locate: dict[str, object]) -> None:
    from neuropil.datasets import get_spec
    from neuropil.loaders.microns_fields import functional_fields
    from neuropil.pipelines import ingest

    mirror = _mirror(shared_root, tmp_path / "mirror", without=("4_7_2/corr_matrix.npy",))
    result = ingest("microns-fields", raw_dir=mirror, home=tmp_path / "home", progress=False)
    spec = get_spec("microns-fields")
    functional_names = {r.name for r in spec.raw_files} - set(spec.required)
    assert len(functional_names) == 4 * 56
    # every functional file was looked for with downloads off; every structural one with the default
    assert {name for name, offline in recorded_locate.items() if offline is True} == functional_names
    assert all(recorded_locate[name] is None for name in spec.required)
    manifest = result.manifest
    # here: corr + sttc for 20 fields, precision for 4; one corr removed and no spikes linked
    assert len(manifest["not_downloaded"]) == 4 * 56 - (20 + 20 + 4 - 1)
    assert "4_7_2/corr_matrix.npy" in manifest["not_downloaded"]
    assert manifest["skipped"] == {} and manifest["missing_sources"] == {}
    here = functional_fields(home=tmp_path / "home")
    assert len(here) == 19 and "4_7_2" not in here and "5_3_2" in here
    assert manifest["stats"]["4_7_2"]["functional"] is False and manifest["stats"]["5_3_2"]["functional"] is True
    assert manifest["stats"]["7_3_2"]["precision"] is True and manifest["stats"]["6_6_2"]["precision"] is False
    assert len(manifest["function_not_downloaded"]) == 56 - 19


def test_asked_fields_are_fetched_and_their_absence_refused(shared_root: Path, tmp_path: Path,
                                                              recorded_locate: dict[str, object],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from neuropil.cli import main

    mirror = _mirror(shared_root, tmp_path / "mirror", spikes=True)
    home = tmp_path / "home"
    # 4_7_4 has no functional file here and downloads are off: its function would be missing
    assert main(["ingest", "microns-fields", "--raw-dir", str(mirror), "--home", str(home), "--functional",
                 "4_7_4,5_3_2", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "microns-fields would be partial: 1 part(s) skipped (4_7_4 function)" in err
    assert "--allow-partial" in err and "4_7_4/" in err
    assert not (home / "microns-fields" / "1.0.0").exists()
    # the files of the fields asked for were allowed a download, the others not
    assert recorded_locate["4_7_4/corr_matrix.npy"] is None and recorded_locate["5_3_2/spikes_5_3_2.npy"] is None
    assert recorded_locate["6_6_2/corr_matrix.npy"] is True


def test_functional_option_is_checked() -> None:
    from neuropil.pipelines.microns_fields import parameters

    assert parameters()["functional"] == []
    assert parameters(functional="all")["functional"][:2] == ["4_7_2", "4_7_4"]
    assert len(parameters(functional="all")["functional"]) == 56
    assert parameters(functional="6_6_2, 4_7_2,6_6_2")["functional"] == ["4_7_2", "6_6_2"]
    with pytest.raises(InvalidArgumentError, match="Unknown value '6_6_3' for argument functional.*Did you mean"):
        parameters(functional="6_6_3")
    with pytest.raises(InvalidArgumentError, match="names no field"):
        parameters(functional=" , ")


def test_info_marks_the_fields_with_function(shared_root: Path, real_home,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from neuropil.cli import main

    assert main(["info", "microns-fields", "--home", str(real_home("microns-fields"))]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if "functional" in line and "neurons" in line).split()
    rows = {line.split()[0]: dict(zip(header, line.split())) for line in lines if line[:1].isdigit() and "_" in line[:6]}
    with_function = {f for f, row in rows.items() if row["functional"] == "True"}
    # the fields whose corr and sttc files are here (counted on disk, not by neuropil)
    on_disk = {p.parent.name for p in (shared_root / FIELD_DIR).glob("*_*_*/corr_matrix.npy")
               if (p.parent / "sttc_matrix.npy").is_file()}
    assert len(rows) == 56 and with_function == on_disk and len(on_disk) == 20
