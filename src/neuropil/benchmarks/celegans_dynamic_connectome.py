"""``celegans-dynamic-connectome``: time-localized functional communities of C. elegans neurons by
non-negative tensor factorization (after Dyballa, Lang, Haslund-Gourley, Yemini & Zucker, "Learning
dynamic representations of the functional connectome in neurobiological networks", ICLR 2024).

The pipeline has the paper's three stages; every choice below is ours where the paper leaves room,
and is recorded in ``run()["config"]``.

1. Affinities (:func:`affinity_tensor`)
   Traces are the z-scored, canonical-axis arrays of ``celegans-activity`` (dt = 1/3 s;
   :func:`neuropil.loaders.celegans_activity.canonical_arrays`), one recording per worm.

   * *Changes, not levels.* Each trace is differentiated with a derivative-of-Gaussian filter
     (``sigma_s`` = 1 s, i.e. a first difference smoothed over ~3 samples, which suppresses the
     frame-to-frame noise that a raw first difference amplifies), then divided by its own RMS over
     the recording, so that every neuron's rate of change is in the same units and "magnitude
     agreement" compares like with like.
   * *Differential affinity.* In a window, split each derivative ``d_i(t)`` into its rising part
     ``max(d, 0)`` and its falling part ``max(-d, 0)`` and take the weighted-Jaccard (Ruzicka)
     similarity of the two neurons' split vectors::

         a_ij = sum_t [min(d_i+, d_j+) + min(d_i-, d_j-)] / sum_t [max(d_i+, d_j+) + max(d_i-, d_j-)]
              = (S_i + S_j - L_ij) / (S_i + S_j + L_ij),   S_i = sum_t |d_i|,  L_ij = sum_t |d_i - d_j|

     (the identity holds because the two parts never overlap). It is non-linear, symmetric, in
     [0, 1], equals 1 exactly when the two traces change identically (same sign *and* magnitude at
     every sample, i.e. identical up to an offset), 0 when they always change in opposite
     directions, and ~0.17 for independent noise. Moments of large co-change dominate the sums, so a
     window's affinity is driven by shared events rather than by the quiet baseline. A window where
     both traces are flat (0/0) has affinity 0 (no evidence of co-change). Sums run only over the
     samples where both neurons are observed; a (pair, window, worm) entry with fewer than
     ``min_observed`` (50 %) jointly observed samples is *missing*.
   * *Windows.* ``window_s`` = 30 s (90 samples: enough for a stable sum) sliding by ``step_s`` =
     10 s; all worms get the same number of windows (that of the shortest recording), so window k
     covers the same experimental time in every worm.
   * *Neurons.* ``"union"`` (default): every neuron labelled in at least one of the worms used; a
     pair is *missing* in a worm where either neuron is unlabelled, and the tensor comes with a
     boolean ``mask`` that the factorization honours exactly (missing entries carry no weight; they
     are neither zero-filled nor imputed). ``"common"``: only neurons labelled in every worm (a
     complete tensor, ``mask`` all True). Dag2023: 141 neurons in the union, 39 in common.
   * *Tensor.* ``(neuron pairs i < j, windows, worms)``, pairs in ``numpy.triu_indices`` order.

2. Non-negative CP (:func:`non_negative_cp`)
   Our own HALS (hierarchical alternating least squares; Cichocki & Phan 2009) in NumPy float64:
   block-coordinate descent, one factor column at a time.

   * *Masked objective, solved exactly.* With a mask the objective is
     ``||M * (X - [[A, B, C]])||^2`` (missing entries carry no weight; they are neither zero-filled
     into the fit nor imputed): every row of a factor gets its own Gram matrix
     ``sum_{observed} (b o c)(b o c)^T``, computed cheaply because the mask is reduced to the modes
     along which it varies (for the union tensor, pairs x worms) and contracted one mode at a time.
   * *Fast products.* For three-way tensors the MTTKRPs take two BLAS products per iteration with
     small outputs (``X_(0) (B kr C)``, then ``U = A^T X_(0)`` from which modes 1 and 2 follow).
     Up to ``max_inner`` = 3 HALS sweeps per mode reuse one MTTKRP ("accelerated HALS", Gillis &
     Glineur 2012; a sweep is repeated while it moves the factor by >= 10 % of the first one).
   * *Extrapolation.* After each outer iteration the factors are extrapolated along their last
     change, ``F + beta (F - F_prev)``, projected on F >= 0, and the step is kept only when it lowers
     the objective; beta adapts as in Ang & Gillis 2019 (HER: x1.05 on success, /1.5 on failure,
     capped by the last failing beta). It roughly halves the iterations on this tensor.
   * *Ridge (``l2``).* Optional ``l2 * sum_n ||F_n||^2`` on the data scaled to unit RMS over its
     observed entries (so ``l2`` has no units). Why: a pair observed in fewer worms than there are
     components is not identifiable (its row of the pair factor can trade weight between
     components at no cost, and plain masked HALS inflates such rows, so that two seeds agree only
     at ~0.4 factor match). ``run`` uses ``l2`` = 10: stability rises to ~0.8-0.9 at a cost of
     < 0.2 % in relative error (measured on Dag2023, ranks 2-8). :func:`non_negative_cp` defaults
     to ``l2`` = 0 (plain least squares).
   * *Init, scale, stop.* Uniform random factors from ``numpy.random.default_rng(seed)``, rescaled
     so the initial model has the least-squares optimal scale (``init="svd"``: non-negative SVD of
     each unfolding, as in tensorly's default). Column norms are re-balanced across modes after
     every iteration. It stops when the relative error ``||M*(X - X_hat)|| / ||M*X||`` changes by
     less than ``tol`` between iterations (tensorly's ``abs_rec_error`` criterion; ``run``: 1e-6)
     or after ``max_iter``. Factors come back with unit-norm columns, the scale in ``weights``,
     components sorted by weight.
   * *Determinism.* BLAS is pinned to one thread for the fit (``threadpoolctl``), so the same
     inputs and seed give the same bits on a machine whatever its core count (the products are
     memory-bound: the thread pool gained nothing, and on shared cores it was up to 10x slower).

3. Rank, stability (:func:`select_rank`, :func:`factor_match_score`)
   For each candidate rank (:data:`FULL`: 2-8 and 10; ``quick``: 3 and 5), ``n_seeds`` random
   initializations (10; ``quick``: 3) are fitted. The *error* of a rank is its best fit's relative
   error; its *stability* is the mean factor match score of every other fit against the best one
   (Williams et al. 2018, Neuron): components are paired by the Hungarian algorithm
   (``scipy.optimize.linear_sum_assignment``) on the congruence ``prod_modes cos(a_r, b_s)``
   (factors are non-negative, so cosines are in [0, 1]) and the score is the mean congruence of the
   matched pairs. The selected rank is the largest candidate whose stability is at least
   ``stability_threshold`` (0.8) *and* whose error is at least ``min_error_gain`` (0.005) below
   that of the previous candidate: more components only when they are reproducible and explain
   more; the smallest candidate is the fallback. The reported fit is the best seed of that rank.

4. Communities (:func:`louvain`)
   Each component's pair factor is an N x N symmetric affinity matrix (zero diagonal; pairs never
   co-observed are 0). Communities: ``networkx.community.louvain_communities`` on that weighted
   complete graph (weight = affinity, resolution 1, seed = the run seed); quality: weighted
   Newman modularity of the partition.

5. Metrics (:func:`run`)
   ``relative_error`` (masked, of the best fit at the selected rank); ``stability`` (its mean factor
   match score across seeds); ``anatomical_auc_mean`` / ``_max``: ROC-AUC (:func:`roc_auc`, ties
   counted half) of each component's pair affinities for predicting the pairs joined by a chemical
   or electrical edge of the ``consensus`` connectome (either direction, any ``n_reporting``), over
   the pairs co-observed in at least one worm; ``anatomical_auc_static``: the same for the
   time-and-worm-averaged affinity (the static reference a dynamic component is compared with);
   ``modularity_mean`` and ``communities_mean`` over components; ``lfr_nmi``: the community step
   alone on an LFR benchmark graph (:func:`lfr_nmi`) scored by NMI (:func:`nmi`) against the
   planted communities. LFR parameters (:data:`LFR_PARAMS`): n = 250, degree exponent 3,
   community-size exponent 1.5, mu = 0.2, mean degree 10 (max 50), communities of 20-100 nodes
   (networkx's generator realises a mixing ~0.08 above ``mu``: 0.28 here); the sampler's
   occasional give-ups are retried with derived seeds.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

import numpy as np

from neuropil.errors import InvalidArgumentError

TASK_ID = "celegans-dynamic-connectome"
DT = 1.0 / 3.0  # the celegans-activity grid step (s)
NEURON_SETS = ("union", "common")
EDGE_TYPES = ("chemical", "electrical")
LFR_PARAMS = {"n": 250, "tau1": 3.0, "tau2": 1.5, "mu": 0.2, "average_degree": 10, "max_degree": 50,
              "min_community": 20, "max_community": 100}
FULL = {"ranks": (2, 3, 4, 5, 6, 7, 8, 10), "n_seeds": 10}
QUICK = {"ranks": (3, 5), "n_seeds": 3}
L2 = 10.0  # ridge of the benchmark's fits (module docstring, step 2)


# --------------------------------------------------------------------------------------------------
# 1. affinities
# --------------------------------------------------------------------------------------------------

def derivative(values: np.ndarray, observed: np.ndarray, *, sigma_samples: float = 3.0) -> np.ndarray:
    """(T, N) rate of change of each trace: a derivative-of-Gaussian filter (``sigma_samples``; 0 ->
    plain first difference, padded with a zero row) over the trace with its unobserved samples
    linearly interpolated, divided by the RMS of the derivative over the observed samples (a
    neuron that never changes keeps zeros)."""
    from scipy.ndimage import gaussian_filter1d

    x = np.array(values, dtype=np.float64)
    observed = np.asarray(observed, dtype=bool) & np.isfinite(x)
    t = np.arange(x.shape[0])
    for j in range(x.shape[1]):
        good = observed[:, j]
        if good.all():
            continue
        x[:, j] = np.interp(t, t[good], x[good, j]) if good.any() else 0.0
    if sigma_samples > 0:
        d = gaussian_filter1d(x, sigma_samples, axis=0, order=1, mode="nearest")
    else:
        d = np.vstack([np.diff(x, axis=0), np.zeros((1, x.shape[1]))])
    counts = np.maximum(observed.sum(axis=0), 1)
    rms = np.sqrt((np.where(observed, d, 0.0) ** 2).sum(axis=0) / counts)
    return np.where(rms > 0, d / np.where(rms > 0, rms, 1.0), 0.0)


def differential_affinity(d: np.ndarray, observed: np.ndarray | None = None, *,
                          min_observed: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """The differential affinity of every pair of columns of ``d`` (W, N) over one window:
    ``(S_i + S_j - L_ij) / (S_i + S_j + L_ij)`` with ``S_i = sum |d_i|`` and ``L_ij = sum |d_i - d_j|``
    over the jointly observed samples (the weighted-Jaccard similarity of the rising and falling
    parts; see the module docstring). Returns ``(affinity (N, N) in [0, 1], valid (N, N) bool)``;
    ``valid`` is False where fewer than ``min_observed`` of the samples are jointly observed (the
    affinity is 0 there)."""
    d = np.asarray(d, dtype=np.float64)
    w, n = d.shape
    if observed is None:
        observed = np.ones((w, n), dtype=bool)
    o = np.asarray(observed, dtype=bool)
    d = np.where(o, d, 0.0)
    of = o.astype(np.float64)
    a = np.abs(d)
    s = a.T @ of                                 # s[i, j] = sum_t |d_i| o_i o_j
    total = s + s.T
    # L_ij over the jointly observed samples
    whole = o.all(axis=0) | ~o.any(axis=0)
    if whole.all():  # every neuron observed throughout the window or not at all: one C loop
        from scipy.spatial.distance import cdist

        dist = cdist(d.T, d.T, "cityblock")
    else:  # (W, N, N) in one go (W ~ 100, N ~ 150: a few MB)
        dist = (np.abs(d[:, :, None] - d[:, None, :]) * (o[:, :, None] & o[:, None, :])).sum(axis=0)
    den = total + dist
    aff = np.where(den > 0, (total - dist) / np.where(den > 0, den, 1.0), 0.0)
    aff = np.clip(aff, 0.0, 1.0)
    aff = 0.5 * (aff + aff.T)
    joint = of.T @ of
    valid = joint >= min_observed * w
    aff[~valid] = 0.0
    return aff, valid


def _recordings(home, source: str | None):
    import neuropil

    table = neuropil.load("celegans-activity", table="recordings", format="pandas", home=home)
    if source is not None and source != "all":
        table = table[table["study"] == source]
    if table.empty:
        raise InvalidArgumentError(f"No celegans-activity recording of {source!r} is ingested; run "
                                   f"`neuropil ingest celegans-activity`.")
    return table.sort_values("recording").reset_index(drop=True)


def affinity_tensor(home=None, *, window_s: float = 30.0, step_s: float = 10.0, neurons: str = "union",
                    sigma_s: float = 1.0, min_observed: float = 0.5, source: str | None = "Dag2023",
                    dt: float = DT) -> dict[str, Any]:
    """The (neuron pairs, windows, worms) differential-affinity tensor of the ``source`` recordings.

    Returns a dict: ``tensor`` (P, K, W) float64 in [0, 1] (0 where missing), ``mask`` (P, K, W)
    bool (True = observed), ``neurons`` (names), ``neuron_index`` (canonical slots), ``pairs``
    (P, 2) positions into ``neurons`` (i < j), ``worms``, ``recordings``, ``window_start_s``,
    ``window_s``, ``step_s``, ``dt`` and the other parameters."""
    from neuropil.loaders.celegans_activity import canonical_arrays
    from neuropil.pipelines.celegans_names import CANONICAL_LABELS

    if neurons not in NEURON_SETS:
        raise InvalidArgumentError(f"neurons must be one of {NEURON_SETS}, got {neurons!r}.")
    width, step = int(round(window_s / dt)), int(round(step_s / dt))
    if width < 2 or step < 1:
        raise InvalidArgumentError(f"window_s ({window_s}) must span 2 samples and step_s ({step_s}) 1 sample "
                                   f"of dt = {dt:.4g} s.")
    table = _recordings(home, source)
    arrays = []
    for row in table.itertuples():
        values, observed = canonical_arrays(int(row.recording), home=home)
        # the ingest grid is arange(0, duration, dt): (T' - 1) dt <= duration < T' dt
        samples = values.shape[0]
        if samples != int(row.grid_timesteps) or abs((samples - 1) * dt - float(row.duration)) > 1.01 * dt:
            raise InvalidArgumentError(f"recording {row.recording} is not on a {dt:.4g} s grid "
                                       f"({values.shape[0]} samples over {row.duration:.1f} s); pass dt=.")
        arrays.append((values, observed & np.isfinite(values)))
    labelled = np.array([obs.any(axis=0) for _, obs in arrays])            # (worms, 300)
    keep = labelled.all(axis=0) if neurons == "common" else labelled.any(axis=0)
    index = np.flatnonzero(keep)
    n = len(index)
    if n < 2:
        raise InvalidArgumentError(f"fewer than 2 neurons are labelled in the {neurons} set of these worms.")
    length = min(values.shape[0] for values, _ in arrays)
    if length < width:
        raise InvalidArgumentError(f"recordings ({length} samples) are shorter than one window ({width}).")
    starts = np.arange(0, length - width + 1, step)
    iu, ju = np.triu_indices(n, k=1)
    tensor = np.zeros((len(iu), len(starts), len(arrays)))
    mask = np.zeros(tensor.shape, dtype=bool)
    position = -np.ones(n, dtype=np.int64)
    for w, (values, observed) in enumerate(arrays):
        cols = np.flatnonzero(labelled[w, index])            # this worm's neurons, positions in `index`
        v, o = values[:length, index[cols]], observed[:length, index[cols]]
        d = derivative(v, o, sigma_samples=sigma_s / dt)
        position[:] = -1
        position[cols] = np.arange(len(cols))
        pi, pj = position[iu], position[ju]
        here = (pi >= 0) & (pj >= 0)                         # pairs with both neurons in this worm
        for k, start in enumerate(starts):
            aff, valid = differential_affinity(d[start:start + width], o[start:start + width],
                                               min_observed=min_observed)
            tensor[here, k, w] = aff[pi[here], pj[here]]
            mask[here, k, w] = valid[pi[here], pj[here]]
    return {
        "tensor": tensor, "mask": mask,
        "neurons": [CANONICAL_LABELS[i] for i in index], "neuron_index": index.tolist(),
        "pairs": np.stack([iu, ju], axis=1),
        "worms": table["worm"].astype(str).tolist(), "recordings": table["recording"].astype(int).tolist(),
        "window_start_s": (starts * dt).tolist(), "window_s": width * dt, "step_s": step * dt, "dt": dt,
        "neuron_set": neurons, "sigma_s": sigma_s, "min_observed": min_observed, "source": source,
    }


def pair_matrix(values: np.ndarray, pairs: np.ndarray, n: int) -> np.ndarray:
    """Pair values (P,) -> a symmetric (n, n) matrix with a zero diagonal."""
    out = np.zeros((n, n))
    out[pairs[:, 0], pairs[:, 1]] = values
    out[pairs[:, 1], pairs[:, 0]] = values
    return out


# --------------------------------------------------------------------------------------------------
# 2. non-negative CP (masked HALS)
# --------------------------------------------------------------------------------------------------

def khatri_rao(matrices: list[np.ndarray]) -> np.ndarray:
    """Column-wise Kronecker product, the last matrix's row index varying fastest (C order)."""
    out = matrices[0]
    for m in matrices[1:]:
        out = (out[:, None, :] * m[None, :, :]).reshape(-1, out.shape[1])
    return out


