"""Per-connectome stats and the consensus table, re-derived from the raw files by an independent route.

Nothing here imports neuropil's readers or its name table: the raw files are parsed with xlrd (.xls),
openpyxl (.xlsx), ``str.split`` (whitespace tables) and h5py + plain Python loops (funatlas.h5), the
labels go through a small normaliser written from the documented rules of
``neuropil.pipelines.celegans_names``, and every count is built from plain dicts and sets. The
package is then asked, through its real CLI (``neuropil info --json``) and its published
``consensus.parquet``, and the two routes must agree.

Derived values on the real files (cect 0.3.5, worm-graph, wormneuroatlas 0.0.7.3):

==================  =======  ==========  ==========  ==========  ==========
connectome          neurons  chem pairs  chem syn.   elec pairs  functional
==================  =======  ==========  ==========  ==========  ==========
openworm            299      2279        6465        557         0
chklovskii          279      2194        6394        517         0
witvliet_7          180      1944        6587        267         0
witvliet_8          180      1933        7099        304         0
white_1986_whole    299      2266        6509        569         0
white_1986_n2u      180      1414        3740        264         0
white_1986_jsh      178      1291        3702        286         0
white_1986_jse      34       94          261         0           0
cook_2019           300      3707        20905       1101        0
randi_2023          178      0           0           0           1151
witvliet_1          161      675         1152        83          0
witvliet_2          162      865         1687        121         0
witvliet_3          162      887         1884        94          0
witvliet_4          168      1011        2521        205         0
witvliet_5          174      1324        3644        289         0
witvliet_6          174      1314        3893        212         0
==================  =======  ==========  ==========  ==========  ==========

(the table documents what the test derives; the assertions below never use it)
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import math
import random
import re
import statistics
from collections import defaultdict
from pathlib import Path

import pytest

#: the connectomes of the consensus table (the first ten; later additions stay out of it)
CONSENSUS_IDS = (
    "openworm", "chklovskii", "witvliet_7", "witvliet_8", "white_1986_whole", "white_1986_n2u",
    "white_1986_jsh", "white_1986_jse", "cook_2019", "randi_2023",
)
#: Witvliet et al. 2021 datasets 1-6 (L1 x4, L2, L3)
WITVLIET_FILES = {1: "witvliet_2020_1 L1.xlsx", 2: "witvliet_2020_2 L1.xlsx", 3: "witvliet_2020_3 L1.xlsx",
                  4: "witvliet_2020_4 L1.xlsx", 5: "witvliet_2020_5 L2.xlsx", 6: "witvliet_2020_6 L3.xlsx"}
CONNECTOME_IDS = (*CONSENSUS_IDS, *(f"witvliet_{n}" for n in WITVLIET_FILES))
#: every connectome; the male's counts: test_male_counts_match_an_independent_read; Wang 2024 male's:
#: test_wang_male_counts_match_an_independent_read; Yim 2024's, Cook 2020's, Durbin's, Haspel &
#: O'Donovan's and Wang 2024's: against cect's readers in test_celegans_peer_cect.py
ALL_IDS = (*CONNECTOME_IDS, "cook_2019_male", "yim_2024_dauer", "yim_2024_dauer_normalized", "cook_2020_pharynx",
           "durbin_1987_n2u", "durbin_1987_jsh", "haspel_odonovan_2011", "wang_2024_herm", "wang_2024_male",
           "bentley_2016_monoamine", "bentley_2016_neuropeptide",
           *(f"ripoll_sanchez_2023_{reach}" for reach in ("short", "mid", "long")),
           "brittin_2021", "yim_2024_dauer_contact", "yim_2024_dauer_contact_normalized", "randi_2023_unc31")
STATS = ("neurons_with_edges", "chemical_pairs", "chemical_synapses", "electrical_pairs", "functional_edges",
         "unmapped_labels")
Q_THRESHOLD = 0.05
COOK_FILE = "SI 5 Connectome adjacency matrices, corrected July 2020.xlsx"


# ------------------------------------------------------------------ label normalisation (documented rules)

@functools.lru_cache(maxsize=None)
def _canonical(shared_data: Path) -> frozenset[str]:
    path = shared_data / "celegans" / "worm-graph" / "neuron_labels_generated.txt"
    labels = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    assert len(labels) == 300 and len(set(labels)) == 300, "the canonical axis must hold 300 distinct labels"
    return frozenset(labels)


_FUNCTIONAL_NAMES = {"AWCON": "AWCR", "AWCOFF": "AWCL", "AWCOF": "AWCL"}
_PADDED_CORD = ("AS", "DA", "DB", "DD", "VA", "VB", "VC", "VD")


def _normalise(raw: object, canonical: frozenset[str]) -> str | None:
    """Canonical neuron label for ``raw``, or None when it is not a neuron of the axis."""
    text = str(raw).strip()
    text = _FUNCTIONAL_NAMES.get(text, text)
    for prefix in _PADDED_CORD:
        digits = text[len(prefix):]
        if text.startswith(prefix) and digits.isdigit() and digits.startswith("0"):
            text = prefix + str(int(digits))
            break
    if text in canonical:
        return text
    if text == text.lower() and text.upper() in canonical:
        return text.upper()
    return None


# what the name table documents as non-neuron partners (off-axis neurons, muscles, glia, end organs)
_NON_NEURON_EXACT = {"CANL", "CANR", "NMJ", "LegacyBodyWallMuscles", "MVULVA", "MANAL", "bm", "hyp", "int",
                     "exc_cell", "exc_gl", "excgl", "hmc"}
_NON_NEURON_PREFIX = ("BWM", "dBWM", "vBWM", "CEPsh", "GLR", "mu_")
_NON_NEURON_LETTER_DIGIT = re.compile(r"(pm|vm|um|mc|e|g|MDL|MDR|MVL|MVR)\d")


def _is_known_non_neuron(raw: object) -> bool:
    text = str(raw).strip()
    return (text in _NON_NEURON_EXACT or text.startswith(_NON_NEURON_PREFIX)
            or _NON_NEURON_LETTER_DIGIT.match(text) is not None)


# ------------------------------------------------------------------ raw readers (independent route)

def _cect(name: str) -> Path:
    return Path(str(importlib.resources.files("cect") / "data" / name))


def _xls_rows(path: Path, sheet: str | int) -> list[dict[str, object]]:
    import xlrd

    book = xlrd.open_workbook(str(path))
    table = book.sheet_by_name(sheet) if isinstance(sheet, str) else book.sheet_by_index(sheet)
    header = [str(h).strip() for h in table.row_values(0)]
    return [dict(zip(header, table.row_values(i))) for i in range(1, table.nrows)]


def _read_openworm(path: Path) -> tuple[list[tuple], list[object]]:
    kinds = {"Send": "chemical", "GapJunction": "electrical"}
    records = [(row["Origin"], row["Target"], kinds[str(row["Type"]).strip()], float(row["Number of Connections"]))
               for row in _xls_rows(path, "Connectome")]
    muscle = _xls_rows(path, "NeuronsToMuscle")
    return records, [row["Neuron"] for row in muscle] + [row["Muscle"] for row in muscle]


def _read_chklovskii(path: Path) -> tuple[list[tuple], list[object], list[tuple]]:
    """S and Sp rows are Neuron 1 -> Neuron 2 chemical synapses; R/Rp (the receiving side) are kept
    apart, only for the cross-check; EJ electrical; NMJ rows name a muscle endpoint."""
    records, receive, partner_labels = [], [], []
    for row in _xls_rows(path, 0):
        code = str(row["Type"]).strip()
        one, two, count = row["Neuron 1"], row["Neuron 2"], float(row["Nbr"])
        if code in ("S", "Sp"):
            records.append((one, two, "chemical", count))
        elif code == "EJ":
            records.append((one, two, "electrical", count))
        elif code in ("R", "Rp"):
            receive.append((two, one, count))  # Neuron 1 receives from Neuron 2
        elif code == "NMJ":
            partner_labels += [one, two]
        else:
            raise AssertionError(f"unexpected NeuronConnect code {code!r}")
    return records, partner_labels, receive


def _read_witvliet(path: Path) -> list[tuple]:
    import openpyxl

    book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    header = [str(h).strip() for h in rows[0]]
    assert header[:4] == ["pre", "post", "type", "synapses"], header
    return [(r[0], r[1], str(r[2]).strip().lower(), float(r[3])) for r in rows[1:] if any(v is not None for v in r)]


def _read_whitespace_table(path: Path) -> list[tuple]:
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    assert lines[0] == ["pre", "post", "type", "synapses"], lines[0]
    assert all(len(fields) == 4 for fields in lines), "every record must have 4 fields"
    return [(pre, post, kind.lower(), float(count)) for pre, post, kind, count in lines[1:]]


COOK_HERMAPHRODITE = (("chemical", "hermaphrodite chemical"), ("electrical", "hermaphrodite gap jn symmetric"))
COOK_MALE = (("chemical", "male chemical"), ("electrical", "male gap jn symmetric"))


def _read_cook(path: Path, sheets: tuple[tuple[str, str], ...] = COOK_HERMAPHRODITE) -> list[tuple]:
    """Post labels in the third row, pre labels in the third column, values from the fourth row/column;
    the trailing label row (no pre label) and column (no post label) fall out by themselves."""
    import openpyxl

    book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    records = []
    try:
        for kind, sheet in sheets:
            rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
            post_labels = {j: v for j, v in enumerate(rows[2]) if j >= 3 and v is not None}
            for row in rows[3:]:
                pre = row[2] if len(row) > 2 else None
                if pre is None:
                    continue
                for j, post in post_labels.items():
                    value = row[j] if j < len(row) else None
                    if value is None or (isinstance(value, str) and not value.strip()):
                        continue
                    records.append((pre, post, kind, float(value)))
    finally:
        book.close()
    return records


def _read_funatlas(path: Path) -> tuple[list[tuple], list[str]]:
    import h5py
    import numpy as np

    with h5py.File(path, "r") as handle:
        ids = [raw.decode() for raw in handle["neuron_ids"][()]]
        q = np.asarray(handle["wt/q"][()]).tolist()
        dff = np.asarray(handle["wt/dFF"][()]).tolist()
    records = []
    for responder in range(len(ids)):
        for stimulated in range(len(ids)):
            value = q[responder][stimulated]
            if responder != stimulated and value == value and value < Q_THRESHOLD:  # value == value: not NaN
                records.append((ids[stimulated], ids[responder], "functional", float(dff[responder][stimulated])))
    return records, ids


@functools.lru_cache(maxsize=None)
def _raw(shared_data: Path) -> dict[str, dict]:
    """connectome -> {'records': [(pre_raw, post_raw, type, weight)], 'partner_labels': [...], ...}."""
    worm_graph = shared_data / "celegans" / "worm-graph"
    out: dict[str, dict] = {}
    records, partners = _read_openworm(_cect("CElegansNeuronTables.xls"))
    out["openworm"] = {"records": records, "partner_labels": partners}
    records, partners, receive = _read_chklovskii(_cect("NeuronConnect.xls"))
    out["chklovskii"] = {"records": records, "partner_labels": partners, "receive": receive}
    out["witvliet_7"] = {"records": _read_witvliet(_cect("witvliet_2020_7 adult.xlsx"))}
    out["witvliet_8"] = {"records": _read_witvliet(_cect("witvliet_2020_8 adult.xlsx"))}
    for number, name in WITVLIET_FILES.items():
        out[f"witvliet_{number}"] = {"records": _read_witvliet(_cect(name))}
    out["white_1986_whole"] = {"records": _read_whitespace_table(_cect("aconnectome_white_1986_whole.csv"))}
    out["white_1986_n2u"] = {"records": _read_whitespace_table(_cect("white_1986_n2u.csv"))}
    out["white_1986_jsh"] = {"records": _read_whitespace_table(_cect("white_1986_jsh.csv"))}
    out["white_1986_jse"] = {"records": _read_whitespace_table(worm_graph / "white_1986_jse.csv")}
    out["cook_2019"] = {"records": _read_cook(_cect(COOK_FILE))}
    records, ids = _read_funatlas(shared_data / "celegans" / "wormneuroatlas" / "funatlas.h5")
    out["randi_2023"] = {"records": records, "ids": ids}
    for connectome, part in out.items():
        kinds = {kind for _, _, kind, _ in part["records"]}
        assert kinds <= {"chemical", "electrical", "functional"}, (connectome, kinds)
    return out


# ------------------------------------------------------------------ independent derivation

@functools.lru_cache(maxsize=None)
def _derived(shared_data: Path) -> dict[str, dict]:
    """Per connectome: stats, and edge weights keyed as the consensus table keys them."""
    canonical = _canonical(shared_data)
    result = {}
    for connectome, part in _raw(shared_data).items():
        chemical: dict[tuple[str, str], float] = defaultdict(float)
        functional: dict[tuple[str, str], float] = defaultdict(float)
        orientations: dict[tuple[str, str], dict[tuple[str, str], float]] = defaultdict(lambda: defaultdict(float))
        neurons: set[str] = set()
        unmapped: set[str] = set()
        for pre_raw, post_raw, kind, weight in part["records"]:
            pre, post = _normalise(pre_raw, canonical), _normalise(post_raw, canonical)
            for raw, label in ((pre_raw, pre), (post_raw, post)):
                if label is None and not _is_known_non_neuron(raw):
                    unmapped.add(str(raw).strip())
            if pre is None or post is None:
                continue
            neurons |= {pre, post}
            if kind == "chemical":
                chemical[(pre, post)] += weight
            elif kind == "functional":
                functional[(pre, post)] += weight
            else:
                orientations[tuple(sorted((pre, post)))][(pre, post)] += weight
        for raw in part.get("partner_labels", []):
            if _normalise(raw, canonical) is None and not _is_known_non_neuron(raw):
                unmapped.add(str(raw).strip())
        # one electrical pair per unordered pair; both orientations restate the same junctions -> max
        electrical = {pair: max(by_side.values()) for pair, by_side in orientations.items()}
        result[connectome] = {
            "stats": {
                "neurons_with_edges": len(neurons),
                "chemical_pairs": len(chemical),
                "chemical_synapses": float(sum(chemical.values())),
                "electrical_pairs": len(electrical),
                "functional_edges": len(functional),
                "unmapped_labels": len(unmapped),
            },
            "unmapped": sorted(unmapped),
            "weights": {
                **{(pre, post, "chemical"): w for (pre, post), w in chemical.items()},
                **{(pre, post, "electrical"): w for (pre, post), w in electrical.items()},
                **{(pre, post, "functional"): w for (pre, post), w in functional.items()},
            },
        }
    return result


def _reported(shared_data: Path) -> dict[tuple[str, str, str], dict[str, float]]:
    """(pre, post, type) -> {connectome: weight}, electrical keys ordered as labels sort."""
    reported: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
    for connectome, derived in _derived(shared_data).items():
        if connectome not in CONSENSUS_IDS:
            continue
        for key, weight in derived["weights"].items():
            reported[key][connectome] = weight
    return reported


# ------------------------------------------------------------------ the package's side

def _cli_info(home: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    from neuropil.cli import main

    capsys.readouterr()
    assert main(["info", "celegans-connectomes", "--json", "--home", str(home)]) == 0
    return json.loads(capsys.readouterr().out)


@functools.lru_cache(maxsize=None)
def _consensus_rows(home: Path) -> list[dict]:
    import pyarrow.parquet as pq

    path = home / "celegans-connectomes" / "1.0.0" / "consensus.parquet"
    return pq.read_table(path).to_pylist()


# ------------------------------------------------------------------ tests

def test_cli_lists_every_connectome(ingested_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    info = _cli_info(ingested_home, capsys)
    assert info["ingested"] is True
    assert sorted(info["connectomes"]) == sorted(ALL_IDS)
    assert sorted(info["stats"]) == sorted(ALL_IDS)


@pytest.mark.parametrize("connectome", CONNECTOME_IDS)
def test_stats_match_independent_derivation(
    connectome: str, shared_data: Path, ingested_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = _derived(shared_data)[connectome]["stats"]
    # the derivation must have found something: a reader that silently returns nothing would agree with
    # a package that does the same
    assert expected["neurons_with_edges"] > 0
    assert expected["chemical_pairs"] + expected["electrical_pairs"] + expected["functional_edges"] > 0
    got = _cli_info(ingested_home, capsys)["stats"][connectome]
    assert {name: got[name] for name in STATS} == expected


def test_every_label_of_the_real_files_is_mapped(
    shared_data: Path, ingested_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    derived = _derived(shared_data)
    assert {c: derived[c]["unmapped"] for c in CONNECTOME_IDS} == {c: [] for c in CONNECTOME_IDS}
    info = _cli_info(ingested_home, capsys)
    assert {c: info["stats"][c]["unmapped_labels"] for c in CONNECTOME_IDS} == {c: 0 for c in CONNECTOME_IDS}
    assert info["unmapped"] == {}


def test_funatlas_ids_cover_the_axis_one_to_one(shared_data: Path) -> None:
    canonical = _canonical(shared_data)
    ids = _raw(shared_data)["randi_2023"]["ids"]
    mapped = [_normalise(i, canonical) for i in ids]
    assert None not in mapped
    assert sorted(mapped) == sorted(canonical)  # AWCOF/AWCON become AWCL/AWCR, nothing collides


def test_cook_zero_padded_cord_neurons_are_kept(shared_data: Path) -> None:
    """The published homogenizer dropped Cook's DA01-style labels; all 300 neurons must have edges."""
    canonical = _canonical(shared_data)
    records = _raw(shared_data)["cook_2019"]["records"]
    padded = {str(r).strip() for pre, post, _, _ in records for r in (pre, post) if re.match(r"^[A-Z]{2}0\d", str(r))}
    assert padded, "Cook 2019 is expected to zero-pad ventral-cord labels"
    assert all(_normalise(label, canonical) for label in padded)
    assert _derived(shared_data)["cook_2019"]["stats"]["neurons_with_edges"] == 300


