"""A writer of MATLAB v7.3 MAT-files on h5py, for fixtures in the Zimmer-lab studies' layouts.

``mat73`` has no writer, so the fixtures are written the way MATLAB writes (spec
``celegans-activity.md`` §0.3): a 512-byte user block holding the ``MATLAB 7.3 MAT-file`` header,
``MATLAB_class`` attributes as fixed-length bytes, char as uint16 ``(len, 1)``, ``[]`` as a uint64
``[0, 0]`` dataset with ``MATLAB_empty=1``, numbers with the dims reversed, and every cell element
as an object reference into the root group ``#refs#``.

Python values map to MATLAB values as follows:

==========================  =============================================================
Python                      MATLAB
==========================  =============================================================
``None``                    ``[]`` (empty double)
``str``                     char row (``''`` -> empty char)
``bool``/``int``/``float``  1 x 1 double (bool -> logical)
``np.ndarray``              numeric array in MATLAB's shape (a 1-D array is a T x 1 column);
                            ``traces`` given ``(T, N)`` are stored HDF5 ``(N, T)``
``list``/``tuple``          k x 1 cell (HDF5 reference dataset ``(k, 1)``); see :class:`Cell`
``dict``                    scalar struct (group; fields in place)
:class:`StructArray`        1 x n struct array (fields as reference datasets ``(n, 1)``,
                            without ``MATLAB_class``)
:class:`Empty`              an empty value of another class (``Empty("cell")`` = ``{}``)
==========================  =============================================================
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

__all__ = [
    "Cell",
    "Empty",
    "StructArray",
    "MAT73_HEADER",
    "write_mat73",
    "time_vector",
    "calcium_traces",
    "zimmer_worm",
    "write_worm_struct",
    "write_zimmer_study",
    "squeezed_like_mat73",
    "same_decoded",
]

#: the first 116 bytes of a v7.3 MAT-file's user block; the date is fixed so fixtures are reproducible
MAT73_HEADER = "MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2018 HDF5 schema 1.00 ."
_USERBLOCK = 512
_CLASS_OF_DTYPE = {
    "float64": "double", "float32": "single", "int8": "int8", "uint8": "uint8", "int16": "int16",
    "uint16": "uint16", "int32": "int32", "uint32": "uint32", "int64": "int64", "uint64": "uint64",
    "bool": "logical",
}


@dataclass(frozen=True)
class Cell:
    """A MATLAB cell with an explicit HDF5 orientation: ``(k, 1)`` (default, as ``list``) or
    ``(1, k)`` (a MATLAB k x 1 column as MATLAB itself stores it)."""

    items: Sequence[Any]
    hdf5_shape: tuple[int, int] | None = None


@dataclass(frozen=True)
class Empty:
    """An empty value of a given MATLAB class (``[]`` is ``Empty("double")``, i.e. ``None``)."""

    matlab_class: str = "double"


@dataclass(frozen=True)
class StructArray:
    """A 1 x n MATLAB struct array: ``fields`` maps each field name to its n per-element values."""

    fields: Mapping[str, Sequence[Any]] = field(default_factory=dict)


def _class_attr(node: h5py.HLObject, matlab_class: str) -> None:
    # fixed-length bytes: mat73 calls .decode() on it and fails on a variable-length str
    node.attrs.create("MATLAB_class", np.bytes_(matlab_class))


def _ref_names() -> Any:
    """MATLAB's naming of ``#refs#`` members: a, b, ..., z, A, ..., Z, ba, bb, ..."""
    alphabet = string.ascii_lowercase + string.ascii_uppercase
    count = 0
    while True:
        n, name = count, ""
        while True:
            name = alphabet[n % len(alphabet)] + name
            n //= len(alphabet)
            if n == 0:
                break
        count += 1
        yield name


