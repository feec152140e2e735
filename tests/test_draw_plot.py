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


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 10**7), st.integers(120, 900))
def test_x_ticks_are_round_counts_that_fit_the_axis(lo, span, width):
    from gridsim.app.draw.plot import X_TICK_SPACING, x_tick_labels, x_ticks

    hi = lo + span
    ticks = x_ticks(lo, hi, width)
    assert 1 <= len(ticks) <= max(2, width // X_TICK_SPACING)
    assert ticks[0] >= lo and ticks[-1] <= hi
    assert np.allclose(ticks, np.round(ticks))  # updates and steps are whole numbers
    labels = x_tick_labels(ticks)
    assert len(set(labels)) == len(labels) and all(len(s) <= 8 for s in labels)


def test_x_tick_labels_read_like_a_person_would_write_them():
    from gridsim.app.draw.plot import x_tick_labels, x_ticks

    assert x_tick_labels(x_ticks(0, 200, 360)) == ["0", "50", "100", "150", "200"]
    assert x_tick_labels(x_ticks(0, 2_000_000, 360))[:3] == ["0", "500k", "1M"]
    assert x_tick_labels([10_000, 10_001]) == ["10000", "10001"]


def test_the_returns_plot_draws_labelled_x_ticks_that_do_not_overlap():
    from gridsim.app.draw.plot import draw_x_ticks

    pygame.font.init()
    surface = pygame.Surface((400, 300))
    plot = pygame.Rect(46, 24, 340, 240)
    for hi in (1, 7, 60, 999, 12345, 3_000_000):
        boxes = draw_x_ticks(surface, plot, 0, hi)
        assert boxes
        assert all(a.right <= b.left for a, b in zip(boxes, boxes[1:], strict=False))
        assert all(b.top >= plot.bottom for b in boxes)


def test_no_label_of_the_plot_touches_another_not_even_the_top_tick_and_the_title(monkeypatch):
    """A curve whose top is a round tick puts that tick at the axis' top edge, under the
    title (seen: approx KL 0.011 in the ratios view, Chinese)."""
    pygame.font.init()
    drawn = []
    blit = style.blit_text

    def recording(*args, **kwargs):
        drawn.append(blit(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(style, "blit_text", recording)
    for height in (120, 180, 260):
        surface = pygame.Surface((560, height))
        for series in ([0.0105, 0.0058, 0.0046], [-30.0, -20.0, 0.0], [0.0, 0.5, 1.0]):
            drawn.clear()
            draw_returns_plot(surface, surface.get_rect(), series, title="approx KL")
            assert len(drawn) >= 4
            for i, a in enumerate(drawn):
                for b in drawn[i + 1 :]:
                    assert not a.colliderect(b), (height, series, a, b)
