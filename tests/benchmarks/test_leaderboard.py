"""Leaderboard submissions on celegans-activity-forecast: a clean baseline submits; each tampered copy is
refused with a message naming the problem; the store is append-only, atomic, locked and never rewritten
when corrupt; verify agrees on a fresh entry and reports an edited one; reproduce runs every task."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neuropil.benchmarks import get_task, leaderboard, runner, task_ids
from neuropil.benchmarks.leaderboard import DuplicateSubmissionError, LeaderboardLockedError, Store, submit
from neuropil.benchmarks.leaderboard import SubmissionError
from neuropil.cli import main
from neuropil.errors import InvalidArgumentError, StoreCorruptedError
from neuropil.pipelines import ingest
from neuropil.testing import in_ci

TASK = "celegans-activity-forecast"
#: CI-sized runs carry 2 seeds; the task requires 10, lowered here only through the explicit option
QUICK = {"min_seeds": 2, "allow_quick": True}


@pytest.fixture(scope="module")
def home(bench_home: Path) -> Path:
    """The shared real ingest (tests/benchmarks/conftest.py); only refused submissions touch it."""
    return bench_home


@pytest.fixture(scope="module")
def runs(home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Submission folders of two cheap baselines, written through the CLI (so the command is recorded)."""
    folder = tmp_path_factory.mktemp("runs")
    out = {}
    for model in ("ridge", "persistence"):
        out[model] = folder / model
        assert main(["-q", "bench", "run", TASK, "--model", model, "--seeds", "2", "--quick", "--home", str(home),
                     "--save-predictions", "--out", str(out[model])]) == 0
    return out


@pytest.fixture
def fresh_home(home: Path, tmp_path: Path) -> Path:
    """A copy of the ingested home with an empty leaderboard (entries never leak between tests)."""
    target = tmp_path / "home"
    shutil.copytree(home, target, symlinks=True, ignore=shutil.ignore_patterns("leaderboard"))
    return target


def copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / f"tampered-{folder.name}"
    shutil.copytree(folder, target)
    return target


def rehash(folder: Path) -> None:
    """Make submission.json agree with the files again, so only the targeted check can fire."""
    manifest = json.loads((folder / "submission.json").read_text())
    for item in manifest["files"]:
        path = folder / item["path"]
        if path.exists():
            item.update(sha256=hashlib.sha256(path.read_bytes()).hexdigest(), bytes=path.stat().st_size,
                        rows=pq_rows(path))
    (folder / "submission.json").write_text(json.dumps(manifest))


def pq_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def edit_table(folder: Path, name: str, change) -> None:
    path = folder / "predictions" / name
    table = pd.read_parquet(path)
    change(table).to_parquet(path, index=False)
    rehash(folder)


def test_clean_baseline_submits_and_is_rescored(runs: dict[str, Path], fresh_home: Path) -> None:
    result = json.loads((runs["ridge"] / "result.json").read_text())
    entry = submit(runs["ridge"], name="ridge AR", home=fresh_home, **QUICK)
    assert entry["baseline"] and entry["required_seeds"] == 2 and entry["quick"]
    assert entry["command"].startswith(f"neuropil -q bench run {TASK} --model ridge")
    # the recorded SHA-256 of every prediction file, computed here independently
    for name in ("seed-0-test", "seed-0-valid", "seed-1-test", "seed-1-valid"):
        digest = hashlib.sha256((runs["ridge"] / "predictions" / f"{name}.parquet").read_bytes()).hexdigest()
        assert entry["files"][f"predictions/{name}.parquet"] == digest
    # ids: one row per scored (window, horizon, neuron); the skill re-derived from the table by hand
    table = pd.read_parquet(runs["ridge"] / "predictions" / "seed-0-test.parquet")
    assert list(table.columns) == ["recording", "start", "horizon", "neuron", "y_pred"]
    assert not table.duplicated(["recording", "start", "horizon", "neuron"]).any()
    assert sorted(table["horizon"].unique()) == [1, 3, 10]
    assert entry["summary"]["test"]["skill_mean"]["mean"] == result["summary"]["test"]["skill_mean"]["mean"]
    rows = leaderboard.ranked(TASK, fresh_home)
    assert [r["name"] for r in rows] == ["ridge AR"] and rows[0]["verified"] is None


