"""``celegans-activity-forecast``: predict future calcium activity of labelled neurons from their past.

Data (protocol 2.0.0): each recording's **native frames** as published (Dag2023: dF/F20 every 0.6 s),
on the canonical 300-neuron axis with masks, from :func:`neuropil.loaders.celegans_activity.canonical_frames`.
No resampling, so no input depends on a frame recorded after it (the 1/3 s grid of the homogenized
traces interpolates between neighbouring frames and is not used). Each neuron is scaled by the mean
and std of the **training worms'** frames (:func:`~.data.fit_scaling`), so no valid or test sample
enters the scaling. Split by worm (held-out animals), stored; the same split as
``load(..., format="torch", split=...)`` (:func:`neuropil.loaders.celegans_activity.worm_split`).
Inputs: the last ``history`` = 30 frames (18 s) of every recorded labelled neuron; targets: the values
``h`` = 1, 3, 10 frames (0.6, 1.8, 6 s) after the last input, for every labelled neuron observed both
at the last input frame and at the target frame.

Metrics: masked MSE per horizon, and **skill = 1 - MSE / MSE(persistence)** per horizon, where
persistence repeats the last input value; primary = the mean skill over horizons; per test worm, the
mean skill; a 95 % bootstrap interval over blocks of 50 frames of one worm (:mod:`~.metrics`).

Baselines (``BASELINES``): persistence; the per-neuron mean of the history window; ridge
autoregression on the neuron's own last ``p`` values, one direct model per horizon, ``p`` and the
ridge penalty chosen on validation from grids whose ends are never chosen on Dag2023; an MLP and an
LSTM shared across neurons (univariate); and two graph GRUs with the same per-neuron cell, whose input
at each step includes ``A h``, a mix of the other neurons' hidden states: ``connectome_gru`` fixes A to
a connectome (electrical + chemical synapses from ``celegans-connectomes``, symmetric-normalised), so
interactions run only along anatomical edges; ``gru`` learns a dense A (its control). The neural
models train with Adam and stop early on the validation loss (``TRAINING``), keeping the best epoch.
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


#: the grids: wide enough that the validation choice on Dag2023 lies inside them (tested)
RIDGE_LAGS = (1, 2, 3, 5, 8, 12, 16, 20, 25, 30, 40, 50, 60)
RIDGE_ALPHAS = tuple(10.0 ** k for k in range(-3, 8))


def predict_ridge(train: Windows, valid: Windows, targets: list[Windows], **_: Any) -> tuple[Predictions, dict]:
    """Direct ridge AR per horizon on the neuron's own last p values; p and alpha chosen on valid."""
    best = None
    train_cols, valid_cols = _neurons(train), _neurons(valid)
    full_t, full_v = train.subset_neurons(train_cols), valid.subset_neurons(valid_cols)
    for lags in RIDGE_LAGS:
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
        for alpha in RIDGE_ALPHAS:
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


#: training budget of the neural baselines: an "epoch" is at most ``batches`` mini-batches, then the
#: validation loss decides; training stops after ``patience`` epochs without improvement (or at
#: ``max_epochs``) and keeps the best epoch's parameters
TRAINING = {"mlp": {"max_epochs": 200, "patience": 8, "batches": 100, "batch": 1024, "lr": 1e-3},
            "lstm": {"max_epochs": 60, "patience": 5, "batches": 60, "batch": 1024, "lr": 3e-3},
            "gru": {"max_epochs": 100, "patience": 4, "batches": 40, "batch": 32, "lr": 3e-3},
            "connectome_gru": {"max_epochs": 100, "patience": 4, "batches": 40, "batch": 32, "lr": 3e-3}}
QUICK_EPOCHS = 2


def _torch_fit(model: Any, train_batches: Callable, valid_loss: Callable, *, max_epochs: int, patience: int,
               lr: float, seed: int, progress: bool, label: str) -> dict:
    """Adam on masked MSE with early stopping on the validation loss; keeps the best epoch's parameters."""
    import copy

    import torch
    from tqdm.auto import tqdm

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.eval()
    with torch.no_grad():
        initial = valid_loss()
    best = (initial, copy.deepcopy(model.state_dict()), -1)
    generator = torch.Generator().manual_seed(seed)
    epochs = 0
    for epoch in tqdm(range(max_epochs), desc=label, leave=False, disable=not progress):
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
        epochs = epoch + 1
        if loss < best[0]:
            best = (loss, copy.deepcopy(model.state_dict()), epoch)
        elif epoch - best[2] >= patience:
            break
    model.load_state_dict(best[1])
    return {"best_epoch": best[2], "epochs_run": epochs, "stopped_early": epochs < max_epochs,
            "valid_loss": best[0], "valid_loss_initial": initial}


