"""Each demo headless: it loads, runs frames, and shows what its caption claims."""

import numpy as np
import pygame
import pygame_gui
import pytest

from gridsim.app import language
from gridsim.app.scenes.demos import DemosScene
from gridsim.app.testing import fake_factory
from gridsim.demos import DEMOS
from gridsim.world import state_name

SIZE = (1280, 800)


@pytest.fixture(scope="module")
def manager():
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode(SIZE)
    m = pygame_gui.UIManager(SIZE, str(language.THEME))
    language.add_cjk_fonts(m)
    yield m
    language.set_language("en", m, remember=False)


@pytest.fixture
def scene(manager):
    language.set_language("en", manager, remember=False)
    s = DemosScene(manager, SIZE, factory=fake_factory())
    yield s
    s.close()


def run(scene, manager, frames=10, dt=1 / 30):
    surface = pygame.Surface(SIZE)
    for _ in range(frames):
        manager.update(dt)
        scene.update(dt)
        scene.draw(surface)
        manager.draw_ui(surface)
    return surface


@pytest.mark.parametrize("key", [d.key for d in DEMOS])
def test_every_demo_loads_and_runs_frames(scene, manager, key):
    scene.load(key)
    run(scene, manager, 8)
    assert scene.demo.key == key
    assert 2 <= len(scene.caption_lines()) <= 6


def test_demo_1_names_nine_states_and_five_actions(scene, manager):
    scene.load("1")
    out = scene.readout()
    assert out["states"] == [f"s{i}" for i in range(1, 10)]
    assert out["actions"] == ["a1", "a2", "a3", "a4", "a5"]


def test_demo_1_shows_the_agent_going_where_each_action_leads(scene, manager):
    scene.load("1")
    seen = set()
    for _ in range(int(5 * 1.4 * 30)):  # every action once, at 30 frames a second
        run(scene, manager, 1)
        seen.add(scene.readout()["agent"])
    # from s5: a1 -> s2, a2 -> s6, a3 -> s8, a4 -> s4, a5 stays
    assert seen == {"s5", "s2", "s6", "s8", "s4"}


def test_demo_7_draws_an_episode_from_the_start_cell(scene, manager):
    scene.load("7")
    run(scene, manager, 5)
    assert scene.readout()["path_start"] == "s1"


def test_demo_2_trajectory_s1_to_s9_has_return_1(scene, manager):
    scene.load("2")
    run(scene, manager, 60)
    assert scene.readout()["return_text"] == "return = 0 + 0 + 0 + 1 = 1"


def test_demo_3_returns_spread_over_0_and_1_around_the_exact_mean(scene, manager):
    view = scene.load("3")
    view.sample(400)
    out = scene.readout()
    assert set(out["counts"]) == {0.0, 1.0}
    assert out["expected"] == pytest.approx(0.75)
    assert out["counts"][1.0] / out["samples"] == pytest.approx(0.75, abs=0.08)


def test_demo_4_left_policy_returns_1_and_right_through_s7_returns_0(scene, manager):
    scene.load("4")
    out = scene.readout()
    assert out["returns"] == (1.0, 0.0)
    assert out["texts"][1] == "return = 0 - 1 + 0 + 1 = 0"


def test_demo_5_value_is_gamma_cubed_over_one_minus_gamma_for_the_sliders_gamma(scene, manager):
    view = scene.load("5")
    view.slider.set_current_value(50)
    pygame.event.clear()
    manager.update(0.01)
    for event in pygame.event.get():
        manager.process_events(event)
        scene.handle_event(event)
    view.gamma = view.slider.get_current_value() / 100  # the slider's gamma, event or not
    out = scene.readout()
    assert out["value"] == pytest.approx(out["gamma"] ** 3 / (1 - out["gamma"]))
    assert out["sum_60"] == pytest.approx(out["value"], rel=1e-6)


def test_demo_6_bellman_backup_under_the_mouse_equals_the_value(scene, manager):
    view = scene.load("6")
    run(scene, manager, 2)
    for s in range(9):
        pygame.event.post(
            pygame.event.Event(
                pygame.MOUSEMOTION, pos=view.geo.center(s), rel=(0, 0), buttons=(0, 0, 0)
            )
        )
        for event in pygame.event.get():
            scene.handle_event(event)
        out = scene.readout()
        assert out["state"] == f"s{s + 1}"
        assert out["backup"] == pytest.approx(out["v"], abs=1e-9)