def test_seed_count_and_quick_rules_hold_by_default(runs: dict[str, Path], fresh_home: Path) -> None:
    with pytest.raises(SubmissionError, match=r"2 seed\(s\) \[0, 1\]; celegans-activity-forecast requires at least 10"):
        submit(runs["ridge"], name="x", home=fresh_home, allow_quick=True)
    with pytest.raises(SubmissionError, match="This is a --quick"):
        submit(runs["ridge"], name="x", home=fresh_home, min_seeds=2)
    assert leaderboard.ranked(TASK, fresh_home) == []


def test_changed_prediction_with_unchanged_metrics_is_rejected(runs: dict[str, Path], tmp_path: Path,
                                                               home: Path) -> None:
    folder = copy(runs["ridge"], tmp_path)

    def nudge(table: pd.DataFrame) -> pd.DataFrame:
        first_h1 = int(np.flatnonzero(table["horizon"].to_numpy() == 1)[100])
        table.loc[first_h1, "y_pred"] += 1.0
        return table

    edit_table(folder, "seed-0-test.parquet", nudge)
    # one nudged entry moves mse_h1 in the 5th digit (the sign depends on that entry's error)
    with pytest.raises(SubmissionError, match=r"(?s)differ from the re-scored.*seed 0 test mse_h1: reported "
                                              r"0\.\d+, re-scored 0\.\d+ \(difference [-+].*seed 0 test skill_mean"):
        submit(folder, name="x", home=home, **QUICK)


def test_missing_seed_is_rejected(runs: dict[str, Path], tmp_path: Path, home: Path) -> None:
    folder = copy(runs["ridge"], tmp_path)
    manifest = json.loads((folder / "submission.json").read_text())
    manifest["files"] = [f for f in manifest["files"] if f["seed"] != 1]
    (folder / "submission.json").write_text(json.dumps(manifest))
    for part in ("test", "valid"):
        (folder / "predictions" / f"seed-1-{part}.parquet").unlink()
    with pytest.raises(SubmissionError, match=r"Seed 1 has no test predictions: predictions/seed-1-test.parquet"):
        submit(folder, name="x", home=home, **QUICK)
    # a listed file that is absent is named too
    folder = copy(runs["ridge"], tmp_path / "b")
    (folder / "predictions" / "seed-1-valid.parquet").unlink()
    with pytest.raises(SubmissionError, match="seed-1-valid.parquet is listed in submission.json but is missing"):
        submit(folder, name="x", home=home, **QUICK)


def test_wrong_split_hash_is_rejected(runs: dict[str, Path], tmp_path: Path, home: Path) -> None:
    folder = copy(runs["ridge"], tmp_path)
    result = json.loads((folder / "result.json").read_text())
    result["split_sha256"] = "0" * 64
    (folder / "result.json").write_text(json.dumps(result))
    with pytest.raises(SubmissionError, match="split_sha256 0{64} differs from the installed split"):
        submit(folder, name="x", home=home, **QUICK)


def test_nan_is_rejected(runs: dict[str, Path], tmp_path: Path, home: Path) -> None:
    folder = copy(runs["ridge"], tmp_path)

    def poison(table: pd.DataFrame) -> pd.DataFrame:
        table.loc[7, "y_pred"] = np.nan
        table.loc[9, "y_pred"] = np.inf
        return table

    edit_table(folder, "seed-1-valid.parquet", poison)
    with pytest.raises(SubmissionError, match=r"seed-1-valid.parquet: 2 row\(s\) with NaN or inf in \['y_pred'\], "
                                              r"first at \(recording="):
        submit(folder, name="x", home=home, **QUICK)


