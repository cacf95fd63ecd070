"""microns-minnie65 from the exports people share, not raw CAVE dumps: split positions under a short
prefix (``ctr_pt_x``), a pandas index column in every table, and a synapse table filtered to one
postsynaptic cell. Expectations are recomputed from the fixture files with plain pyarrow reads."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import neuropil
from neuropil.errors import RawFormatError
from neuropil.testing.microns import write_minnie65_tables


def _ingest(folder: Path):
    from neuropil.pipelines import ingest

    return ingest("microns-minnie65", tables=str(folder), materialization=661, progress=False, bucket_rows=700)


def _read(path: Path):
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if path.suffix == ".csv":
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={"superceded_id": pa.int64()}))
    return pq.read_table(path)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_short_split_positions_and_an_index_column_are_read(tmp_path: Path, fmt: str) -> None:
    fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=1500, n_nuclei=60, fmt=fmt,
                                    position_encoding="split_short", index_column=True, seed=11)
    raw = _read(fixture.synapse_files[0])
    assert {"ctr_pt_x", "ctr_pt_y", "ctr_pt_z"} <= set(raw.column_names)
    assert raw.column_names[0] in ("", "__index_level_0__")  # the pandas index really is there
    result = _ingest(fixture.folder)
    assert result.manifest["stats"]["minnie65"]["synapses"] == raw.num_rows
    synapses = neuropil.load("microns-minnie65", format="pandas", table="synapses").set_index("id")
    ids = raw["id"].to_pylist()
    k = ids.index(777)
    expected = [raw["ctr_pt_x"][k].as_py() * 4, raw["ctr_pt_y"][k].as_py() * 4, raw["ctr_pt_z"][k].as_py() * 40]
    assert synapses.loc[777, ["x_nm", "y_nm", "z_nm"]].tolist() == expected
    neurons = neuropil.load("microns-minnie65", format="pandas", table="neurons")
    nuclei = _read(next(fixture.folder.glob("nucleus_detection_v0.*")))
    assert sorted(neurons["nucleus_id"].tolist()) == sorted(nuclei["id"].to_pylist())
    assert not {"", "Unnamed: 0", "__index_level_0__"} & set(neurons.columns)
    assert np.allclose(neurons.sort_values("nucleus_id")["x_nm"].to_numpy(),
                       np.asarray(nuclei.sort_by("id")["pt_x"].to_pylist(), dtype=float) * 4)


def test_synapses_filtered_to_one_postsynaptic_cell(tmp_path: Path) -> None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=3000, n_nuclei=80, seed=12)
    table = pq.read_table(fixture.synapse_files[0])
    post = Counter(table["post_pt_root_id"].to_pylist()).most_common(1)[0][0]
    one_cell = table.filter(pc.equal(table["post_pt_root_id"], post))
    pq.write_table(one_cell, fixture.synapse_files[0])
    result = _ingest(fixture.folder)
    stats = result.manifest["stats"]["minnie65"]
    assert stats["synapses"] == one_cell.num_rows
    edges = neuropil.load("microns-minnie65", format="pandas", table="edges")
    assert set(edges["post_root_id"]) == {post}
    assert dict(zip(edges["pre_root_id"], edges["synapse_count"])) == dict(Counter(one_cell["pre_pt_root_id"].to_pylist()))


def test_a_position_in_no_accepted_form_names_the_forms(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=500, n_nuclei=30, position_encoding="split", seed=13)
    table = pq.read_table(fixture.synapse_files[0])
    renamed = table.rename_columns([c.replace("ctr_pt_position_", "centre_") for c in table.column_names])
    pq.write_table(renamed, fixture.synapse_files[0])
    with pytest.raises(RawFormatError, match=r"ctr_pt_position.*ctr_pt_x"):
        _ingest(fixture.folder)


def test_no_nucleus_mode_keys_neurons_by_root(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from neuropil.errors import InvalidArgumentError, SourceUnavailableError
    from neuropil.pipelines import ingest

    fixture = write_minnie65_tables(tmp_path / "dump", n_synapses=2500, n_nuclei=70, with_nucleus_ids=False, seed=14)
    assert not list(fixture.folder.glob("nucleus_detection_v0*"))
    with pytest.raises(SourceUnavailableError, match="nucleus_detection_v0"):
        _ingest(fixture.folder)  # without the flag a nucleus table is required, never guessed
    with caplog.at_level("WARNING"):
        result = ingest("microns-minnie65", tables=str(fixture.folder), materialization=661, no_nucleus=True,
                        progress=False, bucket_rows=700)
    assert "root ids change" in caplog.text and result.manifest["node_key"] == "root_id"
    assert any("root id" in w for w in result.manifest["warnings"])

    types = _read(next(fixture.folder.glob("aibs_metamodel_celltypes_v661.*"))).to_pandas()
    latest = types[types["pt_root_id"] != 0].sort_values("id").drop_duplicates("pt_root_id", keep="last")
    neurons = neuropil.load("microns-minnie65", format="pandas", table="neurons")
    assert sorted(neurons["root_id"]) == sorted(latest["pt_root_id"])
    assert neurons["nucleus_id"].isna().all()
    assert dict(zip(neurons["root_id"], neurons["cell_type"])) == dict(zip(latest["pt_root_id"], latest["cell_type"]))

    synapses = _read(fixture.synapse_files[0]).to_pandas()
    cells = set(latest["pt_root_id"])
    among = synapses[synapses["pre_pt_root_id"].isin(cells) & synapses["post_pt_root_id"].isin(cells)]
    expected = Counter(zip(among["pre_pt_root_id"], among["post_pt_root_id"]))
    graph = neuropil.load("microns-minnie65", format="networkx")
    assert {(a, b): d["synapse_count"] for a, b, d in graph.edges(data=True)} == dict(expected)
    data = neuropil.load("microns-minnie65", format="pyg")
    assert data.num_nodes == len(cells) and data.edge_index.shape[1] == len(expected)
    some = sorted(cells)[:3]
    selected = neuropil.load("microns-minnie65", format="pyg", root_ids=some)
    assert selected.root_id.tolist() == some
    with pytest.raises(InvalidArgumentError, match="root_ids"):
        neuropil.load("microns-minnie65", format="pyg", nucleus_ids=[1])