class _Writer:
    def __init__(self, file: h5py.File) -> None:
        self.file = file
        self.refs = file.create_group("#refs#")
        self.names = _ref_names()
        # MATLAB's own first #refs# member: the canonical empty that null cell slots point to
        canonical = self.refs.create_dataset(next(self.names), data=np.zeros(2, dtype="uint64"))
        _class_attr(canonical, "canonical empty")
        canonical.attrs.create("MATLAB_empty", np.uint8(1))

    def write(self, parent: h5py.Group, name: str, value: Any) -> h5py.HLObject:
        if value is None:
            value = Empty("double")
        if isinstance(value, Empty):
            node = parent.create_dataset(name, data=np.zeros(2, dtype="uint64"))
            _class_attr(node, value.matlab_class)
            node.attrs.create("MATLAB_empty", np.uint8(1))
            return node
        if isinstance(value, str):
            if not value:
                return self.write(parent, name, Empty("char"))
            codes = np.frombuffer(value.encode("utf-16-le"), dtype="<u2").reshape(-1, 1)
            node = parent.create_dataset(name, data=codes)
            _class_attr(node, "char")
            node.attrs.create("MATLAB_int_decode", np.int32(2))
            return node
        if isinstance(value, Mapping):
            group = parent.create_group(name)
            _class_attr(group, "struct")
            self._fields_attr(group, list(value))
            for key, item in value.items():
                self.write(group, key, item)
            return group
        if isinstance(value, StructArray):
            group = parent.create_group(name)
            _class_attr(group, "struct")
            self._fields_attr(group, list(value.fields))
            for key, items in value.fields.items():
                group.create_dataset(key, data=self._references(items).reshape(-1, 1), dtype=h5py.ref_dtype)
            return group
        if isinstance(value, Cell | list | tuple):
            items, shape = (value.items, value.hdf5_shape) if isinstance(value, Cell) else (value, None)
            if len(items) == 0:
                return self.write(parent, name, Empty("cell"))
            references = self._references(items).reshape(shape or (-1, 1))
            node = parent.create_dataset(name, data=references, dtype=h5py.ref_dtype)
            _class_attr(node, "cell")
            return node
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"cannot write {type(value).__name__} ({array.dtype}) as a MATLAB value")
        if array.dtype.kind == "i" and array.ndim == 0 and not isinstance(value, np.generic):
            array = array.astype("float64")  # a Python int is a MATLAB double
        matlab = array.reshape(1, 1) if array.ndim == 0 else array.reshape(-1, 1) if array.ndim == 1 else array
        node = parent.create_dataset(name, data=np.ascontiguousarray(matlab.T))
        _class_attr(node, _CLASS_OF_DTYPE[str(array.dtype)])
        if array.dtype.kind == "b":
            node.attrs.create("MATLAB_int_decode", np.int32(1))
        return node

    def _references(self, items: Sequence[Any]) -> np.ndarray:
        references = np.empty(len(items), dtype=h5py.ref_dtype)
        for k, item in enumerate(items):
            references[k] = self.write(self.refs, next(self.names), item).ref
        return references

    @staticmethod
    def _fields_attr(group: h5py.Group, names: list[str]) -> None:
        values = np.empty(len(names), dtype=object)
        for k, name in enumerate(names):
            values[k] = np.frombuffer(name.encode("ascii"), dtype="S1")
        group.attrs.create("MATLAB_fields", values, dtype=h5py.vlen_dtype(np.dtype("S1")))


def write_mat73(path: str | os.PathLike[str], variables: Mapping[str, Any], *, header: str = MAT73_HEADER) -> Path:
    """Write ``variables`` (name -> value, see the module table) as a MATLAB v7.3 MAT-file."""
    path = Path(path)
    with h5py.File(path, "w", userblock_size=_USERBLOCK, track_order=False) as file:
        writer = _Writer(file)
        for name, value in variables.items():
            writer.write(file, name, value)
    text = header.encode("ascii")[:116].ljust(116, b" ")
    # 8 bytes subsystem offset (none), version 0x0200, endian indicator 'IM' (little-endian)
    block = text + b" " * 8 + b"\x00\x02" + b"IM"
    with open(path, "r+b") as handle:
        handle.write(block.ljust(_USERBLOCK, b"\x00"))
    return path


def time_vector(rng: np.random.Generator, frames: int, *, fps: float, offset: float) -> np.ndarray:
    """A Zimmer-rig volume time vector in seconds: ~``fps`` Hz, irregular but strictly increasing,
    starting at ``offset`` (not 0)."""
    steps = np.clip(rng.normal(1.0 / fps, 0.012, frames - 1), 0.8 / fps, 1.2 / fps)
    return np.round(offset + np.concatenate([[0.0], np.cumsum(steps)]), 6)


def calcium_traces(rng: np.random.Generator, frames: int, neurons: int) -> np.ndarray:
    """(T, N) ΔF/F-like traces: slow random walks with transients and noise."""
    walk = np.cumsum(rng.normal(0.0, 0.03, (frames, neurons)), axis=0)
    walk -= walk.mean(axis=0)
    spikes = (rng.random((frames, neurons)) < 0.01) * rng.uniform(0.5, 1.5, (frames, neurons))
    decay = np.exp(-np.arange(30) / 8.0)
    transients = np.stack([np.convolve(spikes[:, n], decay)[:frames] for n in range(neurons)], axis=1)
    return walk + transients + rng.normal(0.0, 0.02, (frames, neurons))


