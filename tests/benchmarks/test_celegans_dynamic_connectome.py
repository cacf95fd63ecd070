"""celegans-dynamic-connectome: NTF recovery of planted factors, the differential-affinity kernel,
ROC-AUC and NMI against hand-computed cases, the community step, and the quick run on Dag2023."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from neuropil.benchmarks.tasks.dynamic_connectome import affinity, communities, ntf, task
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
    assert task.roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)
    assert task.roc_auc([1, 1, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.5)            # ties count one half
    assert task.roc_auc([0.2, 0.3, 0.9], [0, 0, 1]) == 1.0
    assert task.roc_auc([0.9, 0.3, 0.2], [0, 0, 1]) == 0.0
    assert math.isnan(task.roc_auc([0.1, 0.2], [1, 1]))


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


def test_rank_selection_prefers_the_planted_rank() -> None:
    _, x = planted(shape=(40, 20, 6), rank=3, seed=11)
    x = x + 0.02 * x.std() * np.abs(np.random.default_rng(0).standard_normal(x.shape))
    chosen = ntf.select_rank(x, ranks=(2, 3, 4), n_seeds=3, tol=1e-7, max_iter=1000)
    assert chosen["rank"] == 3
    curve = {c["rank"]: c for c in chosen["curve"]}
    assert curve[3]["stability"] > 0.95 and curve[3]["error"] < curve[2]["error"]


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
    start = time.perf_counter()
    result = task.run(home=bench_home, seed=0, quick=True)
    elapsed = time.perf_counter() - start
    assert elapsed < 60, elapsed
    metrics = result["metrics"]
    for name in ("relative_error", "stability", "anatomical_auc_mean", "anatomical_auc_max",
                 "anatomical_auc_static", "modularity_mean", "lfr_nmi"):
        assert math.isfinite(metrics[name]), name
    assert 0 < metrics["relative_error"] < 1 and 0 <= metrics["stability"] <= 1
    assert 0 <= metrics["anatomical_auc_mean"] <= 1 and metrics["modularity_mean"] > 0
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
                "rank_selection", "neurons", "worms"):
        assert key in artifacts, key
    assert len(artifacts["communities"]) == int(result["summary"]["test"]["rank"]["mean"])
    png = tmp_path / "components.png"
    assert main(["--home", str(bench_home), "-q", "bench", "plot", str(out), "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
