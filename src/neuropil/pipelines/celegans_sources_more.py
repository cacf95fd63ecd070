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
    chemical, electrical = np.asarray(mat["A_conn_full"], dtype="float64"), np.asarray(mat["J_conn_full"], dtype="float64")
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
