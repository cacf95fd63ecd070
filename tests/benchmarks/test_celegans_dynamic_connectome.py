"""celegans-dynamic-connectome: NTF recovery of planted factors, the cross-validated rank, the
differential-affinity kernel, ROC-AUC (plain, stratified, held-out component choice) and NMI against
hand-computed cases, the community step, and the quick run on Dag2023."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from neuropil.benchmarks.tasks.dynamic_connectome import affinity, anatomy, communities, ntf, rank, task
from neuropil.errors import InvalidArgumentError


def planted(shape=(60, 25, 8), rank=3, seed=7):
    """Non-negative factors with overlapping but distinct supports, and their tensor."""
    rng = np.random.default_rng(seed)
    factors = []
    for size in shape:
        f = rng.gamma(2.0, 1.0, (size, rank)) * (rng.uniform(size=(size, rank)) < 0.6)
        f[rng.integers(0, size, rank), np.arange(rank)] += 1.0  # no empty column
        factors.append(f)
    return factors, ntf.cp_to_tensor(np.ones(rank), factors)


def test_planted_factors_are_recovered() -> None:
    truth, x = planted()
    noisy = x + 0.01 * x.std() * np.abs(np.random.default_rng(1).standard_normal(x.shape))
    (weights, factors), error = ntf.non_negative_cp(noisy, 3, seed=0, tol=1e-9, max_iter=2000)
    score, matching = ntf.factor_match_score((np.ones(3), truth), (weights, factors))
    assert score > 0.95, score
    assert error < 0.05
    assert sorted(matching[:, 1].tolist()) == [0, 1, 2]
    assert np.all(np.diff(weights) <= 0) and all(np.allclose(np.linalg.norm(f, axis=0), 1) for f in factors)


def test_planted_factors_are_recovered_with_missing_entries() -> None:
    truth, x = planted(seed=3)
    rng = np.random.default_rng(2)
    mask = rng.uniform(size=x.shape) > 0.4                     # 40 % missing, scattered
    block = np.broadcast_to(rng.uniform(size=(x.shape[0], 1, x.shape[2])) > 0.4, x.shape)  # whole fibres
    for m in (mask, block):
        corrupted = np.where(m, x, 1e3)                        # what is missing must not matter
        (weights, factors), error = ntf.non_negative_cp(corrupted, 3, mask=m, seed=1, tol=1e-10, max_iter=3000)
        assert error < 1e-3
        assert ntf.factor_match_score((np.ones(3), truth), (weights, factors))[0] > 0.95
        assert ntf.relative_error(corrupted, (weights, factors), m) == pytest.approx(error)


def test_factorization_is_deterministic_per_seed() -> None:
    _, x = planted(shape=(30, 12, 5))
    a = ntf.non_negative_cp(x, 4, seed=5, max_iter=50)
    b = ntf.non_negative_cp(x, 4, seed=5, max_iter=50)
    assert a[1] == b[1]
    assert all(np.array_equal(fa, fb) for fa, fb in zip(a[0][1], b[0][1]))


def test_masked_grams_match_the_definition() -> None:
    rng = np.random.default_rng(0)
    factors = [rng.uniform(size=(s, 3)) for s in (9, 6, 4)]
    for mask in (rng.uniform(size=(9, 6, 4)) > 0.3, np.broadcast_to(rng.uniform(size=(9, 1, 4)) > 0.3, (9, 6, 4))):
        grams = ntf._Grams(mask, 3)
        for n in range(3):
            kr = ntf.khatri_rao([factors[m] for m in range(3) if m != n])
            w = np.moveaxis(mask, n, 0).reshape(mask.shape[n], -1).astype(float)
            want = np.einsum("ij,jr,js->irs", w, kr, kr)
            got = grams(n, factors)
            got = got.transpose(1, 0, 2) if got.ndim == 3 else np.broadcast_to(got, want.shape)
            np.testing.assert_allclose(got, want, atol=1e-12)


def test_bad_factorization_inputs() -> None:
    with pytest.raises(InvalidArgumentError):
        ntf.non_negative_cp(-np.ones((3, 3, 3)), 2)
    with pytest.raises(InvalidArgumentError):
        ntf.non_negative_cp(np.ones((3, 3, 3)), 0)


def test_differential_affinity_kernel() -> None:
    rng = np.random.default_rng(0)
    base = np.cumsum(rng.standard_normal((200, 1)), axis=0)
    traces = np.hstack([base, base + 5.0, 3 * base, -base, np.cumsum(rng.standard_normal((200, 2)), axis=0)])
    d = affinity.derivative(traces, np.ones_like(traces, dtype=bool))
    aff, valid = affinity.differential_affinity(d)
    assert valid.all()
    assert np.allclose(aff, aff.T) and (aff >= 0).all() and (aff <= 1).all()
    # identical changes (same trace, an offset copy, a scaled copy after per-neuron normalization): maximal
    assert aff[0, 1] == pytest.approx(1.0) and aff[0, 2] == pytest.approx(1.0)
    assert np.allclose(np.diag(aff), 1.0)
    # opposite changes at every sample: 0; unrelated random walks: in between
    assert aff[0, 3] == pytest.approx(0.0, abs=1e-12)
    assert 0.05 < aff[4, 5] < 0.5 and aff[0, 4] < 1


def test_differential_affinity_hand_computed() -> None:
    # d_i = (1, -1, 2), d_j = (1, 1, 1): rising parts (1, 0, 2) / (1, 1, 1), falling (0, 1, 0) / 0
    # sum of minima 1 + 0 + 1 = 2, of maxima 1 + 1 + 2 + 1 = 5  ->  2 / 5
    d = np.array([[1.0, 1.0], [-1.0, 1.0], [2.0, 1.0]])
    aff, _ = affinity.differential_affinity(d)
    assert aff[0, 1] == pytest.approx(0.4)
    # a neuron observed in 1 of 3 samples has too little overlap (min_observed 0.5) -> missing, 0
    observed = np.array([[True, True], [True, False], [True, False]])
    aff, valid = affinity.differential_affinity(d, observed)
    assert not valid[0, 1] and aff[0, 1] == 0.0 and valid[0, 0]
    # partially observed windows use only the jointly observed samples
    observed = np.array([[True, True], [True, True], [True, False]])
    aff, valid = affinity.differential_affinity(d, observed)
    assert valid[0, 1] and aff[0, 1] == pytest.approx((1 + 0) / (1 + 1 + 1))


def test_roc_auc_hand_computed() -> None:
    assert anatomy.roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)
    assert anatomy.roc_auc([1, 1, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.5)            # ties count one half
    assert anatomy.roc_auc([0.2, 0.3, 0.9], [0, 0, 1]) == 1.0
    assert anatomy.roc_auc([0.9, 0.3, 0.2], [0, 0, 1]) == 0.0
    assert math.isnan(anatomy.roc_auc([0.1, 0.2], [1, 1]))


def test_nmi_hand_computed() -> None:
    assert communities.nmi([0, 0, 1, 1], [5, 5, 2, 2]) == pytest.approx(1.0)                 # relabelled
    assert communities.nmi([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.0, abs=1e-12)      # independent
    # I = (2/3) ln 2, H(a) = ln 2, H(b) = ln 3: NMI = 2 I / (H(a) + H(b))
    want = 2 * (2 / 3) * math.log(2) / (math.log(2) + math.log(3))
    assert communities.nmi([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) == pytest.approx(want)
    assert communities.nmi([1, 1, 1], [0, 0, 0]) == 1.0


def test_louvain_finds_two_cliques_and_lfr_is_recovered() -> None:
    m = np.zeros((10, 10))
    m[:5, :5] = m[5:, 5:] = 1.0
    m[0, 5] = m[5, 0] = 0.1
    found, q = communities.louvain(m, seed=0)
    assert found == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    graph = nx.from_numpy_array(np.where(np.eye(10, dtype=bool), 0.0, m))
    assert q == pytest.approx(nx.community.modularity(graph, [set(c) for c in found], weight="weight"))
    score = communities.lfr_nmi(0)
    assert 0.8 < score <= 1.0
    assert communities.lfr_nmi(0) == score


def test_fibre_folds_hold_out_whole_fibres() -> None:
    rng = np.random.default_rng(0)
    mask = rng.uniform(size=(30, 8, 5)) > 0.3
    mask[3, :, 2] = False                                          # an unobserved fibre belongs to no fold
    folds, scored = rank.fibre_folds(mask, 4, seed=1)
    assert ((folds == -1) == ~mask).all() and (scored == mask).all()
    per_fibre = [set(folds[i, :, w][mask[i, :, w]]) for i in range(30) for w in range(5) if mask[i, :, w].any()]
    assert all(len(f) == 1 for f in per_fibre)                     # a fibre lies in exactly one fold
    sizes = np.bincount([f.pop() for f in per_fibre], minlength=4)
    assert sizes.max() - sizes.min() <= 1 and sizes.sum() == 149
    assert (rank.fibre_folds(mask, 4, seed=1)[0] == folds).all()
    with pytest.raises(InvalidArgumentError, match="n_folds"):
        rank.fibre_folds(mask, 1)


def test_fibre_folds_in_blocks_with_a_buffer() -> None:
    """Blocks of 4 windows: each block is one unit; with buffer 1 only the block's middle two windows
    are scored (the edge windows overlap the training neighbours)."""
    mask = np.ones((6, 10, 2), dtype=bool)
    folds, scored = rank.fibre_folds(mask, 3, block=4, buffer=1, seed=0)
    for i in range(6):
        for w in range(2):
            fibre = folds[i, :, w]
            assert len(set(fibre[:4])) == len(set(fibre[4:8])) == len(set(fibre[8:])) == 1
    # positions 0-3, 4-7, 8-9 (a short last block of 2 has no interior)
    assert scored[0, :, 0].tolist() == [False, True, True, False, False, True, True, False, False, False]
    with pytest.raises(InvalidArgumentError, match="block"):
        rank.fibre_folds(mask, 3, block=2, buffer=1)


def test_one_standard_error_rule_hand_computed() -> None:
    curve = [{"rank": 1, "cv_error": 0.50, "cv_se": 0.01}, {"rank": 2, "cv_error": 0.31, "cv_se": 0.02},
             {"rank": 3, "cv_error": 0.30, "cv_se": 0.02}, {"rank": 4, "cv_error": 0.33, "cv_se": 0.01}]
    assert rank.one_standard_error(curve) == 2                     # 0.31 <= 0.30 + 0.02
    curve[2]["cv_se"] = 0.005
    assert rank.one_standard_error(curve) == 3                     # 0.31 > 0.305


@pytest.mark.parametrize("planted_rank, block, buffer", [(2, None, 0), (3, None, 0), (4, None, 0), (3, 5, 1)])
def test_cross_validated_rank_recovers_the_planted_rank(planted_rank: int, block: int | None, buffer: int) -> None:
    """Noisy planted tensor, 30 % of the entries missing: held-out fibres (or blocks of them, the
    benchmark's scheme) pick the planted rank, while the in-sample error keeps falling past it (so it
    could not have chosen)."""
    _, x = planted(shape=(40, 20, 6), rank=planted_rank, seed=11)
    rng = np.random.default_rng(0)
    # multiplicative log-normal noise with mean 1: an additive non-negative noise would add a constant,
    # i.e. one more rank-1 component
    x = x * np.exp(0.2 * rng.standard_normal(x.shape) - 0.02)
    mask = rng.uniform(size=x.shape) > 0.3
    corrupted = np.where(mask, x, 1e3)                             # what is missing must not matter
    found = rank.cross_validated_rank(corrupted, mask=mask, ranks=range(1, 7), n_folds=4, block=block, buffer=buffer,
                                      seed=0, tol=1e-7, max_iter=1000, l2=0.1)
    assert found["rank"] == planted_rank, found["curve"]
    curve = {c["rank"]: c for c in found["curve"]}
    assert curve[6]["train_error"] < curve[planted_rank]["train_error"]
    assert curve[planted_rank]["cv_error"] < min(curve[planted_rank - 1]["cv_error"], curve[6]["cv_error"])
    assert all(len(c["fold_errors"]) == 4 for c in found["curve"])


def test_stratified_auc_hand_computed() -> None:
    # stratum 0: positives 0.9, 0.2; negative 0.5 -> AUC 1/2 over 2 pairs
    # stratum 1: positive 0.7; negatives 0.1, 0.8, 0.6 -> AUC 2/3 over 3 pairs
    scores = [0.9, 0.2, 0.5, 0.7, 0.1, 0.8, 0.6]
    labels = [1, 1, 0, 1, 0, 0, 0]
    strata = [0, 0, 0, 1, 1, 1, 1]
    assert anatomy.stratified_auc(scores, labels, strata) == pytest.approx((0.5 * 2 + (2 / 3) * 3) / 5)
    # a score that only tracks the stratum predicts nothing within strata
    counts = [3, 3, 3, 7, 7, 7, 7]
    assert anatomy.roc_auc(counts, [0, 0, 0, 1, 1, 1, 0]) > 0.8
    assert anatomy.stratified_auc(counts, [0, 0, 0, 1, 1, 1, 0], [0, 0, 0, 1, 1, 1, 1]) == pytest.approx(0.5)
    assert math.isnan(anatomy.stratified_auc([1, 2], [1, 0], [0, 1]))   # no stratum with both classes


def test_component_is_chosen_on_one_half_and_scored_on_the_other() -> None:
    labels = np.array([1, 1, 0, 0, 1, 1, 0, 0], dtype=bool)
    choose, score = np.arange(4), np.arange(4, 8)
    components = np.array([
        # component 0: perfect on the choosing half, inverted on the scoring half
        [0.9, 0.8, 0.1, 0.2, 0.1, 0.3, 0.8, 0.2],
        # component 1: worse on the choosing half, perfect on the scoring half
        [0.5, 0.1, 0.4, 0.2, 0.9, 0.8, 0.1, 0.2],
    ]).T
    chosen, auc = anatomy.select_on_half(components, labels, choose, score)
    # picked on the choosing half (AUC 1 vs 0.5), reported on the scoring half: positives 0.1, 0.3 vs
    # negatives 0.8, 0.2 -> 1 win of 4; component 1 would have scored 1.0 there
    assert chosen == 0 and auc == pytest.approx(0.25)
    assert anatomy.select_on_half(components, labels, score, choose) == (1, pytest.approx(0.5))


def test_heldout_choice_does_not_inherit_selection_bias() -> None:
    """Among 40 noise components the one best on the labels looks predictive; chosen on held-out
    halves it scores like noise, and a real signal is still found."""
    rng = np.random.default_rng(5)
    labels = rng.uniform(size=200) < 0.3
    noise = rng.uniform(size=(200, 40))
    best_on_labels = max(anatomy.roc_auc(noise[:, r], labels) for r in range(40))
    held = anatomy.heldout_component_auc(noise, labels, np.arange(200), seed=0)
    assert best_on_labels > 0.57 and abs(held["auc"] - 0.5) < 0.08 and held["auc"] < best_on_labels - 0.03
    signal = np.hstack([noise, (labels + rng.normal(0, 0.8, 200))[:, None]])
    found = anatomy.heldout_component_auc(signal, labels, np.arange(200), seed=0)
    assert found["chosen"] == [40, 40] and found["auc"] > 0.7
    assert anatomy.heldout_component_auc(signal, labels, np.arange(200), seed=0) == found


def test_anatomical_comparison_sets_and_co_observation() -> None:
    """Co-observation alone: high AUC on the seen pairs when positives are seen in more worms, 0.5
    within strata; the pairs seen in all worms are exactly those with a full count."""
    rng = np.random.default_rng(2)
    n_pairs, windows, worms = 400, 5, 4
    n_worms = rng.integers(0, worms + 1, n_pairs)
    mask = np.zeros((n_pairs, windows, worms), dtype=bool)
    for p, k in enumerate(n_worms):
        mask[p, :, :k] = True
    labels = rng.uniform(size=n_pairs) < 0.1 + 0.15 * n_worms          # adjacency tracks co-observation
    count = mask.any(axis=1).sum(axis=1).astype(float)
    scores = {"static": count, "static_rank_matched": count + rng.uniform(0, 0.1, n_pairs),
              "reconstruction": labels + rng.normal(0, 0.5, n_pairs), "components": rng.uniform(size=(n_pairs, 3)),
              "co_observation": count}
    out = anatomy.compare(scores, labels, mask, seed=0)
    m = out["metrics"]
    assert m["anatomical_auc_co_observation"] == m["anatomical_auc_static"] > 0.6
    assert m["anatomical_auc_static_stratified"] == pytest.approx(0.5)
    assert m["anatomical_auc_static_all_worms"] == pytest.approx(0.5)
    assert m["anatomical_auc_reconstruction_stratified"] > 0.7
    assert out["pairs"]["all_worms"] == [int((n_worms == worms).sum()), int(labels[n_worms == worms].sum())]
    assert out["pairs"]["seen"][0] == int((n_worms > 0).sum())


def test_affinity_tensor_on_dag2023(bench_home: Path) -> None:
    common = affinity.affinity_tensor(bench_home, neurons="common")
    x, mask = common["tensor"], common["mask"]
    n = len(common["neurons"])
    assert x.shape == (n * (n - 1) // 2, len(common["window_start_s"]), 7) and mask.all()
    assert (x >= 0).all() and (x <= 1).all()
    assert common["window_s"] == pytest.approx(30.0) and common["step_s"] == pytest.approx(10.0)
    union = affinity.affinity_tensor(bench_home)
    assert len(union["neurons"]) > n and set(common["neurons"]) <= set(union["neurons"])
    assert 0 < union["mask"].mean() < 1
    with pytest.raises(InvalidArgumentError):
        affinity.affinity_tensor(bench_home, neurons="everything")


def test_quick_run_on_dag2023(bench_home: Path, tmp_path: Path) -> None:
    start = time.process_time()  # CPU time: the wall clock on shared cores measures the neighbours
    result = task.run(home=bench_home, seed=0, quick=True)
    elapsed = time.process_time() - start
    assert elapsed < 60, elapsed
    metrics = result["metrics"]
    for name in ("relative_error", "stability", "cv_error", "anatomical_auc_component_mean",
                 "anatomical_auc_component_heldout", "anatomical_auc_static",
                 "anatomical_auc_reconstruction_stratified",
                 "anatomical_auc_static_rank_matched_all_worms", "anatomical_auc_co_observation", "modularity_mean",
                 "lfr_nmi"):
        assert math.isfinite(metrics[name]), name
    assert 0 < metrics["relative_error"] < 1 and 0 <= metrics["stability"] <= 1
    assert 0 <= metrics["anatomical_auc_component_mean"] <= 1 and metrics["modularity_mean"] > 0
    # the co-observation count alone (no activity) gives the review's AUC 0.533 on Dag2023
    assert metrics["anatomical_auc_co_observation"] == pytest.approx(0.533, abs=0.001)
    selection = {c["rank"]: c for c in result["artifacts"]["rank_selection"]}
    assert sorted(selection) == [2, 4] and metrics["cv_error"] == selection[int(metrics["rank"])]["cv_error"]
    text = json.dumps(result)                                     # everything serialisable
    artifacts = json.loads(text)["artifacts"]
    rank = int(metrics["rank"])
    n = len(artifacts["neurons"])
    assert len(artifacts["time_profiles"]) == rank == len(artifacts["worm_loadings"]) == len(artifacts["affinity"])
    assert len(artifacts["affinity"][0]) == n and len(artifacts["worm_loadings"][0]) == 7
    assert sorted(sum(artifacts["communities"][0], [])) == sorted(artifacts["neurons"])
    path = task.plot(artifacts, tmp_path / "components.png")
    assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_worse_than_tensorly_on_the_same_tensor() -> None:
    """Peer check: tensorly's default ``non_negative_parafac`` on the same tensor and rank reaches no
    lower relative error than our HALS (perf/ntf.py times the two on Dag2023)."""
    tensorly = pytest.importorskip("tensorly")
    from tensorly.decomposition import non_negative_parafac

    tensorly.set_backend("numpy")
    _, x = planted(shape=(50, 20, 6), rank=4, seed=5)
    x = x + 0.05 * x.std() * np.abs(np.random.default_rng(3).standard_normal(x.shape))
    ours, error = ntf.non_negative_cp(x, 4, seed=0, tol=1e-6, max_iter=1000)
    theirs = non_negative_parafac(x, 4, tol=1e-6)
    their_error = ntf.relative_error(x, (np.asarray(theirs.weights), [np.asarray(f) for f in theirs.factors]))
    assert error <= their_error + 1e-9, (error, their_error)


def test_bench_run_writes_factors_communities_and_metrics(bench_home: Path, tmp_path: Path) -> None:
    from neuropil.benchmarks import results, runner
    from neuropil.cli import main

    out = tmp_path / "ntf.json"
    result = runner.run("celegans-dynamic-connectome", "ntf", seeds=1, quick=True, home=bench_home, out=out)
    stored = results.load(out)                                  # validated against the published schema
    assert stored["summary"]["test"]["stability"]["n"] == 1
    artifacts = stored["artifacts"]
    for key in ("time_profiles", "worm_loadings", "affinity", "communities", "modularity", "anatomical_auc",
                "rank_selection", "anatomy", "neurons", "worms"):
        assert key in artifacts, key
    assert len(artifacts["communities"]) == int(result["summary"]["test"]["rank"]["mean"])
    png = tmp_path / "components.png"
    assert main(["--home", str(bench_home), "-q", "bench", "plot", str(out), "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
