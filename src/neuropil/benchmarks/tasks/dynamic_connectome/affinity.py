"""Stage 1: the differential-affinity tensor of the ``celegans-activity`` traces (z-scored, canonical
axis, dt = 1/3 s, one recording per worm), read through :mod:`neuropil.loaders`.

* Changes, not levels: each trace is differentiated by a derivative-of-Gaussian filter (``sigma_s``
  = 1 s, which suppresses the frame-to-frame noise a plain first difference amplifies), then
  divided by its own RMS, so every neuron's rate of change is in the same units.
* Differential affinity of two neurons in a window: the weighted-Jaccard (Ruzicka) similarity of
  their rising ``max(d, 0)`` and falling ``max(-d, 0)`` parts::

      a_ij = (S_i + S_j - L_ij) / (S_i + S_j + L_ij),   S_i = sum_t |d_i|,  L_ij = sum_t |d_i - d_j|

  (the two parts never overlap). Symmetric, in [0, 1], 1 exactly when the traces change
  identically (equal up to an offset), 0 when they always change in opposite directions, ~0.17
  for independent noise; shared events dominate the quiet baseline. Two flat traces (0/0) get 0.
  Sums run over the jointly observed samples; an entry with fewer than ``min_observed`` (50 %)
  of them is missing.
* Windows: ``window_s`` = 30 s (90 samples) sliding by ``step_s`` = 10 s, as many in every worm as
  the shortest recording allows, so window k covers the same experimental time in every worm.
* Neurons: ``"union"`` (default; labelled in at least one worm, pairs missing in a worm are masked,
  never zero-filled or imputed) or ``"common"`` (labelled in every worm; Dag2023: 141 and 39).
* Tensor: (neuron pairs i < j in ``numpy.triu_indices`` order, windows, worms).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuropil.errors import InvalidArgumentError

DT = 1.0 / 3.0  # the celegans-activity grid step (s)
NEURON_SETS = ("union", "common")


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
    from neuropil.loaders import load

    table = load("celegans-activity", table="recordings", format="pandas", home=home)
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
    from neuropil.loaders.celegans_activity import CANONICAL_LABELS, canonical_arrays

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
