"""Legacy VTK polydata (``.vtk``) -> VesselGraph node and edge tables.

VesselGraph publishes each graph also as legacy VTK polydata (the sample's ``example_graph.vtk``:
``# vtk DataFile Version 4.2``, ``BINARY``): ``POINTS`` are the bifurcation nodes (in node-id order),
``LINES`` the vessels (two point indices each, in edge-id order), ``CELL_DATA`` ``radius`` the
vessel's ``avgRadiusAvg`` and ``POINT_DATA`` ``degree`` the published degree (both checked against
the sample's CSVs, see ``tests/pipelines/test_vesselgraph_vtk.py``).

:func:`read_legacy_vtk` reads the legacy format without VTK: ASCII and BINARY (big-endian, as the
format prescribes), file versions 2.0-4.2 (cell lists as ``n i0 i1 ...``) and 5.1 (``OFFSETS`` /
``CONNECTIVITY``), ``SCALARS`` (with ``LOOKUP_TABLE``), ``VECTORS``, ``NORMALS`` and ``FIELD`` arrays,
``METADATA`` blocks skipped. :func:`voreen_tables` turns polydata into the ``*_nodes.csv`` /
``*_edges.csv`` columns the pipeline reads; the Voreen attributes the VTK file does not carry (length,
distance, curveness, roundness, ...) stay null, as for any graph without edge attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from neuropil.errors import RawFormatError
from neuropil.pipelines._values import VESSEL_NONNEGATIVE, require_values

#: legacy VTK type names -> big-endian numpy dtypes
_TYPES = {
    "bit": None, "unsigned_char": ">u1", "char": ">i1", "unsigned_short": ">u2", "short": ">i2",
    "unsigned_int": ">u4", "int": ">i4", "unsigned_long": ">u8", "long": ">i8", "float": ">f4", "double": ">f8",
    "vtkidtype": ">i4", "vtktypeint64": ">i8", "vtktypeuint64": ">u8", "vtktypeint32": ">i4",
}
#: VTK cell-data names that are VesselGraph edge columns under another name
CELL_ALIASES = {"radius": "avgRadiusAvg"}


@dataclass
class PolyData:
    points: np.ndarray  # (n, 3) float64
    lines: list[np.ndarray] = field(default_factory=list)  # point indices of each line cell
    point_data: dict[str, np.ndarray] = field(default_factory=dict)
    cell_data: dict[str, np.ndarray] = field(default_factory=dict)
    version: str = ""


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = path.read_bytes()
        self.at = 0
        self.binary = False

    def fail(self, what: str) -> RawFormatError:
        return RawFormatError(f"{self.path}: {what} (byte {self.at}); expected legacy VTK polydata "
                              "('# vtk DataFile Version x.y', title, ASCII|BINARY, DATASET POLYDATA).")

    def raw_line(self) -> str:
        """The next line, stripped (blank lines included)."""
        end = self.data.find(b"\n", self.at)
        end = len(self.data) if end < 0 else end
        text = self.data[self.at:end].decode("latin-1").strip()
        self.at = end + 1
        return text

    def line(self) -> str:
        """The next non-blank line ("" at the end of the file)."""
        while self.at < len(self.data):
            text = self.raw_line()
            if text:
                return text
        return ""

    def values(self, count: int, vtk_type: str) -> np.ndarray:
        dtype = _TYPES.get(vtk_type.lower())
        if dtype is None:
            raise self.fail(f"unsupported data type {vtk_type!r} (supported: {sorted(k for k, v in _TYPES.items() if v)})")
        if count < 0:
            raise self.fail(f"negative count {count}")
        if self.binary:
            size = np.dtype(dtype).itemsize * count
            if self.at + size > len(self.data):
                raise self.fail(f"truncated: {count} {vtk_type} values need {size} bytes, {len(self.data) - self.at} left")
            out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.at)
            self.at += size
            return out.astype(dtype[1:])  # native byte order, a writable copy
        out, tokens = [], 0
        while tokens < count:
            text = self.line()
            if not text:
                raise self.fail(f"truncated: {count} {vtk_type} values expected, {tokens} found")
            parts = text.split()
            out.extend(parts)
            tokens += len(parts)
        if tokens != count:
            raise self.fail(f"{tokens} values where {count} were declared")
        try:
            return np.array(out, dtype=np.float64).astype(dtype[1:])
        except ValueError:
            raise self.fail(f"non-numeric value among {count} {vtk_type} values") from None


def _int(text: str, reader: _Reader) -> int:
    try:
        return int(text)
    except ValueError:
        raise reader.fail(f"{text!r} is not an integer") from None


def _cells(reader: _Reader, header: list[str], version: str) -> list[np.ndarray]:
    if len(header) != 3:
        raise reader.fail(f"bad cell header {' '.join(header)!r}")
    first, second = _int(header[1], reader), _int(header[2], reader)
    if version >= "5":  # OFFSETS / CONNECTIVITY arrays
        offsets_header = reader.line().split()
        if len(offsets_header) != 2 or offsets_header[0].upper() != "OFFSETS":
            raise reader.fail(f"{header[0]} in a version {version} file needs OFFSETS, found {' '.join(offsets_header)!r}")
        offsets = reader.values(first, offsets_header[1]).astype(np.int64)
        connectivity_header = reader.line().split()
        if len(connectivity_header) != 2 or connectivity_header[0].upper() != "CONNECTIVITY":
            raise reader.fail(f"OFFSETS must be followed by CONNECTIVITY, found {' '.join(connectivity_header)!r}")
        connectivity = reader.values(second, connectivity_header[1]).astype(np.int64)
        if offsets.size == 0 or offsets[0] != 0 or offsets[-1] != connectivity.size or (np.diff(offsets) < 0).any():
            raise reader.fail("OFFSETS do not describe CONNECTIVITY")
        return [connectivity[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
    flat = reader.values(second, "int").astype(np.int64)
    cells, at = [], 0
    for _ in range(first):
        if at >= flat.size or at + 1 + flat[at] > flat.size:
            raise reader.fail(f"{header[0]}: cell list shorter than its {first} declared cells")
        cells.append(flat[at + 1:at + 1 + flat[at]])
        at += 1 + int(flat[at])
    if at != flat.size:
        raise reader.fail(f"{header[0]}: {flat.size - at} values left after {first} cells")
    return cells


def _skip_metadata(reader: _Reader) -> None:
    """A METADATA block (its keyword already read) runs up to the next blank line."""
    while reader.at < len(reader.data) and reader.raw_line():
        pass


def _attributes(reader: _Reader, count: int, into: dict[str, np.ndarray]) -> str:
    """Read the arrays of one POINT_DATA / CELL_DATA section; return the next section's header."""
    while True:
        text = reader.line()
        if not text:
            return ""
        parts = text.split()
        keyword = parts[0].upper()
        if keyword == "SCALARS":
            components = _int(parts[3], reader) if len(parts) > 3 else 1
            table = reader.line().split()
            if not table or table[0].upper() != "LOOKUP_TABLE":
                raise reader.fail(f"SCALARS {parts[1]} needs a LOOKUP_TABLE line")
            values = reader.values(count * components, parts[2])
            into[parts[1]] = values.reshape(count, components) if components > 1 else values
        elif keyword in ("VECTORS", "NORMALS"):
            into[parts[1]] = reader.values(count * 3, parts[2]).reshape(count, 3)
        elif keyword == "FIELD":
            for _ in range(_int(parts[2], reader)):
                array = reader.line().split()
                if len(array) != 4:
                    raise reader.fail(f"bad FIELD array header {' '.join(array)!r}")
                components, tuples = _int(array[1], reader), _int(array[2], reader)
                values = reader.values(components * tuples, array[3])
                into[array[0]] = values.reshape(tuples, components) if components > 1 else values
        elif keyword == "METADATA":
            _skip_metadata(reader)
        elif keyword in ("POINT_DATA", "CELL_DATA"):
            return text  # already consumed: the caller handles this header
        else:
            raise reader.fail(f"unsupported attribute {keyword!r}")


