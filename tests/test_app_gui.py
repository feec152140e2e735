"""The app driven like a user: pygame events in (clicks, typing, keys), then assertions on
the world, the (fake) trainer and the pixels. SDL's dummy drivers (see conftest.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pygame_gui
import pytest

from gridsim.app.app import App
from gridsim.app.draw import style
from gridsim.app.panels.training import WATCH_PACE
from gridsim.app.testing import click, fake_factory, frames
from gridsim.world import default_world

ROOT = Path(__file__).resolve().parent.parent


def key(app, k, down=True):
    kind = pygame.KEYDOWN if down else pygame.KEYUP
    pygame.event.post(pygame.event.Event(kind, key=k, mod=0, unicode="", scancode=0))
    app.frame()


def type_into(app, entry, text):
    click(app, entry.rect.center)
    for _ in range(len(entry.get_text()) + 2):
        key(app, pygame.K_END)
        key(app, pygame.K_BACKSPACE)
    pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=text))
    app.frame()
    key(app, pygame.K_RETURN)
    frames(app)


def cell_point(scene, state):
    """A point of a cell that no arrow, label, value or path covers."""
    r = scene.geo.cell_rect(state)
    return (r.x + int(r.width * 0.1), r.y + int(r.height * 0.35))


def test_window_opens_on_the_gridworld_with_the_tutorial_world(app):
    assert app.current == "gridworld"
    assert app.scene.world == default_world()
    assert app.screen.get_size() == (1280, 800)


def test_clicking_a_cell_with_the_forbidden_tool_paints_it_red(app):
    scene = app.scene
    before = app.screen.get_at(cell_point(scene, 4))[:3]
    assert before == style.CELL
    click(app, scene.geo.center(4))
    assert 4 in scene.world.forbidden
    assert app.screen.get_at(cell_point(scene, 4))[:3] == style.FORBIDDEN


def test_the_target_tool_then_a_click_makes_a_green_cell(app):
    scene = app.scene
    click(app, scene.tool_buttons["target"].rect.center)
    assert scene.tool == "target"
    click(app, scene.geo.center(0))
    assert 0 in scene.world.targets
    assert app.screen.get_at(cell_point(scene, 0))[:3] == style.TARGET


def test_removing_the_last_target_shows_a_message_and_keeps_the_world(app):
    scene = app.scene
    click(app, scene.tool_buttons["clear"].rect.center)
    click(app, scene.geo.center(8))
    assert scene.world == default_world()
    assert scene.message_color == style.ERROR and "target" in scene.message


def test_typing_a_reward_changes_the_world(app):
    scene = app.scene
    type_into(app, scene.fields["r_forbidden"], "-10")
    assert scene.world.rewards.forbidden == -10


@pytest.mark.parametrize("text", ["1", "abc"])
def test_invalid_gamma_is_refused_and_the_old_value_kept(app, text):
    scene = app.scene
    type_into(app, scene.fields["gamma"], text)
    assert scene.world.gamma == 0.9
    assert scene.fields["gamma"].get_text() == "0.9"
    assert scene.message_color == style.ERROR and "gamma" in scene.message


def test_changing_the_grid_size_rebuilds_the_board(app):
    scene = app.scene
    scene.rows_menu.selected_option = ("5", "5")
    pygame.event.post(
        pygame.event.Event(
            pygame_gui.UI_DROP_DOWN_MENU_CHANGED,
            text="5",
            selected_option_id="5",
            ui_element=scene.rows_menu,
        )
    )
    frames(app)
    assert scene.world.shape == (5, 3) and len(scene.hand_actions) == 15
    assert scene.geo.rows == 5


def test_run_trains_and_the_arrows_follow_the_trainer(app, made):
    scene = app.scene
    click(app, scene.panel.run.rect.center)
    # at the watching pace, three updates a second
    assert len(made) == 1 and made[0].calls[:2] == [("set_delay", WATCH_PACE), ("start",)]
    frames(app, 20)
    pi, _, source = scene.shown_policy()
    assert source == "trainer" and pi[0].max() > 0.5
    assert scene.panel.snapshot.update >= 10


def test_world_edits_while_training_keep_the_policy_and_a_new_size_starts_over(app, made):
    scene = app.scene
    click(app, scene.panel.run.rect.center)
    frames(app, 3)
    type_into(app, scene.fields["r_target"], "2")
    assert made[0].calls[-1][0] == "set_world" and made[0].calls[-1][2] is True
    assert made[0].world.rewards.target == 2
    click(app, scene.geo.center(4))
    assert 4 in made[0].world.forbidden
    scene.set_world(default_world().with_changes(rows=4), keep_policy=True)
    assert made[0].calls[-1][2] is False


def test_exact_overlays_update_at_once_after_an_edit(app):
    scene = app.scene
    click(app, scene.v_star_box.rect.center)
    assert scene.overlays.v_star
    v_before = scene.exact.optimal(scene.world).v.copy()
    type_into(app, scene.fields["r_target"], "5")
    v_after = scene.exact.optimal(scene.world).v
    assert v_after[8] > v_before[8]
    assert scene._board_key[0] == scene.world


def test_hand_policy_click_sets_an_action_and_v_pi_follows(app):
    scene = app.scene
    click(app, scene.hand_box.rect.center)
    assert scene.hand_mode
    r = scene.geo.cell_rect(0)
    click(app, (r.right - 4, r.centery))  # the right side of s1: a2
    assert scene.hand_actions[0] == 1
    pi, key, source = scene.shown_policy()
    assert source == "hand" and pi[0, 1] == 1
    v = scene.exact.policy(scene.world, key, pi).v
    # s1 -a2-> s2 -a5 stays: -> 0 forever
    assert v[0] == pytest.approx(0.0)


def test_a_trainer_failure_is_a_status_line(made):
    a = App(factory=fake_factory(made, fail_at=2))
    try:
        a.frame()
        click(a, a.scene.panel.run.rect.center)
        frames(a, 4)
        lines = a.scene.panel.status_lines()
        assert any("nan" in text and color == style.ERROR for text, color in lines)
        assert a.running
    finally:
        a.close()


def test_a_bad_layout_file_shows_a_message(app, tmp_path):
    scene = app.scene
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rows": 3, "cols": 3, "gamma": 2}))
    click(app, scene.open_button.rect.center)
    assert scene._dialog is not None
    pygame.event.post(
        pygame.event.Event(
            pygame_gui.UI_FILE_DIALOG_PATH_PICKED, text=str(bad), ui_element=scene._dialog
        )
    )
    frames(app)
    assert scene.world == default_world()
    assert scene.message_color == style.ERROR and "gamma" in scene.message


def test_saving_writes_a_loadable_layout(app, tmp_path):
    from gridsim.layout import load_layout

    scene = app.scene
    click(app, scene.geo.center(4))
    path = tmp_path / "mine.json"
    assert scene.save_layout(path)
    assert load_layout(path) == scene.world
    assert [p.name for p in tmp_path.iterdir()] == ["mine.json"]


def test_cartpole_tab_and_playing_with_the_arrow_keys(app, made):
    click(app, app.tabs["cartpole"].rect.center)
    assert app.current == "cartpole"
    scene = app.scene
    key(app, pygame.K_RIGHT)
    assert scene.play
    frames(app, 10)
    assert scene.display.steps + (scene.display.episode - 1) > 0
    assert scene.display.obs[1] > 0  # pushed right: the cart moves right
    key(app, pygame.K_RIGHT, down=False)


def test_cartpole_run_uses_the_snapshot_policy(app, made):
    click(app, app.tabs["cartpole"].rect.center)
    click(app, app.scene.panel.run.rect.center)
    frames(app, 5)
    assert made[-1].env == "cartpole"
    probs = app.scene.probs
    assert probs.shape == (2,) and abs(probs.sum() - 1) < 1e-9


def test_switching_tabs_pauses_the_other_scenes_training(app, made):
    click(app, app.scene.panel.run.rect.center)
    click(app, app.tabs["cartpole"].rect.center)
    assert made[0].status == "paused"


def test_closing_the_window_stops_training(app, made):
    click(app, app.scene.panel.run.rect.center)
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    assert app.frame() is False
    app.close()
    assert made[0].stopped


def test_the_app_is_usable_at_1024x700(made):
    a = App((1024, 700), factory=fake_factory(made))
    try:
        a.frame()
        scene = a.scene
        assert scene.geo.rect.width >= 240
        assert scene.geo.rect.right <= 1024 - 380 and scene.geo.rect.bottom <= 700 - 90
        click(a, scene.geo.center(4))
        assert 4 in scene.world.forbidden
    finally:
        a.close()


def test_headless_command_saves_a_screenshot(tmp_path):
    shot = tmp_path / "shot.png"
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    cmd = [sys.executable, "-m", "gridsim.commands.gui", "--headless", "--frames", "3"]
    cmd += ["--scene", "cartpole", "--screenshot", str(shot)]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert pygame.image.load(str(shot)).get_size() == (1280, 800)


def test_headless_command_refuses_a_bad_layout(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    cmd = [sys.executable, "-m", "gridsim.commands.gui", "--headless", "--layout", str(bad)]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "bad.json" in result.stderr


def test_long_sums_are_cut_to_one_line_keeping_the_total(app):
    from gridsim.app.scenes.gridworld import fit_sum

    long = "return = " + " + ".join(["1"] * 40) + " = 40"
    short = fit_sum(long, 14, 300)
    assert short.endswith("+ … = 40") and style.font(14).size(short)[0] <= 300
    assert fit_sum("return = 0 + 0 + 0 + 1 = 1", 14, 300) == "return = 0 + 0 + 0 + 1 = 1"


def test_the_demos_tab_lists_the_demos_and_a_click_loads_one(app):
    click(app, app.tabs["demos"].rect.center)
    assert app.current == "demos"
    click(app, app.scene.buttons["trajectory"].rect.center)
    assert app.scene.demo.key == "trajectory"


def test_the_language_switch_relabels_widgets_and_is_remembered(made, tmp_path, monkeypatch):
    from gridsim.app import i18n
    from gridsim.settings import load_settings

    monkeypatch.setenv("GRIDSIM_CONFIG", str(tmp_path / "settings.json"))
    a = App(factory=fake_factory(made), lang="en")
    try:
        a.frame()
        tab = a.tabs["gridworld"]
        click(a, a.language_buttons["zh"].rect.center)
        assert i18n.language() == "zh" and load_settings().language == "zh"
        assert tab.drawable_shape.theming["text"] == "网格世界"
        assert a.scene.panel.run.drawable_shape.theming["text"] == "运行"
    finally:
        a.close()
    b = App(factory=fake_factory(made))  # the next run opens in Chinese
    try:
        assert b.language == "zh" and i18n.language() == "zh"
        click(b, b.language_buttons["en"].rect.center)
        assert b.tabs["gridworld"].drawable_shape.theming["text"] == "Gridworld"
    finally:
        b.close()
    assert load_settings().language == "en"


def test_choosing_an_algorithm_from_code_updates_the_drop_down_and_the_trainer(app, made):
    panel = app.scene.panel
    panel.choose_algo("vpg")
    frames(app)
    assert panel.algo.selected_option[0] == "vpg"
    panel.controller.run()
    frames(app)
    assert made[-1].algo == "vpg"


def press(app, k, mod=0):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="", scancode=0))
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=k, mod=mod, unicode="", scancode=0))
    frames(app)


def test_space_runs_and_pauses_and_s_steps_like_the_buttons(app, made):
    scene = app.scene
    click(app, scene.hand_box.rect.center)
    press(app, pygame.K_SPACE)
    assert ("start",) in made[0].calls and not scene.hand_mode  # as a click on Run
    press(app, pygame.K_SPACE)
    assert made[0].status == "paused"
    press(app, pygame.K_s)
    assert made[0].calls[-1] == ("step_once",)
    press(app, pygame.K_r, pygame.KMOD_LCTRL)
    assert made[0].calls[-1] == ("reset",)


def test_shortcut_keys_typed_into_a_box_stay_in_the_box(app, made):
    entry = app.scene.fields["r_other"]
    click(app, entry.rect.center)
    press(app, pygame.K_SPACE)
    press(app, pygame.K_s)
    assert made == [] and app.typing()


def test_ctrl_keys_switch_tabs_open_the_layout_dialog_and_quit(app):
    press(app, pygame.K_2, pygame.KMOD_LCTRL)
    assert app.current == "cartpole"
    press(app, pygame.K_1, pygame.KMOD_LCTRL)
    press(app, pygame.K_o, pygame.KMOD_LCTRL)
    assert app.scene._dialog is not None and app.scene._dialog_kind == "open"
    app.scene._dialog.kill()
    app.scene._dialog = None
    press(app, pygame.K_3, pygame.KMOD_LCTRL)
    press(app, pygame.K_SPACE)  # a demo with nothing to train: nothing happens
    assert app.current == "demos" and app.running
    pygame.event.post(
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=pygame.KMOD_LCTRL, unicode="")
    )
    assert app.frame() is False


def test_the_trajectory_is_resampled_when_the_arrows_change_hands(app, made):
    scene = app.scene
    assert scene.traj is not None and scene.traj_source == "uniform"
    click(app, scene.panel.run.rect.center)
    frames(app, 3)
    assert scene.traj_source == "trainer"  # not a random walk beside trained arrows
    click(app, scene.hand_box.rect.center)
    frames(app)
    assert scene.traj_source == "hand"
    pi, _, _ = scene.shown_policy()
    taken = [int(a) for a in scene.traj.actions]
    assert all(pi[s, a] == 1 for s, a in zip(scene.traj.states, taken, strict=False))


def test_a_long_trajectory_is_drawn_within_five_seconds(app):
    from gridsim.app.scenes.gridworld import MAX_ANIMATION_SECONDS

    scene = app.scene
    scene.set_world(default_world().with_changes(horizon=40), keep_policy=True)
    frames(app)
    assert len(scene.traj) == 40
    assert scene.anim.steps_per_second * MAX_ANIMATION_SECONDS >= len(scene.traj)


def test_a_trajectory_the_trained_policy_would_no_longer_take_is_replaced(app, made):
    scene = app.scene
    click(app, scene.panel.run.rect.center)
    frames(app, 2)
    early = scene.traj  # sampled from an almost uniform policy
    frames(app, 30)  # the fake trainer converges to the optimal arrows in ~20 updates
    pi, _, _ = scene.shown_policy()
    assert scene.traj is not early
    taken = pi[scene.traj.states[:-1], scene.traj.actions]
    assert taken.min() > 0.5  # the path drawn is one the arrows now take


def test_still_likely_compares_each_step_with_its_probability_when_sampled():
    from gridsim.app.scenes.gridworld import still_likely
    from gridsim.trajectory import follow_actions

    traj = follow_actions(default_world(), 0, [1, 2])  # s1 -a2-> s2 -a3-> s5
    then = np.array([0.4, 0.4])
    pi = np.full((9, 5), 0.2)
    assert still_likely(traj, then, pi)  # 0.2 >= 0.25 * 0.4
    pi[1] = [0.0, 0.0, 0.05, 0.95, 0.0]  # at s2, a3 is now 0.05 < 0.1
    assert not still_likely(traj, then, pi)


def test_the_status_line_counts_optimal_states_and_the_board_hatches_the_others(app, made):
    scene = app.scene
    click(app, scene.panel.step.rect.center)
    click(app, scene.panel.step.rect.center)  # the fake's second update reaches s8 too
    frames(app, 2)
    progress = scene.panel.snapshot.progress
    assert 0 < progress.optimal_states < 9
    lines = [text for text, _ in scene.panel.status_lines()]
    assert f"optimal in {progress.optimal_states} / 9 states · value gap" in "\n".join(lines)
    assert scene.not_optimal_states() == progress.non_optimal

    def amber_pixels(state):
        # the board as drawn under the trajectory (at the origin of its own surface)
        rect = scene.geo.cell_rect(state).move(-scene.geo.x, -scene.geo.y).inflate(-6, -6)
        pixels = pygame.surfarray.array3d(scene.board_picture().base.subsurface(rect))
        # the hatching tints white towards amber: red stays high, blue drops
        return int(np.sum((pixels[..., 0] > 230) & (pixels[..., 2] < 215)))

    assert 7 not in progress.non_optimal and 1 in progress.non_optimal
    assert amber_pixels(1) > 20 and amber_pixels(7) == 0  # s2 hatched, s8 not
    click(app, scene.panel.run.rect.center)
    frames(app, 12)
    lines = [text for text, _ in scene.panel.status_lines()]
    assert "optimal in 9 / 9 states" in lines and scene.not_optimal_states() == ()
