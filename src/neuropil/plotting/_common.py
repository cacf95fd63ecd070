"""Shared drawing helpers: a headless figure, colour bars, atomic saving."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from neuropil.errors import InvalidArgumentError

FORMATS = (".png", ".pdf", ".svg")


def new_figure(width: float, height: float) -> Any:
    """A Figure on the Agg canvas, not registered with pyplot (no global state, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def colorbar(figure: Any, mappable: Any, ax: Any, label: str, **options: Any) -> Any:
    bar = figure.colorbar(mappable, ax=ax, **options)
    bar.set_label(label)
    return bar


def save_figure(figure: Any, path: str | os.PathLike[str], *, dpi: int = 120) -> Path:
    """Write ``figure`` to ``path`` atomically (temporary sibling file, then rename)."""
    target = Path(path).expanduser()
    if target.suffix.lower() not in FORMATS:
        raise InvalidArgumentError(f"Plot file {target} must end in one of {', '.join(FORMATS)}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
    os.close(handle)
    try:
        figure.savefig(temporary, dpi=dpi, format=target.suffix.lower()[1:])
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def as_int(value: Any, name: str) -> int:
    """A config value given as int or as the CLI's text."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"Config {name}={value!r} must be an integer.") from None