def test_missing_duplicated_and_unknown_ids_are_rejected(runs: dict[str, Path], tmp_path: Path, home: Path) -> None:
    folder = copy(runs["ridge"], tmp_path)
    table = pd.read_parquet(folder / "predictions" / "seed-0-test.parquet")
    dropped = table.iloc[50]
    edit_table(folder, "seed-0-test.parquet", lambda t: t.drop(index=50))
    expected = (f"1 of {len(table)} example id\\(s\\) missing, first \\(recording={int(dropped['recording'])}, "
                f"start={int(dropped['start'])}, horizon={int(dropped['horizon'])}, neuron={int(dropped['neuron'])}\\)")
    with pytest.raises(SubmissionError, match=expected):
        submit(folder, name="x", home=home, **QUICK)

    def duplicate(t: pd.DataFrame) -> pd.DataFrame:
        t.loc[len(t) - 1, ["recording", "start", "horizon", "neuron"]] = t.loc[0, ["recording", "start", "horizon",
                                                                                    "neuron"]].to_numpy()
        return t

    folder = copy(runs["ridge"], tmp_path / "dup")
    edit_table(folder, "seed-0-test.parquet", duplicate)
    with pytest.raises(SubmissionError, match=r"1 duplicated example id\(s\)"):
        submit(folder, name="x", home=home, **QUICK)

    def foreign(t: pd.DataFrame) -> pd.DataFrame:
        t.loc[3, "neuron"] = 299 if t.loc[3, "neuron"] != 299 else 298
        t.loc[3, "start"] = 99999
        return t

    def inflate(t: pd.DataFrame) -> pd.DataFrame:  # more rows than the task has examples: refused from the footer
        return pd.concat([t, t.iloc[:5]], ignore_index=True)

    folder = copy(runs["ridge"], tmp_path / "inflated")
    edit_table(folder, "seed-0-test.parquet", inflate)
    with pytest.raises(SubmissionError, match=f"has {len(table) + 5} rows; the task has {len(table)} test examples"):
        submit(folder, name="x", home=home, **QUICK)

    folder = copy(runs["ridge"], tmp_path / "foreign")
    edit_table(folder, "seed-0-test.parquet", foreign)
    with pytest.raises(SubmissionError, match=r"1 example id\(s\) not in the task's stored examples"):
        submit(folder, name="x", home=home, **QUICK)


def test_duplicate_submission_is_refused(runs: dict[str, Path], tmp_path: Path, fresh_home: Path) -> None:
    first = submit(runs["ridge"], name="ridge", home=fresh_home, **QUICK)
    with pytest.raises(DuplicateSubmissionError, match=f"already entry {first['id']} \\('ridge'\\)"):
        submit(runs["ridge"], name="ridge again", home=fresh_home, **QUICK)
    # the same numbers in differently encoded files are the same predictions
    folder = copy(runs["ridge"], tmp_path)
    for path in (folder / "predictions").glob("*.parquet"):
        pd.read_parquet(path).to_parquet(path, index=False, compression="gzip")
    rehash(folder)
    with pytest.raises(DuplicateSubmissionError):
        submit(folder, name="ridge, gzip", home=fresh_home, **QUICK)
    assert len(leaderboard.ranked(TASK, fresh_home)) == 1


def test_file_over_the_size_limit_is_rejected(runs: dict[str, Path], tmp_path: Path, home: Path) -> None:
    size = (runs["ridge"] / "predictions" / "seed-0-test.parquet").stat().st_size
    with pytest.raises(SubmissionError, match=f"seed-0-test.parquet declares {size} bytes; the limit per predictions "
                                              f"file is {size - 1} bytes"):
        submit(runs["ridge"], name="x", home=home, max_file_bytes=size - 1, **QUICK)
    # a manifest that under-declares is caught by the file's actual size
    folder = copy(runs["ridge"], tmp_path)
    manifest = json.loads((folder / "submission.json").read_text())
    for item in manifest["files"]:
        item["bytes"] = 10
    (folder / "submission.json").write_text(json.dumps(manifest))
    with pytest.raises(SubmissionError, match=rf"predictions/seed-0-test.parquet is {size} bytes; the limit per "
                                              rf"predictions file is {size - 1} bytes"):
        submit(folder, name="x", home=home, max_file_bytes=size - 1, **QUICK)
    assert main(["submit", str(runs["ridge"]), "--name", "x", "--home", str(home), "--min-seeds", "2",
                 "--allow-quick", "--max-file-bytes", "1000"]) == 1