def test_chklovskii_receive_side_agrees(
    shared_data: Path, ingested_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    canonical = _canonical(shared_data)
    received: dict[tuple[str, str], float] = defaultdict(float)
    for pre_raw, post_raw, count in _raw(shared_data)["chklovskii"]["receive"]:
        pre, post = _normalise(pre_raw, canonical), _normalise(post_raw, canonical)
        if pre and post:
            received[(pre, post)] += count
    sent = {(pre, post): w for (pre, post, kind), w in _derived(shared_data)["chklovskii"]["weights"].items()
            if kind == "chemical"}
    mismatches = {pair for pair in set(sent) | set(received) if sent.get(pair, 0.0) != received.get(pair, 0.0)}
    info = _cli_info(ingested_home, capsys)
    assert info["stats"]["chklovskii"]["receive_side_mismatches"] == len(mismatches)
    # the receive rows are the same synapses: had they been added, the total would double
    assert sum(received.values()) == pytest.approx(_derived(shared_data)["chklovskii"]["stats"]["chemical_synapses"])


def _has_nan(by_connectome: dict[str, float]) -> bool:
    return any(math.isnan(w) for w in by_connectome.values())


#: sources whose weight counts EM sections showing a synapse, and the functional atlas (dF/F)
SECTION_COUNTING, NOT_SYNAPSES = {"cook_2019"}, {"cook_2019", "randi_2023"}


@functools.lru_cache(maxsize=None)
def _section_ratios(shared_data: Path) -> dict[tuple[str, str], float]:
    """(section-counting connectome, type) -> median over shared pairs of its count / the median
    synapse count of the synapse-counting sources."""
    reported = _reported(shared_data)
    ratios: dict[tuple[str, str], list[float]] = defaultdict(list)
    for key, by_connectome in reported.items():
        synapses = [w for c, w in by_connectome.items() if c not in NOT_SYNAPSES]
        for connectome in SECTION_COUNTING & set(by_connectome):
            if synapses and statistics.median(synapses) > 0:
                ratios[(connectome, key[2])].append(by_connectome[connectome] / statistics.median(synapses))
    return {key: statistics.median(values) for key, values in ratios.items()}


def _in_synapses(shared_data: Path, kind: str, by_connectome: dict[str, float]) -> dict[str, float]:
    """Weights in synapses: section counts divided by their source's section-to-synapse ratio."""
    ratios = _section_ratios(shared_data)
    return {c: w / ratios[(c, kind)] if c in SECTION_COUNTING else w for c, w in by_connectome.items()}


def test_cook_sections_are_two_to_three_synapses(shared_data: Path, ingested_home: Path) -> None:
    """The reason for the conversion, and the manifest records the ratios the consensus used."""
    ratios = _section_ratios(shared_data)
    assert ratios[("cook_2019", "chemical")] == pytest.approx(2.0)
    assert ratios[("cook_2019", "electrical")] == pytest.approx(3.0)
    manifest = json.loads((ingested_home / "celegans-connectomes" / "1.0.0" / "manifest.json").read_text())
    assert manifest["consensus_section_ratios"] == {"cook_2019": {"chemical": 2.0, "electrical": 3.0}}


def _check_consensus_row(row: dict, by_connectome: dict[str, float]) -> None:
    """``by_connectome``: the weights of the reporting sources in synapses (:func:`_in_synapses`)."""
    values = list(by_connectome.values())
    key = (row["pre"], row["post"], row["type"])
    assert row["n_reporting"] == len(values), key
    assert sorted(row["sources"]) == sorted(by_connectome), key
    if _has_nan(by_connectome):  # see test_missing_dff_is_not_turned_into_zero
        return
    assert row["weight_mean"] == pytest.approx(statistics.fmean(values)), key
    assert row["weight_median"] == pytest.approx(statistics.median(values)), key
    assert row["weight_std"] == pytest.approx(statistics.pstdev(values), abs=1e-12), key


def test_consensus_sample_matches_independent_weights(shared_data: Path, ingested_home: Path) -> None:
    reported = _reported(shared_data)
    rows = {(r["pre"], r["post"], r["type"]): r for r in _consensus_rows(ingested_home)}

    finite = [key for key in sorted(rows) if key in reported and not _has_nan(reported[key])]
    keys = random.Random(20240611).sample(finite, 20)
    if ("ADAL", "AIBL", "chemical") in rows:
        keys.append(("ADAL", "AIBL", "chemical"))
    # a pair where several connectomes report the same weight: the mean must run over every value;
    # the published consensus averaged the unique values only
    relative = {key: _in_synapses(shared_data, key[2], reported[key]) for key in sorted(reported)
                if len(reported[key]) >= 3 and not _has_nan(reported[key])}
    repeated = [
        key for key, by_connectome in relative.items()
        if len(set(by_connectome.values())) < len(by_connectome)
        and statistics.fmean(by_connectome.values()) != pytest.approx(statistics.fmean(set(by_connectome.values())))
    ]
    assert repeated, "the real connectomes share weights on many pairs"
    keys += repeated[:3]
    for key in keys:
        assert key in reported, f"consensus row {key} is reported by no connectome"
        _check_consensus_row(rows[key], _in_synapses(shared_data, key[2], reported[key]))
    for key in repeated[:3]:
        unique_mean = statistics.fmean(set(_in_synapses(shared_data, key[2], reported[key]).values()))
        assert rows[key]["weight_mean"] != pytest.approx(unique_mean), key


def test_consensus_covers_exactly_the_reported_edges(shared_data: Path, ingested_home: Path) -> None:
    """Every row, not just a sample: same key set, and the same statistics."""
    reported = _reported(shared_data)
    consensus = _consensus_rows(ingested_home)
    keys = [(r["pre"], r["post"], r["type"]) for r in consensus]
    assert len(keys) == len(set(keys)), "one consensus row per (pre, post, type)"
    assert set(keys) == set(reported)
    axis = sorted(_canonical(shared_data))
    for row in consensus:
        assert (axis[row["pre_index"]], axis[row["post_index"]]) == (row["pre"], row["post"])
        if row["type"] == "electrical":
            assert row["pre"] <= row["post"], "electrical pairs are unordered, stored in axis order"
        _check_consensus_row(row, _in_synapses(shared_data, row["type"], reported[(row["pre"], row["post"], row["type"])]))


def _nan_functional_edges(shared_data: Path) -> list[tuple[str, str, str]]:
    return [key for key, by_connectome in _reported(shared_data).items() if _has_nan(by_connectome)]


def test_funatlas_has_a_significant_pair_without_dff(shared_data: Path) -> None:
    """funatlas.h5 (wormneuroatlas 0.0.7.3) has one stimulated -> responder pair with q < 0.05 whose
    wt/dFF is NaN (ADER -> URYDL: q = 1.4e-16, occ1 = 1, dFF_all = [nan]). It is a functional edge
    by the documented rule (q alone decides), so it counts in functional_edges, but it has no weight."""
    assert _nan_functional_edges(shared_data) == [("ADER", "URYDL", "functional")]


def _is_missing(value: object) -> bool:
    """Parquet stores a missing float as null (None in Python) or NaN; either is 'missing', 0.0 is not."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_missing_dff_is_not_turned_into_zero(shared_data: Path, ingested_home: Path) -> None:
    import pyarrow.parquet as pq

    missing = _nan_functional_edges(shared_data)
    assert missing
    edges = pq.read_table(ingested_home / "celegans-connectomes" / "1.0.0" / "edges.parquet").to_pylist()
    by_key = {(r["pre"], r["post"], r["type"]): r for r in edges if r["connectome"] == "randi_2023"}
    consensus = {(r["pre"], r["post"], r["type"]): r for r in _consensus_rows(ingested_home)}
    for key in missing:
        assert key in by_key, f"{key}: q < 0.05 makes it an edge"
        assert _is_missing(by_key[key]["weight"]), f"{key}: dF/F is NaN in the source, edges.parquet says {by_key[key]['weight']}"
        for column in ("weight_mean", "weight_median", "weight_std"):
            assert _is_missing(consensus[key][column]), f"{key}: consensus {column} = {consensus[key][column]}"


def test_male_counts_match_an_independent_read(
    shared_data: Path, ingested_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cook 2019 male: pairs among the 300 axis neurons (edges.parquet) and the male-specific neurons
    with an edge (cell_edges.parquet), from the male sheets read here with openpyxl; male-specific
    names from cect's own list, CA/CP numbers unpadded as the cord neurons' are."""
    from cect.Cells import MALE_SPECIFIC_NEURONS

    canonical = _canonical(shared_data)
    male = {re.sub(r"^(CA|CP)0*(\d+)$", lambda m: m.group(1) + str(int(m.group(2))), n) for n in MALE_SPECIFIC_NEURONS}
    chemical: dict[tuple[str, str], float] = defaultdict(float)
    electrical: set[tuple[str, str]] = set()
    male_with_edges: set[str] = set()
    for pre_raw, post_raw, kind, weight in _read_cook(_cect(COOK_FILE), COOK_MALE):
        for raw in (pre_raw, post_raw):
            text = re.sub(r"^(CA|CP)0*(\d+)$", lambda m: m.group(1) + str(int(m.group(2))), str(raw).strip())
            if text in male:
                male_with_edges.add(text)
        pre, post = _normalise(pre_raw, canonical), _normalise(post_raw, canonical)
        if pre is None or post is None:
            continue
        if kind == "chemical":
            chemical[(pre, post)] += weight
        else:
            electrical.add(tuple(sorted((pre, post))))
    got = _cli_info(ingested_home, capsys)["stats"]["cook_2019_male"]
    assert got["chemical_pairs"] == len(chemical) > 2000
    assert got["chemical_synapses"] == sum(chemical.values())
    assert got["electrical_pairs"] == len(electrical) > 500
    assert got["male_neurons_with_cell_edges"] == len(male_with_edges) > 80
    assert got["unmapped_labels"] == 0


@pytest.mark.parametrize("connectome, name, kind", [
    ("bentley_2016_monoamine", "edgelist_MA.csv", "monoamine"),
    ("bentley_2016_neuropeptide", "edgelist_NP.csv", "neuropeptide"),
])
def test_bentley_counts_match_an_independent_read(
    connectome: str, name: str, kind: str, shared_data: Path, ingested_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bentley et al. 2016 edge lists read with the csv module: pairs of axis neurons and the
    ligand-receptor records between them."""
    import csv

    canonical = _canonical(shared_data)
    with open(_cect(name), newline="") as handle:
        rows = [row for row in csv.reader(handle) if row]
    assert all(len(row) == 4 for row in rows)
    kept = [(row[0].strip(), row[1].strip()) for row in rows
            if _normalise(row[0], canonical) and _normalise(row[1], canonical)]
    got = _cli_info(ingested_home, capsys)["stats"][connectome]
    assert got[f"{kind}_pairs"] == len(set(kept)) > 1000
    assert got[f"{kind}_weight"] == len(kept)
    assert got["unmapped_labels"] == 0


@pytest.mark.parametrize("reach", ["short", "mid", "long"])
def test_ripoll_sanchez_counts_match_an_independent_read(
    reach: str, shared_data: Path, ingested_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    canonical = _canonical(shared_data)
    with open(_cect(f"01022024_neuropeptide_connectome_{reach}_range_model.csv"), newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0][1:]
    pairs, total = 0, 0.0
    for row in rows[1:]:
        for post, value in zip(header, row[1:]):
            if float(value) > 0 and _normalise(row[0], canonical) and _normalise(post, canonical):
                pairs += 1
                total += float(value)
    got = _cli_info(ingested_home, capsys)["stats"][f"ripoll_sanchez_2023_{reach}"]
    assert (got["neuropeptide_pairs"], got["neuropeptide_weight"]) == (pairs, total)
    assert pairs > 30000


def test_wang_male_counts_match_an_independent_read(
    shared_data: Path, ingested_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Wang et al. 2024 male, by another route: the atlas sheets read with openpyxl (transmitters from
    the "Neurotransmitter(s)" columns by a prefix rule), Cook 2019's male chemical sheet with openpyxl,
    Bentley's monoamine edges with the csv module. Pairs among the 300 axis neurons: a Cook pair whose
    presynaptic neuron releases a classical transmitter, a Bentley pair whose releasing neuron releases a
    monoamine; weight = the number of such transmitters."""
    import csv

    import openpyxl

    classical = {"ACh": "ACh", "Glu": "Glu", "GABA": "GABA", "betaine (uptake)": "betaine"}
    monoamines = {"DA": "DA", "5-HT": "5-HT", "5-HT (synthesis": "5-HT", "5-HT (alternative": "5-HT",
                  "male - 5-HT": "5-HT", "tyramine": "tyramine", "octopamine": "octopamine"}
    released: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"chemical": set(), "monoamine": set()})
    for name, first in (("elife-95402-supp2-v1.xlsx", 21), ("elife-95402-supp3-v1.xlsx", 22)):
        sheet = openpyxl.load_workbook(_cect(name), read_only=True).worksheets[0]
        for row in sheet.iter_rows(min_row=5, values_only=True):
            neuron, lineage = (row[2], row[3]) if len(row) > 3 else (None, None)
            if not neuron or not lineage:
                continue
            for value in row[first - 1:first + 2]:
                text = " ".join(str(value or "").replace("*", "").split())
                text = re.sub(r"\s*(- NEW|\(new\))$", "", text)
                if text.endswith("(uptake)") and "betaine" not in text or text.startswith("5-HTP"):
                    continue  # uptake only or a precursor: releases nothing
                for table, kind in ((classical, "chemical"), (monoamines, "monoamine")):
                    hits = [t for prefix, t in table.items() if text == prefix or text.startswith(prefix + " ")]
                    # the sheet cannot tell DB1 from DB3: DB1/3 is DB1, DB3/1 is DB3 (its first number)
                    released[re.sub(r"^(DB\d)/\d$", r"\1", str(neuron).strip())][kind].update(hits[:1])
    canonical = _canonical(shared_data)
    chemical: dict[tuple[str, str], int] = {}
    for pre_raw, post_raw, kind, weight in _read_cook(_cect(COOK_FILE), COOK_MALE[:1]):
        pre, post = _normalise(pre_raw, canonical), _normalise(post_raw, canonical)
        if pre and post and weight and released[pre]["chemical"]:
            chemical[(pre, post)] = len(released[pre]["chemical"])
    monoamine: dict[tuple[str, str], int] = {}
    with open(_cect("edgelist_MA.csv"), newline="") as handle:
        for row in csv.reader(handle):
            pre, post = _normalise(row[0], canonical), _normalise(row[1], canonical)
            if pre and post and released[pre]["monoamine"] and not {pre, post} & {"HSNL", "HSNR"}:
                monoamine[(pre, post)] = len(released[pre]["monoamine"])
    got = _cli_info(ingested_home, capsys)["stats"]["wang_2024_male"]
    assert (got["chemical_pairs"], got["chemical_synapses"]) == (len(chemical), sum(chemical.values()))
    assert (got["monoamine_pairs"], got["monoamine_weight"]) == (len(monoamine), sum(monoamine.values()))
    assert len(chemical) > 1500 and len(monoamine) > 1000 and got["unmapped_labels"] == 0


