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
(``CEPshDL``, ``bm``, ...)                            ``exc_cell``, ``exc_gl``, ``hmc``, marginal
                                                      (``mc*``), epithelial (``e*``) and gland (``g*``)
                                                      cells
anything else                 kind ``unmapped``       counted per connectome and reported, never dropped
============================  ======================  =================================================
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: The canonical axis: the 302 hermaphrodite neurons minus CANL/CANR, sorted as Python sorts str.
CANONICAL_LABELS: tuple[str, ...] = (
    'ADAL', 'ADAR', 'ADEL', 'ADER', 'ADFL', 'ADFR', 'ADLL', 'ADLR', 'AFDL', 'AFDR', 'AIAL', 'AIAR',
    'AIBL', 'AIBR', 'AIML', 'AIMR', 'AINL', 'AINR', 'AIYL', 'AIYR', 'AIZL', 'AIZR', 'ALA', 'ALML',
    'ALMR', 'ALNL', 'ALNR', 'AQR', 'AS1', 'AS10', 'AS11', 'AS2', 'AS3', 'AS4', 'AS5', 'AS6', 'AS7',
    'AS8', 'AS9', 'ASEL', 'ASER', 'ASGL', 'ASGR', 'ASHL', 'ASHR', 'ASIL', 'ASIR', 'ASJL', 'ASJR',
    'ASKL', 'ASKR', 'AUAL', 'AUAR', 'AVAL', 'AVAR', 'AVBL', 'AVBR', 'AVDL', 'AVDR', 'AVEL', 'AVER',
    'AVFL', 'AVFR', 'AVG', 'AVHL', 'AVHR', 'AVJL', 'AVJR', 'AVKL', 'AVKR', 'AVL', 'AVM', 'AWAL',
    'AWAR', 'AWBL', 'AWBR', 'AWCL', 'AWCR', 'BAGL', 'BAGR', 'BDUL', 'BDUR', 'CEPDL', 'CEPDR', 'CEPVL',
    'CEPVR', 'DA1', 'DA2', 'DA3', 'DA4', 'DA5', 'DA6', 'DA7', 'DA8', 'DA9', 'DB1', 'DB2', 'DB3',
    'DB4', 'DB5', 'DB6', 'DB7', 'DD1', 'DD2', 'DD3', 'DD4', 'DD5', 'DD6', 'DVA', 'DVB', 'DVC', 'FLPL',
    'FLPR', 'HSNL', 'HSNR', 'I1L', 'I1R', 'I2L', 'I2R', 'I3', 'I4', 'I5', 'I6', 'IL1DL', 'IL1DR',
    'IL1L', 'IL1R', 'IL1VL', 'IL1VR', 'IL2DL', 'IL2DR', 'IL2L', 'IL2R', 'IL2VL', 'IL2VR', 'LUAL',
    'LUAR', 'M1', 'M2L', 'M2R', 'M3L', 'M3R', 'M4', 'M5', 'MCL', 'MCR', 'MI', 'NSML', 'NSMR', 'OLLL',
    'OLLR', 'OLQDL', 'OLQDR', 'OLQVL', 'OLQVR', 'PDA', 'PDB', 'PDEL', 'PDER', 'PHAL', 'PHAR', 'PHBL',
    'PHBR', 'PHCL', 'PHCR', 'PLML', 'PLMR', 'PLNL', 'PLNR', 'PQR', 'PVCL', 'PVCR', 'PVDL', 'PVDR',
    'PVM', 'PVNL', 'PVNR', 'PVPL', 'PVPR', 'PVQL', 'PVQR', 'PVR', 'PVT', 'PVWL', 'PVWR', 'RIAL',
    'RIAR', 'RIBL', 'RIBR', 'RICL', 'RICR', 'RID', 'RIFL', 'RIFR', 'RIGL', 'RIGR', 'RIH', 'RIML',
    'RIMR', 'RIPL', 'RIPR', 'RIR', 'RIS', 'RIVL', 'RIVR', 'RMDDL', 'RMDDR', 'RMDL', 'RMDR', 'RMDVL',
    'RMDVR', 'RMED', 'RMEL', 'RMER', 'RMEV', 'RMFL', 'RMFR', 'RMGL', 'RMGR', 'RMHL', 'RMHR', 'SAADL',
    'SAADR', 'SAAVL', 'SAAVR', 'SABD', 'SABVL', 'SABVR', 'SDQL', 'SDQR', 'SIADL', 'SIADR', 'SIAVL',
    'SIAVR', 'SIBDL', 'SIBDR', 'SIBVL', 'SIBVR', 'SMBDL', 'SMBDR', 'SMBVL', 'SMBVR', 'SMDDL', 'SMDDR',
    'SMDVL', 'SMDVR', 'URADL', 'URADR', 'URAVL', 'URAVR', 'URBL', 'URBR', 'URXL', 'URXR', 'URYDL',
    'URYDR', 'URYVL', 'URYVR', 'VA1', 'VA10', 'VA11', 'VA12', 'VA2', 'VA3', 'VA4', 'VA5', 'VA6',
    'VA7', 'VA8', 'VA9', 'VB1', 'VB10', 'VB11', 'VB2', 'VB3', 'VB4', 'VB5', 'VB6', 'VB7', 'VB8',
    'VB9', 'VC1', 'VC2', 'VC3', 'VC4', 'VC5', 'VC6', 'VD1', 'VD10', 'VD11', 'VD12', 'VD13', 'VD2',
    'VD3', 'VD4', 'VD5', 'VD6', 'VD7', 'VD8', 'VD9',)
LABEL_INDEX: dict[str, int] = {label: index for index, label in enumerate(CANONICAL_LABELS)}

OFF_AXIS_NEURONS = frozenset({"CANL", "CANR"})
FUNCTIONAL_ALIASES = {"AWCOFF": "AWCL", "AWCOF": "AWCL", "AWCON": "AWCR"}
_ZERO_PADDED = re.compile(r"^(AS|DA|DB|DD|VA|VB|VC|VD)0+(\d+)$")
_MUSCLE = re.compile(
    r"^(?:[dv]BWM[LR]\d+|BWM.*|LegacyBodyWallMuscles|M[DV][LR]\d+|MVULVA|MANAL|NMJ|pm\d+[A-Z]*|mu_\w+|vm\d\w*|um\d\w*)$"
)
_OTHER_CELL = re.compile(
    r"^(?:CEPsh[DV][LR]|GLR\w*|bm|hyp|int|exc_cell|exc_gl|hmc|mc\d\w*|e\d\w*|g\d\w*)$"
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
