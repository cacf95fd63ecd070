"""The consensus table of the C. elegans connectomes: per pair and edge type, who reports the edge,
on what evidence, and its weight on one stated unit.

**Units.** The sources count different things: synapses (White 1986, Varshney 2011, Witvliet 2021),
EM sections showing a synapse (Cook 2019) or dF/F (Randi 2023, the only functional source). The
consensus weight of chemical and electrical edges is a **synapse count**: a source counting EM
sections is converted by its section-to-synapse ratio (:func:`section_ratios`), the median over the
pairs it shares with the synapse-counting sources of its sections divided by the median synapse
count those sources give the pair, per edge type (real data: 2.0 chemical, 3.0 electrical for
``cook_2019``). Functional weights stay dF/F. ``weight_mean`` / ``_median`` / ``_std`` are over
every reporting source in these units.

**Independent evidence.** Several annotations re-read the same electron micrographs: White 1986's
whole-animal tables, Varshney 2011 (``chklovskii``, ``openworm``) and Cook 2019's hermaphrodite
(a re-annotation of the MRC/LMB archive) all come from the four MRC hermaphrodite series N2U, JSH,
N2T and JSE, of which ``white_1986_n2u``, ``_jsh`` and ``_jse`` are single series. :data:`EM_SERIES`
states the series behind each source. ``n_series`` is the least number of distinct animals
(series) that must have shown the edge: the single-series sources reporting it, plus one for each
group of overlapping multi-series sources none of whose series is already counted. ``n_reporting``
still counts annotations (not independent).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from neuropil.errors import InvalidArgumentError
from neuropil.pipelines.celegans_names import CANONICAL_LABELS, LABEL_INDEX

_MRC = ("N2U", "JSH", "N2T", "JSE")  # White et al. 1986's hermaphrodite series (MRC/LMB archive)

#: connectome id -> the EM series (one animal each) it was annotated from
EM_SERIES: dict[str, tuple[str, ...]] = {
    "white_1986_n2u": ("N2U",),
    "white_1986_jsh": ("JSH",),
    "white_1986_jse": ("JSE",),
    "white_1986_whole": _MRC,
    "chklovskii": _MRC,
    "openworm": _MRC,
    "cook_2019": _MRC,
    **{f"witvliet_{number}": (f"Witvliet {number}",) for number in range(1, 9)},  # one animal each
    "randi_2023": ("Randi 2023 (imaging, not EM)",),
}

CONSENSUS_COLUMNS = ["pre_index", "post_index", "pre", "post", "type", "n_reporting", "n_series", "n_covering",
                     "weight_mean", "weight_median", "weight_std", "sources", "series"]
SYNAPSE_COUNT = "synapse count"
EM_SECTION_COUNT = "EM section count"
#: the unit of the consensus weight of each edge type
CONSENSUS_UNITS = {"chemical": "synapse count", "electrical": "synapse count (gap junctions)",
                   "functional": "dF/F (randi_2023, the only functional source)"}


def _catalogue_units() -> dict[str, str]:
    from neuropil.datasets.celegans_connectomes import CONNECTOMES

    return {c: s.weight for c, s in CONNECTOMES.items()}


def series_of(connectome: str) -> tuple[str, ...]:
    """The EM series behind ``connectome`` (:data:`EM_SERIES`)."""
    if connectome not in EM_SERIES:
        raise InvalidArgumentError(
            f"Connectome {connectome!r} has no EM series declared; add the series it was annotated from "
            f"to EM_SERIES in neuropil.pipelines.celegans_consensus (known: {sorted(EM_SERIES)}).")
    return EM_SERIES[connectome]


def independent_series(connectomes) -> tuple[int, list[str]]:
    """``(n, names)``: the least number of distinct series that reported an edge seen by
    ``connectomes``, and the series counted (single-series sources by name; a group of overlapping
    multi-series sources not otherwise counted as ``"one of A/B/..."``)."""
    declared = [series_of(c) for c in dict.fromkeys(connectomes)]
    certain = sorted({s[0] for s in declared if len(s) == 1})
    groups: list[set[str]] = []
    for series in (set(s) for s in declared if len(s) > 1 and not set(s) & set(certain)):
        overlapping = [g for g in groups if g & series]
        for g in overlapping:
            groups.remove(g)
            series |= g
        groups.append(series)
    names = certain + sorted("one of " + "/".join(sorted(g)) for g in groups)
    return len(names), names


def section_ratios(edges: pd.DataFrame, units: Mapping[str, str] | None = None) -> dict[str, dict[str, float]]:
    """connectome -> {edge type: ratio} for every source whose unit is the EM section count: the
    median, over the pairs it shares with the synapse-counting sources, of its weight divided by the
    median synapse count those sources report for the pair. NaN where it shares no pair."""
    units = _catalogue_units() if units is None else units
    key = ["pre_index", "post_index", "type"]
    counting = edges[edges["connectome"].map(lambda c: units.get(c) == SYNAPSE_COUNT)]
    reference = counting.groupby(key)["weight"].median().rename("synapses")
    out: dict[str, dict[str, float]] = {}
    for connectome in edges["connectome"].unique():
        if units.get(connectome) != EM_SECTION_COUNT:
            continue
        own = edges[edges["connectome"] == connectome].join(reference, on=key, how="inner")
        own = own[(own["synapses"] > 0) & np.isfinite(own["weight"])]
        ratio = (own["weight"] / own["synapses"]).groupby(own["type"]).median()
        kinds = edges.loc[edges["connectome"] == connectome, "type"].unique()
        out[connectome] = {kind: float(ratio.get(kind, np.nan)) for kind in sorted(kinds)}
    return out


def common_unit(edges: pd.DataFrame, units: Mapping[str, str] | None = None) -> np.ndarray:
    """Every edge's weight on the consensus unit of its type (:data:`CONSENSUS_UNITS`): synapse
    counts as they are, EM section counts divided by :func:`section_ratios`, functional dF/F as it is."""
    units = _catalogue_units() if units is None else units
    weight = edges["weight"].to_numpy(dtype="float64").copy()
    connectome = edges["connectome"].to_numpy(dtype=object)
    kind = edges["type"].to_numpy(dtype=object)
    ratios = section_ratios(edges, units)
    for name in pd.unique(connectome):
        unit = units.get(name)
        rows = connectome == name
        anatomical = rows & (kind != "functional")
        if unit == EM_SECTION_COUNT:
            for edge_type, ratio in ratios[name].items():
                here = anatomical & (kind == edge_type)
                weight[here] = weight[here] / ratio if ratio > 0 else np.nan
        elif anatomical.any() and unit != SYNAPSE_COUNT:
            raise InvalidArgumentError(f"Connectome {name!r} reports anatomical edges in {unit!r}; the consensus "
                                       f"knows {SYNAPSE_COUNT!r} and {EM_SECTION_COUNT!r}.")
    return weight


def build_consensus(edges: pd.DataFrame, coverage: Mapping[str, list[str]],
                    units: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per ordered pair (unordered for electrical) and type: ``n_reporting`` annotations and
    ``n_series`` independent series (module docstring) report the edge, ``n_covering`` connectomes
    cover both neurons; the weight on the common unit (:func:`common_unit`) summarised by mean,
    median and std (ddof=0) over every reporting connectome. ``units``: connectome -> what its weight
    counts (default: the catalogue's)."""
    if edges.empty:
        return pd.DataFrame(columns=CONSENSUS_COLUMNS)
    for connectome in edges["connectome"].unique():
        series_of(connectome)
    edges = edges.assign(common=common_unit(edges, units))
    ordered = edges.sort_values(["pre_index", "post_index", "type"], kind="stable")
    grouped = ordered.groupby(["pre_index", "post_index", "type"], sort=False)
    consensus = grouped.agg(
        pre=("pre", "first"), post=("post", "first"), n_reporting=("connectome", "size"),
        weight_mean=("common", "mean"), weight_median=("common", "median"),
    ).reset_index()
    consensus["weight_std"] = grouped["common"].std(ddof=0).to_numpy()
    # groups are contiguous in the sorted table, so the source lists are slices of one list
    ends = np.cumsum(consensus["n_reporting"].to_numpy()).tolist()
    names = ordered["connectome"].tolist()
    consensus["sources"] = [names[start:end] for start, end in zip([0, *ends[:-1]], ends)]
    independent = [independent_series(s) for s in consensus["sources"]]
    consensus["n_series"] = np.array([n for n, _ in independent], dtype="int32")
    consensus["series"] = [s for _, s in independent]
    n = len(CANONICAL_LABELS)
    n_covering = np.zeros(len(consensus), dtype="int32")
    for kind in consensus["type"].unique():
        rows = (consensus["type"] == kind).to_numpy()
        pre = consensus.loc[rows, "pre_index"].to_numpy()
        post = consensus.loc[rows, "post_index"].to_numpy()
        for connectome in edges.loc[edges["type"] == kind, "connectome"].unique():
            covered = np.zeros(n, dtype=bool)
            covered[[LABEL_INDEX[label] for label in coverage[connectome]]] = True
            n_covering[rows] += covered[pre] & covered[post]
    consensus["n_covering"] = n_covering
    consensus["n_reporting"] = consensus["n_reporting"].astype("int32")
    return consensus[CONSENSUS_COLUMNS]
