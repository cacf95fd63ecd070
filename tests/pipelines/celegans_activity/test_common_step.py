"""The common homogenization step: resampling against analytic signals, label resolution, skips."""

from __future__ import annotations

import numpy as np
import pytest

from neuropil.errors import InvalidArgumentError, RawFormatError
from neuropil.pipelines.celegans_activity import causal_moving_mean, homogenize, parameters, resample, resolve_label
from neuropil.pipelines.celegans_activity.raw import RawRecording


def jittered_time(n: int, dt: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([[0.0], np.cumsum(dt * (1 + rng.uniform(-0.07, 0.07, n - 1)))])


@pytest.mark.parametrize("source_dt", [0.6, 0.5, 0.25, 0.1])
def test_sine_comes_back_on_the_grid(source_dt: float) -> None:
    """A 0.1 Hz sine sampled at the source rate (jittered, as real rigs are) is recovered on the
    1/3 s grid within the analytic bounds: linear interpolation errs by at most (w*h)^2/8 for a
    source step h, and a box mean over a window d attenuates a sine by at most (w*d)^2/24."""
    frequency, target = 0.1, 1 / 3
    time = jittered_time(1500, source_dt)
    values = np.sin(2 * np.pi * frequency * time)[:, None]
    grid, out = resample(time, values, target)
    assert grid[0] == 0 and grid[-1] <= time[-1] and np.allclose(np.diff(grid), target)
    omega, h = 2 * np.pi * frequency, source_dt * 1.07
    bound = (omega * h) ** 2 / 8 + (0 if source_dt >= target else (omega * target) ** 2 / 24)
    error = np.abs(out[:, 0] - np.sin(omega * grid))
    assert error.max() <= bound, (error.max(), bound)


def test_step_is_not_smeared_beyond_one_window() -> None:
    # downsampling from 0.05 s: a step at 10 s changes only the grid values whose window straddles it
    time = np.arange(0, 20, 0.05)
    values = (time >= 10.0).astype(float)[:, None]
    grid, out = resample(time, values, 1 / 3)
    intermediate = grid[(out[:, 0] > 1e-9) & (out[:, 0] < 1 - 1e-9)]
    # the samples 9.95 -> 10.0 form the step; a window of half-width 1/6 s reaches it only from nearby
    assert intermediate.size > 0 and np.all((intermediate > 9.95 - 1 / 6) & (intermediate < 10.0 + 1 / 6))
    assert np.allclose(out[grid < 9.95 - 1 / 6, 0], 0) and np.allclose(out[grid > 10 + 1 / 6, 0], 1)
    # upsampling from 0.6 s: only grid points between the two samples around the step move
    time = np.arange(0, 60, 0.6)
    values = (time >= 30.0).astype(float)[:, None]
    grid, out = resample(time, values, 1 / 3)
    intermediate = grid[(out[:, 0] > 1e-9) & (out[:, 0] < 1 - 1e-9)]
    assert np.all((intermediate > 30 - 0.6) & (intermediate < 30))


def test_never_extrapolates_and_missing_stays_missing() -> None:
    time = np.arange(0, 10.01, 0.6)
    values = np.sin(time)[:, None].repeat(2, axis=1)
    values[5, 1] = np.nan
    grid, out = resample(time, values, 1 / 3)
    assert grid[-1] <= time[-1]
    missing = grid[np.isnan(out[:, 1])]
    assert missing.size > 0 and np.all((missing > time[4]) & (missing < time[6]))
    assert np.isfinite(out[:, 0]).all()


def test_reference_smoothing_is_a_causal_eight_sample_mean() -> None:
    values = np.arange(20, dtype=float)[:, None]
    smoothed = causal_moving_mean(values, 8)
    assert smoothed[0, 0] == 0 and smoothed[3, 0] == 1.5 and smoothed[10, 0] == np.mean(np.arange(3, 11))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, (None, "unlabelled", [])),
        ("AVAL", ("AVAL", "labelled", [])),
        (" VB02 ", ("VB2", "labelled", [])),
        ("AWCON", ("AWCR", "labelled", [])),
        ("SAAD?", (None, "ambiguous", ["SAADL", "SAADR"])),
        ("AVA", (None, "ambiguous", ["AVAL", "AVAR"])),
        ("---", (None, "unlabelled", [])),
        ("12", (None, "unlabelled", [])),
        ("merge", (None, "unmapped", [])),
        (["AVAL"], ("AVAL", "labelled", [])),
        ([None, "RIGR"], ("RIGR", "labelled", [])),
        (["OLQVR", "URYVR"], (None, "ambiguous", ["OLQVR", "URYVR"])),
        (["---", "---"], (None, "unlabelled", [])),
        ([], (None, "unlabelled", [])),
    ],
)
def test_label_resolution_never_guesses(raw, expected) -> None:
    label, status, candidates = resolve_label(raw)
    assert (label, status, sorted(candidates)) == (expected[0], expected[1], sorted(expected[2]))


