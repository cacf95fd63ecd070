"""microns-bio-rnn statistics: paired Wilcoxon signed-rank, Holm, TOST equivalence, validation loss.

Expected values are worked out by hand from the definitions (the exact signed-rank null: each of the
2^n sign patterns equally likely; Holm's step-down products), never taken from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from neuropil.benchmarks.tasks.bio_rnn import analysis
from neuropil.errors import InvalidArgumentError


def test_holm_matches_the_hand_computed_step_down() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> monotone 0.02, 0.03, 0.06, 0.06
    assert analysis.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert analysis.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    got = analysis.holm([0.01, float("nan"), 0.02])  # NaN is not counted in m = 2
    assert got[0] == pytest.approx(0.02) and np.isnan(got[1]) and got[2] == pytest.approx(0.02)


def test_signed_rank_is_exact_and_paired_by_seed() -> None:
    rng = np.random.default_rng(0)
    spread = rng.uniform(0.5, 1.0, 10)  # large between-seed spread, small consistent within-seed shift
    shift = 0.01 + 0.0001 * np.arange(10)  # distinct magnitudes: no ties
    first = {seed: float(spread[seed]) for seed in range(10)}
    second = {seed: float(spread[seed] - shift[seed]) for seed in reversed(range(10))}  # order must not matter
    second[99] = 0.0  # a seed only one variant has is not paired
    row = analysis.paired_comparison(first, second, margin=0.05)
    assert row["n"] == 10 and row["seeds"] == list(range(10))
    # all 10 differences positive: only 1 of the 2^10 equally likely sign patterns is as extreme, two-sided x2
    assert row["p"] == pytest.approx(2 / 2 ** 10)
    # TOST: every d + 0.05 > 0 and every d - 0.05 < 0, each one-sided p = 1 / 2^10
    assert row["p_tost"] == pytest.approx(1 / 2 ** 10)
    from scipy.stats import mannwhitneyu

    # unpaired, the same numbers show nothing: pairing is what finds the shift
    assert mannwhitneyu(spread, spread - shift).pvalue > 0.5


def test_tost_refuses_equivalence_for_a_shift_beyond_the_margin() -> None:
    first = {s: 0.5 for s in range(10)}
    second = {s: 0.8 + 0.001 * s for s in range(10)}  # b better by 0.30-0.31 on every seed
    row = analysis.paired_comparison(first, second, margin=0.05)
    assert row["p"] == pytest.approx(2 / 2 ** 10)
    # d + 0.05 < 0 on every seed: P(T+ >= 0) = 1 for the 'greater' side
    assert row["p_tost"] == pytest.approx(1.0)
    with pytest.raises(InvalidArgumentError, match="margin must be > 0, got 0"):
        analysis.paired_comparison(first, second, margin=0)


def test_identical_runs_are_equivalent_not_different() -> None:
    same = {s: (1.0 if s % 3 else 0.5) for s in range(8)}  # bimodal, identical per seed
    row = analysis.paired_comparison(same, dict(same), margin=0.05)
    assert row["p"] == 1.0  # no non-zero difference: no evidence of a difference
    assert row["p_tost"] == pytest.approx(1 / 2 ** 8)  # all d +- margin on the right side


def test_paired_table_applies_holm_across_the_table_and_states_verdicts() -> None:
    base = {s: 0.5 + 0.01 * s for s in range(10)}
    scores = {
        ("t1", "A"): base,
        ("t1", "B"): {s: v - 0.3 - 0.001 * s for s, v in base.items()},  # A better on every seed
        ("t1", "C"): dict(base),  # identical to A
        ("t1", "D"): {s: v + (0.3 if s % 2 else -0.3) for s, v in base.items()},  # mixed, large
        ("t1", "E"): {s: 0.7 for s in range(3)},  # too few seeds: left out
    }
    rows = analysis.paired_table(scores, [(("t1", "A"), ("t1", "B")), (("t1", "A"), ("t1", "C")),
                                          (("t1", "A"), ("t1", "D")), (("t1", "A"), ("t1", "E")),
                                          (("t1", "A"), ("t1", "missing"))], margin=0.05)
    by_b = {row["b"][1]: row for row in rows}
    assert set(by_b) == {"B", "C", "D"}
    assert by_b["B"]["verdict"] == "a > b"
    # Holm over the 3 comparisons: the smallest raw p (2 / 1024, A vs B) is multiplied by 3
    assert by_b["B"]["p_holm"] == pytest.approx(3 * 2 / 2 ** 10)
    assert by_b["C"]["verdict"] == "equivalent"
    assert by_b["D"]["verdict"] == "inconclusive"
    assert all(row["p_holm"] >= row["p"] and row["p_tost_holm"] >= row["p_tost"] for row in rows)


def test_validation_loss_is_the_mean_cross_entropy() -> None:
    prob = np.array([[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]])
    labels = np.array([0, 0, 1])
    assert analysis.validation_loss(prob, labels) == pytest.approx(-(np.log(0.5) + np.log(0.9) + np.log(0.8)) / 3)
    assert np.isfinite(analysis.validation_loss(np.array([[1.0, 0.0]]), np.array([1])))  # floored, not inf


def test_lambda_table_picks_by_loss_where_accuracy_ties() -> None:
    """Accuracy all-or-nothing (1.0 at both lambdas) cannot rank them; the mean loss can."""
    per_seed = {0.0: [{"seed": 100, "loss": 0.30, "accuracy": 1.0}, {"seed": 101, "loss": 0.50, "accuracy": 1.0}],
                1e-4: [{"seed": 100, "loss": 0.10, "accuracy": 1.0}, {"seed": 101, "loss": 0.20, "accuracy": 1.0}]}
    by_loss = analysis.lambda_table("W*D*C", "t1", per_seed)
    assert by_loss["best"] == 1e-4 and by_loss["valid_loss"][0.0] == pytest.approx(0.40)
    assert by_loss["valid_loss_std"][1e-4] == pytest.approx(np.std([0.10, 0.20], ddof=1))
    assert analysis.lambda_table("W*D*C", "t1", per_seed, criterion="accuracy")["best"] == 0.0  # tie -> smaller
    assert by_loss["seeds"] == [100, 101]


def test_tune_lambda_runs_seed_by_seed_and_reports_each() -> None:
    from neuropil.benchmarks.tasks.bio_rnn import model, sources, trials

    rng = np.random.default_rng(2)
    n = 10
    corr = np.corrcoef(rng.standard_normal((n, 100)))
    field = sources.Field("synthetic", rng.random((n, 3)) * 1e5, rng.integers(0, 2, (n, n)), corr, np.abs(corr))
    sizes = {"train": 64, "valid": 32, "test": 32}
    reports: list[dict] = []
    result = analysis.tune_lambda("W*D*C", "t2", field, grid=(0.0, 1e-3), seeds=(7, 8), epochs=1, sizes=sizes,
                                  on_seed=reports.append)
    assert [r["seeds"] for r in reports] == [[7], [7, 8]]  # whole seeds, in order
    assert [len(r["per_seed"]["0.0"]) for r in reports] == [1, 2]  # each report is the table as it was then
    assert result["seeds"] == [7, 8] and set(result["valid_loss"]) == {0.0, 1e-3}
    # seed 8 at lambda 1e-3 is the same run as a direct train_variant call (the tuning is reproducible)
    sets = trials.trial_sets("t2", seed=0, **sizes)
    direct = model.train_variant("W*D*C", sets, field, seed=8, epochs=1, strength=1e-3, curve_every=0, task="t2")
    record = next(r for r in result["per_seed"]["0.001"] if r["seed"] == 8)
    assert record["loss"] == pytest.approx(analysis.validation_loss(direct.valid_prob, sets["valid"].y))
    with pytest.raises(InvalidArgumentError, match="Unknown value 'auc' for argument criterion"):
        analysis.tune_lambda("W", "t2", field, criterion="auc")
    # a stopped tuning (seed 7 only) resumes: seed 7's records are kept as stored (not re-run), seed 8 is run
    stopped = {**reports[0], "per_seed": {k: [{**r, "loss": 9.0 + float(k)} for r in v]
                                          for k, v in reports[0]["per_seed"].items()}}
    resumed = analysis.tune_lambda("W*D*C", "t2", field, grid=(0.0, 1e-3), seeds=(7, 8), epochs=1, sizes=sizes,
                                   resume=stopped)
    assert resumed["seeds"] == [7, 8]
    assert [r["loss"] for r in resumed["per_seed"]["0.001"]] == [pytest.approx(9.001), pytest.approx(record["loss"])]
    assert resumed["valid_loss"][0.0] == pytest.approx((9.0 + result["per_seed"]["0.0"][1]["loss"]) / 2)
    with pytest.raises(InvalidArgumentError, match=r"resume holds the tuning of \('W\*D\*C', 't2'\)"):
        analysis.tune_lambda("W", "t2", field, grid=(0.0,), seeds=(7,), epochs=1, sizes=sizes, resume=stopped)


def test_bootstrap_interval_of_the_mean() -> None:
    assert analysis.bootstrap_interval([0.7] * 12) == (pytest.approx(0.7), pytest.approx(0.7))
    # 10 of 20 seeds solved: the mean's sampling sd is 0.5 / sqrt(20) = 0.112, so about 0.5 +- 0.22
    low, high = analysis.bootstrap_interval([1.0] * 10 + [0.0] * 10)
    assert abs(low - (0.5 - 1.96 * 0.5 / np.sqrt(20))) < 0.03 and abs(high - (0.5 + 1.96 * 0.5 / np.sqrt(20))) < 0.03
    with pytest.raises(InvalidArgumentError, match="at least one value"):
        analysis.bootstrap_interval([])


def test_collect_merges_a_run_folder_into_the_stored_runs(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/results/bio_rnn_tables.py collect: a new folder adds its runs and replaces the same key; the
    stored runs it does not hold stay (it once rebuilt the file from the folder alone)."""
    import json

    tables = _tables_script()

    def run(variant: str, seed: int, accuracy: float, **extra: object) -> dict:
        return {"protocol": "corrected", "task": "t1", "variant": variant, "seed": seed,
                "test": {"accuracy": accuracy}, **extra}

    stored = tmp_path / "runs.json"
    stored.write_text(json.dumps([run("W", 0, 0.6), run("W", 1, 0.7)]))
    monkeypatch.setattr(tables, "RUNS", stored)
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(run("W", 1, 0.9)))
    (folder / "b.json").write_text(json.dumps(run("I", 0, 1.0)))
    (folder / "c.json").write_text(json.dumps(run("W*D*C", 0, 0.5, lambda_override=1e-3)))
    tables.collect(str(folder), None)
    merged = {(r["variant"], r["seed"], r.get("lambda_override")): r["test"]["accuracy"]
              for r in json.loads(stored.read_text())}
    assert merged == {("W", 0, None): 0.6, ("W", 1, None): 0.9, ("I", 0, None): 1.0, ("W*D*C", 0, 1e-3): 0.5}


