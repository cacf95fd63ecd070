"""Readers of the older C. elegans wiring files cect ships: Durbin 1987 and Haspel & O'Donovan 2011.

Each returns a *source table* (``pre_raw, post_raw, type, weight``), as the readers of
:mod:`neuropil.pipelines.celegans_connectomes` do, so
:func:`~neuropil.pipelines.celegans_connectomes.homogenize` treats every source alike.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from neuropil.errors import RawFormatError

#: Durbin's animals: N2U (adult hermaphrodite) and JSH (L4 hermaphrodite), both White et al. 1986 series
DURBIN_ANIMALS = ("N2U", "JSH")
#: Durbin's record codes: the presynaptic side (Send, Send_joint = polyadic), the same synapses seen
#: from the postsynaptic side (Receive, Receive_joint) and gap junctions
DURBIN_CODES = frozenset({"Send", "Send_joint", "Receive", "Receive_joint", "Gap_junction"})
#: the one record of neurodata.txt without an animal; its reverse orientation
#: ``ADAR ADAL Gap_junction N2U 1`` has the same count and JSH lists the pair with 2, so it is N2U's
#: (cect's neurodata_updated.txt makes the same call)
_DURBIN_UNLABELLED = {("ADAL", "ADAR", "Gap_junction", "1"): "N2U"}


def read_durbin(path: Path, animal: str) -> pd.DataFrame:
    """R. M. Durbin's ``neurodata.txt`` (PhD thesis, 1987): tab-separated ``pre, post, code, animal,
    count`` rows for the N2U and JSH series of White et al. 1986.

    ``Send`` + ``Send_joint`` rows give the directed chemical synapse count of a pair; ``Receive`` /
    ``Receive_joint`` rows restate them from the receiving side and only cross-check (pairs whose
    two sides differ are returned in ``attrs['receive_mismatches']``); ``Gap_junction`` rows are
    electrical. ``mu_bod`` (body-wall muscle) is a partner like any muscle.
    """
    if animal not in DURBIN_ANIMALS:
        raise ValueError(f"Unknown Durbin animal {animal!r}; expected one of {DURBIN_ANIMALS}.")
    records = []
    try:
        lines = path.read_text().splitlines()
    except UnicodeDecodeError as error:
        raise RawFormatError(f"{path.name} is not a text file: {error}") from error
    for number, line in enumerate(lines, start=1):
        fields = [field.strip() for field in line.split("#")[0].split("\t")]
        while fields and not fields[-1]:
            fields.pop()
        if not fields:
            continue
        if len(fields) != 5:
            raise RawFormatError(f"{path.name} line {number}: {line!r} has {len(fields)} fields; expected "
                                 "pre, post, code, animal, count separated by tabs.")
        pre, post, code, owner, count = fields
        owner = owner or _DURBIN_UNLABELLED.get((pre, post, code, count), "")
        if code not in DURBIN_CODES:
            raise RawFormatError(f"{path.name} line {number}: unknown code {code!r}; expected one of "
                                 f"{sorted(DURBIN_CODES)}.")
        if owner not in DURBIN_ANIMALS:
            raise RawFormatError(f"{path.name} line {number}: unknown animal {owner!r}; expected one of "
                                 f"{DURBIN_ANIMALS}.")
        if not count.isdigit():
            raise RawFormatError(f"{path.name} line {number}: count {count!r} is not a whole number.")
        if owner == animal:
            records.append((pre, post, code, float(count)))
    table = pd.DataFrame(records, columns=["pre_raw", "post_raw", "code", "weight"])
    sent = table[table["code"].isin(["Send", "Send_joint"])]
    chemical = sent.groupby(["pre_raw", "post_raw"], as_index=False, sort=False)["weight"].sum().assign(type="chemical")
    received = table[table["code"].isin(["Receive", "Receive_joint"])]
    received = received.groupby(["post_raw", "pre_raw"], as_index=False)["weight"].sum().set_axis(
        ["pre_raw", "post_raw", "weight"], axis=1)  # "A B Receive" is a synapse B -> A
    check = chemical.merge(received, on=["pre_raw", "post_raw"], how="outer", suffixes=("_send", "_receive"))
    mismatches = check[check["weight_send"].fillna(0) != check["weight_receive"].fillna(0)]
    electrical = table[table["code"] == "Gap_junction"].drop(columns="code").assign(type="electrical")
    result = pd.concat([chemical, electrical], ignore_index=True)[["pre_raw", "post_raw", "type", "weight"]]
    result.attrs["receive_mismatches"] = mismatches.drop(columns="type").to_dict("records")
    return result


def read_durbin_n2u(path: Path) -> pd.DataFrame:
    """Durbin 1987, the adult N2U series."""
    return read_durbin(path, "N2U")


def read_durbin_jsh(path: Path) -> pd.DataFrame:
    """Durbin 1987, the L4 JSH series."""
    return read_durbin(path, "JSH")


#: Haspel & O'Donovan's body-wall muscle rows name a left/right pair (``MDlr07``): as cect does, the
#: row's synapses go to both muscles of the pair
_MUSCLE_PAIR = re.compile(r"^M([DV])lr(\d+)$")


def _haspel_targets(label: str) -> list[str]:
    pair = _MUSCLE_PAIR.match(label)
    return [f"M{pair.group(1)}{side}{pair.group(2)}" for side in "LR"] if pair else [label]


def read_haspel_odonovan(path: Path) -> pd.DataFrame:
    """Haspel & O'Donovan 2011 (``CeConnMtrcs_170626.mat``, MATLAB v5): the full ventral-cord model,
    ``Names_conn_full`` (102 cells), ``A_conn_full`` (chemical) and ``J_conn_full`` (gap junctions),
    both indexed [post, pre]. A negative chemical entry is an inhibitory (GABAergic) synapse: the
    weight is its magnitude and ``sign`` keeps -1 / +1. Weights are the model's synapse numbers
    (averaged over the repeating units, so not always whole)."""
    import scipy.io
    from scipy.io.matlab import MatReadError

    try:
        mat = scipy.io.loadmat(path)
    except (MatReadError, ValueError, TypeError, NotImplementedError, OSError) as error:
        raise RawFormatError(f"{path.name} is not a MATLAB v5 file scipy.io can read: {error}") from error
    missing = [k for k in ("Names_conn_full", "A_conn_full", "J_conn_full") if k not in mat]
    if missing:
        raise RawFormatError(f"{path.name} lacks variable(s) {missing}; expected Names_conn_full, A_conn_full, "
                             "J_conn_full.")
    names = [str(np.asarray(n).ravel()[0]).strip() for n in mat["Names_conn_full"].ravel()]
    n = len(names)
    chemical = np.asarray(mat["A_conn_full"], dtype="float64")
    electrical = np.asarray(mat["J_conn_full"], dtype="float64")
    if chemical.shape != (n, n) or electrical.shape != (n, n):
        raise RawFormatError(f"{path.name}: A_conn_full {chemical.shape} and J_conn_full {electrical.shape} must both "
                             f"be ({n}, {n}), one row and column per name.")
    if not (np.isfinite(chemical).all() and np.isfinite(electrical).all()):
        raise RawFormatError(f"{path.name}: A_conn_full / J_conn_full hold a NaN or infinite entry.")
    records = []
    for kind, matrix in (("chemical", chemical), ("electrical", electrical)):
        for post, pre in zip(*np.nonzero(matrix)):
            value = float(matrix[post, pre])
            for target in _haspel_targets(names[post]):
                records.append((names[pre], target, kind, abs(value), float(np.sign(value))))
    table = pd.DataFrame(records, columns=["pre_raw", "post_raw", "type", "weight", "sign"])
    table.attrs["covered_raw"] = sorted({t for name in names for t in _haspel_targets(name)})
    return table


#: Wang et al. 2024's "Neurotransmitter(s)" spellings (``*`` = different from previous reports and
#: ``- NEW`` / ``(new)`` = newly found are dropped first) -> (transmitter, edge type it gives). Only
#: released classical transmitters make chemical edges and only released monoamines monoamine edges,
#: as in cect's Wang2024Reader; uptake-only, precursor, putative and orphan entries make none.
WANG_TRANSMITTERS: dict[str, tuple[str, str | None]] = {
    "ACh": ("acetylcholine", "chemical"), "Glu": ("glutamate", "chemical"), "GABA": ("GABA", "chemical"),
    "betaine (uptake)": ("betaine", "chemical"),
    "DA": ("dopamine", "monoamine"), "5-HT": ("serotonin", "monoamine"),
    "5-HT (synthesis + uptake)": ("serotonin", "monoamine"),
    "5-HT (alternative synthesis/uptake mechanism)": ("serotonin", "monoamine"),
    "male - 5-HT (alternative synthesis/uptake mechanism?)": ("serotonin (male only)", "monoamine"),
    "tyramine": ("tyramine", "monoamine"), "tyramine (synthesis + uptake)": ("tyramine", "monoamine"),
    "octopamine": ("octopamine", "monoamine"),
    "5-HT (uptake)": ("serotonin uptake", None), "GABA (uptake)": ("GABA uptake", None),
    "5-HTP": ("5-HTP", None), "5-HTP (synthesis) and 5-HT (uptake)": ("5-HTP + serotonin uptake", None),
    "PEOH?": ("PEOH (putative)", None), "unknown monoamine?": ("unknown monoamine", None),
    "bas-1-depen unknown monoamine?": ("unknown monoamine (bas-1 dependent)", None),
    "unknown (orphan)": ("orphan", None), "unknown (orphan, unc-47 expression)": ("orphan", None),
    "unknown (orphan; unc-47 positive)": ("orphan", None), "unknown (orphan, unc-46 expression)": ("orphan", None),
}
_WANG_NEW = re.compile(r"\s*(?:- NEW|\(new\))\s*$", re.IGNORECASE)
#: the sheets' shared names: Wang et al. could not tell DB1 from DB3, nor DX1 from DX2 (etc.); as cect
#: does, the first row of a pair is the lower number
_WANG_PAIRS = {"DB1/3": ("DB1",), "DB3/1": ("DB3",), "DX1/2": ("DX1", "DX2"), "EF1/2": ("EF1", "EF2"),
               "DX3/4": ("DX3", "DX4"), "EF3/4": ("EF3", "EF4")}
WANG_ATLAS_COLUMNS = ["sex", "label", "raw_label", "rank", "transmitter", "edge_type", "transmitter_raw"]


def _wang_transmitter(text: str, path: Path, neuron: str) -> tuple[str, str | None]:
    key = _WANG_NEW.sub("", re.sub(r"\s+", " ", text.strip().lstrip("*")))
    key = key[0].upper() + key[1:] if key.lower().startswith("unknown") else key
    found = WANG_TRANSMITTERS.get(key) or WANG_TRANSMITTERS.get(key[0].lower() + key[1:])
    if found is None:
        raise RawFormatError(f"{path.name}: neuron {neuron}: unknown transmitter {text!r}; expected one of "
                             f"{sorted(WANG_TRANSMITTERS)} (with '*', '- NEW' or '(new)' marks).")
    return found


def read_wang_atlas(path: Path, sex: str) -> pd.DataFrame:
    """One sheet of Wang et al. 2024 (``elife-95402-supp2-v1.xlsx`` hermaphrodite neurons,
    ``-supp3-`` male-specific neurons): one row per neuron and listed transmitter (``rank`` 1-3, the
    three "Neurotransmitter(s)" columns). Rows are neuron rows when they name a neuron and its lineage."""
    from neuropil.pipelines.celegans_names import cell_label, map_label
    from neuropil.pipelines.celegans_spreadsheets import sheet_rows

    rows = sheet_rows(path, [0])[0]
    header = next((i for i, row in enumerate(rows) if {"Neuron", "Lineage", "Neurotransmitter(s)"} <= {
        str(v).strip() for v in row}), None)
    if header is None:
        raise RawFormatError(f"{path.name}: no header row with 'Neuron', 'Lineage' and 'Neurotransmitter(s)'.")
    names = [str(v).strip() for v in rows[header]]
    neuron, lineage, first = names.index("Neuron"), names.index("Lineage"), names.index("Neurotransmitter(s)")
    seen: dict[str, int] = {}
    records = []
    for row in rows[header + 1:]:
        raw, origin = str(row[neuron]).strip(), str(row[lineage]).strip()
        if not raw or not origin:
            continue  # section titles (HEAD, TAIL) and the legend under the table
        pair = _WANG_PAIRS.get(raw)
        name = pair[min(seen.get(raw, 0), len(pair) - 1)] if pair else raw
        seen[raw] = seen.get(raw, 0) + 1
        mapped = map_label(name)
        for rank, value in enumerate(row[first:first + 3], start=1):
            if str(value).strip():
                transmitter, edge_type = _wang_transmitter(str(value), path, raw)
                records.append((sex, cell_label(mapped.label, mapped.kind), raw, rank, transmitter, edge_type,
                                str(value).strip()))
    if not records:
        raise RawFormatError(f"{path.name}: no neuron row with a transmitter under the header.")
    return pd.DataFrame(records, columns=WANG_ATLAS_COLUMNS)


#: hermaphrodite-specific neurons: no male has them, so the male's monoamine edges skip them (as cect)
_HERMAPHRODITE_ONLY = frozenset({"HSNL", "HSNR", "VC1", "VC2", "VC3", "VC4", "VC5", "VC6"})


def _wang_connectome(atlas: pd.DataFrame, anatomy: pd.DataFrame, monoamine: pd.DataFrame, sex: str) -> pd.DataFrame:
    """cect's Wang2024Reader construction: every chemical connection of Cook 2019 (that sex) once per
    classical transmitter the atlas gives its presynaptic neuron, and every Bentley 2016 monoamine
    edge once per monoamine the atlas gives its releasing neuron; weight 1 per record."""
    from neuropil.pipelines.celegans_names import cell_label, map_label

    if sex == "male":
        atlas = atlas.replace({"transmitter": {"serotonin (male only)": "serotonin"}})
    releases = atlas[atlas["edge_type"].notna() & (atlas["transmitter"] != "serotonin (male only)")]
    by_label = releases.groupby(["label", "edge_type"])["transmitter"].agg(lambda t: sorted(set(t))).to_dict()

    def label(raw: str) -> str:
        mapped = map_label(raw)
        return cell_label(mapped.label, mapped.kind)

    records = []
    for kind, table in (("chemical", anatomy[anatomy["type"] == "chemical"]), ("monoamine", monoamine)):
        for pre_raw, post_raw in dict.fromkeys(zip(table["pre_raw"], table["post_raw"])):
            pre, post = label(pre_raw), label(post_raw)
            if sex == "male" and kind == "monoamine" and {pre, post} & _HERMAPHRODITE_ONLY:
                continue
            for transmitter in by_label.get((pre, kind), ()):
                records.append((pre_raw, post_raw, kind, 1.0, transmitter))
    table = pd.DataFrame(records, columns=["pre_raw", "post_raw", "type", "weight", "transmitter"])
    table.attrs["transmitters"] = atlas
    return table


def read_wang_2024_herm(path: Path, cook: Path, monoamine: Path) -> pd.DataFrame:
    """Wang et al. 2024 hermaphrodite: ``elife-95402-supp2-v1.xlsx`` over Cook 2019's hermaphrodite
    chemical synapses and Bentley 2016's monoamine edges (``edgelist_MA.csv``)."""
    from neuropil.pipelines.celegans_sources import read_bentley_monoamine
    from neuropil.pipelines.celegans_spreadsheets import cook_sheets

    atlas = read_wang_atlas(path, "hermaphrodite")
    anatomy = cook_sheets(cook, {"chemical": "hermaphrodite chemical"})
    return _wang_connectome(atlas, anatomy, read_bentley_monoamine(monoamine), "hermaphrodite")


