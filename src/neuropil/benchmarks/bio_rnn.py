"""``microns-bio-rnn-t1|t2|t3``: MICrONS structure and function as inductive biases of a ReLU RNN.

Port of Shakiba et al. 2026 ("Harnessing cortical geometry, wiring, and function as inductive biases
for recurrent neural networks", arXiv 2606.14975; reference: one TensorFlow notebook,
github neurovium/CorticalBlueprintRNN, MIT) to PyTorch, in two protocols.

=========  ==============================================  ======  =========  =======  ===========
task       trial (steps)                                   inputs  classes    T        trials
=========  ==============================================  ======  =========  =======  ===========
``t1``     goal 20 -> delay 10 -> choices 20 (8 mazes)     8       4          50       5120/2560/2560
``t2``     fixation 5 -> stimulus 20 -> delay 10 -> go 5   3       2          40       5120/2560/2560
``t3``     fixation 1 -> stimulus 30 -> delay 10 (PDM)     3       2          41       5120/2560/2560
=========  ==============================================  ======  =========  =======  ===========

Model: ``h_t = relu(x_t K + h_{t-1} U + b)`` with N units (N = the field's coregistered neurons, 312 on
6_6_2), Gaussian input noise 0.05 while training, a linear readout + softmax of the last state; Adam
(lr 1e-3), batch 128, 10 epochs over 5,120 training trials. ``U[i, j]`` is the weight from unit i to
unit j (the Keras orientation of the reference); :class:`BioRNN` runs on :class:`torch.nn.RNN` with
``weight_hh = U.T``.

Variants are named as in the paper: the initialisation (``W`` orthogonal, ``W*`` bio from the field's
Pearson and STTC matrices, ``W!`` W* with rows and columns permuted, and in this port ``W~`` a positive
random matrix with W*'s mean and spectral radius, ``W^`` W* built from another field, ``W%`` W* with its
diagonal kept and its off-diagonal values shuffled), then the
distance (``D`` grid 12 x 13 x 2, ``D*`` the neurons' positions), then ``C`` (the penalty is weighted by
the communicability of ``|U|``) or ``C*`` (the reference's ``WDC_EMD``: ``lambda sum |U| D`` plus
``0.1 * mean |sort(C_model) - sort(C_empirical)|``; no C factor, as in the notebook); a trailing ``+``
clamps ``U >= 0`` after every update (the notebook's ``sign_constraint``, the positive-only arm).

Protocols (``config["protocol"]``):

* ``reference``: the notebook, flaws included: positions loaded with ``reshape(3, -1)`` instead of a
  transpose (D* scrambled), then min-max normalised per row; D an integer grid (~12x D*'s scale); no
  lambda on the plain ``W`` penalty; C_empirical with epsilon 1e-10 on zero-strength rows; metric =
  final-epoch training accuracy (``train_accuracy``); the training set is fed in the same order every
  epoch. The held-out ``accuracy`` is reported next to it.
* ``corrected`` (default): true positions (nm), D and D* scaled to mean 1 off the diagonal, lambda on
  every penalty (per variant, :data:`CORRECTED_LAMBDA`, chosen on validation by :func:`tune_lambda`),
  zero-strength rows get no normalisation in C_empirical (pseudo-inverse), shuffled epochs; metrics
  on held-out test trials, plus learning speed (updates to reach 90 % of the final validation
  accuracy, on a 512-trial validation subset evaluated every 10 updates).

Communicability ``C = expm(S^-1/2 |U| S^-1/2)`` (zero diagonal; S = row sums of |U|) is recomputed at
every update, as in the reference, but with :func:`expm_taylor` (scaling and squaring + a Taylor
polynomial whose truncation error is below 2^-24 relative per block, see there) instead of a Padé
``expm`` with its 8x-costly autograd; ``perf/bio_rnn.py`` measures the step cost.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neuropil.errors import InvalidArgumentError, unknown_value

logger = logging.getLogger(__name__)

TASKS = ("t1", "t2", "t3")
PROTOCOLS = ("reference", "corrected")
#: published means over 20 runs (final-epoch training accuracy), Shakiba et al. 2026, field 6_6_2
PUBLISHED = {"W*D*C*": (0.985, 0.951, 0.880), "W*D*C": (0.917, 0.948, 0.865), "W": (0.625, 0.511, 0.500)}
VARIANTS = ("W*D*C", "WD*C", "WDC", "WD*", "WD", "W", "W*D*C*", "WD*C*", "W*DC*", "W!D*C", "W!D*C*")
#: the positive-only arm, this port's controls (corrected protocol) and WDC* (no activity, no positions: the
#: variant a C. elegans connectome can drive, C* from its synapse counts)
EXTRA_VARIANTS = ("W*D*C+", "W~D*C", "W^D*C", "W%D*C", "WDC*")
GRID = (12, 13, 2)
REFERENCE_LAMBDA = 0.3
EMD_STRENGTH = 0.1
INPUT_NOISE = 0.05
#: corrected protocol: lambda per (task, variant) (scale: D, D* of mean 1), from :func:`tune_lambda`
#: on validation accuracy: grid (0, 1e-5, 1e-4, 1e-3), tuning seed 100, data seed 0, ties -> the
#: smaller lambda; the validation table is docs/results/microns-bio-rnn-lambda-tuning.json (a test keeps
#: the two equal). Pairs not listed use ``DEFAULT_CORRECTED_LAMBDA``.
CORRECTED_LAMBDA: dict[tuple[str, str], float] = {
    ("t1", "W"): 0.0, ("t1", "W!D*C"): 0.0, ("t1", "W*D*C"): 1e-05, ("t1", "W*D*C*"): 0.0, ("t1", "W*DC*"): 0.0,
    ("t1", "W~D*C"): 0.0, ("t2", "W"): 0.0, ("t2", "W!D*C"): 0.0, ("t2", "W*D*C"): 0.0, ("t2", "W*D*C*"): 0.0,
    ("t2", "W*DC*"): 0.0, ("t2", "W~D*C"): 0.0, ("t3", "W"): 0.0, ("t3", "W!D*C"): 0.0, ("t3", "W*D*C"): 0.0,
    ("t3", "W*D*C*"): 0.001, ("t3", "W*DC*"): 0.001, ("t3", "W~D*C"): 0.0001,
    ("t1", "W^D*C"): 0.0, ("t2", "W^D*C"): 0.0, ("t3", "W^D*C"): 1e-05,
    ("t1", "W%D*C"): 0.0, ("t2", "W%D*C"): 0.0, ("t3", "W%D*C"): 1e-05,
}
DEFAULT_CORRECTED_LAMBDA = 1e-4
LAMBDA_GRID = (0.0, 1e-5, 1e-4, 1e-3, 1e-2)

EXPECTED_INPUT_FORMAT = (
    "==== Expected input format of Evaluator('microns-bio-rnn-t1|t2|t3')\n"
    "{'y_true': (n,) int class, 'y_prob': (n, C) float class scores (probabilities or logits)}\n"
    "optional scalars passed through as metrics: train_accuracy, updates_to_90, modularity,\n"
    "small_worldness, assortativity, weight_entropy, final_loss. numpy arrays or torch tensors."
)
PASS_THROUGH = ("train_accuracy", "updates_to_90", "modularity", "small_worldness", "assortativity",
                "weight_entropy", "final_loss", "initial_penalty")


# ----------------------------------------------------------------------------------------- tasks
#: T1: the 8 first-choice maze problems of the spatially-embedded RNN maze task (goal location,
#: choices offered, correct first step), as published with the seRNN maze task
MAZES = (  # (goal, choices, next step)
    (9, "ul", "u"), (9, "rd", "r"), (19, "ld", "d"), (17, "rd", "d"),
    (17, "ul", "l"), (7, "ur", "u"), (19, "lr", "r"), (7, "lr", "l"),
)
_GOAL_SLOT = {7: 0, 9: 1, 17: 2, 19: 3}
_DIRECTION = {"l": 0, "u": 1, "r": 2, "d": 3}
#: T3 coherence levels (%), dt (ms) and noise sigma of NeuroGym PerceptualDecisionMaking-v0
COHERENCES = (0.0, 6.4, 12.8, 25.6, 51.2)
PDM_DT_MS = 100
PDM_SIGMA = 1.0


@dataclass(frozen=True)
class TaskTiming:
    name: str
    steps: int
    inputs: int
    classes: int
    periods: tuple[tuple[str, int], ...]


TIMINGS = {
    "t1": TaskTiming("one-choice inference", 50, 8, 4, (("goal", 20), ("delay", 10), ("choices", 20))),
    "t2": TaskTiming("go/nogo", 40, 3, 2, (("fixation", 5), ("stimulus", 20), ("delay", 10), ("decision", 5))),
    "t3": TaskTiming("perceptual decision making", 41, 3, 2, (("fixation", 1), ("stimulus", 30), ("delay", 10))),
}


@dataclass
class Trials:
    """``x`` (n, T, inputs) float32, ``y`` (n,) int64 class; ``kind`` per trial (maze id, go/nogo,
    coherence index) for balance checks."""

    x: np.ndarray
    y: np.ndarray
    kind: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


def _check_task(task: str) -> str:
    if task not in TIMINGS:
        raise InvalidArgumentError(unknown_value(task, "task", TIMINGS))
    return task


def make_trials(task: str, n: int, *, seed: int) -> Trials:
    """``n`` trials of ``task`` from ``numpy.random.default_rng(seed)`` (trial types drawn uniformly,
    as the reference's ``randint`` / ``rng.choice``)."""
    _check_task(task)
    if n < 1:
        raise InvalidArgumentError(f"n must be >= 1 trials, got {n}.")
    rng = np.random.default_rng(seed)
    timing = TIMINGS[task]
    x = np.zeros((n, timing.steps, timing.inputs), dtype=np.float32)
    if task == "t1":
        kind = rng.integers(0, len(MAZES), n)
        y = np.empty(n, dtype=np.int64)
        for maze, (goal, choices, step) in enumerate(MAZES):
            rows = kind == maze
            x[rows, :20, _GOAL_SLOT[goal]] = 1.0
            for choice in choices:
                x[rows, 30:50, 4 + _DIRECTION[choice]] = 1.0
            y[rows] = _DIRECTION[step]
        return Trials(x, y, kind)
    if task == "t2":
        y = rng.integers(0, 2, n)  # 0: NoGo (stim0), 1: Go (stim1)
        x[:, :5, 0] = 1.0
        x[y == 0, 5:25, 1] = 1.0
        x[y == 1, 5:25, 2] = 1.0
        x[:, 25:35, 0] = 1.0
        return Trials(x, y.astype(np.int64), y.copy())
    coherence_index = rng.integers(0, len(COHERENCES), n)
    y = rng.integers(0, 2, n)
    theta = np.array([0.0, np.pi])  # a ring of 2 directions
    coherence = np.asarray(COHERENCES)[coherence_index]
    pattern = np.cos(theta[None, :] - theta[y][:, None]) * (coherence[:, None] / 200.0) + 0.5
    noise = rng.normal(0.0, PDM_SIGMA / np.sqrt(PDM_DT_MS), size=(n, 30, 2))
    x[:, :, 0] = 1.0  # fixation input on at all steps
    x[:, 1:31, 1:] = pattern[:, None, :] + noise
    return Trials(x, y.astype(np.int64), coherence_index)


def trial_sets(task: str, *, seed: int = 0, train: int = 5120, valid: int = 2560, test: int = 2560
               ) -> dict[str, Trials]:
    """Separate train / valid / test trial sets, each from its own seed stream (``seed``, part)."""
    return {part: make_trials(task, n, seed=int(np.random.SeedSequence([seed, index]).generate_state(1)[0]))
            for index, (part, n) in enumerate((("train", train), ("valid", valid), ("test", test)))}


# ---------------------------------------------------------------------------------- weights, distances
def min_max(values: np.ndarray) -> np.ndarray:
    low, high = float(np.min(values)), float(np.max(values))
    return np.ones_like(values, dtype=np.float64) if high == low else (values - low) / (high - low)


def spectral_radius(matrix: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def bio_weights(corr: np.ndarray, sttc: np.ndarray, *, rng: np.random.Generator, mean: float = 0.1,
                floor: float = 0.01, radius: float = 0.95) -> np.ndarray:
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


def grid_shape(n: int) -> tuple[int, int, int]:
    """The reference's (12, 13, 2) grid for its 312 units; for another N, two layers of a near-square
    a x b grid with 2ab >= N (the first N points of the meshgrid order are used)."""
    if n == int(np.prod(GRID)):
        return GRID
    a = max(1, math.ceil(math.sqrt(n / 2)))
    return (a, max(1, math.ceil(n / (2 * a))), 2)


def grid_distances(shape: tuple[int, int, int] = GRID) -> np.ndarray:
    """D: Euclidean distances of an integer grid (``np.meshgrid`` default 'xy' order, as the reference)."""
    from scipy.spatial.distance import pdist, squareform

    x, y, z = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), np.arange(shape[2]))
    return squareform(pdist(np.stack([x.ravel(), y.ravel(), z.ravel()], axis=1).astype(float)))


