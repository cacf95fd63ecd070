"""``celegans-activity-forecast``: predict future calcium activity of labelled neurons from their past.

Data: the homogenized activity (z-scored, on the 1/3 s grid) on the canonical 300-neuron axis with
masks, from :mod:`neuropil.loaders.celegans_activity`. Split by worm (held-out animals), stored.
Inputs: the last ``history`` = 30 steps (10 s) of every recorded labelled neuron; targets: the
values ``h`` = 1, 3, 10 steps (0.33 s, 1 s, 3.3 s) after the last input, for every labelled neuron
observed both at the last input step and at the target step.

Metrics: masked MSE per horizon, and **skill = 1 - MSE / MSE(persistence)** per horizon, where
persistence repeats the last input value; primary = the mean skill over horizons. (Next-step MSE
alone hides that trained models barely beat "repeat the last frame".)

Baselines (``BASELINES``): persistence; the per-neuron mean of the history window; ridge
autoregression on the neuron's own last ``p`` values, one direct model per horizon, ``p`` and the
ridge penalty chosen on validation; an MLP and an LSTM shared across neurons (univariate); and a
connectome-constrained recurrent model: a GRU cell per neuron whose input at each step includes a
graph convolution of the other neurons' hidden states over a chosen connectome (electrical +
chemical synapses from ``celegans-connectomes``, symmetric-normalised), so interactions run only
along anatomical edges.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from neuropil.benchmarks.tasks.celegans_forecast.data import Windows
from neuropil.benchmarks.tasks.celegans_forecast.metrics import HORIZONS
from neuropil.errors import InvalidArgumentError

def _neurons(w: Windows) -> np.ndarray:
    """Neurons observed anywhere in these windows (columns of the canonical axis that carry data)."""
    return np.flatnonzero(w.x_mask.any(axis=(0, 1)))


Predictions = list[np.ndarray]


def predict_persistence(train: Windows, valid: Windows, targets: list[Windows], **_: Any) -> tuple[Predictions, dict]:
    return [np.repeat(w.last[:, None, :], len(HORIZONS), axis=1) for w in targets], {}


def predict_mean(train: Windows, valid: Windows, targets: list[Windows], **_: Any) -> tuple[Predictions, dict]:
    out = []
    for w in targets:
        mean = (w.x * w.x_mask).sum(axis=1) / np.maximum(w.x_mask.sum(axis=1), 1)
        out.append(np.repeat(mean[:, None, :], len(HORIZONS), axis=1))
    return out, {}


def _lag_design(w: Windows, lags: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (window, neuron) rows: the last ``lags`` values, targets (H,), row mask (H,)."""
    x = np.transpose(w.x[:, -lags:, :], (0, 2, 1)).reshape(-1, lags)
    y = np.transpose(w.y, (0, 2, 1)).reshape(-1, len(HORIZONS))
    m = np.transpose(w.mask, (0, 2, 1)).reshape(-1, len(HORIZONS))
    return x, y, m


def predict_ridge(train: Windows, valid: Windows, targets: list[Windows], **_: Any) -> tuple[Predictions, dict]:
    """Direct ridge AR per horizon on the neuron's own last p values; p and alpha chosen on valid."""
    best = None
    train_cols, valid_cols = _neurons(train), _neurons(valid)
    full_t, full_v = train.subset_neurons(train_cols), valid.subset_neurons(valid_cols)
    for lags in (1, 2, 3, 5, 10, 20, 30):
        if lags > train.x.shape[1]:
            continue
        xt, yt, mt = _lag_design(full_t, lags)
        xv, yv, mv = _lag_design(full_v, lags)
        xt1 = np.hstack([xt, np.ones((len(xt), 1), dtype=xt.dtype)]).astype("float64")
        xv1 = np.hstack([xv, np.ones((len(xv), 1), dtype=xv.dtype)]).astype("float64")
        # one Gram matrix per horizon, reused for every penalty
        normal = []
        for h in range(len(HORIZONS)):
            a = xt1[mt[:, h]]
            normal.append((a.T @ a, a.T @ yt[mt[:, h], h]))
        for alpha in (1e-2, 1.0, 1e2):
            coefs, error = [], 0.0
            for h, (gram, moment) in enumerate(normal):
                coef = np.linalg.solve(gram + alpha * np.eye(gram.shape[0]), moment)
                coefs.append(coef)
                error += float(np.mean((xv1[mv[:, h]] @ coef - yv[mv[:, h], h]) ** 2))
            if best is None or error < best[0]:
                best = (error, lags, alpha, coefs)
    _, lags, alpha, coefs = best
    out = []
    for target in targets:
        xs, _, _ = _lag_design(target, lags)
        xs1 = np.hstack([xs, np.ones((len(xs), 1), dtype=xs.dtype)])
        pred = np.stack([xs1 @ c for c in coefs], axis=1)  # (W*N, H)
        w, n = target.x.shape[0], target.x.shape[2]
        out.append(np.transpose(pred.reshape(w, n, len(HORIZONS)), (0, 2, 1)).astype("float32"))
    return out, {"lags": lags, "alpha": alpha}


