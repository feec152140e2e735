"""agents.history: a run's returns curve in bounded memory, exact block means."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.history import MetricHistory, ReturnHistory

returns = st.lists(
    st.one_of(st.floats(-500, 500, allow_nan=False), st.just(math.nan)), max_size=300
)


def block_means(values, stride):
    """The mean of the finite values of each block of ``stride`` updates (nan if none)."""
    out = []
    for i in range(0, len(values), stride):
        block = [v for v in values[i : i + stride] if math.isfinite(v)]
        out.append(sum(block) / len(block) if block else math.nan)
    return out


@settings(max_examples=200, deadline=None)
@given(returns, st.integers(1, 8))
def test_every_point_is_the_mean_of_its_block_of_updates(values, capacity):
    history = ReturnHistory(capacity)
    for v in values:
        history.append(v)
    points = history.values()
    assert len(points) <= 2 * capacity
    np.testing.assert_allclose(points, block_means(values, history.stride), rtol=1e-9, atol=1e-9)
    assert history.updates == len(values)
    if values:
        assert history.last == values[-1] or (math.isnan(history.last) and math.isnan(values[-1]))


def test_a_short_run_keeps_one_point_per_update():
    history = ReturnHistory(capacity=1000)
    for v in (1.0, 2.0, math.nan, 4.0):
        history.append(v)
    assert history.stride == 1
    np.testing.assert_array_equal(history.values(), [1.0, 2.0, math.nan, 4.0])


def test_a_long_run_stays_within_twice_the_capacity():
    history = ReturnHistory(capacity=100)
    for k in range(100_000):
        history.append(float(k))
    assert history.stride == 512  # 100_000 updates in fewer than 200 points of 2^k updates
    points = history.values()
    assert len(points) == math.ceil(100_000 / 512)
    assert points[0] == pytest.approx(np.mean(np.arange(512)))
    assert points[-1] == pytest.approx(np.mean(np.arange(512 * 195, 100_000)))


def test_capacity_must_be_positive():
    with pytest.raises(ValueError, match="capacity"):
        ReturnHistory(0)


@settings(max_examples=100, deadline=None)
@given(returns, st.integers(1, 8))
def test_metric_history_downsamples_every_metric_like_the_returns(values, capacity):
    """Two metrics recorded together: each point is its block's mean, like ReturnHistory,
    and carries the env steps at the block's end."""
    history, reference = MetricHistory(("a", "b"), capacity), ReturnHistory(capacity)
    for k, v in enumerate(values):
        history.append(100 * (k + 1), {"a": v, "b": -v})
        reference.append(v)
    series = history.series()
    assert series.stride == reference.stride and series.updates == len(values)
    expected = np.array(reference.values(), dtype=np.float64)
    np.testing.assert_allclose(series.series("a"), expected, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(series.series("b"), -expected, rtol=1e-5, atol=1e-3)
    ends = [min(len(values), i + series.stride) for i in range(0, len(values), series.stride)]
    assert list(series.env_steps) == [100 * e for e in ends]
    assert len(series.env_steps) <= 2 * capacity


def test_a_metric_an_algorithm_lacks_stays_nan():
    history = MetricHistory(("loss_value",))
    history.append(10, {})
    assert math.isnan(history.series().series("loss_value")[0])
