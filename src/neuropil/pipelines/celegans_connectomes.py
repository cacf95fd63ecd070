"""Raw C. elegans connectome files -> homogenized tables on the canonical 300-neuron axis.

Each ``read_*`` function reads one upstream layout, quirks included, and returns a *source table*:
one row per source record with ``pre_raw, post_raw, type, weight`` (plus per-source extras). The
:func:`homogenize` step maps every label through the one name table
(:mod:`neuropil.pipelines.celegans_names`), splits neuron-neuron edges from edges to muscles and
other cells, collapses electrical junctions to one row per unordered pair, counts every label it
could not map, and builds the consensus table (:mod:`.celegans_consensus`). Pure functions;
:func:`ingest` does the I/O.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neuropil.datasets.celegans_connectomes import UNDIRECTED_TYPES
from neuropil.errors import RawFormatError, UnmappedLabelError
from neuropil.pipelines.celegans_contact import read_brittin_2021, read_yim_contact, read_yim_contact_normalized
from neuropil.pipelines.celegans_consensus import CONSENSUS_UNITS, build_consensus, section_ratios
from neuropil.pipelines.celegans_spreadsheets import cook_sheets, numeric, read_excel, require_columns, sheet_rows
from neuropil.pipelines.celegans_sources import (extrasynaptic_table, read_bentley_monoamine, read_bentley_neuropeptide,
                                                 read_cook_2020, read_cook_male, read_ripoll_sanchez, read_yim_dauer,
                                                 read_yim_dauer_normalized)
from neuropil.pipelines.celegans_names import CANONICAL_LABELS, LABEL_INDEX, map_label
from neuropil.pipelines.celegans_sources_more import (read_durbin_jsh, read_durbin_n2u, read_haspel_odonovan,
                                                      read_wang_2024_herm, read_wang_2024_male, transmitters_table)

logger = logging.getLogger(__name__)

# 1.1.0: Witvliet 2021 datasets 1-6 (outside the consensus); excgl is exc_gl
# 1.2.0: consensus weights in one unit (synapses; dF/F), n_series by EM series (celegans_consensus)
# 1.3.0: Cook 2019 male; cells.parquet / cell_edges.parquet (axis="all")
# 1.4.0: Yim 2024 dauer (raw and normalised)
# 1.5.0: extrasynaptic layers (Bentley 2016 monoamine / neuropeptide, Ripoll-Sanchez 2023); extrasynaptic.parquet
# 1.6.0: Cook 2020 pharynx
# 1.7.0: contactomes (edge type contact): Brittin 2021
# 1.8.0: Durbin 1987 N2U / JSH, Haspel & O'Donovan 2011 (edges.sign); model_neuron cell class
# 1.9.0: Yim 2024 dauer contactome (raw and normalised)
# 1.10.0: Randi 2023 unc-31 atlas (funatlas.h5 unc31/)
# 1.11.0: Wang 2024 hermaphrodite / male; transmitters.parquet (the Wang 2024 atlas)
PIPELINE_VERSION = "1.11.0"
#: q-value threshold of the Randi 2023 atlas: stimulated -> responder is an edge where q < this
DEFAULT_Q_THRESHOLD = 0.05

SOURCE_COLUMNS = ["pre_raw", "post_raw", "type", "weight"]


def read_openworm(path: Path) -> pd.DataFrame:
    """OpenWorm ``CElegansNeuronTables.xls``: sheet ``Connectome`` (Send -> chemical, GapJunction ->
    electrical) and sheet ``NeuronsToMuscle`` (chemical, neuron -> muscle)."""
    sheets = read_excel(path, ["Connectome", "NeuronsToMuscle"])
    conn = sheets["Connectome"]
    require_columns(conn, ["Origin", "Target", "Type", "Number of Connections"], path, "sheet Connectome")
    types = conn["Type"].astype(str).str.strip().map({"Send": "chemical", "GapJunction": "electrical"})
    if types.isna().any():
        bad = conn.loc[types.isna(), "Type"].iloc[0]
        raise RawFormatError(f"{path.name}: unknown connection Type {bad!r}; expected 'Send' or 'GapJunction'.")
    neurons = pd.DataFrame(
        {"pre_raw": conn["Origin"], "post_raw": conn["Target"], "type": types,
         "weight": numeric(conn["Number of Connections"], path, "Number of Connections")}
    )
    muscle = sheets["NeuronsToMuscle"]
    require_columns(muscle, ["Neuron", "Muscle", "Number of Connections"], path, "sheet NeuronsToMuscle")
    to_muscle = pd.DataFrame(
        {"pre_raw": muscle["Neuron"], "post_raw": muscle["Muscle"], "type": "chemical",
         "weight": numeric(muscle["Number of Connections"], path, "Number of Connections")}
    )
    return pd.concat([neurons, to_muscle], ignore_index=True)


#: WormAtlas' NeuronConnect.xls type codes (Varshney et al. 2011): S send, Sp send-polyadic,
#: R receive, Rp receive-polyadic, EJ electrical junction, NMJ neuromuscular junction.
CHKLOVSKII_CODES = frozenset({"S", "Sp", "R", "Rp", "EJ", "NMJ"})


def read_chklovskii(path: Path) -> pd.DataFrame:
    """Varshney et al. 2011 ``NeuronConnect.xls`` as WormAtlas describes it.

    ``S``/``Sp`` rows give Neuron 1 -> Neuron 2 chemical synapses (monadic/polyadic); their sum is
    the directed weight. ``R``/``Rp`` rows restate the same synapses from the receiving side
    (Neuron 1 receives from Neuron 2): they are used only to cross-check, never counted twice; the
    pairs where the two sides disagree are returned in ``attrs['receive_mismatches']``. ``EJ`` rows
    are gap junctions, ``NMJ`` rows neuron -> body-wall-muscle synapses.
    """
    table = read_excel(path, [0])[0]
    require_columns(table, ["Neuron 1", "Neuron 2", "Type", "Nbr"], path, "first sheet")
    code = table["Type"].astype(str).str.strip()
    unknown = sorted(set(code) - CHKLOVSKII_CODES)
    if unknown:
        raise RawFormatError(f"{path.name}: unknown Type code(s) {unknown}; expected one of {sorted(CHKLOVSKII_CODES)}.")
    n1 = table["Neuron 1"].astype(str).str.strip()
    n2 = table["Neuron 2"].astype(str).str.strip()
    nbr = numeric(table["Nbr"], path, "Nbr")
    send = pd.DataFrame({"pre_raw": n1, "post_raw": n2, "weight": nbr, "code": code})[code.isin(["S", "Sp"])]
    send = send.assign(polyadic=np.where(send["code"] == "Sp", send["weight"], 0.0))
    chemical = send.groupby(["pre_raw", "post_raw"], as_index=False, sort=False).agg(
        weight=("weight", "sum"), polyadic_synapses=("polyadic", "sum"))
    # cross-check on mapped labels: one receive row spells AVFL/AVFR in lower case
    def canonical(labels: pd.Series) -> np.ndarray:
        return map_labels(labels)[0]

    sent = send.assign(pre=canonical(send["pre_raw"]), post=canonical(send["post_raw"]))
    sent = sent.groupby(["pre", "post"], as_index=False)["weight"].sum()
    receive = pd.DataFrame({"pre": canonical(n2), "post": canonical(n1), "weight": nbr})[code.isin(["R", "Rp"])]
    received = receive.groupby(["pre", "post"], as_index=False)["weight"].sum()
    check = sent.merge(received, on=["pre", "post"], how="outer", suffixes=("_send", "_receive"))
    mismatches = check[check["weight_send"].fillna(0) != check["weight_receive"].fillna(0)]
    chemical["type"] = "chemical"
    other = pd.DataFrame({"pre_raw": n1, "post_raw": n2, "weight": nbr, "code": code})[code.isin(["EJ", "NMJ"])]
    other = other.assign(type=np.where(other["code"] == "EJ", "electrical", "chemical")).drop(columns="code")
    result = pd.concat([chemical, other], ignore_index=True)
    result.attrs["receive_mismatches"] = mismatches.to_dict("records")
    return result


def read_edge_table(path: Path) -> pd.DataFrame:
    """``pre, post, type, synapses`` tables: Witvliet 2020 xlsx, White 1986 whitespace-separated text."""
    if path.suffix.lower() in {".xlsx", ".xls"}:
        table = read_excel(path, [0])[0]
    else:
        try:
            table = pd.read_csv(path, sep=r"\s+", dtype=str)
        except (pd.errors.ParserError, UnicodeDecodeError) as error:
            raise RawFormatError(f"{path.name} is not a whitespace-separated table: {error}") from error
    require_columns(table, ["pre", "post", "type", "synapses"], path, "header")
    kind = table["type"].astype(str).str.strip().str.lower()
    bad = sorted(set(kind) - {"chemical", "electrical"})
    if bad:
        raise RawFormatError(f"{path.name}: unknown type(s) {bad}; expected 'chemical' or 'electrical'.")
    return pd.DataFrame({"pre_raw": table["pre"], "post_raw": table["post"], "type": kind,
                         "weight": numeric(table["synapses"], path, "synapses")})


COOK_SHEETS = {"chemical": "hermaphrodite chemical", "electrical": "hermaphrodite gap jn symmetric"}


def read_cook(path: Path) -> pd.DataFrame:
    """Cook et al. 2019 SI 5 (corrected July 2020): hermaphrodite chemical and symmetric gap-junction
    adjacency matrices; weights are EM section counts."""
    return cook_sheets(path, COOK_SHEETS)


def read_funatlas(path: Path, *, q_threshold: float = DEFAULT_Q_THRESHOLD, strain: str = "wt") -> pd.DataFrame:
    """Randi et al. 2023 atlas (``funatlas.h5``): ``<strain>/dFF`` and ``<strain>/q`` indexed [responder,
    stimulated], strain ``wt`` or ``unc31`` (unc-31 mutants, no dense-core-vesicle release).
    A functional edge stimulated -> responder where q < ``q_threshold``; weight = dF/F."""
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            missing = [k for k in ("neuron_ids", f"{strain}/dFF", f"{strain}/q") if k not in handle]
            if missing:
                raise RawFormatError(f"{path.name} lacks dataset(s) {missing}; expected neuron_ids, {strain}/dFF, "
                                     f"{strain}/q.")
            ids = [i.decode() if isinstance(i, bytes) else str(i) for i in handle["neuron_ids"][()]]
            dff = np.asarray(handle[f"{strain}/dFF"][()], dtype="float64")
            q = np.asarray(handle[f"{strain}/q"][()], dtype="float64")
    except OSError as error:
        raise RawFormatError(f"{path.name} is not a readable HDF5 file: {error}") from error
    n = len(ids)
    if dff.shape != (n, n) or q.shape != (n, n):
        raise RawFormatError(f"{path.name}: {strain}/dFF {dff.shape} and {strain}/q {q.shape} must both be ({n}, {n}).")
    responder, stimulated = np.nonzero(np.nan_to_num(q, nan=np.inf) < q_threshold)
    keep = responder != stimulated  # the diagonal is the stimulated neuron itself, not propagation
    responder, stimulated = responder[keep], stimulated[keep]
    ids_array = np.asarray(ids, dtype=object)
    table = pd.DataFrame({"pre_raw": ids_array[stimulated], "post_raw": ids_array[responder],
                          "type": "functional", "weight": dff[responder, stimulated], "q": q[responder, stimulated]})
    # the atlas covers a neuron when it has any measurement as responder or stimulated
    measured = ~np.isnan(q)
    table.attrs["covered_raw"] = sorted({ids[i] for i in range(n) if measured[i, :].any() or measured[:, i].any()})
    return table


READERS: dict[str, Callable[..., pd.DataFrame]] = {
    "read_openworm": read_openworm,
    "read_chklovskii": read_chklovskii,
    "read_edge_table": read_edge_table,
    "read_cook": read_cook,
    "read_funatlas": read_funatlas,
    "read_funatlas_unc31": functools.partial(read_funatlas, strain="unc31"),
    "read_cook_male": read_cook_male,
    "read_yim_dauer": read_yim_dauer,
    "read_yim_dauer_normalized": read_yim_dauer_normalized,
    "read_bentley_monoamine": read_bentley_monoamine,
    "read_bentley_neuropeptide": read_bentley_neuropeptide,
    "read_ripoll_sanchez": read_ripoll_sanchez,
    "read_cook_2020": read_cook_2020,
    "read_brittin_2021": read_brittin_2021,
    "read_yim_contact": read_yim_contact,
    "read_yim_contact_normalized": read_yim_contact_normalized,
    "read_durbin_n2u": read_durbin_n2u,
    "read_durbin_jsh": read_durbin_jsh,
    "read_haspel_odonovan": read_haspel_odonovan,
    "read_wang_2024_herm": read_wang_2024_herm,
    "read_wang_2024_male": read_wang_2024_male,
}


def map_labels(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`map_label`: (canonical labels, kinds) as object arrays; each distinct
    spelling is mapped once."""
    codes, uniques = pd.factorize(raw.astype(str), use_na_sentinel=False)
    mapped = [map_label(label) for label in uniques]
    labels = np.array([m.label for m in mapped], dtype=object)
    kinds = np.array([m.kind for m in mapped], dtype=object)
    return labels[codes], kinds[codes]


