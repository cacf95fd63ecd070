"""`neuropil bench plot` / runner.plot_results: intervals as error bars, and a trivial baseline far below
the models clipped (labelled) instead of squashing their bars."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuropil.benchmarks import runner


def _document(name: str, mean: float, low: float, high: float) -> dict:
    return {"primary_metric": "skill", "task": {"id": "toy-task"}, "model": {"name": name},
            "summary": {"test": {"skill": {"mean": mean, "std": 0.01, "n": 3},
                                 "skill_ci_low": {"mean": low, "std": 0.0, "n": 3},
                                 "skill_ci_high": {"mean": high, "std": 0.0, "n": 3}}}}


def test_far_outlier_is_clipped_and_the_rest_stay_readable() -> None:
    values = np.array([0.0, -1.9, 0.10, 0.13, 0.08, 0.02])
    lows, highs = values - 0.04, values + 0.04
    low, high = runner._bar_limits(values, lows, highs)
    assert -1.9 < low < -0.04  # the -1.9 bar is cut off, zero and every other interval stay inside
    assert high > 0.17
    assert high - low < 0.5  # the models' 0.02-0.13 range fills a visible share of the axis


def test_no_clipping_when_values_are_comparable() -> None:
    values = np.array([0.0, 0.05, 0.10, 0.13])
    assert runner._bar_limits(values, values - 0.02, values + 0.02) is None


def test_plot_renders_with_a_clipped_bar(tmp_path: Path) -> None:
    import matplotlib.image as image

    documents = [_document("persistence", 0.0, 0.0, 0.0), _document("mean", -1.9, -2.4, -1.4),
                 _document("ridge", 0.10, 0.06, 0.14), _document("mlp", 0.13, 0.09, 0.18)]
    out = runner.plot_results(documents, tmp_path / "plot.png")
    pixels = image.imread(out)
    assert pixels.shape[0] > 100 and pixels[..., :3].std() > 0.05  # drawn, not blank
