"""Writing HDF5 so that a full disk is an ``OSError``, never a crash.

h5py 3.16 / HDF5 2.0 segfault (exit 139) when a chunked, compressed dataset cannot be flushed at
close on a full disk (measured on a 400 KiB tmpfs); the build it was writing stayed behind. Two
ways around it: small files are built in memory and written with one plain ``write`` (which raises
``ENOSPC`` like any other file), large volumes are written with the chunk cache off so that every
chunk reaches the disk inside the call that wrote it and a failure raises there.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_small(path: Path, fill: Callable[[Any], None], **options: Any) -> None:
    """``fill(handle)`` on an in-memory HDF5 file, then its bytes to ``path`` (files of tens of MB)."""
    import h5py

    image = io.BytesIO()
    with h5py.File(image, "w", **options) as handle:
        fill(handle)
    with open(path, "wb") as out:
        out.write(image.getbuffer())


def open_for_blocks(path: Path, **options: Any) -> Any:
    """An HDF5 file for block-by-block writing of a large volume, with no chunk cache (see above)."""
    import h5py

    return h5py.File(path, "w", rdcc_nbytes=0, **options)
