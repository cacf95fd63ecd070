"""One fixture writer per dataset: a small, complete raw folder in the upstream layout.

``fixture_writer(dataset_id)(folder, seed=0)`` writes files that the dataset's pipeline ingests
as it ingests the real ones and returns a :class:`Fixture`: the raw folder (``--raw-dir``), the
ingest options that select what was written, and the written files keyed by registered raw-file
name (register them with :func:`registered_for` where the real file has a SHA-256 the fixture
cannot match). ``tests/test_fixture_contract.py`` runs every dataset through fixture -> pipeline ->
loader, as torchvision's dataset tests do.

The writer of a dataset is ``write_<id with _>`` in this module unless its ``DatasetSpec`` names
another (``fixtures="module:function"``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from neuropil.errors import DatasetNotFoundError


@dataclasses.dataclass(frozen=True)
class Fixture:
    """What a fixture writer wrote: ``ingest(id, raw_dir=raw_dir, **options)`` builds it."""

    raw_dir: Path
    #: registered raw-file name -> written file whose SHA-256 differs from the registered one
    registered: dict[str, Path]
    options: dict[str, Any]
    #: what the writer put in, for tests to compare with what the loaders give back
    expected: dict[str, Any] = dataclasses.field(default_factory=dict)


def fixture_writer(dataset_id: str) -> Callable[..., Fixture]:
    """The function that writes ``dataset_id``'s fixture (an unknown id is a DatasetNotFoundError)."""
    from neuropil.datasets import get_spec

    spec = get_spec(dataset_id)
    target = spec.fixtures or f"{__name__}:write_{spec.id.replace('-', '_')}"
    module_name, _, function = target.partition(":")
    writer = getattr(importlib.import_module(module_name), function, None)
    if writer is None:
        raise DatasetNotFoundError(f"{dataset_id}: no fixture writer {target!r}; add one to {__name__}.")
    return writer


@contextlib.contextmanager
def registered_for(dataset_id: str, files: Mapping[str, str | os.PathLike[str]]) -> Iterator[object]:
    """Register ``files`` (name -> path) with their own SHA-256 in ``dataset_id``'s spec while inside."""
    from neuropil import datasets
    from neuropil.testing._files import spec_with_files

    spec = datasets.get_spec(dataset_id)
    holder, attribute = _declaration(spec)
    setattr(holder, attribute, spec_with_files(spec, files))
    try:
        yield getattr(holder, attribute)
    finally:
        setattr(holder, attribute, spec)


def _declaration(spec: Any) -> tuple[Any, str]:
    """The catalogue module and attribute that hold ``spec`` (``SPEC``, ``FIELDS_SPEC``, ...)."""
    import sys

    for name, module in list(sys.modules.items()):
        if name.startswith("neuropil.datasets.") and module is not None:
            for attribute, value in vars(module).items():
                if value is spec:
                    return module, attribute
    raise DatasetNotFoundError(f"{spec.id}: its DatasetSpec is not a module attribute of neuropil.datasets")


# ------------------------------------------------------------------------------------------ writers

def write_celegans_connectomes(folder: str | os.PathLike[str], *, seed: int = 0) -> Fixture:
    """Witvliet 2020 dataset 7 as a one-sheet workbook (``pre, post, type, synapses``); every other
    annotation comes from the installed packages, as offline."""
    from neuropil.testing._files import write_edge_table_xlsx

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pairs = [("ADAL", "AIBL"), ("AVAL", "AVAR"), ("ASHL", "AVAL"), ("DA01", "VA1"), ("RIML", "AIBR")]
    rows = [(pre, post, "chemical" if k % 2 == 0 else "electrical", int(rng.integers(1, 9)))
            for k, (pre, post) in enumerate(pairs)]
    name = "witvliet_2020_7 adult.xlsx"
    path = write_edge_table_xlsx(folder / name, rows)
    return Fixture(raw_dir=folder, registered={name: path}, options={},
                   expected={"connectome": "witvliet_7", "rows": rows})


def write_celegans_activity(folder: str | os.PathLike[str], *, seed: int = 0) -> Fixture:
    """Kato 2015's two v7.3 MATLAB files (4 worms, both field-name variants)."""
    from neuropil.testing.celegans_activity import kato2015

    folder = Path(folder)
    written = kato2015.write(folder / kato2015.STUDY, seed=seed)
    return Fixture(raw_dir=folder, registered={}, expected={"worms": len(written["worms"])},
                   options={"source": kato2015.STUDY, "allow_unverified": True, "require_labels": False})


def write_vesselgraph(folder: str | os.PathLike[str], *, seed: int = 0) -> Fixture:
    """A 300-node vessel-like graph as Voreen ``<name>_nodes.csv`` / ``<name>_edges.csv``."""
    from neuropil.testing.vessels import write_vessel_graph

    folder = Path(folder)
    write_vessel_graph(folder, 300, name="fixture", seed=seed)
    return Fixture(raw_dir=folder, registered={}, options={"graph": "fixture", "allow_unverified": True},
                   expected={"graph": "fixture"})


