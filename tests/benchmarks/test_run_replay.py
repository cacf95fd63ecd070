"""A result stores its RunConfig and `verify` replays it: the --connectome regression of issue 19."""

from __future__ import annotations

from pathlib import Path

import pytest

from neuropil.benchmarks import leaderboard
from neuropil.benchmarks.results import load
from neuropil.cli import main

TASK = "celegans-activity-forecast"


def test_all_baselines_keep_the_connectome_and_verify_reruns_on_it(bench_home: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`bench run --all-baselines --connectome witvliet_8`, submitted and verified, re-runs on witvliet_8
    (run_all used to drop --connectome from the recorded command, so verify re-ran on cook_2019)."""
    import shutil
    from dataclasses import replace

    import neuropil.benchmarks.registry as registry
    from neuropil.benchmarks import runner
    from neuropil.benchmarks.tasks import celegans_forecast

    home = tmp_path / "home"
    shutil.copytree(bench_home, home, symlinks=True)
    # only the connectome-constrained baseline (the others ignore the connectome): keeps the test fast
    spec = celegans_forecast.SPECS[0]
    monkeypatch.setattr(celegans_forecast, "SPECS", (replace(spec, baselines=("connectome_gru",)),))
    registry._collect.cache_clear()
    try:
        out = tmp_path / "results"
        assert main(["-q", "--home", str(home), "bench", "run", TASK, "--all-baselines", "--connectome", "witvliet_8",
                     "--quick", "--seeds", "1", "--out-dir", str(out)]) == 0
        stored = load(out / f"{TASK}-connectome_gru.json")
        assert stored["run_config"]["options"] == {"connectome": "witvliet_8"}
        assert stored["model"]["config"]["connectome"] == "witvliet_8"
        assert "--connectome=witvliet_8" in stored["command"]

        # the stored result as a leaderboard entry; verify replays its RunConfig and records what it ran
        replays = []
        original = runner.execute

        def recording(config, **kwargs):
            replays.append(config)
            return original(config, **kwargs)

        entry = {**stored, "id": "regression19", "name": "gru on witvliet_8", "predictions_sha256": "0" * 64,
                 "baseline": True, "submitted": stored["created"]}
        leaderboard.Store(TASK, home).append(entry)
        monkeypatch.setattr(runner, "execute", recording)
        report = leaderboard.verify("regression19", home=home)
        assert [(c.model, c.options, c.seeds) for c in replays] == [("connectome_gru", {"connectome": "witvliet_8"},
                                                                     (0,))]
        assert report["agree"], report
    finally:
        registry._collect.cache_clear()


def test_an_entry_without_a_run_config_is_refused_not_guessed() -> None:
    from neuropil.errors import InvalidArgumentError

    entry = {"id": "abc", "task": {"id": TASK}, "command": f"neuropil bench run {TASK} --model ridge"}
    with pytest.raises(InvalidArgumentError, match="Entry abc stores no run configuration"):
        leaderboard.recorded_run(entry)
    entry["run_config"] = {"task": TASK, "model": "unet", "seeds": [0], "options": {}, "quick": True}
    with pytest.raises(InvalidArgumentError, match="does not run one registered baseline"):
        leaderboard.recorded_run(entry)


def test_runner_imports_neither_the_cli_nor_the_leaderboard() -> None:
    """The runner is the bottom of the benchmarks side: the leaderboard calls it, never the reverse."""
    import ast

    import neuropil.benchmarks.runner as runner

    tree = ast.parse(Path(runner.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {m for m in imported if m and ("cli" in m or "submissions" in m or "leaderboard" in m)}
