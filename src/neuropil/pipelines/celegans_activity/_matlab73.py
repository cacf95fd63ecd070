"""A small reader for MATLAB v7.3 MAT-files (HDF5 with MATLAB's conventions), on h5py alone.

The five Zimmer-lab activity studies (Kato2015, Nichols2017, Skora2018, Kaplan2020, Uzel2022)
publish v7.3 files. The reference pipeline reads them with ``mat73``; we read the same HDF5 content
directly: the values are identical (a test compares them on every fixture), ``mat73`` takes 10x the
time on files of 12 worms (``perf/matlab73_reader.py``), and every unreadable layout here gets one
clear :class:`~neuropil.errors.RawFormatError` naming the file, the variable and the field.

How MATLAB stores values (spec ``celegans-activity.md`` §0.3), and what :meth:`Mat73File.decode`
returns for each:

=========================================  ==============================================================
HDF5 object                                Python value
=========================================  ==============================================================
numeric dataset, ``MATLAB_class`` double,  ``np.ndarray`` in MATLAB's shape: HDF5 dims are reversed, so
single, (u)int8..64                        an HDF5 ``(N, T)`` dataset is a MATLAB ``T x N`` matrix and
                                           comes back ``(T, N)``; never squeezed (a 1x1 is ``(1, 1)``)
``logical``                                the same, dtype bool
``char`` (uint16, HDF5 ``(len, 1)``)       ``str`` (a char matrix of several rows: list of row strs)
``MATLAB_empty=1``                         ``None``; ``''`` for an empty char, ``[]`` for an empty cell
reference dataset (``cell``, or a struct-  ``list`` of the decoded referents (MATLAB vectors flat, m x n
array field without ``MATLAB_class``)      cells as a list of rows); null references -> ``None``
group (``struct``)                         ``dict`` field -> value (a struct array's fields are lists)
=========================================  ==============================================================

Only what the studies need is supported; sparse matrices, function handles and MATLAB objects
raise :class:`~neuropil.errors.RawFormatError`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import h5py
import numpy as np

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_activity.raw import RawLabel, RawRecording

__all__ = [
    "Mat73File",
    "NUMERIC_CLASSES",
    "loadmat73",
    "require_files",
    "read_struct_recordings",
    "raw_labels",
]

#: MATLAB classes stored as plain HDF5 numbers, and the dtype each is read as
NUMERIC_CLASSES: dict[str, str] = {
    "double": "float64",
    "single": "float32",
    "int8": "int8",
    "uint8": "uint8",
    "int16": "int16",
    "uint16": "uint16",
    "int32": "int32",
    "uint32": "uint32",
    "int64": "int64",
    "uint64": "uint64",
    "logical": "bool",
}
#: HDF5 root members that MATLAB writes for its own bookkeeping, not user variables
_INTERNAL = ("#refs#", "#subsystem#")
#: a cell nested deeper than this is a reference cycle, not data
_MAX_DEPTH = 64


def _attr_str(node: h5py.HLObject, name: str) -> str | None:
    value = node.attrs.get(name)
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else b"".join(value.ravel().tolist())
    if isinstance(value, bytes | np.bytes_):
        return bytes(value).decode("ascii", errors="replace")
    return str(value)


def _is_empty(node: h5py.HLObject) -> bool:
    value = node.attrs.get("MATLAB_empty")
    return value is not None and bool(np.asarray(value).any())


def _is_reference(dataset: h5py.Dataset) -> bool:
    return h5py.check_dtype(ref=dataset.dtype) is h5py.Reference


def _matlab_shape(array: np.ndarray) -> np.ndarray:
    """HDF5 holds MATLAB's column-major arrays with the dims reversed; undo that."""
    return array.T if array.ndim > 1 else array


def _decode_char(codes: np.ndarray) -> str | list[str]:
    codes = _matlab_shape(np.asarray(codes))
    if codes.ndim == 2 and codes.shape[0] > 1 and codes.shape[1] > 1:
        return [_chars_to_str(row) for row in codes]
    return _chars_to_str(codes.ravel())


def _chars_to_str(codes: np.ndarray) -> str:
    if codes.dtype.itemsize == 1:
        return codes.astype("uint8").tobytes().decode("latin-1")
    # MATLAB chars are UTF-16 code units; surrogate pairs must be joined, not mapped one by one
    return codes.astype("<u2").tobytes().decode("utf-16-le", errors="surrogatepass")