def reference_position_rows(positions_nm: np.ndarray) -> np.ndarray:
    """The reference's flawed loading: the (N, 3) voxel array (4 x 4 x 40 nm) reshaped to (3, N)
    instead of transposed, so each 'axis' row mixes x, y and z of different neurons."""
    voxels = np.rint(np.asarray(positions_nm, dtype=np.float64) / np.array([4.0, 4.0, 40.0])).astype(np.int64)
    return voxels.reshape(3, -1)


def position_distances(positions_nm: np.ndarray, *, protocol: str) -> np.ndarray:
    """D*: ``reference``: rows of :func:`reference_position_rows` min-max normalised each, distances of
    their columns; ``corrected``: Euclidean distances of the true positions (nm)."""
    from scipy.spatial.distance import pdist, squareform

    if protocol == "reference":
        rows = reference_position_rows(positions_nm).astype(np.float64)
        low, high = rows.min(axis=1, keepdims=True), rows.max(axis=1, keepdims=True)
        return squareform(pdist(((rows - low) / (high - low)).T))
    return squareform(pdist(np.asarray(positions_nm, dtype=np.float64)))


def unit_mean(distances: np.ndarray) -> np.ndarray:
    """Scaled so the mean off-diagonal distance is 1 (the corrected protocol's common scale)."""
    n = distances.shape[0]
    return distances / (distances.sum() / (n * (n - 1)))


