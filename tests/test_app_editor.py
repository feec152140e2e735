"""The app's pixel-free layer: editing a world and a hand policy, the exact overlays, and
the written-out returns (no window needed)."""

import numpy as np
import pytest

from gridsim.app import editor
from gridsim.app.draw.formulas import discounted_equation, gamma_power, prefix, return_equation
from gridsim.app.editor import EditError
from gridsim.app.exact import ExactCache, expected_episode_return
from gridsim.app.panels.training import delay_from_slider, parse_hyper
from gridsim.solvers import deterministic_policy, policy_value
from gridsim.trajectory import follow_actions
from gridsim.world import default_world


def test_forbidden_tool_toggles_a_cell():
    w = default_world()
    w2 = editor.apply_tool(w, "forbidden", 4)
    assert 4 in w2.forbidden
    assert 4 not in editor.apply_tool(w2, "forbidden", 4).forbidden


def test_target_tool_turns_a_forbidden_cell_into_a_target():
    w = editor.apply_tool(default_world(), "target", 5)  # s6 was forbidden
    assert 5 in w.targets and 5 not in w.forbidden


def test_removing_the_last_target_is_refused():
    with pytest.raises(EditError, match="target"):
        editor.apply_tool(default_world(), "clear", 8)


def test_start_tool_moves_the_start():
    assert editor.apply_tool(default_world(), "start", 4).start == 4


def test_resize_keeps_cells_by_row_and_column():
    w = editor.resize(default_world(), 4, 5)
    assert (w.rows, w.cols) == (4, 5)
    # s6 (row 1, col 2) and s7 (row 2, col 0) keep their places; s9 (2, 2) stays the target
    assert w.forbidden == {1 * 5 + 2, 2 * 5 + 0}
    assert w.targets == {2 * 5 + 2}


def test_shrinking_away_the_target_puts_one_in_the_corner():
    w = editor.resize(default_world(), 2, 2)
    assert w.targets == {3} and 3 not in w.forbidden


@pytest.mark.parametrize("rows,cols", [(1, 3), (11, 3), (3, 11)])
def test_sizes_outside_2x2_to_10x10_are_refused(rows, cols):
    with pytest.raises(EditError):
        editor.resize(default_world(), rows, cols)


def test_reward_field_sets_that_reward_only():
    w = editor.apply_field(default_world(), "r_forbidden", " -10 ")
    assert w.rewards.forbidden == -10 and w.rewards.target == 1


@pytest.mark.parametrize(
    "name,text",
    [("gamma", "1"), ("gamma", "1.5"), ("gamma", "abc"), ("r_target", "nan"), ("horizon", "2.5")],
)
def test_bad_numbers_are_refused_with_the_old_value_named(name, text):
    w = default_world()
    with pytest.raises(EditError) as e:
        editor.apply_field(w, name, text)
    assert name in str(e.value) and "kept" in str(e.value)


def test_field_text_shows_current_values():
    w = default_world()
    assert editor.field_text(w, "gamma") == "0.9"
    assert editor.field_text(w, "horizon") == "20"


@pytest.mark.parametrize(
    "dx,dy,action", [(0, -0.4, 0), (0.4, 0, 1), (0, 0.4, 2), (-0.4, 0, 3), (0.05, 0.05, 4)]
)
def test_clicking_a_side_of_a_cell_picks_that_action(dx, dy, action):
    assert editor.action_at(dx, dy) == action


def test_hand_policy_is_deterministic():
    pi = editor.hand_policy(editor.with_hand_action((4,) * 9, 0, 1))
    assert pi[0, 1] == 1 and pi.sum() == 9


def test_exact_cache_matches_the_solvers_and_is_reused():
    w = default_world()
    cache = ExactCache()
    pi = np.full((9, 5), 0.2)
    values = cache.policy(w, "uniform", pi)
    assert np.allclose(values.v, policy_value(w, pi))
    assert np.allclose((pi * values.adv).sum(axis=1), 0)
    assert cache.policy(w, "uniform", pi) is values
    assert cache.optimal(w) is cache.optimal(w)


def test_optimal_episode_return_of_the_tutorial_world():
    # the V*-greedy policy from every non-terminal start over a 20-step horizon
    w = default_world()
    opt = ExactCache().optimal(w)
    greedy = deterministic_policy(np.argmax(opt.q, axis=1))
    assert opt.episode_return == pytest.approx(expected_episode_return(w, greedy))
    # from s9 it stays on the target: +1 on each of the 20 steps
    assert expected_episode_return(w.with_changes(horizon=1), greedy) <= 1


