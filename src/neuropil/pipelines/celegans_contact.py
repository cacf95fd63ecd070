"""Readers of the C. elegans contactomes and of the Randi 2023 unc-31 atlas: one function per upstream layout.

A contactome measures membrane contact between two cells, not a synapse: its records get the edge
type ``contact`` (symmetric, one row per unordered pair, as gap junctions are stored) and are read
into *source tables* (``pre_raw, post_raw, type, weight``) like every other reader's, so
:func:`~neuropil.pipelines.celegans_connectomes.homogenize` treats them alike.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_sources import _labelled_matrix
from neuropil.pipelines.celegans_spreadsheets import read_excel, require_columns

#: Brittin et al. 2021's M4 graph: contacts seen on both sides of both animals (JSH, N2U), i.e. delta 4
BRITTIN_SHEET = "M"
BRITTIN_DELTA = 4


def _contralateral(label: str, neurons: frozenset[str]) -> str:
    """The mirror-image neuron (ADAL <-> ADAR); a label without an L/R homologue on the axis is its own."""
    for side, other in (("L", "R"), ("R", "L")):
        if label.endswith(side) and label in neurons and label[:-1] + other in neurons:
            return label[:-1] + other
    return label


def read_brittin_2021(path: Path) -> pd.DataFrame:
    """Brittin et al. 2021 (``41586_2021_3284_MOESM5_ESM.xlsx``, sheet ``M``: ``cell_1, cell_2, weight,
    delta``), the M4 contact graph as cect's BrittinDataReader reads it: rows with delta 4 (the contact
    is conserved on the left and right of both animals); the sheet lists one side, so each contact is
    also recorded between the contralateral homologues (ADAL-AVKR gives ADAR-AVKL), with the same
    mean area. A pair given twice must carry one area (it does in the published file)."""
    from neuropil.pipelines.celegans_names import LABEL_INDEX

    table = read_excel(path, [BRITTIN_SHEET])[BRITTIN_SHEET]
    require_columns(table, ["cell_1", "cell_2", "weight", "delta"], path, f"sheet {BRITTIN_SHEET}")
    delta = pd.to_numeric(table["delta"], errors="coerce")
    weight = pd.to_numeric(table["weight"], errors="coerce")
    for column, values in (("delta", delta), ("weight", weight)):
        if values.isna().any():
            raise RawFormatError(f"{path.name}: sheet {BRITTIN_SHEET!r} column {column!r} has non-numeric value "
                                 f"{table.loc[values.isna(), column].iloc[0]!r}; expected a number.")
    chosen = table[delta == BRITTIN_DELTA]
    neurons = frozenset(LABEL_INDEX)
    areas: dict[frozenset[str], tuple[str, str, float]] = {}
    for a, b, area in zip(chosen["cell_1"].astype(str).str.strip(), chosen["cell_2"].astype(str).str.strip(),
                          weight[chosen.index]):
        mirror = (_contralateral(a, neurons), _contralateral(b, neurons))
        for pre, post in ((a, b), mirror):
            key = frozenset((pre, post))
            if key in areas and areas[key][2] != float(area):
                raise RawFormatError(f"{path.name}: contact {pre}-{post} has areas {areas[key][2]} and {float(area)}; "
                                     "the M4 graph gives one mean area per pair.")
            areas.setdefault(key, (pre, post, float(area)))
    table = pd.DataFrame(list(areas.values()), columns=["pre_raw", "post_raw", "weight"]).assign(type="contact")
    table.attrs["covered_raw"] = sorted(set(table["pre_raw"]) | set(table["post_raw"]))
    return table[["pre_raw", "post_raw", "type", "weight"]]


#: Yim et al. 2024 contactome workbook (Supplementary Data 4): symmetric cell x cell contact matrices
YIM_CONTACT_SHEETS = {"raw": "Dauer", "normalized": "Dauer_normalized"}


def read_yim_contact(path: Path) -> pd.DataFrame:
    """Yim et al. 2024 dauer contactome (``41467_2024_45943_MOESM9_ESM.xlsx``, sheet ``Dauer``): the total
    contact area between two cells (nm^2, as cect describes it), a symmetric matrix (both orientations)."""
    return _labelled_matrix(path, YIM_CONTACT_SHEETS["raw"], "contact")


def read_yim_contact_normalized(path: Path) -> pd.DataFrame:
    """Sheet ``Dauer_normalized``: the same areas divided by the standard deviation of the areas without
    the top 5 % (the authors' normalisation, as for the synaptic sheet)."""
    return _labelled_matrix(path, YIM_CONTACT_SHEETS["normalized"], "contact")
