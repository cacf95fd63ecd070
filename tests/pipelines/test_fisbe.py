"""FISBe ingestion: exact round trip of real zarr volumes, instance table, skeleton graphs, bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import neuropil
from neuropil import _store
from neuropil.errors import NotIngestedError, RawFormatError, UnverifiedSourceError
from neuropil.pipelines import ingest
from neuropil.testing.fisbe import write_fisbe_zarr

R14 = "R14A02-20180905_65_A6"
CROP = "patchperpix_crop"


@pytest.fixture(scope="module")
def fisbe_home(shared_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ingest of the real crop and the real R14A02 ground truth (about 20 s)."""
    home = tmp_path_factory.mktemp("fisbe-home")
    ingest("fisbe", raw_dir=shared_root, home=home, progress=False, samples=[CROP, R14])
    return home


def test_split_list_counts(shared_data: Path) -> None:
    from neuropil.pipelines.fisbe import parse_split_list

    splits = parse_split_list(shared_data / "fisbe" / "sample_list_per_split.txt")
    counts = {key: sum(1 for v in splits.values() if v == key) for key in set(splits.values())}
    assert counts == {("completely", "train"): 18, ("completely", "val"): 5, ("completely", "test"): 7,
                      ("partly", "train"): 43, ("partly", "val"): 12, ("partly", "test"): 16}
    assert splits[R14] == ("completely", "test") and splits["VT011145-20171222_63_I2"] == ("partly", "test")


@pytest.mark.parametrize("sample, folder", [(CROP, "patchperpix_crop.zarr"), (R14, f"gt/{R14}.zarr")])
def test_round_trip_is_exact(fisbe_home: Path, shared_root: Path, sample: str, folder: str) -> None:
    import h5py
    import zarr

    source = zarr.open(str(shared_root / "fisbe" / folder), mode="r")["volumes"]
    images = neuropil.load("fisbe", table="images", sample=sample, format="pandas", home=fisbe_home)
    version = _store.require_version("fisbe", "1.0.0", fisbe_home)
    with h5py.File(version / images["file"].iloc[0], "r") as stored:
        assert sorted(stored) == sorted(source)  # raw where the zarr has it, gt_instances always
        for name in stored:
            original = source[name]
            assert stored[name].dtype == original.dtype and stored[name].shape == original.shape
            step = original.chunks[1]
            for z0 in range(0, original.shape[1], step):  # every voxel of every channel, slab by slab
                assert np.array_equal(stored[name][:, z0:z0 + step], original[:, z0:z0 + step]), (name, z0)
        assert stored["gt_instances"].attrs["dim_neurons"].tolist() == list(
            source["gt_instances"].attrs.get("dim_neurons", []))


def test_instance_table_matches_dense_counts(fisbe_home: Path, shared_root: Path) -> None:
    import zarr

    instances = neuropil.load("fisbe", table="instances", sample=CROP, format="pandas", home=fisbe_home)
    gt = zarr.open(str(shared_root / "fisbe" / "patchperpix_crop.zarr"), mode="r")["volumes/gt_instances"][:]
    shared_voxels = (gt > 0).sum(axis=0) > 1
    assert instances["instance"].tolist() == [1, 2, 3]
    for row in instances.itertuples():
        mask = gt[row.channel] > 0
        assert set(np.unique(gt[row.channel])) == {0, row.instance}
        assert row.voxel_count == mask.sum()
        assert row.overlap_voxels == (mask & shared_voxels).sum()
        z, y, x = np.nonzero(mask)
        assert (row.bbox_z0, row.bbox_y0, row.bbox_x0) == (z.min(), y.min(), x.min())
        assert (row.bbox_z1, row.bbox_y1, row.bbox_x1) == (z.max() + 1, y.max() + 1, x.max() + 1)
        assert 0 < row.skeleton_voxels < row.voxel_count
    assert set(instances["labelling"]) == {"partly"} and set(instances["split"]) == {"val"}  # JRC_SS05008..._B2
    r14 = neuropil.load("fisbe", table="instances", sample=R14, format="pandas", home=fisbe_home)
    assert r14["dim"].tolist() == [False, False, True, False, True, False, True]  # dim_neurons [3, 5, 7]
    assert set(r14["labelling"]) == {"completely"} and set(r14["split"]) == {"test"}


def test_skeleton_graphs_as_pyg_and_networkx(fisbe_home: Path) -> None:
    graphs = neuropil.load("fisbe", sample=R14, format="pyg", home=fisbe_home)
    instances = neuropil.load("fisbe", table="instances", sample=R14, format="pandas", home=fisbe_home)
    edges = neuropil.load("fisbe", table="skeleton_edges", sample=R14, format="pandas", home=fisbe_home)
    assert len(graphs) == 7 and [g.instance for g in graphs] == instances["instance"].tolist()
    for graph, row in zip(graphs, instances.itertuples()):
        assert graph.num_nodes == row.graph_nodes and graph.edge_index.shape[1] == 2 * row.graph_edges
        own = edges[edges["instance"] == row.instance]
        assert float(graph.edge_attr.sum()) / 2 == pytest.approx(own["length_um"].sum(), rel=1e-5)
        # pruning only removes short spurs: the pruned graph keeps most of the skeleton's length
        assert 0.5 * row.skeleton_length_um < own["length_um"].sum() <= row.skeleton_length_um + 1e-6
        assert (graph.x[:, 3] > 0).all()  # every node lies inside its neuron: positive radius
    single = neuropil.load("fisbe", sample=R14, instance=5, format="networkx", home=fisbe_home)
    assert single.number_of_nodes() == instances.set_index("instance").loc[5, "graph_nodes"]