# --------------------------------------------------------------------------------- communicability
def expm_taylor(matrix: Any, *, tolerance: float = 2.0 ** -24) -> Any:
    """``exp(A)`` of a square torch matrix, differentiable, by scaling and squaring + Taylor (Horner).

    With ``theta = ||A||_1``, ``s = max(0, ceil(log2(theta / 0.5)))`` halvings bring ``B = A / 2^s`` to
    ``||B||_1 <= 1/2``; the degree ``K`` is the smallest with ``||B||^(K+1) / (K+1)! * 2 <= tolerance``,
    a bound on the truncation error of ``exp(B)`` relative to ``||exp(B)|| >= e^-||B||`` (lower bound
    of the norm of an exponential; the factor 2 covers both and the tail). Squaring ``s`` times
    multiplies a relative error by about ``2^s``. ``A`` with non-negative entries (our use) keeps every
    term non-negative, so no cancellation. Costs ``K + s`` matrix products (K = 8, s <= 2 for the
    normalised |U| here) against Padé-13's ~6 + s plus a solve, and its autograd is plain matmuls
    (2 per product) where ``torch.linalg.matrix_exp``'s backward exponentiates a 2N x 2N block.
    """
    import torch

    with torch.no_grad():
        theta = float(matrix.detach().abs().sum(0).max()) if matrix.numel() else 0.0
    squarings = max(0, math.ceil(math.log2(theta / 0.5))) if theta > 0.5 else 0
    norm = theta / 2 ** squarings
    degree = 1
    while norm ** (degree + 1) / math.factorial(degree + 1) * 2.0 > tolerance and degree < 30:
        degree += 1
    scaled = matrix / 2 ** squarings
    identity = torch.eye(matrix.shape[0], dtype=matrix.dtype, device=matrix.device)
    result = identity + scaled / degree
    for k in range(degree - 1, 0, -1):
        result = identity + (scaled @ result) / k
    for _ in range(squarings):
        result = result @ result
    return result


