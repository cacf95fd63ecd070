"""microns-fields from the 56 real imaging fields, and microns-pinky100.

Counts are re-derived from the raw CSVs with the ``csv`` module (no pandas, no neuropil reader);
totals are the ones published in ``shared/data/MANIFEST.md`` (19,178 rows, 27,674 EM edges, 30,721
synapses); the registry's hashes are checked against the independent ``SHA256SUMS`` list.
"""

from __future__ import annotations

import csv
import json
import pathlib
from pathlib import Path

import numpy as np
import pytest

from neuropil.errors import ChecksumError, InvalidArgumentError, NotIngestedError, RawFormatError

FIELD_DIR = "microns/cortical_blueprint_fields"


@pytest.fixture(scope="module")
def fields_home(real_home) -> Path:
    """One ingest of all 56 fields (and pinky100) from the real files, shared by read-only tests."""
    return real_home("microns-fields", "microns-pinky100")


def _csv_counts(path: Path) -> tuple[int, int, int]:
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert header[1:] == [str(i) for i in range(len(body))]
    values = [int(v) for row in body for v in row[1:]]
    return len(body), sum(v > 0 for v in values), sum(values)


def _upstream_listing(shared_root: Path) -> dict[str, tuple[str, str, str]]:
    """The pinned commit's listing (made from the git tree, not by neuropil): path -> (sha256 or -, size, blob)."""
    upstream = {}
    for line in (shared_root.parent / "microns-upstream.sha256").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        digest, size, blob, path = line.split()
        upstream[path.removeprefix("Model/DATA/info/")] = (digest, size, blob)
    return upstream


