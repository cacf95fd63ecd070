"""Readers of the C. elegans sources beyond the first ten: one function per upstream layout.

Each returns a *source table* (``pre_raw, post_raw, type, weight``), as the readers of
:mod:`neuropil.pipelines.celegans_connectomes` do, so :func:`~neuropil.pipelines.celegans_connectomes.homogenize`
treats every source alike.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_spreadsheets import cook_sheets, sheet_rows

COOK_MALE_SHEETS = {"chemical": "male chemical", "electrical": "male gap jn symmetric"}


def read_cook_male(path: Path) -> pd.DataFrame:
    """Cook et al. 2019 SI 5 (corrected July 2020), the male sheets: chemical and symmetric
    gap-junction matrices over 385 neurons plus muscles and end organs; EM section counts."""
    return cook_sheets(path, COOK_MALE_SHEETS)


def _labelled_matrix(path: Path, sheet: str, kind: str) -> pd.DataFrame:
    """Yim et al. 2024 layout: post labels in the first row and pre labels in the first column, from
    the third cell on (the second row / column number the cells); a 0 cell is no edge."""
    rows = sheet_rows(path, [sheet])[sheet]
    if len(rows) < 3 or len(rows[0]) < 3:
        raise RawFormatError(f"{path.name}: sheet {sheet!r} has {len(rows)} rows, too few for an adjacency matrix.")
    post_labels = [str(v).strip() for v in rows[0][2:]]
    records = []
    for row in rows[2:]:
        pre = str(row[0]).strip()
        if not pre:
            continue
        for post, value in zip(post_labels, row[2:]):
            if value in ("", None) or not post:
                continue
            if not isinstance(value, (int, float)):
                raise RawFormatError(f"{path.name}: sheet {sheet!r} has a non-numeric cell {value!r} ({pre} -> {post}).")
            if value != 0:
                records.append((pre, post, kind, float(value)))
    table = pd.DataFrame(records, columns=["pre_raw", "post_raw", "type", "weight"])
    table.attrs["covered_raw"] = sorted({str(r[0]).strip() for r in rows[2:] if str(r[0]).strip()} | set(post_labels) - {""})
    return table


def read_yim_dauer(path: Path) -> pd.DataFrame:
    """Yim et al. 2024 dauer (``41467_2024_45943_MOESM6_ESM.xlsx``, sheet ``Dauer``): chemical
    synapses weighted by the summed active-zone volume of each pre/post pair."""
    return _labelled_matrix(path, "Dauer", "chemical")


def read_yim_dauer_normalized(path: Path) -> pd.DataFrame:
    """Sheet ``Dauer_normalized``: the same weights divided by the standard deviation of the weights
    without the top 5 % (the authors' normalisation, for comparison across datasets)."""
    return _labelled_matrix(path, "Dauer_normalized", "chemical")


EXTRASYNAPTIC_TYPES = ("monoamine", "neuropeptide")


def _bentley_edge_list(path: Path, kind: str) -> pd.DataFrame:
    """Bentley et al. 2016 edge lists (no header): releasing neuron, receiving neuron, ligand, receptor;
    one row per ligand-receptor pair expressed across the two neurons (weight 1 each)."""
    try:
        table = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise RawFormatError(f"{path.name} is not a CSV edge list: {error}") from error
    if table.shape[1] != 4:
        raise RawFormatError(f"{path.name} has {table.shape[1]} columns; expected 4 (pre, post, ligand, receptor).")
    table = table.apply(lambda column: column.str.strip())
    return pd.DataFrame({"pre_raw": table[0], "post_raw": table[1], "type": kind, "weight": 1.0,
                         "ligand": table[2], "receptor": table[3]})


def read_bentley_monoamine(path: Path) -> pd.DataFrame:
    """``edgelist_MA.csv``: dopamine, serotonin, tyramine, octopamine -> a cognate receptor."""
    return _bentley_edge_list(path, "monoamine")


def read_bentley_neuropeptide(path: Path) -> pd.DataFrame:
    """``edgelist_NP.csv``: a neuropeptide gene -> a receptor with a plausible EC50."""
    return _bentley_edge_list(path, "neuropeptide")


def read_ripoll_sanchez(path: Path) -> pd.DataFrame:
    """Ripoll-Sanchez et al. 2023 neuropeptide models (302 x 302 CSV, header ``Row``, releasing
    neuron per row): weight = number of neuropeptide-GPCR pairs connecting the two neurons."""
    try:
        matrix = pd.read_csv(path, index_col=0)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise RawFormatError(f"{path.name} is not a CSV matrix: {error}") from error
    values = matrix.apply(pd.to_numeric, errors="coerce")
    if values.isna().to_numpy().any():
        raise RawFormatError(f"{path.name} has a non-numeric cell; expected counts of neuropeptide-receptor pairs.")
    pre, post = (values.to_numpy() > 0).nonzero()
    table = pd.DataFrame({"pre_raw": matrix.index.to_numpy()[pre].astype(str),
                          "post_raw": matrix.columns.to_numpy()[post].astype(str), "type": "neuropeptide",
                          "weight": values.to_numpy(dtype="float64")[pre, post]})
    table.attrs["covered_raw"] = sorted(set(map(str, matrix.index)) | set(map(str, matrix.columns)))
    return table


def extrasynaptic_table(sources: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per ligand-receptor record between two neurons of the 300 axis (sources that name
    them): ``connectome, pre_index, post_index, pre, post, type, ligand, receptor``."""
    from neuropil.pipelines.celegans_names import LABEL_INDEX, map_label

    parts = []
    for connectome, table in sources.items():
        if "ligand" not in table.columns:
            continue
        names = {raw: map_label(raw) for raw in pd.unique(pd.concat([table["pre_raw"], table["post_raw"]]))}
        pre = table["pre_raw"].map(lambda raw: names[raw].label)
        post = table["post_raw"].map(lambda raw: names[raw].label)
        keep = pre.isin(LABEL_INDEX.keys()) & post.isin(LABEL_INDEX.keys())
        parts.append(pd.DataFrame({
            "connectome": connectome, "pre_index": pre[keep].map(LABEL_INDEX).astype("int32"),
            "post_index": post[keep].map(LABEL_INDEX).astype("int32"), "pre": pre[keep], "post": post[keep],
            "type": table.loc[keep, "type"], "ligand": table.loc[keep, "ligand"], "receptor": table.loc[keep, "receptor"]}))
    columns = ["connectome", "pre_index", "post_index", "pre", "post", "type", "ligand", "receptor"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns].sort_values(
        ["connectome", "type", "pre_index", "post_index", "ligand", "receptor"], kind="stable").reset_index(drop=True)


def read_cook_2020(path: Path) -> pd.DataFrame:
    """Cook et al. 2020 pharynx (``cne24932-sup-0004-supinfo4.csv``: ``Source, Target, Weight, Type``
    with Type ``Chemical`` or ``Electrical``); repeated rows of one pair add up."""
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise RawFormatError(f"{path.name} is not a CSV table: {error}") from error
    missing = [c for c in ("Source", "Target", "Weight", "Type") if c not in table.columns]
    if missing:
        raise RawFormatError(f"{path.name} lacks column(s) {missing}; expected Source, Target, Weight, Type.")
    kind = table["Type"].str.strip().str.lower()
    bad = sorted(set(kind) - {"chemical", "electrical"})
    if bad:
        raise RawFormatError(f"{path.name}: unknown Type(s) {bad}; expected 'Chemical' or 'Electrical'.")
    weight = pd.to_numeric(table["Weight"], errors="coerce")
    if weight.isna().any():
        raise RawFormatError(f"{path.name}: Weight {table.loc[weight.isna(), 'Weight'].iloc[0]!r} is not a number.")
    return pd.DataFrame({"pre_raw": table["Source"].str.strip(), "post_raw": table["Target"].str.strip(),
                         "type": kind, "weight": weight.astype("float64")})