def _tables_script():
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "docs/results/bio_rnn_tables.py"
    spec = importlib.util.spec_from_file_location("bio_rnn_tables", script)
    tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tables)
    return tables


def test_tuning_tables_of_two_drivers_both_survive(tmp_path) -> None:
    """Two tune drivers each started from the same (empty) file; each merge re-reads it, so neither pair
    is lost, and a later save of a pair replaces that pair only."""
    import json

    tables = _tables_script()
    path = tmp_path / "microns-bio-rnn-lambda-loss.json"
    tables.merge_tuned(path, {"task": "t1", "variant": "W*D*C*", "seeds": [100], "best": 0.0})
    tables.merge_tuned(path, {"task": "t2", "variant": "W*DC*", "seeds": [100], "best": 1e-3})
    tables.merge_tuned(path, {"task": "t1", "variant": "W*D*C*", "seeds": [100, 101], "best": 1e-5})
    stored = {(r["task"], r["variant"]): r["seeds"] for r in json.loads(path.read_text())}
    assert stored == {("t1", "W*D*C*"): [100, 101], ("t2", "W*DC*"): [100]}
    assert not list(tmp_path.glob("*.part"))


def test_lambda_separation_is_paired_over_the_tuning_seeds() -> None:
    """Loss at the lambda in use minus at the best, per seed: (0.5-0.1, 0.3-0.2, 0.4-0.1) = (0.4, 0.1, 0.3);
    mean 0.8/3, sd of (0.4, 0.1, 0.3) = sqrt(((0.4-m)^2 + (0.1-m)^2 + (0.3-m)^2) / 2), se = sd / sqrt(3)."""
    tables = _tables_script()
    row = {"best": 1e-4, "per_seed": {
        "0.0": [{"seed": 100, "loss": 0.5}, {"seed": 101, "loss": 0.3}, {"seed": 102, "loss": 0.4}],
        "0.0001": [{"seed": 102, "loss": 0.1}, {"seed": 100, "loss": 0.1}, {"seed": 101, "loss": 0.2}]}}
    mean, se, n = tables.lambda_separation(row, 0.0)
    m = 0.8 / 3
    assert n == 3 and mean == pytest.approx(m)
    assert se == pytest.approx(np.sqrt(((0.4 - m) ** 2 + (0.1 - m) ** 2 + (0.3 - m) ** 2) / 2) / np.sqrt(3))
    assert mean > 2 * se  # separated
    one_seed = {"best": 1e-4, "per_seed": {"0.0": [{"seed": 100, "loss": 0.5}], "0.0001": [{"seed": 100, "loss": 0.1}]}}
    assert np.isnan(tables.lambda_separation(one_seed, 0.0)[0])
