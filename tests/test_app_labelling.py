"""You are the human: the labelling panel driven by posted pygame events (keys 1 / 2 / 0 and
Y / N, clicks), its counter, its label files, and what reaches the trainer (the fake one)."""

import json
import os
import stat
import time

import numpy as np
import pygame
import pygame_gui
import pytest

from gridsim.app.app import App
from gridsim.app.draw import style
from gridsim.app.panels.labelling import UPDATES_PER_LABEL
from gridsim.app.scenes.gridworld import Overlays
from gridsim.app.testing import click, fake_factory, frames
from gridsim.labelling import EXPLORE, sample_item
from gridsim.preferences import Judgement, Pair, write_pairs
from gridsim.world import World, default_world


def press(app, key):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
    app.frame()
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key, mod=0, unicode="", scancode=0))
    app.frame()


def label_with(app, algo="dpo"):
    """The gridworld scene with ``algo`` and the labeller "you": the panel shows."""
    scene = app.scene
    scene.panel.choose_algo(algo)
    scene.panel.choose_labeller("human")
    frames(app)
    assert scene.labelling_shown
    return scene, scene.labelling


def shown_actions(panel):
    return [tuple(int(a) for a in tr.actions) for tr in panel.item.trajectories]


def sent(made):
    """Every label the fake trainers were sent, in order."""
    pairs, judgements = [], []
    for trainer in made:
        for call in trainer.calls:
            if call[0] == "add_preferences":
                pairs += call[1]
                judgements += call[2]
    return pairs, judgements


def test_the_panel_shows_for_dpo_with_you_as_labeller_only(app):
    scene = app.scene
    frames(app)
    assert not scene.labelling_shown and not scene.labelling.visible
    scene.panel.choose_algo("dpo")
    frames(app)
    assert not scene.labelling_shown  # synthetic labels: nothing to do for a person
    scene.panel.choose_labeller("human")
    frames(app)
    assert scene.labelling_shown and scene.labelling.first_button.visible
    scene.panel.choose_algo("ppo")
    frames(app)
    assert not scene.labelling_shown and not scene.labelling.first_button.visible


def test_pressing_1_sends_the_left_trajectory_as_chosen(app, made):
    scene, panel = label_with(app)
    left, right = shown_actions(panel)
    press(app, pygame.K_1)
    pairs, _ = sent(made)
    assert pairs == [Pair(prompt=0, chosen=left, rejected=right)]
    assert "labels: 1" in panel.counter()
    assert shown_actions(panel) != [left, right]  # the next pair is up


def test_pressing_2_prefers_the_right_one_and_0_skips(app, made):
    scene, panel = label_with(app)
    left, right = shown_actions(panel)
    press(app, pygame.K_2)
    press(app, pygame.K_0)
    pairs, _ = sent(made)
    assert pairs == [Pair(prompt=0, chosen=right, rejected=left)]
    assert panel.count() == 1 and panel.skipped == 1
    assert panel.counter() == "labels: 1 · skipped: 1"


def test_clicking_a_board_says_it_is_the_better_one(app, made):
    scene, panel = label_with(app)
    left, right = shown_actions(panel)
    right_board = panel.geos[1].rect
    click(app, (right_board.x + 5, right_board.y + 5))
    pairs, _ = sent(made)
    assert pairs == [Pair(prompt=0, chosen=right, rejected=left)]


def test_the_buttons_label_too(app, made):
    scene, panel = label_with(app)
    left, right = shown_actions(panel)
    click(app, panel.first_button.rect.center)
    pairs, _ = sent(made)
    assert pairs == [Pair(prompt=0, chosen=left, rejected=right)]


def test_each_label_is_a_fixed_number_of_updates_then_the_run_waits(app, made):
    """The first label makes the run; every label buys UPDATES_PER_LABEL updates on all
    labels so far, even after Run (a run left going would fit the few labels over and over)."""
    scene, panel = label_with(app)
    assert scene.controller.trainer is None
    press(app, pygame.K_1)
    trainer = made[-1]
    assert trainer.update == UPDATES_PER_LABEL and trainer.status == "paused"
    scene.controller.run()
    press(app, pygame.K_2)
    frames(app, 3)
    assert trainer.status == "paused"
    assert trainer.update <= 2 * UPDATES_PER_LABEL + 3  # at most the frames it ran for
    assert len(trainer.pairs) == 2