def test_written_returns_follow_the_tutorial():
    traj = follow_actions(
        default_world(), 0, [1, 2, 2, 1]
    )  # s1 -a2-> s2 -a3-> s5 -a3-> s8 -a2-> s9
    assert return_equation(traj) == "return = 0 + 0 + 0 + 1 = 1"
    text = discounted_equation(traj, 0.9)
    assert text.startswith("discounted return = 0 + γ0 + γ²0 + γ³1 = 0.729")
    assert return_equation(prefix(traj, 0)) == "return = 0"
    assert gamma_power(4) == "γ⁴"


def test_hyper_parameter_boxes_are_validated():
    overrides, seed = parse_hyper(
        "ppo", {"lr": "0.003", "batch": "128", "hidden": "64,64", "seed": "7"}, True
    )
    assert overrides == {"lr": 0.003, "n_steps": 128, "hidden": (64, 64)} and seed == 7
    assert parse_hyper("reinforce", {"lr": "", "batch": "", "hidden": "", "seed": ""}, False) == (
        {},
        0,
    )
    for bad in ({"lr": "-1"}, {"lr": "x"}, {"batch": "0"}, {"hidden": "a,b"}, {"seed": "1.5"}):
        with pytest.raises(ValueError):
            parse_hyper("ppo", bad, True)


def test_the_pace_slider_runs_from_two_seconds_an_update_to_full_speed():
    from gridsim.app.panels.training import PACES, WATCH_PACE, delay_text, pace_index

    assert delay_from_slider(0) == 2.0 and delay_from_slider(len(PACES) - 1) == 0.0
    assert list(PACES) == sorted(PACES, reverse=True)  # slower to the left
    assert delay_text(WATCH_PACE) == "pace: 3 updates/s"
    assert pace_index(0.3) == PACES.index(WATCH_PACE)


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("r_target", "1e308", "r_target: must be from -1000 to 1000, got 1e308; kept 1"),
        ("r_other", "-1e300", "r_other: must be from -1000 to 1000, got -1e300; kept 0"),
        ("gamma", "0.9999", "gamma: must be from 0 to 0.999, got 0.9999; kept 0.9"),
        ("horizon", "1e9", "horizon: must be from 1 to 100,000, got 1e9; kept 20"),
        ("horizon", "9" * 5000, "horizon: '99999999999999999...999999999999999999' is too long"),
    ],
)
def test_boxes_use_the_same_limits_as_files_and_flags(name, text, message):
    with pytest.raises(EditError) as e:
        editor.apply_field(default_world(), name, text)
    assert str(e.value).startswith(message)


@pytest.mark.parametrize(
    "algo, box, text, message",
    [
        ("ppo", "lr", "1e300", "lr: must be greater than 0 and at most 10, got 1e300"),
        ("ppo", "batch", "1e9", "steps/env: must be from 1 to 10,000,000, got 1e9"),
        ("reinforce", "batch", "1e9", "steps/update: must be from 1 to 10,000,000, got 1e9"),
        ("grpo", "batch", "1e7", "episodes/update: must be from 1 to 65,536, got 1e7"),
        ("ppo", "hidden", "100000,100000", "hidden: must be from 1 to 4096, got 100000"),
        ("ppo", "hidden", "8,8,8,8,8,8,8,8,8", "hidden: write 1 to 8 layer sizes like 64,64"),
        ("ppo", "seed", str(2**64), "seed: must be from 0 to 2^64 - 1, got 18446744073709551616"),
    ],
)
def test_training_boxes_are_bounded_with_a_message_naming_the_limit(algo, box, text, message):
    with pytest.raises(ValueError) as e:
        parse_hyper(algo, {box: text}, True)
    assert str(e.value) == message
    assert parse_hyper("ppo", {"seed": str(2**64 - 1)}, True)[1] == 2**64 - 1


def test_refusals_read_in_chinese_too():
    from gridsim.app import language
    from gridsim.app.scenes.gridworld import refusal_text

    try:
        language.set_language("zh", remember=False)
        with pytest.raises(EditError) as e:
            editor.apply_field(default_world(), "r_target", "1e308")
        assert (
            refusal_text(e.value)
            == "r_target：必须在 -1000 到 1000 之间，输入的是 1e308；保留原值 1"
        )
        with pytest.raises(ValueError) as e:
            parse_hyper("ppo", {"batch": "1e9"}, True)
        assert str(e.value) == "每个环境的步数：必须在 1 到 10,000,000 之间，输入的是 1e9"
    finally:
        language.set_language("en", remember=False)