def _budget(name: str, quick: bool) -> dict:
    budget = dict(TRAINING[name])
    if quick:
        budget.update(max_epochs=QUICK_EPOCHS, batches=min(budget["batches"], 8))
    return budget


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
                    quick: bool, progress: bool, label: str) -> tuple[Predictions, dict]:
    import torch

    torch.manual_seed(seed)
    neurons = np.union1d(_neurons(train), _neurons(valid))
    xt, yt, mt = _univariate_tensors(train, neurons)
    xv, yv, mv = _univariate_tensors(valid, neurons)
    model = make_model()
    budget = _budget(label, quick)
    batch = budget["batch"]

    def batches(generator):
        order = torch.randperm(len(xt), generator=generator)
        limit = min(len(order), budget["batches"] * batch)
        for start in range(0, limit, batch):
            index = order[start:start + batch]
            yield xt[index], yt[index], mt[index]

    chosen = torch.arange(0, len(xv), max(1, len(xv) // 20000))  # a fixed validation subset

    def valid_loss() -> float:
        out = model(xv[chosen])
        return float(((out - yv[chosen]) ** 2 * mv[chosen]).sum() / mv[chosen].sum())

    info = _torch_fit(model, batches, valid_loss, max_epochs=budget["max_epochs"], patience=budget["patience"],
                      lr=budget["lr"], seed=seed, progress=progress, label=label)
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

    return _fit_univariate(Model, train, valid, targets, seed=seed, quick=quick, progress=progress, label="mlp")


def _lstm(hidden: int = 16):
    """A shared univariate LSTM over the history, read out at the last step."""
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
    return _fit_univariate(_lstm, train, valid, targets, seed=seed, quick=quick, progress=progress, label="lstm")


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


#: the recurrence over 300 nodes is the costly part: the graph GRUs read the last 10 input frames
GRU_INPUT_STEPS = 10
GRU_HIDDEN = 16


def _fit_graph_gru(operator: np.ndarray | None, train: Windows, valid: Windows, targets: list[Windows], *,
                   seed: int, quick: bool, progress: bool, label: str) -> tuple[Predictions, dict]:
    """Per-neuron GRU cell whose input at each step is [x_i, m_i, (A h)_i]. ``operator`` fixes A
    (interactions only along a connectome's edges); ``None`` learns a dense A (any neuron may drive any
    other), initialised to the all-to-all mean 1/N: the same model without the anatomical constraint."""
    import torch

    torch.manual_seed(seed)
    n_nodes = train.x.shape[2]
    hidden, window = GRU_HIDDEN, GRU_INPUT_STEPS

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = torch.nn.GRUCell(2 + hidden, hidden)
            self.head = torch.nn.Linear(hidden + 1, len(HORIZONS))
            if operator is None:
                self.operator = torch.nn.Parameter(torch.full((n_nodes, n_nodes), 1.0 / n_nodes))
            else:
                self.register_buffer("operator", torch.from_numpy(operator))

        def forward(self, inputs):  # x, m: (B, L, N)
            x, m = inputs
            b, length, n = x.shape
            h = x.new_zeros(b, n, hidden)
            for t in range(length):
                message = torch.einsum("ij,bjh->bih", self.operator, h * m[:, t, :, None])
                step = torch.cat([x[:, t, :, None], m[:, t, :, None], message], dim=-1)
                h = self.cell(step.reshape(b * n, -1), h.reshape(b * n, hidden)).reshape(b, n, hidden)
            out = x[:, -1, :, None] + self.head(torch.cat([h, x[:, -1, :, None]], dim=-1))  # residual, (B, N, H)
            return out.permute(0, 2, 1)

    model = Model()
    budget = _budget(label, quick)
    tensors = {name: tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in (w.x[:, -window:],
                                                                                 w.x_mask[:, -window:].astype("float32"),
                                                                                 w.y, w.mask.astype("float32")))
               for name, w in (("train", train), ("valid", valid))}

    def batches(generator):
        x, xm, y, m = tensors["train"]
        order = torch.randperm(len(x), generator=generator)
        limit = min(len(order), budget["batches"] * budget["batch"])
        for start in range(0, limit, budget["batch"]):
            index = order[start:start + budget["batch"]]
            yield (x[index], xm[index]), y[index], m[index]

    x_valid, xm_valid, y_valid, m_valid = tensors["valid"]
    chosen = torch.arange(0, len(x_valid), max(1, len(x_valid) // 256))

    def valid_loss() -> float:
        out = model((x_valid[chosen], xm_valid[chosen]))
        mask = m_valid[chosen]
        return float(((out - y_valid[chosen]) ** 2 * mask).sum() / mask.sum())

    info = _torch_fit(model, batches, valid_loss, max_epochs=budget["max_epochs"], patience=budget["patience"],
                      lr=budget["lr"], seed=seed, progress=progress, label=label)
    predictions = []
    with torch.no_grad():
        for target in targets:
            x = torch.from_numpy(np.ascontiguousarray(target.x[:, -window:]))
            xm = torch.from_numpy(np.ascontiguousarray(target.x_mask[:, -window:].astype("float32")))
            predictions.append(np.concatenate([model((x[s:s + 256], xm[s:s + 256])).numpy()
                                               for s in range(0, len(x), 256)]))
    return predictions, info


def predict_connectome_gru(train: Windows, valid: Windows, targets: list[Windows], *, seed: int = 0,
                           quick: bool = False, progress: bool = False, home: Any = None,
                           connectome: str = "cook_2019", **_: Any) -> tuple[Predictions, dict]:
    """The graph GRU with interactions only along ``connectome``'s edges (fixed, normalised)."""
    predictions, info = _fit_graph_gru(connectome_operator(connectome, home), train, valid, targets, seed=seed,
                                       quick=quick, progress=progress, label="connectome_gru")
    return predictions, {**info, "connectome": connectome}


def predict_gru(train: Windows, valid: Windows, targets: list[Windows], *, seed: int = 0, quick: bool = False,
                progress: bool = False, **_: Any) -> tuple[Predictions, dict]:
    """The same graph GRU with a learned dense interaction matrix: the connectome's control."""
    return _fit_graph_gru(None, train, valid, targets, seed=seed, quick=quick, progress=progress, label="gru")


def _trained(name: str, **config: Any) -> dict[str, Any]:
    return {**config, **{key: TRAINING[name][key] for key in ("max_epochs", "patience", "lr", "batch")},
            "batches_per_epoch": TRAINING[name]["batches"], "early_stopping": "valid masked MSE", "residual": True}


BASELINES: dict[str, dict[str, Any]] = {
    "persistence": {"fn": predict_persistence, "config": {}, "trained": False, "deterministic": True},
    "mean": {"fn": predict_mean, "config": {"window": "history"}, "trained": False, "deterministic": True},
    "ridge": {"fn": predict_ridge, "config": {"lags": list(RIDGE_LAGS), "alpha": list(RIDGE_ALPHAS),
                                              "selection": "valid MSE"},
              "trained": True, "deterministic": True},
    "mlp": {"fn": predict_mlp, "config": _trained("mlp", hidden=[64, 64]), "trained": True},
    "lstm": {"fn": predict_lstm, "config": _trained("lstm", hidden=16), "trained": True},
    "gru": {"fn": predict_gru, "config": _trained("gru", hidden=GRU_HIDDEN, input_steps=GRU_INPUT_STEPS,
                                                  interactions="learned dense"), "trained": True},
    "connectome_gru": {"fn": predict_connectome_gru,
                       "config": _trained("connectome_gru", hidden=GRU_HIDDEN, connectome="cook_2019",
                                          input_steps=GRU_INPUT_STEPS, interactions="connectome (fixed)"),
                       "trained": True, "run_keys": ("connectome",)},
}


def parameter_count(name: str, info: dict) -> int:
    graph_gru = 3 * GRU_HIDDEN * (2 + GRU_HIDDEN + GRU_HIDDEN) + 6 * GRU_HIDDEN + (GRU_HIDDEN + 1) * len(HORIZONS) \
        + len(HORIZONS)
    counts = {"persistence": 0, "mean": 0,
              "ridge": (info.get("lags", 0) + 1) * len(HORIZONS),
              "mlp": (30 * 64 + 64) + (64 * 64 + 64) + (64 * len(HORIZONS) + len(HORIZONS)),
              "lstm": 4 * 16 * (1 + 16) + 8 * 16 + 16 * len(HORIZONS) + len(HORIZONS),
              "gru": graph_gru + 300 * 300,
              "connectome_gru": graph_gru}
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