def test_the_next_item_waits_for_a_run_that_is_still_starting(app, made, monkeypatch):
    """A trainer's child process can take longer than LEARN_SECONDS to import torch on a busy
    machine: while the run has not started, the next item (and skipping) waits for the
    label's updates instead of showing the old policy again; a failed run ends the wait."""
    from gridsim.app.panels import labelling
    from gridsim.app.testing import FakeTrainer

    monkeypatch.setattr(labelling, "LEARN_SECONDS", 0.0)
    monkeypatch.setattr(FakeTrainer, "step_once", lambda self: self.calls.append(("step",)))
    scene, panel = label_with(app)
    press(app, pygame.K_1)
    trainer = made[-1]
    assert trainer.status == "idle"  # not started yet
    frames(app, 3)
    assert panel.learning is not None
    assert not panel.first_button.is_enabled and not panel.skip_button.is_enabled
    trainer.status = "failed"
    frames(app)
    assert panel.learning is None and panel.skip_button.is_enabled


def test_kto_shows_one_trajectory_and_y_n_say_good_or_bad(app, made):
    scene, panel = label_with(app, "kto")
    assert len(panel.geos) == 1 and panel.good_button.visible
    assert not panel.first_button.visible
    (first,) = shown_actions(panel)
    press(app, pygame.K_y)
    (second,) = shown_actions(panel)
    press(app, pygame.K_n)
    click(app, panel.thumbs[False].center)  # the drawn thumbs-down
    _, judgements = sent(made)
    assert judgements[:2] == [Judgement(0, first, True), Judgement(0, second, False)]
    assert [j.desirable for j in judgements] == [True, False, False]
    assert panel.counter() == "labels: 3 (1 good, 2 bad) · skipped: 0"


def test_keys_do_nothing_while_typing_in_a_box(app, made):
    scene, panel = label_with(app)
    click(app, scene.panel.lr.rect.center)
    press(app, pygame.K_1)
    assert sent(made) == ([], [])


def test_labels_survive_reset_and_a_new_algorithm(app, made):
    scene, panel = label_with(app)
    press(app, pygame.K_1)
    press(app, pygame.K_2)
    given = list(scene.controller.pairs)
    assert len(given) == 2 and made[-1].pairs == given
    scene.controller.reset()
    assert made[-1].pairs == given  # the fresh run learns from them again
    scene.panel.choose_algo("rlhf")
    scene.controller.run()
    frames(app)
    assert made[-1].algo == "rlhf" and made[-1].pairs == given


def test_a_new_grid_size_drops_the_labels_and_says_so(app, made):
    scene, panel = label_with(app)
    press(app, pygame.K_1)
    scene.set_world(
        World(rows=4, cols=4, targets=frozenset({15}), forbidden=frozenset()), keep_policy=False
    )
    frames(app)
    assert scene.controller.pairs == [] and "1 labels" in scene.message
    assert len(panel.item.trajectories[0].states) >= 1


def test_save_then_open_gives_the_same_labels(app, made, tmp_path):
    scene, panel = label_with(app)
    for key in (pygame.K_1, pygame.K_2, pygame.K_1):
        press(app, key)
    given = list(scene.controller.pairs)
    path = tmp_path / "mine.jsonl"
    assert panel.save_labels(str(path))
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[0]["prompt"] == "s1" and set(rows[0]) == {"prompt", "chosen", "rejected"}
    scene.controller.forget_preferences()
    # the file dialog's answer arrives as an event, as when the user picks the file
    panel._open_dialog("open")
    event = pygame.event.Event(
        pygame_gui.UI_FILE_DIALOG_PATH_PICKED, ui_element=panel._dialog, text=str(path)
    )
    pygame.event.post(event)
    frames(app)
    assert scene.controller.pairs == given
    assert panel.message_color == style.OK and "3 labels" in panel.message


