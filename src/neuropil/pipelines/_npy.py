"""Reading ``.npy`` files that may hold pickled object arrays, only after their SHA-256 matched.

The bytes are read once, hashed, compared with the registered digest and only then parsed from
the same bytes in memory, so a file swapped between the check and the read cannot slip through.
Object arrays are unpickled with a restricted unpickler that builds numpy arrays and nothing else:
a second wall should a registered file ever carry something other than arrays.
"""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from neuropil._fetch import RawFile, mismatch
from neuropil.errors import ChecksumError, RawFormatError

# what numpy's own pickles of (nested) ndarrays name; anything else is refused
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED or (module == "numpy.dtypes" and name.endswith("DType")):
            return super().find_class(module, name)
        raise RawFormatError(f"pickled object array refers to {module}.{name}; only numpy arrays are accepted")


def load_verified_npy(path: str | os.PathLike[str], expected: str | RawFile, *, name: str | None = None) -> np.ndarray:
    """The array in ``path``, after its digest matched ``expected`` (:class:`ChecksumError` if not):
    a SHA-256, or a registered raw file (its SHA-256, else its git blob id).

    Object arrays (the pickled position and spike-time arrays of the MICrONS fields) are accepted
    only here, never through ``np.load(allow_pickle=True)`` on an unchecked file.
    """
    label = name or Path(path).name
    data = Path(path).read_bytes()
    raw = expected if isinstance(expected, RawFile) else RawFile(name=label, sha256=expected, url="")
    wrong = mismatch(data, raw)
    if wrong is not None:
        kind, wanted, actual = wrong
        raise ChecksumError(
            f"{kind} mismatch for raw file {label!r} at {path}: expected {wanted}, got {actual}. "
            "Refusing to unpickle it: the file is corrupted, tampered with or a different version."
        )
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    except ValueError as error:
        raise RawFormatError(f"{label}: not a .npy file ({error})") from None
    if not dtype.hasobject:
        count = int(np.prod(shape)) if shape else 1
        array = np.frombuffer(data, dtype=dtype, count=count, offset=stream.tell())
        return array.reshape(shape, order="F" if fortran else "C").copy()
    try:
        array = _ArrayUnpickler(stream).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as error:
        raise RawFormatError(f"{label}: unreadable pickled object array ({error})") from None
    if not isinstance(array, np.ndarray):
        raise RawFormatError(f"{label}: expected a numpy array, found {type(array).__name__}")
    return array