def write_fisbe(folder: str | os.PathLike[str], *, seed: int = 0) -> Fixture:
    """Two ``<sample>.zarr`` folders (raw + ``gt_instances``) and the split list naming them."""
    from neuropil.testing.fisbe import line_neurons, write_fisbe_zarr

    folder = Path(folder)
    root = folder / "fisbe"
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    samples = {"FX001-20990101_00_A1": "train", "FX002-20990101_00_A2": "test"}
    shape = (4, 16, 16)
    for sample in samples:
        masks = line_neurons(shape, [[(1, 2, 2, 12), (1, 3, 11, 12)], [(2, 8, 3, 13)]])
        raw = rng.integers(0, 4000, size=(3, *shape), dtype=np.uint16)
        write_fisbe_zarr(root / f"{sample}.zarr", masks, raw=raw)
    blocks = "".join(f"{split}:\n" + "".join(f"{s}\n" for s, k in samples.items() if k == split) + "\n"
                     for split in ("train", "val", "test"))
    split_list = root / "sample_list_per_split.txt"
    split_list.write_text(f"({len(samples)}) samples for FlyLight completely:\n\n{blocks}", encoding="utf-8")
    return Fixture(raw_dir=folder, registered={"sample_list_per_split.txt": split_list},
                   options={"allow_unverified": True}, expected={"samples": samples})


def write_microns_pinky100(folder: str | os.PathLike[str], *, seed: int = 0) -> Fixture:
    """MicronsBinder's ``soma.csv`` (numpy-printed ``loc``) and ``synapses.csv`` (repeated pairs, an autapse)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = 6
    segment_ids = 648518346349490000 + rng.choice(10_000, size=n, replace=False)
    locs = rng.integers(0, 400_000, size=(n, 3))
    lines = ["segmentation,segment_id,manual_id,loc,axon_len,dendrite_len"]
    lines += [f"185,{sid},{k},[{x} {y}  {z}],{rng.random() * 100:.3f},{rng.random() * 900:.4f}"
              for k, (sid, (x, y, z)) in enumerate(zip(segment_ids, locs))]
    (folder / "soma.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pairs = [(0, 1), (0, 1), (2, 3), (4, 4), (5, 0), (1, 2)]
    synapses = ["pre,post"] + [f"{segment_ids[a]},{segment_ids[b]}" for a, b in pairs]
    (folder / "synapses.csv").write_text("\n".join(synapses) + "\n", encoding="utf-8")
    return Fixture(raw_dir=folder, registered={"soma.csv": folder / "soma.csv", "synapses.csv": folder / "synapses.csv"},
                   options={}, expected={"neurons": n, "synapses": len(pairs), "pairs": len(set(pairs))})


def write_microns_fields(folder: str | os.PathLike[str], *, seed: int = 0) -> Fixture:
    """Every registered file of every field, tiny (4-7 neurons): the connectome CSV (unnamed index
    column), positions as a pickled object array of voxel triples, ids, N x N matrices, spike trains."""
    from neuropil.datasets.microns import FIELDS_SPEC

    folder = Path(folder)
    rng = np.random.default_rng(seed)
    sizes: dict[str, int] = {}
    written: dict[str, Path] = {}
    for raw in FIELDS_SPEC.raw_files:
        field, file_name = raw.name.split("/", 1)
        n = sizes.setdefault(field, int(rng.integers(4, 8)))
        path = folder / "microns" / "cortical_blueprint_fields" / raw.name
        path.parent.mkdir(parents=True, exist_ok=True)
        written[raw.name] = path
        if file_name.startswith("connectome_"):
            counts = rng.integers(0, 3, size=(n, n)) * (rng.random((n, n)) < 0.4)
            header = "," + ",".join(str(i) for i in range(n))
            rows = [f"{i}," + ",".join(str(int(v)) for v in counts[i]) for i in range(n)]
            path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        elif file_name.startswith("positions_"):
            positions = np.empty(n, dtype=object)
            for i in range(n):
                positions[i] = rng.integers(10_000, 300_000, size=3).astype(np.int64)
            np.save(path, positions, allow_pickle=True)
        elif file_name.startswith(("root_ids_", "unit_ids_", "target_ids_")):
            np.save(path, rng.choice(1_000_000, size=n, replace=False).astype(np.int64) + 1)
        elif file_name.startswith("spikes_"):
            trains = np.empty(n, dtype=object)
            for i in range(n):
                trains[i] = np.sort(rng.random(int(rng.integers(5, 40))) * 100.0)
            np.save(path, trains, allow_pickle=True)
        else:  # corr / sttc / precision: symmetric N x N with a unit diagonal
            matrix = rng.random((n, n)) * 0.2
            matrix = (matrix + matrix.T) / 2
            np.fill_diagonal(matrix, 1.0)
            np.save(path, matrix)
    return Fixture(raw_dir=folder, registered=written, options={"recompute_functional": False},
                   expected={"neurons": sizes})


def write_microns_minnie65(folder: str | os.PathLike[str], *, seed: int = 0) -> Fixture:
    """A schema-exact CAVE dump (synapses, nuclei, coregistration, cell types) of 2,000 synapses."""
    from neuropil.testing.microns import write_minnie65_tables

    dump = write_minnie65_tables(Path(folder) / "dump", n_synapses=2000, n_nuclei=80, seed=seed)
    return Fixture(raw_dir=Path(folder), registered={}, options={"tables": str(dump.folder), "materialization": 661},
                   expected={"synapse_files": len(dump.synapse_files)})
