"""Contactomes (edge type ``contact``): counts against cect's own readers, an independent openpyxl
route, the PyG views (own edge type, ``layers=``) and the errors of the readers.

Brittin et al. 2021: cect's ``BrittinDataReader`` (openpyxl, delta 4 rows plus their contralateral
mirror) against our calamine reader, pair by pair, areas included. Yim et al. 2024 dauer contactome
(raw and normalised): cect's ``Yim2024Contactome{NonNorm,}DataReader`` over neurons and over every
cell (muscles, glia), and a plain openpyxl read of the matrices (our reader uses calamine).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cect
import neuropil
from neuropil._fetch import sha256_of
from neuropil.datasets.celegans_connectomes import CONNECTOMES, RAW_FILES
from neuropil.errors import InvalidArgumentError, RawFormatError
from neuropil.pipelines.celegans_contact import read_brittin_2021
from neuropil.pipelines.celegans_names import cell_label, map_label

DATASET = "celegans-connectomes"
CECT_DATA = Path(cect.__file__).resolve().parent / "data"

#: our connectome id -> (cect reader module, the attribute naming the file it parses)
PEERS = {"brittin_2021": ("BrittinDataReader", "filename"),
         "yim_2024_dauer_contact": ("Yim2024ContactomeNonNormDataReader", "CONTACTOME_FILENAME"),
         "yim_2024_dauer_contact_normalized": ("Yim2024ContactomeDataReader", "CONTACTOME_FILENAME")}
#: unordered neuron pairs with a contact, pinned so that an empty table never compares equal
PAIR_COUNTS = {"brittin_2021": 1925, "yim_2024_dauer_contact": 4954, "yim_2024_dauer_contact_normalized": 4954}
YIM_SHEETS = {"yim_2024_dauer_contact": "Dauer", "yim_2024_dauer_contact_normalized": "Dauer_normalized"}


@functools.lru_cache(maxsize=None)
def _cect_dataset(reader: str):
    module = importlib.import_module(f"cect.readers.{reader}")
    with contextlib.redirect_stdout(io.StringIO()):  # cect's print_ writes progress to stdout
        return module.get_instance(from_cache=False)


def _cect_contacts(dataset, *, every_cell: bool = False) -> dict[tuple[str, str], float]:
    """cect's contact matrix -> {(a, b) sorted: area} over neurons of the 300 axis (``every_cell``: over
    every cell, labelled as the axis='all' table labels them); both orientations must carry the same
    area (cect adds each contact both ways)."""
    mapped = [map_label(node) for node in dataset.nodes]
    labels = [cell_label(m.label, m.kind) for m in mapped]
    matrix = dataset.connections["Contact"]
    assert np.array_equal(matrix, matrix.T), "cect stores each contact in both orientations"
    contacts = {}
    for i, j in zip(*np.nonzero(matrix)):
        if every_cell or (mapped[i].kind == "neuron" and mapped[j].kind == "neuron"):
            contacts[tuple(sorted((labels[i], labels[j])))] = float(matrix[i, j])
    return contacts


def _our_contacts(home: Path, connectome: str, *, every_cell: bool = False) -> dict[tuple[str, str], float]:
    edges = neuropil.load(DATASET, connectome=connectome, format="pandas", home=home)
    if every_cell:  # edges.parquet holds the 300-neuron pairs, cell_edges.parquet every other one
        extra = neuropil.load(DATASET, connectome=connectome, table="cell_edges", format="pandas", home=home)
        edges = pd.concat([edges, extra], ignore_index=True)
    assert set(edges["type"]) == {"contact"}
    assert (edges["pre_index"] <= edges["post_index"]).all(), "contact rows: one per unordered pair, pre <= post"
    contacts = {tuple(sorted((r.pre, r.post))): float(r.weight) for r in edges.itertuples()}
    assert len(contacts) == len(edges)
    return contacts


@pytest.mark.parametrize("connectome", sorted(PEERS))
def test_cect_reader_parses_the_file_we_ingest(connectome: str) -> None:
    reader, attribute = PEERS[connectome]
    path = Path(getattr(importlib.import_module(f"cect.readers.{reader}"), attribute)).resolve()
    raw = {r.name: r for r in RAW_FILES}[CONNECTOMES[connectome].raw_file]
    assert path.name == raw.name and path.parent == CECT_DATA
    assert sha256_of(path) == raw.sha256


@pytest.mark.parametrize("connectome", sorted(PEERS))
def test_contacts_equal_cect_reader(ingested_home: Path, connectome: str) -> None:
    dataset = _cect_dataset(PEERS[connectome][0])
    assert [n for n in dataset.nodes if map_label(n).kind == "unmapped"] == []
    theirs = _cect_contacts(dataset)
    ours = _our_contacts(ingested_home, connectome)
    assert len(ours) == PAIR_COUNTS[connectome]
    differences = {(pair, ours.get(pair), theirs.get(pair)) for pair in set(ours) | set(theirs)
                   if ours.get(pair) != theirs.get(pair)}
    assert differences == set(), sorted(differences)[:20]


@pytest.mark.parametrize("connectome", sorted(YIM_SHEETS))
def test_every_cell_contact_equals_cect_reader(ingested_home: Path, connectome: str) -> None:
    """Muscles and glia included (cell_edges.parquet), labelled as cells.parquet labels them."""
    theirs = _cect_contacts(_cect_dataset(PEERS[connectome][0]), every_cell=True)
    ours = _our_contacts(ingested_home, connectome, every_cell=True)
    assert len(ours) > PAIR_COUNTS[connectome]
    differences = {(pair, ours.get(pair), theirs.get(pair)) for pair in set(ours) | set(theirs)
                   if ours.get(pair) != theirs.get(pair)}
    assert differences == set(), sorted(differences)[:20]


def _openpyxl_contacts(sheet_name: str) -> tuple[dict[tuple[str, str], float], set[str]]:
    """The matrix read cell by cell with openpyxl: post labels in row 1 from column C, pre labels in
    column A from row 3; neuron-neuron entries only, as unordered pairs (the matrix is symmetric)."""
    from openpyxl import load_workbook

    sheet = load_workbook(CECT_DATA / "41467_2024_45943_MOESM9_ESM.xlsx", read_only=True)[sheet_name]
    rows = list(sheet.iter_rows(values_only=True))
    post = [str(v).strip() for v in rows[0][2:]]
    contacts: dict[tuple[str, str], float] = {}
    for row in rows[2:]:
        if row[0] is None:
            continue
        pre = map_label(str(row[0]).strip())
        for label, value in zip(post, row[2:]):
            other = map_label(label)
            if value and pre.kind == "neuron" and other.kind == "neuron":
                key = tuple(sorted((pre.label, other.label)))
                assert contacts.setdefault(key, float(value)) == float(value), f"asymmetric {key}"
    neurons = {label for pair in contacts for label in pair}
    return contacts, neurons


@pytest.mark.parametrize("connectome", sorted(YIM_SHEETS))
def test_yim_contact_equals_an_openpyxl_read(ingested_home: Path, connectome: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from neuropil.cli import main

    theirs, neurons = _openpyxl_contacts(YIM_SHEETS[connectome])
    assert _our_contacts(ingested_home, connectome) == theirs
    capsys.readouterr()
    assert main(["info", DATASET, "--json", "--home", str(ingested_home)]) == 0
    stats = json.loads(capsys.readouterr().out)["stats"][connectome]
    assert (stats["neurons_with_edges"], stats["contact_pairs"]) == (len(neurons), len(theirs))
    assert stats["contact_weight"] == pytest.approx(sum(theirs.values()), rel=1e-12)


def test_brittin_keeps_the_m4_graph_and_its_mirror() -> None:
    """Delta-4 rows only; each also between the contralateral homologues; a midline pair once."""
    table = read_brittin_2021(CECT_DATA / "41586_2021_3284_MOESM5_ESM.xlsx")
    pairs = {frozenset((a, b)): w for a, b, w in zip(table["pre_raw"], table["post_raw"], table["weight"])}
    assert frozenset(("ADAL", "URADL")) not in pairs  # the sheet's first row, delta 1
    # sheet row 'ADAL, ADLL, 11319.5, 4'; the mirror ADAR-ADLR carries the same mean area
    assert pairs[frozenset(("ADAL", "ADLL"))] == pairs[frozenset(("ADAR", "ADLR"))] == 11319.5
    assert len(pairs) == len(table) == 1925 and set(table["type"]) == {"contact"}
    # the card's arithmetic, from an openpyxl read: 1,258 delta-4 rows, 45 of them between two homologues
    # (their own mirror), so 1,258 + 1,213 records of which 546 repeat a pair
    from openpyxl import load_workbook

    rows = [r for r in load_workbook(CECT_DATA / "41586_2021_3284_MOESM5_ESM.xlsx", read_only=True)["M"]
            .iter_rows(min_row=2, values_only=True) if r[3] == 4]
    homologues = [r for r in rows if r[0][:-1] == r[1][:-1] and {r[0][-1], r[1][-1]} == {"L", "R"}]
    assert (len(rows), len(homologues)) == (1258, 45)
    assert 2 * len(rows) - len(homologues) - len(pairs) == 546


def test_contact_is_an_edge_type_of_its_own(ingested_home: Path) -> None:
    pytest.importorskip("torch_geometric")
    edges = neuropil.load(DATASET, connectome="brittin_2021", format="pandas", home=ingested_home)
    hetero = neuropil.load(DATASET, connectome="brittin_2021", format="pyg", hetero=True, home=ingested_home)
    store = hetero["neuron", "contact", "neuron"]
    loops = int((edges["pre_index"] == edges["post_index"]).sum())
    assert store.edge_index.shape[1] == 2 * len(edges) - loops  # both directions of each contact
    assert store.edge_weight.sum().item() == pytest.approx(2 * edges["weight"].sum(), rel=1e-6)
    data = neuropil.load(DATASET, connectome="brittin_2021", format="pyg", home=ingested_home)
    column = data.edge_attr_names.index("contact")
    assert data.edge_attr[:, column].sum().item() == pytest.approx(2 * edges["weight"].sum(), rel=1e-6)
    assert (data.edge_attr[:, [data.edge_attr_names.index(t) for t in ("chemical", "electrical")]] == 0).all()


def test_contact_layer_joins_a_wiring_diagram(ingested_home: Path) -> None:
    pytest.importorskip("torch_geometric")
    plain = neuropil.load(DATASET, connectome="white_1986_n2u", format="pyg", hetero=True, home=ingested_home)
    both = neuropil.load(DATASET, connectome="white_1986_n2u", format="pyg", hetero=True, layers=("brittin_2021",),
                         home=ingested_home)
    assert ("neuron", "contact", "neuron") not in plain.edge_types
    assert both["neuron", "contact", "neuron"].layer == "brittin_2021"
    assert both["neuron", "contact", "neuron"].edge_index.shape[1] == 2 * PAIR_COUNTS["brittin_2021"]
    assert both["neuron", "chemical", "neuron"].edge_index.equal(plain["neuron", "chemical", "neuron"].edge_index)


def test_contact_layer_is_refused_where_graphs_collate(ingested_home: Path, tmp_path: Path) -> None:
    pytest.importorskip("torch_geometric")
    from neuropil.loaders.celegans_connectomes_pyg import CElegansConnectomes

    with pytest.raises(InvalidArgumentError, match="brittin_2021 is an extrasynaptic or contact layer"):
        CElegansConnectomes(tmp_path / "pyg", connectomes=("cook_2019", "brittin_2021"), home=ingested_home)
    with pytest.raises(InvalidArgumentError, match="'cook_2019' has no extrasynaptic edges nor contact edges"):
        neuropil.load(DATASET, connectome="white_1986_n2u", format="pyg", hetero=True, layers=("cook_2019",),
                      home=ingested_home)


def _brittin_workbook(path: Path, rows: list[tuple]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "M"
    sheet.append(("cell_1", "cell_2", "weight", "delta"))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_brittin_reader_errors_name_the_value(tmp_path: Path) -> None:
    with pytest.raises(RawFormatError, match="column 'weight' has non-numeric value 'wide'"):
        read_brittin_2021(_brittin_workbook(tmp_path / "w.xlsx", [("ADAL", "AVKR", "wide", 4)]))
    with pytest.raises(RawFormatError, match="contact ADAR-AVKL has areas 10.0 and 12.0"):
        read_brittin_2021(_brittin_workbook(tmp_path / "c.xlsx", [("ADAL", "AVKR", 10, 4), ("ADAR", "AVKL", 12, 4)]))
    with pytest.raises(RawFormatError, match="has no sheet 'M'"):
        from openpyxl import Workbook

        Workbook().save(tmp_path / "empty.xlsx")
        read_brittin_2021(tmp_path / "empty.xlsx")
    # delta below 4: not in the M4 graph
    assert len(read_brittin_2021(_brittin_workbook(tmp_path / "d.xlsx", [("ADAL", "AVKR", 10, 3)]))) == 0