def cp_to_tensor(weights: np.ndarray, factors: list[np.ndarray]) -> np.ndarray:
    """The full tensor of a CP model."""
    shape = [f.shape[0] for f in factors]
    return ((factors[0] * weights) @ khatri_rao(factors[1:]).T).reshape(shape)


def relative_error(tensor: np.ndarray, cp: tuple[np.ndarray, list[np.ndarray]],
                   mask: np.ndarray | None = None) -> float:
    """``||M * (X - X_hat)|| / ||M * X||`` (M = 1 without a mask)."""
    x = np.asarray(tensor, dtype=np.float64)
    residual = x - cp_to_tensor(*cp)
    if mask is not None:
        m = np.broadcast_to(np.asarray(mask, dtype=bool), x.shape)
        residual, x = np.where(m, residual, 0.0), np.where(m, x, 0.0)
    return float(np.linalg.norm(residual) / max(np.linalg.norm(x), 1e-300))


class _Grams:
    """Gram matrices of the (masked) least-squares problem of each mode.

    Without a mask, mode n's Gram is the Hadamard product of the other factors' Grams, shared by
    all rows. With a mask, row i of mode n has ``G_i = sum_{j: M[i, j] = 1} k_j k_j^T`` (k_j the
    Khatri-Rao row of the other factors). The mask is reduced to the modes along which it varies
    ("essential" modes; the others enter through their ordinary Grams), and the sum over the
    essential modes is contracted one mode at a time, the largest first (a matrix product), so no
    (observed entries x R^2) array is ever formed."""

    def __init__(self, mask: np.ndarray | None, ndim: int):
        self.mask = mask
        self.essential: list[int] = []
        self.cache: dict[tuple[int, ...], np.ndarray] = {}  # partial contractions, by modes contracted
        if mask is None:
            return
        self.essential = [m for m in range(ndim) if mask.shape[m] > 1 and not (mask == mask.take([0], axis=m)).all()]
        reduced = mask[tuple(slice(None) if m in self.essential else slice(0, 1) for m in range(ndim))]
        self.reduced = reduced.reshape([mask.shape[m] for m in self.essential]).astype(np.float64)

    def invalidate(self, mode: int | None = None) -> None:
        """Forget the contractions that involve ``mode`` (every one when None): call it whenever
        that factor changes."""
        self.cache = {} if mode is None else {k: v for k, v in self.cache.items() if mode not in k}

    def __call__(self, n: int, factors: list[np.ndarray]) -> np.ndarray:
        rank = factors[0].shape[1]
        hadamard = np.ones((rank, rank))
        for m, f in enumerate(factors):
            if m != n and m not in self.essential:
                hadamard *= f.T @ f
        if self.mask is None:
            return hadamard
        axes = list(self.essential)
        state, paired = self.reduced, False  # paired: state has a trailing R*R axis
        done: tuple[int, ...] = ()
        for m in sorted((m for m in axes if m != n), key=lambda m: (-factors[m].shape[0], m)):
            done = done + (m,)
            position = axes.index(m)
            axes.remove(m)
            if done in self.cache:
                state, paired = self.cache[done], True
                continue
            outer = (factors[m][:, :, None] * factors[m][:, None, :]).reshape(-1, rank * rank)
            state = np.moveaxis(state, position, 0)
            if paired:
                state = np.einsum("i...k,ik->...k", state, outer)
            else:
                rest = state.shape[1:]
                state = (state.reshape(state.shape[0], -1).T @ outer).reshape(*rest, rank * rank)
                paired = True
            self.cache[done] = state
        if not paired:  # the mask varies along mode n only
            state = state[..., None] * np.ones(rank * rank)
        state = state.reshape(*state.shape[:-1], rank, rank) * hadamard
        if state.ndim == 3:  # per-row Grams, component-major (R, I, R) for the HALS sweeps
            state = np.ascontiguousarray(state.transpose(1, 0, 2))
        return state


