"""Fake ``Nejatbakhsh2020/`` folder: two DANDI-style sub-folders, one NWB 2.x file each, written with h5py.

Follows the spec's minimal fixture (``shared/formats/celegans-activity.md`` section 5): per file
``processing/CalciumActivity/SignalRawFluor/SignalCalciumImResponseSeries/data`` (T=700, N=6) with
one all-NaN column and a few scattered NaNs, and ``processing/CalciumActivity/NeuronIDs/labels``
with canonical names, two ``''`` and one non-canonical name (``CANL``: a neuron, but off the
300-neuron axis). The HDF5 layout is NWB's: ``namespace`` / ``neurodata_type`` / ``object_id``
attributes on every typed group and dataset, the ``NWBFile`` root datasets, a ``rois``
``DynamicTableRegion`` pointing at a ``PlaneSegmentation`` and the cached namespaces under
``specifications/`` (placeholders, not the full schema: pynwb is not needed to read these files).

The first file's series carries ``starting_time`` with ``rate`` = 4 Hz (the NWBelegans MATLAB
writer's habit), the second ``timestamps`` starting at 1.75 s, so both clock forms are exercised.
A top-level ``dandiset.yaml`` is written too; the reader must skip it.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import numpy as np

STUDY = "Nejatbakhsh2020"
FRAMES = 700
SERIES = "processing/CalciumActivity/SignalRawFluor/SignalCalciumImResponseSeries"

#: (sub-folder, file name, labels, index of the all-NaN column, clock)
_WORMS = (
    ("sub-20190924-01", "sub-20190924-01_ses-20190924_ophys.nwb",
     ["AVAL", "", "RIML", "AVAR", "", "CANL"], 3, "starting_time"),
    ("sub-20191104-03", "sub-20191104-03_ses-20191104_ophys.nwb",
     ["ASEL", "AWCL", "", "SMDVL", "CANL", ""], 1, "timestamps"),
)
_SCATTERED_NAN = 4
_TIMESTAMPS_START = 1.75
_NAMESPACES = (("core", "2.6.0"), ("hdmf-common", "1.8.0"), ("ndx-multichannel-volume", "0.1.12"))


def _object_id(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def _typed(node: Any, namespace: str, neurodata_type: str, rng: np.random.Generator) -> None:
    node.attrs["namespace"] = namespace
    node.attrs["neurodata_type"] = neurodata_type
    node.attrs["object_id"] = _object_id(rng)


def _write_nwb(path: Path, traces: np.ndarray, labels: list[str], clock: str, rng: np.random.Generator) -> np.ndarray:
    import h5py

    frames, n_rois = traces.shape
    text = h5py.string_dtype("utf-8")
    with h5py.File(path, "w") as handle:
        _typed(handle, "core", "NWBFile", rng)
        handle.attrs["nwb_version"] = "2.6.0"
        handle.create_dataset("file_create_date", data=np.array(["2020-07-07T12:00:00+00:00"], dtype=object),
                              dtype=text)
        handle.create_dataset("identifier", data=path.stem, dtype=text)
        handle.create_dataset("session_description", data="NeuroPAL whole-brain calcium imaging", dtype=text)
        handle.create_dataset("session_start_time", data="2019-09-24T10:00:00+00:00", dtype=text)
        handle.create_dataset("timestamps_reference_time", data="2019-09-24T10:00:00+00:00", dtype=text)
        for group in ("acquisition", "analysis", "general", "stimulus/presentation", "stimulus/templates"):
            handle.require_group(group)
        module = handle.create_group("processing/CalciumActivity")
        _typed(module, "core", "ProcessingModule", rng)
        module.attrs["description"] = "calcium activity of segmented neurons"
        segmentation = module.create_group("CalciumSeriesSegmentation")
        _typed(segmentation, "core", "ImageSegmentation", rng)
        plane = segmentation.create_group("Aligned_neuron_coordinates")
        _typed(plane, "core", "PlaneSegmentation", rng)
        plane.attrs["colnames"] = np.array([], dtype=object).astype(text)
        plane.attrs["description"] = "neuron ROIs aligned across frames"
        ids = plane.create_dataset("id", data=np.arange(n_rois, dtype="int64"))
        _typed(ids, "hdmf-common", "ElementIdentifiers", rng)
        fluorescence = module.create_group("SignalRawFluor")
        _typed(fluorescence, "core", "Fluorescence", rng)
        series = fluorescence.create_group("SignalCalciumImResponseSeries")
        _typed(series, "core", "RoiResponseSeries", rng)
        series.attrs["description"] = "raw GCaMP fluorescence per ROI"
        series.attrs["comments"] = "no comments"
        data = series.create_dataset("data", data=traces)
        data.attrs.update({"conversion": 1.0, "offset": 0.0, "resolution": -1.0, "unit": "lumens"})
        rois = series.create_dataset("rois", data=np.arange(n_rois, dtype="int64"))
        _typed(rois, "hdmf-common", "DynamicTableRegion", rng)
        rois.attrs["description"] = "all segmented neurons"
        rois.attrs["table"] = plane.ref
        if clock == "starting_time":
            start = series.create_dataset("starting_time", data=0.0)
            start.attrs.update({"rate": 4.0, "unit": "seconds"})
            time = np.arange(frames, dtype="float64") / 4.0
        else:
            time = _TIMESTAMPS_START + np.arange(frames, dtype="float64") / 4.0
            stamps = series.create_dataset("timestamps", data=time)
            stamps.attrs.update({"interval": np.int32(1), "unit": "seconds"})
        neuron_ids = module.create_group("NeuronIDs")
        _typed(neuron_ids, "ndx-multichannel-volume", "SegmentationLabels", rng)
        neuron_ids.create_dataset("labels", data=np.array(labels, dtype=object), dtype=text)
        neuron_ids.create_dataset("description", data="NeuroPAL identities, '' = unidentified", dtype=text)
        for namespace, version in _NAMESPACES:
            cached = {"namespaces": [{"name": namespace, "version": version, "schema": []}]}
            handle.create_dataset(f"specifications/{namespace}/{version}/namespace", data=json.dumps(cached),
                                  dtype=text)
    return time


def write(folder: Path, *, seed: int = 0) -> dict:
    """Write the fake study folder; return what a correct reader yields.

    Returns ``{"study", "files", "worms"}``; each worm is a dict with ``file`` (relative to
    ``folder``), ``worm``, ``T``, ``N``, ``labels``, ``time`` (array or None), ``frame_interval``,
    ``condition``, ``traces`` ((T, N), NaN where written), ``all_nan_column``, ``nan_count`` and
    ``notes`` (the reader's expected notes).
    """
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dandiset.yaml").write_text("identifier: DANDI:000000\nname: fixture\n", encoding="utf-8")
    worms = []
    for sub, name, labels, nan_column, clock in _WORMS:
        n_rois = len(labels)
        traces = 400.0 + 150.0 * rng.random(n_rois) + 20.0 * rng.standard_normal((FRAMES, n_rois))
        traces[:, nan_column] = np.nan
        columns = [c for c in range(n_rois) if c != nan_column]
        rows = rng.choice(np.arange(1, FRAMES), size=_SCATTERED_NAN, replace=False)
        traces[rows, rng.choice(columns, size=_SCATTERED_NAN)] = np.nan
        (folder / sub).mkdir(exist_ok=True)
        time = _write_nwb(folder / sub / name, traces, labels, clock, rng)
        notes: dict[str, Any] = {"time_source": "timestamps"}
        if clock == "starting_time":
            notes = {"time_source": "starting_time+rate", "file_rate_hz": 4.0}
        worms.append({
            "file": f"{sub}/{name}", "worm": f"{sub}/{Path(name).stem}", "T": FRAMES, "N": n_rois,
            "labels": list(labels), "time": time, "frame_interval": None, "condition": None, "traces": traces,
            "all_nan_column": nan_column, "nan_count": int(np.isnan(traces).sum()), "notes": notes,
        })
    return {"study": STUDY, "files": [w["file"] for w in worms], "worms": worms}
