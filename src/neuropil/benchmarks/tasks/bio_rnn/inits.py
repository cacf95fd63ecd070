"""Initial recurrent matrices U: orthogonal (W), bio (W*) and its controls (W!, W~, W^, W%)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from neuropil.benchmarks.tasks.bio_rnn.sources import Field, other_field
from neuropil.errors import InvalidArgumentError

if TYPE_CHECKING:
    from neuropil.benchmarks.tasks.bio_rnn.model import Variant


def min_max(values: np.ndarray) -> np.ndarray:
    low, high = float(np.min(values)), float(np.max(values))
    return np.ones_like(values, dtype=np.float64) if high == low else (values - low) / (high - low)


def spectral_radius(matrix: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


#: W*'s spectral radius (W~, W% and W^ match it; I takes it)
BIO_RADIUS = 0.95


def bio_weights(corr: np.ndarray, sttc: np.ndarray, *, rng: np.random.Generator, mean: float = 0.1,
                floor: float = 0.01, radius: float = BIO_RADIUS) -> np.ndarray:
    """W*: ``LogNormal(-0.5, 0.5) * minmax(corr) * minmax(STTC)``, scaled to ``mean``, non-zero entries
    floored at ``floor``, then scaled to spectral radius ``radius`` (the last step changes the mean:
    the returned matrix has mean ``mean * radius / rho`` and its non-zeros are >= that factor x floor)."""
    if corr.shape != sttc.shape or corr.ndim != 2 or corr.shape[0] != corr.shape[1]:
        raise InvalidArgumentError(f"corr {corr.shape} and sttc {sttc.shape} must be the same N x N.")
    weights = rng.lognormal(-0.5, 0.5, size=corr.shape) * min_max(corr) * min_max(sttc)
    current = weights.mean()
    weights = weights * (mean / current if current > 0 else 1.0)
    weights = np.maximum(weights, floor * (weights != 0))
    rho = spectral_radius(weights)
    return weights * (radius / rho) if rho > 0 else weights


def permuted(weights: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
    """W!: rows and columns permuted by one random permutation (same graph, nodes relabelled)."""
    order = rng.permutation(weights.shape[0])
    return weights[np.ix_(order, order)]


def positive_random_like(weights: np.ndarray, *, rng: np.random.Generator, iterations: int = 25) -> np.ndarray:
    """A positive random matrix with the mean and spectral radius of ``weights`` (the W~ control).

    A flat positive i.i.d. matrix has Perron root ~ N x mean, while W* (bio) has ~1.44 x that (its
    structure: heavy diagonal, uneven row sums), so an i.i.d. matrix cannot match both. The control is
    ``R_ij = e_ij u_i u_j`` with ``e`` i.i.d. LogNormal(-0.5, 0.5) and node gains ``u`` i.i.d.
    LogNormal(0, sigma) (no MICrONS data in it): ``rho / (N mean)`` grows with sigma, so bisection on
    sigma matches the ratio of ``weights``, and a final scale matches the radius (then the mean too,
    to 1e-3 relative)."""
    n = weights.shape[0]
    target_mean, target_radius = float(weights.mean()), spectral_radius(weights)
    target_ratio = target_radius / (n * target_mean)
    noise = rng.lognormal(-0.5, 0.5, size=(n, n))
    gains = rng.standard_normal(n)

    def build(sigma: float) -> np.ndarray:
        u = np.exp(sigma * gains)
        return noise * u[:, None] * u[None, :]

    low, high = 0.0, 3.0
    for _ in range(iterations):
        sigma = (low + high) / 2
        candidate = build(sigma)
        ratio = spectral_radius(candidate) / (n * candidate.mean())
        low, high = (sigma, high) if ratio < target_ratio else (low, sigma)
    candidate = build((low + high) / 2)
    return candidate * (target_radius / spectral_radius(candidate))


def offdiagonal_shuffled(weights: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
    """The W% control: W*'s diagonal kept (self-weights: minmax(corr) = minmax(STTC) = 1 there, ~40 % of
    W*'s mass on 6_6_2), its off-diagonal values shuffled over the off-diagonal positions (no MICrONS
    pairwise structure left), then rescaled to W*'s spectral radius."""
    result = weights.copy()
    off = ~np.eye(weights.shape[0], dtype=bool)
    result[off] = rng.permutation(weights[off])
    rho = spectral_radius(result)
    return result * (spectral_radius(weights) / rho) if rho > 0 else result


def orthogonal(n: int, *, rng: np.random.Generator) -> np.ndarray:
    """Keras ``Orthogonal(gain=1)``: Q of the QR of a standard normal matrix, signs fixed by diag(R)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))[None, :]



def scaled_identity(n: int, *, radius: float = BIO_RADIUS) -> np.ndarray:
    """I: ``radius`` x the identity (an IRNN start, Le et al. 2015), its spectral radius W*'s."""
    return radius * np.eye(n)


def diagonal_only(weights: np.ndarray) -> np.ndarray:
    """diag(W*): the self-weights of ``weights``, every off-diagonal entry 0."""
    return np.diag(np.diag(weights))


def initial_recurrent(variant: Variant, source: Field, *, seed: int, home: Any = None) -> np.ndarray:
    rng = np.random.default_rng([seed, 1])
    if variant.init == "orthogonal":
        return orthogonal(source.n, rng=rng)
    if variant.init == "identity":
        return scaled_identity(source.n)
    if source.corr is None or source.sttc is None:
        raise InvalidArgumentError(
            f"{variant.name} starts from W* (Pearson x STTC activity matrices), which {source.name!r} does not have "
            "(only the session-6 MICrONS fields do; a C. elegans connectome gives structure only: use W, WD, WDC, "
            "WDC*, I).")
    if variant.init == "other_field":
        donor = other_field(source, seed=seed, home=home)
        return bio_weights(donor.corr, donor.sttc, rng=rng)
    weights = bio_weights(source.corr, source.sttc, rng=rng)
    if variant.init == "permuted":
        return permuted(weights, rng=np.random.default_rng([seed, 2]))
    if variant.init == "random_positive":
        return positive_random_like(weights, rng=np.random.default_rng([seed, 3]))
    if variant.init == "offdiag_shuffled":
        return offdiagonal_shuffled(weights, rng=np.random.default_rng([seed, 5]))
    if variant.init == "bio_diagonal":
        return diagonal_only(weights)
    return weights

