"""microns-bio-rnn-t1|t2|t3: generators against the published task spec, communicability against
scipy, the bio initialisation's stated statistics, position orientation on the real field 6_6_2.

Expected values come from the issue / paper text (timings, maze table, coherence levels, mean 0.1,
floor 0.01, radius 0.95, the reference's mean D* ~0.55 and D ~6.5) and from scipy, never from the
code under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuropil.benchmarks.tasks.bio_rnn import inits, model, sources, task, trials
from neuropil.errors import InvalidArgumentError

# ------------------------------------------------------------------------------------ generators
#: the published first-choice maze table: (goal, choices, correct step); l=0 u=1 r=2 d=3
PUBLISHED_MAZES = [(9, "ul", "u"), (9, "rd", "r"), (19, "ld", "d"), (17, "rd", "d"),
                   (17, "ul", "l"), (7, "ur", "u"), (19, "lr", "r"), (7, "lr", "l")]


def test_t1_timing_inputs_and_labels_follow_the_maze_table() -> None:
    generated = trials.make_trials("t1", 4000, seed=3)
    assert generated.x.shape == (4000, 50, 8) and generated.x.dtype == np.float32
    goal_slot = {7: 0, 9: 1, 17: 2, 19: 3}
    direction = {"l": 0, "u": 1, "r": 2, "d": 3}
    for maze, (goal, choices, step) in enumerate(PUBLISHED_MAZES):
        rows = generated.x[generated.kind == maze]
        assert len(rows) > 0
        expected_goal = np.zeros(8)
        expected_goal[goal_slot[goal]] = 1
        expected_choice = np.zeros(8)
        for c in choices:
            expected_choice[4 + direction[c]] = 1
        assert np.all(rows[:, :20] == expected_goal)  # goal 20 steps
        assert np.all(rows[:, 20:30] == 0)  # delay 10
        assert np.all(rows[:, 30:] == expected_choice)  # choices 20
        assert np.all(generated.y[generated.kind == maze] == direction[step])
    assert len(np.unique(generated.x.reshape(4000, -1), axis=0)) == 8  # only 8 distinct inputs
    counts = np.bincount(generated.kind, minlength=8)
    assert np.all(np.abs(counts - 500) < 4 * np.sqrt(500))  # uniform over mazes


def test_t2_go_nogo_timing_and_balance() -> None:
    generated = trials.make_trials("t2", 6000, seed=1)
    assert generated.x.shape == (6000, 40, 3)
    assert np.all(generated.x[:, :5] == [1, 0, 0])  # fixation 5
    assert np.all(generated.x[:, 25:35] == [1, 0, 0])  # delay 10: fixation input, as the reference
    assert np.all(generated.x[:, 35:] == 0)  # decision 5
    stimulus = generated.x[:, 5:25]
    assert np.all(stimulus[:, :, 0] == 0)
    assert np.all(stimulus[generated.y == 0] == [0, 1, 0]) and np.all(stimulus[generated.y == 1] == [0, 0, 1])
    assert abs(generated.y.mean() - 0.5) < 4 * 0.5 / np.sqrt(6000)


def test_t3_perceptual_decision_timing_coherences_and_noise() -> None:
    n = 20000
    generated = trials.make_trials("t3", n, seed=2)
    assert generated.x.shape == (n, 41, 3)
    assert np.all(generated.x[:, :, 0] == 1)  # fixation input on at every step
    assert np.all(generated.x[:, 0, 1:] == 0) and np.all(generated.x[:, 31:, 1:] == 0)  # fixation 1, delay 10
    evidence = generated.x[:, 1:31, 1:]
    chosen = evidence[np.arange(n), :, generated.y]
    other = evidence[np.arange(n), :, 1 - generated.y]
    levels = np.array([0, 6.4, 12.8, 25.6, 51.2])
    for index, coherence in enumerate(levels):
        rows = generated.kind == index
        # cos(0) * coh/200 + 0.5 vs cos(pi) * coh/200 + 0.5 -> difference coh/100
        assert abs((chosen[rows] - other[rows]).mean() - coherence / 100) < 0.004
        assert abs(chosen[rows].mean() - (0.5 + coherence / 200)) < 0.003
    # noise N(0, sigma / sqrt(dt)) with sigma = 1, dt = 100 ms
    residual = chosen - chosen.mean(axis=1, keepdims=True)
    assert abs(residual.std() * np.sqrt(30 / 29) - 0.1) < 0.002
    assert np.all(np.abs(np.bincount(generated.kind, minlength=5) - n / 5) < 4 * np.sqrt(n / 5))
    assert abs(generated.y.mean() - 0.5) < 0.02


def test_sets_are_seeded_and_separate() -> None:
    first = trials.trial_sets("t3", seed=0, train=64, valid=32, test=32)
    again = trials.trial_sets("t3", seed=0, train=64, valid=32, test=32)
    other = trials.trial_sets("t3", seed=1, train=64, valid=32, test=32)
    assert np.array_equal(first["train"].x, again["train"].x)
    assert not np.array_equal(first["train"].x, other["train"].x)
    assert not np.array_equal(first["valid"].x, first["test"].x[:32])
    assert [len(first[p]) for p in ("train", "valid", "test")] == [64, 32, 32]
    with pytest.raises(InvalidArgumentError, match="Unknown value 't4' for argument task"):
        trials.make_trials("t4", 3, seed=0)


# ------------------------------------------------------------------------------- communicability
def _scipy_communicability(weights: np.ndarray) -> np.ndarray:
    from scipy.linalg import expm

    strength = weights.sum(1)
    factor = np.where(strength > 0, 1 / np.sqrt(np.where(strength > 0, strength, 1)), 0.0)
    result = expm(factor[:, None] * weights * factor[None, :])
    np.fill_diagonal(result, 0)
    return result


@pytest.mark.parametrize("n,scale", [(2, 1.0), (7, 1.0), (30, 1.0), (40, 8.0)])
def test_communicability_matches_scipy_expm(n: int, scale: float) -> None:
    import torch
    from scipy.linalg import expm

    rng = np.random.default_rng(n)
    weights = rng.random((n, n)) * (rng.random((n, n)) < 0.4)
    weights[0] = 0.0  # a neuron with no outgoing synapse: pseudo-inverse normalisation
    got = model.communicability(torch.as_tensor(weights), zero_strength="pinv").numpy()
    want = _scipy_communicability(weights)
    assert np.abs(got - want).max() <= 1e-7 * np.abs(want).max()
    # the raw Taylor exponential on a matrix of larger norm (scaling and squaring path)
    a = scale * rng.random((n, n)) / n
    exact = expm(a)
    approx = model.expm_taylor(torch.as_tensor(a)).numpy()
    assert np.abs(approx - exact).max() <= 1e-6 * np.abs(exact).max()


def test_communicability_gradient_matches_matrix_exp() -> None:
    import torch

    rng = np.random.default_rng(0)
    base = torch.tensor(rng.random((12, 12)), requires_grad=True)
    probe = torch.as_tensor(rng.random((12, 12)))
    (model.communicability(base) * probe).sum().backward()
    taylor = base.grad.clone()
    base.grad = None
    (model.communicability(base, method="matrix_exp") * probe).sum().backward()
    assert torch.allclose(taylor, base.grad, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------------- initialisation
def test_bio_init_mean_floor_and_spectral_radius() -> None:
    rng = np.random.default_rng(0)
    n = 60
    corr = np.corrcoef(rng.standard_normal((n, 400)))
    sttc = np.clip(corr + 0.05 * rng.standard_normal((n, n)), -1, 1)
    sttc = (sttc + sttc.T) / 2
    weights = inits.bio_weights(corr, sttc, rng=np.random.default_rng(1))
    eigen = np.max(np.abs(np.linalg.eigvals(weights)))
    assert abs(eigen - 0.95) < 1e-9
    # undo the radius scaling through the floor (it binds here: small corr x sttc products): before
    # it, the smallest non-zero was 0.01 and the mean 0.1 plus what the floor added
    nonzero = weights[weights != 0]
    before = weights * (0.01 / nonzero.min())
    floored = np.isclose(before, 0.01, rtol=1e-9)
    assert floored.sum() >= 1
    assert 0.1 <= before.mean() <= 0.1 + 0.01 * floored.mean() + 1e-12
    # the min-max step sends the smallest corr entry to exactly 0, which stays 0 (not floored)
    assert (weights == 0).sum() >= 1
    assert np.all(weights >= 0)


def test_controls_match_mean_and_radius_and_permutation_keeps_the_multiset() -> None:
    rng = np.random.default_rng(0)
    n = 50
    corr = np.corrcoef(rng.standard_normal((n, 300)))
    weights = inits.bio_weights(corr, np.abs(corr), rng=rng)
    control = inits.positive_random_like(weights, rng=np.random.default_rng(2))
    assert np.all(control > 0)
    assert abs(np.max(np.abs(np.linalg.eigvals(control))) - 0.95) < 1e-9
    assert abs(control.mean() / weights.mean() - 1) < 1e-3
    shuffled = inits.permuted(weights, rng=np.random.default_rng(3))
    assert np.array_equal(np.sort(shuffled.ravel()), np.sort(weights.ravel()))
    assert np.allclose(np.sort(np.abs(np.linalg.eigvals(shuffled))), np.sort(np.abs(np.linalg.eigvals(weights))))
    kept = inits.offdiagonal_shuffled(weights, rng=np.random.default_rng(4))
    assert abs(np.max(np.abs(np.linalg.eigvals(kept))) - 0.95) < 1e-9
    ratio = np.diag(kept) / np.diag(weights)
    assert np.allclose(ratio, ratio[0])  # the diagonal kept (up to the common radius rescale)
    off = ~np.eye(n, dtype=bool)
    assert np.allclose(np.sort(kept[off] / ratio[0]), np.sort(weights[off]))
    q = inits.orthogonal(20, rng=np.random.default_rng(0))
    assert np.allclose(q @ q.T, np.eye(20), atol=1e-12)


def test_identity_and_diagonal_starts() -> None:
    """I is exactly 0.95 x the identity (W*'s spectral radius), also on a source without activity;
    diag(W*) is the same seed's W* with every off-diagonal entry set to 0 and its diagonal untouched."""
    rng = np.random.default_rng(0)
    n = 30
    corr = np.corrcoef(rng.standard_normal((n, 200)))
    field = sources.Field("synthetic", rng.random((n, 3)) * 1e5, rng.integers(0, 2, (n, n)), corr, np.abs(corr))
    bio = inits.initial_recurrent(model.parse_variant("W*D*C"), field, seed=3)
    identity = inits.initial_recurrent(model.parse_variant("I"), field, seed=3)
    assert np.array_equal(identity, np.diag(np.full(n, 0.95)))
    assert np.max(np.abs(np.linalg.eigvals(identity))) == pytest.approx(np.max(np.abs(np.linalg.eigvals(bio))))
    structure_only = sources.Field("celegans:x", np.full((n, 3), np.nan), np.ones((n, n)), None, None)
    assert np.array_equal(inits.initial_recurrent(model.parse_variant("I"), structure_only, seed=0), identity)
    diagonal = inits.initial_recurrent(model.parse_variant("diag(W*)"), field, seed=3)
    off = ~np.eye(n, dtype=bool)
    assert np.all(diagonal[off] == 0) and np.array_equal(np.diag(diagonal), np.diag(bio))
    assert np.all(np.diag(bio) > 0) and np.any(bio[off] != 0)  # it did remove something
    with pytest.raises(InvalidArgumentError, match="Pearson x STTC"):
        inits.initial_recurrent(model.parse_variant("diag(W*)"), structure_only, seed=0)
    fit = model.train_variant("I", trials.trial_sets("t2", seed=0, train=64, valid=32, test=32), field, seed=0,
                              epochs=1, curve_every=0)
    assert fit.test_prob.shape == (32, 2) and np.all(np.isfinite(fit.recurrent))


def test_identity_and_diagonal_are_registered_baselines() -> None:
    from neuropil.benchmarks import get_task

    for task_id in ("microns-bio-rnn-t1", "microns-bio-rnn-t2", "microns-bio-rnn-t3"):
        assert {"I", "diag(W*)"} <= set(get_task(task_id).baselines)  # so --all-baselines and reproduce run them
    assert task.BASELINES["I"]["config"]["variant"] == "I"
    for name in ("I", "diag(W*)"):
        parsed = model.parse_variant(name)
        assert (parsed.distance, parsed.comms, parsed.positive) == (None, None, False)
    assert model.parse_variant("I").init == "identity" and model.parse_variant("diag(W*)").init == "bio_diagonal"


def test_variant_names() -> None:
    v = model.parse_variant("W*D*C*")
    assert (v.init, v.distance, v.comms, v.positive) == ("bio", "positions", "C*", False)
    assert model.parse_variant("WDC").distance == "grid" and model.parse_variant("WDC").init == "orthogonal"
    assert model.parse_variant("W!D*C").init == "permuted"
    assert model.parse_variant("W*D*C+").positive
    assert model.parse_variant("W").distance is None
    assert model.parse_variant("W%D*C").init == "offdiag_shuffled" and model.parse_variant("WDC*").comms == "C*"
    every = [model.parse_variant(name) for name in model.VARIANTS + model.EXTRA_VARIANTS]
    assert [v.name for v in every] == list(model.VARIANTS + model.EXTRA_VARIANTS)
    for bad in ("WC", "XD", "W*D*Q", "diag(W)", "ID*Q"):
        with pytest.raises(InvalidArgumentError, match="argument variant"):
            model.parse_variant(bad)


def test_grid_distances_have_the_reference_scale() -> None:
    d = model.grid_distances()
    assert d.shape == (312, 312)
    iu = np.triu_indices(312, 1)
    assert 6.0 < d[iu].mean() < 7.0  # "D (integer grid, mean distance about 6.5)"
    assert np.isclose(model.unit_mean(d)[iu].mean(), 1.0)


def test_quick_training_on_a_small_synthetic_field_learns() -> None:
    rng = np.random.default_rng(0)
    n = 24
    corr = np.corrcoef(rng.standard_normal((n, 200)))
    field = sources.Field("synthetic", rng.random((n, 3)) * 1e5, rng.integers(0, 2, (n, n)), corr, np.abs(corr))
    sets = trials.trial_sets("t1", seed=0, train=512, valid=128, test=128)
    fit = model.train_variant("W*D*C*", sets, field, seed=0, protocol="corrected", epochs=4, batch=32, lr=3e-3,
                              curve_every=4)
    assert model.accuracy(fit.test_prob, sets["test"].y) > 0.45  # chance: 0.25 (each step is right in 2 of 8 mazes)
    assert 0 <= fit.updates_to_90 <= 4 * 16
    fit_ref = model.train_variant("W", sets, field, seed=0, protocol="reference", epochs=1, batch=128, curve_every=0)
    # reference W penalty is sum |U| with no lambda: an orthogonal n x n matrix has E|u| = sqrt(2 / (pi n))
    assert abs(fit_ref.initial_penalty / (n * n * np.sqrt(2 / (np.pi * n))) - 1) < 0.15


# ----------------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def microns_home(real_home) -> Path:
    return real_home("microns-fields")


def test_position_orientation_on_6_6_2(microns_home: Path, shared_root: Path) -> None:
    from scipy.stats import spearmanr

    from neuropil._fetch import sha256_of
    from neuropil.datasets.microns import FIELDS_RAW_FILES

    field = sources.load_microns_field("6_6_2", home=microns_home)
    assert field.n == 312
    iu = np.triu_indices(field.n, 1)
    true = model.position_distances(field.positions_nm, protocol="corrected")
    # nearby neurons are more correlated: the correct orientation gives a negative rank correlation
    assert spearmanr(true[iu], field.corr[iu]).statistic < -0.02
    # the reference's reshape(3, -1) of the raw voxel array, read from the real pickled file
    raw_file = next(r for r in FIELDS_RAW_FILES if r.name == "6_6_2/positions_6_6_2.npy")
    path = shared_root / raw_file.mirror_path
    assert sha256_of(path) == raw_file.sha256  # verified before unpickling
    raw = np.array(np.load(path, allow_pickle=True).tolist())
    assert np.array_equal(model.reference_position_rows(field.positions_nm), raw.reshape(3, -1))
    assert np.array_equal(field.positions_nm / [4, 4, 40], raw)  # (N, 3) voxels x, y, z
    scrambled = model.position_distances(field.positions_nm, protocol="reference")
    assert abs(np.corrcoef(scrambled[iu], true[iu])[0, 1]) < 0.02  # the paper's D*: ~0.003
    assert 0.5 < scrambled[iu].mean() < 0.6  # "D* ... about 0.55"


def test_runner_quick_on_the_real_field(microns_home: Path) -> None:
    from neuropil.benchmarks import runner

    result = runner.run("microns-bio-rnn-t2", "W*D*C", seeds=1, quick=True, home=microns_home,
                        config={"protocol": "reference", "threads": 1})
    test = result["summary"]["test"]
    assert 0.0 <= test["accuracy"]["mean"] <= 1.0 and "train_accuracy" in test
    assert result["per_seed"][0]["info"]["protocol"] == "reference"
    assert result["parameter_count"] == 312 * 312 + 3 * 312 + 312 + 312 * 2 + 2


def test_a_celegans_connectome_is_a_structure_only_source(real_home) -> None:
    """The bridge: units = neurons with a chemical synapse in cook_2019; C* from its synapse counts;
    variants that need activity (W*) or positions (D*) are refused with a clear error."""
    import pandas as pd

    from neuropil.benchmarks import runner

    home = real_home("celegans-connectomes")
    field = sources.load_source("celegans:cook_2019", home=home)
    from neuropil import _store
    from neuropil.datasets.celegans_connectomes import SPEC

    edges = pd.read_parquet(_store.require_version(SPEC.id, SPEC.version, home) / "edges.parquet")
    chemical = edges[(edges["connectome"] == "cook_2019") & (edges["type"] == "chemical")]
    neurons = set(chemical["pre_index"]) | set(chemical["post_index"])
    assert field.n == len(neurons) and field.synapse_counts.sum() == chemical["weight"].sum()
    assert field.corr is None and not field.has_positions
    assert model.grid_distances(model.grid_shape(field.n)).shape[0] >= field.n
    for name, match in (("W*D*C", "Pearson x STTC"), ("WD*C", "positions")):
        with pytest.raises(InvalidArgumentError, match=match):
            model.train_variant(name, trials.trial_sets("t2", seed=0, train=32, valid=16, test=16), field, seed=0, epochs=1)
    result = runner.run("microns-bio-rnn-t2", "WDC*", seeds=1, quick=True, home=home,
                        config={"protocol": "corrected", "field": "celegans:cook_2019", "threads": 1})
    assert result["per_seed"][0]["info"]["units"] == field.n
    assert result["dataset"]["id"] == "celegans-connectomes"  # what the run read, not the task's default
    assert 0.0 <= result["summary"]["test"]["accuracy"]["mean"] <= 1.0


def test_the_tuned_corrected_lambda_reaches_the_penalty() -> None:
    """fit_predict passes the task to the penalty: the (task, variant) lambda of CORRECTED_LAMBDA
    is the one trained with; an explicit lambda wins; the reference protocol keeps 0.3."""
    rng = np.random.default_rng(1)
    n = 16
    corr = np.corrcoef(rng.standard_normal((n, 100)))
    sets = dict(trials.trial_sets("t3", seed=0, train=64, valid=32, test=32))
    sets["field"] = sources.Field("synthetic", rng.random((n, 3)) * 1e5, rng.integers(0, 2, (n, n)), corr, np.abs(corr))
    tuned = model.CORRECTED_LAMBDA[("t3", "W*D*C*")]
    assert tuned != model.DEFAULT_CORRECTED_LAMBDA
    for config, expected in (({"task": "t3"}, tuned), ({"task": "t1"}, model.CORRECTED_LAMBDA[("t1", "W*D*C*")]),
                             ({"task": "t3", "lambda": 0.5}, 0.5), ({"task": "t3", "protocol": "reference"}, 0.3)):
        _, info = task.fit_predict("W*D*C*", sets, seed=0, quick=True, config={**config, "graph_metrics": False})
        assert info["lambda"] == expected, config


def test_the_corrected_lambdas_are_the_argmax_of_the_stored_validation_table() -> None:
    """CORRECTED_LAMBDA holds, for every tuned (task, variant), the lambda with the best validation
    accuracy in docs/results/microns-bio-rnn-lambda-tuning.json (ties to the smaller lambda), recomputed
    here from the table's accuracies, so neither can change without the other."""
    import json

    table = json.loads((Path(__file__).resolve().parents[2] / "docs/results/microns-bio-rnn-lambda-tuning.json").read_text())
    assert {(row["task"], row["variant"]) for row in table} == set(model.CORRECTED_LAMBDA)
    for row in table:
        scores = {float(k): v for k, v in row["valid_accuracy"].items()}
        top = max(round(v, 4) for v in scores.values())
        best = min(s for s, v in scores.items() if round(v, 4) == top)
        assert model.CORRECTED_LAMBDA[(row["task"], row["variant"])] == best, row
