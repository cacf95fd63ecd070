"""The one name table: every rule, and the canonical axis against two independent lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from neuropil.pipelines.celegans_names import CANONICAL_LABELS, map_label


@pytest.mark.parametrize(
    ("raw", "label", "kind"),
    [
        ("ADAL", "ADAL", "neuron"),
        (" AVAL ", "AVAL", "neuron"),
        ("DA01", "DA1", "neuron"),
        ("VB09", "VB9", "neuron"),
        ("AS10", "AS10", "neuron"),
        ("VC06", "VC6", "neuron"),
        ("AWCON", "AWCR", "neuron"),
        ("AWCOFF", "AWCL", "neuron"),
        ("AWCOF", "AWCL", "neuron"),
        ("avfl", "AVFL", "neuron"),
        ("CANL", "CANL", "off_axis_neuron"),
        ("dBWML10", "dBWML10", "muscle"),
        ("MDL05", "MDL05", "muscle"),
        ("pm3D", "pm3D", "muscle"),
        ("NMJ", "NMJ", "muscle"),
        ("LegacyBodyWallMuscles", "LegacyBodyWallMuscles", "muscle"),
        ("CEPshDL", "CEPshDL", "other_cell"),
        ("bm", "bm", "other_cell"),
        ("exc_cell", "exc_cell", "other_cell"),
        ("AS12", "AS12", "model_neuron"),
        ("VB12", "VB12", "model_neuron"),
        ("AS11", "AS11", "neuron"),
        ("ADA1", "ADA1", "unmapped"),
        ("Da01", "Da01", "unmapped"),
    ],
)
def test_rules(raw: str, label: str, kind: str) -> None:
    assert tuple(map_label(raw)) == (label, kind)


def test_axis_is_302_minus_can_sorted() -> None:
    from cect.Cells import PREFERRED_HERM_NEURON_NAMES

    expected = sorted(set(PREFERRED_HERM_NEURON_NAMES) - {"CANL", "CANR"})
    assert len(expected) == 300
    assert list(CANONICAL_LABELS) == expected


def test_axis_matches_worm_graph_list(shared_data: Path) -> None:
    listed = (shared_data / "celegans" / "worm-graph" / "neuron_labels_generated.txt").read_text().split()
    assert list(CANONICAL_LABELS) == listed


def test_every_zero_padded_cook_label_maps(shared_data: Path) -> None:
    """The published homogenizer kept 236 of Cook 2019's 300 neurons; every one must map."""
    import importlib.resources

    from openpyxl import load_workbook

    path = importlib.resources.files("cect").joinpath("data", "SI 5 Connectome adjacency matrices, corrected July 2020.xlsx")
    sheet = load_workbook(str(path), read_only=True)["hermaphrodite chemical"]
    pre = [row[0] for row in sheet.iter_rows(min_row=4, min_col=3, max_col=3, values_only=True) if row[0]]
    mapped = {map_label(label) for label in pre}
    neurons = {m.label for m in mapped if m.kind == "neuron"}
    assert sum(label.startswith(("DA0", "VB0", "AS0", "VC0")) for label in pre) > 0
    assert neurons == set(CANONICAL_LABELS)
