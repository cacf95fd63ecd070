"""The benchmark spine on celegans-activity-forecast: evaluator, stored splits, results, runner, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from neuropil.benchmarks import get_task, runner
from neuropil.benchmarks.evaluate import Evaluator
from neuropil.benchmarks.results import ResultSchemaError, load, validate, write
from neuropil.cli import main
from neuropil.errors import InvalidArgumentError
from neuropil.pipelines import ingest

TASK = "celegans-activity-forecast"


def random_input(rng: np.random.Generator, w: int = 50, n: int = 7) -> dict:
    y = rng.normal(size=(w, 3, n))
    return {"y_true": y, "y_pred": y + rng.normal(scale=0.1, size=y.shape), "mask": rng.random(y.shape) > 0.2,
            "last_input": rng.normal(size=(w, n))}


def test_evaluator_checks_input_and_scores_by_hand() -> None:
    evaluator = Evaluator(TASK)
    assert "y_true" in evaluator.expected_input_format
    rng = np.random.default_rng(0)
    data = random_input(rng)
    result = evaluator.eval(data)
    for index, horizon in enumerate((1, 3, 10)):
        m = data["mask"][:, index]
        mse = np.mean((data["y_pred"][:, index][m] - data["y_true"][:, index][m]) ** 2)
        persistence = np.mean((data["last_input"][m] - data["y_true"][:, index][m]) ** 2)
        assert result[f"mse_h{horizon}"] == pytest.approx(mse)
        assert result[f"skill_h{horizon}"] == pytest.approx(1 - mse / persistence)
    assert result["skill_mean"] == pytest.approx(np.mean([result["skill_h1"], result["skill_h3"], result["skill_h10"]]))
    # persistence has skill 0 by construction
    persistence = {**data, "y_pred": np.repeat(data["last_input"][:, None, :], 3, axis=1)}
    assert all(evaluator.eval(persistence)[f"skill_h{h}"] == 0 for h in (1, 3, 10))
    with pytest.raises(InvalidArgumentError, match="lacks \\['last_input'\\]"):
        evaluator.eval({k: v for k, v in data.items() if k != "last_input"})
    with pytest.raises(InvalidArgumentError, match="y_pred has shape"):
        evaluator.eval({**data, "y_pred": data["y_pred"][:, :2]})
    with pytest.raises(InvalidArgumentError, match="mask must be boolean"):
        evaluator.eval({**data, "mask": data["mask"].astype(int)})
    bad = data["y_pred"].copy()
    bad[data["mask"]] = np.nan
    with pytest.raises(InvalidArgumentError, match="NaN or inf"):
        evaluator.eval({**data, "y_pred": bad})


def test_runner_result_is_valid_and_reproducible(bench_home: Path, tmp_path: Path) -> None:
    result = runner.run(TASK, "persistence", seeds=2, quick=True, home=bench_home, out=tmp_path / "p.json")
    assert load(tmp_path / "p.json") == json.loads((tmp_path / "p.json").read_text())
    assert result["summary"]["test"]["skill_mean"]["mean"] == 0.0
    assert result["dataset"]["id"] == "celegans-activity" and len(result["split_sha256"]) == 64
    ridge = runner.run(TASK, "ridge", seeds=2, quick=True, home=bench_home)
    # the linear model beats persistence at the longest horizon on held-out worms
    assert ridge["summary"]["test"]["skill_h10"]["mean"] > 0
    assert ridge["split_sha256"] == result["split_sha256"]
    assert ridge["per_seed"][0]["test"] == ridge["per_seed"][1]["test"]  # deterministic model
    assert ridge["summary"]["test"]["skill_mean"]["std"] == 0.0 and ridge["parameter_count"] > 0


def test_trained_baselines_run_quick(bench_home: Path) -> None:
    for model in ("mlp", "lstm", "gru", "connectome_gru"):
        result = runner.run(TASK, model, seeds=1, quick=True, home=bench_home)
        skill = result["summary"]["test"]["skill_mean"]["mean"]
        assert np.isfinite(skill) and result["summary"]["test"]["skill_mean"]["std"] is None
        assert result["per_seed"][0]["info"]["best_epoch"] >= 0
    gru = runner.run(TASK, "connectome_gru", seeds=1, quick=True, home=bench_home, config={"connectome": "witvliet_8"})
    assert gru["model"]["config"]["connectome"] == "witvliet_8"


def test_changed_split_or_dataset_changes_the_hashes(bench_home: Path, shared_root: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import neuropil.benchmarks.registry as registry

    home = tmp_path / "home"
    shutil.copytree(bench_home, home, symlinks=True)
    base = runner.run(TASK, "persistence", seeds=1, quick=True, home=home)
    original = registry._registry

    def reseeded():
        tasks = original()
        from dataclasses import replace

        tasks[TASK] = replace(tasks[TASK], split={**tasks[TASK].split, "seed": 1})
        return tasks

    monkeypatch.setattr(registry, "_registry", reseeded)
    shutil.rmtree(home / "benchmarks")
    other_split = runner.run(TASK, "persistence", seeds=1, quick=True, home=home)
    assert other_split["split_sha256"] != base["split_sha256"]
    assert other_split["dataset"]["manifest_sha256"] == base["dataset"]["manifest_sha256"]
    monkeypatch.setattr(registry, "_registry", original)
    ingest("celegans-activity", raw_dir=shared_root, home=home, dt=0.5, progress=False)
    other_data = runner.run(TASK, "persistence", seeds=1, quick=True, home=home)
    assert other_data["dataset"]["manifest_sha256"] != base["dataset"]["manifest_sha256"]


def test_schema_rejects_with_the_field_name(bench_home: Path) -> None:
    result = runner.run(TASK, "mean", seeds=1, quick=True, home=bench_home)
    validate(result)
    broken = json.loads(json.dumps(result))
    broken["per_seed"][0]["test"]["skill_mean"] = "high"
    with pytest.raises(ResultSchemaError, match=r"per_seed\[0\]\.test\.skill_mean"):
        validate(broken)
    broken = json.loads(json.dumps(result))
    del broken["split_sha256"]
    with pytest.raises(ResultSchemaError, match="'split_sha256' is a required property"):
        write(broken, Path("/tmp/never-written.json"))


def test_cli_bench(bench_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "list", "--json"]) == 0
    tasks = {t["id"]: t for t in json.loads(capsys.readouterr().out)}
    assert tasks[TASK]["primary_metric"] == "skill_mean"
    assert main(["bench", "run", TASK, "--model", "persistence", "--seeds", "2", "--quick", "--home", str(bench_home),
                 "--out", str(tmp_path / "r.json")]) == 0
    assert "persistence" in capsys.readouterr().out
    assert main(["bench", "run", TASK, "--model", "transformer", "--home", str(bench_home), "--quick"]) == 1
    assert "Unknown value 'transformer' for argument model" in capsys.readouterr().err
    assert main(["bench", "plot", str(tmp_path / "r.json"), "--out", str(tmp_path / "r.png")]) == 0
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert get_task(TASK).split["kind"] == "by_worm"


def test_published_results_validate() -> None:
    """The result files behind the README's table follow the published schema."""
    folder = Path(__file__).resolve().parents[2] / "docs" / "results"
    documents = [load(path) for path in sorted(folder.glob(f"{TASK}-*.json"))]
    assert {d["model"]["name"] for d in documents} == set(get_task(TASK).baselines)
    assert all(d["task"]["version"] == get_task(TASK).version and not d["quick"] for d in documents)
    # seed spread is reported for the stochastic models only: they need several seeds
    assert all(len(d["seeds"]) >= 3 for d in documents if d["model"]["name"] not in ("persistence", "mean", "ridge"))
    assert all("skill_mean_ci_low" in d["summary"]["test"] for d in documents)
