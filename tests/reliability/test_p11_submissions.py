"""Issue 14 point 11: a ``predictions/`` folder that is a link is refused like a linked file; a stored
leaderboard entry that fails its check (edited behind the store's back, or missing a field) is shown
as invalid and never ranked; a missing field is an error line (exit 1), never a ``KeyError``."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from neuropil.benchmarks.leaderboard import SubmissionError, ranked, submit
from neuropil.cli import main

TASK = "celegans-activity-forecast"
QUICK = {"min_seeds": 2, "allow_quick": True}


@pytest.fixture(scope="module")
def runs(bench_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("p11-runs")
    out = {}
    for model in ("ridge", "persistence"):
        out[model] = folder / model
        assert main(["-q", "bench", "run", TASK, "--model", model, "--seeds", "2", "--quick", "--home",
                     str(bench_home), "--save-predictions", "--out", str(out[model])]) == 0
    return out


@pytest.fixture
def home(bench_home: Path, tmp_path: Path) -> Path:
    target = tmp_path / "home"
    shutil.copytree(bench_home, target, symlinks=True, ignore=shutil.ignore_patterns("leaderboard"))
    return target


def _one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.count("\n") == 1 and err.startswith("neuropil: error: ") and "Traceback" not in err, err
    return err


def _store_rows(home: Path) -> list[tuple]:
    path = home / "leaderboard" / f"{TASK}.sqlite"
    if not path.exists():
        return []
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT id, document, document_sha256 FROM entries ORDER BY seq").fetchall()
    finally:
        connection.close()


def _edit(home: Path, entry_id: str, change, *, rehash: bool) -> None:
    """Change a stored document behind the store's back (triggers dropped, as an attacker would)."""
    connection = sqlite3.connect(home / "leaderboard" / f"{TASK}.sqlite")
    text = connection.execute("SELECT document FROM entries WHERE id = ?", (entry_id,)).fetchone()[0]
    document = json.loads(text)
    change(document)
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    connection.execute("DROP TRIGGER entries_no_update")
    connection.execute("UPDATE entries SET document = ? WHERE id = ?", (text, entry_id))
    if rehash:  # the digest made to agree: only the missing field is wrong
        connection.execute("UPDATE entries SET document_sha256 = ? WHERE id = ?",
                           (hashlib.sha256(text.encode()).hexdigest(), entry_id))
    connection.commit()
    connection.close()


def test_a_linked_predictions_folder_is_refused(runs: dict[str, Path], home: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    first = submit(runs["persistence"], name="persistence", home=home, **QUICK)
    before = _store_rows(home)
    folder = tmp_path / "linked"
    shutil.copytree(runs["ridge"], folder)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(str(folder / "predictions"), elsewhere)
    (folder / "predictions").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(SubmissionError, match=r"predictions.* is a link"):
        submit(folder, name="linked", home=home, **QUICK)
    err = _one_line(capsys, ["submit", str(folder), "--name", "linked", "--home", str(home), "--min-seeds", "2",
                             "--allow-quick"])
    assert "is a link" in err and "predictions" in err
    assert _store_rows(home) == before and before[0][0] == first["id"]
    # the same folder with its files in place is accepted: only the link was wrong
    (folder / "predictions").unlink()
    shutil.move(str(elsewhere), folder / "predictions")
    assert submit(folder, name="ridge", home=home, **QUICK)["id"] != first["id"]


def test_an_edited_entry_is_shown_invalid_and_not_ranked(runs: dict[str, Path], home: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    ridge = submit(runs["ridge"], name="ridge", home=home, **QUICK)
    persistence = submit(runs["persistence"], name="persistence", home=home, **QUICK)
    assert [r["name"] for r in ranked(TASK, home)] == ["ridge", "persistence"]  # ridge has the higher skill

    def inflate(document: dict) -> None:
        document["summary"]["test"]["skill_mean"]["mean"] += 0.5

    _edit(home, ridge["id"], inflate, rehash=False)
    rows = {r["id"]: r for r in ranked(TASK, home)}
    assert rows[persistence["id"]]["rank"] == 1
    assert rows[ridge["id"]]["rank"] is None and "edited" in rows[ridge["id"]]["invalid"]
    assert [r["id"] for r in ranked(TASK, home)] == [persistence["id"], ridge["id"]]  # invalid ones last
    assert main(["leaderboard", TASK, "--home", str(home)]) == 0
    lines = {line.split()[1]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert lines[persistence["id"]].split()[0] == "1"
    assert lines[ridge["id"]].split()[0] == "invalid"
    assert main(["leaderboard", "--html", str(home / "site"), "--home", str(home)]) == 0
    page = (home / "site" / "index.html").read_text() + "".join(p.read_text() for p in (home / "site").rglob("*.html"))
    assert "invalid" in page


@pytest.mark.parametrize("field", ["summary", "model", "seeds"])
def test_a_missing_field_is_an_error_line_not_a_key_error(field: str, runs: dict[str, Path], home: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    ridge = submit(runs["ridge"], name="ridge", home=home, **QUICK)
    persistence = submit(runs["persistence"], name="persistence", home=home, **QUICK)
    _edit(home, ridge["id"], lambda document: document.pop(field), rehash=True)
    rows = {r["id"]: r for r in ranked(TASK, home)}
    assert rows[ridge["id"]]["rank"] is None and f"missing field(s) ['{field}']" in rows[ridge["id"]]["invalid"]
    assert rows[persistence["id"]]["rank"] == 1
    for argv in (["leaderboard", TASK, "--home", str(home)], ["leaderboard", TASK, "--home", str(home), "--json"],
                 ["leaderboard", TASK, "--home", str(home), "--markdown"],
                 ["leaderboard", "--html", str(home / "site"), "--home", str(home)]):
        assert main(argv) == 0, capsys.readouterr().err
        assert "Traceback" not in capsys.readouterr().err
    err = _one_line(capsys, ["verify", ridge["id"], "--home", str(home)])
    assert ridge["id"] in err and f"missing field(s) ['{field}']" in err


@pytest.mark.parametrize(("text", "expected"), [
    ("[" * 200_000 + "]" * 200_000, "JSON nested more than 64 levels deep"),
    ('{"seeds": [0, 1], "wall_time_s": 1e400}', "JSON number 1e400 overflows a float"),
    ('{"seeds": [1' + "0" * 400 + "]}", "JSON integer with 401 digits"),
])
def test_hostile_submission_json_is_one_line(text: str, expected: str, runs: dict[str, Path], home: Path,
                                             tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "hostile"
    shutil.copytree(runs["ridge"], folder)
    (folder / "result.json").write_text(text)
    err = _one_line(capsys, ["submit", str(folder), "--name", "x", "--home", str(home), "--min-seeds", "2",
                             "--allow-quick"])
    assert expected in err and "result.json" in err
    assert _store_rows(home) == []
