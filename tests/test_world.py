"""The world spec, its validation and its transition/reward tables follow DESIGN.md."""

import math

import numpy as np
import pytest

from gridsim.tables import build_tables, step
from gridsim.world import Rewards, World, WorldError, default_world, parse_state, state_name

UP, RIGHT, DOWN, LEFT, STAY = range(5)


def test_default_world_is_the_tutorials():
    w = default_world()
    assert (w.rows, w.cols) == (3, 3)
    assert w.forbidden == {5, 6} and w.targets == {8} and w.start == 0
    assert w.rewards == Rewards(-1, -1, 1, 0)
    assert w.gamma == 0.9 and w.forbidden_mode == "enter" and not w.target_terminal


def test_state_names_are_row_major_from_s1():
    w = World(rows=2, cols=3, targets={"s6"}, forbidden=())
    assert [state_name(s) for s in range(w.n_states)] == ["s1", "s2", "s3", "s4", "s5", "s6"]
    assert w.cell(parse_state("s4", 6)) == (1, 0)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"targets": {"s6"}}, "targets"),  # target on a forbidden cell
        ({"forbidden": {"s10"}}, "forbidden"),  # cell out of range
        ({"targets": ()}, "targets"),  # no target
        ({"start": "s0"}, "start"),
        ({"rows": 0}, "rows"),  # empty grid
        ({"cols": 13}, "cols"),
        ({"gamma": 1.0}, "gamma"),
        ({"gamma": -0.1}, "gamma"),
        ({"gamma": math.nan}, "gamma"),
        ({"forbidden_mode": "lava"}, "forbidden_mode"),
        ({"horizon": 0}, "horizon"),
        ({"target_terminal": "yes"}, "target_terminal"),
    ],
)
def test_invalid_world_names_the_field(changes, field):
    with pytest.raises(WorldError) as info:
        default_world().with_changes(**changes)
    assert info.value.field == field
    assert str(info.value).startswith(field)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "1", None])
def test_non_finite_reward_is_refused(bad):
    with pytest.raises(WorldError, match="rewards.target"):
        Rewards(target=bad)


def test_tutorial_transitions_and_rewards():
    t = build_tables(default_world())
    s1, s2, s3, s5, s6, s8, s9 = 0, 1, 2, 4, 5, 7, 8
    assert (t.next_state[s1, RIGHT], t.reward[s1, RIGHT]) == (s2, 0)
    assert (t.next_state[s1, UP], t.reward[s1, UP]) == (s1, -1)  # boundary: stay put
    assert (t.next_state[s3, DOWN], t.reward[s3, DOWN]) == (s6, -1)  # enters forbidden s6
    assert (t.next_state[s8, RIGHT], t.reward[s8, RIGHT]) == (s9, 1)
    assert (t.next_state[s9, STAY], t.reward[s9, STAY]) == (s9, 1)  # staying on the target
    assert (t.next_state[s9, RIGHT], t.reward[s9, RIGHT]) == (s9, -1)  # boundary on the target
    assert (t.next_state[s5, STAY], t.reward[s5, STAY]) == (s5, 0)
    assert (t.next_state[s6, STAY], t.reward[s6, STAY]) == (s6, -1)  # staying on forbidden
    assert not t.done.any()


def test_wall_mode_keeps_the_agent_in_place_with_r_forbidden():
    t = build_tables(default_world().with_changes(forbidden_mode="wall"))
    assert (t.next_state[2, DOWN], t.reward[2, DOWN]) == (2, -1)
    assert (t.next_state[3, DOWN], t.reward[3, DOWN]) == (3, -1)


def test_terminal_target_marks_steps_into_it_done():
    t = build_tables(default_world().with_changes(target_terminal=True))
    assert t.done[7, RIGHT] and t.done[5, DOWN] and t.done[8, STAY]
    assert t.done[:8].sum() == 2  # from other cells only s8 -a2-> and s6 -a3-> enter s9


def test_tables_are_read_only_and_cached():
    w = default_world()
    t = build_tables(w)
    assert build_tables(default_world()) is t
    with pytest.raises(ValueError):
        t.reward[0, 0] = 5


def test_batched_step_moves_every_walker_by_indexing():
    t = build_tables(default_world())
    states = np.array([0, 0, 7, 8])
    actions = np.array([RIGHT, DOWN, RIGHT, LEFT])
    s2, r, done = step(t, states, actions)
    np.testing.assert_array_equal(s2, [1, 3, 8, 7])
    np.testing.assert_array_equal(r, [0, 0, 1, 0])
    assert done.shape == (4,) and not done.any()


def test_importing_gridsim_loads_neither_torch_nor_pygame():
    import subprocess
    import sys

    code = (
        "import sys, gridsim, gridsim.solvers, gridsim.trajectory, gridsim.layout, gridsim.env;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('torch','pygame','pygame_gui')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
