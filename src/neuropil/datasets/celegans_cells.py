"""The extended C. elegans cell axis (``axis="all"``): every neuron of both sexes, then other cells.

Rows 0-299 are the canonical hermaphrodite axis (:mod:`neuropil.datasets.celegans_axis`), unchanged,
so an ``axis="all"`` graph holds the ``axis="neurons"`` graph in its first 300 rows. Then CANL/CANR
(hermaphrodite neurons off the 300 axis), then the 90 male-specific neurons (cect 0.3.5
``Cells.MALE_SPECIFIC_NEURONS`` with CA/CP numbers unpadded, as the cord neurons are), then every
non-neuronal cell the ingested sources name (muscles, glia, end organs), then the cells of a model
that no animal has (Haspel & O'Donovan 2011's AS12 / VB12), ordered by class then label; each row
has a ``cell_class``.
"""

from __future__ import annotations

OFF_AXIS_HERMAPHRODITE_NEURONS: tuple[str, ...] = ("CANL", "CANR")

MALE_SPECIFIC_NEURONS: tuple[str, ...] = (
    'CA1', 'CA2', 'CA3', 'CA4', 'CA5', 'CA6', 'CA7', 'CA8', 'CA9', 'CEMDL', 'CEMDR', 'CEMVL', 'CEMVR',
    'CP1', 'CP2', 'CP3', 'CP4', 'CP5', 'CP6', 'CP7', 'CP8', 'CP9', 'DVE', 'DVF', 'DX1', 'DX2', 'DX3',
    'EF1', 'EF2', 'EF3', 'HOA', 'HOB', 'MCML', 'MCMR', 'PCAL', 'PCAR', 'PCBL', 'PCBR', 'PCCL', 'PCCR',
    'PDC', 'PGA', 'PHDL', 'PHDR', 'PVV', 'PVX', 'PVY', 'PVZ', 'R1AL', 'R1AR', 'R1BL', 'R1BR', 'R2AL',
    'R2AR', 'R2BL', 'R2BR', 'R3AL', 'R3AR', 'R3BL', 'R3BR', 'R4AL', 'R4AR', 'R4BL', 'R4BR', 'R5AL',
    'R5AR', 'R5BL', 'R5BR', 'R6AL', 'R6AR', 'R6BL', 'R6BR', 'R7AL', 'R7AR', 'R7BL', 'R7BR', 'R8AL',
    'R8AR', 'R8BL', 'R8BR', 'R9AL', 'R9AR', 'R9BL', 'R9BR', 'SPCL', 'SPCR', 'SPDL', 'SPDR', 'SPVL',
    'SPVR',
)

#: ``cell_class`` values, in axis order; ``unknown`` holds labels no rule of the name table maps
CELL_CLASSES: tuple[str, ...] = ("neuron", "male_neuron", "muscle", "other_cell", "model_neuron", "unknown")
#: name-table kind -> cell_class
KIND_CLASS = {"neuron": "neuron", "off_axis_neuron": "neuron", "male_neuron": "male_neuron", "muscle": "muscle",
              "other_cell": "other_cell", "model_neuron": "model_neuron", "unmapped": "unknown"}
#: the axis values ``load(..., axis=...)`` accepts
AXES: tuple[str, ...] = ("neurons", "all")