class Mat73File:
    """An open MATLAB v7.3 file; use as a context manager.

    >>> with Mat73File("WT_Stim.mat") as mat:              # doctest: +SKIP
    ...     mat.fields("WT_Stim")
    ['IDs', 'States', 'dataset', 'fps', 'stimulus', 'timeVectorSeconds', 'traces', ...]
    ...     ids = mat.field("WT_Stim", "IDs")              # one entry per worm
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self._file = h5py.File(self.path, "r")
        except FileNotFoundError as error:
            raise RawFormatError(f"{self.path.name}: file not found at {self.path}.") from error
        except OSError as error:
            raise RawFormatError(self._unreadable_message(error)) from error

    def _unreadable_message(self, error: Exception) -> str:
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(128)
        except OSError:
            head = b""
        if head.startswith(b"MATLAB 5.0 MAT-file"):
            kind = "a MATLAB v5/v7 MAT-file, not the v7.3 (HDF5) format this study publishes"
        elif head.startswith(b"MATLAB 7.3 MAT-file"):
            kind = "a MATLAB v7.3 MAT-file whose HDF5 content is unreadable (truncated or corrupted?)"
        else:
            kind = "not a MATLAB v7.3 (HDF5) MAT-file, or it is truncated"
        return f"{self.path.name} is {kind}: {error}"

    @contextlib.contextmanager
    def _reading(self, where: str) -> Iterator[None]:
        """h5py's errors on a damaged file (OSError, KeyError, ...) -> one RawFormatError naming ``where``."""
        try:
            yield
        except RawFormatError:
            raise
        except (OSError, KeyError, ValueError, TypeError, RuntimeError) as error:
            raise RawFormatError(
                f"{self.path.name}: cannot read {where} (truncated or corrupted?): {type(error).__name__}: {error}"
            ) from error

    # -- context management -------------------------------------------------------------------
    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Mat73File:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # -- variables and struct fields ----------------------------------------------------------
    def variables(self) -> list[str]:
        """The top-level MATLAB variable names (MATLAB's ``#refs#`` bookkeeping excluded)."""
        with self._reading("the list of variables"):
            return [name for name in self._file.keys() if name not in _INTERNAL]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.variables()

    def __iter__(self) -> Iterator[str]:
        return iter(self.variables())

    def _variable_node(self, key: str) -> h5py.HLObject:
        if key not in self.variables():
            raise RawFormatError(
                f"{self.path.name}: no top-level variable {key!r}; the file holds {self.variables()}."
            )
        with self._reading(f"variable {key!r}"):
            return self._file[key]

    def _struct_group(self, key: str) -> h5py.Group:
        node = self._variable_node(key)
        if not isinstance(node, h5py.Group) or _attr_str(node, "MATLAB_class") not in (None, "struct"):
            raise RawFormatError(
                f"{self.path.name}: variable {key!r} should be a MATLAB struct, but it is "
                f"{_attr_str(node, 'MATLAB_class') or type(node).__name__}."
            )
        return node

    def variable(self, key: str) -> Any:
        """One top-level variable, fully decoded."""
        node = self._variable_node(key)
        return self.decode(node, where=key)

    def fields(self, key: str) -> list[str]:
        """The field names of the top-level struct ``key`` (MATLAB's order when it recorded one)."""
        group = self._struct_group(key)
        with self._reading(f"the fields of {key!r}"):
            present = list(group.keys())
            order = group.attrs.get("MATLAB_fields")
        if order is None:
            return present
        try:
            names = [b"".join(np.asarray(name).ravel().tolist()).decode("ascii") for name in order]
        except (TypeError, UnicodeDecodeError, AttributeError):
            return present
        return [name for name in names if name in present] + [name for name in present if name not in names]

    def has_field(self, key: str, field: str) -> bool:
        return field in self.fields(key)

    def field(self, key: str, field: str) -> list[Any]:
        """A top-level struct's field as a per-worm list.

        The studies store each per-worm quantity as an ``n_worms x 1`` cell (or a ``1 x n`` struct
        array's field): a reference dataset whose entries are decoded one by one. A field that is
        not a reference dataset is one value, returned as a list of one.
        """
        group = self._struct_group(key)
        if field not in group:
            raise RawFormatError(
                f"{self.path.name}: struct {key!r} has no field {field!r}; its fields are {self.fields(key)}."
            )
        where = f"{key}.{field}"
        with self._reading(where):
            node = group[field]
            if isinstance(node, h5py.Dataset) and _is_reference(node) and not _is_empty(node):
                return self._decode_references(node, where=where, depth=1, flat=True)
        value = self.decode(node, where=where)
        return value if isinstance(value, list) else [value]

    def first_field(self, key: str, candidates: Sequence[str]) -> str:
        """The first of ``candidates`` that struct ``key`` has (a study's field alternates)."""
        present = self.fields(key)
        for name in candidates:
            if name in present:
                return name
        wanted = " or ".join(repr(name) for name in candidates)
        raise RawFormatError(f"{self.path.name}: struct {key!r} has no field {wanted}; its fields are {present}.")

    # -- decoding -----------------------------------------------------------------------------
    def decode(self, node: h5py.HLObject, *, where: str | None = None, depth: int = 0) -> Any:
        """One HDF5 object as the Python value MATLAB's content maps to (see the module table)."""
        where = where or node.name
        if depth > _MAX_DEPTH:
            raise RawFormatError(f"{self.path.name}: {where} nests deeper than {_MAX_DEPTH} levels (a reference cycle?).")
        with self._reading(where):
            if isinstance(node, h5py.Group):
                return self._decode_group(node, where=where, depth=depth)
            return self._decode_dataset(node, where=where, depth=depth)

    def _decode_group(self, group: h5py.Group, *, where: str, depth: int) -> dict[str, Any]:
        matlab_class = _attr_str(group, "MATLAB_class")
        if "MATLAB_sparse" in group.attrs or (matlab_class not in (None, "struct")):
            raise RawFormatError(
                f"{self.path.name}: {where} is a MATLAB {matlab_class or 'object'}"
                f"{' (sparse)' if 'MATLAB_sparse' in group.attrs else ''}, which this reader does not support."
            )
        names = list(group.keys())
        return {name: self.decode(group[name], where=f"{where}.{name}", depth=depth + 1) for name in names}

    def _decode_dataset(self, dataset: h5py.Dataset, *, where: str, depth: int) -> Any:
        matlab_class = _attr_str(dataset, "MATLAB_class")
        if _is_empty(dataset):
            if matlab_class == "char":
                return ""
            if matlab_class == "cell":
                return []
            return None
        if _is_reference(dataset):
            return self._decode_references(dataset, where=where, depth=depth + 1, flat=False)
        if matlab_class == "char":
            return _decode_char(dataset[()])
        if matlab_class is not None and matlab_class not in NUMERIC_CLASSES:
            raise RawFormatError(
                f"{self.path.name}: {where} is a MATLAB {matlab_class!r}, which this reader does not support."
            )
        data = np.asarray(dataset[()])
        if data.dtype.names is not None:
            if set(data.dtype.names) != {"real", "imag"}:
                raise RawFormatError(f"{self.path.name}: {where} is a compound dataset {data.dtype.names}, not a MATLAB array.")
            data = data["real"] + 1j * data["imag"]
        elif data.dtype.kind not in "biuf":
            raise RawFormatError(f"{self.path.name}: {where} holds {data.dtype}, not MATLAB numbers.")
        if matlab_class is not None and data.dtype.kind != "c":
            data = data.astype(NUMERIC_CLASSES[matlab_class], copy=False)
        return _matlab_shape(data)

    def _decode_references(self, dataset: h5py.Dataset, *, where: str, depth: int, flat: bool) -> list[Any]:
        references = np.asarray(dataset[()], dtype=object)
        matlab = _matlab_shape(references)

        def one(reference: h5py.Reference, index: str) -> Any:
            if not reference:
                return None
            return self.decode(self._file[reference], where=f"{where}{{{index}}}", depth=depth)

        if flat or matlab.ndim < 2 or min(matlab.shape) <= 1:
            # column-major order, as MATLAB's linear index s{k} walks it (same as row order for vectors)
            ordered = references.ravel()
            return [one(reference, str(k + 1)) for k, reference in enumerate(ordered)]
        return [[one(matlab[i, j], f"{i + 1},{j + 1}") for j in range(matlab.shape[1])] for i in range(matlab.shape[0])]


