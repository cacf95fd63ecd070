"""Activity raster of one C. elegans whole-brain recording, neuron labels on the y axis."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from neuropil.errors import InvalidArgumentError, unknown_value
from neuropil.plotting._common import as_int, colorbar, new_figure

MAX_TICK_LABELS = 80


def plot_raster(*, recording: int | str = 0, labelled_only: bool | str = False,
                home: str | os.PathLike[str] | None = None) -> Any:
    """Traces on the common time grid, z-scored per neuron (gaps left blank), labelled neurons first."""
    from neuropil.loaders import celegans_activity, load

    recording = as_int(recording, "recording")
    recordings = load("celegans-activity", format="pandas", table="recordings", home=home)
    if recording not in set(recordings["recording"].tolist()):
        raise InvalidArgumentError(unknown_value(str(recording), "recording", [str(r) for r in recordings["recording"]]))
    meta = recordings[recordings["recording"] == recording].iloc[0]
    neurons = load("celegans-activity", format="pandas", table="neurons", home=home)
    neurons = neurons[neurons["recording"] == recording].sort_values("local_id")
    arrays = celegans_activity.read_arrays(recording, home=home)
    traces = np.where(arrays["mask"], arrays["traces"], np.nan).astype(np.float64)
    with np.errstate(invalid="ignore"):
        mean, std = np.nanmean(traces, axis=0), np.nanstd(traces, axis=0)
        zscored = (traces - mean) / np.where(std > 0, std, 1.0)
    labels = [str(label) if isinstance(label, str) and label else f"#{local}"
              for label, local in zip(neurons["label"], neurons["local_id"])]
    columns = neurons["local_id"].to_numpy()
    has_label = np.array([not label.startswith("#") for label in labels])
    if str(labelled_only).lower() in {"1", "true", "yes"}:
        columns, labels, has_label = columns[has_label], [l for l, k in zip(labels, has_label) if k], has_label[has_label]
    names = np.array([label if known else "" for label, known in zip(labels, has_label)])
    order = np.lexsort((columns, names, ~has_label))  # labelled first by name, then unlabelled by id
    columns, labels = columns[order], [labels[i] for i in order]
    time = arrays["time"]
    figure = new_figure(11.0, max(4.0, min(0.11 * len(labels) + 1.5, 18.0)))
    ax = figure.subplots()
    limit = float(np.nanpercentile(np.abs(zscored[:, columns]), 99)) if np.isfinite(zscored).any() else 1.0
    image = ax.imshow(zscored[:, columns].T, aspect="auto", interpolation="nearest", cmap="RdBu_r",
                      vmin=-limit, vmax=limit, extent=(time[0], time[-1], len(labels) - 0.5, -0.5))
    step = max(1, int(np.ceil(len(labels) / MAX_TICK_LABELS)))
    ax.set_yticks(np.arange(0, len(labels), step), labels[::step], fontsize=6)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"neuron ({int(has_label.sum())} labelled of {len(has_label)})")
    ax.set_title(f"{meta['study']} worm {meta['worm']} (recording {recording})")
    colorbar(figure, image, ax, "activity (z-scored per neuron)")
    return figure
