"""celegans-activity-forecast protocol: causal inputs, scaling on training worms, one split, blocked
bootstrap intervals, early stopping and the ridge grid (issue 15, points 1-5)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from neuropil.benchmarks import get_task
from neuropil.benchmarks.tasks.celegans_forecast import baselines, data
from neuropil.benchmarks.tasks.celegans_forecast.metrics import BLOCK_FRAMES, block_bootstrap, evaluate
from neuropil.errors import InvalidArgumentError
from neuropil.loaders.celegans_activity import (SPLIT, canonical_arrays, canonical_frames, read_arrays, to_pandas,
                                                to_torch, worm_key, worm_split)
from neuropil.pipelines import ingest

TASK = "celegans-activity-forecast"
CUT = 200.0  # s: raw samples after this time are perturbed
HISTORY = get_task(TASK).default_config["history"]


def _last_input_times(sets: dict, part: str, home: Path) -> np.ndarray:
    w = sets[part]
    times = {int(r): canonical_frames(int(r), home=home)[0] for r in np.unique(w.recording)}
    return np.array([times[int(r)][s + HISTORY - 1] for r, s in zip(w.recording, w.start)])


def _assert_causal(before: dict, after: dict, home: Path, perturbed_parts: tuple[str, ...]) -> None:
    """Windows whose last input is at or before CUT are identical; some later ones changed."""
    changed_later = 0
    for part in ("train", "valid", "test"):
        old, new = before[part], after[part]
        assert np.array_equal(old.recording, new.recording) and np.array_equal(old.start, new.start)
        early = _last_input_times(before, part, home) <= CUT
        assert early.any()
        np.testing.assert_array_equal(old.x[early], new.x[early])
        np.testing.assert_array_equal(old.x_mask[early], new.x_mask[early])
        if part in perturbed_parts:
            changed_later += int((old.x[~early] != new.x[~early]).any())
        else:  # nothing of this worm changed, and the scaling comes from training worms only
            np.testing.assert_array_equal(old.x, new.x)
            np.testing.assert_array_equal(old.y, new.y)
    assert changed_later == len(perturbed_parts)  # the perturbation reached the inputs after CUT


def test_inputs_are_causal_on_real_dag2023(bench_home: Path, shared_root: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from neuropil.pipelines.celegans_activity import dag2023

    before, _ = data.load_sets(home=bench_home, config=get_task(TASK).default_config)
    split = json.loads(next((bench_home / "benchmarks" / TASK).rglob("split-*.json")).read_text())["split"]
    held_out = {key.split("/", 1)[1] for key in split["valid"] + split["test"]}
    read = dag2023._read_h5

    def perturbed(path: Path):
        traces, timestamps = read(path)
        if path.name.removesuffix(dag2023.SUFFIX) in held_out:
            traces = traces.copy()
            traces[timestamps[:len(traces)] - timestamps[0] > CUT] += 5.0
        return traces, timestamps

    monkeypatch.setattr(dag2023, "_read_h5", perturbed)
    home = tmp_path / "perturbed"
    ingest("celegans-connectomes", raw_dir=shared_root, home=home, progress=False)
    ingest("celegans-activity", raw_dir=shared_root, home=home, progress=False)
    after, _ = data.load_sets(home=home, config=get_task(TASK).default_config)
    _assert_causal(before, after, bench_home, ("valid", "test"))
    # the published grid is interpolated: the same perturbation reaches grid values before CUT there
    recordings = to_pandas(table="recordings", home=home)
    test_recording = int(recordings[recordings["worm"].isin(held_out)]["recording"].iloc[0])
    grid = read_arrays(test_recording, home=home)["time"]
    old_grid, new_grid = canonical_arrays(test_recording, home=bench_home)[0], canonical_arrays(test_recording, home=home)[0]
    early = grid <= CUT
    assert not np.array_equal(np.nan_to_num(old_grid[early]), np.nan_to_num(new_grid[early]))


def test_inputs_are_causal_on_a_fixture(tmp_path: Path) -> None:
    from neuropil.testing.celegans_activity import flavell2023

    raw = tmp_path / "raw"
    written = flavell2023.write(raw / "Flavell2023")
    homes = {}
    for name in ("before", "after"):
        if name == "after":  # perturb worm 2 after CUT, in the published file
            worm = written["worms"][1]
            content = worm["content"]
            late = np.asarray(content["timestamp_confocal"]) - content["timestamp_confocal"][0] > CUT
            for key in ("trace_array", "trace_original"):
                values = np.asarray(content[key])
                values[:, late] += 5.0
                content[key] = values.tolist()
            (raw / "Flavell2023" / worm["file"]).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        homes[name] = tmp_path / name
        ingest("celegans-activity", raw_dir=raw, home=homes[name], source="Flavell2023", allow_unverified=True,
               progress=False)
    keys = [worm_key("Flavell2023", w["worm"]) for w in written["worms"]]
    split = {"train": [keys[0]], "valid": [keys[1]], "test": [keys[1]]}
    config = {"history": HISTORY, "source": "all"}
    sets = {name: data.prepare(home=home, split=split, config=config) for name, home in homes.items()}
    _assert_causal(sets["before"], sets["after"], homes["before"], ("valid", "test"))


def test_scaling_is_fitted_on_training_worms_only() -> None:
    values = [np.array([[1.0, 5.0, np.nan], [3.0, 5.0, np.nan]]), np.array([[5.0, 5.0, np.nan]])]
    masks = [np.isfinite(v) for v in values]
    mean, std = data.fit_scaling(values, masks)
    assert mean[0] == pytest.approx(3.0) and std[0] == pytest.approx(np.sqrt(8 / 3))
    # a constant neuron and a neuron never observed in training take the pooled statistics
    pooled = np.array([1.0, 3.0, 5.0, 5.0, 5.0, 5.0])
    assert mean[1] == mean[2] == pytest.approx(pooled.mean())
    assert std[1] == std[2] == pytest.approx(pooled.std())


def test_loader_split_is_the_benchmarks_stored_split(bench_home: Path) -> None:
    data.load_sets(home=bench_home, config=get_task(TASK).default_config, quick=True)
    stored = json.loads(next((bench_home / "benchmarks" / TASK).rglob("split-*.json")).read_text())["split"]
    recordings = to_pandas(table="recordings", home=bench_home)
    names = {int(r.recording): worm_key(r.study, r.worm) for r in recordings.itertuples()}
    assert [len(stored[p]) for p in ("train", "valid", "test")] == [4, 1, 2]  # 7 Dag2023 worms
    for part in ("train", "valid", "test"):
        windows = to_torch(split=part, stride=400, frames="native", home=bench_home)
        assert sorted({names[r] for r, _ in windows.index}) == stored[part]
    task = get_task(TASK)
    assert {k: task.split[k] for k in SPLIT} == SPLIT  # the task stores the loader's default split
    with pytest.raises(InvalidArgumentError, match="Unknown value 'raw' for argument frames"):
        to_torch(frames="raw", home=bench_home)


def test_split_is_stratified_by_study_and_scales() -> None:
    dag = [("Dag2023", f"w{i}") for i in range(7)]
    other = [("Kato2015", f"w{i}") for i in range(40)]
    alone, together = worm_split(dag), worm_split(dag + other)
    for part in ("train", "valid", "test"):  # adding a study never moves a Dag2023 worm
        assert [k for k in together[part] if k.startswith("Dag2023/")] == alone[part]
    assert [sum(k.startswith("Kato2015/") for k in together[p]) for p in ("train", "valid", "test")] == [22, 6, 12]
    assert worm_split([("Tiny", "a"), ("Tiny", "b")]) == {"train": ["Tiny/a", "Tiny/b"], "valid": [], "test": []}
    with pytest.raises(InvalidArgumentError, match="leave no training worm"):
        worm_split(dag, valid=0.5, test=0.5)


def test_windows_dataset_pickles_for_spawn_workers(bench_home: Path) -> None:
    import torch

    windows = to_torch(split="test", stride=200, frames="native", home=bench_home)
    loader = torch.utils.data.DataLoader(windows, batch_size=4, num_workers=2, multiprocessing_context="spawn")
    batches = list(loader)
    assert sum(len(b["start"]) for b in batches) == len(windows) > 0
    assert batches[0]["x"].shape[1:] == (30, 300)


def test_block_bootstrap_known_answers() -> None:
    # two blocks of one worm: resamples are {1,1}, {1,2}, {2,1}, {2,2}; each extreme has probability 1/4
    model, persistence = np.array([[1.0], [3.0]]), np.array([[2.0], [4.0]])
    interval = block_bootstrap(model, persistence, np.array([0, 0]))
    assert interval["low"][0] == pytest.approx(1 - 3 / 4) and interval["high"][0] == pytest.approx(1 - 1 / 2)
    # one block per worm: worms are strata, so every resample is the data itself
    interval = block_bootstrap(model, persistence, np.array([0, 1]))
    assert interval["low"][0] == interval["high"][0] == pytest.approx(1 - 4 / 6)
    # coverage: 40 iid blocks with a known skill of 1 - 0.8 = 0.2
    rng = np.random.default_rng(0)
    covered = 0
    for _ in range(200):
        p = rng.gamma(4.0, 1.0, size=(40, 1))
        m = 0.8 * p * rng.gamma(20.0, 1 / 20.0, size=(40, 1))
        interval = block_bootstrap(m, p, np.zeros(40, dtype=int), resamples=500)
        covered += interval["low"][0] <= 0.2 <= interval["high"][0]
    assert 0.88 <= covered / 200 <= 0.99


def test_evaluator_reports_per_worm_skill_and_interval() -> None:
    rng = np.random.default_rng(1)
    w, n = 120, 5
    y = rng.normal(size=(w, 3, n))
    last = y[:, 0, :] + rng.normal(scale=1.0, size=(w, n))
    pred = y + rng.normal(scale=0.5, size=y.shape)
    recording = np.repeat([4, 9], w // 2)
    start = np.tile(np.arange(w // 2) * 2, 2)
    mask = np.ones(y.shape, dtype=bool)
    result = evaluate({"y_true": y, "y_pred": pred, "mask": mask, "last_input": last, "recording": recording,
                       "start": start})
    for worm in (4, 9):
        mine = recording == worm
        skills = [1 - ((pred[mine, h] - y[mine, h]) ** 2).sum() / ((last[mine] - y[mine, h]) ** 2).sum()
                  for h in range(3)]
        assert result[f"skill_mean_recording_{worm}"] == pytest.approx(np.mean(skills))
    assert result["skill_mean_ci_low"] < result["skill_mean"] < result["skill_mean_ci_high"]
    assert (start // BLOCK_FRAMES).max() >= 1  # more than one block per worm
    with pytest.raises(InvalidArgumentError, match="recording must be"):
        evaluate({"y_true": y, "y_pred": pred, "mask": mask, "last_input": last, "recording": recording[:3],
                  "start": start})


def test_early_stopping_keeps_the_best_epoch() -> None:
    import torch

    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    ones = torch.ones(8, 1)

    def batches(generator):  # training pulls the weight towards 1; validation wants 0
        yield ones, ones, ones

    def valid_loss() -> float:
        return float((model(ones) ** 2).mean())

    info = baselines._torch_fit(model, batches, valid_loss, max_epochs=50, patience=3, lr=0.1, seed=0,
                                progress=False, label="test")
    assert info["best_epoch"] == -1 and info["epochs_run"] == 3 and info["stopped_early"]
    assert float(model.weight.detach()) == 0.0  # the initial (best) parameters are restored


def test_ridge_choice_is_inside_its_grid(bench_home: Path) -> None:
    sets, _ = data.load_sets(home=bench_home, config=get_task(TASK).default_config)
    _, info = baselines.predict_ridge(sets["train"], sets["valid"], [])
    usable = [lags for lags in baselines.RIDGE_LAGS if lags <= HISTORY]
    assert usable[0] < info["lags"] < usable[-1]
    assert baselines.RIDGE_ALPHAS[0] < info["alpha"] < baselines.RIDGE_ALPHAS[-1]
