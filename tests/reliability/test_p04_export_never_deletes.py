"""Issue 14, point 4: `export --hf DIR --force` never deletes a folder neuropil did not write, and
an export is swapped in only when complete (a crash or a kill during the build leaves the old one)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from neuropil import _store, cli
from neuropil.loaders import hf_export

DATASET = "celegans-connectomes"


def tree_digest(folder: Path) -> dict[str, str]:
    """relative path -> SHA-256 of every file under ``folder`` (links not followed)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture
def home(private_home) -> Path:
    return private_home(DATASET)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().err


def test_force_onto_the_home_or_a_foreign_folder_is_refused(home: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_digest(home)
    assert len(before) > 5  # the manifest and the Parquet outputs
    code, err = run_cli(capsys, "export", DATASET, "--hf", str(home), "--force", "--home", str(home))
    assert code == 1
    assert err.count("\n") == 1 and "was not written by neuropil export" in err and str(home) in err
    assert tree_digest(home) == before
    _store.verify_outputs(DATASET, "1.0.0", home)

    foreign = tmp_path / "thesis"
    (foreign / "chapter").mkdir(parents=True)
    (foreign / "chapter" / "draft.tex").write_text("years of work")
    code, err = run_cli(capsys, "export", DATASET, "--hf", str(foreign), "--force", "--home", str(home))
    assert code == 1 and err.count("\n") == 1 and "even with --force" in err
    assert (foreign / "chapter" / "draft.tex").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".thesis")) == []  # nothing staged

    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep")
    code, err = run_cli(capsys, "export", DATASET, "--hf", str(a_file), "--force", "--home", str(home))
    assert code == 1 and err.count("\n") == 1 and "is a file where a folder is expected" in err
    assert a_file.read_text() == "keep"


def test_an_earlier_export_is_replaced_only_with_force(home: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "export"
    assert run_cli(capsys, "export", DATASET, "--hf", str(out), "--home", str(home))[0] == 0
    assert (out / hf_export.EXPORT_MARKER).is_file() and (out / "data" / "edges.parquet").is_file()
    first = tree_digest(out)
    code, err = run_cli(capsys, "export", DATASET, "--hf", str(out), "--home", str(home))
    assert code == 1 and err.count("\n") == 1 and "pass --force to replace it" in err
    assert tree_digest(out) == first
    (out / "data" / "stale.parquet").write_bytes(b"from an older export")
    assert run_cli(capsys, "export", DATASET, "--hf", str(out), "--force", "--home", str(home))[0] == 0
    assert tree_digest(out) == first  # rewritten whole: the stale file is gone, the rest is identical
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export")] == []  # no staging left


def test_a_crash_mid_write_leaves_the_old_export(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "export"
    hf_export.export_hf(DATASET, out, home=home)
    before = tree_digest(out)
    copied = []
    original = hf_export._write_parquet

    def copy_then_die(dataset, target):
        if copied:
            raise KeyboardInterrupt  # Ctrl-C after one table was written into the new export
        copied.append(target)
        return original(dataset, target)

    monkeypatch.setattr(hf_export, "_write_parquet", copy_then_die)
    code, err = run_cli(capsys, "export", DATASET, "--hf", str(out), "--force", "--home", str(home))
    assert copied and code == 1 and err.count("\n") == 1 and "interrupted" in err
    assert tree_digest(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export")] == []


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from neuropil.loaders import hf_export
    original = hf_export._write_parquet
    def copy_then_die(dataset, target):
        original(dataset, target)
        os.kill(os.getpid(), signal.SIGKILL)  # killed half-way through the new export
    hf_export._write_parquet = copy_then_die
    hf_export.export_hf("celegans-connectomes", sys.argv[1], home=sys.argv[2], overwrite=True)
    """
)


def test_a_kill_mid_write_leaves_the_old_export_and_the_next_export_works(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    hf_export.export_hf(DATASET, out, home=home)
    before = tree_digest(out)
    process = subprocess.run([sys.executable, "-c", KILLER, str(out), str(home)], capture_output=True, text=True,
                             env={**os.environ, "NEUROPIL_OFFLINE": "1"}, timeout=120)
    assert process.returncode == -signal.SIGKILL, process.stderr
    assert tree_digest(out) == before
    hf_export.export_hf(DATASET, out, home=home, overwrite=True)  # the orphaned staging folder does not block it
    assert tree_digest(out) == before


def test_the_site_is_swapped_in_whole_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from neuropil.benchmarks.leaderboard import site

    out = tmp_path / "site"
    site.write_site(out, home=tmp_path / "home")
    before = tree_digest(out)
    assert (out / site.SITE_MARKER).is_file() and "index.html" in before

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")  # the task pages are written, the index is not

    monkeypatch.setattr(site, "index_page", crash)
    with pytest.raises(OSError, match="No space left"):
        site.write_site(out, home=tmp_path / "home")
    assert tree_digest(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []
