"""The C. elegans catalogue as users see it: `neuropil info --json` and the card's table."""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
from pathlib import Path

import pytest

from neuropil.datasets.celegans_connectomes import CONNECTOMES, SERIES

CARD = Path(__file__).resolve().parents[2] / "src" / "neuropil" / "datasets" / "cards" / "celegans-connectomes.md"
GENERATOR = Path(__file__).resolve().parents[2] / "docs" / "results" / "celegans_catalogue.py"


def _info(home: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    from neuropil.cli import main

    capsys.readouterr()
    assert main(["info", "celegans-connectomes", "--json", "--home", str(home)]) == 0
    return json.loads(capsys.readouterr().out)


def test_info_lists_every_dataset_with_licence_citation_and_counts(
    ingested_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    info = _info(ingested_home, capsys)
    catalogue = info["connectome_catalogue"]
    assert list(catalogue) == list(CONNECTOMES) and len(catalogue) == 34
    for connectome, entry in catalogue.items():
        assert entry["license"] and entry["citation"] and entry["sex"] in {"hermaphrodite", "male"}, connectome
        stats = info["stats"][connectome]
        layers = stats["chemical_pairs"] + stats["electrical_pairs"] + stats["functional_edges"] + \
            stats.get("monoamine_pairs", 0) + stats.get("neuropeptide_pairs", 0) + stats.get("contact_pairs", 0)
        assert stats["neurons_with_edges"] > 0 and layers > 0, connectome
    assert info["series"] == {name: list(ids) for name, ids in SERIES.items()}


def test_card_table_is_the_ingested_catalogue(ingested_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("celegans_catalogue", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.rows(_info(ingested_home, capsys))
    card = CARD.read_text().splitlines()
    start = card.index(rows[0])
    assert card[start:start + len(rows)] == rows, "regenerate with python docs/results/celegans_catalogue.py"


@pytest.mark.parametrize("white, same_as", [("aconnectome_white_1986_A.csv", "white_1986_n2u.csv"),
                                            ("aconnectome_white_1986_L4.csv", "white_1986_jsh.csv")])
def test_white_a_and_l4_restate_n2u_and_jsh(white: str, same_as: str) -> None:
    """Why they are not entries of their own: the same records (the card says so)."""
    def records(name: str) -> set[tuple[str, ...]]:
        text = (importlib.resources.files("cect") / "data" / name).read_text()
        lines = [tuple(line.split()) for line in text.splitlines() if line.strip()]
        assert lines[0] == ("pre", "post", "type", "synapses")
        return set(lines[1:])

    assert len(records(white)) > 1000 and records(white) == records(same_as)


def test_cook_2020_supinfo5_names_no_neuron() -> None:
    """Why it is not an entry of its own (the card says so): pharyngeal muscle and marginal cells only."""
    import csv

    from neuropil.pipelines.celegans_names import map_label

    path = importlib.resources.files("cect") / "data" / "cne24932-sup-0005-supinfo5.csv"
    rows = list(csv.DictReader(path.read_text().splitlines()))
    labels = {row[end].strip() for row in rows for end in ("Source", "Target")}
    kinds = {label: map_label(label).kind for label in labels}
    assert len(rows) == 58 and {row["Weight"] for row in rows} == {"3"}
    assert sorted(kinds.values()).count("muscle") == 22 and sorted(kinds.values()).count("other_cell") == 9
    assert all(label.startswith(("pm", "mc")) for label in labels)