def test_submissions_are_data_never_code(runs: dict[str, Path], tmp_path: Path, home: Path) -> None:
    import pickle

    marker = tmp_path / "executed"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    folder = copy(runs["ridge"], tmp_path)
    (folder / "predictions" / "seed-0-test.parquet").write_bytes(pickle.dumps(Payload()))
    rehash_bytes_only(folder, "predictions/seed-0-test.parquet")
    with pytest.raises(SubmissionError, match="seed-0-test.parquet is not a Parquet file"):
        submit(folder, name="x", home=home, **QUICK)
    assert not marker.exists()
    folder = copy(runs["ridge"], tmp_path / "paths")
    manifest = json.loads((folder / "submission.json").read_text())
    manifest["files"][0]["path"] = "../../../etc/passwd"
    (folder / "submission.json").write_text(json.dumps(manifest))
    with pytest.raises(SubmissionError, match="'../../../etc/passwd' is not of the form"):
        submit(folder, name="x", home=home, **QUICK)
    folder = copy(runs["ridge"], tmp_path / "link")
    target = folder / "predictions" / "seed-0-test.parquet"
    shutil.move(target, tmp_path / "elsewhere.parquet")
    target.symlink_to(tmp_path / "elsewhere.parquet")
    with pytest.raises(SubmissionError, match="seed-0-test.parquet is listed in submission.json but is a link"):
        submit(folder, name="x", home=home, **QUICK)


def rehash_bytes_only(folder: Path, name: str) -> None:
    manifest = json.loads((folder / "submission.json").read_text())
    for item in manifest["files"]:
        if item["path"] == name:
            data = (folder / name).read_bytes()
            item.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    (folder / "submission.json").write_text(json.dumps(manifest))


def test_non_baseline_needs_a_code_link(runs: dict[str, Path], tmp_path: Path, fresh_home: Path) -> None:
    folder = copy(runs["ridge"], tmp_path)
    result = json.loads((folder / "result.json").read_text())
    result["model"]["config"]["alpha"] = [0.5]  # not the registered configuration
    (folder / "result.json").write_text(json.dumps(result))
    with pytest.raises(SubmissionError, match="a code link is required"):
        submit(folder, name="tuned ridge", home=fresh_home, **QUICK)
    with pytest.raises(InvalidArgumentError, match="--code must be an http"):
        submit(folder, name="tuned ridge", code="javascript:alert(1)", home=fresh_home, **QUICK)
    entry = submit(folder, name="tuned ridge", code="https://example.org/code", home=fresh_home, **QUICK)
    assert not entry["baseline"] and entry["code"] == "https://example.org/code"


