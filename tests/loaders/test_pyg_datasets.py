"""Issue 17, points 1 and 2: neuropil's PyG datasets behave as PyG's own do.

* picklable (module-level classes): PyG's ``DataLoader`` with ``spawn`` workers, the start method of
  macOS and Windows, iterates a real ingest;
* the processed cache is keyed as PyG keys it: a ``lambda`` pre_transform reuses the processed file
  (no new file per run), a different pre_transform warns, ``force_reload`` rebuilds;
* ``root`` is the dataset's folder; the graphs come from the neuropil home, never ingested again.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import torch

import neuropil
from neuropil import _store
from neuropil.datasets.celegans_connectomes import SPEC
from neuropil.errors import InvalidArgumentError, NotIngestedError, StoreCorruptedError

DATASET = "celegans-connectomes"
PAIR = ("cook_2019", "witvliet_8")


def files_under(path: Path) -> dict[str, int]:
    return {str(p.relative_to(path)): p.stat().st_size for p in sorted(path.rglob("*")) if p.is_file()}


class Recording:
    """A pre_transform that records the graphs it sees; ``repr`` names it (PyG compares reprs)."""

    def __init__(self, tag: str, calls: list[str]) -> None:
        self.tag, self.calls = tag, calls

    def __call__(self, data):
        self.calls.append(data.connectome)
        return data

    def __repr__(self) -> str:
        return f"Recording({self.tag!r})"


def test_spawn_workers_iterate_a_real_ingest(ingested_home: Path, tmp_path: Path) -> None:
    from torch_geometric.loader import DataLoader

    from neuropil.loaders.celegans_connectomes import CElegansConnectomes

    dataset = CElegansConnectomes(tmp_path / "CElegans", connectomes=PAIR, home=ingested_home)
    assert "<locals>" not in type(dataset).__qualname__
    assert type(pickle.loads(pickle.dumps(dataset))) is type(dataset)
    loader = DataLoader(dataset, batch_size=1, num_workers=2, multiprocessing_context="spawn")
    batches = list(loader)
    assert [batch.connectome for batch in batches] == [[name] for name in PAIR]
    for batch, name in zip(batches, PAIR):
        direct = neuropil.load(DATASET, connectome=name, format="pyg", functional=True, home=ingested_home)
        assert torch.equal(batch.edge_index, direct.edge_index)
        assert torch.equal(batch.edge_attr, direct.edge_attr)


def test_root_is_the_dataset_folder_and_the_home_is_reused(ingested_home: Path, tmp_path: Path) -> None:
    from neuropil.loaders.celegans_connectomes import CElegansConnectomes

    before = files_under(ingested_home)
    root = tmp_path / "CElegans"
    neuropil.set_home(ingested_home)  # the home as neuropil.load finds it, no home= argument; offline (conftest)
    try:
        dataset = CElegansConnectomes(root)
    finally:
        neuropil.set_home(None)
    # by default every wiring diagram the home holds (the extrasynaptic and contact layers have edge types of their own)
    from neuropil.datasets.celegans_connectomes import CONNECTOMES

    ingested = [name for name in _store.read_manifest(DATASET, SPEC.version, ingested_home)["connectomes"]
                if not CONNECTOMES[name].layer_only]
    assert sorted(dataset.connectomes) == sorted(ingested) and len(dataset) == len(ingested) >= 10
    assert [graph.connectome for graph in dataset] == list(dataset.connectomes)
    assert all(graph.num_nodes == 300 for graph in dataset)
    # nothing ingested into root, nothing written into the home: only PyG's processed folder
    assert files_under(ingested_home) == before
    assert {Path(name).parts[0] for name in files_under(root)} == {"processed"}
    assert not (root / DATASET).exists()


def test_not_ingested_names_the_ingest_command_and_builds_nothing(tmp_path: Path) -> None:
    from neuropil.loaders.celegans_connectomes import CElegansConnectomes

    home, root = tmp_path / "empty-home", tmp_path / "root"
    with pytest.raises(NotIngestedError, match=f"neuropil ingest {DATASET} --home {home}"):
        CElegansConnectomes(root, home=home)
    assert not root.exists() and not home.exists()


def test_lambda_pre_transform_reuses_the_processed_file(ingested_home: Path, tmp_path: Path) -> None:
    from neuropil.loaders.celegans_connectomes import CElegansConnectomes

    root = tmp_path / "CElegans"
    calls: list[str] = []
    # three "runs", each with its own lambda: all alive at once, so each repr carries another address
    lambdas = [lambda data: calls.append(data.connectome) or data for _ in range(3)]
    assert len({repr(f) for f in lambdas}) == 3
    for pre_transform in lambdas:
        dataset = CElegansConnectomes(root, connectomes=PAIR, home=ingested_home, pre_transform=pre_transform)
    assert calls == list(PAIR)  # built once
    processed = files_under(root / "processed")
    assert len(processed) == 6  # data + pre_transform + pre_filter, each with its SHA-256 sidecar
    assert len(dataset) == 2

    add_degree = Recording("degree", calls)  # a transform object: its repr names it, as PyG's transforms' do
    with pytest.warns(UserWarning, match="`pre_transform` argument differs.*force_reload=True"):
        CElegansConnectomes(root, connectomes=PAIR, home=ingested_home, pre_transform=add_degree)
    assert calls == list(PAIR)  # warned, as PyG does, and reused
    CElegansConnectomes(root, connectomes=PAIR, home=ingested_home, pre_transform=add_degree, force_reload=True)
    assert calls == list(PAIR) * 2
    assert sorted(files_under(root / "processed")) == sorted(processed)
    # the new pre_transform is now the recorded one: no warning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CElegansConnectomes(root, connectomes=PAIR, home=ingested_home, pre_transform=add_degree)
    assert calls == list(PAIR) * 2


def test_stale_or_tampered_processed_files(ingested_home: Path, tmp_path: Path) -> None:
    from neuropil.loaders.celegans_connectomes import CElegansConnectomes

    root = tmp_path / "CElegans"
    calls: list[str] = []

    def mark(data):
        calls.append(data.connectome)
        return data

    CElegansConnectomes(root, connectomes=PAIR, home=ingested_home, pre_transform=mark)
    data_file = next((root / "processed").glob("connectomes_*.pt"))
    sidecar = data_file.with_name(data_file.name + ".json")
    # a file built from another ingest (another manifest fingerprint) is rebuilt, not reused
    meta = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**meta, "fingerprint": "an-earlier-ingest"}))
    CElegansConnectomes(root, connectomes=PAIR, home=ingested_home, pre_transform=mark)
    assert calls == list(PAIR) * 2
    # a changed processed file is refused before torch.load sees it
    data_file.write_bytes(data_file.read_bytes() + b"tampered")
    with pytest.raises(StoreCorruptedError, match="force_reload=True"):
        CElegansConnectomes(root, connectomes=PAIR, home=ingested_home, pre_transform=mark)
    dataset = CElegansConnectomes(root, connectomes=PAIR, home=ingested_home, pre_transform=mark, force_reload=True)
    assert dataset[1].connectome == "witvliet_8"


def test_default_connectomes_are_the_wiring_diagrams_and_collate(ingested_home: Path, tmp_path: Path) -> None:
    """Every synaptic connectome of a full ingest, in one batch; an extrasynaptic layer (its own edge
    types, so another edge_attr width) is refused by name rather than breaking the collate."""
    from torch_geometric.loader import DataLoader

    from neuropil.datasets.celegans_connectomes import CONNECTOMES
    from neuropil.loaders.celegans_connectomes import CElegansConnectomes

    dataset = CElegansConnectomes(tmp_path / "root", home=ingested_home)
    layers = {name for name, source in CONNECTOMES.items() if source.layer_only}
    assert layers and not layers & set(dataset.connectomes)
    assert {"cook_2019", "witvliet_1", "cook_2019_male"} <= set(dataset.connectomes)
    batch = next(iter(DataLoader(dataset, batch_size=len(dataset))))
    assert batch.num_graphs == len(dataset) and batch.edge_attr.shape[1] == 3
    with pytest.raises(InvalidArgumentError, match="bentley_2016_monoamine is an extrasynaptic or contact layer"):
        CElegansConnectomes(tmp_path / "other", connectomes=("cook_2019", "bentley_2016_monoamine"), home=ingested_home)