def loadmat73(path: str | os.PathLike[str], variables: Sequence[str] | None = None) -> dict[str, Any]:
    """All (or the named) top-level variables of a v7.3 file, decoded: ``mat73.loadmat``'s shape,
    without its squeezing (arrays keep MATLAB's 2-D shape)."""
    with Mat73File(path) as mat:
        names = list(variables) if variables is not None else mat.variables()
        return {name: mat.variable(name) for name in names}


# -- what the Zimmer-lab readers share ---------------------------------------------------------
def require_files(folder: str | os.PathLike[str], files: Sequence[str], *, study: str) -> list[Path]:
    """The study's published files in ``folder``; one error naming every one that is missing."""
    folder = Path(folder)
    paths = [folder / name for name in files]
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        raise RawFormatError(
            f"{study}: missing file(s) {missing} in {folder}; the study publishes {list(files)}."
        )
    return paths


def raw_labels(entries: Any, *, file: str, where: str) -> tuple[list[RawLabel], dict[str, int]]:
    """One worm's published per-neuron label entries, as the :class:`RawRecording` contract wants
    them, and the counts of what was changed.

    * char -> ``str`` as stored (``'---'``, zero-padded ``'VB02'`` and ``'?'`` all kept);
    * ``[]`` (MATLAB empty) -> ``None``;
    * a cell of candidates -> ``list`` of ``str``/``None`` (Kato-style; an empty candidate ``[]`` is
      ``None``); an empty cell ``{}`` -> ``None`` (counted as ``empty_cells_as_unlabelled``);
    * a numeric value (Uzel's ids of unlabelled neurons) -> ``None`` (counted as
      ``numeric_ids_as_unlabelled``).
    """
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise RawFormatError(
            f"{file}: {where} should be a cell of per-neuron labels, got {type(entries).__name__}."
        )
    counts = {"numeric_ids_as_unlabelled": 0, "empty_cells_as_unlabelled": 0}

    def scalar(value: Any, index: str) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
            counts["numeric_ids_as_unlabelled"] += 1
            return None
        raise RawFormatError(
            f"{file}: {where}{{{index}}} should be a char label, [] or a number, got {type(value).__name__}."
        )

    labels: list[RawLabel] = []
    for k, entry in enumerate(entries, start=1):
        if isinstance(entry, list):
            if not entry:
                counts["empty_cells_as_unlabelled"] += 1
                labels.append(None)
                continue
            labels.append([scalar(candidate, f"{k}}}{{{j}") for j, candidate in enumerate(entry, start=1)])
        else:
            labels.append(scalar(entry, str(k)))
    return labels, counts