def _torch_fit(model: Any, train_batches: Callable, valid_loss: Callable, *, epochs: int, lr: float, seed: int,
               progress: bool, label: str) -> dict:
    """Adam on masked MSE; keep the parameters of the epoch with the best validation loss."""
    import copy

    import torch
    from tqdm.auto import tqdm

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    best = (float("inf"), copy.deepcopy(model.state_dict()), 0)
    generator = torch.Generator().manual_seed(seed)
    for epoch in tqdm(range(epochs), desc=label, leave=False, disable=not progress):
        model.train()
        for inputs, targets, mask in train_batches(generator):
            optimizer.zero_grad()
            out = model(inputs)
            loss = ((out - targets) ** 2 * mask).sum() / mask.sum().clamp(min=1)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            loss = valid_loss()
        if loss < best[0]:
            best = (loss, copy.deepcopy(model.state_dict()), epoch)
    model.load_state_dict(best[1])
    return {"best_epoch": best[2], "valid_loss": best[0]}


def _univariate_tensors(w: Windows, neurons: np.ndarray):
    import torch

    x = torch.from_numpy(np.ascontiguousarray(np.transpose(w.x[:, :, neurons], (0, 2, 1)).reshape(-1, w.x.shape[1])))
    y = torch.from_numpy(np.ascontiguousarray(np.transpose(w.y[:, :, neurons], (0, 2, 1)).reshape(-1, len(HORIZONS))))
    m = torch.from_numpy(np.ascontiguousarray(np.transpose(w.mask[:, :, neurons], (0, 2, 1)).reshape(-1, len(HORIZONS)))).float()
    keep = m.sum(1) > 0
    return x[keep], y[keep], m[keep]


def _predict_univariate(model: Any, test: Windows, batch: int = 8192) -> np.ndarray:
    """Predictions for the neurons these windows observe; persistence (the last input) elsewhere,
    where nothing is scored anyway."""
    import torch

    neurons = _neurons(test)
    pred = np.repeat(test.last[:, None, :], len(HORIZONS), axis=1)
    w, length, _ = test.x.shape
    flat = torch.from_numpy(np.ascontiguousarray(np.transpose(test.x[:, :, neurons], (0, 2, 1)).reshape(-1, length)))
    with torch.no_grad():
        outs = np.concatenate([model(flat[s:s + batch]).numpy() for s in range(0, len(flat), batch)])
    pred[:, :, neurons] = np.transpose(outs.reshape(w, len(neurons), len(HORIZONS)), (0, 2, 1))
    return pred