def communicability(abs_weights: Any, *, epsilon: float = 0.0, zero_strength: str = "epsilon",
                    method: str = "taylor") -> Any:
    """Weighted communicability (Crofts & Higham 2009): ``expm(S^-1/2 |W| S^-1/2)`` with S the row
    sums (out-strength in the U orientation), diagonal set to 0; torch in, torch out.

    ``epsilon`` is added to every strength (the reference's model side: 1e-10 in C*, 0 in C).
    ``zero_strength``: ``"epsilon"`` (rows of strength 0 get 1e-10, the reference's empirical side,
    whence entries up to ~1e5) or ``"pinv"`` (they get a 0 factor: the corrected protocol)."""
    import torch

    strength = abs_weights.sum(1) + epsilon
    if zero_strength == "pinv":
        factor = torch.where(strength > 0, strength.clamp_min(1e-30).rsqrt(), torch.zeros_like(strength))
    else:
        factor = torch.where(strength == 0, torch.full_like(strength, 1e-10), strength).rsqrt()
    normalised = factor[:, None] * abs_weights * factor[None, :]
    exponential = expm_taylor(normalised) if method == "taylor" else torch.linalg.matrix_exp(normalised)
    return exponential - torch.diag_embed(torch.diagonal(exponential))


# ------------------------------------------------------------------------------------------ variants
@dataclass(frozen=True)
class Variant:
    name: str
    init: str  # orthogonal | bio | permuted | random_positive | other_field
    distance: str | None  # None | grid | positions
    comms: str | None  # None | C | C*
    positive: bool = False


_INITS = {"W*": "bio", "W!": "permuted", "W~": "random_positive", "W^": "other_field", "W%": "offdiag_shuffled"}


def parse_variant(name: str) -> Variant:
    """``W*D*C`` -> Variant(init='bio', distance='positions', comms='C'), etc. (module docstring)."""
    rest, positive = (name[:-1], True) if name.endswith("+") else (name, False)
    if not rest.startswith("W"):
        raise InvalidArgumentError(unknown_value(name, "variant", VARIANTS + EXTRA_VARIANTS))
    init = _INITS.get(rest[:2], "orthogonal")
    rest = rest[2:] if rest[:2] in _INITS else rest[1:]
    distance = None
    if rest.startswith("D*"):
        distance, rest = "positions", rest[2:]
    elif rest.startswith("D"):
        distance, rest = "grid", rest[1:]
    comms = {"": None, "C": "C", "C*": "C*"}.get(rest, "bad")
    if comms == "bad" or (comms and distance is None):
        raise InvalidArgumentError(unknown_value(name, "variant", VARIANTS + EXTRA_VARIANTS))
    return Variant(name, init, distance, comms, positive)


# ------------------------------------------------------------------------------------------- model
def _torch():
    import torch

    return torch


class BioRNN:
    """Factory of the torch module (kept lazy so that importing this module does not import torch)."""

    @staticmethod
    def build(inputs: int, units: int, classes: int, recurrent: np.ndarray, *, generator: Any) -> Any:
        torch = _torch()
        from torch import nn

        class _Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.rnn = nn.RNN(inputs, units, nonlinearity="relu", batch_first=True)
                self.readout = nn.Linear(units, classes)
                with torch.no_grad():
                    limit = math.sqrt(6.0 / (inputs + units))  # Keras glorot_uniform kernel
                    self.rnn.weight_ih_l0.uniform_(-limit, limit, generator=generator)
                    self.rnn.weight_hh_l0.copy_(torch.as_tensor(recurrent.T, dtype=torch.float32))
                    self.rnn.bias_ih_l0.zero_()
                    self.rnn.bias_hh_l0.zero_()
                    limit = math.sqrt(6.0 / (units + classes))
                    self.readout.weight.uniform_(-limit, limit, generator=generator)
                    self.readout.bias.zero_()
                self.rnn.bias_hh_l0.requires_grad_(False)  # Keras SimpleRNN has one bias

            @property
            def recurrent(self) -> Any:
                """U (i -> j), the matrix every penalty sees."""
                return self.rnn.weight_hh_l0.t()

            def forward(self, x: Any) -> Any:
                states, _ = self.rnn(x)
                return self.readout(states[:, -1])

        return _Net()


@dataclass
class Field:
    """What a variant needs from one imaging field (or a crop of one)."""

    name: str
    positions_nm: np.ndarray  # (N, 3); NaN where the source has no positions (a C. elegans connectome)
    synapse_counts: np.ndarray
    corr: np.ndarray | None  # None: no functional matrices (W*, W!, W~, W%, W^ cannot be built)
    sttc: np.ndarray | None

    @property
    def n(self) -> int:
        return self.positions_nm.shape[0]

    @property
    def has_positions(self) -> bool:
        return bool(np.isfinite(self.positions_nm).all())


