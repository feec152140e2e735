"""The returns plot's arithmetic: round grid lines, moving averages, gaps in the curve."""

import math

import numpy as np
import pygame
from hypothesis import given, settings
from hypothesis import strategies as st

from gridsim.app.draw import style
from gridsim.app.draw.plot import (
    draw_returns_plot,
    forward_filled,
    moving_average,
    nice_range,
    nice_ticks,
    tick_labels,
)

values = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(values, values)
def test_grid_lines_are_round_evenly_spaced_and_inside_the_axis(a, b):
    lo, hi = nice_range(min(a, b), max(a, b))
    ticks = nice_ticks(lo, hi)
    assert 2 <= len(ticks) <= 7
    assert ticks[0] >= lo - 1e-9 * abs(lo) and ticks[-1] <= hi + 1e-9 * abs(hi)
    steps = np.diff(ticks)
    np.testing.assert_allclose(steps, steps[0], rtol=1e-9)
    mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]) + 1e-12)
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-6
    labels = tick_labels(ticks)
    assert len(set(labels)) == len(labels) and "-0" not in labels


def test_the_tutorial_worlds_plot_has_labels_like_a_person_would_write():
    lo, hi = nice_range(-1.5, 18.8)
    assert tick_labels(nice_ticks(lo, hi)) == ["0", "5", "10", "15", "20"]


def test_moving_average_is_a_trailing_mean():
    np.testing.assert_allclose(moving_average([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])


def test_updates_without_a_finished_episode_keep_the_value_before():
    out = forward_filled(np.array([np.nan, 1.0, np.nan, 3.0]))
    np.testing.assert_array_equal(out, [1.0, 1.0, 3.0])


def test_a_long_run_says_how_many_updates_each_point_covers():
    pygame.font.init()
    surface = pygame.Surface((360, 300))
    rect = surface.get_rect()
    draw_returns_plot(surface, rect, [1.0, 2.0], stride=1, updates=2)
    per_update = pygame.image.tobytes(surface, "RGB")
    draw_returns_plot(surface, rect, [1.0, 2.0], stride=64, updates=128)
    assert pygame.image.tobytes(surface, "RGB") != per_update  # legend and count differ
    legend = style.text("light: per 64 updates · dark: average of 640", 11, style.MUTED)
    assert legend.get_width() < rect.width