def test_demo_8_variance_falls_with_reward_to_go_and_again_with_the_baseline(scene, manager):
    scene.load("8")
    v = scene.readout()["variances"]
    assert v["R(tau)"] > v["reward-to-go"] > v["reward-to-go - V"]


def test_demo_11_optimal_action_changes_when_r_forbidden_goes_to_0(scene, manager):
    view = scene.load("11")
    before = scene.readout()
    view.set_forbidden(0.0)
    after = scene.readout()
    assert before["r_forbidden"] == -10 and after["r_forbidden"] == 0
    assert before["best"] != after["best"]
    forbidden = {state_name(s) for s in view.original.forbidden}
    assert not any(s in forbidden for s in before["path"].split(" -> "))
    assert any(s in forbidden for s in after["path"].split(" -> "))
    assert before["path"].startswith("s1 -> ")


@pytest.mark.parametrize(
    "key,algo", [("7", "simple_pg"), ("9", "simple_pg"), ("10a", "ppo"), ("10b", "grpo")]
)
def test_training_demos_start_their_algorithm_at_once(scene, manager, key, algo):
    scene.load(key)
    run(scene, manager, 5)
    out = scene.readout()
    assert out["algo"] == algo and out["status"] == "running" and out["updates"] > 0


def test_demo_10b_group_advantages_sum_to_zero_per_group(scene, manager):
    scene.load("10b")
    run(scene, manager, 5)
    sums = scene.readout()["group_advantage_sums"]
    assert len(sums) == 4 and np.allclose(sums, 0.0, atol=1e-6)


def test_demo_10b_shows_the_groups_of_every_update(scene, manager):
    scene.load("10b")
    run(scene, manager, 3)
    first = scene.readout()["groups_update"]
    run(scene, manager, 3)
    assert scene.readout()["groups_update"] > first > 0  # the last update's, not stale ones


def test_demo_10b_tied_groups_say_why_they_have_no_bars(scene, manager):
    from gridsim.solvers import optimal_values

    scene.load("10b")
    view = scene.view
    # a deterministic policy on deterministic moves: a group's rollouts all get one return
    best = optimal_values(view.world)[1].argmax(axis=1)
    view.controller.trainer.logits[np.arange(len(best)), best] = 80.0
    run(scene, manager, 3)
    out = scene.readout()
    assert out["flat_groups"] == out["groups"] == 4
    assert "Every group tied" in view.summary[0]
    notes = [r for r in view.drawn_text if r.colliderect(view.groups_rect)]
    assert len(notes) >= 4 + 4  # a note (and a mean) per group, inside the box
    assert all(not a.colliderect(b) for i, a in enumerate(notes) for b in notes[i + 1 :])


def test_demo_9_shows_its_preset_hyper_parameters_and_keeps_them(scene, manager):
    scene.load("9")
    panel = scene.panel
    assert (panel.lr.get_text(), panel.batch.get_text(), panel.hidden.get_text()) == (
        "0.01",
        "5000",
        "32",
    )
    panel._apply_entries(force=True)  # as Enter or Run would
    assert panel.controller.settings.overrides == {"hidden": (32,), "lr": 0.01, "batch_steps": 5000}


def test_the_app_can_pause_and_stop_the_current_demo(scene, manager):
    scene.load("2")
    scene.panel.controller.pause()
    assert scene.panel.controller.request_stop() is None
    scene.load("7")
    scene.panel.controller.pause()
    scene.hide()
    scene.show()


@pytest.mark.parametrize("key", ["1", "6", "11"])
def test_demo_logs_name_states_and_actions_never_0_based_indices(scene, manager, key):
    import re

    from gridsim.commands.demo import readable

    scene.load(key)
    run(scene, manager, 3)
    printed = "\n".join(f"{k}: {readable(v)}" for k, v in scene.readout().items())
    assert not re.search(r"\(\d+(, \d+)*\)", printed), printed  # no (0, 1, 2) tuples
    assert re.search(r"\bs\d+\b", printed)
    assert not re.search(r"\d\.\d{7,}", printed)  # no 7.290000000000003


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_caption_fits_its_four_lines_in_a_1024_window(manager, lang):
    """The caption box shows 4 lines: no demo's caption may lose its end in a small window."""
    small = DemosScene(manager, (1024, 700), factory=fake_factory())
    try:
        language.set_language(lang, manager, remember=False)
        for demo in DEMOS:
            small.demo = demo
            assert len(small.caption_lines()) <= 4, (lang, demo.number, small.caption_lines())
    finally:
        language.set_language("en", manager, remember=False)
        small.close()