def load_microns_field(field_name: str, *, home: Any = None, require_functional: bool = True) -> Field:
    from neuropil.loaders.microns_fields import load_field

    arrays = load_field(field_name, home=home)
    if require_functional and (arrays.corr is None or arrays.sttc is None):
        raise InvalidArgumentError(f"Field {field_name!r} has no Pearson/STTC matrices (only the session-6 fields "
                                   "do); W* needs them.")
    return Field(field_name, arrays.positions_nm, arrays.synapse_counts, arrays.corr, arrays.sttc)


CELEGANS_PREFIX = "celegans:"


def load_celegans_field(connectome: str, *, home: Any = None) -> Field:
    """The bridge: a C. elegans connectome of ``celegans-connectomes`` as a structure-only source.
    Units = the neurons with at least one chemical synapse (in or out) in that connectome, in the
    canonical order; ``synapse_counts[i, j]`` = chemical synapses i -> j (C*'s empirical
    communicability). No positions (D* unavailable; D is a grid) and no activity matrices (the bio
    inits W*, W!, W~, W^, W% are unavailable)."""
    from neuropil.loaders.celegans_connectomes import edge_table

    edges = edge_table(connectome=connectome, home=home)
    chemical = edges[edges["type"] == "chemical"]
    if chemical.empty:
        raise InvalidArgumentError(f"Connectome {connectome!r} has no chemical synapses to build a field from.")
    pre, post = chemical["pre_index"].to_numpy(np.int64), chemical["post_index"].to_numpy(np.int64)
    units = np.unique(np.concatenate([pre, post]))
    counts = np.zeros((units.size, units.size))
    np.add.at(counts, (np.searchsorted(units, pre), np.searchsorted(units, post)),
              np.nan_to_num(chemical["weight"].to_numpy(np.float64)))
    return Field(CELEGANS_PREFIX + connectome, np.full((units.size, 3), np.nan), counts, None, None)


def load_source(name: str, *, home: Any = None) -> Field:
    """``6_6_2`` (any ``microns-fields`` field) or ``celegans:<connectome>`` (structure only)."""
    if name.startswith(CELEGANS_PREFIX):
        return load_celegans_field(name[len(CELEGANS_PREFIX):], home=home)
    return load_microns_field(name, home=home, require_functional=False)


def other_field(source: Field, *, seed: int, home: Any = None) -> Field:
    """The W^ control: the session-6 field with the fewest neurons >= N (other than ``source``),
    cropped to N neurons by a seeded random subset."""
    from neuropil.loaders.microns_fields import functional_fields, to_pandas

    sizes = to_pandas(table="neurons", home=home).groupby("field").size()
    # session 6 only, as published: fields of other sessions gained function later and would change W^
    candidates = sorted((int(sizes[f]), f) for f in functional_fields(home=home)
                        if f.startswith("6_") and f != source.name and sizes[f] >= source.n)
    if not candidates:
        raise InvalidArgumentError(f"No other functional field has >= {source.n} neurons for the W^ control.")
    picked = load_microns_field(candidates[0][1], home=home)
    keep = np.sort(np.random.default_rng(seed).choice(picked.n, size=source.n, replace=False))
    return Field(picked.name, picked.positions_nm[keep], picked.synapse_counts[np.ix_(keep, keep)],
                 picked.corr[np.ix_(keep, keep)], picked.sttc[np.ix_(keep, keep)])


def initial_recurrent(variant: Variant, source: Field, *, seed: int, home: Any = None) -> np.ndarray:
    rng = np.random.default_rng([seed, 1])
    if variant.init == "orthogonal":
        return orthogonal(source.n, rng=rng)
    if source.corr is None or source.sttc is None:
        raise InvalidArgumentError(
            f"{variant.name} starts from W* (Pearson x STTC activity matrices), which {source.name!r} does not have "
            "(only the session-6 MICrONS fields do; a C. elegans connectome gives structure only: use W, WD, WDC, "
            "WDC*).")
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
    return weights


@dataclass
class Penalty:
    """``lambda * sum |U| * D [* C]`` (+ ``emd * mean |sort C - sort C_emp|`` for C*), torch."""

    strength: float
    distance: Any | None
    comms: str | None
    empirical_sorted: Any | None = None
    zero_strength: str = "epsilon"
    emd: float = EMD_STRENGTH
    method: str = "taylor"

    def __call__(self, recurrent: Any) -> Any:
        torch = _torch()
        magnitude = recurrent.abs()
        if self.distance is None:
            return self.strength * magnitude.sum()
        if self.comms == "C":
            weighted = magnitude * communicability(magnitude, method=self.method)
            return self.strength * (weighted * self.distance).sum()
        loss = self.strength * (magnitude * self.distance).sum()
        if self.comms == "C*":
            model = communicability(magnitude, epsilon=1e-10, method=self.method).reshape(-1)
            loss = loss + self.emd * (torch.sort(model).values - self.empirical_sorted).abs().mean()
        return loss