def _fit_univariate(make_model: Callable, train: Windows, valid: Windows, targets: list[Windows], *, seed: int,
                    quick: bool, progress: bool, label: str, epochs: int,
                    batches_per_epoch: int | None = None) -> tuple[Predictions, dict]:
    import torch

    torch.manual_seed(seed)
    neurons = np.union1d(_neurons(train), _neurons(valid))
    xt, yt, mt = _univariate_tensors(train, neurons)
    xv, yv, mv = _univariate_tensors(valid, neurons)
    model = make_model()
    batch = 1024

    def batches(generator):
        order = torch.randperm(len(xt), generator=generator)
        cap = 20 if quick else batches_per_epoch
        limit = len(order) if cap is None else min(len(order), cap * batch)
        for start in range(0, limit, batch):
            index = order[start:start + batch]
            yield xt[index], yt[index], mt[index]

    chosen = torch.arange(0, len(xv), max(1, len(xv) // 20000))  # a fixed validation subset

    def valid_loss() -> float:
        out = model(xv[chosen])
        return float(((out - yv[chosen]) ** 2 * mv[chosen]).sum() / mv[chosen].sum())

    info = _torch_fit(model, batches, valid_loss, epochs=2 if quick else epochs, lr=1e-3, seed=seed,
                      progress=progress, label=label)
    return [_predict_univariate(model, w) for w in targets], info


def predict_mlp(train: Windows, valid: Windows, targets: list[Windows], *, seed: int = 0, quick: bool = False,
                progress: bool = False, **_: Any) -> tuple[Predictions, dict]:
    import torch

    length = train.x.shape[1]

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(length, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
                                            torch.nn.ReLU(), torch.nn.Linear(64, len(HORIZONS)))

        def forward(self, x):  # residual on the last value: starts near persistence
            return x[:, -1:] + self.body(x)

    make = Model

    return _fit_univariate(make, train, valid, targets, seed=seed, quick=quick, progress=progress, label="mlp",
                           epochs=6, batches_per_epoch=150)


class _LSTMHead:
    """A shared univariate LSTM over the history, read out at the last step."""

    @staticmethod
    def build(hidden: int = 16):
        import torch

        class Model(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.lstm = torch.nn.LSTM(1, hidden, batch_first=True)
                self.head = torch.nn.Linear(hidden, len(HORIZONS))

            def forward(self, x):  # residual on the last value: starts near persistence
                out, _ = self.lstm(x.unsqueeze(-1))
                return x[:, -1:] + self.head(out[:, -1])

        return Model()


def predict_lstm(train: Windows, valid: Windows, targets: list[Windows], *, seed: int = 0, quick: bool = False,
                 progress: bool = False, **_: Any) -> tuple[Predictions, dict]:
    return _fit_univariate(_LSTMHead.build, train, valid, targets, seed=seed, quick=quick, progress=progress,
                           label="lstm", epochs=3, batches_per_epoch=60)


def connectome_operator(connectome: str, home: Any) -> np.ndarray:
    """Symmetric-normalised adjacency D^-1/2 (A + I) D^-1/2 from electrical + chemical synapses
    (log1p weights, symmetrised), via the spine's loader."""
    import neuropil

    data = neuropil.load("celegans-connectomes", connectome=connectome, format="pyg", home=home)
    n = data.num_nodes
    a = np.zeros((n, n), dtype="float32")
    weight = np.log1p(data.edge_attr[:, :2].sum(dim=1).numpy())
    a[data.edge_index[0].numpy(), data.edge_index[1].numpy()] = weight
    a = np.maximum(a, a.T) + np.eye(n, dtype="float32")
    d = 1 / np.sqrt(a.sum(axis=1))
    return (a * d[:, None] * d[None, :]).astype("float32")


def predict_connectome_gru(train: Windows, valid: Windows, targets: list[Windows], *, seed: int = 0,
                           quick: bool = False, progress: bool = False, home: Any = None,
                           connectome: str = "cook_2019", **_: Any) -> tuple[Predictions, dict]:
    """Per-neuron GRU cell whose input at each step is [x_i, m_i, (A h)_i]: recurrent interactions
    run only along the connectome's edges."""
    import torch

    torch.manual_seed(seed)
    operator = torch.from_numpy(connectome_operator(connectome, home))
    hidden = 16

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = torch.nn.GRUCell(2 + hidden, hidden)
            self.head = torch.nn.Linear(hidden + 1, len(HORIZONS))

        def forward(self, x, m):  # x, m: (B, L, N)
            b, length, n = x.shape
            h = x.new_zeros(b, n, hidden)
            for t in range(length):
                message = torch.einsum("ij,bjh->bih", operator, h * m[:, t, :, None])
                step = torch.cat([x[:, t, :, None], m[:, t, :, None], message], dim=-1)
                h = self.cell(step.reshape(b * n, -1), h.reshape(b * n, hidden)).reshape(b, n, hidden)
            out = x[:, -1, :, None] + self.head(torch.cat([h, x[:, -1, :, None]], dim=-1))  # residual, (B, N, H)
            return out.permute(0, 2, 1)

    model = Model()
    tensors = {name: tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in (w.x, w.x_mask.astype("float32"), w.y,
                                                                                 w.mask.astype("float32")))
               for name, w in (("train", train), ("valid", valid))}
    # the recurrence over 300 nodes is the costly part: shorter inputs (last 10 steps) and subsampled windows
    window = 10
    batch = 32

    def batches(generator):
        x, xm, y, m = tensors["train"]
        order = torch.randperm(len(x), generator=generator)
        limit = min(len(order), (8 if quick else 40) * batch)
        for start in range(0, limit, batch):
            index = order[start:start + batch]
            yield (x[index, -window:], xm[index, -window:]), y[index], m[index]

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, inputs):
            return self.inner(*inputs)

    wrapped = Wrapped()
    x_valid, xm_valid, y_valid, m_valid = tensors["valid"]
    chosen = torch.arange(0, len(x_valid), max(1, len(x_valid) // 256))

    def valid_loss() -> float:
        out = model(x_valid[chosen, -window:], xm_valid[chosen, -window:])
        mask = m_valid[chosen]
        return float(((out - y_valid[chosen]) ** 2 * mask).sum() / mask.sum())

    info = _torch_fit(wrapped, batches, valid_loss, epochs=1 if quick else 3, lr=3e-3, seed=seed, progress=progress,
                      label="connectome_gru")
    predictions = []
    with torch.no_grad():
        for target in targets:
            x = torch.from_numpy(np.ascontiguousarray(target.x[:, -window:]))
            xm = torch.from_numpy(np.ascontiguousarray(target.x_mask[:, -window:].astype("float32")))
            predictions.append(np.concatenate([model(x[s:s + 256], xm[s:s + 256]).numpy()
                                               for s in range(0, len(x), 256)]))
    return predictions, {**info, "connectome": connectome}


BASELINES: dict[str, dict[str, Any]] = {
    "persistence": {"fn": predict_persistence, "config": {}, "trained": False, "deterministic": True},
    "mean": {"fn": predict_mean, "config": {"window": "history"}, "trained": False, "deterministic": True},
    "ridge": {"fn": predict_ridge, "config": {"lags": [1, 2, 3, 5, 10, 20, 30], "alpha": [0.01, 1, 100]},
              "trained": True, "deterministic": True},
    "mlp": {"fn": predict_mlp, "config": {"hidden": [64, 64], "epochs": 6, "batches_per_epoch": 150, "lr": 1e-3,
                                          "batch": 1024, "residual": True},
            "trained": True},
    "lstm": {"fn": predict_lstm, "config": {"hidden": 16, "epochs": 3, "batches_per_epoch": 60, "lr": 1e-3,
                                            "batch": 1024, "residual": True}, "trained": True},
    "connectome_gru": {"fn": predict_connectome_gru,
                       "config": {"hidden": 16, "connectome": "cook_2019", "input_steps": 10, "epochs": 3,
                                  "batches_per_epoch": 40,
                                  "lr": 3e-3, "batch": 32, "residual": True}, "trained": True,
                       "run_keys": ("connectome",)},
}


def parameter_count(name: str, info: dict) -> int:
    counts = {"persistence": 0, "mean": 0,
              "ridge": (info.get("lags", 0) + 1) * len(HORIZONS),
              "mlp": (30 * 64 + 64) + (64 * 64 + 64) + (64 * len(HORIZONS) + len(HORIZONS)),
              "lstm": 4 * 16 * (1 + 16) + 8 * 16 + 16 * len(HORIZONS) + len(HORIZONS),
              "connectome_gru": 3 * 16 * (2 + 16 + 16) + 6 * 16 + 17 * len(HORIZONS) + len(HORIZONS)}
    return counts[name]


def fit_predict(name: str, sets: dict[str, Windows], *, seed: int, quick: bool, progress: bool, home: Any,
                config: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict]:
    """Train ``name`` on train (selected on valid) and predict valid and test."""
    if name not in BASELINES:
        from neuropil.errors import unknown_value

        raise InvalidArgumentError(unknown_value(name, "model", BASELINES))
    function = BASELINES[name]["fn"]
    extra = {"home": home, "connectome": config.get("connectome", "cook_2019")}
    (valid_pred, test_pred), info = function(sets["train"], sets["valid"], [sets["valid"], sets["test"]], seed=seed,
                                             quick=quick, progress=progress, **extra)
    return {"valid": valid_pred, "test": test_pred}, info