def recording(labels, t=700, dt=0.5, worm="w", study="Kato2015", traces=None) -> RawRecording:
    rng = np.random.default_rng(1)
    data = traces if traces is not None else rng.normal(size=(t, len(labels)))
    return RawRecording(study=study, file="f.mat", worm=worm, traces=data, time=100 + np.arange(t) * dt, labels=labels)


def test_duplicates_short_unlabelled_and_nan_only() -> None:
    nan_column = np.random.default_rng(2).normal(size=(700, 3))
    nan_column[:, 2] = np.nan
    result = homogenize([
        recording(["AVAL", "AVAL", "RIML"], worm="dup"),
        recording(["AVAL"], t=100, worm="short"),
        recording([None, "12"], worm="nolabels"),
        recording(["AVAL", "AVAR", "RIML"], worm="nan", traces=nan_column),
    ], parameters(source="Kato2015"))
    neurons, skipped = result["neurons"], result["skipped"]
    assert set(skipped["worm"]) == {"short", "nolabels"}
    assert skipped.set_index("worm").loc["short", "reason"].startswith("too short: 100 samples")
    assert skipped.set_index("worm").loc["nolabels", "reason"] == "no labelled neuron"
    dup = neurons[neurons["worm"] == "dup"]
    assert dup["label_status"].tolist() == ["duplicate", "duplicate", "labelled"]
    assert dup["canonical_index"].isna().tolist() == [True, True, False]
    nan = neurons[neurons["worm"] == "nan"]
    assert nan["all_nan"].tolist() == [False, False, True] and nan["missing_fraction"].iloc[2] == 1.0
    arrays = result["arrays"][1]
    assert not arrays["mask"][:, 2].any() and arrays["mask"][:, :2].all()
    assert result["stats"]["Kato2015"]["skip_reasons"] == {"too short": 1, "no labelled neuron": 1}
    # z-scored with the stored mean and std: values map back
    row = nan.iloc[0]
    grid, plain = resample(np.arange(700) * 0.5, nan_column[:, :1], 1 / 3)
    assert np.allclose(arrays["traces"][:, 0] * row["std"] + row["mean"], plain[:, 0], atol=1e-5)


def test_unlabelled_recordings_can_be_kept() -> None:
    result = homogenize([recording([None, None])], parameters(source="Kato2015", require_labels=False))
    assert len(result["recordings"]) == 1 and result["neurons"]["canonical_index"].isna().all()


def test_bad_parameters_and_contract() -> None:
    with pytest.raises(InvalidArgumentError, match="Did you mean 'Dag2023'"):
        parameters(source="dag2023")
    with pytest.raises(InvalidArgumentError, match="dt must be a positive"):
        parameters(dt=0)
    with pytest.raises(RawFormatError, match="700 time points but the time vector has 699"):
        RawRecording(study="X", file="f", worm="0", traces=np.zeros((700, 2)), time=np.arange(699.0), labels=[None, None])
    with pytest.raises(RawFormatError, match="2 trace columns but 3 labels"):
        RawRecording(study="X", file="f", worm="0", traces=np.zeros((700, 2)), time=np.arange(700.0), labels=[None] * 3)