BAD_FILES = {
    "syntax": '{"prompt": "s1", "chosen": ["a2"], "rejected": ["a3"]\n',
    "unknown cell": '{"prompt": "s42", "chosen": ["a2"], "rejected": ["a3"]}\n',
    "unknown action": '{"prompt": "s1", "chosen": ["a9"], "rejected": ["a3"]}\n',
    "identical": '{"prompt": "s1", "chosen": ["a2", "a3"], "rejected": ["a2", "a3"]}\n',
    "empty": "",
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_bad_label_file_gives_one_red_line_and_keeps_the_labels(app, made, tmp_path, kind):
    scene, panel = label_with(app)
    press(app, pygame.K_1)
    given = list(scene.controller.pairs)
    path = tmp_path / "bad.jsonl"
    path.write_text(BAD_FILES[kind])
    assert not panel.open_labels(str(path))
    assert scene.controller.pairs == given and made[-1].pairs == given
    assert panel.message_color == style.ERROR
    assert "bad.jsonl" in panel.message and "\n" not in panel.message


def test_a_verdict_that_is_not_a_boolean_is_refused(app, tmp_path):
    scene, panel = label_with(app, "kto")
    path = tmp_path / "verdicts.jsonl"
    path.write_text('{"prompt": "s1", "completion": ["a2"], "label": "yes"}\n')
    assert not panel.open_labels(str(path))
    assert panel.message_color == style.ERROR and "label" in panel.message


@pytest.mark.parametrize("kind", ["fifo", "folder", "deep"])
def test_hostile_label_files_are_one_red_line_not_a_crash_or_a_hang(app, tmp_path, kind):
    """Opening a FIFO, a folder or a 100,000-deep file, saving onto the first two (issue 11)."""
    scene, panel = label_with(app)
    press(app, pygame.K_1)
    path = tmp_path / "labels.jsonl"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.write_text("[" * 100_000 + "\n")
    for action in (panel.open_labels, panel.save_labels)[: 1 if kind == "deep" else 2]:
        panel.message = ""
        assert not action(str(path))
        assert panel.message_color == style.ERROR and "labels.jsonl" in panel.message
    assert kind != "fifo" or stat.S_ISFIFO(os.stat(path).st_mode)


def test_saving_with_no_labels_says_so_and_writes_nothing(app, tmp_path):
    scene, panel = label_with(app)
    path = tmp_path / "none.jsonl"
    assert not panel.save_labels(str(path))
    assert not path.exists() and panel.message_color == style.ERROR


def test_a_file_of_pairs_trains_the_run(app, made, tmp_path):
    scene, panel = label_with(app)
    path = tmp_path / "route.jsonl"
    write_pairs(path, [Pair(0, (2, 1, 2, 1), (1, 2, 2, 1))] * 3)
    assert panel.open_labels(str(path))
    scene.controller.run()
    frames(app)
    assert len(made[-1].pairs) == 3


@pytest.mark.parametrize("seed", range(6))
def test_pairs_start_together_on_any_layout(seed):
    """Random layouts: both trajectories start at the world's start cell, and differ."""
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(2, 8, size=2)
    n = int(rows * cols)
    cells = rng.permutation(n)
    world = World(
        rows=int(rows),
        cols=int(cols),
        targets=frozenset({int(cells[0])}),
        forbidden=frozenset(int(c) for c in cells[1 : 1 + n // 4]),
        start=int(cells[-1]),
        forbidden_mode=("enter", "wall")[seed % 2],
    )
    pi = rng.dirichlet(np.ones(5), size=n)
    item = sample_item(world, pi, "pair", rng)
    first, second = item.trajectories
    assert first.states[0] == second.states[0] == world.start
    assert tuple(first.actions) != tuple(second.actions)


def test_a_policy_that_repeats_itself_still_gives_two_routes_to_compare():
    world = default_world()
    pi = np.zeros((9, 5))
    pi[:, 1] = 1.0  # always right: every sample is the same trajectory
    item = sample_item(world, pi, "pair", np.random.default_rng(0))
    assert item.explored and not item.same
    assert 0 < EXPLORE < 1


def test_a_10x10_world_draws_the_pair_on_the_board_in_two_colours():
    app = App(size=(1024, 700), factory=fake_factory(), lang="en", remember=False)
    try:
        scene = app.scene
        scene.set_world(World(rows=10, cols=10, targets=frozenset({99})), keep_policy=False)
        scene.panel.choose_algo("dpo")
        scene.panel.choose_labeller("human")
        frames(app, 3)
        assert scene.labelling.shared == scene.geo  # too small side by side
        assert "blue" in scene.labelling.header()
        pos = scene.geo.center(0)
        before = len(scene.controller.pairs)
        click(app, pos)  # a click on the shared board edits the world, it does not label
        assert len(scene.controller.pairs) == before
    finally:
        app.close()


def test_cartpole_offers_only_the_synthetic_labeller(app):
    app.switch("cartpole")
    frames(app)
    panel = app.scene.panel
    assert not panel.labeller.is_enabled
    assert "thousands of labels" in panel.labeller.tool_tip_text


def test_a_start_on_a_terminal_target_offers_nothing_to_label(app, made):
    scene, panel = label_with(app)
    world = default_world().with_changes(target_terminal=True, start=8)
    scene.set_world(world, keep_policy=True)
    frames(app)
    assert panel.item.empty and "start" in panel.note()
    assert not panel.first_button.is_enabled
    press(app, pygame.K_1)
    assert sent(made) == ([], [])


# --- what the run publishes: the implicit reward, the waiting, the metric plots -----------


def test_the_overlay_is_beta_log_pi_over_pi_ref_exactly(app, made):
    """The fake run's reference is not uniform, so this is not log(5 pi) by accident."""
    scene = app.scene
    scene.panel.choose_algo("rlhf")
    scene.preset(overlays=Overlays(action_values="implicit"))
    scene.controller.run()
    frames(app, 5)
    snap = scene.panel.snapshot
    prefs = snap.preferences
    assert not np.allclose(prefs.pi_ref, 0.2)
    expected = prefs.beta * (np.log(snap.pi) - np.log(prefs.pi_ref))
    tables = scene.reward_tables()
    assert np.array_equal(tables.implicit, expected)
    assert np.array_equal(tables.r_phi, prefs.reward_model)  # rlhf: its reward model beside
    assert [key for key, _ in scene.reward_geos] == ["implicit", "reward", "r_phi"]
    s4 = scene.reward_geos[0][1].center(3)
    pygame.event.post(
        pygame.event.Event(
            pygame.MOUSEMOTION, pos=(int(s4[0]), int(s4[1])), rel=(0, 0), buttons=(0, 0, 0)
        )
    )
    frames(app)
    assert scene.hover == 3 and "r_φ" in scene.cell_readout(3)


def test_a_human_run_waits_for_the_first_label_and_says_so(app, made):
    scene, panel = label_with(app)
    scene.controller.run()
    frames(app, 4)
    assert made[-1].update == 0 and panel.waiting
    assert "waiting for your first label" in panel.counter_line()
    press(app, pygame.K_1)
    frames(app, 3)
    assert made[-1].update > 0 and not panel.waiting


def test_the_plot_switches_to_the_preference_metrics(app, made):
    scene = app.scene
    scene.panel.choose_algo("dpo")
    scene.controller.run()
    frames(app, 4)
    menu = scene.panel.plot_menu
    assert menu.visible
    option = next(o for o in menu.options_list if o[1] == "rewards")
    pygame.event.post(
        pygame.event.Event(
            pygame_gui.UI_DROP_DOWN_MENU_CHANGED,
            ui_element=menu,
            text=option[0],
            selected_option_id="rewards",
        )
    )
    frames(app, 3)
    assert scene.panel.plot_kind == "rewards"
    scene.panel.choose_algo("ppo")
    frames(app, 2)
    assert not menu.visible  # no preference metrics: the returns, and no menu


# --- the scripted human, against the real trainer (a child process) -------------------------


def greedy_route(world, pi) -> list[int]:
    """The states the greedy policy visits from the start, up to the horizon."""
    from gridsim.trajectory import follow_actions

    s, actions = world.start, []
    for _ in range(world.horizon):
        a = int(np.argmax(pi[s]))
        actions.append(a)
        s = int(follow_actions(world, s, [a]).states[-1])
    return [int(x) for x in follow_actions(world, world.start, actions).states]


def ppo_reference(world, folder) -> str:
    """An agent file of PPO trained until optimal whose greedy route from s1 avoids s4 (the
    issue's "SFT model": there is something to teach), as bench_preferences.py makes them."""
    import torch

    from agents.checkpoint import save_agent
    from agents.learner import Run

    torch.set_num_threads(1)
    for seed in range(10):
        run = Run("gridworld", "ppo", world=world, seed=seed)
        while not run.solved:
            run.update()
        if 3 not in greedy_route(world, run.pi()):
            path = folder / f"ppo-seed{seed}.pt"
            save_agent(run, path)
            return str(path)
    raise AssertionError("every PPO seed already goes through s4")


def test_the_scripted_human_teaches_dpo_the_route_through_s4(tmp_path):
    """A person who prefers the route through s4 (and otherwise the higher return) labels the
    pairs the real panel shows, with the keys, starting from a PPO-trained reference that goes
    through s2; the real trainer (a child process) learns from the labels until the greedy
    route from s1 passes s4 and its value is optimal (the issue's target)."""
    from gridsim.preferences import RouteLabeller
    from gridsim.solvers import deterministic_policy, optimal_values, policy_value

    human = RouteLabeller(via=3)
    keys = {1: pygame.K_1, 2: pygame.K_2, 0: pygame.K_0}
    app = App(lang="en", remember=False)  # the real ProcessTrainer
    try:
        scene, panel = label_with(app)
        world = scene.world
        scene.controller.settings.overrides["ref"] = ppo_reference(world, tmp_path)
        v_star = optimal_values(world)[0][world.start]
        taught, labels = False, 0
        deadline = time.monotonic() + 120
        while labels < 50 and time.monotonic() < deadline:
            while panel.learning is not None and time.monotonic() < deadline:
                app.frame()  # the updates the last label bought, then a pair of the policy now
            snap = scene.panel.snapshot
            if snap is not None and snap.pi is not None:
                greedy = deterministic_policy(np.argmax(snap.pi, axis=1))
                value = policy_value(world, greedy)[world.start]
                taught = 3 in greedy_route(world, snap.pi) and abs(value - v_star) < 1e-6
                if taught:
                    break
            a, b = panel.item.trajectories
            verdict = 0 if panel.item.same else human.compare(world, a, b)
            press(app, keys[verdict])
            labels += verdict != 0
        snap = scene.panel.snapshot
        assert snap.status == "paused" and not scene.controller.error, snap.message
        assert taught, f"not taught after {labels} labels: {greedy_route(world, snap.pi)}"
        print(f"taught the route through s4 with {labels} labels")
        assert len(scene.controller.pairs) == labels
        # the implicit-reward overlay shows exactly beta * log(pi / pi_ref) of this run
        scene.preset(overlays=Overlays(action_values="implicit"))
        frames(app)
        prefs = scene.panel.snapshot.preferences
        pi = scene.panel.snapshot.pi
        expected = prefs.beta * (np.log(pi) - np.log(prefs.pi_ref))
        assert np.array_equal(scene.reward_tables().implicit, expected)
    finally:
        app.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_preference_demos_draw_no_text_over_text(lang):
    """Demos 12-15 at both window sizes: the boards' labels, titles, captions and tags apart."""
    import itertools

    for size in ((1024, 700), (1280, 800)):
        app = App(size=size, factory=fake_factory(), lang=lang, remember=False, scene="demos")
        try:
            for key in ("dpo-human", "implicit-reward", "dpo-vs-rlhf", "kto-human"):
                app.scene.load(key)
                frames(app, 4)
                view = app.scene.view
                boxes = view.drawn_text
                assert len(boxes) >= 9, key  # at least one board's cell names
                for a, b in itertools.combinations(boxes, 2):
                    assert not a.colliderect(b), f"{lang} {size} {key}: {a} overlaps {b}"
                for box in boxes:
                    assert app.scene.view_rect.contains(box), f"{key}: {box} leaves the view"
        finally:
            app.close()