def test_hand_made_skeleton_graph() -> None:
    from neuropil.pipelines.fisbe_skeleton import skeleton_graph
    from neuropil.formats.fisbe_volumes import VOXEL_SIZE_UM, skeleton_voxels

    shape = (5, 30, 30)
    tee = np.zeros(shape, bool)
    tee[2, 10, 2:25] = True  # a bar of 23 voxels
    tee[2, 11:25, 12] = True  # a stem of 14 voxels below x = 12
    voxels = np.flatnonzero(tee)
    graph = skeleton_graph(skeleton_voxels(voxels, shape), voxels, shape, spur_length_um=0.0)
    assert sorted(graph.node_kind) == ["endpoint", "endpoint", "endpoint", "junction"]
    # Lee drops the corner voxel (2, 10, 12): the junction sits at (2, 11, 12) and the bar's halves
    # reach it by 9 or 11 straight steps plus one diagonal; the stem is 13 straight steps
    lengths = sorted(graph.edge_length_um / VOXEL_SIZE_UM)
    assert lengths == pytest.approx(sorted([9 + np.sqrt(2), 11 + np.sqrt(2), 13.0]))
    assert graph.total_length_um == pytest.approx((33 + 2 * np.sqrt(2)) * VOXEL_SIZE_UM)
    pruned = skeleton_graph(skeleton_voxels(voxels, shape), voxels, shape, spur_length_um=12 * VOXEL_SIZE_UM)
    # the shortest spur (10.41 voxels) goes; the junction is left with two branches and is collapsed,
    # so the 12.41-voxel branch is no spur any more: one edge of 12.41 + 13 voxels remains
    assert len(pruned.edges) == 1 and pruned.edge_length_um[0] == pytest.approx((24 + np.sqrt(2)) * VOXEL_SIZE_UM)
    assert pruned.edge_voxels[0] == 11 + 12 + 1 and sorted(pruned.node_kind) == ["endpoint", "endpoint"]
    ring = np.zeros(shape, bool)
    ring[2, 5:15, 5:15] = True
    ring[2, 6:14, 6:14] = False  # a one-voxel square ring, 36 voxels
    voxels = np.flatnonzero(ring)
    graph = skeleton_graph(skeleton_voxels(voxels, shape), voxels, shape)
    assert graph.node_kind == ("loop",) and graph.edges.tolist() == [[0, 0]]


# --------------------------------------------------------------------------- bad input


@pytest.fixture
def raw_dir(tmp_path: Path, shared_data: Path) -> Path:
    folder = tmp_path / "raw" / "fisbe"
    folder.mkdir(parents=True)
    shutil.copy(shared_data / "fisbe" / "sample_list_per_split.txt", folder)
    return tmp_path / "raw"


def _assert_nothing_published(home: Path) -> None:
    with pytest.raises(NotIngestedError):
        _store.require_version("fisbe", "1.0.0", home)
    builds = home / "fisbe" / ".builds"
    assert not builds.exists() or not any(builds.iterdir())


GT = np.zeros((2, 4, 8, 8), np.uint8)
GT[0, 1, 1, 1:6] = 1
GT[1, 2, 2, 1:6] = 2


def test_unregistered_folder_needs_allow_unverified(raw_dir: Path, tmp_path: Path) -> None:
    write_fisbe_zarr(raw_dir / "fisbe" / "R14A02-20180905_65_A6.zarr", GT)  # a known name, other content
    home = tmp_path / "home"
    with pytest.raises(UnverifiedSourceError, match="allow-unverified"):
        ingest("fisbe", raw_dir=raw_dir, home=home, progress=False)
    _assert_nothing_published(home)
    result = ingest("fisbe", raw_dir=raw_dir, home=home, progress=False, allow_unverified=True)
    assert result.manifest["inputs"]["zarr/R14A02-20180905_65_A6.zarr"]["verified"] is False
    assert "no registered digest" in result.manifest["zarr_folders"]["zarr/R14A02-20180905_65_A6.zarr"]


@pytest.mark.parametrize("case, message", [
    ("missing", "volumes/gt_instances"),
    ("dtype", "uint16"),
    ("shape", "spatial"),
])
def test_bad_zarr_is_refused_with_no_partial_output(raw_dir: Path, tmp_path: Path, case: str, message: str) -> None:
    good = write_fisbe_zarr(raw_dir / "fisbe" / "A-good.zarr", GT)  # sorted first: its file is written first
    assert good.is_dir()
    bad = raw_dir / "fisbe" / "B-bad.zarr"
    if case == "missing":
        write_fisbe_zarr(bad, None, raw=np.zeros((3, 4, 8, 8), np.uint16))
    elif case == "dtype":
        write_fisbe_zarr(bad, GT, gt_dtype=np.uint16)
    else:
        write_fisbe_zarr(bad, GT, raw=np.zeros((3, 4, 8, 9), np.uint16))
    home = tmp_path / "home"
    with pytest.raises(RawFormatError, match=message):
        ingest("fisbe", raw_dir=raw_dir, home=home, progress=False, allow_unverified=True)
    _assert_nothing_published(home)
