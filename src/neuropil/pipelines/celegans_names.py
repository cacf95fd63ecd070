"""The one name table for C. elegans cell labels: every source label goes through :func:`map_label`.

Rules, applied in order (each is tested against the real sources):

============================  ======================  =================================================
source spelling               canonical               why
============================  ======================  =================================================
surrounding whitespace        stripped                spreadsheet cells carry trailing spaces
``avfl`` (all lower case)     ``AVFL``                one Varshney receive row spells a neuron in lower
                                                      case
``DA01``, ``VB09``, ``AS01``  ``DA1``, ``VB9``, ``AS1``  Cook 2019 zero-pads ventral-cord motor neurons
                                                      (AS, DA, DB, DD, VA, VB, VC, VD); the published
                                                      homogenizer dropped these 64 neurons
``AWCOFF`` / ``AWCOF``        ``AWCL``                AWC is named by function (ON/OFF), not side, in
``AWCON``                     ``AWCR``                the Randi 2023 atlas (``AWCOF`` is ``AWCOFF`` cut
                                                      to 5 bytes by its ``S5`` HDF5 dtype). The side of
                                                      AWC-ON is random per animal; we follow cect's
                                                      convention (OFF -> L, ON -> R) so that the atlas
                                                      lines up with the anatomical connectomes.
``CANL``, ``CANR``            kind ``off_axis_neuron``  neurons, but not on the 300-neuron axis
``CA01``, ``CP09``            ``CA1``, ``CP9``        Cook 2019 zero-pads the male CA/CP neurons too
male-specific neurons         kind ``male_neuron``    the 90 of ``datasets.celegans_cells`` (Cook 2019
(``SPCL``, ``R1AL``, ``HOA``)                         male), rows 302-391 of the ``axis="all"`` table
muscles (``dBWML10``,         kind ``muscle``         body-wall, pharyngeal, vulval, uterine, anal,
``MDL05``, ``pm3D``, ``NMJ``)                         intestinal and male tail (``dglL3``, ``aobL``, ...)
                                                      muscles; ``NMJ`` is Varshney's generic
                                                      neuromuscular-junction endpoint and
                                                      ``LegacyBodyWallMuscles`` White 1986's
``AS12``, ``VB12``            kind ``model_neuron``   Haspel & O'Donovan 2011 extrapolate the cord's
                                                      repeating unit to 12; no animal has these two
glia and end organs           kind ``other_cell``     ``CEPsh*``, ``GLR*``, ``bm``, ``hyp``, ``int``,
(``CEPshDL``, ``bm``, ...)                            ``exc_cell``, ``exc_gl`` (Witvliet 2 spells it
                                                      ``excgl``), ``hmc``, marginal
                                                      (``mc*``), epithelial (``e*``) and gland (``g*``)
                                                      cells; male ray structural cells (``R1stL``,
                                                      ``R1shL``), ``gonad``, ``proctodeum``
anything else                 kind ``unmapped``       counted per connectome and reported, never dropped
============================  ======================  =================================================
"""

from __future__ import annotations

import re
from typing import NamedTuple

from neuropil.datasets.celegans_axis import CANONICAL_LABELS, LABEL_INDEX  # noqa: F401 (re-exported)
from neuropil.datasets.celegans_cells import MALE_SPECIFIC_NEURONS

OFF_AXIS_NEURONS = frozenset({"CANL", "CANR"})
#: cells of a model, not of an animal (Haspel & O'Donovan 2011's twelfth AS and VB)
MODEL_NEURONS = frozenset({"AS12", "VB12"})
FUNCTIONAL_ALIASES = {"AWCOFF": "AWCL", "AWCOF": "AWCL", "AWCON": "AWCR"}
_ZERO_PADDED = re.compile(r"^(AS|DA|DB|DD|VA|VB|VC|VD|CA|CP)0+(\d+)$")
_MALE_NEURONS = frozenset(MALE_SPECIFIC_NEURONS)
_MUSCLE = re.compile(
    r"^(?:[dv]BWM[LR]\d+|BWM.*|LegacyBodyWallMuscles|M[DV][LR]\d+|MVULVA|MANAL|NMJ|pm\d+[A-Za-z]*|mu_\w+|vm\d\w*|um\d\w*"
    r"|dgl[LR]\d|(?:aob|pob|gec|grt|cdl|ail|pil|pol|dsp|vsp|dsr|vsr)[LR])$"
)
_OTHER_CELL = re.compile(
    r"^(?:CEPsh[DV][LR]|GLR\w*|bm|hyp|int|exc_cell|exc_?gl|hmc|mc\d\w*|e\d\w*|g\d\w*|R\d(?:st|sh)[LR]|gonad|proctodeum)$"
)
#: body-wall muscle spellings -> the one cell label of the ``axis="all"`` table (Cook 2019's)
_PHARYNGEAL_LOWER = re.compile(r"^pm\d[a-z]+$")
_RAY_SHEATH = re.compile(r"^R(\d)sh([LR])$")
_BODY_WALL = re.compile(r"^(?:BWM-([DV])([LR])|M([DV])([LR]))0*(\d+)$")


class MappedLabel(NamedTuple):
    label: str  # canonical label for neurons, the cleaned source label otherwise
    kind: str  # neuron | off_axis_neuron | male_neuron | muscle | other_cell | model_neuron | unmapped


def map_label(raw: object) -> MappedLabel:
    """Map one source label onto the canonical axis, or say what kind of non-neuron it is."""
    text = str(raw).strip()
    text = FUNCTIONAL_ALIASES.get(text, text)
    padded = _ZERO_PADDED.match(text)
    if padded:
        text = padded.group(1) + str(int(padded.group(2)))
    if text in LABEL_INDEX:
        return MappedLabel(text, "neuron")
    if text.islower() and text.upper() in LABEL_INDEX:
        return MappedLabel(text.upper(), "neuron")
    if text in OFF_AXIS_NEURONS:
        return MappedLabel(text, "off_axis_neuron")
    if text in _MALE_NEURONS:
        return MappedLabel(text, "male_neuron")
    if text in MODEL_NEURONS:
        return MappedLabel(text, "model_neuron")
    if _MUSCLE.match(text):
        return MappedLabel(text, "muscle")
    if _OTHER_CELL.match(text):
        return MappedLabel(text, "other_cell")
    return MappedLabel(text, "unmapped")


def cell_label(label: str, kind: str) -> str:
    """The label of a mapped cell on the ``axis="all"`` table: body-wall muscles spelled three ways
    (``MDL05`` OpenWorm, ``BWM-DL05`` White / Witvliet, ``dBWML5`` Cook) become Cook's spelling; as in
    cect, the male ray structural cells ``R1shL`` are ``R1stL`` and the gland cell ``g1p`` is ``g1P``;
    every other label is already canonical (neurons) or kept as the source spells it."""
    if kind == "other_cell":
        ray = _RAY_SHEATH.match(label)
        return f"R{ray.group(1)}st{ray.group(2)}" if ray else ("g1P" if label == "g1p" else label)
    if kind != "muscle":
        return label
    if _PHARYNGEAL_LOWER.match(label):  # Cook 2020 writes pm3vl once beside pm3VL
        return label[:3] + label[3:].upper()
    match = _BODY_WALL.match(label)
    if match is None:
        return label
    side, lr = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return f"{side.lower()}BWM{lr}{int(match.group(5))}"
