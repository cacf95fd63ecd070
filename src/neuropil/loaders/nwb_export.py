"""``neuropil export celegans-activity --nwb DIR``: one NWB file per recording, laid out as DANDI
expects (``sub-<worm>/sub-<worm>_ses-<recording>_ophys.nwb``), written with pynwb (extra ``[nwb]``).

Each file holds, under ``processing/ophys``:

* ``ImageSegmentation/NeuronLabels``: a ``PlaneSegmentation`` with one row per segmented neuron of the
  recording (``local_id``, published ``raw_label``, canonical ``label``, ``canonical_index``,
  ``label_status``); the source publishes no masks or positions, so every ``image_mask`` is a 1 x 1 image of
  weight 0 (no pixel is known to belong to the neuron).
* ``Fluorescence``: ``RoiResponseSeries`` ``raw_traces`` (as published, with the recording's own
  timestamps) and ``processed_traces`` (resampled and normalised by the ingest, NaN where nothing was
  observed; the common grid is regular, so ``starting_time`` + ``rate``), both referencing the rows
  of ``NeuronLabels``.

Subject (``worm`` id, *Caenorhabditis elegans*), session (study, condition, source file) and the
study's citation (``related_publications`` as ``doi:``) are filled from the store. The folder is
built beside ``DIR`` and swapped in whole, like ``--hf``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from pathlib import Path
from typing import Any

from neuropil import _store
from neuropil.datasets import get_spec
from neuropil.datasets.bibtex import REFERENCES, reference_key
from neuropil.errors import InvalidArgumentError, NotIngestedError

DATASET = "celegans-activity"
#: the file that marks a folder as a neuropil NWB export (only such a folder is ever replaced)
EXPORT_MARKER = ".neuropil-nwb"
#: whole-brain studies image adults: at least 2 days after hatching at 20 C (ISO 8601 open interval)
ADULT_AGE = "P2D/"
NEURON_COLUMNS = {
    "local_id": "column of the neuron in the source's trace matrix",
    "raw_label": "label as published ('' if none)",
    "label": "canonical C. elegans neuron label ('' if not mapped)",
    "canonical_index": "position on neuropil's canonical 300-neuron axis (-1 if not mapped)",
    "label_status": "labelled | unlabelled | ambiguous | duplicate | unmapped",
}


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _safe(text: str) -> str:
    """A DANDI-safe id part: letters, digits and '-' only."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", str(text)).strip("-") or "unknown"


def session_start(worm: str, citation: str) -> tuple[dt.datetime, str]:
    """The recording date from a ``YYYY-MM-DD`` worm id, else 1 January of the study's year, with
    a sentence saying which (no source publishes the time of day)."""
    match = re.search(r"(\d{4})-(\d{2})-(\d{2})", worm)
    if match:
        date = dt.datetime(*map(int, match.groups()), tzinfo=dt.timezone.utc)
        return date, "Session start: the date in the worm id; the time of day is not published (00:00 UTC)."
    year = re.search(r"\((\d{4})\)", citation)
    date = dt.datetime(int(year.group(1)) if year else 2000, 1, 1, tzinfo=dt.timezone.utc)
    return date, "Session start: not published; 1 January of the study's publication year stands in."


def _publications(citation: str) -> list[str]:
    key = reference_key(citation)
    doi = REFERENCES.get(key, ("", {}))[1].get("doi")
    return [f"doi:{doi}"] if doi else []


