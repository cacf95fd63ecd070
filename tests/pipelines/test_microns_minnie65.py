"""microns-minnie65 from schema-exact CAVE dumps (neuropil.testing.microns): both position encodings,
three file formats, duplicate rows, a corrupted chunk; expectations re-derived from the fixture files
with plain pyarrow reads and Python counters."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from neuropil.errors import InvalidArgumentError, RawFormatError, SourceUnavailableError
from neuropil.testing.microns import write_minnie65_tables


def _raw_synapses(files: tuple[Path, ...]) -> dict[str, list]:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    tables = []
    for path in files:
        if path.suffix == ".parquet":
            tables.append(pq.read_table(path))
        elif path.suffix == ".feather":
            tables.append(feather.read_table(path))
        else:
            tables.append(pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={"superceded_id": pa.int64()})))
    table = pa.concat_tables(tables)
    if "ctr_pt_position" in table.column_names:
        text = table["ctr_pt_position"].to_pylist()
        xyz = [[int(v) for v in t.strip("[]").split()] if isinstance(t, str) else t for t in text]
    else:
        xyz = list(zip(*(table[f"ctr_pt_position_{a}"].to_pylist() for a in "xyz")))
    return {"id": table["id"].to_pylist(), "pre": table["pre_pt_root_id"].to_pylist(),
            "post": table["post_pt_root_id"].to_pylist(), "size": table["size"].to_pylist(), "xyz": xyz}


def _ingest(folder: Path, **options):
    from neuropil.pipelines import ingest

    return ingest("microns-minnie65", tables=str(folder), materialization=661, progress=False, **options)


@pytest.mark.parametrize(("fmt", "encoding", "shards"), [("parquet", "array", 3), ("csv", "split", 2),
                                                         ("feather", "split", 1), ("csv", "array", 1)])
def test_ingest_matches_the_raw_rows(tmp_path: Path, fmt: str, encoding: str, shards: int) -> None:
    import pyarrow.parquet as pq

    import neuropil

    fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=6000, n_nuclei=200, fmt=fmt,
                                    position_encoding=encoding, shards=shards, chunk_rows=1500, seed=3)
    result = _ingest(fixture.folder, bucket_rows=1000)
    raw = _raw_synapses(fixture.synapse_files)
    stats = result.manifest["stats"]["minnie65"]
    pairs = Counter(zip(raw["pre"], raw["post"]))
    assert stats["synapses"] == len(raw["id"]) == 6000
    assert stats["edges"] == len(pairs)
    assert stats["autapse_synapses"] == sum(a == b for a, b in zip(raw["pre"], raw["post"]))
    edges = neuropil.load("microns-minnie65", format="pandas", table="edges")
    assert {(a, b): c for a, b, c in edges[["pre_root_id", "post_root_id", "synapse_count"]].itertuples(index=False)} == dict(pairs)
    sizes = Counter()
    for a, b, s in zip(raw["pre"], raw["post"], raw["size"]):
        sizes[(a, b)] += s
    assert dict(zip(zip(edges["pre_root_id"], edges["post_root_id"]), edges["size_sum"])) == dict(sizes)

    synapses = neuropil.load("microns-minnie65", format="pandas", table="synapses").set_index("id")
    k = raw["id"].index(4321)
    assert synapses.loc[4321, ["x_nm", "y_nm", "z_nm"]].tolist() == [raw["xyz"][k][0] * 4, raw["xyz"][k][1] * 4,
                                                                         raw["xyz"][k][2] * 40]
    # a root carrying exactly one nucleus maps to it; merged roots and root 0 map to none
    by_root = Counter(r for r in fixture.nucleus_roots.values() if r)
    single = {r: n for n, r in fixture.nucleus_roots.items() if r and by_root[r] == 1}
    expected = [single.get(r) for r in synapses["pre_root_id"]]
    assert [None if v is None or v is np.nan or str(v) == "<NA>" else int(v) for v in synapses["pre_nucleus_id"]] == expected

    # each part sorted by (pre, post, id); a presynaptic root lives in one part only
    parts = sorted((result.path / "synapses").glob("part-*.parquet"))
    seen: dict[int, str] = {}
    for part in parts:
        table = pq.read_table(part, columns=["pre_root_id", "post_root_id", "id"])
        rows = list(zip(*(table[c].to_pylist() for c in table.column_names)))
        assert rows == sorted(rows)
        for pre in set(table["pre_root_id"].to_pylist()):
            assert seen.setdefault(pre, part.name) == part.name


def test_bucket_order_is_pre_post_id_then_input_position_for_any_id_order() -> None:
    """The one-key sort (dense ranks packed into an int64) against Python's tuple sort, with ids
    shuffled and repeated, which the fixtures (ascending unique ids) never produce."""
    import pyarrow as pa

    from neuropil.pipelines.microns_minnie65 import _dense_rank, sort_order

    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 37, 5000):
        pre = 864691135000000000 + rng.integers(0, 40, n) * 7919
        post = rng.choice([0, 5, 864691136000000001, 864691137000000002, 2 ** 62], n)
        for ids in (rng.integers(0, max(1, n // 3), n), np.arange(10, 10 + n)):
            pre_rank, _ = _dense_rank(pa.array(pre))
            post_rank, posts = _dense_rank(pa.array(post))
            got = sort_order(pre_rank, post_rank, len(posts), ids).tolist()
            assert got == sorted(range(n), key=lambda i: (pre[i], post[i], ids[i], i))


def test_neurons_rules_duplicates_and_proofreading(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    import neuropil

    fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=2000, n_nuclei=120, duplicate_coregistration=4,
                                    duplicate_celltypes=3, conflicting_celltypes=2, merged_nuclei=2, seed=5)
    stats = _ingest(fixture.folder).manifest["stats"]["minnie65"]
    assert stats["nuclei"] == 120
    assert stats["coregistration_duplicate_rows"] == 4
    assert stats["celltype_duplicate_rows"] == 3 and stats["celltype_conflicting_nuclei"] == 2
    assert stats["nuclei_on_merged_roots"] == 4 and stats["nuclei_without_segment"] == 1
    assert stats["proofreading_stale"] == 1  # the fixture judged one neuron on an older root
    neurons = neuropil.load("microns-minnie65", format="pandas").set_index("nucleus_id")
    assert (neurons["materialization_version"] == 661).all()
    # a conflicting nucleus keeps the label of the row with the highest id (the latest annotation)
    types = pq.read_table(fixture.folder / "aibs_metamodel_celltypes_v661.parquet").to_pandas()
    for target, rows in types.groupby("target_id"):
        if rows["cell_type"].nunique() > 1:
            assert neurons.loc[target, "cell_type"] == rows.sort_values("id")["cell_type"].iloc[-1]
    # best coregistration: highest score among the nucleus's matches
    co = pq.read_table(fixture.folder / "coregistration_manual_v4.parquet").to_pandas()
    for target, rows in co.groupby("target_id"):
        assert neurons.loc[target, "unit_id"] == rows.sort_values("score")["unit_id"].iloc[-1]
    assert neurons["unit_id"].notna().sum() == co["target_id"].nunique() == stats["coregistered_nuclei"]


def test_corrupted_chunk_fails_clearly_and_keeps_the_previous_version(tmp_path: Path) -> None:
    import neuropil
    from neuropil import _store

    fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=4000, n_nuclei=100, shards=3, chunk_rows=700)
    first = _ingest(fixture.folder, bucket_rows=1000)
    before = _store.read_manifest("microns-minnie65", "1.0.0")
    damaged = fixture.synapse_files[1]
    data = bytearray(damaged.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 4096] = b"\0" * 4096  # zeroes over a column chunk: decoding fails mid-scan
    damaged.write_bytes(bytes(data))
    with pytest.raises(RawFormatError, match="part-00001.parquet"):
        _ingest(fixture.folder, bucket_rows=1000)
    assert _store.read_manifest("microns-minnie65", "1.0.0") == before
    _store.verify_outputs("microns-minnie65", "1.0.0")
    assert len(neuropil.load("microns-minnie65", format="pandas", table="synapses")) == 4000
    assert not list((first.path.parent / ".builds").glob("*/.spill"))


def test_bad_inputs_are_typed_errors(tmp_path: Path) -> None:
    from neuropil.pipelines import ingest

    fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=100, n_nuclei=30)
    with pytest.raises(InvalidArgumentError, match="--tables DIR"):
        ingest("microns-minnie65", progress=False)
    with pytest.raises(InvalidArgumentError, match="materialization"):
        ingest("microns-minnie65", tables=str(fixture.folder), progress=False)
    versioned = tmp_path / "v1300"
    fixture.folder.rename(versioned)
    assert ingest("microns-minnie65", tables=str(versioned), progress=False).manifest["materialization_version"] == 1300
    (versioned / "coregistration_manual_v4.parquet").unlink()
    with pytest.raises(SourceUnavailableError, match="coregistration_manual_v4"):
        ingest("microns-minnie65", tables=str(versioned), progress=False, force=True)
    with pytest.raises(InvalidArgumentError, match="Unknown value 'spark' for argument engine"):
        ingest("microns-minnie65", tables=str(versioned), engine="spark", progress=False)


def test_missing_position_column_is_named(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=100, n_nuclei=30)
    path = fixture.synapse_files[0]
    pq.write_table(pq.read_table(path).drop_columns(["ctr_pt_position"]), path)
    with pytest.raises(RawFormatError, match="ctr_pt_position"):
        _ingest(fixture.folder)


def test_loaders_select_by_cell_type_bbox_and_nucleus(tmp_path: Path) -> None:
    import neuropil

    fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=5000, n_nuclei=150, n_fragments=10, seed=9)
    _ingest(fixture.folder)
    neurons = neuropil.load("microns-minnie65", format="pandas")
    nodes = neurons[(neurons["nuclei_on_root"] == 1) & (neurons["root_id"] != 0)]
    data = neuropil.load("microns-minnie65", format="pyg")
    assert data.num_nodes == len(nodes)
    edges = neuropil.load("microns-minnie65", format="pandas", table="edges")
    inside = edges.dropna(subset=["pre_nucleus_id", "post_nucleus_id"])
    assert data.num_edges == len(inside) and int(data.edge_attr[:, 0].sum()) == int(inside["synapse_count"].sum())
    bc = neuropil.load("microns-minnie65", format="pyg", cell_types=["BC"])
    assert bc.num_nodes == int((nodes["cell_type"] == "BC").sum())
    hetero = neuropil.load("microns-minnie65", format="pyg", hetero=True, cell_types=["23P", "BC"])
    assert set(hetero.node_types) == {"23P", "BC"}
    assert sum(hetero[t].num_edges for t in hetero.edge_types) == len(
        inside[inside["pre_nucleus_id"].isin(nodes[nodes["cell_type"].isin(["23P", "BC"])]["nucleus_id"])
               & inside["post_nucleus_id"].isin(nodes[nodes["cell_type"].isin(["23P", "BC"])]["nucleus_id"])])
    box = ((0, 0, 0), (1.0e6, 6.0e5, 2.0e6))
    in_box = nodes[(nodes["x_nm"] <= 1.0e6) & (nodes["y_nm"] <= 6.0e5)]
    graph = neuropil.load("microns-minnie65", format="networkx", bbox=box)
    assert set(graph.nodes) == set(in_box["nucleus_id"].tolist())
    chosen = nodes["nucleus_id"].tolist()[:5]
    assert neuropil.load("microns-minnie65", format="pyg", nucleus_ids=chosen).nucleus_id.tolist() == sorted(chosen)
    with pytest.raises(InvalidArgumentError, match="nucleus ids not among"):
        neuropil.load("microns-minnie65", format="pyg", nucleus_ids=[1])
    root = int(edges["pre_root_id"].iloc[0])
    one = neuropil.load("microns-minnie65", format="pandas", table="synapses", pre_root_id=root)
    assert len(one) == int(edges[edges["pre_root_id"] == root]["synapse_count"].sum())


def test_cli_ingest_with_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from neuropil.cli import main

    fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=300, n_nuclei=40)
    assert main(["ingest", "microns-minnie65", "--tables", str(fixture.folder), "--materialization", "661",
                 "--json", "-q"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["stats"]["minnie65"]["synapses"] == 300 and manifest["materialization_version"] == 661
    assert all(not entry["verified"] for entry in manifest["inputs"].values())
    assert main(["export", "microns-minnie65", "--hf", str(tmp_path / "hf"), "-q"]) == 0
    assert sorted(p.name for p in (tmp_path / "hf" / "data").iterdir()) == [
        "coregistration.parquet", "edges.parquet", "neurons.parquet"]