class _Mttkrp:
    """Matricized-tensor-times-Khatri-Rao products. Three-way tensors (the common case) use two
    BLAS products per outer iteration with small outputs: ``X_(0) (B kr C)`` for mode 0, then
    ``U = A^T X_(0)`` (R x JK) from which modes 1 and 2 follow by cheap contractions (valid because
    A is updated before U is formed and U does not involve B or C). Other orders unfold."""

    def __init__(self, x: np.ndarray):
        self.shape = x.shape
        if x.ndim == 3:
            self.flat = x.reshape(x.shape[0], -1)
        else:
            self.unfoldings = [np.ascontiguousarray(np.moveaxis(x, n, 0).reshape(x.shape[n], -1))
                               for n in range(x.ndim)]
        self.u = None

    def __call__(self, n: int, factors: list[np.ndarray], *, reuse: bool = True) -> np.ndarray:
        """Mode-n MTTKRP. For three modes, mode 2 reuses the ``U`` of the mode-1 call before it
        unless ``reuse`` is False (then mode 0's factor may have changed)."""
        if len(self.shape) != 3:
            return self.unfoldings[n] @ khatri_rao([factors[m] for m in range(len(factors)) if m != n])
        _, j, k = self.shape
        if n == 0:
            self.u = None
            return self.flat @ khatri_rao(factors[1:])
        if n == 1 or self.u is None or not reuse:
            self.u = (factors[0].T @ self.flat).reshape(-1, j, k)
        if n == 1:
            return np.einsum("rjk,kr->jr", self.u, factors[2])
        return np.einsum("rjk,jr->kr", self.u, factors[1])

    def unfolding(self, n: int) -> np.ndarray:
        if len(self.shape) != 3:
            return self.unfoldings[n]
        return np.moveaxis(self.flat.reshape(self.shape), n, 0).reshape(self.shape[n], -1)