def _map_labels(table: pd.DataFrame) -> pd.DataFrame:
    pre, pre_kind = map_labels(table["pre_raw"])
    post, post_kind = map_labels(table["post_raw"])
    return table.assign(pre_raw=table["pre_raw"].astype(str), post_raw=table["post_raw"].astype(str),
                        pre=pre, post=post, pre_kind=pre_kind, post_kind=post_kind)


TYPE_CODES = {"chemical": 0, "electrical": 1, "functional": 2, "monoamine": 3, "neuropeptide": 4, "contact": 5}
_UNDIRECTED_CODES = [TYPE_CODES[t] for t in UNDIRECTED_TYPES]
_TYPE_NAMES = np.array(list(TYPE_CODES), dtype=object)
_LABELS = np.array(CANONICAL_LABELS, dtype=object)


def _collapse(edges: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Chemical/functional: sum duplicate records of one ordered pair. Electrical and contact: one row
    per unordered pair (``pre_index <= post_index``); sources that list both orientations restate the
    same junction (contact), so the pair's weight is the larger orientation. Returns the table and the count
    of pairs whose orientations disagree. Grouping runs on one integer key per (type, pre, post)."""
    n = len(CANONICAL_LABELS)
    pre = edges["pre"].map(LABEL_INDEX).to_numpy(dtype=np.int64)
    post = edges["post"].map(LABEL_INDEX).to_numpy(dtype=np.int64)
    code = edges["type"].map(TYPE_CODES).to_numpy(dtype=np.int64)
    columns = {"key": (code * n + pre) * n + post, "weight": edges["weight"].to_numpy(dtype="float64"),
               "pre_raw": edges["pre_raw"].to_numpy(dtype=object), "post_raw": edges["post_raw"].to_numpy(dtype=object)}
    for extra in ("q", "polyadic_synapses", "sign"):
        if extra in edges.columns:
            columns[extra] = edges[extra].to_numpy(dtype="float64")
    grouped = pd.DataFrame(columns).groupby("key", sort=False)
    firsts = [c for c in ("pre_raw", "post_raw", "q", "sign") if c in columns]
    oriented = grouped[firsts].first()
    # min_count=1: a record without a value (the atlas' one significant pair with no dF/F)
    # stays missing instead of becoming 0
    oriented["weight"] = grouped["weight"].sum(min_count=1)
    if "polyadic_synapses" in columns:
        oriented["polyadic_synapses"] = grouped["polyadic_synapses"].sum(min_count=1)
    key = oriented.index.to_numpy()
    code, pre, post = key // (n * n), (key // n) % n, key % n
    swap = np.isin(code, _UNDIRECTED_CODES) & (pre > post)
    pre, post = np.where(swap, post, pre), np.where(swap, pre, post)
    oriented.loc[swap, ["pre_raw", "post_raw"]] = oriented.loc[swap, ["post_raw", "pre_raw"]].to_numpy()
    oriented = oriented.reset_index(drop=True).assign(pair=(code * n + pre) * n + post, type=_TYPE_NAMES[code],
                                                       pre_index=pre.astype("int32"), post_index=post.astype("int32"),
                                                       pre=_LABELS[pre], post=_LABELS[post])
    both = oriented[oriented.duplicated("pair", keep=False)]
    disagreeing = int((both.groupby("pair")["weight"].nunique(dropna=False) > 1).sum())
    collapsed = oriented.sort_values("weight", ascending=False, kind="stable").drop_duplicates("pair")
    return collapsed.drop(columns="pair"), disagreeing


EDGE_COLUMNS = ["connectome", "pre_index", "post_index", "pre", "post", "type", "weight",
                "pre_raw", "post_raw", "q", "polyadic_synapses", "sign"]
PARTNER_COLUMNS = ["connectome", "pre", "post", "pre_kind", "post_kind", "type", "weight"]


def homogenize(
    sources: Mapping[str, pd.DataFrame], *, strict: bool = False, consensus_of: Collection[str] | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, Any]], dict[str, list[str]]]:
    """Source tables (connectome id -> table) -> (tables, per-connectome stats, per-connectome coverage).
    The consensus is built over the connectomes in ``consensus_of`` (default: all of them).

    Neuron-neuron records become ``edges``; records with a muscle, other cell or off-axis neuron
    become ``partner_edges``; labels no rule maps are listed in ``unmapped`` (their records stay in
    ``partner_edges`` with kind ``unmapped``), or raise :class:`UnmappedLabelError` when ``strict``.
    """
    edge_parts, partner_parts, unmapped_parts = [], [], []
    stats: dict[str, dict[str, Any]] = {}
    coverage: dict[str, list[str]] = {}
    for connectome, raw in sources.items():
        meta = dict(raw.attrs)  # reader notes; cleared so pandas does not carry them into every result
        raw = raw.copy()
        raw.attrs = {}
        table = _map_labels(raw)
        unmapped_rows = table[(table["pre_kind"] == "unmapped") | (table["post_kind"] == "unmapped")]
        unmapped_counts = pd.concat([
            unmapped_rows.loc[unmapped_rows["pre_kind"] == "unmapped", "pre"],
            unmapped_rows.loc[unmapped_rows["post_kind"] == "unmapped", "post"],
        ]).value_counts()
        if strict and len(unmapped_counts):
            raise UnmappedLabelError(
                f"{connectome}: {len(unmapped_counts)} label(s) match no rule of the name table: "
                f"{sorted(unmapped_counts.index)[:10]}. Add a rule to neuropil.pipelines.celegans_names "
                "or ingest without --strict to have them reported in the manifest."
            )
        unmapped_parts.append(pd.DataFrame({"connectome": connectome, "raw_label": unmapped_counts.index.astype(str),
                                            "rows": unmapped_counts.to_numpy(dtype="int64")}))
        is_neuron_pair = (table["pre_kind"] == "neuron") & (table["post_kind"] == "neuron")
        partners = table[~is_neuron_pair]
        partners = partners.groupby(["pre", "post", "pre_kind", "post_kind", "type"], as_index=False, sort=False)[
            "weight"].sum(min_count=1)
        partner_parts.append(partners.assign(connectome=connectome)[PARTNER_COLUMNS])
        edges, disagreeing = _collapse(table[is_neuron_pair])
        edges = edges.assign(connectome=connectome)
        for column in ("q", "polyadic_synapses", "sign"):
            if column not in edges.columns:
                edges[column] = np.nan
        edges = edges.sort_values(["type", "pre_index", "post_index"], kind="stable")[EDGE_COLUMNS]
        edge_parts.append(edges)

        covered_raw = meta.get("covered_raw")
        labels = covered_raw if covered_raw is not None else pd.concat([raw["pre_raw"], raw["post_raw"]]).unique()
        covered = sorted({m.label for m in map(map_label, labels) if m.kind == "neuron"}, key=LABEL_INDEX.__getitem__)
        coverage[connectome] = covered
        by_type = {kind: edges[edges["type"] == kind] for kind in ("chemical", "electrical", "functional")}
        stats[connectome] = {
            "neurons_with_edges": int(pd.unique(pd.concat([edges["pre_index"], edges["post_index"]])).size),
            "chemical_pairs": int(len(by_type["chemical"])),
            "chemical_synapses": float(by_type["chemical"]["weight"].sum()),
            "electrical_pairs": int(len(by_type["electrical"])),
            "electrical_junctions": float(by_type["electrical"]["weight"].sum()),
            "functional_edges": int(len(by_type["functional"])),
            "unmapped_labels": int(len(unmapped_counts)),
            "covered_neurons": len(covered),
            "partner_edges": int(len(partners)),
            "self_loops": int((edges["pre_index"] == edges["post_index"]).sum()),
            "electrical_orientation_disagreements": disagreeing,
        }
        if "receive_mismatches" in meta:
            stats[connectome]["receive_side_mismatches"] = len(meta["receive_mismatches"])
    edges = pd.concat(edge_parts, ignore_index=True)
    tables = {
        "edges": edges,
        "partner_edges": pd.concat(partner_parts, ignore_index=True),
        "unmapped": pd.concat(unmapped_parts, ignore_index=True),
        "consensus": build_consensus(edges if consensus_of is None else edges[edges["connectome"].isin(consensus_of)],
                                     coverage),
    }
    return tables, stats, coverage


def parameters(*, q_threshold: float = DEFAULT_Q_THRESHOLD, strict: bool = False) -> dict[str, Any]:
    """Validated ingest parameters (they are part of the output's fingerprint)."""
    from neuropil.errors import InvalidArgumentError

    try:
        q_threshold = float(q_threshold)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"q_threshold must be a number in (0, 1], got {q_threshold!r}.") from None
    if not 0.0 < q_threshold <= 1.0:
        raise InvalidArgumentError(f"q_threshold must be in (0, 1], got {q_threshold!r}.")
    return {"q_threshold": q_threshold, "strict": bool(strict)}


def skipped_parts(missing: Mapping[str, str], params: Mapping[str, Any]) -> dict[str, str]:
    """Connectomes (and the neuron attributes) an ingest without the ``missing`` files would lack."""
    from neuropil.datasets.celegans_connectomes import CONNECTOMES
    from neuropil.pipelines.celegans_neurons import MASTER_SHEET

    skipped = {c: next(missing[f] for f in s.files if f in missing) for c, s in CONNECTOMES.items()
               if any(f in missing for f in s.files)}
    if MASTER_SHEET in missing:
        skipped["neuron attributes"] = missing[MASTER_SHEET]
    return skipped


def build(
    inputs: Mapping[str, Path], missing: Mapping[str, str], params: Mapping[str, Any]
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Read every available source, homogenize, and return the output tables and manifest extras."""
    from neuropil.datasets.celegans_connectomes import CONNECTOMES, CONSENSUS_CONNECTOMES

    sources: dict[str, pd.DataFrame] = {}
    missing_connectomes: dict[str, str] = {}
    for connectome, source in CONNECTOMES.items():
        absent = [f for f in source.files if f not in inputs]
        if absent:
            missing_connectomes[connectome] = missing.get(absent[0], "source not declared")
            continue
        reader = READERS[source.reader]
        paths = [inputs[f] for f in source.files]
        sources[connectome] = (
            reader(*paths, q_threshold=params["q_threshold"]) if source.reader.startswith("read_funatlas") else reader(*paths)
        )
        logger.info("read %s: %d records", connectome, len(sources[connectome]))
    from neuropil.pipelines.celegans_neurons import MASTER_SHEET, build_neurons

    tables, stats, coverage = homogenize(sources, strict=params["strict"], consensus_of=CONSENSUS_CONNECTOMES)
    neurons = build_neurons(inputs.get(MASTER_SHEET))
    from neuropil.pipelines.celegans_cells import build_cells

    cells, cell_edges, cell_stats = build_cells(tables["partner_edges"])
    for connectome, values in cell_stats.items():
        stats[connectome].update(values)
    for connectome, group in tables["edges"].groupby("connectome"):
        for kind in ("monoamine", "neuropeptide", "contact"):
            chosen = group[group["type"] == kind]
            if len(chosen):
                stats[connectome].update({f"{kind}_pairs": int(len(chosen)), f"{kind}_weight": float(chosen["weight"].sum())})
    outputs = {"neurons.parquet": neurons, **{f"{name}.parquet": table for name, table in tables.items()},
               "cells.parquet": cells, "cell_edges.parquet": cell_edges,
               "extrasynaptic.parquet": extrasynaptic_table(sources), "transmitters.parquet": transmitters_table(sources)}
    unmapped = {
        connectome: dict(zip(group["raw_label"], group["rows"].astype(int)))
        for connectome, group in tables["unmapped"].groupby("connectome")
    }
    extras = {
        "connectomes": list(sources),
        "missing_connectomes": missing_connectomes,
        "neuron_attributes": "worm-graph master sheet" if MASTER_SHEET in inputs else "unavailable",
        "stats": stats,
        "unmapped": unmapped,
        "coverage_counts": {c: len(v) for c, v in coverage.items()},
        "consensus_units": dict(CONSENSUS_UNITS),
        "consensus_section_ratios": section_ratios(
            tables["edges"][tables["edges"]["connectome"].isin(CONSENSUS_CONNECTOMES)]),
    }
    return outputs, extras