def read_wang_2024_male(path: Path, shared: Path, cook: Path, monoamine: Path) -> pd.DataFrame:
    """Wang et al. 2024 male: the male-specific neurons of ``elife-95402-supp3-v1.xlsx`` and the
    sex-shared ones of ``-supp2-`` (its ``male - 5-HT`` entries hold here), over Cook 2019's male
    chemical synapses and Bentley 2016's monoamine edges."""
    from neuropil.pipelines.celegans_sources import read_bentley_monoamine
    from neuropil.pipelines.celegans_spreadsheets import cook_sheets

    atlas = pd.concat([read_wang_atlas(shared, "male"), read_wang_atlas(path, "male")], ignore_index=True)
    anatomy = cook_sheets(cook, {"chemical": "male chemical"})
    return _wang_connectome(atlas, anatomy, read_bentley_monoamine(monoamine), "male")


def transmitters_table(sources: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The Wang et al. 2024 atlas of every ingested sex: one row per neuron and listed transmitter."""
    parts = [table.attrs["transmitters"] for table in sources.values() if "transmitters" in table.attrs]
    if not parts:
        return pd.DataFrame(columns=WANG_ATLAS_COLUMNS)
    return pd.concat(parts, ignore_index=True).drop_duplicates(["sex", "label", "rank"]).sort_values(
        ["sex", "label", "rank"], kind="stable").reset_index(drop=True)[WANG_ATLAS_COLUMNS]