def read_legacy_vtk(path: str | Path) -> PolyData:
    """Read a legacy VTK polydata file (points, line cells, point and cell arrays)."""
    reader = _Reader(Path(path))
    magic = reader.line()
    if not magic.lower().startswith("# vtk datafile version"):
        raise reader.fail(f"first line is {magic[:60]!r}")
    version = magic.split()[-1]
    reader.line()  # title
    encoding = reader.line().upper()
    if encoding not in ("ASCII", "BINARY"):
        raise reader.fail(f"encoding {encoding!r}")
    reader.binary = encoding == "BINARY"
    dataset = reader.line().split()
    if len(dataset) != 2 or dataset[0].upper() != "DATASET" or dataset[1].upper() != "POLYDATA":
        raise reader.fail(f"dataset {' '.join(dataset)!r} is not POLYDATA")
    out = PolyData(points=np.empty((0, 3)), version=version)
    seen_points = False
    text = reader.line()
    while text:
        parts = text.split()
        keyword = parts[0].upper()
        if keyword == "POINTS":
            count = _int(parts[1], reader)
            out.points = reader.values(count * 3, parts[2]).astype(np.float64).reshape(count, 3)
            seen_points = True
        elif keyword == "LINES":
            out.lines = _cells(reader, parts, version)
        elif keyword in ("VERTICES", "POLYGONS", "TRIANGLE_STRIPS"):
            _cells(reader, parts, version)  # not part of a vessel graph
        elif keyword in ("POINT_DATA", "CELL_DATA"):
            count = _int(parts[1], reader)
            expected = out.points.shape[0] if keyword == "POINT_DATA" else len(out.lines)
            if count != expected:
                raise reader.fail(f"{keyword} {count} but the file has {expected} "
                                  + ("points" if keyword == "POINT_DATA" else "line cells"))
            text = _attributes(reader, count, out.point_data if keyword == "POINT_DATA" else out.cell_data)
            continue
        elif keyword == "METADATA":
            _skip_metadata(reader)
        else:
            raise reader.fail(f"unsupported section {keyword!r}")
        text = reader.line()
    if not seen_points:
        raise reader.fail("no POINTS section")
    return out