def test_registry_hashes_of_the_files_here_equal_the_independent_sha256sums(shared_root: Path) -> None:
    from neuropil.datasets import get_spec

    spec = get_spec("microns-fields")
    sums = {}
    for line in (shared_root / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        if name.startswith(FIELD_DIR + "/") and name.count("/") == 3:
            sums[name.removeprefix(FIELD_DIR + "/")] = digest
    on_disk = {f"{p.parent.name}/{p.name}" for p in (shared_root / FIELD_DIR).glob("*_*_*/*")}
    assert len(on_disk) == 330 and set(sums) == on_disk
    registered = {r.name: r.sha256 for r in spec.raw_files}
    assert {name: registered[name] for name in sums} == sums


def test_every_upstream_file_is_registered_with_its_url_and_digests(shared_root: Path) -> None:
    """All 504 data files of the pinned commit: the SHA-256 where the listing has one, the git blob id always."""
    from neuropil.datasets import get_spec

    upstream = _upstream_listing(shared_root)
    assert len(upstream) == 504
    spec = get_spec("microns-fields")
    assert sorted(r.name for r in spec.raw_files) == sorted(upstream)
    for raw in spec.raw_files:
        digest, _size, blob = upstream[raw.name]
        assert raw.git_blob == blob, raw.name
        assert raw.sha256 == ("" if digest == "-" else digest), raw.name
        assert raw.url == ("https://raw.githubusercontent.com/neurovium/CorticalBlueprintRNN/"
                           "8d5e241b444803ba552923d32a5fcef39439425b/Model/DATA/info/" + raw.name)
    blob_only = [r.name for r in spec.raw_files if not r.sha256]
    assert len(blob_only) == 40 and all("/spikes_" in name for name in blob_only)
    shown = {s["name"]: s for s in spec.to_dict()["sources"]}  # what `neuropil info --json` prints
    assert shown[blob_only[0]]["git_blob"] == upstream[blob_only[0]][2] and shown[blob_only[0]]["sha256"] == ""
    for kind in ("corr_matrix.npy", "sttc_matrix.npy", "precision_matrix.npy", "/spikes_"):
        assert sum(kind in r.name for r in spec.raw_files) == 56, kind
    # the structure of every field is required, function is optional (fetched per field)
    assert len(spec.required) == 56 * 5 and not any("matrix" in n or "spikes" in n for n in spec.required)


def test_git_blob_id_verifies_a_real_file_and_names_a_mismatch(shared_root: Path, tmp_path: Path) -> None:
    import dataclasses
    import shutil

    from neuropil._fetch import git_blob_of, locate
    from neuropil.datasets import get_spec
    from neuropil.pipelines._npy import load_verified_npy

    name = "4_7_2/spikes_4_7_2.npy"
    blob = _upstream_listing(shared_root)[name][2]
    # registered as the 40 large spikes files are: a git blob id and no SHA-256
    raw = dataclasses.replace(get_spec("microns-fields").raw_file(name), sha256="")
    assert raw.git_blob == blob and raw.digest == f"git-blob:{blob}"
    real = shared_root / FIELD_DIR / name
    assert git_blob_of(real) == blob
    assert locate(raw, "microns-fields", raw_dir=shared_root, home=tmp_path) == real.resolve()
    spikes = load_verified_npy(real, raw, name=name)
    assert spikes.dtype == object and len(spikes) == 88  # INF.md: 88 neurons in 4_7_2
    damaged = tmp_path / "mirror" / FIELD_DIR / name
    damaged.parent.mkdir(parents=True)
    shutil.copyfile(real, damaged)
    data = bytearray(real.read_bytes())
    data[-1] ^= 0xFF
    damaged.write_bytes(bytes(data))
    actual = git_blob_of(damaged)
    with pytest.raises(ChecksumError, match=rf"git blob id mismatch for raw file '{name}' at .*: expected {blob}, got {actual}"):
        locate(raw, "microns-fields", raw_dir=tmp_path / "mirror", home=tmp_path)
    with pytest.raises(ChecksumError, match=rf"git blob id mismatch .* expected {blob}, got {actual}.*Refusing to unpickle"):
        load_verified_npy(damaged, raw, name=name)


def test_info_reports_per_field_counts_derived_from_the_csvs(fields_home: Path, shared_root: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from neuropil.cli import main

    assert main(["info", "microns-fields", "--json", "--home", str(fields_home)]) == 0
    stats = json.loads(capsys.readouterr().out)["stats"]
    folders = sorted(p.name for p in (shared_root / FIELD_DIR).iterdir() if p.is_dir())
    assert sorted(stats) == folders and len(folders) == 56
    totals = [0, 0, 0]
    for field in folders:
        neurons, edges, synapses = _csv_counts(shared_root / FIELD_DIR / field / f"connectome_{field}.csv")
        assert (stats[field]["neurons"], stats[field]["edges"], stats[field]["synapses"]) == (neurons, edges, synapses), field
        totals = [totals[0] + neurons, totals[1] + edges, totals[2] + synapses]
    assert totals == [19178, 27674, 30721]  # MANIFEST.md
    assert (stats["6_6_2"]["neurons"], stats["6_6_2"]["edges"], stats["6_6_2"]["synapses"]) == (312, 316, 338)


def test_positions_are_nm_rows_and_correct_orientation_on_6_6_2(fields_home: Path, shared_root: Path) -> None:
    from scipy.spatial.distance import pdist, squareform
    from scipy.stats import spearmanr

    from neuropil.loaders.microns_fields import load_field

    field = load_field("6_6_2", home=fields_home)
    # hand conversion of the first published triple [167584, 104848, 26197] voxels (4 x 4 x 40 nm)
    assert field.positions_nm[0].tolist() == [167584 * 4, 104848 * 4, 26197 * 40]
    upper = np.triu_indices(field.n, 1)
    rho = spearmanr(squareform(pdist(field.positions_nm))[upper], field.corr[upper])[0]
    assert rho < -0.4  # nearby somata are more correlated
    # the seed notebook's np.array(p.tolist()).reshape(3, -1) scrambles the neurons' coordinates
    voxels = field.positions_nm / np.array([4.0, 4.0, 40.0])
    scrambled = voxels.reshape(3, -1).T * np.array([4.0, 4.0, 40.0])
    rho_scrambled = spearmanr(squareform(pdist(scrambled))[upper], field.corr[upper])[0]
    assert abs(rho_scrambled) < 0.1


def test_functional_matrices_and_recomputed_agreement(fields_home: Path, shared_root: Path) -> None:
    from neuropil import _store
    from neuropil.loaders.microns_fields import functional_fields, load_field

    assert functional_fields(home=fields_home) == ["4_7_2", "5_3_2", *(f"6_{s}_{p}" for s in (2, 4, 6, 7) for p in (2, 4, 6, 8)),
                                                   "7_3_2", "8_5_2"]
    field = load_field("6_2_8", home=fields_home)
    assert field.precision is None
    with_precision = load_field("7_3_2", home=fields_home)
    stored = np.load(shared_root / FIELD_DIR / "7_3_2" / "precision_matrix.npy")
    assert with_precision.precision.shape == (with_precision.n, with_precision.n)
    assert np.array_equal(with_precision.precision, stored)
    assert np.allclose(field.sttc, field.sttc.T) and np.allclose(np.diag(field.corr), 1.0)
    assert len(field.spike_times) == field.n and all(np.all(np.diff(t) >= 0) for t in field.spike_times)
    agreement = _store.read_manifest("microns-fields", "1.0.0", fields_home)["functional_agreement"]
    assert sorted(agreement) == ["4_7_2", "5_3_2", "6_2_8", "6_4_8", "6_6_8", "6_7_8"]
    for values in agreement.values():
        assert values["corr"]["max_abs_diff"] < 1e-12 and values["sttc"]["max_abs_diff"] < 1e-12


def test_loaders_pyg_networkx_pandas_torch(fields_home: Path) -> None:
    import neuropil
    from neuropil.loaders.microns_fields import load_field

    data = neuropil.load("microns-fields", field="6_6_2", format="pyg", functional=True, home=fields_home)
    arrays = load_field("6_6_2", home=fields_home)
    assert data.num_nodes == 312 and data.edge_index.shape == (2, 316)
    assert int(data.edge_attr[:, 0].sum()) == 338 and data.edge_attr_names == ["synapse_count", "corr", "sttc"]
    pre, post = data.edge_index.numpy()
    assert np.allclose(data.edge_attr[:, 1].numpy(), arrays.corr[pre, post], atol=1e-6)
    assert data.corr.shape == (312, 312) and data.nucleus_id.tolist() == arrays.nucleus_id.tolist()
    graph = neuropil.load("microns-fields", field="5_3_8", format="networkx", home=fields_home)
    assert graph.number_of_nodes() == 42 and graph.number_of_edges() == 4
    edges = neuropil.load("microns-fields", format="pandas", table="edges", home=fields_home)
    assert len(edges) == 27674 and edges["synapse_count"].sum() == 30721
    tensors = neuropil.load("microns-fields", field="4_7_4", format="torch", home=fields_home)
    assert set(tensors) == {"positions_nm", "synapse_counts", "nucleus_id"}
    # precision beside corr / sttc where its file is here (7_3_2: 410 neurons, INF.md)
    with_precision = neuropil.load("microns-fields", field="7_3_2", format="pyg", functional=True, home=fields_home)
    assert with_precision.precision.shape == (410, 410) and "precision" not in data.keys()
    assert np.allclose(with_precision.precision.numpy(), load_field("7_3_2", home=fields_home).precision, rtol=1e-6)
    assert set(neuropil.load("microns-fields", field="7_3_2", format="torch", home=fields_home)) == {
        "positions_nm", "synapse_counts", "nucleus_id", "corr", "sttc", "precision"}
    hf = neuropil.load("microns-fields", field="6_6_2", format="hf", home=fields_home)
    assert hf["neurons"].num_rows == 312 and hf["edges"].num_rows == 316
    with pytest.raises(NotIngestedError, match=r"'4_7_4'.*not downloaded.*`neuropil ingest microns-fields --functional 4_7_4`"):
        neuropil.load("microns-fields", field="4_7_4", format="pyg", functional=True, home=fields_home)
    with pytest.raises(NotIngestedError, match="not downloaded"):
        neuropil.load("microns-fields", field="9_6_4", format="networkx", functional=True, home=fields_home)
    with pytest.raises(InvalidArgumentError, match="Unknown value '6_6_3' for argument field"):
        neuropil.load("microns-fields", field="6_6_3", format="pyg", home=fields_home)


class _Payload:
    """Unpickling this touches a marker file: proof that a pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        return (pathlib.Path.touch, (self.marker,))


def test_tampered_pickle_is_refused_before_unpickling(shared_root: Path, tmp_path: Path) -> None:
    from neuropil.datasets import get_spec
    from neuropil.pipelines import ingest
    from neuropil.pipelines._npy import load_verified_npy

    marker = tmp_path / "pickle-ran"
    hostile = tmp_path / "positions_6_6_2.npy"
    np.save(hostile, np.array([_Payload(marker), None], dtype=object), allow_pickle=True)
    registered = get_spec("microns-fields").raw_file("6_6_2/positions_6_6_2.npy").sha256
    with pytest.raises(ChecksumError, match="positions_6_6_2.npy.*Refusing to unpickle"):
        load_verified_npy(hostile, registered)
    assert not marker.exists()
    # even with a matching hash, the restricted unpickler builds arrays and nothing else
    import hashlib

    with pytest.raises(RawFormatError, match="only numpy arrays"):
        load_verified_npy(hostile, hashlib.sha256(hostile.read_bytes()).hexdigest())
    assert not marker.exists()
    # through the whole ingest: a mirror whose one pickle was swapped fails, nothing is published
    mirror = tmp_path / "mirror"
    for source in (shared_root / FIELD_DIR).glob("*_*_*/*"):
        target = mirror / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(source)
    (mirror / "6_6_2" / "positions_6_6_2.npy").unlink()
    (mirror / "6_6_2" / "positions_6_6_2.npy").write_bytes(hostile.read_bytes())
    with pytest.raises(ChecksumError, match="6_6_2/positions_6_6_2.npy"):
        ingest("microns-fields", raw_dir=mirror, home=tmp_path / "home", progress=False)
    assert not marker.exists()
    assert not (tmp_path / "home" / "microns-fields" / "1.0.0").exists()


def test_pinky100_counts_from_the_csvs(fields_home: Path, shared_root: Path) -> None:
    import neuropil
    from neuropil import _store

    folder = shared_root / "microns" / "pinky100"
    with open(folder / "soma.csv", newline="") as handle:
        somata = [row["segment_id"] for row in csv.DictReader(handle)]
    with open(folder / "synapses.csv", newline="") as handle:
        synapses = [(row["pre"], row["post"]) for row in csv.DictReader(handle)]
    pairs = set(synapses)
    stats = _store.read_manifest("microns-pinky100", "1.0.0", fields_home)["stats"]["pinky100"]
    assert (len(somata), len(synapses), len(pairs)) == (363, 1981, 1752)
    assert (stats["neurons"], stats["synapses"], stats["edges"]) == (len(somata), len(synapses), len(pairs))
    assert stats["autapse_synapses"] == sum(a == b for a, b in synapses) == 2
    data = neuropil.load("microns-pinky100", format="pyg", home=fields_home)
    assert data.num_nodes == 363 and data.num_edges == 1752 and int(data.edge_attr.sum()) == 1981
    no_loops = neuropil.load("microns-pinky100", format="pyg", self_loops=False, home=fields_home)
    assert no_loops.num_edges == 1750
    graph = neuropil.load("microns-pinky100", format="networkx", home=fields_home)
    assert graph.number_of_edges() == 1752
    assert neuropil.load("microns-pinky100", format="hf", home=fields_home)["synapses"].num_rows == 1981


def test_pinky100_malformed_loc_is_named(tmp_path: Path, shared_root: Path) -> None:
    from neuropil.pipelines.microns_pinky100 import parse_loc
    import pandas as pd

    assert parse_loc(pd.Series(["[314028 159940  77280]"])).tolist() == [[314028.0, 159940.0, 77280.0]]
    with pytest.raises(RawFormatError, match=r"row 1: loc '\[1 2\]'"):
        parse_loc(pd.Series(["[1 2 3]", "[1 2]"]))


def test_card_reports_the_agreement_of_every_field_with_spikes_here(fields_home: Path, shared_root: Path) -> None:
    """The card's table (docs/results/microns_functional_agreement.py) is the ingest's, for every field with spikes."""
    from neuropil import _store
    from neuropil.datasets import card_text

    text = card_text("microns-fields")
    block = text[text.index("<!-- agreement"):text.index("<!-- /agreement -->")]
    rows = {cells[0]: cells for line in block.splitlines() if line.startswith("| ") and line[2:3].isdigit()
            for cells in [[c.strip() for c in line.strip("|").split("|")]]}
    with_spikes = sorted(p.parent.name for p in (shared_root / FIELD_DIR).glob("*_*_*/spikes_*.npy"))
    assert sorted(rows) == with_spikes and len(with_spikes) == 6
    agreement = _store.read_manifest("microns-fields", "1.0.0", fields_home)["functional_agreement"]
    for field, cells in rows.items():
        assert cells[4] == f"{agreement[field]['corr']['max_abs_diff']:.1e}", field
        assert cells[5] == f"{agreement[field]['sttc']['max_abs_diff']:.1e}", field
        assert float(cells[4]) < 1e-12 and float(cells[5]) < 1e-12