def _hals_sweep(f: np.ndarray, mttkrp: np.ndarray, gram: np.ndarray, l2: float = 0.0) -> float:
    """One HALS pass over the columns of ``f`` (in place); returns the squared size of the change.
    ``gram`` is (R, R) shared by all rows, or (R, I, R) per row (component-major, so that the
    slice of one component is contiguous). Each column gets its exact non-negative coordinate
    update ``max(0, f_r + (M_r - F G_r - l2 f_r) / (G_rr + l2))``; a column whose Gram diagonal is
    0 (no data in any row) is left as it is."""
    change = 0.0
    if gram.ndim == 2:
        for r in range(f.shape[1]):
            g = gram[r, r] + l2
            if g <= 1e-300:
                continue
            old = f[:, r]
            step = mttkrp[:, r] - f @ gram[:, r]
            if l2:
                step -= l2 * old
            new = old + step / g
            np.maximum(new, 0.0, out=new)
            change += float(np.dot(new - old, new - old))
            f[:, r] = new
        return change
    diagonal = np.diagonal(gram, axis1=0, axis2=2).T + l2  # (R, I)
    for r in range(f.shape[1]):
        g = diagonal[r]
        old = f[:, r]
        step = mttkrp[:, r] - np.einsum("is,is->i", f, gram[r])
        if l2:
            step -= l2 * old
        empty = g <= 1e-300
        new = old + step / np.where(empty, 1.0, g)
        np.maximum(new, 0.0, out=new)
        if empty.any():
            new[empty] = old[empty]
        change += float(np.dot(new - old, new - old))
        f[:, r] = new
    return change