def build_penalty(variant: Variant, source: Field, *, protocol: str, strength: float | None = None,
                  method: str = "taylor", task: str | None = None) -> Penalty:
    torch = _torch()
    if strength is None:
        strength = (1.0 if variant.distance is None else REFERENCE_LAMBDA) if protocol == "reference" else \
            CORRECTED_LAMBDA.get((task or "", variant.name.rstrip("+")), DEFAULT_CORRECTED_LAMBDA)
    distance = None
    if variant.distance == "grid":
        distance = grid_distances(grid_shape(source.n))[:source.n, :source.n]
    elif variant.distance == "positions":
        if not source.has_positions:
            raise InvalidArgumentError(f"{variant.name} needs neuron positions (D*), which {source.name!r} does not "
                                       "have; use D (a grid) instead.")
        distance = position_distances(source.positions_nm, protocol=protocol)
    if distance is not None and protocol == "corrected":
        distance = unit_mean(distance)
    empirical = None
    zero_strength = "epsilon" if protocol == "reference" else "pinv"
    if variant.comms == "C*":
        counts = torch.as_tensor(np.abs(source.synapse_counts), dtype=torch.float64)
        empirical = torch.sort(communicability(counts, zero_strength=zero_strength, method="matrix_exp")
                               .reshape(-1).float()).values
    return Penalty(float(strength), None if distance is None else torch.as_tensor(distance, dtype=torch.float32),
                   variant.comms, empirical, zero_strength, method=method)


# ---------------------------------------------------------------------------------------- training
@dataclass
class FitResult:
    test_prob: np.ndarray
    valid_prob: np.ndarray
    train_accuracy: float
    final_loss: float
    initial_penalty: float
    updates_to_90: float
    curve: list[tuple[int, float]]
    recurrent: np.ndarray
    seconds: float
    strength: float
    extra: dict[str, Any] = field(default_factory=dict)


def _accuracy(prob: np.ndarray, labels: np.ndarray) -> float:
    return float((np.argmax(prob, axis=1) == labels).mean())


def train_variant(variant: str | Variant, sets: dict[str, Trials], source: Field, *, seed: int,
                  protocol: str = "corrected", epochs: int = 10, batch: int = 128, lr: float = 1e-3,
                  strength: float | None = None, curve_every: int = 10, curve_trials: int = 512,
                  home: Any = None, method: str = "taylor", progress: bool = False,
                  task: str | None = None) -> FitResult:
    """Train one variant on ``sets["train"]``; probabilities on valid and test, learning curve."""
    torch = _torch()
    if protocol not in PROTOCOLS:
        raise InvalidArgumentError(unknown_value(protocol, "protocol", PROTOCOLS))
    variant = parse_variant(variant) if isinstance(variant, str) else variant
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    train = sets["train"]
    classes = int(max(part.y.max() for part in (train, sets["valid"], sets["test"]))) + 1
    net = BioRNN.build(train.x.shape[2], source.n, classes,
                       initial_recurrent(variant, source, seed=seed, home=home), generator=generator)
    penalty = build_penalty(variant, source, protocol=protocol, strength=strength, method=method, task=task)
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=lr,
                                 eps=1e-7 if protocol == "reference" else 1e-8)
    x_train, y_train = torch.from_numpy(train.x), torch.from_numpy(train.y)
    valid_x = torch.from_numpy(sets["valid"].x)
    curve_x, curve_y = valid_x[:curve_trials], sets["valid"].y[:curve_trials]
    order_rng = np.random.default_rng([seed, 4])
    with torch.no_grad():
        initial_penalty = float(penalty(net.recurrent))

    def predict(x: Any) -> np.ndarray:
        net.eval()
        with torch.no_grad():
            out = torch.cat([torch.softmax(net(x[i:i + 1024]), 1) for i in range(0, len(x), 1024)])
        net.train()
        return out.numpy()

    curve: list[tuple[int, float]] = []
    updates, started = 0, time.perf_counter()
    correct_last = seen_last = 0
    loss_value = float("nan")
    from tqdm.auto import tqdm

    bar = tqdm(total=epochs * math.ceil(len(train) / batch), desc=variant.name,
               disable=not progress or os.environ.get("NEUROPIL_QUIET") == "1", leave=False)
    for epoch in range(epochs):
        order = np.arange(len(train)) if protocol == "reference" else order_rng.permutation(len(train))
        correct = seen = 0
        for begin in range(0, len(train), batch):
            if curve_every and updates % curve_every == 0:
                curve.append((updates, _accuracy(predict(curve_x), curve_y)))
            index = torch.from_numpy(order[begin:begin + batch])
            x, y = x_train[index], y_train[index]
            x = x + INPUT_NOISE * torch.randn(x.shape, generator=generator)
            logits = net(x)
            loss = torch.nn.functional.cross_entropy(logits, y) + penalty(net.recurrent)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if variant.positive:
                with torch.no_grad():
                    net.rnn.weight_hh_l0.clamp_(min=0.0)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(y)
            loss_value = float(loss.detach())
            updates += 1
            bar.update()
        correct_last, seen_last = correct, seen
    bar.close()
    valid_prob = predict(valid_x)
    final_valid = _accuracy(valid_prob, sets["valid"].y)
    if curve_every:
        curve.append((updates, _accuracy(predict(curve_x), curve_y)))
    reached = [step for step, value in curve if value >= 0.9 * final_valid]
    return FitResult(test_prob=predict(torch.from_numpy(sets["test"].x)), valid_prob=valid_prob,
                     train_accuracy=correct_last / max(seen_last, 1), final_loss=loss_value,
                     initial_penalty=initial_penalty, updates_to_90=float(reached[0]) if reached else float("nan"),
                     curve=curve, recurrent=net.recurrent.detach().numpy().copy(),
                     seconds=time.perf_counter() - started, strength=penalty.strength)


