"""Pictures of the data: every plot renders from the real files, is not blank, labels every axis and
has a colour bar per data panel."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

import neuropil
from neuropil.errors import InvalidArgumentError, NotIngestedError
from neuropil.plotting import PLOTS


@pytest.fixture(scope="module")
def fisbe_home(tmp_path_factory, shared_root: Path) -> Path:
    """FISBe from its one real raw crop (1.5 s; the whole test images take 45 s to ingest)."""
    from neuropil.pipelines import ingest

    home = tmp_path_factory.mktemp("fisbe-plot-home")
    ingest("fisbe", raw_dir=shared_root, home=home, progress=False, samples=["patchperpix_crop"])
    return home


def _check_picture(figure, path: Path, *, panels: int) -> np.ndarray:
    """The saved PNG is not blank; each data panel has labelled axes and its own labelled colour bar."""
    pixels = __import__("matplotlib.image", fromlist=["imread"]).imread(path)[..., :3]
    assert pixels.std() > 0.05
    colours = np.unique((pixels.reshape(-1, 3) * 255).astype(np.uint8), axis=0)
    assert len(colours) > 50
    bars = [ax for ax in figure.axes if hasattr(ax, "_colorbar")]
    data = [ax for ax in figure.axes if not hasattr(ax, "_colorbar")]
    assert len(data) == panels and len(bars) == panels
    for ax in bars:
        assert ax._colorbar.ax.get_ylabel() or ax._colorbar.ax.get_xlabel()
    for ax in data:
        assert ax.get_xlabel() and ax.get_ylabel()
        if hasattr(ax, "get_zlabel"):
            assert ax.get_zlabel()
    return pixels


def test_plot_connectome_adjacency_by_class(real_home, tmp_path: Path) -> None:
    home = real_home("celegans-connectomes")
    out = tmp_path / "cook.png"
    figure = neuropil.plot("celegans-connectomes", connectome="cook_2019", out=out, home=home)
    _check_picture(figure, out, panels=2)
    chemical, electrical = [ax for ax in figure.axes if not hasattr(ax, "_colorbar")]
    assert "chemical" in chemical.get_title() and "electrical" in electrical.get_title()
    assert [t.get_text() for t in chemical.get_yticklabels()] == ["sensory", "inter", "motor", "pharyngeal"]
    edges = neuropil.load("celegans-connectomes", format="pandas", table="edges", connectome="cook_2019", home=home)
    gap = electrical.get_images()[0].get_array()
    assert np.array_equal(np.isfinite(gap), np.isfinite(gap).T)  # a gap junction is drawn both ways
    chem = chemical.get_images()[0].get_array()
    pairs = edges[(edges["type"] == "chemical") & (edges["weight"] > 0)][["pre_index", "post_index"]].drop_duplicates()
    assert int(np.isfinite(np.ma.filled(chem, np.nan)).sum()) == len(pairs)


def test_plot_activity_raster_has_neuron_labels(_pristine_homes, tmp_path: Path) -> None:
    home = _pristine_homes("celegans-activity")  # not real_home: tests/test_cli.py checks that it lacks activity
    out = tmp_path / "raster.png"
    figure = neuropil.plot("celegans-activity", recording=0, out=out, home=home)
    _check_picture(figure, out, panels=1)
    ax = figure.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    neurons = neuropil.load("celegans-activity", format="pandas", table="neurons", home=home)
    named = set(neurons[(neurons["recording"] == 0) & neurons["label"].notna()]["label"])
    assert len(named & set(labels)) >= 20
    assert ax.get_images()[0].get_array().shape[0] == int((neurons["recording"] == 0).sum())


def test_plot_microns_field_correlation_to_cell(real_home, tmp_path: Path) -> None:
    home = real_home("microns-fields")
    out = tmp_path / "field.png"
    figure = neuropil.plot("microns-fields", field="6_6_2", cell="5", out=out, home=home)
    _check_picture(figure, out, panels=2)
    from neuropil.loaders.microns_fields import load_field

    arrays = load_field("6_6_2", home=home)
    ax = figure.axes[0]
    points = ax.collections[0]
    assert len(points.get_array()) == arrays.n - 1
    low, high = points.get_clim()
    assert low == -high and high == pytest.approx(np.abs(np.delete(arrays.corr[5], 5)).max())
    with pytest.raises(InvalidArgumentError, match="nucleus id"):
        neuropil.plot("microns-fields", field="6_6_2", cell=10**6, home=home)


def test_plot_microns_field_without_activity_says_which_have(real_home) -> None:
    home = real_home("microns-fields")
    from neuropil.loaders.microns_fields import functional_fields, to_pandas

    without = sorted(set(to_pandas(table="neurons", home=home)["field"]) - set(functional_fields(home=home)))
    with pytest.raises(NotIngestedError, match=rf"'{without[0]}': corr matrix not downloaded; get them with "
                                               rf"`neuropil ingest microns-fields --functional {without[0]}`.*6_6_2"):
        neuropil.plot("microns-fields", field=without[0], home=home)


def test_plot_fisbe_mip_with_instance_outlines(fisbe_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "mip.png"
    figure = neuropil.plot("fisbe", out=out, home=fisbe_home)
    _check_picture(figure, out, panels=2)
    raw_panel, instance_panel = [ax for ax in figure.axes if not hasattr(ax, "_colorbar")]
    assert "raw" in raw_panel.get_title()
    assert len(raw_panel.collections) == 3  # one outline per neuron of the crop
    labels = instance_panel.get_images()[0].get_array()
    assert set(np.unique(labels[np.isfinite(labels)]).astype(int)) == {1, 2, 3}


def test_plot_fisbe_skeleton_graph(fisbe_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "skeleton.png"
    figure = neuropil.plot("fisbe", kind="skeleton", out=out, home=fisbe_home)
    _check_picture(figure, out, panels=2)
    edges = neuropil.load("fisbe", format="pandas", table="skeleton_edges", home=fisbe_home)
    assert len(figure.axes[0].collections[0].get_segments()) == len(edges) > 0


def test_plot_vessel_graph_3d_by_radius(real_home, tmp_path: Path) -> None:
    home = real_home("vesselgraph")
    out = tmp_path / "vessels.png"
    figure = neuropil.plot("vesselgraph", out=out, home=home)
    _check_picture(figure, out, panels=1)
    ax = figure.axes[0]
    assert ax.name == "3d"
    edges = neuropil.load("vesselgraph", format="pandas", table="edges", home=home)
    lines = ax.collections[0]
    assert len(lines.get_array()) == len(edges)
    assert np.allclose(lines.get_array(), edges["avgRadiusAvg"].to_numpy())


def test_plot_bad_inputs_name_what_is_valid(real_home, tmp_path: Path) -> None:
    home = real_home("celegans-connectomes")
    with pytest.raises(InvalidArgumentError, match="Valid values are.*'connectome'"):
        neuropil.plot("celegans-connectomes", connectom="cook_2019", home=home)
    with pytest.raises(InvalidArgumentError, match="kind of fisbe plot"):
        neuropil.plot("fisbe", kind="movie", home=home)
    with pytest.raises(InvalidArgumentError, match="dataset with a plot"):
        neuropil.plot("microns-pinky100", home=home)
    with pytest.raises(InvalidArgumentError, match=r"\.png"):
        neuropil.plot("celegans-connectomes", out=tmp_path / "x.jpeg", home=home)
    assert not list(tmp_path.iterdir())  # nothing half-written
    with pytest.raises(NotIngestedError):
        neuropil.plot("vesselgraph", home=tmp_path / "empty")


def test_plot_command_writes_the_file(real_home, tmp_path: Path, capsys) -> None:
    from neuropil.plotting.cli import add_plot_command

    parser = argparse.ArgumentParser()
    add_plot_command(parser.add_subparsers(dest="command"))
    out = tmp_path / "cmd.png"
    args = parser.parse_args(["plot", "celegans-connectomes", "--config", "connectome=white_1986_whole",
                              "--out", str(out)])
    args.home = real_home("celegans-connectomes")
    assert args.run(args) == 0
    assert out.stat().st_size > 10_000 and "wrote" in capsys.readouterr().out
    with pytest.raises(InvalidArgumentError, match="key=value"):
        args.run(parser.parse_args(["plot", "fisbe", "--config", "kind", "--out", str(out)]))


def test_every_plotted_dataset_is_registered() -> None:
    assert set(PLOTS) <= set(neuropil.list_datasets())