def _traces(value: Any, n_labels: int, *, file: str, where: str) -> np.ndarray:
    if value is None:  # an empty recording as published; the common step skips it with a reason
        return np.empty((0, n_labels))
    if not isinstance(value, np.ndarray) or value.ndim != 2 or value.dtype.kind not in "biuf":
        shape = getattr(value, "shape", None)
        raise RawFormatError(
            f"{file}: {where} should be a real MATLAB T x N matrix (HDF5 N x T), got "
            f"{type(value).__name__}{'' if shape is None else f' of shape {shape}'}."
        )
    return value.astype("float64")


def _time(value: Any, *, file: str, where: str) -> np.ndarray:
    if value is None:
        return np.empty(0)
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf" or (value.ndim == 2 and min(value.shape) > 1):
        shape = getattr(value, "shape", None)
        raise RawFormatError(
            f"{file}: {where} should be a real time vector in seconds (1 x T or T x 1), got "
            f"{type(value).__name__}{'' if shape is None else f' of shape {shape}'}."
        )
    return value.astype("float64").reshape(-1)


def read_struct_recordings(
    path: Path,
    *,
    study: str,
    key: str,
    labels: Sequence[str],
    traces: Sequence[str],
    time: Sequence[str],
    condition: str | None = None,
    label_notes: Callable[[dict[str, int]], dict[str, int]] | None = None,
) -> list[RawRecording]:
    """The recordings of one Zimmer-lab file: a top-level struct ``key`` whose fields hold one entry
    per worm. ``labels``/``traces``/``time`` are the accepted field names for each quantity, in
    order of preference (the first present is used). Worms are ``"<key>/<index>"`` from 0, in the
    order the file stores them. ``label_notes`` picks which label counts go into ``notes`` (default:
    the non-zero ones)."""
    with Mat73File(path) as mat:
        label_field = mat.first_field(key, labels)
        trace_field = mat.first_field(key, traces)
        time_field = mat.first_field(key, time)
        per_worm = {name: mat.field(key, name) for name in (label_field, trace_field, time_field)}
    counts = {name: len(values) for name, values in per_worm.items()}
    if len(set(counts.values())) != 1:
        raise RawFormatError(
            f"{path.name}: struct {key!r} fields hold different numbers of worms: {counts}."
        )
    recordings = []
    for index, (label_entries, trace_value, time_value) in enumerate(
        zip(per_worm[label_field], per_worm[trace_field], per_worm[time_field], strict=True)
    ):
        worm_labels, label_counts = raw_labels(label_entries, file=path.name, where=f"{key}.{label_field}{{{index + 1}}}")
        notes: dict[str, Any] = (
            label_notes(label_counts) if label_notes is not None
            else {name: count for name, count in label_counts.items() if count}
        )
        recordings.append(
            RawRecording(
                study=study,
                file=path.name,
                worm=f"{key}/{index}",
                traces=_traces(trace_value, len(worm_labels), file=path.name, where=f"{key}.{trace_field}{{{index + 1}}}"),
                time=_time(time_value, file=path.name, where=f"{key}.{time_field}{{{index + 1}}}"),
                labels=worm_labels,
                condition=condition if condition is not None else key,
                notes=notes,
            )
        )
    return recordings