@pytest.mark.parametrize("animal", ["N2U", "JSH"])
def test_durbin_counts_match_an_independent_read(
    animal: str, shared_data: Path, ingested_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Durbin 1987 ``neurodata.txt`` split on whitespace: chemical = Send + Send_joint rows per ordered
    pair of axis neurons, electrical = Gap_junction rows per unordered pair (the larger orientation;
    the one row without an animal is N2U's, as its reverse orientation is)."""
    canonical = _canonical(shared_data)
    chemical: dict[tuple[str, str], float] = defaultdict(float)
    electrical: dict[tuple[str, str], dict[tuple[str, str], float]] = defaultdict(dict)
    for line in _cect("neurodata.txt").read_text().splitlines():
        fields = line.split()
        if len(fields) == 4:  # the row that lacks its animal
            fields = [*fields[:3], "N2U", fields[3]]
        if not fields or fields[3] != animal:
            continue
        pre, post = _normalise(fields[0], canonical), _normalise(fields[1], canonical)
        if pre is None or post is None:
            continue
        if fields[2] in ("Send", "Send_joint"):
            chemical[(pre, post)] += float(fields[4])
        elif fields[2] == "Gap_junction":
            oriented = electrical[tuple(sorted((pre, post)))]
            oriented[(pre, post)] = oriented.get((pre, post), 0.0) + float(fields[4])
    junctions = sum(max(sides.values()) for sides in electrical.values())
    got = _cli_info(ingested_home, capsys)["stats"][f"durbin_1987_{animal.lower()}"]
    assert (got["chemical_pairs"], got["chemical_synapses"]) == (len(chemical), sum(chemical.values()))
    assert (got["electrical_pairs"], got["electrical_junctions"]) == (len(electrical), junctions)
    assert len(chemical) > 1000 and len(electrical) > 200