def zimmer_worm(rng: np.random.Generator, *, file: str, key: str, index: int, labels: list[Any],
                expected_labels: list[Any] | None = None, frames: tuple[int, int] = (600, 660),
                fps: tuple[float, float] = (2.8, 3.06)) -> dict[str, Any]:
    """One fake worm of a Zimmer-lab file: ``T`` in ``frames`` (inclusive), a ~3 Hz time vector with
    a start offset, (T, N) traces, and the labels as written (``expected_labels``: what a reader
    returns, when it differs from what was written)."""
    n_frames = int(rng.integers(frames[0], frames[1] + 1))
    rate = float(rng.uniform(*fps))
    offset = float(np.round(rng.uniform(0.05, 3.0), 3))
    return {
        "file": file,
        "key": key,
        "worm": f"{key}/{index}",
        "condition": key,
        "T": n_frames,
        "N": len(labels),
        "fps": rate,
        "labels": labels,
        "expected_labels": labels if expected_labels is None else expected_labels,
        "time": time_vector(rng, n_frames, fps=rate, offset=offset),
        "traces": calcium_traces(rng, n_frames, len(labels)),
    }


def write_worm_struct(path: str | os.PathLike[str], key: str, worms: Sequence[Mapping[str, Any]], *,
                      label_field: str, trace_field: str, time_field: str,
                      extra: Mapping[str, Sequence[Any]] | None = None,
                      struct_array: bool = False, time_as_row: bool = False) -> Path:
    """A v7.3 file with one top-level struct ``key`` holding one entry per worm in each field: an
    n x 1 cell per field (``struct_array=False``, the Kato layout) or a 1 x n struct array.
    ``extra`` adds further per-worm fields (e.g. ``fps``). Traces are stored HDF5 (N, T); the time
    vector as a T x 1 column, or a 1 x T row with ``time_as_row``."""
    fields: dict[str, list[Any]] = {
        label_field: [list(worm["labels"]) for worm in worms],
        trace_field: [np.asarray(worm["traces"], dtype="float64") for worm in worms],
        time_field: [np.asarray(worm["time"], dtype="float64").reshape((1, -1) if time_as_row else (-1, 1))
                     for worm in worms],
    }
    for name, values in (extra or {}).items():
        fields[name] = list(values)
    value: Any = StructArray(fields) if struct_array else fields
    return write_mat73(path, {key: value})


def write_zimmer_study(folder: str | os.PathLike[str], *, study: str, files: Sequence[str],
                       labels: Mapping[str, Sequence[list[Any]]], seed: int, salt: int,
                       key_for: Callable[[str], str] = lambda name: Path(name).stem,
                       label_field: str, trace_field: str, time_field: str,
                       time_as_row: bool = False) -> dict[str, Any]:
    """Write a Zimmer-lab study whose files all share one layout into ``folder``: per file ``name``
    (in ``files`` order) one struct ``key_for(name)`` (default: the stem) holding one
    :func:`zimmer_worm` per entry of ``labels[key]``, all drawn from one generator seeded with
    ``[seed, salt]``. Returns ``{"study", "files", "worms"}`` with the worms in the order a reader
    returns them (see :func:`neuropil.testing.celegans_activity.kato2015.write`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, salt])
    worms: list[dict[str, Any]] = []
    for name in files:
        key = key_for(name)
        file_worms = [zimmer_worm(rng, file=name, key=key, index=i, labels=entry) for i, entry in enumerate(labels[key])]
        write_worm_struct(folder / name, key, file_worms, label_field=label_field, trace_field=trace_field,
                          time_field=time_field, time_as_row=time_as_row)
        worms += file_worms
    return {"study": study, "files": list(files), "worms": worms}


def squeezed_like_mat73(value: Any) -> Any:
    """A value decoded in MATLAB's 2-D shapes, squeezed as ``mat73`` squeezes: a 2-D array with a unit
    dimension becomes 1-D (a 1 x 1 one 0-d); lists recursively. For comparing the two decoders."""
    if isinstance(value, np.ndarray):
        return value.reshape([n for n in value.shape if n > 1]) if value.ndim == 2 and 1 in value.shape else value
    return [squeezed_like_mat73(v) for v in value] if isinstance(value, list) else value


def same_decoded(a: Any, b: Any) -> bool:
    """Equal decoded values: arrays by shape and content, lists element by element, the rest by ``==``."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_decoded(x, y) for x, y in zip(a, b, strict=True))
    return a == b