def voreen_tables(data: PolyData, *, source: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node and edge tables with the Voreen CSV column names (ids = point / line index)."""
    lengths = np.array([cell.size for cell in data.lines], dtype=np.int64)
    if lengths.size and (lengths != 2).any():
        bad = int(np.flatnonzero(lengths != 2)[0])
        raise RawFormatError(f"{source}: line cell {bad} has {int(lengths[bad])} points; a VesselGraph vessel is a "
                             "line of exactly 2 points (its two bifurcation nodes).")
    ends = np.stack(data.lines).astype(np.int64) if data.lines else np.empty((0, 2), np.int64)
    n = data.points.shape[0]
    if ends.size and (ends.min() < 0 or ends.max() >= n):
        raise RawFormatError(f"{source}: a line names point {int(ends.max() if ends.max() >= n else ends.min())}, "
                             f"outside the {n} points.")
    counted = np.bincount(ends.ravel(), minlength=n)
    degree = data.point_data.get("degree")
    nodes = pd.DataFrame({
        "id": np.arange(n, dtype=np.int64), "pos_x": data.points[:, 0], "pos_y": data.points[:, 1],
        "pos_z": data.points[:, 2],
        "degree": (np.asarray(degree).round().astype(np.int64) if degree is not None and np.ndim(degree) == 1
                   else counted),
        "isAtSampleBorder": (np.asarray(data.point_data["isAtSampleBorder"]).astype(np.int64)
                             if "isAtSampleBorder" in data.point_data else np.zeros(n, np.int64)),
    })
    edges = pd.DataFrame({"id": np.arange(ends.shape[0], dtype=np.int64), "node1id": ends[:, 0], "node2id": ends[:, 1]})
    for name, values in data.cell_data.items():
        values = np.asarray(values)
        if values.ndim == 1:
            edges[CELL_ALIASES.get(name, name)] = values
    require_values(nodes, source, finite=("pos_x", "pos_y", "pos_z"), nonnegative=("degree",))
    require_values(edges, source, nonnegative=VESSEL_NONNEGATIVE)
    return nodes, edges