# ---------------------------------------------------------------------------------- graph metrics
def graph_metrics(recurrent: np.ndarray, *, seed: int = 0, nulls: int = 20, top: float = 0.10) -> dict[str, float]:
    """On ``|U|``: top ``top`` fraction of entries -> binary undirected graph (no self-loops);
    greedy modularity, small-worldness ``(C / C_null) / (E_null / E)`` (clustering and global
    efficiency against ``nulls`` density-matched G(n, m) graphs), degree assortativity; and the
    entropy (bits) of a Gaussian KDE of the raw weights on a 100-point grid (as the reference)."""
    import networkx as nx
    from scipy.sparse.csgraph import shortest_path
    from scipy.stats import entropy, gaussian_kde

    magnitude = np.abs(recurrent)
    if not np.all(np.isfinite(magnitude)):
        return {"modularity": float("nan"), "small_worldness": float("nan"), "assortativity": float("nan"),
                "weight_entropy": float("nan")}
    binary = magnitude > np.quantile(magnitude, 1.0 - top)
    adjacency = (binary | binary.T).astype(float)
    np.fill_diagonal(adjacency, 0.0)
    graph = nx.from_numpy_array(adjacency)

    def clustering_efficiency(a: np.ndarray) -> tuple[float, float]:
        degree = a.sum(1)
        triangles = np.einsum("ij,jk,ki->i", a, a, a) / 2.0
        pairs = degree * (degree - 1) / 2.0
        clustering = np.divide(triangles, pairs, out=np.zeros_like(triangles), where=pairs > 0).mean()
        hops = shortest_path(a, unweighted=True, directed=False)
        n = a.shape[0]
        with np.errstate(divide="ignore"):
            inverse = np.where(np.isfinite(hops) & (hops > 0), 1.0 / hops, 0.0)
        return float(clustering), float(inverse.sum() / (n * (n - 1)))

    clustering, efficiency = clustering_efficiency(adjacency)
    rng = np.random.default_rng(seed)
    edges = int(adjacency.sum() // 2)
    null_c, null_e = [], []
    for _ in range(nulls):
        null = nx.to_numpy_array(nx.gnm_random_graph(adjacency.shape[0], edges, seed=int(rng.integers(2 ** 31))))
        c, e = clustering_efficiency(null)
        null_c.append(c)
        null_e.append(e)
    communities = nx.community.greedy_modularity_communities(graph)
    flat = np.asarray(recurrent, dtype=np.float64).ravel()
    grid = np.linspace(flat.min(), flat.max(), 100)
    probability = gaussian_kde(flat)(grid)
    return {"modularity": float(nx.community.modularity(graph, communities)),
            "small_worldness": float((clustering / np.mean(null_c)) / (np.mean(null_e) / efficiency)),
            "assortativity": float(nx.degree_assortativity_coefficient(graph)),
            "weight_entropy": float(entropy(probability / probability.sum(), base=2))}


# ------------------------------------------------------------------------------ benchmark hooks
BASELINES: dict[str, dict[str, Any]] = {
    name: {"config": {"variant": name, "epochs": 10, "batch": 128, "lr": 1e-3, "input_noise": INPUT_NOISE,
                      "train_trials": 5120}, "trained": True}
    for name in VARIANTS + EXTRA_VARIANTS
}


def evaluate(arrays: dict[str, np.ndarray]) -> dict[str, float]:
    for key in ("y_true", "y_prob"):
        if key not in arrays:
            raise InvalidArgumentError(f"Evaluator input lacks {key!r}.\n{EXPECTED_INPUT_FORMAT}")
    y_true, y_prob = arrays["y_true"], arrays["y_prob"]
    if y_true.ndim != 1 or y_prob.ndim != 2 or y_prob.shape[0] != y_true.shape[0]:
        raise InvalidArgumentError(f"y_true must be (n,) and y_prob (n, C); got {y_true.shape} and {y_prob.shape}."
                                   f"\n{EXPECTED_INPUT_FORMAT}")
    metrics = {"accuracy": _accuracy(y_prob, y_true)}
    for key in PASS_THROUGH:
        if key in arrays:
            metrics[key] = float(arrays[key])
    return metrics


def dataset_for(config: dict[str, Any]) -> str | None:
    """The dataset a run reads: celegans-connectomes for ``field="celegans:<connectome>"``."""
    return "celegans-connectomes" if str(config.get("field", "")).startswith(CELEGANS_PREFIX) else None


def load_sets(*, home: Any, config: dict[str, Any], quick: bool = False) -> tuple[dict[str, Any], str]:
    """Trial sets of ``config["task"]`` (seeded by ``config["data_seed"]``) and the source field; the
    'split' hash covers the generator version, seed and set sizes."""
    from neuropil.benchmarks.splits import sha256_json

    task = _check_task(config.get("task", "t1"))
    sizes = {"train": 256, "valid": 128, "test": 128} if quick else {"train": 5120, "valid": 2560, "test": 2560}
    seed = int(config.get("data_seed", 0))
    sets: dict[str, Any] = dict(trial_sets(task, seed=seed, **sizes))
    sets["field"] = load_source(config.get("field", "6_6_2"), home=home)
    split = {"generator": "neuropil.benchmarks.bio_rnn 1", "task": task, "seed": seed, **sizes}
    return sets, sha256_json(split)


def fit_predict(name: str, sets: dict[str, Any], *, seed: int, quick: bool, progress: bool = False,
                home: Any = None, config: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    config = config or {}
    torch = _torch()
    threads = torch.get_num_threads()
    if config.get("threads"):  # one thread is faster than oversubscribed cores on a shared machine
        torch.set_num_threads(int(config["threads"]))
    protocol = config.get("protocol", "corrected")
    epochs = int(config.get("epochs", 2 if quick else 10))
    try:
        fit = train_variant(name, sets, sets["field"], seed=seed, protocol=protocol, epochs=epochs,
                            strength=config.get("lambda"), home=home, progress=progress,
                            task=config.get("task", "t1"),
                            curve_every=int(config.get("curve_every", 2 if quick else 10)))
    finally:
        torch.set_num_threads(threads)
    extra: dict[str, float] = {"train_accuracy": fit.train_accuracy, "updates_to_90": fit.updates_to_90,
                               "final_loss": fit.final_loss, "initial_penalty": fit.initial_penalty}
    if config.get("graph_metrics", not quick):
        extra.update(graph_metrics(fit.recurrent, seed=seed, nulls=int(config.get("nulls", 20))))
    if config.get("save_weights"):
        folder = os.path.join(config["save_weights"])
        os.makedirs(folder, exist_ok=True)
        np.save(os.path.join(folder, f"{config.get('task')}-{protocol}-{name}-seed{seed}.npy"), fit.recurrent)
    predictions = {"valid": {"y_prob": fit.valid_prob}, "test": {"y_prob": fit.test_prob, **extra}}
    info = {"protocol": protocol, "lambda": fit.strength, "field": sets["field"].name, "train_seconds": fit.seconds,
            "epochs": epochs, "units": sets["field"].n, "task": config.get("task", "t1")}
    return predictions, info


def eval_input(trials: Trials, prediction: dict[str, Any]) -> dict[str, Any]:
    return {"y_true": trials.y, **prediction}


def parameter_count(name: str, info: dict[str, Any]) -> int:
    units = int(info.get("units", 312))
    timing = TIMINGS[info.get("task", "t1")]
    inputs, classes = timing.inputs, timing.classes
    return units * units + inputs * units + units + units * classes + classes


def tune_lambda(variant: str, task: str, source: Field, *, grid: tuple[float, ...] = LAMBDA_GRID,
                seeds: tuple[int, ...] = (100, 101), data_seed: int = 0, epochs: int = 10,
                home: Any = None) -> dict[str, Any]:
    """Corrected protocol: mean validation accuracy per lambda over ``seeds`` (distinct from the
    evaluation seeds 0..19); returns the table and the best lambda (ties -> the smaller)."""
    sets = trial_sets(task, seed=data_seed)
    table = {}
    for strength in grid:
        scores = [_accuracy(train_variant(variant, sets, source, seed=s, protocol="corrected", epochs=epochs,
                                          strength=strength, curve_every=0, home=home).valid_prob, sets["valid"].y)
                  for s in seeds]
        table[strength] = float(np.mean(scores))
    best = max(sorted(table), key=lambda s: (round(table[s], 4), -s))
    return {"variant": variant, "task": task, "valid_accuracy": table, "best": best}


def rank_tests(scores: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Two-sided Mann-Whitney U test for every pair of variants (e.g. W*, W! and W~ of one task):
    ``scores`` maps a variant to its per-seed values; NaNs are dropped."""
    from itertools import combinations

    from scipy.stats import mannwhitneyu

    rows = []
    for first, second in combinations(sorted(scores), 2):
        a = np.asarray(scores[first], dtype=float)
        c = np.asarray(scores[second], dtype=float)
        a, c = a[np.isfinite(a)], c[np.isfinite(c)]
        if len(a) < 2 or len(c) < 2:
            continue
        test = mannwhitneyu(a, c, alternative="two-sided")
        rows.append({"a": first, "b": second, "n_a": len(a), "n_b": len(c), "median_a": float(np.median(a)),
                     "median_b": float(np.median(c)), "U": float(test.statistic), "p": float(test.pvalue)})
    return rows


def plot_weight_matrices(matrices: dict[str, np.ndarray], path: str | os.PathLike[str]) -> str:
    """Trained recurrent matrices U side by side (symmetric log colour scale), one panel per name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import SymLogNorm

    figure, axes = plt.subplots(1, len(matrices), figsize=(3.2 * len(matrices), 3.2), squeeze=False)
    for axis, (name, matrix) in zip(axes[0], matrices.items()):
        limit = float(np.nanmax(np.abs(matrix))) or 1.0
        image = axis.imshow(matrix, cmap="RdBu_r", norm=SymLogNorm(linthresh=1e-3, vmin=-limit, vmax=limit))
        axis.set_title(name, fontsize=9)
        axis.set_xticks([])
        axis.set_yticks([])
    figure.colorbar(image, ax=axes[0].tolist(), shrink=0.8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=70)
    plt.close(figure)
    return str(path)
