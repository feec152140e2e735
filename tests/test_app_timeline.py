"""The timeline under the plot: hold it at a past update and the board shows the policy,
V^π and a trajectory as they were then; let go and it is live again. On CartPole the
display pole runs the policy of that moment. A fake trainer keeps the history."""

import numpy as np
import pygame
import pytest

from gridsim.app.app import App
from gridsim.app.testing import fake_factory, frames
from gridsim.solvers import policy_value


def make_app(made, scene="gridworld", size=(1280, 800)):
    app = App(size=size, scene=scene, factory=fake_factory(made))
    app.frame()
    return app


def train(app, updates):
    for _ in range(updates):
        app.scene.controller.step()
        app.frame()


def mouse(app, kind, pos):
    if kind == pygame.MOUSEMOTION:
        event = pygame.event.Event(kind, pos=pos, rel=(0, 0), buttons=(1, 0, 0))
    else:
        event = pygame.event.Event(kind, pos=pos, button=1)
    pygame.event.post(event)
    app.frame()


def test_holding_the_timeline_at_update_3_shows_that_update(made):
    app = make_app(made)
    try:
        scene = app.scene
        train(app, 12)
        timeline = scene.panel.timeline
        trainer = made[-1]
        x = round(timeline.x_of(3, 12))
        mouse(app, pygame.MOUSEBUTTONDOWN, (x, timeline.rect.y + 8))
        frames(app)
        pi, key, source = scene.shown_policy()
        assert source == "past" and key[-1] == 3
        then = trainer.policies.at(3).pi.astype(float)
        np.testing.assert_allclose(pi, then / then.sum(axis=1, keepdims=True))
        values = scene.exact.policy(scene.world, key, pi).v  # V^π of that update
        np.testing.assert_allclose(values, policy_value(scene.world, pi))
        assert not np.allclose(pi, trainer.latest().pi)  # not the live policy
        assert np.allclose(scene.traj_probs, pi[scene.traj.states[:-1], scene.traj.actions])
        mouse(app, pygame.MOUSEMOTION, (round(timeline.x_of(7, 12)), timeline.rect.y + 8))
        frames(app)
        assert scene.shown_policy()[1][-1] == 7
        mouse(app, pygame.MOUSEBUTTONUP, (x, timeline.rect.y + 8))
        assert scene.shown_policy()[2] == "trainer"
        assert trainer.calls[-1] == ("show_update", None)
    finally:
        app.close()


def test_a_press_outside_the_track_does_not_scrub(made):
    app = make_app(made)
    try:
        train(app, 5)
        timeline = app.scene.panel.timeline
        mouse(app, pygame.MOUSEBUTTONDOWN, (timeline.rect.x + 10, timeline.rect.y - 60))
        assert not timeline.scrubbing and app.scene.shown_policy()[2] == "trainer"
    finally:
        app.close()


def test_on_cartpole_the_display_pole_runs_the_past_policy(made):
    app = make_app(made, scene="cartpole")
    try:
        scene = app.scene
        train(app, 6)
        timeline = scene.panel.timeline
        mouse(app, pygame.MOUSEBUTTONDOWN, (round(timeline.x_of(2, 6)), timeline.rect.y + 8))
        frames(app)
        then = made[-1].policies.at(2).weights
        for a, b in zip(scene.weights(), then, strict=True):
            np.testing.assert_array_equal(a, b)
        mouse(app, pygame.MOUSEBUTTONUP, (0, 0))
        for a, b in zip(scene.weights(), made[-1].weights, strict=True):
            np.testing.assert_array_equal(a, b)
    finally:
        app.close()


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800)])
def test_the_timeline_fits_under_the_plot(made, size):
    app = make_app(made, size=size)
    try:
        train(app, 3)
        panel = app.scene.panel
        track, plot = panel.timeline.rect, panel.plot_rect
        assert track.top >= plot.bottom and track.bottom <= size[1]
        assert plot.left <= panel.timeline.axis[0] < panel.timeline.axis[1] <= plot.right
    finally:
        app.close()


def test_the_not_yet_optimal_marks_are_those_of_the_update_shown(made):
    from gridsim.progress import ProgressTracker

    app = make_app(made)
    try:
        scene = app.scene
        train(app, 12)
        timeline = scene.panel.timeline
        mouse(app, pygame.MOUSEBUTTONDOWN, (round(timeline.x_of(1, 12)), timeline.rect.y + 8))
        frames(app)
        pi, key, source = scene.shown_policy()
        then = ProgressTracker(scene.world).measure(pi).non_optimal
        assert source == "past" and then  # after one update most states are not optimal yet
        assert scene._past_progress(pi, key) == then
        assert then != scene.not_optimal_states()  # the live policy's marks differ
    finally:
        app.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_cartpole_caption_of_a_past_update_stays_in_its_column(made, lang):
    """'The policy after update 12345, at real time (let go: live)' is 420 px of bold text;
    the pole's column at 1024x700 has about 340: the short caption is shown there."""
    from gridsim.app import language
    from gridsim.app.draw import style
    from gridsim.app.i18n import t
    from gridsim.app.scenes.cartpole import fitting

    long_fits = {}
    widths = {}
    for size in ((1024, 700), (1280, 800)):
        app = make_app(made, scene="cartpole", size=size)
        widths[size] = app.scene.pole_rect.width
        app.close()
    try:
        language.set_language(lang, remember=False)
        for size, width in widths.items():
            for keys in (
                (
                    "The policy after update {u}, at real time (let go: live)",
                    "Update {u}'s policy (let go: live)",
                ),
                (
                    "You are playing: the left and right arrow keys push the cart",
                    "Playing: the arrow keys push the cart",
                ),
            ):
                captions = tuple(t(k, u=12345) if "{u}" in k else t(k) for k in keys)
                shown = fitting(captions, 15, width)
                assert style.text(shown, 15, bold=True).get_width() <= width, (size, shown)
                long_fits[size, keys[0]] = shown == captions[0]
    finally:
        language.set_language("en", remember=False)
    assert all(fits for (size, _), fits in long_fits.items() if size == (1280, 800))
    if lang == "en":  # the column at 1024 is too narrow for the long English ones
        assert not any(fits for (size, _), fits in long_fits.items() if size == (1024, 700))
