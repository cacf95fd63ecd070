"""The canonical neuron table: the 300-neuron axis with class, type, neurotransmitter and position.

Attributes come from the worm-graph master sheet (shipped with neuropil, see
``datasets/data/worm-graph/``); without it every attribute is missing, which an ingest reports as a
skipped part (refused unless ``allow_partial``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_names import CANONICAL_LABELS, map_label

#: registered raw-file name of the master sheet
MASTER_SHEET = "neuron_master_sheet.csv"

NEURON_COLUMNS = ["index", "label", "class", "type", "neurotransmitter", "x", "y", "z"]
MASTER_SHEET_COLUMNS = ["label", "class", "neurotransmitter", "type", "x", "y", "z"]


def build_neurons(master_sheet: Path | None) -> pd.DataFrame:
    """The canonical axis, with attributes from the worm-graph master sheet when it is available."""
    neurons = pd.DataFrame({"index": np.arange(len(CANONICAL_LABELS), dtype="int32"), "label": list(CANONICAL_LABELS)})
    if master_sheet is None:
        for column in ["class", "type", "neurotransmitter"]:
            neurons[column] = pd.Series([None] * len(neurons), dtype="string")
        for column in ["x", "y", "z"]:
            neurons[column] = np.nan
        return neurons[NEURON_COLUMNS]
    try:
        sheet = pd.read_csv(master_sheet)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise RawFormatError(f"{master_sheet.name} is not a CSV table: {error}") from error
    absent = [c for c in MASTER_SHEET_COLUMNS if c not in sheet.columns]
    if absent:
        raise RawFormatError(f"{master_sheet.name} (header) lacks column(s) {absent}; expected "
                             f"{MASTER_SHEET_COLUMNS}, found {list(sheet.columns)}.")
    mapped = sheet["label"].map(map_label)
    off_axis = sheet.loc[[m.kind != "neuron" for m in mapped], "label"].tolist()
    if off_axis:
        raise RawFormatError(f"{master_sheet.name} names label(s) {off_axis} that are not canonical neurons.")
    sheet = sheet.assign(label=[m.label for m in mapped])
    missing = sorted(set(CANONICAL_LABELS) - set(sheet["label"]))
    if missing:
        raise RawFormatError(f"{master_sheet.name} lacks canonical neuron(s) {missing}.")
    neurons = neurons.merge(sheet[MASTER_SHEET_COLUMNS], on="label", how="left", validate="one_to_one")
    for column in ["class", "type", "neurotransmitter"]:
        neurons[column] = neurons[column].astype("string")
    return neurons[NEURON_COLUMNS]
