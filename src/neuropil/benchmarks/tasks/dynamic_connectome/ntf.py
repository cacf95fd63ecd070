"""Stage 2: masked non-negative CP decomposition (our HALS in NumPy float64; Cichocki & Phan 2009)
and the stability of a rank across random initializations.

* Masked objective ``||M * (X - [[A, B, C]])||^2``, solved exactly: every row of a factor gets its
  own Gram matrix, the mask reduced to the modes along which it varies (:class:`_Grams`).
* Three-way MTTKRPs take two BLAS products per iteration (:class:`_Mttkrp`); up to ``max_inner`` = 3
  HALS sweeps reuse one ("accelerated HALS", Gillis & Glineur 2012).
* Extrapolation ``F + beta (F - F_prev)``, projected on F >= 0, kept only when it lowers the
  objective; beta adapts as in Ang & Gillis 2019. It roughly halves the iterations here.
* Ridge ``l2 * sum_n ||F_n||^2`` on the data scaled to unit RMS (``l2`` has no units): a pair seen
  in fewer worms than there are components is not identifiable, and plain masked HALS inflates its
  row, so two seeds agree only at ~0.4 factor match. The benchmark's ``l2`` = 10 lifts stability to
  ~0.8-0.9 for < 0.2 % relative error (Dag2023, ranks 2-8); :func:`non_negative_cp` defaults to 0.
* Uniform random init rescaled to the least-squares optimal scale (``init="svd"``: non-negative SVD
  of each unfolding), column norms re-balanced every iteration; stop when the relative error
  ``||M*(X - X_hat)|| / ||M*X||`` moves by < ``tol`` (tensorly's criterion) or at ``max_iter``.
  BLAS runs on one thread (``threadpoolctl``): the same inputs and seed give the same bits on any
  machine, and the memory-bound products gain nothing from threads on shared cores.
* Rank: chosen by masked cross-validation in :mod:`.rank`; :func:`fit_ensemble` fits one rank from
  ``n_seeds`` random initializations and measures its stability (mean factor match score of the other
  fits against the best; Williams et al. 2018: components paired by the Hungarian algorithm on the
  product of per-mode cosines).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import numpy as np

from neuropil.errors import InvalidArgumentError

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


def seed_for(seed: int, rank: int, k: int) -> int:
    """The k-th initialization seed of a rank, derived from the run seed (independent streams)."""
    return int(np.random.SeedSequence([int(seed), int(rank), int(k)]).generate_state(1)[0])


def fit_ensemble(tensor, rank: int, *, mask=None, seed: int = 0, n_seeds: int = 10, **options) -> dict[str, Any]:
    """``n_seeds`` fits from different random initializations; the best (lowest error) and the
    stability of the others against it."""
    fits = [non_negative_cp(tensor, rank, mask=mask, seed=seed_for(seed, rank, k), **options) for k in range(n_seeds)]
    errors = [e for _, e in fits]
    best = int(np.argmin(errors))
    scores = [factor_match_score(fits[best][0], cp)[0] for k, (cp, _) in enumerate(fits) if k != best]
    return {"rank": rank, "best": fits[best][0], "error": float(errors[best]), "errors": [float(e) for e in errors],
            "stability": float(np.mean(scores)) if scores else 1.0, "scores": [float(s) for s in scores]}
