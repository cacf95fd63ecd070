"""The ReLU RNN, its variants (init, distance, communicability penalty), the Taylor matrix
exponential, the penalties and the training loop (package docstring: the variants and protocols)."""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neuropil.benchmarks.tasks.bio_rnn.inits import initial_recurrent
from neuropil.benchmarks.tasks.bio_rnn.sources import Field
from neuropil.benchmarks.tasks.bio_rnn.trials import Trials
from neuropil.errors import InvalidArgumentError, unknown_value

PROTOCOLS = ("reference", "corrected")
VARIANTS = ("W*D*C", "WD*C", "WDC", "WD*", "WD", "W", "W*D*C*", "WD*C*", "W*DC*", "W!D*C", "W!D*C*")
#: the positive-only arm, this port's controls (corrected protocol) and WDC* (no activity, no positions: the
#: variant a C. elegans connectome can drive, C* from its synapse counts), and the IRNN-style starts I and
#: diag(W*) (issue 16: is W*'s gain its strong diagonal?)
EXTRA_VARIANTS = ("W*D*C+", "W~D*C", "W^D*C", "W%D*C", "WDC*", "I", "diag(W*)")
GRID = (12, 13, 2)
REFERENCE_LAMBDA = 0.3
EMD_STRENGTH = 0.1
INPUT_NOISE = 0.05
#: corrected protocol: lambda per (task, variant) (scale: D, D* of mean 1), from :func:`.analysis.tune_lambda`
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


def corrected_lambda(variant: Variant, task: str | None) -> float:
    """The corrected protocol's lambda of ``variant`` on ``task``: its tuned value; else, for a start
    with W's penalty (plain ``sum |U|``: I, diag(W*)), W's tuned value on that task, so the
    comparison with W changes the start only; else ``DEFAULT_CORRECTED_LAMBDA``."""
    name = variant.name.rstrip("+")
    if (task or "", name) in CORRECTED_LAMBDA:
        return CORRECTED_LAMBDA[(task or "", name)]
    if variant.distance is None and (task or "", "W") in CORRECTED_LAMBDA:
        return CORRECTED_LAMBDA[(task or "", "W")]
    return DEFAULT_CORRECTED_LAMBDA


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


@dataclass(frozen=True)
class Variant:
    name: str
    init: str  # orthogonal | identity | bio | bio_diagonal | permuted | random_positive | other_field | offdiag_shuffled
    distance: str | None  # None | grid | positions
    comms: str | None  # None | C | C*
    positive: bool = False


#: name prefix -> initialisation, longest prefixes first ("W*" before "W")
_INITS = {"diag(W*)": "bio_diagonal", "W*": "bio", "W!": "permuted", "W~": "random_positive", "W^": "other_field",
          "W%": "offdiag_shuffled", "W": "orthogonal", "I": "identity"}


def parse_variant(name: str) -> Variant:
    """``W*D*C`` -> Variant(init='bio', distance='positions', comms='C'), etc. (package docstring)."""
    rest, positive = (name[:-1], True) if name.endswith("+") else (name, False)
    prefix = next((p for p in _INITS if rest.startswith(p)), None)
    if prefix is None:
        raise InvalidArgumentError(unknown_value(name, "variant", VARIANTS + EXTRA_VARIANTS))
    init, rest = _INITS[prefix], rest[len(prefix):]
    distance = None
    if rest.startswith("D*"):
        distance, rest = "positions", rest[2:]
    elif rest.startswith("D"):
        distance, rest = "grid", rest[1:]
    comms = {"": None, "C": "C", "C*": "C*"}.get(rest, "bad")
    if comms == "bad" or (comms and distance is None):
        raise InvalidArgumentError(unknown_value(name, "variant", VARIANTS + EXTRA_VARIANTS))
    return Variant(name, init, distance, comms, positive)


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
            corrected_lambda(variant, task)
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


def accuracy(prob: np.ndarray, labels: np.ndarray) -> float:
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
                curve.append((updates, accuracy(predict(curve_x), curve_y)))
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
    final_valid = accuracy(valid_prob, sets["valid"].y)
    if curve_every:
        curve.append((updates, accuracy(predict(curve_x), curve_y)))
    reached = [step for step, value in curve if value >= 0.9 * final_valid]
    return FitResult(test_prob=predict(torch.from_numpy(sets["test"].x)), valid_prob=valid_prob,
                     train_accuracy=correct_last / max(seen_last, 1), final_loss=loss_value,
                     initial_penalty=initial_penalty, updates_to_90=float(reached[0]) if reached else float("nan"),
                     curve=curve, recurrent=net.recurrent.detach().numpy().copy(),
                     seconds=time.perf_counter() - started, strength=penalty.strength)
