"""Fake Kaplan2020 files (``Neuron2019_Data_{MNhisCl_RIShisCl,RIShisCl,SMDhisCl_RIShisCl}.mat``)
in the published v7.3 layout.

Follows the spec's minimal fixture (``celegans-activity.md`` §4): the top-level structs carry the
exact upstream key names (``MNhisCl_RIShisCl_Neuron2019``, ...), fields ``neuron_ID`` (a cell of
plain char per worm: canonical names, a zero-padded name, numeric strings ``'12'``, ``'13'`` for
unlabelled neurons), ``traces_bleach_corrected`` and ``time_vector`` (written as a 1 x T row).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neuropil.testing.celegans_activity._matlab73 import write_zimmer_study

STUDY = "Kaplan2020"
#: mixed into the seed so that two studies written with one seed do not share their numbers
SEED_SALT = 2020
FILES: tuple[str, ...] = (
    "Neuron2019_Data_MNhisCl_RIShisCl.mat",
    "Neuron2019_Data_RIShisCl.mat",
    "Neuron2019_Data_SMDhisCl_RIShisCl.mat",
)
KEYS: dict[str, str] = {
    "Neuron2019_Data_MNhisCl_RIShisCl.mat": "MNhisCl_RIShisCl_Neuron2019",
    "Neuron2019_Data_RIShisCl.mat": "RIShisCl_Neuron2019",
    "Neuron2019_Data_SMDhisCl_RIShisCl.mat": "SMDhisCl_RIShisCl_Neuron2019",
}

LABELS: dict[str, list[list[Any]]] = {
    "MNhisCl_RIShisCl_Neuron2019": [
        ["AVAL", "RIS", "12", "VA01", "13", "SMDDR"],
        ["AVAR", "14", "RIML", "DB02", "15"],
    ],
    "RIShisCl_Neuron2019": [
        ["RIS", "AVBL", "7", "VB02", "8", "RMED", "SMDVL"],
    ],
    "SMDhisCl_RIShisCl_Neuron2019": [
        ["SMDVR", "SMDDL", "21", "AVAL", "VA01", "22"],
        ["RIS", "30", "ALA", "31", "DA01"],
    ],
}


def write(folder: Path, *, seed: int = 0) -> dict[str, Any]:
    """Write the three files into the study folder ``folder``; return what was written (see
    :func:`neuropil.testing.celegans_activity.kato2015.write`)."""
    return write_zimmer_study(folder, study=STUDY, files=FILES, labels=LABELS, seed=seed, salt=SEED_SALT,
                              key_for=KEYS.__getitem__, label_field="neuron_ID",
                              trace_field="traces_bleach_corrected", time_field="time_vector", time_as_row=True)
