"""Pearson and STTC against hand-computed cases (Cutts & Eglen 2014 definitions)."""

from __future__ import annotations

import numpy as np
import pytest

from neuropil.errors import InvalidArgumentError
from neuropil.pipelines import microns_functional as fn


def test_identical_trains_give_one() -> None:
    train = np.array([0.3, 1.7, 2.2, 5.0])
    assert fn.sttc(train, train, dt=0.1, t_start=0.0, t_stop=10.0) == pytest.approx(1.0)
    matrix = fn.sttc_matrix([train, train], dt=0.1, t_stop=10.0)
    assert np.allclose(matrix, 1.0)
    assert np.allclose(fn.binned_pearson([train, train], bin_s=0.5), 1.0)


def test_disjoint_far_apart_trains_reach_the_sttc_bound_and_pearson_minus_one_third() -> None:
    # T_A = T_B = 0.2 s / 10 s = 0.02, P_A = P_B = 0: STTC = 1/2 (-0.02 - 0.02) = -0.02
    assert fn.sttc(np.array([1.0]), np.array([5.0]), dt=0.1, t_start=0.0, t_stop=10.0) == pytest.approx(-0.02)
    # round(2 / 0.5) = 4 bins [0, .5) [.5, 1) [1, 1.5) [1.5, 2): counts (1,0,0,0) and (0,0,1,0): r = -1/3
    r = fn.binned_pearson([np.array([0.1]), np.array([1.2])], bin_s=0.5, t_stop=2.0)
    assert r[0, 1] == pytest.approx(-1 / 3)


def test_half_overlap_by_hand() -> None:
    # P_A = P_B = 1/2, T_A = T_B = 0.04: STTC = (0.5 - 0.04) / (1 - 0.02) = 0.469387...
    a, b = np.array([1.0, 3.0]), np.array([1.05, 7.0])
    assert fn.sttc(a, b, dt=0.1, t_start=0.0, t_stop=10.0) == pytest.approx(0.46 / 0.98)
    assert fn.sttc_matrix([a, b], dt=0.1, t_stop=10.0)[0, 1] == pytest.approx(0.46 / 0.98)


def test_tiling_merges_overlaps_and_clips_to_the_recording() -> None:
    # windows [0, .15] and [0, .2] (clipped at 0) merge to 0.2 s of a 1 s recording
    assert fn.tiled_fraction(np.array([0.05, 0.1]), 0.1, 0.0, 1.0) == pytest.approx(0.2)
    # a window past the end is clipped: [0.9, 1.0]
    assert fn.tiled_fraction(np.array([1.0]), 0.1, 0.0, 1.0) == pytest.approx(0.1)


def test_default_t_stop_is_last_spike_plus_dt_and_empty_trains_are_nan() -> None:
    a, b = np.array([1.0]), np.array([5.0])
    # t_stop = 5.1: T = 0.2 / 5.1 each
    assert fn.sttc_matrix([a, b], dt=0.1)[0, 1] == pytest.approx(-0.2 / 5.1)
    matrix = fn.sttc_matrix([a, np.array([])], dt=0.1)
    assert np.isnan(matrix[0, 1]) and np.isnan(matrix[1, 1])


def test_bins_are_half_open_and_a_spike_past_the_last_whole_bin_is_dropped() -> None:
    # last spike 1.15 s, bin 0.5 s: round(2.3) = 2 bins [0, .5) [.5, 1); 0.5 falls in the second, 1.15 in none
    counts = fn.binned_counts([np.array([0.1, 0.5, 1.15]), np.array([0.7])], bin_s=0.5)
    assert counts.tolist() == [[1.0, 1.0], [0.0, 1.0]]


def test_symmetrize_copies_the_lower_triangle_up() -> None:
    stored = np.array([[1.0, 0.0, 0.0], [0.2, 1.0, 0.0], [0.3, 0.4, 1.0]])
    assert fn.symmetrize_lower(stored).tolist() == [[1.0, 0.2, 0.3], [0.2, 1.0, 0.4], [0.3, 0.4, 1.0]]


def test_bad_parameters_are_typed_errors() -> None:
    with pytest.raises(InvalidArgumentError, match="not sorted"):
        fn.sttc_matrix([np.array([2.0, 1.0])])
    with pytest.raises(InvalidArgumentError, match="dt must be positive"):
        fn.sttc_matrix([np.array([1.0])], dt=0)
    with pytest.raises(InvalidArgumentError, match="bin_s must be positive"):
        fn.binned_pearson([np.array([1.0])], bin_s=-1)
