"""Reading MATLAB v5 MAT-files (the Yemini2021 and Lin2023 layouts) with :func:`scipy.io.loadmat`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from neuropil.errors import RawFormatError


def loadmat(path: Path, *, study: str, fields: Sequence[str] = ()) -> dict[str, Any]:
    """``scipy.io.loadmat(path)``, checked to hold every variable in ``fields``; a damaged file or a
    missing variable raises :class:`~neuropil.errors.RawFormatError` naming ``study`` and the file."""
    from scipy.io import loadmat as scipy_loadmat

    try:
        content = scipy_loadmat(path)
    except Exception as error:  # scipy raises ValueError, OSError, TypeError or MatReadError for a damaged file
        raise RawFormatError(f"{study} {path.name} is not a readable MATLAB v5 file (truncated?): {error}") from error
    for field in fields:
        if field not in content:
            raise RawFormatError(f"{study} {path.name} lacks field {field!r} (expected {', '.join(fields)}).")
    return content
