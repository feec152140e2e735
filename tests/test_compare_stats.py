"""IQM and stratified-bootstrap intervals on numbers that can be checked by hand."""

import numpy as np
import pytest

from gridsim.compare.stats import curve_band, iqm, iqm_estimate


def test_iqm_of_eight_runs_is_the_mean_of_the_middle_four():
    assert iqm([1, 2, 3, 4, 5, 6, 7, 8]) == 4.5  # (3 + 4 + 5 + 6) / 4


def test_one_wild_run_does_not_move_the_iqm():
    assert iqm([1, 2, 3, 4, 5, 6, 7, 1000]) == 4.5
    assert np.mean([1, 2, 3, 4, 5, 6, 7, 1000]) > 100


def test_ten_runs_lose_two_at_each_end_like_scipy_trim_mean():
    # floor(10 / 4) = 2 cut from each end: the mean of the middle six
    assert iqm([9, 0, 1, 2, 3, 4, 5, 6, 7, 8]) == pytest.approx((2 + 3 + 4 + 5 + 6 + 7) / 6)


def test_up_to_three_runs_the_iqm_is_the_plain_mean():
    assert iqm([3]) == 3 and iqm([1, 2]) == 1.5 and iqm([1, 2, 6]) == 3


def test_nan_runs_are_left_out_and_nothing_left_is_nan():
    assert iqm([np.nan, 1, 2, 3, 4]) == 2.5  # the IQM of 1, 2, 3, 4
    assert np.isnan(iqm([])) and np.isnan(iqm([np.nan]))


def test_the_interval_of_identical_runs_is_a_single_point():
    e = iqm_estimate([7.0] * 10)
    assert (e.value, e.low, e.high, e.n) == (7.0, 7.0, 7.0, 10)


def test_two_runs_0_and_10_resample_to_0_5_or_10_with_probability_one_quarter_half_quarter():
    # resamples: {0,0} -> 0, {0,10} or {10,0} -> 5, {10,10} -> 10; P(0) = 1/4 > 2.5%,
    # so the 95% interval runs from 0 to 10
    e = iqm_estimate([0.0, 10.0])
    assert (e.value, e.low, e.high) == (5.0, 0.0, 10.0)


def test_stratified_resampling_keeps_every_task_in_every_resample():
    # task A always scores 0, task B always 10: each resample holds four of each, whose IQM
    # is always 5; pooling the eight scores and resampling them would wander from 0 to 10
    scores = np.array([[0.0, 10.0]] * 4)  # [runs, tasks]
    e = iqm_estimate(scores)
    assert (e.value, e.low, e.high) == (5.0, 5.0, 5.0)
    pooled = iqm_estimate(scores.reshape(-1))
    assert pooled.low < 5 < pooled.high


def test_the_interval_holds_the_estimate_and_narrows_with_more_runs():
    rng = np.random.default_rng(3)
    few, many = iqm_estimate(rng.normal(size=5)), iqm_estimate(rng.normal(size=80))
    for e in (few, many):
        assert e.low <= e.value <= e.high
    assert many.high - many.low < (few.high - few.low) / 2


def test_failed_runs_nan_are_dropped_from_an_estimate():
    e = iqm_estimate([1.0, np.nan, 1.0])
    assert (e.value, e.n) == (1.0, 2)
    assert iqm_estimate([]).n == 0


def test_curve_band_resamples_whole_runs_and_counts_runs_per_point():
    curves = np.array([[0.0, 1.0, np.nan], [0.0, 3.0, 5.0]])
    line, low, high, n = curve_band(curves)
    assert line.tolist() == [0.0, 2.0, 5.0] and n.tolist() == [2, 2, 1]
    assert (low[0], high[0]) == (0.0, 0.0)  # identical there
    assert (low[1], high[1]) == (1.0, 3.0)  # resamples {1,1}, {1,3}, {3,3}
    assert (low[2], high[2]) == (5.0, 5.0)


def test_the_same_runs_always_give_the_same_interval():
    x = np.random.default_rng(0).normal(size=(10, 4))
    assert curve_band(x)[1].tolist() == curve_band(x)[1].tolist()
    assert iqm_estimate(x[:, 0]) == iqm_estimate(x[:, 0])


def test_resampling_by_counts_gives_exactly_the_iqm_of_each_resample():
    from gridsim.compare.stats import resampled_iqms

    rng = np.random.default_rng(5)
    curves = rng.normal(size=(7, 30))
    curves[2, 10:] = np.nan  # a run still going
    curves[:, :3] = np.nan  # no run there yet
    curves[0, 20:] = curves[1, 20:]  # ties
    idx = rng.integers(7, size=(200, 7))
    fast, slow = resampled_iqms(curves, idx), iqm(curves[idx], axis=1)
    assert np.array_equal(np.isnan(fast), np.isnan(slow))
    assert np.allclose(fast[~np.isnan(fast)], slow[~np.isnan(slow)], rtol=0, atol=1e-12)
