"""A pace a person can follow: the speed control driven by posted events, the status line,
the plot selector, and a second choice of the same algorithm (fake trainers, no torch)."""

from functools import partial

import pygame
import pygame_gui
import pytest

from gridsim.app import testing
from gridsim.app.app import App
from gridsim.app.i18n import t
from gridsim.app.panels.training import FULL_SPEED, PACES, WATCH_PACE
from gridsim.app.testing import fake_factory, frames

# three frames after each click: the button's press, then the slider's move, arrive a frame apart
click = partial(testing.click, settle=3)


def delays(trainer):
    return [c[1] for c in trainer.calls if c[0] == "set_delay"]


def test_the_gridworld_and_its_training_demo_start_at_a_watching_pace(app):
    assert app.scene.controller.settings.delay == WATCH_PACE == 1 / 3
    assert app.scene.panel.speed_label.text == "pace: 3 updates/s"
    app.switch("demos")
    view = app.scene.load("7")
    assert view.controller.settings.delay == WATCH_PACE
    assert app.scenes["cartpole"].controller.settings.delay == FULL_SPEED


def test_the_sliders_arrow_and_track_move_one_pace_at_a_time(app, made):
    panel = app.scene.panel
    click(app, panel.run.rect.center)
    start = PACES.index(WATCH_PACE)
    click(app, panel.speed.right_button.rect.center)
    assert panel.controller.settings.delay == PACES[start + 1]
    assert delays(made[0])[-1] == PACES[start + 1]
    track = panel.speed.rect
    click(app, (track.right - 24, track.centery))  # right of the thumb, on the track
    assert panel.controller.settings.delay == PACES[start + 2]
    click(app, (track.left + 24, track.centery))
    click(app, panel.speed.left_button.rect.center)
    assert panel.controller.settings.delay == PACES[start]
    assert panel.speed_label.text == "pace: 3 updates/s"


def test_full_speed_is_one_click_away_and_one_click_back(app, made):
    panel = app.scene.panel
    click(app, panel.run.rect.center)
    click(app, panel.full_speed.rect.center)
    assert panel.controller.settings.delay == 0.0 and delays(made[0])[-1] == 0.0
    assert panel.speed.get_current_value() == len(PACES) - 1
    assert panel.speed_label.text == "pace: full speed"
    click(app, panel.full_speed.rect.center)
    assert panel.controller.settings.delay == WATCH_PACE


def test_the_status_line_after_step_and_a_language_switch_agrees_with_itself(app):
    panel = app.scene.panel
    click(app, panel.step.rect.center)
    frames(app)
    text = " ".join(line for line, _ in panel.status_lines())
    assert text.startswith("paused · update 1") and "running" not in text
    assert "steps/s" not in text  # paused: no rate
    click(app, app.language_buttons["zh"].rect.center)
    try:
        text = " ".join(line for line, _ in panel.status_lines())
        assert text.startswith(t("paused")) and "running" not in text and "运行中" not in text
        assert panel.speed_label.text == t("pace: {n} updates/s", n="3")
    finally:
        click(app, app.language_buttons["en"].rect.center)


def test_choosing_the_algorithm_already_chosen_keeps_the_run(app, made):
    panel = app.scene.panel
    click(app, panel.run.rect.center)
    frames(app, 5)
    before = panel.snapshot.update
    pygame.event.post(
        pygame.event.Event(
            pygame_gui.UI_DROP_DOWN_MENU_CHANGED, ui_element=panel.algo, text="reinforce"
        )
    )
    frames(app, 3)
    assert len(made) == 1 and not made[0].stopped
    assert panel.snapshot.update > before
    pygame.event.post(
        pygame.event.Event(pygame_gui.UI_DROP_DOWN_MENU_CHANGED, ui_element=panel.algo, text="ppo")
    )
    frames(app)
    assert made[0].stopped  # another algorithm does start over


def test_solved_stops_in_both_scenes_alike(app):
    grid, cart = app.scenes["gridworld"], app.scenes["cartpole"]
    assert grid.controller.settings.stop_when_solved and cart.controller.settings.stop_when_solved


@pytest.mark.parametrize("metric", ["entropy", "kl_prev", "loss_policy"])
def test_the_plot_selector_shows_another_metric_against_env_steps(app, metric):
    panel = app.scene.panel
    click(app, panel.run.rect.center)
    frames(app, 6)
    for menu, option in ((panel.metric_menu, metric), (panel.x_menu, "env_steps")):
        pygame.event.post(
            pygame.event.Event(
                pygame_gui.UI_DROP_DOWN_MENU_CHANGED, ui_element=menu, selected_option_id=option
            )
        )
    frames(app)
    series = panel.plot_series()
    metrics = panel.snapshot.inspection.metrics
    assert list(series["values"]) == list(metrics.series(metric))
    assert list(series["x"]) == list(metrics.env_steps)


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800)])
def test_the_metric_menu_opens_with_every_option_in_view_and_a_click_picks_one(size, made):
    """The menus sit on the column's last row: a list opening downwards was cut to one row."""
    app = App(size=size, factory=fake_factory(made), remember=False)
    try:
        panel = app.scene.panel
        frames(app)
        click(app, panel.metric_menu.rect.center)
        options = panel.metric_menu.current_state.options_selection_list
        rows = [item for item in options.item_list if item["button_element"] is not None]
        assert len(rows) == len(options.item_list) == 8  # all of them, none scrolled away
        clip = panel.metric_menu.ui_container.get_rect()
        assert all(clip.contains(item["button_element"].rect) for item in rows)
        entropy = next(item for item in rows if item["text"] == "entropy")
        click(app, entropy["button_element"].rect.center)
        frames(app, 3)  # button, list, menu: each says so a frame later
        assert panel.plot_metric == "entropy" and panel.metric_menu.selected_option[0] == "entropy"
    finally:
        app.close()