def recording_file(recording: Any, cells: Any, arrays: dict[str, Any], *, citation: str,
                   manifest: dict[str, Any]) -> Any:
    """The ``pynwb.NWBFile`` of one recording (a row of ``recordings``, its ``neurons`` rows and arrays)."""
    import numpy as np
    from pynwb import NWBFile
    from pynwb.file import Subject
    from pynwb.ophys import Fluorescence, ImageSegmentation, OpticalChannel

    start, start_note = session_start(str(recording.worm), citation)
    identifier = uuid.uuid5(uuid.NAMESPACE_URL, f"neuropil:{DATASET}:{manifest.get('fingerprint')}:{recording.recording}")
    nwb = NWBFile(
        session_description=f"Whole-brain calcium imaging of one C. elegans ({recording.study}, worm {recording.worm}, "
                            f"condition {recording.condition or 'not stated'}).",
        identifier=str(identifier), session_start_time=start, session_id=f"{recording.study}-{recording.recording}",
        experiment_description=f"{recording.study}: {citation}", related_publications=_publications(citation),
        keywords=["C. elegans", "whole-brain imaging", "calcium imaging", "neuropil"],
        source_script=f"neuropil export {DATASET} --nwb (pipeline {manifest.get('pipeline_version')}, fingerprint "
                      f"{manifest.get('fingerprint')})", source_script_file_name="neuropil/loaders/nwb_export.py",
        notes=f"Source file: {recording.file}. {start_note}",
        subject=Subject(subject_id=_safe(recording.worm), species="Caenorhabditis elegans", sex="XX",
                        age=ADULT_AGE, age__reference="birth",
                        description=f"adult hermaphrodite (XX), worm {recording.worm} of {recording.study} (strain / "
                                    f"condition: {recording.condition or 'not stated'}); the source states no exact "
                                    "age, so the age is the interval every adult falls in"),
    )
    cells = cells.sort_values("local_id")
    device = nwb.create_device(name="Microscope", description=f"the whole-brain imaging set-up of {recording.study}")
    plane = nwb.create_imaging_plane(
        name="ImagingPlane", description="whole-brain volume (head ganglia); the source publishes no geometry",
        optical_channel=OpticalChannel(name="GCaMP", description="calcium indicator channel", emission_lambda=np.nan),
        device=device, excitation_lambda=np.nan, indicator="GCaMP", location="C. elegans head ganglia")
    ophys = nwb.create_processing_module(name="ophys", description="calcium traces per neuron and their labels")
    segmentation = ImageSegmentation(name="ImageSegmentation")
    ophys.add(segmentation)
    labels = segmentation.create_plane_segmentation(
        name="NeuronLabels", imaging_plane=plane,
        description="one row per segmented neuron of this recording; the source publishes no masks, so each "
                    "image_mask is a 1 x 1 image of weight 0 (no pixel known)")
    for column, description in NEURON_COLUMNS.items():
        labels.add_column(name=column, description=description)
    no_mask = np.zeros((1, 1), dtype="float32")  # weight 0 everywhere: no pixel known (the source has no geometry)
    for cell in cells.itertuples():
        labels.add_roi(image_mask=no_mask, local_id=int(cell.local_id),
                       raw_label="" if _missing(cell.raw_label) else str(cell.raw_label),
                       label="" if _missing(cell.label) else str(cell.label),
                       canonical_index=-1 if _missing(cell.canonical_index) else int(cell.canonical_index),
                       label_status=str(cell.label_status))
    order = cells["local_id"].to_numpy(dtype=np.int64)
    rows = list(range(len(cells)))
    fluorescence = ophys.add(Fluorescence(name="Fluorescence"))
    fluorescence.create_roi_response_series(
        name="raw_traces", data=arrays["raw_traces"][:, order], unit="a.u.",
        rois=labels.create_roi_table_region(description="every neuron, in NeuronLabels order", region=rows),
        timestamps=arrays["raw_time"].astype("float64"),
        description="traces as published by the study, on the recording's own time stamps")
    grid = arrays["time"].astype("float64")
    step = float(grid[1] - grid[0]) if len(grid) > 1 else 1.0
    fluorescence.create_roi_response_series(  # the common grid is regular: a rate, not timestamps (NWB practice)
        name="processed_traces", data=arrays["traces"][:, order], unit="a.u.",
        rois=labels.create_roi_table_region(description="every neuron, in NeuronLabels order", region=rows),
        starting_time=float(grid[0]) if len(grid) else 0.0, rate=1.0 / step,
        description="resampled to the common grid and normalised (neuropil ingest); NaN where not observed")
    return nwb


def export_nwb(dataset_id: str, directory: str | os.PathLike[str], *, home: str | os.PathLike[str] | None = None,
               overwrite: bool = False) -> list[Path]:
    """Write one NWB file per recording of ``dataset_id`` (only ``celegans-activity``) into ``directory``
    atomically; returns the files' paths in the written folder."""
    if dataset_id != DATASET:
        raise InvalidArgumentError(f"--nwb exports {DATASET} only (recordings of neural activity); got {dataset_id!r}.")
    try:
        from pynwb import NWBHDF5IO
    except ImportError:
        raise InvalidArgumentError("--nwb needs pynwb: pip install 'neuropil[nwb]'.") from None
    from neuropil.loaders import celegans_activity

    spec = get_spec(dataset_id)
    command = f"neuropil export {dataset_id} --nwb"
    target = _store.replaceable_folder(directory, marker=EXPORT_MARKER, overwrite=overwrite, command=command)
    written: list[Path] = []
    with _store.pinned(), _store.staged_folder(target, marker=EXPORT_MARKER, overwrite=overwrite,
                                               command=command) as staging:
        manifest = _store.verify_outputs(dataset_id, spec.version, home)
        recordings = celegans_activity.to_pandas(table="recordings", home=home)
        neurons = celegans_activity.to_pandas(table="neurons", home=home)
        if recordings.empty:
            raise NotIngestedError(f"{dataset_id} holds no recording to export; run `neuropil ingest {dataset_id}`.")
        studies = get_spec(dataset_id).details.get("studies", {})
        for recording in recordings.itertuples():
            citation = studies.get(recording.study, {}).get("citation", spec.citation)
            arrays = celegans_activity.read_arrays(recording.recording, home=home)
            nwb = recording_file(recording, neurons[neurons["recording"] == recording.recording], arrays,
                                 citation=citation, manifest=manifest)
            subject = _safe(recording.worm)
            relative = Path(f"sub-{subject}") / f"sub-{subject}_ses-{_safe(recording.study)}-{recording.recording}_ophys.nwb"
            (staging / relative.parent).mkdir(parents=True, exist_ok=True)
            with NWBHDF5IO(str(staging / relative), "w") as io:
                io.write(nwb)
            written.append(relative)
    return [target / relative for relative in written]