def _svd_init(unfoldings: list[np.ndarray], rank: int, rng: np.random.Generator) -> list[np.ndarray]:
    factors = []
    for u in unfoldings:
        rows = u.shape[0]
        if rows <= u.shape[1]:
            vals, vecs = np.linalg.eigh(u @ u.T)
            left = vecs[:, ::-1]
        else:
            vals, vecs = np.linalg.eigh(u.T @ u)
            vecs = vecs[:, ::-1][:, :rank]
            left = u @ vecs
        left = left[:, :rank]
        cols = []
        for r in range(left.shape[1]):
            v = left[:, r]
            pos, neg = np.maximum(v, 0), np.maximum(-v, 0)
            v = pos if (pos ** 2).sum() >= (neg ** 2).sum() else neg
            v = v / max(np.linalg.norm(v), 1e-300)
            cols.append(np.where(v > 0, v, v.mean() * 0.01 + 1e-12))
        f = np.stack(cols, axis=1) if cols else np.empty((rows, 0))
        if f.shape[1] < rank:
            f = np.hstack([f, rng.uniform(0, 1, (rows, rank - f.shape[1])) / np.sqrt(rows)])
        factors.append(f)
    return factors


@contextlib.contextmanager
def _single_thread_blas():
    """Run BLAS on one thread (``threadpoolctl`` when installed): the products here are
    memory-bound, so threads gain little, and a BLAS pool sharing busy cores can be 10x slower;
    one thread also makes the bits independent of the machine's core count."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def non_negative_cp(tensor: np.ndarray, rank: int, *, mask: np.ndarray | None = None, seed: int = 0,
                    max_iter: int = 500, tol: float = 1e-6, init: str = "random", max_inner: int = 3,
                    extrapolate: bool = True, l2: float = 0.0, return_info: bool = False):
    """Non-negative CP decomposition by (masked, accelerated) HALS; see the module docstring.

    Returns ``((weights (R,), [factor (I_n, R) with unit-norm columns, ...]), relative_error)``, the
    components sorted by decreasing weight; with ``return_info`` also a dict (iterations, errors,
    converged, seconds)."""
    with _single_thread_blas():
        return _non_negative_cp(tensor, rank, mask=mask, seed=seed, max_iter=max_iter, tol=tol, init=init,
                                max_inner=max_inner, extrapolate=extrapolate, l2=float(l2), return_info=return_info)


def _balance(factors: list[np.ndarray]) -> None:
    """Give every component the same column norm in every mode (in place; the model is unchanged)."""
    ndim = len(factors)
    norms = np.stack([np.linalg.norm(f, axis=0) for f in factors])
    alive = (norms > 0).all(axis=0)
    target = np.where(alive, np.prod(np.where(alive, norms, 1.0), axis=0) ** (1.0 / ndim), 1.0)
    for n in range(ndim):
        factors[n] *= np.where(alive, target / np.where(alive, norms[n], 1.0), 1.0)


def _non_negative_cp(tensor, rank, *, mask, seed, max_iter, tol, init, max_inner, extrapolate, l2, return_info):
    start_time = time.perf_counter()
    x = np.asarray(tensor, dtype=np.float64)
    rank = int(rank)
    if rank < 1:
        raise InvalidArgumentError(f"rank must be >= 1, got {rank}.")
    if x.ndim < 2:
        raise InvalidArgumentError(f"tensor must have at least 2 modes, got shape {x.shape}.")
    if init not in ("random", "svd"):
        raise InvalidArgumentError(f"init must be 'random' or 'svd', got {init!r}.")
    if mask is not None:
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), x.shape)
        if mask.all():
            mask = None
        else:
            x = np.where(mask, x, 0.0)
    if not np.isfinite(x).all():
        raise InvalidArgumentError("tensor has non-finite observed entries.")
    if (x < 0).any():
        raise InvalidArgumentError("tensor has negative entries; non-negative CP needs X >= 0.")
    ndim, shape = x.ndim, x.shape
    observed = x.size if mask is None else int(mask.sum())
    rms = float(np.sqrt((x ** 2).sum() / max(observed, 1)))
    if rms > 0:  # fit X / rms(observed X): the ridge weight l2 is then free of the data's units
        x = x / rms
    mttkrps = _Mttkrp(x)
    norm2 = float((x ** 2).sum())
    grams = _Grams(mask, ndim)
    rng = np.random.default_rng(seed)
    if init == "svd":
        factors = _svd_init([mttkrps.unfolding(n) for n in range(ndim)], rank, rng)
    else:
        factors = [rng.uniform(0.0, 1.0, (s, rank)) for s in shape]

    def inner_and_model(last_mttkrp, last_gram, f):
        inner = float((last_mttkrp * f).sum())
        if last_gram.ndim == 3:
            model2 = float(np.einsum("ir,ris,is->", f, last_gram, f))
        else:
            model2 = float(((f @ last_gram) * f).sum())
        return inner, model2

    def penalized(err, fs):
        return err * err * norm2 + (l2 * sum(float((f * f).sum()) for f in fs) if l2 else 0.0)

    # least-squares scale of the initial model
    last = ndim - 1
    inner, model2 = inner_and_model(mttkrps(last, factors, reuse=False), grams(last, factors), factors[last])
    grams.invalidate()
    scale = inner / model2 if model2 > 0 else 1.0
    if scale > 0:
        factors = [f * scale ** (1.0 / ndim) for f in factors]

    errors: list[float] = []
    converged = False
    iteration = 0
    beta, beta_max = 0.5, 1.0          # extrapolation (Ang & Gillis 2019, HER)
    anchor, anchor_objective = None, np.inf  # last accepted iterate (not extrapolated) and its objective
    accepted = rejected = 0
    for iteration in range(1, max_iter + 1):
        for n in range(ndim):
            mttkrp = mttkrps(n, factors)
            gram = grams(n, factors)
            first = _hals_sweep(factors[n], mttkrp, gram, l2)
            for _ in range(max_inner - 1):
                if _hals_sweep(factors[n], mttkrp, gram, l2) <= 0.01 * first:  # moved < 10 % of the first sweep
                    break
            grams.invalidate(n)
        inner, model2 = inner_and_model(mttkrp, gram, factors[last])
        error = float(np.sqrt(max(norm2 - 2 * inner + model2, 0.0) / max(norm2, 1e-300)))
        _balance(factors)
        grams.invalidate()
        if extrapolate:
            objective = penalized(error, factors)
            if anchor is not None and objective > anchor_objective:
                # the extrapolated start made things worse: restart from the last accepted iterate
                factors = [f.copy() for f in anchor]
                beta, beta_max = beta / 1.5, beta
                rejected += 1
                continue
            if anchor is not None:
                beta, beta_max = min(beta_max, 1.05 * beta), min(1.0, 1.01 * beta_max)
                accepted += 1
            previous, anchor, anchor_objective = anchor, [f.copy() for f in factors], objective
            if previous is not None:  # start the next iteration from the extrapolated point
                factors = [np.maximum(f + beta * (f - p), 0.0) for f, p in zip(factors, previous)]
        errors.append(error)
        if len(errors) > 1 and abs(errors[-2] - errors[-1]) < tol:
            converged = True
            break
    if extrapolate and anchor is not None:
        factors = anchor  # the last accepted iterate, not an extrapolated point
    weights = np.prod(np.stack([np.linalg.norm(f, axis=0) for f in factors]), axis=0)
    factors = [f / np.where(np.linalg.norm(f, axis=0) > 0, np.linalg.norm(f, axis=0), 1.0) for f in factors]
    order = np.argsort(-weights, kind="stable")
    weights, factors = weights[order], [f[:, order] for f in factors]
    error = relative_error(x, (weights, factors), mask)
    weights = weights * (rms if rms > 0 else 1.0)
    if return_info:
        return (weights, factors), error, {"iterations": iteration, "errors": errors, "converged": converged,
                                           "extrapolations": {"accepted": accepted, "rejected": rejected},
                                           "seconds": time.perf_counter() - start_time}
    return (weights, factors), error


# --------------------------------------------------------------------------------------------------
# 3. rank selection and stability
# --------------------------------------------------------------------------------------------------

def factor_match_score(cp_a, cp_b) -> tuple[float, np.ndarray]:
    """Mean congruence of two CP models' components after optimal one-to-one matching.

    Congruence of components r, s: the product over modes of the cosines of their factor columns.
    Matching: the Hungarian algorithm on that matrix. Returns ``(score, (R, 2) matched pairs)``."""
    from scipy.optimize import linear_sum_assignment

    (_, fa), (_, fb) = cp_a, cp_b
    congruence = np.ones((fa[0].shape[1], fb[0].shape[1]))
    for a, b in zip(fa, fb):
        na = a / np.maximum(np.linalg.norm(a, axis=0), 1e-300)
        nb = b / np.maximum(np.linalg.norm(b, axis=0), 1e-300)
        congruence *= na.T @ nb
    rows, cols = linear_sum_assignment(-congruence)
    return float(congruence[rows, cols].mean()), np.stack([rows, cols], axis=1)


def _seed(seed: int, rank: int, k: int) -> int:
    return int(np.random.SeedSequence([int(seed), int(rank), int(k)]).generate_state(1)[0])


def fit_ensemble(tensor, rank: int, *, mask=None, seed: int = 0, n_seeds: int = 10, **options) -> dict[str, Any]:
    """``n_seeds`` fits from different random initializations; the best (lowest error) and the
    stability of the others against it."""
    fits = [non_negative_cp(tensor, rank, mask=mask, seed=_seed(seed, rank, k), **options) for k in range(n_seeds)]
    errors = [e for _, e in fits]
    best = int(np.argmin(errors))
    scores = [factor_match_score(fits[best][0], cp)[0] for k, (cp, _) in enumerate(fits) if k != best]
    return {"rank": rank, "best": fits[best][0], "error": float(errors[best]), "errors": [float(e) for e in errors],
            "stability": float(np.mean(scores)) if scores else 1.0, "scores": [float(s) for s in scores]}


def select_rank(tensor, *, mask=None, ranks=FULL["ranks"], seed: int = 0, n_seeds: int = 10,
                stability_threshold: float = 0.8, min_error_gain: float = 0.005, **options) -> dict[str, Any]:
    """Fit every candidate rank (:func:`fit_ensemble`) and pick one (module docstring, step 3).
    Returns ``{"rank", "fits": {rank: ensemble}, "curve": [{rank, error, stability}, ...]}``."""
    fits = {int(r): fit_ensemble(tensor, int(r), mask=mask, seed=seed, n_seeds=n_seeds, **options)
            for r in sorted(ranks)}
    order = sorted(fits)
    chosen = order[0]
    for previous, r in zip(order, order[1:]):
        if fits[r]["stability"] >= stability_threshold and fits[previous]["error"] - fits[r]["error"] >= min_error_gain:
            chosen = r
    curve = [{"rank": r, "error": fits[r]["error"], "stability": fits[r]["stability"]} for r in order]
    return {"rank": chosen, "fits": fits, "curve": curve}


# --------------------------------------------------------------------------------------------------
# 4.-5. communities and scores
# --------------------------------------------------------------------------------------------------

def louvain(matrix: np.ndarray, *, seed: int = 0, resolution: float = 1.0) -> tuple[list[list[int]], float]:
    """Louvain communities of the weighted graph of a symmetric non-negative matrix (diagonal
    ignored) and their weighted modularity. Communities are sorted lists of node positions, sorted
    by size then first member."""
    import networkx as nx

    m = np.array(matrix, dtype=np.float64)
    np.fill_diagonal(m, 0.0)
    graph = nx.from_numpy_array(m)
    if graph.number_of_edges() == 0:
        return [[i] for i in range(len(m))], 0.0
    found = nx.community.louvain_communities(graph, weight="weight", resolution=resolution, seed=seed)
    communities = sorted((sorted(int(v) for v in c) for c in found), key=lambda c: (-len(c), c[0]))
    return communities, float(nx.community.modularity(graph, found, weight="weight", resolution=resolution))


def roc_auc(scores, labels) -> float:
    """Area under the ROC curve: the probability that a random positive scores above a random
    negative, ties counted one half (Mann-Whitney U / (n_pos n_neg)). NaN without both classes."""
    from scipy.stats import rankdata

    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels, dtype=bool).ravel()
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = rankdata(s)  # average ranks for ties
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def nmi(labels_a, labels_b) -> float:
    """Normalized mutual information of two partitions given as label sequences, arithmetic-mean
    normalization ``2 I(A; B) / (H(A) + H(B))`` (natural log; 1 when both are a single cluster)."""
    a = np.unique(np.asarray(labels_a), return_inverse=True)[1].ravel()
    b = np.unique(np.asarray(labels_b), return_inverse=True)[1].ravel()
    if a.shape != b.shape:
        raise InvalidArgumentError(f"label sequences differ in length: {a.size} vs {b.size}.")
    n = a.size
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1.0)
    p = table / n
    pa, pb = p.sum(axis=1), p.sum(axis=0)

    def entropy(q):
        q = q[q > 0]
        return float(-(q * np.log(q)).sum())

    ha, hb = entropy(pa), entropy(pb)
    if ha == 0 and hb == 0:
        return 1.0
    nz = p > 0
    mutual = float((p[nz] * np.log(p[nz] / np.outer(pa, pb)[nz])).sum())
    return float(max(0.0, 2 * mutual / (ha + hb)))


def lfr_graph(seed: int = 0, **params):
    """A ``networkx`` LFR benchmark graph (parameters :data:`LFR_PARAMS`, overridable). LFR's
    sampler sometimes gives up for a seed; we then retry with the seeds derived from
    ``SeedSequence([seed, attempt])`` (deterministic), at most 20 times."""
    from networkx.generators.community import LFR_benchmark_graph

    p = {**LFR_PARAMS, **params}
    n = p.pop("n")
    error = None
    for attempt in range(20):
        s = int(seed) if attempt == 0 else int(np.random.SeedSequence([int(seed), attempt]).generate_state(1)[0])
        try:
            return LFR_benchmark_graph(n, seed=s, **p)
        except Exception as caught:  # networkx.ExceededMaxIterations and friends
            error = caught
    raise RuntimeError(f"LFR generation failed for seed {seed}: {error}")


def lfr_nmi(seed: int = 0, **params) -> float:
    """The community step alone (:func:`louvain`, unit weights, the same seed) on an LFR benchmark
    graph, scored by :func:`nmi` against the planted communities."""
    import networkx as nx

    graph = lfr_graph(seed, **params)
    nodes = sorted(graph.nodes)
    planted = {}
    for v in nodes:
        key = min(graph.nodes[v]["community"])
        planted[v] = key
    matrix = nx.to_numpy_array(graph, nodelist=nodes, weight=None)
    communities, _ = louvain(matrix, seed=seed)
    found = np.empty(len(nodes), dtype=int)
    for label, members in enumerate(communities):
        found[members] = label
    return nmi([planted[v] for v in nodes], found)


def anatomical_adjacency(home, neuron_index, *, edge_types=EDGE_TYPES, min_reporting: int = 1) -> np.ndarray:
    """(N, N) bool: neurons joined by an edge of ``edge_types`` in the consensus connectome (either
    direction) reported by at least ``min_reporting`` connectomes; the diagonal is False."""
    import neuropil

    edges = neuropil.load("celegans-connectomes", connectome="consensus", format="pandas", home=home)
    edges = edges[edges["type"].isin(edge_types) & (edges["n_reporting"] >= min_reporting)]
    full = np.zeros((300, 300), dtype=bool)
    full[edges["pre_index"].to_numpy(int), edges["post_index"].to_numpy(int)] = True
    full |= full.T
    index = np.asarray(neuron_index, dtype=int)
    out = full[np.ix_(index, index)]
    np.fill_diagonal(out, False)
    return out


def _rounded(a, digits: int = 5):
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


def run(*, home=None, seed: int = 0, quick: bool = False, rank: int | None = None,
        window_s: float = 30.0, step_s: float = 10.0, neurons: str = "union", max_iter: int = 1000,
        tol: float = 1e-6, l2: float = L2) -> dict[str, Any]:
    """The benchmark: affinities -> rank selection -> NTF -> communities -> metrics.

    ``rank`` fixes the rank (its stability is still measured over the seeds); ``quick`` uses
    :data:`QUICK` (ranks 3 and 5, 3 seeds; ~20 s on 2 cores) instead of :data:`FULL` (8 ranks,
    10 seeds; several minutes). Returns ``{"metrics": {name: float}, "config": {...},
    "artifacts": {...}}``, all JSON-serialisable. Artifacts, per component r (sorted by weight):
    ``affinity[r]`` the N x N pair factor scaled to a maximum of 1, ``time_profiles[r]`` (one value
    per window, centred at ``window_centre_s``) and ``worm_loadings[r]`` (per worm, in ``worms``
    order) with unit norm, ``weights[r]``, ``communities[r]`` (lists of neuron names, largest
    first), ``modularity[r]``, ``anatomical_auc[r]``; plus ``neurons`` and ``rank_selection``
    (error and stability per candidate rank)."""
    plan = QUICK if quick else FULL
    data = affinity_tensor(home, window_s=window_s, step_s=step_s, neurons=neurons)
    x, mask, pairs = data["tensor"], data["mask"], data["pairs"]
    n = len(data["neurons"])
    options = {"max_iter": max_iter, "tol": tol, "l2": l2}
    if rank is None:
        selection = select_rank(x, mask=mask, ranks=plan["ranks"], seed=seed, n_seeds=plan["n_seeds"], **options)
        chosen = selection["fits"][selection["rank"]]
        curve = selection["curve"]
    else:
        chosen = fit_ensemble(x, int(rank), mask=mask, seed=seed, n_seeds=plan["n_seeds"], **options)
        curve = [{"rank": int(rank), "error": chosen["error"], "stability": chosen["stability"]}]
    weights, (pair_f, time_f, worm_f) = chosen["best"]

    adjacency = anatomical_adjacency(home, data["neuron_index"])
    labels = adjacency[pairs[:, 0], pairs[:, 1]]
    seen = mask.any(axis=(1, 2))
    counts = mask.sum(axis=(1, 2))
    static = np.where(counts > 0, x.sum(axis=(1, 2)) / np.maximum(counts, 1), 0.0)
    aucs, modularities, n_communities, communities, affinities = [], [], [], [], []
    for r in range(len(weights)):
        aucs.append(roc_auc(pair_f[seen, r], labels[seen]))
        matrix = pair_matrix(pair_f[:, r], pairs, n)
        found, q = louvain(matrix, seed=seed)
        modularities.append(q)
        n_communities.append(sum(len(c) > 1 for c in found))
        communities.append([[data["neurons"][i] for i in c] for c in found])
        affinities.append(_rounded(matrix / max(float(matrix.max()), 1e-300)))
    metrics = {
        "rank": float(len(weights)),
        "relative_error": chosen["error"],
        "stability": chosen["stability"],
        "anatomical_auc_mean": float(np.nanmean(aucs)),
        "anatomical_auc_max": float(np.nanmax(aucs)),
        "anatomical_auc_static": roc_auc(static[seen], labels[seen]),
        "modularity_mean": float(np.mean(modularities)),
        "communities_mean": float(np.mean(n_communities)),
        "lfr_nmi": lfr_nmi(seed),
    }
    window_centre = (np.asarray(data["window_start_s"]) + data["window_s"] / 2).tolist()
    config = {
        "task": TASK_ID, "seed": int(seed), "quick": bool(quick), "source": data["source"],
        "neurons": neurons, "window_s": data["window_s"], "step_s": data["step_s"], "sigma_s": data["sigma_s"],
        "min_observed": data["min_observed"], "dt": data["dt"], "affinity": "differential (weighted Jaccard of "
        "rising/falling derivative parts)", "rank": int(len(weights)), "rank_fixed": rank is not None,
        "candidate_ranks": [c["rank"] for c in curve], "n_seeds": plan["n_seeds"], "max_iter": max_iter, "tol": tol,
        "l2": l2, "init": "random", "max_inner": 3, "extrapolate": True,
        "stability_threshold": 0.8, "min_error_gain": 0.005, "louvain_resolution": 1.0,
        "anatomy": {"connectome": "consensus", "edge_types": list(EDGE_TYPES), "min_reporting": 1},
        "lfr": dict(LFR_PARAMS), "shape": list(x.shape), "observed_fraction": float(mask.mean()),
        "worms": data["worms"], "n_neurons": n, "n_pairs": int(len(pairs)),
    }
    artifacts = {
        "neurons": data["neurons"], "worms": data["worms"], "window_centre_s": window_centre,
        "weights": _rounded(weights), "time_profiles": _rounded(time_f.T), "worm_loadings": _rounded(worm_f.T),
        "affinity": affinities, "communities": communities, "modularity": _rounded(modularities),
        "anatomical_auc": _rounded(aucs), "rank_selection": [{k: float(v) for k, v in c.items()} for c in curve],
    }
    return {"metrics": {k: float(v) for k, v in metrics.items()}, "config": config, "artifacts": artifacts}


def plot(artifacts: dict[str, Any], path: str | os.PathLike[str]) -> str:
    """A PNG: per component, its affinity matrix (neurons ordered by community), its time profile
    and its worm loadings. Returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    affinities = artifacts["affinity"]
    rank = len(affinities)
    names = artifacts["neurons"]
    position = {name: i for i, name in enumerate(names)}
    fig, axes = plt.subplots(3, rank, figsize=(2.6 * rank + 0.6, 6.8), squeeze=False,
                             gridspec_kw={"height_ratios": [2.2, 1, 1]})
    times = artifacts.get("window_centre_s") or list(range(len(artifacts["time_profiles"][0])))
    for r in range(rank):
        matrix = np.asarray(affinities[r])
        order = [position[name] for community in artifacts["communities"][r] for name in community]
        ax = axes[0, r]
        ax.imshow(matrix[np.ix_(order, order)], cmap="magma", interpolation="nearest", aspect="auto")
        quality = f"\nQ = {artifacts['modularity'][r]:.2f}" if "modularity" in artifacts else ""
        ax.set_title(f"component {r + 1}{quality}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        axes[1, r].plot(times, artifacts["time_profiles"][r], color="C0", lw=1)
        axes[1, r].set_xlabel("time (s)", fontsize=7)
        axes[1, r].tick_params(labelsize=6)
        loadings = artifacts["worm_loadings"][r]
        axes[2, r].bar(range(len(loadings)), loadings, color="C1")
        axes[2, r].set_xlabel("worm", fontsize=7)
        axes[2, r].tick_params(labelsize=6)
    axes[1, 0].set_ylabel("time profile", fontsize=8)
    axes[2, 0].set_ylabel("worm loading", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)
