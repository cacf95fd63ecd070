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
muscles (``dBWML10``,         kind ``muscle``         body-wall, pharyngeal, vulval, uterine, anal,
``MDL05``, ``pm3D``, ``NMJ``)                         intestinal muscles; ``NMJ`` is Varshney's generic
                                                      neuromuscular-junction endpoint and
                                                      ``LegacyBodyWallMuscles`` White 1986's
glia and end organs           kind ``other_cell``     ``CEPsh*``, ``GLR*``, ``bm``, ``hyp``, ``int``,
(``CEPshDL``, ``bm``, ...)                            ``exc_cell``, ``exc_gl`` (Witvliet 2 spells it
                                                      ``excgl``), ``hmc``, marginal
                                                      (``mc*``), epithelial (``e*``) and gland (``g*``)
                                                      cells
anything else                 kind ``unmapped``       counted per connectome and reported, never dropped
============================  ======================  =================================================
"""

from __future__ import annotations

import re
from typing import NamedTuple

from neuropil.datasets.celegans_axis import CANONICAL_LABELS, LABEL_INDEX  # noqa: F401 (re-exported)

OFF_AXIS_NEURONS = frozenset({"CANL", "CANR"})
FUNCTIONAL_ALIASES = {"AWCOFF": "AWCL", "AWCOF": "AWCL", "AWCON": "AWCR"}
_ZERO_PADDED = re.compile(r"^(AS|DA|DB|DD|VA|VB|VC|VD)0+(\d+)$")
_MUSCLE = re.compile(
    r"^(?:[dv]BWM[LR]\d+|BWM.*|LegacyBodyWallMuscles|M[DV][LR]\d+|MVULVA|MANAL|NMJ|pm\d+[A-Z]*|mu_\w+|vm\d\w*|um\d\w*)$"
)
_OTHER_CELL = re.compile(
    r"^(?:CEPsh[DV][LR]|GLR\w*|bm|hyp|int|exc_cell|exc_?gl|hmc|mc\d\w*|e\d\w*|g\d\w*)$"
)


class MappedLabel(NamedTuple):
    label: str  # canonical label for neurons, the cleaned source label otherwise
    kind: str  # neuron | off_axis_neuron | muscle | other_cell | unmapped


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
    if _MUSCLE.match(text):
        return MappedLabel(text, "muscle")
    if _OTHER_CELL.match(text):
        return MappedLabel(text, "other_cell")
    return MappedLabel(text, "unmapped")