def test_corrupted_store_is_reported_and_never_rewritten(runs: dict[str, Path], fresh_home: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    submit(runs["ridge"], name="ridge", home=fresh_home, **QUICK)
    path = fresh_home / "leaderboard" / f"{TASK}.sqlite"
    original = path.read_bytes()
    for damage in (b"this is not a database" + original[20:], original[: len(original) // 3]):
        path.write_bytes(damage)
        with pytest.raises(StoreCorruptedError, match=f"{path} is not a readable neuropil-leaderboard file .* left "
                                                      "untouched"):
            leaderboard.ranked(TASK, fresh_home)
        with pytest.raises(StoreCorruptedError):
            submit(runs["persistence"], name="persistence", home=fresh_home, **QUICK)
        assert main(["leaderboard", TASK, "--home", str(fresh_home)]) == 1
        assert "not a readable neuropil-leaderboard file" in capsys.readouterr().err
        assert path.read_bytes() == damage  # never silently rewritten
    path.write_bytes(original)
    assert [r["name"] for r in leaderboard.ranked(TASK, fresh_home)] == ["ridge"]


def test_store_is_append_only(runs: dict[str, Path], fresh_home: Path) -> None:
    submit(runs["ridge"], name="ridge", home=fresh_home, **QUICK)
    connection = sqlite3.connect(fresh_home / "leaderboard" / f"{TASK}.sqlite")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("UPDATE entries SET document = '{}'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("DELETE FROM entries")
    connection.close()


APPEND = """
import sys
from neuropil.benchmarks.leaderboard import Store
store = Store({task!r}, {home!r})
for i in range(15):
    key = f"{{sys.argv[1]}}{{i:02d}}"
    store.append({{"id": key, "predictions_sha256": key * 4, "submitted": "2026-01-01T00:00:00+00:00", "name": key}})
"""


def test_concurrent_submits_all_land_or_are_refused_cleanly(runs: dict[str, Path], fresh_home: Path,
                                                            tmp_path: Path) -> None:
    synthetic = tmp_path / "synthetic-home"  # bare documents: the store itself under contention
    store = Store(TASK, synthetic)
    script = APPEND.format(task=TASK, home=str(synthetic))
    workers = [subprocess.Popen([sys.executable, "-c", script, tag]) for tag in ("aaaa", "bbbb")]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    connection = sqlite3.connect(store.path)
    assert connection.execute("SELECT count(*) FROM entries").fetchone()[0] == 30
    connection.close()
    # a lock held too long: refused cleanly, nothing written
    with Store(TASK, synthetic, timeout=0.3)._lock():
        with pytest.raises(LeaderboardLockedError, match="locked by another submit .* nothing was written"):
            Store(TASK, synthetic, timeout=0.3).append({"id": "z", "predictions_sha256": "z", "submitted": "t"})
    connection = sqlite3.connect(store.path)
    assert connection.execute("SELECT count(*) FROM entries").fetchone()[0] == 30
    connection.close()
    # two real submits at once, through the CLI: both land
    commands = [[sys.executable, "-m", "neuropil.cli", "-q", "submit", str(runs[m]), "--name", m, "--home",
                 str(fresh_home), "--min-seeds", "2", "--allow-quick"] for m in ("ridge", "persistence")]
    processes = [subprocess.Popen(c, stderr=subprocess.PIPE, text=True) for c in commands]
    assert [p.wait(timeout=120) for p in processes] == [0, 0], [p.stderr.read() for p in processes]
    assert sorted(r["name"] for r in leaderboard.ranked(TASK, fresh_home)) == ["persistence", "ridge"]


def test_verify_agrees_on_a_fresh_entry_and_reports_an_edited_one(runs: dict[str, Path], fresh_home: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    entry = submit(runs["ridge"], name="ridge", home=fresh_home, **QUICK)
    assert main(["verify", entry["id"], "--home", str(fresh_home), "-q"]) == 0
    assert f"entry {entry['id']}: re-run agrees" in capsys.readouterr().out
    assert leaderboard.ranked(TASK, fresh_home)[0]["verified"] is True
    # edit the recorded mean test skill by +0.05, behind the store's back
    path = fresh_home / "leaderboard" / f"{TASK}.sqlite"
    connection = sqlite3.connect(path)
    document = json.loads(connection.execute("SELECT document FROM entries").fetchone()[0])
    recorded = document["summary"]["test"]["skill_mean"]["mean"]
    document["summary"]["test"]["skill_mean"]["mean"] = recorded + 0.05
    connection.execute("DROP TRIGGER entries_no_update")
    connection.execute("UPDATE entries SET document = ?", (json.dumps(document),))
    connection.commit()
    connection.close()
    report = leaderboard.verify(entry["id"], home=fresh_home)
    assert not report["agree"]
    rows = {(r["part"], r["metric"]): r for r in report["metrics"]}
    edited = rows[("test", "skill_mean")]
    assert not edited["agree"] and edited["difference"] == pytest.approx(0.05)
    assert edited["rerun_mean"] == pytest.approx(recorded, abs=1e-12)
    assert all(r["agree"] for key, r in rows.items() if key != ("test", "skill_mean"))
    assert any("edited after it was submitted" in note for note in report["notes"])
    assert main(["verify", entry["id"], "--home", str(fresh_home), "-q"]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS" in out and "+5.00e-02" in out
    assert leaderboard.ranked(TASK, fresh_home)[0]["verified"] is False


def test_tolerance_comes_from_the_seed_spread() -> None:
    # 10 seeds each, std 0.02: standard error of the difference sqrt(2 * 0.02^2 / 10) = 0.008944; x3 = 0.02683
    entry = {"skill": {"mean": 0.30, "std": 0.02, "n": 10}}
    close = leaderboard.compare(entry, {"skill": {"mean": 0.325, "std": 0.02, "n": 10}})[0]
    assert close["tolerance"] == pytest.approx(0.026833, abs=1e-6) and close["agree"]
    far = leaderboard.compare(entry, {"skill": {"mean": 0.33, "std": 0.02, "n": 10}})[0]
    assert not far["agree"]
    exact = leaderboard.compare({"m": {"mean": 2.0, "std": 0.0, "n": 2}}, {"m": {"mean": 2.0 + 1e-5, "std": 0.0,
                                                                             "n": 2}})[0]
    assert exact["tolerance"] == pytest.approx(2e-6, rel=1e-4) and not exact["agree"]  # 1e-6 x |2.0|


def test_leaderboard_cli_table_json_markdown(runs: dict[str, Path], fresh_home: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    submit(runs["persistence"], name="persistence | <b>", home=fresh_home, **QUICK)
    submit(runs["ridge"], name="ridge", home=fresh_home, **QUICK)
    assert main(["leaderboard", TASK, "--home", str(fresh_home), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ["ridge", "persistence | <b>"]  # ranked by test skill_mean, max first
    assert rows[1]["test_mean"] == 0.0 and rows[0]["test_mean"] > 0.05
    assert main(["leaderboard", TASK, "--home", str(fresh_home), "--markdown"]) == 0
    markdown = capsys.readouterr().out.splitlines()
    assert markdown[0].startswith("| rank | id | name | model | test skill_mean |")
    assert "persistence \\| &lt;b&gt;" in markdown[3]
    assert main(["leaderboard", TASK, "--home", str(fresh_home)]) == 0
    assert "ridge" in capsys.readouterr().out


def _takes_submissions(task_id: str) -> bool:
    from neuropil.benchmarks.leaderboard import hook

    try:
        hook(get_task(task_id))
    except InvalidArgumentError:
        return False
    return True


#: tasks whose modules do not (yet) define the submission hook; analysis-style tasks score no predictions
WITHOUT_HOOK = {"celegans-dynamic-connectome", "fisbe-instance", "microns-bio-rnn-t1", "microns-bio-rnn-t2",
                "microns-bio-rnn-t3"}


def test_which_tasks_take_submissions() -> None:
    """At least three tasks take submissions, and no task loses its hook unnoticed."""
    without = {task_id for task_id in task_ids() if not _takes_submissions(task_id)}
    assert without == WITHOUT_HOOK
    assert len(task_ids()) - len(without) >= 3


@pytest.mark.parametrize("task_id", sorted(set(task_ids()) - WITHOUT_HOOK))
def test_every_task_with_the_hook_submits_cleanly(task_id: str, fresh_home: Path, tmp_path: Path,
                                                  shared_root: Path) -> None:
    """A quick run of the task's first baseline with --save-predictions is accepted as it stands."""
    task = get_task(task_id)
    ingest(task.dataset, raw_dir=shared_root, home=fresh_home, progress=False)  # a no-op when already ingested
    out = tmp_path / "run"
    assert main(["bench", "run", task.id, "--model", task.baselines[0], "--seeds", "2", "--quick", "-q", "--home",
                 str(fresh_home), "--save-predictions", "--out", str(out)]) == 0
    entry = submit(out, name=task.baselines[0], home=fresh_home, **QUICK)
    assert entry["baseline"] and entry["task"]["id"] == task.id


@pytest.mark.skipif(not in_ci(), reason="runs every quick baseline of every task (minutes on 2 cores); runs in CI "
                                        "(CI=true), or locally with CI=1 pytest -k reproduce")
@pytest.mark.parametrize("task_id", task_ids())
def test_reproduce_quick_runs_every_baseline(task_id: str, fresh_home: Path, tmp_path: Path,
                                            shared_root: Path) -> None:
    """What CI runs for every registered task: `neuropil reproduce TASK --quick` (one seed here, for time)."""
    task = get_task(task_id)
    ingest(task.dataset, raw_dir=shared_root, home=fresh_home, progress=False)  # a no-op when already ingested
    assert main(["-q", "reproduce", task_id, "--quick", "--seeds", "1", "--home", str(fresh_home), "--out-dir",
                 str(tmp_path / "results")]) == 0
    tmp_path = tmp_path / "results"
    files = sorted(tmp_path.glob(f"{task_id}-*.json"))
    assert {json.loads(p.read_text())["model"]["name"] for p in files} == set(task.baselines)
    for path in files:
        document = json.loads(path.read_text())
        assert document["quick"] and document["command"].startswith(f"neuropil bench run {task_id} --model ")
    assert (tmp_path / f"{task_id}.png").read_bytes()[:4] == b"\x89PNG"
    assert runner.results_table([json.loads(files[0].read_text())])


@pytest.mark.parametrize("task_id, model, column", [("vessel-link", "adamic_adar", "score"),
                                                    ("vessel-node", "mlp", "y_pred")])
def test_vessel_submissions_accept_clean_and_refuse_tampered(task_id: str, model: str, column: str,
                                                              tmp_path: Path, shared_root: Path) -> None:
    """The same checks on two more tasks (ids: scored pairs / vessels): a clean baseline run submits;
    a changed prediction, a missing id, a NaN, a wrong split hash, a missing seed, a file over the
    size limit and a re-submission are refused."""
    home = tmp_path / "home"
    ingest("vesselgraph", raw_dir=shared_root, home=home, progress=False)
    run = tmp_path / "run"
    assert main(["-q", "bench", "run", task_id, "--model", model, "--seeds", "2", "--quick", "--home", str(home),
                 "--save-predictions", "--out", str(run)]) == 0

    folder = copy(run, tmp_path / "changed")

    def change(table: pd.DataFrame) -> pd.DataFrame:
        if column == "score":  # the first positive below every negative: the ROC-AUC must move
            table.loc[0, column] = table[column].min() - 1.0
        else:  # turn the first vessel's prediction from right to wrong or from wrong to right
            from neuropil.benchmarks.tasks.vessel import node as vessel_node

            sets, _ = vessel_node.load_sets(home=home, config={"graph": "sample"})
            truth = dict(zip(sets["test"]["index"].tolist(), sets["test"]["y"].tolist()))[int(table.loc[0, "vessel"])]
            right = int(table.loc[0, column]) == truth
            table.loc[0, column] = (truth + 1) % 3 if right else truth
        return table

    edit_table(folder, "seed-0-test.parquet", change)
    with pytest.raises(SubmissionError, match=r"(?s)differ from the re-scored.*seed 0 test"):
        submit(folder, name="x", home=home, **QUICK)

    folder = copy(run, tmp_path / "missing")
    edit_table(folder, "seed-1-valid.parquet", lambda table: table.iloc[1:].reset_index(drop=True))
    with pytest.raises(SubmissionError, match=r"1 of \d+ example id\(s\) missing"):
        submit(folder, name="x", home=home, **QUICK)

    folder = copy(run, tmp_path / "nan")

    def poison(table: pd.DataFrame) -> pd.DataFrame:
        table[column] = table[column].astype("float64")
        table.loc[3, column] = np.nan
        return table

    edit_table(folder, "seed-0-valid.parquet", poison)
    with pytest.raises(SubmissionError, match="NaN or inf"):
        submit(folder, name="x", home=home, **QUICK)

    folder = copy(run, tmp_path / "split")
    result = json.loads((folder / "result.json").read_text())
    result["split_sha256"] = "f" * 64
    (folder / "result.json").write_text(json.dumps(result))
    with pytest.raises(SubmissionError, match="split_sha256 f{64} differs from the installed split"):
        submit(folder, name="x", home=home, **QUICK)

    folder = copy(run, tmp_path / "seed")
    manifest = json.loads((folder / "submission.json").read_text())
    manifest["files"] = [f for f in manifest["files"] if f["seed"] != 1]
    (folder / "submission.json").write_text(json.dumps(manifest))
    for part in ("test", "valid"):
        (folder / "predictions" / f"seed-1-{part}.parquet").unlink()
    with pytest.raises(SubmissionError, match=r"Seed 1 has no test predictions"):
        submit(folder, name="x", home=home, **QUICK)

    size = (run / "predictions" / "seed-0-test.parquet").stat().st_size
    with pytest.raises(SubmissionError, match=f"seed-0-test.parquet declares {size} bytes; the limit"):
        submit(run, name="x", home=home, max_file_bytes=size - 1, **QUICK)

    entry = submit(run, name=model, home=home, **QUICK)
    assert entry["task"]["id"] == task_id and entry["baseline"]
    with pytest.raises(DuplicateSubmissionError):
        submit(run, name=f"{model} again", home=home, **QUICK)
    assert len(leaderboard.ranked(task_id, home)) == 1
