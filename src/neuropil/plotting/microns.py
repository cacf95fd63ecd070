"""A MICrONS imaging field: soma positions coloured by functional correlation to one chosen cell."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from neuropil.errors import InvalidArgumentError, unknown_value
from neuropil.plotting._common import as_int, colorbar, new_figure

MEASURES = {"corr": "Pearson correlation", "sttc": "spike-time tiling coefficient"}


def plot_field_correlation(*, field: str = "6_6_2", cell: int | str = 0, measure: str = "corr",
                           home: str | os.PathLike[str] | None = None) -> Any:
    """Two views (x-depth, x-z) of every soma, coloured by ``measure`` to ``cell`` (row index in the
    field, or its nucleus id); the cell is a star, its synaptic partners are ringed."""
    from neuropil.loaders.microns_fields import load_field, not_downloaded

    if measure not in MEASURES:
        raise InvalidArgumentError(unknown_value(measure, "measure", MEASURES))
    arrays = load_field(str(field), home=home)
    matrix = getattr(arrays, measure)
    if matrix is None:
        raise not_downloaded(str(field), home=home, what=f"{measure} matrix")
    cell = as_int(cell, "cell")
    if not 0 <= cell < arrays.n:
        matches = np.flatnonzero(arrays.nucleus_id == cell)
        if not matches.size:
            raise InvalidArgumentError(f"Cell {cell} is neither a row (0..{arrays.n - 1}) nor a nucleus id of field {field}.")
        cell = int(matches[0])
    values = np.array(matrix[cell], dtype=float)
    values[cell] = np.nan  # self-correlation is 1 by definition and would set the scale
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    others = np.arange(arrays.n) != cell
    partners = ((arrays.synapse_counts[cell] > 0) | (arrays.synapse_counts[:, cell] > 0)) & others
    um = arrays.positions_nm / 1000.0
    figure = new_figure(12.0, 5.2)
    axes = figure.subplots(1, 2)
    for ax, (column, name) in zip(axes, [(1, "depth y (µm)"), (2, "z (µm)")]):
        points = ax.scatter(um[others, 0], um[others, column], c=values[others], cmap="RdBu_r", vmin=-limit,
                            vmax=limit, s=22, edgecolors="none")
        ax.scatter(um[partners, 0], um[partners, column], facecolors="none", edgecolors="black", s=60,
                   linewidths=0.8, label=f"synaptic partner ({int(partners.sum())})")
        ax.scatter(um[cell, 0], um[cell, column], marker="*", s=260, color="gold", edgecolors="black",
                   label=f"cell {cell} (nucleus {int(arrays.nucleus_id[cell])})")
        ax.set_xlabel("x (µm)")
        ax.set_ylabel(name)
        ax.set_aspect("equal", adjustable="datalim")
        if column == 1:
            ax.invert_yaxis()  # cortical depth grows downwards, pia at the top
        ax.legend(loc="best", fontsize=7)
        colorbar(figure, points, ax, f"{MEASURES[measure]} to cell {cell}")
    figure.suptitle(f"MICrONS field {field}: {arrays.n} coregistered neurons")
    return figure
