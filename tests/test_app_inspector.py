"""The update inspector driven by posted events: open it on update 3, switch views, step
through a trajectory with the arrow keys, pick another one, click a cell, follow Step, and
never put text on text (fake trainers, no torch; one real run through the command line)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pygame_gui
import pytest

from gridsim.app import language
from gridsim.app.app import App
from gridsim.app.testing import fake_factory, frames
from gridsim.layout import load_layout, shipped_layout
from gridsim.world import default_world

ROOT = Path(__file__).resolve().parent.parent


def key(app, k):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0))
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=k, mod=0, unicode="", scancode=0))
    frames(app)


def press(app, button):
    pygame.event.post(pygame.event.Event(pygame_gui.UI_BUTTON_PRESSED, ui_element=button))
    frames(app)


def paused_at(app, algo, updates):
    """The gridworld scene with ``algo`` paused after ``updates`` Steps (S key)."""
    scene = app.scene
    scene.panel.choose_algo(algo)
    for _ in range(updates):
        key(app, pygame.K_s)
    frames(app)
    return scene


def test_i_opens_the_inspector_on_the_last_update_and_pauses(app, made):
    scene = paused_at(app, "simple_pg", 3)
    key(app, pygame.K_i)
    ins = scene.inspector
    assert ins.is_open and ins.readout()["update"] == 3
    assert made[-1].calls[-1] == ("pause",)
    assert not scene.left.container.visible and ins.column.container.visible
    assert ins.readout()["views"] == ["batch", "change", "gradient"]  # simple_pg: no critic
    key(app, pygame.K_i)
    assert not ins.is_open and scene.left.container.visible


def test_the_inspect_button_opens_it_too_and_says_when_there_is_no_update(app):
    scene = app.scene
    press(app, scene.panel.inspect)
    assert scene.inspector.is_open and scene.inspector.readout()["update"] is None
    assert scene.inspector.text_rects  # "No update to inspect yet: press Step"
    assert not any(w.visible for w in scene.inspector.batch_widgets)  # an empty list: no
    key(app, pygame.K_s)
    assert scene.inspector.readout()["update"] == 1
    assert all(w.visible for w in scene.inspector.batch_widgets)


def test_arrow_keys_step_through_the_chosen_trajectory(app):
    scene = paused_at(app, "simple_pg", 3)
    key(app, pygame.K_i)
    ins = scene.inspector
    traj = ins.sel.trajectory(ins.ins)
    assert ins.readout()["step"] == 0
    key(app, pygame.K_RIGHT)
    key(app, pygame.K_RIGHT)
    out = ins.readout()
    assert out["step"] == 2 and out["weight"] == pytest.approx(float(traj.weights[2]))
    key(app, pygame.K_LEFT)
    assert ins.readout()["step"] == 1
    for _ in range(len(traj) + 3):
        key(app, pygame.K_RIGHT)
    assert ins.readout()["step"] == len(traj) - 1  # stops at the last step
    # the sidebar names the step's s_t, a_t, r_t, log pi and Phi_t
    k = len(traj) - 1
    words = " | ".join(ins.readout()["sidebar"])
    assert (
        f"s_t = s{int(traj.states[k]) + 1}" in words
        and f"a_t = a{int(traj.actions[k]) + 1}" in words
    )
    assert "r_t = " in words and "log π(a_t|s_t) = " in words and "Φ_t = " in words


def test_a_language_switch_relabels_the_batch_list_and_keeps_the_step_shown(app):
    scene = paused_at(app, "simple_pg", 2)
    key(app, pygame.K_i)
    key(app, pygame.K_RIGHT)
    ins = scene.inspector
    assert "steps" in ins.trajectory_list.item_list[0]["text"]
    try:
        press(app, app.language_buttons["zh"])
        texts = [item["text"] for item in ins.trajectory_list.item_list]
        assert all("步" in text and "steps" not in text for text in texts)
        assert ins.readout()["step"] == 1 and ins.is_open
    finally:
        press(app, app.language_buttons["en"])


def test_picking_a_trajectory_from_the_list_shows_it_from_its_first_step(app):
    scene = paused_at(app, "simple_pg", 3)
    key(app, pygame.K_i)
    ins = scene.inspector
    key(app, pygame.K_RIGHT)
    items = ins.trajectory_list.item_list
    assert len(items) == len(ins.ins.trajectories) >= 2
    for item in items:
        item["selected"] = False
    items[2]["selected"] = True
    pygame.event.post(
        pygame.event.Event(
            pygame_gui.UI_SELECTION_LIST_NEW_SELECTION,
            ui_element=ins.trajectory_list,
            text=items[2]["text"],
        )
    )
    frames(app)
    assert ins.readout()["trajectory"] == 2 and ins.readout()["step"] == 0


def test_play_walks_the_trajectory_by_itself(app):
    scene = paused_at(app, "simple_pg", 3)
    key(app, pygame.K_i)
    ins = scene.inspector
    press(app, ins.play_button)
    assert ins.playing
    ins.update(scene.panel.snapshot, scene.world, 1.0)  # a second later
    assert ins.readout()["step"] >= 1


def test_views_switch_and_unavailable_ones_are_disabled(app):
    scene = paused_at(app, "ppo", 2)
    key(app, pygame.K_i)
    ins = scene.inspector
    assert ins.readout()["views"] == ["batch", "change", "gradient", "critic", "ratios"]
    assert not ins.view_buttons["groups"].is_enabled
    for view in ("change", "gradient", "critic", "ratios"):
        press(app, ins.view_buttons[view])
        assert ins.view == view and ins.text_rects
    assert not ins.trajectory_list.visible  # the list belongs to the batch view
    key(app, pygame.K_RIGHT)  # the arrow keys take you back to the batch
    assert ins.view == "batch" and ins.trajectory_list.visible


def test_a_preference_learner_shows_only_what_its_update_did_to_pi(app):
    scene = paused_at(app, "dpo", 2)
    key(app, pygame.K_i)
    ins = scene.inspector
    assert ins.readout()["views"] == ["change"] and ins.view == "change"
    assert ins.text_rects


def test_a_click_on_the_board_selects_a_cell_and_edits_nothing(app):
    scene = paused_at(app, "simple_pg", 2)
    key(app, pygame.K_i)
    press(app, scene.inspector.view_buttons["change"])
    world = scene.world
    pos = scene.inspect_geo.center(4)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1))
    frames(app)
    assert scene.world is world and scene.inspector.cell == 4


def test_step_while_inspecting_moves_the_inspector_to_the_new_update(app):
    scene = paused_at(app, "simple_pg", 2)
    key(app, pygame.K_i)
    key(app, pygame.K_RIGHT)
    key(app, pygame.K_s)
    frames(app)
    assert scene.inspector.readout()["update"] == 3 and scene.inspector.readout()["step"] == 0


def test_the_estimate_and_the_exact_gradient_shown_are_those_of_the_update(app):
    from gridsim.inspection import cosine

    scene = paused_at(app, "rtg_pg", 3)
    key(app, pygame.K_i)
    ins = scene.inspector
    exact = ins.ins.exact(scene.world)
    assert ins.readout()["cosine"] == pytest.approx(cosine(ins.ins.estimate, exact))
    np.testing.assert_allclose(ins.exact().gradient, exact)


WORLDS = {
    "3x3": default_world(),
    "5x5": load_layout(shipped_layout("zhao_5x5")),
    "10x10": default_world().with_changes(
        rows=10, cols=10, forbidden=frozenset({11, 12, 45, 46, 77}), targets=frozenset({99})
    ),
}


def widget_rects(inspector):
    widgets = [inspector.close_button, *inspector.view_buttons.values()]
    widgets += [w for w in inspector.batch_widgets if w.visible]
    return [w.rect for w in widgets]


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800)])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_text_of_the_inspector_lands_on_other_text_or_its_widgets(size, lang):
    app = App(size=size, factory=fake_factory(), lang=lang, remember=False)
    try:
        scene = app.scene
        for algo in ("ppo", "grpo"):
            scene.panel.choose_algo(algo)
            for name, world in WORLDS.items():
                scene.set_world(world, keep_policy=False)
                scene.controller.step()
                scene.controller.step()
                frames(app)
                if not scene.inspector.is_open:
                    scene.toggle_inspector()
                ins = scene.inspector
                for view in ins.readout()["views"]:
                    ins.set_view(view)
                    ins.hover = 0
                    frames(app)
                    where = f"{algo} {name} {view} {size} {lang}"
                    boxes = ins.text_rects
                    assert boxes, where
                    for i, a in enumerate(boxes):
                        for b in boxes[i + 1 :]:
                            assert not a.colliderect(b), f"{where}: {a} {b}"
                    for box in boxes:
                        assert box.right <= size[0] - 380 and box.bottom <= size[1], where
                        for w in widget_rects(ins):
                            assert not box.colliderect(w), f"{where}: {box} on widget {w}"
    finally:
        app.close()
        language.set_language("en", remember=False)


def test_the_command_line_pauses_after_3_updates_of_simple_pg_and_inspects(tmp_path):
    """The real trainer, as a teacher scripts a screenshot for a slide."""
    shot = tmp_path / "update3.png"
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    cmd = [sys.executable, "-m", "gridsim.commands.gui", "--headless", "--algo", "simple_pg"]
    cmd += ["--pause-after", "3", "--inspect", "change", "--frames", "2", "--lang", "en"]
    cmd += ["--screenshot", str(shot), "--size", "1024x700"]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert pygame.image.load(str(shot)).get_size() == (1024, 700)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--pause-after", "0"], "--pause-after"),
        (["--inspect", "--scene", "cartpole"], "--inspect"),
    ],
)
def test_the_command_line_refuses_bad_inspector_flags(args, message):
    cmd = [sys.executable, "-m", "gridsim.commands.gui", "--headless", *args]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and message in result.stderr


def test_widget_texts_of_the_inspector_and_the_plot_selector_carry_no_markup():
    """pygame_gui cannot typeset: V^π in a tooltip would show a literal caret."""
    from gridsim.app.draw import formulas
    from gridsim.app.panels import inspector, training

    texts = [text for _, text in inspector.VIEWS] + list(inspector.VIEW_TIPS.values())
    texts += [text for text, _ in training.METRIC_OPTIONS + training.X_OPTIONS]
    assert not [text for text in texts if formulas.has_scripts(text)]


def test_the_command_line_names_the_inspectors_views():
    from gridsim.app.panels.inspector import VIEWS
    from gridsim.commands.gui import INSPECTOR_VIEWS

    assert INSPECTOR_VIEWS == tuple(key for key, _ in VIEWS)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_glyph_of_the_inspectors_words_is_drawn_from_a_font_that_has_it(lang):
    """ĝ, ∇, ‖, Φ...: no tofu boxes, in either language (a glyph one font lacks comes from
    the other)."""
    import json

    from gridsim.app.draw import style

    pygame.font.init()
    entries = json.loads((ROOT / "assets/translations/zh/inspector.json").read_text("utf-8"))
    texts = [v if lang == "zh" else k for k, v in entries.items() if not k.startswith("_")]
    missing = {
        (ch, code)
        for text in texts
        for code, part in style._runs(lang, text, False)
        for ch in part
        if not style._has_glyph(code, False, ch)
    }
    assert not missing


# ----- the numbers shown are the exact ones ---------------------------------------------------
def stepped_once_more(app, algo, updates):
    """Paused after ``updates`` Steps, then one more Step and the inspector opened on it.
    Returns (scene, pi before, pi after): the two policies the board showed around that
    Step, read from the snapshots, not from the inspection."""
    scene = paused_at(app, algo, updates)
    before = np.array(scene.panel.snapshot.pi)
    key(app, pygame.K_s)
    after = np.array(scene.panel.snapshot.pi)
    key(app, pygame.K_i)
    assert scene.inspector.readout()["update"] == updates + 1
    return scene, before, after


def test_delta_pi_of_a_cell_is_the_change_between_the_policies_before_and_after(app):
    from gridsim.app.panels.inspector_views import caption, num
    from gridsim.world import ACTIONS

    scene, before, after = stepped_once_more(app, "simple_pg", 2)
    ins = scene.inspector
    press(app, ins.view_buttons["change"])
    change = after - before
    assert np.abs(change).max() > 0.01  # the update did move arrows
    moved = int(np.argmax(np.abs(change).max(axis=1)))  # the cell that moved most
    ins.select_cell(moved)
    frames(app)
    assert ins.readout()["sidebar"][1:] == [
        f"{ACTIONS[a]}: {before[moved, a]:.3f} → {after[moved, a]:.3f} ({num(change[moved, a], 2)})"
        for a in range(5)
    ]
    _, legend = caption(ins.ins, "change", ins.exact(), scene.inspect_geo)
    assert f"(longest: {num(float(np.abs(change).max()))})" in legend


def test_the_exact_gradient_is_pg_variances_at_the_policy_before_the_update(app):
    from gridsim.app.panels.inspector_views import num
    from gridsim.pg_variance import exact_gradient
    from gridsim.world import ACTIONS

    scene, before, _ = stepped_once_more(app, "rtg_pg", 2)
    ins = scene.inspector
    world = scene.world
    starts = np.zeros(world.n_states)
    starts[world.start_states()] = 1 / len(world.start_states())
    exact = exact_gradient(world, before, starts, world.horizon, world.gamma)
    np.testing.assert_allclose(ins.exact().gradient, exact, atol=1e-9)
    press(app, ins.view_buttons["gradient"])
    s = world.start
    ins.select_cell(s)
    frames(app)
    lines = ins.readout()["sidebar"][1:]
    assert [line.split("∇J ")[1] for line in lines] == [num(exact[s, a], 2) for a in range(5)]
    assert [line.split(":")[0] for line in lines] == list(ACTIONS)
    assert np.abs(exact[s]).max() > 0  # the start cell has a gradient to show


def test_the_critic_view_sets_v_phi_against_the_exact_v_pi_of_the_policy_before(app):
    from gridsim.app.panels.inspector_views import num
    from gridsim.solvers import policy_value

    scene, before, _ = stepped_once_more(app, "vpg", 2)
    ins = scene.inspector
    press(app, ins.view_buttons["critic"])
    v_pi = policy_value(scene.world, before)
    v_phi = ins.ins.value_after  # the fake critic has learned half of V^π
    np.testing.assert_allclose(v_phi, 0.5 * v_pi, atol=1e-9)
    error = v_phi - v_pi
    assert ins.readout()["summary"][0] == (
        f"mean |V_φ − V^π| = {num(float(np.mean(np.abs(error))))} after this update "
        f"(largest {num(float(np.max(np.abs(error))))})."
    )
    s = scene.world.start
    assert ins.readout()["sidebar"][-1] == (
        f"V_φ {num(v_phi[s])} · V^π {num(v_pi[s])} · error {num(error[s], 2)}"
    )


def test_ppos_histogram_counts_every_step_and_its_red_bars_are_the_clip_fraction(app):
    from gridsim.inspection import RATIO_BINS

    scene, before, after = stepped_once_more(app, "ppo", 2)
    ins = scene.inspector
    press(app, ins.view_buttons["ratios"])
    u = ins.ins
    assert u.ratio_counts.sum() == u.n_steps
    # every listed step's ratio is pi_new / pi_old of its action, from the two snapshots
    for traj in u.trajectories:
        s, a = traj.states[:-1], traj.actions
        np.testing.assert_allclose(traj.ratios, after[s, a] / before[s, a], rtol=1e-5)
    # the band [0.8, 1.2] is the middle third of the bins: the bars outside it are red
    third = RATIO_BINS // 3
    outside = u.ratio_counts[:third].sum() + u.ratio_counts[-third:].sum()
    assert 0 < outside < u.n_steps
    assert u.clip_fraction == pytest.approx(outside / u.n_steps)
    assert ins.readout()["summary"][0].startswith(
        f"{outside / u.n_steps:.0%} of {u.n_steps:,} steps left [0.8, 1.2]"
    )


def test_grpos_groups_are_those_of_the_update_shown_and_say_when_they_tie(app, made):
    from gridsim.solvers import optimal_values

    scene = paused_at(app, "grpo", 2)
    key(app, pygame.K_i)
    ins = scene.inspector
    press(app, ins.view_buttons["groups"])
    first = ins.ins.groups
    key(app, pygame.K_s)  # Step: the groups are the new update's
    assert ins.readout()["update"] == 3 and ins.ins.groups is not first and ins.view == "groups"
    for group in ins.ins.groups:
        r = group.returns
        expected = np.zeros_like(r) if np.ptp(r) == 0 else (r - r.mean()) / r.std()
        np.testing.assert_allclose(group.advantages, expected, atol=1e-6)
    # a deterministic policy on deterministic moves: a group's rollouts share one return
    best = optimal_values(scene.world)[1].argmax(axis=1)
    made[-1].logits[np.arange(len(best)), best] = 80.0
    key(app, pygame.K_s)
    assert all(g.tied for g in ins.ins.groups)
    assert ins.readout()["summary"] == [
        "Every group tied: all rollouts of a group got the same return.",
        "Every advantage is 0, so this update learned nothing from its groups.",
    ]
    assert len(ins.text_rects) >= 2 * len(ins.ins.groups[:4])  # a note and a mean per group


def has_glyph(font, ch: str) -> bool:
    """A missing glyph renders as the .notdef box, the same as U+E000 (never in a font)."""

    def pixels(c):
        return pygame.image.tobytes(font.render_premul(c, (0, 0, 0, 255)), "RGBA")

    return ch.isspace() or pixels(ch) != pixels("\ue000")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_line_of_the_batch_list_fits_its_row(lang):
    """GRPO's labels name a group too; a 10x10 world has two-digit cells and long returns;
    every glyph comes from the row's font (Noto Sans has no →)."""
    app = App(size=(1024, 700), factory=fake_factory(), lang=lang, remember=False)
    try:
        scene = app.scene
        scene.panel.choose_algo("grpo")
        scene.set_world(WORLDS["10x10"], keep_policy=False)
        scene.controller.step()
        frames(app)
        scene.toggle_inspector()
        frames(app)
        items = scene.inspector.trajectory_list.item_list
        assert len(items) == len(scene.inspector.ins.trajectories) >= 8  # a scroll bar, too
        shown = [item for item in items if item["button_element"] is not None]
        assert shown
        for item in shown:
            row, text = item["button_element"], item["text"]
            assert row.font.size(text)[0] <= row.rect.width - 8, text
            assert not [ch for ch in text if not has_glyph(row.font, ch)], text  # no tofu
    finally:
        app.close()
        language.set_language("en", remember=False)
