"""Where a variant's structure and function come from: a MICrONS field (positions, synapse counts,
Pearson and STTC matrices) or a C. elegans connectome (synapse counts only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuropil.errors import InvalidArgumentError


@dataclass
class Field:
    """What a variant needs from one imaging field (or a crop of one)."""

    name: str
    positions_nm: np.ndarray  # (N, 3); NaN where the source has no positions (a C. elegans connectome)
    synapse_counts: np.ndarray
    corr: np.ndarray | None  # None: no functional matrices (W*, W!, W~, W%, W^ cannot be built)
    sttc: np.ndarray | None

    @property
    def n(self) -> int:
        return self.positions_nm.shape[0]

    @property
    def has_positions(self) -> bool:
        return bool(np.isfinite(self.positions_nm).all())


def load_microns_field(field_name: str, *, home: Any = None, require_functional: bool = True) -> Field:
    from neuropil.loaders.microns_fields import load_field

    arrays = load_field(field_name, home=home)
    if require_functional and (arrays.corr is None or arrays.sttc is None):
        raise InvalidArgumentError(f"Field {field_name!r} has no Pearson/STTC matrices (only the session-6 fields "
                                   "do); W* needs them.")
    return Field(field_name, arrays.positions_nm, arrays.synapse_counts, arrays.corr, arrays.sttc)


CELEGANS_PREFIX = "celegans:"


def load_celegans_field(connectome: str, *, home: Any = None) -> Field:
    """The bridge: a C. elegans connectome of ``celegans-connectomes`` as a structure-only source.
    Units = the neurons with at least one chemical synapse (in or out) in that connectome, in the
    canonical order; ``synapse_counts[i, j]`` = chemical synapses i -> j (C*'s empirical
    communicability). No positions (D* unavailable; D is a grid) and no activity matrices (the bio
    inits W*, W!, W~, W^, W%, diag(W*) are unavailable; I is available)."""
    from neuropil.loaders.celegans_connectomes import edge_table

    edges = edge_table(connectome=connectome, home=home)
    chemical = edges[edges["type"] == "chemical"]
    if chemical.empty:
        raise InvalidArgumentError(f"Connectome {connectome!r} has no chemical synapses to build a field from.")
    pre, post = chemical["pre_index"].to_numpy(np.int64), chemical["post_index"].to_numpy(np.int64)
    units = np.unique(np.concatenate([pre, post]))
    counts = np.zeros((units.size, units.size))
    np.add.at(counts, (np.searchsorted(units, pre), np.searchsorted(units, post)),
              np.nan_to_num(chemical["weight"].to_numpy(np.float64)))
    return Field(CELEGANS_PREFIX + connectome, np.full((units.size, 3), np.nan), counts, None, None)


def load_source(name: str, *, home: Any = None) -> Field:
    """``6_6_2`` (any ``microns-fields`` field) or ``celegans:<connectome>`` (structure only)."""
    if name.startswith(CELEGANS_PREFIX):
        return load_celegans_field(name[len(CELEGANS_PREFIX):], home=home)
    return load_microns_field(name, home=home, require_functional=False)


def other_field(source: Field, *, seed: int, home: Any = None) -> Field:
    """The W^ control: the session-6 field with the fewest neurons >= N (other than ``source``),
    cropped to N neurons by a seeded random subset."""
    from neuropil.loaders.microns_fields import functional_fields, to_pandas

    sizes = to_pandas(table="neurons", home=home).groupby("field").size()
    # session 6 only, as published: fields of other sessions gained function later and would change W^
    candidates = sorted((int(sizes[f]), f) for f in functional_fields(home=home)
                        if f.startswith("6_") and f != source.name and sizes[f] >= source.n)
    if not candidates:
        raise InvalidArgumentError(f"No other functional field has >= {source.n} neurons for the W^ control.")
    picked = load_microns_field(candidates[0][1], home=home)
    keep = np.sort(np.random.default_rng(seed).choice(picked.n, size=source.n, replace=False))
    return Field(picked.name, picked.positions_nm[keep], picked.synapse_counts[np.ix_(keep, keep)],
                 picked.corr[np.ix_(keep, keep)], picked.sttc[np.ix_(keep, keep)])

